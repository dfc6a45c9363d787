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
 */
export class AwsCallError extends EcsTaperError {
  readonly awsErrorName: string;
  readonly requestId: string | undefined;
  readonly httpStatusCode: number | undefined;
  constructor(context: string, cause: unknown) {
    const info = awsErrorInfo(cause);
    super(`${context}: ${info.message} (${info.name})`, { cause });
    this.name = 'AwsCallError';
    this.awsErrorName = info.name;
    this.requestId = info.requestId;
    this.httpStatusCode = info.httpStatusCode;
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
}

/** Reads name, message and metadata from an SDK v3 error (or anything thrown) without trusting its shape. */
export function awsErrorInfo(error: unknown): AwsErrorInfo {
  if (error instanceof Error) {
    const metadata = (error as { $metadata?: { requestId?: string; httpStatusCode?: number } }).$metadata;
    return {
      name: error.name,
      message: error.message,
      requestId: metadata?.requestId,
      httpStatusCode: metadata?.httpStatusCode,
    };
  }
  return { name: 'UnknownError', message: String(error), requestId: undefined, httpStatusCode: undefined };
}
