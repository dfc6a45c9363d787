import type { TaskSet } from '@aws-sdk/client-ecs';
import type { Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isTransientAwsError } from '../aws/call-aws';
import {
  forwardTargetGroups,
  liveTaskSets,
  type PhaseContext,
  readListeners,
  readService,
  readTargetHealth,
} from '../aws/read';
import { taskCounts } from '../aws/task-sets';
import { deleteTaskSet, updateTaskSetScale } from '../aws/write';
import { restoreAutoScaling } from '../controller/autoscaling';
import { AwsCallError, EcsTaperError } from '../errors';
import type { ResolvedInput } from '../input';
import { type DeploymentState, end, go, type PhaseResult, type Topology } from '../state';
import { runHook } from '../steps/hook';
import { nextStepDueAt, planFor, scaleForTasks } from './scale-down';
import { act, pointListeners } from './swap-listener';
import { summarizeHealth } from './wait-ready';

export interface RollbackObservation {
  old: TaskSet | undefined;
  ours: TaskSet | undefined;
  primaryTaskSetArn: string | undefined;
  productionListeners: Listener[];
  testListener: Listener | undefined;
  oldHealthy: number;
  newHealthy: number;
  /** Targets of the new group still `draining`: clients that joined the new version are still on it. */
  newDraining: number;
  liveDesiredCount: number;
  now: number;
}

export type RollbackDecision =
  | { kind: 'health-check-old'; listenerArn: string }
  | { kind: 'restore-old-scale'; taskSetArn: string }
  | { kind: 'point-back' }
  | { kind: 'wait'; seconds: number; reason: string }
  | { kind: 'retire-new'; taskSetArn: string; scalePercent: number; remainingTasks: number }
  | { kind: 'delete-new'; taskSetArn: string }
  | { kind: 'done'; detail: string }
  | { kind: 'give-up'; reason: string };

/**
 * Pure. Production first, then everything else:
 * 1. the old group must be health-checked (a swap that died between its listener changes may have left
 *    no listener on it: its targets are then `unused` and never turn healthy), so the test listener goes
 *    to it first;
 * 2. the old set gets its capacity back (no traffic moves);
 * 3. production points back as soon as the old group can carry it: at least one healthy target and as
 *    many as the new group has (not once the whole old set is back: a new version that fails its health
 *    checks leaves production with nothing while that takes minutes);
 * 4. after the listener propagation window (settleSeconds: new flows still reach the new group meanwhile)
 *    the new set is retired at the plan's pace, like the old set in a forward scale-down, so the clients
 *    that joined it since the swap do not all reconnect at once; it is deleted once empty and drained.
 */
export function decide(
  seen: RollbackObservation,
  topology: Topology,
  state: DeploymentState,
): RollbackDecision {
  const onNew = seen.productionListeners.some((l) =>
    forwardTargetGroups(l).includes(topology.newTargetGroupArn),
  );
  const { old, ours } = seen;
  if (!old) {
    if (onNew && ours)
      return { kind: 'give-up', reason: 'no old task set to roll back to; the new version keeps serving' };
  } else if (onNew) {
    const listenersOnOld = [
      ...seen.productionListeners,
      ...(seen.testListener ? [seen.testListener] : []),
    ].some((l) => forwardTargetGroups(l).includes(topology.oldTargetGroupArn));
    if (!listenersOnOld && seen.testListener?.ListenerArn) {
      return { kind: 'health-check-old', listenerArn: seen.testListener.ListenerArn };
    }
    if ((old.scale?.value ?? 0) < 100)
      return { kind: 'restore-old-scale', taskSetArn: old.taskSetArn as string };
    if (seen.oldHealthy >= Math.max(1, seen.newHealthy)) return { kind: 'point-back' };
    return {
      kind: 'wait',
      seconds: state.input.pollIntervalSeconds,
      reason: `waiting for the old targets to carry production: ${seen.oldHealthy} healthy, the new group has ${seen.newHealthy}`,
    };
  } else {
    if ((old.scale?.value ?? 0) < 100)
      return { kind: 'restore-old-scale', taskSetArn: old.taskSetArn as string };
    const testOnNew = seen.testListener
      ? forwardTargetGroups(seen.testListener).includes(topology.newTargetGroupArn)
      : true;
    if (seen.primaryTaskSetArn !== old.taskSetArn || !testOnNew) return { kind: 'point-back' };
  }
  if (!ours) return { kind: 'done', detail: 'old version serves production; new task set removed' };
  // Never swapped: no client ever reached the new set, so it goes at once.
  if (state.swappedAt === undefined) return { kind: 'delete-new', taskSetArn: ours.taskSetArn as string };
  const counts = taskCounts(ours) ?? { running: 0, pending: 0, desired: 0 };
  if (counts.desired === 0) {
    if (counts.running + counts.pending + seen.newDraining > 0) {
      return {
        kind: 'wait',
        seconds: state.input.pollIntervalSeconds,
        reason: `new task set retired; waiting for its clients to leave: ${counts.running} running, ${seen.newDraining} targets draining`,
      };
    }
    return { kind: 'delete-new', taskSetArn: ours.taskSetArn as string };
  }
  const backAt = state.swappedBackAt ?? seen.now;
  const plan = planFor(state.input, seen.liveDesiredCount, counts.desired);
  const dueAt = Math.max(
    backAt + state.input.settleSeconds * 1000,
    nextStepDueAt(
      { ...state, lastStepAt: state.rollbackLastStepAt, holdEndedAt: undefined },
      plan.intervalSeconds,
    ) ?? 0,
  );
  if (seen.now < dueAt) {
    return {
      kind: 'wait',
      seconds: Math.ceil((dueAt - seen.now) / 1000),
      reason: `retiring the new task set at the plan's pace (${counts.desired} tasks left)`,
    };
  }
  const step = plan.step(1);
  const remainingTasks = step?.remainingTasks ?? 0;
  return {
    kind: 'retire-new',
    taskSetArn: ours.taskSetArn as string,
    scalePercent: scaleForTasks(seen.liveDesiredCount, remainingTasks),
    remainingTasks,
  };
}

