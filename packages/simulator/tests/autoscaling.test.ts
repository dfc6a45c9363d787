import {
  ApplicationAutoScalingServiceException,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  ValidationException,
} from '@aws-sdk/client-application-auto-scaling';
import { CreateTaskSetCommand } from '@aws-sdk/client-ecs';
import type { AwsClients } from '@ecs-taper/core';
import type { ApplicationAutoScalingPort } from '@ecs-taper/core/workflow';
import { describe, expect, it } from 'vitest';
import { type BuildWorldOptions, MUTATING_OPERATIONS } from '../src/index.js';
import { advance, network, smallWorld } from './helpers.js';

const RESOURCE_ID = 'service/sim-cluster/sim-service';
const ecsTarget = { ServiceNamespace: 'ecs', ScalableDimension: 'ecs:service:DesiredCount' } as const;
const ALL_SUSPENDED = {
  DynamicScalingInSuspended: true,
  DynamicScalingOutSuspended: true,
  ScheduledScalingSuspended: true,
};
const NONE_SUSPENDED = {
  DynamicScalingInSuspended: false,
  DynamicScalingOutSuspended: false,
  ScheduledScalingSuspended: false,
};

function setup(options: BuildWorldOptions = {}) {
  const built = smallWorld({ scalableTarget: { minCapacity: 1, maxCapacity: 10 }, ...options });
  const aas = built.clients.applicationAutoScaling;
  const describeTarget = async () =>
    (
      await aas.send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', ResourceIds: [RESOURCE_ID] }),
      )
    ).ScalableTargets?.[0];
  const register = (extra: Partial<ConstructorParameters<typeof RegisterScalableTargetCommand>[0]>) =>
    aas.send(new RegisterScalableTargetCommand({ ...ecsTarget, ResourceId: RESOURCE_ID, ...extra }));
  /** Running tasks of the initial task set once the scheduler has settled. */
  const runningAfterSettle = async () => {
    await built.world.settle(600_000);
    return built.refs.initialTaskSet.tasks.filter((t) => t.lastStatus === 'RUNNING').length;
  };
  return { ...built, aas, describeTarget, register, runningAfterSettle };
}

