/**
 * Per-second model of reconnections, for a budget that is a cap with a stated confidence.
 *
 * Step k (0-based) of a schedule drops N_k = removed_k * c connections at t_k = k * interval + phase.
 * Each dropped client reconnects after an independent delay with CDF F (the reconnect behaviour), so
 * the one-second bin j = [j, j + 1) gets each of them with p_kj = F(j + 1 - t_k) - F(j - t_k), and the
 * bin's count is a sum of independent Binomial(N_k, p_kj):
 *   mean_j = sum_k N_k p_kj,  variance_j = sum_k N_k p_kj (1 - p_kj).
 * Its tail is that of a binomial with the same mean and variance (m = mean^2 / (mean - variance),
 * q = mean / m): exact when every contributing drop gives the bin the same p (full bins of a uniform
 * spread), and better than a Poisson tail, whose variance is 1 / (1 - p) too large (25 % at p = 0.2).
 *
 * P(any second > budget) = 1 - prod_j (1 - P(X_j > budget)), taking the bins as independent. Bins fed
 * by different drops are (clients are independent); the bins of one drop are multinomial, negatively
 * associated, which makes this a slight underestimate: the union bound sum_j P(X_j > budget) is the
 * upper bound, and the two differ by at most (sum_j P)^2 / 2, under 0.13 points at a 5 % confidence.
 * The union bound is useless above that (it said 100 % for runs that exceeded 6 times in 10).
 *
 * Drop times within a second are unknown (ECS and the deregistration delay decide them), so every
 * figure is the worst over `phases` (default 0, 0.25, 0.5, 0.75 s). Pure; the cost per schedule is
 * O((interval + spread) * (1 + spread / interval)) bins, not O(steps): the middle of a schedule with a
 * whole-second interval repeats every interval.
 */

export type ReconnectBehaviour =
  /** Each dropped client reconnects after U(0, spreadSeconds) (the simulator's 'jitter' policy). */
  | { kind: 'uniform'; spreadSeconds: number }
  /**
   * Exponential backoff with full jitter: attempt a waits U(0, min(cap, base * 2^a)). Only the first
   * attempt (U(0, min(cap, base))) is modelled: later ones happen only when an attempt fails, and budget
   * mode scales down only while the new set is healthy.
   */
  | { kind: 'exponential'; baseSeconds: number; capSeconds: number }
  /** Measured delays: counts[i] reconnected after a delay in [i * bucketSeconds, (i + 1) * bucketSeconds). */
  | { kind: 'histogram'; bucketSeconds: number; counts: readonly number[] };

/** A compact schedule: stepCount steps, intervalSeconds apart, of tasksPerStep (the last one lastStepTasks). */
export interface ArrivalSchedule {
  tasksPerStep: number;
  intervalSeconds: number;
  stepCount: number;
  /** Tasks of the last step; default tasksPerStep. */
  lastStepTasks?: number;
}

export interface ArrivalOptions {
  /** Connections each removed task holds (the budgeting percentile: see budgetConnectionsPerTask). */
  connectionsPerTask: number;
  reconnect: ReconnectBehaviour;
  /** Offsets of the drops within their second; figures are the worst over them. */
  phases?: readonly number[];
}

export interface ArrivalPrediction {
  /** The largest mean of a one-second bin. */
  expectedPeakPerSecond: number;
  /** The busiest second's 99th percentile: smallest whole x with P(any second > x) <= 1 %. */
  p99PeakPerSecond: number;
  /** P(any second > budget) (present when a budget was given). */
  chanceOfExceedingBudget?: number;
  /** From the first drop to the last reconnection: (stepCount - 1) * interval + the longest delay. */
  drainSeconds: number;
}

