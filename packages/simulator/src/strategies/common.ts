import type { DeploymentOutcome } from '@ecs-taper/core';
import type { BuiltWorld } from '../build-world.js';
import type { VirtualClock } from '../clock.js';
import { ceilTasks } from '../ecs/model.js';

/** What a strategy reports back. */
export interface StrategyResult {
  outcome: DeploymentOutcome;
  reason: string;
}

/** Everything a strategy needs: the world, its clients, and the deployment's tunables. */
export interface StrategyContext extends BuiltWorld {
  decrementPercent: number | undefined;
  decrementTasks: number | undefined;
  intervalSeconds: number | undefined;
  /** Simulated ms since the world started after which the strategy gives up. */
  deadlineMs: number;
}

/** Throttling and 5xx: what every SDK retries. */
export function isTransient(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } } | undefined;
  if (e?.name === 'ThrottlingException' || e?.name === 'Throttling') return true;
  return (e?.$metadata?.httpStatusCode ?? 0) >= 500;
}

/**
 * Retries transient errors with exponential backoff and full jitter on the virtual clock, like the SDKs'
 * standard retry mode (aws-sdk v2: 3 retries from 100 ms; v3: 3 attempts in total, here `retries`).
 */
export async function withRetries<T>(
  clock: VirtualClock,
  call: () => Promise<T>,
  retries = 3,
  baseMs = 100,
  random: () => number = () => 0.5,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= retries || !isTransient(error)) throw error;
      await clock.sleep(random() * Math.min(20_000, baseMs * 2 ** attempt));
    }
  }
}

/**
 * A scale percentage that makes ECS run exactly `count` of `desired` tasks, given that ECS always
 * rounds ceil(desired * scale / 100) up (see `ceilTasks`). Prefers the plain ratio; falls back to the
 * middle of the interval (count - 1, count] when the plain ratio would round up to one task too many.
 */
export function scaleForCount(desired: number, count: number): number {
  if (count <= 0 || desired <= 0) return 0;
  if (count >= desired) return 100;
  const plain = (count * 100) / desired;
  if (ceilTasks(desired, plain) === count) return plain;
  return ((count - 0.5) * 100) / desired;
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
