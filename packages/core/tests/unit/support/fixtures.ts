/**
 * Shared fixtures for the unit tests: one NLB with a production listener (port 80) on the blue target
 * group and a test listener (8080) on the green one; the old task set serves blue.
 * Importing this file registers the aws-sdk-client-mock-vitest matchers (the package's `extend` entry).
 */
import 'aws-sdk-client-mock-vitest/extend';
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  ECSServiceException,
  type Service,
  type TaskSet,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  AddTagsCommand,
  ElasticLoadBalancingV2Client,
  ElasticLoadBalancingV2ServiceException,
  type Listener,
  ModifyListenerCommand,
  RemoveTagsCommand,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, expect } from 'vitest';
import type { RetryPolicy } from '../../../src/aws/call-aws';
import type { AwsClients } from '../../../src/aws/ports';
import type { PhaseContext } from '../../../src/aws/read';
import type { ResolvedInput } from '../../../src/input';
import type { DeploymentState, Topology } from '../../../src/state';
import { parseDeploymentInput } from '../../../src/validate-input';

export const REGION = 'eu-west-1';
const ACCOUNT = '000000000000';
const ELB = `arn:aws:elasticloadbalancing:${REGION}:${ACCOUNT}`;
const ECS = `arn:aws:ecs:${REGION}:${ACCOUNT}`;

export const CLUSTER = 'demo';
export const SERVICE = 'web';
export const NLB_ARN = `${ELB}:loadbalancer/net/demo/50dc6c495c0c9188`;
export const PROD_LISTENER_ARN = `${ELB}:listener/net/demo/50dc6c495c0c9188/0000000000000080`;
export const TEST_LISTENER_ARN = `${ELB}:listener/net/demo/50dc6c495c0c9188/0000000000008080`;
export const BLUE_TG = `${ELB}:targetgroup/demo-blue/0aaaaaaaaaaaaaaa`;
export const GREEN_TG = `${ELB}:targetgroup/demo-green/0bbbbbbbbbbbbbbb`;
export const OLD_TD = `${ECS}:task-definition/web:1`;
export const NEW_TD = `${ECS}:task-definition/web:2`;
export const OLD_SET_ARN = `${ECS}:task-set/demo/web/ecs-svc/1111111111111111`;
export const NEW_SET_ARN = `${ECS}:task-set/demo/web/ecs-svc/2222222222222222`;
export const DEPLOYMENT_ID = 'taper-unit-0001';
export const PREVIOUS_DEPLOYMENT_ID = 'taper-unit-0000';
export const NOW = Date.parse('2025-06-01T12:00:00Z');

/** Tiny delays so retry tests run in milliseconds. */
export const fastRetry: RetryPolicy = { retries: 2, minTimeoutMs: 1, maxTimeoutMs: 2 };

/** The input most tests start from, in our own field names. */
export function rawInput(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    cluster: CLUSTER,
    service: SERVICE,
    taskDefinition: NEW_TD,
    loadBalancerArn: NLB_ARN,
    subnets: ['subnet-a', 'subnet-b'],
    securityGroups: ['sg-task'],
    deploymentId: DEPLOYMENT_ID,
    ...overrides,
  };
}

export function resolvedInput(overrides: Record<string, unknown> = {}): ResolvedInput {
  return parseDeploymentInput(rawInput(overrides));
}

export function oldSet(overrides: Partial<TaskSet> = {}): TaskSet {
  return {
    id: 'ecs-svc/1111111111111111',
    taskSetArn: OLD_SET_ARN,
    status: 'PRIMARY',
    taskDefinition: OLD_TD,
    externalId: PREVIOUS_DEPLOYMENT_ID,
    computedDesiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    stabilityStatus: 'STEADY_STATE',
    scale: { unit: 'PERCENT', value: 100 },
    loadBalancers: [{ targetGroupArn: BLUE_TG, containerName: 'web', containerPort: 8080 }],
    createdAt: new Date('2025-01-01T00:00:00Z'),
    ...overrides,
  };
}

