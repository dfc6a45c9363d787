import {
  ClusterNotFoundException,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  InvalidParameterException,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import {
  AwsCallError,
  DeploymentLockedError,
  EcsTaperError,
  InputValidationError,
} from '../../../src/errors';
import { createTaskSet, decide, oldTaskSet, taskSetRequest } from '../../../src/phases/create-task-set';
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
  OLD_SET_ARN,
  oldSet,
  resolvedInput,
  service,
  servicesOutput,
  topology,
} from '../support/fixtures';

const aws = mockAws();

/** State right after discover: topology known (an awsvpc task definition), no new set yet. */
const afterDiscover = (inputOverrides: Record<string, unknown> = {}) =>
  deploymentState(
    { phase: 'create', newTaskSetArn: undefined, topology: topology({ networkMode: 'awsvpc' }) },
    inputOverrides,
  );

/** The old set as ECS reports an on-demand Fargate one (in private subnets, no public IP). */
const fargateOld = (overrides: Partial<TaskSet> = {}) =>
  oldSet({
    launchType: 'FARGATE',
    platformVersion: '1.4.0',
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: ['subnet-old-a', 'subnet-old-b'],
        securityGroups: ['sg-old'],
        assignPublicIp: 'DISABLED',
      },
    },
    ...overrides,
  });

const CLOUD_MAP = 'arn:aws:servicediscovery:eu-west-1:000000000000:service/srv-abcdefghijklmnop';

/**
 * The old set of a FARGATE_SPOT service with Cloud Map, on a pinned platform version, with a public IP.
 * `launchType` too, as moto reports it next to a strategy (AWS reports no launch type then).
 */
const spotOld = (overrides: Partial<TaskSet> = {}) =>
  oldSet({
    capacityProviderStrategy: [
      { capacityProvider: 'FARGATE_SPOT', weight: 4, base: 1 },
      { capacityProvider: 'FARGATE', weight: 1, base: 0 },
    ],
    platformVersion: '1.4.0',
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: ['subnet-old-a', 'subnet-old-b'],
        securityGroups: ['sg-old-1', 'sg-old-2'],
        assignPublicIp: 'ENABLED',
      },
    },
    serviceRegistries: [{ registryArn: CLOUD_MAP, containerName: 'web', containerPort: 8080 }],
    // The previous deployment's own tags: never copied (they would make the new set look like the old one).
    tags: [{ key: 'ecs-taper:deployment-id', value: 'taper-unit-0000' }],
    ...overrides,
  });

/** Input without any network or launch field: everything comes from the old set. */
const bare = (overrides: Record<string, unknown> = {}) =>
  resolvedInput({ subnets: undefined, securityGroups: undefined, ...overrides });

const awsvpc = topology({ networkMode: 'awsvpc' });

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

