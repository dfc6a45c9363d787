import { AwsCallError } from '@ecs-taper/core';

/**
 * Step Functions matches Retry/Catch on the Lambda errorType, which the Node.js runtime takes from
 * `error.name`. AWS failures surface under the AWS name (e.g. ServiceNotFoundException), ours under
 * their class name (DeploymentLockedError, InputValidationError, ...), with the full message kept.
 */
export function toStepFunctionsError(error: unknown): Error {
  if (error instanceof AwsCallError) {
    const surfaced = new Error(error.message, { cause: error });
    surfaced.name = error.awsErrorName;
    return surfaced;
  }
  if (error instanceof Error) return error;
  return new Error(String(error));
}
