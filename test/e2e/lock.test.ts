import { DeploymentLockedError, deploy } from '@ecs-taper/core';
import { buildWorld } from '@ecs-taper/simulator';
import { describe, expect, it } from 'vitest';

const fastRetry = { retries: 8, minTimeoutMs: 0, maxTimeoutMs: 0 };

describe('two deployments of one service at the same moment', () => {
  it('lets the first ECS created win, and the second backs out naming it, leaving the first undisturbed', async () => {
    const { clients, clock, input, world, refs } = buildWorld({ tasks: 4, connectionsPerTask: 20 });
    const first = deploy(clients, { ...input, deploymentId: 'pipeline-a' }, { clock, retry: fastRetry });
    const second = deploy(clients, { ...input, deploymentId: 'pipeline-b' }, { clock, retry: fastRetry });
    const [a, b] = await Promise.allSettled([first, second]);

    // Both created a task set in the same simulated second; the tie goes to the smaller id.
    expect(world.ecs.createdTaskSets).toHaveLength(2);
    expect(a).toMatchObject({
      status: 'fulfilled',
      value: { outcome: 'succeeded', deploymentId: 'pipeline-a' },
    });
    expect(b.status).toBe('rejected');
    const refusal = (b as PromiseRejectedResult).reason;
    expect(refusal).toBeInstanceOf(DeploymentLockedError);
    expect(refusal.runningDeploymentId).toBe('pipeline-a');
    expect(refusal.message).toContain('pipeline-a');

    const live = refs.service.taskSets.filter((set) => set.status !== 'DRAINING');
    expect(live.map((set) => [set.externalId, set.status])).toEqual([['pipeline-a', 'PRIMARY']]);
    expect(refs.productionListener.defaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: refs.green.arn },
    ]);
  });

  it('refuses a deployment started while another is in progress, before changing anything', async () => {
    const { clients, clock, input, world } = buildWorld({ tasks: 4, connectionsPerTask: 20 });
    const controller = new AbortController();
    const running = deploy(
      clients,
      { ...input, deploymentId: 'pipeline-a' },
      {
        clock,
        retry: fastRetry,
        signal: controller.signal,
      },
    ).catch((error: unknown) => error);
    await clock.sleep(20_000);
    const mutationsBefore = world.calls.filter((call) => call.mutating).length;
    const error = await deploy(
      clients,
      { ...input, deploymentId: 'pipeline-b' },
      { clock, retry: fastRetry },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentLockedError);
    expect((error as DeploymentLockedError).runningDeploymentId).toBe('pipeline-a');
    expect(world.calls.filter((call) => call.mutating)).toHaveLength(mutationsBefore);
    controller.abort();
    await running;
  });
});
