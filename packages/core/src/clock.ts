/**
 * Time is passed in, never read from globals inside phases: the simulator's clock is virtual,
 * so a 30-minute deployment can run in milliseconds.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Resolves after `ms` milliseconds, or rejects with the signal's reason once it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The longest delay one Node timer holds: setTimeout fires at once (with a warning) for anything above
 * 2^31 - 1 ms, about 24.8 days. Longer sleeps wait in chunks of at most this.
 */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Real time. `sleep` takes any finite `ms` >= 0 (a longer one than a timer can hold is waited out in
 * chunks, still abortable at any moment) and rejects a negative or non-finite one with a RangeError:
 * such a delay is a bug in the caller, which must not turn into no wait at all.
 */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
        const shown = typeof ms === 'string' ? JSON.stringify(ms) : String(ms);
        reject(new RangeError(`systemClock.sleep: ms must be a finite number >= 0, got ${shown}`));
        return;
      }
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let left = ms;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      const wait = () => {
        const chunk = Math.min(left, MAX_TIMER_MS);
        timer = setTimeout(() => {
          left -= chunk;
          if (left > 0) {
            wait();
            return;
          }
          signal?.removeEventListener('abort', onAbort);
          resolve();
        }, chunk);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      wait();
    }),
};
