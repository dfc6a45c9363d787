import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  ClusterNotFoundException,
  CreateTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  ECSClient,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DeploymentState } from '@ecs-taper/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { createPhaseHandler, deploymentIdForExecution } from '../src/handlers/run-phase';

const ecs = mockClient(ECSClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const arn = (rest: string) => `arn:aws:elasticloadbalancing:us-east-1:000000000000:${rest}`;
const blue = arn('targetgroup/blue/1');
const green = arn('targetgroup/green/2');
const clients = {
  ecs: new ECSClient({ region: 'us-east-1' }),
  elbv2: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
  cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
};
const handle = createPhaseHandler({ clients: () => clients, now: () => 1_000_000, retry: { retries: 0 } });
const oldSetArn = 'arn:aws:ecs:us-east-1:000000000000:task-set/demo/web/ecs-svc/1';
const input = {
  cluster: 'demo',
  service: 'web',
  taskDefinition: 'web:2',
  loadBalancerArn: arn('loadbalancer/net/demo/1'),
  subnets: ['subnet-a'],
  securityGroups: ['sg-a'],
};

function topologyMocks() {
  const listeners = [
    {
      ListenerArn: arn('listener/prod'),
      Port: 80,
      DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: blue }],
    },
    {
      ListenerArn: arn('listener/test'),
      Port: 8080,
      DefaultActions: [{ Type: 'forward' as const, TargetGroupArn: green }],
    },
  ];
  elbv2.on(DescribeListenersCommand).callsFake((request: { ListenerArns?: string[] }) => ({
    Listeners: request.ListenerArns
      ? listeners.filter((l) => request.ListenerArns?.includes(l.ListenerArn))
      : listeners,
  }));
  elbv2
    .on(DescribeTargetGroupsCommand)
    .resolves({ TargetGroups: [{ TargetGroupArn: blue }, { TargetGroupArn: green }] });
  ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: { containerDefinitions: [{ name: 'web', portMappings: [{ containerPort: 8080 }] }] },
  });
  ecs.on(DescribeServicesCommand).resolves({
    services: [
      {
        serviceName: 'web',
        status: 'ACTIVE',
        desiredCount: 2,
        taskSets: [
          {
            taskSetArn: oldSetArn,
            status: 'PRIMARY',
            scale: { unit: 'PERCENT', value: 100 },
            taskDefinition: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
            loadBalancers: [{ targetGroupArn: blue }],
          },
        ],
      },
    ],
  });
  // The old set's two targets on blue; green (standby) is empty. Read by discover only when no set of the
  // service is on the live group, and by rollback to know the old group can carry production.
  const healthy = (id: string) => ({
    Target: { Id: id, Port: 8080 },
    TargetHealth: { State: 'healthy' as const },
  });
  elbv2.on(DescribeTargetHealthCommand).callsFake((request: { TargetGroupArn: string }) => ({
    TargetHealthDescriptions:
      request.TargetGroupArn === blue ? [healthy('10.0.0.1'), healthy('10.0.0.2')] : [],
  }));
  // discover reads the tags of all the service's task sets in one call (the old set: not made by us).
  ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ taskSetArn: oldSetArn, tags: [] }], failures: [] });
}

/** discover read the tags of every task set of the service, once per call, and never the cluster. */
function expectOneTagReadPerDiscover(discovers: number) {
  expect(ecs.commandCalls(DescribeTaskSetsCommand).map((c) => c.args[0].input)).toEqual(
    Array(discovers).fill({ cluster: 'demo', service: 'web', include: ['TAGS'] }),
  );
  // The old set serves the live group: the service owns production, nothing else is looked at.
  expect(elbv2.commandCalls(DescribeTargetHealthCommand)).toHaveLength(0);
  expect(ecs.commandCalls(ListServicesCommand)).toHaveLength(0);
}

