import type { DeploymentEmitter, DeploymentInput } from '@ecs-taper/core';
import { buildWorld } from './build-world.js';
import type { ReconnectPolicy, SettingsOverrides } from './defaults.js';
import type { TickSample } from './metrics.js';
import { allAtOnce } from './strategies/all-at-once.js';
import type { StrategyContext, StrategyResult } from './strategies/common.js';
import { rolling } from './strategies/rolling.js';
import { seedStrategy } from './strategies/seed.js';
import { taper } from './strategies/taper.js';
import { type SimulationSummary, type Strategy, summarize } from './summary.js';
import type { World } from './world.js';

export interface SimulateOptions {
  strategy: Strategy;
  /** Service desiredCount. Default 20. */
  tasks?: number;
  /** Clients per task before the deployment. Default 500. */
  connectionsPerTask?: number;
  /** Dropped clients reconnect after a uniform random delay in [0, this] seconds. Default 5. */
  reconnectJitterSeconds?: number;
  /** Overrides the jitter policy: 'immediate', or exponential backoff with full jitter (base = jitter, cap 60 s). */
  reconnect?: 'jitter' | 'immediate' | 'exponential';
  /** deregistration_delay.timeout_seconds of both target groups. Default 120 (the NLB's observed minimum). */
  deregistrationDelaySeconds?: number;
  /** taper: core's scale-down step; seed: scaledown_decrement (default 25); rolling: batch size (default 25 %). */
  decrementPercent?: number;
  decrementTasks?: number;
  /** taper: seconds between steps; seed: scaledown_wait (default 60). */
  intervalSeconds?: number;
  /** taper only: core's budget mode. */
  maxNewConnectionsPerSecond?: number;
  /**
   * taper only: more deployment input fields, over the simulator's own input (e.g. terminationWindowSeconds,
   * budgetConfidence, connectionsPerTaskP95; connectionsPerTask and reconnectSpreadSeconds default to the
   * world's clients).
   */
  input?: Partial<DeploymentInput>;
  /** The new version never passes health checks, or crashes soon after starting. */
  badVersion?: 'unhealthy' | 'crash';
  /** The alarm watched by taper goes to ALARM this many seconds after the deployment starts. */
  alarmAtSeconds?: number;
  /** Share (0-1) of all AWS calls that are throttled. */
  throttleRate?: number;
  /**
   * Extra seconds, uniform in [0, this] per task, between the end of a task's deregistration delay and
   * the drop of its connections (`ecs.stopJitterSeconds`). Default 0: every task drops exactly on time.
   */
  stopJitterSeconds?: number;
  /**
   * 0-1: per-task starting connections uniform in connectionsPerTask x (1 +/- this), the total kept
   * (`clients.connectionImbalance`). Default 0: every task holds exactly connectionsPerTask.
   */
  connectionImbalance?: number;
  /** Default 1. Same seed, same summary. */
  randomSeed?: number;
  /** Overrides of `simulatorDefaults`. */
  settings?: SettingsOverrides;
  /** taper only: core's progress events. */
  events?: DeploymentEmitter;
  /** Called on every simulated second with a sample of the world (for live displays). */
  onTick?: (sample: TickSample) => void;
  /** Called once the world is built, before the deployment starts (to inject more faults, or inspect it). */
  onWorld?: (world: World) => void;
  signal?: AbortSignal;
}

export const simulateDefaults = {
  tasks: 20,
  connectionsPerTask: 500,
  reconnectJitterSeconds: 5,
  deregistrationDelaySeconds: 120,
  randomSeed: 1,
  /** Quiet time before the deployment starts, so that charts show the baseline. */
  leadInSeconds: 10,
  /** The strategy gives up after this much simulated time. */
  maxDeploymentSeconds: 6 * 3600,
  /** After the strategy ends, time allowed (beyond the deregistration delay) for clients to reconnect and tasks to stop. */
  settleSeconds: 600,
} as const;

function reconnectPolicy(kind: SimulateOptions['reconnect'], jitter: number): ReconnectPolicy {
  if (kind === 'immediate') return { kind: 'immediate' };
  if (kind === 'exponential')
    return { kind: 'exponential', baseSeconds: Math.max(jitter, 0.1), capSeconds: 60 };
  return { kind: 'jitter', maxSeconds: jitter };
}

