import type { CreateTaskSetCommandInput, TaskSet } from '@aws-sdk/client-ecs';
import type { Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SuspendedState } from '../controller/autoscaling';
import { AwsCallError } from '../errors';
import type { ResolvedInput } from '../input';
import { callAws } from './call-aws';
import type { ApplicationAutoScalingPort } from './ports';
import type { PhaseContext } from './read';
import { applicationAutoScalingSdk, ecsSdk, elbv2Sdk } from './sdk';

/**
 * Every mutation core makes, one function per request, each one callAws (so retried in one place).
 * Phases decide what to change; these only say how to ask AWS. Reads are in read.ts.
 */

type ServiceRef = Pick<ResolvedInput, 'cluster' | 'service'>;

export async function createService(
  ctx: PhaseContext,
  input: Pick<ResolvedInput, 'cluster' | 'service' | 'desiredCount'>,
  clientToken: string,
): Promise<void> {
  const { CreateServiceCommand } = await ecsSdk();
  await callAws(
    `creating service ${input.service} in cluster ${input.cluster}`,
    () =>
      ctx.aws.ecs.send(
        new CreateServiceCommand({
          cluster: input.cluster,
          serviceName: input.service,
          desiredCount: input.desiredCount,
          deploymentController: { type: 'EXTERNAL' },
          clientToken,
        }),
      ),
    ctx.retry,
  );
}

/**
 * CreateTaskSet, returning the set from its response. A failed attempt may still have created the set
 * (a 5xx after the work was done). ECS dedupes on clientToken, but before each retry `exists` is asked
 * anyway: an emulator, or a token ECS forgot, must not yield a second set. Undefined when it existed.
 */
export async function createTaskSetOnce(
  ctx: PhaseContext,
  input: Pick<ResolvedInput, 'service' | 'taskDefinition'>,
  request: CreateTaskSetCommandInput,
  exists: () => Promise<boolean>,
): Promise<TaskSet | undefined> {
  const { CreateTaskSetCommand } = await ecsSdk();
  let retrying = false;
  return callAws(
    `creating task set for ${input.taskDefinition} in service ${input.service}`,
    async () => {
      if (retrying && (await exists())) return undefined;
      retrying = true;
      return (await ctx.aws.ecs.send(new CreateTaskSetCommand(request)))?.taskSet;
    },
    ctx.retry,
  );
}

/** Sets a task set's scale to `percent` of the service's desiredCount; `what` names the set in errors. */
export async function updateTaskSetScale(
  ctx: PhaseContext,
  input: ServiceRef,
  taskSetArn: string | undefined,
  percent: number,
  what = 'task set',
): Promise<void> {
  const { UpdateTaskSetCommand } = await ecsSdk();
  await callAws(
    `scaling ${what} ${taskSetArn} to ${percent} %`,
    () =>
      ctx.aws.ecs.send(
        new UpdateTaskSetCommand({
          cluster: input.cluster,
          service: input.service,
          taskSet: taskSetArn,
          scale: { unit: 'PERCENT', value: percent },
        }),
      ),
    ctx.retry,
  );
}

export async function updateServicePrimaryTaskSet(
  ctx: PhaseContext,
  input: ServiceRef,
  taskSetArn: string,
): Promise<void> {
  const { UpdateServicePrimaryTaskSetCommand } = await ecsSdk();
  await callAws(
    `making task set ${taskSetArn} primary`,
    () =>
      ctx.aws.ecs.send(
        new UpdateServicePrimaryTaskSetCommand({
          cluster: input.cluster,
          service: input.service,
          primaryTaskSet: taskSetArn,
        }),
      ),
    ctx.retry,
  );
}

/** Deletes a task set; one that is already gone counts as deleted. */
export async function deleteTaskSet(
  ctx: PhaseContext,
  input: ServiceRef,
  set: Pick<TaskSet, 'taskSetArn'>,
): Promise<void> {
  const { DeleteTaskSetCommand } = await ecsSdk();
  try {
    await callAws(
      `deleting task set ${set.taskSetArn}`,
      () =>
        ctx.aws.ecs.send(
          new DeleteTaskSetCommand({
            cluster: input.cluster,
            service: input.service,
            taskSet: set.taskSetArn,
            force: true,
          }),
        ),
      ctx.retry,
    );
  } catch (error) {
    if (error instanceof AwsCallError && error.awsErrorName === 'TaskSetNotFoundException') return;
    throw error;
  }
}

