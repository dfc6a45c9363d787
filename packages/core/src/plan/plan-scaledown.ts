import {
  compactPlan,
  mostRemovedInRun,
  type ScaledownPlan,
  type Targets,
  targetCount,
  uniformTargets,
} from './compact-plan';
import {
  DEFAULT_DECREMENT_PERCENT,
  DEFAULT_INTERVAL_SECONDS,
  MIN_WINDOW_STEP_SECONDS,
  type PlanScaledownOptions,
  validate,
} from './plan-options';
import { overlappingSteps, type ReconnectModel, reconnectRate } from './reconnect-model';

export type { ScaledownPlan, ScaledownStep } from './compact-plan';
export {
  DEFAULT_DECREMENT_PERCENT,
  DEFAULT_INTERVAL_SECONDS,
  MAX_DESIRED_COUNT,
  MIN_WINDOW_STEP_SECONDS,
  type PlanScaledownOptions,
} from './plan-options';
export { predictPeakNewConnectionsPerSecond, type ReconnectModel } from './reconnect-model';
export { scalePercentForTasks } from './scale-percent';

/**
 * Plans how the old task set is retired, in task counts, with a `scale` per step that makes ECS
 * (which always rounds up) run exactly that many tasks. Pure: no AWS calls, no clock.
 *
 * Timing: step k (1-based) is at `(k - 1) * intervalSeconds` from the start of scale-down. The first
 * step happens at once because the deployment has already waited a settle time after the swap;
 * `totalSeconds` is the last step's `atSeconds`.
 *
 * Step size, one of:
 * - window mode (the default: no decrementPercent, decrementTasks, intervalSeconds or budget given):
 *   one task per step, evenly over `terminationWindowSeconds` (default: the length of the 25 %/60 s
 *   percent plan for desiredCount, `defaultWindowSeconds`) with steps at least MIN_WINDOW_STEP_SECONDS
 *   (5 s) apart, so a large service takes several tasks per step; the interval is in whole seconds and
 *   the plan never takes longer than the window; then plans as in task mode;
 * - percent mode (decrementPercent, or 25 % when only intervalSeconds is given): after step k the set keeps ceil(desiredCount * max(0, 100 - k * p) / 100)
 *   tasks, computed exactly in decimal; values of k that would remove nothing are skipped, not waited for
 *   (the seed wastes them: 2 tasks at 25 % gave 2, 2, 1, 1, 0);
 * - task mode (`decrementTasks`): step k keeps max(0, desiredCount - k * decrementTasks);
 * - budget mode (`maxNewConnectionsPerSecond` with `connectionsPerTask` and `reconnectSpreadSeconds`):
 *   chooses tasks per step and a whole-second interval with the shortest total time whose predicted
 *   peak of reconnections stays within the budget (ties: the lower peak, then fewer steps), then plans
 *   as in task mode.
 *
 * Resuming (`currentTasks` < desiredCount): the plan is the tail of the plan for a fresh start, so a
 * resumed deployment keeps the original targets (and in budget mode the original step size and
 * interval): steps with remainingTasks >= currentTasks are dropped, the rest are re-indexed from 1 and
 * re-timed from 0, and the first one removes currentTasks - its remainingTasks. The predicted peak
 * covers only the steps of this plan, not reconnections still running from steps taken before.
 *
 * Every step removes at least one task, remainingTasks falls strictly to 0, and the steps' removedTasks
 * sum to currentTasks.
 *
 * The plan is compact: it holds its targets (a formula, or in percent mode a table of at most
 * ceil(100 / decrementPercent) counts), not step objects. `stepCount` and `step(k)` answer in constant
 * time; `steps` builds the list on first access. Planning takes constant time in task mode, time linear
 * in the number of steps in percent mode, and linear in desiredCount in budget mode (its search).
 *
 * @throws InputValidationError for invalid or contradictory options, and when the budget cannot be met
 *   even by removing one task at a time.
 */
