import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  canonicalJson,
  executionArnFor,
  executionNameForRun,
  isExecutionName,
} from '../src/client/execution-name';
import { ExecutionNameTakenError } from '../src/client/sfn';
import { startDeployment } from '../src/client/start-deployment';
import { executionArn, STATE_MACHINE } from './support/scripted-executions';

const sfn = mockClient(SFNClient);
const client = new SFNClient({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
});
const fast = { retries: 0 };

const input = {
  cluster: 'prod',
  service: 'api',
  taskDefinition: 'api:42',
  loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/api/0123',
  subnets: ['subnet-1', 'subnet-2'],
  securityGroups: ['sg-1'],
};
/** The same input, its fields in another order (as flags and a file may collect them). */
const reordered = Object.fromEntries(Object.entries(input).reverse());

const notFound = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
const described = (status: 'RUNNING' | 'SUCCEEDED' | 'FAILED', executionInput: unknown) => ({
  executionArn: executionArn('run-42'),
  stateMachineArn: STATE_MACHINE,
  name: 'run-42',
  status,
  startDate: new Date('2026-03-02T10:00:00Z'),
  input: JSON.stringify(executionInput),
});

beforeEach(() => sfn.reset());

describe('startDeployment: one execution per run id', () => {
  it('a free name: looks it up, then starts the execution with the canonical input', async () => {
    sfn.on(DescribeExecutionCommand).rejects(notFound());
    sfn.on(StartExecutionCommand).resolves({ executionArn: executionArn('run-42'), startDate: new Date() });
    const started = await startDeployment({
      client,
      stateMachineArn: STATE_MACHINE,
      input,
      runId: 'run-42',
      retry: fast,
    });
    expect(started).toMatchObject({ executionArn: executionArn('run-42'), name: 'run-42', started: true });
    expect(sfn.commandCalls(DescribeExecutionCommand)[0]?.args[0].input).toEqual({
      executionArn: executionArn('run-42'),
    });
    const start = sfn.commandCalls(StartExecutionCommand);
    expect(start).toHaveLength(1);
    expect(start[0]?.args[0].input).toEqual({
      stateMachineArn: STATE_MACHINE,
      name: 'run-42',
      input: canonicalJson(input),
    });
    // Keys sorted: the same deployment always sends the same bytes.
    expect(start[0]?.args[0].input.input).toBe(canonicalJson(reordered));
  });

  it('the same run id again while it runs: joins the execution, no second StartExecution', async () => {
    sfn.on(DescribeExecutionCommand).resolves(described('RUNNING', reordered));
    const joined = await startDeployment({
      client,
      stateMachineArn: STATE_MACHINE,
      input,
      runId: 'run-42',
      retry: fast,
    });
    expect(joined).toMatchObject({ executionArn: executionArn('run-42'), started: false, status: 'RUNNING' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('a run whose execution already ended: attaches to it (its outcome is the run outcome)', async () => {
    sfn.on(DescribeExecutionCommand).resolves(described('SUCCEEDED', input));
    const joined = await startDeployment({
      client,
      stateMachineArn: STATE_MACHINE,
      input,
      runId: 'run-42',
      retry: fast,
    });
    expect(joined).toMatchObject({ started: false, status: 'SUCCEEDED' });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('ExecutionAlreadyExists (another attempt started it in between): attaches to that execution', async () => {
    sfn.on(DescribeExecutionCommand).rejectsOnce(notFound()).resolves(described('RUNNING', input));
    sfn
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: "Execution Already Exists: 'run-42'", $metadata: {} }));
    const joined = await startDeployment({
      client,
      stateMachineArn: STATE_MACHINE,
      input,
      runId: 'run-42',
      retry: fast,
    });
    expect(joined).toMatchObject({ executionArn: executionArn('run-42'), started: false });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(2);
  });

  it('an execution of that name with another input: refused, naming it and the fix, with no StartExecution', async () => {
    sfn.on(DescribeExecutionCommand).resolves(described('RUNNING', { ...input, taskDefinition: 'api:41' }));
    const attempt = startDeployment({
      client,
      stateMachineArn: STATE_MACHINE,
      input,
      runId: 'run-42',
      retry: fast,
    });
    await expect(attempt).rejects.toBeInstanceOf(ExecutionNameTakenError);
    await expect(attempt).rejects.toThrow(
      /execution run-42 \(RUNNING\) already exists with a different deployment input/,
    );
    await expect(attempt).rejects.toThrow(/new run id/);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('the same refusal after ExecutionAlreadyExists when the racing attempt had another input', async () => {
    sfn
      .on(DescribeExecutionCommand)
      .rejectsOnce(notFound())
      .resolves(described('RUNNING', { ...input, service: 'other' }));
    sfn.on(StartExecutionCommand).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    await expect(
      startDeployment({ client, stateMachineArn: STATE_MACHINE, input, runId: 'run-42', retry: fast }),
    ).rejects.toBeInstanceOf(ExecutionNameTakenError);
  });

  it('bad input is refused before any call, naming the field', async () => {
    const attempt = startDeployment({
      client,
      stateMachineArn: STATE_MACHINE,
      input: { ...input, decrementPercent: 0 },
      runId: 'run-42',
    });
    await expect(attempt).rejects.toMatchObject({ name: 'InputValidationError', field: 'decrementPercent' });
    expect(sfn.calls()).toHaveLength(0);
  });

  it('without a name or run id: a fresh random name, nothing to look up', async () => {
    sfn.on(StartExecutionCommand).callsFake(({ name }: { name: string }) => ({
      executionArn: executionArn(name),
      startDate: new Date(),
    }));
    const started = await startDeployment({ client, stateMachineArn: STATE_MACHINE, input, retry: fast });
    expect(started.name).toMatch(/^ecs-taper-[0-9a-f-]{36}$/);
    expect(isExecutionName(started.name)).toBe(true);
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  it('an explicit name that Step Functions would refuse is refused here, before any call', async () => {
    await expect(
      startDeployment({ client, stateMachineArn: STATE_MACHINE, input, name: 'release/1.2' }),
    ).rejects.toThrow(/name: must be 1-80 characters of letters, digits/);
    expect(sfn.calls()).toHaveLength(0);
  });
});

describe('execution names and ARNs', () => {
  it('a run id that is a valid name is the name', () => {
    expect(executionNameForRun('8123456789-2')).toBe('8123456789-2');
  });

  it('other run ids are cleaned to [A-Za-z0-9_-], hashed, at most 80 characters, and stable', () => {
    const name = executionNameForRun('refs/heads/main#17 attempt 2');
    expect(name).toMatch(/^refs-heads-main-17-attempt-2-[0-9a-f]{10}$/);
    expect(executionNameForRun('refs/heads/main#17 attempt 2')).toBe(name);
    // Two run ids that clean up alike still name two executions.
    expect(executionNameForRun('a/b')).not.toBe(executionNameForRun('a.b'));
    const long = executionNameForRun('x'.repeat(200));
    expect(long).toHaveLength(80);
    expect(isExecutionName(long)).toBe(true);
    expect(long).not.toBe(executionNameForRun('x'.repeat(201)));
    expect(isExecutionName(executionNameForRun('/// ###'))).toBe(true);
    expect(() => executionNameForRun('  ')).toThrow(/runId: must not be empty/);
  });

  it('the execution ARN of a name, from the state machine ARN (a version or alias qualifier dropped)', () => {
    expect(executionArnFor(STATE_MACHINE, 'run-42')).toBe(executionArn('run-42'));
    expect(executionArnFor(`${STATE_MACHINE}:PROD`, 'run-42')).toBe(executionArn('run-42'));
    expect(() => executionArnFor('arn:aws:lambda:eu-west-1:1:function:x', 'run-42')).toThrow(
      /stateMachineArn: must be a state machine ARN/,
    );
  });
});
