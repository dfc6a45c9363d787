import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The packages target Node >= 20 and must also run on Node 24: the built CLI bundle and the core
 * package (ESM import and CJS require) under the `node@24` npm package's binary.
 */
const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const node24 = (args: string[]) =>
  run('npx', ['-y', '-p', 'node@24', 'node', ...args], {
    cwd: root,
    maxBuffer: 16 * 1024 * 1024,
    timeout: 120_000,
  });

describe('on Node 24', () => {
  it('runs a simulated deployment with the bundled CLI', async () => {
    const { stdout } = await node24([
      'packages/runner-cli/dist/cli.cjs',
      'simulate',
      '--tasks',
      '4',
      '--connections-per-task',
      '50',
      '--json',
    ]);
    const summary = JSON.parse(stdout) as {
      strategy: string;
      outcome: string;
      peakNewConnectionsPerSecond: number;
    };
    expect(summary).toMatchObject({ strategy: 'taper', outcome: 'succeeded' });
    expect(summary.peakNewConnectionsPerSecond).toBeGreaterThan(0);
  }, 150_000);

  it('imports core as ESM and requires it as CJS', async () => {
    const probe =
      "const c = require('@ecs-taper/core'); import('@ecs-taper/core').then((m) => " +
      'console.log(process.version, typeof c.deploy, typeof m.planScaledown, m.planScaledown({ desiredCount: 4 }).steps.length))';
    const { stdout } = await node24(['-e', probe]);
    expect(stdout.trim()).toMatch(/^v24\.\d+\.\d+ function function 4$/);
  }, 150_000);
});
