/**
 * waitReady (the health gate) through real SDK clients against moto: DescribeServices for the task set's
 * counts, DescribeTargetHealth of the standby target group, DescribeAlarms.
 *
 * moto runs no tasks for a task set and reports no counts, so the gate can only open when the test plays
 * ECS (support/ecs-player.ts): it fills in the counts ECS would report and registers the tasks' IPs in the
 * target group, which moto then reports `healthy`.
 */
import { PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { runPhase } from '@ecs-taper/core/workflow';
import { describe, expect, it } from 'vitest';
import type { PlayerOptions } from '../support/ecs-player';
import {
  createStack,
  discoverAndCreate,
  motoClients,
  phaseContext,
  playedClients,
  readTargetStates,
} from '../support/real-aws';

const raw = motoClients();

async function created(options?: PlayerOptions, overrides: Record<string, unknown> = {}) {
  const stack = await createStack(raw);
  const { clients, player } = playedClients(options);
  const state = await discoverAndCreate(raw, stack, overrides);
  return { stack, clients, player, state };
}

describe('waitReady against moto', () => {
  it('moto alone: no counts on the task set, no targets, so the gate stays shut', async () => {
    const stack = await createStack(raw);
    const state = await discoverAndCreate(raw, stack);
    const result = await runPhase('waitReady', phaseContext(raw), state, { resume: false });
    expect(result.next).toMatchObject({ kind: 'go', phase: 'waitReady', afterSeconds: 15 });
    // moto's STEADY_STATE is reported as is; the 0/0 comes from moto leaving the counts out.
    expect(result.next.detail).toBe(
      'waiting for the new task set: 0/0 running, 0 pending, STEADY_STATE; targets: 0 healthy',
    );
    expect(result.status).toMatchObject({
      newTasks: { running: 0, pending: 0, desired: 0 },
      healthyNewTargets: 0,
    });
  });

  it('moto alone: past the deadline the gate times out into rollback', async () => {
    const stack = await createStack(raw);
    const state = await discoverAndCreate(raw, stack);
    const late = phaseContext(raw, (state.readyDeadline ?? 0) + 1);
    const result = await runPhase('waitReady', late, state, { resume: false });
    expect(result.next).toMatchObject({ kind: 'go', phase: 'rollback' });
    expect(result.state.rollbackReason).toMatch(/^new task set not ready by the deadline: 0\/0 running/);
  });

  it('opens when the tasks run and the target group reports them healthy (the test plays ECS)', async () => {
    const { stack, clients, state } = await created();
    const result = await runPhase('waitReady', phaseContext(clients), state, { resume: false });
    expect(result.next).toMatchObject({ kind: 'go', phase: 'swap' });
    expect(result.next.detail).toBe(
      'new task set ready: 3/3 running, 0 pending, STEADY_STATE; targets: 3 healthy',
    );
    // What moto itself now says about the green group: the three task IPs the player registered.
    expect(await readTargetStates(raw, stack.greenTargetGroupArn)).toEqual([
      expect.stringMatching(/:healthy$/),
      expect.stringMatching(/:healthy$/),
      expect.stringMatching(/:healthy$/),
    ]);
  });

  it('stays shut while the tasks run but are not registered in the target group', async () => {
    const { clients, state } = await created({ registerTargets: () => false });
    const result = await runPhase('waitReady', phaseContext(clients), state, { resume: false });
    expect(result.next.detail).toBe(
      'waiting for the new task set: 3/3 running, 0 pending, STEADY_STATE; targets: 0 healthy',
    );
  });

  it('stays shut while only some tasks run (STABILIZING, pending tasks)', async () => {
    const { clients, state } = await created(
      { running: (set, computed) => (set.externalId === 'dep-slow' ? 1 : computed) },
      { deploymentId: 'dep-slow' },
    );
    const result = await runPhase('waitReady', phaseContext(clients), state, { resume: false });
    expect(result.next).toMatchObject({ kind: 'go', phase: 'waitReady' });
    expect(result.next.detail).toBe(
      'waiting for the new task set: 1/3 running, 2 pending, STABILIZING; targets: 1 healthy',
    );
    expect(result.status?.oldTasks).toEqual({ running: 3, pending: 0, desired: 3 });
  });

  it('rolls back when a watched CloudWatch alarm is in ALARM (DescribeAlarms on moto)', async () => {
    const alarmName = `taper-errors-${Math.random().toString(36).slice(2, 8)}`;
    await raw.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: alarmName,
        Namespace: 'AWS/NetworkELB',
        MetricName: 'UnHealthyHostCount',
        Statistic: 'Maximum',
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
    const { clients, state } = await created({}, { alarmNames: [alarmName] });
    const quiet = await runPhase('waitReady', phaseContext(clients), state, { resume: false });
    expect(quiet.next).toMatchObject({ kind: 'go', phase: 'swap' });

    await raw.cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'test' }),
    );
    const firing = await runPhase('waitReady', phaseContext(clients), state, { resume: false });
    expect(firing.next).toMatchObject({
      kind: 'go',
      phase: 'rollback',
      detail: `alarm ${alarmName} in ALARM`,
    });
  });
});