export const DEFAULT_PHASES: readonly number[] = [0, 0.25, 0.5, 0.75];
export const DEFAULT_BUDGET_CONFIDENCE = 0.05;
/**
 * connectionsPerTask x this when no percentile is known. ECS chooses which tasks stop, so a step can
 * take the fullest ones; 1.5 covers a fleet whose tasks hold c * (1 +- 50 %) (p95 of that is 1.45 c),
 * the imbalance the issue measured 23-61 % budget overshoots with.
 */
export const DEFAULT_CONNECTION_IMBALANCE = 1.5;

/** Connections per task to budget with: the p95 when known, else the mean (if `assumeMean`) or mean x 1.5. */
export function budgetConnectionsPerTask(options: {
  connectionsPerTask: number;
  connectionsPerTaskP95?: number;
  assumeMean?: boolean;
}): number {
  if (options.connectionsPerTaskP95 !== undefined) return options.connectionsPerTaskP95;
  return options.assumeMean
    ? options.connectionsPerTask
    : options.connectionsPerTask * DEFAULT_CONNECTION_IMBALANCE;
}

/** The reconnect delay's CDF as a piecewise-linear function through (xs[i], fs[i]), 1 beyond the last. */
interface DelayCdf {
  xs: number[];
  fs: number[];
  maxSeconds: number;
}

export function delayCdf(reconnect: ReconnectBehaviour): DelayCdf {
  if (reconnect.kind !== 'histogram') {
    const spread =
      reconnect.kind === 'uniform'
        ? reconnect.spreadSeconds
        : Math.min(reconnect.capSeconds, reconnect.baseSeconds);
    return { xs: [0, spread], fs: [0, 1], maxSeconds: spread };
  }
  const total = reconnect.counts.reduce((a, b) => a + b, 0);
  const xs = [0];
  const fs = [0];
  let sum = 0;
  reconnect.counts.forEach((count, i) => {
    sum += count;
    xs.push((i + 1) * reconnect.bucketSeconds);
    fs.push(sum / total);
  });
  return { xs, fs, maxSeconds: reconnect.counts.length * reconnect.bucketSeconds };
}

function cdfAt(cdf: DelayCdf, x: number): number {
  const { xs, fs } = cdf;
  if (x < (xs[0] ?? 0)) return 0;
  let i = xs.length - 1;
  while (i > 0 && (xs[i] ?? 0) > x) i--;
  if (i === xs.length - 1) return 1;
  const x0 = xs[i] ?? 0;
  const x1 = xs[i + 1] ?? 0;
  const f0 = fs[i] ?? 0;
  return f0 + (((fs[i + 1] ?? 1) - f0) * (x - x0)) / (x1 - x0);
}

/** One bin's mean and variance, and how many bins share them. */
export interface ArrivalBin {
  second: number;
  mean: number;
  variance: number;
  count: number;
}

/**
 * The bins of a schedule at one phase. With a whole-second interval the middle bins (every drop that
 * reaches them is a full step, and none is cut off by the start) repeat with period `interval`: one
 * period is returned with `count` = its repetitions; the ramps at both ends are listed bin by bin.
 */
