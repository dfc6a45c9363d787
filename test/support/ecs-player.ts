/**
 * The test plays ECS where moto does not.
 *
 * moto stores task sets but runs nothing for them: DescribeServices returns its task sets WITHOUT
 * computedDesiredCount, runningCount and pendingCount (moto's TaskSet model has no such fields), always
 * with stabilityStatus STEADY_STATE, and ECS's side effects on the load balancer (registering a task's IP in
 * the task set's target group when it runs, deregistering it when the set is scaled down or deleted) never
 * happen. Core reads exactly those counts to gate on readiness and to plan the scale-down.
 *
 * The player is an SDK middleware on the ECS client handed to core: after every DescribeServices that went
 * to moto over HTTP, it fills in the missing counts as ECS computes them
 * (computedDesiredCount = ceil(service.desiredCount * scale / 100), running as the test decides) and makes
 * the load balancer match them with real RegisterTargets / DeregisterTargets calls to moto, so
 * DescribeTargetHealth (which moto answers `healthy` for every registered target) reports the tasks.
 * It never invents a field moto does return: if a later moto reports counts, the player steps back.
 */
import type { DescribeServicesCommandOutput, ECSClient, Service, TaskSet } from '@aws-sdk/client-ecs';
import {
  DeregisterTargetsCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';

export interface PlayerOptions {
  /**
   * Tasks ECS runs for a set (default: exactly computedDesiredCount, i.e. tasks start and stop at once).
   * Less: tasks still starting (pending). More: tasks of a shrunk set still draining.
   */
  running?: (set: TaskSet, computedDesiredCount: number) => number;
  /** Whether a set's running tasks are registered in its target group (default: always). */
  registerTargets?: (set: TaskSet) => boolean;
}

interface Registered {
  targetGroupArn: string;
  ips: string[];
}

export class EcsPlayer {
  /** What the player registered, per task set ARN. */
  readonly registered = new Map<string, Registered>();
  /** DescribeServices answers the player completed (how often core looked). */
  plays = 0;
  private readonly octets = new Map<string, number>();

  constructor(
    private readonly elbv2: ElasticLoadBalancingV2Client,
    public options: PlayerOptions = {},
  ) {}

  /** Adds the player to `ecs` (a client core will use; read back with another client to see moto raw). */
  attach<T extends ECSClient>(ecs: T): T {
    ecs.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        if (context.commandName === 'DescribeServicesCommand') {
          await this.play((result.output as DescribeServicesCommandOutput).services ?? []);
        }
        return result;
      },
      { step: 'initialize', name: 'ecsTaperTestEcsPlayer' },
    );
    return ecs;
  }

  async play(services: Service[]): Promise<void> {
    for (const service of services) {
      const present = new Set<string>();
      for (const set of service.taskSets ?? []) {
        if (!set.taskSetArn) continue;
        present.add(set.taskSetArn);
        if (set.computedDesiredCount !== undefined) continue;
        const computed = Math.ceil(((service.desiredCount ?? 0) * (set.scale?.value ?? 0)) / 100);
        // Above computed while a shrunk set's tasks are still draining; below it while tasks start.
        const running = Math.max(0, this.options.running?.(set, computed) ?? computed);
        set.computedDesiredCount = computed;
        set.runningCount = running;
        set.pendingCount = Math.max(0, computed - running);
        set.stabilityStatus = running === computed ? 'STEADY_STATE' : 'STABILIZING';
        const targetGroupArn = set.loadBalancers?.[0]?.targetGroupArn;
        const register = this.options.registerTargets?.(set) ?? true;
        if (targetGroupArn) await this.sync(set.taskSetArn, targetGroupArn, register ? running : 0);
      }
      // ECS deregisters the targets of a deleted task set.
      const prefix = service.serviceArn?.split('/').slice(-2).join('/') ?? '';
      for (const [arn, registered] of this.registered) {
        if (arn.includes(`/${prefix}/`) && !present.has(arn)) {
          await this.sync(arn, registered.targetGroupArn, 0);
          this.registered.delete(arn);
        }
      }
    }
    this.plays += 1;
  }

  private ip(taskSetArn: string, index: number): string {
    let octet = this.octets.get(taskSetArn);
    if (octet === undefined) {
      octet = this.octets.size + 1;
      this.octets.set(taskSetArn, octet);
    }
    return `10.20.${octet}.${index + 10}`;
  }

  private async sync(taskSetArn: string, targetGroupArn: string, running: number): Promise<void> {
    const current = this.registered.get(taskSetArn)?.ips ?? [];
    const wanted = Array.from({ length: running }, (_, i) => this.ip(taskSetArn, i));
    const add = wanted.filter((ip) => !current.includes(ip));
    const remove = current.filter((ip) => !wanted.includes(ip));
    if (add.length > 0) {
      await this.elbv2.send(
        new RegisterTargetsCommand({ TargetGroupArn: targetGroupArn, Targets: add.map((Id) => ({ Id })) }),
      );
    }
    if (remove.length > 0) {
      await this.elbv2.send(
        new DeregisterTargetsCommand({
          TargetGroupArn: targetGroupArn,
          Targets: remove.map((Id) => ({ Id })),
        }),
      );
    }
    this.registered.set(taskSetArn, { targetGroupArn, ips: wanted });
  }
}
