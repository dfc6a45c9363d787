import type { TaskSet } from '@aws-sdk/client-ecs';
import type { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { type PhaseContext, readTargetHealth } from '../aws/read';
import { taskCounts } from '../aws/task-sets';
import type { DeploymentState, PhaseResult } from '../state';
import { startRollback } from './alarms';
import { summarizeHealth } from './wait-ready';

/**
 * From the swap to the end the new version serves production, so it is watched even without an alarm:
 * a version that passed the gate and then fails its health checks would otherwise leave production with
 * no healthy target while scale-down merely holds. Below the bar is fewer healthy targets in the new
 * group than half of the new set's desired count (none at all for one task), or a zone whose new targets
 * all fail their checks.
 */
export function belowBar(healthy: number, desired: number): boolean {
  return desired > 0 && healthy * 2 < desired;
}

/**
 * Zones where the new group has targets failing their checks and none healthy. An NLB node in such a
 * zone fails open (or, without cross-zone load balancing, has nothing to send to): its clients are lost
 * even while the other zones are fine. Targets still `initial` (a replacement starting) do not count.
 */
export function zonesWithoutHealthy(targets: TargetHealthDescription[]): string[] {
  const zones = new Map<string, { healthy: number; failing: number }>();
  for (const t of targets) {
    const zone = t.Target?.AvailabilityZone;
    if (!zone || zone === 'all') continue;
    const counts = zones.get(zone) ?? { healthy: 0, failing: 0 };
    if (t.TargetHealth?.State === 'healthy') counts.healthy++;
    else if (t.TargetHealth?.State === 'unhealthy') counts.failing++;
    zones.set(zone, counts);
  }
  return [...zones]
    .filter(([, c]) => c.failing > 0 && c.healthy === 0)
    .map(([zone]) => zone)
    .sort();
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
  const targets = await readTargetHealth(ctx, topology.newTargetGroupArn);
  const health = summarizeHealth(targets);
  const desired = taskCounts(ours)?.desired ?? 0;
  const deadZones = zonesWithoutHealthy(targets);
  if (!belowBar(health.healthy, desired) && deadZones.length === 0) {
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
      `new version unhealthy after the swap: ${health.healthy} of ${desired} targets healthy` +
        `${deadZones.length > 0 ? `, none in ${deadZones.join(', ')}` : ''} for ${grace} s`,
    ),
  };
}
