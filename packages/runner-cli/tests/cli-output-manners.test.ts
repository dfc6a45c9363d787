/**
 * Issue 16's output manners, through the built CLI: each step printed once, --no-color / --color,
 * FORCE_COLOR and NO_COLOR, and the report's marks for the swap and the steps and its top tick.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, runInPty, type Simulator, startSimulator } from './helpers';

const ESC = String.fromCharCode(27);
const colour = new RegExp(`${ESC}\\[\\d+m`);
const plan = ['plan', '--desired-count', '4'];

let simulator: Simulator | undefined;
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

describe('each step printed once', () => {
  it('a plain deploy log has one line per scale-down step', async () => {
    simulator = await startSimulator(['--speed', '0', '--tasks', '4']);
    const result = await runCli(['deploy', '--simulator', simulator.url, '--decrement-tasks', '1']);
    expect(result.code).toBe(0);
    for (const step of [1, 2, 3, 4]) {
      const lines = result.stdout.split('\n').filter((line) => line.includes(`step ${step} of 4:`));
      expect(lines, `step ${step}:\n${result.stdout}`).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(
          `scale-down +step ${step} of 4: scale \\d+%, ${4 - step} old tasks remain \\(1 stopped\\)`,
        ),
      );
    }
  });
});

describe('colour', () => {
  it('is off into a pipe, on with FORCE_COLOR, and --no-color wins over FORCE_COLOR', async () => {
    expect((await runCli(plan)).stdout).not.toMatch(colour);
    expect((await runCli(plan, { env: { FORCE_COLOR: '1' } })).stdout).toMatch(colour);
    // Node's rule: FORCE_COLOR overrides NO_COLOR; 0 turns colour off.
    expect((await runCli(plan, { env: { FORCE_COLOR: '1', NO_COLOR: '1' } })).stdout).toMatch(colour);
    expect((await runCli(plan, { env: { FORCE_COLOR: '0' } })).stdout).not.toMatch(colour);
    const flagged = await runCli([...plan, '--no-color'], { env: { FORCE_COLOR: '1' } });
    expect(flagged.code).toBe(0);
    expect(flagged.stdout).not.toMatch(colour);
    // A global flag: before the command too.
    const before = await runCli(['--no-color', ...plan], { env: { FORCE_COLOR: '1' } });
    expect(before.code).toBe(0);
    expect(before.stdout).toContain('Scale-down plan for 4 tasks');
    expect(before.stdout).not.toMatch(colour);
    expect((await runCli([...plan, '--color'])).stdout).toMatch(colour);
  });

  it('is on at a terminal, off with NO_COLOR, --no-color or FORCE_COLOR=0', async () => {
    expect((await runInPty(plan)).stdout).toMatch(colour);
    expect((await runInPty(plan, { NO_COLOR: '1' })).stdout).not.toMatch(colour);
    expect((await runInPty([...plan, '--no-color'])).stdout).not.toMatch(colour);
    expect((await runInPty(plan, { FORCE_COLOR: '0' })).stdout).not.toMatch(colour);
  });
});

describe('the report', () => {
  it('marks the swap and every step, and labels the top of the y-axis with the peak', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-taper-'));
    const file = join(dir, 'report.svg');
    const result = await runCli([
      'simulate',
      '--tasks',
      '6',
      '--connections-per-task',
      '100',
      '--baseline',
      'none',
      '--decrement-tasks',
      '1',
      '--report',
      file,
    ]);
    expect(result.code).toBe(0);
    const svg = readFileSync(file, 'utf8');
    const panels = 2; // new connections per second, then the run's task sets
    expect(svg.match(/class="mark swap"/g)).toHaveLength(panels);
    expect(svg.match(/class="mark step"/g)).toHaveLength(6 * panels);
    const peak = /peak new connections\/s\s+(\d+)/.exec(result.stdout)?.[1];
    expect(peak).toBeDefined();
    // The y-axis of the first panel ends at the peak, labelled.
    expect(svg).toMatch(new RegExp(`class="tick" text-anchor="end">${peak}</text>`));
    // The terminal chart marks them too: one S and six ^ under the new connections.
    const row = result.stdout.split('\n').find((line) => line.includes('swap S, steps ^')) ?? '';
    const cells = row.slice(21); // the chart's columns start after its 20-character gutter and the axis
    expect(cells.match(/S/g)).toHaveLength(1);
    expect(cells.match(/\^/g)).toHaveLength(6);
  });
});
