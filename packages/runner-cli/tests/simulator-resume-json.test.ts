import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  cli,
  collect,
  jsonLines,
  runCli,
  type Simulator,
  startSimulator,
  waitForLine,
} from './helpers';

let simulator: Simulator | undefined;
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

describe('a resumed --json run (built CLI against `simulator serve`)', () => {
  it('carries one deploymentId in every event, and deployment-started says resumed', async () => {
    simulator = await startSimulator(['--speed', '300', '--tasks', '6']);
    const child = spawn(process.execPath, [cli, 'deploy', '--simulator', simulator.url, '--json'], {
      env: cleanEnv(),
    });
    const done = collect(child);
    await waitForLine(child, /"type":"scale-step"/);
    child.kill('SIGKILL'); // mid scale-down, with no chance to give the lease back
    const first = jsonLines((await done).stdout);
    const id = first[0]?.deploymentId;
    expect(first[0]).toMatchObject({ type: 'deployment-started', resumed: false });

    const resumed = await runCli(['deploy', '--simulator', simulator.url, '--json', '--take-over']);
    expect(resumed.code).toBe(0);
    const events = jsonLines(resumed.stdout);
    expect(events[0]).toMatchObject({ type: 'deployment-started', resumed: true, deploymentId: id });
    expect(events[1]).toMatchObject({ type: 'phase-started', phase: 'discover', deploymentId: id });
    expect(new Set(events.map((e) => e.deploymentId))).toEqual(new Set([id]));
    expect(events.at(-1)).toMatchObject({ type: 'deployment-finished', outcome: 'succeeded' });
  });
});
