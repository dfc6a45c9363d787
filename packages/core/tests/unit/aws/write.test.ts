import { UpdateTaskSetCommand } from '@aws-sdk/client-ecs';
import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { modifyListenerForward, modifyListenerWeighted, updateTaskSetScale } from '../../../src/aws/write';
import { AwsCallError } from '../../../src/errors';
import {
  BLUE_TG,
  CLUSTER,
  caught,
  elbv2Error,
  elbv2Throttled,
  GREEN_TG,
  listener,
  mockAws,
  OLD_SET_ARN,
  PROD_LISTENER_ARN,
  resolvedInput,
  SERVICE,
  weightedListener,
} from '../support/fixtures';

const aws = mockAws();

describe('modifyListenerWeighted', () => {
  it('forwards to every group with its weight, stickiness off', async () => {
    const after = weightedListener(PROD_LISTENER_ARN, 80, [
      [BLUE_TG, 90],
      [GREEN_TG, 10],
    ]);
    aws.elbv2.on(ModifyListenerCommand).resolves({ Listeners: [after] });
    const described = await modifyListenerWeighted(aws.context(), PROD_LISTENER_ARN, [
      { targetGroupArn: BLUE_TG, weight: 90 },
      { targetGroupArn: GREEN_TG, weight: 10 },
    ]);
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(aws.elbv2.commandCalls(ModifyListenerCommand)[0]?.args[0].input).toEqual({
      ListenerArn: PROD_LISTENER_ARN,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE_TG, Weight: 90 },
              { TargetGroupArn: GREEN_TG, Weight: 10 },
            ],
            TargetGroupStickinessConfig: { Enabled: false },
          },
        },
      ],
    });
    expect(described).toBe(after);
  });

  it('retries a throttled request', async () => {
    aws.elbv2.on(ModifyListenerCommand).rejectsOnce(elbv2Throttled()).resolves({ Listeners: [] });
    await modifyListenerWeighted(aws.context(), PROD_LISTENER_ARN, [{ targetGroupArn: GREEN_TG, weight: 1 }]);
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 2);
  });

  it('says which listener and weights it was setting when AWS refuses', async () => {
    aws.elbv2
      .on(ModifyListenerCommand)
      .rejects(elbv2Error('ListenerNotFound', 'One or more listeners not found'));
    const error = await caught(
      modifyListenerWeighted(aws.context(), PROD_LISTENER_ARN, [
        { targetGroupArn: BLUE_TG, weight: 50 },
        { targetGroupArn: GREEN_TG, weight: 50 },
      ]),
    );
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('ListenerNotFound');
    expect(error.message).toContain(
      `pointing listener ${PROD_LISTENER_ARN} at ${BLUE_TG} (weight 50), ${GREEN_TG} (weight 50)`,
    );
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
  });
});

describe('modifyListenerForward', () => {
  it('forwards to one group and returns the listener from the response', async () => {
    const after = listener(PROD_LISTENER_ARN, 80, GREEN_TG);
    aws.elbv2.on(ModifyListenerCommand).resolves({ Listeners: [after] });
    expect(await modifyListenerForward(aws.context(), PROD_LISTENER_ARN, GREEN_TG)).toBe(after);
    expect(aws.elbv2.commandCalls(ModifyListenerCommand)[0]?.args[0].input).toEqual({
      ListenerArn: PROD_LISTENER_ARN,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: GREEN_TG }],
    });
  });
});

describe('updateTaskSetScale', () => {
  it('sets an absolute percent scale of the named set', async () => {
    aws.ecs.on(UpdateTaskSetCommand).resolves({});
    await updateTaskSetScale(aws.context(), resolvedInput(), OLD_SET_ARN, 37.5, 'old task set');
    expect(aws.ecs).toHaveReceivedCommandWith(UpdateTaskSetCommand, {
      cluster: CLUSTER,
      service: SERVICE,
      taskSet: OLD_SET_ARN,
      scale: { unit: 'PERCENT', value: 37.5 },
    });
  });
});
