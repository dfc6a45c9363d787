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
export { type Clock, systemClock } from './clock';
export { restoreAutoScaling } from './controller/autoscaling';
export {
  type DeploymentResult,
  type DeployOptions,
  deploy,
  endingReason,
  phaseResultEvents,
  rollbackDeployment,
  runWorkflow,
} from './deploy';
export { type DeploymentSnapshot, describeDeployment, type StatusInput } from './describe-deployment';
export {
  AwsCallError,
  DeadlineExceededError,
  DeploymentAbortedError,
  DeploymentLockedError,
  EcsTaperError,
  InputValidationError,
  TopologyError,
  transientAwsErrorNames,
} from './errors';
export {
  DeploymentEmitter,
  type DeploymentEvent,
  type DeploymentEventMap,
  type DeploymentOutcome,
  type DeploymentStatus,
  type PhaseName,
} from './events';
export {
  type DeploymentInput,
  inputDefaults,
  inputLimits,
  type ResolvedInput,
  type ScheduleOptions,
  scheduleFields,
  scheduleOptions,
} from './input';
export { startRollback } from './phases/alarms';
export { cleanup } from './phases/cleanup';
export { createTaskSet } from './phases/create-task-set';
export { discover } from './phases/discover';
export { rollback } from './phases/rollback';
export { scaleDown } from './phases/scale-down';
export { settle } from './phases/settle';
export { swapListener } from './phases/swap-listener';
export { waitDrained } from './phases/wait-drained';
export { waitReady } from './phases/wait-ready';
export {
  type PlanScaledownOptions,
  planScaledown,
  type ScaledownPlan,
  type ScaledownStep,
  scalePercentForTasks,
} from './plan/plan-scaledown';
export {
  type DeploymentState,
  initialState,
  type Next,
  newDeploymentId,
  type PhaseResult,
  type Topology,
} from './state';
export { fromSeedEvent, parseDeploymentInput, type SeedEvent, seedFieldNames } from './validate-input';
export {
  assertTransition,
  endings,
  isRefusal,
  refusalErrorNames,
  rollbackOnFailure,
  runPhase,
  transitions,
} from './workflow';
