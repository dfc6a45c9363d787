import {
  type CapacityProviderStrategyItem,
  ClientException,
  ClusterNotFoundException,
  type ContainerDefinition,
  type DeploymentControllerType,
  type LaunchType,
  type LoadBalancer,
  type NetworkConfiguration,
  type NetworkMode,
  ServiceNotFoundException,
  type ServiceRegistry,
  type Tag,
  TaskSetNotFoundException,
} from '@aws-sdk/client-ecs';
import type { SimTarget } from '../elbv2/model.js';
import type { ScheduledEvent } from '../event-queue.js';

export type TaskStatus = 'PROVISIONING' | 'PENDING' | 'RUNNING' | 'DEACTIVATING' | 'STOPPING' | 'STOPPED';
/** How the app in a task behaves: a bad version never passes health checks, or crashes after starting. */
export type AppBehaviour = 'healthy' | 'unhealthy' | 'crash';

export interface SimTask {
  id: string;
  arn: string;
  ip: string;
  taskSet: SimTaskSet;
  taskDefinitionArn: string;
  /** From its subnet: the task set's subnets are spread over the region's zones a, b, c in order. */
  availabilityZone: string;
  lastStatus: TaskStatus;
  desiredStatus: 'RUNNING' | 'STOPPED';
  behaviour: AppBehaviour;
  failsToStart: boolean;
  launchedAt: number;
  runningAt: number | undefined;
  /** When ECS decided to stop the task (its desiredStatus turned STOPPED): DescribeTasks' stoppingAt. */
  stoppingAt: number | undefined;
  /** When its containers exited (its connections dropped): DescribeTasks' executionStoppedAt. */
  executionStoppedAt: number | undefined;
  stoppedAt: number | undefined;
  stoppedReason: string | undefined;
  target: SimTarget | undefined;
  /** Client ids currently connected to this task. */
  connections: Set<number>;
  timers: ScheduledEvent[];
}

export type TaskSetStatus = 'PRIMARY' | 'ACTIVE' | 'DRAINING';

export interface SimTaskSet {
  id: string;
  arn: string;
  service: SimService;
  taskDefinitionArn: string;
  externalId: string | undefined;
  clientToken: string | undefined;
  status: TaskSetStatus;
  scale: number;
  launchType: LaunchType | undefined;
  capacityProviderStrategy: CapacityProviderStrategyItem[] | undefined;
  /** Fargate only: absent on a set that runs on EC2 (or EXTERNAL). */
  platformVersion: string | undefined;
  networkConfiguration: NetworkConfiguration | undefined;
  loadBalancers: LoadBalancer[];
  /** Cloud Map registries the set's tasks are registered in (kept as CreateTaskSet sent them). */
  serviceRegistries: ServiceRegistry[];
  tags: Tag[];
  createdAt: number;
  updatedAt: number;
  /** Live (not yet STOPPED) tasks. */
  tasks: SimTask[];
  reconcile: ScheduledEvent | undefined;
  /** Fingerprint of the create request, to check clientToken reuse. */
  requestFingerprint: string;
}

export interface SimService {
  name: string;
  arn: string;
  cluster: SimCluster;
  desiredCount: number;
  deploymentController: DeploymentControllerType;
  launchType: LaunchType | undefined;
  platformVersion: string | undefined;
  networkConfiguration: NetworkConfiguration | undefined;
  healthCheckGracePeriodSeconds: number | undefined;
  status: 'ACTIVE' | 'DRAINING' | 'INACTIVE';
  taskSets: SimTaskSet[];
  clientTokens: Map<string, SimTaskSet>;
  tags: Tag[];
  createdAt: number;
}

export interface SimCluster {
  name: string;
  arn: string;
  services: Map<string, SimService>;
}

export interface SimTaskDefinition {
  family: string;
  revision: number;
  arn: string;
  containerDefinitions: ContainerDefinition[];
  cpu: string;
  memory: string;
  /** Absent: awsvpc (the simulator's task definitions are Fargate ones unless a test says otherwise). */
  networkMode?: NetworkMode;
  registeredAt: number;
}

/** The task definition's network mode as ECS reports it. */
export function networkModeOf(def: SimTaskDefinition): NetworkMode {
  return def.networkMode ?? 'awsvpc';
}

/**
 * ceil(desiredCount x scale / 100), always rounded up. The SDK sends `scale` as the decimal JavaScript
 * prints (66.66666666666667); in JS doubles 3 * 66.66666666666667 / 100 is exactly 2, but the exact
 * product of that decimal is 2.0000000000000001, which ECS rounds up to 3. The simulator takes the
 * larger of the floating-point and the exact decimal result, so a scale that only works by
 * floating-point luck yields one task too many here, as it may in AWS.
 */
export function ceilTasks(desiredCount: number, scale: number): number {
  const float = Math.ceil((desiredCount * scale) / 100);
  const exact = exactCeil(desiredCount, scale);
  return exact === undefined ? float : Math.max(float, exact);
}

