#!/usr/bin/env node
// Measures how long the built CLI takes to start: 10 spawns of each command, against an empty script
// (the cost of starting Node itself) on the same machine, in the same run.
// Usage: node scripts/startup-time.mjs [path/to/node] [runs]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const node = process.argv[2] ?? process.execPath;
const runs = Number(process.argv[3] ?? 10);
const cli = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));
const empty = join(mkdtempSync(join(tmpdir(), 'startup-')), 'empty.cjs');
writeFileSync(empty, '');
const cases = [
  ['node empty.cjs (baseline)', [empty]],
  ['ecs-taper --version', [cli, '--version']],
  ['ecs-taper --help', [cli, '--help']],
  ['ecs-taper plan --desired-count 20 --json', [cli, 'plan', '--desired-count', '20', '--json']],
];

const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
console.log(`node ${version}, ${runs} runs each (ms: median, min, max)`);
for (const [name, args] of cases) {
  spawnSync(node, args); // warm the file cache
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    const result = spawnSync(node, args, { encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    if (result.status !== 0) throw new Error(`${name} exited ${result.status}: ${result.stderr}`);
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)];
  console.log(
    `${name.padEnd(44)} ${median.toFixed(0).padStart(5)} ${times[0].toFixed(0).padStart(5)} ${times.at(-1).toFixed(0).padStart(5)}`,
  );
}
