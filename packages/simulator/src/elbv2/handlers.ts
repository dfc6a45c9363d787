import {
  type Action,
  type AddTagsCommandInput,
  type AddTagsCommandOutput,
  type DescribeListenersCommandInput,
  type DescribeListenersCommandOutput,
  type DescribeLoadBalancersCommandInput,
  type DescribeLoadBalancersCommandOutput,
  type DescribeTagsCommandInput,
  type DescribeTagsCommandOutput,
  type DescribeTargetGroupAttributesCommandInput,
  type DescribeTargetGroupAttributesCommandOutput,
  type DescribeTargetGroupsCommandInput,
  type DescribeTargetGroupsCommandOutput,
  type DescribeTargetHealthCommandInput,
  type DescribeTargetHealthCommandOutput,
  DuplicateTagKeysException,
  InvalidConfigurationRequestException,
  type Listener,
  type ModifyListenerCommandInput,
  type ModifyListenerCommandOutput,
  type RemoveTagsCommandInput,
  type RemoveTagsCommandOutput,
  type TargetGroup,
  type TargetGroupAttribute,
  TooManyTagsException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SimContext } from '../context.js';
import { type SimListener, type SimTargetGroup, targetGroupsOf } from './model.js';

type Out<T> = Omit<T, '$metadata'>;
const meta = () => ({ $metadata: { httpStatusCode: 400 } });

function listenerView(listener: SimListener): Listener {
  return {
    ListenerArn: listener.arn,
    LoadBalancerArn: listener.loadBalancer.arn,
    Port: listener.port,
    Protocol: listener.protocol,
    DefaultActions: structuredClone(listener.defaultActions),
  };
}

function targetGroupView(ctx: SimContext, group: SimTargetGroup): TargetGroup {
  return {
    TargetGroupArn: group.arn,
    TargetGroupName: group.name,
    Protocol: group.protocol,
    Port: group.port,
    VpcId: group.vpcId,
    HealthCheckProtocol: 'TCP',
    HealthCheckPort: 'traffic-port',
    HealthCheckEnabled: true,
    HealthCheckIntervalSeconds: group.healthCheckIntervalSeconds,
    HealthCheckTimeoutSeconds: group.healthCheckTimeoutSeconds,
    HealthyThresholdCount: group.healthyThresholdCount,
    UnhealthyThresholdCount: group.unhealthyThresholdCount,
    LoadBalancerArns: ctx.elb.loadBalancersOf(group).map((lb) => lb.arn),
    TargetType: 'ip',
    IpAddressType: 'ipv4',
  };
}

export function describeListeners(
  ctx: SimContext,
  input: DescribeListenersCommandInput,
): Out<DescribeListenersCommandOutput> {
  if (input.ListenerArns?.length) {
    return { Listeners: input.ListenerArns.map((arn) => listenerView(ctx.elb.listener(arn))) };
  }
  if (!input.LoadBalancerArn) {
    throw new InvalidConfigurationRequestException({
      message: 'You must specify either listener ARNs or a load balancer ARN',
      ...meta(),
    });
  }
  return { Listeners: ctx.elb.loadBalancer(input.LoadBalancerArn).listeners.map(listenerView) };
}

export function describeLoadBalancers(
  ctx: SimContext,
  input: DescribeLoadBalancersCommandInput,
): Out<DescribeLoadBalancersCommandOutput> {
  const balancers = input.LoadBalancerArns?.length
    ? input.LoadBalancerArns.map((arn) => ctx.elb.loadBalancer(arn))
    : [...ctx.elb.loadBalancers.values()];
  return {
    LoadBalancers: balancers.map((lb) => ({
      LoadBalancerArn: lb.arn,
      LoadBalancerName: lb.name,
      DNSName: lb.dnsName,
      Type: 'network',
      Scheme: 'internet-facing',
      VpcId: lb.vpcId,
      State: { Code: 'active' },
      CreatedTime: new Date(lb.createdAt),
    })),
  };
}

