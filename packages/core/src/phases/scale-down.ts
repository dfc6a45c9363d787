import { type TaskSet, UpdateTaskSetCommand } from '@aws-sdk/client-ecs';
import { callAws } from '../aws/call-aws';
import { liveTaskSets, type PhaseContext, readService } from '../aws/read';
import { taskCounts } from '../aws/task-sets';
import { type ResolvedInput, scheduleOptions } from '../input';
import { planScaledown, type ScaledownPlan, type ScaledownStep } from '../plan/plan-scaledown';
import { type DeploymentState, go, type PhaseResult } from '../state';
import { rollbackIfAlarm, startRollback, waitSlice } from './alarms';

export type ScaleDownDecision =
  | { kind: 'apply'; step: ScaledownStep }
  | { kind: 'already-applied'; step: ScaledownStep }
  | { kind: 'wait'; seconds: number; reason: string }
  | { kind: 'hold'; reason: string }
  | { kind: 'drained-plan' };

/** The schedule from where the old set is now: a resumed deployment plans from its current count. */
export function planFor(input: ResolvedInput, desiredCount: number, currentTasks: number): ScaledownPlan {
  return planScaledown({ desiredCount, currentTasks, ...scheduleOptions(input) });
}

/**
 * Pure. The step's scale is absolute, so re-applying it is harmless; a step whose count the old set already
 * has (or is below) counts as applied. Old tasks are not retired while the new set is not steady.
 */
export function decide(
  plan: ScaledownPlan,
  stepsApplied: number,
  old: TaskSet,
  newSetSteady: boolean,
  elapsedSeconds: number,
): ScaleDownDecision {
  const step = plan.steps[stepsApplied];
  if (!step) return { kind: 'drained-plan' };
  if (elapsedSeconds < step.atSeconds) {
    return {
      kind: 'wait',
      seconds: Math.ceil(step.atSeconds - elapsedSeconds),
      reason: `step ${step.index} of ${plan.steps.length} due`,
    };
  }
  if ((old.computedDesiredCount ?? 0) <= step.remainingTasks) return { kind: 'already-applied', step };
  if (!newSetSteady) return { kind: 'hold', reason: 'new task set is not steady; holding the old tasks' };
  return { kind: 'apply', step };
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
  const status = {
    oldTasks: taskCounts(old),
    newTasks: taskCounts(ours),
    healthyNewTargets: undefined,
  };
  if (!old) return { state, next: go('cleanup', 'old task set already gone'), status };

  const plan = state.plan ?? planFor(input, service?.desiredCount ?? 0, old.computedDesiredCount ?? 0);
  // No plan in the state, yet the old set is below desiredCount: a step was applied just before a crash (or an
  // interrupted run) and its clients may still be reconnecting. The rest of the plan starts one interval from
  // now, not at once, so a repeated invocation never retires two steps back to back.
  const resumedMidway = !state.plan && (old.computedDesiredCount ?? 0) < (service?.desiredCount ?? 0);
  const startedAt = state.scaleDownStartedAt ?? ctx.now + (resumedMidway ? plan.intervalSeconds * 1000 : 0);
  let next: DeploymentState = { ...state, plan, scaleDownStartedAt: startedAt };
  const decision = decide(
    plan,
    next.stepsApplied,
    old,
    ours?.stabilityStatus === 'STEADY_STATE',
    (ctx.now - startedAt) / 1000,
  );

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
    case 'apply':
      await callAws(
        `scaling old task set ${old.taskSetArn} to ${decision.step.scalePercent} %`,
        () =>
          ctx.aws.ecs.send(
            new UpdateTaskSetCommand({
              cluster: input.cluster,
              service: input.service,
              taskSet: old.taskSetArn,
              scale: { unit: 'PERCENT', value: decision.step.scalePercent },
            }),
          ),
        ctx.retry,
      );
      break;
    case 'already-applied':
      break;
  }
  const { holdingSince: _released, ...rest } = next;
  next = { ...rest, stepsApplied: next.stepsApplied + 1 };
  const step = decision.step;
  const appliedStep = {
    step: step.index,
    steps: plan.steps.length,
    scalePercent: step.scalePercent,
    remainingTasks: step.remainingTasks,
    removedTasks: step.removedTasks,
  };
  const following = plan.steps[next.stepsApplied];
  if (!following) return { state: next, next: drainNext, status, appliedStep };
  const wait = waitSlice(next, Math.ceil(following.atSeconds - (ctx.now - startedAt) / 1000));
  return {
    state: next,
    next: go(
      'scaleDown',
      `step ${step.index} of ${plan.steps.length}: ${step.remainingTasks} old tasks remain`,
      wait,
    ),
    status,
    appliedStep,
  };
}
