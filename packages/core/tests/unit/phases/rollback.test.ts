import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  type Listener,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../src/errors';
import { decide, type RollbackObservation, rollback } from '../../../src/phases/rollback';
import { planFor } from '../../../src/phases/scale-down';
import type { DeploymentState, PhaseResult } from '../../../src/state';
import { FakeAws, type FakeAws as FakeAwsType, type FakeSet } from '../support/fake-aws';
import {
  BLUE_TG,
  caught,
  DEPLOYMENT_ID,
  deploymentState,
  ecsError,
  ecsThrottled,
  elbv2Error,
  expectNoMutations,
  GREEN_TG,
  listener,
  mockAws,
  NEW_SET_ARN,
  NEW_TD,
  NLB_ARN,
  NOW,
  newSet,
  OLD_SET_ARN,
  oldSet,
  PROD_LISTENER_ARN,
  service,
  servicesOutput,
  TEST_LISTENER_ARN,
  targets,
  topology,
} from '../support/fixtures';

const aws = mockAws();

/** A second production listener (TLS on 443), for swaps interrupted between two production listeners. */
const PROD_443_ARN = `${NLB_ARN.replace(':loadbalancer/', ':listener/')}/0000000000000443`;

/** Retirement at the plan's pace in these tests: a quarter of the tasks a minute, settling 60 s. */
const paced = { decrementPercent: 25, intervalSeconds: 60, settleSeconds: 60, pollIntervalSeconds: 15 };

