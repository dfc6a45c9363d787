import { liveTaskSets, type PhaseContext, readService } from '../aws/read';
import { decodeLease, readTaskSetTags, taskSetTag } from '../aws/task-set-tags';
import { assertLeaseFree } from '../controller/lease';
import { EcsTaperError } from '../errors';
import { rollbackIfAlarm, startRollback } from '../phases/alarms';
import { guardNewTargets } from '../phases/health-guard';
import { type DeploymentState, go, type PhaseResult } from '../state';
import { advance, currentStepIndex, stepsOf } from './advance';
import { stepDefinition } from './step-types';

/**
 * The `step` phase: runs the current step of the list when it is not swap or scaleDown (a canary, a
 * pause, a hook). Around every step, the same watch as after the swap: an abort mark, the alarms, and
 * once new flows reach the new group, its health. A step that rolls back first undoes its own change
 * (a canary gives the old group all new flows again).
 */
export async function runStep(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const steps = stepsOf(state.input);
  const index = currentStepIndex(state);
  const step = steps[index];
  const definition = step && stepDefinition(step);
  if (!step || !definition?.run) {
    throw new EcsTaperError(
      `internal: the step phase at step ${index + 1} of ${steps.length}, which it does not run`,
    );
  }
  const rollBack = async (current: DeploymentState, reason: string): Promise<PhaseResult> => {
    await definition.beforeRollback?.(ctx, current, step);
    return startRollback(ctx, current, reason);
  };
  const tags = state.newTaskSetArn
    ? ((await readTaskSetTags(ctx, state.input, state.newTaskSetArn)) ?? {})
    : {};
  // A controller whose lease was taken over (`ecs-taper abort`, --take-over) stops here, never co-drives.
  assertLeaseFree(decodeLease(tags[taskSetTag.lease]), state, state.deploymentId, ctx.now, false);
  if (tags[taskSetTag.abort] !== undefined) {
    return rollBack(state, `aborted at step ${index + 1} (${tags[taskSetTag.abort]})`);
  }
  const alarm = await rollbackIfAlarm(ctx, state);
  if (alarm) return rollBack(state, alarm.state.rollbackReason ?? alarm.next.detail);
  let current = state;
  if (state.swappedAt !== undefined || step.type === 'canary') {
    const service = await readService(ctx, state.input.cluster, state.input.service);
    const ours = liveTaskSets(service).find((set) => set.taskSetArn === state.newTaskSetArn);
    const guard = await guardNewTargets(ctx, state, ours);
    if (guard.rollback)
      return rollBack(guard.state, guard.rollback.state.rollbackReason ?? guard.rollback.next.detail);
    current = guard.state;
  }
  const outcome = await definition.run(ctx, current, step, { index, tags });
  const next = outcome.state ?? current;
  const label = `step ${index + 1} of ${steps.length}`;
  switch (outcome.kind) {
    case 'done':
      return advance(ctx, next, `${label}: ${outcome.detail}`);
    case 'wait':
      return {
        state: next,
        next: go('step', `${label}: ${outcome.detail}`, outcome.seconds),
        ...(outcome.paused ? { paused: { step: index + 1, steps: steps.length } } : {}),
      };
    case 'rollback':
      return rollBack(next, outcome.reason);
  }
}
