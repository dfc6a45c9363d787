import type { ContainerDefinition, LoadBalancer, NetworkConfiguration } from '@aws-sdk/client-ecs';
import type { AwsClients } from '@ecs-taper/core';
import { SimulatedApplicationAutoScalingClient } from './application-autoscaling/client.js';
import {
  AutoScalingState,
  type ScalableTargetOptions,
  type ScalingActivity,
  type ScheduledScaling,
  type SimScalableTarget,
} from './application-autoscaling/model.js';
import { ClientPopulation } from './clients-population.js';
import { DEFAULT_EPOCH_MS, VirtualClock } from './clock.js';
import { AlarmState } from './cloudwatch/alarms.js';
import { SimulatedCloudWatchClient } from './cloudwatch/client.js';
import type { SimContext } from './context.js';
import {
  type ReconnectPolicy,
  resolveSettings,
  type SettingsOverrides,
  type SimulatorSettings,
} from './defaults.js';
import type { ApiCall } from './dispatch.js';
import { SimulatedEcsClient } from './ecs/client.js';
import {
  computedDesiredCount,
  EcsState,
  newTaskSet,
  newTaskSetId,
  type SimCluster,
  type SimService,
  type SimTaskDefinition,
  type SimTaskSet,
} from './ecs/model.js';
import { EcsScheduler } from './ecs/scheduler.js';
import { SimulatedElbv2Client } from './elbv2/client.js';
import { ElbState, type SimListener, type SimLoadBalancer, type SimTargetGroup } from './elbv2/model.js';
import { Routing } from './elbv2/routing.js';
import { TargetHealth } from './elbv2/target-health.js';
import type { FaultConfig } from './faults.js';
import { Metrics } from './metrics.js';
import { createRng, deriveSeed } from './random.js';

export interface WorldOptions {
  /** Overrides of `simulatorDefaults` (health checks, delays, propagation...). */
  settings?: SettingsOverrides;
  faults?: FaultConfig;
  /** Milliseconds since the epoch at simulated time 0. */
  epochMs?: number;
}

/** The simulated clients, typed as core's ports (and also usable as plain `send` objects). */
export interface SimulatedClients extends AwsClients {
  ecs: SimulatedEcsClient;
  elbv2: SimulatedElbv2Client;
  cloudwatch: SimulatedCloudWatchClient;
  applicationAutoScaling: SimulatedApplicationAutoScalingClient;
}

/**
 * A simulated AWS account: ECS, an NLB, CloudWatch alarms and a population of long-lived clients, on
 * a virtual clock. Drive it through `clients` (the same `send(command)` interface as the SDK) and
 * `clock.sleep`; read its state directly (`ecs`, `elb`) and its `metrics`.
 */
export class World implements SimContext {
  readonly settings: SimulatorSettings;
  readonly clock: VirtualClock;
  readonly rng: SimContext['rng'];
  readonly ecs: EcsState;
  readonly elb: ElbState;
  readonly alarms: AlarmState;
  readonly scheduler: EcsScheduler;
  readonly health: TargetHealth;
  readonly routing: Routing;
  readonly population: ClientPopulation;
  readonly metrics: Metrics;
  /** Application Auto Scaling: scalable targets and every scaling activity. */
  readonly autoScaling: AutoScalingState;
  faults: FaultConfig;
  readonly clients: SimulatedClients;
  /** Every API call, in order. */
  readonly calls: ApiCall[] = [];
  productionListener: SimListener | undefined;
  private readonly callListeners = new Set<(call: ApiCall) => void>();
  private sampling = false;

