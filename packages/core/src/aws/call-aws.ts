import pRetry from 'p-retry';
import { AwsCallError, awsErrorInfo } from '../errors';
import type { AwsClients } from './ports';

/**
 * How phases retry throttled or failed AWS calls. callAws is the one retry layer: the SDK clients are
 * made with `maxAttempts: 1` (see `awsClientConfig`), so a call makes at most `retries + 1` requests.
 * The simulator shrinks the delays to nothing.
 */
export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /**
   * The base of the backoff. Full jitter: before retry n (0, 1, ...) the call waits a random time in
   * [0, min(maxTimeoutMs, minTimeoutMs * 2^n)].
   */
  minTimeoutMs: number;
  /** The cap of one wait. */
  maxTimeoutMs: number;
  /**
   * The time budget of one call, from its first attempt: no retry is made whose wait would end past
   * it (the call fails with the last error instead). Default 30 s. An attempt already under way may
   * still run up to the clients' request timeout past it.
   */
  maxElapsedMs?: number;
  /**
   * The run's signal (set by `phaseContext`, not a tunable): once it aborts there is no further
   * attempt and no wait for one. The clients of that context get it too, which aborts a request in flight.
   */
  signal?: AbortSignal;
}

/** Up to 7 attempts within 30 s: waits of at most 0.5, 1, 2, 4, 8 and 16 s, 15.75 s on average. */
export const defaultRetryPolicy: Readonly<RetryPolicy> = {
  retries: 6,
  minTimeoutMs: 500,
  maxTimeoutMs: 20_000,
  maxElapsedMs: 30_000,
};

/**
 * Options for every SDK client a runner creates. `maxAttempts: 1`: the SDK's own retries (3 attempts
 * by default) would multiply callAws's, 7 x 3 = 21 requests for one call against an endpoint that
 * answers 503. The timeouts make a stalled connection a transient `TimeoutError` that callAws retries,
 * instead of a call that never ends (`throwOnRequestTimeout`: without it the SDK only logs a warning).
 * A fresh object each time: every client builds its own request handler from it.
 */
export function awsClientConfig(): {
  maxAttempts: number;
  requestHandler: {
    connectionTimeout: number;
    requestTimeout: number;
    throwOnRequestTimeout: boolean;
    socketTimeout: number;
  };
} {
  return {
    maxAttempts: 1,
    requestHandler: {
      // TCP connect to a regional endpoint takes milliseconds.
      connectionTimeout: 3_000,
      // Until the response headers; then the socket may stay idle this long while the body arrives.
      requestTimeout: 10_000,
      throwOnRequestTimeout: true,
      socketTimeout: 10_000,
    },
  };
}

/**
 * Transient: throttling, any 5xx, timeouts and network errors (not an unknown host, not an aborted
 * call). Sees through an AwsCallError: it keeps the retryability of the error it wraps.
 */
export function isTransientAwsError(error: unknown): boolean {
  return awsErrorInfo(error).retryable;
}

/** The full-jitter wait before retry `retry` (0 for the first retry): uniform in [0, min(cap, base * 2^retry)]. */
export function backoffDelayMs(
  retry: number,
  policy: Pick<RetryPolicy, 'minTimeoutMs' | 'maxTimeoutMs'>,
  random: () => number = Math.random,
): number {
  if (!(policy.minTimeoutMs > 0) || !(policy.maxTimeoutMs > 0)) return 0;
  const ceiling = Math.floor(Math.min(policy.maxTimeoutMs, policy.minTimeoutMs * 2 ** retry));
  return Math.min(ceiling, Math.floor(random() * (ceiling + 1)));
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** What an aborted call fails with: never retryable, whatever it was doing when the signal came. */
function abortError(signal: AbortSignal): Error {
  const error = new Error('stopped by the abort signal', { cause: signal.reason });
  error.name = 'AbortError';
  return error;
}

/**
 * Runs one AWS call with full-jitter backoff on transient errors, within the policy's attempts and
 * time budget; stops at once when the policy's signal aborts. A final failure becomes an AwsCallError
 * that keeps the AWS error name and its retryability and says what we were doing (`context`).
 */
export async function callAws<T>(
  context: string,
  call: () => Promise<T>,
  policy: RetryPolicy = defaultRetryPolicy,
): Promise<T> {
  const { signal } = policy;
  const budgetMs = policy.maxElapsedMs ?? defaultRetryPolicy.maxElapsedMs ?? Number.POSITIVE_INFINITY;
  const started = Date.now();
  try {
    return await pRetry(call, {
      retries: policy.retries,
      // p-retry's own backoff has no full jitter: it is off, and shouldRetry (which p-retry awaits
      // before the next attempt) decides and waits.
      minTimeout: 0,
      randomize: false,
      signal,
      shouldRetry: async ({ error, retriesConsumed }) => {
        if (signal?.aborted || !isTransientAwsError(error)) return false;
        const delay = backoffDelayMs(retriesConsumed, policy);
        if (Date.now() - started + delay > budgetMs) return false;
        if (delay > 0) await sleep(delay, signal);
        return true;
      },
    });
  } catch (error) {
    const failure = signal?.aborted && awsErrorInfo(error).name !== 'AbortError' ? abortError(signal) : error;
    throw new AwsCallError(context, failure);
  }
}

type Sender = { send(command: unknown, options?: { abortSignal?: AbortSignal }): Promise<unknown> };

function abortable<P>(port: P, signal: AbortSignal): P {
  const client = port as unknown as Sender;
  return { send: (command: unknown) => client.send(command, { abortSignal: signal }) } as unknown as P;
}

/**
 * The same clients, each `send(command)` made as `send(command, { abortSignal: signal })`: an aborted
 * run aborts the HTTP request in flight (the SDK rejects it with an AbortError, never retried).
 */
export function abortableClients(clients: AwsClients, signal: AbortSignal): AwsClients {
  return {
    ecs: abortable(clients.ecs, signal),
    elbv2: abortable(clients.elbv2, signal),
    ...(clients.cloudwatch && { cloudwatch: abortable(clients.cloudwatch, signal) }),
    ...(clients.applicationAutoScaling && {
      applicationAutoScaling: abortable(clients.applicationAutoScaling, signal),
    }),
  };
}