export function planScaledown(options: PlanScaledownOptions): ScaledownPlan {
  const input = validate(options);
  const { desiredCount, currentTasks, model } = input;

  let targets: Targets;
  let intervalSeconds: number;
  switch (input.mode.kind) {
    case 'percent':
      targets = percentTargets(desiredCount, currentTasks, input.mode.decrementPercent);
      intervalSeconds = input.mode.intervalSeconds;
      break;
    case 'tasks':
      targets = uniformTargets(desiredCount, currentTasks, input.mode.decrementTasks);
      intervalSeconds = input.mode.intervalSeconds;
      break;
    case 'budget': {
      const chosen = chooseBudgetSchedule(
        desiredCount,
        input.mode.maxNewConnectionsPerSecond,
        input.mode.model,
      );
      targets = uniformTargets(desiredCount, currentTasks, chosen.tasksPerStep);
      intervalSeconds = chosen.intervalSeconds;
      break;
    }
    case 'window': {
      const chosen = windowSchedule(
        desiredCount,
        input.mode.windowSeconds ?? defaultWindowSeconds(desiredCount),
      );
      targets = uniformTargets(desiredCount, currentTasks, chosen.tasksPerStep);
      intervalSeconds = chosen.intervalSeconds;
      break;
    }
  }
  const run = model && overlappingSteps(intervalSeconds, model.reconnectSpreadSeconds, targetCount(targets));
  const peak =
    model && run !== undefined
      ? reconnectRate(mostRemovedInRun(targets, currentTasks, run), model)
      : undefined;
  return compactPlan(desiredCount, currentTasks, targets, intervalSeconds, peak);
}

/**
 * Percent-mode targets below `currentTasks`, in exact decimal arithmetic: the percent is taken as
 * the decimal it prints as (33.33 is 3333/100, not the nearest double), so a float slip can never
 * move a count. Jumps straight to the next k that removes a task, so skipped steps cost nothing.
 */
function percentTargets(desiredCount: number, currentTasks: number, decrementPercent: number): Targets {
  const { digits, unit } = asDecimal(decrementPercent);
  const whole = 100n * unit; // 100 % in units of 10^-decimals percent
  const d = BigInt(desiredCount);
  const targets: number[] = [];
  let current = BigInt(currentTasks);
  while (current > 0n) {
    // Smallest k with ceil(d * (whole - k * digits) / whole) <= current - 1, i.e.
    // k * digits * d >= whole * (d - current + 1).
    const k = ceilDiv(whole * (d - current + 1n), digits * d);
    const left = whole - k * digits;
    const remaining = left <= 0n ? 0n : ceilDiv(d * left, whole);
    targets.push(Number(remaining));
    current = remaining;
  }
  return { kind: 'table', remaining: Float64Array.from(targets) };
}

/**
 * The default window: as long as the 25 %/60 s percent plan for a fresh start (0 s for 1 task, 60 s for
 * 2, 120 s for 3, 180 s from 4 tasks on), so the default is never slower than that plan was.
 */
export function defaultWindowSeconds(desiredCount: number): number {
  const steps = targetCount(percentTargets(desiredCount, desiredCount, DEFAULT_DECREMENT_PERCENT));
  return Math.max(0, steps - 1) * DEFAULT_INTERVAL_SECONDS;
}

/**
 * Window mode's choice for a fresh start: one task per step when the steps can be at least
 * MIN_WINDOW_STEP_SECONDS apart within the window, else the fewest tasks per step that allow it; the
 * interval is the whole seconds that fit (n - 1) intervals into the window, so the plan never takes
 * longer than the window. A window shorter than the minimum interval is one step.
 */