  constructor(options: WorldOptions = {}) {
    this.settings = resolveSettings(options.settings);
    const { account, region, randomSeed } = this.settings;
    this.clock = new VirtualClock(options.epochMs ?? DEFAULT_EPOCH_MS);
    this.rng = {
      ids: createRng(deriveSeed(randomSeed, 'ids')),
      routing: createRng(deriveSeed(randomSeed, 'routing')),
      clients: createRng(deriveSeed(randomSeed, 'clients')),
      faults: createRng(deriveSeed(randomSeed, 'faults')),
      sessions: createRng(deriveSeed(randomSeed, 'sessions')),
      stops: createRng(deriveSeed(randomSeed, 'stops')),
      imbalance: createRng(deriveSeed(randomSeed, 'imbalance')),
    };
    this.faults = options.faults ?? {};
    this.ecs = new EcsState(account, region);
    this.elb = new ElbState(account, region);
    this.alarms = new AlarmState(account, region, this.clock.epochMs, () => this.clock.elapsedMs);
    this.metrics = new Metrics(() => this.clock.elapsedMs);
    this.scheduler = new EcsScheduler(this);
    this.health = new TargetHealth(this);
    this.routing = new Routing(this);
    this.population = new ClientPopulation(this, this.settings.clients.reconnect);
    this.autoScaling = new AutoScalingState(this);
    const report = (call: ApiCall) => {
      this.calls.push(call);
      for (const listener of this.callListeners) listener(call);
    };
    this.clients = {
      ecs: new SimulatedEcsClient(this, report),
      elbv2: new SimulatedElbv2Client(this, report),
      cloudwatch: new SimulatedCloudWatchClient(this, report),
      applicationAutoScaling: new SimulatedApplicationAutoScalingClient(this, report),
    };
  }

  /** Called after every API call (successful or not); returns an unsubscribe function. */
  onApiCall(listener: (call: ApiCall) => void): () => void {
    this.callListeners.add(listener);
    return () => this.callListeners.delete(listener);
  }

  /** Successful mutating calls (CreateTaskSet, UpdateTaskSet, ModifyListener, AddTags, ...). */
  mutationCount(sinceIndex = 0): number {
    return this.calls.slice(sinceIndex).filter((c) => c.mutating && c.ok).length;
  }

  // ---- setup (direct, no API calls) ----

  addCluster(name: string): SimCluster {
    const cluster: SimCluster = { name, arn: this.ecs.arn(`cluster/${name}`), services: new Map() };
    this.ecs.clusters.set(name, cluster);
    return cluster;
  }

  registerTaskDefinition(family: string, containerDefinitions: ContainerDefinition[]): SimTaskDefinition {
    const revision = 1 + [...this.ecs.taskDefinitions.values()].filter((d) => d.family === family).length;
    const def: SimTaskDefinition = {
      family,
      revision,
      arn: this.ecs.arn(`task-definition/${family}:${revision}`),
      containerDefinitions: structuredClone(containerDefinitions),
      cpu: '256',
      memory: '512',
      registeredAt: this.clock.elapsedMs,
    };
    this.ecs.taskDefinitions.set(def.arn, def);
    return def;
  }

  addLoadBalancer(name: string, vpcId: string): SimLoadBalancer {
    const id = this.rng.ids.hex(16);
    const lb: SimLoadBalancer = {
      arn: this.elb.arn(`loadbalancer/net/${name}/${id}`),
      name,
      dnsName: `${name}-${id.slice(0, 10)}.elb.${this.settings.region}.amazonaws.com`,
      vpcId,
      createdAt: this.clock.elapsedMs,
      listeners: [],
    };
    this.elb.loadBalancers.set(lb.arn, lb);
    return lb;
  }

  addTargetGroup(
    name: string,
    port: number,
    vpcId: string,
    overrides: Partial<SimTargetGroup> = {},
  ): SimTargetGroup {
    const tg = this.settings.targetGroup;
    const group: SimTargetGroup = {
      arn: this.elb.arn(`targetgroup/${name}/${this.rng.ids.hex(16)}`),
      name,
      port,
      protocol: 'TCP',
      vpcId,
      healthCheckIntervalSeconds: tg.healthCheckIntervalSeconds,
      healthyThresholdCount: tg.healthyThresholdCount,
      unhealthyThresholdCount: tg.unhealthyThresholdCount,
      healthCheckTimeoutSeconds: tg.healthCheckTimeoutSeconds,
      deregistrationDelaySeconds: tg.deregistrationDelaySeconds,
      connectionTermination: tg.connectionTermination,
      targets: new Map(),
      inUse: false,
      pendingUnuse: undefined,
      ...overrides,
    };
    this.elb.targetGroups.set(group.arn, group);
    return group;
  }

