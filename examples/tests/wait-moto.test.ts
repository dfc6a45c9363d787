/**
 * `deploy.sh --start --wait` against moto's Step Functions interpreter: real StartExecution, DescribeExecution and
 * GetExecutionHistory answers from executions that really run (moto's `execute_state_machine` mode), so the
 * script's reading of statuses, outputs, errors and ExecutionAlreadyExists is checked against the API's shapes,
 * not against a script of them (tests/deploy-wait.test.ts covers the rarer turns with a fake `aws`).
 *
 * What moto cannot do here, by name:
 * - run ecs-taper's state machine (it would need the Lambda function): a small stand-in state machine ends like
 *   ecs-taper's executions do, with {"deploymentId", "handedOverTo"} or a Fail state named like ecs-taper's errors;
 * - the hand-over Task itself: moto's interpreter sends the ASL's `StateMachineArn` parameter to boto3 unconverted
 *   (KeyError 'StateMachineArn'), so the test starts each successor execution itself, once deploy.sh has started
 *   the first one (which ends a second later: deploy.sh may find the successor not there yet, and looks again);
 * - GetExecutionHistory's reverseOrder: moto lists oldest first (deploy.sh picks the newest state by event id);
 * - CloudFormation with that mode's Step Functions backend (moto keeps two): the two stacks deploy.sh reads are
 *   stand-ins whose outputs name the stand-in state machine.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeAccountId, type MotoServer, motoCliEnv, startMoto } from './support/moto';
import { pythonToolsBin, pythonToolsTimeout, repoRoot } from './support/python-tools';

const region = 'us-east-1';
const prefix = 'waiting';

/**
 * Stands in for ecs-taper's state machine. Without `hop` in its input (the execution deploy.sh starts) it hands
 * over after a second, as ecs-taper's does before its history fills up; with `hop` (the successor the test starts)
 * it waits `waitSeconds`, then ends the deployment: rolled back when `fail`, else succeeded.
 */
const standIn = {
  StartAt: 'Route',
  States: {
    Route: {
      Type: 'Choice',
      Choices: [{ Variable: '$.hop', IsPresent: false, Next: 'Deploy a while' }],
      Default: 'Deploy the rest',
    },
    'Deploy a while': { Type: 'Wait', Seconds: 1, Next: 'Handed over' },
    'Handed over': {
      Type: 'Pass',
      Parameters: { deploymentId: 'd-1234', 'handedOverTo.$': "States.Format('{}-h1', $$.Execution.Name)" },
      End: true,
    },
    'Deploy the rest': { Type: 'Wait', SecondsPath: '$.waitSeconds', Next: 'Outcome' },
    Outcome: {
      Type: 'Choice',
      Choices: [{ Variable: '$.fail', BooleanEquals: true, Next: 'Rolled back' }],
      Default: 'Done',
    },
    'Rolled back': {
      Type: 'Fail',
      Error: 'DeploymentRolledBack',
      Cause: 'the new task set never became healthy; production is back on the old one',
    },
    Done: { Type: 'Pass', Parameters: { deploymentId: 'd-1234' }, End: true },
  },
};

let bin = '';
let work = '';
let moto: MotoServer | undefined;
let env: NodeJS.ProcessEnv = {};
let stateMachine = '';

function run(command: string, args: string[]): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, { encoding: 'utf8', env, timeout: 120_000 });
  if (result.error) throw result.error;
  return result;
}

function aws<T = Record<string, unknown>>(...args: string[]): T {
  const result = run(`${bin}/aws`, [...args, '--region', region, '--output', 'json']);
  if (result.status !== 0) throw new Error(`aws ${args.join(' ')} failed:\n${result.stderr}`);
  return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as T;
}