export function arrivalBins(
  schedule: ArrivalSchedule,
  connectionsPerTask: number,
  cdf: DelayCdf,
  phase: number,
): ArrivalBin[] {
  const { stepCount } = schedule;
  let { tasksPerStep, intervalSeconds } = schedule;
  let steps = stepCount;
  let last = schedule.lastStepTasks ?? tasksPerStep;
  if (intervalSeconds === 0 || steps === 1) {
    last = tasksPerStep * (steps - 1) + last;
    tasksPerStep = last;
    steps = 1;
    intervalSeconds = 1;
  }
  const spread = cdf.maxSeconds;
  const uniform = cdf.xs.length === 2 && cdf.xs[0] === 0 && spread > 0;
  /** Steps k with k * interval + phase in [j + 1 - spread, j] but the range's two ends (kept exact). */
  const fullyCovering = (j: number): { from: number; to: number } | undefined => {
    const from = Math.max(0, Math.ceil((j + 1 - spread - phase) / intervalSeconds)) + 1;
    const to = Math.min(steps - 1, Math.floor((j - phase) / intervalSeconds)) - 1;
    return to >= from ? { from, to } : undefined;
  };
  const bin = (j: number, count: number): ArrivalBin => {
    let mean = 0;
    let variance = 0;
    const kLo = Math.max(0, Math.floor((j - phase - spread) / intervalSeconds));
    const kHi = Math.min(steps - 1, Math.floor((j + 1 - phase) / intervalSeconds));
    // Uniform delays: the steps strictly between the first and the last that cover the whole bin each
    // give it exactly 1 / spread, so they are summed at once (a long spread over short steps).
    const full = uniform && spread >= 1 ? fullyCovering(j) : undefined;
    for (let k = kLo; k <= kHi; k++) {
      if (full && k === full.from) {
        const tasks =
          (full.to - full.from + 1) * tasksPerStep - (full.to === steps - 1 ? tasksPerStep - last : 0);
        const n = tasks * connectionsPerTask;
        mean += n / spread;
        variance += (n / spread) * (1 - 1 / spread);
        k = full.to;
        continue;
      }
      const t = k * intervalSeconds + phase;
      const p = cdfAt(cdf, j + 1 - t) - cdfAt(cdf, j - t);
      if (p <= 0) continue;
      const n = (k === steps - 1 ? last : tasksPerStep) * connectionsPerTask;
      mean += n * p;
      variance += n * p * (1 - p);
    }
    return { second: j, mean, variance, count };
  };
  const first = Math.floor(phase);
  const end = Math.max(first, Math.ceil((steps - 1) * intervalSeconds + phase + spread) - 1);
  const bins: ArrivalBin[] = [];
  const midFrom = Math.ceil(phase + spread) + 1;
  const midTo = Math.floor((steps - 1) * intervalSeconds + phase) - 2;
  const periodic = Number.isInteger(intervalSeconds) && midTo - midFrom + 1 >= 2 * intervalSeconds;
  for (let j = first; j <= end; j++) {
    if (periodic && j === midFrom) {
      const length = midTo - midFrom + 1;
      for (let r = 0; r < intervalSeconds; r++) {
        const repeats = Math.floor((length - 1 - r) / intervalSeconds) + 1;
        bins.push(bin(midFrom + r, repeats));
      }
      j = midTo;
      continue;
    }
    bins.push(bin(j, 1));
  }
  return bins;
}

/** Expected peak, p99 busiest second, chance of exceeding `budget` and drain time of a schedule. */
export function predictArrivals(
  schedule: ArrivalSchedule,
  options: ArrivalOptions & { budget?: number },
): ArrivalPrediction {
  const cdf = delayCdf(options.reconnect);
  let expectedPeak = 0;
  let p99 = 0;
  let chance: number | undefined;
  for (const phase of options.phases ?? DEFAULT_PHASES) {
    const bins = arrivalBins(schedule, options.connectionsPerTask, cdf, phase);
    for (const b of bins) expectedPeak = Math.max(expectedPeak, b.mean);
    p99 = Math.max(p99, quantileOfBusiest(bins, 0.01));
    if (options.budget !== undefined) chance = Math.max(chance ?? 0, chanceAbove(bins, options.budget));
  }
  const drainSeconds = steppedSeconds(schedule) + cdf.maxSeconds;
  return {
    expectedPeakPerSecond: expectedPeak,
    p99PeakPerSecond: p99,
    drainSeconds,
    ...(chance === undefined ? {} : { chanceOfExceedingBudget: chance }),
  };
}

/**
 * P(any second > budget) of a schedule (worst phase): predictArrivals' figure, alone. With `stopAbove`, the
 * phases stop at the first whose chance exceeds it (the result then only says "more than stopAbove").
 */