describe('rollback decide (pure)', () => {
  /** Swapped: production and the primary on the new set, the test listener on the old group; all healthy. */
  const seen = (overrides: Partial<RollbackObservation> = {}): RollbackObservation => ({
    old: oldSet({ status: 'ACTIVE' }),
    ours: newSet({ status: 'PRIMARY' }),
    primaryTaskSetArn: NEW_SET_ARN,
    productionListeners: [listener(PROD_LISTENER_ARN, 80, GREEN_TG)],
    testListener: listener(TEST_LISTENER_ARN, 8080, BLUE_TG),
    oldHealthy: 2,
    newHealthy: 2,
    newDraining: 0,
    liveDesiredCount: 2,
    now: NOW,
    ...overrides,
  });
  /** Production back on the old group, test listener on the new one, old set primary. */
  const back = (overrides: Partial<RollbackObservation> = {}) =>
    seen({
      old: oldSet(),
      ours: newSet(),
      primaryTaskSetArn: OLD_SET_ARN,
      productionListeners: [listener(PROD_LISTENER_ARN, 80, BLUE_TG)],
      testListener: listener(TEST_LISTENER_ARN, 8080, GREEN_TG),
      ...overrides,
    });
  const state = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
    deploymentState(
      { phase: 'rollback', swappedAt: NOW - 600_000, rollbackReason: 'why', ...overrides },
      { ...paced, ...input },
    );
  const scaled = (value: number, tasks: number) => ({
    scale: { unit: 'PERCENT' as const, value },
    computedDesiredCount: tasks,
    runningCount: tasks,
  });

  describe('while production forwards to the new group', () => {
    it('points the test listener at the old group first when no listener forwards to it', () => {
      const decision = decide(
        seen({ testListener: listener(TEST_LISTENER_ARN, 8080, GREEN_TG) }),
        topology(),
        state(),
      );
      expect(decision).toEqual({ kind: 'health-check-old', listenerArn: TEST_LISTENER_ARN });
    });

    it('points the test listener at the old group even before restoring its scale (its targets would stay unused)', () => {
      const decision = decide(
        seen({
          old: oldSet({ status: 'ACTIVE', ...scaled(0, 0) }),
          testListener: listener(TEST_LISTENER_ARN, 8080, GREEN_TG),
          oldHealthy: 0,
        }),
        topology(),
        state(),
      );
      expect(decision).toEqual({ kind: 'health-check-old', listenerArn: TEST_LISTENER_ARN });
    });

    it('leaves the test listener alone when a production listener still forwards to the old group', () => {
      const split = seen({
        productionListeners: [
          listener(PROD_LISTENER_ARN, 80, GREEN_TG),
          listener(PROD_443_ARN, 443, BLUE_TG),
        ],
        testListener: listener(TEST_LISTENER_ARN, 8080, GREEN_TG),
      });
      const decision = decide(
        split,
        topology({ productionListenerArns: [PROD_LISTENER_ARN, PROD_443_ARN] }),
        state(),
      );
      expect(decision).toEqual({ kind: 'point-back' });
    });

    it('cannot health-check the old group without a test listener, and restores the scale instead', () => {
      const decision = decide(
        seen({ old: oldSet({ status: 'ACTIVE', ...scaled(50, 1) }), testListener: undefined }),
        topology(),
        state(),
      );
      expect(decision).toEqual({ kind: 'restore-old-scale', taskSetArn: OLD_SET_ARN });
    });

    it.each([
      ['50 %', 50],
      ['0 %', 0],
      ['99 %', 99],
    ])('restores the old set from %s to 100 % before production moves', (_label, value) => {
      const decision = decide(
        seen({ old: oldSet({ status: 'ACTIVE', ...scaled(value, 1) }), oldHealthy: 2 }),
        topology(),
        state(),
      );
      expect(decision).toEqual({ kind: 'restore-old-scale', taskSetArn: OLD_SET_ARN });
    });

    it.each([
      // [old healthy, new healthy, decision]
      [0, 0, 'wait'],
      [1, 0, 'point-back'],
      [1, 1, 'point-back'],
      [1, 2, 'wait'],
      [2, 2, 'point-back'],
      [3, 2, 'point-back'],
      [2, 3, 'wait'],
    ] as const)('with %d healthy old targets and %d healthy new ones: %s', (oldHealthy, newHealthy, kind) => {
      expect(decide(seen({ oldHealthy, newHealthy }), topology(), state()).kind).toBe(kind);
    });

    it('points back as soon as the old group carries as much as the new one, not once the whole old set is back', () => {
      const old = oldSet({ status: 'ACTIVE', ...scaled(100, 6) });
      const decision = decide(
        seen({ old, oldHealthy: 2, newHealthy: 1, liveDesiredCount: 6 }),
        topology(),
        state(),
      );
      expect(decision).toEqual({ kind: 'point-back' });
    });

    it('waits a poll while the old group cannot carry production, saying how far it is', () => {
      const decision = decide(
        seen({ oldHealthy: 1, newHealthy: 2 }),
        topology(),
        state({}, { pollIntervalSeconds: 20 }),
      );
      expect(decision).toEqual({
        kind: 'wait',
        seconds: 20,
        reason: 'waiting for the old targets to carry production: 1 healthy, the new group has 2',
      });
    });

    it('waits for at least one healthy old target even when the new group has none', () => {
      expect(decide(seen({ oldHealthy: 0, newHealthy: 0 }), topology(), state())).toEqual({
        kind: 'wait',
        seconds: 15,
        reason: 'waiting for the old targets to carry production: 0 healthy, the new group has 0',
      });
    });

    it('gives up when there is no old set to go back to', () => {
      expect(decide(seen({ old: undefined }), topology({ oldTaskSetArn: undefined }), state())).toEqual({
        kind: 'give-up',
        reason: 'no old task set to roll back to; the new version keeps serving',
      });
    });
  });

  describe('once production is on the old group', () => {
    it('restores the old set’s scale first', () => {
      expect(decide(back({ old: oldSet(scaled(75, 2)) }), topology(), state())).toEqual({
        kind: 'restore-old-scale',
        taskSetArn: OLD_SET_ARN,
      });
    });

    it('finishes the point-back while the new set is still primary', () => {
      expect(decide(back({ primaryTaskSetArn: NEW_SET_ARN }), topology(), state())).toEqual({
        kind: 'point-back',
      });
    });

    it('finishes the point-back while the test listener is not on the new group', () => {
      const decision = decide(
        back({ testListener: listener(TEST_LISTENER_ARN, 8080, BLUE_TG) }),
        topology(),
        state(),
      );
      expect(decision).toEqual({ kind: 'point-back' });
    });

    it('never swapped: deletes the new set at once, whatever its size', () => {
      const ours = newSet(scaled(100, 4));
      expect(
        decide(back({ ours, liveDesiredCount: 4 }), topology(), state({ swappedAt: undefined })),
      ).toEqual({
        kind: 'delete-new',
        taskSetArn: NEW_SET_ARN,
      });
    });

    it('first deployment, never swapped: deletes the new set', () => {
      const decision = decide(
        back({ old: undefined, primaryTaskSetArn: NEW_SET_ARN }),
        topology({ oldTaskSetArn: undefined }),
        state({ swappedAt: undefined }),
      );
      expect(decision).toEqual({ kind: 'delete-new', taskSetArn: NEW_SET_ARN });
    });

    it('is done when the new set is gone', () => {
      expect(decide(back({ ours: undefined }), topology(), state())).toEqual({
        kind: 'done',
        detail: 'old version serves production; new task set removed',
      });
    });
  });

  describe('retiring the new set after a swap', () => {
    const four = (overrides: Partial<RollbackObservation> = {}) =>
      back({ ours: newSet(scaled(100, 4)), old: oldSet(scaled(100, 4)), liveDesiredCount: 4, ...overrides });

    it('waits out the propagation window (settleSeconds) after the point-back', () => {
      expect(decide(four(), topology(), state({ swappedBackAt: NOW - 30_000 }))).toEqual({
        kind: 'wait',
        seconds: 30,
        reason: "retiring the new task set at the plan's pace (4 tasks left)",
      });
      expect(decide(four(), topology(), state({ swappedBackAt: NOW - 59_001 })).kind).toBe('wait');
      expect(decide(four(), topology(), state({ swappedBackAt: NOW - 59_001 }))).toMatchObject({
        seconds: 1,
      });
    });

    it('takes the first step at swappedBackAt + settleSeconds: the plan’s first count, at the live desiredCount’s scale', () => {
      expect(decide(four(), topology(), state({ swappedBackAt: NOW - 60_000 }))).toEqual({
        kind: 'retire-new',
        taskSetArn: NEW_SET_ARN,
        scalePercent: 75,
        remainingTasks: 3,
      });
    });

    it('follows settleSeconds', () => {
      const input = { settleSeconds: 120 };
      expect(decide(four(), topology(), state({ swappedBackAt: NOW - 60_000 }, input))).toMatchObject({
        kind: 'wait',
        seconds: 60,
      });
      expect(decide(four(), topology(), state({ swappedBackAt: NOW - 120_000 }, input)).kind).toBe(
        'retire-new',
      );
    });

    it('takes each further step a full interval after the last one', () => {
      const three = four({ ours: newSet(scaled(75, 3)) });
      const after = (ms: number) => state({ swappedBackAt: NOW - 600_000, rollbackLastStepAt: NOW - ms });
      expect(decide(three, topology(), after(59_000))).toEqual({
        kind: 'wait',
        seconds: 1,
        reason: "retiring the new task set at the plan's pace (3 tasks left)",
      });
      expect(decide(three, topology(), after(60_000))).toEqual({
        kind: 'retire-new',
        taskSetArn: NEW_SET_ARN,
        scalePercent: 50,
        remainingTasks: 2,
      });
    });

    it('waits for the later of the two: the propagation window and the interval', () => {
      const decision = decide(
        four({ ours: newSet(scaled(75, 3)) }),
        topology(),
        state({ swappedBackAt: NOW - 10_000, rollbackLastStepAt: NOW - 60_000 }),
      );
      expect(decision).toMatchObject({ kind: 'wait', seconds: 50 });
    });

    it('takes the interval and the step size from the plan', () => {
      const input = { decrementPercent: 50, intervalSeconds: 30 };
      const plan = planFor(state({}, input).input, 4, 4);
      expect(plan.steps.map((s) => s.remainingTasks)).toEqual([2, 0]);
      const due = state({ swappedBackAt: NOW - 600_000, rollbackLastStepAt: NOW - 30_000 }, input);
      expect(decide(four(), topology(), due)).toEqual({
        kind: 'retire-new',
        taskSetArn: NEW_SET_ARN,
        scalePercent: 50,
        remainingTasks: 2,
      });
      const early = state({ swappedBackAt: NOW - 600_000, rollbackLastStepAt: NOW - 29_000 }, input);
      expect(decide(four(), topology(), early)).toMatchObject({ kind: 'wait', seconds: 1 });
    });

    it('plans from the live desiredCount: 4 new tasks of a service that now wants 8 go 2 at a time, 25 %', () => {
      const decision = decide(
        four({ liveDesiredCount: 8 }),
        topology(),
        state({ swappedBackAt: NOW - 60_000 }),
      );
      expect(decision).toEqual({
        kind: 'retire-new',
        taskSetArn: NEW_SET_ARN,
        scalePercent: 25,
        remainingTasks: 2,
      });
    });

    it('takes the last step to 0 %', () => {
      const decision = decide(
        four({ ours: newSet(scaled(25, 1)) }),
        topology(),
        state({ swappedBackAt: NOW - 600_000, rollbackLastStepAt: NOW - 60_000 }),
      );
      expect(decision).toEqual({
        kind: 'retire-new',
        taskSetArn: NEW_SET_ARN,
        scalePercent: 0,
        remainingTasks: 0,
      });
    });

    it.each([
      ['a task still running', { runningCount: 1 }, 0, '1 running, 0 targets draining'],
      ['a task still pending', { pendingCount: 1 }, 0, '0 running, 0 targets draining'],
      ['targets still draining', {}, 3, '0 running, 3 targets draining'],
    ])('at 0 desired, waits a poll while %s', (_label, counts, newDraining, left) => {
      const ours = newSet({ ...scaled(0, 0), runningCount: 0, ...counts });
      expect(
        decide(four({ ours, newDraining }), topology(), state({ swappedBackAt: NOW - 600_000 })),
      ).toEqual({
        kind: 'wait',
        seconds: 15,
        reason: `new task set retired; waiting for its clients to leave: ${left}`,
      });
    });

    it('at 0 desired, running nothing and nothing draining: deletes the new set', () => {
      const ours = newSet({ ...scaled(0, 0), runningCount: 0, pendingCount: 0 });
      expect(decide(four({ ours }), topology(), state({ swappedBackAt: NOW - 600_000 }))).toEqual({
        kind: 'delete-new',
        taskSetArn: NEW_SET_ARN,
      });
    });
  });
});

