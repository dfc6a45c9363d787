/**
 * The new task set runs like the old one, through real SDK clients against moto: the CreateTaskSet request
 * core sends (recorded on the wire by a middleware) and the set moto stores (read back with DescribeTaskSets)
 * carry the old set's capacity provider strategy, platform version, awsvpc network and Cloud Map registry;
 * explicit inputs override them; a bridge task definition gets no awsvpc configuration; a first awsvpc
 * set without a network is refused before any change. Where moto differs, the test pins it (README rows 30-32).
 */
import {
  CreateServiceCommand,
  CreateTaskSetCommand,
  type CreateTaskSetCommandInput,
  type CreateTaskSetRequest,
  RegisterTaskDefinitionCommand,
  type TaskSet,
  UpdateServicePrimaryTaskSetCommand,
} from '@aws-sdk/client-ecs';
import { InputValidationError } from '@ecs-taper/core';
import { runPhase } from '@ecs-taper/core/workflow';
import { describe, expect, inject, it } from 'vitest';
import {
  advance,
  createStack,
  type MotoClients,
  motoClients,
  newDeployment,
  phaseContext,
  readTaskSets,
  type Stack,
} from '../support/real-aws';

const reader = motoClients();
const CLOUD_MAP = 'arn:aws:servicediscovery:us-east-1:123456789012:service/srv-0a1b2c3d4e5f6a7b';

/** Clients for core whose ECS client records every CreateTaskSet request as it goes on the wire. */
function recordingClients(): { clients: MotoClients; requests: CreateTaskSetCommandInput[] } {
  const clients = motoClients();
  const requests: CreateTaskSetCommandInput[] = [];
  clients.ecs.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'CreateTaskSetCommand') {
        requests.push(structuredClone(args.input as CreateTaskSetCommandInput));
      }
      return next(args);
    },
    { step: 'initialize', name: 'recordCreateTaskSet' },
  );
  return { clients, requests };
}

/**
 * A stack whose service runs an old set created as `old` says, PRIMARY on blue. Created without `scale`:
 * moto's CreateTaskSet then starts no tasks (with a scale and no launch type it would run them on EC2,
 * find no container instance and answer 500: see the moto pins below).
 */
async function stackWithOldSet(old: Partial<CreateTaskSetRequest>): Promise<Stack & { oldSetArn: string }> {
  const stack = await createStack(reader, { withService: false });
  const { ecs } = reader;
  await ecs.send(
    new CreateServiceCommand({
      cluster: stack.cluster,
      serviceName: stack.service,
      desiredCount: stack.desiredCount,
      deploymentController: { type: 'EXTERNAL' },
    }),
  );
  const created = await ecs.send(
    new CreateTaskSetCommand({
      cluster: stack.cluster,
      service: stack.service,
      taskDefinition: stack.oldTaskDefinition,
      loadBalancers: [
        { targetGroupArn: stack.blueTargetGroupArn, containerName: 'web', containerPort: 8080 },
      ],
      ...old,
    }),
  );
  const oldSetArn = created.taskSet?.taskSetArn as string;
  await ecs.send(
    new UpdateServicePrimaryTaskSetCommand({
      cluster: stack.cluster,
      service: stack.service,
      primaryTaskSet: oldSetArn,
    }),
  );
  return { ...stack, oldSetArn };
}

/** The old set of a FARGATE_SPOT service with a Cloud Map registry on 1.4.0, with a public IP. */
function spotOld(): Partial<CreateTaskSetRequest> {
  const { subnetIds, securityGroupId } = inject('moto');
  return {
    capacityProviderStrategy: [
      { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 1 },
      { capacityProvider: 'FARGATE', weight: 1, base: 0 },
    ],
    platformVersion: '1.4.0',
    serviceRegistries: [{ registryArn: CLOUD_MAP, containerName: 'web', containerPort: 8080 }],
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [subnetIds[1]],
        securityGroups: [securityGroupId],
        assignPublicIp: 'ENABLED',
      },
    },
  };
}

