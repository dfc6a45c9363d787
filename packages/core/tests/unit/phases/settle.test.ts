import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import { settle } from '../../../src/phases/settle';
import type { DeploymentState } from '../../../src/state';
import {
  BLUE_TG,
  deploymentState,
  expectNoMutations,
  GREEN_TG,
  mockAws,
  NOW,
  newSet,
  oldSet,
  service,
  servicesOutput,
  targets,
} from '../support/fixtures';

const aws = mockAws();

const state = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
  deploymentState({ phase: 'settle', swappedAt: NOW, ...overrides }, { settleSeconds: 60, ...input });

/** The new set (2 tasks) serves production; `healthy` of its targets pass the health check. */
function given(healthy: number, desired = 2) {
  aws.ecs
    .on(DescribeServicesCommand)
    .resolves(
      servicesOutput(
        service([
          oldSet({ status: 'ACTIVE' }),
          newSet({ status: 'PRIMARY', computedDesiredCount: desired, runningCount: desired }),
        ]),
      ),
    );
  aws.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG }).resolves({
    TargetHealthDescriptions: targets(
      ...Array.from({ length: desired }, (_, i) =>
        i < healthy
          ? (['healthy'] as [string])
          : (['unhealthy', 'Target.FailedHealthChecks'] as [string, string]),
      ),
    ),
  });
}

