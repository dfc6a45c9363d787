/**
 * A weighted forward (a canary step's ModifyListener) against moto: core's `modifyListenerWeighted` and
 * `modifyListenerForward` send it, DescribeListeners reads back what moto stored, and core's own reader
 * (`forwardTargetGroups`) says which groups get new flows. No ECS involved, so moto alone is enough.
 *
 * Core's write.ts and read.ts are imported from source by path, like '@ecs-taper/core' resolves to
 * source in these tests: neither function is exported from core's index yet. Import them from
 * '@ecs-taper/core' once they are.
 */
import {
  type Action,
  DescribeListenersCommand,
  type Listener,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { forwardTargetGroups } from '../../packages/core/src/aws/read';
import { modifyListenerForward, modifyListenerWeighted } from '../../packages/core/src/aws/write';
import { createStack, motoClients, phaseContext, type Stack } from '../support/real-aws';

const clients = motoClients();

async function describeListener(listenerArn: string): Promise<Listener> {
  const out = await clients.elbv2.send(new DescribeListenersCommand({ ListenerArns: [listenerArn] }));
  const [listener] = out.Listeners ?? [];
  if (!listener) throw new Error(`moto did not describe ${listenerArn}`);
  return listener;
}

function weighted(stack: Stack, oldWeight: number, newWeight: number): Action[] {
  return [
    {
      Type: 'forward',
      ForwardConfig: {
        TargetGroups: [
          { TargetGroupArn: stack.blueTargetGroupArn, Weight: oldWeight },
          { TargetGroupArn: stack.greenTargetGroupArn, Weight: newWeight },
        ],
        TargetGroupStickinessConfig: { Enabled: false },
      },
    },
  ];
}

describe('a weighted forward on the production listener, against moto', () => {
  it('stores 90/10 exactly as sent, and both groups get new flows', async () => {
    const stack = await createStack(clients, { withService: false });
    const ctx = phaseContext(clients);
    const answered = await modifyListenerWeighted(ctx, stack.productionListenerArn, [
      { targetGroupArn: stack.blueTargetGroupArn, weight: 90 },
      { targetGroupArn: stack.greenTargetGroupArn, weight: 10 },
    ]);

    const stored = await describeListener(stack.productionListenerArn);
    // moto keeps the action as sent: ForwardConfig only, no top-level TargetGroupArn.
    expect(stored.DefaultActions).toEqual(weighted(stack, 90, 10));
    expect(answered?.DefaultActions).toEqual(weighted(stack, 90, 10));
    expect(forwardTargetGroups(stored)).toEqual([stack.blueTargetGroupArn, stack.greenTargetGroupArn]);
    // The test listener is untouched.
    expect(forwardTargetGroups(await describeListener(stack.testListenerArn))).toEqual([
      stack.greenTargetGroupArn,
    ]);
  });

  it('back to 100/0: the weight 0 is stored, and core reads only the old group as live', async () => {
    const stack = await createStack(clients, { withService: false });
    const ctx = phaseContext(clients);
    await modifyListenerWeighted(ctx, stack.productionListenerArn, [
      { targetGroupArn: stack.blueTargetGroupArn, weight: 90 },
      { targetGroupArn: stack.greenTargetGroupArn, weight: 10 },
    ]);
    await modifyListenerWeighted(ctx, stack.productionListenerArn, [
      { targetGroupArn: stack.blueTargetGroupArn, weight: 100 },
      { targetGroupArn: stack.greenTargetGroupArn, weight: 0 },
    ]);

    const stored = await describeListener(stack.productionListenerArn);
    expect(stored.DefaultActions).toEqual(weighted(stack, 100, 0));
    expect(forwardTargetGroups(stored)).toEqual([stack.blueTargetGroupArn]);
  });

  it('then a single forward replaces the ForwardConfig: moto stores only TargetGroupArn', async () => {
    const stack = await createStack(clients, { withService: false });
    const ctx = phaseContext(clients);
    await modifyListenerWeighted(ctx, stack.productionListenerArn, [
      { targetGroupArn: stack.blueTargetGroupArn, weight: 100 },
      { targetGroupArn: stack.greenTargetGroupArn, weight: 0 },
    ]);
    const answered = await modifyListenerForward(ctx, stack.productionListenerArn, stack.greenTargetGroupArn);

    const stored = await describeListener(stack.productionListenerArn);
    // AWS describes a simple forward with a one-group ForwardConfig (weight 1) beside TargetGroupArn;
    // moto returns the action as sent (README, row 36). forwardTargetGroups reads both shapes.
    expect(stored.DefaultActions).toEqual([{ Type: 'forward', TargetGroupArn: stack.greenTargetGroupArn }]);
    expect(answered?.DefaultActions).toEqual(stored.DefaultActions);
    expect(forwardTargetGroups(stored)).toEqual([stack.greenTargetGroupArn]);
  });

  it('fills in what a weighted forward leaves out: weight 1 and stickiness off (as AWS documents)', async () => {
    const stack = await createStack(clients, { withService: false });
    await clients.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: stack.productionListenerArn,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: stack.blueTargetGroupArn },
                { TargetGroupArn: stack.greenTargetGroupArn },
              ],
            },
          },
        ],
      }),
    );
    const stored = await describeListener(stack.productionListenerArn);
    expect(stored.DefaultActions?.[0]?.ForwardConfig).toEqual({
      TargetGroups: [
        { TargetGroupArn: stack.blueTargetGroupArn, Weight: 1 },
        { TargetGroupArn: stack.greenTargetGroupArn, Weight: 1 },
      ],
      TargetGroupStickinessConfig: { Enabled: false },
    });
    expect(forwardTargetGroups(stored)).toEqual([stack.blueTargetGroupArn, stack.greenTargetGroupArn]);
  });

  it('accepts a weight AWS refuses (1000; AWS takes 0-999): moto validates no weight', async () => {
    const stack = await createStack(clients, { withService: false });
    await modifyListenerWeighted(phaseContext(clients), stack.productionListenerArn, [
      { targetGroupArn: stack.blueTargetGroupArn, weight: 1000 },
      { targetGroupArn: stack.greenTargetGroupArn, weight: 0 },
    ]);
    const stored = await describeListener(stack.productionListenerArn);
    expect(stored.DefaultActions).toEqual(weighted(stack, 1000, 0));
  });
});
