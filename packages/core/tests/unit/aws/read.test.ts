import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  ClusterNotFoundException,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ListenerNotFoundException,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import {
  forwardTargetGroups,
  liveTaskSets,
  readAlarmsFiring,
  readContainerPort,
  readListeners,
  readService,
  readTags,
  readTargetGroups,
  readTargetHealth,
} from '../../../src/aws/read';
import { AwsCallError, InputValidationError } from '../../../src/errors';
import {
  BLUE_TG,
  CLUSTER,
  caught,
  elbv2Throttled,
  GREEN_TG,
  listener,
  mockAws,
  NLB_ARN,
  newSet,
  oldSet,
  PROD_LISTENER_ARN,
  SERVICE,
  service,
  servicesOutput,
  TEST_LISTENER_ARN,
  targetGroup,
  targets,
  weightedListener,
} from '../support/fixtures';

const aws = mockAws();

describe('readService', () => {
  it('returns the service with its task sets', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet()])));
    const found = await readService(aws.context(), CLUSTER, SERVICE);
    expect(found?.taskSets).toHaveLength(1);
    expect(aws.ecs).toHaveReceivedCommandWith(DescribeServicesCommand, {
      cluster: CLUSTER,
      services: [SERVICE],
    });
  });

  it('returns undefined when ECS reports the service MISSING (it does not throw)', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(undefined));
    await expect(readService(aws.context(), CLUSTER, SERVICE)).resolves.toBeUndefined();
  });

  it('treats an INACTIVE (deleted) service as missing', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [service([], { status: 'INACTIVE' })], failures: [] });
    await expect(readService(aws.context(), CLUSTER, SERVICE)).resolves.toBeUndefined();
  });

  it('turns any other failure reason into an AwsCallError named after it', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .resolves({ services: [], failures: [{ reason: 'ACCESS_DENIED', detail: 'not allowed' }] });
    const error = await caught(readService(aws.context(), CLUSTER, SERVICE));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('ACCESS_DENIED');
    expect(error.message).toContain('describing service web in cluster demo');
    expect(error.message).toContain('not allowed');
  });

  it('reports an unknown cluster with its AWS name, without retrying', async () => {
    aws.ecs
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
    const error = await caught(readService(aws.context(), 'nope', SERVICE));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('ClusterNotFoundException');
    expect(error.message).toBe(
      'describing service web in cluster nope: Cluster not found. (ClusterNotFoundException)',
    );
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 1);
  });
});

describe('liveTaskSets', () => {
  it('drops DRAINING sets (ECS is already deleting them)', () => {
    const draining = newSet({ status: 'DRAINING' });
    expect(liveTaskSets(service([oldSet(), draining]))).toEqual([oldSet()]);
    expect(liveTaskSets(undefined)).toEqual([]);
  });
});

describe('readListeners', () => {
  it('follows NextMarker across pages', async () => {
    aws.elbv2
      .on(DescribeListenersCommand)
      .resolvesOnce({ Listeners: [listener(PROD_LISTENER_ARN, 80, BLUE_TG)], NextMarker: 'page-2' })
      .resolvesOnce({ Listeners: [listener(TEST_LISTENER_ARN, 8080, GREEN_TG)] });
    const found = await readListeners(aws.context(), { loadBalancerArn: NLB_ARN });
    expect(found.map((l) => l.Port)).toEqual([80, 8080]);
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeListenersCommand, 2);
    expect(aws.elbv2).toHaveReceivedNthCommandWith(DescribeListenersCommand, 2, {
      LoadBalancerArn: NLB_ARN,
      Marker: 'page-2',
    });
  });

  it('asks by listener ARN when told to', async () => {
    aws.elbv2
      .on(DescribeListenersCommand)
      .resolves({ Listeners: [listener(PROD_LISTENER_ARN, 80, BLUE_TG)] });
    await readListeners(aws.context(), { listenerArns: [PROD_LISTENER_ARN] });
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeListenersCommand, {
      ListenerArns: [PROD_LISTENER_ARN],
    });
  });

  it('reports an unknown listener as ListenerNotFoundException', async () => {
    aws.elbv2
      .on(DescribeListenersCommand)
      .rejects(new ListenerNotFoundException({ message: 'One or more listeners not found', $metadata: {} }));
    const error = await caught(readListeners(aws.context(), { listenerArns: ['arn:nope'] }));
    expect(error.awsErrorName).toBe('ListenerNotFoundException');
    expect(error.message).toContain('describing listeners arn:nope');
    expect(error.message).toContain('(ListenerNotFoundException)');
  });

  it('retries ELBv2 throttling', async () => {
    aws.elbv2
      .on(DescribeListenersCommand)
      .rejectsOnce(elbv2Throttled())
      .resolves({ Listeners: [listener(PROD_LISTENER_ARN, 80, BLUE_TG)] });
    await expect(readListeners(aws.context(), { loadBalancerArn: NLB_ARN })).resolves.toHaveLength(1);
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeListenersCommand, 2);
  });
});

