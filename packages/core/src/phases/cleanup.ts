import { liveTaskSets, type PhaseContext, readService, readTags } from '../aws/read';
import { taskSetTag } from '../aws/task-set-tags';
import { deleteTaskSet, untagTargetGroup, untagTaskSet } from '../aws/write';
import { restoreAutoScaling } from '../controller/autoscaling';
import { EcsTaperError } from '../errors';
import { type DeploymentState, end, type PhaseResult } from '../state';
import { deploymentTag } from './swap-listener';

const controllerTagKeys = [
  taskSetTag.lease,
  taskSetTag.swappedAt,
  taskSetTag.lastStepAt,
  taskSetTag.autoScaling,
];

/** Deletes the drained old task set (already gone counts as done) and clears stale tags. */
export async function cleanup(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const { input, topology } = state;
  if (!topology) throw new EcsTaperError('internal: cleanup before discover resolved the topology');
  const service = await readService(ctx, input.cluster, input.service);
  const old = liveTaskSets(service).find((set) => set.taskSetArn === topology.oldTaskSetArn);
  const done: string[] = [];
  // Scaling first: from here on the new set is the service, and nothing of the deployment may outlive it.
  const restored = await restoreAutoScaling(ctx, state);
  if (state.autoScaling && state.autoScaling.previous !== 'none' && !state.autoScaling.restored)
    done.push('Auto Scaling restored');
  if (old) {
    await deleteTaskSet(ctx, input, old);
    done.push(`deleted old task set ${old.id ?? old.taskSetArn}`);
  }
  const ours = state.newTaskSetArn
    ? liveTaskSets(service).find((set) => set.taskSetArn === state.newTaskSetArn)
    : undefined;
  if (ours?.taskSetArn) {
    // The controller's tags served this deployment only; the ownership mark stays.
    await untagTaskSet(ctx, ours.taskSetArn, controllerTagKeys);
  }
  const staleTags = (await readTags(ctx, [topology.oldTargetGroupArn])).get(topology.oldTargetGroupArn) ?? {};
  if (deploymentTag in staleTags) {
    await untagTargetGroup(ctx, topology.oldTargetGroupArn, [deploymentTag], 'stale tags');
    done.push('cleared stale tags');
  }
  const { lease: _released, ...finished } = restored;
  return {
    state: finished,
    next: end('succeeded', done.length > 0 ? done.join('; ') : 'nothing left to clean up'),
  };
}
