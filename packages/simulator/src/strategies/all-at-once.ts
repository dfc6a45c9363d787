import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  UpdateServicePrimaryTaskSetCommand,
} from '@aws-sdk/client-ecs';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { StrategyContext, StrategyResult } from './common.js';
import { describeTaskSet, patient, pollUntil, readTopology, setReady } from './observe.js';

/** CodeDeploy's default wait for the replacement task set to become ready. */
const READY_TIMEOUT_SECONDS = 600;
/** Wait between the traffic shift and removing the original task set (CodeDeploy's termination wait). */
const TERMINATION_WAIT_SECONDS = 60;

/**
 * CodeDeploy's only option on an NLB (CodeDeployDefault.ECSAllAtOnce): create the replacement task set
 * behind the test listener, wait until it is healthy, shift the production listener at once, then
 * remove the whole original task set.
 */
export async function allAtOnce(ctx: StrategyContext): Promise<StrategyResult> {
  const { clients, input } = ctx;
  const topology = await readTopology(ctx);
  const desired = ctx.refs.service.desiredCount;
  const created = await patient(ctx, () =>
    clients.ecs.send(
      new CreateTaskSetCommand({
        cluster: input.cluster,
        service: input.service,
        taskDefinition: input.taskDefinition,
        externalId: 'all-at-once',
        clientToken: 'all-at-once-baseline',
        launchType: 'FARGATE',
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: input.subnets,
            securityGroups: input.securityGroups,
            assignPublicIp: 'DISABLED',
          },
        },
        loadBalancers: [
          { ...topology.primary.loadBalancers?.[0], targetGroupArn: topology.standbyTargetGroupArn },
        ],
        scale: { unit: 'PERCENT', value: 100 },
      }),
    ),
  );
  const newArn = created.taskSet?.taskSetArn ?? '';
  const ready = await pollUntil(
    ctx,
    () => setReady(ctx, newArn, topology.standbyTargetGroupArn, desired),
    READY_TIMEOUT_SECONDS,
  );
  if (!ready) {
    await patient(ctx, () =>
      clients.ecs.send(
        new DeleteTaskSetCommand({
          cluster: input.cluster,
          service: input.service,
          taskSet: newArn,
          force: true,
        }),
      ),
    );
    return { outcome: 'rolled-back', reason: 'replacement task set never became healthy; deleted it' };
  }
  const point = (listenerArn: string, targetGroupArn: string) =>
    patient(ctx, () =>
      clients.elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: listenerArn,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
        }),
      ),
    );
  await point(topology.productionListenerArn, topology.standbyTargetGroupArn);
  await point(topology.testListenerArn, topology.liveTargetGroupArn);
  await patient(ctx, () =>
    clients.ecs.send(
      new UpdateServicePrimaryTaskSetCommand({
        cluster: input.cluster,
        service: input.service,
        primaryTaskSet: newArn,
      }),
    ),
  );
  await ctx.clock.sleep(TERMINATION_WAIT_SECONDS * 1000);
  const oldArn = topology.primary.taskSetArn ?? '';
  await patient(ctx, () =>
    clients.ecs.send(
      new DeleteTaskSetCommand({
        cluster: input.cluster,
        service: input.service,
        taskSet: oldArn,
        force: true,
      }),
    ),
  );
  const gone = await pollUntil(ctx, async () => (await describeTaskSet(ctx, oldArn)) === undefined, 3600);
  return gone
    ? { outcome: 'succeeded', reason: 'traffic shifted at once; original task set removed whole' }
    : { outcome: 'failed', reason: 'original task set did not drain in time' };
}
