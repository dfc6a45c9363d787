import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { TagResourceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import {
  type AutoScalingRecord,
  decodeSuspendedState,
  encodeSuspendedState,
  ensureAutoScalingSuspended,
  restoreAutoScaling,
  type SuspendedState,
  scalableResourceId,
} from '../../../src/controller/autoscaling';
import { InputValidationError } from '../../../src/errors';
import type { DeploymentState } from '../../../src/state';
import { caught, deploymentState, mockAws, NEW_SET_ARN, resolvedInput } from '../support/fixtures';

const aws = mockAws();

const RESOURCE_ID = 'service/demo/web';
const suspended = (scaleIn: boolean, out: boolean, scheduled: boolean): SuspendedState => ({
  DynamicScalingInSuspended: scaleIn,
  DynamicScalingOutSuspended: out,
  ScheduledScalingSuspended: scheduled,
});
const allSuspended = suspended(true, true, true);

/** The service's scalable target, as DescribeScalableTargets returns it. */
function givenTarget(suspendedState: Partial<SuspendedState> | undefined, resourceId = RESOURCE_ID) {
  aws.autoScaling.on(DescribeScalableTargetsCommand).resolves({
    ScalableTargets: [
      {
        ServiceNamespace: 'ecs',
        ResourceId: resourceId,
        ScalableDimension: 'ecs:service:DesiredCount',
        MinCapacity: 2,
        MaxCapacity: 10,
        RoleARN: 'arn:aws:iam::000000000000:role/aws-service-role',
        CreationTime: new Date(0),
        ...(suspendedState ? { SuspendedState: suspendedState } : {}),
      },
    ],
  });
  aws.autoScaling.on(RegisterScalableTargetCommand).resolves({});
  aws.ecs.on(TagResourceCommand).resolves({});
}

const withRecord = (autoScaling: AutoScalingRecord | undefined, overrides: Partial<DeploymentState> = {}) =>
  deploymentState({ phase: 'scaleDown', ...(autoScaling ? { autoScaling } : {}), ...overrides });

describe('SuspendedState encoding', () => {
  it.each([
    [suspended(false, false, false), 'in=false out=false scheduled=false'],
    [suspended(true, false, true), 'in=true out=false scheduled=true'],
    [allSuspended, 'in=true out=true scheduled=true'],
    ['none' as const, 'none'],
  ])('%o <-> %s', (value, text) => {
    expect(encodeSuspendedState(value)).toBe(text);
    expect(decodeSuspendedState(text)).toEqual(value);
  });

  it.each([
    undefined,
    '',
    'in=false out=false',
    'in=yes out=false scheduled=false',
    'out=false in=false scheduled=false',
    'in=false out=false scheduled=false ',
  ])('reads %o as no record', (text) => {
    expect(decodeSuspendedState(text)).toBeUndefined();
  });
});

describe('scalableResourceId', () => {
  it('is service/<cluster name>/<service name>, also when the cluster is given as an ARN', () => {
    expect(scalableResourceId(resolvedInput())).toBe('service/demo/web');
    expect(
      scalableResourceId(resolvedInput({ cluster: 'arn:aws:ecs:eu-west-1:000000000000:cluster/demo' })),
    ).toBe('service/demo/web');
  });
});

describe('ensureAutoScalingSuspended', () => {
  it('records the previous SuspendedState on the new set first, then suspends all three', async () => {
    givenTarget(suspended(false, true, false));
    const result = await ensureAutoScalingSuspended(aws.context(), withRecord(undefined));

    expect(aws.autoScaling).toHaveReceivedCommandWith(DescribeScalableTargetsCommand, {
      ServiceNamespace: 'ecs',
      ResourceIds: [RESOURCE_ID],
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(TagResourceCommand, {
      resourceArn: NEW_SET_ARN,
      tags: [{ key: 'ecs-taper:autoscaling', value: 'in=false out=true scheduled=false' }],
    });
    expect(aws.autoScaling).toHaveReceivedCommandExactlyOnceWith(RegisterScalableTargetCommand, {
      ServiceNamespace: 'ecs',
      ResourceId: RESOURCE_ID,
      ScalableDimension: 'ecs:service:DesiredCount',
      SuspendedState: allSuspended,
    });
    const [tag] = aws.ecs.commandCalls(TagResourceCommand);
    const [register] = aws.autoScaling.commandCalls(RegisterScalableTargetCommand);
    expect(tag?.calledBefore(register!)).toBe(true);
    expect(result.autoScaling).toEqual({
      previous: suspended(false, true, false),
      suspended: true,
      restored: false,
    });
  });

  it('reads a SuspendedState without flags as nothing suspended', async () => {
    givenTarget(undefined);
    const result = await ensureAutoScalingSuspended(aws.context(), withRecord(undefined));
    expect(aws.ecs).toHaveReceivedCommandWith(TagResourceCommand, {
      tags: [{ key: 'ecs-taper:autoscaling', value: 'in=false out=false scheduled=false' }],
    });
    expect(result.autoScaling?.previous).toEqual(suspended(false, false, false));
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 1);
  });

  it('records `none` and registers nothing when the service has no scalable target', async () => {
    aws.ecs.on(TagResourceCommand).resolves({});
    const result = await ensureAutoScalingSuspended(aws.context(), withRecord(undefined));
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(TagResourceCommand, {
      tags: [{ key: 'ecs-taper:autoscaling', value: 'none' }],
    });
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    expect(result.autoScaling).toEqual({ previous: 'none', suspended: true, restored: false });
  });

  it('ignores a scalable target of another resource', async () => {
    givenTarget(suspended(false, false, false), 'service/demo/other');
    const result = await ensureAutoScalingSuspended(aws.context(), withRecord(undefined));
    expect(result.autoScaling?.previous).toBe('none');
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
  });

  it('records an operator’s full suspension as it is and does not register it again', async () => {
    givenTarget(allSuspended);
    const result = await ensureAutoScalingSuspended(aws.context(), withRecord(undefined));
    expect(aws.ecs).toHaveReceivedCommandWith(TagResourceCommand, {
      tags: [{ key: 'ecs-taper:autoscaling', value: 'in=true out=true scheduled=true' }],
    });
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    expect(result.autoScaling?.previous).toEqual(allSuspended);
  });

  it('keeps a record a previous controller wrote: never re-records its own suspension as the original', async () => {
    // Resumed: the tag says scaling was active before; the target is suspended by the first controller.
    givenTarget(allSuspended);
    const resumed = { previous: suspended(false, false, false), suspended: false, restored: false };
    const result = await ensureAutoScalingSuspended(aws.context(), withRecord(resumed));
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    expect(result.autoScaling).toEqual({ ...resumed, suspended: true });
  });

  it('suspends again for a resumed record when someone resumed scaling meanwhile', async () => {
    givenTarget(suspended(false, false, true));
    const resumed = { previous: suspended(false, false, true), suspended: false, restored: false };
    await ensureAutoScalingSuspended(aws.context(), withRecord(resumed));
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
    expect(aws.autoScaling).toHaveReceivedCommandExactlyOnceWith(RegisterScalableTargetCommand, {
      SuspendedState: allSuspended,
    });
  });

  it.each([
    [
      'already suspended by this controller',
      withRecord({ previous: 'none', suspended: true, restored: false }),
    ],
    ['already restored', withRecord({ previous: 'none', suspended: true, restored: true })],
    ['opted out (suspendAutoScaling false)', deploymentState({}, { suspendAutoScaling: false })],
    ['no new task set to record on yet', deploymentState({ newTaskSetArn: undefined })],
  ])('makes no call when %s', async (_label, current) => {
    givenTarget(suspended(false, false, false));
    await expect(ensureAutoScalingSuspended(aws.context(), current)).resolves.toBe(current);
    expect(aws.autoScaling).toHaveReceivedCommandTimes(DescribeScalableTargetsCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
  });

  it('refuses without an Application Auto Scaling client, naming the field and both fixes', async () => {
    const { applicationAutoScaling: _none, ...clients } = aws.clients;
    const error = await caught(
      ensureAutoScalingSuspended({ ...aws.context(), aws: clients }, withRecord(undefined)),
    );
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe('suspendAutoScaling');
    expect(error.message).toBe(
      'suspendAutoScaling: needs an Application Auto Scaling client; pass clients.applicationAutoScaling, or set suspendAutoScaling false',
    );
  });
});

describe('restoreAutoScaling', () => {
  it('puts back exactly the recorded SuspendedState', async () => {
    givenTarget(allSuspended);
    const previous = suspended(true, false, false);
    const result = await restoreAutoScaling(
      aws.context(),
      withRecord({ previous, suspended: true, restored: false }),
    );
    expect(aws.autoScaling).toHaveReceivedCommandExactlyOnceWith(RegisterScalableTargetCommand, {
      ServiceNamespace: 'ecs',
      ResourceId: RESOURCE_ID,
      ScalableDimension: 'ecs:service:DesiredCount',
      SuspendedState: previous,
    });
    expect(result.autoScaling).toEqual({ previous, suspended: true, restored: true });
  });

  it('restores a record loaded from the tag (not suspended by this controller) too', async () => {
    givenTarget(allSuspended);
    await restoreAutoScaling(
      aws.context(),
      withRecord({ previous: suspended(false, false, false), suspended: false, restored: false }),
    );
    expect(aws.autoScaling).toHaveReceivedCommandExactlyOnceWith(RegisterScalableTargetCommand, {
      SuspendedState: suspended(false, false, false),
    });
  });

  it('registers nothing when the target already has the recorded state', async () => {
    givenTarget(suspended(false, true, false));
    const result = await restoreAutoScaling(
      aws.context(),
      withRecord({ previous: suspended(false, true, false), suspended: true, restored: false }),
    );
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    expect(result.autoScaling?.restored).toBe(true);
  });

  it('leaves a target that is gone alone', async () => {
    const result = await restoreAutoScaling(
      aws.context(),
      withRecord({ previous: suspended(false, false, false), suspended: true, restored: false }),
    );
    expect(aws.autoScaling).toHaveReceivedCommandTimes(DescribeScalableTargetsCommand, 1);
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    expect(result.autoScaling?.restored).toBe(true);
  });

  it('makes no call for a service that had no scalable target (`none`)', async () => {
    givenTarget(allSuspended);
    const result = await restoreAutoScaling(
      aws.context(),
      withRecord({ previous: 'none', suspended: true, restored: false }),
    );
    expect(aws.autoScaling).toHaveReceivedCommandTimes(DescribeScalableTargetsCommand, 0);
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    expect(result.autoScaling).toEqual({ previous: 'none', suspended: true, restored: true });
  });

  it.each([
    ['there is no record', undefined],
    [
      'it was restored already',
      { previous: suspended(false, false, false), suspended: true, restored: true },
    ],
  ])('changes nothing when %s', async (_label, record) => {
    givenTarget(allSuspended);
    const current = withRecord(record);
    await expect(restoreAutoScaling(aws.context(), current)).resolves.toBe(current);
    expect(aws.autoScaling).toHaveReceivedCommandTimes(DescribeScalableTargetsCommand, 0);
  });
});
