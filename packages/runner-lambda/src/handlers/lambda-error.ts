import { AwsCallError, transientAwsErrorNames } from '@ecs-taper/core';

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
