import type { PhaseContext } from '../aws/read';
import { taskSetTag } from '../aws/task-set-tags';
import { untagTaskSet } from '../aws/write';
import type { PhaseName } from '../events';
import type { PhaseResult } from '../state';
import { ensureAutoScalingSuspended, restoreAutoScaling } from './autoscaling';
import { renewLease } from './lease';

/**
 * What every runner does after every phase, written once: while the deployment goes on, keep Auto
 * Scaling suspended and the lease alive for the coming wait; when it ends, restore Auto Scaling and
 * release the lease. `runPhase` applies it, so the local loop and the Lambda handler both do.
 */
export async function afterPhase(
  phase: PhaseName,
  ctx: PhaseContext,
  result: PhaseResult,
): Promise<PhaseResult> {
  let state = result.state;
  const newTaskSetArn = state.newTaskSetArn;
  if (!newTaskSetArn) return result;
  if (result.next.kind === 'end') {
    state = await restoreAutoScaling(ctx, state);
    if (result.next.outcome === 'failed' && state.lease?.owner === state.controllerId) {
      // The set may still exist (a failed drain leaves it live): releasing lets a re-run take over at once.
      // Best effort on purpose: the outcome is already decided, and an unreleased lease expires by itself.
      await untagTaskSet(ctx, newTaskSetArn, [taskSetTag.lease]).catch(() => undefined);
      const { lease: _released, ...rest } = state;
      state = rest;
    }
    return { ...result, state };
  }
  if (phase !== 'rollback' && result.next.phase !== 'rollback' && result.next.phase !== 'cleanup') {
    state = await ensureAutoScalingSuspended(ctx, state);
  }
  state = await renewLease(ctx, state, result.next.afterSeconds);
  return { ...result, state };
}
