import type { TaskSet } from '@aws-sdk/client-ecs';
import { liveTaskSets, type PhaseContext, readService, readTaskSetTags } from '../aws/read';
import { decodeLease, taskSetTag } from '../aws/task-set-tags';
import { taskCounts } from '../aws/task-sets';
import { tagTaskSet, updateTaskSetScale } from '../aws/write';
import { assertLeaseFree, freshLease, leaseTag } from '../controller/lease';
import type { DeploymentStatus } from '../events';
import { type ResolvedInput, scheduleOptions } from '../input';
import {
  planScaledown,
  type ScaledownPlan,
  type ScaledownStep,
  scalePercentForTasks,
} from '../plan/plan-scaledown';
import { type DeploymentState, go, type PhaseResult } from '../state';
import { advance } from '../steps/advance';
import { runHook } from '../steps/hook';
import { rollbackIfAlarm, startRollback, waitSlice } from './alarms';
import { guardNewTargets } from './health-guard';

export type ScaleDownDecision =
  | { kind: 'apply'; step: ScaledownStep; scalePercent: number }
  | { kind: 'already-applied'; step: ScaledownStep }
  | { kind: 'wait'; seconds: number; reason: string }
  | { kind: 'hold'; reason: string }
  | { kind: 'drained-plan' };

/** The last plan made, by its options: a local loop re-plans every poll, and a plan's steps are built on demand. */
let lastPlan: { key: string; plan: ScaledownPlan } | undefined;

/** planScaledown's options for the schedule from where the old set is now (planFor's, for a preview to print). */
export function planOptionsFor(input: ResolvedInput, desiredCount: number, currentTasks: number) {
  return { desiredCount: Math.max(1, desiredCount, currentTasks), currentTasks, ...scheduleOptions(input) };
}

/** The schedule from where the old set is now: a resumed deployment plans from its current count. */
export function planFor(input: ResolvedInput, desiredCount: number, currentTasks: number): ScaledownPlan {
  const options = planOptionsFor(input, desiredCount, currentTasks);
  // planScaledown is pure, so its options are the whole key.
  const key = JSON.stringify(options);
  if (lastPlan?.key !== key) lastPlan = { key, plan: planScaledown(options) };
  return lastPlan.plan;
}

/**
 * The plan a deployment's scale-down follows, recomputed from its input and the counts it was planned from:
 * the state carries those, never the plan (its size would grow with the number of steps). Undefined until
 * scale-down has planned.
 */
export function planOf(state: Pick<DeploymentState, 'input' | 'planBasis'>): ScaledownPlan | undefined {
  const basis = state.planBasis;
  return basis && planFor(state.input, basis.desiredCount, basis.currentTasks);
}

/**
 * The old set's scale for `tasks` tasks under the service's desiredCount *now*. Plans are in task counts;
 * Auto Scaling may change desiredCount at any time, and ECS always rounds up, so the scale is derived
 * from the live desiredCount at every call, never kept from the plan.
 */
export function scaleForTasks(liveDesiredCount: number, tasks: number): number {
  if (liveDesiredCount < 1) return tasks > 0 ? 100 : 0;
  return scalePercentForTasks(liveDesiredCount, Math.min(tasks, liveDesiredCount));
}

/** The old set's planned task count after the steps applied so far (undefined before the first step). */
export function plannedOldTasks(plan: ScaledownPlan, stepsApplied: number): number | undefined {
  return stepsApplied === 0 ? undefined : plan.step(stepsApplied)?.remainingTasks;
}

/**
 * When the next step may happen: a full interval after the last step actually applied, and after the
 * end of the last hold. Never "start of scale-down + k intervals", so a late phase (a hold, a slow
 * Lambda, retries) never makes the overdue steps run back to back.
 */
export function nextStepDueAt(state: DeploymentState, intervalSeconds: number): number | undefined {
  const anchors = [state.lastStepAt, state.holdEndedAt].filter((t): t is number => t !== undefined);
  if (anchors.length === 0) return undefined;
  return Math.max(...anchors) + intervalSeconds * 1000;
}

