import pRetry from 'p-retry';
import { AwsCallError, awsErrorInfo } from '../errors';

/** How phases retry throttled or failed AWS calls. The simulator shrinks the delays to nothing. */
export interface RetryPolicy {
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
}

export const defaultRetryPolicy: RetryPolicy = { retries: 6, minTimeoutMs: 500, maxTimeoutMs: 20_000 };

const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

/** Throttling and server-side (5xx) failures are transient; everything else stops the phase at once. */
export function isTransientAwsError(error: unknown): boolean {
  const info = awsErrorInfo(error);
  if (throttlingNames.has(info.name)) return true;
  if (info.httpStatusCode !== undefined && info.httpStatusCode >= 500) return true;
  return (error as { $retryable?: unknown } | undefined)?.$retryable !== undefined;
}

/**
 * Runs one AWS call with backoff and jitter on transient errors. A final failure becomes an
 * AwsCallError that keeps the AWS error name and says what we were doing (`context`).
 */
export async function callAws<T>(context: string, call: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  try {
    return await pRetry(call, {
      shouldRetry: ({ error }) => isTransientAwsError(error),
      retries: policy.retries,
      minTimeout: policy.minTimeoutMs,
      maxTimeout: policy.maxTimeoutMs,
      randomize: true,
    });
  } catch (error) {
    throw new AwsCallError(context, error);
  }
}
