import { liveTaskSets, type PhaseContext, readService } from '../aws/read';
import { type DeploymentState, go, type PhaseResult } from '../state';
import { advance } from '../steps/advance';
import { rollbackIfAlarm, waitSlice } from './alarms';
import { guardNewTargets } from './health-guard';

/**
 * After ModifyListener, new flows may still reach the old target group for tens of seconds, so the first
 * scale-down step waits `settleSeconds`. Alarms are still watched meanwhile.
 */
export async function settle(ctx: PhaseContext, current: DeploymentState): Promise<PhaseResult> {
  const alarm = await rollbackIfAlarm(ctx, current);
  if (alarm) return alarm;
  const service = await readService(ctx, current.input.cluster, current.input.service);
  const ours = liveTaskSets(service).find((set) => set.taskSetArn === current.newTaskSetArn);
  const guard = await guardNewTargets(ctx, current, ours);
  if (guard.rollback) return guard.rollback;
  const state = guard.state;
  const swappedAt = state.swappedAt ?? ctx.now;
  const remainingMs = swappedAt + state.input.settleSeconds * 1000 - ctx.now;
  if (remainingMs <= 0) return advance(ctx, { ...state, swappedAt }, 'listener change settled');
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
