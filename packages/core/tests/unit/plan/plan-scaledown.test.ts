import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../../src/errors';
import { chanceOfExceeding } from '../../../src/plan/arrival-model';
import {
  MAX_DESIRED_COUNT,
  type PlanScaledownOptions,
  planScaledown,
  type ScaledownPlan,
} from '../../../src/plan/plan-scaledown';

/** The invariants every plan must keep, whatever the mode. Collected first: expect() per step is slow. */
function expectValidPlan(
  plan: ScaledownPlan,
  desiredCount: number,
  currentTasks: number,
  intervalSeconds: number,
) {
  const problems: string[] = [];
  let previous = currentTasks;
  plan.steps.forEach((step, i) => {
    const where = `step ${JSON.stringify(step)}`;
    if (step.index !== i + 1) problems.push(`${where}: index`);
    if (step.atSeconds !== i * intervalSeconds) problems.push(`${where}: atSeconds`);
    if (!(step.removedTasks >= 1)) problems.push(`${where}: removes nothing`);
    if (step.remainingTasks !== previous - step.removedTasks) problems.push(`${where}: remaining`);
    if (!(step.scalePercent >= 0 && step.scalePercent <= 100)) problems.push(`${where}: scale out of range`);
    // Exactly ECS's rounding, in JS floating point.
    if (Math.ceil((desiredCount * step.scalePercent) / 100) !== step.remainingTasks) {
      problems.push(`${where}: ceil(${desiredCount} * scale / 100) is not remainingTasks`);
    }
    previous = step.remainingTasks;
  });
  expect(problems).toEqual([]);
  expect(previous).toBe(0);
  expect(plan.steps.reduce((sum, step) => sum + step.removedTasks, 0)).toBe(currentTasks);
  expect(plan.totalSeconds).toBe(plan.steps.at(-1)?.atSeconds ?? 0);
  expect(plan.intervalSeconds).toBe(intervalSeconds);
}

const remaining = (plan: ScaledownPlan) => plan.steps.map((step) => step.remainingTasks);
const removed = (plan: ScaledownPlan) => plan.steps.map((step) => step.removedTasks);

/** Reference peak by simulating the reconnect windows [at, at + spread) at every step time. */
function simulatedPeak(
  steps: readonly { atSeconds: number; removedTasks: number }[],
  connectionsPerTask: number,
  spread: number,
): number {
  let peakTasks = 0;
  for (const now of steps) {
    let active = 0;
    for (const step of steps) {
      if (step.atSeconds <= now.atSeconds && now.atSeconds - step.atSeconds < spread)
        active += step.removedTasks;
    }
    peakTasks = Math.max(peakTasks, active);
  }
  return (peakTasks * connectionsPerTask) / spread;
}

/** Distinct values of `counts` below `currentTasks`, in plan order. */
function targetsBelow(counts: number[], currentTasks: number): number[] {
  return [...new Set(counts)].filter((count) => count < currentTasks);
}

