import type { DeploymentInput } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { dyingClients, expectDeployed, run, settle, world, zeroHealthySeconds } from './harness.js';

const plan: Partial<DeploymentInput> = { decrementTasks: 1, intervalSeconds: 30 };

/** Kills the first run after mutation `killAt`, waits 30 s, runs again; returns why it did not converge, if so. */
async function killAndRestart(killAt: number, extra: Partial<DeploymentInput>): Promise<string | undefined> {
  const built = world({ tasks: 4, randomSeed: 3 });
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
    return undefined;
  } catch (error) {
    return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  }
}

describe('taper: killed after any mutating call, then started again from scratch', () => {
  it('converges to the same final state, with no extra task set and production never unhealthy', async () => {
    const clean = world({ tasks: 4, randomSeed: 3 });
    expect((await run(clean, plan)).result.outcome).toBe('succeeded');
    const total = clean.world.mutationCount();
    // 11 deployment mutations plus the controller's: task-set tags (lease, times, Auto Scaling record).
    expect(total).toBe(27);

    for (const [mode, extra] of [
      ['sameCommand', {}],
      ['sameDeploymentId', { deploymentId: 'restart-test' }],
    ] as const) {
      const failures: Record<number, string> = {};
      for (let killAt = 1; killAt <= total; killAt++) {
        const why = await killAndRestart(killAt, extra);
        if (why) failures[killAt] = why;
      }
      expect(failures, mode).toEqual({});
    }
  });
});