describe('settle', () => {
  beforeEach(() => given(2));

  it('waits out the settle time after the swap in poll-sized slices before the first scale-down step', async () => {
    const input = { pollIntervalSeconds: 15 };
    const first = await settle(aws.context(NOW + 20_000), state({}, input));
    expect(first.next).toEqual({
      kind: 'go',
      phase: 'settle',
      detail: 'letting the listener change settle (40 s left)',
      afterSeconds: 15,
    });
    const second = await settle(aws.context(NOW + 35_000), first.state);
    expect(second.next).toMatchObject({ phase: 'settle', afterSeconds: 15 });
    expect(second.next.detail).toContain('25 s left');
    const last = await settle(aws.context(NOW + 50_000), second.state);
    expect(last.next).toMatchObject({ phase: 'settle', afterSeconds: 10 });
    expect(last.next.detail).toContain('10 s left');
    const done = await settle(aws.context(NOW + 60_000), last.state);
    expect(done.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 0 });
    expectNoMutations(aws);
  });

  it('reads the service and the new group’s health at every call, never the old group’s', async () => {
    await settle(aws.context(NOW + 20_000), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DescribeServicesCommand, {
      cluster: 'demo',
      services: ['web'],
    });
    expect(aws.elbv2).toHaveReceivedCommandExactlyOnceWith(DescribeTargetHealthCommand, {
      TargetGroupArn: GREEN_TG,
    });
    expect(aws.elbv2).not.toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG });
  });

  it('goes to scaleDown once the settle time has passed', async () => {
    const result = await settle(aws.context(NOW + 60_000), state());
    expect(result.next).toMatchObject({
      phase: 'scaleDown',
      afterSeconds: 0,
      detail: 'listener change settled',
    });
  });

  it('goes straight on with settleSeconds 0', async () => {
    const result = await settle(aws.context(NOW), state({}, { settleSeconds: 0 }));
    expect(result.next).toMatchObject({ phase: 'scaleDown' });
  });

  it('counts from now when the swap time is unknown (and records it)', async () => {
    const result = await settle(aws.context(), state({ swappedAt: undefined }));
    expect(result.state.swappedAt).toBe(NOW);
    expect(result.next).toMatchObject({ phase: 'settle', afterSeconds: 15 });
    expect(result.next.detail).toContain('60 s left');
  });

  it('wakes up every poll interval whether Auto Scaling is suspended or kept on', async () => {
    for (const suspendAutoScaling of [true, false]) {
      const result = await settle(
        aws.context(NOW + 5_000),
        state({}, { suspendAutoScaling, pollIntervalSeconds: 20 }),
      );
      expect(result.next).toMatchObject({ phase: 'settle', afterSeconds: 20 });
      expect(result.next.detail).toContain('55 s left');
    }
  });

  it('wakes up every poll interval while alarms are watched, and rolls back on one', async () => {
    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'OK' }] });
    const quiet = await settle(
      aws.context(NOW),
      state({}, { alarmNames: ['web-5xx'], pollIntervalSeconds: 15 }),
    );
    expect(quiet.next).toMatchObject({ phase: 'settle', afterSeconds: 15 });

    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'ALARM' }] });
    const alarmed = await settle(aws.context(NOW + 15_000), quiet.state);
    expect(alarmed.next).toMatchObject({ phase: 'rollback' });
    expect(alarmed.state.rollbackReason).toBe('alarm web-5xx in ALARM');
    expectNoMutations(aws);
  });

  describe('the health guard', () => {
    it('records when the new group falls below the bar and goes on settling within the grace', async () => {
      given(0);
      const result = await settle(aws.context(NOW + 20_000), state());
      expect(result.state.unhealthySince).toBe(NOW + 20_000);
      expect(result.next).toMatchObject({ phase: 'settle', afterSeconds: 15 });
      expectNoMutations(aws);
    });

    it('rolls back after unhealthyGraceSeconds below the bar, alarm or not, changing nothing', async () => {
      given(1, 3);
      const input = { unhealthyGraceSeconds: 30, readyTimeoutSeconds: 600, settleSeconds: 120 };
      const first = await settle(aws.context(NOW + 10_000), state({}, input));
      expect(first.state.unhealthySince).toBe(NOW + 10_000);
      const within = await settle(aws.context(NOW + 39_999), first.state);
      expect(within.next).toMatchObject({ phase: 'settle' });
      const rolled = await settle(aws.context(NOW + 40_000), within.state);
      expect(rolled.next).toEqual({
        kind: 'go',
        phase: 'rollback',
        detail: 'new version unhealthy after the swap: 1 of 3 targets healthy for 30 s',
        afterSeconds: 0,
      });
      expect(rolled.state).toMatchObject({
        rollbackReason: 'new version unhealthy after the swap: 1 of 3 targets healthy for 30 s',
        rollbackDeadline: NOW + 40_000 + 600_000,
        unhealthySince: NOW + 10_000,
      });
      expect(aws.cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 0);
      expectNoMutations(aws);
    });

    it('rolls back even once the settle time has passed, instead of going to scaleDown', async () => {
      given(0);
      const result = await settle(aws.context(NOW + 120_000), state({ unhealthySince: NOW + 60_000 }));
      expect(result.next).toMatchObject({ phase: 'rollback' });
      expect(result.state.rollbackReason).toBe(
        'new version unhealthy after the swap: 0 of 2 targets healthy for 60 s',
      );
    });

    it('hands a spell that is still within its grace on to scaleDown', async () => {
      given(0);
      const result = await settle(aws.context(NOW + 60_000), state({ unhealthySince: NOW + 30_000 }));
      expect(result.next).toMatchObject({ phase: 'scaleDown' });
      expect(result.state.unhealthySince).toBe(NOW + 30_000);
    });

    it('clears the spell when half the new set is healthy again', async () => {
      given(1, 2);
      const result = await settle(aws.context(NOW + 50_000), state({ unhealthySince: NOW }));
      expect(result.state).not.toHaveProperty('unhealthySince');
      expect(result.next).toMatchObject({ phase: 'settle', afterSeconds: 10 });
    });

    it('watches the alarms first: an alarm is the reason even when the new group is also unhealthy', async () => {
      given(0);
      aws.cloudwatch
        .on(DescribeAlarmsCommand)
        .resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'ALARM' }] });
      const result = await settle(
        aws.context(NOW + 120_000),
        state({ unhealthySince: NOW }, { alarmNames: ['web-5xx'] }),
      );
      expect(result.state.rollbackReason).toBe('alarm web-5xx in ALARM');
      expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 0);
    });
  });
});
