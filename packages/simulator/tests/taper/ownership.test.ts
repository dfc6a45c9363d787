import { InputValidationError, TopologyError } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { run, world } from './harness.js';

describe('taper: never touches what is not ours', () => {
  it('a mistyped service is refused with 0 mutating calls and names the real one', async () => {
    const built = world({ tasks: 2 });
    const error = await run(built, { service: 'sim-servce' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as Error).message).toMatch(
      /belong to no task set of service sim-servce: they are service sim-service's/,
    );
    expect((error as Error).message).toContain('did you mean sim-service?');
    expect(built.world.mutationCount()).toBe(0);
  });

  it('the same typo with --create-service is refused too: the target group is another service’s', async () => {
    const built = world({ tasks: 2 });
    const error = await run(built, { service: 'sim-servce', createService: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect(built.world.mutationCount()).toBe(0);
  });

  it('a missing service behind an empty target group is created only when asked', async () => {
    const built = world({ tasks: 2 });
    // Empty the production group: the initial service goes away with its targets.
    for (const target of built.refs.blue.targets.values()) built.world.health.deregister(target);
    await built.clock.sleep(60_000);
    const refused = await run(built, { service: 'fresh' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InputValidationError);
    expect((refused as Error).message).toMatch(/createService: true \(--create-service\)/);
    expect(built.world.mutationCount()).toBe(0);
  });

  it('a task set with a CodeDeploy-style externalId is never adopted or taken for our lock: refused, naming it', async () => {
    const built = world({ tasks: 2 });
    const standby = { targetGroupArn: built.refs.green.arn, containerName: 'app', containerPort: 8080 };
    const foreign = built.world.addRunningTaskSet(built.refs.service, built.refs.v2, standby, 'd-ABCDEF123');
    foreign.status = 'ACTIVE';
    built.refs.initialTaskSet.status = 'PRIMARY';
    const error = await run(built).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopologyError);
    expect((error as Error).message).toContain('CodeDeploy (deployment d-ABCDEF123)');
    expect(built.world.mutationCount()).toBe(0);
  });
});
