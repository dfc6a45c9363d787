/**
 * swap through real SDK clients against moto: ModifyListener, AddTags / RemoveTags and
 * UpdateServicePrimaryTaskSet, each read back with DescribeListeners, DescribeTags and DescribeTaskSets.
 * Swap reads no task counts, so moto alone is enough here.
 */
import { AddTagsCommand, ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { runPhase } from '@ecs-taper/core/workflow';
import { describe, expect, it } from 'vitest';
import {
  createStack,
  discoverAndCreate,
  motoClients,
  phaseContext,
  readForwards,
  readTagsOf,
  readTaskSets,
  type Stack,
} from '../support/real-aws';

const clients = motoClients();

async function readyToSwap(stack: Stack, deploymentId: string) {
  const state = await discoverAndCreate(clients, stack, { deploymentId });
  return { ...state, phase: 'swap' as const };
}

describe('swap against moto', () => {
  it('points production at the new group and the test listener at the old one, tags them, makes the new set primary', async () => {
    const stack = await createStack(clients);
    const state = await readyToSwap(stack, 'dep-swap');
    expect(await readForwards(clients, stack)).toEqual({
      80: [stack.blueTargetGroupArn],
      8080: [stack.greenTargetGroupArn],
    });

    const now = Date.now();
    const result = await runPhase('swap', phaseContext(clients, now), state, { resume: false });
    expect(result.next).toMatchObject({
      kind: 'go',
      phase: 'settle',
      detail: 'swapped (modify-listener, modify-listener, add-tags, add-tags, set-primary)',
    });
    expect(result.state.swappedAt).toBe(now);

    // Read back from moto: the listeners' real default actions, not what we asked for.
    expect(await readForwards(clients, stack)).toEqual({
      80: [stack.greenTargetGroupArn],
      8080: [stack.blueTargetGroupArn],
    });
    expect(await readTagsOf(clients, stack.greenTargetGroupArn)).toEqual({
      'ecs-taper:role': 'live',
      'ecs-taper:deployment-id': 'dep-swap',
    });
    expect(await readTagsOf(clients, stack.blueTargetGroupArn)).toEqual({ 'ecs-taper:role': 'standby' });
    const statuses = Object.fromEntries(
      (await readTaskSets(clients, stack)).map((s) => [s.taskSetArn, s.status]),
    );
    expect(statuses).toEqual({
      [state.newTaskSetArn as string]: 'PRIMARY',
      [stack.initialTaskSetArn as string]: 'ACTIVE',
    });
  });

  it('a second run finds everything in place and changes nothing', async () => {
    const stack = await createStack(clients);
    const state = await readyToSwap(stack, 'dep-twice');
    await runPhase('swap', phaseContext(clients), state, { resume: false });
    const again = await runPhase('swap', phaseContext(clients), state, { resume: false });
    expect(again.next).toMatchObject({ phase: 'settle', detail: 'already swapped' });
  });

  it('finishes a half-done swap: only the missing mutations are sent', async () => {
    const stack = await createStack(clients);
    const state = await readyToSwap(stack, 'dep-half');
    // As if a previous run died after its first ModifyListener and a stale tag from an older deployment.
    await clients.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: stack.productionListenerArn,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: stack.greenTargetGroupArn }],
      }),
    );
    await clients.elbv2.send(
      new AddTagsCommand({
        ResourceArns: [stack.blueTargetGroupArn],
        Tags: [
          { Key: 'ecs-taper:role', Value: 'live' },
          { Key: 'ecs-taper:deployment-id', Value: 'older' },
        ],
      }),
    );
    const result = await runPhase('swap', phaseContext(clients), state, { resume: false });
    expect(result.next.detail).toBe(
      'swapped (modify-listener, add-tags, add-tags, remove-tags, set-primary)',
    );
    expect(await readTagsOf(clients, stack.blueTargetGroupArn)).toEqual({ 'ecs-taper:role': 'standby' });
    expect(await readForwards(clients, stack)).toEqual({
      80: [stack.greenTargetGroupArn],
      8080: [stack.blueTargetGroupArn],
    });
  });
});