export function chanceOfExceeding(
  schedule: ArrivalSchedule,
  options: ArrivalOptions & { budget: number },
  stopAbove = 1,
): number {
  const cdf = delayCdf(options.reconnect);
  let chance = 0;
  for (const phase of options.phases ?? DEFAULT_PHASES) {
    chance = Math.max(
      chance,
      chanceAbove(arrivalBins(schedule, options.connectionsPerTask, cdf, phase), options.budget),
    );
    if (chance > stopAbove || chance >= 1) return chance;
  }
  return chance;
}

/** The largest bin mean of a schedule (worst phase). */
function expectedPeak(schedule: ArrivalSchedule, options: ArrivalOptions): number {
  const cdf = delayCdf(options.reconnect);
  let peak = 0;
  for (const phase of options.phases ?? DEFAULT_PHASES) {
    for (const b of arrivalBins(schedule, options.connectionsPerTask, cdf, phase))
      peak = Math.max(peak, b.mean);
  }
  return peak;
}

function steppedSeconds(schedule: ArrivalSchedule): number {
  return (schedule.stepCount - 1) * schedule.intervalSeconds;
}

/** 1 - prod_j (1 - P(X_j > budget)) over the bins (independent bins). */
function chanceAbove(bins: readonly ArrivalBin[], budget: number): number {
  let logNone = 0;
  for (const b of bins) {
    if (budget - b.mean > TAIL_SIGMAS * Math.sqrt(b.variance) + 1) continue;
    const tail = binomialTail(b.mean, b.variance, budget);
    if (tail >= 1) return 1;
    logNone += b.count * Math.log1p(-tail);
  }
  return -Math.expm1(logNone);
}

/**
 * Smallest whole x with chanceAbove(bins, x) <= alpha. Each bin's tail P(X > x) is tabulated once for every
 * x from the largest bin mean up (one pass over its pmf), so the search's probes are lookups: probing
 * chanceAbove itself summed every bin's pmf again per probe, most of a budget plan's cost.
 */
function quantileOfBusiest(bins: readonly ArrivalBin[], alpha: number): number {
  let from = 0;
  for (const b of bins) from = Math.max(from, Math.floor(b.mean));
  const tables: { count: number; tails: Float64Array }[] = [];
  let to = from;
  for (const b of bins) {
    if (b.mean <= 0 || from - b.mean > TAIL_SIGMAS * Math.sqrt(b.variance) + 1) continue;
    const tails = binomialTails(b.mean, b.variance, from);
    tables.push({ count: b.count, tails });
    to = Math.max(to, from + tails.length);
  }
  const chance = (x: number): number => {
    let logNone = 0;
    for (const { count, tails } of tables) {
      const tail = tails[x - from] ?? 0;
      if (tail >= 1) return 1;
      logNone += count * Math.log1p(-tail);
    }
    return -Math.expm1(logNone);
  };
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (chance(mid) > alpha) lo = mid + 1;
    else hi = mid;
  }
  return hi;
}

/**
 * A bin more than this many standard deviations (+ 1) below x has a negligible P(X > x), even skewed
 * (Poisson(2): under 1e-13), so it is not summed; pmf terms below NEGLIGIBLE_TAIL end a tabulation.
 */
const TAIL_SIGMAS = 12;
const NEGLIGIBLE_TAIL = 1e-19;
/** A tail's sum stops at terms this small relative to it: a relative error no confidence comparison sees. */
const TAIL_PRECISION = 1e-9;

/**
 * P(X > x) for x = from, from + 1, ... while it is not negligible, X as in binomialTail, for a mean below
 * from + 1 (so the pmf falls from from + 1 on and the pass starts near its top, never in underflow).
 */