describe('taskSetRequest: the new set runs like the old one', () => {
  it('inherits a FARGATE_SPOT strategy, the platform version, the network and the Cloud Map registry', () => {
    const request = taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, spotOld());
    expect(request).toEqual({
      cluster: 'demo',
      service: 'web',
      taskDefinition: NEW_TD,
      externalId: DEPLOYMENT_ID,
      clientToken: DEPLOYMENT_ID,
      loadBalancers: [{ targetGroupArn: GREEN_TG, containerName: 'web', containerPort: 8080 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-old-a', 'subnet-old-b'],
          securityGroups: ['sg-old-1', 'sg-old-2'],
          assignPublicIp: 'ENABLED',
        },
      },
      serviceRegistries: [{ registryArn: CLOUD_MAP, containerName: 'web', containerPort: 8080 }],
      // The strategy alone: ECS refuses a launch type next to it, even though the old set reported one.
      capacityProviderStrategy: [
        { capacityProvider: 'FARGATE_SPOT', weight: 4, base: 1 },
        { capacityProvider: 'FARGATE', weight: 1, base: 0 },
      ],
      platformVersion: '1.4.0',
      scale: { unit: 'PERCENT', value: 100 },
      tags: [{ key: 'ecs-taper:deployment-id', value: DEPLOYMENT_ID }],
    });
  });

  it('never sends both a launch type and a strategy, whatever the old set reports', () => {
    const request = taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, spotOld({ launchType: 'EC2' }));
    expect(request).not.toHaveProperty('launchType');
    expect(request.capacityProviderStrategy?.[0]?.capacityProvider).toBe('FARGATE_SPOT');
  });

  it('copies the strategy, not a reference to the old set', () => {
    const old = spotOld();
    const request = taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, old);
    request.capacityProviderStrategy?.push({ capacityProvider: 'X' });
    request.networkConfiguration?.awsvpcConfiguration?.subnets?.push('subnet-x');
    request.serviceRegistries?.push({ registryArn: 'x' });
    expect(old.capacityProviderStrategy).toHaveLength(2);
    expect(old.networkConfiguration?.awsvpcConfiguration?.subnets).toHaveLength(2);
    expect(old.serviceRegistries).toHaveLength(1);
  });

  it('inherits an EC2 launch type, and sends no platform version (the old set has none)', () => {
    const old = fargateOld({ launchType: 'EC2', platformVersion: undefined });
    const request = taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, old);
    expect(request.launchType).toBe('EC2');
    expect(request).not.toHaveProperty('capacityProviderStrategy');
    expect(request).not.toHaveProperty('platformVersion');
  });

  it('sends neither launch type nor strategy when the old set reports neither (it ran on the cluster default)', () => {
    const old = fargateOld({ launchType: undefined, capacityProviderStrategy: [] });
    const request = taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, old);
    expect(request).not.toHaveProperty('launchType');
    expect(request).not.toHaveProperty('capacityProviderStrategy');
  });

  it.each([
    ['a port (awsvpc SRV record)', { registryArn: CLOUD_MAP, port: 8080 }],
    ['a container name and port', { registryArn: CLOUD_MAP, containerName: 'web', containerPort: 8080 }],
    ['only the registry (A record)', { registryArn: CLOUD_MAP }],
  ])('copies a registry with %s field for field, adding nothing', (_label, registry) => {
    const old = spotOld({ serviceRegistries: [registry] });
    expect(taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, old).serviceRegistries).toEqual([
      registry,
    ]);
  });

  it('leaves out the registry fields ECS reported empty: port never comes with containerName', () => {
    const old = spotOld({
      serviceRegistries: [
        { registryArn: CLOUD_MAP, port: 8080, containerName: undefined, containerPort: undefined },
      ],
    });
    const [registry] = taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, old).serviceRegistries ?? [];
    expect(Object.keys(registry ?? {})).toEqual(['registryArn', 'port']);
  });

  it('sends no serviceRegistries when the old set has none, or there is no old set', () => {
    expect(
      taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, spotOld({ serviceRegistries: [] })),
    ).not.toHaveProperty('serviceRegistries');
    expect(taskSetRequest(resolvedInput(), awsvpc, DEPLOYMENT_ID)).not.toHaveProperty('serviceRegistries');
  });

  it('copies none of the old set’s tags (they name the previous deployment)', () => {
    const request = taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, spotOld());
    expect(request.tags).toEqual([{ key: 'ecs-taper:deployment-id', value: DEPLOYMENT_ID }]);
  });

  it('keeps the old set’s subnets but sends no security groups when it had none (the VPC default group)', () => {
    const old = fargateOld({
      networkConfiguration: { awsvpcConfiguration: { subnets: ['subnet-old-a'] } },
    });
    expect(taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, old).networkConfiguration).toEqual({
      awsvpcConfiguration: { subnets: ['subnet-old-a'], assignPublicIp: 'DISABLED' },
    });
  });
});

