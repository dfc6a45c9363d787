import type { SimContext } from '../context.js';
import { behaviourOf, takeFailingStart } from '../faults.js';
import {
  computedDesiredCount,
  type SimService,
  type SimTask,
  type SimTaskSet,
  stoppedTaskRetentionMs,
} from './model.js';

const PENDING: ReadonlySet<string> = new Set(['PROVISIONING', 'PENDING']);

/**
 * The ECS service scheduler for task sets: keeps each set at its computedDesiredCount, moves tasks
 * PROVISIONING -> PENDING -> RUNNING, registers running tasks in the set's target group, and stops
 * tasks by deregistering them first (draining), then SIGTERM, then STOPPED.
 */
export class EcsScheduler {
  private ipCounter = 0;
  private launches = 0;

  constructor(private readonly ctx: SimContext) {}

  /** Reconcile the set after `delayMs` (the scheduler's reaction time by default); coalesces requests. */
  requestReconcile(taskSet: SimTaskSet, delayMs = this.ctx.settings.ecs.schedulerDelaySeconds * 1000): void {
    const at = this.ctx.clock.elapsedMs + delayMs;
    const pending = taskSet.reconcile;
    if (pending && !pending.cancelled && pending.at <= at) return;
    pending?.cancel();
    taskSet.reconcile = this.ctx.clock.scheduleAt(at, () => {
      taskSet.reconcile = undefined;
      this.reconcile(taskSet);
    });
  }

  /** A new service desiredCount (UpdateService, Application Auto Scaling): every task set follows its scale of it. */
  setDesiredCount(service: SimService, desiredCount: number): void {
    service.desiredCount = desiredCount;
    for (const taskSet of service.taskSets) this.requestReconcile(taskSet);
  }

  reconcile(taskSet: SimTaskSet): void {
    const desired = computedDesiredCount(taskSet);
    const active = taskSet.tasks.filter((t) => t.desiredStatus === 'RUNNING');
    for (let i = active.length; i < desired; i++) this.launch(taskSet);
    if (active.length > desired) {
      const reason = `Scaling activity initiated by (deployment ${taskSet.id})`;
      const victims = [...active].sort(stopOrder).slice(0, active.length - desired);
      for (const task of victims) this.stop(task, reason);
    }
    this.removeIfDrained(taskSet);
  }

  launch(taskSet: SimTaskSet): SimTask {
    const ctx = this.ctx;
    const id = ctx.rng.ids.hex(32);
    // ECS spreads a set's tasks over its subnets; subnet i lies in zone a, b or c (i mod 3).
    const subnets = taskSet.networkConfiguration?.awsvpcConfiguration?.subnets?.length ?? 1;
    const zone = 'abc'[(this.launches++ % Math.max(1, subnets)) % 3];
    const task: SimTask = {
      id,
      arn: ctx.ecs.arn(`task/${taskSet.service.cluster.name}/${id}`),
      availabilityZone: `${ctx.settings.region}${zone}`,
      ip: this.nextIp(),
      taskSet,
      taskDefinitionArn: taskSet.taskDefinitionArn,
      lastStatus: 'PROVISIONING',
      desiredStatus: 'RUNNING',
      behaviour: behaviourOf(ctx.faults, taskSet.taskDefinitionArn),
      failsToStart: takeFailingStart(ctx.faults, taskSet.taskDefinitionArn),
      launchedAt: ctx.clock.elapsedMs,
      runningAt: undefined,
      stoppingAt: undefined,
      executionStoppedAt: undefined,
      stoppedAt: undefined,
      stoppedReason: undefined,
      target: undefined,
      connections: new Set(),
      timers: [],
    };
    taskSet.tasks.push(task);
    const { provisioningSeconds, pendingSeconds } = ctx.settings.ecs;
    task.timers.push(
      ctx.clock.schedule(provisioningSeconds * 1000, () => {
        task.lastStatus = 'PENDING';
      }),
      ctx.clock.schedule((provisioningSeconds + pendingSeconds) * 1000, () => {
        if (task.failsToStart) this.fail(task, 'CannotPullContainerError: simulated failure to start');
        else this.onRunning(task);
      }),
    );
    return task;
  }

  /** A task that is RUNNING and healthy from the start (the world's starting point). */
  placeRunning(taskSet: SimTaskSet): SimTask {
    const task = this.launch(taskSet);
    for (const timer of task.timers) timer.cancel();
    task.timers = [];
    task.lastStatus = 'RUNNING';
    task.runningAt = this.ctx.clock.elapsedMs;
    const lb = taskSet.loadBalancers[0];
    const group = lb?.targetGroupArn ? this.ctx.elb.targetGroups.get(lb.targetGroupArn) : undefined;
    if (group && lb) this.ctx.health.registerHealthy(group, task, lb.containerPort ?? group.port);
    return task;
  }

