import type { Clock } from '@ecs-taper/core';

/** Real-time delay that ends early when `signal` aborts. */
function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Real milliseconds per paced step: short enough for a smooth display, long enough to cost little. */
const STEP_REAL_MS = 20;

/** Simulated milliseconds per step at `speed`: at least one simulated second. */
export function pacedStepMs(speed: number): number {
  return Math.max(1000, Math.round(speed * STEP_REAL_MS));
}

/**
 * Sleeps `ms` of simulated time on `clock` in steps of at least a simulated second, each taking
 * step / speed real milliseconds (speed 0: no real waiting). Stops early, between steps, when
 * `stop()` says so.
 */
export async function pacedSleep(
  clock: Clock,
  ms: number,
  speed: number,
  signal?: AbortSignal,
  stop: () => boolean = () => false,
): Promise<void> {
  let left = Number.isFinite(ms) ? Math.max(0, ms) : 0;
  if (left === 0 || speed <= 0) return clock.sleep(left, signal);
  while (left > 0 && !stop()) {
    const step = Math.min(pacedStepMs(speed), left);
    await delay(step / speed, signal);
    await clock.sleep(step, signal);
    left -= step;
  }
}

/**
 * Makes an in-process simulated clock take real time (for a watchable `simulate`): its sleep becomes
 * a paced sleep. The world itself is unchanged; only how fast its time passes.
 */
export function paceClock(clock: Clock, speed: number): void {
  if (speed <= 0) return;
  const sleep = clock.sleep.bind(clock);
  const raw: Clock = { now: () => clock.now(), sleep };
  clock.sleep = (ms, signal) => pacedSleep(raw, ms, speed, signal);
}