describe('the simulated Application Auto Scaling client', () => {
  it("is typed as core's port and listed in the world's clients", () => {
    const { world } = setup();
    const clients: AwsClients = world.clients;
    const port: ApplicationAutoScalingPort = world.clients.applicationAutoScaling;
    expect(clients.applicationAutoScaling).toBe(port);
  });

  it('describes the target buildWorld registered, with all three SuspendedState flags', async () => {
    const { world, describeTarget } = setup({ scalableTarget: { minCapacity: 2, maxCapacity: 8 } });
    const target = await describeTarget();
    expect(target).toMatchObject({
      ServiceNamespace: 'ecs',
      ResourceId: RESOURCE_ID,
      ScalableDimension: 'ecs:service:DesiredCount',
      MinCapacity: 2,
      MaxCapacity: 8,
      SuspendedState: NONE_SUSPENDED,
      RoleARN:
        'arn:aws:iam::000000000000:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService',
    });
    expect(target?.ScalableTargetARN).toMatch(
      /^arn:aws:application-autoscaling:us-east-1:000000000000:scalable-target\/[0-9a-f]{36}$/,
    );
    expect(target?.CreationTime).toEqual(new Date(world.clock.epochMs));
  });

  it('returns no targets for unknown ids, another namespace or dimension, or a world without one', async () => {
    const { aas } = setup();
    const ids = async (input: ConstructorParameters<typeof DescribeScalableTargetsCommand>[0]) =>
      (await aas.send(new DescribeScalableTargetsCommand(input))).ScalableTargets?.map((t) => t.ResourceId);
    expect(await ids({ ServiceNamespace: 'ecs' })).toEqual([RESOURCE_ID]);
    expect(await ids({ ServiceNamespace: 'ecs', ResourceIds: ['service/sim-cluster/other'] })).toEqual([]);
    expect(await ids({ ServiceNamespace: 'dynamodb' })).toEqual([]);
    expect(
      await ids({
        ServiceNamespace: 'ecs',
        ResourceIds: [RESOURCE_ID],
        ScalableDimension: 'ecs:service:DesiredCount',
      }),
    ).toEqual([RESOURCE_ID]);
    const bare = smallWorld();
    expect(
      (
        await bare.clients.applicationAutoScaling.send(
          new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }),
        )
      ).ScalableTargets,
    ).toEqual([]);
  });

  it('pages with MaxResults and NextToken', async () => {
    const { world, aas, refs } = setup();
    const other = world.addExternalService(refs.service.cluster, 'other', 2, network);
    world.addScalableTarget(other, { minCapacity: 0, maxCapacity: 4 });
    const first = await aas.send(
      new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs', MaxResults: 1 }),
    );
    expect(first.ScalableTargets?.map((t) => t.ResourceId)).toEqual([RESOURCE_ID]);
    expect(first.NextToken).toBeDefined();
    const second = await aas.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace: 'ecs',
        MaxResults: 1,
        NextToken: first.NextToken,
      }),
    );
    expect(second.ScalableTargets?.map((t) => t.ResourceId)).toEqual(['service/sim-cluster/other']);
    expect(second.NextToken).toBeUndefined();
  });

  it('answers bad requests with ValidationException', async () => {
    const { aas, register, describeTarget } = setup();
    await expect(
      aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'nope' as 'ecs' })),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(
      aas.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
        }),
      ),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(
      register({ ResourceId: 'service/sim-cluster/missing', MinCapacity: 1, MaxCapacity: 2 }),
    ).rejects.toThrow(/ECS service doesn't exist: service\/sim-cluster\/missing/);
    await expect(
      register({ ResourceId: 'sim-service', MinCapacity: 1, MaxCapacity: 2 }),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(
      register({ ScalableDimension: 'dynamodb:table:ReadCapacityUnits', MinCapacity: 1, MaxCapacity: 2 }),
    ).rejects.toBeInstanceOf(ValidationException);
    await expect(register({ MinCapacity: 11 })).rejects.toThrow(/cannot be greater than maximum capacity 10/);
    await expect(register({ MinCapacity: -1 })).rejects.toBeInstanceOf(ValidationException);
    expect(await describeTarget()).toMatchObject({ MinCapacity: 1, MaxCapacity: 10 });
  });

  it('requires MinCapacity and MaxCapacity for a new target, and then creates it', async () => {
    const bare = smallWorld();
    const aas = bare.clients.applicationAutoScaling;
    await expect(
      aas.send(new RegisterScalableTargetCommand({ ...ecsTarget, ResourceId: RESOURCE_ID, MinCapacity: 1 })),
    ).rejects.toMatchObject({ name: 'ValidationException', $fault: 'client' });
    const out = await aas.send(
      new RegisterScalableTargetCommand({
        ...ecsTarget,
        ResourceId: RESOURCE_ID,
        MinCapacity: 1,
        MaxCapacity: 6,
        SuspendedState: { ScheduledScalingSuspended: true },
      }),
    );
    expect(out.ScalableTargetARN).toMatch(/:scalable-target\//);
    const listed = await aas.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }));
    expect(listed.ScalableTargets?.[0]).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 6,
      SuspendedState: { ...NONE_SUSPENDED, ScheduledScalingSuspended: true },
      ScalableTargetARN: out.ScalableTargetARN,
    });
  });

  it('keeps omitted fields on update, SuspendedState flags one by one', async () => {
    const { register, describeTarget } = setup({ scalableTarget: { minCapacity: 2, maxCapacity: 9 } });
    const arn = (await describeTarget())?.ScalableTargetARN;
    await register({ SuspendedState: ALL_SUSPENDED });
    expect(await describeTarget()).toMatchObject({
      MinCapacity: 2,
      MaxCapacity: 9,
      SuspendedState: ALL_SUSPENDED,
    });
    await register({ SuspendedState: { DynamicScalingInSuspended: false } });
    expect((await describeTarget())?.SuspendedState).toEqual({
      ...ALL_SUSPENDED,
      DynamicScalingInSuspended: false,
    });
    await register({ MaxCapacity: 12 });
    expect(await describeTarget()).toMatchObject({
      MinCapacity: 2,
      MaxCapacity: 12,
      SuspendedState: { ...ALL_SUSPENDED, DynamicScalingInSuspended: false },
      ScalableTargetARN: arn,
    });
    await register({ SuspendedState: {} });
    expect((await describeTarget())?.SuspendedState).toEqual({
      ...ALL_SUSPENDED,
      DynamicScalingInSuspended: false,
    });
    await register({ SuspendedState: NONE_SUSPENDED });
    expect((await describeTarget())?.SuspendedState).toEqual(NONE_SUSPENDED);
  });

  it('moves desiredCount into a new range, but not for an update of SuspendedState alone', async () => {
    const { world, refs, register, runningAfterSettle } = setup({
      scalableTarget: { minCapacity: 1, maxCapacity: 10 },
    });
    await register({ SuspendedState: ALL_SUSPENDED });
    expect(refs.service.desiredCount).toBe(4);
    await register({ MinCapacity: 6 });
    expect(refs.service.desiredCount).toBe(6);
    expect(world.scalingActivities.at(-1)).toMatchObject({ kind: 'register', from: 4, to: 6 });
    expect(await runningAfterSettle()).toBe(6);
  });

  it('counts RegisterScalableTarget as a mutation and injects faults into it', async () => {
    const { world, register } = setup();
    expect(MUTATING_OPERATIONS.has('RegisterScalableTarget')).toBe(true);
    const before = world.calls.length;
    await register({ SuspendedState: ALL_SUSPENDED });
    expect(world.mutationCount(before)).toBe(1);
    expect(world.calls.at(-1)).toMatchObject({
      service: 'ApplicationAutoScaling',
      operation: 'RegisterScalableTarget',
      mutating: true,
      ok: true,
    });
    world.faults.throttle = { rate: 1, commands: ['RegisterScalableTarget'] };
    const error = await register({ SuspendedState: NONE_SUSPENDED }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApplicationAutoScalingServiceException);
    expect(error).toMatchObject({
      name: 'ThrottlingException',
      $metadata: { httpStatusCode: 400 },
      $retryable: { throttling: true },
    });
    world.faults.throttle = undefined;
    world.faults.serverErrors = { rate: 1, commands: ['DescribeScalableTargetsCommand'] };
    await expect(
      world.clients.applicationAutoScaling.send(
        new DescribeScalableTargetsCommand({ ServiceNamespace: 'ecs' }),
      ),
    ).rejects.toMatchObject({ name: 'ServiceUnavailableException', $metadata: { httpStatusCode: 503 } });
    expect(world.metrics.apiErrors).toMatchObject({ ThrottlingException: 1, ServiceUnavailableException: 1 });
    expect(world.metrics.apiCalls).toMatchObject({ RegisterScalableTarget: 2, DescribeScalableTargets: 1 });
  });
});

