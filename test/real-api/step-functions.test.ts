/**
 * runner-lambda's client (startDeployment, waitForDeployment) and the shipped CLI's
 * `deploy --state-machine` against moto's Step Functions API, over HTTP through the real SDK.
 *
 * moto stores state machines and executions but runs nothing (its `execute_state_machine` mode needs its
 * Lambda, i.e. Docker): an execution's status is fixed at creation by the server's
 * SF_EXECUTION_HISTORY_TYPE (default SUCCESS: RUNNING until StopExecution makes it ABORTED; FAILURE: FAILED
 * at once) and its history is the same canned list for every execution (README rows 33-35). What is real
 * here: the wire format, StartExecution's name idempotency and ExecutionAlreadyExists, the ARNs, paging
 * arguments accepted, and the exit code the CLI gives for each status moto reports.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateStateMachineCommand,
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DeploymentEmitter, type DeploymentEvent } from '@ecs-taper/core';
import {
  buildStateMachineDefinition,
  canonicalJson,
  ExecutionNameTakenError,
  startDeployment,
  waitForDeployment,
} from '@ecs-taper/runner-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Moto, repoRoot, startMoto } from '../support/moto';
import { childEnvironment, dummyCredentials } from '../support/moto-context';

const cliPath = join(repoRoot, 'packages', 'runner-cli', 'dist', 'cli.cjs');
const built = existsSync(cliPath);
const fast = { retries: 1, minTimeoutMs: 10, maxTimeoutMs: 50 };

const sfnClient = (endpoint: string) =>
  new SFNClient({ endpoint, region: inject('moto').region, credentials: dummyCredentials, maxAttempts: 1 });

const input = {
  cluster: 'prod',
  service: 'api',
  taskDefinition: 'api:42',
  loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/net/api/0123',
};
const flags = [
  '--cluster',
  input.cluster,
  '--service',
  input.service,
  '--task-definition',
  input.taskDefinition,
  '--load-balancer',
  input.loadBalancerArn,
];

/** Our definition, stored by moto (which checks only the name and the role ARN's shape). */
async function createStateMachine(client: SFNClient): Promise<string> {
  const created = await client.send(
    new CreateStateMachineCommand({
      name: `ecs-taper-${Math.random().toString(36).slice(2, 10)}`,
      definition: JSON.stringify(
        buildStateMachineDefinition({
          functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ecs-taper',
        }),
      ),
      roleArn: 'arn:aws:iam::123456789012:role/ecs-taper-state-machine',
    }),
  );
  return created.stateMachineArn as string;
}

function collect() {
  const emitter = new DeploymentEmitter();
  const events: DeploymentEvent[] = [];
  emitter.on('event', (event) => events.push(event));
  return { emitter, events };
}

