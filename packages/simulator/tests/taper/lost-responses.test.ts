import { describe, expect, it } from 'vitest';
import type { BuiltWorld } from '../../src/index.js';
import {
  expectDeployed,
  mutationOf,
  run,
  settle,
  world,
  wrapClients,
  zeroHealthySeconds,
} from './harness.js';

/** The error a client sees when AWS did the work but the answer never arrived. */
function lostResponse(kind: '503' | 'timeout'): Error {
  if (kind === 'timeout') {
    return Object.assign(new Error('Connection timed out after 30000 ms'), {
      name: 'TimeoutError',
      code: 'ETIMEDOUT',
    });
  }
  return Object.assign(new Error('Service Unavailable'), {
    name: 'ServiceUnavailableException',
    $fault: 'server',
    $metadata: { httpStatusCode: 503 },
  });
}

/** Clients whose `at`-th successful mutating call is applied, but its response is lost. */
function losingClients(built: BuiltWorld, at: number, kind: '503' | 'timeout'): BuiltWorld['clients'] {
  let mutations = 0;
  return wrapClients(built, async (client, command) => {
    const output = await client.send(command);
    if (mutationOf(command) && ++mutations === at) throw lostResponse(kind);
    return output;
  });
}

const plan = { decrementTasks: 1, intervalSeconds: 30 };
const scaling = { minCapacity: 1, maxCapacity: 10 };

describe('taper: a lost response after any mutating call', () => {
  it.each(['503', 'timeout'] as const)(
    'with the answer lost as a %s: every deployment converges, 0 duplicate task sets, production never unhealthy',
    async (kind) => {
      const clean = world({ tasks: 4, randomSeed: 3, scalableTarget: scaling });
      expect((await run(clean, plan)).result.outcome).toBe('succeeded');
      const total = clean.world.mutationCount();
      expect(total).toBeGreaterThan(20);
      const failures: Record<number, string> = {};
      for (let at = 1; at <= total; at++) {
        const built = world({ tasks: 4, randomSeed: 3, scalableTarget: scaling });
        try {
          const { result } = await run(built, plan, { clients: losingClients(built, at, kind) });
          if (result.outcome !== 'succeeded') failures[at] = `${result.outcome}: ${result.reason}`;
          await settle(built);
          expectDeployed(built);
          expect(built.world.ecs.createdTaskSets).toHaveLength(1);
          expect(zeroHealthySeconds(built)).toBe(0);
        } catch (error) {
          failures[at] ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
        }
      }
      expect(failures).toEqual({});
    },
  );
});

/** Clients whose `at`-th call of any kind never reaches AWS: the connection is reset. */
function resettingClients(built: BuiltWorld, at: number): BuiltWorld['clients'] {
  let calls = 0;
  return wrapClients(built, async (client, command) => {
    if (++calls === at)
      throw Object.assign(new Error('socket hang up'), { name: 'Error', code: 'ECONNRESET' });
    return client.send(command);
  });
}

describe('taper: one connection reset on any call of a healthy deployment', () => {
  it('succeeds whichever call it hits, with one task set', async () => {
    const clean = world({ tasks: 4, randomSeed: 3, scalableTarget: scaling });
    expect((await run(clean, plan)).result.outcome).toBe('succeeded');
    const total = clean.world.calls.length;
    expect(total).toBeGreaterThan(100);
    const failures: Record<number, string> = {};
    for (let at = 1; at <= total; at++) {
      const built = world({ tasks: 4, randomSeed: 3, scalableTarget: scaling });
      const ended = await run(built, plan, { clients: resettingClients(built, at) }).catch((e: unknown) => e);
      const outcome = (ended as { result?: { outcome: string; reason: string } }).result;
      if (outcome?.outcome !== 'succeeded')
        failures[at] = outcome ? `${outcome.outcome}: ${outcome.reason}` : String(ended);
      else if (built.world.ecs.createdTaskSets.length !== 1)
        failures[at] = `${built.world.ecs.createdTaskSets.length} task sets`;
    }
    expect(failures).toEqual({});
  });
});

describe('taper: several task sets carrying our own id', () => {
  it('are reconciled (the first kept, the rest deleted), and the next deployment is not refused', async () => {
    const built = world({ tasks: 2 });
    let duplicated = false;
    built.world.onApiCall((call) => {
      if (duplicated || !call.ok || call.operation !== 'CreateTaskSet') return;
      duplicated = true;
      // What an emulator that ignores clientToken leaves after the SDK resent CreateTaskSet twice.
      const input = call.input as {
        externalId: string;
        loadBalancers: { targetGroupArn: string; containerName: string; containerPort: number }[];
      };
      const lb = input.loadBalancers[0] as {
        targetGroupArn: string;
        containerName: string;
        containerPort: number;
      };
      for (let i = 0; i < 2; i++) {
        const copy = built.world.addRunningTaskSet(built.refs.service, built.refs.v2, lb, input.externalId);
        copy.status = 'ACTIVE';
        copy.createdAt += 1 + i;
        copy.tags = [{ key: 'ecs-taper:deployment-id', value: input.externalId }];
      }
      built.refs.initialTaskSet.status = 'PRIMARY';
    });
    const { result } = await run(built, { deploymentId: 'dup-test' });
    expect(result.outcome, result.reason).toBe('succeeded');
    await settle(built);
    const live = built.refs.service.taskSets.filter((s) => s.status !== 'DRAINING');
    expect(live).toHaveLength(1);
    expect(live[0]?.externalId).toBe('dup-test');
    // The next deployment of another version is not refused by leftovers.
    const v3 = built.world.registerTaskDefinition('sim-app', built.refs.v2.containerDefinitions);
    const next = await run(built, { taskDefinition: v3.arn });
    expect(next.result.outcome, next.result.reason).toBe('succeeded');
  });
});
