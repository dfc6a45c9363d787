import type { TaskSet } from '@aws-sdk/client-ecs';
import {
  liveTaskSets,
  type PhaseContext,
  readService,
  readTargetGroupAttributes,
  readTargetHealth,
  readTaskDefinition,
} from '../aws/read';
import { taskCounts } from '../aws/task-sets';
import { EcsTaperError } from '../errors';
import { type DeploymentState, end, go, type PhaseResult } from '../state';
import { advance } from '../steps/advance';
import { rollbackIfAlarm } from './alarms';
import { guardNewTargets } from './health-guard';

/** Fargate's stopTimeout when the task definition sets none. */
export const DEFAULT_STOP_TIMEOUT_SECONDS = 30;

export type DrainDecision =
  | { kind: 'drained'; detail: string }
  | { kind: 'quiet'; seconds: number; reason: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'timed-out'; reason: string };

export interface DrainView {
  old: TaskSet | undefined;
  /** Targets of the old target group still `draining`: their clients are still connected. */
  drainingTargets: number;
  now: number;
  deadline: number;
  /** First seen with nothing running and nothing draining. */
  quietSince: number | undefined;
  stopTimeoutSeconds: number;
}

/**
 * Pure. Drained means the clients have left, not just that runningCount fell: the old set runs and
 * starts nothing, no target of its group is still `draining`, and then a stop timeout has passed (after
 * its deregistration delay ECS sends SIGTERM, and a task may hold its connections until stopTimeout).
 */
export function decide(view: DrainView): DrainDecision {
  const counts = taskCounts(view.old);
  if (!counts) return { kind: 'drained', detail: 'old task set gone' };
  const busy = counts.running + counts.pending + view.drainingTargets > 0;
  if (!busy) {
    const quietUntil = (view.quietSince ?? view.now) + view.stopTimeoutSeconds * 1000;
    if (view.now >= quietUntil) return { kind: 'drained', detail: 'old task set drained' };
    return {
      kind: 'quiet',
      seconds: Math.ceil((quietUntil - view.now) / 1000),
      reason: `old targets deregistered; giving the stopping tasks their stop timeout (${view.stopTimeoutSeconds} s) to close their connections`,
    };
  }
  const left = `${counts.running} running, ${counts.pending} pending, ${view.drainingTargets} targets draining`;
  if (view.now >= view.deadline) {
    return {
      kind: 'timed-out',
      reason: `old task set still has ${left} after the drain deadline; the new version serves all traffic, the old set is left at scale 0 for you to inspect`,
    };
  }
  return { kind: 'wait', reason: `waiting for the old tasks to drain: ${left}` };
}

/** deregistration_delay.timeout_seconds of the group (AWS default 300). */
async function readDeregistrationDelay(ctx: PhaseContext, targetGroupArn: string): Promise<number> {
  const value = (await readTargetGroupAttributes(ctx, targetGroupArn))[
    'deregistration_delay.timeout_seconds'
  ];
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : 300;
}

/** The longest stopTimeout of the old task definition's containers (Fargate default 30 s, at most 120 s). */
async function readStopTimeout(ctx: PhaseContext, taskDefinition: string | undefined): Promise<number> {
  if (!taskDefinition) return DEFAULT_STOP_TIMEOUT_SECONDS;
  const definition = await readTaskDefinition(ctx, taskDefinition);
  const timeouts = (definition?.containerDefinitions ?? []).map(
    (c) => c.stopTimeout ?? DEFAULT_STOP_TIMEOUT_SECONDS,
  );
  return timeouts.length > 0 ? Math.max(...timeouts) : DEFAULT_STOP_TIMEOUT_SECONDS;
}

export async function waitDrained(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const { input, topology } = state;
  if (!topology) throw new EcsTaperError('internal: waitDrained before discover resolved the topology');
  // Alarms stay watched until the last old client has left: that is when the last reconnections happen.
  const alarm = await rollbackIfAlarm(ctx, state);
  if (alarm) return alarm;
  const service = await readService(ctx, input.cluster, input.service);
  const sets = liveTaskSets(service);
  const old = sets.find((set) => set.taskSetArn === topology.oldTaskSetArn);
  const ours = sets.find((set) => set.taskSetArn === state.newTaskSetArn);
  const status = {
    oldTasks: taskCounts(old),
    newTasks: taskCounts(ours),
    healthyNewTargets: undefined,
  };
  const guard = await guardNewTargets(ctx, state, ours);
  if (guard.rollback) return { ...guard.rollback, status };
  let next = guard.state;
  if (old && (next.drainDeadline === undefined || next.stopTimeoutSeconds === undefined)) {
    // The deadline covers what AWS itself takes: the group's deregistration delay plus the stop timeout.
    const stopTimeoutSeconds = await readStopTimeout(ctx, old.taskDefinition);
    const delay = await readDeregistrationDelay(ctx, topology.oldTargetGroupArn);
    const seconds = Math.max(
      input.drainTimeoutSeconds,
      delay + stopTimeoutSeconds + input.pollIntervalSeconds,
    );
    next = { ...next, stopTimeoutSeconds, drainDeadline: next.drainDeadline ?? ctx.now + seconds * 1000 };
  }
  const draining = old
    ? (await readTargetHealth(ctx, topology.oldTargetGroupArn)).filter(
        (t) => t.TargetHealth?.State === 'draining',
      ).length
    : 0;
  const decision = decide({
    old,
    drainingTargets: draining,
    now: ctx.now,
    deadline: next.drainDeadline ?? ctx.now,
    quietSince: next.drainQuietSince,
    stopTimeoutSeconds: next.stopTimeoutSeconds ?? DEFAULT_STOP_TIMEOUT_SECONDS,
  });
  switch (decision.kind) {
    case 'drained':
      return { ...(await advance(ctx, next, decision.detail)), status };
    case 'timed-out':
      return { state: next, next: end('failed', decision.reason), status };
    case 'quiet':
      return {
        state: { ...next, drainQuietSince: next.drainQuietSince ?? ctx.now },
        next: go('waitDrained', decision.reason, Math.min(decision.seconds, input.pollIntervalSeconds)),
        status,
      };
    case 'wait': {
      const { drainQuietSince: _busyAgain, ...rest } = next;
      return { state: rest, next: go('waitDrained', decision.reason, input.pollIntervalSeconds), status };
    }
  }
}