interface Child {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function spawnCli(args: string[], endpoint: string): Child {
  const child = spawn(process.execPath, [cliPath, ...args], {
    env: { ...childEnvironment({ endpoint, region: inject('moto').region }), NO_COLOR: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

async function until(condition: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('Step Functions on moto (SF_EXECUTION_HISTORY_TYPE unset: executions stay RUNNING)', () => {
  const { endpoint } = inject('moto');
  const client = sfnClient(endpoint);

  it('startDeployment twice with the same run id: one execution; another input under it is refused', async () => {
    const stateMachineArn = await createStateMachine(client);
    const first = await startDeployment({ client, stateMachineArn, input, runId: 'ci-1001', retry: fast });
    // Flags collected in another order: the same deployment.
    const reordered = Object.fromEntries(Object.entries(input).reverse());
    const again = await startDeployment({
      client,
      stateMachineArn,
      input: reordered,
      runId: 'ci-1001',
      retry: fast,
    });
    expect(first).toMatchObject({ started: true, name: 'ci-1001' });
    expect(first.executionArn).toBe(`${stateMachineArn.replace(':stateMachine:', ':execution:')}:ci-1001`);
    expect(again).toMatchObject({ started: false, executionArn: first.executionArn, status: 'RUNNING' });

    await expect(
      startDeployment({
        client,
        stateMachineArn,
        input: { ...input, taskDefinition: 'api:43' },
        runId: 'ci-1001',
      }),
    ).rejects.toBeInstanceOf(ExecutionNameTakenError);
    const listed = await client.send(new ListExecutionsCommand({ stateMachineArn }));
    expect(listed.executions?.map((e) => e.name)).toEqual(['ci-1001']);
    const stored = await client.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(stored.input).toBe(canonicalJson(input));
  });

  it("moto's StartExecution by name: the documented idempotency (same input while RUNNING) and ExecutionAlreadyExists", async () => {
    const stateMachineArn = await createStateMachine(client);
    const start = (body: string) =>
      client.send(new StartExecutionCommand({ stateMachineArn, name: 'same', input: body }));
    const a = await start('{"a":1}');
    expect((await start('{"a":1}')).executionArn).toBe(a.executionArn);
    await expect(start('{"a":2}')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await client.send(new StopExecutionCommand({ executionArn: a.executionArn }));
    // Closed: refused whatever the input.
    await expect(start('{"a":1}')).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
  });

  it('moto differences: RUNNING with a canned history that ends ExecutionSucceeded, paging arguments ignored', async () => {
    const stateMachineArn = await createStateMachine(client);
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'canned', input: JSON.stringify(input) }),
    );
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described.status).toBe('RUNNING');
    const history = await client.send(
      new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 2 }),
    );
    // AWS: newest first, at most 2, a nextToken. moto: all four, oldest first, none.
    expect(history.events?.map((e) => [e.id, e.type])).toEqual([
      [1, 'ExecutionStarted'],
      [2, 'PassStateEntered'],
      [3, 'PassStateExited'],
      [4, 'ExecutionSucceeded'],
    ]);
    expect(history.nextToken).toBeUndefined();
    expect(history.events?.[0]?.executionStartedEventDetails?.input).toBe('{}');
  });

  it('waitForDeployment follows a RUNNING execution until StopExecution: failed (ABORTED), no phase events', async () => {
    const stateMachineArn = await createStateMachine(client);
    const started = await startDeployment({ client, stateMachineArn, input, runId: 'ci-stop', retry: fast });
    const { emitter, events } = collect();
    let polls = 0;
    const clock = {
      now: () => Date.now(),
      sleep: async () => {
        polls++;
        if (polls === 2) await client.send(new StopExecutionCommand({ executionArn: started.executionArn }));
      },
    };
    const result = await waitForDeployment({
      client,
      executionArn: started.executionArn,
      events: emitter,
      clock,
      retry: fast,
    });
    expect(result.outcome).toBe('failed');
    expect(result.reason).toMatch(/^execution ci-stop was stopped \(StopExecution or the console\)/);
    expect(result.executions).toEqual([started.executionArn]);
    // moto's canned history has no Task state of ours: the deployment's start and end only.
    expect(events.map((e) => e.type)).toEqual(['deployment-started', 'deployment-finished']);
  });

  describe.runIf(built)('the built CLI', () => {
    it('deploy --state-machine: Ctrl-C stops the waiting (130) and the execution goes on; the same command joins it; StopExecution ends it with exit 1', async () => {
      const stateMachineArn = await createStateMachine(client);
      const args = ['deploy', ...flags, '--state-machine', stateMachineArn, '--run-id', 'ci-cli', '--json'];
      const first = spawnCli(args, endpoint);
      await until(() => first.stderr().includes('Ctrl-C stops waiting only'), first.stderr);
      expect(first.stderr()).toContain(
        `started execution ${stateMachineArn.replace(':stateMachine:', ':execution:')}:ci-cli`,
      );
      first.child.kill('SIGINT');
      expect(await first.exit).toBe(130);
      expect(first.stderr()).toContain('stopping to wait; the deployment goes on in Step Functions');
      expect(first.stderr()).toMatch(
        /stopped waiting\. The deployment goes on in Step Functions: execution arn:aws:states:.*:ci-cli/,
      );
      expect(first.stderr()).toContain('To watch it again:');
      const executionArn = `${stateMachineArn.replace(':stateMachine:', ':execution:')}:ci-cli`;
      expect((await client.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');

      const second = spawnCli(args, endpoint);
      await until(() => second.stderr().includes('Ctrl-C stops waiting only'), second.stderr);
      expect(second.stderr()).toContain(`joined execution ${executionArn} (RUNNING`);
      await client.send(new StopExecutionCommand({ executionArn }));
      expect(await second.exit).toBe(1);
      const events = second
        .stdout()
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(events.at(-1)).toMatchObject({ type: 'deployment-finished', outcome: 'failed' });
      expect(events.at(-1).reason).toMatch(/was stopped/);
      const listed = await client.send(new ListExecutionsCommand({ stateMachineArn }));
      expect(listed.executions).toHaveLength(1);
    }, 40_000);

    it('deploy --state-machine with bad input: exit 2 and no execution', async () => {
      const stateMachineArn = await createStateMachine(client);
      const run = spawnCli(
        ['deploy', ...flags, '--decrement', '0', '--state-machine', stateMachineArn],
        endpoint,
      );
      expect(await run.exit).toBe(2);
      expect(run.stderr()).toContain('--decrement (decrementPercent)');
      expect((await client.send(new ListExecutionsCommand({ stateMachineArn }))).executions).toEqual([]);
    });
  });
});

describe('Step Functions on moto with SF_EXECUTION_HISTORY_TYPE=FAILURE (executions FAILED at once)', () => {
  let moto: Moto;
  let client: SFNClient;
  beforeAll(async () => {
    moto = await startMoto({ bin: inject('moto').bin, env: { SF_EXECUTION_HISTORY_TYPE: 'FAILURE' } });
    client = sfnClient(moto.endpoint);
  });
  afterAll(async () => moto?.stop());

  it('moto difference: DescribeExecution of a FAILED execution has no error or cause; the history has them', async () => {
    const stateMachineArn = await createStateMachine(client);
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, name: 'failed', input: '{}' }),
    );
    const described = await client.send(new DescribeExecutionCommand({ executionArn }));
    expect(described).toMatchObject({ status: 'FAILED' });
    expect(described.error).toBeUndefined();
    expect(described.cause).toBeUndefined();
    const history = await client.send(new GetExecutionHistoryCommand({ executionArn }));
    expect(history.events?.at(-1)?.executionFailedEventDetails).toEqual({
      error: 'AnError',
      cause: 'An error occurred!',
    });
  });

