import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_TIMER_MS, systemClock } from '../../src/clock';

/** Sleeps on the system clock and records when (in fake time) it settled. */
function track(ms: number, signal?: AbortSignal) {
  const start = Date.now();
  const result: { settledAfter?: number; error?: unknown } = {};
  const promise = systemClock.sleep(ms, signal).then(
    () => {
      result.settledAfter = Date.now() - start;
    },
    (error: unknown) => {
      result.settledAfter = Date.now() - start;
      result.error = error;
    },
  );
  return { result, promise };
}

describe('systemClock.sleep', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('is 2^31 - 1 ms at most per timer, the longest Node holds', () => {
    expect(MAX_TIMER_MS).toBe(2_147_483_647);
  });

  it('resolves after an ordinary delay, not before', async () => {
    const { result } = track(1500);
    await vi.advanceTimersByTimeAsync(1499);
    expect(result.settledAfter).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toEqual({ settledAfter: 1500 });
  });

  it('resolves a 0 ms sleep on the next timer turn', async () => {
    const { result } = track(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toEqual({ settledAfter: 0 });
  });

  it('does not resolve a 2^31 ms sleep before 2^31 ms (one timer would fire at once)', async () => {
    const ms = 2 ** 31;
    const { result } = track(ms);
    await vi.advanceTimersByTimeAsync(1);
    expect(result.settledAfter).toBeUndefined();
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 1);
    expect(result.settledAfter).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toEqual({ settledAfter: ms });
  });

  it('waits out a sleep of several timer lengths exactly', async () => {
    const ms = 3 * MAX_TIMER_MS + 5;
    const { result } = track(ms);
    await vi.advanceTimersByTimeAsync(ms - 1);
    expect(result.settledAfter).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(result).toEqual({ settledAfter: ms });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops a long sleep when the signal aborts, in any chunk, and leaves no timer behind', async () => {
    const controller = new AbortController();
    const { result } = track(5 * MAX_TIMER_MS, controller.signal);
    await vi.advanceTimersByTimeAsync(2 * MAX_TIMER_MS + 10);
    expect(result.settledAfter).toBeUndefined();
    const reason = new Error('stop');
    controller.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toEqual({ settledAfter: 2 * MAX_TIMER_MS + 10, error: reason });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once with the reason of a signal that is already aborted', async () => {
    const reason = new Error('already');
    await expect(systemClock.sleep(1000, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('removes its abort listener once it resolves', async () => {
    const controller = new AbortController();
    const { result } = track(10, controller.signal);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new Error('late'));
    await vi.advanceTimersByTimeAsync(0);
    expect(result).toEqual({ settledAfter: 10 });
  });

  it.each([
    ['a negative delay', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
    ['a string', '100' as unknown as number],
  ])('rejects %s with a RangeError naming the value, and sets no timer', async (_label, ms) => {
    const error = await systemClock.sleep(ms).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toMatch(/^systemClock\.sleep: ms must be a finite number >= 0, got /);
    expect((error as Error).message).toContain(typeof ms === 'string' ? '"100"' : String(ms));
    expect(vi.getTimerCount()).toBe(0);
  });
});
