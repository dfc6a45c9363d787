// `@ecs-taper/core/workflow`, for runner authors: what a runner needs to drive the phases itself (the
// transition table, runPhase, the retry layer, state and input internals, the AWS ports). Users need
// only `@ecs-taper/core`.
export {
  awsClientConfig,
  callAws,
  defaultRetryPolicy,
  isTransientAwsError,
  type RetryPolicy,
} from './aws/call-aws';
export type {
  ApplicationAutoScalingPort,
  AwsClients,
  CloudWatchPort,
  EcsPort,
  Elbv2Port,
} from './aws/ports';
export { type PhaseContext, phaseContext } from './aws/read';
export { restoreAutoScaling } from './controller/autoscaling';
export { endingReason, phaseResultEvents, runWorkflow } from './deploy';
export { closestName, didYouMean } from './did-you-mean';
export {
  type ErrorDisposition,
  errorDisposition,
  type InputProblem,
  refusalErrorNames,
  transientAwsErrorNames,
} from './errors';
export {
  inputDefaults,
  inputLimits,
  type ScheduleOptions,
  scheduleFields,
  scheduleOptions,
} from './input';
export {
  type CliFlag,
  type CliValue,
  type FieldKind,
  type FieldSpec,
  fieldRules,
  type InputFieldName,
  inputFieldEntries,
  inputFields,
  type JsonSchema,
  type ScheduleMode,
  scheduleModes,
} from './input-fields';
export { startRollback } from './phases/alarms';
export { initialState, newDeploymentId } from './state';
export { assertHooksRunnable } from './steps/hook';
export {
  type HookPayload,
  type HttpHookOptions,
  hookPayload,
  httpHook,
  httpHookUnsupported,
} from './steps/http-hook';
export { hooksSchema, maxStepSeconds, parseHooks, parseSteps, stepsSchema } from './steps/parse-steps';
export { hookStepStages } from './steps/types';
export {
  decimalNumber,
  fromSeedEvent,
  numberFromText,
  overrideInput,
  type SeedEvent,
  seedFieldNames,
  unknownFieldProblems,
} from './validate-input';
export {
  assertTransition,
  endings,
  isPhaseName,
  isRefusal,
  isRefusalName,
  phaseLabels,
  phaseNames,
  phaseStateNames,
  type RunPhaseOptions,
  readOnlyPhases,
  rollbackOnFailure,
  runPhase,
  transitions,
} from './workflow';