describe('planScaledown: percent mode', () => {
  it('seed defaults, desiredCount 2 at 25 %: 1 then 0 tasks, no wasted steps (the seed ran 2, 2, 1, 1, 0)', () => {
    const plan = planScaledown({ desiredCount: 2, decrementPercent: 25, intervalSeconds: 60 });
    expect(plan.steps).toEqual([
      { index: 1, atSeconds: 0, scalePercent: 50, remainingTasks: 1, removedTasks: 1 },
      { index: 2, atSeconds: 60, scalePercent: 0, remainingTasks: 0, removedTasks: 1 },
    ]);
    expect(plan.totalSeconds).toBe(60);
    expect(plan.intervalSeconds).toBe(60);
    expect(plan).not.toHaveProperty('predictedPeakNewConnectionsPerSecond');
  });

  it('desiredCount 3 at 33.33 % and 66.67 % (and their float forms) counts down without a tail', () => {
    for (const decrementPercent of [33.33, 33.333333333333336, 100 / 3]) {
      const plan = planScaledown({ desiredCount: 3, decrementPercent });
      expect(remaining(plan)).toEqual([2, 1, 0]);
      expect(plan.steps.map((step) => step.scalePercent)).toEqual([66, 33, 0]);
      expectValidPlan(plan, 3, 3, 60);
    }
    for (const decrementPercent of [66.67, 66.66666666666667]) {
      const plan = planScaledown({ desiredCount: 3, decrementPercent });
      expect(remaining(plan)).toEqual([1, 0]);
      expectValidPlan(plan, 3, 3, 60);
    }
  });

  it('never uses the naive scale remaining * 100 / desiredCount when ECS would round it up', () => {
    // 11 * (100 / 11) / 100 is 1.0000000000000002: the naive scale would keep 2 tasks.
    expect(Math.ceil((11 * (100 / 11)) / 100)).toBe(2);
    const plan = planScaledown({ desiredCount: 11, decrementTasks: 10 });
    expect(plan.steps.map((step) => [step.remainingTasks, step.scalePercent])).toEqual([
      [1, 9],
      [0, 0],
    ]);
  });

  it('33.33 % of 100 tasks leaves a one-task tail, as the formula says, but wastes no step', () => {
    expect(remaining(planScaledown({ desiredCount: 100, decrementPercent: 33.33 }))).toEqual([67, 34, 1, 0]);
  });

  it.each([
    [3, 25, [2, 1, 0]],
    [7, 25, [6, 4, 2, 0]],
    [10, 25, [8, 5, 3, 0]],
    [7, 10, [6, 5, 4, 3, 2, 1, 0]],
    [4, 100, [0]],
    [1, 25, [0]],
  ])('desiredCount %i at %d %% keeps %j tasks', (desiredCount, decrementPercent, expected) => {
    const plan = planScaledown({ desiredCount, decrementPercent });
    expect(remaining(plan)).toEqual(expected);
    expectValidPlan(plan, desiredCount, desiredCount, 60);
  });

  it('desiredCount 7 at 25 % with scales ECS turns into exactly those counts', () => {
    const plan = planScaledown({ desiredCount: 7, intervalSeconds: 30 });
    expect(plan.steps.map((step) => [step.atSeconds, step.scalePercent, step.remainingTasks])).toEqual([
      [0, 85, 6],
      [30, 57, 4],
      [60, 28, 2],
      [90, 0, 0],
    ]);
    expect(plan.totalSeconds).toBe(90);
  });

  it('counts do not slip with percents that are inexact in binary', () => {
    // Exactly 47.84 % is left after one step: 625 * 0.4784 = 299 tasks. In floating point,
    // 625 * (100 - 52.16) / 100 is 299.00000000000006, which would keep 300.
    expect(Math.ceil((625 * (100 - 52.16)) / 100)).toBe(300);
    const plan = planScaledown({ desiredCount: 625, decrementPercent: 52.16 });
    expect(remaining(plan)).toEqual([299, 0]);
    expectValidPlan(plan, 625, 625, 60);
  });

  it('intervalSeconds 0 puts every step at 0', () => {
    const plan = planScaledown({ desiredCount: 4, intervalSeconds: 0 });
    expect(plan.steps.map((step) => step.atSeconds)).toEqual([0, 0, 0, 0]);
    expect(plan.totalSeconds).toBe(0);
  });

  it('plans desiredCount 100,000 quickly, even one task per step', () => {
    const started = performance.now();
    expect(planScaledown({ desiredCount: 100_000, decrementPercent: 25 }).steps).toHaveLength(4);
    expect(planScaledown({ desiredCount: 100_000, decrementPercent: 0.001 }).steps).toHaveLength(100_000);
    expect(planScaledown({ desiredCount: 100_000, decrementTasks: 1 }).steps).toHaveLength(100_000);
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('planScaledown: task mode', () => {
  it('removes decrementTasks per step, the last step the remainder', () => {
    const plan = planScaledown({ desiredCount: 10, decrementTasks: 3, intervalSeconds: 45 });
    expect(remaining(plan)).toEqual([7, 4, 1, 0]);
    expect(removed(plan)).toEqual([3, 3, 3, 1]);
    expect(plan.totalSeconds).toBe(135);
    expectValidPlan(plan, 10, 10, 45);
  });

  it('decrementTasks above desiredCount removes everything in one step', () => {
    expect(planScaledown({ desiredCount: 3, decrementTasks: 5 }).steps).toEqual([
      { index: 1, atSeconds: 0, scalePercent: 0, remainingTasks: 0, removedTasks: 3 },
    ]);
  });
});

describe('planScaledown: window mode (the default)', () => {
  it('spreads one task per step over the 25 %/60 s plan’s length, never longer, steps >= 5 s apart', () => {
    const shape = (desiredCount: number) => {
      const plan = planScaledown({ desiredCount });
      return [plan.stepCount, plan.intervalSeconds, plan.totalSeconds, plan.step(1)?.removedTasks];
    };
    expect(shape(1)).toEqual([1, 0, 0, 1]);
    expect(shape(2)).toEqual([2, 60, 60, 1]);
    expect(shape(4)).toEqual([4, 60, 180, 1]);
    expect(shape(20)).toEqual([20, 9, 171, 1]);
    expect(shape(100)).toEqual([34, 5, 165, 3]);
    expect(shape(1000)).toEqual([36, 5, 175, 28]);
    for (const desiredCount of [1, 2, 3, 4, 5, 7, 20, 36, 37, 38, 100, 999, 5000]) {
      const plan = planScaledown({ desiredCount });
      const percent = planScaledown({ desiredCount, decrementPercent: 25, intervalSeconds: 60 });
      expect(plan.totalSeconds).toBeLessThanOrEqual(percent.totalSeconds);
      if (plan.stepCount > 1) expect(plan.intervalSeconds).toBeGreaterThanOrEqual(5);
      expectValidPlan(plan, desiredCount, desiredCount, plan.intervalSeconds);
    }
  });

  it('takes an explicit terminationWindowSeconds; shorter than 5 s is one step', () => {
    const plan = planScaledown({ desiredCount: 10, terminationWindowSeconds: 90 });
    expect(remaining(plan)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);
    expect(plan.intervalSeconds).toBe(10);
    expect(plan.totalSeconds).toBe(90);
    expect(planScaledown({ desiredCount: 10, terminationWindowSeconds: 4 }).steps).toEqual([
      { index: 1, atSeconds: 0, scalePercent: 0, remainingTasks: 0, removedTasks: 10 },
    ]);
  });

  it('resumes on the tail of the fresh plan, with its step size and interval', () => {
    const plan = planScaledown({ desiredCount: 100, currentTasks: 50 });
    expect(plan.intervalSeconds).toBe(5);
    expect(remaining(plan).slice(0, 3)).toEqual([49, 46, 43]);
    expectValidPlan(plan, 100, 50, 5);
  });

  it('a schedule field other than the reconnection model chooses another mode', () => {
    expect(planScaledown({ desiredCount: 10, intervalSeconds: 60 }).stepCount).toBe(4);
    expect(
      planScaledown({ desiredCount: 10, connectionsPerTask: 10, reconnectSpreadSeconds: 5 }).stepCount,
    ).toBe(10);
  });

  it('refuses terminationWindowSeconds with another schedule, naming both fields', () => {
    for (const field of ['decrementPercent', 'decrementTasks', 'intervalSeconds'] as const) {
      expectInvalid(
        { desiredCount: 4, terminationWindowSeconds: 60, [field]: 1 },
        'terminationWindowSeconds',
        `cannot be combined with ${field}`,
      );
    }
    expectInvalid(
      {
        desiredCount: 4,
        terminationWindowSeconds: 60,
        maxNewConnectionsPerSecond: 100,
        connectionsPerTask: 10,
        reconnectSpreadSeconds: 5,
      },
      'terminationWindowSeconds',
      'cannot be combined with maxNewConnectionsPerSecond',
    );
    for (const bad of [0, -1, 86_401, Number.NaN]) {
      expectInvalid(
        { desiredCount: 4, terminationWindowSeconds: bad },
        'terminationWindowSeconds',
        '<= 86400',
      );
    }
  });
});

describe('planScaledown: resuming with currentTasks', () => {
  it('keeps the tail of the fresh plan, re-indexed from 1 and re-timed from 0', () => {
    expect(remaining(planScaledown({ desiredCount: 10, decrementPercent: 25 }))).toEqual([8, 5, 3, 0]);
    const plan = planScaledown({ desiredCount: 10, decrementPercent: 25, currentTasks: 6 });
    expect(plan.steps).toEqual([
      { index: 1, atSeconds: 0, scalePercent: 50, remainingTasks: 5, removedTasks: 1 },
      { index: 2, atSeconds: 60, scalePercent: 30, remainingTasks: 3, removedTasks: 2 },
      { index: 3, atSeconds: 120, scalePercent: 0, remainingTasks: 0, removedTasks: 3 },
    ]);
  });

  it('resumes on a target of the fresh plan without a zero-task step', () => {
    expect(remaining(planScaledown({ desiredCount: 10, decrementPercent: 25, currentTasks: 5 }))).toEqual([
      3, 0,
    ]);
    expect(removed(planScaledown({ desiredCount: 10, decrementTasks: 3, currentTasks: 5 }))).toEqual([
      1, 3, 1,
    ]);
  });

  it('currentTasks 0 gives an empty plan; currentTasks = desiredCount the fresh plan', () => {
    expect(planScaledown({ desiredCount: 5, decrementPercent: 25, currentTasks: 0 })).toEqual({
      steps: [],
      totalSeconds: 0,
      intervalSeconds: 60,
    });
    expect(planScaledown({ desiredCount: 9, currentTasks: 9 })).toEqual(planScaledown({ desiredCount: 9 }));
  });
});

describe('planScaledown: predicted reconnection peak', () => {
  const model = { connectionsPerTask: 100, reconnectSpreadSeconds: 30 };

  it('adds the rates of overlapping windows', () => {
    // One task every 10 s with a 30 s spread: 3 windows overlap, 3 * 100 / 30 = 10 per second.
    const plan = planScaledown({ desiredCount: 4, decrementTasks: 1, intervalSeconds: 10, ...model });
    expect(plan.predictedPeakNewConnectionsPerSecond).toBe(10);
    // Windows are half-open: steps one spread apart do not overlap.
    expect(
      planScaledown({ desiredCount: 4, decrementTasks: 1, intervalSeconds: 30, ...model })
        .predictedPeakNewConnectionsPerSecond,
    ).toBe(100 / 30);
    // All at once: every client reconnects within the same window.
    expect(
      planScaledown({ desiredCount: 4, decrementTasks: 1, intervalSeconds: 0, ...model })
        .predictedPeakNewConnectionsPerSecond,
    ).toBe(400 / 30);
  });

  it('is 0 for an empty plan', () => {
    expect(
      planScaledown({ desiredCount: 4, currentTasks: 0, ...model }).predictedPeakNewConnectionsPerSecond,
    ).toBe(0);
  });
});

describe('planScaledown: drop-lag slack (budget mode)', () => {
  const budget = {
    desiredCount: 20,
    connectionsPerTask: 500,
    reconnectSpreadSeconds: 5,
    maxNewConnectionsPerSecond: 200,
  };

  it('adds the slack (default 5 s) to the chosen interval, and every figure includes it', () => {
    const bare = planScaledown({ ...budget, dropLagSpreadSeconds: 0 });
    const plan = planScaledown(budget);
    expect(bare.dropLagSlackSeconds).toBe(0);
    expect(plan.dropLagSlackSeconds).toBe(5);
    expect(plan.intervalSeconds).toBe(bare.intervalSeconds + 5);
    expect(plan.stepCount).toBe(bare.stepCount);
    expect(plan.totalSeconds).toBe(bare.totalSeconds + 5 * (bare.stepCount - 1));
    expect(plan.drainSeconds).toBe((bare.drainSeconds ?? 0) + 5 * (bare.stepCount - 1));
    expect(planScaledown({ ...budget, dropLagSpreadSeconds: 2.5 }).intervalSeconds).toBe(
      bare.intervalSeconds + 2.5,
    );
  });

  it('a resumed plan keeps the slack', () => {
    const plan = planScaledown({ ...budget, currentTasks: 7 });
    expect(plan.intervalSeconds).toBe(planScaledown(budget).intervalSeconds);
    expect(plan.dropLagSlackSeconds).toBe(5);
  });

  it.each([-1, 121, Number.NaN])('refuses dropLagSpreadSeconds %s, naming the range', (value) => {
    expect(() => planScaledown({ ...budget, dropLagSpreadSeconds: value })).toThrow(
      /dropLagSpreadSeconds.*>= 0 and <= 120/,
    );
  });

  it('refuses dropLagSpreadSeconds outside budget mode, naming the mode the schedule is in', () => {
    expect(() => planScaledown({ desiredCount: 4, dropLagSpreadSeconds: 5 })).toThrow(
      /dropLagSpreadSeconds.*applies only in budget mode, and this schedule is in window mode/,
    );
    expect(() => planScaledown({ desiredCount: 4, decrementPercent: 25, dropLagSpreadSeconds: 5 })).toThrow(
      /in percent mode/,
    );
  });

  it('window and percent modes carry no slack', () => {
    expect(planScaledown({ desiredCount: 4 }).dropLagSlackSeconds).toBeUndefined();
    expect(planScaledown({ desiredCount: 4, intervalSeconds: 60 }).dropLagSlackSeconds).toBeUndefined();
  });
});

describe('planScaledown: budget mode', () => {
  // 20 tasks x 500 clients reconnecting over 5 s: one task is Bin(500, 1/5) a second, 100 on average.
  const twenty = { desiredCount: 20, connectionsPerTask: 500, reconnectSpreadSeconds: 5 };

  it('chooses the fastest schedule whose chance of any second over the budget is within the confidence', () => {
    // Two tasks a step would average 200/s, the whole budget, and exceed it in most runs: one task per 5 s.
    const plan = planScaledown({
      ...twenty,
      maxNewConnectionsPerSecond: 200,
      connectionsPerTaskP95: 500,
      dropLagSpreadSeconds: 0,
    });
    expect(removed(plan)).toEqual(Array(20).fill(1));
    expect(plan.intervalSeconds).toBe(5);
    expect(plan.totalSeconds).toBe(95);
    expect(plan.chanceOfExceedingBudget).toBeLessThanOrEqual(0.05);
    expect(plan.predictedP99NewConnectionsPerSecond).toBe(135);
    expect(plan.drainSeconds).toBe(100);
    // The expected-rate schedule (2 tasks per 5 s) drained in 50 s: the confidence costs 50 s here.
    expect(plan.expectedRateDrainSeconds).toBe(50);
    expectValidPlan(plan, 20, 20, 5);
  });

  it('plans with connectionsPerTask x 1.5 unless told the p95, so it is no faster', () => {
    const mean = planScaledown({ ...twenty, maxNewConnectionsPerSecond: 400, connectionsPerTaskP95: 500 });
    const fallback = planScaledown({ ...twenty, maxNewConnectionsPerSecond: 400 });
    expect(fallback.totalSeconds).toBeGreaterThan(mean.totalSeconds);
    const p95 = planScaledown({ ...twenty, maxNewConnectionsPerSecond: 400, connectionsPerTaskP95: 750 });
    expect(p95.steps).toEqual(fallback.steps);
  });

  it('a looser confidence is never slower', () => {
    const strict = planScaledown({ ...twenty, maxNewConnectionsPerSecond: 300, budgetConfidence: 0.001 });
    const loose = planScaledown({ ...twenty, maxNewConnectionsPerSecond: 300, budgetConfidence: 0.5 });
    expect(loose.totalSeconds).toBeLessThanOrEqual(strict.totalSeconds);
    expect(strict.chanceOfExceedingBudget).toBeLessThanOrEqual(0.001);
  });

  it('removes everything at once when the budget allows it', () => {
    const plan = planScaledown({
      desiredCount: 5,
      connectionsPerTask: 10,
      connectionsPerTaskP95: 10,
      reconnectSpreadSeconds: 10,
      maxNewConnectionsPerSecond: 50,
    });
    expect(plan.steps).toEqual([
      { index: 1, atSeconds: 0, scalePercent: 0, remainingTasks: 0, removedTasks: 5 },
    ]);
    expect(plan.totalSeconds).toBe(0);
    expect(plan.chanceOfExceedingBudget).toBe(0);
  });

  it('says plainly when a single task already exceeds the budget', () => {
    expectInvalid(
      { desiredCount: 5, connectionsPerTask: 600, reconnectSpreadSeconds: 60, maxNewConnectionsPerSecond: 9 },
      'maxNewConnectionsPerSecond',
      'a single task already exceeds the budget',
      'its 900 connections',
      'budgetConfidence 5 %',
    );
  });

  it('says so when every task alone is within it but the number of steps is not', () => {
    expectInvalid(
      { ...twenty, connectionsPerTaskP95: 500, maxNewConnectionsPerSecond: 125 },
      'maxNewConnectionsPerSecond',
      'cannot be met with budgetConfidence 5 %',
      '20 steps',
    );
  });

  it('resuming keeps the original step size and interval', () => {
    const options = { ...twenty, maxNewConnectionsPerSecond: 400, connectionsPerTaskP95: 500 };
    const fresh = planScaledown(options);
    const plan = planScaledown({ ...options, currentTasks: 5 });
    expect(plan.intervalSeconds).toBe(fresh.intervalSeconds);
    expect(remaining(plan)).toEqual(remaining(fresh).filter((n) => n < 5));
  });

  it('validates budgetConfidence and connectionsPerTaskP95', () => {
    const budget = { ...twenty, maxNewConnectionsPerSecond: 300 };
    for (const value of [0, 1, -0.1, Number.NaN]) {
      expectInvalid({ ...budget, budgetConfidence: value }, 'budgetConfidence', 'a number in (0, 1)');
    }
    expectInvalid(
      { ...budget, connectionsPerTaskP95: 400 },
      'connectionsPerTaskP95',
      'at least connectionsPerTask (500)',
    );
    expectInvalid({ ...budget, connectionsPerTaskP95: 0 }, 'connectionsPerTaskP95', 'got 0');
    expectInvalid(
      { desiredCount: 4, budgetConfidence: 0.1 },
      'budgetConfidence',
      'applies only in budget mode',
    );
    expectInvalid(
      { ...twenty, connectionsPerTaskP95: 600 },
      'connectionsPerTaskP95',
      'applies only in budget mode',
    );
  });
});

function expectInvalid(options: PlanScaledownOptions, field: string, ...fragments: string[]) {
  let error: unknown;
  try {
    planScaledown(options);
  } catch (caught) {
    error = caught;
  }
  expect(error).toBeInstanceOf(InputValidationError);
  expect((error as InputValidationError).field).toBe(field);
  expect((error as InputValidationError).message).toMatch(new RegExp(`^${field}: `));
  for (const fragment of fragments) expect((error as InputValidationError).message).toContain(fragment);
}

describe('planScaledown: validation', () => {
  it('names the allowed range and the fix', () => {
    expect(() => planScaledown({ desiredCount: 4, decrementPercent: 0 })).toThrow(
      'decrementPercent: must be a number in (0, 100], got 0; use e.g. 25 to remove a quarter of the tasks per step',
    );
  });

  const bad = (value: unknown) => value as number;
  const model = { connectionsPerTask: 10, reconnectSpreadSeconds: 10 };
  it.each<[string, PlanScaledownOptions, string, string]>([
    ['desiredCount 0', { desiredCount: 0 }, 'desiredCount', 'integer in [1, 1000000]'],
    ['desiredCount too large', { desiredCount: 1_000_001 }, 'desiredCount', 'got 1000001'],
    ['desiredCount negative', { desiredCount: -2 }, 'desiredCount', 'got -2'],
    ['desiredCount fractional', { desiredCount: 2.5 }, 'desiredCount', 'got 2.5'],
    ['desiredCount NaN', { desiredCount: Number.NaN }, 'desiredCount', 'got NaN'],
    ['desiredCount a string', { desiredCount: bad('2') }, 'desiredCount', 'got "2"'],
    ['currentTasks negative', { desiredCount: 4, currentTasks: -1 }, 'currentTasks', '[0, 4]'],
    ['currentTasks above desiredCount', { desiredCount: 4, currentTasks: 5 }, 'currentTasks', 'got 5'],
    ['currentTasks fractional', { desiredCount: 4, currentTasks: 1.5 }, 'currentTasks', 'got 1.5'],
    [
      'decrementPercent above 100',
      { desiredCount: 4, decrementPercent: 100.5 },
      'decrementPercent',
      '(0, 100]',
    ],
    ['decrementPercent negative', { desiredCount: 4, decrementPercent: -25 }, 'decrementPercent', 'got -25'],
    [
      'decrementPercent NaN',
      { desiredCount: 4, decrementPercent: Number.NaN },
      'decrementPercent',
      'got NaN',
    ],
    [
      'decrementPercent Infinity',
      { desiredCount: 4, decrementPercent: Number.POSITIVE_INFINITY },
      'decrementPercent',
      'got Infinity',
    ],
    ['decrementTasks 0', { desiredCount: 4, decrementTasks: 0 }, 'decrementTasks', 'integer >= 1'],
    ['decrementTasks fractional', { desiredCount: 4, decrementTasks: 1.5 }, 'decrementTasks', 'got 1.5'],
    ['decrementTasks negative', { desiredCount: 4, decrementTasks: -1 }, 'decrementTasks', 'got -1'],
    [
      'both decrements',
      { desiredCount: 4, decrementTasks: 1, decrementPercent: 25 },
      'decrementTasks',
      'only one',
    ],
    ['intervalSeconds negative', { desiredCount: 4, intervalSeconds: -1 }, 'intervalSeconds', '>= 0'],
    ['intervalSeconds NaN', { desiredCount: 4, intervalSeconds: Number.NaN }, 'intervalSeconds', 'got NaN'],
    [
      'intervalSeconds Infinity',
      { desiredCount: 4, intervalSeconds: Number.POSITIVE_INFINITY },
      'intervalSeconds',
      'finite',
    ],
    [
      'connectionsPerTask 0',
      { desiredCount: 4, ...model, connectionsPerTask: 0 },
      'connectionsPerTask',
      '> 0',
    ],
    [
      'reconnectSpreadSeconds Infinity',
      { desiredCount: 4, ...model, reconnectSpreadSeconds: Number.POSITIVE_INFINITY },
      'reconnectSpreadSeconds',
      'finite',
    ],
    [
      'maxNewConnectionsPerSecond negative',
      { desiredCount: 4, ...model, maxNewConnectionsPerSecond: -1 },
      'maxNewConnectionsPerSecond',
      'got -1',
    ],
    [
      'budget without reconnectSpreadSeconds',
      { desiredCount: 4, connectionsPerTask: 10, maxNewConnectionsPerSecond: 5 },
      'reconnectSpreadSeconds',
      'budget mode',
    ],
    [
      'budget without connectionsPerTask',
      { desiredCount: 4, reconnectSpreadSeconds: 10, maxNewConnectionsPerSecond: 5 },
      'connectionsPerTask',
      'budget mode',
    ],
    [
      'connectionsPerTask alone',
      { desiredCount: 4, connectionsPerTask: 10 },
      'reconnectSpreadSeconds',
      'predict',
    ],
    [
      'reconnectSpreadSeconds alone',
      { desiredCount: 4, reconnectSpreadSeconds: 10 },
      'connectionsPerTask',
      'predict',
    ],
    [
      'budget with decrementPercent',
      { desiredCount: 4, ...model, maxNewConnectionsPerSecond: 5, decrementPercent: 25 },
      'decrementPercent',
      'maxNewConnectionsPerSecond',
    ],
    [
      'budget with decrementTasks',
      { desiredCount: 4, ...model, maxNewConnectionsPerSecond: 5, decrementTasks: 1 },
      'decrementTasks',
      'maxNewConnectionsPerSecond',
    ],
    [
      'budget with intervalSeconds',
      { desiredCount: 4, ...model, maxNewConnectionsPerSecond: 5, intervalSeconds: 60 },
      'intervalSeconds',
      'chooses',
    ],
  ])('rejects %s', (_name, options, field, fragment) => {
    expectInvalid(options, field, fragment);
  });

  describe('upper bounds', () => {
    /** Each schedule field with options it is valid in, its largest value and the range it names. */
    const bounded: [keyof PlanScaledownOptions, PlanScaledownOptions, number, string][] = [
      ['intervalSeconds', { desiredCount: 4 }, 3600, 'a finite number >= 0 and <= 3600 (1 h)'],
      ['reconnectSpreadSeconds', { desiredCount: 4, connectionsPerTask: 1 }, 3600, '> 0 and <= 3600 (1 h)'],
      ['connectionsPerTask', { desiredCount: 4, reconnectSpreadSeconds: 3600 }, 1e7, '> 0 and <= 10000000'],
      [
        'maxNewConnectionsPerSecond',
        { desiredCount: 4, connectionsPerTask: 1, reconnectSpreadSeconds: 1 },
        1e9,
        '> 0 and <= 1000000000',
      ],
      ['decrementTasks', { desiredCount: 4 }, 1_000_000, 'an integer >= 1 and <= 1000000'],
    ];

    it.each(bounded)('accepts %s at its bound', (field, base, max) => {
      expect(() => planScaledown({ ...base, [field]: max })).not.toThrow();
    });

    it.each(
      bounded.flatMap(([field, base, max, range]) =>
        [max + 1, 3e6, 1e308, Number.MAX_VALUE, Number.POSITIVE_INFINITY, Number.NaN]
          .filter((value) => value > max || Number.isNaN(value))
          .map((value) => [field, value, base, range] as const),
      ),
    )('rejects %s %d with the range and the fix', (field, value, base, range) => {
      expectInvalid({ ...base, [field]: value }, field, `got ${value}`, range, 'e.g.');
    });

    it('rejects intervalSeconds 3601 and 1e308 with the whole message', () => {
      expect(() => planScaledown({ desiredCount: 4, intervalSeconds: 3601 })).toThrow(
        'intervalSeconds: must be a finite number >= 0 and <= 3600 (1 h), got 3601; use e.g. 60 for one step a minute',
      );
      expectInvalid({ desiredCount: 4, intervalSeconds: 1e308 }, 'intervalSeconds', 'got 1e+308');
    });

    it('keeps desiredCount up to MAX_DESIRED_COUNT: the ECS quota is the input’s, not the planner’s', () => {
      expect(planScaledown({ desiredCount: MAX_DESIRED_COUNT, decrementPercent: 25 }).steps).toHaveLength(4);
      expect(planScaledown({ desiredCount: MAX_DESIRED_COUNT }).stepCount).toBe(37);
      expectInvalid({ desiredCount: 3e6 }, 'desiredCount', 'integer in [1, 1000000]', 'got 3000000');
      expectInvalid({ desiredCount: 1e308 }, 'desiredCount', 'got 1e+308');
    });

    it('budget mode with the longest spread picks an interval of at most an hour', () => {
      // One client per task: a second exceeds 1 only if two clients land in it (a birthday problem).
      const plan = planScaledown({
        desiredCount: 40,
        connectionsPerTask: 1,
        connectionsPerTaskP95: 1,
        reconnectSpreadSeconds: 3600,
        maxNewConnectionsPerSecond: 1,
        budgetConfidence: 0.001,
      });
      expect(plan.stepCount).toBeGreaterThan(1);
      expect(plan.intervalSeconds).toBeLessThanOrEqual(3600);
      expect(plan.chanceOfExceedingBudget).toBeLessThanOrEqual(0.001);
    });
  });
});

const desiredAndCurrent = fc.integer({ min: 1, max: 5000 }).chain((desiredCount) =>
  fc.record({
    desiredCount: fc.constant(desiredCount),
    currentTasks: fc.integer({ min: 0, max: desiredCount }),
  }),
);
const anyInterval = fc.oneof(
  fc.constantFrom(0, 1, 60),
  fc.integer({ min: 0, max: 3600 }),
  fc.double({ min: 0, max: 3600, noNaN: true }),
);
const anyPercent = fc.oneof(
  fc.constantFrom(33.333333333333336, 66.66666666666667, 33.33, 66.67, 12.5, 0.1, 99.9, 100, 1e-7, 5e-324),
  fc.integer({ min: 1, max: 100 }),
  fc.double({ min: 0, max: 100, minExcluded: true, noNaN: true }),
);

describe('planScaledown: properties', () => {
  it('percent mode keeps every invariant for any percent in (0, 100]', () => {
    fc.assert(
      fc.property(
        desiredAndCurrent,
        anyPercent,
        anyInterval,
        ({ desiredCount, currentTasks }, pct, interval) => {
          const plan = planScaledown({
            desiredCount,
            currentTasks,
            decrementPercent: pct,
            intervalSeconds: interval,
          });
          expectValidPlan(plan, desiredCount, currentTasks, interval);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('percent mode hits exactly the counts of ceil(d * max(0, 100 - k * p) / 100), skipping no-op steps', () => {
    // Percents with two decimals, checked against integer arithmetic (p = hundredths / 100).
    fc.assert(
      fc.property(
        desiredAndCurrent,
        fc.integer({ min: 1, max: 10_000 }),
        ({ desiredCount, currentTasks }, hundredths) => {
          const plan = planScaledown({ desiredCount, currentTasks, decrementPercent: hundredths / 100 });
          const counts: number[] = [];
          for (let k = 1; k <= Math.ceil(10_000 / hundredths); k++) {
            const left = Math.max(0, 10_000 - k * hundredths);
            counts.push(Math.floor((desiredCount * left + 9_999) / 10_000));
          }
          expect(remaining(plan)).toEqual(targetsBelow(counts, currentTasks));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('task mode keeps every invariant and removes decrementTasks per step from desiredCount', () => {
    const input = desiredAndCurrent.chain((counts) =>
      fc.record({
        desiredCount: fc.constant(counts.desiredCount),
        currentTasks: fc.constant(counts.currentTasks),
        decrementTasks: fc.integer({ min: 1, max: counts.desiredCount }),
      }),
    );
    fc.assert(
      fc.property(input, anyInterval, ({ desiredCount, currentTasks, decrementTasks }, interval) => {
        const plan = planScaledown({ desiredCount, currentTasks, decrementTasks, intervalSeconds: interval });
        expectValidPlan(plan, desiredCount, currentTasks, interval);
        const counts = Array.from({ length: Math.ceil(desiredCount / decrementTasks) }, (_, i) =>
          Math.max(0, desiredCount - (i + 1) * decrementTasks),
        );
        expect(remaining(plan)).toEqual(targetsBelow(counts, currentTasks));
        expect(plan.steps.slice(1).every((step) => step.removedTasks <= decrementTasks)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('the predicted peak matches a simulation of the reconnect windows', () => {
    fc.assert(
      fc.property(
        desiredAndCurrent.filter(({ desiredCount }) => desiredCount <= 300),
        anyPercent.filter((pct) => pct >= 1),
        fc.integer({ min: 0, max: 120 }),
        fc.double({ min: 0.01, max: 10_000, noNaN: true }),
        fc.double({ min: 0.1, max: 600, noNaN: true }),
        ({ desiredCount, currentTasks }, pct, interval, connectionsPerTask, reconnectSpreadSeconds) => {
          const plan = planScaledown({
            desiredCount,
            currentTasks,
            decrementPercent: pct,
            intervalSeconds: interval,
            connectionsPerTask,
            reconnectSpreadSeconds,
          });
          expect(plan.predictedPeakNewConnectionsPerSecond).toBe(
            simulatedPeak(plan.steps, connectionsPerTask, reconnectSpreadSeconds),
          );
        },
      ),
      { numRuns: 200 },
    );
  });

  it('budget mode meets its confidence (or says why it cannot) and keeps every invariant', () => {
    fc.assert(
      fc.property(
        desiredAndCurrent.filter(({ desiredCount }) => desiredCount <= 500),
        fc.double({ min: 0.1, max: 10_000, noNaN: true }),
        fc.double({ min: 0.1, max: 120, noNaN: true }),
        fc.double({ min: 1, max: 3000, noNaN: true }),
        ({ desiredCount, currentTasks }, connectionsPerTask, reconnectSpreadSeconds, headroom) => {
          const maxNewConnectionsPerSecond = (connectionsPerTask / reconnectSpreadSeconds) * headroom;
          let plan: ScaledownPlan;
          try {
            plan = planScaledown({
              desiredCount,
              currentTasks,
              connectionsPerTask,
              reconnectSpreadSeconds,
              maxNewConnectionsPerSecond,
            });
          } catch (error) {
            expect(error).toBeInstanceOf(InputValidationError);
            expect((error as InputValidationError).field).toBe('maxNewConnectionsPerSecond');
            return;
          }
          expectValidPlan(plan, desiredCount, currentTasks, plan.intervalSeconds);
          expect(Number.isInteger(plan.intervalSeconds)).toBe(true);
          expect(plan.intervalSeconds).toBeLessThanOrEqual(3600);
          if (currentTasks === desiredCount) expect(plan.chanceOfExceedingBudget).toBeLessThanOrEqual(0.05);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('budget mode is the fastest: no (tasks per step, whole-second interval) pair within the confidence is shorter', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 16 }),
        fc.integer({ min: 1, max: 200 }),
        fc.oneof(fc.integer({ min: 1, max: 12 }), fc.double({ min: 0.2, max: 12, noNaN: true })),
        fc.double({ min: 1, max: 20, noNaN: true }),
        (desiredCount, connectionsPerTask, spread, headroom) => {
          const budget = (connectionsPerTask / spread) * headroom;
          let plan: ScaledownPlan;
          try {
            plan = planScaledown({
              desiredCount,
              connectionsPerTask,
              connectionsPerTaskP95: connectionsPerTask,
              reconnectSpreadSeconds: spread,
              maxNewConnectionsPerSecond: budget,
              dropLagSpreadSeconds: 0,
            });
          } catch {
            return;
          }
          const model = {
            connectionsPerTask,
            reconnect: { kind: 'uniform', spreadSeconds: spread },
            budget,
          } as const;
          for (let perStep = 1; perStep <= desiredCount; perStep++) {
            const stepCount = Math.ceil(desiredCount / perStep);
            for (let interval = stepCount === 1 ? 0 : 1; interval <= Math.ceil(spread) + 1; interval++) {
              const schedule = {
                tasksPerStep: perStep,
                intervalSeconds: interval,
                stepCount,
                lastStepTasks: desiredCount - (stepCount - 1) * perStep,
              };
              if (chanceOfExceeding(schedule, model) <= 0.05) {
                expect(plan.totalSeconds).toBeLessThanOrEqual((stepCount - 1) * interval);
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