export function newSet(overrides: Partial<TaskSet> = {}): TaskSet {
  return {
    id: 'ecs-svc/2222222222222222',
    taskSetArn: NEW_SET_ARN,
    status: 'ACTIVE',
    taskDefinition: NEW_TD,
    externalId: DEPLOYMENT_ID,
    computedDesiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    stabilityStatus: 'STEADY_STATE',
    scale: { unit: 'PERCENT', value: 100 },
    loadBalancers: [{ targetGroupArn: GREEN_TG, containerName: 'web', containerPort: 8080 }],
    createdAt: new Date('2025-06-01T11:59:00Z'),
    ...overrides,
  };
}

export function service(taskSets: TaskSet[], overrides: Partial<Service> = {}): Service {
  return {
    serviceName: SERVICE,
    serviceArn: `${ECS}:service/${CLUSTER}/${SERVICE}`,
    clusterArn: `${ECS}:cluster/${CLUSTER}`,
    status: 'ACTIVE',
    desiredCount: 2,
    deploymentController: { type: 'EXTERNAL' },
    taskSets,
    ...overrides,
  };
}

/** A DescribeServices answer; `undefined` reports the service MISSING, as ECS does (no exception). */
export function servicesOutput(found: Service | undefined) {
  return found
    ? { services: [found], failures: [] }
    : { services: [], failures: [{ arn: `${ECS}:service/${CLUSTER}/${SERVICE}`, reason: 'MISSING' }] };
}

/** A listener as DescribeListeners returns it: TargetGroupArn plus the equivalent ForwardConfig. */
export function listener(arn: string, port: number, targetGroupArn: string): Listener {
  return {
    ListenerArn: arn,
    LoadBalancerArn: NLB_ARN,
    Port: port,
    Protocol: 'TCP',
    DefaultActions: [
      {
        Type: 'forward',
        TargetGroupArn: targetGroupArn,
        ForwardConfig: { TargetGroups: [{ TargetGroupArn: targetGroupArn, Weight: 1 }] },
      },
    ],
  };
}

export function weightedListener(arn: string, port: number, groups: [string, number][]): Listener {
  return {
    ListenerArn: arn,
    LoadBalancerArn: NLB_ARN,
    Port: port,
    Protocol: 'TCP',
    DefaultActions: [
      {
        Type: 'forward',
        ForwardConfig: {
          TargetGroups: groups.map(([TargetGroupArn, Weight]) => ({ TargetGroupArn, Weight })),
        },
      },
    ],
  };
}

/** Production on blue, test on green: the state before a swap. */
export function listenersBeforeSwap(): Listener[] {
  return [listener(PROD_LISTENER_ARN, 80, BLUE_TG), listener(TEST_LISTENER_ARN, 8080, GREEN_TG)];
}

export function listenersAfterSwap(): Listener[] {
  return [listener(PROD_LISTENER_ARN, 80, GREEN_TG), listener(TEST_LISTENER_ARN, 8080, BLUE_TG)];
}

export function targetGroup(arn: string) {
  return { TargetGroupArn: arn, TargetGroupName: arn.split('/')[1], Protocol: 'TCP' as const, Port: 8080 };
}

/** DescribeTargetHealth descriptions: `['healthy'], ['initial', 'Elb.RegistrationInProgress']`, ... */
export function targets(...states: ([string] | [string, string])[]): TargetHealthDescription[] {
  return states.map(([state, reason], index) => ({
    Target: { Id: `10.0.0.${index + 10}`, Port: 8080 },
    TargetHealth: {
      State: state as NonNullable<TargetHealthDescription['TargetHealth']>['State'],
      ...(reason ? { Reason: reason as 'Target.NotInUse' } : {}),
    },
  }));
}

