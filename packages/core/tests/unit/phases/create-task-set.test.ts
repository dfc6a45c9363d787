import {
  ClusterNotFoundException,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  InvalidParameterException,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { AwsCallError, DeploymentLockedError, EcsTaperError } from '../../../src/errors';
import { createTaskSet, decide, taskSetRequest } from '../../../src/phases/create-task-set';
import {
  caught,
  DEPLOYMENT_ID,
  deploymentState,
  ecsThrottled,
  expectNoMutations,
  GREEN_TG,
  mockAws,
  NEW_SET_ARN,
  NEW_TD,
  NOW,
  newSet,
  oldSet,
  resolvedInput,
  service,
  servicesOutput,
  topology,
} from '../support/fixtures';

const aws = mockAws();

/** State right after discover: topology known, no new set yet. */
const afterDiscover = (inputOverrides: Record<string, unknown> = {}) =>
  deploymentState({ phase: 'create', newTaskSetArn: undefined }, inputOverrides);

describe('taskSetRequest', () => {
  it('carries clientToken == externalId == deploymentId, the standby group, container and network', () => {
    const request = taskSetRequest(resolvedInput(), topology(), DEPLOYMENT_ID);
    expect(request).toEqual({
      cluster: 'demo',
      service: 'web',
      taskDefinition: NEW_TD,
      externalId: DEPLOYMENT_ID,
      clientToken: DEPLOYMENT_ID,
      loadBalancers: [{ targetGroupArn: GREEN_TG, containerName: 'web', containerPort: 8080 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-a', 'subnet-b'],
          securityGroups: ['sg-task'],
          assignPublicIp: 'DISABLED',
        },
      },
      launchType: 'FARGATE',
      scale: { unit: 'PERCENT', value: 100 },
      tags: [{ key: 'ecs-taper:deployment-id', value: DEPLOYMENT_ID }],
    });
  });

  it('tags the set ours and, given a lease, leased to its controller from the first moment', () => {
    const request = taskSetRequest(resolvedInput(), topology(), DEPLOYMENT_ID, {
      owner: 'ctl-abc',
      expiresAt: NOW + 60_000,
    });
    expect(request.tags).toEqual([
      { key: 'ecs-taper:deployment-id', value: DEPLOYMENT_ID },
      { key: 'ecs-taper:lease', value: `${NOW + 60_000} ctl-abc` },
    ]);
  });

  it('sends a capacity provider strategy instead of a launch type, and the platform version', () => {
    const strategy = [
      { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      { capacityProvider: 'FARGATE', base: 1 },
    ];
    const request = taskSetRequest(
      resolvedInput({ capacityProviderStrategy: strategy, platformVersion: '1.4.0', assignPublicIp: true }),
      topology(),
      DEPLOYMENT_ID,
    );
    expect(request.capacityProviderStrategy).toEqual(strategy);
    expect(request).not.toHaveProperty('launchType');
    expect(request.platformVersion).toBe('1.4.0');
    expect(request.networkConfiguration?.awsvpcConfiguration?.assignPublicIp).toBe('ENABLED');
  });

  it('keeps an explicit launch type', () => {
    expect(taskSetRequest(resolvedInput({ launchType: 'EC2' }), topology(), DEPLOYMENT_ID).launchType).toBe(
      'EC2',
    );
  });

  it('uses the container from the topology (read from the task definition by discover)', () => {
    const request = taskSetRequest(
      resolvedInput(),
      topology({ containerName: 'app', containerPort: 9000 }),
      DEPLOYMENT_ID,
    );
    expect(request.loadBalancers).toEqual([
      { targetGroupArn: GREEN_TG, containerName: 'app', containerPort: 9000 },
    ]);
  });
});

describe('create decide (pure)', () => {
  it.each([
    ['no service', undefined, 'create-service'],
    ['a service with only the old set', service([oldSet()]), 'create-task-set'],
    ['a service with an empty set list', service([]), 'create-task-set'],
    ['our set already there', service([oldSet(), newSet()]), 'done'],
    [
      'our set DRAINING (being deleted)',
      service([oldSet(), newSet({ status: 'DRAINING' })]),
      'create-task-set',
    ],
    [
      'another deployment’s set only',
      service([oldSet(), newSet({ externalId: 'other' })]),
      'create-task-set',
    ],
  ])('%s -> %s', (_label, svc, kind) => {
    expect(decide(svc, afterDiscover()).kind).toBe(kind);
  });
});

describe('createTaskSet', () => {
  it('creates the task set on the standby group, leased to this controller, and goes to waitReady', async () => {
    const createdAt = new Date(NOW - 2_000);
    aws.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesOutput(service([oldSet()])))
      .resolves(servicesOutput(service([oldSet(), newSet({ stabilityStatus: 'STABILIZING', createdAt })])));
    aws.ecs.on(CreateTaskSetCommand).resolves({ taskSet: newSet() });
    const result = await createTaskSet(aws.context(), afterDiscover({ pollIntervalSeconds: 15 }));
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(CreateTaskSetCommand, {
      clientToken: DEPLOYMENT_ID,
      externalId: DEPLOYMENT_ID,
      taskDefinition: NEW_TD,
      loadBalancers: [{ targetGroupArn: GREEN_TG, containerName: 'web', containerPort: 8080 }],
      launchType: 'FARGATE',
      // The lease runs six polls: the set is ours before anything else could see it.
      tags: [
        { key: 'ecs-taper:deployment-id', value: DEPLOYMENT_ID },
        { key: 'ecs-taper:lease', value: `${NOW + 90_000} ctl-test` },
      ],
    });
    expect(aws.ecs).toHaveReceivedCommandTimes(CreateServiceCommand, 0);
    expect(result.state.newTaskSetArn).toBe(NEW_SET_ARN);
    expect(result.state.lease).toEqual({ owner: 'ctl-test', expiresAt: NOW + 90_000 });
    // Counted from the set's createdAt, as a resumed run counts it.
    expect(result.state.readyDeadline).toBe(NOW - 2_000 + 600_000);
    expect(result.next).toMatchObject({ kind: 'go', phase: 'waitReady' });
  });

  it('makes no call that changes anything when the set already exists (a repeated call)', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet(), newSet()])));
    const earlierDeadline = NOW - 5_000;
    const result = await createTaskSet(aws.context(), afterDiscover());
    await createTaskSet(aws.context(), { ...afterDiscover(), readyDeadline: earlierDeadline });
    expect(result.state.newTaskSetArn).toBe(NEW_SET_ARN);
    expectNoMutations(aws);
  });

  it('counts the deadline from the set’s createdAt, whatever the state said: a repeat never extends it', async () => {
    // newSet() was created at NOW - 60 s.
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet(), newSet()])));
    const later = await createTaskSet(aws.context(NOW + 300_000), {
      ...afterDiscover(),
      readyDeadline: NOW + 1,
    });
    expect(later.state.readyDeadline).toBe(NOW - 60_000 + 600_000);
    const custom = await createTaskSet(aws.context(), afterDiscover({ readyTimeoutSeconds: 120 }));
    expect(custom.state.readyDeadline).toBe(NOW - 60_000 + 120_000);
  });

  it('counts the deadline from now when ECS reports no createdAt', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .resolves(servicesOutput(service([oldSet(), newSet({ createdAt: undefined })])));
    const result = await createTaskSet(aws.context(), afterDiscover());
    expect(result.state.readyDeadline).toBe(NOW + 600_000);
  });

  it('creates a missing service with the EXTERNAL controller first (DescribeServices says MISSING)', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesOutput(undefined))
      .resolvesOnce(servicesOutput(service([])))
      .resolves(servicesOutput(service([newSet()])));
    const state = afterDiscover({ desiredCount: 3 });
    const result = await createTaskSet(aws.context(), {
      ...state,
      topology: topology({ oldTaskSetArn: undefined }),
    });
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(CreateServiceCommand, {
      cluster: 'demo',
      serviceName: 'web',
      desiredCount: 3,
      deploymentController: { type: 'EXTERNAL' },
      clientToken: DEPLOYMENT_ID,
    });
    expect(aws.ecs).toHaveReceivedCommandTimes(CreateTaskSetCommand, 1);
    expect(result.next).toMatchObject({ phase: 'waitReady' });
  });

  it('retries a throttled CreateTaskSet with the same clientToken, so ECS makes one set', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesOutput(service([oldSet()])))
      .resolvesOnce(servicesOutput(service([oldSet()])))
      .resolves(servicesOutput(service([oldSet(), newSet()])));
    aws.ecs.on(CreateTaskSetCommand).rejectsOnce(ecsThrottled()).resolves({ taskSet: newSet() });
    await createTaskSet(aws.context(), afterDiscover());
    const calls = aws.ecs.commandCalls(CreateTaskSetCommand);
    expect(calls).toHaveLength(2);
    expect(calls.map((call) => call.args[0].input.clientToken)).toEqual([DEPLOYMENT_ID, DEPLOYMENT_ID]);
  });

  it('does not create again when a failed attempt did create the set (a 5xx after the work)', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesOutput(service([oldSet()])))
      .resolves(servicesOutput(service([oldSet(), newSet()])));
    aws.ecs.on(CreateTaskSetCommand).rejectsOnce(ecsThrottled()).resolves({ taskSet: newSet() });
    const result = await createTaskSet(aws.context(), afterDiscover());
    expect(aws.ecs).toHaveReceivedCommandTimes(CreateTaskSetCommand, 1);
    expect(result.state.newTaskSetArn).toBe(newSet().taskSetArn);
  });

  it('stops at once on a non-transient error and keeps its AWS name', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet()])));
    aws.ecs
      .on(CreateTaskSetCommand)
      .rejects(new InvalidParameterException({ message: 'subnet-a does not exist', $metadata: {} }));
    const error = await caught(createTaskSet(aws.context(), afterDiscover()));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('InvalidParameterException');
    expect(error.message).toBe(
      `creating task set for ${NEW_TD} in service web: subnet-a does not exist (InvalidParameterException)`,
    );
    expect(aws.ecs).toHaveReceivedCommandTimes(CreateTaskSetCommand, 1);
  });

  it('reports an unknown cluster as ClusterNotFoundException', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
    const error = await caught(createTaskSet(aws.context(), afterDiscover()));
    expect(error.awsErrorName).toBe('ClusterNotFoundException');
    expect(error.message).toContain('(ClusterNotFoundException)');
    expectNoMutations(aws);
  });

  it('fails clearly when the created set does not show up', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet()])));
    aws.ecs.on(CreateTaskSetCommand).resolves({});
    const error = await caught(createTaskSet(aws.context(), afterDiscover()));
    expect(error).toBeInstanceOf(EcsTaperError);
    expect(error.message).toContain('not visible after CreateTaskSet');
  });

  it('refuses to run before discover', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet()])));
    const error = await caught(createTaskSet(aws.context(), { ...afterDiscover(), topology: undefined }));
    expect(error.message).toContain('before discover');
    expectNoMutations(aws);
  });
});