  addListener(lb: SimLoadBalancer, port: number, targetGroup: SimTargetGroup): SimListener {
    const listener: SimListener = {
      arn: this.elb.arn(`listener/net/${lb.name}/${lb.arn.slice(-16)}/${this.rng.ids.hex(16)}`),
      loadBalancer: lb,
      port,
      protocol: 'TCP',
      defaultActions: [{ Type: 'forward', TargetGroupArn: targetGroup.arn }],
      previous: undefined,
    };
    lb.listeners.push(listener);
    this.health.refreshUsage();
    return listener;
  }

  addExternalService(
    cluster: SimCluster,
    name: string,
    desiredCount: number,
    network: NetworkConfiguration,
  ): SimService {
    const service: SimService = {
      name,
      arn: this.ecs.arn(`service/${cluster.name}/${name}`),
      cluster,
      desiredCount,
      deploymentController: 'EXTERNAL',
      launchType: 'FARGATE',
      platformVersion: 'LATEST',
      networkConfiguration: structuredClone(network),
      healthCheckGracePeriodSeconds: undefined,
      status: 'ACTIVE',
      taskSets: [],
      clientTokens: new Map(),
      tags: [],
      createdAt: this.clock.elapsedMs,
    };
    cluster.services.set(name, service);
    return service;
  }

  /** A PRIMARY task set whose tasks are already RUNNING and healthy. */
  addRunningTaskSet(
    service: SimService,
    def: SimTaskDefinition,
    loadBalancer: LoadBalancer,
    externalId?: string,
  ): SimTaskSet {
    const id = newTaskSetId(this.rng.ids.int);
    const taskSet = newTaskSet(this.ecs, service, id, this.clock.elapsedMs, {
      taskDefinitionArn: def.arn,
      externalId,
      status: 'PRIMARY',
      scale: 100,
      loadBalancers: [structuredClone(loadBalancer)],
    });
    service.taskSets.push(taskSet);
    for (let i = 0; i < service.desiredCount; i++) this.scheduler.placeRunning(taskSet);
    return taskSet;
  }

  /** Connects `perTask` clients to every running task behind `listener`, and makes it the production listener. */
  connectClients(listener: SimListener, perTask: number, policy?: ReconnectPolicy): void {
    this.productionListener = listener;
    if (policy) this.population.policy = policy;
    const tasks = [...this.ecs.allTasks()].filter((t) => t.lastStatus === 'RUNNING');
    this.population.seed(listener, tasks, perTask);
    this.startSampling();
  }

  /** Sets an alarm's state at simulated time `atMs` (ms since the world started). */
  scheduleAlarm(name: string, atMs: number, state: 'ALARM' | 'OK' = 'ALARM'): void {
    if (!this.alarms.alarms.has(name))
      this.alarms.put(name, 'OK', 'Threshold Crossed: no datapoints were breaching');
    this.clock.scheduleAt(atMs, () => this.alarms.put(name, state, `Threshold Crossed: simulated ${state}`));
  }

  /**
   * From now on the version `taskDefinitionArn` fails its health checks: its running tasks' targets turn
   * unhealthy after the unhealthy threshold, and every task launched later is unhealthy from the start.
   */
  breakVersion(taskDefinitionArn: string): void {
    this.faults.badVersion = { taskDefinition: taskDefinitionArn, mode: 'unhealthy' };
    for (const cluster of this.ecs.clusters.values()) {
      for (const service of cluster.services.values()) {
        for (const set of service.taskSets) {
          for (const task of set.tasks) {
            if (task.taskDefinitionArn !== taskDefinitionArn || task.desiredStatus !== 'RUNNING') continue;
            task.behaviour = 'unhealthy';
            if (task.target) this.health.failChecks(task.target);
          }
        }
      }
    }
  }

