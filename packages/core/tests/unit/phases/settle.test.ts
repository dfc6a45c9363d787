import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { settle } from '../../../src/phases/settle';
import type { DeploymentState } from '../../../src/state';
import { deploymentState, expectNoMutations, mockAws, NOW } from '../support/fixtures';

const aws = mockAws();

const state = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
  deploymentState({ phase: 'settle', swappedAt: NOW, ...overrides }, { settleSeconds: 60, ...input });

describe('settle', () => {
  it('waits out the settle time after the swap before the first scale-down step', async () => {
    const result = await settle(aws.context(NOW + 20_000), state());
    expect(result.next).toMatchObject({ kind: 'go', phase: 'settle', afterSeconds: 40 });
    expect(result.next.detail).toContain('40 s left');
    expectNoMutations(aws);
  });

  it('goes to scaleDown once the settle time has passed', async () => {
    const result = await settle(aws.context(NOW + 60_000), state());
    expect(result.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 0 });
  });

  it('goes straight on with settleSeconds 0', async () => {
    const result = await settle(aws.context(NOW), state({}, { settleSeconds: 0 }));
    expect(result.next).toMatchObject({ phase: 'scaleDown' });
  });

  it('counts from now when the swap time is unknown (and records it)', async () => {
    const result = await settle(aws.context(), state({ swappedAt: undefined }));
    expect(result.state.swappedAt).toBe(NOW);
    expect(result.next).toMatchObject({ phase: 'settle', afterSeconds: 60 });
  });

  it('wakes up every poll interval when Auto Scaling is kept on', async () => {
    const result = await settle(
      aws.context(NOW + 5_000),
      state({}, { suspendAutoScaling: false, pollIntervalSeconds: 15 }),
    );
    expect(result.next).toMatchObject({ phase: 'settle', afterSeconds: 15 });
    expect(result.next.detail).toContain('55 s left');
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
});
