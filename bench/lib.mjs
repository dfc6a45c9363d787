// Pure helpers of the benchmark script (bench/run.mjs): statistics, the reconnection lower bound, the
// schedule slack and table formatting. No I/O, no packages, so `node --test bench/` checks them
// without a build.

/** Median of a non-empty list (the lower middle for an even count, as measure-bundle.mjs does). */
export function median(values) {
  if (values.length === 0) throw new Error('median: no values');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}

/** Median, 90th percentile (nearest rank), min and max of timing samples. */
export function spread(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const p90 = sorted[Math.max(0, Math.ceil(sorted.length * 0.9) - 1)];
  return { median: median(sorted), p90, min: sorted[0], max: sorted.at(-1), runs: sorted.length };
}

/**
 * The window in which the old clients reconnect: from the first drop of an old connection to the last
 * one (the simulator's drainSeconds), plus the reconnect jitter, because a client dropped at the end of
 * the drain may come back up to `jitterSeconds` later. Without the jitter an all-at-once deployment
 * (drain 0 s) would have no window at all.
 */
export function reconnectWindowSeconds(drainSeconds, jitterSeconds) {
  return drainSeconds + jitterSeconds;
}

/**
 * Lower bound of the peak for a given window: `connections` reconnections spread perfectly evenly over
 * `windowSeconds` arrive at connections / windowSeconds per second, and any other spread has a busier
 * second. It judges the shape of a schedule (how close it comes to even), not the window it chose.
 */
export function peakLowerBound(connections, windowSeconds) {
  if (!(windowSeconds > 0)) throw new Error(`peakLowerBound: window must be > 0 s, got ${windowSeconds}`);
  return connections / windowSeconds;
}

/**
 * Slack between the planned schedule (step k at plannedAtSeconds[k]) and the simulated one (the
 * scale-step events' times, ms, taken relative to the first step): simulated - planned, per step.
 */
export function scheduleSlack(plannedAtSeconds, simulatedAtMs) {
  if (simulatedAtMs.length === 0) return { steps: 0, maxSeconds: 0, meanSeconds: 0, slackSeconds: [] };
  const first = simulatedAtMs[0];
  const count = Math.min(plannedAtSeconds.length, simulatedAtMs.length);
  const slackSeconds = [];
  for (let i = 0; i < count; i++) slackSeconds.push((simulatedAtMs[i] - first) / 1000 - plannedAtSeconds[i]);
  const maxSeconds = Math.max(...slackSeconds);
  const meanSeconds = slackSeconds.reduce((a, b) => a + b, 0) / slackSeconds.length;
  return { steps: count, maxSeconds, meanSeconds, slackSeconds };
}

/** Adds `calls` (operation -> count) into `into`; returns `into`. */
export function addCounts(into, calls) {
  for (const [operation, count] of Object.entries(calls)) into[operation] = (into[operation] ?? 0) + count;
  return into;
}

/** Counts operations of a list of `{ operation }` records. */
export function countByOperation(calls) {
  const counts = {};
  for (const call of calls) counts[call.operation] = (counts[call.operation] ?? 0) + 1;
  return counts;
}

/** A number for a table: integers as they are, others with `digits` decimals; '-' for a missing value. */
export function formatNumber(value, digits = 1) {
  if (value === undefined || value === null || Number.isNaN(value)) return '-';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (Number.isInteger(value)) return String(value);
  return value.toFixed(digits);
}

/** a / b as "0.26x"; '-' when b is 0 or either is missing. */
export function formatRatio(a, b, digits = 2) {
  if (a === undefined || b === undefined || b === 0) return '-';
  return `${(a / b).toFixed(digits)}x`;
}

