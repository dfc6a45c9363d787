import { InputValidationError } from '../errors';
import {
  type ArrivalPrediction,
  type BudgetChoice,
  type BudgetChoiceOptions,
  chooseBudgetSchedule,
  predictArrivals,
} from './arrival-model';
import {
  type ScaledownPlan as CompactScaledownPlan,
  compactPlan,
  mostRemovedInRun,
  type Targets,
  targetCount,
  uniformTargets,
} from './compact-plan';
import {
  DEFAULT_DECREMENT_PERCENT,
  DEFAULT_INTERVAL_SECONDS,
  MAX_INTERVAL_SECONDS,
  MIN_WINDOW_STEP_SECONDS,
  type Mode,
  type PlanScaledownOptions,
  validate,
} from './plan-options';
import { overlappingSteps, reconnectRate } from './reconnect-model';

export type { ScaledownStep } from './compact-plan';
/** A compact plan (compact-plan.ts) and, in budget mode, the arrival model's figures. */
export type ScaledownPlan = CompactScaledownPlan & BudgetFigures;
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
 *   chooses tasks per step and a whole-second interval with the shortest total time whose chance of any
 *   second over the budget is at most `budgetConfidence` (default 5 %), under arrival-model's per-second
 *   binomial model with `connectionsPerTaskP95` (default connectionsPerTask x 1.5) connections per task
 *   (ties: the lower chance), then plans as in task mode; the plan carries that chance, the p99 busiest
 *   second, the drain time and the expected-rate schedule's drain time (BudgetFigures).
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
 *   with budgetConfidence even by removing one task at a time (the message says whether one task alone
 *   already exceeds it).
 */
export function planScaledown(options: PlanScaledownOptions): ScaledownPlan {
  const input = validate(options);
  const { desiredCount, currentTasks, model } = input;

  let targets: Targets;
  let intervalSeconds: number;
  let budget: { mode: BudgetMode; choice: BudgetChoice } | undefined;
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
      const chosen = budgetSchedule(desiredCount, input.mode);
      targets = uniformTargets(desiredCount, currentTasks, chosen.schedule.tasksPerStep);
      // Slack for the drop-lag spread: adjacent steps' drops stay at least the chosen interval apart.
      intervalSeconds = chosen.schedule.intervalSeconds + input.mode.dropLagSpreadSeconds;
      budget = { mode: input.mode, choice: chosen };
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
  const plan = compactPlan(desiredCount, currentTasks, targets, intervalSeconds, peak);
  return budget ? withBudgetFigures(plan, budget.mode, budget.choice, { desiredCount, currentTasks }) : plan;
}

type BudgetMode = Extract<Mode, { kind: 'budget' }>;

/** Budget mode's figures, present only in budget mode (ScaledownPlan's optional fields). */
export interface BudgetFigures {
  /** The busiest second's 99th percentile (smallest x with P(any second > x) <= 1 %), with the p95 connections. */
  readonly predictedP99NewConnectionsPerSecond?: number;
  /**
   * P(any second > maxNewConnectionsPerSecond) under the arrival model, the steps as close as drops lagging
   * by up to the slack can come (the interval without it): at most budgetConfidence.
   */
  readonly chanceOfExceedingBudget?: number;
  /** From the first step's drop to the last reconnection: totalSeconds (with the slack) + reconnectSpreadSeconds. */
  readonly drainSeconds?: number;
  /** The expected-rate schedule's drain time (the old choice, mean connections): what the confidence costs. */
  readonly expectedRateDrainSeconds?: number;
  /**
   * Seconds added to the chosen interval for the drop-lag spread (dropLagSpreadSeconds): intervalSeconds,
   * totalSeconds and drainSeconds include it. The controller adds more when it observes a wider spread.
   */
  readonly dropLagSlackSeconds?: number;
}

/**
 * Budget mode's choice for a fresh start (currentTasks = desiredCount): the fastest schedule whose chance
 * of any second over the budget is at most budgetConfidence (arrival-model's chooseBudgetSchedule), with
 * the budgeting (p95) connections per task and uniform reconnects over reconnectSpreadSeconds.
 * @throws InputValidationError when no schedule can meet it, saying whether one task alone is too many.
 */
