import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type PlanScaledownOptions,
  planScaledown,
  predictPeakNewConnectionsPerSecond,
  type ScaledownStep,
} from '../../../src/plan/plan-scaledown';

/** Any valid schedule, in every mode, fresh or resumed. */
const desiredCount = fc.integer({ min: 1, max: 3000 });
const schedule: fc.Arbitrary<Omit<PlanScaledownOptions, 'desiredCount' | 'currentTasks'>> = fc.oneof(
  fc.record(
    {
      decrementPercent: fc.oneof(
        fc.integer({ min: 1, max: 100 }),
        fc.double({ min: 0.5, max: 100, noNaN: true }).map((p) => Math.round(p * 100) / 100),
      ),
      intervalSeconds: fc.integer({ min: 0, max: 3600 }),
    },
    { requiredKeys: ['decrementPercent'] },
  ),
  fc.record(
    { decrementTasks: fc.integer({ min: 1, max: 5000 }), intervalSeconds: fc.integer({ min: 0, max: 600 }) },
    { requiredKeys: ['decrementTasks'] },
  ),
  fc
    .record({
      connectionsPerTask: fc.integer({ min: 1, max: 2000 }),
      reconnectSpreadSeconds: fc.integer({ min: 1, max: 120 }),
      budgetFactor: fc.double({ min: 1, max: 500, noNaN: true }),
    })
    .map(({ connectionsPerTask, reconnectSpreadSeconds, budgetFactor }) => ({
      connectionsPerTask,
      connectionsPerTaskP95: connectionsPerTask,
      reconnectSpreadSeconds,
      // At least one task's connections: a budget the arrival model can always meet one task at a time.
      maxNewConnectionsPerSecond: Math.max(
        connectionsPerTask,
        (connectionsPerTask / reconnectSpreadSeconds) * budgetFactor,
      ),
    })),
  fc.record({}),
  fc
    .record(
      {
        terminationWindowSeconds: fc.oneof(
          fc.integer({ min: 1, max: 86_400 }),
          fc.double({ min: 0.1, max: 600, noNaN: true }),
        ),
        model: fc.record({
          connectionsPerTask: fc.integer({ min: 1, max: 1000 }),
          reconnectSpreadSeconds: fc.integer({ min: 1, max: 60 }),
        }),
      },
      { requiredKeys: ['terminationWindowSeconds'] },
    )
    .map(({ terminationWindowSeconds, model }) => ({ terminationWindowSeconds, ...model })),
  fc.record({ intervalSeconds: fc.integer({ min: 0, max: 3600 }) }),
);
const options = fc.tuple(desiredCount, fc.double({ min: 0, max: 1, noNaN: true }), schedule).map(
  ([d, share, rest]): PlanScaledownOptions => ({
    desiredCount: d,
    currentTasks: Math.round(d * share),
    ...rest,
  }),
);

describe('compact plan: step(k) and stepCount agree with the materialised steps', () => {
  it('for random inputs in every mode', () => {
    fc.assert(
      fc.property(options, (opts) => {
        const plan = planScaledown(opts);
        const fresh = planScaledown(opts);
        // Computed one by one on a plan whose list was never built...
        const onDemand: (ScaledownStep | undefined)[] = [];
        for (let k = 1; k <= fresh.stepCount; k++) onDemand.push(fresh.step(k));
        // ...equal to the list built on first access.
        expect(onDemand).toEqual(plan.steps);
        expect(plan.stepCount).toBe(plan.steps.length);
        expect(plan.step(0)).toBeUndefined();
        expect(plan.step(plan.stepCount + 1)).toBeUndefined();
        expect(plan.totalSeconds).toBe(plan.steps.at(-1)?.atSeconds ?? 0);
        expect(plan.steps.reduce((sum, s) => sum + s.removedTasks, 0)).toBe(opts.currentTasks);
        if (plan.predictedPeakNewConnectionsPerSecond !== undefined) {
          const model = {
            connectionsPerTask: opts.connectionsPerTask as number,
            reconnectSpreadSeconds: opts.reconnectSpreadSeconds as number,
          };
          expect(plan.predictedPeakNewConnectionsPerSecond).toBe(
            predictPeakNewConnectionsPerSecond(
              plan.steps.map((s) => s.removedTasks),
              plan.intervalSeconds,
              model,
            ),
          );
        }
      }),
      { numRuns: 400 },
    );
  });

  it('keeps the JSON of a plain plan: steps, totalSeconds, intervalSeconds (stepCount and step are not enumerable)', () => {
    const plan = planScaledown({ desiredCount: 2, decrementPercent: 50, intervalSeconds: 30 });
    expect(Object.keys(plan)).toEqual(['steps', 'totalSeconds', 'intervalSeconds']);
    expect(JSON.parse(JSON.stringify(plan))).toEqual({
      steps: [
        { index: 1, atSeconds: 0, scalePercent: 50, remainingTasks: 1, removedTasks: 1 },
        { index: 2, atSeconds: 30, scalePercent: 0, remainingTasks: 0, removedTasks: 1 },
      ],
      totalSeconds: 30,
      intervalSeconds: 30,
    });
  });

  it('builds the list once, on first access', () => {
    const plan = planScaledown({ desiredCount: 100_000, decrementTasks: 1 });
    expect(plan.stepCount).toBe(100_000);
    expect(plan.step(100_000)).toEqual({
      index: 100_000,
      atSeconds: 99_999 * 60,
      scalePercent: 0,
      remainingTasks: 0,
      removedTasks: 1,
    });
    expect(plan.steps).toBe(plan.steps);
  });
});
