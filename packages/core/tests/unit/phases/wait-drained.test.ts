import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { decide, waitDrained } from '../../../src/phases/wait-drained';
import type { DeploymentState } from '../../../src/state';
import {
  deploymentState,
  expectNoMutations,
  mockAws,
  NOW,
  newSet,
  oldSet,
  service,
  servicesOutput,
} from '../support/fixtures';

const aws = mockAws();

describe('wait-drained decide (pure)', () => {
  const deadline = NOW + 1000;
  it.each([
    ['the old set is gone', undefined, NOW, 'drained'],
    [
      'nothing running or pending',
      oldSet({ computedDesiredCount: 0, runningCount: 0, pendingCount: 0 }),
      NOW,
      'drained',
    ],
    [
      'one task still running',
      oldSet({ computedDesiredCount: 0, runningCount: 1, pendingCount: 0 }),
      NOW,
      'wait',
    ],
    ['one task pending', oldSet({ computedDesiredCount: 0, runningCount: 0, pendingCount: 1 }), NOW, 'wait'],
    [
      'still running at the deadline',
      oldSet({ computedDesiredCount: 0, runningCount: 1 }),
      deadline,
      'timed-out',
    ],
    [
      'drained exactly at the deadline',
      oldSet({ computedDesiredCount: 0, runningCount: 0 }),
      deadline,
      'drained',
    ],
  ])('%s -> %s', (_label, old, now, kind) => {
    expect(decide(old, now, deadline).kind).toBe(kind);
  });

  it('says what is left', () => {
    const decision = decide(oldSet({ runningCount: 2, pendingCount: 1 }), NOW, NOW + 1);
    expect(decision).toEqual({
      kind: 'wait',
      reason: 'waiting for the old tasks to drain: 2 running, 1 pending',
    });
  });
});

describe('waitDrained', () => {
  const state = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
    deploymentState({ phase: 'waitDrained', swappedAt: NOW - 600_000, ...overrides }, input);
  const given = (running: number) =>
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

  it('goes to cleanup once the old set runs nothing', async () => {
    given(0);
    const result = await waitDrained(aws.context(), state());
    expect(result.next).toMatchObject({ phase: 'cleanup' });
    expect(result.status?.oldTasks).toEqual({ running: 0, pending: 0, desired: 0 });
    expectNoMutations(aws);
  });

  it('polls while tasks drain, keeping the first deadline across calls', async () => {
    given(1);
    const first = await waitDrained(
      aws.context(),
      state({}, { pollIntervalSeconds: 20, drainTimeoutSeconds: 300 }),
    );
    expect(first.next).toMatchObject({ phase: 'waitDrained', afterSeconds: 20 });
    expect(first.state.drainDeadline).toBe(NOW + 300_000);
    const second = await waitDrained(aws.context(NOW + 20_000), first.state);
    expect(second.state.drainDeadline).toBe(NOW + 300_000);
    expectNoMutations(aws);
  });

  it('ends as failed (not rolled back) after the drain deadline: the new version already serves all', async () => {
    given(1);
    const result = await waitDrained(aws.context(NOW + 1), state({ drainDeadline: NOW }));
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'failed' });
    expect(result.next.detail).toContain('1 running');
    expectNoMutations(aws);
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
