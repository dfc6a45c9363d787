import type { Next } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import {
  accountTask,
  defaultExecutionLimits,
  estimateExecutions,
  historyEventLimit,
  loopEvents,
  newBudget,
  successorName,
  timeReserveSeconds,
} from '../src/asl/execution-budget';

const go = (afterSeconds: number): Next => ({ kind: 'go', phase: 'scaleDown', afterSeconds, detail: '' });
const end: Next = { kind: 'end', outcome: 'succeeded', detail: '' };
const hour = 3_600_000;

describe('the execution budget', () => {
  it('counts the events of one loop: Task, its retries, the Choice, and a Wait only when there is one', () => {
    expect(loopEvents(0, go(15))).toBe(9);
    expect(loopEvents(0, go(0))).toBe(7);
    expect(loopEvents(2, go(15))).toBe(15);
    expect(loopEvents(0, end)).toBe(7);
  });

  it('hands over before the history limit, with room left for what the count cannot see', () => {
    const limits = defaultExecutionLimits;
    let budget = newBudget('run-42', 0, 0);
    let loops = 0;
    while (!budget.successor) {
      budget = accountTask(budget, 0, go(15), loops * 15_000, limits);
      loops++;
    }
    expect(budget.events).toBeGreaterThanOrEqual(limits.handOverAtEvents);
    expect(budget.events).toBeLessThan(limits.handOverAtEvents + 9);
    expect(historyEventLimit - budget.events).toBeGreaterThanOrEqual(2_000);
    expect(budget.successor.name).toBe('run-42-h1');
    // The successor starts with its own count: ExecutionStarted, Start, Resume, and the Wait it begins with.
    expect(budget.successor.budget).toEqual({
      chain: 'run-42',
      generation: 1,
      startedAt: budget.startedAt + (loops - 1) * 15_000,
      events: 7,
    });
  });

  it('hands over before a Wait would end inside the reserve before the execution timeout', () => {
    const limits = { timeoutSeconds: 86_400, handOverAtEvents: 22_500 };
    const reserveMs = timeReserveSeconds(limits) * 1000;
    const budget = newBudget('run', 0, 0);
    const lastSafe = 86_400_000 - reserveMs - 60_000 - 1;
    expect(accountTask(budget, 0, go(60), lastSafe, limits).successor).toBeUndefined();
    expect(accountTask(budget, 0, go(60), lastSafe + 1, limits).successor?.name).toBe('run-h1');
    expect(reserveMs).toBe(hour);
    // A short execution timeout keeps a quarter of it back.
    expect(timeReserveSeconds({ timeoutSeconds: 600, handOverAtEvents: 1 })).toBe(150);
  });

  it('never hands over a deployment that ends, and drops a successor once it is no longer needed', () => {
    const full = { ...newBudget('run', 0, 0), events: 30_000 };
    expect(accountTask(full, 0, end, 0, defaultExecutionLimits).successor).toBeUndefined();
    const asked = accountTask(full, 0, go(10), 0, defaultExecutionLimits);
    expect(asked.successor).toBeDefined();
    // A failed hand-over continues here: the next phase asks again, with a fresh decision.
    const again = accountTask({ ...asked, events: 100 }, 0, go(10), 0, defaultExecutionLimits);
    expect(again.successor).toBeUndefined();
  });

  it('names successors within Step Functions rules (1-80 of A-Za-z0-9-_), distinct per chain and generation', () => {
    expect(successorName('deploy-1', 3)).toBe('deploy-1-h3');
    const long = 'x'.repeat(80);
    const other = `${'x'.repeat(79)}y`;
    for (const generation of [1, 12, 999]) {
      const name = successorName(long, generation);
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(name.endsWith(`-h${generation}`)).toBe(true);
      expect(successorName(other, generation)).not.toBe(name);
    }
  });

  describe('estimateExecutions (for ecs-taper plan)', () => {
    const base = {
      pollIntervalSeconds: 15,
      readyTimeoutSeconds: 600,
      settleSeconds: 60,
      drainTimeoutSeconds: 600,
    };
    it('takes one execution for a small deployment', () => {
      expect(estimateExecutions({ ...base, steps: 4, intervalSeconds: 30 }).executions).toBe(1);
    });
    it('counts hand-overs by history events: 1,000 one-task steps 60 s apart with 15 s polls take 2', () => {
      const estimate = estimateExecutions({ ...base, steps: 1000, intervalSeconds: 60 });
      expect(estimate.loops).toBeGreaterThan(4000);
      expect(estimate.executions).toBe(2);
    });
    it('counts hand-overs by time: 1,000 steps 90 s apart outlast one 24 h execution even with few events', () => {
      const estimate = estimateExecutions({
        ...base,
        pollIntervalSeconds: 90,
        steps: 1000,
        intervalSeconds: 90,
      });
      expect(estimate.events).toBeLessThan(defaultExecutionLimits.handOverAtEvents);
      expect(estimate.seconds).toBeGreaterThan(86_400);
      expect(estimate.executions).toBe(2);
    });
  });
});
