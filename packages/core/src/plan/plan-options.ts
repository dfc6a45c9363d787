import { InputValidationError } from '../errors';
import { budgetConnectionsPerTask, DEFAULT_BUDGET_CONFIDENCE } from './arrival-model';
import type { ReconnectModel } from './reconnect-model';

/**
 * Percent mode's step size when only intervalSeconds is given, and the step size of the plan whose
 * length is the default window: the seed's `scaledown_decrement`.
 */
export const DEFAULT_DECREMENT_PERCENT = 25;
/** Time between steps in percent and task mode, and of the plan whose length is the default window: the seed's `scaledown_wait`. */
export const DEFAULT_INTERVAL_SECONDS = 60;
/**
 * Window mode's shortest time between steps: a large service takes several tasks per step rather than
 * thousands of calls, and a removal's reconnections are over in seconds.
 */
export const MIN_WINDOW_STEP_SECONDS = 5;
/**
 * Budget mode's default `dropLagSpreadSeconds`: the slack added to the interval for the spread of the
 * per-task lag between a step and its drop, before any drop is observed. With a deregistration delay of
 * 30 s and steps 5 s apart, six steps are taken before the controller sees the first drop, so 0 would
 * leave them unprotected (see docs/ARCHITECTURE.md, "A loop closed on real drops").
 */
export const DEFAULT_DROP_LAG_SPREAD_SECONDS = 5;
/** Largest drop-lag spread (given or observed) a step is slowed by: a Fargate task stops within 120 s of SIGTERM. */
export const MAX_DROP_LAG_SPREAD_SECONDS = 120;
/** Longest termination window: a day, like the other deadlines. */
export const MAX_TERMINATION_WINDOW_SECONDS = 86_400;

/**
 * Far above what one ECS service runs; the cap keeps budget mode's search (linear in desiredCount) fast
 * and every scale exact.
 */
export const MAX_DESIRED_COUNT = 1_000_000;

/**
 * Longest time between two steps, and longest reconnect spread: an hour. Longer is a stalled deployment,
 * not a taper, and it keeps every wait far below what a timer can hold.
 */
export const MAX_INTERVAL_SECONDS = 3600;
/** Same bound for the spread over which dropped clients reconnect. */
export const MAX_RECONNECT_SPREAD_SECONDS = 3600;
/** Far above what one task holds open; keeps the reconnection model's arithmetic finite and exact. */
export const MAX_CONNECTIONS_PER_TASK = 10_000_000;
/**
 * Far above what any load balancer absorbs, yet finite: a budget is compared with rates of up to
 * connectionsPerTask / reconnectSpreadSeconds per task, which a sub-second spread makes large.
 */
export const MAX_NEW_CONNECTIONS_PER_SECOND = 1_000_000_000;