describe('the phase handler', () => {
  beforeEach(() => {
    ecs.reset();
    elbv2.reset();
  });

  it('starts from the raw input and derives one deployment id per execution, so retries agree', async () => {
    topologyMocks();
    const first = await handle({
      phase: 'discover',
      input,
      executionId: 'arn:aws:states:execution:demo:run-1',
    });
    const retried = await handle({
      phase: 'discover',
      input,
      executionId: 'arn:aws:states:execution:demo:run-1',
    });
    expect(first.state.deploymentId).toBe(deploymentIdForExecution('arn:aws:states:execution:demo:run-1'));
    expect(first.state.deploymentId.length).toBeLessThanOrEqual(36);
    expect(retried.state.deploymentId).toBe(first.state.deploymentId);
    expect(first.next).toEqual(expect.objectContaining({ kind: 'go', phase: 'create' }));
    expect(first.state.topology?.newTargetGroupArn).toBe(green);
    expectOneTagReadPerDiscover(2);
  });

  it("accepts the seed's event JSON unchanged", async () => {
    topologyMocks();
    const seed = {
      cluster: 'demo',
      nlb: input.loadBalancerArn,
      task_sg: 'sg-a',
      subnets: ['subnet-a', 'subnet-b'],
      serviceName: 'web',
      taskDefinition: 'web:2',
      waitForService: 60,
      scaledown_decrement: 25,
      scaledown_wait: 60,
    };
    const out = await handle({ phase: 'discover', input: seed, executionId: 'x' });
    expect(out.state.input).toEqual(
      expect.objectContaining({
        service: 'web',
        securityGroups: ['sg-a'],
        decrementPercent: 25,
        intervalSeconds: 60,
        // The seed's sample created its service: its event asks for that by default.
        createService: true,
      }),
    );
    expectOneTagReadPerDiscover(1);
  });

  it('surfaces AWS failures under the AWS error name so Retry and Catch can match them', async () => {
    ecs
      .on(DescribeServicesCommand)
      .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
    const failure = await handle({ phase: 'discover', input, executionId: 'x' }).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).name).toBe('ClusterNotFoundException');
    expect((failure as Error).message).toContain('describing service web in cluster demo');
  });

  it('surfaces bad input as InputValidationError naming the field, before any AWS call', async () => {
    const failure = await handle({ phase: 'discover', input: { ...input, decrementPercent: 0 } }).catch(
      (e: Error) => e,
    );
    expect((failure as Error).name).toBe('InputValidationError');
    expect((failure as Error).message).toMatch(/^decrementPercent:/);
    expect(ecs.calls()).toHaveLength(0);
    expect(elbv2.calls()).toHaveLength(0);
  });

  it('rejects an unknown phase', async () => {
    const failure = await handle({ phase: 'launch' as 'create', state: {} as DeploymentState }).catch(
      (e: Error) => e,
    );
    expect((failure as Error).name).toBe('InputValidationError');
  });

  it('makes a caught failure the rollback reason', async () => {
    topologyMocks();
    const started = await handle({ phase: 'discover', input, executionId: 'x' });
    const cause = JSON.stringify({
      errorType: 'AccessDeniedException',
      errorMessage: 'not allowed to CreateTaskSet',
    });
    const out = await handle({
      phase: 'rollback',
      state: started.state,
      failure: { Error: 'AccessDeniedException', Cause: cause },
    });
    expect(out.state.rollbackReason).toBe('AccessDeniedException: not allowed to CreateTaskSet');
    // No new task set exists, and the listener was never swapped: rollback has nothing to undo.
    expect(out.next).toEqual(expect.objectContaining({ kind: 'end', outcome: 'rolled-back' }));
    expect(ecs.commandCalls(CreateTaskSetCommand)).toHaveLength(0);
    // One all-sets tag read by discover; rollback looked at both groups' health before deciding.
    expect(ecs.commandCalls(DescribeTaskSetsCommand)).toHaveLength(1);
    expect(
      elbv2.commandCalls(DescribeTargetHealthCommand).map((c) => c.args[0].input.TargetGroupArn),
    ).toEqual([blue, green]);
  });
});

describe('the phase handler in a Step Functions execution', () => {
  beforeEach(() => {
    ecs.reset();
    elbv2.reset();
  });

  it('starts the execution budget at discover and counts every Task, with its retries', async () => {
    topologyMocks();
    const first = await handle({
      phase: 'discover',
      input,
      executionId: 'x',
      executionName: 'ci-7',
      retryCount: 0,
    });
    // ExecutionStarted + Start choice (3), the Task (5), its Choice (2); create follows without a Wait.
    expect(first.execution).toEqual({ chain: 'ci-7', generation: 0, startedAt: 1_000_000, events: 10 });
    expect(first.progress.phase).toBe('discover');
    const retried = await handle({
      phase: 'discover',
      input,
      executionId: 'x',
      executionName: 'ci-7',
      retryCount: 2,
    });
    expect(retried.execution.events).toBe(16);
  });

  it('names a successor once the count reaches the limits it was given', async () => {
    topologyMocks();
    const limits = { timeoutSeconds: 86_400, handOverAtEvents: 10 };
    const out = await handle({ phase: 'discover', input, executionId: 'x', executionName: 'ci-7', limits });
    expect(out.execution.successor?.name).toBe('ci-7-h1');
    expect(out.execution.successor?.budget.generation).toBe(1);
  });

  it('surfaces a transient failure without a well-known name as TransientAwsError, a known one under its name', async () => {
    const bare503 = Object.assign(new Error('UnknownError'), {
      name: 'UnknownError',
      $metadata: { httpStatusCode: 503 },
    });
    ecs.on(DescribeServicesCommand).rejects(bare503);
    const failure = await handle({ phase: 'discover', input, executionId: 'x' }).catch((e: Error) => e);
    expect((failure as Error).name).toBe('TransientAwsError');
    ecs.reset();
    ecs
      .on(DescribeServicesCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} }));
    const throttled = await handle({ phase: 'discover', input, executionId: 'x' }).catch((e: Error) => e);
    expect((throttled as Error).name).toBe('ThrottlingException');
  });

  it('stops a phase whose AWS call hangs before the function would time out, as a retried HandlerDeadlineExceeded', async () => {
    ecs.on(DescribeServicesCommand).callsFake(() => new Promise(() => {}));
    const started = Date.now();
    const failure = await handle(
      { phase: 'discover', input, executionId: 'x' },
      { getRemainingTimeInMillis: () => 10_200 },
    ).catch((e: Error) => e);
    expect((failure as Error).name).toBe('HandlerDeadlineExceeded');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('logs one JSON object per line with deploymentId, phase and the execution at the top level', async () => {
    topologyMocks();
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    let out: Awaited<ReturnType<typeof handle>>;
    try {
      out = await handle(
        { phase: 'discover', input, executionId: 'arn:aws:states:us-east-1:000000000000:execution:sm:ci-7' },
        { getRemainingTimeInMillis: () => 60_000, awsRequestId: 'req-1', functionName: 'ecs-taper' },
      );
    } finally {
      process.stdout.write = write;
    }
    const records = lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'INFO',
        message: 'phase finished',
        deploymentId: out.state.deploymentId,
        phase: 'discover',
        executionArn: 'arn:aws:states:us-east-1:000000000000:execution:sm:ci-7',
        function_request_id: 'req-1',
        cold_start: expect.any(Boolean),
      }),
    );
  });
});
