/**
 * What an error means to a runner, said by the error itself (every runner reads it; see `isRefusal` in
 * workflow.ts): a `refusal` is thrown before anything changed, so there is nothing to undo and retrying
 * the same input cannot help (the local loop rethrows it, the state machine ends `Refused`); a `failure`
 * may come after a change, so the phase's registry entry says whether it rolls back.
 */
export type ErrorDisposition = 'refusal' | 'failure';

/** Base class of every error ecs-taper throws on purpose. */
export class EcsTaperError extends Error {
  static readonly disposition: ErrorDisposition = 'failure';
  get disposition(): ErrorDisposition {
    return (this.constructor as typeof EcsTaperError).disposition;
  }
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EcsTaperError';
  }
}

/** One problem of an input: the field at fault and what is wrong with it, the allowed values and the fix. */
export interface InputProblem {
  /** The input field (`intervalSeconds`, `subnets[1]`, `hooks.before-swap.command`). */
  field: string;
  /** Without the field: `must be an integer >= 1 and <= 5000, got -3; <the fix>`. */
  message: string;
}

/**
 * Bad input, found before any AWS call changes anything. `field` names the offending input field.
 * Validation reports every problem it finds at once: `problems` holds them all (the first one is
 * `field` and the first line of the message, so a caller that reads one problem reads the first), and
 * the message has one line per problem.
 */
export class InputValidationError extends EcsTaperError {
  static override readonly disposition: ErrorDisposition = 'refusal';
  readonly field: string;
  readonly problems: readonly InputProblem[];
  constructor(field: string, message: string, more: readonly InputProblem[] = []) {
    const problems = [{ field, message }, ...more];
    super(problems.map((problem) => `${problem.field}: ${problem.message}`).join('\n'));
    this.name = 'InputValidationError';
    this.field = field;
    this.problems = problems;
  }

  /** One error for every problem found (at least one). */
  static of(problems: readonly InputProblem[]): InputValidationError {
    const [first, ...more] = problems;
    if (!first) throw new RangeError('InputValidationError.of needs at least one problem');
    return new InputValidationError(first.field, first.message, more);
  }
}

/**
 * The ECS/NLB topology does not allow a safe deployment (ambiguous target groups, missing listener, ...).
 * A failure: found by discover (which only reads) it refuses; found later, something changed under the
 * deployment and it rolls back.
 */
export class TopologyError extends EcsTaperError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TopologyError';
  }
}

/** Another deployment holds the service. Carries the running deployment's id. */
export class DeploymentLockedError extends EcsTaperError {
  static override readonly disposition: ErrorDisposition = 'refusal';
  readonly runningDeploymentId: string;
  /** When the lock is another controller's lease: when it expires (epoch ms). */
  readonly leaseExpiresAt: number | undefined;
  constructor(runningDeploymentId: string, message: string, leaseExpiresAt?: number) {
    super(message);
    this.name = 'DeploymentLockedError';
    this.runningDeploymentId = runningDeploymentId;
    this.leaseExpiresAt = leaseExpiresAt;
  }
}

/** A bounded wait ran past its deadline (new task set never ready, old set never drained, ...). */
export class DeadlineExceededError extends EcsTaperError {
  constructor(message: string) {
    super(message);
    this.name = 'DeadlineExceededError';
  }
}

/**
 * An AWS call failed. Keeps the AWS error name (`awsErrorName`, e.g. `ServiceNotFoundException`),
 * the request id, and the original error as `cause`; the message says what we were doing.
 * `retryable` says whether the failure was transient (throttling, a 5xx, a network error): callAws
 * gave up on it after its retries and its time budget, and a layer above (the Step Functions Retry, a
 * caller) may try again later; false for anything else, an aborted call included.
 */
export class AwsCallError extends EcsTaperError {
  readonly awsErrorName: string;
  readonly requestId: string | undefined;
  readonly httpStatusCode: number | undefined;
  readonly retryable: boolean;
  constructor(context: string, cause: unknown) {
    const info = awsErrorInfo(cause);
    // Wrapping an AwsCallError again: its message already ends with the AWS name.
    const name = cause instanceof AwsCallError ? '' : ` (${info.name})`;
    super(`${context}: ${info.message}${name}`, { cause });
    this.name = 'AwsCallError';
    this.awsErrorName = info.name;
    this.requestId = info.requestId;
    this.httpStatusCode = info.httpStatusCode;
    this.retryable = info.retryable;
  }
}

