import {
  type Action,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  type Tag,
  TargetGroupNotFoundException,
  type TargetHealthReasonEnum,
  type TargetHealthStateEnum,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SimTask } from '../ecs/model.js';
import type { ScheduledEvent } from '../event-queue.js';

export interface SimLoadBalancer {
  arn: string;
  name: string;
  dnsName: string;
  vpcId: string;
  createdAt: number;
  listeners: SimListener[];
}

export interface SimListener {
  arn: string;
  loadBalancer: SimLoadBalancer;
  port: number;
  protocol: 'TCP';
  defaultActions: Action[];
  /** The actions in force before the last ModifyListener, which new flows may still follow for a while. */
  previous: { actions: Action[]; changedAt: number } | undefined;
}

export interface SimTargetGroup {
  arn: string;
  name: string;
  port: number;
  protocol: 'TCP';
  vpcId: string;
  healthCheckIntervalSeconds: number;
  healthyThresholdCount: number;
  unhealthyThresholdCount: number;
  healthCheckTimeoutSeconds: number;
  deregistrationDelaySeconds: number;
  connectionTermination: boolean;
  /** Registered and draining targets, keyed by `ip:port`. */
  targets: Map<string, SimTarget>;
  /** A listener forwards to the group (targets are health-checked); otherwise `unused / Target.NotInUse`. */
  inUse: boolean;
  pendingUnuse: ScheduledEvent | undefined;
  /**
   * Routing's index of `targets`: the healthy and the routable (not draining) ones, in the map's order.
   * Dropped whenever a target is added, removed or changes state (see `TargetHealth.register`), and
   * rebuilt by the next new flow, so choosing a target is O(1) between changes.
   */
  routingIndex?: RoutingIndex | undefined;
}

/** The targets a new flow may reach, in the order of `SimTargetGroup.targets`. */
export interface RoutingIndex {
  healthy: SimTarget[];
  routable: SimTarget[];
}

export type TargetState = Extract<
  TargetHealthStateEnum,
  'initial' | 'healthy' | 'unhealthy' | 'draining' | 'unused'
>;

export interface SimTarget {
  id: string;
  port: number;
  group: SimTargetGroup;
  task: SimTask | undefined;
  state: TargetState;
  reason: TargetHealthReasonEnum | undefined;
  registeredAt: number;
  timer: ScheduledEvent | undefined;
}

const meta = () => ({ $metadata: { httpStatusCode: 400 } });

/** Load balancers, listeners, target groups and tags, with lookups that throw the real ELBv2 errors. */
export class ElbState {
  readonly loadBalancers = new Map<string, SimLoadBalancer>();
  readonly targetGroups = new Map<string, SimTargetGroup>();
  readonly tags = new Map<string, Tag[]>();

  constructor(
    readonly account: string,
    readonly region: string,
  ) {}

  arn(resource: string): string {
    return `arn:aws:elasticloadbalancing:${this.region}:${this.account}:${resource}`;
  }

  loadBalancer(arn: string | undefined): SimLoadBalancer {
    const lb = arn ? this.loadBalancers.get(arn) : undefined;
    if (!lb) {
      throw new LoadBalancerNotFoundException({
        message: `One or more load balancers not found`,
        ...meta(),
      });
    }
    return lb;
  }

  findListener(arn: string): SimListener | undefined {
    for (const lb of this.loadBalancers.values()) {
      const listener = lb.listeners.find((l) => l.arn === arn);
      if (listener) return listener;
    }
    return undefined;
  }

  listener(arn: string | undefined): SimListener {
    const listener = arn ? this.findListener(arn) : undefined;
    if (!listener)
      throw new ListenerNotFoundException({ message: 'One or more listeners not found', ...meta() });
    return listener;
  }

  targetGroup(arn: string | undefined): SimTargetGroup {
    const group = arn ? this.targetGroups.get(arn) : undefined;
    if (!group) {
      throw new TargetGroupNotFoundException({
        message: `One or more target groups not found`,
        ...meta(),
      });
    }
    return group;
  }

  findTargetGroupByName(name: string): SimTargetGroup | undefined {
    for (const group of this.targetGroups.values()) if (group.name === name) return group;
    return undefined;
  }

  /** Every listener of every load balancer. */
  *listeners(): Generator<SimListener> {
    for (const lb of this.loadBalancers.values()) yield* lb.listeners;
  }

  /** Load balancers whose listeners forward to the group (DescribeTargetGroups' LoadBalancerArns). */
  loadBalancersOf(group: SimTargetGroup): SimLoadBalancer[] {
    const out: SimLoadBalancer[] = [];
    for (const lb of this.loadBalancers.values()) {
      if (lb.listeners.some((l) => targetGroupsOf(l.defaultActions).includes(group.arn))) out.push(lb);
    }
    return out;
  }

  /** Checks that an ARN names an existing resource of any kind that carries tags. */
  requireTaggable(arn: string): void {
    if (this.loadBalancers.has(arn)) return;
    if (this.targetGroups.has(arn)) return;
    if (this.findListener(arn)) return;
    if (arn.includes(':targetgroup/')) this.targetGroup(arn);
    if (arn.includes(':listener/')) this.listener(arn);
    this.loadBalancer(arn);
  }
}

/** Target groups a list of actions forwards to, with their weights (weight 0 excluded). */
export function weightedTargetGroups(actions: readonly Action[]): { arn: string; weight: number }[] {
  const out: { arn: string; weight: number }[] = [];
  for (const action of actions) {
    if (action.Type !== 'forward') continue;
    const tuples = action.ForwardConfig?.TargetGroups;
    if (tuples && tuples.length > 0) {
      for (const t of tuples) {
        const weight = t.Weight ?? 1;
        if (t.TargetGroupArn && weight > 0) out.push({ arn: t.TargetGroupArn, weight });
      }
    } else if (action.TargetGroupArn) {
      out.push({ arn: action.TargetGroupArn, weight: 1 });
    }
  }
  return out;
}

/** Every target group referenced by the actions (weight 0 included: the group is still attached). */
export function targetGroupsOf(actions: readonly Action[]): string[] {
  const out = new Set<string>();
  for (const action of actions) {
    if (action.TargetGroupArn) out.add(action.TargetGroupArn);
    for (const t of action.ForwardConfig?.TargetGroups ?? []) if (t.TargetGroupArn) out.add(t.TargetGroupArn);
  }
  return [...out];
}
