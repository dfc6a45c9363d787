import { describe, expect, it } from 'vitest';
import { expectDeployed, expectRestored, run, settle, world, zeroHealthySeconds } from './harness.js';

describe('taper: failures through deploy()', () => {
  it.each(['unhealthy', 'crash'] as const)(
    'never swaps to a %s version: rolls back, leaves the old set untouched, production always healthy',
    async (mode) => {
      const built = world();
      built.world.faults.badVersion = { taskDefinition: built.refs.v2.arn, mode };
      const oldTasks = built.refs.initialTaskSet.tasks.map((t) => t.arn);
      const { result } = await run(built, { readyTimeoutSeconds: 300 });
      expect(result.outcome).toBe('rolled-back');
      await settle(built);
      const touchedProduction = built.world.calls.some(
        (c) =>
          c.operation === 'ModifyListener' &&
          (c.input as { ListenerArn: string }).ListenerArn === built.refs.productionListener.arn,
      );
      expect(touchedProduction).toBe(false);
      const oldSetMutations = built.world.calls.filter(
        (c) =>
          (c.operation === 'UpdateTaskSet' || c.operation === 'DeleteTaskSet') &&
          (c.input as { taskSet: string }).taskSet === built.refs.initialTaskSet.arn,
      );
      expect(oldSetMutations).toEqual([]);
      expect(built.refs.initialTaskSet.tasks.map((t) => t.arn)).toEqual(oldTasks);
      expectRestored(built);
      expect(zeroHealthySeconds(built)).toBe(0);
      expect(built.world.population.disconnectedMoreThanOnce).toBe(0);
    },
  );

  it('rolls back on an alarm during scale-down and restores the old capacity', async () => {
    const built = world({ tasks: 8 });
    // Ready after ~190 s, settle 60 s: the first step is at ~250 s; the alarm fires in the middle of the steps.
    built.world.scheduleAlarm(built.refs.alarmName, 330_000);
    const { result, events } = await run(built, {
      alarmNames: [built.refs.alarmName],
      decrementTasks: 2,
      intervalSeconds: 60,
    });
    expect(events.some((e) => e.type === 'scale-step')).toBe(true);
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/alarm/);
    await settle(built);
    expectRestored(built);
    expect(zeroHealthySeconds(built)).toBe(0);
  });

  it('completes through a throttling storm without creating a second task set', async () => {
    const built = world();
    built.world.faults.throttle = { rate: 0.3 };
    built.world.faults.serverErrors = { rate: 0.05 };
    const { result } = await run(built);
    expect(result.outcome).toBe('succeeded');
    await settle(built);
    expectDeployed(built);
    expect(built.world.metrics.apiErrors.ThrottlingException).toBeGreaterThan(10);
    expect(built.world.ecs.createdTaskSets).toHaveLength(1);
    expect(zeroHealthySeconds(built)).toBe(0);
  });
});
