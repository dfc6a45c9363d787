// Section 3 of the benchmark: how long planScaledown takes, per call, for small to huge services.
// Imports the BUILT @ecs-taper/core; run.mjs loads this module only after building it.
import { planScaledown } from '@ecs-taper/core';
import { markdownTable, spread } from './lib.mjs';

const counts = [10, 1_000, 100_000];
const modes = [
  { label: 'percent mode (25 %)', options: { decrementPercent: 25 } },
  { label: 'task mode (1 task / step)', options: { decrementTasks: 1 } },
  {
    label: 'budget mode (200 conn/s, 500 per task, 5 s spread)',
    options: { maxNewConnectionsPerSecond: 200, connectionsPerTask: 500, reconnectSpreadSeconds: 5 },
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
  return { ...spread(samples), steps: plan.steps.length };
}

export function timePlanner(log) {
  const rows = [];
  for (const mode of modes) {
    for (const desiredCount of counts) {
      const t = timeCalls({ desiredCount, ...mode.options });
      rows.push([
        mode.label,
        desiredCount,
        t.steps,
        t.median.toFixed(1),
        t.min.toFixed(1),
        t.p90.toFixed(1),
        t.runs,
      ]);
    }
  }
  const text = markdownTable(
    ['mode', 'desiredCount', 'steps', 'median us/call', 'min us', 'p90 us', 'calls timed'],
    rows,
  );
  log(text);
  return { markdown: text };
}