describe('taskSetRequest: explicit inputs override the old set', () => {
  it('launchType FARGATE moves a FARGATE_SPOT service to on-demand, keeping its platform version', () => {
    const request = taskSetRequest(
      bare({ launchType: 'FARGATE' }),
      awsvpc,
      DEPLOYMENT_ID,
      undefined,
      spotOld(),
    );
    expect(request.launchType).toBe('FARGATE');
    expect(request).not.toHaveProperty('capacityProviderStrategy');
    expect(request.platformVersion).toBe('1.4.0');
  });

  it.each(['EC2', 'EXTERNAL'] as const)(
    'launchType %s drops the inherited platform version (Fargate only)',
    (launchType) => {
      const request = taskSetRequest(bare({ launchType }), awsvpc, DEPLOYMENT_ID, undefined, spotOld());
      expect(request.launchType).toBe(launchType);
      expect(request).not.toHaveProperty('capacityProviderStrategy');
      expect(request).not.toHaveProperty('platformVersion');
    },
  );

  it('an explicit strategy replaces the old one (and a launch type)', () => {
    const strategy = [{ capacityProvider: 'FARGATE', weight: 1 }];
    const request = taskSetRequest(
      bare({ capacityProviderStrategy: strategy }),
      awsvpc,
      DEPLOYMENT_ID,
      undefined,
      fargateOld({ launchType: 'FARGATE' }),
    );
    expect(request.capacityProviderStrategy).toEqual(strategy);
    expect(request).not.toHaveProperty('launchType');
    expect(request.platformVersion).toBe('1.4.0');
  });

  it('a strategy of Auto Scaling group providers drops the inherited platform version', () => {
    const request = taskSetRequest(
      bare({ capacityProviderStrategy: [{ capacityProvider: 'my-asg-provider', weight: 1 }] }),
      awsvpc,
      DEPLOYMENT_ID,
      undefined,
      spotOld(),
    );
    expect(request).not.toHaveProperty('platformVersion');
  });

  it('an explicit platform version wins over the old one', () => {
    const request = taskSetRequest(
      bare({ platformVersion: 'LATEST' }),
      awsvpc,
      DEPLOYMENT_ID,
      undefined,
      spotOld(),
    );
    expect(request.platformVersion).toBe('LATEST');
  });

  it('overrides the network field by field: subnets given, security groups and public IP kept', () => {
    const request = taskSetRequest(
      bare({ subnets: ['subnet-new'] }),
      awsvpc,
      DEPLOYMENT_ID,
      undefined,
      spotOld(),
    );
    expect(request.networkConfiguration?.awsvpcConfiguration).toEqual({
      subnets: ['subnet-new'],
      securityGroups: ['sg-old-1', 'sg-old-2'],
      assignPublicIp: 'ENABLED',
    });
  });

  it('an explicit assignPublicIp false turns the old set’s public IP off (false is not "absent")', () => {
    const request = taskSetRequest(
      bare({ securityGroups: ['sg-new'], assignPublicIp: false }),
      awsvpc,
      DEPLOYMENT_ID,
      undefined,
      spotOld(),
    );
    expect(request.networkConfiguration?.awsvpcConfiguration).toEqual({
      subnets: ['subnet-old-a', 'subnet-old-b'],
      securityGroups: ['sg-new'],
      assignPublicIp: 'DISABLED',
    });
  });
});

describe('taskSetRequest: awsvpcConfiguration only for an awsvpc task definition', () => {
  it.each(['bridge', 'host', 'none'] as const)(
    '%s: no networkConfiguration, even with subnets in the input and on the old set',
    (networkMode) => {
      const request = taskSetRequest(
        resolvedInput(),
        topology({ networkMode }),
        DEPLOYMENT_ID,
        undefined,
        fargateOld({ launchType: 'EC2', platformVersion: undefined }),
      );
      expect(request).not.toHaveProperty('networkConfiguration');
      expect(request.launchType).toBe('EC2');
    },
  );

  it('bridge on a first deployment: no launch type forced (FARGATE needs awsvpc; ECS uses the cluster default)', () => {
    const request = taskSetRequest(
      bare(),
      topology({ networkMode: 'bridge', oldTaskSetArn: undefined }),
      DEPLOYMENT_ID,
    );
    expect(request).not.toHaveProperty('networkConfiguration');
    expect(request).not.toHaveProperty('launchType');
    expect(request).not.toHaveProperty('capacityProviderStrategy');
  });

  it('awsvpc on a first deployment keeps today’s defaults: FARGATE, no public IP', () => {
    const request = taskSetRequest(resolvedInput(), awsvpc, DEPLOYMENT_ID);
    expect(request.launchType).toBe('FARGATE');
    expect(request.networkConfiguration?.awsvpcConfiguration?.assignPublicIp).toBe('DISABLED');
  });
});