/** discover then create with `clients` (core's own retry, as in production). */
async function deployUntilCreated(clients: MotoClients, stack: Stack, overrides: Record<string, unknown>) {
  const discovered = await runPhase('discover', phaseContext(clients), newDeployment(stack, overrides), {
    resume: false,
  });
  return advance(await runPhase('create', phaseContext(clients), advance(discovered), { resume: false }));
}

const ours = (sets: TaskSet[], deploymentId: string) => sets.filter((set) => set.externalId === deploymentId);

/** The input of a pipeline that names nothing about how the service runs. */
const nothingNamed = { subnets: undefined, securityGroups: undefined };

describe('the new task set runs like the old one, against moto', () => {
  it('inherits the FARGATE_SPOT strategy, 1.4.0, the network and the Cloud Map registry: request and stored set', async () => {
    const stack = await stackWithOldSet(spotOld());
    const { clients, requests } = recordingClients();
    const state = await deployUntilCreated(clients, stack, { ...nothingNamed, deploymentId: 'dep-inherit' });
    expect(state.topology?.networkMode).toBe('awsvpc');

    // moto answered the first CreateTaskSet with a 500 after storing it (pinned below); core looked
    // before retrying and found its set: one request, one set.
    expect(requests).toHaveLength(1);
    const [request] = requests;
    const old = spotOld();
    expect(request).toMatchObject({
      capacityProviderStrategy: old.capacityProviderStrategy,
      platformVersion: '1.4.0',
      serviceRegistries: old.serviceRegistries,
      networkConfiguration: old.networkConfiguration,
    });
    expect(request).not.toHaveProperty('launchType');

    const sets = await readTaskSets(reader, stack);
    const [created, ...others] = ours(sets, 'dep-inherit');
    expect(others).toEqual([]);
    expect(created).toMatchObject({
      taskSetArn: state.newTaskSetArn,
      capacityProviderStrategy: old.capacityProviderStrategy,
      platformVersion: '1.4.0',
      serviceRegistries: old.serviceRegistries,
      networkConfiguration: old.networkConfiguration,
      loadBalancers: [
        { targetGroupArn: stack.greenTargetGroupArn, containerName: 'web', containerPort: 8080 },
      ],
    });
    // moto difference: a launch type next to the strategy (it defaults a missing launchType to EC2).
    expect(created?.launchType).toBe('EC2');
  });

  it('explicit inputs override: FARGATE on demand, LATEST, one subnet, no public IP; the registry stays', async () => {
    const stack = await stackWithOldSet(spotOld());
    const { clients, requests } = recordingClients();
    const { subnetIds } = inject('moto');
    await deployUntilCreated(clients, stack, {
      deploymentId: 'dep-override',
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      subnets: [subnetIds[0]],
      securityGroups: undefined,
      assignPublicIp: false,
    });
    expect(requests).toHaveLength(1);
    const [created] = ours(await readTaskSets(reader, stack), 'dep-override');
    for (const set of [requests[0], created]) {
      expect(set).toMatchObject({
        launchType: 'FARGATE',
        platformVersion: 'LATEST',
        serviceRegistries: spotOld().serviceRegistries,
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: [subnetIds[0]],
            securityGroups: [inject('moto').securityGroupId],
            assignPublicIp: 'DISABLED',
          },
        },
      });
    }
    expect(requests[0]).not.toHaveProperty('capacityProviderStrategy');
    expect(created?.capacityProviderStrategy ?? []).toEqual([]);
  });

  it('a bridge task definition (networkMode read from moto) gets no awsvpc configuration; EC2 is kept', async () => {
    const stack = await stackWithOldSet({ launchType: 'EC2' });
    const out = await reader.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `bridge-${stack.suffix}`,
        networkMode: 'bridge',
        requiresCompatibilities: ['EC2'],
        containerDefinitions: [
          {
            name: 'web',
            image: 'public.ecr.aws/nginx/nginx:1.27',
            memory: 512,
            portMappings: [{ containerPort: 8080, hostPort: 0, protocol: 'tcp' }],
          },
        ],
      }),
    );
    const bridge = `${out.taskDefinition?.family}:${out.taskDefinition?.revision}`;
    const { clients, requests } = recordingClients();
    // subnets and security groups in the input (stack.input has them) must not be sent for bridge.
    const state = await deployUntilCreated(clients, stack, {
      taskDefinition: bridge,
      deploymentId: 'dep-bridge',
    });
    expect(state.topology?.networkMode).toBe('bridge');
    expect(requests).toHaveLength(1);
    expect(requests[0]).not.toHaveProperty('networkConfiguration');
    expect(requests[0]?.launchType).toBe('EC2');
    expect(requests[0]).not.toHaveProperty('platformVersion');
    const [created] = ours(await readTaskSets(reader, stack), 'dep-bridge');
    expect(created?.networkConfiguration).toBeUndefined();
    expect(created?.launchType).toBe('EC2');
  });

  it('refuses an awsvpc set with no network from the input or the old set, before any change', async () => {
    // The old set ran without an awsvpc network (EC2 bridge); the new task definition is awsvpc.
    const stack = await stackWithOldSet({ launchType: 'EC2' });
    const { clients, requests } = recordingClients();
    const discovered = advance(
      await runPhase(
        'discover',
        phaseContext(clients),
        newDeployment(stack, { ...nothingNamed, deploymentId: 'dep-refused' }),
        { resume: false },
      ),
    );
    const error = await runPhase('create', phaseContext(clients), discovered, { resume: false }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error).toMatchObject({ field: 'subnets' });
    expect((error as Error).message).toContain('securityGroups');
    expect(requests).toEqual([]);
    expect((await readTaskSets(reader, stack)).map((set) => set.taskSetArn)).toEqual([stack.oldSetArn]);
  });
});

