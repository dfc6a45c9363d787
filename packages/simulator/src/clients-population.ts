import type { SimContext } from './context.js';
import type { ReconnectPolicy } from './defaults.js';
import type { SimTask } from './ecs/model.js';
import type { SimListener } from './elbv2/model.js';
import type { Rng } from './random.js';

export type DropCause = 'task-stopped' | 'connection-termination' | 'crash';

/**
 * Long-lived clients (websockets, game sessions, MQTT...). Each holds one TCP flow through the
 * production listener; when its task goes away the flow drops and the client reconnects after a
 * delay given by the reconnect policy, to wherever the listener sends new flows at that moment.
 */
export class ClientPopulation {
  /** Task each client is connected to, or undefined while it waits to reconnect. */
  private readonly connectedTo: (SimTask | undefined)[] = [];
  /** Established connections dropped, per client. */
  readonly disconnects: number[] = [];
  /** Failed attempts since the last drop, per client (drives exponential backoff). */
  private readonly attempts: number[] = [];
  private listener: SimListener | undefined;
  /** Flows each client has opened (only counted with sessions): a session's end names the flow it ends. */
  private readonly flows: number[] = [];
  private waitingCount = 0;
  failedAttempts = 0;

  constructor(
    private readonly ctx: SimContext,
    public policy: ReconnectPolicy,
  ) {}

  get size(): number {
    return this.connectedTo.length;
  }

  /** Clients between a drop and their next established connection. */
  get waiting(): number {
    return this.waitingCount;
  }

  /** Clients whose connection dropped more than once. */
  get disconnectedMoreThanOnce(): number {
    let n = 0;
    for (const d of this.disconnects) if (d > 1) n++;
    return n;
  }

  taskOf(client: number): SimTask | undefined {
    return this.connectedTo[client];
  }

  /**
   * Adds `perTask` already-connected clients to each task (the starting point; not counted as new
   * connections), or with `clients.connectionImbalance` an uneven share of the same total.
   */
  seed(listener: SimListener, tasks: readonly SimTask[], perTask: number): void {
    this.listener = listener;
    const imbalance = this.ctx.settings.clients.connectionImbalance;
    const counts =
      imbalance > 0 ? imbalancedCounts(tasks.length, perTask, imbalance, this.ctx.rng.imbalance) : undefined;
    for (const [t, task] of tasks.entries()) {
      const count = counts ? (counts[t] ?? 0) : perTask;
      for (let i = 0; i < count; i++) {
        const client = this.connectedTo.length;
        this.connectedTo.push(task);
        this.disconnects.push(0);
        this.attempts.push(0);
        task.connections.add(client);
        this.startSession(client);
      }
    }
  }

  /** With `sessionSeconds` set, the client's current flow ends after an exponential session length. */
  private startSession(client: number): void {
    const mean = this.ctx.settings.clients.sessionSeconds;
    if (mean === undefined) return;
    const seconds = -Math.log(1 - this.ctx.rng.sessions.next()) * mean;
    const flow = (this.flows[client] ?? 0) + 1;
    this.flows[client] = flow;
    this.ctx.clock.schedule(seconds * 1000, () => this.endSession(client, flow));
  }

  /** The client closed flow `flow` on its own (not a drop) and opens a new one now. */
  private endSession(client: number, flow: number): void {
    const task = this.connectedTo[client];
    // That flow was dropped meanwhile (its reconnect starts the next session), or is not the current one.
    if (!task || this.flows[client] !== flow) return;
    task.connections.delete(client);
    this.connectedTo[client] = undefined;
    this.attempts[client] = 0;
    this.waitingCount++;
    this.attempt(client);
  }

  /** Drops every connection held by the task (the task stopped, crashed, or the NLB closed its flows). */
  dropTask(task: SimTask, cause: DropCause): void {
    if (task.connections.size === 0) return;
    const clients = [...task.connections];
    task.connections.clear();
    this.ctx.metrics.recordDrops(task, clients.length, cause);
    for (const client of clients) {
      this.connectedTo[client] = undefined;
      if (this.flows[client] !== undefined) this.flows[client] += 1;
      this.disconnects[client] = (this.disconnects[client] ?? 0) + 1;
      this.attempts[client] = 0;
      this.waitingCount++;
      this.scheduleAttempt(client, this.delaySeconds(0));
    }
  }

  /** Seconds before attempt `attempt` (0 = first attempt after a drop). */
  delaySeconds(attempt: number): number {
    const rng = this.ctx.rng.clients;
    const policy = this.policy;
    const { minRetrySeconds, maxRetrySeconds } = this.ctx.settings.clients;
    const min = attempt > 0 ? Math.min(maxRetrySeconds, minRetrySeconds * 2 ** (attempt - 1)) : 0;
    let delay = 0;
    if (policy.kind === 'jitter') delay = rng.uniform(0, policy.maxSeconds);
    if (policy.kind === 'exponential') {
      delay = rng.uniform(0, Math.min(policy.capSeconds, policy.baseSeconds * 2 ** attempt));
    }
    return Math.max(min, delay);
  }

  private scheduleAttempt(client: number, delaySeconds: number): void {
    this.ctx.clock.scheduleCall(delaySeconds * 1000, this.attemptFn, client);
  }

  private readonly attemptFn = (client: number): void => this.attempt(client);

  private attempt(client: number): void {
    const target = this.listener ? this.ctx.routing.route(this.listener) : undefined;
    const task = target?.task;
    // No target at all, or a bad version that does not accept connections: the attempt fails.
    if (!target || task?.lastStatus !== 'RUNNING' || task.behaviour === 'unhealthy') {
      this.failedAttempts++;
      const attempt = (this.attempts[client] ?? 0) + 1;
      this.attempts[client] = attempt;
      this.scheduleAttempt(client, this.delaySeconds(attempt));
      return;
    }
    this.connectedTo[client] = task;
    task.connections.add(client);
    this.waitingCount--;
    this.ctx.metrics.recordNewConnection(task, {
      loadBalancerArn: this.listener?.loadBalancer.arn ?? '',
      targetGroupArn: target.group.arn,
    });
    this.startSession(client);
  }
}

/**
 * Per-task client counts uniform in perTask x (1 +/- imbalance), scaled so that they add up to exactly
 * tasks x perTask (largest remainders get the rounding), so an uneven world holds as many clients.
 */
export function imbalancedCounts(tasks: number, perTask: number, imbalance: number, rng: Rng): number[] {
  if (!(imbalance >= 0 && imbalance <= 1))
    throw new RangeError(`connectionImbalance must be 0-1, got ${imbalance}`);
  const raw: number[] = [];
  let sum = 0;
  for (let i = 0; i < tasks; i++) {
    const value = perTask * rng.uniform(1 - imbalance, 1 + imbalance);
    raw.push(value);
    sum += value;
  }
  const total = tasks * perTask;
  const scale = sum > 0 ? total / sum : 0;
  const counts = raw.map((v) => Math.floor(v * scale));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const byRemainder = raw
    .map((v, i) => ({ i, r: v * scale - Math.floor(v * scale) }))
    .sort((a, b) => b.r - a.r);
  for (const { i } of byRemainder) {
    if (left <= 0) break;
    counts[i] = (counts[i] ?? 0) + 1;
    left--;
  }
  return counts;
}
