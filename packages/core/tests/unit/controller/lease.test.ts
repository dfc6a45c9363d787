import { DescribeTaskSetsCommand, TagResourceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { taskSetTag } from '../../../src/aws/task-set-tags';
import {
  assertLeaseFree,
  freshLease,
  leaseTag,
  newControllerId,
  renewLease,
} from '../../../src/controller/lease';
import { DeploymentLockedError } from '../../../src/errors';
import type { DeploymentState } from '../../../src/state';
import {
  caught,
  DEPLOYMENT_ID,
  deploymentState,
  mockAws,
  NEW_SET_ARN,
  NOW,
  newSet,
} from '../support/fixtures';

const aws = mockAws();

/** DescribeTaskSets answers with our set carrying this lease tag (or none). */
function leaseOnSet(value: string | undefined) {
  aws.ecs.on(DescribeTaskSetsCommand).resolves({
    taskSets: [
      {
        ...newSet(),
        tags: [
          { key: taskSetTag.deploymentId, value: DEPLOYMENT_ID },
          ...(value === undefined ? [] : [{ key: taskSetTag.lease, value }]),
        ],
      },
    ],
  });
  aws.ecs.on(TagResourceCommand).resolves({});
}

describe('newControllerId', () => {
  it('is ctl- and 8 base-36 characters, at both ends of the random range', () => {
    expect(newControllerId(() => 0)).toBe('ctl-00000000');
    expect(newControllerId(() => 0.999999999999)).toMatch(/^ctl-[a-z0-9]{8}$/);
    expect(newControllerId(() => 0.5)).not.toBe(newControllerId(() => 0.25));
  });
});

describe('freshLease', () => {
  it('names this controller and runs for the wait plus six polls', () => {
    const state = deploymentState({}, { pollIntervalSeconds: 15 });
    expect(freshLease(state, NOW, 60)).toEqual({ owner: 'ctl-test', expiresAt: NOW + 150_000 });
    expect(freshLease(state, NOW, 0)).toEqual({ owner: 'ctl-test', expiresAt: NOW + 90_000 });
  });

  it('is written as the ecs-taper:lease tag', () => {
    expect(leaseTag({ owner: 'ctl-test', expiresAt: NOW })).toEqual({ 'ecs-taper:lease': `${NOW} ctl-test` });
  });
});

describe('assertLeaseFree', () => {
  const state = deploymentState();
  const other = (expiresAt: number) => ({ owner: 'ctl-other', expiresAt });

  it.each([
    ['no lease', undefined, false],
    ['our own lease', { owner: 'ctl-test', expiresAt: NOW + 999_000 }, false],
    ['another controller’s lease that expired exactly now', other(NOW), false],
    ['another controller’s lease that expired before', other(NOW - 1), false],
    ['another controller’s live lease, taken over', other(NOW + 60_000), true],
  ])('lets %s pass', (_label, held, takeOver) => {
    expect(() => assertLeaseFree(held, state, DEPLOYMENT_ID, NOW, takeOver)).not.toThrow();
  });

  it('refuses another controller’s live lease with the holder, the expiry and the way out', () => {
    let error: unknown;
    try {
      assertLeaseFree(other(NOW + 90_000), state, DEPLOYMENT_ID, NOW, false);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(DeploymentLockedError);
    const locked = error as DeploymentLockedError;
    expect(locked.runningDeploymentId).toBe(DEPLOYMENT_ID);
    expect(locked.message).toBe(
      `deployment ${DEPLOYMENT_ID} is driven by controller ctl-other, whose lease expires at ` +
        '2025-06-01T12:01:30.000Z (in 90 s). Let it finish (`ecs-taper status` shows its progress); ' +
        'if that controller is gone, run again after the lease expires, or now with --take-over (takeOver: true)',
    );
  });

  it('refuses a lease that has one millisecond left, rounding the seconds up', () => {
    expect(() => assertLeaseFree(other(NOW + 1), state, DEPLOYMENT_ID, NOW, false)).toThrow('(in 1 s)');
  });

  it('lets the controller it took over from pass, but no other one', () => {
    const tookOver = { ...state, takenOverFrom: 'ctl-other' };
    expect(() => assertLeaseFree(other(NOW + 60_000), tookOver, DEPLOYMENT_ID, NOW, false)).not.toThrow();
    expect(() =>
      assertLeaseFree({ owner: 'ctl-third', expiresAt: NOW + 60_000 }, tookOver, DEPLOYMENT_ID, NOW, false),
    ).toThrow(DeploymentLockedError);
  });
});

describe('renewLease', () => {
  const poll = 15;
  const state = (overrides: Partial<DeploymentState> = {}) =>
    deploymentState(overrides, { pollIntervalSeconds: poll });

  it('leaves a lease alone that outlasts the coming wait plus two polls, with no AWS call', async () => {
    // Wait 60 s: renewal is due when the lease ends before now + 60 + 2 * 15 s.
    const current = state({ lease: { owner: 'ctl-test', expiresAt: NOW + 90_000 } });
    const result = await renewLease(aws.context(), current, 60);
    expect(result).toBe(current);
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskSetsCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  it('renews a lease that ends one millisecond too early: for the wait plus six polls', async () => {
    leaseOnSet(`${NOW + 89_999} ctl-test`);
    const result = await renewLease(
      aws.context(),
      state({ lease: { owner: 'ctl-test', expiresAt: NOW + 89_999 } }),
      60,
    );
    expect(result.lease).toEqual({ owner: 'ctl-test', expiresAt: NOW + 150_000 });
    expect(aws.ecs).toHaveReceivedCommandWith(DescribeTaskSetsCommand, {
      taskSets: [NEW_SET_ARN],
      include: ['TAGS'],
    });
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(TagResourceCommand, {
      resourceArn: NEW_SET_ARN,
      tags: [{ key: 'ecs-taper:lease', value: `${NOW + 150_000} ctl-test` }],
    });
    // Read first, then write: a lease taken over meanwhile is found before it is overwritten.
    const [read] = aws.ecs.commandCalls(DescribeTaskSetsCommand);
    const [write] = aws.ecs.commandCalls(TagResourceCommand);
    expect(read?.calledBefore(write!)).toBe(true);
  });

  it.each([
    ['no lease in the state yet', undefined],
    ['a lease in the state that names another controller', { owner: 'ctl-other', expiresAt: NOW + 999_000 }],
  ])('writes its own lease when there is %s', async (_label, lease) => {
    leaseOnSet(undefined);
    const result = await renewLease(aws.context(), state({ lease }), 0);
    expect(result.lease).toEqual({ owner: 'ctl-test', expiresAt: NOW + 90_000 });
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 1);
  });

  it('stops (DeploymentLockedError, nothing written) when another controller took the lease over', async () => {
    leaseOnSet(`${NOW + 45_000} ctl-other`);
    const error = await caught(renewLease(aws.context(), state(), 15));
    expect(error).toBeInstanceOf(DeploymentLockedError);
    expect(error.runningDeploymentId).toBe(DEPLOYMENT_ID);
    expect(error.message).toContain('driven by controller ctl-other');
    expect(error.message).toContain('(in 45 s)');
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  it('overwrites another controller’s expired lease', async () => {
    leaseOnSet(`${NOW - 1} ctl-other`);
    const result = await renewLease(aws.context(), state(), 15);
    expect(result.lease).toEqual({ owner: 'ctl-test', expiresAt: NOW + 105_000 });
  });

  it('needs no lease once the set is gone (deleted by rollback), and writes none', async () => {
    aws.ecs
      .on(DescribeTaskSetsCommand)
      .resolves({ taskSets: [], failures: [{ arn: NEW_SET_ARN, reason: 'MISSING' }] });
    const current = state();
    const result = await renewLease(aws.context(), current, 15);
    expect(result).toBe(current);
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  it('does nothing before the new set exists', async () => {
    const current = state({ newTaskSetArn: undefined });
    await expect(renewLease(aws.context(), current, 15)).resolves.toBe(current);
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskSetsCommand, 0);
  });
});
