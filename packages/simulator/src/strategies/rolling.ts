import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import { type StrategyContext, type StrategyResult, scaleForCount } from './common.js';
import { describeTaskSet, patient, pollUntil, readTopology } from './observe.js';

/** Batch size when neither decrementTasks nor decrementPercent is given (like maximumPercent 125). */
const DEFAULT_BATCH_PERCENT = 25;
const READY_TIMEOUT_SECONDS = 600;

/**
 * An ECS-style rolling replacement inside ONE target group (the live one): start a batch of new tasks,
 * wait until they are healthy, stop as many old tasks, repeat. Clients dropped by a stopped old task
 * reconnect through the same group and may land on an old task that a later batch stops again.
 * Modelled with a second task set on the live target group (minimumHealthyPercent 100).
 */
export async function rolling(ctx: StrategyContext): Promise<StrategyResult> {
  const { clients, input } = ctx;
  const { cluster, service } = input;
  const topology = await readTopology(ctx);
  const desired = ctx.refs.service.desiredCount;
  const batch = Math.max(
    1,
    ctx.decrementTasks ?? Math.ceil((desired * (ctx.decrementPercent ?? DEFAULT_BATCH_PERCENT)) / 100),
  );
  const created = await patient(ctx, () =>
    clients.ecs.send(
      new CreateTaskSetCommand({
        cluster,
        service,
        taskDefinition: input.taskDefinition,
        externalId: 'rolling',
        clientToken: 'rolling-baseline',
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: input.subnets,
            securityGroups: input.securityGroups,
            assignPublicIp: 'DISABLED',
          },
        },
        loadBalancers: topology.primary.loadBalancers,
        scale: { unit: 'PERCENT', value: 0 },
      }),
    ),
  );
  const newArn = created.taskSet?.taskSetArn ?? '';
  const oldArn = topology.primary.taskSetArn ?? '';
  const scale = (taskSet: string, count: number) =>
    patient(ctx, () =>
      clients.ecs.send(
        new UpdateTaskSetCommand({
          cluster,
          service,
          taskSet,
          scale: { unit: 'PERCENT', value: scaleForCount(desired, count) },
        }),
      ),
    );

  let started = 0;
  while (started < desired) {
    started = Math.min(desired, started + batch);
    await scale(newArn, started);
    const healthy = await pollUntil(
      ctx,
      async () => {
        const set = await describeTaskSet(ctx, newArn);
        // STEADY_STATE: running == computedDesiredCount, nothing pending, every task healthy in the group.
        return set?.runningCount === started && set.stabilityStatus === 'STEADY_STATE';
      },
      READY_TIMEOUT_SECONDS,
    );
    if (!healthy) {
      await scale(oldArn, desired);
      await patient(ctx, () =>
        clients.ecs.send(new DeleteTaskSetCommand({ cluster, service, taskSet: newArn, force: true })),
      );
      return {
        outcome: 'rolled-back',
        reason: `new tasks of batch ending at ${started} never became healthy`,
      };
    }
    await scale(oldArn, desired - started);
  }
  await patient(ctx, () =>
    clients.ecs.send(new UpdateServicePrimaryTaskSetCommand({ cluster, service, primaryTaskSet: newArn })),
  );
  await patient(ctx, () => clients.ecs.send(new DeleteTaskSetCommand({ cluster, service, taskSet: oldArn })));
  const gone = await pollUntil(ctx, async () => (await describeTaskSet(ctx, oldArn)) === undefined, 3600);
  return gone
    ? {
        outcome: 'succeeded',
        reason: `replaced ${desired} tasks in batches of ${batch} inside one target group`,
      }
    : { outcome: 'failed', reason: 'old task set did not drain in time' };
}
