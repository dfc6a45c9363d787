import { describe, expect, it } from 'vitest';
import {
  arrivalBins,
  binomialTail,
  budgetConnectionsPerTask,
  chanceOfExceeding,
  chooseBudgetSchedule,
  delayCdf,
  predictArrivals,
  type ReconnectBehaviour,
} from '../../src/plan/arrival-model';

const spread = (spreadSeconds: number): ReconnectBehaviour => ({ kind: 'uniform', spreadSeconds });
const one = { tasksPerStep: 1, intervalSeconds: 0, stepCount: 1 };

describe('binomialTail', () => {
  it('is the exact binomial tail when mean and variance are those of a binomial: Bin(10, 1/2)', () => {
    expect(binomialTail(5, 2.5, 6)).toBeCloseTo(176 / 1024, 12); // P(X >= 7)
    expect(binomialTail(5, 2.5, 3)).toBeCloseTo(848 / 1024, 12); // 1 - P(X <= 3)
    expect(binomialTail(5, 2.5, 6.5)).toBeCloseTo(176 / 1024, 12); // X > 6.5 <=> X >= 7
    expect(binomialTail(5, 2.5, 10)).toBe(0);
    expect(binomialTail(5, 2.5, -1)).toBe(1);
  });

  it('treats a count without variance as its mean, and nothing as nothing', () => {
    expect(binomialTail(7, 0, 6)).toBe(1);
    expect(binomialTail(7, 0, 7)).toBe(0);
    expect(binomialTail(0, 0, 0)).toBe(0);
  });
});

describe('arrivalBins', () => {
  it('one task of 10 clients, spread 2 s, dropped on a whole second: two bins of Bin(10, 1/2)', () => {
    const bins = arrivalBins(one, 10, delayCdf(spread(2)), 0);
    expect(bins).toEqual([
      { second: 0, mean: 5, variance: 2.5, count: 1 },
      { second: 1, mean: 5, variance: 2.5, count: 1 },
    ]);
  });

  it('dropped half a second in: shares 1/4, 1/2, 1/4 over three bins', () => {
    const bins = arrivalBins(one, 10, delayCdf(spread(2)), 0.5);
    expect(bins.map((b) => [b.second, b.mean, b.variance])).toEqual([
      [0, 2.5, 1.875],
      [1, 5, 2.5],
      [2, 2.5, 1.875],
    ]);
  });

  it('a long schedule is summarised by its ramps and one repeating period, and keeps every connection', () => {
    const schedule = { tasksPerStep: 2, intervalSeconds: 3, stepCount: 20 };
    const bins = arrivalBins(schedule, 10, delayCdf(spread(5)), 0);
    expect(bins.length).toBeLessThan(20);
    const total = bins.reduce((sum, b) => sum + b.count * b.mean, 0);
    expect(total).toBeCloseTo(400, 9);
    expect(bins.reduce((sum, b) => sum + b.count, 0)).toBe(19 * 3 + 5);
  });

  it('a histogram of delays and the first attempt of full-jitter backoff are the same as the matching uniform', () => {
    const uniform = arrivalBins(one, 10, delayCdf(spread(2)), 0.25);
    expect(
      arrivalBins(one, 10, delayCdf({ kind: 'histogram', bucketSeconds: 1, counts: [3, 3] }), 0.25),
    ).toEqual(uniform);
    const capped = delayCdf({ kind: 'exponential', baseSeconds: 5, capSeconds: 2 });
    expect(arrivalBins(one, 10, capped, 0.25)).toEqual(uniform);
  });

  it('a histogram puts each bucket where it was measured', () => {
    const cdf = delayCdf({ kind: 'histogram', bucketSeconds: 1, counts: [1, 0, 3] });
    expect(arrivalBins(one, 8, cdf, 0).map((b) => b.mean)).toEqual([2, 0, 6]);
  });
});

describe('predictArrivals', () => {
  it('two one-task steps 1 s apart, spread 2 s: the middle second is Bin(20, 1/2)', () => {
    const p = predictArrivals(
      { tasksPerStep: 1, intervalSeconds: 1, stepCount: 2 },
      { connectionsPerTask: 10, reconnect: spread(2), budget: 12, phases: [0] },
    );
    expect(p.expectedPeakPerSecond).toBe(10);
    expect(p.chanceOfExceedingBudget).toBeCloseTo(137980 / 1048576, 12); // P(Bin(20, 1/2) >= 13)
    expect(p.drainSeconds).toBe(3);
  });

  it('combines the seconds as independent: 1 - (1 - p)^2 for two seconds of one drop', () => {
    const p = predictArrivals(one, { connectionsPerTask: 10, reconnect: spread(2), budget: 6, phases: [0] });
    expect(p.chanceOfExceedingBudget).toBeCloseTo(1 - (1 - 176 / 1024) ** 2, 12);
  });

  it('gives the busiest second p99 as the smallest whole count exceeded with at most 1 % chance', () => {
    const p = predictArrivals(one, { connectionsPerTask: 10, reconnect: spread(2), phases: [0] });
    // P(Bin(10, 1/2) >= 10) = 1/1024, twice: 0.2 %; >= 9: 11/1024 per second, 2.1 % for two.
    expect(p.p99PeakPerSecond).toBe(9);
    expect(p.chanceOfExceedingBudget).toBeUndefined();
  });

  it('takes the worst of the phases', () => {
    const options = { connectionsPerTask: 10, reconnect: spread(2), budget: 6 };
    const at0 = chanceOfExceeding(one, { ...options, phases: [0] });
    const atHalf = chanceOfExceeding(one, { ...options, phases: [0.5] });
    expect(chanceOfExceeding(one, options)).toBe(
      Math.max(at0, atHalf, ...[0.25, 0.75].map((p) => chanceOfExceeding(one, { ...options, phases: [p] }))),
    );
  });
});

