import { StopExecutionCommand } from '@aws-sdk/client-sfn';
import { DeploymentEmitter, type DeploymentEvent, type DeploymentStatus } from '@ecs-taper/core';
import { beforeEach, describe, expect, it } from 'vitest';
import { WaitAbortedError } from '../src/client/sfn';
import { waitForDeployment } from '../src/client/wait-for-deployment';
import { deploymentIdForExecution } from '../src/handlers/run-phase';
import {
  end,
  executionArn,
  go,
  HistoryBuilder,
  phaseOut,
  scriptedStepFunctions,
  T0,
  virtualClock,
} from './support/scripted-executions';

const stepFunctions = scriptedStepFunctions();
const { client } = stepFunctions;
beforeEach(() => stepFunctions.reset());

const input = {
  cluster: 'prod',
  service: 'api',
  taskDefinition: 'api:42',
  loadBalancerArn: 'arn:aws:elasticloadbalancing:eu-west-1:123456789012:loadbalancer/net/api/0123',
};
const ARN = executionArn('run-42');
/** What the handler names a deployment started without an id: derived from the execution. */
const DEP = deploymentIdForExecution(ARN);

const counts = (oldRunning: number, newRunning: number, healthy?: number): DeploymentStatus => ({
  oldTasks: { running: oldRunning, pending: 0, desired: oldRunning },
  newTasks: { running: newRunning, pending: 0, desired: 4 },
  healthyNewTargets: healthy,
});
const step = (n: number, remainingTasks: number) => ({
  step: n,
  steps: 2,
  scalePercent: remainingTasks * 25,
  remainingTasks,
  removedTasks: 2,
});

/** Discover to the first scale-down step, as the state machine writes it. */
function untilScaleDown(history: HistoryBuilder, successor?: string): HistoryBuilder {
  return history
    .started(input)
    .choice('Start')
    .task('Discover', phaseOut(DEP, 'discover', go('create', 'no deployment in progress')))
    .choice('After Discover')
    .task(
      'Check and create',
      phaseOut(DEP, 'create', go('waitReady', 'task set created', 10), { status: counts(4, 0) }),
    )
    .choice('After Check and create')
    .wait('Wait, then Wait until ready', 10)
    .task(
      'Wait until ready',
      phaseOut(DEP, 'waitReady', go('waitReady', '2 of 4 targets healthy', 10), { status: counts(4, 4, 2) }),
    )
    .choice('After Wait until ready')
    .wait('Wait, then Wait until ready', 10)
    .task('Wait until ready', phaseOut(DEP, 'waitReady', go('swap', 'ready'), { status: counts(4, 4, 4) }))
    .choice('After Wait until ready')
    .task('Swap listener', phaseOut(DEP, 'swap', go('settle', 'production swapped', 30)))
    .choice('After Swap listener')
    .wait('Wait, then Settle', 30)
    .task('Settle', phaseOut(DEP, 'settle', go('scaleDown', 'settled')))
    .choice('After Settle')
    .task(
      'Scale-down step',
      phaseOut(DEP, 'scaleDown', go('scaleDown', 'step 1 of 2 applied', 60), {
        status: counts(2, 4),
        appliedStep: step(1, 2),
        successor,
      }),
      800,
      1, // one Lambda.ServiceException retried: no event of ours
    )
    .choice('After Scale-down step');
}

/** From the second step to the end. */
function fromSecondStep(history: HistoryBuilder): HistoryBuilder {
  return history
    .wait('Wait, then Scale-down step', 60)
    .task(
      'Scale-down step',
      phaseOut(DEP, 'scaleDown', go('waitDrained', 'step 2 of 2 applied', 30), {
        status: counts(0, 4),
        appliedStep: step(2, 0),
      }),
    )
    .choice('After Scale-down step')
    .wait('Wait, then Drained?', 30)
    .task('Drained?', phaseOut(DEP, 'waitDrained', go('cleanup', 'old set drained')))
    .choice('After Drained?')
    .task('Cleanup', phaseOut(DEP, 'cleanup', end('succeeded', 'deployed api:42; old task set deleted')))
    .choice('After Cleanup')
    .succeed();
}

