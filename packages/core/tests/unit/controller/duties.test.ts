import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeTaskSetsCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { taskSetTag } from '../../../src/aws/task-set-tags';
import type { AutoScalingRecord } from '../../../src/controller/autoscaling';
import { afterPhase } from '../../../src/controller/duties';
import type { PhaseName } from '../../../src/events';
import { type DeploymentState, end, go, type Next } from '../../../src/state';
import { deploymentState, ecsError, mockAws, NEW_SET_ARN, NOW, newSet } from '../support/fixtures';

const aws = mockAws();

const active = {
  DynamicScalingInSuspended: false,
  DynamicScalingOutSuspended: false,
  ScheduledScalingSuspended: false,
};
const allSuspended = {
  DynamicScalingInSuspended: true,
  DynamicScalingOutSuspended: true,
  ScheduledScalingSuspended: true,
};

/** A scalable target in `current`; our set on ECS with `lease` as its lease tag. */
function given(current: typeof active, lease?: string) {
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
        SuspendedState: current,
      },
    ],
  });
  aws.autoScaling.on(RegisterScalableTargetCommand).resolves({});
  aws.ecs.on(DescribeTaskSetsCommand).resolves({
    taskSets: [{ ...newSet(), tags: lease ? [{ key: taskSetTag.lease, value: lease }] : [] }],
  });
  aws.ecs.on(TagResourceCommand).resolves({});
  aws.ecs.on(UntagResourceCommand).resolves({});
}

const suspendedRecord: AutoScalingRecord = { previous: active, suspended: true, restored: false };
const after = (phase: PhaseName, next: Next, state: DeploymentState = deploymentState({ phase })) =>
  afterPhase(phase, aws.context(), { state, next });

const registered = () =>
  aws.autoScaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input.SuspendedState);

describe('afterPhase: while the deployment goes on', () => {
  it('suspends Auto Scaling and takes the lease for the coming wait once the new set exists', async () => {
    given(active);
    const result = await after('create', go('waitReady', 'created', 15));
    expect(registered()).toEqual([allSuspended]);
    expect(result.state.autoScaling).toEqual({ previous: active, suspended: true, restored: false });
    // Wait 15 s + six 15 s polls.
    expect(result.state.lease).toEqual({ owner: 'ctl-test', expiresAt: NOW + 105_000 });
    expect(aws.ecs).toHaveReceivedCommandWith(TagResourceCommand, {
      tags: [{ key: 'ecs-taper:lease', value: `${NOW + 105_000} ctl-test` }],
    });
    expect(result.next).toEqual(go('waitReady', 'created', 15));
  });

  it('does not suspend again once this controller has', async () => {
    given(allSuspended);
    await after(
      'waitReady',
      go('waitReady', 'waiting', 15),
      deploymentState({ autoScaling: suspendedRecord }),
    );
    expect(aws.autoScaling).toHaveReceivedCommandTimes(DescribeScalableTargetsCommand, 0);
  });

  it.each([
    ['a phase that goes to rollback', 'waitReady', go('rollback', 'alarm')],
    ['rollback itself', 'rollback', go('rollback', 'old task set restored to 100 %')],
    ['a phase that goes to cleanup', 'waitDrained', go('cleanup', 'drained')],
  ] as const)('never suspends in %s', async (_label, phase, next) => {
    given(active);
    await after(phase, next);
    expect(aws.autoScaling).toHaveReceivedCommandTimes(DescribeScalableTargetsCommand, 0);
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
  });

  it('does nothing at all before the new task set exists (discover, create of nothing)', async () => {
    given(active);
    const state = deploymentState({ newTaskSetArn: undefined });
    const result = await after('discover', go('create', 'new task set to create'), state);
    expect(result.state).toBe(state);
    expect(aws.autoScaling).toHaveReceivedCommandTimes(DescribeScalableTargetsCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskSetsCommand, 0);
  });
});

describe('afterPhase: at the end', () => {
  it('restores Auto Scaling exactly on success and keeps nothing else to do', async () => {
    given(allSuspended);
    const result = await after(
      'cleanup',
      end('succeeded', 'done'),
      deploymentState({ autoScaling: suspendedRecord }),
    );
    expect(registered()).toEqual([active]);
    expect(result.state.autoScaling?.restored).toBe(true);
    expect(aws.ecs).toHaveReceivedCommandTimes(UntagResourceCommand, 0);
  });

  it.each([
    ['rolled-back', 'rollback'],
    ['failed', 'waitDrained'],
  ] as const)('restores Auto Scaling when the deployment ends %s', async (outcome, phase) => {
    given(allSuspended);
    await after(phase, end(outcome, 'why'), deploymentState({ autoScaling: suspendedRecord }));
    expect(registered()).toEqual([active]);
  });

  it('releases its lease when the deployment fails, so a re-run can take over at once', async () => {
    given(allSuspended);
    const lease = { owner: 'ctl-test', expiresAt: NOW + 60_000 };
    const result = await after(
      'waitDrained',
      end('failed', 'old set did not drain'),
      deploymentState({ lease, autoScaling: suspendedRecord }),
    );
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UntagResourceCommand, {
      resourceArn: NEW_SET_ARN,
      tagKeys: ['ecs-taper:lease'],
    });
    expect(result.state.lease).toBeUndefined();
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'failed' });
  });

  it('still ends as failed when releasing the lease fails (best effort)', async () => {
    given(active);
    aws.ecs.on(UntagResourceCommand).rejects(ecsError('AccessDeniedException', 'no ecs:UntagResource'));
    const result = await after(
      'waitDrained',
      end('failed', 'x'),
      deploymentState({ lease: { owner: 'ctl-test', expiresAt: NOW + 60_000 } }),
    );
    expect(result.next).toMatchObject({ outcome: 'failed' });
    expect(result.state.lease).toBeUndefined();
  });

  it('leaves a lease it does not hold, and keeps its lease on success (cleanup removed the tags)', async () => {
    given(active);
    await after(
      'waitDrained',
      end('failed', 'x'),
      deploymentState({ lease: { owner: 'ctl-other', expiresAt: NOW + 60_000 } }),
    );
    await after(
      'cleanup',
      end('succeeded', 'x'),
      deploymentState({ lease: { owner: 'ctl-test', expiresAt: NOW + 60_000 } }),
    );
    expect(aws.ecs).toHaveReceivedCommandTimes(UntagResourceCommand, 0);
  });

  it('neither suspends nor renews at the end', async () => {
    given(active);
    await after('rollback', end('rolled-back', 'x'));
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });
});
