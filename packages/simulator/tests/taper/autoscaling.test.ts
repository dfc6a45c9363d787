import { describe, expect, it } from 'vitest';
import { ceilTasks } from '../../src/ecs/model.js';
import type { BuiltWorld } from '../../src/index.js';
import { dyingClients, expectDeployed, run, settle, stepTimes, world } from './harness.js';

const original = {
  DynamicScalingInSuspended: false,
  DynamicScalingOutSuspended: false,
  ScheduledScalingSuspended: true,
};

function scalingWorld(tasks = 8): BuiltWorld {
  return world({ tasks, scalableTarget: { minCapacity: 1, maxCapacity: 40, suspendedState: original } });
}

/** Doubles desiredCount by a dynamic scale-out 10 s after the first scale-down step. */
function doubleAfterFirstStep(built: BuiltWorld): void {
  let scheduled = false;
  built.world.onApiCall((call) => {
    const input = call.input as { taskSet?: string };
    if (scheduled || !call.ok || call.operation !== 'UpdateTaskSet') return;
    if (input.taskSet !== built.refs.initialTaskSet.arn) return;
    scheduled = true;
    built.world.scheduleScaling({
      atSeconds: call.at / 1000 + 10,
      desiredCount: built.refs.service.desiredCount * 2,
      kind: 'dynamic',
    });
  });
}

/** Every second: old-version tasks RUNNING. And each UpdateTaskSet on the old set, as a task count then. */
function watchOldSet(built: BuiltWorld) {
  const running: number[] = [];
  const counts: number[] = [];
  const sample = () => {
    running.push(built.refs.initialTaskSet.tasks.filter((t) => t.lastStatus === 'RUNNING').length);
    if (built.refs.service.taskSets.includes(built.refs.initialTaskSet)) built.clock.schedule(1000, sample);
  };
  built.clock.schedule(0, sample);
  built.world.onApiCall((call) => {
    const input = call.input as { taskSet?: string; scale?: { value: number } };
    if (!call.ok || call.operation !== 'UpdateTaskSet' || input.taskSet !== built.refs.initialTaskSet.arn)
      return;
    counts.push(ceilTasks(built.refs.service.desiredCount, input.scale?.value ?? 100));
  });
  return { running, counts };
}

const plan = { decrementTasks: 2, intervalSeconds: 60 };

describe('taper: Application Auto Scaling during a deployment', () => {
  it('kept on (--keep-autoscaling) and desiredCount doubled after step 1: the old set never grows, no step removes more than planned', async () => {
    const built = scalingWorld(8);
    doubleAfterFirstStep(built);
    const watch = watchOldSet(built);
    const { result } = await run(built, { ...plan, suspendAutoScaling: false });
    expect(result.outcome, result.reason).toBe('succeeded');
    const applied = built.world.scalingActivities.filter((a) => !a.skipped);
    expect(applied.map((a) => [a.from, a.to])).toEqual([[8, 16]]);
    // Old-version tasks running, second by second, never go up.
    for (let i = 1; i < watch.running.length; i++) {
      expect(watch.running[i], `second ${i}`).toBeLessThanOrEqual(watch.running[i - 1] as number);
    }
    // Each UpdateTaskSet leaves the old set at its planned count: 6, (6 again after the scale-out), 4, 2, 0.
    expect(watch.counts).toEqual([6, 6, 4, 2, 0]);
    expect(built.world.calls.some((c) => c.operation === 'RegisterScalableTarget')).toBe(false);
    await settle(built);
    expectDeployed(built);
  });

  it('by default suspended for the deployment: the scale-out is skipped, and the SuspendedState is restored exactly', async () => {
    const built = scalingWorld(8);
    doubleAfterFirstStep(built);
    const during: unknown[] = [];
    built.world.onApiCall((call) => {
      if (call.operation === 'UpdateTaskSet') during.push({ ...built.refs.scalableTarget?.suspendedState });
    });
    const { result } = await run(built, plan);
    expect(result.outcome, result.reason).toBe('succeeded');
    expect(built.world.scalingActivities.map((a) => a.skipped)).toEqual(['DynamicScalingOutSuspended']);
    for (const state of during) {
      expect(state).toEqual({
        DynamicScalingInSuspended: true,
        DynamicScalingOutSuspended: true,
        ScheduledScalingSuspended: true,
      });
    }
    expect(stepTimes(built)).toHaveLength(4);
    expect(built.refs.scalableTarget?.suspendedState).toEqual(original);
  });

  it('restored when the deployment rolls back', async () => {
    const built = scalingWorld(4);
    built.world.faults.badVersion = { taskDefinition: built.refs.v2.arn, mode: 'unhealthy' };
    const { result } = await run(built, { readyTimeoutSeconds: 300 });
    expect(result.outcome).toBe('rolled-back');
    const registers = built.world.calls.filter((c) => c.ok && c.operation === 'RegisterScalableTarget');
    expect(registers).toHaveLength(2);
    expect(built.refs.scalableTarget?.suspendedState).toEqual(original);
  });

  it('restored when the deployment fails (cleanup cannot delete the old set)', async () => {
    const built = scalingWorld(4);
    built.world.faults.serverErrors = { rate: 1, commands: ['DeleteTaskSet'] };
    const { result } = await run(built, plan);
    expect(result.outcome).toBe('failed');
    expect(built.refs.scalableTarget?.suspendedState).toEqual(original);
  });

  it.each(['RegisterScalableTarget', 'TagResource', 'UpdateTaskSet'])(
    'killed right after the first %s, resumed by a new process: restored exactly at the end',
    async (operation) => {
      const built = scalingWorld(4);
      const controller = new AbortController();
      let seen = 0;
      const clients = dyingClients(built, (name) => name === operation && ++seen === 1, controller);
      await run(built, plan, { clients, signal: controller.signal }).catch(() => undefined);
      expect(built.refs.scalableTarget?.suspendedState.ScheduledScalingSuspended).toBe(true);
      const { result } = await run(built, plan, { takeOver: true });
      expect(result.outcome, result.reason).toBe('succeeded');
      expect(built.refs.scalableTarget?.suspendedState).toEqual(original);
      expect(built.world.ecs.createdTaskSets).toHaveLength(1);
    },
  );
});