export interface PlanScaledownOptions {
  /** The service's desiredCount (integer 1..1,000,000). ECS sizes the old task set from it and `scale`. */
  desiredCount: number;
  /**
   * Tasks the old task set has now (integer 0..desiredCount, default desiredCount). A resumed
   * deployment passes the old set's computedDesiredCount and gets the rest of the original plan.
   */
  currentTasks?: number;
  /**
   * Percent mode: step k leaves ceil(desiredCount * max(0, 100 - k * p) / 100) tasks. Also the mode, at
   * 25 %, when only intervalSeconds is given.
   */
  decrementPercent?: number;
  /** Task mode: every step removes this many tasks (1..1,000,000; the last step removes what is left). */
  decrementTasks?: number;
  /** Seconds between steps (0..3600, default 60). Not allowed in budget or window mode, which choose it. */
  intervalSeconds?: number;
  /**
   * Window mode (the default when no other schedule is given): one task per step, evenly over this many
   * seconds (> 0, <= 86400), at least 5 s apart, so a large service takes several tasks per step.
   * Default: as long as the 25 %/60 s percent plan for the same desiredCount.
   */
  terminationWindowSeconds?: number;
  /** Mean open connections per task (> 0, <= 10^7); with `reconnectSpreadSeconds`, predicts the peak. */
  connectionsPerTask?: number;
  /** Budget mode: the most reconnections per second to allow (> 0, <= 10^9). Needs the two model fields. */
  maxNewConnectionsPerSecond?: number;
  /** Clients whose task stops reconnect spread uniformly over this many seconds (> 0, <= 3600). */
  reconnectSpreadSeconds?: number;
  /**
   * Budget mode: the largest accepted chance that any second exceeds the budget (0 < x < 1, default
   * 0.05); the planner picks the fastest schedule within it (see arrival-model).
   */
  budgetConfidence?: number;
  /**
   * Budget mode: the 95th percentile of open connections per task (>= connectionsPerTask, <= 10^7), what
   * the budget is planned with; default connectionsPerTask x 1.5 (ECS picks which tasks stop). Pass
   * connectionsPerTask itself to plan with the mean.
   */
  connectionsPerTaskP95?: number;
  /**
   * Budget mode: how far apart (seconds, 0..120, default 5) the drops of tasks removed at the same time
   * may fall (ECS stops each task after its own lag past the deregistration delay). Added to the chosen
   * interval as slack, so adjacent steps' drops stay at least the modelled interval apart.
   */
  dropLagSpreadSeconds?: number;
}

export type Mode =
  | { kind: 'percent'; decrementPercent: number; intervalSeconds: number }
  | { kind: 'tasks'; decrementTasks: number; intervalSeconds: number }
  | {
      kind: 'budget';
      maxNewConnectionsPerSecond: number;
      model: ReconnectModel;
      budgetConfidence: number;
      /** Connections per task to budget with (the p95, or connectionsPerTask x 1.5). */
      budgetConnectionsPerTask: number;
      /** Slack added to the chosen interval for the drop-lag spread. */
      dropLagSpreadSeconds: number;
    }
  /** windowSeconds undefined: the default window (the 25 %/60 s plan's length). */
  | { kind: 'window'; windowSeconds: number | undefined };

export interface ValidInput {
  desiredCount: number;
  currentTasks: number;
  mode: Mode;
  model: ReconnectModel | undefined;
}

