import type { AutoScalingState } from './application-autoscaling/model.js';
import type { ClientPopulation } from './clients-population.js';
import type { VirtualClock } from './clock.js';
import type { AlarmState } from './cloudwatch/alarms.js';
import type { SimulatorSettings } from './defaults.js';
import type { EcsState } from './ecs/model.js';
import type { EcsScheduler } from './ecs/scheduler.js';
import type { ElbState } from './elbv2/model.js';
import type { Routing } from './elbv2/routing.js';
import type { TargetHealth } from './elbv2/target-health.js';
import type { FaultConfig } from './faults.js';
import type { Metrics } from './metrics.js';
import type { Rng } from './random.js';

/** The parts of a world that its models share; the `World` class wires them together. */
export interface SimContext {
  clock: VirtualClock;
  settings: SimulatorSettings;
  rng: {
    ids: Rng;
    routing: Rng;
    clients: Rng;
    faults: Rng;
    sessions: Rng;
    /** Drawn only with `ecs.stopJitterSeconds` > 0, so other seeds' streams do not move. */
    stops: Rng;
    /** Drawn only with `clients.connectionImbalance` > 0. */
    imbalance: Rng;
  };
  ecs: EcsState;
  elb: ElbState;
  alarms: AlarmState;
  scheduler: EcsScheduler;
  health: TargetHealth;
  routing: Routing;
  population: ClientPopulation;
  metrics: Metrics;
  faults: FaultConfig;
  autoScaling: AutoScalingState;
}