async function observe(
  ctx: PhaseContext,
  state: DeploymentState,
  topology: Topology,
): Promise<RollbackObservation> {
  const service = await readService(ctx, state.input.cluster, state.input.service);
  const sets = liveTaskSets(service);
  const listeners = await readListeners(ctx, {
    listenerArns: [...topology.productionListenerArns, topology.testListenerArn],
  });
  const health = async (arn: string) => readTargetHealth(ctx, arn);
  const oldTargets = await health(topology.oldTargetGroupArn);
  const newTargets = await health(topology.newTargetGroupArn);
  return {
    old: sets.find((set) => set.taskSetArn === topology.oldTaskSetArn),
    ours: sets.find((set) => set.taskSetArn === state.newTaskSetArn || set.externalId === state.deploymentId),
    primaryTaskSetArn: service?.taskSets?.find((set) => set.status === 'PRIMARY')?.taskSetArn,
    productionListeners: listeners.filter((l) => l.ListenerArn !== topology.testListenerArn),
    testListener: listeners.find((l) => l.ListenerArn === topology.testListenerArn),
    oldHealthy: summarizeHealth(oldTargets).healthy,
    newHealthy: summarizeHealth(newTargets).healthy,
    newDraining: newTargets.filter((t) => t.TargetHealth?.State === 'draining').length,
    liveDesiredCount: service?.desiredCount ?? 0,
    now: ctx.now,
  };
}

/** Phase: undo the deployment, one observed step per invocation, bounded by `rollbackDeadline`. */
export async function rollback(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const { input, topology } = state;
  const reason = state.rollbackReason ?? 'rollback requested';
  if (!topology) throw new EcsTaperError('internal: rollback before discover resolved the topology');
  const deadline = state.rollbackDeadline ?? ctx.now + input.readyTimeoutSeconds * 1000;
  const current: DeploymentState = { ...state, rollbackReason: reason, rollbackDeadline: deadline };
  try {
    return await toldToHook(ctx, await rollbackStep(ctx, current, topology, deadline, reason));
  } catch (error) {
    // A rollback is what keeps production safe: a throttle, a 5xx or a lost response is retried at the
    // next poll until the deadline, never the end of it.
    // callAws throws what it gave up on wrapped in an AwsCallError: the AWS error is its cause.
    const transient =
      isTransientAwsError(error) || (error instanceof AwsCallError && isTransientAwsError(error.cause));
    if (!transient || ctx.now >= deadline) throw error;
    const message = error instanceof Error ? error.message : String(error);
    return {
      state: current,
      next: go('rollback', `retrying after a transient error: ${message}`, input.pollIntervalSeconds),
    };
  }
}

/**
 * The on-rollback hook runs once the rollback has ended, never before: a slow hook must not keep
 * production on a failing version. Its failure is reported in the outcome, it cannot undo the rollback.
 */
async function toldToHook(ctx: PhaseContext, result: PhaseResult): Promise<PhaseResult> {
  if (result.next.kind !== 'end' || result.state.rollbackHookRan) return result;
  const hook = await runHook(ctx, result.state, 'on-rollback', {
    reason: result.state.rollbackReason ?? result.next.detail,
  });
  if (!hook) return result;
  const told = hook.ok ? 'on-rollback hook passed' : `on-rollback hook failed: ${hook.detail}`;
  return {
    ...result,
    state: { ...result.state, rollbackHookRan: true },
    next: { ...result.next, detail: `${result.next.detail}; ${told}` },
  };
}