function exactCeil(desiredCount: number, scale: number): number | undefined {
  const match = /^(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/.exec(String(scale));
  if (!match || !Number.isSafeInteger(desiredCount)) return undefined;
  const [, whole = '0', fraction = '', exponent = '0'] = match;
  const digits = BigInt(whole + fraction);
  const shift = fraction.length - Number(exponent);
  let numerator = BigInt(desiredCount) * digits;
  let denominator = 100n;
  if (shift >= 0) denominator *= 10n ** BigInt(shift);
  else numerator *= 10n ** BigInt(-shift);
  return Number((numerator + denominator - 1n) / denominator);
}

/** A task set id as ECS prints them: `ecs-svc/` and 19 digits. */
export function newTaskSetId(next: (n: number) => number): string {
  let digits = String(1 + next(9));
  for (let i = 0; i < 18; i++) digits += String(next(10));
  return `ecs-svc/${digits}`;
}

/** A new task set of `service` with no tasks yet; `fields` sets what the request chose. */
export function newTaskSet(
  ecs: EcsState,
  service: SimService,
  id: string,
  now: number,
  fields: Pick<SimTaskSet, 'taskDefinitionArn' | 'status' | 'scale' | 'loadBalancers'> & Partial<SimTaskSet>,
): SimTaskSet {
  return {
    id,
    arn: ecs.arn(`task-set/${service.cluster.name}/${service.name}/${id}`),
    service,
    externalId: undefined,
    clientToken: undefined,
    launchType: 'FARGATE',
    capacityProviderStrategy: undefined,
    platformVersion: 'LATEST',
    networkConfiguration: structuredClone(service.networkConfiguration),
    serviceRegistries: [],
    tags: [],
    createdAt: now,
    updatedAt: now,
    tasks: [],
    reconcile: undefined,
    requestFingerprint: '',
    ...fields,
  };
}

/** The task set's computedDesiredCount (0 once it is DRAINING). */
export function computedDesiredCount(taskSet: SimTaskSet): number {
  if (taskSet.status === 'DRAINING') return 0;
  return ceilTasks(taskSet.service.desiredCount, taskSet.scale);
}

/** ECS shows a stopped task for at least an hour after it stopped. */
export const stoppedTaskRetentionMs = 3600_000;

const meta = () => ({ $metadata: { httpStatusCode: 400 } });
const lastSegment = (ref: string) => ref.slice(ref.lastIndexOf('/') + 1);

/** ECS resources and lookups that throw the errors real ECS returns. */
export class EcsState {
  readonly clusters = new Map<string, SimCluster>();
  readonly taskDefinitions = new Map<string, SimTaskDefinition>();
  /** ARNs of every task set CreateTaskSet ever created (a replayed clientToken creates none). */
  readonly createdTaskSets: string[] = [];
  /**
   * Tasks that have STOPPED, oldest first: ListTasks and DescribeTasks still show a stopped task for at
   * least an hour, so the scheduler keeps them that long (stoppedTaskRetentionMs) and drops older ones.
   */
  readonly stoppedTasks: SimTask[] = [];

  constructor(
    readonly account: string,
    readonly region: string,
  ) {}

  arn(resource: string): string {
    return `arn:aws:ecs:${this.region}:${this.account}:${resource}`;
  }

  cluster(ref: string | undefined): SimCluster {
    const cluster = this.clusters.get(lastSegment(ref ?? 'default'));
    if (!cluster) throw new ClusterNotFoundException({ message: 'Cluster not found.', ...meta() });
    return cluster;
  }

  findService(cluster: SimCluster, ref: string): SimService | undefined {
    const service = cluster.services.get(lastSegment(ref));
    return service && service.status !== 'INACTIVE' ? service : undefined;
  }

  service(cluster: SimCluster, ref: string | undefined): SimService {
    const service = ref ? this.findService(cluster, ref) : undefined;
    if (!service) throw new ServiceNotFoundException({ message: 'Service not found.', ...meta() });
    return service;
  }

  findTaskSet(service: SimService, ref: string): SimTaskSet | undefined {
    return service.taskSets.find((ts) => ts.arn === ref || ts.id === ref || ts.arn.endsWith(`/${ref}`));
  }

  taskSet(service: SimService, ref: string | undefined): SimTaskSet {
    const taskSet = ref ? this.findTaskSet(service, ref) : undefined;
    if (!taskSet) {
      throw new TaskSetNotFoundException({
        message:
          'The specified task set does not exist. You can view your available task sets with DescribeTaskSets.',
        ...meta(),
      });
    }
    return taskSet;
  }

  /** `family`, `family:revision` or a full ARN; a bare family means its latest revision. */
  findTaskDefinition(ref: string): SimTaskDefinition | undefined {
    const exact = this.taskDefinitions.get(ref);
    if (exact) return exact;
    const name = lastSegment(ref);
    const [family, revision] = name.split(':');
    let latest: SimTaskDefinition | undefined;
    for (const def of this.taskDefinitions.values()) {
      if (def.family !== family) continue;
      if (revision !== undefined && String(def.revision) === revision) return def;
      if (revision === undefined && (!latest || def.revision > latest.revision)) latest = def;
    }
    return latest;
  }

  taskDefinition(ref: string | undefined): SimTaskDefinition {
    const def = ref ? this.findTaskDefinition(ref) : undefined;
    if (!def) throw new ClientException({ message: 'Unable to describe task definition.', ...meta() });
    return def;
  }

  /** Every live task of every service, for metrics and tests. */
  *allTasks(): Generator<SimTask> {
    for (const cluster of this.clusters.values()) {
      for (const service of cluster.services.values()) {
        for (const taskSet of service.taskSets) yield* taskSet.tasks;
      }
    }
  }
}
