import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeTaskSetsCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  AddTagsCommand,
  DescribeListenersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  ModifyListenerCommand,
  RemoveTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { errorMessage, type StrategyContext, type StrategyResult, withRetries } from './common.js';

/** The seed's Step Functions input defaults. */
export const seedDefaults = { waitForService: 60, scaledown_decrement: 25, scaledown_wait: 60 } as const;

/** A Lambda of the seed failed: Step Functions retries only Lambda service errors, so the execution fails. */
class SeedLambdaError extends Error {
  constructor(step: string, cause: unknown) {
    super(`${step} Lambda failed: ${errorMessage(cause)}`);
    this.name = 'SeedLambdaError';
  }
}

/**
 * The seed sample exactly as it runs: CheckAndCreateService (tags decide which group is production;
 * no clientToken) -> Wait waitForService (no health gate) -> Swap (both listeners, fire-and-forget,
 * tags moved; UpdateServicePrimaryTaskSet never called) -> ScaleDown (read computedDesiredCount, then
 * scale minus scaledown_decrement percentage points, or delete at 0) -> Wait scaledown_wait ->
 * loop while the count read BEFORE the update was > 0 -> Cleanup (the same Lambda again, on a task set
 * that ScaleDown already deleted). aws-sdk v2 retries throttling and 5xx 3 times from 100 ms.
 */
export async function seedStrategy(ctx: StrategyContext): Promise<StrategyResult> {
  const { clients, input, clock } = ctx;
  const waitForService = seedDefaults.waitForService;
  const decrement = ctx.decrementPercent ?? seedDefaults.scaledown_decrement;
  const wait = ctx.intervalSeconds ?? seedDefaults.scaledown_wait;
  const v2 = <T>(call: () => Promise<T>) =>
    withRetries(clock, call, 3, 100, () => ctx.world.rng.faults.next());
  const lambda = async <T>(step: string, body: () => Promise<T>): Promise<T> => {
    try {
      return await body();
    } catch (error) {
      throw new SeedLambdaError(step, error);
    }
  };
  const { cluster, service } = input;

  try {
    // CheckAndCreateService
    const check = await lambda('CheckAndCreateService', async () => {
      const groups = await v2(() =>
        clients.elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: input.loadBalancerArn })),
      );
      const arns = (groups.TargetGroups ?? []).map((g) => g.TargetGroupArn ?? '');
      const tags = await v2(() => clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: arns })));
      const descriptions = [...(tags.TagDescriptions ?? [])];
      const prodIndex = descriptions.findIndex((d) => d.Tags?.some((t) => t.Key === 'isProduction'));
      const prod = descriptions[prodIndex];
      if (!prod) throw new TypeError("Cannot read properties of undefined (reading 'ResourceArn')");
      const taskSetToScaleDown = prod.Tags?.find((t) => t.Key === 'taskSetId')?.Value ?? '';
      descriptions.splice(prodIndex, 1);
      const nonProd = descriptions[0]?.ResourceArn ?? '';
      const created = await v2(() =>
        clients.ecs.send(
          new CreateTaskSetCommand({
            cluster,
            service,
            taskDefinition: input.taskDefinition,
            launchType: 'FARGATE',
            loadBalancers: [{ containerName: 'webserver', containerPort: 8080, targetGroupArn: nonProd }],
            networkConfiguration: {
              awsvpcConfiguration: {
                subnets: input.subnets,
                securityGroups: [input.securityGroups?.[0] ?? ''],
                assignPublicIp: 'DISABLED',
              },
            },
            scale: { unit: 'PERCENT', value: 100 },
          }),
        ),
      );
      return {
        tgIsProd: prod.ResourceArn ?? '',
        tgNonProd: nonProd,
        taskSetToScaleDown,
        newTaskSetId: created.taskSet?.id ?? '',
      };
    });

    // WaitForServiceReady: a fixed sleep, no health gate.
    await clock.sleep(waitForService * 1000);

    // Swap
    await lambda('Swap', async () => {
      const listeners = await v2(() =>
        clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: input.loadBalancerArn })),
      );
      const l80 = listeners.Listeners?.find((l) => l.Port === 80)?.ListenerArn;
      const l8080 = listeners.Listeners?.find((l) => l.Port === 8080)?.ListenerArn;
      const modify = (arn: string | undefined, tg: string) =>
        v2(() =>
          clients.elbv2.send(
            new ModifyListenerCommand({
              ListenerArn: arn,
              DefaultActions: [{ Type: 'forward', TargetGroupArn: tg }],
            }),
          ),
        ).catch(() => undefined); // fire-and-forget: errors are swallowed
      void modify(l80, check.tgNonProd);
      void modify(l8080, check.tgIsProd);
      await Promise.all([
        v2(() =>
          clients.elbv2.send(
            new RemoveTagsCommand({ ResourceArns: [check.tgIsProd], TagKeys: ['isProduction'] }),
          ),
        ),
        v2(() =>
          clients.elbv2.send(
            new AddTagsCommand({
              ResourceArns: [check.tgNonProd],
              Tags: [
                { Key: 'isProduction', Value: 'true' },
                { Key: 'serviceName', Value: service },
                { Key: 'taskSetId', Value: check.newTaskSetId },
              ],
            }),
          ),
        ),
      ]);
    });

    // ScaleDown -> Wait -> LoopTillRunning ... -> Cleanup (the same Lambda once more).
    const scaleDown = async () => {
      const described = await v2(() =>
        clients.ecs.send(
          new DescribeTaskSetsCommand({ cluster, service, taskSets: [check.taskSetToScaleDown] }),
        ),
      );
      const set = described.taskSets?.[0];
      if (!set) throw new TypeError("Cannot read properties of undefined (reading 'computedDesiredCount')");
      const runningTask = set.computedDesiredCount ?? 0;
      if (runningTask > 0) {
        const value = Math.max(0, (set.scale?.value ?? 0) - decrement);
        await v2(() =>
          clients.ecs.send(
            new UpdateTaskSetCommand({
              cluster,
              service,
              taskSet: check.taskSetToScaleDown,
              scale: { unit: 'PERCENT', value },
            }),
          ),
        );
      } else {
        await v2(() =>
          clients.ecs.send(new DeleteTaskSetCommand({ cluster, service, taskSet: check.taskSetToScaleDown })),
        );
      }
      return runningTask;
    };
    for (;;) {
      const runningTask = await lambda('ScaleDown', scaleDown);
      await clock.sleep(wait * 1000);
      if (runningTask <= 0) break;
      if (clock.elapsedMs >= ctx.deadlineMs) {
        return {
          outcome: 'failed',
          reason: `still looping after ${Math.round(clock.elapsedMs / 1000)} s (decrement ${decrement})`,
        };
      }
    }
    await lambda('Cleanup', scaleDown);
    return { outcome: 'succeeded', reason: 'seed state machine reached its end' };
  } catch (error) {
    return { outcome: 'failed', reason: errorMessage(error) };
  }
}