/**
 * Once production is back on the old version it is safe; retiring the new set at the plan's pace (after
 * the propagation window) and letting its clients drain gets its own time beyond the rollback's deadline.
 */
function retireDeadline(
  input: ResolvedInput,
  seen: RollbackObservation,
  deadline: number,
  now: number,
): number {
  const plan = seen.ours
    ? planFor(input, seen.liveDesiredCount, taskCounts(seen.ours)?.desired ?? 0)
    : undefined;
  const retireSeconds =
    input.settleSeconds + (plan?.stepCount ?? 0) * (plan?.intervalSeconds ?? 0) + input.drainTimeoutSeconds;
  return Math.max(deadline, now + retireSeconds * 1000);
}

async function rollbackStep(
  ctx: PhaseContext,
  observed: DeploymentState,
  topology: Topology,
  deadline: number,
  reason: string,
): Promise<PhaseResult> {
  const { input } = observed;
  const seen = await observe(ctx, observed, topology);
  // Production already on the old group with no point-back recorded (a rollback resumed by a new run, or
  // a canary that gave the old group its new flows back first): the propagation window counts from this
  // first look, and is kept so it does not start over each call; the retirement gets its own time.
  const onNew = seen.productionListeners.some((l) =>
    forwardTargetGroups(l).includes(topology.newTargetGroupArn),
  );
  const current: DeploymentState =
    !onNew && observed.swappedAt !== undefined && observed.swappedBackAt === undefined
      ? {
          ...observed,
          swappedBackAt: ctx.now,
          rollbackDeadline: retireDeadline(input, seen, deadline, ctx.now),
        }
      : observed;
  const until = current.rollbackDeadline ?? deadline;
  const status = {
    oldTasks: taskCounts(seen.old),
    newTasks: taskCounts(seen.ours),
    healthyNewTargets: seen.newHealthy,
  };
  const decision = decide(seen, topology, current);
  switch (decision.kind) {
    case 'health-check-old':
      await act(ctx, input, {
        kind: 'modify-listener',
        listenerArn: decision.listenerArn,
        targetGroupArn: topology.oldTargetGroupArn,
      });
      return {
        state: current,
        next: go('rollback', 'test listener points at the old group so it is health-checked'),
        status,
      };
    case 'restore-old-scale':
      await updateTaskSetScale(ctx, input, decision.taskSetArn, 100);
      return { state: current, next: go('rollback', 'old task set restored to 100 %'), status };
    case 'point-back': {
      await pointListeners(ctx, input, topology, {
        liveTargetGroupArn: topology.oldTargetGroupArn,
        standbyTargetGroupArn: topology.newTargetGroupArn,
        primaryTaskSetArn: topology.oldTaskSetArn,
      });
      return {
        state: {
          ...current,
          swappedBackAt: current.swappedBackAt ?? ctx.now,
          // Production was on the new group (even if the swap phase died before recording it): clients
          // joined the new set, so it is retired at the plan's pace, not deleted at once.
          swappedAt: current.swappedAt ?? ctx.now,
          rollbackDeadline: retireDeadline(input, seen, until, ctx.now),
        },
        next: go('rollback', 'production points at the old version again'),
        status,
      };
    }
    case 'wait':
      if (ctx.now >= until) {
        return {
          state: current,
          next: end('failed', `rollback could not finish by its deadline: ${decision.reason}`),
          status,
        };
      }
      return {
        state: current,
        next: go('rollback', decision.reason, Math.min(decision.seconds, input.pollIntervalSeconds)),
        status,
      };
    case 'retire-new':
      await updateTaskSetScale(ctx, input, decision.taskSetArn, decision.scalePercent);
      return {
        state: { ...current, rollbackLastStepAt: ctx.now },
        next: go('rollback', `new task set down to ${decision.remainingTasks} tasks`),
        status,
      };
    case 'delete-new': {
      // The recorded Auto Scaling state lives on the new set: restore it before the set goes.
      const restored = await restoreAutoScaling(ctx, current);
      await deleteTaskSet(ctx, input, { taskSetArn: decision.taskSetArn });
      return { state: restored, next: go('rollback', 'new task set deleted'), status };
    }
    case 'give-up':
      return {
        state: current,
        next: end('failed', `rollback stopped: ${decision.reason} (cause: ${reason})`),
        status,
      };
    case 'done':
      return { state: current, next: end('rolled-back', reason), status };
  }
}