export function describeTargetGroups(
  ctx: SimContext,
  input: DescribeTargetGroupsCommandInput,
): Out<DescribeTargetGroupsCommandOutput> {
  let groups: SimTargetGroup[];
  if (input.TargetGroupArns?.length) groups = input.TargetGroupArns.map((arn) => ctx.elb.targetGroup(arn));
  else if (input.Names?.length) {
    groups = input.Names.map((name) => {
      const group = ctx.elb.findTargetGroupByName(name);
      return group ?? ctx.elb.targetGroup(undefined);
    });
  } else if (input.LoadBalancerArn) {
    const lb = ctx.elb.loadBalancer(input.LoadBalancerArn);
    const attached = new Set(lb.listeners.flatMap((l) => targetGroupsOf(l.defaultActions)));
    groups = [...ctx.elb.targetGroups.values()].filter((g) => attached.has(g.arn));
  } else groups = [...ctx.elb.targetGroups.values()];
  return { TargetGroups: groups.map((g) => targetGroupView(ctx, g)) };
}

/**
 * The attributes of a TCP target group of IP targets on a Network Load Balancer, as AWS lists them:
 * the two deregistration attributes from the group's model, every other NLB attribute at its default
 * (client IP preservation is off by default for IP targets over TCP).
 */
export function targetGroupAttributes(group: SimTargetGroup): TargetGroupAttribute[] {
  const pairs: [string, string][] = [
    ['stickiness.enabled', 'false'],
    ['deregistration_delay.timeout_seconds', String(group.deregistrationDelaySeconds)],
    ['stickiness.type', 'source_ip'],
    ['proxy_protocol_v2.enabled', 'false'],
    ['preserve_client_ip.enabled', 'false'],
    ['deregistration_delay.connection_termination.enabled', String(group.connectionTermination)],
    ['load_balancing.cross_zone.enabled', 'use_load_balancer_configuration'],
    ['target_group_health.dns_failover.minimum_healthy_targets.count', '1'],
    ['target_group_health.dns_failover.minimum_healthy_targets.percentage', 'off'],
    ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.count', '1'],
    ['target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage', 'off'],
    ['target_health_state.unhealthy.connection_termination.enabled', 'true'],
    ['target_health_state.unhealthy.draining_interval_seconds', '0'],
  ];
  return pairs.map(([Key, Value]) => ({ Key, Value }));
}

export function describeTargetGroupAttributes(
  ctx: SimContext,
  input: DescribeTargetGroupAttributesCommandInput,
): Out<DescribeTargetGroupAttributesCommandOutput> {
  return { Attributes: targetGroupAttributes(ctx.elb.targetGroup(input.TargetGroupArn)) };
}

/** States: initial, healthy, unhealthy, draining, unused (Target.NotInUse / Target.NotRegistered). */
export function describeTargetHealth(
  ctx: SimContext,
  input: DescribeTargetHealthCommandInput,
): Out<DescribeTargetHealthCommandOutput> {
  const group = ctx.elb.targetGroup(input.TargetGroupArn);
  const registered = [...group.targets.values()];
  if (!input.Targets?.length) {
    return {
      TargetHealthDescriptions: registered.map((t) => ({
        Target: {
          Id: t.id,
          Port: t.port,
          AvailabilityZone: t.task?.availabilityZone ?? `${ctx.settings.region}a`,
        },
        HealthCheckPort: String(t.port),
        TargetHealth: ctx.health.describe(t),
      })),
    };
  }
  return {
    TargetHealthDescriptions: input.Targets.map((wanted) => {
      const port = wanted.Port ?? group.port;
      const target = group.targets.get(`${wanted.Id}:${port}`);
      return {
        Target: { Id: wanted.Id, Port: port },
        HealthCheckPort: String(port),
        TargetHealth: target
          ? ctx.health.describe(target)
          : {
              State: 'unused',
              Reason: 'Target.NotRegistered',
              Description: 'Target is not registered to the target group',
            },
      };
    }),
  };
}

