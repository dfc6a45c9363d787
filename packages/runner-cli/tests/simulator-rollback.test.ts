import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  cli,
  collect,
  liveSets,
  runCli,
  runInPty,
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

describe('rollback, failures, TTY progress and plan against the simulator backend', () => {
  it('stops on Ctrl-C between calls, says how to resume, and rollback undoes the deployment', async () => {
    simulator = await startSimulator(['--speed', '300']);
    const child = spawn(process.execPath, [cli, 'deploy', '--simulator', simulator.url], { env: cleanEnv() });
    const done = collect(child);
    await waitForLine(child, /swap\s+swapped/);
    child.kill('SIGINT');
    const stopped = await done;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toContain('nothing is half-done');
    expect(stopped.stderr).toContain(`To resume:\n  ecs-taper deploy --simulator ${simulator.url}`);

    const rollback = await runCli(['rollback', '--simulator', simulator.url, '--reason', 'test']);
    expect(rollback.code).toBe(0);
    expect(rollback.stdout).toContain('rolled-back: test');
    const world = await simulator.world();
    const after = await status(simulator.url);
    expect(liveSets(after)).toEqual([
      expect.objectContaining({ status: 'PRIMARY', taskDefinition: world.taskDefinitions.running }),
    ]);

    const nothing = await runCli(['rollback', '--simulator', simulator.url]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toContain('nothing to roll back');
  });

  it('exits 1 when the new version never gets healthy and the deployment rolls back', async () => {
    simulator = await startSimulator(['--speed', '0', '--bad-version', 'unhealthy', '--tasks', '4']);
    const result = await runCli(['deploy', '--simulator', simulator.url, '--ready-timeout', '300']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('rolled-back');
  });

  it('shows live progress under a pseudo-terminal, and status as text', async () => {
    simulator = await startSimulator(['--speed', '400', '--tasks', '8']);
    const result = await runInPty(['deploy', '--simulator', simulator.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('\u001b[J');
    expect(result.stdout).toMatch(/tasks\s+old set \d+ running/);
    expect(result.stdout).toMatch(/next\s+step \d of \d in/);
    expect(result.stdout).toContain('healthy new targets');
    const text = await runCli(['status', '--simulator', simulator.url]);
    expect(text.stdout).toMatch(/:80\s+production\s+-> green/);
    expect(text.stdout).toContain('no deployment in progress');
  });

  it('plans from the service it reads', async () => {
    simulator = await startSimulator(['--speed', '0', '--tasks', '12']);
    const result = await runCli(['plan', '--simulator', simulator.url, '--decrement-tasks', '4']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      'Scale-down plan for 12 tasks (desiredCount from service sim-service in sim-cluster)',
    );
  });

  it('says how to start a simulator when none answers', async () => {
    const result = await runCli(['status', '--simulator', 'http://127.0.0.1:9']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('ecs-taper simulator serve');
  });
});