/** The new set as the fake holds it: 100 %, primary, healthy, created before the swap. */
function withNewSet(world: FakeAwsType, overrides: Partial<FakeSet> = {}): FakeAwsType {
  world.sets.push({
    taskSetArn: NEW_SET_ARN,
    id: 'ecs-svc/new',
    externalId: DEPLOYMENT_ID,
    taskDefinition: NEW_TD,
    targetGroupArn: GREEN_TG,
    scale: 100,
    primary: true,
    createdAt: NOW - 600_000,
    healthyAt: 0,
    ...overrides,
  });
  return world;
}

/** Runs the rollback phase until it ends, advancing the clock as it asks. */
async function runToEnd(
  world: FakeAwsType,
  clock: { t: number },
  start: DeploymentState,
): Promise<PhaseResult> {
  let state = start;
  for (let i = 0; i < 200; i += 1) {
    const result = await rollback(aws.context(clock.t), state);
    if (result.next.kind === 'end') return result;
    clock.t += result.next.afterSeconds * 1000;
    state = result.state;
  }
  throw new Error(`rollback did not end: ${world.log.join(' | ')}`);
}

describe('rollback', () => {
  const state = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
    deploymentState({ phase: 'rollback', rollbackReason: 'alarm web-5xx in ALARM', ...overrides }, input);

  /** Listeners as DescribeListeners returns the ARNs asked for. */
  function listenersOn(prod: string, test: string) {
    const all: Listener[] = [listener(PROD_LISTENER_ARN, 80, prod), listener(TEST_LISTENER_ARN, 8080, test)];
    aws.elbv2.on(DescribeListenersCommand).callsFake(async (input: { ListenerArns?: string[] }) => ({
      Listeners: all.filter(
        (l) => !input.ListenerArns || input.ListenerArns.includes(l.ListenerArn as string),
      ),
    }));
  }

  function health(targetGroupArn: string, ...states: string[]) {
    aws.elbv2
      .on(DescribeTargetHealthCommand, { TargetGroupArn: targetGroupArn })
      .resolves({ TargetHealthDescriptions: targets(...states.map((s) => [s] as [string])) });
  }

  function given(options: {
    oldScale: number;
    swapped: boolean;
    newExists?: boolean;
    oldHealth?: string;
    newHealth?: string;
  }) {
    const old = oldSet({
      status: options.swapped ? 'ACTIVE' : 'PRIMARY',
      scale: { unit: 'PERCENT', value: options.oldScale },
      computedDesiredCount: Math.ceil((2 * options.oldScale) / 100),
      runningCount: Math.ceil((2 * options.oldScale) / 100),
    });
    const sets = [
      old,
      ...(options.newExists === false ? [] : [newSet({ status: options.swapped ? 'PRIMARY' : 'ACTIVE' })]),
    ];
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service(sets)));
    if (options.swapped) listenersOn(GREEN_TG, BLUE_TG);
    else listenersOn(BLUE_TG, GREEN_TG);
    health(BLUE_TG, options.oldHealth ?? 'healthy', options.oldHealth ?? 'healthy');
    health(GREEN_TG, options.newHealth ?? 'healthy', options.newHealth ?? 'healthy');
  }

  it('restores the old set to 100 % first, and touches nothing else in that step', async () => {
    given({ oldScale: 50, swapped: true });
    const result = await rollback(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      taskSet: OLD_SET_ARN,
      scale: { unit: 'PERCENT', value: 100 },
    });
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 1);
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 0);
    expect(result.next).toEqual({
      kind: 'go',
      phase: 'rollback',
      detail: 'old task set restored to 100 %',
      afterSeconds: 0,
    });
  });

  it('reads the production and test listeners and both groups’ health, and reports the new group’s', async () => {
    given({ oldScale: 50, swapped: true, newHealth: 'unhealthy' });
    const result = await rollback(aws.context(), state());
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeListenersCommand, {
      ListenerArns: [PROD_LISTENER_ARN, TEST_LISTENER_ARN],
    });
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG });
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG });
    expect(result.status).toEqual({
      oldTasks: { running: 1, pending: 0, desired: 1 },
      newTasks: { running: 2, pending: 0, desired: 2 },
      healthyNewTargets: 0,
    });
  });

  it('does not point production back while the old targets cannot carry it', async () => {
    given({ oldScale: 100, swapped: true, oldHealth: 'initial' });
    const result = await rollback(aws.context(), state({}, { pollIntervalSeconds: 20 }));
    expect(result.next).toEqual({
      kind: 'go',
      phase: 'rollback',
      detail: 'waiting for the old targets to carry production: 0 healthy, the new group has 2',
      afterSeconds: 20,
    });
    expectNoMutations(aws);
  });

  it('not swapped: deletes only the new set and leaves the old one alone', async () => {
    given({ oldScale: 100, swapped: false });
    const result = await rollback(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DeleteTaskSetCommand, {
      taskSet: NEW_SET_ARN,
      force: true,
    });
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateServicePrimaryTaskSetCommand, 0);
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    expect(result.next).toEqual({
      kind: 'go',
      phase: 'rollback',
      detail: 'new task set deleted',
      afterSeconds: 0,
    });
  });

  describe('Auto Scaling', () => {
    const previous = {
      DynamicScalingInSuspended: true,
      DynamicScalingOutSuspended: false,
      ScheduledScalingSuspended: false,
    };
    const record = { previous, suspended: true, restored: false };
    beforeEach(() => {
      aws.autoScaling.on(DescribeScalableTargetsCommand).resolves({
        ScalableTargets: [
          {
            ServiceNamespace: 'ecs',
            ResourceId: 'service/demo/web',
            ScalableDimension: 'ecs:service:DesiredCount',
            MinCapacity: 1,
            MaxCapacity: 4,
            RoleARN: 'arn:aws:iam::000000000000:role/r',
            CreationTime: new Date(0),
            SuspendedState: {
              DynamicScalingInSuspended: true,
              DynamicScalingOutSuspended: true,
              ScheduledScalingSuspended: true,
            },
          },
        ],
      });
      aws.autoScaling.on(RegisterScalableTargetCommand).resolves({});
    });

    it('is restored exactly before the new set (which holds its record) is deleted', async () => {
      given({ oldScale: 100, swapped: false });
      const result = await rollback(aws.context(), state({ autoScaling: record }));
      expect(aws.autoScaling).toHaveReceivedCommandExactlyOnceWith(RegisterScalableTargetCommand, {
        SuspendedState: previous,
      });
      const [register] = aws.autoScaling.commandCalls(RegisterScalableTargetCommand);
      const [remove] = aws.ecs.commandCalls(DeleteTaskSetCommand);
      expect(register?.calledBefore(remove!)).toBe(true);
      expect(result.state.autoScaling).toEqual({ ...record, restored: true });
    });

    it('is not restored while the old version is being brought back (scaling stays off until then)', async () => {
      given({ oldScale: 50, swapped: true });
      const result = await rollback(aws.context(), state({ autoScaling: record }));
      expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
      expect(result.state.autoScaling).toEqual(record);
    });

    it('keeps the new set when Auto Scaling cannot be restored: its record must survive for a re-run', async () => {
      given({ oldScale: 100, swapped: false });
      aws.autoScaling
        .on(RegisterScalableTargetCommand)
        .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
      await expect(rollback(aws.context(), state({ autoScaling: record }))).rejects.toThrow(
        'restoring Application Auto Scaling of service/demo/web',
      );
      expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 0);
    });
  });

  it('ends as rolled-back with the cause once the new set is gone, and a repeat changes nothing', async () => {
    given({ oldScale: 100, swapped: false, newExists: false });
    const first = await rollback(aws.context(), state());
    const second = await rollback(aws.context(), first.state);
    for (const result of [first, second]) {
      expect(result.next).toEqual({ kind: 'end', outcome: 'rolled-back', detail: 'alarm web-5xx in ALARM' });
    }
    expectNoMutations(aws);
  });

  it('gives up (failed) when there is no old set to go back to and the new one serves', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([newSet({ status: 'PRIMARY' })])));
    listenersOn(GREEN_TG, BLUE_TG);
    health(BLUE_TG);
    health(GREEN_TG, 'healthy', 'healthy');
    const result = await rollback(aws.context(), state({ topology: topology({ oldTaskSetArn: undefined }) }));
    expect(result.next).toEqual({
      kind: 'end',
      outcome: 'failed',
      detail:
        'rollback stopped: no old task set to roll back to; the new version keeps serving (cause: alarm web-5xx in ALARM)',
    });
    expectNoMutations(aws);
  });

  it('fails at its deadline when the old version does not come back healthy, not a millisecond before', async () => {
    given({ oldScale: 100, swapped: true, oldHealth: 'unhealthy' });
    const before = await rollback(aws.context(NOW - 1), state({ rollbackDeadline: NOW }));
    expect(before.next).toMatchObject({ kind: 'go', phase: 'rollback', afterSeconds: 15 });
    const result = await rollback(aws.context(NOW), state({ rollbackDeadline: NOW }));
    expect(result.next).toEqual({
      kind: 'end',
      outcome: 'failed',
      detail:
        'rollback could not finish by its deadline: waiting for the old targets to carry production: 0 healthy, the new group has 2',
    });
    expectNoMutations(aws);
  });

  it('sets its own deadline and a default reason when started without them', async () => {
    given({ oldScale: 100, swapped: false });
    const result = await rollback(aws.context(), state({ rollbackReason: undefined }));
    expect(result.state.rollbackReason).toBe('rollback requested');
    expect(result.state.rollbackDeadline).toBe(NOW + 600_000);
  });

  describe('a transient AWS error', () => {
    it('is retried at the next poll before the deadline, not a failure', async () => {
      given({ oldScale: 50, swapped: true });
      aws.ecs.on(DescribeServicesCommand).rejects(ecsThrottled());
      const start = state({ rollbackDeadline: NOW + 60_000 }, { pollIntervalSeconds: 20 });
      const result = await rollback(aws.context(), start);
      expect(result.next).toEqual({
        kind: 'go',
        phase: 'rollback',
        detail:
          'retrying after a transient error: describing service web in cluster demo: Rate exceeded (ThrottlingException)',
        afterSeconds: 20,
      });
      expect(result.state).toEqual(start);
      // callAws's own retries came first: fastRetry makes three attempts.
      expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 3);
      expectNoMutations(aws);
    });

    it('in a mutation (a 5xx from UpdateTaskSet) is retried, and the next call makes the step', async () => {
      given({ oldScale: 50, swapped: true });
      aws.ecs.on(UpdateTaskSetCommand).rejects(ecsError('ServerException', 'internal error', 500));
      const failed = await rollback(aws.context(), state());
      expect(failed.next).toMatchObject({ phase: 'rollback', afterSeconds: 15 });
      expect(failed.next.detail).toBe(
        `retrying after a transient error: scaling task set ${OLD_SET_ARN} to 100 %: internal error (ServerException)`,
      );
      aws.ecs.on(UpdateTaskSetCommand).resolves({});
      const retried = await rollback(aws.context(NOW + 15_000), failed.state);
      expect(retried.next.detail).toBe('old task set restored to 100 %');
      expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 4);
    });

    it('in a listener change is retried too', async () => {
      given({ oldScale: 100, swapped: true });
      listenersOn(GREEN_TG, GREEN_TG);
      aws.elbv2.on(ModifyListenerCommand).rejects(elbv2Error('Throttling', 'Rate exceeded'));
      const result = await rollback(aws.context(), state());
      expect(result.next.detail).toBe(
        `retrying after a transient error: pointing listener ${TEST_LISTENER_ARN} at ${BLUE_TG}: Rate exceeded (Throttling)`,
      );
    });

    it('at or past the deadline ends the rollback: the error is thrown', async () => {
      given({ oldScale: 50, swapped: true });
      aws.ecs.on(DescribeServicesCommand).rejects(ecsThrottled());
      const error = await caught(rollback(aws.context(NOW), state({ rollbackDeadline: NOW })));
      expect(error).toBeInstanceOf(AwsCallError);
      expect(error.awsErrorName).toBe('ThrottlingException');
      expect(error.message).toBe(
        'describing service web in cluster demo: Rate exceeded (ThrottlingException)',
      );
    });

    it('is not what a refusal is: AccessDenied is thrown at once, before the deadline', async () => {
      given({ oldScale: 50, swapped: true });
      aws.ecs
        .on(UpdateTaskSetCommand)
        .rejects(ecsError('AccessDeniedException', 'not authorized to ecs:UpdateTaskSet'));
      const error = await caught(rollback(aws.context(), state({ rollbackDeadline: NOW + 600_000 })));
      expect(error).toBeInstanceOf(AwsCallError);
      expect(error.awsErrorName).toBe('AccessDeniedException');
      expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 1);
    });
  });
});

