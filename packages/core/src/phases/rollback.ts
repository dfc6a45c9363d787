import { type TaskSet, UpdateTaskSetCommand } from '@aws-sdk/client-ecs';
import type { Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { callAws } from '../aws/call-aws';
import {
  forwardTargetGroups,
  liveTaskSets,
  type PhaseContext,
  readListeners,
  readService,
  readTargetHealth,
} from '../aws/read';
import { taskCounts } from '../aws/task-sets';
import { restoreAutoScaling } from '../controller/autoscaling';
import { EcsTaperError } from '../errors';
import { type DeploymentState, end, go, type PhaseResult, type Topology } from '../state';
import { deleteTaskSet } from './create-task-set';
import { pointListeners } from './swap-listener';
import { decide as decideReady, summarizeHealth } from './wait-ready';

export interface RollbackObservation {
  old: TaskSet | undefined;
  ours: TaskSet | undefined;
  primaryTaskSetArn: string | undefined;
  productionListeners: Listener[];
}

export type RollbackDecision =
  | { kind: 'restore-old-scale'; taskSetArn: string }
  | { kind: 'check-old-ready' }
  | { kind: 'delete-new'; taskSetArn: string }
  | { kind: 'done'; detail: string }
  | { kind: 'give-up'; reason: string };

/**
 * Pure. Order matters: the old set gets its capacity back first, production is pointed back only once
 * the old targets are healthy again, and the new set is deleted last.
 */
export function decide(seen: RollbackObservation, topology: Topology): RollbackDecision {
  const swapped = seen.productionListeners.some((l) =>
    forwardTargetGroups(l).includes(topology.newTargetGroupArn),
  );
  if (seen.old) {
    if ((seen.old.scale?.value ?? 0) < 100)
      return { kind: 'restore-old-scale', taskSetArn: seen.old.taskSetArn as string };
    if (swapped || seen.primaryTaskSetArn !== seen.old.taskSetArn) return { kind: 'check-old-ready' };
  } else if (swapped && seen.ours) {
    return { kind: 'give-up', reason: 'no old task set to roll back to; the new version keeps serving' };
  }
  if (seen.ours) return { kind: 'delete-new', taskSetArn: seen.ours.taskSetArn as string };
  return { kind: 'done', detail: 'old version serves production; new task set removed' };
}

async function observe(
  ctx: PhaseContext,
  state: DeploymentState,
  topology: Topology,
): Promise<RollbackObservation> {
  const service = await readService(ctx, state.input.cluster, state.input.service);
  const sets = liveTaskSets(service);
  return {
    old: sets.find((set) => set.taskSetArn === topology.oldTaskSetArn),
    ours: sets.find((set) => set.taskSetArn === state.newTaskSetArn || set.externalId === state.deploymentId),
    primaryTaskSetArn: service?.taskSets?.find((set) => set.status === 'PRIMARY')?.taskSetArn,
    productionListeners: await readListeners(ctx, { listenerArns: topology.productionListenerArns }),
  };
}

/** Phase: undo the deployment, one observed step per invocation, bounded by `rollbackDeadline`. */
export async function rollback(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const { input, topology } = state;
  const reason = state.rollbackReason ?? 'rollback requested';
  if (!topology) throw new EcsTaperError('internal: rollback before discover resolved the topology');
  const deadline = state.rollbackDeadline ?? ctx.now + input.readyTimeoutSeconds * 1000;
  const current: DeploymentState = { ...state, rollbackReason: reason, rollbackDeadline: deadline };
  const seen = await observe(ctx, current, topology);
  const status = {
    oldTasks: taskCounts(seen.old),
    newTasks: taskCounts(seen.ours),
    healthyNewTargets: undefined,
  };
  const decision = decide(seen, topology);
  switch (decision.kind) {
    case 'restore-old-scale':
      await callAws(
        `restoring old task set ${decision.taskSetArn} to 100 %`,
        () =>
          ctx.aws.ecs.send(
            new UpdateTaskSetCommand({
              cluster: input.cluster,
              service: input.service,
              taskSet: decision.taskSetArn,
              scale: { unit: 'PERCENT', value: 100 },
            }),
          ),
        ctx.retry,
      );
      return { state: current, next: go('rollback', 'old task set restored to 100 %'), status };
    case 'check-old-ready': {
      const health = summarizeHealth(await readTargetHealth(ctx, topology.oldTargetGroupArn));
      const ready = decideReady(seen.old as TaskSet, health, ctx.now, deadline);
      if (ready.kind === 'timed-out') {
        return {
          state: current,
          next: end('failed', `rollback could not restore the old version: ${ready.reason}`),
          status,
        };
      }
      if (ready.kind === 'wait') {
        return {
          state: current,
          next: go('rollback', ready.reason.replace('new', 'old'), input.pollIntervalSeconds),
          status,
        };
      }
      await pointListeners(ctx, input, topology, {
        liveTargetGroupArn: topology.oldTargetGroupArn,
        standbyTargetGroupArn: topology.newTargetGroupArn,
        primaryTaskSetArn: topology.oldTaskSetArn,
      });
      return { state: current, next: go('rollback', 'production points at the old version again'), status };
    }
    case 'delete-new': {
      // The recorded Auto Scaling state lives on the new set: restore it before the set goes.
      const restored = await restoreAutoScaling(ctx, current);
      await deleteTaskSet(ctx, input, { taskSetArn: decision.taskSetArn });
      return { state: restored, next: go('rollback', 'new task set deleted'), status };
    }
    case 'give-up':
      return {
        state: current,
        next: end('failed', `rollback stopped: ${decision.reason} (cause: ${reason})`),
        status,
      };
    case 'done':
      return { state: current, next: end('rolled-back', reason), status };
  }
}
