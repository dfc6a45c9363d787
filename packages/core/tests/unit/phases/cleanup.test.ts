import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  TaskSetNotFoundException,
  UntagResourceCommand,
} from '@aws-sdk/client-ecs';
import { DescribeTagsCommand, RemoveTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import type { AutoScalingRecord } from '../../../src/controller/autoscaling';
import { AwsCallError } from '../../../src/errors';
import { cleanup } from '../../../src/phases/cleanup';
import { deploymentTag, roleTag } from '../../../src/phases/swap-listener';
import {
  BLUE_TG,
  caught,
  deploymentState,
  ecsError,
  ecsThrottled,
  expectNoMutations,
  mockAws,
  NEW_SET_ARN,
  NOW,
  newSet,
  OLD_SET_ARN,
  oldSet,
  PREVIOUS_DEPLOYMENT_ID,
  service,
  servicesOutput,
} from '../support/fixtures';

const aws = mockAws();

const state = (autoScaling?: AutoScalingRecord) =>
  deploymentState({
    phase: 'cleanup',
    lease: { owner: 'ctl-test', expiresAt: NOW + 60_000 },
    ...(autoScaling ? { autoScaling } : {}),
  });
const active = {
  DynamicScalingInSuspended: false,
  DynamicScalingOutSuspended: true,
  ScheduledScalingSuspended: false,
};
const allSuspended = {
  DynamicScalingInSuspended: true,
  DynamicScalingOutSuspended: true,
  ScheduledScalingSuspended: true,
};
function givenScalableTarget(suspendedState: typeof active) {
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
        SuspendedState: suspendedState,
      },
    ],
  });
  aws.autoScaling.on(RegisterScalableTargetCommand).resolves({});
}
const drainedOld = () =>
  oldSet({
    status: 'ACTIVE',
    computedDesiredCount: 0,
    runningCount: 0,
    scale: { unit: 'PERCENT', value: 0 },
  });

function given(options: { oldExists: boolean; staleTag: boolean }) {
  aws.ecs
    .on(DescribeServicesCommand)
    .resolves(
      servicesOutput(service(options.oldExists ? [drainedOld(), newSet({ status: 'PRIMARY' })] : [newSet()])),
    );
  aws.elbv2.on(DescribeTagsCommand).resolves({
    TagDescriptions: [
      {
        ResourceArn: BLUE_TG,
        Tags: [
          { Key: roleTag, Value: 'standby' },
          ...(options.staleTag ? [{ Key: deploymentTag, Value: PREVIOUS_DEPLOYMENT_ID }] : []),
        ],
      },
    ],
  });
}

