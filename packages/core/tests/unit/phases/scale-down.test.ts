import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, type TaskSet, UpdateTaskSetCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../src/errors';
import { decide, planFor, scaleDown } from '../../../src/phases/scale-down';
import { planScaledown } from '../../../src/plan/plan-scaledown';
import type { DeploymentState } from '../../../src/state';
import {
  caught,
  deploymentState,
  ecsError,
  ecsThrottled,
  expectNoMutations,
  mockAws,
  NOW,
  newSet,
  OLD_SET_ARN,
  oldSet,
  resolvedInput,
  service,
  servicesOutput,
} from '../support/fixtures';

const aws = mockAws();

describe('planFor', () => {
  it('plans in task counts from the service desiredCount and the old set now', () => {
    const plan = planFor(resolvedInput({ decrementPercent: 25 }), 4, 4);
    expect(plan.steps.map((s) => s.remainingTasks)).toEqual([3, 2, 1, 0]);
  });

  it('plans only the rest for a resumed deployment', () => {
    const plan = planFor(resolvedInput({ decrementPercent: 25 }), 4, 2);
    expect(plan.steps.map((s) => s.remainingTasks)).toEqual([1, 0]);
  });

  it('passes task mode and the interval through', () => {
    const plan = planFor(resolvedInput({ decrementTasks: 2, intervalSeconds: 30 }), 5, 5);
    expect(plan.steps.map((s) => [s.atSeconds, s.remainingTasks])).toEqual([
      [0, 3],
      [30, 1],
      [60, 0],
    ]);
  });

  it('lets budget mode choose the interval (the input always carries a default intervalSeconds)', () => {
    const input = resolvedInput({
      maxNewConnectionsPerSecond: 100,
      connectionsPerTask: 500,
      reconnectSpreadSeconds: 30,
    });
    const plan = planFor(input, 10, 10);
    expect(plan.steps.at(-1)?.remainingTasks).toBe(0);
    expect(plan.predictedPeakNewConnectionsPerSecond).toBeLessThanOrEqual(100);
  });
});

describe('scale-down decide (pure)', () => {
  const plan = planScaledown({ desiredCount: 4, decrementPercent: 25, intervalSeconds: 60 });
  const old = (computedDesiredCount: number): TaskSet => oldSet({ computedDesiredCount });

  it.each([
    ['step 1 is due at once', 0, old(4), true, 0, { kind: 'apply', step: plan.steps[0] }],
    ['step 2 is not due before its time', 1, old(3), true, 59, { kind: 'wait', seconds: 1 }],
    ['step 2 is due at its time', 1, old(3), true, 60, { kind: 'apply', step: plan.steps[1] }],
    ['a step the old set already has counts as applied', 0, old(3), true, 0, { kind: 'already-applied' }],
    ['below the step counts as applied too', 1, old(1), false, 60, { kind: 'already-applied' }],
    ['holds while the new set is not steady', 0, old(4), false, 0, { kind: 'hold' }],
    ['past the last step the plan is done', 4, old(0), true, 999, { kind: 'drained-plan' }],
  ])('%s', (_label, applied, oldTaskSet, steady, elapsed, expected) => {
    expect(decide(plan, applied, oldTaskSet, steady, elapsed)).toMatchObject(expected);
  });
});

