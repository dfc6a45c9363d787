/**
 * `ecs-taper deploy --state-machine` in process (cli.ts's `main`), with the SFN client mocked by
 * aws-sdk-client-mock and executions scripted as Step Functions writes them (runner-lambda's test
 * support). The built binary against moto's Step Functions is test/real-api/step-functions.test.ts.
 */
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { deploymentIdForExecution } from '@ecs-taper/runner-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  end,
  executionArn,
  go,
  HistoryBuilder,
  phaseOut,
  STATE_MACHINE,
  scriptedStepFunctions,
} from '../../runner-lambda/tests/support/scripted-executions';
import { main } from '../src/cli';
import type { Terminal } from '../src/render/terminal';

const stepFunctions = scriptedStepFunctions();
beforeEach(() => stepFunctions.reset());

const ARN = executionArn('run-42');
const DEP = deploymentIdForExecution(ARN);
const flags = [
  '--cluster',
  'prod',
  '--service',
  'api',
  '--task-definition',
  'api:42',
  '--load-balancer',
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/api/0123',
];
/** The input those flags make (the CLI's field names): what the execution was started with. */
const input = {
  cluster: 'prod',
  service: 'api',
  taskDefinition: 'api:42',
  loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/api/0123',
};

function terminal() {
  let text = '';
  const term: Terminal & { text: () => string } = {
    isTTY: false,
    color: false,
    columns: 100,
    write: (chunk) => {
      text += chunk;
    },
    text: () => text,
  };
  return term;
}

