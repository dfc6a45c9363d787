import { RemoveTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { callAws } from '../aws/call-aws';
import { liveTaskSets, type PhaseContext, readService, readTags } from '../aws/read';
import { EcsTaperError } from '../errors';
import { type DeploymentState, end, type PhaseResult } from '../state';
import { deleteTaskSet } from './create-task-set';
import { deploymentTag } from './swap-listener';

/** Deletes the drained old task set (already gone counts as done) and clears stale tags. */
export async function cleanup(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const { input, topology } = state;
  if (!topology) throw new EcsTaperError('internal: cleanup before discover resolved the topology');
  const service = await readService(ctx, input.cluster, input.service);
  const old = liveTaskSets(service).find((set) => set.taskSetArn === topology.oldTaskSetArn);
  const done: string[] = [];
  if (old) {
    await deleteTaskSet(ctx, input, old);
    done.push(`deleted old task set ${old.id ?? old.taskSetArn}`);
  }
  const staleTags = (await readTags(ctx, [topology.oldTargetGroupArn])).get(topology.oldTargetGroupArn) ?? {};
  if (deploymentTag in staleTags) {
    await callAws(
      `removing stale tags from ${topology.oldTargetGroupArn}`,
      () =>
        ctx.aws.elbv2.send(
          new RemoveTagsCommand({ ResourceArns: [topology.oldTargetGroupArn], TagKeys: [deploymentTag] }),
        ),
      ctx.retry,
    );
    done.push('cleared stale tags');
  }
  return { state, next: end('succeeded', done.length > 0 ? done.join('; ') : 'nothing left to clean up') };
}