export async function tagTaskSet(
  ctx: PhaseContext,
  taskSetArn: string,
  tags: Record<string, string>,
): Promise<void> {
  const { TagResourceCommand } = await ecsSdk();
  await callAws(
    `tagging task set ${taskSetArn} (${Object.keys(tags).join(', ')})`,
    () =>
      ctx.aws.ecs.send(
        new TagResourceCommand({
          resourceArn: taskSetArn,
          tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
        }),
      ),
    ctx.retry,
  );
}

export async function untagTaskSet(ctx: PhaseContext, taskSetArn: string, keys: string[]): Promise<void> {
  const { UntagResourceCommand } = await ecsSdk();
  await callAws(
    `removing tags ${keys.join(', ')} from task set ${taskSetArn}`,
    () => ctx.aws.ecs.send(new UntagResourceCommand({ resourceArn: taskSetArn, tagKeys: keys })),
    ctx.retry,
  );
}

/** Forwards all new flows to one group; returns the listener as ModifyListener's response describes it. */
export async function modifyListenerForward(
  ctx: PhaseContext,
  listenerArn: string,
  targetGroupArn: string,
): Promise<Listener | undefined> {
  const { ModifyListenerCommand } = await elbv2Sdk();
  const output = await callAws(
    `pointing listener ${listenerArn} at ${targetGroupArn}`,
    () =>
      ctx.aws.elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: listenerArn,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
        }),
      ),
    ctx.retry,
  );
  return output?.Listeners?.find((l) => l.ListenerArn === listenerArn);
}

export interface WeightedTarget {
  targetGroupArn: string;
  /** 0-999, relative to the other groups' weights; 0 sends a group no new flows. */
  weight: number;
}

/**
 * Splits new flows between groups by weight (a canary step). Stickiness off: a sticky client stays on
 * the group it first reached, and the weights would stop describing the split. Returns the listener as ModifyListener's response describes it.
 */
export async function modifyListenerWeighted(
  ctx: PhaseContext,
  listenerArn: string,
  targets: WeightedTarget[],
): Promise<Listener | undefined> {
  const { ModifyListenerCommand } = await elbv2Sdk();
  const split = targets.map((t) => `${t.targetGroupArn} (weight ${t.weight})`).join(', ');
  const output = await callAws(
    `pointing listener ${listenerArn} at ${split}`,
    () =>
      ctx.aws.elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: listenerArn,
          DefaultActions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: targets.map((t) => ({ TargetGroupArn: t.targetGroupArn, Weight: t.weight })),
                TargetGroupStickinessConfig: { Enabled: false },
              },
            },
          ],
        }),
      ),
    ctx.retry,
  );
  return output?.Listeners?.find((l) => l.ListenerArn === listenerArn);
}

export async function tagTargetGroup(
  ctx: PhaseContext,
  targetGroupArn: string,
  tags: Record<string, string>,
): Promise<void> {
  const { AddTagsCommand } = await elbv2Sdk();
  await callAws(
    `tagging ${targetGroupArn}`,
    () =>
      ctx.aws.elbv2.send(
        new AddTagsCommand({
          ResourceArns: [targetGroupArn],
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    ctx.retry,
  );
}

/** `what` names the tags in errors ("stale tags" at cleanup). */
export async function untagTargetGroup(
  ctx: PhaseContext,
  targetGroupArn: string,
  keys: string[],
  what = 'tags',
): Promise<void> {
  const { RemoveTagsCommand } = await elbv2Sdk();
  await callAws(
    `removing ${what} from ${targetGroupArn}`,
    () => ctx.aws.elbv2.send(new RemoveTagsCommand({ ResourceArns: [targetGroupArn], TagKeys: keys })),
    ctx.retry,
  );
}

/**
 * Sets the service's scalable target's SuspendedState. The client is passed in: its absence is bad
 * input (a refusal) that the caller reports before any AWS call. `why` leads the error context.
 */
export async function registerScalableTarget(
  ctx: PhaseContext,
  client: ApplicationAutoScalingPort,
  resourceId: string,
  suspendedState: SuspendedState,
  why: string,
): Promise<void> {
  const { RegisterScalableTargetCommand } = await applicationAutoScalingSdk();
  await callAws(
    `${why} Application Auto Scaling of ${resourceId}`,
    () =>
      client.send(
        new RegisterScalableTargetCommand({
          ServiceNamespace: 'ecs',
          ResourceId: resourceId,
          ScalableDimension: 'ecs:service:DesiredCount',
          SuspendedState: suspendedState,
        }),
      ),
    ctx.retry,
  );
}