function binomialTails(mean: number, variance: number, from: number): Float64Array {
  if (variance <= mean * 1e-12) return Float64Array.of(mean > from ? 1 : 0);
  const m = Math.max(Math.ceil(mean), Math.round((mean * mean) / (mean - variance)));
  const q = mean / m;
  const odds = q / (1 - q);
  const terms: number[] = [];
  let term = from + 1 > m ? 0 : Math.exp(logBinomialPmf(m, q, from + 1));
  for (let k = from + 1; k <= m && term > NEGLIGIBLE_TAIL; k++) {
    terms.push(term);
    term *= ((m - k) / (k + 1)) * odds;
  }
  // tails[i] = P(X > from + i) = sum of the pmf from from + i + 1 on.
  const tails = new Float64Array(terms.length + 1);
  for (let i = terms.length - 1; i >= 0; i--) tails[i] = Math.min(1, (tails[i + 1] ?? 0) + (terms[i] ?? 0));
  return tails;
}

/** Chernoff's bound on the binomial's tail beyond k (k >= m q: P(X >= k); k <= m q: P(X <= k)). */
function chernoffBound(m: number, q: number, k: number): number {
  const x = k / m;
  if (x <= 0) return (1 - q) ** m;
  if (x >= 1) return q ** m;
  return Math.exp(-m * (x * Math.log(x / q) + (1 - x) * Math.log((1 - x) / (1 - q))));
}

function logBinomialPmf(m: number, q: number, k: number): number {
  return logGamma(m + 1) - logGamma(k + 1) - logGamma(m - k + 1) + k * Math.log(q) + (m - k) * Math.log1p(-q);
}

/**
 * P(X > budget) for a whole-number count X with this mean and variance, as a binomial with both matched
 * (variance 0: X is the mean). Sums the pmf from the nearer side by its term ratio: O(spread of X).
 */
