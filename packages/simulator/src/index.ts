export const packageName = '@ecs-taper/simulator';
export {
  type BuildWorldOptions,
  type BuiltWorld,
  buildWorld,
  type WorldRefs,
  worldNames,
} from './build-world.js';
export { DEFAULT_EPOCH_MS, VirtualClock } from './clock.js';
export {
  type ReconnectPolicy,
  type SettingsOverrides,
  type SimulatorSettings,
  simulatorDefaults,
} from './defaults.js';
export { type ApiCall, MUTATING_OPERATIONS, UnsupportedCommandError } from './dispatch.js';
export { ceilTasks } from './ecs/model.js';
export type { FaultConfig } from './faults.js';
export { Metrics, type TickSample } from './metrics.js';
export { createRng, mulberry32, type Rng } from './random.js';
export { type SimulateOptions, simulateDefaults, simulateDeployment } from './simulate-deployment.js';
export type { StrategyContext, StrategyResult } from './strategies/common.js';
export { scaleForCount } from './strategies/common.js';
export type { DeploymentSeries, SimulationSummary, Strategy } from './summary.js';
export { type SimulatedClients, World, type WorldOptions } from './world.js';