describe('cleanup', () => {
  it('deletes the old task set, clears the stale deployment tag and ends as succeeded', async () => {
    given({ oldExists: true, staleTag: true });
    const result = await cleanup(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DeleteTaskSetCommand, {
      cluster: 'demo',
      service: 'web',
      taskSet: OLD_SET_ARN,
      force: true,
    });
    expect(aws.elbv2).toHaveReceivedCommandExactlyOnceWith(RemoveTagsCommand, {
      ResourceArns: [BLUE_TG],
      TagKeys: [deploymentTag],
    });
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'succeeded' });
    expect(result.next.detail).toContain('deleted old task set');
  });

  it('does nothing when called again', async () => {
    given({ oldExists: false, staleTag: false });
    const result = await cleanup(aws.context(), state());
    expectNoMutations(aws);
    expect(result.next).toEqual({ kind: 'end', outcome: 'succeeded', detail: 'nothing left to clean up' });
  });

  it('counts TaskSetNotFoundException as deleted (ECS removed it meanwhile)', async () => {
    given({ oldExists: true, staleTag: false });
    aws.ecs
      .on(DeleteTaskSetCommand)
      .rejects(
        new TaskSetNotFoundException({ message: 'The specified task set does not exist.', $metadata: {} }),
      );
    const result = await cleanup(aws.context(), state());
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'succeeded' });
    expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 1);
  });

  it('retries a throttled DeleteTaskSet', async () => {
    given({ oldExists: true, staleTag: false });
    aws.ecs.on(DeleteTaskSetCommand).rejectsOnce(ecsThrottled()).resolves({});
    await cleanup(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 2);
  });

  it('fails on any other error, keeping its AWS name, without retrying', async () => {
    given({ oldExists: true, staleTag: false });
    aws.ecs
      .on(DeleteTaskSetCommand)
      .rejects(ecsError('AccessDeniedException', 'not authorized to ecs:DeleteTaskSet'));
    const error = await caught(cleanup(aws.context(), state()));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('AccessDeniedException');
    expect(error.message).toBe(
      `deleting task set ${OLD_SET_ARN}: not authorized to ecs:DeleteTaskSet (AccessDeniedException)`,
    );
    expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 1);
  });

  it('restores Auto Scaling exactly, before it deletes the old task set', async () => {
    given({ oldExists: true, staleTag: false });
    givenScalableTarget(allSuspended);
    const result = await cleanup(
      aws.context(),
      state({ previous: active, suspended: true, restored: false }),
    );
    expect(aws.autoScaling).toHaveReceivedCommandExactlyOnceWith(RegisterScalableTargetCommand, {
      ResourceId: 'service/demo/web',
      SuspendedState: active,
    });
    const [register] = aws.autoScaling.commandCalls(RegisterScalableTargetCommand);
    const [remove] = aws.ecs.commandCalls(DeleteTaskSetCommand);
    expect(register?.calledBefore(remove!)).toBe(true);
    expect(result.state.autoScaling).toEqual({ previous: active, suspended: true, restored: true });
    expect(result.next.detail).toBe(`Auto Scaling restored; deleted old task set ecs-svc/1111111111111111`);
  });

  it('does not claim a restore for a service that had no scalable target', async () => {
    given({ oldExists: true, staleTag: false });
    const result = await cleanup(
      aws.context(),
      state({ previous: 'none', suspended: true, restored: false }),
    );
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    expect(result.state.autoScaling?.restored).toBe(true);
    expect(result.next.detail).toBe('deleted old task set ecs-svc/1111111111111111');
  });

  it('does not restore again once restored, nor without a record', async () => {
    given({ oldExists: false, staleTag: false });
    givenScalableTarget(allSuspended);
    const again = await cleanup(aws.context(), state({ previous: active, suspended: true, restored: true }));
    const none = await cleanup(aws.context(), state());
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    for (const result of [again, none]) expect(result.next.detail).toBe('nothing left to clean up');
  });

  it('deletes nothing when Auto Scaling cannot be restored: a re-run finishes both', async () => {
    given({ oldExists: true, staleTag: false });
    givenScalableTarget(allSuspended);
    aws.autoScaling
      .on(RegisterScalableTargetCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const error = await caught(
      cleanup(aws.context(), state({ previous: active, suspended: true, restored: false })),
    );
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toContain('restoring Application Auto Scaling of service/demo/web');
    expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 0);
  });

  it('removes the controller’s tags from the new set, keeps its ownership mark, and drops the lease', async () => {
    given({ oldExists: true, staleTag: false });
    const result = await cleanup(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UntagResourceCommand, {
      resourceArn: NEW_SET_ARN,
      tagKeys: ['ecs-taper:lease', 'ecs-taper:swapped-at', 'ecs-taper:last-step-at', 'ecs-taper:autoscaling'],
    });
    expect(result.state.lease).toBeUndefined();
  });

  it('never touches the new task set', async () => {
    given({ oldExists: true, staleTag: false });
    await cleanup(aws.context(), state());
    const deleted = aws.ecs.commandCalls(DeleteTaskSetCommand).map((c) => c.args[0].input.taskSet);
    expect(deleted).toEqual([OLD_SET_ARN]);
  });
});