describe('rollback, one step at a time against a stateful fake', () => {
  const swappedState = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
    deploymentState(
      { phase: 'rollback', swappedAt: NOW - 600_000, rollbackReason: 'why', ...overrides },
      { ...paced, ...input },
    );
  /** After the swap: production and primary on the new set (green), test listener on blue. */
  function swappedWorld(clock: { t: number }, old: Partial<FakeSet> = {}, ours: Partial<FakeSet> = {}) {
    const world = new FakeAws({ now: () => clock.t }).withOldSet({ primary: false, ...old }).install(aws);
    withNewSet(world, ours);
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: GREEN_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: BLUE_TG });
    return world;
  }

  it('health-check-old: only the test listener moves, to the old group, when nothing forwards to it', async () => {
    const clock = { t: NOW };
    const world = swappedWorld(clock, { scale: 0 });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: GREEN_TG });
    const result = await rollback(aws.context(), swappedState());
    expect(world.log).toEqual(['ModifyListener test blue']);
    expect(result.next).toEqual({
      kind: 'go',
      phase: 'rollback',
      detail: 'test listener points at the old group so it is health-checked',
      afterSeconds: 0,
    });
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(GREEN_TG);
    const next = await rollback(aws.context(), result.state);
    expect(world.changes).toEqual(['ModifyListener test blue', `UpdateTaskSet ${OLD_SET_ARN} 100`]);
    expect(next.next.detail).toBe('old task set restored to 100 %');
  });

  it('point-back: production, then the test listener, then the primary; records swappedBackAt and stretches the deadline over the retirement', async () => {
    const clock = { t: NOW };
    const world = swappedWorld(clock);
    const start = swappedState({ rollbackDeadline: NOW + 600_000 });
    const result = await rollback(aws.context(), start);
    expect(world.changes).toEqual([
      'ModifyListener prod blue',
      'ModifyListener test green',
      `UpdateServicePrimaryTaskSet ${OLD_SET_ARN}`,
    ]);
    expect(result.next).toEqual({
      kind: 'go',
      phase: 'rollback',
      detail: 'production points at the old version again',
      afterSeconds: 0,
    });
    expect(result.state.swappedBackAt).toBe(NOW);
    // 4 new tasks, a quarter a minute: settle 60 + 4 steps x 60 + drain 900 = 1200 s.
    expect(result.state.rollbackDeadline).toBe(NOW + 1_200_000);
    expect(result.status?.healthyNewTargets).toBe(4);
  });

  it('point-back keeps a deadline that already covers the retirement', async () => {
    const clock = { t: NOW };
    swappedWorld(clock);
    const result = await rollback(aws.context(), swappedState({ rollbackDeadline: NOW + 5_000_000 }));
    expect(result.state.rollbackDeadline).toBe(NOW + 5_000_000);
  });

  it('point-back with drainTimeoutSeconds and settleSeconds of its own', async () => {
    const clock = { t: NOW };
    swappedWorld(clock);
    const result = await rollback(
      aws.context(),
      swappedState(
        { rollbackDeadline: NOW },
        { drainTimeoutSeconds: 300, settleSeconds: 30, decrementPercent: 50 },
      ),
    );
    // 30 + 2 steps x 60 + 300 = 450 s.
    expect(result.state.rollbackDeadline).toBe(NOW + 450_000);
  });

  it('points production back at once when the new version fails: one healthy old target beats none', async () => {
    const clock = { t: NOW };
    const world = swappedWorld(clock, { scale: 25 });
    world.failingHealth.add(GREEN_TG);
    const at = (t: number) => {
      clock.t = t;
      return aws.context(t);
    };
    const restored = await rollback(at(NOW), swappedState());
    expect(world.changes).toEqual([`UpdateTaskSet ${OLD_SET_ARN} 100`]);
    // The restored old tasks are `initial` for healthDelayMs (30 s).
    const waiting = await rollback(at(NOW + 29_999), restored.state);
    expect(waiting.next.detail).toBe(
      'waiting for the old targets to carry production: 0 healthy, the new group has 0',
    );
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(GREEN_TG);
    const back = await rollback(at(NOW + 30_000), waiting.state);
    expect(back.next.detail).toBe('production points at the old version again');
    expect(back.state.swappedBackAt).toBe(NOW + 30_000);
    expect(back.status?.healthyNewTargets).toBe(0);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
  });

  it('resumed after its point-back: records its first look as swappedBackAt and counts the window from it', async () => {
    const clock = { t: NOW };
    const world = swappedWorld(clock, { primary: true }, { primary: false });
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: BLUE_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: GREEN_TG });
    const first = await rollback(aws.context(NOW), swappedState());
    expect(first.state.swappedBackAt).toBe(NOW);
    expect(first.next).toMatchObject({ phase: 'rollback', afterSeconds: 15 });
    expect(first.next.detail).toBe("retiring the new task set at the plan's pace (4 tasks left)");
    clock.t = NOW + 45_000;
    const later = await rollback(aws.context(NOW + 45_000), first.state);
    expect(later.state.swappedBackAt).toBe(NOW);
    expect(later.next).toMatchObject({ phase: 'rollback', afterSeconds: 15 });
    clock.t = NOW + 60_000;
    const step = await rollback(aws.context(NOW + 60_000), later.state);
    expect(step.next.detail).toBe('new task set down to 3 tasks');
    expect(step.state.rollbackLastStepAt).toBe(NOW + 60_000);
    expect(world.changes).toEqual([`UpdateTaskSet ${NEW_SET_ARN} 75`]);
  });

  it('resumed after its point-back (a re-run has no swappedBackAt): retires the new set a propagation window later', async () => {
    const clock = { t: NOW };
    const world = swappedWorld(clock, { primary: true }, { primary: false });
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: BLUE_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: GREEN_TG });
    const result = await runToEnd(world, clock, swappedState({ rollbackDeadline: NOW + 1_200_000 }));
    expect(result.next).toEqual({ kind: 'end', outcome: 'rolled-back', detail: 'why' });
    expect(world.timesOf(`UpdateTaskSet ${NEW_SET_ARN}`)).toEqual([60_000, 120_000, 180_000, 240_000]);
    expect(world.timesOf('DeleteTaskSet')).toEqual([240_000]);
  });
});