describe(`moto ${inject('moto').motoVersion} differences: CreateTaskSet and capacity providers`, () => {
  it('a set created with a strategy and no launch type reports launchType EC2 next to the strategy', async () => {
    const stack = await stackWithOldSet(spotOld());
    const [old] = await readTaskSets(reader, stack);
    expect(old?.launchType).toBe('EC2');
    expect(old?.capacityProviderStrategy?.[0]?.capacityProvider).toBe('FARGATE_SPOT');
  });

  it('with a strategy and a scale: HTTP 500 (RunTask on EC2 finds no container instance), the set stored anyway', async () => {
    const stack = await stackWithOldSet(spotOld());
    const error = await reader.ecs
      .send(
        new CreateTaskSetCommand({
          cluster: stack.cluster,
          service: stack.service,
          taskDefinition: stack.newTaskDefinition,
          externalId: 'dep-moto-500',
          capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT' }],
          loadBalancers: [
            { targetGroupArn: stack.greenTargetGroupArn, containerName: 'web', containerPort: 8080 },
          ],
          networkConfiguration: spotOld().networkConfiguration,
          scale: { unit: 'PERCENT', value: 100 },
        }),
      )
      .catch((e: unknown) => e as Error & { $metadata?: { httpStatusCode?: number } });
    // An HTML error page, not a JSON error: the SDK's error carries only the status.
    expect(error).toBeInstanceOf(Error);
    expect((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode).toBe(500);
    expect(ours(await readTaskSets(reader, stack), 'dep-moto-500')).toHaveLength(1);
  });

  it('keeps serviceRegistries as sent, without checking the registry exists or port vs container', async () => {
    const stack = await stackWithOldSet({
      ...spotOld(),
      serviceRegistries: [{ registryArn: CLOUD_MAP, port: 8080, containerName: 'web', containerPort: 8080 }],
    });
    const [old] = await readTaskSets(reader, stack);
    expect(old?.serviceRegistries).toEqual([
      { registryArn: CLOUD_MAP, port: 8080, containerName: 'web', containerPort: 8080 },
    ]);
  });
});
