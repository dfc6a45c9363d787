import type { PhaseContext } from '../aws/read';
import { type DeploymentState, go, type PhaseResult } from '../state';
import { rollbackIfAlarm, waitSlice } from './alarms';

/**
 * After ModifyListener, new flows may still reach the old target group for tens of seconds, so the first
 * scale-down step waits `settleSeconds`. Alarms are still watched meanwhile.
 */
export async function settle(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const alarm = await rollbackIfAlarm(ctx, state);
  if (alarm) return alarm;
  const swappedAt = state.swappedAt ?? ctx.now;
  const remainingMs = swappedAt + state.input.settleSeconds * 1000 - ctx.now;
  if (remainingMs <= 0)
    return { state: { ...state, swappedAt }, next: go('scaleDown', 'listener change settled') };
  const seconds = waitSlice(state, Math.ceil(remainingMs / 1000));
  return {
    state: { ...state, swappedAt },
    next: go(
      'settle',
      `letting the listener change settle (${Math.ceil(remainingMs / 1000)} s left)`,
      seconds,
    ),
  };
}
