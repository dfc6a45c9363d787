import type { TaskSet } from '@aws-sdk/client-ecs';
import {
  liveTaskSets,
  type PhaseContext,
  readNewFlowMinute,
  readService,
  readStoppedTaskTimes,
  readTaskSetTags,
} from '../aws/read';
import { decodeLease, taskSetTag } from '../aws/task-set-tags';
import { taskCounts } from '../aws/task-sets';
import { tagTaskSet, updateTaskSetScale } from '../aws/write';
import { assertLeaseFree, freshLease, leaseTag } from '../controller/lease';
import { AwsCallError } from '../errors';
import type { DeploymentStatus } from '../events';
import { type ResolvedInput, scheduleOptions } from '../input';
import { DEFAULT_DROP_LAG_SPREAD_SECONDS } from '../plan/plan-options';
import {
  planScaledown,
  type ScaledownPlan,
  type ScaledownStep,
  scalePercentForTasks,
} from '../plan/plan-scaledown';
import { type DeploymentState, type DropLags, go, type PhaseResult } from '../state';
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

/**
 * An observed drop-lag spread slows the steps by at most this: a spread wider than a minute says more
 * about one task stuck until its stop timeout than about the rest, and must not stall the deployment.
 */
export const MAX_OBSERVED_DROP_LAG_SLACK_SECONDS = 60;
/** measureFlows: a measured minute above this share of the budget stretches the next interval. */
export const FLOW_STRETCH_THRESHOLD = 0.8;
/** measureFlows: the most one minute's measurement stretches an interval by. */
export const MAX_FLOW_STRETCH = 4;

/**
 * Budget mode's slack for the drop-lag spread: the prior (dropLagSpreadSeconds, default 5 s) or the
 * spread observed so far, whichever is larger, the observed part capped at a minute. Observations only
 * ever widen it: a few tasks' spread underestimates the spread of all of them.
 */
export function dropLagSlackSeconds(
  input: Pick<ResolvedInput, 'dropLagSpreadSeconds'>,
  lags: DropLags | undefined,
): number {
  const prior = input.dropLagSpreadSeconds ?? DEFAULT_DROP_LAG_SPREAD_SECONDS;
  const observed = lags ? (lags.maxMs - lags.minMs) / 1000 : 0;
  return Math.max(prior, Math.min(observed, MAX_OBSERVED_DROP_LAG_SLACK_SECONDS));
}

/**
 * The interval the next step waits: the plan's, and in budget mode plus the slack observed beyond the
 * plan's own (plan.dropLagSlackSeconds), times the stretch a measured minute of new flows asked for.
 * Window and percent modes keep the plan's interval: they promise a length, not a cap.
 */
export function pacedIntervalSeconds(
  plan: ScaledownPlan,
  state: Pick<DeploymentState, 'input' | 'dropLags' | 'flows'>,
): number {
  const planned = plan.dropLagSlackSeconds;
  if (planned === undefined) return plan.intervalSeconds;
  const extra = Math.max(0, dropLagSlackSeconds(state.input, state.dropLags) - planned);
  return (plan.intervalSeconds + extra) * (state.flows?.stretch ?? 1);
}

/**
 * Widens the aggregates with the old set's stopped tasks: each task's lag is its drop minus when ECS began
 * stopping it, so steps need no history (min and max are the same however often a task is seen again).
 * Only tasks ECS began stopping after the swap count (they are this deployment's). A read that fails
 * leaves the aggregates as they were: the observation can only slow the deployment, never stop it.
 */
async function observeDrops(
  ctx: PhaseContext,
  state: DeploymentState,
  old: TaskSet,
): Promise<{ state: DeploymentState; problem?: string }> {
  if (!old.id) return { state };
  let times: Awaited<ReturnType<typeof readStoppedTaskTimes>>;
  try {
    times = await readStoppedTaskTimes(ctx, state.input.cluster, old.id);
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    return {
      state,
      problem: `stopped old tasks not read (${errorName(error)}): keeping the slack seen so far`,
    };
  }
  const since = state.swappedAt ?? 0;
  let lags = state.dropLags;
  let seen = 0;
  for (const { stoppingAt, droppedAt } of times) {
    if (stoppingAt < since) continue;
    const lag = droppedAt - stoppingAt;
    seen++;
    lags = lags
      ? { minMs: Math.min(lags.minMs, lag), maxMs: Math.max(lags.maxMs, lag), tasks: lags.tasks }
      : { minMs: lag, maxMs: lag, tasks: 0 };
  }
  if (!lags) return { state };
  return { state: { ...state, dropLags: { ...lags, tasks: Math.max(lags.tasks, seen) } } };
}