describe('scaling activities', () => {
  it('applies a dynamic scale-out when nothing is suspended, and every task set follows', async () => {
    const { world, refs, runningAfterSettle } = setup({
      scaling: [{ atSeconds: 100, desiredCount: 7, kind: 'dynamic' }],
    });
    advance(world, 99);
    expect(refs.service.desiredCount).toBe(4);
    advance(world, 1);
    expect(refs.service.desiredCount).toBe(7);
    expect(world.scalingActivities).toEqual([
      { at: 100_000, kind: 'dynamic', resourceId: RESOURCE_ID, requested: 7, from: 4, to: 7 },
    ]);
    expect(await runningAfterSettle()).toBe(7);
  });

  it('skips a dynamic scale-out while DynamicScalingOutSuspended, but applies a scale-in', async () => {
    const { world, refs, runningAfterSettle } = setup({
      scalableTarget: {
        minCapacity: 1,
        maxCapacity: 10,
        suspendedState: { DynamicScalingOutSuspended: true },
      },
      scaling: [
        { atSeconds: 10, desiredCount: 8, kind: 'dynamic' },
        { atSeconds: 20, desiredCount: 3, kind: 'dynamic' },
      ],
    });
    advance(world, 15);
    expect(refs.service.desiredCount).toBe(4);
    advance(world, 10);
    expect(refs.service.desiredCount).toBe(3);
    expect(world.scalingActivities.map(({ from, to, skipped }) => ({ from, to, skipped }))).toEqual([
      { from: 4, to: 8, skipped: 'DynamicScalingOutSuspended' },
      { from: 4, to: 3, skipped: undefined },
    ]);
    expect(await runningAfterSettle()).toBe(3);
  });

  it('skips a dynamic scale-in while DynamicScalingInSuspended, but applies a scale-out', async () => {
    const { world, refs } = setup({
      scalableTarget: {
        minCapacity: 1,
        maxCapacity: 10,
        suspendedState: { DynamicScalingInSuspended: true },
      },
      scaling: [
        { atSeconds: 10, desiredCount: 2, kind: 'dynamic' },
        { atSeconds: 20, desiredCount: 5, kind: 'dynamic' },
      ],
    });
    advance(world, 30);
    expect(refs.service.desiredCount).toBe(5);
    expect(world.scalingActivities.map((a) => a.skipped)).toEqual(['DynamicScalingInSuspended', undefined]);
  });

  it('skips scheduled scaling while ScheduledScalingSuspended, and dynamic scaling is not affected', async () => {
    const { world, refs } = setup({
      scalableTarget: {
        minCapacity: 1,
        maxCapacity: 10,
        suspendedState: { ScheduledScalingSuspended: true },
      },
      scaling: [
        { atSeconds: 10, desiredCount: 9, kind: 'scheduled' },
        { atSeconds: 20, desiredCount: 6, kind: 'dynamic' },
      ],
    });
    advance(world, 15);
    expect(refs.service.desiredCount).toBe(4);
    advance(world, 10);
    expect(refs.service.desiredCount).toBe(6);
    expect(world.scalingActivities.map((a) => [a.kind, a.to, a.skipped])).toEqual([
      ['scheduled', 9, 'ScheduledScalingSuspended'],
      ['dynamic', 6, undefined],
    ]);
  });

  it('applies scheduled scaling while only dynamic scaling is suspended', async () => {
    const { world, refs } = setup({
      scalableTarget: {
        minCapacity: 1,
        maxCapacity: 10,
        suspendedState: { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: true },
      },
      scaling: [
        { atSeconds: 10, desiredCount: 2, kind: 'scheduled' },
        { atSeconds: 20, desiredCount: 8, kind: 'dynamic' },
        { atSeconds: 30, desiredCount: 1, kind: 'dynamic' },
      ],
    });
    advance(world, 40);
    expect(refs.service.desiredCount).toBe(2);
    expect(world.scalingActivities.map((a) => a.skipped)).toEqual([
      undefined,
      'DynamicScalingOutSuspended',
      'DynamicScalingInSuspended',
    ]);
  });

  it('clamps the new count to [min, max]', async () => {
    const { world, refs } = setup({
      scalableTarget: { minCapacity: 2, maxCapacity: 6 },
      scaling: [
        { atSeconds: 10, desiredCount: 50, kind: 'dynamic' },
        { atSeconds: 20, desiredCount: 0, kind: 'scheduled' },
      ],
    });
    advance(world, 10);
    expect(refs.service.desiredCount).toBe(6);
    advance(world, 10);
    expect(refs.service.desiredCount).toBe(2);
    expect(world.scalingActivities.map(({ requested, from, to }) => [requested, from, to])).toEqual([
      [50, 4, 6],
      [0, 6, 2],
    ]);
  });

  it('follows a suspension set through RegisterScalableTarget while the world runs, and its resumption', async () => {
    const { world, refs, register } = setup({
      scaling: [
        { atSeconds: 100, desiredCount: 8, kind: 'dynamic' },
        { atSeconds: 200, desiredCount: 8, kind: 'dynamic' },
      ],
    });
    advance(world, 50);
    await register({ SuspendedState: { DynamicScalingOutSuspended: true } });
    advance(world, 100);
    expect(refs.service.desiredCount).toBe(4);
    await register({ SuspendedState: { DynamicScalingOutSuspended: false } });
    advance(world, 100);
    expect(refs.service.desiredCount).toBe(8);
    expect(world.scalingActivities.map((a) => [a.at, a.skipped])).toEqual([
      [100_000, 'DynamicScalingOutSuspended'],
      [200_000, undefined],
    ]);
  });

  it('resizes every task set by its scale of the new count, as after UpdateService', async () => {
    const { world, clients, input, refs } = setup({
      scaling: [{ atSeconds: 60, desiredCount: 8, kind: 'dynamic' }],
    });
    const out = await clients.ecs.send(
      new CreateTaskSetCommand({
        cluster: input.cluster,
        service: input.service,
        taskDefinition: refs.v2.arn,
        networkConfiguration: network,
        launchType: 'FARGATE',
        loadBalancers: [{ targetGroupArn: refs.green.arn, containerName: 'webserver', containerPort: 8080 }],
        scale: { unit: 'PERCENT', value: 50 },
      }),
    );
    expect(out.taskSet?.computedDesiredCount).toBe(2);
    await world.settle(600_000);
    const green = refs.service.taskSets.find((ts) => ts.arn === out.taskSet?.taskSetArn);
    expect(green?.tasks).toHaveLength(2);
    advance(world, Math.max(0, 60 - world.clock.elapsedMs / 1000));
    await world.settle(600_000);
    expect(green?.tasks.filter((t) => t.lastStatus === 'RUNNING')).toHaveLength(4);
    expect(refs.initialTaskSet.tasks.filter((t) => t.lastStatus === 'RUNNING')).toHaveLength(8);
  });

  it('records an activity with no scalable target as skipped', () => {
    const bare = smallWorld({ scaling: [{ atSeconds: 5, desiredCount: 9, kind: 'dynamic' }] });
    advance(bare.world, 10);
    expect(bare.refs.service.desiredCount).toBe(4);
    expect(bare.refs.scalableTarget).toBeUndefined();
    expect(bare.world.scalingActivities).toMatchObject([{ from: 4, to: 4, skipped: 'NoScalableTarget' }]);
  });

  it('addScalableTarget takes a service name and scheduleScaling needs a service when targets are ambiguous', () => {
    const bare = smallWorld();
    expect(() => bare.world.scheduleScaling({ atSeconds: 1, desiredCount: 2, kind: 'dynamic' })).toThrow(
      /needs a service/,
    );
    const target = bare.world.addScalableTarget('sim-service', { minCapacity: 1, maxCapacity: 3 });
    expect(target.resourceId).toBe(RESOURCE_ID);
    // desiredCount 4 is above the new maximum: moved into the range.
    expect(bare.refs.service.desiredCount).toBe(3);
    expect(() => bare.world.addScalableTarget('nope', { minCapacity: 1, maxCapacity: 3 })).toThrow(
      /No service/,
    );
    bare.world.scheduleScaling({ atSeconds: 1, desiredCount: 1, kind: 'scheduled' });
    advance(bare.world, 1);
    expect(bare.refs.service.desiredCount).toBe(1);
  });
});
