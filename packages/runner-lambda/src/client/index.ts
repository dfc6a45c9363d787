/**
 * `@ecs-taper/runner-lambda/client`: what runs outside the controller's Lambda function. Starting and
 * watching a deployment's execution, execution names and the execution budget, and the hook runner for
 * Lambda function and URL hooks, which a local runner (the CLI) shares with the handler. It loads neither
 * the handler nor its logger, so a client such as the CLI carries none of them.
 */
export {
  accountTask,
  defaultExecutionLimits,
  type ExecutionBudget,
  type ExecutionEstimate,
  type ExecutionLimits,
  type ExecutionSchedule,
  estimateExecutions,
  historyEventLimit,
  historyEvents,
  successorName,
} from '../asl/execution-budget';
export {
  hookLambdaClientConfig,
  type InvokeHookOptions,
  invokeHookFunction,
  type LambdaPort,
} from '../hooks/invoke-hook-function';
export {
  type LambdaHookRunnerOptions,
  lambdaHookRunner,
  lambdaHookTimeoutMaxSeconds,
} from '../hooks/lambda-hook-runner';
export {
  canonicalJson,
  deploymentIdForExecution,
  executionArnFor,
  executionNameForRun,
  isExecutionName,
  parseStateMachineArn,
} from './execution-name';
export {
  type DurableEnding,
  type DurableOutcome,
  ExecutionProgress,
} from './execution-progress';
export { ExecutionNameTakenError, type SfnCallOptions, type SfnPort, WaitAbortedError } from './sfn';
export {
  type StartDeploymentOptions,
  type StartedDeployment,
  startDeployment,
} from './start-deployment';
export {
  type DurableDeploymentResult,
  type WaitForDeploymentOptions,
  waitForDeployment,
} from './wait-for-deployment';
