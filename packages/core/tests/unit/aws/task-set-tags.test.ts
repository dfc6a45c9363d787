import { DescribeTaskSetsCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import {
  decodeLease,
  decodeTime,
  encodeLease,
  readTaskSetTags,
  tagTaskSet,
  taskSetTag,
  untagTaskSet,
} from '../../../src/aws/task-set-tags';
import { AwsCallError } from '../../../src/errors';
import {
  caught,
  ecsError,
  ecsThrottled,
  mockAws,
  NEW_SET_ARN,
  newSet,
  resolvedInput,
} from '../support/fixtures';

const aws = mockAws();

describe('task set tag keys', () => {
  it('are the documented ecs-taper:* keys', () => {
    expect(taskSetTag).toEqual({
      deploymentId: 'ecs-taper:deployment-id',
      lease: 'ecs-taper:lease',
      swappedAt: 'ecs-taper:swapped-at',
      lastStepAt: 'ecs-taper:last-step-at',
      autoScaling: 'ecs-taper:autoscaling',
      step: 'ecs-taper:step',
      paused: 'ecs-taper:paused',
      promote: 'ecs-taper:promote',
      abort: 'ecs-taper:abort',
    });
  });
});

describe('lease encoding', () => {
  it('is `<expiresAt ms> <controller id>` and decodes back', () => {
    const lease = { owner: 'ctl-abc12345', expiresAt: 1_748_779_260_000 };
    expect(encodeLease(lease)).toBe('1748779260000 ctl-abc12345');
    expect(decodeLease(encodeLease(lease))).toEqual(lease);
  });

  it.each([
    ['no tag', undefined],
    ['empty', ''],
    ['no owner', '1748779260000'],
    ['no time', 'ctl-a'],
    ['a time that is not an integer', '17.5 ctl-a'],
    ['a negative time', '-5 ctl-a'],
    ['an owner with a space', '1748779260000 ctl a'],
    ['owner first', 'ctl-a 1748779260000'],
  ])('reads %s as no lease', (_label, value) => {
    expect(decodeLease(value)).toBeUndefined();
  });
});

describe('decodeTime', () => {
  it.each([
    ['1748779200000', 1_748_779_200_000],
    ['0', 0],
    [undefined, undefined],
    ['', undefined],
    ['12.5', undefined],
    ['-1', undefined],
    ['1e12', undefined],
    ['2025-06-01T12:00:00Z', undefined],
  ])('%s -> %s', (value, time) => {
    expect(decodeTime(value)).toBe(time);
  });
});

describe('readTaskSetTags', () => {
  const input = resolvedInput();

  it('asks DescribeTaskSets for the set with its TAGS and returns them as a record', async () => {
    aws.ecs.on(DescribeTaskSetsCommand).resolves({
      taskSets: [
        {
          ...newSet(),
          tags: [
            { key: taskSetTag.deploymentId, value: 'taper-unit-0001' },
            { key: taskSetTag.lease, value: '1 ctl-a' },
          ],
        },
      ],
    });
    const tags = await readTaskSetTags(aws.context(), input, NEW_SET_ARN);
    expect(tags).toEqual({ 'ecs-taper:deployment-id': 'taper-unit-0001', 'ecs-taper:lease': '1 ctl-a' });
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DescribeTaskSetsCommand, {
      cluster: 'demo',
      service: 'web',
      taskSets: [NEW_SET_ARN],
      include: ['TAGS'],
    });
  });

  it('returns an empty record for a set without tags', async () => {
    aws.ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [newSet()] });
    await expect(readTaskSetTags(aws.context(), input, NEW_SET_ARN)).resolves.toEqual({});
  });

  it.each([
    ['ECS no longer has the set', { taskSets: [], failures: [{ arn: NEW_SET_ARN, reason: 'MISSING' }] }],
    ['the set is DRAINING (being deleted)', { taskSets: [{ ...newSet({ status: 'DRAINING' }), tags: [] }] }],
    ['only another set comes back', { taskSets: [newSet({ taskSetArn: `${NEW_SET_ARN}-other` })] }],
  ])('returns undefined when %s', async (_label, output) => {
    aws.ecs.on(DescribeTaskSetsCommand).resolves(output);
    await expect(readTaskSetTags(aws.context(), input, NEW_SET_ARN)).resolves.toBeUndefined();
  });

  it('retries a throttled read', async () => {
    aws.ecs
      .on(DescribeTaskSetsCommand)
      .rejectsOnce(ecsThrottled())
      .resolves({ taskSets: [newSet()] });
    await expect(readTaskSetTags(aws.context(), input, NEW_SET_ARN)).resolves.toEqual({});
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskSetsCommand, 2);
  });
});

describe('tagTaskSet and untagTaskSet', () => {
  it('sends TagResource with the tags as key/value pairs', async () => {
    aws.ecs.on(TagResourceCommand).resolves({});
    await tagTaskSet(aws.context(), NEW_SET_ARN, {
      [taskSetTag.lastStepAt]: '5',
      [taskSetTag.lease]: '9 ctl-a',
    });
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(TagResourceCommand, {
      resourceArn: NEW_SET_ARN,
      tags: [
        { key: 'ecs-taper:last-step-at', value: '5' },
        { key: 'ecs-taper:lease', value: '9 ctl-a' },
      ],
    });
  });

  it('says which tags it was writing when TagResource fails', async () => {
    aws.ecs
      .on(TagResourceCommand)
      .rejects(ecsError('AccessDeniedException', 'not authorized to ecs:TagResource'));
    const error = await caught(tagTaskSet(aws.context(), NEW_SET_ARN, { [taskSetTag.swappedAt]: '1' }));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('AccessDeniedException');
    expect(error.message).toBe(
      `tagging task set ${NEW_SET_ARN} (ecs-taper:swapped-at): not authorized to ecs:TagResource (AccessDeniedException)`,
    );
  });

  it('sends UntagResource with the keys', async () => {
    aws.ecs.on(UntagResourceCommand).resolves({});
    await untagTaskSet(aws.context(), NEW_SET_ARN, [taskSetTag.lease, taskSetTag.swappedAt]);
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UntagResourceCommand, {
      resourceArn: NEW_SET_ARN,
      tagKeys: ['ecs-taper:lease', 'ecs-taper:swapped-at'],
    });
  });
});
