import type { SFNClient } from '@aws-sdk/client-sfn';
import { AwsCallError, EcsTaperError, type RetryPolicy } from '@ecs-taper/core';
import { callAws, defaultRetryPolicy } from '@ecs-taper/core/workflow';

/** The Step Functions client the client functions need: an `SFNClient`, or anything with its `send`. */
export type SfnPort = Pick<SFNClient, 'send'>;

export interface SfnCallOptions {
  client: SfnPort;
  /** Overrides of core's retry policy (7 attempts within 30 s on throttling, 5xx and network errors). */
  retry?: Partial<RetryPolicy>;
  signal?: AbortSignal;
}

/**
 * One Step Functions call through core's one retry layer (callAws): make the client with
 * `awsClientConfig()` (one attempt per request) so retries do not multiply. The signal aborts a request
 * in flight.
 */
export function sfnCall<T>(
  options: SfnCallOptions,
  context: string,
  send: (client: SfnPort, abortSignal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const policy = { ...defaultRetryPolicy, ...options.retry, signal: options.signal };
  return callAws(context, () => send(options.client, options.signal), policy);
}

/** The AWS error name of a failed call (`ExecutionDoesNotExist`, ...), or undefined for anything else. */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof AwsCallError ? error.awsErrorName : undefined;
}

/**
 * An execution of that name exists with another input: a run id names one deployment, and joining
 * it would watch a deployment of something else.
 */
export class ExecutionNameTakenError extends EcsTaperError {
  readonly executionArn: string;
  constructor(executionArn: string, message: string) {
    super(message);
    this.name = 'ExecutionNameTakenError';
    this.executionArn = executionArn;
  }
}

/**
 * Waiting was stopped (the signal aborted). Only the waiting: the execution goes on in Step Functions,
 * and waiting for it again (or starting with the same run id) picks it up.
 */
export class WaitAbortedError extends EcsTaperError {
  /** The execution being watched when it stopped: the last of the deployment's chain so far. */
  readonly executionArn: string;
  readonly executions: readonly string[];
  constructor(executions: readonly string[]) {
    const current = executions.at(-1) ?? '';
    super(`stopped waiting for execution ${current}; the deployment goes on in Step Functions`);
    this.name = 'WaitAbortedError';
    this.executionArn = current;
    this.executions = executions;
  }
}