describe('rollback, run to the end against a stateful fake', () => {
  it('restores scale, waits for healthy old targets, points back, then retires and deletes the new set last', async () => {
    const clock = { t: NOW };
    const world = new FakeAws({ now: () => clock.t }).withOldSet({ scale: 25, primary: false }).install(aws);
    withNewSet(world);
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: GREEN_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: BLUE_TG });

    // No swappedAt in this state (a swap phase that died before recording it), yet production was on the
    // new group: clients joined it, so after the point-back it is retired step by step, never in one delete.
    const result = await runToEnd(
      world,
      clock,
      deploymentState({ phase: 'rollback', rollbackReason: 'alarm x in ALARM' }),
    );

    expect(result.next).toEqual({ kind: 'end', outcome: 'rolled-back', detail: 'alarm x in ALARM' });
    expect(world.changes.slice(0, 4)).toEqual([
      `UpdateTaskSet ${OLD_SET_ARN} 100`,
      'ModifyListener prod blue',
      'ModifyListener test green',
      `UpdateServicePrimaryTaskSet ${OLD_SET_ARN}`,
    ]);
    const retired = world.changes.slice(4, -1);
    expect(retired.length).toBeGreaterThanOrEqual(2);
    for (const change of retired) expect(change).toMatch(new RegExp(`^UpdateTaskSet ${NEW_SET_ARN} `));
    expect(retired.at(-1)).toBe(`UpdateTaskSet ${NEW_SET_ARN} 0`);
    expect(world.changes.at(-1)).toBe(`DeleteTaskSet ${NEW_SET_ARN}`);
    // The restored old tasks needed healthDelayMs to pass health checks; production waited for them.
    expect(world.timesOf('ModifyListener prod')).toEqual([world.healthDelayMs]);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.forwardsTo(TEST_LISTENER_ARN)).toBe(GREEN_TG);
    expect(world.sets.map((s) => [s.taskSetArn, s.scale, s.primary])).toEqual([[OLD_SET_ARN, 100, true]]);
  });

  it('after a swap: points back, then retires the new set at the plan’s pace, waits for its clients, restores Auto Scaling, deletes it', async () => {
    const clock = { t: NOW };
    const world = new FakeAws({ now: () => clock.t })
      .withOldSet({ scale: 0, primary: false })
      .withScalableTarget({
        DynamicScalingInSuspended: true,
        DynamicScalingOutSuspended: true,
        ScheduledScalingSuspended: true,
      })
      .install(aws);
    withNewSet(world);
    world.drainingMs = 20_000;
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: GREEN_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: BLUE_TG });
    const previous = {
      DynamicScalingInSuspended: false,
      DynamicScalingOutSuspended: false,
      ScheduledScalingSuspended: false,
    };

    const result = await runToEnd(
      world,
      clock,
      deploymentState(
        {
          phase: 'rollback',
          swappedAt: NOW - 600_000,
          rollbackReason: 'new version unhealthy after the swap: 1 of 4 targets healthy for 60 s',
          autoScaling: { previous, suspended: true, restored: false },
        },
        paced,
      ),
    );

    expect(result.next).toEqual({
      kind: 'end',
      outcome: 'rolled-back',
      detail: 'new version unhealthy after the swap: 1 of 4 targets healthy for 60 s',
    });
    expect(world.changes).toEqual([
      `UpdateTaskSet ${OLD_SET_ARN} 100`,
      'ModifyListener prod blue',
      'ModifyListener test green',
      `UpdateServicePrimaryTaskSet ${OLD_SET_ARN}`,
      `UpdateTaskSet ${NEW_SET_ARN} 75`,
      `UpdateTaskSet ${NEW_SET_ARN} 50`,
      `UpdateTaskSet ${NEW_SET_ARN} 25`,
      `UpdateTaskSet ${NEW_SET_ARN} 0`,
      'RegisterScalableTarget in=false out=false scheduled=false',
      `DeleteTaskSet ${NEW_SET_ARN}`,
    ]);
    // Old targets healthy 30 s after the restore; production back then (t = 30 s).
    expect(world.timesOf('ModifyListener prod')).toEqual([30_000]);
    // First step a settle (60 s) after the point-back, then one a minute.
    expect(world.timesOf(`UpdateTaskSet ${NEW_SET_ARN}`)).toEqual([90_000, 150_000, 210_000, 270_000]);
    // The last tasks' clients drain for 20 s; the fake's draining ends at 290 s, seen at the next poll.
    const [deletedAt] = world.timesOf('DeleteTaskSet');
    expect(deletedAt).toBeGreaterThanOrEqual(290_000);
    expect(deletedAt).toBeLessThanOrEqual(290_000 + 15_000);
    expect(world.timesOf('RegisterScalableTarget')).toEqual([deletedAt]);
    expect(result.state.autoScaling).toMatchObject({ restored: true });
    expect(world.sets.map((s) => [s.taskSetArn, s.scale, s.primary])).toEqual([[OLD_SET_ARN, 100, true]]);
  });

  it('a swap interrupted between two production listeners: every production listener goes back', async () => {
    const clock = { t: NOW };
    const world = new FakeAws({ now: () => clock.t }).withOldSet().install(aws);
    withNewSet(world, { primary: false });
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: GREEN_TG });
    world.listeners.set(PROD_443_ARN, { port: 443, targetGroupArn: BLUE_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: GREEN_TG });
    const result = await runToEnd(
      world,
      clock,
      deploymentState(
        {
          phase: 'rollback',
          swappedAt: NOW - 5_000,
          rollbackReason: 'swap failed',
          topology: topology({ productionListenerArns: [PROD_LISTENER_ARN, PROD_443_ARN] }),
        },
        paced,
      ),
    );
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'rolled-back' });
    // Nothing to health-check (the 443 listener still forwards to blue), nothing to restore: back at once.
    expect(world.changes.slice(0, 1)).toEqual(['ModifyListener prod blue']);
    expect(world.timesOf('ModifyListener prod')).toEqual([0]);
    expect(world.changes.filter((c) => c.startsWith('ModifyListener :443'))).toEqual([]);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.forwardsTo(PROD_443_ARN)).toBe(BLUE_TG);
    expect(world.forwardsTo(TEST_LISTENER_ARN)).toBe(GREEN_TG);
    expect(world.timesOf(`UpdateTaskSet ${NEW_SET_ARN}`)).toEqual([60_000, 120_000, 180_000, 240_000]);
  });

  it('a swap interrupted before the test listener moved: health-checks the old group, then points back', async () => {
    const clock = { t: NOW };
    const world = new FakeAws({ now: () => clock.t }).withOldSet({ primary: false }).install(aws);
    withNewSet(world);
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: GREEN_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: GREEN_TG });
    const result = await runToEnd(
      world,
      clock,
      deploymentState({ phase: 'rollback', swappedAt: NOW - 5_000, rollbackReason: 'swap failed' }, paced),
    );
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'rolled-back' });
    expect(world.changes.slice(0, 4)).toEqual([
      'ModifyListener test blue',
      'ModifyListener prod blue',
      'ModifyListener test green',
      `UpdateServicePrimaryTaskSet ${OLD_SET_ARN}`,
    ]);
  });

  it('ends failed at its deadline when the old version never turns healthy, production left on the new one', async () => {
    const clock = { t: NOW };
    const world = new FakeAws({ now: () => clock.t }).withOldSet({ primary: false }).install(aws);
    withNewSet(world);
    world.failingHealth.add(BLUE_TG);
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: GREEN_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: BLUE_TG });
    const result = await runToEnd(
      world,
      clock,
      deploymentState(
        { phase: 'rollback', swappedAt: NOW - 5_000, rollbackReason: 'alarm' },
        { readyTimeoutSeconds: 120 },
      ),
    );
    expect(result.next).toEqual({
      kind: 'end',
      outcome: 'failed',
      detail:
        'rollback could not finish by its deadline: waiting for the old targets to carry production: 0 healthy, the new group has 4',
    });
    expect(clock.t).toBe(NOW + 120_000);
    expect(world.changes).toEqual([]);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(GREEN_TG);
  });

  it('rides out throttling: retried at the next poll until it gets through', async () => {
    const clock = { t: NOW };
    const world = new FakeAws({ now: () => clock.t }).withOldSet({ scale: 50, primary: false }).install(aws);
    withNewSet(world);
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: GREEN_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: BLUE_TG });
    // Two phase calls' worth of throttled UpdateTaskSet (fastRetry: three attempts each).
    world.failNext('UpdateTaskSetCommand', ecsThrottled(), 6);
    const result = await runToEnd(
      world,
      clock,
      deploymentState({ phase: 'rollback', rollbackReason: 'alarm' }),
    );
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'rolled-back' });
    expect(world.timesOf(`UpdateTaskSet ${OLD_SET_ARN} 100`)).toEqual([30_000]);
  });
});
