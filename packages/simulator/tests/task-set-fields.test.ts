import {
  CreateTaskSetCommand,
  type CreateTaskSetCommandInput,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  InvalidParameterException,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { network, smallWorld } from './helpers.js';

const CLOUD_MAP = 'arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-0a1b2c3d4e5f6a7b';

/** CreateTaskSet as ECS models it: what is kept, and what it refuses. */
function setup() {
  const built = smallWorld();
  const { clients, input, refs } = built;
  const base = { cluster: input.cluster, service: input.service };
  const create = (extra: Partial<CreateTaskSetCommandInput> = {}) =>
    clients.ecs.send(
      new CreateTaskSetCommand({
        ...base,
        taskDefinition: refs.v2.arn,
        networkConfiguration: network,
        loadBalancers: [{ targetGroupArn: refs.green.arn, containerName: 'webserver', containerPort: 8080 }],
        ...extra,
      }),
    );
  const describe = async (arn: string | undefined) =>
    (await clients.ecs.send(new DescribeTaskSetsCommand({ ...base, taskSets: [arn ?? ''] }))).taskSets?.[0];
  return { ...built, create, describe };
}

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(InvalidParameterException);
  return (error as Error).message;
};

describe('simulated CreateTaskSet keeps how the set runs', () => {
  it('keeps a FARGATE_SPOT strategy (no launch type), the platform version and the Cloud Map registry', async () => {
    const { create, describe } = setup();
    const strategy = [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
    const registries = [{ registryArn: CLOUD_MAP, containerName: 'webserver', containerPort: 8080 }];
    const out = await create({
      capacityProviderStrategy: strategy,
      platformVersion: '1.4.0',
      serviceRegistries: registries,
    });
    const set = await describe(out.taskSet?.taskSetArn);
    expect(set?.capacityProviderStrategy).toEqual(strategy);
    expect(set?.launchType).toBeUndefined();
    expect(set?.platformVersion).toBe('1.4.0');
    expect(set?.serviceRegistries).toEqual(registries);
    expect(out.taskSet?.serviceRegistries).toEqual(registries);
  });

  it('reports no registries for a set created without, and LATEST when no platform version is given on Fargate', async () => {
    const { create, describe } = setup();
    const set = await describe((await create({ launchType: 'FARGATE' })).taskSet?.taskSetArn);
    expect(set?.serviceRegistries).toEqual([]);
    expect(set?.platformVersion).toBe('LATEST');
  });

  it('keeps a port-only (SRV) registry as given', async () => {
    const { create, describe } = setup();
    const registries = [{ registryArn: CLOUD_MAP, port: 8080 }];
    const set = await describe(
      (await create({ launchType: 'FARGATE', serviceRegistries: registries })).taskSet?.taskSetArn,
    );
    expect(set?.serviceRegistries).toEqual(registries);
  });

  it("reports the task definition's network mode (awsvpc unless set otherwise)", async () => {
    const { clients, refs } = setup();
    const describeDef = async (arn: string) =>
      (await clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: arn }))).taskDefinition;
    expect((await describeDef(refs.v2.arn))?.networkMode).toBe('awsvpc');
    refs.v2.networkMode = 'bridge';
    expect(await describeDef(refs.v2.arn)).toMatchObject({
      networkMode: 'bridge',
      requiresCompatibilities: ['EC2'],
    });
  });
});

describe('simulated CreateTaskSet refuses what ECS refuses', () => {
  it('a capacity provider not associated with the cluster', async () => {
    const { create } = setup();
    expect(await refusal(create({ capacityProviderStrategy: [{ capacityProvider: 'my-asg' }] }))).toContain(
      'not associated with the cluster',
    );
  });

  it('a launch type together with a strategy', async () => {
    const { create } = setup();
    await refusal(
      create({ launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }] }),
    );
  });

  it('a platform version on EC2', async () => {
    const { create } = setup();
    expect(await refusal(create({ launchType: 'EC2', platformVersion: '1.4.0' }))).toBe(
      'The platform version must be null when specifying an EC2 launch type.',
    );
  });

  it('an awsvpc task definition without subnets, and a network configuration for any other mode', async () => {
    const { create, refs } = setup();
    expect(await refusal(create({ launchType: 'FARGATE', networkConfiguration: undefined }))).toContain(
      "networkMode 'awsvpc'",
    );
    refs.v2.networkMode = 'bridge';
    expect(await refusal(create({ launchType: 'EC2' }))).toBe(
      'Network Configuration is not valid for the given networkMode of this task definition.',
    );
    await expect(create({ launchType: 'EC2', networkConfiguration: undefined })).resolves.toBeDefined();
  });

  it('Fargate for a task definition that is not awsvpc', async () => {
    const { create, refs } = setup();
    refs.v2.networkMode = 'bridge';
    expect(await refusal(create({ launchType: 'FARGATE', networkConfiguration: undefined }))).toContain(
      'does not support launch_type FARGATE',
    );
  });

  it.each([
    [
      'two registries',
      [
        { registryArn: CLOUD_MAP, port: 1 },
        { registryArn: `${CLOUD_MAP}2`, port: 2 },
      ],
      'Multiple',
    ],
    ['a registry without its ARN', [{ port: 8080 }], 'registryArn'],
    [
      'a port and a container pair',
      [{ registryArn: CLOUD_MAP, port: 8080, containerName: 'webserver', containerPort: 8080 }],
      'both a port and',
    ],
    [
      'a container name without its port',
      [{ registryArn: CLOUD_MAP, containerName: 'webserver' }],
      'together',
    ],
    [
      'a container port the task definition does not map',
      [{ registryArn: CLOUD_MAP, containerName: 'webserver', containerPort: 9999 }],
      'did not have a container port 9999',
    ],
  ])('service registries: %s', async (_label, serviceRegistries, message) => {
    const { create } = setup();
    expect(await refusal(create({ launchType: 'FARGATE', serviceRegistries }))).toContain(message);
  });

  it('service registries: bridge needs the container pair, not a port', async () => {
    const { create, refs } = setup();
    refs.v2.networkMode = 'bridge';
    expect(
      await refusal(
        create({
          launchType: 'EC2',
          networkConfiguration: undefined,
          serviceRegistries: [{ registryArn: CLOUD_MAP, port: 8080 }],
        }),
      ),
    ).toContain('must specify containerName and containerPort');
  });
});