describe('taskSetRequest: refuses an awsvpc set without a network', () => {
  const refusal = (run: () => unknown): InputValidationError => {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(InputValidationError);
      return error as InputValidationError;
    }
    throw new Error('expected an InputValidationError');
  };

  it('names subnets and securityGroups on a first deployment that gives neither', () => {
    const error = refusal(() => taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID));
    expect(error.field).toBe('subnets');
    expect(error.message).toBe(
      `subnets: is required, and so is securityGroups: task definition ${NEW_TD} uses the awsvpc network ` +
        'mode and service web has no old task set to take them from (a first deployment); pass subnets and securityGroups',
    );
  });

  it.each([
    ['subnets', { securityGroups: ['sg-1'] }],
    ['securityGroups', { subnets: ['subnet-1'] }],
  ])('names %s alone when only it is missing', (field, given) => {
    const error = refusal(() => taskSetRequest(bare(given), awsvpc, DEPLOYMENT_ID));
    expect(error.field).toBe(field);
    expect(error.message).toContain(`; pass ${field}`);
    expect(error.message).not.toContain('and so is');
  });

  it('refuses when the old set has no awsvpc network to inherit (a move from bridge to awsvpc)', () => {
    const old = fargateOld({ launchType: 'EC2', networkConfiguration: undefined });
    const error = refusal(() => taskSetRequest(bare(), awsvpc, DEPLOYMENT_ID, undefined, old));
    expect(error.field).toBe('subnets');
    expect(error.message).toContain(
      'its old task set ecs-svc/1111111111111111 has no awsvpc network configuration',
    );
  });

  it('does not refuse a task definition that is not awsvpc', () => {
    expect(() => taskSetRequest(bare(), topology({ networkMode: 'bridge' }), DEPLOYMENT_ID)).not.toThrow();
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

  it('refuses a missing network before it would create the service', () => {
    expect(() => decide(undefined, afterDiscover({ subnets: undefined, securityGroups: undefined }))).toThrow(
      InputValidationError,
    );
  });

  it('takes the old set discover resolved, not another live set', () => {
    const leftover = spotOld({
      id: 'ecs-svc/3333',
      taskSetArn: `${OLD_SET_ARN}-other`,
      status: 'ACTIVE',
      externalId: 'someone-else',
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }],
    });
    const svc = service([leftover, fargateOld()]);
    expect(oldTaskSet(svc, awsvpc)?.taskSetArn).toBe(OLD_SET_ARN);
    const decision = decide(svc, afterDiscover({ subnets: undefined, securityGroups: undefined }));
    expect(decision).toMatchObject({
      kind: 'create-task-set',
      request: { launchType: 'FARGATE', platformVersion: '1.4.0' },
    });
  });

  it('ignores an old set that is already DRAINING (first-deployment defaults)', () => {
    expect(oldTaskSet(service([fargateOld({ status: 'DRAINING' })]), awsvpc)).toBeUndefined();
  });
});

