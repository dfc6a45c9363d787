export {
  buildStateMachineDefinition,
  functionTimeoutSeconds,
  handedOverState,
  handOverState,
  invocationErrors,
  refusalErrors,
  rollbackAfterFailure,
  type StateMachineOptions,
  stateNames,
  transientErrors,
} from './asl/build-state-machine';
export {
  accountTask,
  defaultExecutionLimits,
  type ExecutionBudget,
  type ExecutionLimits,
  historyEventLimit,
  historyEvents,
  successorName,
} from './asl/execution-budget';
export { defaultClients } from './handlers/default-clients';
export { toStepFunctionsError } from './handlers/lambda-error';
export {
  createPhaseHandler,
  deploymentIdForExecution,
  type HandlerOptions,
  handlerDeadlineMarginMs,
  type InvocationContext,
  type PhaseEvent,
  type PhaseOutput,
  type PhaseProgress,
} from './handlers/run-phase';
export { handler } from './lambda';
