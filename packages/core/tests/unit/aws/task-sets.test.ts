import type { TaskSet } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { lockWinner, sameTaskDefinition, taskCounts } from '../../../src/aws/task-sets';

describe('sameTaskDefinition', () => {
  const arn = 'arn:aws:ecs:eu-west-1:000000000000:task-definition/web:2';
  it.each([
    [arn, arn, true],
    [arn, 'web:2', true],
    [arn, 'web:1', false],
    [arn, 'eb:2', false],
    [arn, 'other-web:2', false],
    [undefined, 'web:2', false],
  ])('%s vs %s -> %s', (stored, wanted, same) => {
    expect(sameTaskDefinition(stored, wanted)).toBe(same);
  });
});

describe('taskCounts', () => {
  it('reads running, pending and computedDesiredCount, or undefined for no set', () => {
    expect(taskCounts({ runningCount: 1, pendingCount: 2, computedDesiredCount: 3 })).toEqual({
      running: 1,
      pending: 2,
      desired: 3,
    });
    expect(taskCounts({})).toEqual({ running: 0, pending: 0, desired: 0 });
    expect(taskCounts(undefined)).toBeUndefined();
  });
});

describe('lockWinner', () => {
  const at = (iso: string, externalId: string): TaskSet => ({
    createdAt: new Date(iso),
    externalId,
    id: `ecs-svc/${externalId}`,
  });

  it('picks the set ECS created first', () => {
    const early = at('2025-06-01T12:00:00Z', 'taper-z');
    const late = at('2025-06-01T12:00:01Z', 'taper-a');
    expect(lockWinner([late, early])).toBe(early);
  });

  it('breaks a tie on createdAt with the smaller id, whatever the order of the list', () => {
    const a = at('2025-06-01T12:00:00Z', 'taper-a');
    const b = at('2025-06-01T12:00:00Z', 'taper-b');
    expect(lockWinner([b, a])).toBe(a);
    expect(lockWinner([a, b])).toBe(a);
  });

  it('orders ids by code unit, not by locale, so every runner computes the same winner', () => {
    // localeCompare would put "a" before "B" (and its order depends on the runtime's ICU data);
    // by code unit "B" (66) comes before "a" (97).
    const lower = at('2025-06-01T12:00:00Z', 'a-run');
    const upper = at('2025-06-01T12:00:00Z', 'B-run');
    expect(lockWinner([lower, upper])).toBe(upper);
    expect(lockWinner([upper, lower])).toBe(upper);
    const dash = at('2025-06-01T12:00:00Z', 'run-2');
    const underscore = at('2025-06-01T12:00:00Z', 'run_1');
    expect(lockWinner([underscore, dash])).toBe(dash);
  });

  it('falls back to the task set id when there is no externalId', () => {
    const x: TaskSet = { createdAt: new Date(0), id: 'ecs-svc/2' };
    const y: TaskSet = { createdAt: new Date(0), id: 'ecs-svc/1' };
    expect(lockWinner([x, y])).toBe(y);
  });

  it('returns undefined for no contenders', () => {
    expect(lockWinner([])).toBeUndefined();
  });
});
