// For users: plan, deploy, roll back, describe, or run one phase. Runner authors also import
// `@ecs-taper/core/workflow` (workflow-entry.ts): the transition table, runPhase, retries and the other internals.
export type { RetryPolicy } from './aws/call-aws';
export type { AwsClients } from './aws/ports';
export type { PhaseContext } from './aws/read';
export { type Clock, systemClock } from './clock';
export { abortDeployment, type ControlOptions, type MarkResult, promoteDeployment } from './control';
export {
  type DeploymentResult,
  type DeployOptions,
  deploy,
  rollbackDeployment,
} from './deploy';
export { type DeploymentSnapshot, describeDeployment, type StatusInput } from './describe-deployment';
export {
  AwsCallError,
  DeadlineExceededError,
  DeploymentAbortedError,
  DeploymentLockedError,
  EcsTaperError,
  type InputProblem,
  InputValidationError,
  TopologyError,
} from './errors';
export {
  DeploymentEmitter,
  type DeploymentEvent,
  type DeploymentEventMap,
  type DeploymentOutcome,
  type DeploymentStatus,
  type PhaseName,
} from './events';
export type { DeploymentInput, ResolvedInput } from './input';
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
  type DeploymentPreview,
  type PreviewDecision,
  type PreviewOptions,
  previewDeployment,
} from './preview';
export type { DeploymentState, Next, PhaseResult, Topology } from './state';
export {
  type HookContext,
  type HookResult,
  type HookRunner,
  hookEnvironment,
  hookTimeoutDefaultSeconds,
  hookTimeoutMaxSeconds,
} from './steps/hook-port';
export { describeStep } from './steps/step-types';
export {
  type DeploymentStep,
  defaultSteps,
  type HookSpec,
  type HookStage,
  type Hooks,
  hookStages,
  hookStepStages,
  type StepType,
} from './steps/types';
export { parseDeploymentInput } from './validate-input';
