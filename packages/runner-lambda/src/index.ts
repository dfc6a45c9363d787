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
// The client side (start and watch an execution, names, budget, the hook runner): also its own entry,
// `@ecs-taper/runner-lambda/client`, for callers that need no handler.
export * from './client/index';
export { defaultClients } from './handlers/default-clients';
export { caughtFailureReason, lambdaError, toStepFunctionsError } from './handlers/lambda-error';
export {
  createPhaseHandler,
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
export { handler } from './lambda';