/** A stack with literal outputs (and one cheap resource, since a stack needs one). */
function standInStack(name: string, outputs: Record<string, string>): void {
  const template = {
    Resources: {
      Marker: {
        Type: 'AWS::SSM::Parameter',
        Properties: { Name: `stand-in-${name}`, Type: 'String', Value: name },
      },
    },
    Outputs: Object.fromEntries(Object.entries(outputs).map(([key, value]) => [key, { Value: value }])),
  };
  const file = join(work, `${name}.json`);
  writeFileSync(file, JSON.stringify(template));
  aws('cloudformation', 'create-stack', '--stack-name', name, '--template-body', `file://${file}`);
  aws('cloudformation', 'wait', 'stack-create-complete', '--stack-name', name);
}

const executionArn = (name: string) => `${stateMachine.replace(':stateMachine:', ':execution:')}:${name}`;

/** Starts the successor execution the first one will hand over to (`<run>-h1`). */
function startSuccessor(run: string, successor: { waitSeconds: number; fail: boolean }): void {
  aws(
    'stepfunctions',
    'start-execution',
    '--state-machine-arn',
    stateMachine,
    '--name',
    `${run}-h1`,
    '--input',
    JSON.stringify({ hop: 1, ...successor }),
  );
}

const deployArgs = (runId: string, ...extra: string[]) => [
  join(repoRoot, 'examples/deploy.sh'),
  '--prefix',
  prefix,
  '--region',
  region,
  '--input-only',
  '--start',
  '--wait',
  '--poll-seconds',
  '1',
  '--run-id',
  runId,
  ...extra,
];
const deploy = (runId: string, ...extra: string[]) => run('bash', deployArgs(runId, ...extra));

/** deploy.sh running in the background; `onStarted` runs once it has started the first execution. */
function deployStartingSuccessor(
  runId: string,
  successor: { waitSeconds: number; fail: boolean },
): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', deployArgs(runId), { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let started = false;
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!started && stderr.includes('started execution:')) {
        started = true;
        startSuccessor(runId, successor);
      }
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stderr }));
  });
}

const executionsOf = (run: string) =>
  aws<{ executions: { name: string; status: string }[] }>(
    'stepfunctions',
    'list-executions',
    '--state-machine-arn',
    stateMachine,
  )
    .executions.filter((e) => e.name.startsWith(run))
    .map((e) => `${e.name} ${e.status}`)
    .sort();

