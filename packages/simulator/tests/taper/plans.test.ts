import { describe, expect, it } from 'vitest';
import { ceilTasks } from '../../src/index.js';
import { expectDeployed, run, settle, world, zeroHealthySeconds } from './harness.js';

describe('taper: whole deployments through deploy()', () => {
  it.each([
    { decrementPercent: 10 },
    { decrementPercent: 50, intervalSeconds: 30 },
    { decrementTasks: 1, intervalSeconds: 45 },
    { decrementTasks: 4 },
  ])('deploys v2 with plan %o, never leaving production without a healthy target', async (plan) => {
    const built = world({ tasks: 10 });
    const { result, events } = await run(built, plan);
    expect(result.outcome).toBe('succeeded');
    await settle(built);
    expectDeployed(built);
    expect(zeroHealthySeconds(built)).toBe(0);
    expect(built.world.ecs.createdTaskSets).toHaveLength(1);
    expect(built.world.population.disconnectedMoreThanOnce).toBe(0);
    // Every client ends up on v2.
    const onV2 = built.refs.service.taskSets[0]?.tasks.reduce((n, t) => n + t.connections.size, 0);
    expect(onV2).toBe(10 * 20);
    // Each scale step removes tasks, and ECS runs exactly the count core planned.
    const steps = events.flatMap((e) => (e.type === 'scale-step' ? [e] : []));
    expect(steps.at(-1)?.remainingTasks).toBe(0);
    for (const step of steps) expect(ceilTasks(10, step.scalePercent)).toBe(step.remainingTasks);
  });

  it('keeps new connections under the budget in budget mode', async () => {
    const built = world({ tasks: 20, connectionsPerTask: 500, deregistrationDelaySeconds: 120 });
    const { result } = await run(built, { maxNewConnectionsPerSecond: 400, reconnectSpreadSeconds: 5 });
    expect(result.outcome).toBe('succeeded');
    await settle(built);
    let peak = 0;
    for (const n of built.world.metrics.newConnectionsPerSecond) peak = Math.max(peak, n ?? 0);
    // The budget is a cap: the plan's chance that any second exceeds it is at most 5 % (budgetConfidence).
    expect(peak).toBeLessThanOrEqual(400);
    expectDeployed(built);
  });

  it.each([2, 3, 7])(
    "deploys with the seed's defaults (25 percent every 60 s) on desiredCount %i, with ECS's round-up",
    async (tasks) => {
      const built = world({ tasks });
      const { result, events } = await run(built, { decrementPercent: 25, intervalSeconds: 60 });
      expect(result.outcome).toBe('succeeded');
      await settle(built);
      expectDeployed(built);
      const steps = events.flatMap((e) => (e.type === 'scale-step' ? [e] : []));
      const remaining = steps.map((s) => s.remainingTasks);
      // Strictly decreasing to 0: no wasted step, no tail, no loop.
      for (let i = 1; i < remaining.length; i++)
        expect(remaining[i]).toBeLessThan(remaining[i - 1] ?? Infinity);
      expect(remaining.at(-1)).toBe(0);
      // What ECS ran after each UpdateTaskSet on the old set is what core planned.
      const updates = built.world.calls.filter((c) => c.operation === 'UpdateTaskSet' && c.ok);
      const counts = updates.map((c) =>
        ceilTasks(tasks, (c.input as { scale: { value: number } }).scale.value),
      );
      expect(counts).toEqual(remaining);
      expect(zeroHealthySeconds(built)).toBe(0);
    },
  );

  it('changes nothing when the finished deployment runs again', async () => {
    const built = world();
    expect((await run(built)).result.outcome).toBe('succeeded');
    await settle(built);
    const before = built.world.calls.length;
    const again = await run(built);
    expect(again.result.outcome).toBe('succeeded');
    expect(built.world.mutationCount(before)).toBe(0);
    expectDeployed(built);
  });
});