function collect() {
  const emitter = new DeploymentEmitter();
  const events: DeploymentEvent[] = [];
  emitter.on('event', (event) => events.push(event));
  return { emitter, events };
}

const shape = (events: DeploymentEvent[]) =>
  events.map((e) =>
    'phase' in e ? `${e.type}:${e.phase}` : e.type === 'scale-step' ? `scale-step:${e.step}` : e.type,
  );

describe('waitForDeployment: progress of an execution, as a local deploy reports it', () => {
  it('streams a realistic history over three polls into the events of a local deploy', async () => {
    const history = fromSecondStep(untilScaleDown(new HistoryBuilder()));
    const all = history.events.length;
    stepFunctions.add({
      name: 'run-42',
      input,
      history: history.events,
      polls: [
        { status: 'RUNNING', events: 20 },
        { status: 'RUNNING', events: 60 },
        { status: 'SUCCEEDED', events: all, output: history.output },
      ],
    });
    const { emitter, events } = collect();
    const clock = virtualClock();
    const result = await waitForDeployment({
      client,
      executionArn: ARN,
      events: emitter,
      clock,
      pollSeconds: 5,
    });

    expect(result).toEqual({
      outcome: 'succeeded',
      reason: 'deployed api:42; old task set deleted',
      deploymentId: DEP,
      executions: [ARN],
    });
    expect(shape(events)).toEqual([
      'deployment-started',
      'phase-started:discover',
      'phase-finished:discover',
      'phase-started:create',
      'status',
      'phase-finished:create',
      'waiting:waitReady',
      'phase-started:waitReady',
      'status',
      'phase-finished:waitReady',
      'waiting:waitReady',
      'phase-started:waitReady',
      'status',
      'phase-finished:waitReady',
      'phase-started:swap',
      'phase-finished:swap',
      'waiting:settle',
      'phase-started:settle',
      'phase-finished:settle',
      'phase-started:scaleDown',
      'status',
      'scale-step:1',
      'phase-finished:scaleDown',
      'waiting:scaleDown',
      'phase-started:scaleDown',
      'status',
      'scale-step:2',
      'phase-finished:scaleDown',
      'waiting:waitDrained',
      'phase-started:waitDrained',
      'phase-finished:waitDrained',
      'phase-started:cleanup',
      'phase-finished:cleanup',
      'deployment-finished',
    ]);
    expect(events[0]).toEqual({ type: 'deployment-started', deploymentId: DEP, at: T0, resumed: false });
    expect(events.every((e) => e.deploymentId === DEP)).toBe(true);
    // Times are the history's: a wait ends its seconds after the Task that asked for it.
    const exitedSwap = events.find((e) => e.type === 'phase-finished' && e.phase === 'swap');
    const settleWait = events.find((e) => e.type === 'waiting' && e.phase === 'settle');
    expect(settleWait).toMatchObject({ at: exitedSwap?.at, until: (exitedSwap?.at ?? 0) + 30_000 });
    expect(events.find((e) => e.type === 'scale-step')).toMatchObject(step(1, 2));
    expect(events.at(-1)).toMatchObject({
      outcome: 'succeeded',
      reason: 'deployed api:42; old task set deleted',
    });
    // Two sleeps between three polls.
    expect(clock.slept).toEqual([5000, 5000]);
  });

  it('follows a hand-over to the successor execution and reports the whole deployment once', async () => {
    const first = untilScaleDown(new HistoryBuilder(), 'run-42-h1')
      .handOver()
      .pass('Handed over', { deploymentId: DEP, handedOverTo: 'run-42-h1' })
      .succeeded();
    const carried = phaseOut(DEP, 'scaleDown', go('scaleDown', 'step 1 of 2 applied', 60), {
      appliedStep: step(1, 2),
    });
    const successorInput = { ...carried, AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID: ARN };
    const second = fromSecondStep(
      new HistoryBuilder(first.time + 1000).started(successorInput).choice('Start').choice('Resume'),
    );
    stepFunctions.add({
      name: 'run-42',
      input,
      history: first.events,
      polls: [{ status: 'SUCCEEDED', output: first.output }],
    });
    // Started before its predecessor ended, but not yet visible to the first DescribeExecution.
    stepFunctions.add({
      name: 'run-42-h1',
      input: successorInput,
      history: second.events,
      polls: [{ status: 'SUCCEEDED', output: second.output }],
      invisibleFor: 1,
    });
    const { emitter, events } = collect();
    const followed: [string, number][] = [];
    const result = await waitForDeployment({
      client,
      executionArn: ARN,
      events: emitter,
      clock: virtualClock(),
      onExecution: (arn, index) => followed.push([arn, index]),
    });

    expect(result).toMatchObject({
      outcome: 'succeeded',
      deploymentId: DEP,
      executions: [ARN, executionArn('run-42-h1')],
    });
    expect(followed).toEqual([
      [ARN, 0],
      [executionArn('run-42-h1'), 1],
    ]);
    expect(events.filter((e) => e.type === 'deployment-started')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'deployment-finished')).toHaveLength(1);
    expect(events.flatMap((e) => (e.type === 'scale-step' ? [e.step] : []))).toEqual([1, 2]);
    // The hand-over Task carries the last phase's output; it is not a phase of its own.
    expect(events.filter((e) => e.type === 'phase-started' && e.phase === 'scaleDown')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'phase-finished' && e.phase === 'scaleDown')).toHaveLength(2);
  });
});

