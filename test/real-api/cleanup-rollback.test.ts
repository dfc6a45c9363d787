/**
 * cleanup and rollback through real SDK clients against moto: DeleteTaskSet, RemoveTags, UpdateTaskSet,
 * ModifyListener and UpdateServicePrimaryTaskSet, read back with DescribeTaskSets / DescribeListeners /
 * DescribeTags.
 */
import { AddTagsCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { DeploymentState } from '@ecs-taper/core';
import { runPhase } from '@ecs-taper/core/workflow';
import { describe, expect, it } from 'vitest';
import {
  createStack,
  discoverAndCreate,
  type MotoClients,
  motoClients,
  phaseContext,
  playedClients,
  readForwards,
  readTagsOf,
  readTargetStates,
  readTaskSets,
} from '../support/real-aws';

const raw = motoClients();

async function swappedState(
  clients: MotoClients,
  stack: Awaited<ReturnType<typeof createStack>>,
  id: string,
) {
  const created = await discoverAndCreate(clients, stack, { deploymentId: id });
  const swap = await runPhase(
    'swap',
    phaseContext(clients),
    { ...created, phase: 'swap' },
    { resume: false },
  );
  return swap.state;
}

/**
 * Runs rollback until it ends, as the interpreter would: time moves only by the waits rollback asks for
 * (after pointing production back it retires the new set at the plan's pace), so minutes take no time.
 */
async function rollBack(clients: MotoClients, start: DeploymentState, reason: string) {
  let state: DeploymentState = { ...start, phase: 'rollback', rollbackReason: reason };
  const details: string[] = [];
  let now = Date.now();
  for (let i = 0; i < 40; i++) {
    const result = await runPhase('rollback', phaseContext(clients, now), state, { resume: false });
    details.push(result.next.detail);
    if (result.next.kind === 'end') return { outcome: result.next.outcome, details };
    now += result.next.afterSeconds * 1000;
    state = { ...result.state, phase: 'rollback' };
  }
  throw new Error(`rollback did not end: ${details.join(' | ')}`);
}

describe('cleanup against moto', () => {
  it('deletes the old task set and stale tags; a second run is a no-op', async () => {
    const stack = await createStack(raw);
    const state = { ...(await swappedState(raw, stack, 'dep-clean')), phase: 'cleanup' as const };
    // A deployment-id tag left on the (now standby) old group by an interrupted earlier run.
    await raw.elbv2.send(
      new AddTagsCommand({
        ResourceArns: [stack.blueTargetGroupArn],
        Tags: [{ Key: 'ecs-taper:deployment-id', Value: 'older' }],
      }),
    );

    const first = await runPhase('cleanup', phaseContext(raw), state, { resume: false });
    expect(first.next).toMatchObject({ kind: 'end', outcome: 'succeeded' });
    expect(first.next.detail).toMatch(/^deleted old task set ecs-svc\/\d+; cleared stale tags$/);
    const sets = await readTaskSets(raw, stack);
    expect(sets.map((set) => [set.taskSetArn, set.status])).toEqual([[state.newTaskSetArn, 'PRIMARY']]);
    expect(await readTagsOf(raw, stack.blueTargetGroupArn)).toEqual({ 'ecs-taper:role': 'standby' });

    const second = await runPhase('cleanup', phaseContext(raw), state, { resume: false });
    expect(second.next).toMatchObject({
      kind: 'end',
      outcome: 'succeeded',
      detail: 'nothing left to clean up',
    });
    expect(await readTaskSets(raw, stack)).toHaveLength(1);
  });
});

describe('rollback against moto', () => {
  it('before the swap: deletes the new task set, production never moved (moto alone)', async () => {
    const stack = await createStack(raw);
    const created = await discoverAndCreate(raw, stack, { deploymentId: 'dep-rb-early' });
    const { outcome, details } = await rollBack(raw, created, 'new task set not ready by the deadline');
    expect(outcome).toBe('rolled-back');
    expect(details).toEqual(['new task set deleted', 'new task set not ready by the deadline']);
    expect((await readTaskSets(raw, stack)).map((set) => set.taskSetArn)).toEqual([stack.initialTaskSetArn]);
    expect(await readForwards(raw, stack)).toEqual({
      80: [stack.blueTargetGroupArn],
      8080: [stack.greenTargetGroupArn],
    });
  });

  it('after the swap and a scale-down step: restores the old set, points production back, deletes the new set', async () => {
    const stack = await createStack(raw);
    const { clients } = playedClients();
    const swapped = await swappedState(clients, stack, 'dep-rb-late');
    const step = await runPhase(
      'scaleDown',
      phaseContext(clients),
      { ...swapped, phase: 'scaleDown', input: { ...swapped.input, decrementTasks: 2 } },
      { resume: false },
    );
    expect(step.appliedStep).toMatchObject({ remainingTasks: 1 });

    const { outcome, details } = await rollBack(clients, step.state, 'alarm errors in ALARM');
    // Production first; then, after the listener propagation window (settleSeconds), the new set is retired
    // at the plan's pace (2 tasks per step here) so its clients do not all reconnect at once, then deleted.
    const waits = (d: string) => d.startsWith("retiring the new task set at the plan's pace");
    expect(details.filter((d) => !waits(d))).toEqual([
      'old task set restored to 100 %',
      'production points at the old version again',
      'new task set down to 1 tasks',
      'new task set down to 0 tasks',
      'new task set deleted',
      'alarm errors in ALARM',
    ]);
    expect(details.filter(waits).length).toBeGreaterThan(0);
    expect(outcome).toBe('rolled-back');

    const sets = await readTaskSets(raw, stack);
    expect(sets.map((set) => [set.taskSetArn, set.status, set.scale?.value])).toEqual([
      [stack.initialTaskSetArn, 'PRIMARY', 100],
    ]);
    expect(await readForwards(raw, stack)).toEqual({
      80: [stack.blueTargetGroupArn],
      8080: [stack.greenTargetGroupArn],
    });
    expect(await readTagsOf(raw, stack.blueTargetGroupArn)).toEqual({ 'ecs-taper:role': 'live' });
    expect(await readTagsOf(raw, stack.greenTargetGroupArn)).toEqual({ 'ecs-taper:role': 'standby' });
    // The player, as ECS, brought the old tasks back into blue and took the deleted set's out of green.
    expect(await readTargetStates(raw, stack.blueTargetGroupArn)).toHaveLength(3);
    expect(await readTargetStates(raw, stack.greenTargetGroupArn)).toEqual([]);
  });

  it('moto alone after the swap: the old group never has a healthy target, so rollback stops at its deadline', async () => {
    // Nothing registers the old tasks in their group without the player (moto runs no tasks), so rollback
    // never finds the old group able to carry production. Against AWS it points production back (test above).
    const stack = await createStack(raw);
    const swapped = await swappedState(raw, stack, 'dep-rb-moto');
    const result = await runPhase(
      'rollback',
      phaseContext(raw, Date.now() + 1_000_000),
      { ...swapped, phase: 'rollback', rollbackReason: 'test', rollbackDeadline: Date.now() },
      { resume: false },
    );
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'failed' });
    expect(result.next.detail).toBe(
      'rollback could not finish by its deadline: waiting for the old targets to carry production: 0 healthy, the new group has 0',
    );
    // Nothing was pointed back: production still on green.
    expect((await readForwards(raw, stack))[80]).toEqual([stack.greenTargetGroupArn]);
  });
});