/**
 * measureFlows: the new group's latest complete minute of NewFlowCount (NLB metrics are per minute), its
 * average per second against the budget. Above 80 % of it the next interval is stretched in proportion
 * (at most 4x); at or below, the planned pace. A failed read (throttled, no permission, no client) keeps
 * the planned pace and says so: no measurement is not a reason to roll back a healthy deployment.
 */
async function measureFlows(
  ctx: PhaseContext,
  state: DeploymentState,
): Promise<{ state: DeploymentState; problem?: string }> {
  const { input, topology } = state;
  const budget = input.maxNewConnectionsPerSecond;
  const loadBalancer = input.loadBalancerArn ?? topology?.productionListenerArns[0];
  if (!input.measureFlows || budget === undefined || !topology || !loadBalancer) return { state };
  const planned = { ...state, flows: undefined };
  if (!ctx.aws.cloudwatch) return { state: planned, problem: 'no CloudWatch client: flows not measured' };
  try {
    const minute = await readNewFlowMinute(ctx, ctx.aws.cloudwatch, {
      loadBalancer,
      targetGroupArn: topology.newTargetGroupArn,
    });
    if (!minute) return { state: planned };
    const perSecond = minute.flows / 60;
    const stretch = Math.min(MAX_FLOW_STRETCH, Math.max(1, perSecond / (FLOW_STRETCH_THRESHOLD * budget)));
    return { state: { ...state, flows: { minuteAt: minute.at, perSecond, stretch } } };
  } catch (error) {
    if (ctx.signal?.aborted) throw error;
    return {
      state: planned,
      problem: `NewFlowCount not read (${errorName(error)}): keeping the planned pace`,
    };
  }
}

function errorName(error: unknown): string {
  if (error instanceof AwsCallError) return error.awsErrorName;
  return error instanceof Error ? error.name : String(error);
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
  // Budget mode watches the old tasks' real drops (the plan's slack assumed a spread; this one is seen).
  const problems: string[] = [];
  if (plan.dropLagSlackSeconds !== undefined && next.stepsApplied > 0) {
    const observed = await observeDrops(ctx, next, old);
    next = observed.state;
    if (observed.problem) problems.push(observed.problem);
  }

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
    dueAt: nextStepDueAt(next, pacedIntervalSeconds(plan, next)),
  });
  const noted = (detail: string) => (problems.length > 0 ? `${detail}; ${problems.join('; ')}` : detail);

  switch (decision.kind) {
    case 'drained-plan':
      return { state: next, next: drainNext, status };
    case 'wait':
      return {
        state: next,
        next: go('scaleDown', noted(decision.reason), waitSlice(next, decision.seconds)),
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
      const lease = freshLease(next, ctx.now, pacedIntervalSeconds(plan, next));
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
      // The minute measured now paces the wait after this step.
      const measured = await measureFlows(ctx, next);
      next = measured.state;
      if (measured.problem) problems.push(measured.problem);
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
  const paced = pacedIntervalSeconds(plan, next);
  const dueAt = nextStepDueAt(next, paced) ?? ctx.now;
  const slower =
    paced > plan.intervalSeconds ? ` (next in ${round1(paced)} s, planned ${plan.intervalSeconds} s)` : '';
  return {
    state: next,
    next: go(
      'scaleDown',
      noted(`step ${step.index} of ${plan.stepCount}: ${step.remainingTasks} old tasks remain${slower}`),
      waitSlice(next, Math.ceil((dueAt - ctx.now) / 1000)),
    ),
    status,
    appliedStep,
  };
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