function budgetSchedule(desiredCount: number, mode: BudgetMode): BudgetChoice {
  const choice = chooseBudgetSchedule(budgetChoiceOptions(desiredCount, mode));
  const { maxNewConnectionsPerSecond: budget, budgetConfidence, budgetConnectionsPerTask: c } = mode;
  const spread = mode.model.reconnectSpreadSeconds;
  // The prediction is made on first read: only a refusal's message reads it here.
  const chance = () => `${round(100 * (choice.schedule.prediction.chanceOfExceedingBudget ?? 1))} %`;
  const allowed = `${round(100 * budgetConfidence)} %`;
  if (choice.problem === 'one-task-exceeds-budget') {
    throw new InputValidationError(
      'maxNewConnectionsPerSecond',
      `a single task already exceeds the budget: its ${round(c)} connections (connectionsPerTaskP95, or connectionsPerTask x 1.5) reconnecting over ${spread} s exceed ${budget}/s in some second with a ${chance()} chance, more than budgetConfidence ${allowed}; raise maxNewConnectionsPerSecond, use a longer reconnectSpreadSeconds, or accept a higher budgetConfidence`,
    );
  }
  if (choice.problem === 'too-many-steps') {
    throw new InputValidationError(
      'maxNewConnectionsPerSecond',
      `cannot be met with budgetConfidence ${allowed}: even one task at a time, every step alone within it, ${desiredCount} steps exceed ${budget}/s in some second with a ${chance()} chance; raise maxNewConnectionsPerSecond or budgetConfidence, or use a longer reconnectSpreadSeconds`,
    );
  }
  return choice;
}

function budgetChoiceOptions(desiredCount: number, mode: BudgetMode): BudgetChoiceOptions {
  return {
    totalTasks: desiredCount,
    maxNewConnectionsPerSecond: mode.maxNewConnectionsPerSecond,
    connectionsPerTask: mode.budgetConnectionsPerTask,
    meanConnectionsPerTask: mode.model.connectionsPerTask,
    reconnect: { kind: 'uniform', spreadSeconds: mode.model.reconnectSpreadSeconds },
    budgetConfidence: mode.budgetConfidence,
    maxIntervalSeconds: MAX_INTERVAL_SECONDS,
  };
}

/**
 * Adds budget mode's figures for this plan's own steps (a resumed plan: its tail, the first step taken
 * as a full one, which can only overstate).
 */
function withBudgetFigures(
  plan: ScaledownPlan,
  mode: BudgetMode,
  choice: BudgetChoice,
  counts: { desiredCount: number; currentTasks: number },
): ScaledownPlan {
  const { desiredCount, currentTasks } = counts;
  const { tasksPerStep } = choice.schedule;
  const n = plan.stepCount;
  const last = plan.step(n);
  if (!last) return plan;
  const model = { reconnect: { kind: 'uniform', spreadSeconds: mode.model.reconnectSpreadSeconds } } as const;
  const slack = mode.dropLagSpreadSeconds;
  // The chance and the p99 are those of the steps without the slack: drops that lag by up to the slack can
  // come that close together, and no closer. A fresh start's are then the chosen schedule's own.
  // Made on first read, like `steps`: the controller re-plans at every step and reads none of these.
  let prediction: ArrivalPrediction | undefined;
  const predicted = (): ArrivalPrediction => {
    prediction ??=
      currentTasks === desiredCount
        ? choice.schedule.prediction
        : predictArrivals(
            {
              tasksPerStep: Math.min(tasksPerStep, currentTasks),
              intervalSeconds: n > 1 ? plan.intervalSeconds - slack : 0,
              stepCount: n,
              lastStepTasks: last.removedTasks,
            },
            {
              ...model,
              connectionsPerTask: mode.budgetConnectionsPerTask,
              budget: mode.maxNewConnectionsPerSecond,
            },
          );
    return prediction;
  };
  Object.defineProperties(plan, {
    predictedP99NewConnectionsPerSecond: { enumerable: true, get: () => predicted().p99PeakPerSecond },
    chanceOfExceedingBudget: { enumerable: true, get: () => predicted().chanceOfExceedingBudget },
    drainSeconds: { enumerable: true, value: plan.totalSeconds + mode.model.reconnectSpreadSeconds },
    dropLagSlackSeconds: { enumerable: true, value: slack },
    expectedRateDrainSeconds: { enumerable: true, get: () => choice.expectedRateSchedule?.drainSeconds },
  });
  return plan;
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
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
