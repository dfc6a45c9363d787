import { type PhaseContext, readAlarmsFiring } from '../aws/read';
import type { DeploymentState, PhaseResult } from '../state';
import { go } from '../state';

/** The rollback transition when a watched alarm fires; undefined while all is quiet. */
export async function rollbackIfAlarm(
  ctx: PhaseContext,
  state: DeploymentState,
): Promise<PhaseResult | undefined> {
  const firing = await readAlarmsFiring(ctx, state.input.alarmNames);
  if (firing.length === 0) return undefined;
  return startRollback(ctx, state, `alarm ${firing.join(', ')} in ALARM`);
}

export function startRollback(ctx: PhaseContext, state: DeploymentState, reason: string): PhaseResult {
  return {
    state: {
      ...state,
      rollbackReason: state.rollbackReason ?? reason,
      rollbackDeadline: state.rollbackDeadline ?? ctx.now + state.input.readyTimeoutSeconds * 1000,
    },
    next: go('rollback', reason),
  };
}

/**
 * How long to wait for something `remainingSeconds` away once the new version serves production: in
 * poll-sized slices, so an alarm, the new targets' health and a desiredCount change are each noticed
 * within a poll.
 */
export function waitSlice(state: DeploymentState, remainingSeconds: number): number {
  return Math.min(state.input.pollIntervalSeconds, Math.max(0, remainingSeconds));
}
