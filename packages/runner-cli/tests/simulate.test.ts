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
    expect(result.stdout).toMatch(/peak new connections\/s\s+529\s+2,036/);
    expect(result.stdout).toContain('New connections per second');
    expect(result.stdout).toContain('Connections per task set');
    expect(result.stdout).toContain('█');
    expect(result.stdout).toContain('scale-down   step 2 of 4');
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
