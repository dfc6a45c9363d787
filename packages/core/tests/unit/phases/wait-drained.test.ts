import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import {
  DescribeTargetGroupAttributesCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_STOP_TIMEOUT_SECONDS,
  type DrainView,
  decide,
  waitDrained,
} from '../../../src/phases/wait-drained';
import type { DeploymentState } from '../../../src/state';
import {
  BLUE_TG,
  deploymentState,
  expectNoMutations,
  GREEN_TG,
  mockAws,
  NOW,
  newSet,
  OLD_TD,
  oldSet,
  service,
  servicesOutput,
  targets,
} from '../support/fixtures';

const aws = mockAws();

describe('wait-drained decide (pure)', () => {
  const quietOld = oldSet({ computedDesiredCount: 0, runningCount: 0, pendingCount: 0 });
  const view = (overrides: Partial<DrainView>): DrainView => ({
    old: quietOld,
    drainingTargets: 0,
    now: NOW,
    deadline: NOW + 1000,
    quietSince: undefined,
    stopTimeoutSeconds: 30,
    ...overrides,
  });

  it.each([
    ['the old set is gone', 'drained', view({ old: undefined, drainingTargets: 3 })],
    ['quiet, first seen now: the stop timeout starts', 'quiet', view({})],
    ['quiet for 29.999 s of 30', 'quiet', view({ quietSince: NOW - 29_999 })],
    ['quiet for exactly the stop timeout', 'drained', view({ quietSince: NOW - 30_000 })],
    ['quiet, with a stop timeout of 0', 'drained', view({ stopTimeoutSeconds: 0 })],
    ['quiet past the drain deadline: still given its stop timeout', 'quiet', view({ now: NOW + 5000 })],
    ['one task still running', 'wait', view({ old: oldSet({ computedDesiredCount: 0, runningCount: 1 }) })],
    [
      'one task pending',
      'wait',
      view({ old: oldSet({ computedDesiredCount: 0, runningCount: 0, pendingCount: 1 }) }),
    ],
    ['no task left, but a target still draining', 'wait', view({ drainingTargets: 1 })],
    [
      'a target draining again after a quiet spell',
      'wait',
      view({ drainingTargets: 1, quietSince: NOW - 60_000 }),
    ],
    [
      'still running at the deadline',
      'timed-out',
      view({ old: oldSet({ computedDesiredCount: 0, runningCount: 1 }), now: NOW + 1000 }),
    ],
    ['still draining at the deadline', 'timed-out', view({ drainingTargets: 2, now: NOW + 1000 })],
  ] as const)('%s -> %s', (_label, kind, input) => {
    expect(decide(input).kind).toBe(kind);
  });

  it('says how long the stopping tasks still get, in whole seconds', () => {
    expect(decide(view({ quietSince: NOW - 10_500, stopTimeoutSeconds: 120 }))).toEqual({
      kind: 'quiet',
      seconds: 110,
      reason:
        'old targets deregistered; giving the stopping tasks their stop timeout (120 s) to close their connections',
    });
  });

  it('says what is left: tasks and draining targets', () => {
    const decision = decide(view({ old: oldSet({ runningCount: 2, pendingCount: 1 }), drainingTargets: 4 }));
    expect(decision).toEqual({
      kind: 'wait',
      reason: 'waiting for the old tasks to drain: 2 running, 1 pending, 4 targets draining',
    });
  });

  it('names the old set gone and drained differently', () => {
    expect(decide(view({ old: undefined }))).toEqual({ kind: 'drained', detail: 'old task set gone' });
    expect(decide(view({ quietSince: NOW - 30_000 }))).toEqual({
      kind: 'drained',
      detail: 'old task set drained',
    });
  });

  it('is given Fargate’s 30 s when the task definition sets no stop timeout', () => {
    expect(DEFAULT_STOP_TIMEOUT_SECONDS).toBe(30);
  });
});

