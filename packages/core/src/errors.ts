/** Base class of every error ecs-taper throws on purpose. */
export class EcsTaperError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EcsTaperError';
  }
}

/** Bad input, found before any AWS call changes anything. `field` names the offending input field. */
export class InputValidationError extends EcsTaperError {
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'InputValidationError';
    this.field = field;
  }
}

/** The ECS/NLB topology does not allow a safe deployment (ambiguous target groups, missing listener, ...). */
export class TopologyError extends EcsTaperError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TopologyError';
  }
}

/** Another deployment holds the service. Carries the running deployment's id. */
export class DeploymentLockedError extends EcsTaperError {
  readonly runningDeploymentId: string;
  constructor(runningDeploymentId: string, message: string) {
    super(message);
    this.name = 'DeploymentLockedError';
    this.runningDeploymentId = runningDeploymentId;
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
