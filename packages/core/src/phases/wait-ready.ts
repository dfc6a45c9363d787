import type { TaskSet } from '@aws-sdk/client-ecs';
import type { TargetHealthDescription } from '@aws-sdk/client-elastic-load-balancing-v2';
import { liveTaskSets, type PhaseContext, readService, readTargetHealth } from '../aws/read';
import { taskCounts } from '../aws/task-sets';
import { TopologyError } from '../errors';
import { type DeploymentState, go, type PhaseResult } from '../state';
import { advance } from '../steps/advance';
import { rollbackIfAlarm, startRollback } from './alarms';
import { backOffIfLockLost } from './create-task-set';

/** How long a just-created task set may stay invisible to DescribeServices before it counts as gone. */
export const VISIBILITY_WINDOW_MS = 60_000;

export type ReadyDecision =
  | { kind: 'ready'; detail: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'timed-out'; reason: string };

export interface HealthSummary {
  healthy: number;
  /** Targets that count against readiness, by state (draining targets are leaving and do not count). */
  notHealthy: Record<string, number>;
}

export function summarizeHealth(targets: TargetHealthDescription[]): HealthSummary {
  const summary: HealthSummary = { healthy: 0, notHealthy: {} };
  for (const target of targets) {
    const state = target.TargetHealth?.State ?? 'unknown';
    if (state === 'healthy') summary.healthy += 1;
    else if (state !== 'draining') {
      const key = target.TargetHealth?.Reason ? `${state} (${target.TargetHealth.Reason})` : state;
      summary.notHealthy[key] = (summary.notHealthy[key] ?? 0) + 1;
    }
  }
  return summary;
}

function describeHealth(health: HealthSummary): string {
  const rest = Object.entries(health.notHealthy).map(([state, count]) => `${count} ${state}`);
  return [`${health.healthy} healthy`, ...rest].join(', ');
}

/**
 * Pure: ready only when ECS says STEADY_STATE with every wanted task running and none pending, and the
 * target group itself (not a probe through the NLB, which fails open) reports all of them healthy.
 */
export function decide(set: TaskSet, health: HealthSummary, now: number, deadline: number): ReadyDecision {
  const counts = taskCounts(set) ?? { running: 0, pending: 0, desired: 0 };
  const status =
    `${counts.running}/${counts.desired} running, ${counts.pending} pending, ${set.stabilityStatus ?? 'unknown'}; ` +
    `targets: ${describeHealth(health)}`;
  const ready =
    set.stabilityStatus === 'STEADY_STATE' &&
    counts.desired > 0 &&
    counts.running === counts.desired &&
    counts.pending === 0 &&
    health.healthy >= counts.desired &&
    Object.keys(health.notHealthy).length === 0;
  if (ready) return { kind: 'ready', detail: `new task set ready: ${status}` };
  if (now >= deadline)
    return { kind: 'timed-out', reason: `new task set not ready by the deadline: ${status}` };
  return { kind: 'wait', reason: `waiting for the new task set: ${status}` };
}

export async function waitReady(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const { input } = state;
  const service = await readService(ctx, input.cluster, input.service);
  const sets = liveTaskSets(service);
  const ours = sets.find((set) => set.taskSetArn === state.newTaskSetArn);
  if (!state.topology) throw new TopologyError('internal: waitReady before discover resolved the topology');
  if (!ours) {
    // ECS is eventually consistent: a Describe right after CreateTaskSet may not show the set yet. Only a
    // set still missing well after its creation has really gone.
    const createdAt = (state.readyDeadline ?? ctx.now) - input.readyTimeoutSeconds * 1000;
    if (ctx.now - createdAt < VISIBILITY_WINDOW_MS) {
      return {
        state,
        next: go(
          'waitReady',
          'new task set not visible yet (ECS is eventually consistent)',
          Math.min(5, input.pollIntervalSeconds),
        ),
      };
    }
    throw new TopologyError(
      `task set ${state.newTaskSetArn} of deployment ${state.deploymentId} disappeared`,
    );
  }
  const kept = await backOffIfLockLost(ctx, state, service);
  if (kept && kept !== state.newTaskSetArn) {
    return {
      state: { ...state, newTaskSetArn: kept },
      next: go('waitReady', 'kept the first of our duplicate task sets'),
    };
  }
  const alarm = await rollbackIfAlarm(ctx, state);
  if (alarm) return alarm;
  const health = summarizeHealth(await readTargetHealth(ctx, state.topology.newTargetGroupArn));
  const deadline = state.readyDeadline ?? ctx.now + input.readyTimeoutSeconds * 1000;
  const decision = decide(ours, health, ctx.now, deadline);
  const old = sets.find((set) => set.taskSetArn === state.topology?.oldTaskSetArn);
  const status = { oldTasks: taskCounts(old), newTasks: taskCounts(ours), healthyNewTargets: health.healthy };
  if (decision.kind === 'timed-out') return { ...startRollback(ctx, state, decision.reason), status };
  if (decision.kind === 'ready') return { ...(await advance(ctx, state, decision.detail)), status };
  const seconds = Math.min(input.pollIntervalSeconds, Math.max(1, Math.ceil((deadline - ctx.now) / 1000)));
  return {
    state: { ...state, readyDeadline: deadline },
    next: go('waitReady', decision.reason, seconds),
    status,
  };
}
