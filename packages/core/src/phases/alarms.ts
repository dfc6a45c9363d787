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
 * How long to wait for something `remainingSeconds` away: in one go when nothing can change meanwhile
 * (fewer AWS calls), otherwise in poll-sized slices: an alarm is noticed within a poll, and so is a
 * desiredCount change when Auto Scaling is kept on during the deployment.
 */
export function waitSlice(state: DeploymentState, remainingSeconds: number): number {
  const remaining = Math.max(0, remainingSeconds);
  const watching = state.input.alarmNames.length > 0 || !state.input.suspendAutoScaling;
  return watching ? Math.min(state.input.pollIntervalSeconds, remaining) : remaining;
}
