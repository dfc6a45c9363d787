import { describe, expect, it } from 'vitest';
import { simulateDeployment } from '../src/index.js';
import type { World } from '../src/world.js';
import { smallWorld } from './helpers.js';

type Implementation = World['routing']['implementation'];

/** Every new flow per task and second, and the summary, of one deployment routed by `implementation`. */
async function run(implementation: Implementation, options: { canary?: boolean } = {}) {
  let world: World | undefined;
  const summary = await simulateDeployment({
    strategy: 'taper',
    tasks: 12,
    connectionsPerTask: 40,
    deregistrationDelaySeconds: 30,
    randomSeed: 7,
    settings: options.canary ? { clients: { sessionSeconds: 20 } } : undefined,
    onWorld: (w) => {
      world = w;
      w.routing.implementation = implementation;
    },
  });
  const flows = [...(world?.metrics.newConnectionsByTask ?? [])].map(([arn, bySecond]) => [
    arn,
    [...bySecond],
  ]);
  return { summary, flows };
}

describe('routing: the index and the scan choose the same targets', () => {
  it('gives the same connections, second by second, for a whole deployment', async () => {
    const indexed = await run('indexed');
    expect(indexed.flows.length).toBe(12); // every new task took some of the 480 clients
    expect(await run('scan')).toEqual(indexed);
  });

  it('also with sessions ending (new flows during health changes, the swap and draining)', async () => {
    expect(await run('scan', { canary: true })).toEqual(await run('indexed', { canary: true }));
  });

  it('sees a change of state made directly on a target, and a target that leaves', () => {
    const { world, refs } = smallWorld();
    const targets = [...refs.blue.targets.values()];
    expect(world.routing.chooseTarget(refs.blue)).toBeDefined();
    for (const target of targets.slice(1)) target.state = 'draining';
    for (let i = 0; i < 20; i++) expect(world.routing.chooseTarget(refs.blue)).toBe(targets[0]);
    expect(world.routing.healthyBehind(refs.productionListener)).toBe(1);
    world.health.deregister(targets[0] as (typeof targets)[0]);
    expect(world.routing.chooseTarget(refs.blue)).toBeUndefined();
  });
});
