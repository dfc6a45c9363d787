import {
  ClusterNotFoundException,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  DescribeTasksCommand,
  InvalidParameterException,
  ListTasksCommand,
  RunTaskCommand,
  ServiceNotFoundException,
  TaskSetNotFoundException,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { UnsupportedCommandError } from '../src/index.js';
import { advance, network, smallWorld } from './helpers.js';

function setup(tasks = 4) {
  const built = smallWorld({ tasks });
  const { clients, input, refs } = built;
  const base = { cluster: input.cluster, service: input.service };
  const createGreen = (extra: Partial<ConstructorParameters<typeof CreateTaskSetCommand>[0]> = {}) =>
    clients.ecs.send(
      new CreateTaskSetCommand({
        ...base,
        taskDefinition: refs.v2.arn,
        networkConfiguration: network,
        launchType: 'FARGATE',
        loadBalancers: [{ targetGroupArn: refs.green.arn, containerName: 'webserver', containerPort: 8080 }],
        ...extra,
      }),
    );
  const describe = async (arn: string) =>
    (await clients.ecs.send(new DescribeTaskSetsCommand({ ...base, taskSets: [arn] }))).taskSets?.[0];
  return { ...built, base, createGreen, describe };
}

describe('computedDesiredCount', () => {
  it.each([
    [3, 66.66666666666667, 3],
    [3, 75, 3],
    [3, 1, 1],
    [3, 0, 0],
    [2, 25, 1],
    [2, 50, 1],
    [7, 25, 2],
    [20, 100, 20],
  ])('desiredCount %d at scale %d is %d tasks (always rounded up)', async (desired, scale, expected) => {
    const { createGreen } = setup(desired);
    const out = await createGreen({ scale: { unit: 'PERCENT', value: scale } });
    expect(out.taskSet?.computedDesiredCount).toBe(expected);
  });

  it('follows UpdateTaskSet and shows the scale as given', async () => {
    const { clients, base, createGreen, describe } = setup(3);
    const arn = (await createGreen({ scale: { unit: 'PERCENT', value: 100 } })).taskSet?.taskSetArn ?? '';
    await clients.ecs.send(
      new UpdateTaskSetCommand({ ...base, taskSet: arn, scale: { unit: 'PERCENT', value: 33.4 } }),
    );
    const set = await describe(arn);
    expect(set?.scale).toEqual({ unit: 'PERCENT', value: 33.4 });
    expect(set?.computedDesiredCount).toBe(2);
  });
});

describe('task set lifecycle', () => {
  it('creates task sets ACTIVE, with tasks going PROVISIONING -> PENDING -> RUNNING', async () => {
    const { world, createGreen, describe } = setup();
    const created = (await createGreen()).taskSet;
    expect(created?.status).toBe('ACTIVE');
    expect(created?.runningCount).toBe(0);
    const s = world.settings.ecs;
    advance(world, s.schedulerDelaySeconds + 1);
    expect((await describe(created?.taskSetArn ?? ''))?.pendingCount).toBe(4);
    advance(world, s.provisioningSeconds + s.pendingSeconds);
    const running = await describe(created?.taskSetArn ?? '');
    expect(running?.runningCount).toBe(4);
    expect(running?.pendingCount).toBe(0);
  });

  it('is STEADY_STATE only once every task runs and is healthy in its target group', async () => {
    const { world, createGreen, describe } = setup();
    const arn = (await createGreen()).taskSet?.taskSetArn ?? '';
    const s = world.settings;
    const startSeconds = s.ecs.schedulerDelaySeconds + s.ecs.provisioningSeconds + s.ecs.pendingSeconds;
    const healthSeconds = s.targetGroup.healthyThresholdCount * s.targetGroup.healthCheckIntervalSeconds;
    expect((await describe(arn))?.stabilityStatus).toBe('STABILIZING');
    advance(world, startSeconds + 1);
    const started = await describe(arn);
    expect(started?.runningCount).toBe(4);
    expect(started?.stabilityStatus).toBe('STABILIZING');
    advance(world, healthSeconds - 2);
    expect((await describe(arn))?.stabilityStatus).toBe('STABILIZING');
    advance(world, 2);
    expect((await describe(arn))?.stabilityStatus).toBe('STEADY_STATE');
  });

  it('makes one task set PRIMARY and the previous one ACTIVE', async () => {
    const { clients, base, createGreen, describe, refs } = setup();
    const arn = (await createGreen()).taskSet?.taskSetArn ?? '';
    await clients.ecs.send(new UpdateServicePrimaryTaskSetCommand({ ...base, primaryTaskSet: arn }));
    expect((await describe(arn))?.status).toBe('PRIMARY');
    expect((await describe(refs.initialTaskSet.arn))?.status).toBe('ACTIVE');
    const service = (
      await clients.ecs.send(new DescribeServicesCommand({ ...base, services: [base.service] }))
    ).services?.[0];
    expect(service?.taskDefinition).toBe(refs.v2.arn);
    expect(service?.taskSets).toHaveLength(2);
  });

  it('refuses to delete a task set above scale 0 without force, then drains and removes it', async () => {
    const { world, clients, base, refs, describe } = setup();
    const arn = refs.initialTaskSet.arn;
    await expect(
      clients.ecs.send(new DeleteTaskSetCommand({ ...base, taskSet: arn })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    const deleted = await clients.ecs.send(new DeleteTaskSetCommand({ ...base, taskSet: arn, force: true }));
    expect(deleted.taskSet?.status).toBe('DRAINING');
    advance(world, 3);
    expect((await describe(arn))?.runningCount).toBe(0);
    advance(
      world,
      world.settings.targetGroup.deregistrationDelaySeconds + world.settings.ecs.shutdownSeconds,
    );
    const out = await clients.ecs.send(new DescribeTaskSetsCommand({ ...base, taskSets: [arn] }));
    expect(out.taskSets).toEqual([]);
    expect(out.failures).toEqual([{ arn, reason: 'MISSING' }]);
  });
});

describe('clientToken', () => {
  it('returns the same task set for a retried request, without creating a second one', async () => {
    const { createGreen, refs } = setup();
    const first = await createGreen({ clientToken: 'deploy-1234', externalId: 'deploy-1234' });
    const again = await createGreen({ clientToken: 'deploy-1234', externalId: 'deploy-1234' });
    expect(again.taskSet?.taskSetArn).toBe(first.taskSet?.taskSetArn);
    expect(again.taskSet?.externalId).toBe('deploy-1234');
    expect(refs.service.taskSets).toHaveLength(2);
  });

  it('rejects the same token with different parameters, and tokens longer than 36 characters', async () => {
    const { createGreen } = setup();
    await createGreen({ clientToken: 'deploy-1234' });
    await expect(
      createGreen({ clientToken: 'deploy-1234', scale: { unit: 'PERCENT', value: 50 } }),
    ).rejects.toThrow(InvalidParameterException);
    await expect(createGreen({ clientToken: 'x'.repeat(37) })).rejects.toThrow(InvalidParameterException);
  });
});

describe('errors and quirks', () => {
  it('reports a missing service in failures with reason MISSING instead of throwing', async () => {
    const { clients, base } = setup();
    const out = await clients.ecs.send(
      new DescribeServicesCommand({ cluster: base.cluster, services: ['nope'] }),
    );
    expect(out.services).toEqual([]);
    expect(out.failures).toEqual([
      { arn: 'arn:aws:ecs:us-east-1:000000000000:service/sim-cluster/nope', reason: 'MISSING' },
    ]);
    expect(out.$metadata.httpStatusCode).toBe(200);
  });

  it('throws the real SDK exception classes', async () => {
    const { clients, base } = setup();
    const missingCluster = clients.ecs.send(
      new DescribeServicesCommand({ cluster: 'nope', services: ['x'] }),
    );
    await expect(missingCluster).rejects.toBeInstanceOf(ClusterNotFoundException);
    const missingService = clients.ecs.send(
      new DescribeTaskSetsCommand({ cluster: base.cluster, service: 'nope' }),
    );
    await expect(missingService).rejects.toBeInstanceOf(ServiceNotFoundException);
    const missingSet = clients.ecs.send(
      new UpdateTaskSetCommand({ ...base, taskSet: 'ecs-svc/0', scale: { unit: 'PERCENT', value: 1 } }),
    );
    await expect(missingSet).rejects.toMatchObject({ name: 'TaskSetNotFoundException', $fault: 'client' });
    await expect(missingSet).rejects.toBeInstanceOf(TaskSetNotFoundException);
    const missingDef = clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: 'nope:9' }));
    await expect(missingDef).rejects.toMatchObject({ name: 'ClientException' });
  });

  it('validates the load balancer against the task definition', async () => {
    const { createGreen, refs } = setup();
    const wrongPort = createGreen({
      loadBalancers: [{ targetGroupArn: refs.green.arn, containerName: 'webserver', containerPort: 9999 }],
    });
    await expect(wrongPort).rejects.toThrow(/did not have a container port 9999/);
  });

  it('limits a service to 5 live task sets', async () => {
    const { createGreen } = setup();
    for (let i = 0; i < 4; i++) await createGreen({ clientToken: `t${i}` });
    await expect(createGreen({ clientToken: 't5' })).rejects.toThrow(/5 deployments exist on the service/);
  });

  it('throws UnsupportedCommandError naming any other command', async () => {
    const { clients } = setup();
    const send = clients.ecs.send.bind(clients.ecs) as (c: unknown) => Promise<unknown>;
    const error = await send(new RunTaskCommand({ cluster: 'sim-cluster', taskDefinition: 'x' })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UnsupportedCommandError);
    expect((error as Error).message).toContain('RunTaskCommand');
  });

  it("lists a task set's stopped tasks by startedBy and describes their stop times (stoppingAt, executionStoppedAt)", async () => {
    const built = smallWorld({ tasks: 4, deregistrationDelaySeconds: 30 });
    const { clients, input, refs } = built;
    const set = refs.initialTaskSet;
    const cluster = input.cluster;
    const startedAt = built.clock.now();
    await clients.ecs.send(
      new UpdateTaskSetCommand({
        cluster,
        service: input.service,
        taskSet: set.arn,
        scale: { unit: 'PERCENT', value: 50 },
      }),
    );
    advance(built.world, 10);
    const stopping = await clients.ecs.send(
      new ListTasksCommand({ cluster, startedBy: set.id, desiredStatus: 'STOPPED' }),
    );
    expect(stopping.taskArns).toHaveLength(2);
    const draining = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: stopping.taskArns }));
    for (const task of draining.tasks ?? []) {
      expect(task.lastStatus).toBe('DEACTIVATING');
      expect(task.startedBy).toBe(set.id);
      expect(task.stoppingAt?.getTime()).toBeGreaterThanOrEqual(startedAt);
      expect(task.executionStoppedAt).toBeUndefined();
    }
    advance(built.world, 60);
    const stopped = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: stopping.taskArns }));
    for (const task of stopped.tasks ?? []) {
      expect(task.lastStatus).toBe('STOPPED');
      const lag = (task.executionStoppedAt?.getTime() ?? 0) - (task.stoppingAt?.getTime() ?? 0);
      // Drained for the deregistration delay, then the shutdown (2 s).
      expect(lag).toBe(32_000);
    }
    const running = await clients.ecs.send(new ListTasksCommand({ cluster, startedBy: set.id }));
    expect(running.taskArns).toHaveLength(2);
    const other = await clients.ecs.send(new ListTasksCommand({ cluster, startedBy: 'ecs-svc/0' }));
    expect(other.taskArns).toEqual([]);
    const missing = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: ['nope'] }));
    expect(missing.failures).toEqual([{ arn: 'nope', reason: 'MISSING' }]);
  });

  it('dispatches by class name when the command comes from another copy of the SDK', async () => {
    const { clients, base } = setup();
    class DescribeServicesCommand {
      constructor(readonly input: unknown) {}
    }
    const send = clients.ecs.send.bind(clients.ecs) as (c: unknown) => Promise<{ services?: unknown[] }>;
    const out = await send(new DescribeServicesCommand({ ...base, services: [base.service] }));
    expect(out.services).toHaveLength(1);
  });
});