export function binomialTail(mean: number, variance: number, budget: number): number {
  if (mean <= 0) return 0;
  if (variance <= mean * 1e-12) return mean > budget ? 1 : 0;
  const above = Math.floor(budget) + 1; // X > budget <=> X >= above
  const m = Math.max(Math.ceil(mean), Math.round((mean * mean) / (mean - variance)));
  const q = mean / m;
  if (above > m) return 0;
  if (above <= 0) return 1;
  const odds = q / (1 - q);
  if (above > mean) {
    // Chernoff: P(X >= above) <= exp(-m D(above / m || q)); a negligible bound is not worth summing (a
    // bin far above its mean, the most common case, costs two logarithms instead of its pmf).
    if (chernoffBound(m, q, above) < NEGLIGIBLE_TAIL) return 0;
    let term = Math.exp(logBinomialPmf(m, q, above));
    let sum = term;
    for (let k = above; k < m && term > sum * TAIL_PRECISION; k++) {
      term *= ((m - k) / (k + 1)) * odds;
      sum += term;
    }
    return Math.min(1, sum);
  }
  if (chernoffBound(m, q, above - 1) < NEGLIGIBLE_TAIL) return 1;
  let term = Math.exp(logBinomialPmf(m, q, above - 1));
  let below = term;
  for (let k = above - 1; k > 0 && term > below * TAIL_PRECISION; k--) {
    term *= k / (m - k + 1) / odds;
    below += term;
  }
  return Math.max(0, 1 - below);
}

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x >= 0.5 (Lanczos, g = 7; about 15 significant digits). */
function logGamma(x: number): number {
  const z = x - 1;
  let a = LANCZOS[0] ?? 1;
  for (let i = 1; i < LANCZOS.length; i++) a += (LANCZOS[i] ?? 0) / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

export interface BudgetSchedule extends Required<ArrivalSchedule> {
  totalSeconds: number;
  /** prediction.drainSeconds, without making the prediction. */
  drainSeconds: number;
  /** Under the budgeting connectionsPerTask; made on first access. */
  readonly prediction: ArrivalPrediction;
}

export interface BudgetChoiceOptions {
  totalTasks: number;
  maxNewConnectionsPerSecond: number;
  /** The budgeting percentile (budgetConnectionsPerTask). */
  connectionsPerTask: number;
  /** For the expected-rate schedule the confidence is compared with; default connectionsPerTask. */
  meanConnectionsPerTask?: number;
  reconnect: ReconnectBehaviour;
  /** Largest accepted P(any second > budget); default 0.05. */
  budgetConfidence?: number;
  phases?: readonly number[];
  /** Longest interval to consider (the planner's hour); default: one past the longest delay. */
  maxIntervalSeconds?: number;
}

export interface BudgetChoice {
  /**
   * Set when no schedule meets the confidence; `schedule` is then one task at a time without overlap
   * (the least bad): 'one-task-exceeds-budget' when a single task's reconnections alone exceed the
   * budget with more than that chance, 'too-many-steps' when each step is fine but so many steps add
   * up to more.
   */
  readonly problem?: 'one-task-exceeds-budget' | 'too-many-steps';
  readonly schedule: BudgetSchedule;
  /** The fastest schedule whose expected peak (mean connections) is within the budget: the old choice (searched on first read). */
  readonly expectedRateSchedule?: BudgetSchedule;
  /** What the confidence costs: schedule.drainSeconds - expectedRateSchedule.drainSeconds. */
  readonly confidenceCostSeconds?: number;
}

type Shape = Required<ArrivalSchedule> & { totalSeconds: number };

/**
 * The fastest schedule (tasks per step, whole-second interval) whose P(any second > budget) is at most
 * `budgetConfidence`; ties go to the lower chance. Also the fastest whose expected peak (with the mean
 * connections) is within the budget, the choice this replaces, to state what the confidence costs.
 */
export function chooseBudgetSchedule(options: BudgetChoiceOptions): BudgetChoice {
  const confidence = options.budgetConfidence ?? DEFAULT_BUDGET_CONFIDENCE;
  const budget = options.maxNewConnectionsPerSecond;
  const d = options.totalTasks;
  const c = options.connectionsPerTask;
  const mean = options.meanConnectionsPerTask ?? c;
  const model = { reconnect: options.reconnect, phases: options.phases };
  const cdf = delayCdf(options.reconnect);
  const apart = Math.max(
    1,
    Math.min(Math.ceil(cdf.maxSeconds) + 1, options.maxIntervalSeconds ?? Number.POSITIVE_INFINITY),
  );
  // A rejected schedule's figure is only compared with the limit, so its phases stop at the first above it.
  const chance = (s: Shape, stopAbove?: number) =>
    chanceOfExceeding(s, { ...model, connectionsPerTask: c, budget }, stopAbove);
  // The prediction (its p99 search) and the expected-rate schedule (a second search) are made when first
  // read, so a controller re-planning every step pays for neither: it reads only the steps.
  const finish = (s: Shape): BudgetSchedule => {
    let prediction: ArrivalPrediction | undefined;
    return {
      ...s,
      drainSeconds: steppedSeconds(s) + cdf.maxSeconds,
      get prediction() {
        prediction ??= predictArrivals(s, { ...model, connectionsPerTask: c, budget });
        return prediction;
      },
    };
  };
  const capped = fastest(d, apart, chance, confidence);
  const schedule = capped ? finish(capped) : finish(shape(1, apart, d));
  let rated: { schedule: BudgetSchedule | undefined } | undefined;
  const expectedRate = (): BudgetSchedule | undefined => {
    // The old criterion, with a relative slack for float sums of bin shares (1/3 + 1/3 + 1/3).
    rated ??= {
      schedule: ((found) => found && finish(found))(
        fastest(d, apart, (s) => expectedPeak(s, { ...model, connectionsPerTask: mean }) / budget, 1 + 1e-9),
      ),
    };
    return rated.schedule;
  };
  const out: BudgetChoice = {
    schedule,
    get expectedRateSchedule() {
      return expectedRate();
    },
    get confidenceCostSeconds() {
      const old = expectedRate();
      return capped && old ? schedule.drainSeconds - old.drainSeconds : undefined;
    },
  };
  if (capped) return out;
  return Object.defineProperty(out, 'problem', {
    enumerable: true,
    value: chance(shape(1, 0, 1)) <= confidence ? 'too-many-steps' : 'one-task-exceeds-budget',
  });
}

function shape(perStep: number, interval: number, tasks: number): Shape {
  const stepCount = Math.ceil(tasks / perStep);
  const intervalSeconds = stepCount === 1 ? 0 : interval;
  return {
    tasksPerStep: perStep,
    intervalSeconds,
    stepCount,
    lastStepTasks: tasks - (stepCount - 1) * perStep,
    totalSeconds: (stepCount - 1) * intervalSeconds,
  };
}

/**
 * Fastest schedule of d tasks with score <= limit, the score taken as rising with the step size and
 * falling with the interval (a score above the limit may be cut short: it is only compared). The largest
 * step size r whose lone step (r tasks in all) is accepted comes by doubling and bisection; then each step count n from ceil(d / r) up, with the smallest step size that gives it,
 * stopping once even a 1 s interval could not beat the best; for each the shortest interval by bisection
 * in [1, the previous one] (at `apart` s steps share no second).
 * Ties: the lower score.
 */
function fastest(
  d: number,
  apart: number,
  scoreUpTo: (s: Shape, stopAbove: number) => number,
  limit: number,
): Shape | undefined {
  const score = (s: Shape) => scoreUpTo(s, limit);
  const all = shape(d, 0, d);
  if (score(all) <= limit) return all;
  if (score(shape(1, 0, 1)) > limit) return undefined;
  // The largest accepted lone step: doubling from 1, then bisection (2 log2 of it, not log2 d, probes).
  let lo = 1;
  let probe = 2;
  while (probe < d && score(shape(probe, 0, probe)) <= limit) {
    lo = probe;
    probe *= 2;
  }
  let hi = Math.min(probe, d) - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (score(shape(mid, 0, mid)) <= limit) lo = mid;
    else hi = mid - 1;
  }
  let best: { s: Shape; score: number } | undefined;
  // Per step count n only the smallest step size giving it, ceil(d / n), is worth a try (a larger one
  // adds load for the same steps); a smaller step size never needs a longer interval. Only the counts
  // some step size gives are visited, in increasing order: n = ceil(d / size), r its smallest step size,
  // the next count from size r - 1. At most 2 sqrt(d) turns; walking n up one by one took up to d.
  let longest = apart;
  for (let size = lo, r = lo; size >= 1; size = r - 1) {
    const n = Math.ceil(d / size);
    r = Math.ceil(d / n);
    if (best && n - 1 > best.s.totalSeconds) break;
    // n steps beat (or tie) the best only at an interval up to `cap`: one failing there is not searched.
    const cap = best ? Math.min(longest, Math.floor(best.s.totalSeconds / (n - 1))) : longest;
    let found = shape(r, cap, d);
    let foundScore = score(found);
    if (foundScore > limit) {
      if (cap < longest || longest === apart) continue;
      found = shape(r, apart, d);
      foundScore = score(found);
      if (foundScore > limit) continue;
      longest = apart;
    }
    let i0 = 1;
    let i1 = found.intervalSeconds;
    while (i0 < i1) {
      const mid = Math.floor((i0 + i1) / 2);
      const s = shape(r, mid, d);
      const value = score(s);
      if (value <= limit) {
        i1 = mid;
        found = s;
        foundScore = value;
      } else i0 = mid + 1;
    }
    longest = found.intervalSeconds || apart;
    if (
      !best ||
      found.totalSeconds < best.s.totalSeconds ||
      (found.totalSeconds === best.s.totalSeconds && foundScore < best.score)
    ) {
      best = { s: found, score: foundScore };
    }
    // At 1 s apart, more steps only take longer.
    if (found.intervalSeconds <= 1) break;
  }
  return best?.s;
}
