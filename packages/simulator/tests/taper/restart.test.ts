import type { DeploymentInput } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { dyingClients, expectDeployed, run, settle, world, zeroHealthySeconds } from './harness.js';

const plan: Partial<DeploymentInput> = { decrementTasks: 1, intervalSeconds: 30 };
const scaling = {
  minCapacity: 1,
  maxCapacity: 10,
  suspendedState: { DynamicScalingInSuspended: true, DynamicScalingOutSuspended: false },
};
const restoredState = {
  DynamicScalingInSuspended: true,
  DynamicScalingOutSuspended: false,
  ScheduledScalingSuspended: false,
};
const restartWorld = (withScaling: boolean) =>
  world({ tasks: 4, randomSeed: 3, ...(withScaling ? { scalableTarget: scaling } : {}) });

/** Kills the first run after mutation `killAt`, waits 30 s, runs again; returns why it did not converge, if so. */
async function killAndRestart(
  killAt: number,
  extra: Partial<DeploymentInput>,
  withScaling: boolean,
): Promise<string | undefined> {
  const built = restartWorld(withScaling);
  const controller = new AbortController();
  const clients = dyingClients(built, (_operation, count) => count >= killAt, controller);
  await run(built, { ...plan, ...extra }, { clients, signal: controller.signal }).catch(() => undefined);
  expect(built.world.mutationCount()).toBe(killAt);
  await built.clock.sleep(30_000);
  try {
    // The operator knows the first process is gone: it takes the lease over instead of waiting it out.
    const { result } = await run(built, { ...plan, ...extra }, { takeOver: true });
    if (result.outcome !== 'succeeded') return `${result.outcome}: ${result.reason}`;
    await settle(built);
    expectDeployed(built);
    expect(built.world.ecs.createdTaskSets).toHaveLength(1);
    expect(zeroHealthySeconds(built)).toBe(0);
    if (withScaling) expect(built.refs.scalableTarget?.suspendedState).toEqual(restoredState);
    return undefined;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

describe('taper: killed after any mutating call, then started again from scratch', () => {
  it.each([
    ['without a scalable target', false, 29],
    ['with a scalable target (suspended, then restored)', true, 31],
  ] as const)(
    '%s: converges to the same final state, no extra task set, production never unhealthy',
    async (_name, withScaling, mutations) => {
      const clean = restartWorld(withScaling);
      expect((await run(clean, plan)).result.outcome).toBe('succeeded');
      const total = clean.world.mutationCount();
      // 11 deployment mutations, the controller's task-set tags (lease, times, Auto Scaling record) and,
      // with a scalable target, RegisterScalableTarget to suspend and to restore.
      expect(total).toBe(mutations);

      for (const [mode, extra] of [
        ['sameCommand', {}],
        ['sameDeploymentId', { deploymentId: 'restart-test' }],
      ] as const) {
        const failures: Record<number, string> = {};
        for (let killAt = 1; killAt <= total; killAt++) {
          const why = await killAndRestart(killAt, extra, withScaling);
          if (why) failures[killAt] = why;
        }
        expect(failures, mode).toEqual({});
      }
    },
  );
});
