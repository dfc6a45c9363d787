import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runInPty } from './helpers';

const ESC = String.fromCharCode(27);
const ansiColour = new RegExp(`${ESC}\\[\\d+m`);

describe('ecs-taper simulate', () => {
  it('prints the simulation summary as one JSON object with --json', async () => {
    const result = await runCli(['simulate', '--tasks', '8', '--connections-per-task', '100', '--json']);
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout);
    expect(summary).toMatchObject({ strategy: 'taper', outcome: 'succeeded', clientsDisconnectedTwice: 0 });
    expect(summary.series.time.length).toBeGreaterThan(100);
  });

  it('ends with a comparison and charts against all-at-once, without colour when not a TTY', async () => {
    const result = await runCli(['simulate']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/peak new connections\/s\s+123\s+2,036/);
    expect(result.stdout).toContain('New connections per second');
    expect(result.stdout).toContain('Connections per task set');
    expect(result.stdout).toContain('█');
    expect(result.stdout).toContain('scale-down   step 2 of 20');
    expect(result.stdout).not.toMatch(ansiColour);
  });

  it('writes a self-contained SVG or HTML report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-taper-'));
    for (const name of ['report.svg', 'report.html']) {
      const file = join(dir, name);
      const result = await runCli(['simulate', '--tasks', '6', '--report', file]);
      expect(result.code).toBe(0);
      const text = readFileSync(file, 'utf8');
      expect(text).toContain('<svg');
      expect(text).toContain('<polyline');
      expect(text).toContain('all-at-once');
      // Nothing fetched from elsewhere: the only URL is the SVG namespace.
      expect(text.match(/https?:\/\/[^"]+/g)).toEqual(['http://www.w3.org/2000/svg']);
    }
    const bad = await runCli(['simulate', '--report', join(dir, 'report.png')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('must end in .svg or .html');
  });

  it('rolls back a bad version and exits 1', async () => {
    const result = await runCli([
      'simulate',
      '--tasks',
      '4',
      '--bad-version',
      'unhealthy',
      '--baseline',
      'none',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/rolled-back/);
  });

  it('rejects bad simulation flags with exit 2', async () => {
    expect((await runCli(['simulate', '--strategy', 'yolo'])).stderr).toContain(
      '--strategy must be one of taper',
    );
    const zero = await runCli(['simulate', '--decrement', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--decrement (decrementPercent)');
  });

  it('takes the variation flags: deregistration delay, stop jitter, connection imbalance', async () => {
    const base = [
      'simulate',
      '--tasks',
      '6',
      '--connections-per-task',
      '100',
      '--baseline',
      'none',
      '--json',
    ];
    const plain = JSON.parse((await runCli(base)).stdout);
    const varied = await runCli([
      ...base,
      '--deregistration-delay',
      '30',
      '--stop-jitter',
      '5',
      '--connection-imbalance',
      '0.5',
    ]);
    expect(varied.code).toBe(0);
    const summary = JSON.parse(varied.stdout);
    expect(summary.outcome).toBe('succeeded');
    // 90 s less deregistration delay per step; the clients (600 in all) all reach the new version.
    expect(summary.totalSeconds).toBeLessThan(plain.totalSeconds);
    expect(summary.series.newSetConnections.at(-1)).toBe(600);
    expect(summary).not.toEqual(plain);
    for (const [flag, value, message] of [
      ['--connection-imbalance', '1.5', '--connection-imbalance must be between 0 and 1'],
      ['--stop-jitter=-1', '', '--stop-jitter must be a number >= 0'],
      ['--deregistration-delay', '4000', '--deregistration-delay must be at most 3600'],
      ['--deregistration-delay', '2.5', '--deregistration-delay must be an integer'],
    ] as const) {
      const bad = await runCli(['simulate', flag, ...(value ? [value] : [])]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain(message);
    }
  });

  it('takes every schedule mode and --reconnect-spread, the name the plan and README use', async () => {
    const base = [
      'simulate',
      '--tasks',
      '6',
      '--connections-per-task',
      '100',
      '--baseline',
      'none',
      '--json',
    ];
    const run = async (...flags: string[]) => {
      const result = await runCli([...base, ...flags]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout);
    };
    // A 25 s window: 6 one-task steps 5 s apart, so the deployment is shorter than over 100 s.
    const short = await run('--over', '25s', '--deregistration-delay', '0');
    const long = await run('--over', '100s', '--deregistration-delay', '0');
    expect(long.totalSeconds - short.totalSeconds).toBeGreaterThanOrEqual(70);
    expect(long.peakNewConnectionsPerSecond).toBeLessThanOrEqual(short.peakNewConnectionsPerSecond);
    // The spread is the clients' (their reconnections take longer) and the plan's (budget mode needs it).
    const spread = await run('--reconnect-spread', '20', '--max-new-connections-per-second', '40');
    const jitter = await run('--reconnect-jitter', '20', '--max-new-connections-per-second', '40');
    expect(jitter).toEqual(spread);
    expect(spread.peakNewConnectionsPerSecond).toBeLessThanOrEqual(40);
    const both = await runCli([...base, '--reconnect-spread', '5', '--reconnect-jitter', '5']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('--reconnect-jitter is the older name of --reconnect-spread');
    // A schedule flag that does not read as a decimal is named by its flag, like deploy's.
    const hex = await runCli([...base, '--interval', '0x10']);
    expect(hex.code).toBe(2);
    expect(hex.stderr).toContain('--interval (intervalSeconds)');
  });
  it('shows live progress and colour under a pseudo-terminal', async () => {
    const result = await runInPty(['simulate', '--tasks', '8', '--speed', '2000', '--baseline', 'none']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${ESC}[J`); // the footer is redrawn in place
    expect(result.stdout).toMatch(new RegExp(`step\\s+(${ESC}\\[1m)?\\d of \\d`));
    expect(result.stdout).toMatch(/next\s+step \d of \d in/);
    expect(result.stdout).toMatch(ansiColour);
  });

  it('respects NO_COLOR on a terminal', async () => {
    const result = await runInPty(['simulate', '--tasks', '4', '--speed', '0', '--baseline', 'none'], {
      NO_COLOR: '1',
    });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('New connections per second');
    expect(result.stdout).not.toMatch(ansiColour);
  });
});
