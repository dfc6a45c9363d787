import type { DeploymentInput } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { type BuiltWorld, MUTATING_OPERATIONS } from '../../src/index.js';
import { expectDeployed, run, settle, world, zeroHealthySeconds } from './harness.js';

type Sendable = { send(command: unknown): Promise<unknown> };

/**
 * Clients of a process that dies right after its `killAt`-th successful mutating call: AWS applied the
 * change, the response is lost, and every later call fails.
 */
function dyingClients(built: BuiltWorld, killAt: number, controller: AbortController): BuiltWorld['clients'] {
  let mutations = 0;
  let dead = false;
  const wrap = (client: Sendable): Sendable => ({
    async send(command) {
      if (dead) throw new Error('process killed');
      const output = await client.send(command);
      const name = (command as object).constructor.name.replace(/Command$/, '');
      if (MUTATING_OPERATIONS.has(name) && ++mutations >= killAt) {
        dead = true;
        controller.abort(new Error('process killed'));
        throw new Error('process killed');
      }
      return output;
    },
  });
  const { ecs, elbv2, cloudwatch } = built.clients;
  return {
    ecs: wrap(ecs),
    elbv2: wrap(elbv2),
    cloudwatch: wrap(cloudwatch),
  } as unknown as BuiltWorld['clients'];
}

const plan: Partial<DeploymentInput> = { decrementTasks: 1, intervalSeconds: 30 };

/** Kills the first run after mutation `killAt`, waits 30 s, runs again; returns why it did not converge, if so. */
async function killAndRestart(killAt: number, extra: Partial<DeploymentInput>): Promise<string | undefined> {
  const built = world({ tasks: 4, randomSeed: 3 });
  const controller = new AbortController();
  const clients = dyingClients(built, killAt, controller);
  await run(built, { ...plan, ...extra }, { clients, signal: controller.signal }).catch(() => undefined);
  expect(built.world.mutationCount()).toBe(killAt);
  await built.clock.sleep(30_000);
  try {
    const { result } = await run(built, { ...plan, ...extra });
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
    expect(total).toBe(11);

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
