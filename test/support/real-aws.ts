/**
 * Real AWS SDK clients pointed at the moto server of the real-api global setup, and the fixture every
 * real-api test starts from: an NLB with a production listener (80 -> blue) and a test listener
 * (8080 -> green), a cluster, a task definition with one port mapping (two revisions: the old and the new
 * version), and an EXTERNAL service whose initial task set serves blue and is PRIMARY.
 * Every fixture has its own random names, so all test files share one moto server without clashing.
 */
import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  CreateTaskSetCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  RegisterTaskDefinitionCommand,
  type TaskSet,
  UpdateServicePrimaryTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type AwsClients,
  type DeploymentState,
  type PhaseContext,
  type PhaseResult,
  parseDeploymentInput,
} from '@ecs-taper/core';
import { initialState, runPhase } from '@ecs-taper/core/workflow';
import { inject } from 'vitest';
import { EcsPlayer, type PlayerOptions } from './ecs-player';
import { dummyCredentials, type MotoContext } from './moto-context';

export interface MotoClients extends AwsClients {
  ecs: ECSClient;
  elbv2: ElasticLoadBalancingV2Client;
  cloudwatch: CloudWatchClient;
  /** Core suspends the service's Auto Scaling by default (suspendAutoScaling), so it always needs this. */
  applicationAutoScaling: ApplicationAutoScalingClient;
}

/**
 * Real SDK clients for moto. `maxAttempts: 1`: core retries transient errors itself (callAws), and a test
 * must see exactly the requests core sends (a silent SDK retry of a 500 could create a second task set).
 */
export function motoClients(moto: MotoContext = inject('moto')): MotoClients {
  const config = {
    endpoint: moto.endpoint,
    region: moto.region,
    credentials: dummyCredentials,
    maxAttempts: 1,
  };
  return {
    ecs: new ECSClient(config),
    elbv2: new ElasticLoadBalancingV2Client(config),
    cloudwatch: new CloudWatchClient(config),
    applicationAutoScaling: new ApplicationAutoScalingClient(config),
  };
}

/** The retry policy the brief fixes for these tests: a couple of quick retries, never long sleeps. */
export const testRetry = { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 50 } as const;

export function phaseContext(aws: AwsClients, now = Date.now()): PhaseContext {
  return { aws, retry: { ...testRetry }, now };
}

export interface Stack {
  suffix: string;
  cluster: string;
  service: string;
  desiredCount: number;
  loadBalancerArn: string;
  blueTargetGroupArn: string;
  greenTargetGroupArn: string;
  productionListenerArn: string;
  testListenerArn: string;
  /** family:1 (what the initial task set runs) and family:2 (the version a deployment brings). */
  oldTaskDefinition: string;
  newTaskDefinition: string;
  /** Absent when the fixture was made without a service. */
  initialTaskSetArn?: string;
  subnetIds: string[];
  securityGroupId: string;
  containerName: string;
  containerPort: number;
  /** A deployment input for this stack (our flat fields), with overrides. */
  input(overrides?: Record<string, unknown>): Record<string, unknown>;
}

export interface StackOptions {
  /** desiredCount of the service (default 3: odd, so ECS's rounding up shows). */
  desiredCount?: number;
  /** Create the EXTERNAL service and its initial task set (default true). */
  withService?: boolean;
}

function suffix(): string {
  return Math.floor(Math.random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
}

export async function createStack(
  clients: MotoClients,
  options: StackOptions = {},
  moto: MotoContext = inject('moto'),
): Promise<Stack> {
  const id = suffix();
  const { ecs, elbv2 } = clients;
  const desiredCount = options.desiredCount ?? 3;
  const containerName = 'web';
  const containerPort = 8080;

  const lb = await elbv2.send(
    new CreateLoadBalancerCommand({
      Name: `taper-${id}`,
      Type: 'network',
      Scheme: 'internal',
      Subnets: moto.subnetIds,
    }),
  );
  const loadBalancerArn = lb.LoadBalancers?.[0]?.LoadBalancerArn as string;
  const targetGroup = async (name: string) => {
    const out = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: `${name}-${id}`,
        Protocol: 'TCP',
        Port: containerPort,
        VpcId: moto.vpcId,
        TargetType: 'ip',
      }),
    );
    return out.TargetGroups?.[0]?.TargetGroupArn as string;
  };
  const blueTargetGroupArn = await targetGroup('blue');
  const greenTargetGroupArn = await targetGroup('green');
  const listener = async (port: number, targetGroupArn: string) => {
    const out = await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: loadBalancerArn,
        Protocol: 'TCP',
        Port: port,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: targetGroupArn }],
      }),
    );
    return out.Listeners?.[0]?.ListenerArn as string;
  };
  const productionListenerArn = await listener(80, blueTargetGroupArn);
  const testListenerArn = await listener(8080, greenTargetGroupArn);

  const cluster = `taper-${id}`;
  await ecs.send(new CreateClusterCommand({ clusterName: cluster }));
  const family = `app-${id}`;
  const register = async (image: string) => {
    const out = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [
          {
            name: containerName,
            image,
            essential: true,
            // moto quirk: its CreateTaskSet starts tasks through RunTask, which adds up container-level
            // memory and fails with a 500 (after storing the task set) when a container has none. AWS only
            // needs task-level memory on Fargate. See README.md.
            memory: 512,
            portMappings: [{ containerPort, protocol: 'tcp' }],
          },
        ],
      }),
    );
    const { family: fam, revision } = out.taskDefinition ?? {};
    return `${fam}:${revision}`;
  };
  const oldTaskDefinition = await register('public.ecr.aws/nginx/nginx:1.26');
  const newTaskDefinition = await register('public.ecr.aws/nginx/nginx:1.27');

  const service = 'web';
  let initialTaskSetArn: string | undefined;
  if (options.withService ?? true) {
    await ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: service,
        desiredCount,
        deploymentController: { type: 'EXTERNAL' },
      }),
    );
    const created = await ecs.send(
      new CreateTaskSetCommand({
        cluster,
        service,
        taskDefinition: oldTaskDefinition,
        launchType: 'FARGATE',
        loadBalancers: [{ targetGroupArn: blueTargetGroupArn, containerName, containerPort }],
        networkConfiguration: {
          awsvpcConfiguration: {
            subnets: moto.subnetIds,
            securityGroups: [moto.securityGroupId],
            assignPublicIp: 'DISABLED',
          },
        },
        scale: { unit: 'PERCENT', value: 100 },
      }),
    );
    initialTaskSetArn = created.taskSet?.taskSetArn as string;
    await ecs.send(
      new UpdateServicePrimaryTaskSetCommand({ cluster, service, primaryTaskSet: initialTaskSetArn }),
    );
  }

  const stack: Stack = {
    suffix: id,
    cluster,
    service,
    desiredCount,
    loadBalancerArn,
    blueTargetGroupArn,
    greenTargetGroupArn,
    productionListenerArn,
    testListenerArn,
    oldTaskDefinition,
    newTaskDefinition,
    ...(initialTaskSetArn ? { initialTaskSetArn } : {}),
    subnetIds: [...moto.subnetIds],
    securityGroupId: moto.securityGroupId,
    containerName,
    containerPort,
    input: (overrides = {}) => ({
      cluster,
      service,
      taskDefinition: newTaskDefinition,
      loadBalancerArn,
      subnets: [...moto.subnetIds],
      securityGroups: [moto.securityGroupId],
      desiredCount,
      ...overrides,
    }),
  };
  return stack;
}