describe('waitDrained', () => {
  const state = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
    deploymentState({ phase: 'waitDrained', swappedAt: NOW - 600_000, ...overrides }, input);

  /** The old set with `running` tasks, `draining` targets on its group, and the AWS settings the deadline uses. */
  function given(
    running: number,
    options: {
      draining?: number;
      stopTimeouts?: (number | undefined)[];
      deregistrationDelay?: string;
      newHealthy?: number;
    } = {},
  ) {
    aws.ecs.on(DescribeServicesCommand).resolves(
      servicesOutput(
        service([
          oldSet({
            status: 'ACTIVE',
            computedDesiredCount: 0,
            runningCount: running,
            scale: { unit: 'PERCENT', value: 0 },
          }),
          newSet({ status: 'PRIMARY' }),
        ]),
      ),
    );
    aws.ecs.on(DescribeTaskDefinitionCommand).resolves({
      taskDefinition: {
        containerDefinitions: (options.stopTimeouts ?? [undefined]).map((stopTimeout, i) => ({
          name: `c${i}`,
          ...(stopTimeout === undefined ? {} : { stopTimeout }),
        })),
      },
    });
    aws.elbv2.on(DescribeTargetGroupAttributesCommand).resolves({
      Attributes: [
        { Key: 'stickiness.enabled', Value: 'false' },
        ...(options.deregistrationDelay === undefined
          ? []
          : [{ Key: 'deregistration_delay.timeout_seconds', Value: options.deregistrationDelay }]),
      ],
    });
    aws.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG }).resolves({
      TargetHealthDescriptions: targets(
        ...Array.from(
          { length: options.draining ?? 0 },
          () => ['draining', 'Target.DeregistrationInProgress'] as [string, string],
        ),
      ),
    });
    newTargets(options.newHealthy ?? 2);
  }

  /** The new group: `healthy` of the new set's 2 targets pass the health check. */
  function newTargets(healthy: number) {
    aws.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG }).resolves({
      TargetHealthDescriptions: targets(
        ...Array.from({ length: 2 }, (_, i) =>
          i < healthy
            ? (['healthy'] as [string])
            : (['unhealthy', 'Target.FailedHealthChecks'] as [string, string]),
        ),
      ),
    });
  }

  it('reads the old task definition’s stop timeout and the old group’s deregistration delay once', async () => {
    given(1, { stopTimeouts: [10, 45], deregistrationDelay: '120' });
    const first = await waitDrained(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DescribeTaskDefinitionCommand, {
      taskDefinition: OLD_TD,
    });
    expect(aws.elbv2).toHaveReceivedCommandExactlyOnceWith(DescribeTargetGroupAttributesCommand, {
      TargetGroupArn: BLUE_TG,
    });
    expect(first.state.stopTimeoutSeconds).toBe(45);
    await waitDrained(aws.context(NOW + 15_000), first.state);
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 1);
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetGroupAttributesCommand, 1);
  });

  it.each([
    ['drainTimeoutSeconds when it is the longer', { drainTimeoutSeconds: 900 }, {}, 900],
    [
      'deregistration delay (default 300) + stop timeout (default 30) + a poll when those are longer',
      { drainTimeoutSeconds: 300, pollIntervalSeconds: 15 },
      {},
      345,
    ],
    [
      'the group’s own delay and the longest container stop timeout',
      { drainTimeoutSeconds: 60, pollIntervalSeconds: 20 },
      { deregistrationDelay: '100', stopTimeouts: [5, undefined] },
      150,
    ],
    [
      'the default delay when the attribute is not a number',
      { drainTimeoutSeconds: 60, pollIntervalSeconds: 10 },
      { deregistrationDelay: 'soon', stopTimeouts: [2] },
      312,
    ],
  ])('sets the deadline from %s', async (_label, input, aws_, seconds) => {
    given(1, aws_);
    const result = await waitDrained(aws.context(), state({}, input));
    expect(result.state.drainDeadline).toBe(NOW + seconds * 1000);
  });

  it('waits for draining targets after the tasks are gone, counting only `draining` ones', async () => {
    given(0, { draining: 2 });
    aws.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG }).resolves({
      TargetHealthDescriptions: targets(
        ['draining', 'Target.DeregistrationInProgress'],
        ['unused', 'Target.NotInUse'],
        ['draining', 'Target.DeregistrationInProgress'],
      ),
    });
    const result = await waitDrained(aws.context(), state({}, { pollIntervalSeconds: 20 }));
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG });
    expect(result.next).toMatchObject({ phase: 'waitDrained', afterSeconds: 20 });
    expect(result.next.detail).toBe(
      'waiting for the old tasks to drain: 0 running, 0 pending, 2 targets draining',
    );
    expect(result.state.drainQuietSince).toBeUndefined();
    expectNoMutations(aws);
  });

  it('goes to cleanup only after the stop timeout has passed since the old set was first seen quiet', async () => {
    given(0, { stopTimeouts: [40] });
    const input = { pollIntervalSeconds: 15 };
    const first = await waitDrained(aws.context(), state({}, input));
    expect(first.next).toMatchObject({ phase: 'waitDrained', afterSeconds: 15 });
    expect(first.next.detail).toContain('stop timeout (40 s)');
    expect(first.state.drainQuietSince).toBe(NOW);
    expect(first.status?.oldTasks).toEqual({ running: 0, pending: 0, desired: 0 });

    const second = await waitDrained(aws.context(NOW + 30_000), first.state);
    // 10 s of the stop timeout left: shorter than a poll.
    expect(second.next).toMatchObject({ phase: 'waitDrained', afterSeconds: 10 });
    expect(second.state.drainQuietSince).toBe(NOW);

    const before = await waitDrained(aws.context(NOW + 39_999), second.state);
    expect(before.next).toMatchObject({ phase: 'waitDrained', afterSeconds: 1 });

    const done = await waitDrained(aws.context(NOW + 40_000), before.state);
    expect(done.next).toMatchObject({ kind: 'go', phase: 'cleanup', detail: 'old task set drained' });
    expectNoMutations(aws);
  });

  it('starts the stop timeout again when a target drains again', async () => {
    given(0);
    const quiet = await waitDrained(aws.context(), state());
    expect(quiet.state.drainQuietSince).toBe(NOW);
    given(0, { draining: 1 });
    const busy = await waitDrained(aws.context(NOW + 15_000), quiet.state);
    expect(busy.state.drainQuietSince).toBeUndefined();
    given(0);
    const again = await waitDrained(aws.context(NOW + 30_000), busy.state);
    expect(again.state.drainQuietSince).toBe(NOW + 30_000);
    const notYet = await waitDrained(aws.context(NOW + 45_000), again.state);
    expect(notYet.next).toMatchObject({ phase: 'waitDrained' });
    const done = await waitDrained(aws.context(NOW + 60_000), notYet.state);
    expect(done.next).toMatchObject({ phase: 'cleanup' });
  });

  it('goes to cleanup at once when the old set is already gone, reading only the new group’s health', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([newSet({ status: 'PRIMARY' })])));
    newTargets(2);
    const result = await waitDrained(aws.context(), state());
    expect(result.next).toMatchObject({ phase: 'cleanup', detail: 'old task set gone' });
    expect(aws.elbv2).toHaveReceivedCommandExactlyOnceWith(DescribeTargetHealthCommand, {
      TargetGroupArn: GREEN_TG,
    });
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 1);
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetGroupAttributesCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 0);
    expectNoMutations(aws);
  });

  it('polls while tasks drain, keeping the first deadline across calls', async () => {
    given(1);
    const first = await waitDrained(
      aws.context(),
      state({}, { pollIntervalSeconds: 20, drainTimeoutSeconds: 600 }),
    );
    expect(first.next).toMatchObject({ phase: 'waitDrained', afterSeconds: 20 });
    expect(first.state.drainDeadline).toBe(NOW + 600_000);
    const second = await waitDrained(aws.context(NOW + 20_000), first.state);
    expect(second.state.drainDeadline).toBe(NOW + 600_000);
    expectNoMutations(aws);
  });

  it('ends as failed (not rolled back) after the drain deadline: the new version already serves all', async () => {
    given(1);
    const result = await waitDrained(aws.context(NOW + 1), state({ drainDeadline: NOW }));
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'failed' });
    expect(result.next.detail).toBe(
      'old task set still has 1 running, 0 pending, 0 targets draining after the drain deadline; the new version serves all traffic, the old set is left at scale 0 for you to inspect',
    );
    expectNoMutations(aws);
  });

  it('ends as failed when targets are still draining at the deadline', async () => {
    given(0, { draining: 3 });
    const result = await waitDrained(aws.context(NOW), state({ drainDeadline: NOW, stopTimeoutSeconds: 30 }));
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'failed' });
    expect(result.next.detail).toContain('3 targets draining');
  });

  describe('the health guard', () => {
    it('records a spell below the bar and goes on waiting for the drain within the grace', async () => {
      given(1, { newHealthy: 0 });
      const result = await waitDrained(aws.context(), state({}, { pollIntervalSeconds: 20 }));
      expect(result.state.unhealthySince).toBe(NOW);
      expect(result.next).toMatchObject({ phase: 'waitDrained', afterSeconds: 20 });
      expectNoMutations(aws);
    });

    it('rolls back after unhealthyGraceSeconds below the bar, before reading the drain settings', async () => {
      given(1, { newHealthy: 0 });
      const result = await waitDrained(
        aws.context(NOW + 30_000),
        state({ unhealthySince: NOW }, { unhealthyGraceSeconds: 30, readyTimeoutSeconds: 600 }),
      );
      expect(result.next).toEqual({
        kind: 'go',
        phase: 'rollback',
        detail: 'new version unhealthy after the swap: 0 of 2 targets healthy for 30 s',
        afterSeconds: 0,
      });
      expect(result.state).toMatchObject({
        rollbackReason: 'new version unhealthy after the swap: 0 of 2 targets healthy for 30 s',
        rollbackDeadline: NOW + 30_000 + 600_000,
      });
      expect(result.status).toMatchObject({
        oldTasks: { running: 1, pending: 0, desired: 0 },
        newTasks: { running: 2, pending: 0, desired: 2 },
      });
      expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 0);
      expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetGroupAttributesCommand, 0);
      expect(aws.elbv2).not.toHaveReceivedCommandWith(DescribeTargetHealthCommand, {
        TargetGroupArn: BLUE_TG,
      });
      expectNoMutations(aws);
    });

    it('rolls back rather than going to cleanup when the old set is drained but the new one is failing', async () => {
      given(0, { newHealthy: 0 });
      const result = await waitDrained(
        aws.context(NOW + 60_000),
        state({
          unhealthySince: NOW,
          drainQuietSince: NOW - 60_000,
          stopTimeoutSeconds: 30,
          drainDeadline: NOW + 600_000,
        }),
      );
      expect(result.next).toMatchObject({ phase: 'rollback' });
    });

    it('clears the spell once half the new set is healthy', async () => {
      given(1, { newHealthy: 1 });
      const result = await waitDrained(aws.context(NOW + 59_000), state({ unhealthySince: NOW }));
      expect(result.state).not.toHaveProperty('unhealthySince');
      expect(result.next).toMatchObject({ phase: 'waitDrained' });
    });
  });

  it('rolls back when a watched alarm fires', async () => {
    given(1);
    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'ALARM' }] });
    const result = await waitDrained(aws.context(), state({}, { alarmNames: ['web-5xx'] }));
    expect(result.next).toMatchObject({ phase: 'rollback' });
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 0);
  });
});
