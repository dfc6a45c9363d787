export {
  buildStateMachineDefinition,
  functionTimeoutSeconds,
  handedOverState,
  handOverState,
  invocationErrors,
  refusalErrors,
  restoreAfterFailure,
  rollbackAfterFailure,
  type StateMachineOptions,
  stateNames,
  transientErrors,
} from './asl/build-state-machine';
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
} from './asl/execution-budget';
export {
  canonicalJson,
  executionArnFor,
  executionNameForRun,
  isExecutionName,
  parseStateMachineArn,
} from './client/execution-name';
export {
  type DurableEnding,
  type DurableOutcome,
  ExecutionProgress,
} from './client/execution-progress';
export { ExecutionNameTakenError, type SfnCallOptions, type SfnPort, WaitAbortedError } from './client/sfn';
export {
  type StartDeploymentOptions,
  type StartedDeployment,
  startDeployment,
} from './client/start-deployment';
export {
  type DurableDeploymentResult,
  type WaitForDeploymentOptions,
  waitForDeployment,
} from './client/wait-for-deployment';
export { defaultClients } from './handlers/default-clients';
export { caughtFailureReason, lambdaError, toStepFunctionsError } from './handlers/lambda-error';
export {
  createPhaseHandler,
  deploymentIdForExecution,
  type HandlerOptions,
  handlerDeadlineMarginMs,
  type InvocationContext,
  type PhaseEvent,
  type PhaseHandler,
  type PhaseOutput,
  type PhaseProgress,
  type RestoreEvent,
  type RestoreOutput,
} from './handlers/run-phase';
export {
  hookLambdaClientConfig,
  type InvokeHookOptions,
  invokeHookFunction,
  type LambdaPort,
} from './hooks/invoke-hook-function';
export {
  type LambdaHookRunnerOptions,
  lambdaHookRunner,
  lambdaHookTimeoutMaxSeconds,
} from './hooks/lambda-hook-runner';
export { handler } from './lambda';