// ---- read-back helpers: what moto stores, read with other APIs than core uses where possible ----

/** The task sets as DescribeTaskSets reports them (core reads DescribeServices). */
export async function readTaskSets(clients: MotoClients, stack: Stack): Promise<TaskSet[]> {
  const out = await clients.ecs.send(
    new DescribeTaskSetsCommand({ cluster: stack.cluster, service: stack.service }),
  );
  return out.taskSets ?? [];
}

/** listener port -> the target group ARNs of its default forward action, as moto stores it. */
export async function readForwards(clients: MotoClients, stack: Stack): Promise<Record<number, string[]>> {
  const out = await clients.elbv2.send(
    new DescribeListenersCommand({ LoadBalancerArn: stack.loadBalancerArn }),
  );
  const byPort: Record<number, string[]> = {};
  for (const listener of out.Listeners ?? []) {
    byPort[listener.Port ?? 0] = (listener.DefaultActions ?? []).map((action) => action.TargetGroupArn ?? '');
  }
  return byPort;
}

export async function readTagsOf(clients: MotoClients, arn: string): Promise<Record<string, string>> {
  const out = await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [arn] }));
  return Object.fromEntries((out.TagDescriptions?.[0]?.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
}

export async function readTargetStates(clients: MotoClients, targetGroupArn: string): Promise<string[]> {
  const out = await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }));
  return (out.TargetHealthDescriptions ?? []).map((t) => `${t.Target?.Id}:${t.TargetHealth?.State}`);
}

/** A target group ARN in the right format that moto has never seen. */
export function unknownTargetGroupArn(moto: MotoContext = inject('moto')): string {
  return `arn:aws:elasticloadbalancing:${moto.region}:000000000000:targetgroup/nope-${suffix()}/0123456789abcdef`;
}

export function unknownListenerArn(stack: Stack): string {
  return `${stack.loadBalancerArn.replace(':loadbalancer/', ':listener/')}/0123456789abcdef`;
}

// ---- running phases by hand ----

/** A fresh deployment of `stack`'s new task definition (input validated by core). */
export function newDeployment(stack: Stack, overrides: Record<string, unknown> = {}): DeploymentState {
  return initialState(parseDeploymentInput(stack.input(overrides)), Date.now());
}

/** The state after `result`, positioned at the phase it goes to (what the interpreter does). */
export function advance(result: PhaseResult): DeploymentState {
  if (result.next.kind !== 'go')
    throw new Error(`deployment ended: ${result.next.outcome}: ${result.next.detail}`);
  return { ...result.state, phase: result.next.phase };
}

/** Runs discover and create through moto: the new task set exists on the standby group. */
export async function discoverAndCreate(
  clients: AwsClients,
  stack: Stack,
  overrides: Record<string, unknown> = {},
): Promise<DeploymentState> {
  const discovered = await runPhase('discover', phaseContext(clients), newDeployment(stack, overrides), {
    resume: false,
  });
  const created = await runPhase('create', phaseContext(clients), advance(discovered), { resume: false });
  return advance(created);
}

/**
 * Clients for core with the test playing ECS (see ecs-player.ts): DescribeServices answers carry the counts
 * moto leaves out, and the tasks' IPs are registered in their target groups. Read back with plain
 * `motoClients()` to see what moto itself stores.
 */
export function playedClients(options: PlayerOptions = {}): { clients: MotoClients; player: EcsPlayer } {
  const clients = motoClients();
  const player = new EcsPlayer(clients.elbv2, options);
  player.attach(clients.ecs);
  return { clients, player };
}

/** A clock for deploy(): time moves only when the workflow sleeps, so minutes of waiting take no time. */
export function virtualClock(start = Date.now()) {
  let now = start;
  return {
    now: () => now,
    sleep: async (ms: number) => {
      now += ms;
    },
  };
}