/** Runs one deployment strategy on a fresh simulated world and summarises what the clients saw. */
export async function simulateDeployment(options: SimulateOptions): Promise<SimulationSummary> {
  const d = simulateDefaults;
  const jitter = options.reconnectJitterSeconds ?? d.reconnectJitterSeconds;
  const built = buildWorld({
    tasks: options.tasks ?? d.tasks,
    connectionsPerTask: options.connectionsPerTask ?? d.connectionsPerTask,
    reconnect: reconnectPolicy(options.reconnect, jitter),
    deregistrationDelaySeconds: options.deregistrationDelaySeconds ?? d.deregistrationDelaySeconds,
    randomSeed: options.randomSeed ?? d.randomSeed,
    settings: withVariation(options),
  });
  const { world, refs, clock } = built;
  if (options.throttleRate) world.faults.throttle = { rate: options.throttleRate };
  if (options.badVersion) world.faults.badVersion = { taskDefinition: refs.v2.arn, mode: options.badVersion };
  if (options.onTick) world.metrics.onTick(options.onTick);
  options.onWorld?.(world);

  await clock.sleep(d.leadInSeconds * 1000);
  const startMs = clock.elapsedMs;
  const input = {
    ...built.input,
    decrementPercent: options.decrementPercent,
    decrementTasks: options.decrementTasks,
    intervalSeconds: options.intervalSeconds,
    maxNewConnectionsPerSecond: options.maxNewConnectionsPerSecond,
    ...options.input,
  };
  if (options.alarmAtSeconds !== undefined) {
    world.scheduleAlarm(refs.alarmName, startMs + options.alarmAtSeconds * 1000);
    input.alarmNames = [refs.alarmName];
  }
  const ctx: StrategyContext = {
    ...built,
    input,
    decrementPercent: options.decrementPercent,
    decrementTasks: options.decrementTasks,
    intervalSeconds: options.intervalSeconds,
    deadlineMs: startMs + d.maxDeploymentSeconds * 1000,
  };
  world.metrics.deploymentStartMs = startMs;
  let result: StrategyResult;
  try {
    result = await runStrategy(options, ctx);
  } catch (error) {
    result = { outcome: 'failed', reason: error instanceof Error ? error.message : String(error) };
  }
  const endMs = clock.elapsedMs;
  world.metrics.deploymentEndMs = endMs;
  const drainSeconds = built.refs.blue.deregistrationDelaySeconds + world.settings.ecs.shutdownSeconds;
  await world.settle((drainSeconds + d.settleSeconds) * 1000);
  // One more second so that the last reconnections are sampled.
  await clock.sleep(1000);
  return summarize({
    strategy: options.strategy,
    outcome: result.outcome,
    reason: result.reason,
    metrics: world.metrics,
    startMs,
    endMs,
    oldTaskDefinitionArn: refs.v1.arn,
    newTaskDefinitionArn: refs.v2.arn,
    clientsDisconnectedTwice: world.population.disconnectedMoreThanOnce,
  });
}

/** `settings` with the options' stop jitter and connection imbalance, only where they are given. */
function withVariation(options: SimulateOptions): SettingsOverrides | undefined {
  const { stopJitterSeconds, connectionImbalance, settings } = options;
  if (stopJitterSeconds === undefined && connectionImbalance === undefined) return settings;
  return {
    ...settings,
    ecs: { ...settings?.ecs, ...(stopJitterSeconds === undefined ? {} : { stopJitterSeconds }) },
    clients: {
      ...settings?.clients,
      ...(connectionImbalance === undefined ? {} : { connectionImbalance }),
    },
  };
}

function runStrategy(options: SimulateOptions, ctx: StrategyContext): Promise<StrategyResult> {
  switch (options.strategy) {
    case 'taper':
      return taper(ctx, { events: options.events, signal: options.signal });
    case 'all-at-once':
      return allAtOnce(ctx);
    case 'seed':
      return seedStrategy(ctx);
    case 'rolling':
      return rolling(ctx);
  }
}
