// Sections 4 and 5 of the benchmark: fresh Node processes. The Lambda bundle's size and cold import
// time come from packages/runner-lambda/scripts/measure-bundle.mjs --json; the CLI is timed as
// packages/runner-cli/scripts/startup-time.mjs does it (a warm-up spawn, then N timed spawns of the
// bin launcher), against `node -e 0` as the issue asks, with the cases interleaved.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { formatKiB, formatRatio, markdownTable, spread } from './lib.mjs';

const runs = 10;

export function measureLambda(root, log) {
  const script = join(root, 'packages/runner-lambda/scripts/measure-bundle.mjs');
  const result = spawnSync(process.execPath, [script, '--json'], {
    cwd: join(root, 'packages/runner-lambda'),
    encoding: 'utf8',
    env: { ...process.env, RUNS: String(runs) },
  });
  if (result.status !== 0) throw new Error(`measure-bundle.mjs exited ${result.status}: ${result.stderr}`);
  const figures = JSON.parse(result.stdout.trim().split('\n').at(-1));
  const ms = (t) => [t.medianMs.toFixed(1), t.minMs.toFixed(1), t.maxMs.toFixed(1)];
  const text = [
    `Bundle \`packages/runner-lambda/dist/lambda/index.js\`: ${figures.bundleBytes} bytes (${formatKiB(figures.bundleBytes)}) raw, ` +
      `${figures.bundleGzipBytes} bytes (${formatKiB(figures.bundleGzipBytes)}) gzip.`,
    '',
    markdownTable(
      ['cold import in a fresh `node -e` (ms)', 'median', 'min', 'max'],
      [
        ['bundled handler (require the bundle)', ...ms(figures.bundled)],
        ['unbundled SDK clients (ECS, ELBv2, CloudWatch)', ...ms(figures.unbundledSdkClients)],
      ],
    ),
    '',
    `Bundled / unbundled median: ${formatRatio(figures.bundled.medianMs, figures.unbundledSdkClients.medianMs)} ` +
      `(${figures.runs} processes each, ${figures.node}; the time is measured inside the process, so Node's own start-up is excluded).`,
  ].join('\n');
  log(text);
  return { markdown: text, figures };
}

/** Wall time of one `node ...args` process, ms; throws when it fails. */
function timeSpawn(args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0)
    throw new Error(`node ${args.join(' ')} exited ${result.status}: ${result.stderr}`);
  return ms;
}

export function measureCli(root, log) {
  const bin = join(root, 'packages/runner-cli/bin/ecs-taper.cjs');
  const cases = [
    ['node -e 0 (baseline)', ['-e', '0']],
    ['ecs-taper --help', [bin, '--help']],
    ['ecs-taper plan --desired-count 20 --json', [bin, 'plan', '--desired-count', '20', '--json']],
  ];
  // One warm-up spawn each (file cache), then rounds of one spawn per case: on a shared machine the
  // load drifts, and interleaving lets every case see the same drift instead of one case taking it all.
  for (const [, args] of cases) timeSpawn(args);
  const samples = cases.map(() => []);
  for (let round = 0; round < runs; round++) {
    for (const [i, [, args]] of cases.entries()) samples[i].push(timeSpawn(args));
  }
  const timed = cases.map(([label], i) => ({ label, t: spread(samples[i]) }));
  const baseline = timed[0].t.median;
  const text = [
    markdownTable(
      ['command (fresh process, wall time in ms)', 'median', 'min', 'max', 'minus baseline', 'vs baseline'],
      timed.map(({ label, t }) => [
        label,
        Math.round(t.median),
        Math.round(t.min),
        Math.round(t.max),
        Math.round(t.median - baseline),
        formatRatio(t.median, baseline),
      ]),
    ),
    '',
    `${runs} timed spawns each after one warm-up spawn, interleaved (one of each case per round), via the bin launcher \`packages/runner-cli/bin/ecs-taper.cjs\` (which requires \`dist/cli.cjs\`).`,
  ].join('\n');
  log(text);
  return { markdown: text };
}
