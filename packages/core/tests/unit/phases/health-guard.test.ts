import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { AwsCallError } from '../../../src/errors';
import { belowBar, guardNewTargets } from '../../../src/phases/health-guard';
import type { DeploymentState } from '../../../src/state';
import {
  BLUE_TG,
  caught,
  deploymentState,
  elbv2Error,
  expectNoMutations,
  GREEN_TG,
  mockAws,
  NOW,
  newSet,
  targets,
} from '../support/fixtures';

const aws = mockAws();

/** `healthy` healthy targets in the new (green) group, then `others` of the given state. */
function newGroup(
  healthy: number,
  others: [string] | [string, string] = ['unhealthy', 'Target.FailedHealthChecks'],
  count = 0,
) {
  aws.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG }).resolves({
    TargetHealthDescriptions: targets(
      ...Array.from({ length: healthy }, () => ['healthy'] as [string]),
      ...Array.from({ length: count }, () => others),
    ),
  });
}

const state = (overrides: Partial<DeploymentState> = {}, input: Record<string, unknown> = {}) =>
  deploymentState({ phase: 'scaleDown', swappedAt: NOW - 120_000, ...overrides }, input);
const ours = (desired: number) => newSet({ status: 'PRIMARY', computedDesiredCount: desired });

describe('belowBar', () => {
  it.each([
    // [healthy, desired, below]
    [0, 1, true],
    [1, 1, false],
    [0, 2, true],
    [1, 2, false],
    [1, 3, true],
    [2, 3, false],
    [1, 4, true],
    [2, 4, false],
    [2, 5, true],
    [3, 5, false],
    [4, 10, true],
    [5, 10, false],
    [49, 100, true],
    [50, 100, false],
    [7, 4, false],
  ])('%d healthy of %d desired -> below: %s', (healthy, desired, below) => {
    expect(belowBar(healthy, desired)).toBe(below);
  });

  it('never holds a set that wants no task below the bar', () => {
    expect(belowBar(0, 0)).toBe(false);
  });
});