/** Bytes as KiB with one decimal. */
export function formatKiB(bytes) {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

function isNumeric(cell) {
  return typeof cell === 'number' || (typeof cell === 'string' && /^(-|inf|-?\d+(\.\d+)?x?)$/.test(cell));
}

/**
 * A Markdown table with padded columns, readable as plain text too. Cells are strings or numbers
 * (numbers go through formatNumber); columns whose cells are all numeric (numbers, or strings such as
 * '-', '0.17' or '1.06x') are right-aligned.
 */
export function markdownTable(headers, rows) {
  const cells = rows.map((row) => row.map((cell) => (typeof cell === 'number' ? formatNumber(cell) : cell)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => isNumeric(row[i])));
  const widths = headers.map((header, i) =>
    Math.max(3, header.length, ...cells.map((row) => String(row[i] ?? '').length)),
  );
  const pad = (text, i) => (numeric[i] ? String(text).padStart(widths[i]) : String(text).padEnd(widths[i]));
  const line = (row) => `| ${row.map((cell, i) => pad(cell ?? '', i)).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (numeric[i] ? `${'-'.repeat(w - 1)}:` : '-'.repeat(w))).join(' | ')} |`;
  return [line(headers), rule, ...cells.map(line)].join('\n');
}

/**
 * Per-second new connections summed over the tasks for which `counts(arn)` is true, from `fromSecond`
 * on. `byTask` is the simulator's metrics.newConnectionsByTask: task ARN -> (second -> count).
 * Returns the peak, the total and the per-second sums (indexed by second).
 */
export function newConnectionPeak(byTask, counts, fromSecond) {
  const perSecond = new Map();
  let total = 0;
  for (const [arn, bySecond] of byTask) {
    if (!counts(arn)) continue;
    for (const [second, n] of bySecond) {
      if (second < fromSecond) continue;
      perSecond.set(second, (perSecond.get(second) ?? 0) + n);
      total += n;
    }
  }
  return { peak: Math.max(0, ...perSecond.values()), total, perSecond };
}

/** Min, median (the lower middle) and max of a non-empty list. */
export function minMedianMax(values) {
  if (values.length === 0) throw new Error('minMedianMax: no values');
  return { min: Math.min(...values), median: median(values), max: Math.max(...values) };
}

/**
 * "min / median / max" for a table cell, each through formatNumber; one number when min and max print
 * the same (a deterministic figure, such as a schedule's length, does not vary with the seed).
 */
export function formatMinMedianMax({ min, median: mid, max }, digits = 1, suffix = '') {
  const cells = [min, mid, max].map((v) => `${formatNumber(v, digits)}${suffix}`);
  return cells[0] === cells[2] ? cells[0] : cells.join(' / ');
}

/** Nearest-rank quantile (q in (0, 1]) of a non-empty list: with 20 values, q = 0.99 is the largest. */
export function nearestRank(values, q) {
  if (values.length === 0) throw new Error('nearestRank: no values');
  if (!(q > 0 && q <= 1)) throw new Error(`nearestRank: q must be in (0, 1], got ${q}`);
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(sorted.length * q) - 1];
}

/** A target's verdict for a table. */
export function verdict(pass) {
  return pass ? 'PASS' : 'FAIL';
}

/**
 * simulateDeployment's options and the `ecs-taper simulate` flags that set them
 * (packages/runner-cli/src/input/command-flags.ts: the command's own flags and its schedule input flags).
 */
export const simulateFlags = {
  strategy: '--strategy',
  tasks: '--tasks',
  connectionsPerTask: '--connections-per-task',
  reconnectJitterSeconds: '--reconnect-spread',
  deregistrationDelaySeconds: '--deregistration-delay',
  stopJitterSeconds: '--stop-jitter',
  connectionImbalance: '--connection-imbalance',
  badVersion: '--bad-version',
  alarmAtSeconds: '--alarm-at',
  randomSeed: '--seed',
  decrementPercent: '--decrement',
  decrementTasks: '--decrement-tasks',
  intervalSeconds: '--interval',
  maxNewConnectionsPerSecond: '--max-new-connections-per-second',
};

/** Deployment input fields (simulateDeployment's `input`) and their `ecs-taper simulate` flags. */
export const simulateInputFlags = {
  terminationWindowSeconds: '--over',
  budgetConfidence: '--budget-confidence',
  connectionsPerTaskP95: '--connections-per-task-p95',
  dropLagSpreadSeconds: '--drop-lag-spread',
};

/**
 * The `ecs-taper simulate` command line that runs one simulateDeployment with `options` and prints its
 * summary as JSON (no baseline run), as one string and as the argv after `ecs-taper`. `missing` lists the options that no flag sets: the command then
 * does not reproduce the run, and the bench says so beside it.
 */
export function simulateCommand(options) {
  const flags = [];
  const missing = [];
  const add = (table, key, value) => {
    if (value === undefined) return;
    const flag = table[key];
    if (flag === undefined) missing.push(key);
    else flags.push(flag, String(value));
  };
  for (const [key, value] of Object.entries(options)) {
    if (key === 'input')
      for (const [field, v] of Object.entries(value ?? {})) add(simulateInputFlags, field, v);
    else add(simulateFlags, key, value);
  }
  const args = ['simulate', ...flags, '--baseline', 'none', '--json'];
  return { args, command: `ecs-taper ${args.join(' ')}`, missing };
}
