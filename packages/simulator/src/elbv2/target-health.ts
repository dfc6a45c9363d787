import type { TargetHealth as SdkTargetHealth } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SimContext } from '../context.js';
import type { SimTask } from '../ecs/model.js';
import { type SimTarget, type SimTargetGroup, type TargetState, targetGroupsOf } from './model.js';

const DESCRIPTIONS: Record<string, string> = {
  'Elb.RegistrationInProgress': 'Target registration is in progress',
  'Elb.InitialHealthChecking': 'Initial health checks in progress',
  'Target.FailedHealthChecks': 'Health checks failed',
  'Target.DeregistrationInProgress': 'Target deregistration is in progress',
  'Target.NotInUse': 'Target group is not configured to receive traffic from the load balancer',
  'Target.NotRegistered': 'Target is not registered to the target group',
};

/**
 * Target registration, health checks and deregistration. A group that no listener forwards to is
 * `unused` and not health-checked; once a listener uses it, its targets start `initial` and become
 * `healthy` after healthyThresholdCount x interval (or `unhealthy` after unhealthyThresholdCount x
 * interval for a bad version). Deregistered targets drain for the group's deregistration delay.
 */
export class TargetHealth {
  constructor(private readonly ctx: SimContext) {}

  register(group: SimTargetGroup, task: SimTask, port: number): SimTarget {
    let state: TargetState = 'unused';
    const target: SimTarget = {
      id: task.ip,
      port,
      group,
      task,
      // Every change of state (from here or anywhere else) drops the group's routing index.
      get state() {
        return state;
      },
      set state(next: TargetState) {
        if (next === state) return;
        state = next;
        group.routingIndex = undefined;
      },
      reason: 'Target.NotInUse',
      registeredAt: this.ctx.clock.elapsedMs,
      timer: undefined,
    };
    group.targets.set(`${target.id}:${port}`, target);
    group.routingIndex = undefined;
    task.target = target;
    if (group.inUse) this.startChecks(target);
    return target;
  }

  /** A target that starts healthy at once (used to build the world's starting point). */
  registerHealthy(group: SimTargetGroup, task: SimTask, port: number): SimTarget {
    const target = this.register(group, task, port);
    target.timer?.cancel();
    target.state = group.inUse ? 'healthy' : 'unused';
    target.reason = group.inUse ? undefined : 'Target.NotInUse';
    return target;
  }

  /** Starts draining; after the deregistration delay the target is removed and ECS is told. */
  deregister(target: SimTarget): void {
    if (target.state === 'draining') return;
    target.timer?.cancel();
    target.state = 'draining';
    target.reason = 'Target.DeregistrationInProgress';
    const group = target.group;
    target.timer = this.ctx.clock.schedule(group.deregistrationDelaySeconds * 1000, () => {
      group.targets.delete(`${target.id}:${target.port}`);
      group.routingIndex = undefined;
      const task = target.task;
      if (!task) return;
      const jitter = this.ctx.settings.ecs.stopJitterSeconds;
      // Scheduled only with a jitter, so that a world without one runs exactly as before.
      if (jitter > 0) {
        target.timer = this.ctx.clock.schedule(this.ctx.rng.stops.uniform(0, jitter) * 1000, () =>
          this.deregistered(group, task),
        );
      } else {
        this.deregistered(group, task);
      }
    });
  }

  /** The deregistration delay (and any stop jitter) is over: the NLB closes flows if told to, ECS stops the task. */
  private deregistered(group: SimTargetGroup, task: SimTask): void {
    if (group.connectionTermination) this.ctx.population.dropTask(task, 'connection-termination');
    this.ctx.scheduler.onDeregistered(task);
  }

  /** Recomputes which groups are in use after a listener change. Detaching takes effect after the propagation delay. */
  refreshUsage(): void {
    const used = new Set<string>();
    for (const listener of this.ctx.elb.listeners()) {
      for (const arn of targetGroupsOf(listener.defaultActions)) used.add(arn);
    }
    for (const group of this.ctx.elb.targetGroups.values()) {
      if (used.has(group.arn)) {
        group.pendingUnuse?.cancel();
        group.pendingUnuse = undefined;
        if (!group.inUse) {
          group.inUse = true;
          for (const target of group.targets.values())
            if (target.state !== 'draining') this.startChecks(target);
        }
      } else if (group.inUse && !group.pendingUnuse) {
        group.pendingUnuse = this.ctx.clock.schedule(
          this.ctx.settings.listener.propagationSeconds * 1000,
          () => {
            group.pendingUnuse = undefined;
            group.inUse = false;
            for (const target of group.targets.values()) {
              if (target.state === 'draining') continue;
              target.timer?.cancel();
              target.state = 'unused';
              target.reason = 'Target.NotInUse';
            }
          },
        );
      }
    }
  }

  /**
   * The app behind a healthy target starts failing its health checks (a version that breaks after it
   * passed the gate): the target turns `unhealthy` after the group's unhealthy threshold of checks, and
   * ECS replaces the task as it does for any target the load balancer reports unhealthy.
   */
  failChecks(target: SimTarget): void {
    const { group, task } = target;
    if (target.state !== 'healthy' && target.state !== 'initial') return;
    target.timer?.cancel();
    target.timer = this.ctx.clock.schedule(
      group.unhealthyThresholdCount * group.healthCheckIntervalSeconds * 1000,
      () => {
        target.timer = undefined;
        if (target.state !== 'healthy' && target.state !== 'initial') return;
        target.state = 'unhealthy';
        target.reason = 'Target.FailedHealthChecks';
        if (task) this.ctx.scheduler.onUnhealthy(task);
      },
    );
  }

  healthyTargets(group: SimTargetGroup): SimTarget[] {
    const out: SimTarget[] = [];
    for (const target of group.targets.values()) if (target.state === 'healthy') out.push(target);
    return out;
  }

  describe(target: SimTarget): SdkTargetHealth {
    if (target.state === 'healthy') return { State: 'healthy' };
    const reason = target.reason;
    return { State: target.state, Reason: reason, Description: reason ? DESCRIPTIONS[reason] : undefined };
  }

  private startChecks(target: SimTarget): void {
    const { group, task } = target;
    const registration = this.ctx.settings.targetGroup.registrationSeconds;
    target.timer?.cancel();
    target.state = 'initial';
    target.reason = registration > 0 ? 'Elb.RegistrationInProgress' : 'Elb.InitialHealthChecking';
    if (registration > 0) {
      this.ctx.clock.schedule(registration * 1000, () => {
        if (target.state === 'initial') target.reason = 'Elb.InitialHealthChecking';
      });
    }
    const passes = task?.behaviour !== 'unhealthy';
    const checks = passes ? group.healthyThresholdCount : group.unhealthyThresholdCount;
    const delayMs = (registration + checks * group.healthCheckIntervalSeconds) * 1000;
    target.timer = this.ctx.clock.schedule(delayMs, () => {
      target.timer = undefined;
      if (target.state !== 'initial') return;
      if (passes) {
        target.state = 'healthy';
        target.reason = undefined;
      } else {
        target.state = 'unhealthy';
        target.reason = 'Target.FailedHealthChecks';
        if (task) this.ctx.scheduler.onUnhealthy(task);
      }
    });
  }
}
