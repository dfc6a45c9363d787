import type { DeploymentOutcome } from '@ecs-taper/core';
import type { Metrics } from './metrics.js';

export type Strategy = 'taper' | 'all-at-once' | 'seed' | 'rolling';

/** Per-second arrays for charts, from the start of the deployment until the world is quiet again. */
export interface DeploymentSeries {
  /** Seconds since the deployment started. */
  time: number[];
  /** New client connections established during each second. */
  newConnectionsPerSecond: number[];
  /** Connections held by tasks of the old task definition, sampled at each second. */
  oldSetConnections: number[];
  /** Connections held by tasks of the new task definition. */
  newSetConnections: number[];
  /** Healthy targets behind the production listener. */
  healthyProductionTargets: number[];
}

export interface SimulationSummary {
  strategy: Strategy;
  outcome: DeploymentOutcome;
  /** Why it ended so (the deployment's own reason for taper). */
  reason: string;
  /** The highest number of new connections established in one second after the deployment started. */
  peakNewConnectionsPerSecond: number;
  /**
   * Seconds from the first to the last drop of a connection held by an old-version task (a task of
   * the task definition that was live before the deployment). 0 when no old connection dropped.
   */
  drainSeconds: number;
  /** Seconds from the start of the deployment until the strategy finished (its own end, not the clients'). */
  totalSeconds: number;
  /** Clients whose established connection dropped more than once. */
  clientsDisconnectedTwice: number;
  /** Whole seconds, from the start of the deployment, with no healthy target behind the production listener. */
  zeroHealthySeconds: number;
  /** AWS API calls by operation name (failed and throttled calls included). */
  apiCalls: Record<string, number>;
  /** Total of `apiCalls`. */
  apiCallsTotal: number;
  series: DeploymentSeries;
}

export interface SummaryInput {
  strategy: Strategy;
  outcome: DeploymentOutcome;
  reason: string;
  metrics: Metrics;
  startMs: number;
  endMs: number;
  oldTaskDefinitionArn: string;
  newTaskDefinitionArn: string;
  clientsDisconnectedTwice: number;
}

export function summarize(s: SummaryInput): SimulationSummary {
  const m = s.metrics;
  const startSecond = Math.floor(s.startMs / 1000);
  const first = m.sampleIndex(startSecond);
  const old = m.connectionsByTaskDefinition.column(s.oldTaskDefinitionArn);
  const fresh = m.connectionsByTaskDefinition.column(s.newTaskDefinitionArn);
  const series: DeploymentSeries = {
    time: [],
    newConnectionsPerSecond: [],
    oldSetConnections: [],
    newSetConnections: [],
    healthyProductionTargets: [],
  };
  let zeroHealthySeconds = 0;
  for (let i = first; i < m.seconds.length; i++) {
    const second = m.seconds[i] ?? 0;
    series.time.push(second - startSecond);
    series.newConnectionsPerSecond.push(m.newConnectionsPerSecond[second] ?? 0);
    series.oldSetConnections.push(old[i] ?? 0);
    series.newSetConnections.push(fresh[i] ?? 0);
    const healthy = m.healthyProductionTargets[i] ?? 0;
    series.healthyProductionTargets.push(healthy);
    if (healthy === 0) zeroHealthySeconds++;
  }
  let peak = 0;
  for (let second = startSecond; second < m.newConnectionsPerSecond.length; second++) {
    peak = Math.max(peak, m.newConnectionsPerSecond[second] ?? 0);
  }
  const drops = m.dropWindow.get(s.oldTaskDefinitionArn);
  const apiCallsTotal = Object.values(m.apiCalls).reduce((a, b) => a + b, 0);
  return {
    strategy: s.strategy,
    outcome: s.outcome,
    reason: s.reason,
    peakNewConnectionsPerSecond: peak,
    drainSeconds: drops ? (drops.lastMs - drops.firstMs) / 1000 : 0,
    totalSeconds: (s.endMs - s.startMs) / 1000,
    clientsDisconnectedTwice: s.clientsDisconnectedTwice,
    zeroHealthySeconds,
    apiCalls: { ...m.apiCalls },
    apiCallsTotal,
    series,
  };
}