describe('deploy.sh --wait against Step Functions executions that run (moto)', () => {
  beforeAll(async () => {
    bin = pythonToolsBin();
    work = mkdtempSync(join(tmpdir(), 'ecs-taper-wait-'));
    moto = await startMoto(bin, join(work, 'moto.log'));
    // The mode in which moto interprets the ASL instead of reporting a canned history.
    const config = await fetch(`${moto.endpoint}/moto-api/config`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ stepfunctions: { execute_state_machine: true } }),
    });
    expect(config.ok).toBe(true);
    env = motoCliEnv(bin, moto, region, work);
    for (const key of ['GITHUB_RUN_ID', 'CI_PIPELINE_ID', 'BUILD_ID']) delete env[key];
    const definition = join(work, 'stand-in.asl.json');
    writeFileSync(definition, JSON.stringify(standIn));
    stateMachine = aws<{ stateMachineArn: string }>(
      'stepfunctions',
      'create-state-machine',
      '--name',
      'ecs-taper-stand-in',
      '--role-arn',
      `arn:aws:iam::${fakeAccountId}:role/stand-in`,
      '--definition',
      `file://${definition}`,
    ).stateMachineArn;
    const arn = (service: string, resource: string) =>
      `arn:aws:${service}:${region}:${fakeAccountId}:${resource}`;
    standInStack(`${prefix}-infra`, {
      ClusterName: 'demo',
      ServiceName: 'web',
      ProductionListenerArn: arn('elasticloadbalancing', 'listener/net/web/0123/4567'),
      TestListenerArn: arn('elasticloadbalancing', 'listener/net/web/0123/89ab'),
      TargetGroupAArn: arn('elasticloadbalancing', 'targetgroup/web-a/0123'),
      TargetGroupBArn: arn('elasticloadbalancing', 'targetgroup/web-b/4567'),
      TaskExecutionRoleArn: `arn:aws:iam::${fakeAccountId}:role/web-execution`,
      TaskRoleArn: `arn:aws:iam::${fakeAccountId}:role/web-task`,
      LoadBalancerArn: arn('elasticloadbalancing', 'loadbalancer/net/web/0123'),
      PrivateSubnets: 'subnet-0aaa,subnet-0bbb',
      TaskSecurityGroupId: 'sg-0ccc',
      ContainerName: 'web',
      ContainerPort: '80',
      TaskDefinitionArn: arn('ecs', 'task-definition/web:1'),
      TestListenerPort: '8080',
    });
    standInStack(`${prefix}-controller`, { StateMachineArn: stateMachine });
  }, pythonToolsTimeout);

  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  // The two runs are independent executions (run-7, run-8) of the same stand-in: their first deployments run at the
  // same time (mostly waiting for moto's Wait states); each retry below runs once its own run has ended.
  it.concurrent('follows the hand-over to the next execution, and exits 1 with the error it failed with', async ({
    expect,
  }) => {
    const result = await deployStartingSuccessor('run-7', { waitSeconds: 8, fail: true });
    expect(result.status, result.stderr).toBe(1);
    const lines = result.stderr.split('\n');
    expect(lines).toContain(`deploy.sh: started execution: ${executionArn('run-7')}`);
    expect(lines).toContain('deploy.sh: execution run-7 handed deployment d-1234 over to execution run-7-h1');
    expect(lines).toContain("deploy.sh: execution run-7-h1: in state 'Deploy the rest'");
    // Status changes, in order (the first execution may have ended before the first look: it runs for a second).
    expect(lines.filter((line) => /: execution run-7(-h1)?: [A-Z_]+$/.test(line)).slice(-3)).toEqual([
      'deploy.sh: execution run-7: SUCCEEDED',
      'deploy.sh: execution run-7-h1: RUNNING',
      'deploy.sh: execution run-7-h1: FAILED',
    ]);
    expect(lines).toContain(
      'deploy.sh: deployment failed: execution run-7-h1 ended FAILED: DeploymentRolledBack: the new task set never became healthy; production is back on the old one',
    );
    expect(executionsOf('run-7')).toEqual(['run-7 SUCCEEDED', 'run-7-h1 FAILED']);
  }, 60_000);

  it.concurrent('exits 0 when the deployment succeeds in the execution it was handed over to', async ({
    expect,
  }) => {
    const result = await deployStartingSuccessor('run-8', { waitSeconds: 1, fail: false });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('deploy.sh: deployment d-1234 succeeded (execution run-8-h1)');
    expect(executionsOf('run-8')).toEqual(['run-8 SUCCEEDED', 'run-8-h1 SUCCEEDED']);
  }, 60_000);

  it('joins the finished execution of a retried run instead of starting another, with the same result', () => {
    const result = deploy('run-7');
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain(
      'execution run-7 exists already with this input (SUCCEEDED): joining it instead of starting another',
    );
    expect(result.stderr).toContain('execution run-7-h1 ended FAILED: DeploymentRolledBack');
    expect(executionsOf('run-7')).toEqual(['run-7 SUCCEEDED', 'run-7-h1 FAILED']);
  }, 60_000);

  it("refuses a run id whose execution runs another deployment's input (exit 2), starting nothing", () => {
    const result = deploy(
      'run-8',
      '--task-definition',
      `arn:aws:ecs:${region}:${fakeAccountId}:task-definition/web:2`,
    );
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain(
      'execution run-8 (SUCCEEDED) already exists with a different deployment input: its name belongs to that deployment. Pass another --run-id',
    );
    expect(executionsOf('run-8')).toEqual(['run-8 SUCCEEDED', 'run-8-h1 SUCCEEDED']);
  }, 60_000);
});