  /** What Application Auto Scaling does: change the service desiredCount, which resizes every task set. */
  setDesiredCount(service: SimService, desiredCount: number): void {
    this.scheduler.setDesiredCount(service, desiredCount);
  }

  /**
   * Registers the service (a `SimService`, or its name) as a scalable target, as RegisterScalableTarget
   * would (without an API call): desiredCount is moved into [min, max]; omitted SuspendedState flags
   * are false for a new target and unchanged for an existing one.
   */
  addScalableTarget(service: SimService | string, options: ScalableTargetOptions): SimScalableTarget {
    return this.autoScaling.register(this.serviceRef(service), {
      minCapacity: options.minCapacity,
      maxCapacity: options.maxCapacity,
      suspendedState: options.suspendedState,
    });
  }

  /**
   * A scaling activity at `atSeconds` (simulated seconds since the world started) on `service` (by
   * default the only scalable target's): a 'dynamic' scale-out is skipped while
   * DynamicScalingOutSuspended, a scale-in while DynamicScalingInSuspended, a 'scheduled' one while
   * ScheduledScalingSuspended; otherwise desiredCount becomes clamp(desiredCount, min, max) and every
   * task set follows. The outcome is appended to `scalingActivities`.
   */
  scheduleScaling(scaling: ScheduledScaling & { service?: SimService | string }): void {
    let service: SimService;
    if (scaling.service !== undefined) service = this.serviceRef(scaling.service);
    else {
      const targets = [...this.autoScaling.targets.values()];
      if (targets.length !== 1 || !targets[0]) {
        throw new Error(
          `scheduleScaling needs a service when there are ${targets.length} scalable targets (one expected).`,
        );
      }
      service = targets[0].service;
    }
    const { desiredCount, kind } = scaling;
    this.clock.scheduleAt(scaling.atSeconds * 1000, () =>
      this.autoScaling.scale(service, desiredCount, kind),
    );
  }

  /** Every scaling activity so far, applied or skipped, in order. */
  get scalingActivities(): readonly ScalingActivity[] {
    return this.autoScaling.activities;
  }

  private serviceRef(ref: SimService | string): SimService {
    if (typeof ref !== 'string') return ref;
    const found = [...this.ecs.clusters.values()].flatMap((c) => {
      const service = c.services.get(ref);
      return service ? [service] : [];
    });
    if (found.length !== 1 || !found[0]) {
      throw new Error(`${found.length === 0 ? 'No' : 'More than one'} service named ${ref}.`);
    }
    return found[0];
  }

  /**
   * True when no client waits to reconnect, every task set runs exactly its computedDesiredCount (no
   * task starting, draining or stopping, no scheduler action pending) and no task set is DRAINING.
   */
  isQuiet(): boolean {
    if (this.population.waiting > 0) return false;
    for (const cluster of this.ecs.clusters.values()) {
      for (const service of cluster.services.values()) {
        for (const taskSet of service.taskSets) {
          if (taskSet.status === 'DRAINING' || (taskSet.reconcile && !taskSet.reconcile.cancelled))
            return false;
          if (taskSet.tasks.length !== computedDesiredCount(taskSet)) return false;
          for (const task of taskSet.tasks) {
            if (task.lastStatus !== 'RUNNING' || task.desiredStatus !== 'RUNNING') return false;
          }
        }
      }
    }
    return true;
  }

  /** Advances simulated time second by second until `isQuiet()` or `maxMs` has passed. */
  async settle(maxMs: number): Promise<void> {
    const deadline = this.clock.elapsedMs + maxMs;
    while (!this.isQuiet() && this.clock.elapsedMs < deadline) await this.clock.sleep(1000);
  }

  private startSampling(): void {
    if (this.sampling) return;
    this.sampling = true;
    const tick = () => {
      const prod = this.productionListener;
      this.metrics.sample(
        this.ecs.allTasks(),
        prod ? this.routing.healthyBehind(prod) : 0,
        this.population.waiting,
      );
      this.clock.schedule(1000, tick);
    };
    const next = Math.ceil(this.clock.elapsedMs / 1000) * 1000;
    this.clock.scheduleAt(next, tick);
  }
}