describe('guardNewTargets', () => {
  it('reads the health of the new group only, and reports its healthy targets', async () => {
    newGroup(2);
    const result = await guardNewTargets(aws.context(), state(), ours(2));
    expect(aws.elbv2).toHaveReceivedCommandExactlyOnceWith(DescribeTargetHealthCommand, {
      TargetGroupArn: GREEN_TG,
    });
    expect(aws.elbv2).not.toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG });
    expect(result.healthyNewTargets).toBe(2);
    expect(result.rollback).toBeUndefined();
    expect(result.state).not.toHaveProperty('unhealthySince');
    expectNoMutations(aws);
  });

  it('records since when the new group is below the bar, and keeps that time while it stays below', async () => {
    newGroup(1, ['unhealthy', 'Target.FailedHealthChecks'], 2);
    const first = await guardNewTargets(aws.context(), state(), ours(3));
    expect(first.state.unhealthySince).toBe(NOW);
    expect(first.healthyNewTargets).toBe(1);
    expect(first.rollback).toBeUndefined();

    const later = await guardNewTargets(aws.context(NOW + 30_000), first.state, ours(3));
    expect(later.state.unhealthySince).toBe(NOW);
    expect(later.rollback).toBeUndefined();
  });

  it('rolls back once the new group has stayed below the bar for unhealthyGraceSeconds, not a millisecond before', async () => {
    newGroup(1, ['unhealthy', 'Target.FailedHealthChecks'], 3);
    const input = { unhealthyGraceSeconds: 45, readyTimeoutSeconds: 300 };
    const since = state({ unhealthySince: NOW }, input);
    const before = await guardNewTargets(aws.context(NOW + 44_999), since, ours(4));
    expect(before.rollback).toBeUndefined();
    expect(before.state.unhealthySince).toBe(NOW);

    const at = await guardNewTargets(aws.context(NOW + 45_000), since, ours(4));
    expect(at.rollback?.next).toEqual({
      kind: 'go',
      phase: 'rollback',
      detail: 'new version unhealthy after the swap: 1 of 4 targets healthy for 45 s',
      afterSeconds: 0,
    });
    expect(at.rollback?.state).toMatchObject({
      unhealthySince: NOW,
      rollbackReason: 'new version unhealthy after the swap: 1 of 4 targets healthy for 45 s',
      rollbackDeadline: NOW + 45_000 + 300_000,
    });
    expect(at.healthyNewTargets).toBe(1);
    expectNoMutations(aws);
  });

  it('waits 60 s by default', async () => {
    newGroup(0, ['unhealthy', 'Target.FailedHealthChecks'], 2);
    const since = state({ unhealthySince: NOW });
    expect(since.input.unhealthyGraceSeconds).toBe(60);
    expect((await guardNewTargets(aws.context(NOW + 59_999), since, ours(2))).rollback).toBeUndefined();
    const at = await guardNewTargets(aws.context(NOW + 60_000), since, ours(2));
    expect(at.rollback?.state.rollbackReason).toBe(
      'new version unhealthy after the swap: 0 of 2 targets healthy for 60 s',
    );
  });

  it('rolls back at the first reading below the bar with unhealthyGraceSeconds 0', async () => {
    newGroup(0, ['unhealthy', 'Target.FailedHealthChecks'], 1);
    const result = await guardNewTargets(aws.context(), state({}, { unhealthyGraceSeconds: 0 }), ours(1));
    expect(result.state.unhealthySince).toBe(NOW);
    expect(result.rollback?.state.rollbackReason).toBe(
      'new version unhealthy after the swap: 0 of 1 targets healthy for 0 s',
    );
  });

  it('forgets the unhealthy spell once the new group is back at the bar: the grace starts over', async () => {
    newGroup(2, ['unhealthy', 'Target.FailedHealthChecks'], 2);
    const recovered = await guardNewTargets(
      aws.context(NOW + 59_000),
      state({ unhealthySince: NOW }),
      ours(4),
    );
    expect(recovered.state).not.toHaveProperty('unhealthySince');
    expect(recovered.rollback).toBeUndefined();

    newGroup(1, ['unhealthy', 'Target.FailedHealthChecks'], 3);
    const again = await guardNewTargets(aws.context(NOW + 70_000), recovered.state, ours(4));
    expect(again.state.unhealthySince).toBe(NOW + 70_000);
    expect(again.rollback).toBeUndefined();
  });

  it('counts only `healthy` targets: initial, unused and draining ones are not healthy', async () => {
    aws.elbv2.on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG }).resolves({
      TargetHealthDescriptions: targets(
        ['healthy'],
        ['initial', 'Elb.RegistrationInProgress'],
        ['unused', 'Target.NotInUse'],
        ['draining', 'Target.DeregistrationInProgress'],
      ),
    });
    const result = await guardNewTargets(aws.context(), state({ unhealthySince: NOW - 60_000 }), ours(3));
    expect(result.healthyNewTargets).toBe(1);
    expect(result.rollback?.state.rollbackReason).toBe(
      'new version unhealthy after the swap: 1 of 3 targets healthy for 60 s',
    );
  });

  it('measures the bar against the new set’s computedDesiredCount, not the targets it has', async () => {
    // Two targets, both healthy, but the set wants five: 2 * 2 < 5.
    newGroup(2);
    const result = await guardNewTargets(aws.context(), state({ unhealthySince: NOW - 60_000 }), ours(5));
    expect(result.rollback?.state.rollbackReason).toBe(
      'new version unhealthy after the swap: 2 of 5 targets healthy for 60 s',
    );
  });

  it('does not roll back for a new set that is gone or wants no task, and clears the spell', async () => {
    newGroup(0);
    const gone = await guardNewTargets(aws.context(), state({ unhealthySince: NOW - 600_000 }), undefined);
    expect(gone.rollback).toBeUndefined();
    expect(gone.state).not.toHaveProperty('unhealthySince');
    const empty = await guardNewTargets(aws.context(), state({ unhealthySince: NOW - 600_000 }), ours(0));
    expect(empty.rollback).toBeUndefined();
  });

  it('keeps the first rollback reason and deadline when a rollback was already under way', async () => {
    newGroup(0, ['unhealthy', 'Target.FailedHealthChecks'], 2);
    const result = await guardNewTargets(
      aws.context(),
      state({ unhealthySince: NOW - 60_000, rollbackReason: 'earlier', rollbackDeadline: NOW + 5_000 }),
      ours(2),
    );
    expect(result.rollback?.state).toMatchObject({
      rollbackReason: 'earlier',
      rollbackDeadline: NOW + 5_000,
    });
    expect(result.rollback?.next.detail).toBe(
      'new version unhealthy after the swap: 0 of 2 targets healthy for 60 s',
    );
  });

  it('reads nothing before discover resolved the topology', async () => {
    const result = await guardNewTargets(aws.context(), state({ topology: undefined }), ours(2));
    expect(result).toMatchObject({ healthyNewTargets: 0 });
    expect(result.rollback).toBeUndefined();
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 0);
  });

  it('lets a failed read through, with what it was reading', async () => {
    aws.elbv2
      .on(DescribeTargetHealthCommand)
      .rejects(elbv2Error('AccessDenied', 'not authorized to elasticloadbalancing:DescribeTargetHealth'));
    const error = await caught(guardNewTargets(aws.context(), state(), ours(2)));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('AccessDenied');
    expect(error.message).toContain(`describing target health of ${GREEN_TG}`);
  });
});
