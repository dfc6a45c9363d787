// Section 3 of the benchmark: how long planScaledown takes, per call, for small to huge services.
// Imports the BUILT @ecs-taper/core; run.mjs loads this module only after building it.
import { spawnSync } from 'node:child_process';
import { planScaledown } from '@ecs-taper/core';
import { markdownTable, spread, verdict } from './lib.mjs';

const counts = [10, 1_000, 100_000];
const modes = [
  { label: 'window mode (the default)', options: {} },
  { label: 'percent mode (25 %)', options: { decrementPercent: 25 } },
  { label: 'task mode (1 task / step)', options: { decrementTasks: 1 } },
  {
    // 1000/s: with a 5 % confidence over every second, 200/s cannot be met at 100,000 steps at all.
    label: 'budget mode (1000 conn/s, 500 per task, 5 s spread)',
    options: { maxNewConnectionsPerSecond: 1000, connectionsPerTask: 500, reconnectSpreadSeconds: 5 },
  },
];
/** Each case is timed call by call for this long (at least minRuns calls, at most maxRuns). */
const budgetMs = 250;
const minRuns = 15;
const maxRuns = 50_000;

function timeCalls(options) {
  for (let i = 0; i < 3; i++) planScaledown(options); // warm up the JIT
  const samples = [];
  const until = process.hrtime.bigint() + BigInt(budgetMs * 1e6);
  let plan;
  while (samples.length < maxRuns && (samples.length < minRuns || process.hrtime.bigint() < until)) {
    const start = process.hrtime.bigint();
    plan = planScaledown(options);
    samples.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  return { ...spread(samples), steps: plan.stepCount };
}

/**
 * The first call in a fresh process (no JIT warm-up, no earlier garbage), in microseconds: the median of
 * `processes` new Node processes, each importing the built package and timing one call.
 */
function timeFirstCall(options, processes = 5) {
  const script = `import { planScaledown } from '@ecs-taper/core';
const start = process.hrtime.bigint();
planScaledown(${JSON.stringify(options)});
const micros = Number(process.hrtime.bigint() - start) / 1e3;
process.stdout.write(String(micros));`; // elapsed first: process.stdout's first access costs milliseconds
  const samples = [];
  for (let i = 0; i < processes; i++) {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: import.meta.dirname,
      encoding: 'utf8',
    });
    if (run.status !== 0) throw new Error(`first-call timing failed: ${run.stderr}`);
    samples.push(Number(run.stdout));
  }
  return spread(samples).median;
}

/** Issue 15: every mode plans 100,000 tasks in under 10 ms, first call in a fresh process. */
export const firstCallTarget = { desiredCount: 100_000, micros: 10_000 };

export function timePlanner(log) {
  const rows = [];
  const targets = [];
  for (const mode of modes) {
    for (const desiredCount of counts) {
      const t = timeCalls({ desiredCount, ...mode.options });
      const first = timeFirstCall({ desiredCount, ...mode.options });
      const judged = desiredCount === firstCallTarget.desiredCount;
      const pass = first < firstCallTarget.micros;
      if (judged) {
        targets.push({
          name: `planScaledown < ${firstCallTarget.micros / 1000} ms at ${firstCallTarget.desiredCount.toLocaleString('en-US')} tasks, first call in a fresh process: ${mode.label}`,
          figure: `${(first / 1000).toFixed(2)} ms (median of 5 processes)`,
          pass,
          section: 3,
        });
      }
      rows.push([
        mode.label,
        desiredCount,
        t.steps,
        first.toFixed(1),
        judged ? verdict(pass) : '-',
        t.median.toFixed(1),
        t.min.toFixed(1),
        t.p90.toFixed(1),
        t.runs,
      ]);
    }
  }
  const text = markdownTable(
    [
      'mode',
      'desiredCount',
      'steps',
      'first call us (fresh process)',
      `first call < ${firstCallTarget.micros / 1000} ms at ${firstCallTarget.desiredCount}`,
      'median us/call',
      'min us',
      'p90 us',
      'calls timed',
    ],
    rows,
  );
  log(text);
  return { markdown: text, targets };
}
