/**
 * scaleDown and waitDrained through real SDK clients against moto: UpdateTaskSet read back with
 * DescribeTaskSets. moto stores the scale but computes no counts from it, so the test plays ECS
 * (support/ecs-player.ts): computedDesiredCount = ceil(desiredCount * scale / 100) as ECS rounds, tasks run
 * at once, and their targets leave the old group as the set shrinks.
 */
import { UpdateTaskSetCommand } from '@aws-sdk/client-ecs';
import { ModifyTargetGroupAttributesCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { scalePercentForTasks } from '@ecs-taper/core';
import { runPhase } from '@ecs-taper/core/workflow';
import { describe, expect, it } from 'vitest';
import type { PlayerOptions } from '../support/ecs-player';
import {
  createStack,
  discoverAndCreate,
  motoClients,
  phaseContext,
  playedClients,
  readTargetStates,
  readTaskSets,
  type Stack,
} from '../support/real-aws';

const raw = motoClients();

async function swapped(options: PlayerOptions = {}, overrides: Record<string, unknown> = {}) {
  const stack = await createStack(raw);
  const { clients, player } = playedClients(options);
  const created = await discoverAndCreate(clients, stack, {
    decrementTasks: 1,
    intervalSeconds: 30,
    ...overrides,
  });
  const swap = await runPhase(
    'swap',
    phaseContext(clients),
    { ...created, phase: 'swap' },
    { resume: false },
  );
  return { stack, clients, player, state: { ...swap.state, phase: 'scaleDown' as const } };
}

async function oldScale(stack: Stack) {
  const sets = await readTaskSets(raw, stack);
  return sets.find((set) => set.taskSetArn === stack.initialTaskSetArn)?.scale;
}

describe('scaleDown and waitDrained against moto', () => {
  it('retires the old set one task per step with scales ECS rounds to exactly that count, then drains', async () => {
    const { stack, clients, state } = await swapped({}, { deploymentId: 'dep-scale' });
    const t0 = Date.now();

    const first = await runPhase('scaleDown', phaseContext(clients, t0), state, { resume: false });
    expect(first.appliedStep).toMatchObject({ step: 1, steps: 3, remainingTasks: 2, removedTasks: 1 });
    // The 30 s interval is waited in polls (15 s): after the swap every wait re-checks the new targets' health.
    expect(first.next).toMatchObject({ kind: 'go', phase: 'scaleDown', afterSeconds: 15 });
    const firstScale = first.appliedStep?.scalePercent as number;
    expect(firstScale).toBe(scalePercentForTasks(3, 2));
    // Read back from moto: UpdateTaskSet stored exactly that scale, and ECS's rounding up gives 2 tasks.
    expect(await oldScale(stack)).toEqual({ unit: 'PERCENT', value: firstScale });
    expect(Math.ceil((3 * firstScale) / 100)).toBe(2);

    // Too early for step 2: nothing is sent.
    const early = await runPhase('scaleDown', phaseContext(clients, t0 + 10_000), first.state, {
      resume: false,
    });
    expect(early.next).toMatchObject({ phase: 'scaleDown', afterSeconds: 15 });
    expect(early.appliedStep).toBeUndefined();
    expect(await oldScale(stack)).toEqual({ unit: 'PERCENT', value: firstScale });

    const second = await runPhase('scaleDown', phaseContext(clients, t0 + 30_000), first.state, {
      resume: false,
    });
    expect(second.appliedStep).toMatchObject({ step: 2, remainingTasks: 1 });
    expect(second.status?.oldTasks).toEqual({ running: 2, pending: 0, desired: 2 });
    expect((await oldScale(stack))?.value).toBe(second.appliedStep?.scalePercent);

    const third = await runPhase('scaleDown', phaseContext(clients, t0 + 60_000), second.state, {
      resume: false,
    });
    expect(third.appliedStep).toMatchObject({ step: 3, remainingTasks: 0, scalePercent: 0 });
    expect(third.next).toMatchObject({ phase: 'waitDrained' });
    expect(await oldScale(stack)).toEqual({ unit: 'PERCENT', value: 0 });

    // Nothing runs and no target is left (moto drops them at once), so the stopping tasks get their stop
    // timeout (the Fargate default 30 s: the fixture's containers set none) before the drain is complete.
    const quiet = await runPhase(
      'waitDrained',
      phaseContext(clients, t0 + 61_000),
      {
        ...third.state,
        phase: 'waitDrained',
      },
      { resume: false },
    );
    expect(quiet.next).toMatchObject({
      phase: 'waitDrained',
      detail:
        'old targets deregistered; giving the stopping tasks their stop timeout (30 s) to close their connections',
    });
    const drained = await runPhase(
      'waitDrained',
      phaseContext(clients, t0 + 91_000),
      { ...quiet.state, phase: 'waitDrained' },
      { resume: false },
    );
    expect(drained.next).toMatchObject({ kind: 'go', phase: 'cleanup', detail: 'old task set drained' });
    // The player deregistered the old tasks as ECS would; moto drops them at once (AWS: `draining` first).
    expect(await readTargetStates(raw, stack.blueTargetGroupArn)).toEqual([]);
    expect(await readTargetStates(raw, stack.greenTargetGroupArn)).toHaveLength(3);
  });

  it('holds the old tasks while the new set is not steady', async () => {
    const { stack, clients, state } = await swapped(
      { running: (set, computed) => (set.externalId === 'dep-hold' ? computed - 1 : computed) },
      { deploymentId: 'dep-hold' },
    );
    const result = await runPhase('scaleDown', phaseContext(clients), state, { resume: false });
    expect(result.next).toMatchObject({
      phase: 'scaleDown',
      detail: 'new task set is not steady; holding the old tasks',
    });
    expect(result.state.holdingSince).toBeDefined();
    expect(await oldScale(stack)).toEqual({ unit: 'PERCENT', value: 100 });
  });

  it('waitDrained waits while old tasks still run after the last step', async () => {
    const { stack, clients, state } = await swapped(
      // ECS has not stopped the last old task yet: it drains above the (zero) desired count.
      { running: (set, computed) => (set.externalId === 'dep-drain' ? computed : 1) },
      { deploymentId: 'dep-drain' },
    );
    await raw.ecs.send(
      new UpdateTaskSetCommand({
        cluster: stack.cluster,
        service: stack.service,
        taskSet: stack.initialTaskSetArn,
        scale: { unit: 'PERCENT', value: 0 },
      }),
    );
    const result = await runPhase(
      'waitDrained',
      phaseContext(clients),
      { ...state, phase: 'waitDrained' },
      {
        resume: false,
      },
    );
    expect(result.next).toMatchObject({
      phase: 'waitDrained',
      // moto never reports `draining` targets (row 15): only the running task holds the drain.
      detail: 'waiting for the old tasks to drain: 1 running, 0 pending, 0 targets draining',
    });
    expect(result.status?.oldTasks).toEqual({ running: 1, pending: 0, desired: 0 });
  });

  it("waitDrained's deadline covers the old group's deregistration delay read from moto, plus the stop timeout", async () => {
    const { stack, clients, state } = await swapped(
      { running: (set, computed) => (set.externalId === 'dep-delay' ? computed : 1) },
      { deploymentId: 'dep-delay', drainTimeoutSeconds: 60 },
    );
    await raw.elbv2.send(
      new ModifyTargetGroupAttributesCommand({
        TargetGroupArn: stack.blueTargetGroupArn,
        Attributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '120' }],
      }),
    );
    const now = Date.now();
    const result = await runPhase(
      'waitDrained',
      phaseContext(clients, now),
      { ...state, phase: 'waitDrained' },
      { resume: false },
    );
    // DescribeTargetGroupAttributes (120 s) + the task definition's stop timeout (Fargate default 30 s) + a
    // poll (15 s) outlasts the 60 s asked for.
    expect(result.state.stopTimeoutSeconds).toBe(30);
    expect(result.state.drainDeadline).toBe(now + (120 + 30 + 15) * 1000);
  });

  it('moto alone: the old set reports no computedDesiredCount, so scaleDown plans from 0 tasks and sends nothing', async () => {
    // This is why the player exists: against moto without it, core would skip the whole taper.
    const stack = await createStack(raw);
    const created = await discoverAndCreate(raw, stack);
    const swap = await runPhase('swap', phaseContext(raw), { ...created, phase: 'swap' }, { resume: false });
    const result = await runPhase(
      'scaleDown',
      phaseContext(raw),
      { ...swap.state, phase: 'scaleDown' },
      {
        resume: false,
      },
    );
    expect(result.next).toMatchObject({ phase: 'waitDrained' });
    expect(result.state.planBasis?.currentTasks).toBe(0);
    expect(await oldScale(stack)).toEqual({ unit: 'PERCENT', value: 100 });
  });
});