describe('readTargetGroups', () => {
  it('follows NextMarker across pages', async () => {
    aws.elbv2
      .on(DescribeTargetGroupsCommand)
      .resolvesOnce({ TargetGroups: [targetGroup(BLUE_TG)], NextMarker: 'm' })
      .resolvesOnce({ TargetGroups: [targetGroup(GREEN_TG)] });
    const groups = await readTargetGroups(aws.context(), NLB_ARN);
    expect(groups.map((g) => g.TargetGroupArn)).toEqual([BLUE_TG, GREEN_TG]);
  });
});

describe('readTargetHealth', () => {
  it('returns the descriptions', async () => {
    aws.elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: targets(['healthy']) });
    await expect(readTargetHealth(aws.context(), GREEN_TG)).resolves.toHaveLength(1);
  });

  it('reports an unknown target group as TargetGroupNotFoundException', async () => {
    aws.elbv2
      .on(DescribeTargetHealthCommand)
      .rejects(new TargetGroupNotFoundException({ message: 'Target groups not found', $metadata: {} }));
    const error = await caught(readTargetHealth(aws.context(), GREEN_TG));
    expect(error.awsErrorName).toBe('TargetGroupNotFoundException');
    expect(error.message).toContain(`describing target health of ${GREEN_TG}`);
  });
});

describe('readTags', () => {
  it('maps each resource to its tags', async () => {
    aws.elbv2.on(DescribeTagsCommand).resolves({
      TagDescriptions: [
        { ResourceArn: BLUE_TG, Tags: [{ Key: 'ecs-taper:role', Value: 'live' }] },
        { ResourceArn: GREEN_TG, Tags: [] },
      ],
    });
    const tags = await readTags(aws.context(), [BLUE_TG, GREEN_TG]);
    expect(tags.get(BLUE_TG)).toEqual({ 'ecs-taper:role': 'live' });
    expect(tags.get(GREEN_TG)).toEqual({});
  });
});

describe('readAlarmsFiring', () => {
  it('makes no call when no alarm is watched', async () => {
    await expect(readAlarmsFiring(aws.context(), [])).resolves.toEqual([]);
    expect(aws.cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 0);
  });

  it('collects metric and composite alarms in ALARM across pages', async () => {
    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolvesOnce({
        MetricAlarms: [
          { AlarmName: 'errors', StateValue: 'ALARM' },
          { AlarmName: 'latency', StateValue: 'OK' },
        ],
        NextToken: 't',
      })
      .resolvesOnce({ CompositeAlarms: [{ AlarmName: 'composite', StateValue: 'ALARM' }] });
    await expect(readAlarmsFiring(aws.context(), ['errors', 'latency', 'composite'])).resolves.toEqual([
      'errors',
      'composite',
    ]);
    expect(aws.cloudwatch).toHaveReceivedNthCommandWith(DescribeAlarmsCommand, 2, { NextToken: 't' });
  });

  it('refuses to watch alarms without a CloudWatch client, naming alarmNames', async () => {
    const ctx = { ...aws.context(), aws: { ecs: aws.clients.ecs, elbv2: aws.clients.elbv2 } };
    const error = await caught(readAlarmsFiring(ctx, ['errors']));
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe('alarmNames');
  });
});

