import { scalePercentForTasks } from './scale-percent';

export interface ScaledownStep {
  /** 1-based position in this plan. */
  readonly index: number;
  /** Seconds from the start of scale-down: (index - 1) * intervalSeconds, so step 1 is at 0. */
  readonly atSeconds: number;
  /** The old task set's `scale` value; ceil(desiredCount * scalePercent / 100) === remainingTasks. */
  readonly scalePercent: number;
  /** Tasks the old task set keeps after this step. */
  readonly remainingTasks: number;
  /** Tasks this step stops (>= 1). */
  readonly removedTasks: number;
}

export interface ScaledownPlan {
  /** How many steps the plan has (0 when the old set is already empty). */
  readonly stepCount: number;
  /** Step `index` (1-based, as ScaledownStep.index), computed on demand; undefined outside 1..stepCount. */
  step(index: number): ScaledownStep | undefined;
  /**
   * Every step, built on first access and kept (a plan of 100,000 steps is 100,000 objects): prefer
   * `stepCount` and `step(index)`. Enumerable, so JSON.stringify(plan) lists the steps.
   */
  readonly steps: readonly ScaledownStep[];
  /** The last step's atSeconds (0 with at most one step). */
  readonly totalSeconds: number;
  /** Seconds between steps: the given or default one, or the one the mode chose. */
  readonly intervalSeconds: number;
  /** Present when connectionsPerTask and reconnectSpreadSeconds are known (see ReconnectModel). */
  readonly predictedPeakNewConnectionsPerSecond?: number;
}

/** How many tasks the old set keeps after each step, without a list: a table or a uniform decrement. */
export type Targets =
  | { kind: 'table'; remaining: Float64Array }
  | {
      /** Step i (1-based) keeps max(0, desiredCount - (firstStep + i - 1) * tasksPerStep). */
      kind: 'uniform';
      desiredCount: number;
      tasksPerStep: number;
      firstStep: number;
      count: number;
    };

/** Uniform targets below `currentTasks`: the tail of "every step removes tasksPerStep" from desiredCount. */
export function uniformTargets(desiredCount: number, currentTasks: number, tasksPerStep: number): Targets {
  if (currentTasks === 0) return { kind: 'uniform', desiredCount, tasksPerStep, firstStep: 1, count: 0 };
  // The first fresh-start step that leaves fewer than currentTasks, and the one that reaches 0.
  const firstStep = Math.floor((desiredCount - currentTasks) / tasksPerStep) + 1;
  const lastStep = Math.ceil(desiredCount / tasksPerStep);
  return { kind: 'uniform', desiredCount, tasksPerStep, firstStep, count: lastStep - firstStep + 1 };
}

export function targetCount(targets: Targets): number {
  return targets.kind === 'table' ? targets.remaining.length : targets.count;
}

/** Tasks kept after step `index` (1-based, within 1..targetCount). */
export function remainingAfter(targets: Targets, index: number): number {
  if (targets.kind === 'table') return targets.remaining[index - 1] ?? 0;
  return Math.max(0, targets.desiredCount - (targets.firstStep + index - 1) * targets.tasksPerStep);
}

/** Tasks removed by step `index` (1-based), the first one from `currentTasks`. */
export function removedBy(targets: Targets, currentTasks: number, index: number): number {
  const before = index === 1 ? currentTasks : remainingAfter(targets, index - 1);
  return before - remainingAfter(targets, index);
}

/**
 * A plan that holds only its targets and interval: `step(index)` builds one step, `steps` builds the
 * list once, on first access. `stepCount` and `step` are not enumerable, so the plan's JSON (and a
 * deep equality with a plain `{ steps, totalSeconds, intervalSeconds }`) is what it always was.
 */
export function compactPlan(
  desiredCount: number,
  currentTasks: number,
  targets: Targets,
  intervalSeconds: number,
  predictedPeakNewConnectionsPerSecond: number | undefined,
): ScaledownPlan {
  const stepCount = targetCount(targets);
  const step = (index: number): ScaledownStep | undefined => {
    if (!Number.isInteger(index) || index < 1 || index > stepCount) return undefined;
    const remainingTasks = remainingAfter(targets, index);
    return {
      index,
      atSeconds: (index - 1) * intervalSeconds,
      scalePercent: scalePercentForTasks(desiredCount, remainingTasks),
      remainingTasks,
      removedTasks: removedBy(targets, currentTasks, index),
    };
  };
  let steps: readonly ScaledownStep[] | undefined;
  const plan = {};
  Object.defineProperties(plan, {
    steps: {
      enumerable: true,
      get: () => {
        if (!steps) steps = Array.from({ length: stepCount }, (_, i) => step(i + 1) as ScaledownStep);
        return steps;
      },
    },
    totalSeconds: { enumerable: true, value: stepCount > 1 ? (stepCount - 1) * intervalSeconds : 0 },
    intervalSeconds: { enumerable: true, value: intervalSeconds },
    ...(predictedPeakNewConnectionsPerSecond !== undefined && {
      predictedPeakNewConnectionsPerSecond: { enumerable: true, value: predictedPeakNewConnectionsPerSecond },
    }),
    stepCount: { value: stepCount },
    step: { value: step },
  });
  return plan as ScaledownPlan;
}

/**
 * The most tasks any `run` consecutive steps remove together (all of them when run >= the step count).
 * Constant time for uniform targets (every step removes tasksPerStep but maybe the first and the last),
 * a sliding window over a table.
 */
export function mostRemovedInRun(targets: Targets, currentTasks: number, run: number): number {
  const n = targetCount(targets);
  if (n === 0 || run <= 0) return 0;
  if (run >= n) return currentTasks;
  if (targets.kind === 'uniform') {
    const r = targets.tasksPerStep;
    const first = removedBy(targets, currentTasks, 1);
    const last = removedBy(targets, currentTasks, n);
    // Runs starting at step 1, at step 2 (inside, if it ends before step n) and ending at step n.
    const inner = run + 1 < n ? run * r : 0;
    return Math.max(first + (run - 1) * r, inner, (run - 1) * r + last);
  }
  let window = 0;
  let best = 0;
  for (let i = 1; i <= n; i++) {
    window += removedBy(targets, currentTasks, i);
    if (i > run) window -= removedBy(targets, currentTasks, i - run);
    if (window > best) best = window;
  }
  return best;
}
