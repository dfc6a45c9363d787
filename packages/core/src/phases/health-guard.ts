import type { TaskSet } from '@aws-sdk/client-ecs';
import { type PhaseContext, readTargetHealth } from '../aws/read';
import { taskCounts } from '../aws/task-sets';
import type { DeploymentState, PhaseResult } from '../state';
import { startRollback } from './alarms';
import { summarizeHealth } from './wait-ready';

/**
 * From the swap to the end the new version serves production, so it is watched even without an alarm:
 * a version that passed the gate and then fails its health checks would otherwise leave production with
 * no healthy target while scale-down merely holds. Below the bar is fewer healthy targets in the new
 * group than half of the new set's desired count (none at all for one task).
 */
export function belowBar(healthy: number, desired: number): boolean {
  return desired > 0 && healthy * 2 < desired;
}

export interface GuardResult {
  state: DeploymentState;
  /** Set when the new targets have stayed below the bar for `unhealthyGraceSeconds`. */
  rollback?: PhaseResult;
  healthyNewTargets: number;
}

export async function guardNewTargets(
  ctx: PhaseContext,
  state: DeploymentState,
  ours: TaskSet | undefined,
): Promise<GuardResult> {
  const topology = state.topology;
  if (!topology) return { state, healthyNewTargets: 0 };
  const health = summarizeHealth(await readTargetHealth(ctx, topology.newTargetGroupArn));
  const desired = taskCounts(ours)?.desired ?? 0;
  if (!belowBar(health.healthy, desired)) {
    const { unhealthySince: _recovered, ...rest } = state;
    return { state: rest, healthyNewTargets: health.healthy };
  }
  const since = state.unhealthySince ?? ctx.now;
  const next = { ...state, unhealthySince: since };
  const grace = state.input.unhealthyGraceSeconds;
  if (ctx.now - since < grace * 1000) return { state: next, healthyNewTargets: health.healthy };
  return {
    state: next,
    healthyNewTargets: health.healthy,
    rollback: startRollback(
      ctx,
      next,
      `new version unhealthy after the swap: ${health.healthy} of ${desired} targets healthy for ${grace} s`,
    ),
  };
}