describe('readContainerPort', () => {
  const definition = (...containers: { name: string; ports: number[] }[]) => ({
    taskDefinition: {
      containerDefinitions: containers.map((c) => ({
        name: c.name,
        portMappings: c.ports.map((containerPort) => ({ containerPort })),
      })),
    },
  });

  it('takes the only port mapping', async () => {
    aws.ecs
      .on(DescribeTaskDefinitionCommand)
      .resolves(definition({ name: 'app', ports: [9000] }, { name: 'log', ports: [] }));
    await expect(readContainerPort(aws.context(), 'web:2')).resolves.toEqual({
      containerName: 'app',
      containerPort: 9000,
      // ECS's default for a task definition that names no network mode.
      networkMode: 'bridge',
    });
  });

  it.each(['awsvpc', 'bridge', 'host', 'none'] as const)(
    'returns the network mode %s from the same DescribeTaskDefinition',
    async (networkMode) => {
      const output = definition({ name: 'app', ports: [9000] });
      aws.ecs
        .on(DescribeTaskDefinitionCommand)
        .resolves({ taskDefinition: { ...output.taskDefinition, networkMode } });
      await expect(readContainerPort(aws.context(), 'web:2')).resolves.toMatchObject({ networkMode });
      expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 1);
    },
  );

  it('with the container named by the input, reads only the network mode (no mapping check)', async () => {
    const output = definition({ name: 'app', ports: [80, 443] });
    aws.ecs
      .on(DescribeTaskDefinitionCommand)
      .resolves({ taskDefinition: { ...output.taskDefinition, networkMode: 'awsvpc' } });
    await expect(
      readContainerPort(aws.context(), 'web:2', { containerName: 'app', containerPort: 443 }),
    ).resolves.toEqual({ containerName: 'app', containerPort: 443, networkMode: 'awsvpc' });
  });

  it.each([
    ['two mappings in one container', [{ name: 'app', ports: [80, 443] }], 2],
    [
      'mappings in two containers',
      [
        { name: 'app', ports: [80] },
        { name: 'proxy', ports: [8080] },
      ],
      2,
    ],
    ['no mapping', [{ name: 'app', ports: [] }], 0],
  ])('refuses %s with an InputValidationError naming containerName', async (_label, containers, count) => {
    aws.ecs.on(DescribeTaskDefinitionCommand).resolves(definition(...containers));
    const error = await caught(readContainerPort(aws.context(), 'web:2'));
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe('containerName');
    expect(error.message).toContain(`has ${count} port mappings`);
    expect(error.message).toContain('containerPort');
  });
});

describe('forwardTargetGroups', () => {
  it('reads a plain forward action', () => {
    expect(forwardTargetGroups({ DefaultActions: [{ Type: 'forward', TargetGroupArn: BLUE_TG }] })).toEqual([
      BLUE_TG,
    ]);
  });

  it('reads every weighted group with a positive weight', () => {
    expect(
      forwardTargetGroups(
        weightedListener('l', 80, [
          [BLUE_TG, 50],
          [GREEN_TG, 50],
        ]),
      ),
    ).toEqual([BLUE_TG, GREEN_TG]);
    expect(
      forwardTargetGroups(
        weightedListener('l', 80, [
          [BLUE_TG, 0],
          [GREEN_TG, 1],
        ]),
      ),
    ).toEqual([GREEN_TG]);
  });

  it('finds nothing without a forward action', () => {
    expect(forwardTargetGroups({ DefaultActions: [] })).toEqual([]);
    expect(forwardTargetGroups({})).toEqual([]);
  });
});