/** Checks every option before anything is computed; messages name the allowed range and a fix. */
export function validate(options: PlanScaledownOptions): ValidInput {
  const { desiredCount } = options;
  if (!isInteger(desiredCount) || desiredCount < 1 || desiredCount > MAX_DESIRED_COUNT) {
    fail(
      'desiredCount',
      `an integer in [1, ${MAX_DESIRED_COUNT}]`,
      desiredCount,
      "pass the service's desiredCount, e.g. 2",
    );
  }
  const currentTasks = options.currentTasks ?? desiredCount;
  if (!isInteger(currentTasks) || currentTasks < 0 || currentTasks > desiredCount) {
    fail(
      'currentTasks',
      `an integer in [0, ${desiredCount}] (0..desiredCount)`,
      currentTasks,
      "pass the old task set's current computedDesiredCount, or omit it to plan from desiredCount",
    );
  }
  const { decrementPercent, decrementTasks, intervalSeconds } = options;
  if (
    decrementPercent !== undefined &&
    !(isNumber(decrementPercent) && decrementPercent > 0 && decrementPercent <= 100)
  ) {
    fail(
      'decrementPercent',
      'a number in (0, 100]',
      decrementPercent,
      'use e.g. 25 to remove a quarter of the tasks per step',
    );
  }
  if (
    decrementTasks !== undefined &&
    (!isInteger(decrementTasks) || decrementTasks < 1 || decrementTasks > MAX_DESIRED_COUNT)
  ) {
    fail(
      'decrementTasks',
      `an integer >= 1 and <= ${MAX_DESIRED_COUNT}`,
      decrementTasks,
      'use e.g. 1 to remove one task per step',
    );
  }
  if (decrementPercent !== undefined && decrementTasks !== undefined) {
    throw new InputValidationError(
      'decrementTasks',
      'cannot be combined with decrementPercent; give only one of them (decrementTasks to remove a fixed number of tasks per step, decrementPercent for a share of desiredCount)',
    );
  }
  if (
    intervalSeconds !== undefined &&
    !(isNumber(intervalSeconds) && intervalSeconds >= 0 && intervalSeconds <= MAX_INTERVAL_SECONDS)
  ) {
    fail(
      'intervalSeconds',
      `a finite number >= 0 and <= ${MAX_INTERVAL_SECONDS} (1 h)`,
      intervalSeconds,
      'use e.g. 60 for one step a minute',
    );
  }
  const window = options.terminationWindowSeconds;
  if (window !== undefined && !(isNumber(window) && window > 0 && window <= MAX_TERMINATION_WINDOW_SECONDS)) {
    fail(
      'terminationWindowSeconds',
      `a finite number > 0 and <= ${MAX_TERMINATION_WINDOW_SECONDS} (a day)`,
      window,
      'use e.g. 180 to retire the old tasks evenly over three minutes',
    );
  }
  if (window !== undefined) {
    for (const field of [
      'decrementPercent',
      'decrementTasks',
      'intervalSeconds',
      'maxNewConnectionsPerSecond',
    ] as const) {
      if (options[field] !== undefined) {
        throw new InputValidationError(
          'terminationWindowSeconds',
          `cannot be combined with ${field}: window mode chooses the step size and interval itself; give only one of them (terminationWindowSeconds to spread the old tasks' termination over a time window)`,
        );
      }
    }
  }
  const positive = {
    connectionsPerTask: {
      max: MAX_CONNECTIONS_PER_TASK,
      fix: 'use the average number of open connections per task, e.g. 500',
    },
    maxNewConnectionsPerSecond: {
      max: MAX_NEW_CONNECTIONS_PER_SECOND,
      fix: 'use the reconnection rate the new tasks absorb without trouble, e.g. 100',
    },
    reconnectSpreadSeconds: {
      max: MAX_RECONNECT_SPREAD_SECONDS,
      fix: 'use the time over which dropped clients reconnect (their backoff and jitter), e.g. 30',
    },
  } as const;
  for (const field of Object.keys(positive) as (keyof typeof positive)[]) {
    const value = options[field];
    const { max, fix } = positive[field];
    if (value !== undefined && !(isNumber(value) && value > 0 && value <= max)) {
      const unit = field === 'reconnectSpreadSeconds' ? ' (1 h)' : '';
      fail(field, `a finite number > 0 and <= ${max}${unit}`, value, fix);
    }
  }

  const confidence = options.budgetConfidence;
  if (confidence !== undefined && !(isNumber(confidence) && confidence > 0 && confidence < 1)) {
    fail(
      'budgetConfidence',
      'a number in (0, 1)',
      confidence,
      'use e.g. 0.05 to accept a 5 % chance that some second exceeds the budget',
    );
  }
  const p95 = options.connectionsPerTaskP95;
  if (p95 !== undefined && !(isNumber(p95) && p95 > 0 && p95 <= MAX_CONNECTIONS_PER_TASK)) {
    fail(
      'connectionsPerTaskP95',
      `a finite number > 0 and <= ${MAX_CONNECTIONS_PER_TASK}`,
      p95,
      'use the 95th percentile of open connections per task, e.g. 700',
    );
  }
  const lag = options.dropLagSpreadSeconds;
  if (lag !== undefined && !(isNumber(lag) && lag >= 0 && lag <= MAX_DROP_LAG_SPREAD_SECONDS)) {
    fail(
      'dropLagSpreadSeconds',
      `a finite number >= 0 and <= ${MAX_DROP_LAG_SPREAD_SECONDS} (a Fargate task's longest stop timeout)`,
      lag,
      'use the spread of the time your tasks take to stop after deregistration, e.g. 5; 0 trusts every task to stop on time',
    );
  }
  const { connectionsPerTask, maxNewConnectionsPerSecond, reconnectSpreadSeconds } = options;
  const budgetMode = maxNewConnectionsPerSecond !== undefined;
  if (budgetMode || connectionsPerTask !== undefined || reconnectSpreadSeconds !== undefined) {
    const purpose = budgetMode
      ? 'is required in budget mode (maxNewConnectionsPerSecond is set)'
      : 'is required with the other reconnection model field to predict the reconnection peak';
    if (connectionsPerTask === undefined) {
      throw new InputValidationError('connectionsPerTask', `${purpose}; ${positive.connectionsPerTask.fix}`);
    }
    if (reconnectSpreadSeconds === undefined) {
      throw new InputValidationError(
        'reconnectSpreadSeconds',
        `${purpose}; ${positive.reconnectSpreadSeconds.fix}`,
      );
    }
  }
  const model =
    connectionsPerTask !== undefined && reconnectSpreadSeconds !== undefined
      ? { connectionsPerTask, reconnectSpreadSeconds }
      : undefined;

  if (budgetMode && model) {
    for (const field of ['decrementPercent', 'decrementTasks', 'intervalSeconds'] as const) {
      if (options[field] !== undefined) {
        throw new InputValidationError(
          field,
          'cannot be combined with maxNewConnectionsPerSecond: budget mode chooses the step size and interval itself; remove one of them',
        );
      }
    }
    const budgetConfidence = options.budgetConfidence ?? DEFAULT_BUDGET_CONFIDENCE;
    const p95 = options.connectionsPerTaskP95;
    if (p95 !== undefined && p95 < model.connectionsPerTask) {
      throw new InputValidationError(
        'connectionsPerTaskP95',
        `must be at least connectionsPerTask (${model.connectionsPerTask}): it is the 95th percentile of the connections one task holds, got ${p95}; pass connectionsPerTask itself to plan with the mean`,
      );
    }
    const mode = {
      kind: 'budget' as const,
      maxNewConnectionsPerSecond,
      model,
      budgetConfidence,
      budgetConnectionsPerTask: budgetConnectionsPerTask({ ...model, connectionsPerTaskP95: p95 }),
      dropLagSpreadSeconds: lag ?? DEFAULT_DROP_LAG_SPREAD_SECONDS,
    };
    return { desiredCount, currentTasks, model, mode };
  }
  const interval = intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
  let mode: Mode;
  if (decrementTasks !== undefined) mode = { kind: 'tasks', decrementTasks, intervalSeconds: interval };
  else if (decrementPercent !== undefined || intervalSeconds !== undefined) {
    mode = {
      kind: 'percent',
      decrementPercent: decrementPercent ?? DEFAULT_DECREMENT_PERCENT,
      intervalSeconds: interval,
    };
  } else mode = { kind: 'window', windowSeconds: window };
  // Window and percent modes promise a length, not a cap: slowing their steps for a spread would break
  // that promise, and their steps do not depend on drops staying apart. So the slack is budget mode's.
  for (const field of ['budgetConfidence', 'connectionsPerTaskP95', 'dropLagSpreadSeconds'] as const) {
    if (options[field] !== undefined) {
      throw new InputValidationError(
        field,
        `applies only in budget mode, and this schedule is in ${modeName[mode.kind]}; set maxNewConnectionsPerSecond (with connectionsPerTask and reconnectSpreadSeconds) or remove it`,
      );
    }
  }
  return { desiredCount, currentTasks, model, mode };
}

const modeName: Record<Mode['kind'], string> = {
  percent: 'percent mode (decrementPercent or intervalSeconds)',
  tasks: 'task mode (decrementTasks)',
  budget: 'budget mode',
  window: 'window mode (the default, or terminationWindowSeconds)',
};

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

function fail(field: string, allowed: string, got: unknown, fix: string): never {
  const shown = typeof got === 'string' ? JSON.stringify(got) : String(got);
  throw new InputValidationError(field, `must be ${allowed}, got ${shown}; ${fix}`);
}
