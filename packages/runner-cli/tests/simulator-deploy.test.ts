import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  cli,
  collect,
  jsonLines,
  liveSets,
  runCli,
  type Simulator,
  startSimulator,
  status,
  waitForLine,
} from './helpers';

let simulator: Simulator | undefined;
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

describe('deploy and status against the simulator backend', () => {
  it('deploys with --json (one event per line), then a re-run changes nothing', async () => {
    simulator = await startSimulator(['--speed', '0']);
    const result = await runCli(['deploy', '--simulator', simulator.url, '--json']);
    expect(result.code).toBe(0);
    const events = jsonLines(result.stdout);
    expect(events[0]).toMatchObject({ type: 'deployment-started', resumed: false });
    expect(events.at(-1)).toMatchObject({ type: 'deployment-finished', outcome: 'succeeded' });
    // The default spreads the 20 old tasks one per step.
    expect(events.filter((e) => e.type === 'scale-step')).toHaveLength(20);

    const world = await simulator.world();
    const after = await status(simulator.url);
    expect(liveSets(after)).toEqual([
      expect.objectContaining({ status: 'PRIMARY', taskDefinition: world.taskDefinitions.next }),
    ]);
    expect(after.deploymentInProgress).toBeUndefined();

    const again = await runCli(['deploy', '--simulator', simulator.url]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already runs');
    expect((await simulator.world()).mutations).toEqual(world.mutations);
  });

  it('finishes with exactly one new task set when a deploy is killed mid-way and started again', async () => {
    simulator = await startSimulator(['--speed', '300']);
    const child = spawn(process.execPath, [cli, 'deploy', '--simulator', simulator.url, '--json'], {
      env: cleanEnv(),
    });
    const done = collect(child);
    await waitForLine(child, /"type":"scale-step"/);
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');

    const midway = await status(simulator.url);
    expect(liveSets(midway)).toHaveLength(2);
    expect(midway.deploymentInProgress).toBeDefined();
    expect(midway.scaleDown?.step).toBe(1);

    // A killed process cannot give its lease back: the same command is refused until the lease expires,
    // naming the way out, and changes nothing.
    const before = (await simulator.world()).mutations;
    const refused = await runCli(['deploy', '--simulator', simulator.url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/driven by controller .* whose lease expires at .*--take-over/);
    expect((await simulator.world()).mutations).toEqual(before);

    const resumed = await runCli(['deploy', '--simulator', simulator.url, '--json', '--take-over']);
    expect(resumed.code).toBe(0);
    const events = jsonLines(resumed.stdout);
    expect(events.find((e) => e.type === 'phase-finished')).toMatchObject({ phase: 'discover' });
    expect(String(events.find((e) => e.type === 'phase-finished')?.detail)).toContain('resuming deployment');
    expect(events.at(-1)).toMatchObject({ type: 'deployment-finished', outcome: 'succeeded' });

    const world = await simulator.world();
    const after = await status(simulator.url);
    expect(liveSets(after)).toHaveLength(1);
    expect(liveSets(after)[0]?.taskDefinition).toBe(world.taskDefinitions.next);
    expect(world.mutations.CreateTaskSet).toBe(1);
  });
});
