export const packageName = '@ecs-taper/simulator';
export { SimulatedApplicationAutoScalingClient } from './application-autoscaling/client.js';
export type {
  FullSuspendedState,
  ScalableTargetOptions,
  ScalingActivity,
  ScalingKind,
  ScalingSkipReason,
  ScheduledScaling,
  SimScalableTarget,
} from './application-autoscaling/model.js';
export {
  type BuildWorldOptions,
  type BuiltWorld,
  buildWorld,
  reconnectSpread,
  type WorldRefs,
  worldNames,
} from './build-world.js';
export { DEFAULT_EPOCH_MS, VirtualClock } from './clock.js';
export { SimulatedCloudWatchClient } from './cloudwatch/client.js';
export { metricDimensionOf, NEW_FLOW_COUNT } from './cloudwatch/metric-data.js';
export {
  type ReconnectPolicy,
  type SettingsOverrides,
  type SimulatorSettings,
  simulatorDefaults,
} from './defaults.js';
export { type ApiCall, MUTATING_OPERATIONS, UnsupportedCommandError } from './dispatch.js';
export { SimulatedEcsClient } from './ecs/client.js';
export {
  type AppBehaviour,
  ceilTasks,
  type SimService,
  type SimTask,
  type SimTaskDefinition,
  type SimTaskSet,
  type TaskStatus,
} from './ecs/model.js';
export { SimulatedElbv2Client } from './elbv2/client.js';
export type { SimListener, SimLoadBalancer, SimTarget, SimTargetGroup, TargetState } from './elbv2/model.js';
export type { FaultConfig } from './faults.js';
export { Metrics, type TickSample } from './metrics.js';
export { createRng, mulberry32, type Rng } from './random.js';
export { type SimulateOptions, simulateDefaults, simulateDeployment } from './simulate-deployment.js';
export { allAtOnce } from './strategies/all-at-once.js';
export { type StrategyContext, type StrategyResult, scaleForCount } from './strategies/common.js';
export { rolling } from './strategies/rolling.js';
export { seedDefaults, seedStrategy } from './strategies/seed.js';
export { type TaperOptions, taper } from './strategies/taper.js';
export type { DeploymentSeries, SimulationSummary, Strategy } from './summary.js';
export { type SimulatedClients, World, type WorldOptions } from './world.js';
