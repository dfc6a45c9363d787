import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { InputValidationError } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { expectDeployed, run, settle, world } from './harness.js';

const CLOUD_MAP = 'arn:aws:servicediscovery:eu-west-1:123456789012:service/srv-0a1b2c3d4e5f6a7b';

/**
 * The world's service as a FARGATE_SPOT service with a Cloud Map registry on platform version 1.4.0, in
 * private subnets with a public IP (so an inherited value cannot be mistaken for a default).
 */
function spotWorld() {
  const built = world();
  const old = built.refs.initialTaskSet;
  old.launchType = undefined;
  old.capacityProviderStrategy = [
    { capacityProvider: 'FARGATE_SPOT', weight: 3, base: 1 },
    { capacityProvider: 'FARGATE', weight: 1 },
  ];
  old.platformVersion = '1.4.0';
  old.serviceRegistries = [{ registryArn: CLOUD_MAP, containerName: 'webserver', containerPort: 8080 }];
  old.networkConfiguration = {
    awsvpcConfiguration: {
      subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
      securityGroups: ['sg-0a1b2c3d4e5f60003'],
      assignPublicIp: 'ENABLED',
    },
  };
  return built;
}

/** The input of a pipeline that names nothing about how the service runs. */
const nothingNamed = { subnets: undefined, securityGroups: undefined };

function createTaskSetInputs(built: ReturnType<typeof world>) {
  return built.world.calls
    .filter((c) => c.ok && c.operation === 'CreateTaskSet')
    .map((c) => c.input as Record<string, unknown>);
}

describe('taper: the new task set runs like the old one', () => {
  it('keeps FARGATE_SPOT, the Cloud Map registry and platform version 1.4.0 through a full deploy()', async () => {
    const built = spotWorld();
    const old = structuredClone({
      strategy: built.refs.initialTaskSet.capacityProviderStrategy,
      registries: built.refs.initialTaskSet.serviceRegistries,
      network: built.refs.initialTaskSet.networkConfiguration,
    });
    const { result } = await run(built, nothingNamed);
    expect(result.outcome).toBe('succeeded');
    await settle(built);
    expectDeployed(built);
    // The old set is gone; the one left is the new version, running as the old one did.
    const [set] = built.refs.service.taskSets;
    expect(set?.taskDefinitionArn).toBe(built.refs.v2.arn);
    expect(set?.capacityProviderStrategy).toEqual(old.strategy);
    expect(set?.launchType).toBeUndefined();
    expect(set?.platformVersion).toBe('1.4.0');
    expect(set?.serviceRegistries).toEqual(old.registries);
    expect(set?.networkConfiguration).toEqual(old.network);
    // And that is what core asked for (one CreateTaskSet), as DescribeServices shows it.
    const [request, ...more] = createTaskSetInputs(built);
    expect(more).toEqual([]);
    expect(request).not.toHaveProperty('launchType');
    expect(request).toMatchObject({ capacityProviderStrategy: old.strategy, platformVersion: '1.4.0' });
    const described = await built.clients.ecs.send(
      new DescribeServicesCommand({
        cluster: built.input.cluster,
        services: [built.input.service],
      }),
    );
    expect(described.services?.[0]?.taskSets?.[0]?.serviceRegistries).toEqual(old.registries);
  });

  it('explicit inputs override: on-demand FARGATE, LATEST, other subnets, no public IP; the registry stays', async () => {
    const built = spotWorld();
    const { result } = await run(built, {
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      subnets: ['subnet-0a1b2c3d4e5f60002'],
      securityGroups: undefined,
      assignPublicIp: false,
    });
    expect(result.outcome).toBe('succeeded');
    await settle(built);
    expectDeployed(built);
    const [set] = built.refs.service.taskSets;
    expect(set?.launchType).toBe('FARGATE');
    expect(set?.capacityProviderStrategy).toBeUndefined();
    expect(set?.platformVersion).toBe('LATEST');
    expect(set?.networkConfiguration).toEqual({
      awsvpcConfiguration: {
        subnets: ['subnet-0a1b2c3d4e5f60002'],
        securityGroups: ['sg-0a1b2c3d4e5f60003'],
        assignPublicIp: 'DISABLED',
      },
    });
    expect(set?.serviceRegistries).toEqual([
      { registryArn: CLOUD_MAP, containerName: 'webserver', containerPort: 8080 },
    ]);
  });

  it('an explicit capacity provider strategy replaces the old one', async () => {
    const built = spotWorld();
    const strategy = [{ capacityProvider: 'FARGATE', weight: 1 }];
    const { result } = await run(built, { ...nothingNamed, capacityProviderStrategy: strategy });
    expect(result.outcome).toBe('succeeded');
    await settle(built);
    const [set] = built.refs.service.taskSets;
    expect(set?.capacityProviderStrategy).toEqual(strategy);
    expect(set?.platformVersion).toBe('1.4.0');
  });

  it('a bridge task definition on EC2 gets no awsvpc configuration and keeps its launch type', async () => {
    const built = world();
    const old = built.refs.initialTaskSet;
    old.launchType = 'EC2';
    old.platformVersion = undefined;
    old.networkConfiguration = undefined;
    built.refs.v2.networkMode = 'bridge';
    // subnets and security groups in the input are not sent: ECS refuses a network configuration for bridge.
    const { result } = await run(built);
    expect(result.outcome).toBe('succeeded');
    await settle(built);
    expectDeployed(built);
    const [request] = createTaskSetInputs(built);
    expect(request).not.toHaveProperty('networkConfiguration');
    expect(request?.launchType).toBe('EC2');
    expect(request).not.toHaveProperty('platformVersion');
  });

  it('refuses, with no change at all, when neither the input nor the old set has a network for awsvpc', async () => {
    const built = world();
    // The old set ran in bridge mode; the new task definition is awsvpc: nothing to inherit.
    built.refs.initialTaskSet.launchType = 'EC2';
    built.refs.initialTaskSet.networkConfiguration = undefined;
    const error = await run(built, nothingNamed).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error).toMatchObject({ field: 'subnets' });
    expect((error as Error).message).toContain('securityGroups');
    expect(built.world.mutationCount(0)).toBe(0);
    expect(built.world.ecs.createdTaskSets).toEqual([]);
  });
});
