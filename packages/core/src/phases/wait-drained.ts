import type { TaskSet } from '@aws-sdk/client-ecs';
import { liveTaskSets, type PhaseContext, readService } from '../aws/read';
import { taskCounts } from '../aws/task-sets';
import { type DeploymentState, end, go, type PhaseResult } from '../state';
import { rollbackIfAlarm } from './alarms';

export type DrainDecision =
  | { kind: 'drained'; detail: string }
  | { kind: 'wait'; reason: string }
  | { kind: 'timed-out'; reason: string };

/** Pure: drained when the old set runs and starts nothing (it may already be gone). */
export function decide(old: TaskSet | undefined, now: number, deadline: number): DrainDecision {
  const counts = taskCounts(old);
  if (!counts || counts.running + counts.pending === 0)
    return { kind: 'drained', detail: 'old task set drained' };
  const left = `${counts.running} running, ${counts.pending} pending`;
  if (now >= deadline) {
    return {
      kind: 'timed-out',
      reason: `old task set still has ${left} after the drain deadline; the new version serves all traffic, the old set is left at scale 0 for you to inspect`,
    };
  }
  return { kind: 'wait', reason: `waiting for the old tasks to drain: ${left}` };
}

export async function waitDrained(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const alarm = await rollbackIfAlarm(ctx, state);
  if (alarm) return alarm;
  const service = await readService(ctx, state.input.cluster, state.input.service);
  const sets = liveTaskSets(service);
  const old = sets.find((set) => set.taskSetArn === state.topology?.oldTaskSetArn);
  const ours = sets.find((set) => set.taskSetArn === state.newTaskSetArn);
  const status = {
    oldTasks: taskCounts(old),
    newTasks: taskCounts(ours),
    healthyNewTargets: undefined,
  };
  const deadline = state.drainDeadline ?? ctx.now + state.input.drainTimeoutSeconds * 1000;
  const next = { ...state, drainDeadline: deadline };
  const decision = decide(old, ctx.now, deadline);
  if (decision.kind === 'drained') return { state: next, next: go('cleanup', decision.detail), status };
  if (decision.kind === 'timed-out') return { state: next, next: end('failed', decision.reason), status };
  return { state: next, next: go('waitDrained', decision.reason, state.input.pollIntervalSeconds), status };
}