describe('createTaskSet', () => {
  it('creates the task set on the standby group, leased to this controller, and goes to waitReady', async () => {
    const createdAt = new Date(NOW - 2_000);
    aws.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesOutput(service([fargateOld()])))
      .resolves(
        servicesOutput(service([fargateOld(), newSet({ stabilityStatus: 'STABILIZING', createdAt })])),
      );
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
    const state = afterDiscover({ desiredCount: 3, createService: true });
    const result = await createTaskSet(aws.context(), {
      ...state,
      topology: topology({ oldTaskSetArn: undefined, networkMode: 'awsvpc' }),
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

  it('never creates a missing service without createService (absent or false): refused naming the flag', async () => {
    // discover refuses this first; create refuses it again should the service vanish in between.
    for (const createService of [undefined, false]) {
      aws.ecs.reset();
      aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(undefined));
      const state = afterDiscover({ createService });
      const error = await caught(
        createTaskSet(aws.context(), {
          ...state,
          topology: topology({ oldTaskSetArn: undefined, networkMode: 'awsvpc' }),
        }),
      );
      expect(error).toBeInstanceOf(InputValidationError);
      expect(error.field).toBe('createService');
      expect(error.message).toBe(
        'createService: service web does not exist in cluster demo; pass createService: true (--create-service) to create it',
      );
      expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 1);
      expectNoMutations(aws);
    }
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

describe('createTaskSet: how the new set runs', () => {
  it('sends the old set’s strategy, platform version, network and registry when the input names none', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesOutput(service([spotOld()])))
      .resolves(servicesOutput(service([spotOld(), newSet()])));
    await createTaskSet(aws.context(), afterDiscover({ subnets: undefined, securityGroups: undefined }));
    const [call] = aws.ecs.commandCalls(CreateTaskSetCommand);
    expect(call?.args[0].input).toMatchObject({
      capacityProviderStrategy: spotOld().capacityProviderStrategy,
      platformVersion: '1.4.0',
      serviceRegistries: [{ registryArn: CLOUD_MAP, containerName: 'web', containerPort: 8080 }],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-old-a', 'subnet-old-b'],
          securityGroups: ['sg-old-1', 'sg-old-2'],
          assignPublicIp: 'ENABLED',
        },
      },
    });
    expect(call?.args[0].input).not.toHaveProperty('launchType');
    // discover read the network mode with the container port: no second DescribeTaskDefinition.
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 0);
  });

  it.each([
    ['a missing service', undefined],
    ['a service without task sets', service([])],
  ])('refuses %s without subnets and security groups before any change', async (_label, svc) => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(svc));
    const state = afterDiscover({ subnets: undefined, securityGroups: undefined, createService: true });
    const error = await caught(
      createTaskSet(aws.context(), {
        ...state,
        topology: topology({ networkMode: 'awsvpc', oldTaskSetArn: undefined }),
      }),
    );
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe('subnets');
    expect(error.message).toContain('securityGroups');
    expectNoMutations(aws);
  });

  it('reads the network mode when discover did not (the input named the container), once', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .resolvesOnce(servicesOutput(service([fargateOld({ launchType: 'EC2', platformVersion: undefined })])))
      .resolves(servicesOutput(service([fargateOld(), newSet()])));
    aws.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        networkMode: 'bridge',
        // Two mappings: with the container named by the input, no mapping check.
        containerDefinitions: [
          { name: 'web', portMappings: [{ containerPort: 8080 }, { containerPort: 9090 }] },
        ],
      },
    });
    const state = afterDiscover({ containerName: 'web', containerPort: 8080 });
    const result = await createTaskSet(aws.context(), { ...state, topology: topology() });
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DescribeTaskDefinitionCommand, {
      taskDefinition: NEW_TD,
    });
    const [call] = aws.ecs.commandCalls(CreateTaskSetCommand);
    expect(call?.args[0].input).not.toHaveProperty('networkConfiguration');
    expect(call?.args[0].input.launchType).toBe('EC2');
    expect(result.state.topology?.networkMode).toBe('bridge');
  });

  it('reads nothing more when its set already exists', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([fargateOld(), newSet()])));
    await createTaskSet(aws.context(), { ...afterDiscover(), topology: topology() });
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 0);
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
