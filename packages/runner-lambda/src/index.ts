export {
  buildStateMachineDefinition,
  refusalErrors,
  type StateMachineOptions,
  stateNames,
} from './asl/build-state-machine';
export { defaultClients } from './handlers/default-clients';
export { toStepFunctionsError } from './handlers/lambda-error';
export {
  createPhaseHandler,
  deploymentIdForExecution,
  type HandlerOptions,
  type PhaseEvent,
  type PhaseOutput,
} from './handlers/run-phase';
export { handler } from './lambda';
