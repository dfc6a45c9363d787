import { DeleteTaskSetCommand, DescribeServicesCommand, TaskSetNotFoundException } from '@aws-sdk/client-ecs';
import { DescribeTagsCommand, RemoveTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
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
  newSet,
  OLD_SET_ARN,
  oldSet,
  PREVIOUS_DEPLOYMENT_ID,
  service,
  servicesOutput,
} from '../support/fixtures';

const aws = mockAws();

const state = () => deploymentState({ phase: 'cleanup' });
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

  it('never touches the new task set', async () => {
    given({ oldExists: true, staleTag: false });
    await cleanup(aws.context(), state());
    const deleted = aws.ecs.commandCalls(DeleteTaskSetCommand).map((c) => c.args[0].input.taskSet);
    expect(deleted).toEqual([OLD_SET_ARN]);
  });
});