/** The deployment was stopped by its AbortSignal between two AWS calls; nothing is half-done. */
export class DeploymentAbortedError extends EcsTaperError {
  constructor(message: string) {
    super(message);
    this.name = 'DeploymentAbortedError';
  }
}

/** The errors ecs-taper throws, by the name they are thrown (and surfaced to Step Functions) under. */
export const errorClasses = {
  EcsTaperError,
  InputValidationError,
  TopologyError,
  DeploymentLockedError,
  DeadlineExceededError,
  AwsCallError,
  DeploymentAbortedError,
} as const;

/** Names of the refusals, for a runner that sees only an error's name (a state machine's Catch, its history). */
export const refusalErrorNames: readonly string[] = Object.entries(errorClasses)
  .filter(([, errorClass]) => errorClass.disposition === 'refusal')
  .map(([name]) => name);

/** The error's own disposition; anything that is not ours is a failure. */
export function errorDisposition(error: unknown): ErrorDisposition {
  return error instanceof EcsTaperError ? error.disposition : 'failure';
}

interface AwsErrorInfo {
  name: string;
  message: string;
  requestId: string | undefined;
  httpStatusCode: number | undefined;
  /** Transient: worth another attempt later (see `isTransient`). */
  retryable: boolean;
}

/**
 * Reads name, message, metadata and retryability from an SDK v3 error (or anything thrown) without
 * trusting its shape. An AwsCallError is seen through: it reports the AWS error it wraps.
 */
export function awsErrorInfo(error: unknown): AwsErrorInfo {
  if (error instanceof AwsCallError) {
    return {
      name: error.awsErrorName,
      message: error.message,
      requestId: error.requestId,
      httpStatusCode: error.httpStatusCode,
      retryable: error.retryable,
    };
  }
  if (error instanceof Error) {
    const metadata = (error as { $metadata?: { requestId?: string; httpStatusCode?: number } }).$metadata;
    return {
      name: error.name,
      message: error.message,
      requestId: metadata?.requestId,
      httpStatusCode: metadata?.httpStatusCode,
      retryable: isTransient(error),
    };
  }
  return {
    name: 'UnknownError',
    message: String(error),
    requestId: undefined,
    httpStatusCode: undefined,
    retryable: false,
  };
}

/** Throttling, under every name AWS services use for it. */
const throttlingNames = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'BandwidthLimitExceeded',
  'EC2ThrottledException',
  'PriorRequestNotComplete',
  'ProvisionedThroughputExceededException',
  // Not `LimitExceededException`: ECS and Application Auto Scaling use it for account quotas, which
  // no retry fixes.
]);

/** Server-side failures, also when they reach us without a status code. */
const serverErrorNames = new Set([
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalServerError',
  'InternalServerException',
  'InternalServiceError',
  'ServerException',
]);

/** Timeouts: the SDK's own (`TimeoutError`) and the services' request timeouts. */
const timeoutNames = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException']);

/**
 * The names under which a transient AWS failure reaches a runner: what the Step Functions runner retries.
 * A transient failure without one of these names (a bare 503, a network error) is surfaced by the
 * runners as `TransientAwsError`.
 */
export const transientAwsErrorNames: readonly string[] = [
  ...throttlingNames,
  ...serverErrorNames,
  ...timeoutNames,
];

/**
 * Node.js network errors that a new connection usually gets past. Not `ENOTFOUND`: getaddrinfo gives
 * it for a name that does not exist (a wrong region or endpoint URL), an answer that does not change
 * within a call's time budget; a resolver that could not answer says `EAI_AGAIN`.
 */
const networkErrorCodes = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/**
 * Transient: throttling, any 5xx (by status code, `$fault: 'server'` or name), timeouts, network
 * errors, and whatever the SDK marked `$retryable`. Never an aborted call: it was stopped on purpose.
 */
function isTransient(error: Error): boolean {
  if (error.name === 'AbortError') return false;
  const sdk = error as Error & {
    code?: unknown;
    $fault?: unknown;
    $retryable?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = sdk.$metadata?.httpStatusCode;
  return (
    throttlingNames.has(error.name) ||
    serverErrorNames.has(error.name) ||
    timeoutNames.has(error.name) ||
    (typeof status === 'number' && (status === 429 || (status >= 500 && status <= 599))) ||
    sdk.$fault === 'server' ||
    sdk.$retryable !== undefined ||
    (typeof sdk.code === 'string' && networkErrorCodes.has(sdk.code)) ||
    /socket hang up/i.test(error.message)
  );
}