  /** Stops a task: deregister and drain first when it is a target, then SIGTERM, then STOPPED. */
  stop(task: SimTask, reason: string): void {
    if (task.desiredStatus === 'STOPPED') return;
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stoppingAt = this.ctx.clock.elapsedMs;
    for (const timer of task.timers) timer.cancel();
    task.timers = [];
    if (PENDING.has(task.lastStatus)) {
      task.lastStatus = 'STOPPED';
      this.finalize(task);
      return;
    }
    if (task.target && task.target.state !== 'draining') {
      task.lastStatus = 'DEACTIVATING';
      this.ctx.health.deregister(task.target);
      return;
    }
    if (task.target?.state === 'draining') {
      task.lastStatus = 'DEACTIVATING';
      return;
    }
    this.terminate(task);
  }

  /** Called by the target group when the deregistration delay of the task's target is over. */
  onDeregistered(task: SimTask): void {
    if (task.lastStatus === 'DEACTIVATING') this.terminate(task);
  }

  /** Called when the load balancer marks the task's target unhealthy. */
  onUnhealthy(task: SimTask): void {
    if (!this.ctx.settings.ecs.replaceUnhealthyTasks || task.desiredStatus !== 'RUNNING') return;
    this.stop(task, `Task failed ELB health checks in (target-group ${task.target?.group.arn ?? ''})`);
    this.requestReconcile(task.taskSet, this.ctx.settings.ecs.replacementDelaySeconds * 1000);
  }

  private onRunning(task: SimTask): void {
    const ctx = this.ctx;
    task.lastStatus = 'RUNNING';
    task.runningAt = ctx.clock.elapsedMs;
    task.timers = [];
    const lb = task.taskSet.loadBalancers[0];
    const group = lb?.targetGroupArn ? ctx.elb.targetGroups.get(lb.targetGroupArn) : undefined;
    if (group && lb) ctx.health.register(group, task, lb.containerPort ?? group.port);
    if (task.behaviour === 'crash') {
      task.timers.push(
        ctx.clock.schedule(ctx.settings.faults.crashAfterSeconds * 1000, () => this.crash(task)),
      );
    }
  }

  /** The essential container exits: flows are reset at once, the target is deregistered, ECS replaces the task. */
  private crash(task: SimTask): void {
    if (task.lastStatus !== 'RUNNING') return;
    this.ctx.population.dropTask(task, 'crash');
    if (task.target && task.target.state !== 'draining') this.ctx.health.deregister(task.target);
    this.fail(task, 'Essential container in task exited');
  }

  private fail(task: SimTask, reason: string): void {
    task.desiredStatus = 'STOPPED';
    task.stoppedReason = reason;
    task.stoppingAt ??= this.ctx.clock.elapsedMs;
    task.lastStatus = 'STOPPED';
    this.finalize(task);
    this.requestReconcile(task.taskSet, this.ctx.settings.ecs.replacementDelaySeconds * 1000);
  }

  /** SIGTERM; the app closes its connections and exits after `shutdownSeconds`. */
  private terminate(task: SimTask): void {
    task.lastStatus = 'STOPPING';
    task.timers.push(
      this.ctx.clock.schedule(this.ctx.settings.ecs.shutdownSeconds * 1000, () => {
        this.ctx.population.dropTask(task, 'task-stopped');
        task.lastStatus = 'STOPPED';
        this.finalize(task);
      }),
    );
  }

  private finalize(task: SimTask): void {
    const now = this.ctx.clock.elapsedMs;
    // The containers exit when the task reaches STOPPED here (the simulator has no DEPROVISIONING time).
    task.stoppingAt ??= now;
    task.executionStoppedAt = now;
    task.stoppedAt = now;
    const stopped = this.ctx.ecs.stoppedTasks;
    stopped.push(task);
    while (stopped.length > 0 && (stopped[0]?.stoppedAt ?? now) < now - stoppedTaskRetentionMs)
      stopped.shift();
    for (const timer of task.timers) timer.cancel();
    task.timers = [];
    const tasks = task.taskSet.tasks;
    const index = tasks.indexOf(task);
    if (index >= 0) tasks.splice(index, 1);
    this.removeIfDrained(task.taskSet);
  }

  private removeIfDrained(taskSet: SimTaskSet): void {
    if (taskSet.status !== 'DRAINING' || taskSet.tasks.length > 0) return;
    const sets = taskSet.service.taskSets;
    const index = sets.indexOf(taskSet);
    if (index >= 0) sets.splice(index, 1);
  }

  private nextIp(): string {
    const n = this.ipCounter++;
    return `10.0.${1 + Math.floor(n / 250)}.${10 + (n % 250)}`;
  }
}

/** Pending tasks go first (newest first), then unhealthy ones, then the newest running ones. */
function stopOrder(a: SimTask, b: SimTask): number {
  const rank = (t: SimTask) => (PENDING.has(t.lastStatus) ? 0 : t.target?.state === 'healthy' ? 2 : 1);
  return rank(a) - rank(b) || b.launchedAt - a.launchedAt;
}