describe('waitForDeployment: the outcome from how the execution ended', () => {
  it('SUCCEEDED: succeeded, with the last phase detail', async () => {
    const history = fromSecondStep(untilScaleDown(new HistoryBuilder()));
    stepFunctions.add({
      name: 'run-42',
      input,
      history: history.events,
      polls: [{ status: 'SUCCEEDED', output: history.output }],
    });
    const result = await waitForDeployment({ client, executionArn: ARN, clock: virtualClock() });
    expect(result).toMatchObject({ outcome: 'succeeded', reason: 'deployed api:42; old task set deleted' });
  });

  it.each([
    ['with', true],
    ['without', false],
  ])(
    'DeploymentRolledBack after a caught failure (%s its TaskStateExited): rolled-back with the rollback cause, announced once',
    async (_, exits) => {
      const cause = 'DeadlineExceededError: new task set not ready within 600 s';
      const rolledBack = { rollbackReason: cause };
      const history = new HistoryBuilder()
        .started(input)
        .choice('Start')
        .task('Discover', phaseOut(DEP, 'discover', go('create', 'no deployment in progress')))
        .choice('After Discover')
        .task('Check and create', phaseOut(DEP, 'create', go('waitReady', 'created', 10)))
        .choice('After Check and create')
        .wait('Wait, then Wait until ready', 10)
        .caught(
          'Wait until ready',
          'DeadlineExceededError',
          'new task set not ready within 600 s',
          800,
          exits,
        )
        .task(
          'Rollback after failure',
          phaseOut(DEP, 'rollback', go('rollback', 'production back on the old set', 5), {
            state: rolledBack,
          }),
        )
        .choice('After Rollback')
        .wait('Wait, then Rollback', 5)
        .task(
          'Rollback',
          phaseOut(DEP, 'rollback', end('rolled-back', 'new task set deleted'), { state: rolledBack }),
        )
        .choice('After Rollback')
        .fail('Rolled back', 'DeploymentRolledBack', 'new task set deleted');
      stepFunctions.add({
        name: 'run-42',
        input,
        history: history.events,
        polls: [{ status: 'FAILED', error: 'DeploymentRolledBack', cause: 'new task set deleted' }],
      });
      const { emitter, events } = collect();
      const result = await waitForDeployment({
        client,
        executionArn: ARN,
        events: emitter,
        clock: virtualClock(),
      });

      expect(result).toMatchObject({ outcome: 'rolled-back', reason: cause });
      const failedAt = events.findIndex((e) => e.type === 'phase-finished' && e.phase === 'waitReady');
      expect(events[failedAt]).toMatchObject({ detail: `waitReady failed: ${cause}` });
      expect(events[failedAt + 1]).toMatchObject({ type: 'rollback-started', reason: cause });
      expect(events.filter((e) => e.type === 'rollback-started')).toHaveLength(1);
      expect(shape(events).slice(failedAt + 2)).toEqual([
        'phase-started:rollback',
        'phase-finished:rollback',
        'waiting:rollback',
        'phase-started:rollback',
        'phase-finished:rollback',
        'deployment-finished',
      ]);
      expect(events.at(-1)).toMatchObject({ outcome: 'rolled-back', reason: cause });
    },
  );

  it('DeploymentRefused: refused, with the refusing error and its message (nothing changed, no rollback)', async () => {
    const message = 'deployment taper-abc is in progress on service api; wait for it or roll it back';
    const history = new HistoryBuilder()
      .started(input)
      .choice('Start')
      .caught('Discover', 'DeploymentLockedError', message);
    const cause = JSON.stringify({ errorType: 'DeploymentLockedError', errorMessage: message, trace: [] });
    history.fail('Refused', 'DeploymentRefused', cause);
    stepFunctions.add({
      name: 'run-42',
      input,
      history: history.events,
      polls: [{ status: 'FAILED', error: 'DeploymentRefused', cause }],
    });
    const { emitter, events } = collect();
    const result = await waitForDeployment({
      client,
      executionArn: ARN,
      events: emitter,
      clock: virtualClock(),
    });
    expect(result).toMatchObject({ outcome: 'refused', reason: message, errorName: 'DeploymentLockedError' });
    expect(events.some((e) => e.type === 'rollback-started')).toBe(false);
    expect(events.at(-1)).toMatchObject({
      type: 'deployment-finished',
      outcome: 'failed',
      reason: `refused: ${message}`,
    });
  });

  it('DeploymentFailed from a phase outside rollback: failed, with the phase and its error', async () => {
    const history = new HistoryBuilder()
      .started(input)
      .choice('Start')
      .task('Cleanup', phaseOut(DEP, 'cleanup', end('succeeded', 'x')))
      .caught('Cleanup', 'AccessDeniedException', 'not authorized to perform ecs:DeleteTaskSet');
    const cause = JSON.stringify({ errorType: 'AccessDeniedException', errorMessage: 'not authorized' });
    history.fail('Phase failed', 'DeploymentFailed', cause);
    stepFunctions.add({
      name: 'run-42',
      input,
      history: history.events,
      polls: [{ status: 'FAILED', error: 'DeploymentFailed', cause }],
    });
    const result = await waitForDeployment({ client, executionArn: ARN, clock: virtualClock() });
    expect(result).toMatchObject({
      outcome: 'failed',
      reason: 'cleanup failed: AccessDeniedException: not authorized to perform ecs:DeleteTaskSet',
    });
  });

  it('TIMED_OUT and ABORTED: failed, saying how to continue the half-done deployment', async () => {
    const history = untilScaleDown(new HistoryBuilder()).timedOut();
    stepFunctions.add({ name: 'run-42', input, history: history.events, polls: [{ status: 'TIMED_OUT' }] });
    const timedOut = await waitForDeployment({ client, executionArn: ARN, clock: virtualClock() });
    expect(timedOut.outcome).toBe('failed');
    expect(timedOut.reason).toMatch(/^execution run-42 timed out \(the state machine's TimeoutSeconds\)/);
    expect(timedOut.reason).toContain(`deploymentId ${DEP} in its input`);

    stepFunctions.reset();
    stepFunctions.add({ name: 'run-42', input, history: history.events, polls: [{ status: 'ABORTED' }] });
    const aborted = await waitForDeployment({ client, executionArn: ARN, clock: virtualClock() });
    expect(aborted).toMatchObject({ outcome: 'failed' });
    expect(aborted.reason).toMatch(/^execution run-42 was stopped \(StopExecution or the console\)/);
  });
});

describe('waitForDeployment: reading the history', () => {
  /** Many readiness polls: a long history. */
  function longHistory(polls: number): HistoryBuilder {
    const history = new HistoryBuilder()
      .started(input)
      .choice('Start')
      .task('Discover', phaseOut(DEP, 'discover', go('create', 'no deployment in progress')))
      .choice('After Discover')
      .task('Check and create', phaseOut(DEP, 'create', go('waitReady', 'created', 10)))
      .choice('After Check and create');
    for (let i = 0; i < polls; i++) {
      history
        .wait('Wait, then Wait until ready', 10)
        .task('Wait until ready', phaseOut(DEP, 'waitReady', go('waitReady', `${i} healthy`, 10)))
        .choice('After Wait until ready');
    }
    return history;
  }

  it('reads only unseen events, newest first: a backlog in pages of 1,000, then one small page per poll', async () => {
    const history = longHistory(140);
    const backlog = history.events.length;
    expect(backlog).toBeGreaterThan(1000);
    fromSecondStep(history); // more events after the backlog, then the end
    stepFunctions.add({
      name: 'run-42',
      input,
      history: history.events,
      polls: [
        { status: 'RUNNING', events: backlog },
        { status: 'RUNNING', events: backlog + 12 },
        { status: 'SUCCEEDED', output: history.output },
      ],
    });
    const { emitter, events } = collect();
    await waitForDeployment({ client, executionArn: ARN, events: emitter, clock: virtualClock() });

    const calls = stepFunctions.historyCalls();
    const page = (maxResults: number, nextToken?: string) => ({
      executionArn: ARN,
      reverseOrder: true,
      maxResults,
      includeExecutionData: true,
      ...(nextToken && { nextToken }),
    });
    expect(calls).toEqual([
      // Poll 1: a small page full of unseen events, so the backlog is read anew in large pages.
      page(100),
      page(1000),
      page(1000, '1000'),
      // Polls 2 and 3: the newest page reaches events already read.
      page(100),
      page(100),
    ]);
    // Every Task once, none lost or repeated across pages and polls.
    const readiness = events.filter((e) => e.type === 'phase-started' && e.phase === 'waitReady');
    expect(readiness).toHaveLength(140);
    expect(events.filter((e) => e.type === 'scale-step')).toHaveLength(1);
    const times = events.map((e) => e.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('Ctrl-C stops the waiting only: WaitAbortedError naming the execution, and no StopExecution', async () => {
    const history = longHistory(3);
    stepFunctions.add({ name: 'run-42', input, history: history.events, polls: [{ status: 'RUNNING' }] });
    const controller = new AbortController();
    const clock = virtualClock();
    const sleep = clock.sleep;
    clock.sleep = async (ms, signal) => {
      if (clock.slept.length === 2) controller.abort(new Error('Ctrl-C'));
      return sleep(ms, signal);
    };
    const waiting = waitForDeployment({ client, executionArn: ARN, clock, signal: controller.signal });
    await expect(waiting).rejects.toBeInstanceOf(WaitAbortedError);
    await expect(waiting).rejects.toMatchObject({ executionArn: ARN, executions: [ARN] });
    expect(stepFunctions.sfn.commandCalls(StopExecutionCommand)).toHaveLength(0);
  });
});