export interface ScaleDownView {
  plan: ScaledownPlan;
  stepsApplied: number;
  old: TaskSet;
  liveDesiredCount: number;
  newSetSteady: boolean;
  now: number;
  /** Undefined: the first step is due at once (settle already waited after the swap). */
  dueAt: number | undefined;
}

/**
 * Pure. A step's scale is absolute, so re-applying it is harmless; a step whose count the old set already
 * has (or is below) counts as applied. Old tasks are not retired while the new set is not steady.
 */
export function decide(view: ScaleDownView): ScaleDownDecision {
  const { plan, stepsApplied, old } = view;
  const step = plan.step(stepsApplied + 1);
  if (!step) return { kind: 'drained-plan' };
  if (view.dueAt !== undefined && view.now < view.dueAt) {
    return {
      kind: 'wait',
      seconds: Math.ceil((view.dueAt - view.now) / 1000),
      reason: `step ${step.index} of ${plan.stepCount} due`,
    };
  }
  if ((old.computedDesiredCount ?? 0) <= step.remainingTasks) return { kind: 'already-applied', step };
  if (!view.newSetSteady)
    return { kind: 'hold', reason: 'new task set is not steady; holding the old tasks' };
  return { kind: 'apply', step, scalePercent: scaleForTasks(view.liveDesiredCount, step.remainingTasks) };
}

const drainNext = go('waitDrained', 'last step applied; waiting for the old tasks to drain');

