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

describe('--take-over against the simulator backend', () => {
  it("refuses a second controller while the killed one's lease runs, and takes over with --take-over", async () => {
    simulator = await startSimulator(['--speed', '300']);
    const url = simulator.url;
    const child = spawn(process.execPath, [cli, 'deploy', '--simulator', url, '--json'], {
      env: cleanEnv(),
    });
    const done = collect(child);
    await waitForLine(child, /"type":"scale-step"/);
    child.kill('SIGKILL');
    expect((await done).signal).toBe('SIGKILL');
    expect((await status(url)).deploymentInProgress).toBeDefined();

    const refused = await runCli(['deploy', '--simulator', url]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('lease');
    expect(refused.stderr).toContain('--take-over');
    const untouched = await simulator.world();

    const taken = await runCli(['deploy', '--simulator', url, '--take-over', '--json']);
    expect(taken.code).toBe(0);
    expect(jsonLines(taken.stdout).at(-1)).toMatchObject({
      type: 'deployment-finished',
      outcome: 'succeeded',
    });

    const world = await simulator.world();
    expect(untouched.mutations.CreateTaskSet).toBe(1);
    expect(world.mutations.CreateTaskSet).toBe(1);
    const after = await status(url);
    expect(liveSets(after)).toHaveLength(1);
    expect(liveSets(after)[0]?.taskDefinition).toBe(world.taskDefinitions.next);
  });

  // With --keep-autoscaling throughout: the flag is taken by deploy and rollback alike.
  it('rollback takes --take-over too', async () => {
    simulator = await startSimulator(['--speed', '300']);
    const url = simulator.url;
    const child = spawn(
      process.execPath,
      [cli, 'deploy', '--simulator', url, '--keep-autoscaling', '--json'],
      {
        env: cleanEnv(),
      },
    );
    const done = collect(child);
    await waitForLine(child, /"type":"scale-step"/);
    child.kill('SIGKILL');
    await done;

    const refused = await runCli(['rollback', '--simulator', url, '--keep-autoscaling']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('--take-over');

    const rolledBack = await runCli(['rollback', '--simulator', url, '--keep-autoscaling', '--take-over']);
    expect(rolledBack.code).toBe(0);
    expect(rolledBack.stdout).toContain('rolled-back');
    const world = await simulator.world();
    const after = await status(url);
    expect(liveSets(after)).toEqual([
      expect.objectContaining({ status: 'PRIMARY', taskDefinition: world.taskDefinitions.running }),
    ]);
  });
});