describe('scaleDown', () => {
  /** Swapped and settled: the new set serves production, the old one still has all its tasks. */
  const state = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
    deploymentState(
      { phase: 'scaleDown', swappedAt: NOW - 60_000, ...overrides },
      { decrementPercent: 25, intervalSeconds: 60, ...input },
    );

  function given(oldTasks: number, options: { desired?: number; newSteady?: boolean } = {}) {
    const desired = options.desired ?? 4;
    aws.ecs.on(DescribeServicesCommand).resolves(
      servicesOutput(
        service(
          [
            oldSet({ status: 'ACTIVE', computedDesiredCount: oldTasks, runningCount: oldTasks }),
            newSet({
              status: 'PRIMARY',
              computedDesiredCount: desired,
              runningCount: desired,
              stabilityStatus: options.newSteady === false ? 'STABILIZING' : 'STEADY_STATE',
            }),
          ],
          { desiredCount: desired },
        ),
      ),
    );
    aws.ecs.on(UpdateTaskSetCommand).resolves({});
  }

  it('applies step 1 at once with the absolute scale from the plan and schedules step 2', async () => {
    given(4);
    const result = await scaleDown(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      cluster: 'demo',
      service: 'web',
      taskSet: OLD_SET_ARN,
      scale: { unit: 'PERCENT', value: 75 },
    });
    expect(result.state.plan?.steps.map((s) => s.remainingTasks)).toEqual([3, 2, 1, 0]);
    expect(result.state.stepsApplied).toBe(1);
    expect(result.state.scaleDownStartedAt).toBe(NOW);
    expect(result.appliedStep).toEqual({
      step: 1,
      steps: 4,
      scalePercent: 75,
      remainingTasks: 3,
      removedTasks: 1,
    });
    expect(result.next).toMatchObject({ kind: 'go', phase: 'scaleDown', afterSeconds: 60 });
    expect(result.next.detail).toBe('step 1 of 4: 3 old tasks remain');
  });

  it('sends the scale that yields exactly the planned count (no 66.66666666666667 for 2 of 3)', async () => {
    given(3, { desired: 3 });
    const result = await scaleDown(
      aws.context(),
      state({}, { decrementTasks: 1, decrementPercent: undefined }),
    );
    const value = aws.ecs.commandCalls(UpdateTaskSetCommand)[0]?.args[0].input.scale?.value ?? Number.NaN;
    expect(Math.ceil((3 * value) / 100)).toBe(2);
    expect(value).toBe(result.state.plan?.steps[0]?.scalePercent);
  });

  it('uses the stored plan for later steps, never a relative decrement', async () => {
    given(4);
    const first = await scaleDown(aws.context(), state());
    aws.ecs.reset();
    given(3); // ECS now runs 3; step 2 (2 tasks of 4: 50 %) is due 60 s after the start.
    const second = await scaleDown(aws.context(NOW + 60_000), first.state);
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      scale: { unit: 'PERCENT', value: 50 },
    });
    expect(second.state.stepsApplied).toBe(2);
    expect(second.state.plan).toBe(first.state.plan);
  });

  it('a step already applied in the state is not applied again', async () => {
    given(3);
    const plan = planScaledown({ desiredCount: 4, decrementPercent: 25, intervalSeconds: 60 });
    // Step 1 was recorded; the second step is not due before 60 s.
    const result = await scaleDown(
      aws.context(NOW + 30_000),
      state({ plan, stepsApplied: 1, scaleDownStartedAt: NOW }),
    );
    expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 30 });
    expectNoMutations(aws);
  });

  it('after a crash between UpdateTaskSet and saving the state, the repeat waits an interval', async () => {
    // The first invocation scaled 4 -> 3 and crashed before its state (plan, stepsApplied) was saved;
    // the retry sees 3 of 4 old tasks and no plan. Retiring the next task at once would double the step.
    given(3);
    const repeat = await scaleDown(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 0);
    expect(repeat.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 60 });
    expectNoMutations(aws);

    const next = await scaleDown(aws.context(NOW + 60_000), repeat.state);
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      scale: { unit: 'PERCENT', value: 50 },
    });
    expect(next.appliedStep?.remainingTasks).toBe(2);
  });

  it('calling the same step twice sends the same absolute value twice (harmless)', async () => {
    given(4);
    const before = state();
    await scaleDown(aws.context(), before);
    await scaleDown(aws.context(), before);
    const values = aws.ecs.commandCalls(UpdateTaskSetCommand).map((c) => c.args[0].input.scale?.value);
    expect(values).toEqual([75, 75]);
  });

  it('waits, without a call, when the next step is not due yet', async () => {
    given(3);
    const started = state({ stepsApplied: 1, scaleDownStartedAt: NOW - 20_000 });
    const result = await scaleDown(aws.context(), started);
    expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 40 });
    expectNoMutations(aws);
  });

  it('holds the old tasks while the new set is not steady, then rolls back after readyTimeoutSeconds', async () => {
    given(4, { newSteady: false });
    const held = await scaleDown(
      aws.context(),
      state({}, { pollIntervalSeconds: 15, readyTimeoutSeconds: 120 }),
    );
    expect(held.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15 });
    expect(held.state.holdingSince).toBe(NOW);
    expect(held.state.stepsApplied).toBe(0);
    const stillHeld = await scaleDown(aws.context(NOW + 60_000), held.state);
    expect(stillHeld.next).toMatchObject({ phase: 'scaleDown' });
    const gaveUp = await scaleDown(aws.context(NOW + 120_000), stillHeld.state);
    expect(gaveUp.next).toMatchObject({ phase: 'rollback' });
    expect(gaveUp.state.rollbackReason).toBe('new task set not steady for 120 s during scale-down');
    expectNoMutations(aws);
  });

  it('releases the hold once the new set is steady again', async () => {
    given(4);
    const result = await scaleDown(aws.context(), state({ holdingSince: NOW - 10_000 }));
    expect(result.state.holdingSince).toBeUndefined();
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 1);
  });

  it('rolls back, changing nothing, when a watched alarm is in ALARM', async () => {
    given(4);
    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'ALARM' }] });
    const result = await scaleDown(aws.context(), state({}, { alarmNames: ['web-5xx'] }));
    expect(result.next).toMatchObject({ phase: 'rollback' });
    expect(result.state.rollbackReason).toBe('alarm web-5xx in ALARM');
    expectNoMutations(aws);
  });

  it('goes on when the watched alarms are OK', async () => {
    given(4);
    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'OK' }] });
    const result = await scaleDown(aws.context(), state({}, { alarmNames: ['web-5xx'] }));
    expect(result.appliedStep?.step).toBe(1);
  });

  it('goes to waitDrained after the last step', async () => {
    given(1);
    const plan = planScaledown({ desiredCount: 4, decrementPercent: 25, intervalSeconds: 60 });
    const result = await scaleDown(
      aws.context(NOW + 180_000),
      state({ plan, stepsApplied: 3, scaleDownStartedAt: NOW }),
    );
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      scale: { unit: 'PERCENT', value: 0 },
    });
    expect(result.next).toMatchObject({ phase: 'waitDrained', afterSeconds: 0 });
  });

  it('goes to cleanup when the old set is already gone', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([newSet({ status: 'PRIMARY' })])));
    const result = await scaleDown(aws.context(), state());
    expect(result.next).toMatchObject({ phase: 'cleanup' });
    expectNoMutations(aws);
  });

  it('retries a throttled UpdateTaskSet and stops at once on a non-transient error', async () => {
    given(4);
    aws.ecs.on(UpdateTaskSetCommand).rejectsOnce(ecsThrottled()).resolves({});
    await scaleDown(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 2);

    aws.ecs.resetHistory();
    aws.ecs
      .on(UpdateTaskSetCommand)
      .rejects(ecsError('TaskSetNotFoundException', 'The specified task set does not exist.'));
    const error = await caught(scaleDown(aws.context(), state()));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('TaskSetNotFoundException');
    expect(error.message).toContain(`scaling old task set ${OLD_SET_ARN} to 75 %`);
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 1);
  });

  it('runs budget mode end to end: the interval comes from the plan', async () => {
    given(10, { desired: 10 });
    const result = await scaleDown(
      aws.context(),
      state(
        {},
        {
          decrementPercent: undefined,
          intervalSeconds: undefined,
          maxNewConnectionsPerSecond: 100,
          connectionsPerTask: 500,
          reconnectSpreadSeconds: 30,
        },
      ),
    );
    expect(result.state.plan?.predictedPeakNewConnectionsPerSecond).toBeLessThanOrEqual(100);
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 1);
    expect(result.next).toMatchObject({
      phase: 'scaleDown',
      afterSeconds: result.state.plan?.intervalSeconds,
    });
  });
});