export async function scaleDown(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const { input, topology } = state;
  const alarm = await rollbackIfAlarm(ctx, state);
  if (alarm) return alarm;
  const service = await readService(ctx, input.cluster, input.service);
  const sets = liveTaskSets(service);
  const old = sets.find((set) => set.taskSetArn === topology?.oldTaskSetArn);
  const ours = sets.find((set) => set.taskSetArn === state.newTaskSetArn);
  const status: DeploymentStatus = {
    oldTasks: taskCounts(old),
    newTasks: taskCounts(ours),
    healthyNewTargets: undefined,
  };
  if (!old) return { ...(await advance(ctx, state, 'old task set already gone')), status };
  const liveDesiredCount = service?.desiredCount ?? 0;
  const guard = await guardNewTargets(ctx, state, ours);
  status.healthyNewTargets = guard.healthyNewTargets;
  if (guard.rollback) return { ...guard.rollback, status };

  let next: DeploymentState = guard.state;
  if (!next.planBasis) {
    // A state saved by a version that carried the plan itself (an execution running through an upgrade)
    // counted its steps in that plan: planning from the count now starts the count again, like a resume.
    const { plan: _carried, ...rest } = next as DeploymentState & { plan?: unknown };
    next = {
      ...rest,
      planBasis: { desiredCount: liveDesiredCount, currentTasks: old.computedDesiredCount ?? 0 },
      stepsApplied: 0,
    };
    // Resumed with the old set already below 100 % but no recorded step time (a step was applied by a
    // controller that stored none): its clients may still be reconnecting, so wait a full interval.
    if (next.lastStepAt === undefined && (old.scale?.value ?? 100) < 100)
      next = { ...next, lastStepAt: ctx.now };
  }
  const plan = planOf(next) as ScaledownPlan;

  // desiredCount moved since the last step (Auto Scaling kept on, or an operator): put the old set back at
  // its planned task count at once, before ECS launches old-version tasks or retires more than planned.
  let oldNow = old;
  const planned = plannedOldTasks(plan, next.stepsApplied);
  if (planned !== undefined && (old.computedDesiredCount ?? 0) !== Math.min(planned, liveDesiredCount)) {
    await updateTaskSetScale(
      ctx,
      input,
      old.taskSetArn,
      scaleForTasks(liveDesiredCount, planned),
      'old task set',
    );
    oldNow = { ...old, computedDesiredCount: Math.min(planned, liveDesiredCount) };
  }

  // Below the health guard's bar (in its grace period) counts as not steady: no old task leaves meanwhile.
  const steady = ours?.stabilityStatus === 'STEADY_STATE' && next.unhealthySince === undefined;
  if (steady && next.holdingSince !== undefined) {
    const { holdingSince: _ended, ...rest } = next;
    next = { ...rest, holdEndedAt: ctx.now };
  }
  const decision = decide({
    plan,
    stepsApplied: next.stepsApplied,
    old: oldNow,
    liveDesiredCount,
    newSetSteady: steady,
    now: ctx.now,
    dueAt: nextStepDueAt(next, plan.intervalSeconds),
  });

  switch (decision.kind) {
    case 'drained-plan':
      return { state: next, next: drainNext, status };
    case 'wait':
      return {
        state: next,
        next: go('scaleDown', decision.reason, waitSlice(next, decision.seconds)),
        status,
      };
    case 'hold': {
      const holdingSince = next.holdingSince ?? ctx.now;
      if (ctx.now - holdingSince >= input.readyTimeoutSeconds * 1000) {
        return {
          ...startRollback(
            ctx,
            next,
            `new task set not steady for ${input.readyTimeoutSeconds} s during scale-down`,
          ),
          status,
        };
      }
      return {
        state: { ...next, holdingSince },
        next: go('scaleDown', decision.reason, input.pollIntervalSeconds),
        status,
      };
    }
    case 'apply': {
      // The step's time goes on the set *before* the step: a controller that dies in between makes its
      // successor wait one interval too many, never one too few. The lease is renewed in the same call.
      const lease = freshLease(next, ctx.now, plan.intervalSeconds);
      // This write renews the lease without renewLease's read: read first, so a controller whose lease
      // was taken over stops here instead of overwriting it and co-driving the scale-down.
      const tags = next.newTaskSetArn ? await readTaskSetTags(ctx, input, next.newTaskSetArn) : undefined;
      assertLeaseFree(decodeLease(tags?.[taskSetTag.lease]), next, next.deploymentId, ctx.now, false);
      if (tags?.[taskSetTag.abort] !== undefined) {
        return {
          ...startRollback(ctx, next, `aborted before step ${decision.step.index} (ecs-taper abort)`),
          status,
        };
      }
      const hook = await runHook(ctx, next, 'before-scale-down-step', {
        step: decision.step.index,
        steps: plan.stepCount,
      });
      if (hook && !hook.ok) {
        const reason = `hook before-scale-down-step failed before step ${decision.step.index}: ${hook.detail}`;
        return { ...startRollback(ctx, next, reason), status };
      }
      if (next.newTaskSetArn) {
        await tagTaskSet(ctx, next.newTaskSetArn, {
          [taskSetTag.lastStepAt]: String(ctx.now),
          ...leaseTag(lease),
        });
      }
      await updateTaskSetScale(ctx, input, old.taskSetArn, decision.scalePercent, 'old task set');
      next = { ...next, lease, lastStepAt: ctx.now };
      break;
    }
    case 'already-applied':
      break;
  }
  next = { ...next, stepsApplied: next.stepsApplied + 1 };
  const step = decision.step;
  const appliedStep = {
    step: step.index,
    steps: plan.stepCount,
    scalePercent: decision.kind === 'apply' ? decision.scalePercent : (old.scale?.value ?? 0),
    remainingTasks: step.remainingTasks,
    removedTasks: step.removedTasks,
  };
  const following = plan.step(next.stepsApplied + 1);
  if (!following) return { state: next, next: drainNext, status, appliedStep };
  const dueAt = nextStepDueAt(next, plan.intervalSeconds) ?? ctx.now;
  return {
    state: next,
    next: go(
      'scaleDown',
      `step ${step.index} of ${plan.stepCount}: ${step.remainingTasks} old tasks remain`,
      waitSlice(next, Math.ceil((dueAt - ctx.now) / 1000)),
    ),
    status,
    appliedStep,
  };
}