function windowSchedule(
  desiredCount: number,
  windowSeconds: number,
): { tasksPerStep: number; intervalSeconds: number } {
  const maxSteps = Math.min(desiredCount, Math.floor(windowSeconds / MIN_WINDOW_STEP_SECONDS) + 1);
  const tasksPerStep = Math.ceil(desiredCount / maxSteps);
  const steps = Math.ceil(desiredCount / tasksPerStep);
  return { tasksPerStep, intervalSeconds: steps > 1 ? Math.floor(windowSeconds / (steps - 1)) : 0 };
}

/**
 * Budget mode's choice for a fresh start (currentTasks = desiredCount). For r tasks per step there are
 * n = ceil(d / r) steps removing r (the last one maybe fewer); letting L steps overlap needs an interval
 * I with L * I >= spread and costs L * r in rate, so the shortest interval for r comes from the largest
 * affordable L. Every affordable r is tried, not just the largest: the largest r gave the shortest
 * total in every case we searched, but a smaller one often ties and then wins on a lower peak
 * (4 tasks, room for 3: steps of 2, 2 rather than 3, 1). O(desiredCount), constant work per r.
 */
function chooseBudgetSchedule(
  desiredCount: number,
  budget: number,
  model: ReconnectModel,
): { tasksPerStep: number; intervalSeconds: number } {
  const affordable = (tasks: number) => reconnectRate(tasks, model) <= budget;
  if (affordable(desiredCount)) return { tasksPerStep: desiredCount, intervalSeconds: 0 };
  const spread = model.reconnectSpreadSeconds;
  const roomInTasks = (budget * spread) / model.connectionsPerTask;
  // affordable(1) holds (validated) and affordable(desiredCount) does not.
  const maxPerStep = largestWhere((n) => affordable(n), roomInTasks, desiredCount - 1);

  let best = { tasksPerStep: 1, intervalSeconds: 0, total: Number.POSITIVE_INFINITY, peakTasks: 0 };
  for (let perStep = maxPerStep; perStep >= 1; perStep--) {
    const stepCount = Math.ceil(desiredCount / perStep);
    // Any L <= n - 1 consecutive steps remove L * r tasks; all n together would remove every task,
    // which is not affordable, so L <= n - 1 and the interval is at least 1 s.
    const overlap = largestWhere((l) => affordable(l * perStep), roomInTasks / perStep, stepCount - 1);
    let interval = Math.max(1, Math.ceil(spread / overlap));
    while (interval > 1 && overlap * (interval - 1) >= spread) interval--;
    while (overlap * interval < spread) interval++;
    const total = (stepCount - 1) * interval;
    const peakTasks = overlappingSteps(interval, spread, stepCount) * perStep;
    if (total < best.total || (total === best.total && peakTasks < best.peakTasks)) {
      best = { tasksPerStep: perStep, intervalSeconds: interval, total, peakTasks };
    }
  }
  return { tasksPerStep: best.tasksPerStep, intervalSeconds: best.intervalSeconds };
}

/** Largest n in [1, max] with `holds(n)`, for a monotone `holds` with holds(1), starting near `estimate`. */
function largestWhere(holds: (n: number) => boolean, estimate: number, max: number): number {
  let n = Math.min(max, Math.max(1, Math.floor(estimate)));
  while (n > 1 && !holds(n)) n--;
  while (n < max && holds(n + 1)) n++;
  return n;
}

/** A decimal string's digits and 10^decimals: 33.33 -> 3333n, 100n. Exact for every finite double. */
function asDecimal(value: number): { digits: bigint; unit: bigint } {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (!match) throw new Error(`asDecimal: unexpected number ${value}`);
  const [, whole = '', fraction = '', exponent = '0'] = match;
  const decimals = fraction.length - Number(exponent);
  const digits = BigInt(whole + fraction);
  return decimals >= 0
    ? { digits, unit: 10n ** BigInt(decimals) }
    : { digits: digits * 10n ** BigInt(-decimals), unit: 1n };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return a <= 0n ? -(-a / b) : (a + b - 1n) / b;
}