describe('the lock: two deployments create sets on the standby group at the same moment', () => {
  const sameMoment = new Date('2025-06-01T12:00:00Z');
  const contender = (externalId: string, arn: string) =>
    newSet({ externalId, taskSetArn: arn, id: `ecs-svc/${externalId}`, createdAt: sameMoment });

  it('the one with the larger id deletes its own set and throws, naming the winner', async () => {
    const winner = contender('taper-a', `${NEW_SET_ARN}-a`);
    const loser = contender('taper-b', `${NEW_SET_ARN}-b`);
    aws.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesOutput(service([oldSet(), winner])))
      .resolves(servicesOutput(service([oldSet(), winner, loser])));
    aws.ecs.on(CreateTaskSetCommand).resolves({ taskSet: loser });
    const state = { ...afterDiscover(), deploymentId: 'taper-b' };
    const error = await caught(createTaskSet(aws.context(), state));
    expect(error).toBeInstanceOf(DeploymentLockedError);
    expect(error.runningDeploymentId).toBe('taper-a');
    expect(error.message).toContain('deployment taper-a started first');
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DeleteTaskSetCommand, {
      taskSet: `${NEW_SET_ARN}-b`,
      force: true,
    });
  });

  it('the one with the smaller id goes on and leaves the other set alone', async () => {
    const winner = contender('taper-a', `${NEW_SET_ARN}-a`);
    const loser = contender('taper-b', `${NEW_SET_ARN}-b`);
    aws.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesOutput(service([oldSet(), loser])))
      .resolves(servicesOutput(service([oldSet(), winner, loser])));
    aws.ecs.on(CreateTaskSetCommand).resolves({ taskSet: winner });
    const result = await createTaskSet(aws.context(), { ...afterDiscover(), deploymentId: 'taper-a' });
    expect(result.state.newTaskSetArn).toBe(`${NEW_SET_ARN}-a`);
    expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 0);
  });

  it('an earlier createdAt beats a smaller id', async () => {
    const early = newSet({
      externalId: 'taper-z',
      taskSetArn: `${NEW_SET_ARN}-z`,
      createdAt: new Date(NOW - 1000),
    });
    const late = newSet({ externalId: 'taper-a', taskSetArn: `${NEW_SET_ARN}-a`, createdAt: new Date(NOW) });
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet(), early, late])));
    const error = await caught(createTaskSet(aws.context(), { ...afterDiscover(), deploymentId: 'taper-a' }));
    expect(error).toBeInstanceOf(DeploymentLockedError);
    expect(error.runningDeploymentId).toBe('taper-z');
    expect(aws.ecs).toHaveReceivedCommandWith(DeleteTaskSetCommand, { taskSet: `${NEW_SET_ARN}-a` });
  });

  it('a loser whose set is already gone still backs out (TaskSetNotFoundException counts as deleted)', async () => {
    const winner = contender('taper-a', `${NEW_SET_ARN}-a`);
    const loser = contender('taper-b', `${NEW_SET_ARN}-b`);
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet(), winner, loser])));
    aws.ecs.on(DeleteTaskSetCommand).rejects(
      Object.assign(new Error('The specified task set does not exist.'), {
        name: 'TaskSetNotFoundException',
      }),
    );
    const error = await caught(createTaskSet(aws.context(), { ...afterDiscover(), deploymentId: 'taper-b' }));
    expect(error).toBeInstanceOf(DeploymentLockedError);
  });
});
