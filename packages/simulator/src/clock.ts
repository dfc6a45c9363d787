import type { Clock } from '@ecs-taper/core';
import { EventQueue, type ScheduledEvent } from './event-queue.js';

/** 2025-01-01T00:00:00Z: the simulated world's epoch, so that timestamps are stable across runs. */
export const DEFAULT_EPOCH_MS = Date.UTC(2025, 0, 1);

/**
 * Core's `Clock`, on simulated time. `sleep(ms)` advances the world by `ms`, running every scheduled
 * event in order, then resolves; API calls take zero simulated time. Several concurrent sleepers wake
 * in time order: each wake-up is an event in the same queue, and the driver yields a macrotask after
 * each one so the woken code can run (and sleep again) before time moves on.
 */
export class VirtualClock implements Clock {
  readonly queue = new EventQueue();
  private pendingSleepers = 0;
  private driving = false;

  constructor(readonly epochMs: number = DEFAULT_EPOCH_MS) {}

  /** Milliseconds since the epoch (simulated). */
  now(): number {
    return this.epochMs + this.queue.now;
  }

  /** Simulated milliseconds since the world started. */
  get elapsedMs(): number {
    return this.queue.now;
  }

  /** Schedule `fn` after `delayMs` of simulated time. */
  schedule(delayMs: number, fn: () => void): ScheduledEvent {
    return this.queue.schedule(this.queue.now + Math.max(0, delayMs), fn);
  }

  /** Schedule `fn` at an absolute simulated time (ms since the world started). */
  scheduleAt(atMs: number, fn: () => void): ScheduledEvent {
    return this.queue.schedule(atMs, fn);
  }

  /** Schedule `fn(arg)` after `delayMs`; lets hot paths reuse one function instead of a closure per event. */
  scheduleCall(delayMs: number, fn: (arg: number) => void, arg: number): ScheduledEvent {
    return this.queue.schedule(this.queue.now + Math.max(0, delayMs), fn, false, arg);
  }

  /** Advance synchronously by `ms` (for setup and tests that do not await). */
  advanceBy(ms: number): void {
    this.queue.runUntil(this.queue.now + Math.max(0, ms));
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<void>((resolve, reject) => {
      this.pendingSleepers++;
      const onAbort = () => {
        if (event.cancelled) return;
        event.cancel();
        this.pendingSleepers--;
        // An abort fired by a simulated event (a scheduled kill) must end the driver's run like a wake-up:
        // otherwise it keeps running the world's periodic events with nobody left to wake.
        this.queue.schedule(this.queue.now, () => undefined, true);
        reject(signal?.reason);
      };
      const event = this.queue.schedule(
        this.queue.now + Math.max(0, Number.isFinite(ms) ? ms : 0),
        () => {
          event.cancel();
          this.pendingSleepers--;
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        true,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.kick();
    });
  }

  private kick(): void {
    if (this.driving) return;
    this.driving = true;
    setImmediate(() => this.drive());
  }

  private drive(): void {
    if (this.pendingSleepers <= 0 || !this.queue.runUntilWake()) {
      this.driving = false;
      return;
    }
    // Let the woken code run (it resolves through microtasks) before moving time on.
    setImmediate(() => this.drive());
  }
}