describe('monotonicity', () => {
  const base = { connectionsPerTask: 500, reconnect: spread(5) };
  const schedule = { tasksPerStep: 1, intervalSeconds: 3, stepCount: 20 };

  it('the chance of exceeding falls as the budget rises', () => {
    const chances = [180, 200, 220, 240, 260].map((budget) =>
      chanceOfExceeding(schedule, { ...base, budget }),
    );
    for (let i = 1; i < chances.length; i++) expect(chances[i]).toBeLessThan(chances[i - 1] as number);
  });

  it('the chance of exceeding rises with the connections per task', () => {
    const chances = [400, 450, 500, 550].map((c) =>
      chanceOfExceeding(schedule, { ...base, connectionsPerTask: c, budget: 230 }),
    );
    for (let i = 1; i < chances.length; i++) expect(chances[i]).toBeGreaterThan(chances[i - 1] as number);
  });

  it('the chance of exceeding does not rise with the interval', () => {
    const chances = [1, 2, 3, 4, 5, 6].map((interval) =>
      chanceOfExceeding({ ...schedule, intervalSeconds: interval }, { ...base, budget: 130 }),
    );
    for (let i = 1; i < chances.length; i++) expect(chances[i]).toBeLessThanOrEqual(chances[i - 1] as number);
  });

  it('the chosen drain time does not fall as the confidence tightens or the connections grow', () => {
    const drain = (budgetConfidence: number, connectionsPerTask = 500) =>
      chooseBudgetSchedule({
        totalTasks: 40,
        maxNewConnectionsPerSecond: 400,
        connectionsPerTask,
        reconnect: spread(5),
        budgetConfidence,
      }).schedule.prediction.drainSeconds;
    const byConfidence = [0.5, 0.2, 0.05, 0.01, 0.001].map((c) => drain(c));
    for (let i = 1; i < byConfidence.length; i++)
      expect(byConfidence[i]).toBeGreaterThanOrEqual(byConfidence[i - 1] as number);
    const byConnections = [300, 400, 500, 600, 700].map((c) => drain(0.05, c));
    for (let i = 1; i < byConnections.length; i++)
      expect(byConnections[i]).toBeGreaterThanOrEqual(byConnections[i - 1] as number);
  });
});

describe('chooseBudgetSchedule', () => {
  const twenty = {
    totalTasks: 20,
    connectionsPerTask: 500,
    reconnect: spread(5),
  };

  it('meets the confidence, and one second less between steps would not', () => {
    const choice = chooseBudgetSchedule({ ...twenty, maxNewConnectionsPerSecond: 130 });
    const { schedule } = choice;
    expect(choice.problem).toBeUndefined();
    expect(schedule).toMatchObject({ tasksPerStep: 1, intervalSeconds: 6, stepCount: 20, totalSeconds: 114 });
    expect(schedule.prediction.chanceOfExceedingBudget).toBeLessThanOrEqual(0.05);
    const faster = { ...schedule, intervalSeconds: schedule.intervalSeconds - 1 };
    expect(chanceOfExceeding(faster, { ...twenty, budget: 130 })).toBeGreaterThan(0.05);
  });

  it('states what the confidence costs against the expected-rate schedule', () => {
    const choice = chooseBudgetSchedule({ ...twenty, maxNewConnectionsPerSecond: 200 });
    expect(choice.expectedRateSchedule).toMatchObject({ tasksPerStep: 2, intervalSeconds: 5 });
    expect(choice.expectedRateSchedule?.prediction.chanceOfExceedingBudget).toBeGreaterThan(0.99);
    expect(choice.schedule).toMatchObject({ tasksPerStep: 1, intervalSeconds: 5 });
    expect(choice.confidenceCostSeconds).toBe(100 - 50);
  });

  it('removes everything at once when even that stays within the budget', () => {
    const choice = chooseBudgetSchedule({ ...twenty, maxNewConnectionsPerSecond: 10_000 });
    expect(choice.schedule).toMatchObject({
      tasksPerStep: 20,
      intervalSeconds: 0,
      stepCount: 1,
      totalSeconds: 0,
    });
  });

  it('says so when one task alone exceeds the budget with more than the confidence', () => {
    const choice = chooseBudgetSchedule({ ...twenty, maxNewConnectionsPerSecond: 110 });
    expect(choice.problem).toBe('one-task-exceeds-budget');
    expect(choice.schedule).toMatchObject({ tasksPerStep: 1, intervalSeconds: 6 });
  });

  it('says so when each task is fine but so many steps together exceed the confidence', () => {
    const choice = chooseBudgetSchedule({ ...twenty, maxNewConnectionsPerSecond: 125 });
    expect(choice.problem).toBe('too-many-steps');
  });

  it('plans 100,000 tasks quickly', () => {
    const started = performance.now();
    const choice = chooseBudgetSchedule({
      totalTasks: 100_000,
      maxNewConnectionsPerSecond: 10_000,
      connectionsPerTask: 500,
      reconnect: spread(5),
    });
    expect(performance.now() - started).toBeLessThan(500);
    expect(choice.schedule.prediction.chanceOfExceedingBudget).toBeLessThanOrEqual(0.05);
  });
});

describe('budgetConnectionsPerTask', () => {
  it('takes the p95 when given, else the mean when told to, else the mean x 1.5', () => {
    expect(budgetConnectionsPerTask({ connectionsPerTask: 500, connectionsPerTaskP95: 640 })).toBe(640);
    expect(budgetConnectionsPerTask({ connectionsPerTask: 500, assumeMean: true })).toBe(500);
    expect(budgetConnectionsPerTask({ connectionsPerTask: 500 })).toBe(750);
  });
});