  it('waitForDeployment: failed, with the error and cause of the history; a retried run attaches to it', async () => {
    const stateMachineArn = await createStateMachine(client);
    const started = await startDeployment({ client, stateMachineArn, input, runId: 'ci-fail', retry: fast });
    const result = await waitForDeployment({ client, executionArn: started.executionArn, retry: fast });
    expect(result).toMatchObject({
      outcome: 'failed',
      reason: 'execution ci-fail failed (AnError: An error occurred!)',
      executions: [started.executionArn],
    });
    // Closed: the same run id attaches to it instead of starting another.
    const again = await startDeployment({ client, stateMachineArn, input, runId: 'ci-fail', retry: fast });
    expect(again).toMatchObject({ started: false, status: 'FAILED', executionArn: started.executionArn });
  });

  it.runIf(built)('the built CLI exits 1 for the FAILED execution, naming it', async () => {
    const stateMachineArn = await createStateMachine(client);
    const run = spawnCli(
      ['deploy', ...flags, '--state-machine', stateMachineArn, '--run-id', 'ci-cli-fail'],
      moto.endpoint,
    );
    expect(await run.exit).toBe(1);
    expect(run.stdout()).toContain('failed: execution ci-cli-fail failed (AnError: An error occurred!)');
    expect(run.stdout()).toMatch(
      /execution: arn:aws:states:us-east-1:\d+:execution:ecs-taper-\w+:ci-cli-fail/,
    );
  });
});