async function deploy(extra: string[] = [], args = flags) {
  const stdout = terminal();
  const stderr = terminal();
  const code = await main(['deploy', ...args, '--state-machine', STATE_MACHINE, ...extra], {
    stdout,
    stderr,
  });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

/** Discover, create, swap and cleanup, then the given ending. */
function deployment(ending: (h: HistoryBuilder) => HistoryBuilder): HistoryBuilder {
  return ending(
    new HistoryBuilder()
      .started(input)
      .choice('Start')
      .task('Discover', phaseOut(DEP, 'discover', go('create', 'no deployment in progress')))
      .choice('After Discover')
      .task('Check and create', phaseOut(DEP, 'create', go('waitReady', 'task set created', 10)))
      .choice('After Check and create')
      .wait('Wait, then Wait until ready', 10),
  );
}

const succeeded = deployment((h) =>
  h
    .task('Wait until ready', phaseOut(DEP, 'waitReady', go('cleanup', 'ready')))
    .choice('After Wait until ready')
    .task('Cleanup', phaseOut(DEP, 'cleanup', end('succeeded', 'deployed api:42; old task set deleted')))
    .succeed(),
);

/** An execution that exists with `history` and has ended as `poll` says (StartExecution unused). */
function existing(history: HistoryBuilder, poll: Parameters<typeof stepFunctions.add>[0]['polls'][0]) {
  stepFunctions.add({ name: 'run-42', input, history: history.events, polls: [poll] });
}

describe('deploy --state-machine: the durable runner, shown and exited like a local deploy', () => {
  it('joins the run id’s execution, streams its phases, exits 0 on success with the execution and console link', async () => {
    existing(succeeded, { status: 'SUCCEEDED', output: succeeded.output });
    const result = await deploy(['--run-id', 'run-42']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`joined execution ${ARN} (SUCCEEDED, started 2026-03-02T10:00:00.000Z)`);
    expect(result.stdout).toContain(
      `console: https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/v2/executions/details/${ARN}`,
    );
    expect(result.stdout).toContain('Ctrl-C stops waiting only: the deployment goes on in Step Functions');
    // The local deploy's log lines, from the execution's history.
    expect(result.stdout).toContain(`deployment ${DEP} started`);
    expect(result.stdout).toMatch(/create {7}task set created/);
    expect(result.stdout).toContain(`deployment ${DEP} succeeded: deployed api:42; old task set deleted`);
    expect(result.stdout).toContain('succeeded: deployed api:42; old task set deleted\n');
    expect(result.stdout).toContain(`execution: ${ARN}\n`);
    expect(stepFunctions.startCalls()).toBe(0);
  });

  it('--json: stdout holds only the events, from deployment-started to deployment-finished', async () => {
    existing(succeeded, { status: 'SUCCEEDED', output: succeeded.output });
    const result = await deploy(['--run-id', 'run-42', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ type: 'deployment-started', deploymentId: DEP });
    expect(events.at(-1)).toMatchObject({ type: 'deployment-finished', outcome: 'succeeded' });
    expect(events.map((e) => e.type)).toContain('waiting');
    expect(result.stderr).toContain(`joined execution ${ARN}`);
    expect(result.stderr).toContain(`execution: ${ARN}`);
  });

  it('a fresh run id starts the execution with the validated input', async () => {
    stepFunctions.sfn.on(StartExecutionCommand).callsFake(() => {
      stepFunctions.add({
        name: 'run-7',
        input,
        history: succeeded.events,
        polls: [{ status: 'SUCCEEDED', output: succeeded.output }],
      });
      return { executionArn: executionArn('run-7'), startDate: new Date() };
    });
    const result = await deploy(['--run-id', 'run-7']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`started execution ${executionArn('run-7')}`);
    const start = stepFunctions.sfn.commandCalls(StartExecutionCommand)[0]?.args[0].input;
    expect(start).toMatchObject({ stateMachineArn: STATE_MACHINE, name: 'run-7' });
    expect(JSON.parse(start?.input ?? '')).toEqual(input);
  });

  it('rolled back: exit 1 with the rollback cause', async () => {
    const cause = 'DeadlineExceededError: new task set not ready within 600 s';
    const history = deployment((h) =>
      h
        .caught('Wait until ready', 'DeadlineExceededError', 'new task set not ready within 600 s')
        .task(
          'Rollback after failure',
          phaseOut(DEP, 'rollback', end('rolled-back', 'new task set deleted'), {
            state: { rollbackReason: cause },
          }),
        )
        .fail('Rolled back', 'DeploymentRolledBack', 'new task set deleted'),
    );
    existing(history, { status: 'FAILED', error: 'DeploymentRolledBack', cause: 'new task set deleted' });
    const result = await deploy(['--run-id', 'run-42']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`rolling back: ${cause}`);
    expect(result.stdout).toContain(`rolled-back: ${cause}\n`);
  });

  it('refused for a held lock: exit 1; refused for its input: exit 2, like a local deploy', async () => {
    const refusal = (errorType: string, errorMessage: string) => {
      const cause = JSON.stringify({ errorType, errorMessage });
      const history = new HistoryBuilder()
        .started(input)
        .choice('Start')
        .caught('Discover', errorType, errorMessage);
      stepFunctions.reset();
      existing(history.fail('Refused', 'DeploymentRefused', cause), {
        status: 'FAILED',
        error: 'DeploymentRefused',
        cause,
      });
    };
    refusal('DeploymentLockedError', 'deployment taper-abc holds service api');
    const locked = await deploy(['--run-id', 'run-42']);
    expect(locked.code).toBe(1);
    expect(locked.stdout).toContain('refused: deployment taper-abc holds service api\n');

    refusal('InputValidationError', 'containerPort: must be an integer in [1, 65535]');
    const invalid = await deploy(['--run-id', 'run-42']);
    expect(invalid.code).toBe(2);
    expect(invalid.stdout).toContain('refused: containerPort: must be an integer in [1, 65535]');
  });

  it('an execution that timed out: exit 1, saying so', async () => {
    existing(
      deployment((h) => h.timedOut()),
      { status: 'TIMED_OUT' },
    );
    const result = await deploy(['--run-id', 'run-42']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/failed: execution run-42 timed out/);
  });

  it('a hand-over: both executions named, one outcome', async () => {
    const first = new HistoryBuilder()
      .started(input)
      .choice('Start')
      .task(
        'Discover',
        phaseOut(DEP, 'discover', go('create', 'no deployment in progress'), { successor: 'run-42-h1' }),
      )
      .choice('After Discover')
      .handOver()
      .pass('Handed over', { deploymentId: DEP, handedOverTo: 'run-42-h1' })
      .succeeded();
    const carried = phaseOut(DEP, 'discover', go('create', 'no deployment in progress'));
    const second = new HistoryBuilder(first.time)
      .started(carried)
      .choice('Start')
      .choice('Resume')
      .task('Check and create', phaseOut(DEP, 'create', go('cleanup', 'created')))
      .task('Cleanup', phaseOut(DEP, 'cleanup', end('succeeded', 'deployed api:42')))
      .succeed();
    existing(first, { status: 'SUCCEEDED', output: first.output });
    stepFunctions.add({
      name: 'run-42-h1',
      input: carried,
      history: second.events,
      polls: [{ status: 'SUCCEEDED', output: second.output }],
    });
    const result = await deploy(['--run-id', 'run-42']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain(`the deployment continues in execution ${executionArn('run-42-h1')}`);
    expect(result.stdout).toContain(`executions: ${ARN} -> ${executionArn('run-42-h1')}\n`);
  });

  it('the run id of another deployment: exit 1 naming the execution and --run-id, nothing started', async () => {
    existing(succeeded, { status: 'RUNNING' });
    const result = await deploy(['--run-id', 'run-42'], [...flags.slice(0, 5), 'api:43', ...flags.slice(6)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /execution run-42 \(RUNNING\) already exists with a different deployment input/,
    );
    expect(result.stderr).toContain('(--run-id)');
    expect(stepFunctions.startCalls()).toBe(0);
  });
});

describe('deploy --state-machine: usage errors exit 2 before any call', () => {
  it.each([
    [
      ['--run-id', 'x'],
      false,
      /--run-id names the Step Functions execution of a deployment; use it with --state-machine/,
    ],
    [['--simulator', 'http://127.0.0.1:1'], true, /--simulator runs the local loop .* pass one of them/],
    [['--take-over'], true, /--take-over is for a local deploy/],
    [
      ['--region', 'us-east-1'],
      true,
      /--region us-east-1 differs from the region of --state-machine \(eu-west-1\)/,
    ],
    [['--run-id', ' '], true, /--run-id must not be empty/],
    [['--decrement', '0'], true, /invalid input: --decrement \(decrementPercent\)/],
  ])('%j', async (extra, withStateMachine, message) => {
    const stdout = terminal();
    const stderr = terminal();
    const stateMachine = withStateMachine ? ['--state-machine', STATE_MACHINE] : [];
    const code = await main(['deploy', ...flags, ...stateMachine, ...extra], { stdout, stderr });
    expect(code).toBe(2);
    expect(stderr.text()).toMatch(message);
    expect(stepFunctions.sfn.calls()).toHaveLength(0);
  });

  it('a --state-machine that is not a state machine ARN', async () => {
    const stderr = terminal();
    const code = await main(['deploy', ...flags, '--state-machine', 'ecs-taper'], {
      stdout: terminal(),
      stderr,
    });
    expect(code).toBe(2);
    expect(stderr.text()).toContain('--state-machine must be a state machine ARN');
  });
});
