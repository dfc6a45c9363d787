import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../src/errors';
import { rollbackIfAlarm, startRollback, waitSlice } from '../../../src/phases/alarms';
import { caught, deploymentState, mockAws, NOW } from '../support/fixtures';

const aws = mockAws();

describe('startRollback', () => {
  it('records the reason and a deadline, and goes to rollback', () => {
    const result = startRollback(aws.context(), deploymentState({}, { readyTimeoutSeconds: 300 }), 'why');
    expect(result.next).toMatchObject({ kind: 'go', phase: 'rollback', detail: 'why' });
    expect(result.state).toMatchObject({ rollbackReason: 'why', rollbackDeadline: NOW + 300_000 });
  });

  it('keeps the first reason and deadline when started again', () => {
    const first = startRollback(aws.context(), deploymentState(), 'first cause');
    const second = startRollback(aws.context(NOW + 5_000), first.state, 'second cause');
    expect(second.state.rollbackReason).toBe('first cause');
    expect(second.state.rollbackDeadline).toBe(first.state.rollbackDeadline);
  });
});

describe('rollbackIfAlarm', () => {
  it('does not call CloudWatch when no alarm is watched', async () => {
    await expect(rollbackIfAlarm(aws.context(), deploymentState())).resolves.toBeUndefined();
    expect(aws.cloudwatch).toHaveReceivedCommandTimes(DescribeAlarmsCommand, 0);
  });

  it('names every alarm in ALARM in the reason', async () => {
    aws.cloudwatch.on(DescribeAlarmsCommand).resolves({
      MetricAlarms: [
        { AlarmName: 'a', StateValue: 'ALARM' },
        { AlarmName: 'b', StateValue: 'INSUFFICIENT_DATA' },
      ],
      CompositeAlarms: [{ AlarmName: 'c', StateValue: 'ALARM' }],
    });
    const result = await rollbackIfAlarm(aws.context(), deploymentState({}, { alarmNames: ['a', 'b', 'c'] }));
    expect(result?.state.rollbackReason).toBe('alarm a, c in ALARM');
    expect(aws.cloudwatch).toHaveReceivedCommandWith(DescribeAlarmsCommand, { AlarmNames: ['a', 'b', 'c'] });
  });

  it('keeps the AWS error name when CloudWatch refuses', async () => {
    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .rejects(Object.assign(new Error('User is not authorized'), { name: 'AccessDenied' }));
    const error = await caught(rollbackIfAlarm(aws.context(), deploymentState({}, { alarmNames: ['a'] })));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('AccessDenied');
    expect(error.message).toContain('reading alarms a');
  });
});

describe('waitSlice', () => {
  it('is poll-sized without alarms too: the health guard is read at every poll after the swap', () => {
    const quiet = deploymentState({}, { pollIntervalSeconds: 15 });
    expect(quiet.input.alarmNames).toEqual([]);
    expect(waitSlice(quiet, 60)).toBe(15);
    expect(waitSlice(quiet, 3600)).toBe(15);
    expect(waitSlice(quiet, 16)).toBe(15);
    expect(waitSlice(quiet, 15)).toBe(15);
    expect(waitSlice(quiet, 14)).toBe(14);
    expect(waitSlice(quiet, 1)).toBe(1);
    expect(waitSlice(quiet, 0)).toBe(0);
    expect(waitSlice(quiet, -3)).toBe(0);
  });

  it('is the same slice with alarms watched', () => {
    const watched = deploymentState({}, { pollIntervalSeconds: 15, alarmNames: ['a'] });
    expect(waitSlice(watched, 60)).toBe(15);
    expect(waitSlice(watched, 5)).toBe(5);
  });

  it('is the same slice whether Auto Scaling is suspended (the default) or kept on', () => {
    const suspended = deploymentState({}, { pollIntervalSeconds: 15 });
    expect(suspended.input.suspendAutoScaling).toBe(true);
    const scaling = deploymentState({}, { pollIntervalSeconds: 15, suspendAutoScaling: false });
    for (const remaining of [3600, 60, 15, 7, 0]) {
      expect(waitSlice(suspended, remaining)).toBe(Math.min(15, remaining));
      expect(waitSlice(scaling, remaining)).toBe(Math.min(15, remaining));
    }
  });

  it('follows pollIntervalSeconds', () => {
    const slow = deploymentState({}, { pollIntervalSeconds: 20 });
    expect(waitSlice(slow, 60)).toBe(20);
    expect(waitSlice(slow, 19)).toBe(19);
    const long = deploymentState({}, { pollIntervalSeconds: 3600 });
    expect(waitSlice(long, 90)).toBe(90);
  });
});
