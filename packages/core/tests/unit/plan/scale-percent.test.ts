import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputValidationError } from '../../../src/errors';
import { scalePercentForTasks } from '../../../src/plan/plan-scaledown';
import { yieldsExactly } from '../../../src/plan/scale-percent';

const decimals = (value: number) => (String(value).split('.')[1] ?? '').length;

describe('scalePercentForTasks', () => {
  it.each([
    [2, 1, 50],
    [3, 2, 66],
    [3, 1, 33],
    [4, 3, 75],
    // The fewest decimals win over the upper edge: 37 (2.96 tasks) rather than 37.5 (3 tasks).
    [8, 3, 37],
    // The naive 100 / 11 = 9.090909090909092 gives ceil(1.0000000000000002) = 2 tasks.
    [11, 1, 9],
    [11, 10, 90],
    [7, 6, 85],
    // On the upper edge only when a double holds the decimal exactly: 199 of 200 is 99.5 (exactly 199 tasks).
    [200, 199, 99.5],
    // 99.9 is stored as 99.900000000000006: on paper exactly 999 tasks, in exact binary just above.
    [1000, 999, 99.89],
    [1000, 3, 0.29],
    [5, 0, 0],
    [5, 5, 100],
  ])('desiredCount %i, %i tasks -> %d', (desiredCount, tasks, expected) => {
    expect(scalePercentForTasks(desiredCount, tasks)).toBe(expected);
    expect(Math.ceil((desiredCount * expected) / 100)).toBe(tasks);
  });

  it('is exact for every count of every desiredCount up to 300', () => {
    const problems: string[] = [];
    for (let desiredCount = 1; desiredCount <= 300; desiredCount++) {
      let previous = Number.NEGATIVE_INFINITY;
      for (let tasks = 0; tasks <= desiredCount; tasks++) {
        const scale = scalePercentForTasks(desiredCount, tasks);
        if (!yieldsExactly(desiredCount, tasks, scale) || !(scale > previous)) {
          problems.push(`${tasks} of ${desiredCount}: ${scale}`);
        }
        previous = scale;
      }
    }
    expect(problems).toEqual([]);
  });

  it('is exact, robust and short for large desiredCounts', () => {
    const input = fc
      .integer({ min: 1, max: 100_000_000 })
      .chain((desiredCount) =>
        fc.tuple(fc.constant(desiredCount), fc.integer({ min: 0, max: desiredCount })),
      );
    fc.assert(
      fc.property(input, ([desiredCount, tasks]) => {
        const scale = scalePercentForTasks(desiredCount, tasks);
        expect(scale).toBeGreaterThanOrEqual(0);
        expect(scale).toBeLessThanOrEqual(100);
        expect(Math.ceil((desiredCount * scale) / 100)).toBe(tasks);
        expect(Math.ceil(desiredCount * (scale / 100))).toBe(tasks);
        expect(yieldsExactly(desiredCount, tasks, scale)).toBe(true);
        // The valid interval is 100 / desiredCount wide: a couple of decimals past its order suffice.
        expect(decimals(scale)).toBeLessThanOrEqual(
          Math.max(0, Math.ceil(Math.log10(desiredCount / 100))) + 2,
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('works beyond the fast path (desiredCount in the trillions)', () => {
    for (const [desiredCount, tasks] of [
      [2 ** 40, 3],
      [2 ** 40 + 1, 2 ** 40],
      [1e15, 1e15 - 1],
      [Number.MAX_SAFE_INTEGER, 1],
      [Number.MAX_SAFE_INTEGER, 2 ** 52],
    ] as const) {
      const scale = scalePercentForTasks(desiredCount, tasks);
      expect(Math.ceil((desiredCount * scale) / 100)).toBe(tasks);
      expect(yieldsExactly(desiredCount, tasks, scale)).toBe(true);
    }
  });

  it.each([
    [0, 0, 'desiredCount'],
    [1.5, 1, 'desiredCount'],
    [3, 4, 'tasks'],
    [3, -1, 'tasks'],
    [3, 0.5, 'tasks'],
  ])('rejects desiredCount %d with %d tasks (%s)', (desiredCount, tasks, field) => {
    expect(() => scalePercentForTasks(desiredCount, tasks)).toThrow(InputValidationError);
    expect(() => scalePercentForTasks(desiredCount, tasks)).toThrow(new RegExp(`^${field}: `));
  });
});
