/**
 * deploy.sh --start [--run-id] [--wait] against a scripted `aws` (support/fake-aws.mjs) on PATH: the turns that a
 * real or emulated Step Functions does not produce on demand (a timeout, an abort, a hand-over to itself, a denied
 * call), the execution name of a run id, and the flags' errors. tests/wait-moto.test.ts runs the main path against
 * executions that really run.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { canonicalJson, executionNameForRun } from '@ecs-taper/runner-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './support/python-tools';

const fakeAws = fileURLToPath(new URL('./support/fake-aws.mjs', import.meta.url));
const machine = 'arn:aws:states:us-east-1:000000000000:stateMachine:ecs-taper';
const executionArn = (name: string) => `${machine.replace(':stateMachine:', ':execution:')}:${name}`;
const stacks = {
  'fake-infra': {
    ClusterName: 'demo',
    ServiceName: 'web',
    ProductionListenerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/net/web/0123/4567',
    TestListenerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/net/web/0123/89ab',
    TargetGroupAArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-a/0123',
    TargetGroupBArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-b/4567',
    TaskExecutionRoleArn: 'arn:aws:iam::000000000000:role/web-execution',
    TaskRoleArn: 'arn:aws:iam::000000000000:role/web-task',
    LoadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/web/0123',
    PrivateSubnets: 'subnet-0aaa,subnet-0bbb',
    TaskSecurityGroupId: 'sg-0ccc',
    ContainerName: 'web',
    ContainerPort: '80',
    TaskDefinitionArn: 'arn:aws:ecs:us-east-1:000000000000:task-definition/web:1',
    TestListenerPort: '8080',
  },
  'fake-controller': { StateMachineArn: machine },
};

interface Scenario {
  start?: string;
  executions?: Record<string, Record<string, unknown>[]>;
  history?: 'error';
}

let work = '';
let env: NodeJS.ProcessEnv = {};
let runs = 0;

/** Runs deploy.sh against a fresh copy of `scenario`; returns its result and the aws calls it made. */
function deploy(scenario: Scenario, args: string[], extraEnv: NodeJS.ProcessEnv = {}) {
  const dir = join(work, `run-${++runs}`);
  mkdirSync(dir);
  writeFileSync(join(dir, 'scenario.json'), JSON.stringify({ stacks, ...scenario }));
  writeFileSync(join(dir, 'calls.jsonl'), '');
  const result = spawnSync(
    'bash',
    [
      join(repoRoot, 'examples/deploy.sh'),
      '--prefix',
      'fake',
      '--region',
      'us-east-1',
      '--input-only',
      ...args,
    ],
    { encoding: 'utf8', env: { ...env, FAKE_AWS_DIR: dir, ...extraEnv }, timeout: 60_000 },
  );
  if (result.error) throw result.error;
  const calls = readFileSync(join(dir, 'calls.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(
      (line) => JSON.parse(line) as { service: string; operation: string; options: Record<string, string> },
    );
  const lines = result.stderr.split('\n');
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, lines, calls };
}
// The scripted answers come one per look, whatever the time between two looks: poll (almost) without pausing.
const waitFor = (runId: string) => ['--start', '--wait', '--poll-seconds', '0.01', '--run-id', runId];

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'ecs-taper-fake-aws-'));
  const bin = join(work, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'aws'), `#!/bin/sh\nexec node ${JSON.stringify(fakeAws)} "$@"\n`);
  chmodSync(join(bin, 'aws'), 0o755);
  // Nothing of the machine's AWS setup or CI run ids may leak in.
  env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) => !key.startsWith('AWS_') && !['GITHUB_RUN_ID', 'CI_PIPELINE_ID', 'BUILD_ID'].includes(key),
    ),
  );
  env.PATH = `${bin}:${process.env.PATH}`;
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('deploy.sh --wait with a scripted aws', () => {
  it('follows a hand-over to a failing execution: progress on change only, its error and cause, exit 1', () => {
    const run = deploy(
      {
        executions: {
          'run-1': [{ status: 'SUCCEEDED', output: '{"deploymentId":"d-1","handedOverTo":"run-1-h1"}' }],
          'run-1-h1': [
            { status: 'RUNNING', state: 'Scale-down step' },
            { status: 'RUNNING', state: 'Scale-down step' },
            { status: 'RUNNING', state: 'Rollback' },
            { status: 'FAILED', error: 'DeploymentRolledBack', cause: 'alarm web-5xx is in ALARM' },
          ],
        },
      },
      waitFor('run-1'),
    );
    expect(run.status, run.stderr).toBe(1);
    expect(run.lines.filter((line) => line.startsWith('deploy.sh: execution'))).toEqual([
      'deploy.sh: execution name run-1 (from --run-id)',
      'deploy.sh: execution run-1: SUCCEEDED',
      'deploy.sh: execution run-1 handed deployment d-1 over to execution run-1-h1',
      'deploy.sh: execution run-1-h1: RUNNING',
      "deploy.sh: execution run-1-h1: in state 'Scale-down step'",
      "deploy.sh: execution run-1-h1: in state 'Rollback'",
      'deploy.sh: execution run-1-h1: FAILED',
    ]);
    expect(run.lines).toContain(
      'deploy.sh: deployment failed: execution run-1-h1 ended FAILED: DeploymentRolledBack: alarm web-5xx is in ALARM',
    );
    // The successor's ARN: the state machine's, with :execution: and the name handed over.
    const described = run.calls.filter((c) => c.operation === 'describe-execution');
    expect(described.map((c) => c.options['execution-arn'])).toEqual([
      executionArn('run-1'),
      ...Array(4).fill(executionArn('run-1-h1')),
    ]);
  });

  it('exits 0 when the last execution of a chain succeeds without handing over', () => {
    const handOver = (to: string) => ({
      status: 'SUCCEEDED',
      output: JSON.stringify({ deploymentId: 'd-2', handedOverTo: to }),
    });
    const run = deploy(
      {
        executions: {
          'run-2': [handOver('run-2-h1')],
          'run-2-h1': [handOver('run-2-h2')],
          'run-2-h2': [{ status: 'RUNNING' }, { status: 'SUCCEEDED', output: '{"deploymentId":"d-2"}' }],
        },
      },
      waitFor('run-2'),
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.lines).toContain('deploy.sh: deployment d-2 succeeded (execution run-2-h2)');
  });

  it.each([
    [
      'TIMED_OUT',
      { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'the execution ran for 86400 s' },
      'ended TIMED_OUT: States.Timeout: the execution ran for 86400 s',
    ],
    ['ABORTED (stopped by hand)', { status: 'ABORTED' }, 'ended ABORTED: no error or cause given'],
  ])('exits 1 for an execution that ended %s', (_name, ending, message) => {
    const run = deploy({ executions: { 'run-3': [{ status: 'RUNNING' }, ending] } }, waitFor('run-3'));
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain(`deploy.sh: deployment failed: execution run-3 ${message}`);
  });

  it('looks again for a successor that is not visible yet', () => {
    const run = deploy(
      {
        executions: {
          'run-4': [{ status: 'SUCCEEDED', output: '{"deploymentId":"d-4","handedOverTo":"run-4-h1"}' }],
          'run-4-h1': [
            { apiError: 'ExecutionDoesNotExist' },
            { apiError: 'ExecutionDoesNotExist' },
            { status: 'SUCCEEDED', output: '{"deploymentId":"d-4"}' },
          ],
        },
      },
      waitFor('run-4'),
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.lines).toContain('deploy.sh: deployment d-4 succeeded (execution run-4-h1)');
  });

  it('follows the status alone when the history cannot be read', () => {
    const run = deploy(
      {
        history: 'error',
        executions: {
          'run-5': [
            { status: 'RUNNING', state: 'Settle' },
            { status: 'SUCCEEDED', output: '{"deploymentId":"d-5"}' },
          ],
        },
      },
      waitFor('run-5'),
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).not.toContain('in state');
    expect(run.calls.filter((c) => c.operation === 'get-execution-history')).toHaveLength(1);
  });

  it.each([
    [
      'a denied DescribeExecution',
      {
        'run-6': [
          {
            apiError: 'AccessDeniedException',
            message: 'not authorized to perform states:DescribeExecution',
          },
        ],
      },
      'cannot describe execution',
    ],
    [
      'a hand-over to itself',
      { 'run-6': [{ status: 'SUCCEEDED', output: '{"deploymentId":"d-6","handedOverTo":"run-6"}' }] },
      `execution ${executionArn('run-6')} was handed over to itself: cannot follow the deployment`,
    ],
    [
      'a hand-over to a name that no execution can have',
      { 'run-6': [{ status: 'SUCCEEDED', output: '{"deploymentId":"d-6","handedOverTo":"a:b"}' }] },
      "execution run-6 handed over to 'a:b', which is not an execution name",
    ],
  ])('stops with exit 1 and says why for %s', (_name, executions, message) => {
    const run = deploy({ executions }, waitFor('run-6'));
    expect(run.status, run.stderr).toBe(1);
    expect(run.stderr).toContain(message);
  });

  it('joins an execution of this run that ended, instead of starting another, and reports its result', () => {
    const input = canonicalJson(JSON.parse(deploy({}, []).stdout));
    const run = deploy(
      {
        start: 'ExecutionAlreadyExists',
        executions: { 'run-9': [{ status: 'SUCCEEDED', input, output: '{"deploymentId":"d-9"}' }] },
      },
      waitFor('run-9'),
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain('execution run-9 exists already with this input (SUCCEEDED): joining it');
    expect(run.calls.filter((c) => c.operation === 'start-execution')).toHaveLength(1);
  });
});

describe('deploy.sh --start: the execution name and input', () => {
  const startedWith = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => {
    const run = deploy({}, ['--start', ...args], extraEnv);
    expect(run.status, run.stderr).toBe(0);
    const start = run.calls.find((c) => c.operation === 'start-execution');
    return { name: start?.options.name, input: start?.options.input, stdout: run.stdout };
  };

  // The same name as `ecs-taper deploy --state-machine ... --run-id`, so the two join each other's execution.
  it.each([
    '1234567890',
    'feature_x-1',
    'refs/heads/main.42',
    'a--b//c',
    '///',
    'déploiement n° 7',
    'x'.repeat(81),
    `${'y'.repeat(75)}/z`,
  ])('names the execution of run id %j as runner-lambda does', (runId) => {
    expect(startedWith(['--run-id', runId]).name).toBe(executionNameForRun(runId));
  });

  it.each([
    [{ GITHUB_RUN_ID: '11', CI_PIPELINE_ID: '22', BUILD_ID: '33' }, '11'],
    [{ CI_PIPELINE_ID: '22', BUILD_ID: '33' }, '22'],
    [{ BUILD_ID: '33' }, '33'],
  ])('takes the run id from the CI environment %j', (ci, name) => {
    expect(startedWith([], ci).name).toBe(name);
    expect(startedWith(['--run-id', 'explicit'], ci).name).toBe('explicit');
  });

  it('names an execution outside CI by the time', () => {
    expect(startedWith([]).name).toMatch(/^ecs-taper-\d{8}T\d{6}Z$/);
  });

  it('sends the input in canonical form, byte for byte what the CLI sends for the same deployment', () => {
    const { input, stdout } = startedWith(['--run-id', 'r']);
    expect(input).toBe(canonicalJson(JSON.parse(stdout)));
  });

  it('refuses a run id taken by another deployment (exit 2), naming the flag', () => {
    const run = deploy(
      {
        start: 'ExecutionAlreadyExists',
        executions: { other: [{ status: 'RUNNING', input: '{"cluster":"another"}' }] },
      },
      ['--start', '--run-id', 'other'],
    );
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(
      'execution other (RUNNING) already exists with a different deployment input: its name belongs to that deployment. Pass another --run-id',
    );
  });
});

describe('deploy.sh: the flags of --start', () => {
  it.each([
    [['--wait'], '--wait follows the execution that --start starts or joins; add --start'],
    [['--run-id', '7'], '--run-id names the execution that --start starts; add --start'],
    ...['0', '0.0', 'soon', '1.2.3', '10000'].map((seconds): [string[], string] => [
      ['--start', '--wait', '--poll-seconds', seconds],
      `--poll-seconds '${seconds}' is not a number of seconds from 0.001 to 9999 (e.g. 10 or 0.5)`,
    ]),
    [
      ['--start', '--poll-seconds', '5'],
      '--poll-seconds sets how often --wait looks at the execution; add --wait',
    ],
    [['--start', '--run-id'], '--run-id needs a value'],
  ])('%j is a usage error', (args, message) => {
    const run = deploy({}, args);
    expect(run.status).toBe(2);
    expect(run.stderr).toContain(`deploy.sh: error: ${message}`);
    expect(run.calls).toEqual([]);
  });
});