export function topology(overrides: Partial<Topology> = {}): Topology {
  return {
    productionListenerArns: [PROD_LISTENER_ARN],
    testListenerArn: TEST_LISTENER_ARN,
    oldTargetGroupArn: BLUE_TG,
    newTargetGroupArn: GREEN_TG,
    oldTaskSetArn: OLD_SET_ARN,
    containerName: 'web',
    containerPort: 8080,
    ...overrides,
  };
}

/** A deployment past discover and create: topology known, new task set created. */
export function deploymentState(
  overrides: Partial<DeploymentState> = {},
  inputOverrides: Record<string, unknown> = {},
): DeploymentState {
  return {
    deploymentId: DEPLOYMENT_ID,
    input: resolvedInput(inputOverrides),
    phase: 'waitReady',
    startedAt: NOW - 60_000,
    controllerId: 'ctl-test',
    topology: topology(),
    newTaskSetArn: NEW_SET_ARN,
    stepsApplied: 0,
    ...overrides,
  };
}

/** Mocks for the three SDK clients, reset before every test, and real client instances to pass in. */
export function mockAws() {
  const ecs = mockClient(ECSClient);
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const cloudwatch = mockClient(CloudWatchClient);
  const autoScaling = mockClient(ApplicationAutoScalingClient);
  const clients: AwsClients = {
    ecs: new ECSClient({ region: REGION }),
    elbv2: new ElasticLoadBalancingV2Client({ region: REGION }),
    cloudwatch: new CloudWatchClient({ region: REGION }),
    applicationAutoScaling: new ApplicationAutoScalingClient({ region: REGION }),
  };
  beforeEach(() => {
    ecs.reset();
    elbv2.reset();
    cloudwatch.reset();
    autoScaling.reset();
    // What a real client answers for a set without tags, and for a service without a scalable target.
    ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [], failures: [] });
    autoScaling.on(DescribeScalableTargetsCommand).resolves({ ScalableTargets: [] });
  });
  const context = (now = NOW, retry: RetryPolicy = fastRetry): PhaseContext => ({ aws: clients, retry, now });
  return { ecs, elbv2, cloudwatch, autoScaling, clients, context };
}

export type AwsMocks = ReturnType<typeof mockAws>;

/** Asserts that no mutating command reached either mock. */
export function expectNoMutations(aws: AwsMocks): void {
  expect(aws.ecs).toHaveReceivedCommandTimes(CreateServiceCommand, 0);
  expect(aws.ecs).toHaveReceivedCommandTimes(CreateTaskSetCommand, 0);
  expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 0);
  expect(aws.ecs).toHaveReceivedCommandTimes(UpdateServicePrimaryTaskSetCommand, 0);
  expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 0);
  expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
  expect(aws.elbv2).toHaveReceivedCommandTimes(AddTagsCommand, 0);
  expect(aws.elbv2).toHaveReceivedCommandTimes(RemoveTagsCommand, 0);
}

/** An ECS service error as the SDK throws it (name, fault, status and request id in $metadata). */
export function ecsError(name: string, message: string, httpStatusCode = 400): ECSServiceException {
  return new ECSServiceException({
    name,
    message,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: `req-${name}` },
  });
}

export function elbv2Error(
  name: string,
  message: string,
  httpStatusCode = 400,
): ElasticLoadBalancingV2ServiceException {
  return new ElasticLoadBalancingV2ServiceException({
    name,
    message,
    $fault: httpStatusCode >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode, requestId: `req-${name}` },
  });
}

/** ECS throttles with ThrottlingException (HTTP 400); ELBv2 says Throttling. */
export const ecsThrottled = () => ecsError('ThrottlingException', 'Rate exceeded');
export const elbv2Throttled = () => elbv2Error('Throttling', 'Rate exceeded');

/** The error a promise rejects with, for assertions on its fields. */
export async function caught(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    return error as Error & Record<string, unknown>;
  }
  throw new Error('expected the promise to reject, but it resolved');
}