function checkActions(ctx: SimContext, actions: Action[] | undefined): Action[] {
  if (!actions || actions.length === 0) {
    throw new InvalidConfigurationRequestException({
      message: 'A default action must be specified',
      ...meta(),
    });
  }
  for (const action of actions) {
    if (action.Type !== 'forward') {
      throw new InvalidConfigurationRequestException({
        message: `Action type '${action.Type}' is not supported by Network Load Balancer listeners`,
        ...meta(),
      });
    }
    const tuples = action.ForwardConfig?.TargetGroups ?? [];
    if (
      action.TargetGroupArn &&
      tuples.length > 0 &&
      tuples.some((t) => t.TargetGroupArn !== action.TargetGroupArn)
    ) {
      throw new InvalidConfigurationRequestException({
        message: 'You cannot specify both a target group ARN and a different target group in ForwardConfig',
        ...meta(),
      });
    }
    for (const arn of targetGroupsOf([action])) ctx.elb.targetGroup(arn);
  }
  return structuredClone(actions);
}

/** The API shows the new default actions at once; the data plane follows over the propagation window. */
export function modifyListener(
  ctx: SimContext,
  input: ModifyListenerCommandInput,
): Out<ModifyListenerCommandOutput> {
  const listener = ctx.elb.listener(input.ListenerArn);
  if (input.DefaultActions) ctx.routing.modify(listener, checkActions(ctx, input.DefaultActions));
  if (input.Port !== undefined) listener.port = input.Port;
  return { Listeners: [listenerView(listener)] };
}

export function describeTags(
  ctx: SimContext,
  input: DescribeTagsCommandInput,
): Out<DescribeTagsCommandOutput> {
  const arns = input.ResourceArns ?? [];
  if (arns.length > 20) {
    throw new InvalidConfigurationRequestException({
      message: 'You can describe tags of at most 20 resources',
      ...meta(),
    });
  }
  return {
    TagDescriptions: arns.map((arn) => {
      ctx.elb.requireTaggable(arn);
      return { ResourceArn: arn, Tags: structuredClone(ctx.elb.tags.get(arn) ?? []) };
    }),
  };
}

export function addTags(ctx: SimContext, input: AddTagsCommandInput): Out<AddTagsCommandOutput> {
  const tags = input.Tags ?? [];
  const keys = tags.map((t) => t.Key);
  if (new Set(keys).size !== keys.length) {
    throw new DuplicateTagKeysException({ message: 'A tag key was specified more than once.', ...meta() });
  }
  const arns = input.ResourceArns ?? [];
  for (const arn of arns) ctx.elb.requireTaggable(arn);
  for (const arn of arns) {
    const merged = new Map((ctx.elb.tags.get(arn) ?? []).map((t) => [t.Key, t]));
    for (const tag of tags) merged.set(tag.Key, { Key: tag.Key, Value: tag.Value });
    if (merged.size > 50) {
      throw new TooManyTagsException({
        message: 'You\u2019ve reached the limit on the number of tags for this resource.',
        ...meta(),
      });
    }
  }
  for (const arn of arns) {
    const merged = new Map((ctx.elb.tags.get(arn) ?? []).map((t) => [t.Key, t]));
    for (const tag of tags) merged.set(tag.Key, { Key: tag.Key, Value: tag.Value });
    ctx.elb.tags.set(arn, [...merged.values()]);
  }
  return {};
}

export function removeTags(ctx: SimContext, input: RemoveTagsCommandInput): Out<RemoveTagsCommandOutput> {
  const arns = input.ResourceArns ?? [];
  for (const arn of arns) ctx.elb.requireTaggable(arn);
  const keys = new Set(input.TagKeys ?? []);
  for (const arn of arns) {
    ctx.elb.tags.set(
      arn,
      (ctx.elb.tags.get(arn) ?? []).filter((t) => !keys.has(t.Key ?? '')),
    );
  }
  return {};
}
