import type { DropCause } from './clients-population.js';
import type { SimTask } from './ecs/model.js';

/** What the world looked like at one whole second (passed to `onTick` listeners). */
export interface TickSample {
  /** Seconds since the world started. */
  second: number;
  /** New connections established during the previous second. */
  newConnections: number;
  connectionsByTaskSet: Record<string, number>;
  connectionsByTaskDefinition: Record<string, number>;
  /** Healthy targets in the group(s) the production listener forwards to. */
  healthyProductionTargets: number;
  /** Clients waiting to reconnect. */
  waitingClients: number;
}

/** Per-second columns keyed by task, task set or task definition ARN; a column reads 0 where it has no sample. */
export class SeriesTable {
  private readonly sparse = new Map<string, { offset: number; values: number[] }>();
  length = 0;

  push(values: ReadonlyMap<string, number>): void {
    for (const [key, value] of values) {
      let column = this.sparse.get(key);
      if (!column) {
        column = { offset: this.length, values: [] };
        this.sparse.set(key, column);
      }
      column.values[this.length - column.offset] = value;
    }
    this.length++;
  }

  keys(): string[] {
    return [...this.sparse.keys()];
  }

  /** The column as a dense array of `length` samples (zeros where the key was absent). */
  column(key: string): number[] {
    const out = new Array<number>(this.length).fill(0);
    const column = this.sparse.get(key);
    if (column) {
      for (let i = 0; i < column.values.length; i++) out[column.offset + i] = column.values[i] ?? 0;
    }
    return out;
  }
}

/**
 * Per-second time series and counters of a world. Samples are taken on each whole simulated second
 * (an event in the world's queue), so the cost does not depend on the number of clients.
 */
export class Metrics {
  /** Sample times, seconds since the world started. */
  readonly seconds: number[] = [];
  /** New connections established during second i (indexed by second since the world started). */
  readonly newConnectionsPerSecond: number[] = [];
  readonly newConnectionsByTask = new Map<string, Map<number, number>>();
  /** New flows per second by the task definition they reached (how a canary splits new flows). */
  readonly newConnectionsByTaskDefinition = new Map<string, Map<number, number>>();
  /**
   * New flows per second by load balancer ARN, then target group ARN (CloudWatch's NewFlowCount, served
   * by the simulated GetMetricData). Flows recorded without a target group are not in it.
   */
  readonly newFlowsByTargetGroup = new Map<string, Map<string, Map<number, number>>>();
  readonly dropsPerSecond: number[] = [];
  readonly healthyProductionTargets: number[] = [];
  readonly connectionsByTask = new SeriesTable();
  readonly connectionsByTaskSet = new SeriesTable();
  readonly connectionsByTaskDefinition = new SeriesTable();
  /** First and last connection drop (ms) per task definition ARN. */
  readonly dropWindow = new Map<string, { firstMs: number; lastMs: number; count: number }>();
  readonly dropsByCause: Record<DropCause, number> = {
    'task-stopped': 0,
    'connection-termination': 0,
    crash: 0,
  };
  readonly apiCalls: Record<string, number> = {};
  readonly apiErrors: Record<string, number> = {};
  deploymentStartMs: number | undefined;
  deploymentEndMs: number | undefined;
  private readonly tickListeners = new Set<(sample: TickSample) => void>();

  constructor(private readonly nowMs: () => number) {}

  onTick(listener: (sample: TickSample) => void): () => void {
    this.tickListeners.add(listener);
    return () => this.tickListeners.delete(listener);
  }

  recordNewConnection(task: SimTask, via?: { loadBalancerArn: string; targetGroupArn: string }): void {
    const second = Math.floor(this.nowMs() / 1000);
    if (via) {
      let byGroup = this.newFlowsByTargetGroup.get(via.loadBalancerArn);
      if (!byGroup) {
        byGroup = new Map();
        this.newFlowsByTargetGroup.set(via.loadBalancerArn, byGroup);
      }
      let perGroup = byGroup.get(via.targetGroupArn);
      if (!perGroup) {
        perGroup = new Map();
        byGroup.set(via.targetGroupArn, perGroup);
      }
      perGroup.set(second, (perGroup.get(second) ?? 0) + 1);
    }
    this.newConnectionsPerSecond[second] = (this.newConnectionsPerSecond[second] ?? 0) + 1;
    let perTask = this.newConnectionsByTask.get(task.arn);
    if (!perTask) {
      perTask = new Map();
      this.newConnectionsByTask.set(task.arn, perTask);
    }
    perTask.set(second, (perTask.get(second) ?? 0) + 1);
    let perDefinition = this.newConnectionsByTaskDefinition.get(task.taskDefinitionArn);
    if (!perDefinition) {
      perDefinition = new Map();
      this.newConnectionsByTaskDefinition.set(task.taskDefinitionArn, perDefinition);
    }
    perDefinition.set(second, (perDefinition.get(second) ?? 0) + 1);
  }

  recordDrops(task: SimTask, count: number, cause: DropCause): void {
    const now = this.nowMs();
    const second = Math.floor(now / 1000);
    this.dropsPerSecond[second] = (this.dropsPerSecond[second] ?? 0) + count;
    this.dropsByCause[cause] += count;
    const window = this.dropWindow.get(task.taskDefinitionArn);
    if (window) {
      window.lastMs = now;
      window.count += count;
    } else {
      this.dropWindow.set(task.taskDefinitionArn, { firstMs: now, lastMs: now, count });
    }
  }

  recordApiCall(operation: string, errorName: string | undefined): void {
    this.apiCalls[operation] = (this.apiCalls[operation] ?? 0) + 1;
    if (errorName) this.apiErrors[errorName] = (this.apiErrors[errorName] ?? 0) + 1;
  }

  /** Takes the sample for the current whole second. */
  sample(tasks: Iterable<SimTask>, healthyProductionTargets: number, waitingClients: number): TickSample {
    const second = Math.floor(this.nowMs() / 1000);
    const byTask = new Map<string, number>();
    const bySet = new Map<string, number>();
    const byDef = new Map<string, number>();
    for (const task of tasks) {
      const n = task.connections.size;
      byTask.set(task.arn, n);
      bySet.set(task.taskSet.arn, (bySet.get(task.taskSet.arn) ?? 0) + n);
      byDef.set(task.taskDefinitionArn, (byDef.get(task.taskDefinitionArn) ?? 0) + n);
    }
    this.seconds.push(second);
    this.healthyProductionTargets.push(healthyProductionTargets);
    this.connectionsByTask.push(byTask);
    this.connectionsByTaskSet.push(bySet);
    this.connectionsByTaskDefinition.push(byDef);
    const sample: TickSample = {
      second,
      newConnections: this.newConnectionsPerSecond[second - 1] ?? 0,
      connectionsByTaskSet: Object.fromEntries(bySet),
      connectionsByTaskDefinition: Object.fromEntries(byDef),
      healthyProductionTargets,
      waitingClients,
    };
    for (const listener of this.tickListeners) listener(sample);
    return sample;
  }

  /** Index of the first sample at or after `second`. */
  sampleIndex(second: number): number {
    const i = this.seconds.findIndex((s) => s >= second);
    return i < 0 ? this.seconds.length : i;
  }
}
