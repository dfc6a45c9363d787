import { AwsCallError } from '@ecs-taper/core';
import { transientAwsErrorNames } from '@ecs-taper/core/workflow';

const transientNames = new Set(transientAwsErrorNames);

/**
 * Step Functions matches Retry/Catch on the Lambda errorType, which the Node.js runtime takes from
 * `error.name`. AWS failures surface under the AWS name (e.g. ServiceNotFoundException), ours under
 * their class name (DeploymentLockedError, InputValidationError, ...), with the full message kept. A
 * transient failure without a well-known name (a bare 503, a reset connection) surfaces as
 * `TransientAwsError`, so the state machine retries every failure core calls transient.
 */
export function toStepFunctionsError(error: unknown): Error {
  if (error instanceof AwsCallError) {
    const surfaced = new Error(error.message, { cause: error });
    surfaced.name =
      error.retryable && !transientNames.has(error.awsErrorName) ? 'TransientAwsError' : error.awsErrorName;
    return surfaced;
  }
  if (error instanceof Error) return error;
  return new Error(String(error));
}

/** The handler's own deadline stopped the phase: the state machine runs it again (nothing is half-done). */
export function handlerDeadlineError(error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const surfaced = new Error(`the phase ran out of the function's time (${message}); it runs again`, {
    cause: error,
  });
  surfaced.name = 'HandlerDeadlineExceeded';
  return surfaced;
}

/**
 * A Lambda error reaches Step Functions as a JSON Cause (`{"errorType", "errorMessage", "trace"}`); the
 * Task's own errors (States.Timeout, ...) as plain text.
 */
export function lambdaError(cause: string | undefined): { errorType?: string; message: string } {
  try {
    const parsed = JSON.parse(cause ?? '') as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const { errorType, errorMessage } = parsed as { errorType?: unknown; errorMessage?: unknown };
      if (typeof errorMessage === 'string') {
        return { message: errorMessage, ...(typeof errorType === 'string' && { errorType }) };
      }
    }
  } catch {
    // Plain text.
  }
  return { message: cause ?? '' };
}

/** The reason a failure caught by a Catch (`$.failure`) becomes: the rollback's, and what progress shows. */
export function caughtFailureReason(failure: { Error?: string; Cause?: string }): string {
  return `${failure.Error ?? 'Error'}: ${lambdaError(failure.Cause).message}`;
}
