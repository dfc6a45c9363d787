import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  ListTasksCommand,
  TagResourceCommand,
  type TaskSet,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { AwsCallError, DeploymentLockedError } from '../../../src/errors';
import {
  decide,
  dropLagSlackSeconds,
  nextStepDueAt,
  pacedIntervalSeconds,
  planFor,
  plannedOldTasks,
  planOf,
  type ScaleDownView,
  scaleDown,
  scaleForTasks,
} from '../../../src/phases/scale-down';
import { planScaledown, scalePercentForTasks } from '../../../src/plan/plan-scaledown';
import type { DeploymentState } from '../../../src/state';
import {
  caught,
  DEPLOYMENT_ID,
  deploymentState,
  ecsError,
  ecsThrottled,
  expectNoMutations,
  GREEN_TG,
  mockAws,
  NEW_SET_ARN,
  NOW,
  newSet,
  OLD_SET_ARN,
  oldSet,
  resolvedInput,
  service,
  servicesOutput,
  targets,
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

describe('scaleForTasks', () => {
  it.each([
    ['3 of 4', 4, 3, 75],
    ['2 of 3: 66, not 66.66666666666667 (which ECS rounds up to 3)', 3, 2, 66],
    ['2 of 6', 6, 2, 33],
    ['3 of 8', 8, 3, 37],
    ['all of them', 4, 4, 100],
    ['none', 4, 0, 0],
    ['more than the service wants: all it wants', 2, 3, 100],
    ['tasks left while desiredCount is 0', 0, 2, 100],
    ['nothing while desiredCount is 0', 0, 0, 0],
  ])('%s -> %d %%', (_label, live, tasks, scale) => {
    expect(scaleForTasks(live, tasks)).toBe(scale);
    if (live > 0) expect(Math.ceil((live * scale) / 100)).toBe(Math.min(tasks, live));
  });
});

describe('plannedOldTasks', () => {
  const plan = planScaledown({ desiredCount: 4, decrementPercent: 25 });
  it('is undefined before the first step, then the last applied step’s count', () => {
    expect(plannedOldTasks(plan, 0)).toBeUndefined();
    expect(plannedOldTasks(plan, 1)).toBe(3);
    expect(plannedOldTasks(plan, 3)).toBe(1);
    expect(plannedOldTasks(plan, 4)).toBe(0);
  });
});

describe('drop-lag slack and measured flows (budget mode)', () => {
  const plan = planScaledown({
    desiredCount: 20,
    connectionsPerTask: 500,
    reconnectSpreadSeconds: 5,
    maxNewConnectionsPerSecond: 200,
  });
  const input = { dropLagSpreadSeconds: undefined };

  it('the slack is the prior until a wider spread is observed, the observed part capped at a minute', () => {
    expect(dropLagSlackSeconds(input, undefined)).toBe(5);
    expect(dropLagSlackSeconds(input, { minMs: 32_000, maxMs: 35_000, tasks: 4 })).toBe(5);
    expect(dropLagSlackSeconds(input, { minMs: 32_000, maxMs: 39_500, tasks: 4 })).toBe(7.5);
    expect(dropLagSlackSeconds(input, { minMs: 0, maxMs: 600_000, tasks: 4 })).toBe(60);
    expect(dropLagSlackSeconds({ dropLagSpreadSeconds: 0 }, undefined)).toBe(0);
  });

  it('the paced interval adds only the slack beyond the plan, then the flow stretch', () => {
    const base = { input: { ...input } as never };
    expect(pacedIntervalSeconds(plan, base)).toBe(plan.intervalSeconds);
    const wider = { ...base, dropLags: { minMs: 32_000, maxMs: 40_000, tasks: 3 } };
    expect(pacedIntervalSeconds(plan, wider)).toBe(plan.intervalSeconds + 3);
    const stretched = { ...wider, flows: { minuteAt: 0, perSecond: 240, stretch: 1.5 } };
    expect(pacedIntervalSeconds(plan, stretched)).toBe((plan.intervalSeconds + 3) * 1.5);
  });

  it('window mode keeps its interval whatever was observed', () => {
    const window = planScaledown({ desiredCount: 20 });
    const seen = { input: {} as never, dropLags: { minMs: 0, maxMs: 30_000, tasks: 3 } };
    expect(pacedIntervalSeconds(window, seen)).toBe(window.intervalSeconds);
  });
});

describe('nextStepDueAt', () => {
  const at = (overrides: Partial<DeploymentState>) => deploymentState(overrides);
  it.each([
    ['no step and no hold yet: due at once', {}, undefined],
    ['an interval after the last step', { lastStepAt: NOW }, NOW + 60_000],
    ['an interval after the end of a hold', { holdEndedAt: NOW }, NOW + 60_000],
    [
      'after the later of the two (the hold ended last)',
      { lastStepAt: NOW - 30_000, holdEndedAt: NOW },
      NOW + 60_000,
    ],
    [
      'after the later of the two (the step came last)',
      { lastStepAt: NOW, holdEndedAt: NOW - 30_000 },
      NOW + 60_000,
    ],
  ])('%s', (_label, overrides, due) => {
    expect(nextStepDueAt(at(overrides), 60)).toBe(due);
  });

  it('is the anchor itself with intervalSeconds 0', () => {
    expect(nextStepDueAt(at({ lastStepAt: NOW }), 0)).toBe(NOW);
  });
});

describe('scale-down decide (pure)', () => {
  const plan = planScaledown({ desiredCount: 4, decrementPercent: 25, intervalSeconds: 60 });
  const view = (overrides: Partial<ScaleDownView> & { oldTasks?: number }): ScaleDownView => {
    const { oldTasks = 4, ...rest } = overrides;
    return {
      plan,
      stepsApplied: 0,
      old: oldSet({ computedDesiredCount: oldTasks }) as TaskSet,
      liveDesiredCount: 4,
      newSetSteady: true,
      now: NOW,
      dueAt: undefined,
      ...rest,
    };
  };

  it.each([
    ['step 1 is due at once', view({}), { kind: 'apply', step: plan.steps[0], scalePercent: 75 }],
    [
      'step 2 is not due a millisecond before its time',
      view({ stepsApplied: 1, oldTasks: 3, now: NOW + 59_999, dueAt: NOW + 60_000 }),
      { kind: 'wait', seconds: 1, reason: 'step 2 of 4 due' },
    ],
    [
      'the wait is in whole seconds, rounded up',
      view({ stepsApplied: 1, oldTasks: 3, now: NOW + 18_500, dueAt: NOW + 60_000 }),
      { kind: 'wait', seconds: 42 },
    ],
    [
      'step 2 is due at its time',
      view({ stepsApplied: 1, oldTasks: 3, now: NOW + 60_000, dueAt: NOW + 60_000 }),
      { kind: 'apply', step: plan.steps[1], scalePercent: 50 },
    ],
    [
      'a step the old set already has counts as applied',
      view({ oldTasks: 3 }),
      { kind: 'already-applied', step: plan.steps[0] },
    ],
    [
      'below the step counts as applied too, steady or not',
      view({ stepsApplied: 1, oldTasks: 1, newSetSteady: false }),
      { kind: 'already-applied' },
    ],
    ['holds while the new set is not steady', view({ newSetSteady: false }), { kind: 'hold' }],
    [
      'a step not due yet waits, even while the new set is not steady',
      view({ stepsApplied: 1, oldTasks: 3, newSetSteady: false, dueAt: NOW + 1_000 }),
      { kind: 'wait', seconds: 1 },
    ],
    [
      'past the last step the plan is done',
      view({ stepsApplied: 4, oldTasks: 0, now: NOW + 999_000 }),
      { kind: 'drained-plan' },
    ],
  ])('%s', (_label, input, expected) => {
    expect(decide(input)).toMatchObject(expected);
  });

  it('takes the scale from the live desiredCount, not from the plan', () => {
    // Planned for 4 (step 2 keeps 2 tasks: 50 % of 4); the service now wants 6: 2 of 6 is 33 %.
    const decision = decide(view({ stepsApplied: 1, oldTasks: 3, liveDesiredCount: 6 }));
    expect(decision).toEqual({ kind: 'apply', step: plan.steps[1], scalePercent: 33 });
  });
});

describe('scaleDown', () => {
  /** Swapped and settled: the new set serves production, the old one still has all its tasks. */
  const state = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
    deploymentState(
      { phase: 'scaleDown', swappedAt: NOW - 60_000, ...overrides },
      { decrementPercent: 25, intervalSeconds: 60, ...input },
    );
  /** Planned for 4 old tasks under a desiredCount of 4, at the input's 25 %: 3, 2, 1, 0. */
  const basis4 = { desiredCount: 4, currentTasks: 4 };
  const plan4 = () => planScaledown({ desiredCount: 4, decrementPercent: 25, intervalSeconds: 60 });

  /**
   * The old set with `oldTasks` tasks at the scale that gives them under `desired` (or at `scale`, the
   * count then being what ECS computes from it), and the new set.
   */
  function given(
    oldTasks: number,
    options: { desired?: number; scale?: number; newSteady?: boolean; newHealthy?: number } = {},
  ) {
    const desired = options.desired ?? 4;
    const scale = options.scale ?? scalePercentForTasks(desired, Math.min(oldTasks, desired));
    const computed = options.scale === undefined ? oldTasks : Math.ceil((desired * scale) / 100);
    aws.ecs.on(DescribeServicesCommand).resolves(
      servicesOutput(
        service(
          [
            oldSet({
              status: 'ACTIVE',
              computedDesiredCount: computed,
              runningCount: computed,
              scale: { unit: 'PERCENT', value: scale },
            }),
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
    newTargets(options.newHealthy ?? desired, desired);
    aws.ecs.on(UpdateTaskSetCommand).resolves({});
    aws.ecs.on(TagResourceCommand).resolves({});
    aws.ecs
      .on(DescribeTaskSetsCommand)
      .resolves({ taskSets: [{ ...newSet({ status: 'PRIMARY' }), tags: [] }] });
  }
  /** The new group's targets: `healthy` of `total` pass the health check. */
  function newTargets(healthy: number, total: number) {
    aws.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG }).resolves({
      TargetHealthDescriptions: targets(
        ...Array.from({ length: total }, (_, i) =>
          i < healthy
            ? (['healthy'] as [string])
            : (['unhealthy', 'Target.FailedHealthChecks'] as [string, string]),
        ),
      ),
    });
  }
  const scales = () => aws.ecs.commandCalls(UpdateTaskSetCommand).map((c) => c.args[0].input.scale?.value);
  const expectNoStep = () => {
    expectNoMutations(aws);
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  };

  it('applies step 1 at once: tags the step time and the lease on the new set, then the absolute scale', async () => {
    given(4);
    const result = await scaleDown(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(TagResourceCommand, {
      resourceArn: NEW_SET_ARN,
      tags: [
        { key: 'ecs-taper:last-step-at', value: String(NOW) },
        // The lease covers the interval plus six 15 s polls.
        { key: 'ecs-taper:lease', value: `${NOW + 150_000} ctl-test` },
      ],
    });
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      cluster: 'demo',
      service: 'web',
      taskSet: OLD_SET_ARN,
      scale: { unit: 'PERCENT', value: 75 },
    });
    const [tag] = aws.ecs.commandCalls(TagResourceCommand);
    const [update] = aws.ecs.commandCalls(UpdateTaskSetCommand);
    expect(tag?.calledBefore(update!)).toBe(true);
    expect(planOf(result.state)?.steps.map((s) => s.remainingTasks)).toEqual([3, 2, 1, 0]);
    expect(result.state.stepsApplied).toBe(1);
    expect(result.state.lastStepAt).toBe(NOW);
    expect(result.state.lease).toEqual({ owner: 'ctl-test', expiresAt: NOW + 150_000 });
    expect(result.state).not.toHaveProperty('scaleDownStartedAt');
    expect(result.appliedStep).toEqual({
      step: 1,
      steps: 4,
      scalePercent: 75,
      remainingTasks: 3,
      removedTasks: 1,
    });
    // Step 2 is due in 60 s; the wait is one poll, so the health guard and the alarms are read meanwhile.
    expect(result.next).toMatchObject({ kind: 'go', phase: 'scaleDown', afterSeconds: 15 });
    expect(result.next.detail).toBe('step 1 of 4: 3 old tasks remain');
    expect(result.status?.healthyNewTargets).toBe(4);
  });

  describe('the lease, read before the step writes it', () => {
    const leaseOnSet = (value: string) =>
      aws.ecs.on(DescribeTaskSetsCommand).resolves({
        taskSets: [{ ...newSet({ status: 'PRIMARY' }), tags: [{ key: 'ecs-taper:lease', value }] }],
      });

    it('stops a controller whose lease was taken over, before it writes or scales anything', async () => {
      given(4);
      leaseOnSet(`${NOW + 45_000} ctl-other`);
      const error = await caught(
        scaleDown(aws.context(), state({ lease: { owner: 'ctl-test', expiresAt: NOW + 90_000 } })),
      );
      expect(error).toBeInstanceOf(DeploymentLockedError);
      expect(error.runningDeploymentId).toBe(DEPLOYMENT_ID);
      expect(error.message).toContain('driven by controller ctl-other');
      expect(aws.ecs).toHaveReceivedCommandWith(DescribeTaskSetsCommand, {
        taskSets: [NEW_SET_ARN],
        include: ['TAGS'],
      });
      expectNoStep();
    });

    it.each([
      ['its own lease', `${NOW + 45_000} ctl-test`, {}],
      ['an expired lease of another controller', `${NOW} ctl-other`, {}],
      [
        'the lease of the controller it took over from',
        `${NOW + 45_000} ctl-other`,
        { takenOverFrom: 'ctl-other' },
      ],
    ])('applies the step over %s', async (_label, value, overrides) => {
      given(4);
      leaseOnSet(value);
      const result = await scaleDown(aws.context(), state(overrides));
      expect(scales()).toEqual([75]);
      expect(result.state.lease?.owner).toBe('ctl-test');
    });

    it('reads before it writes', async () => {
      given(4);
      await scaleDown(aws.context(), state());
      const [read] = aws.ecs.commandCalls(DescribeTaskSetsCommand);
      const [write] = aws.ecs.commandCalls(TagResourceCommand);
      expect(read?.calledBefore(write!)).toBe(true);
    });
  });

  it('does not scale when the step time cannot be recorded (the tag comes first)', async () => {
    given(4);
    aws.ecs
      .on(TagResourceCommand)
      .rejects(ecsError('AccessDeniedException', 'not authorized to ecs:TagResource'));
    const error = await caught(scaleDown(aws.context(), state()));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('AccessDeniedException');
    expect(error.message).toContain(
      `tagging task set ${NEW_SET_ARN} (ecs-taper:last-step-at, ecs-taper:lease)`,
    );
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 0);
  });

  it('sends the scale that yields exactly the planned count (no 66.66666666666667 for 2 of 3)', async () => {
    given(3, { desired: 3 });
    const result = await scaleDown(
      aws.context(),
      state({}, { decrementTasks: 1, decrementPercent: undefined }),
    );
    const value = aws.ecs.commandCalls(UpdateTaskSetCommand)[0]?.args[0].input.scale?.value ?? Number.NaN;
    expect(value).toBe(66);
    expect(Math.ceil((3 * value) / 100)).toBe(2);
    expect(value).toBe(planOf(result.state)?.steps[0]?.scalePercent);
  });

  it('keeps the plan of step 1 for later steps, never a relative decrement nor a re-plan from the count now', async () => {
    given(4);
    const first = await scaleDown(aws.context(), state());
    aws.ecs.reset();
    given(3); // ECS now runs 3; step 2 (2 tasks of 4: 50 %) is due 60 s after step 1.
    const second = await scaleDown(aws.context(NOW + 60_000), first.state);
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      scale: { unit: 'PERCENT', value: 50 },
    });
    expect(second.state.stepsApplied).toBe(2);
    expect(second.state.lastStepAt).toBe(NOW + 60_000);
    // Re-planned from the 3 tasks left (2, 1, 0), the second step would keep 1 task, of 3 steps.
    expect(second.state.planBasis).toEqual({ desiredCount: 4, currentTasks: 4 });
    expect(second.appliedStep).toMatchObject({ step: 2, steps: 4, remainingTasks: 2 });
  });

  it('waits, without a call, until a full interval after the last step actually applied', async () => {
    given(3);
    const result = await scaleDown(
      aws.context(),
      state({ planBasis: basis4, stepsApplied: 1, lastStepAt: NOW - 20_000 }),
    );
    // 40 s to go, waited a poll at a time.
    expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15 });
    expect(result.next.detail).toBe('step 2 of 4 due');
    expect(result.state.stepsApplied).toBe(1);
    const later = await scaleDown(aws.context(NOW + 30_000), result.state);
    expect(later.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 10, detail: 'step 2 of 4 due' });
    const last = await scaleDown(aws.context(NOW + 39_999), later.state);
    expect(last.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 1 });
    expectNoStep();
    const due = await scaleDown(aws.context(NOW + 40_000), last.state);
    expect(scales()).toEqual([50]);
    expect(due.state.stepsApplied).toBe(2);
  });

  it('a late step never makes the next one come early: the interval counts from when it was applied', async () => {
    // Step 1 at NOW; step 2 ran late, at NOW + 150 s (a slow Lambda, retries). Step 3 is due at NOW + 210 s,
    // not at "start + 2 intervals" (NOW + 120 s), which would retire it right after step 2.
    given(3);
    const late = await scaleDown(
      aws.context(NOW + 150_000),
      state({ planBasis: basis4, stepsApplied: 1, lastStepAt: NOW }),
    );
    expect(scales()).toEqual([50]);
    expect(late.state.lastStepAt).toBe(NOW + 150_000);
    expect(late.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15 });

    aws.ecs.reset();
    given(2);
    const early = await scaleDown(aws.context(NOW + 180_000), late.state);
    expect(early.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15 });
    const almost = await scaleDown(aws.context(NOW + 209_999), early.state);
    expect(almost.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 1 });
    expectNoStep();

    const due = await scaleDown(aws.context(NOW + 210_000), almost.state);
    expect(scales()).toEqual([25]);
    expect(due.state.stepsApplied).toBe(3);
  });

  it('a step already applied in the state is not applied again', async () => {
    given(3);
    const result = await scaleDown(
      aws.context(NOW + 30_000),
      state({ planBasis: basis4, stepsApplied: 1, lastStepAt: NOW }),
    );
    expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15, detail: 'step 2 of 4 due' });
    expect(result.state.stepsApplied).toBe(1);
    expectNoStep();
  });

  it('after a crash between UpdateTaskSet and saving the state, the repeat waits an interval', async () => {
    // The first invocation scaled 4 -> 3 (75 %) and crashed before its state (plan, stepsApplied, lastStepAt)
    // was saved; the retry sees 3 of 4 old tasks and no plan. Retiring the next task at once would double the step.
    given(3);
    const repeat = await scaleDown(aws.context(), state());
    expect(repeat.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15 });
    expect(repeat.state.lastStepAt).toBe(NOW);
    expect(planOf(repeat.state)?.steps.map((s) => s.remainingTasks)).toEqual([2, 1, 0]);
    expectNoStep();

    const early = await scaleDown(aws.context(NOW + 59_000), repeat.state);
    expect(early.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 1 });
    expectNoStep();
    const next = await scaleDown(aws.context(NOW + 60_000), early.state);
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      scale: { unit: 'PERCENT', value: 50 },
    });
    expect(next.appliedStep?.remainingTasks).toBe(2);
  });

  it('a state that carried the plan itself (saved before an upgrade) plans from the count now, keeping the pace', async () => {
    // Step 1 of 4 (4 -> 3) was applied by a version whose state held the plan and counted steps in it.
    given(3);
    const carried = { ...state({ stepsApplied: 1, lastStepAt: NOW - 20_000 }), plan: plan4() };
    const early = await scaleDown(aws.context(), carried);
    expect(early.state).not.toHaveProperty('plan');
    expect(early.state).toMatchObject({ planBasis: { desiredCount: 4, currentTasks: 3 }, stepsApplied: 0 });
    expect(early.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15, detail: 'step 1 of 3 due' });
    expectNoStep();
    // stepsApplied 1 in the re-made plan (2, 1, 0) would have retired 2 tasks at once.
    const due = await scaleDown(aws.context(NOW + 40_000), early.state);
    expect(scales()).toEqual([50]);
    expect(due.appliedStep).toMatchObject({ step: 1, steps: 3, remainingTasks: 2 });
  });

  it('a successor of a controller that died after tagging a step waits a full interval from that time', async () => {
    // The tag said a step was at NOW - 10 s, but the old set is still at 100 %: one interval too many, never one too few.
    given(4);
    const result = await scaleDown(aws.context(), state({ lastStepAt: NOW - 10_000 }));
    expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15, detail: 'step 1 of 4 due' });
    const early = await scaleDown(aws.context(NOW + 49_000), result.state);
    expect(early.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 1 });
    expectNoStep();
    await scaleDown(aws.context(NOW + 50_000), early.state);
    expect(scales()).toEqual([75]);
  });

  it('calling the same step twice sends the same absolute value twice (harmless)', async () => {
    given(4);
    const before = state();
    await scaleDown(aws.context(), before);
    await scaleDown(aws.context(), before);
    expect(scales()).toEqual([75, 75]);
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
    expect(stillHeld.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15 });
    expect(stillHeld.state.holdingSince).toBe(NOW);
    const gaveUp = await scaleDown(aws.context(NOW + 120_000), stillHeld.state);
    expect(gaveUp.next).toMatchObject({ phase: 'rollback' });
    expect(gaveUp.state.rollbackReason).toBe('new task set not steady for 120 s during scale-down');
    expectNoStep();
  });

  it('ends a hold when the new set is steady again, and waits a full interval from then', async () => {
    given(4);
    const ended = await scaleDown(aws.context(), state({ holdingSince: NOW - 10_000 }));
    expect(ended.state.holdingSince).toBeUndefined();
    expect(ended.state.holdEndedAt).toBe(NOW);
    expect(ended.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15, detail: 'step 1 of 4 due' });
    expectNoStep();

    const early = await scaleDown(aws.context(NOW + 59_000), ended.state);
    expect(early.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 1 });
    expect(early.state.holdEndedAt).toBe(NOW);
    expectNoStep();

    const due = await scaleDown(aws.context(NOW + 60_000), early.state);
    expect(scales()).toEqual([75]);
    expect(due.state.lastStepAt).toBe(NOW + 60_000);
  });

  it('a hold long after the last step still makes the next step wait a full interval from the hold’s end', async () => {
    given(3);
    const result = await scaleDown(
      aws.context(),
      state({ planBasis: basis4, stepsApplied: 1, lastStepAt: NOW - 600_000, holdingSince: NOW - 300_000 }),
    );
    expect(result.state.holdEndedAt).toBe(NOW);
    expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15, detail: 'step 2 of 4 due' });
    const early = await scaleDown(aws.context(NOW + 59_000), result.state);
    expect(early.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 1 });
    expectNoStep();
  });

  it.each([
    ['Auto Scaling kept on', { suspendAutoScaling: false }],
    ['Auto Scaling suspended and no alarm', { suspendAutoScaling: true }],
  ])('the wait after a step is sliced into polls with %s', async (_label, input) => {
    given(4);
    const result = await scaleDown(aws.context(), state({}, { ...input, pollIntervalSeconds: 20 }));
    expect(result.state.input.alarmNames).toEqual([]);
    expect(result.appliedStep?.step).toBe(1);
    expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 20 });
    given(3);
    const polled = await scaleDown(aws.context(NOW + 20_000), result.state);
    expect(polled.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 20, detail: 'step 2 of 4 due' });
    const rest = await scaleDown(aws.context(NOW + 40_000), polled.state);
    expect(rest.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 20 });
    expect(scales()).toEqual([75]);
  });

  describe('the live desiredCount', () => {
    it('plans in tasks and scales from the live count: step 1 of a plan for 6 is 4 tasks, 66 %', async () => {
      given(6, { desired: 6 });
      const result = await scaleDown(aws.context(), state());
      expect(planOf(result.state)?.steps.map((s) => s.remainingTasks)).toEqual([5, 3, 2, 0]);
      expect(scales()).toEqual([scalePercentForTasks(6, 5)]);
      expect(scales()).toEqual([83]);
    });

    it('re-applies the planned count at once when desiredCount rose since the last step (no step counted)', async () => {
      // Step 1 left 3 of 4 at 75 %; Auto Scaling raised desiredCount to 8, so ECS now runs 6 old tasks.
      given(6, { desired: 8, scale: 75 });
      const result = await scaleDown(
        aws.context(),
        state(
          { planBasis: basis4, stepsApplied: 1, lastStepAt: NOW - 10_000 },
          { suspendAutoScaling: false },
        ),
      );
      expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
        taskSet: OLD_SET_ARN,
        scale: { unit: 'PERCENT', value: 37 }, // 3 of 8
      });
      expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
      expect(result.state.stepsApplied).toBe(1);
      expect(result.state.lastStepAt).toBe(NOW - 10_000);
      expect(result.appliedStep).toBeUndefined();
      expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15, detail: 'step 2 of 4 due' });
    });

    it('re-applies it after a later step too: 2 planned tasks of a desiredCount now 10', async () => {
      // After step 2 (2 of 4 at 50 %) desiredCount went to 10: 50 % is 5 old tasks.
      given(5, { desired: 10, scale: 50 });
      await scaleDown(
        aws.context(),
        state(
          { planBasis: basis4, stepsApplied: 2, lastStepAt: NOW - 10_000 },
          { suspendAutoScaling: false },
        ),
      );
      expect(scales()).toEqual([20]); // 2 of 10
    });

    it('re-applies it when desiredCount fell and ECS retired more old tasks than planned', async () => {
      // Plan for 10 in threes: step 1 keeps 7 (70 %). desiredCount fell to 5: 70 % of 5 is 4 old tasks, but the
      // plan keeps 7, capped at the 5 the service wants: all of them, so no extra reconnections at once.
      const planBasis = { desiredCount: 10, currentTasks: 10 };
      const input = { suspendAutoScaling: false, decrementTasks: 3, decrementPercent: undefined };
      const planned = state({ planBasis, stepsApplied: 1, lastStepAt: NOW - 10_000 }, input);
      expect(planOf(planned)?.steps.map((s) => s.remainingTasks)).toEqual([7, 4, 1, 0]);
      given(4, { desired: 5, scale: 70 });
      const result = await scaleDown(aws.context(), planned);
      expect(scales()).toEqual([100]);
      expect(result.state.stepsApplied).toBe(1);
    });

    it('corrects, then applies a due step, both from the live count', async () => {
      given(5, { desired: 6, scale: 75 });
      const result = await scaleDown(
        aws.context(),
        state({ planBasis: basis4, stepsApplied: 1, lastStepAt: NOW - 60_000 }),
      );
      expect(scales()).toEqual([50, 33]); // 3 of 6 again, then step 2: 2 of 6
      expect(result.state.stepsApplied).toBe(2);
      expect(result.appliedStep).toMatchObject({ step: 2, scalePercent: 33, remainingTasks: 2 });
    });

    it('makes no correction when the old set has exactly its planned count', async () => {
      given(3, { desired: 4, scale: 75 });
      await scaleDown(aws.context(), state({ planBasis: basis4, stepsApplied: 1, lastStepAt: NOW - 10_000 }));
      expectNoStep();
    });

    it('makes no correction while the old set is at most what a smaller desiredCount allows', async () => {
      // Planned 3, but the service now wants 2: 75 % of 2 is 2 tasks, all the service has. Step 2 (2 tasks)
      // is then already there, and counts as applied without a call.
      given(2, { desired: 2, scale: 75 });
      const result = await scaleDown(
        aws.context(),
        state({ planBasis: basis4, stepsApplied: 1, lastStepAt: NOW - 60_000 }),
      );
      expectNoStep();
      expect(result.state.stepsApplied).toBe(2);
      expect(result.appliedStep).toMatchObject({ step: 2, remainingTasks: 2 });
    });

    it('makes no correction before the first step: the plan starts from what is there', async () => {
      given(6, { desired: 6 });
      const result = await scaleDown(aws.context(), state({ planBasis: basis4 }));
      // Planned for 4 (step 1 keeps 3); the service wants 6: 3 of 6 is 50 %, in one call.
      expect(scales()).toEqual([50]);
      expect(result.state.stepsApplied).toBe(1);
    });
  });

  describe('the health guard', () => {
    it('reads the new group’s health and reports it in the status', async () => {
      given(4, { newHealthy: 3 });
      const result = await scaleDown(aws.context(), state());
      expect(aws.elbv2).toHaveReceivedCommandExactlyOnceWith(DescribeTargetHealthCommand, {
        TargetGroupArn: GREEN_TG,
      });
      expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 1);
      expect(result.status?.healthyNewTargets).toBe(3);
      expect(result.state).not.toHaveProperty('unhealthySince');
    });

    it('records the start of a spell below the bar (1 of 4 healthy) and keeps it while it lasts', async () => {
      given(4, { newHealthy: 1 });
      const first = await scaleDown(aws.context(), state());
      expect(first.state.unhealthySince).toBe(NOW);
      expect(first.next).toMatchObject({ phase: 'scaleDown' });
      expect(first.status?.healthyNewTargets).toBe(1);
      given(3, { newHealthy: 1 });
      const second = await scaleDown(aws.context(NOW + 15_000), first.state);
      expect(second.state.unhealthySince).toBe(NOW);
      expect(second.next).toMatchObject({ phase: 'scaleDown' });
    });

    it('at exactly half healthy (2 of 4) is not below the bar', async () => {
      given(4, { newHealthy: 2 });
      const result = await scaleDown(aws.context(), state({ unhealthySince: NOW - 600_000 }));
      expect(result.state).not.toHaveProperty('unhealthySince');
      expect(result.appliedStep?.step).toBe(1);
    });

    it('rolls back after unhealthyGraceSeconds below the bar, before any lease read, tag or step', async () => {
      given(4, { newHealthy: 1 });
      const result = await scaleDown(
        aws.context(NOW + 60_000),
        state({ unhealthySince: NOW }, { readyTimeoutSeconds: 300 }),
      );
      expect(result.next).toEqual({
        kind: 'go',
        phase: 'rollback',
        detail: 'new version unhealthy after the swap: 1 of 4 targets healthy for 60 s',
        afterSeconds: 0,
      });
      expect(result.state).toMatchObject({
        rollbackReason: 'new version unhealthy after the swap: 1 of 4 targets healthy for 60 s',
        rollbackDeadline: NOW + 60_000 + 300_000,
        stepsApplied: 0,
      });
      expect(result.status).toEqual({
        oldTasks: { running: 4, pending: 0, desired: 4 },
        newTasks: { running: 4, pending: 0, desired: 4 },
        healthyNewTargets: 1,
      });
      expect(result.appliedStep).toBeUndefined();
      expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskSetsCommand, 0);
      expectNoStep();
    });

    it('rolls back with the grace counted from settle: a spell started there is not restarted', async () => {
      given(4, { newHealthy: 0 });
      const result = await scaleDown(
        aws.context(NOW + 10_000),
        state({ unhealthySince: NOW - 50_000 }, { unhealthyGraceSeconds: 60 }),
      );
      expect(result.next).toMatchObject({ phase: 'rollback' });
      expect(result.state.rollbackReason).toBe(
        'new version unhealthy after the swap: 0 of 4 targets healthy for 60 s',
      );
      expectNoStep();
    });

    it('rolls back even while a step is not due yet, and during a hold', async () => {
      given(3, { newHealthy: 1 });
      const waiting = await scaleDown(
        aws.context(NOW + 90_000),
        state({ planBasis: basis4, stepsApplied: 1, lastStepAt: NOW + 80_000, unhealthySince: NOW }),
      );
      expect(waiting.next).toMatchObject({ phase: 'rollback' });
      given(4, { newHealthy: 1, newSteady: false });
      const holding = await scaleDown(
        aws.context(NOW + 90_000),
        state({ holdingSince: NOW + 60_000, unhealthySince: NOW }),
      );
      expect(holding.next).toMatchObject({ phase: 'rollback' });
      expect(holding.state.rollbackReason).toBe(
        'new version unhealthy after the swap: 1 of 4 targets healthy for 60 s',
      );
      expectNoStep();
    });

    it('clears the spell when the new group is back at the bar', async () => {
      given(3, { newHealthy: 4 });
      const result = await scaleDown(
        aws.context(NOW + 59_000),
        state({ planBasis: basis4, stepsApplied: 1, lastStepAt: NOW, unhealthySince: NOW }),
      );
      expect(result.state).not.toHaveProperty('unhealthySince');
      expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 1 });
    });
  });

  it('rolls back, changing nothing, when a watched alarm is in ALARM', async () => {
    given(4);
    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'ALARM' }] });
    const result = await scaleDown(aws.context(), state({}, { alarmNames: ['web-5xx'] }));
    expect(result.next).toMatchObject({ phase: 'rollback' });
    expect(result.state.rollbackReason).toBe('alarm web-5xx in ALARM');
    expectNoStep();
  });

  it('goes on when the watched alarms are OK', async () => {
    given(4);
    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'OK' }] });
    const result = await scaleDown(aws.context(), state({}, { alarmNames: ['web-5xx'] }));
    expect(result.appliedStep?.step).toBe(1);
    expect(result.next).toMatchObject({ afterSeconds: 15 });
  });

  it('goes to waitDrained after the last step', async () => {
    given(1);
    const result = await scaleDown(
      aws.context(NOW + 180_000),
      state({ planBasis: basis4, stepsApplied: 3, lastStepAt: NOW + 120_000 }),
    );
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      scale: { unit: 'PERCENT', value: 0 },
    });
    expect(result.state.stepsApplied).toBe(4);
    expect(result.next).toMatchObject({ phase: 'waitDrained', afterSeconds: 0 });
  });

  it('goes to cleanup when the old set is already gone', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([newSet({ status: 'PRIMARY' })])));
    const result = await scaleDown(aws.context(), state());
    expect(result.next).toMatchObject({ phase: 'cleanup' });
    expectNoStep();
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
    // Budget mode reads the old set's stopped tasks before each step after the first: none stopped yet.
    aws.ecs.on(ListTasksCommand).resolves({ taskArns: [] });
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
    expect(planOf(result.state)?.predictedPeakNewConnectionsPerSecond).toBeLessThanOrEqual(100);
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 1);
    const interval = planOf(result.state)?.intervalSeconds ?? 0;
    expect(interval).toBeGreaterThan(15);
    expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15 });
    given(planOf(result.state)?.steps[0]?.remainingTasks ?? 0, { desired: 10 });
    const early = await scaleDown(aws.context(NOW + interval * 1000 - 1000), result.state);
    expect(early.next).toMatchObject({
      phase: 'scaleDown',
      afterSeconds: 1,
      detail: expect.stringMatching(/^step 2 of \d+ due$/),
    });
    const due = await scaleDown(aws.context(NOW + interval * 1000), early.state);
    expect(due.appliedStep?.step).toBe(2);
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 2);
  });
});
