import type {
  CapacityProviderStrategyItem,
  CreateTaskSetCommandInput,
  Service,
  ServiceRegistry,
  TaskSet,
} from '@aws-sdk/client-ecs';
import { liveTaskSets, type PhaseContext, readContainerPort, readService, targetGroupOf } from '../aws/read';
import { encodeLease, type Lease, taskSetTag } from '../aws/task-set-tags';
import { lockWinner } from '../aws/task-sets';
import { createService, createTaskSetOnce, deleteTaskSet } from '../aws/write';
import { freshLease } from '../controller/lease';
import { DeploymentLockedError, EcsTaperError, InputValidationError } from '../errors';
import { type ResolvedInput, taskSetDefaults } from '../input';
import { type DeploymentState, go, type PhaseResult, type Topology } from '../state';

export type CreateDecision =
  | { kind: 'create-service' }
  | { kind: 'create-task-set'; request: CreateTaskSetCommandInput }
  | { kind: 'done'; taskSetArn: string; createdAt?: number };

type Compute = Pick<CreateTaskSetCommandInput, 'launchType' | 'capacityProviderStrategy'>;

/** The capacity providers that are Fargate (a strategy cannot mix them with Auto Scaling group providers). */
const fargateProviders: ReadonlySet<string> = new Set(['FARGATE', 'FARGATE_SPOT']);

const copyStrategy = (items: CapacityProviderStrategyItem[]): CapacityProviderStrategyItem[] =>
  items.map(({ capacityProvider, weight, base }) => ({
    capacityProvider,
    ...(weight === undefined ? {} : { weight }),
    ...(base === undefined ? {} : { base }),
  }));

/**
 * Launch type or capacity provider strategy (never both: ECS refuses that). The input's, else the old set's
 * (one that reports neither ran on the cluster's default strategy: sending neither gives the new set that
 * too, as CreateTaskSet documents), else FARGATE for an awsvpc task definition and neither otherwise
 * (Fargate needs awsvpc; neither = the cluster's default strategy, or EC2 without one).
 */
function compute(input: ResolvedInput, old: TaskSet | undefined, awsvpc: boolean): Compute {
  if (input.capacityProviderStrategy)
    return { capacityProviderStrategy: copyStrategy(input.capacityProviderStrategy) };
  if (input.launchType) return { launchType: input.launchType };
  // Strategy first: an emulator (moto) reports a launch type next to the strategy.
  if (old?.capacityProviderStrategy?.length)
    return { capacityProviderStrategy: copyStrategy(old.capacityProviderStrategy) };
  if (old?.launchType) return { launchType: old.launchType };
  if (old) return {};
  return awsvpc ? { launchType: taskSetDefaults.launchType } : {};
}

/** false when the set certainly runs outside Fargate (a platform version is for Fargate only). */
function mayRunOnFargate(chosen: Compute): boolean {
  if (chosen.launchType) return chosen.launchType === 'FARGATE';
  if (chosen.capacityProviderStrategy)
    return chosen.capacityProviderStrategy.every((item) => fargateProviders.has(item.capacityProvider ?? ''));
  return true;
}

/** The old set's Cloud Map registries, field for field: ECS takes port or containerName+containerPort, never both. */
function serviceRegistries(old: TaskSet | undefined): ServiceRegistry[] {
  return (old?.serviceRegistries ?? []).map(({ registryArn, port, containerName, containerPort }) => ({
    ...(registryArn === undefined ? {} : { registryArn }),
    ...(port === undefined ? {} : { port }),
    ...(containerName === undefined ? {} : { containerName }),
    ...(containerPort === undefined ? {} : { containerPort }),
  }));
}

/**
 * awsvpcConfiguration, only for an awsvpc task definition (ECS refuses a network configuration for any
 * other mode). Each field is the input's, else the old set's; with neither, subnets (which ECS requires)
 * and security groups (ours: the VPC's default group is rarely meant) are refused before any change.
 */
function network(
  input: ResolvedInput,
  old: TaskSet | undefined,
  awsvpc: boolean,
): Pick<CreateTaskSetCommandInput, 'networkConfiguration'> {
  if (!awsvpc) return {};
  const from = old?.networkConfiguration?.awsvpcConfiguration;
  const subnets = input.subnets ?? from?.subnets ?? [];
  const securityGroups = input.securityGroups ?? from?.securityGroups ?? [];
  const missing = [
    ...(subnets.length === 0 ? ['subnets'] : []),
    // An old set without security groups runs in the VPC's default group: the new one does too.
    ...(securityGroups.length === 0 && !from ? ['securityGroups'] : []),
  ];
  const [field] = missing;
  if (field) {
    const source = old
      ? `its old task set ${old.id ?? old.taskSetArn} has no awsvpc network configuration to take them from`
      : `service ${input.service} has no old task set to take them from (a first deployment)`;
    throw new InputValidationError(
      field,
      `is required${missing.length > 1 ? `, and so is ${missing.slice(1).join(', ')}` : ''}: task definition ` +
        `${input.taskDefinition} uses the awsvpc network mode and ${source}; pass ${missing.join(' and ')}`,
    );
  }
  const assignPublicIp =
    input.assignPublicIp === undefined
      ? (from?.assignPublicIp ?? (taskSetDefaults.assignPublicIp ? 'ENABLED' : 'DISABLED'))
      : input.assignPublicIp
        ? 'ENABLED'
        : 'DISABLED';
  return {
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...subnets],
        ...(securityGroups.length > 0 ? { securityGroups: [...securityGroups] } : {}),
        assignPublicIp,
      },
    },
  };
}

/**
 * The CreateTaskSet request; deploymentId is both clientToken and externalId, so a retry never makes a
 * second set. The new set runs like `old` (the set serving production): its launch type or capacity
 * provider strategy, platform version, awsvpc network and Cloud Map registries, unless the input says
 * otherwise. `topology.networkMode` undefined (never in the phase, which reads it) counts as awsvpc.
 * Throws InputValidationError when an awsvpc set would have no subnets or security groups.
 */
export function taskSetRequest(
  input: ResolvedInput,
  topology: Topology,
  deploymentId: string,
  lease?: Lease,
  old?: TaskSet,
): CreateTaskSetCommandInput {
  const awsvpc = (topology.networkMode ?? 'awsvpc') === 'awsvpc';
  const chosen = compute(input, old, awsvpc);
  const platformVersion =
    input.platformVersion ?? (mayRunOnFargate(chosen) ? old?.platformVersion : undefined);
  const registries = serviceRegistries(old);
  return {
    cluster: input.cluster,
    service: input.service,
    taskDefinition: input.taskDefinition,
    externalId: deploymentId,
    clientToken: deploymentId,
    loadBalancers: [
      {
        targetGroupArn: topology.newTargetGroupArn,
        containerName: topology.containerName,
        containerPort: topology.containerPort,
      },
    ],
    ...network(input, old, awsvpc),
    ...(registries.length > 0 ? { serviceRegistries: registries } : {}),
    ...chosen,
    ...(platformVersion ? { platformVersion } : {}),
    scale: { unit: 'PERCENT', value: 100 },
    // Ours from the first moment, and leased to this controller: a second one is refused at once.
    tags: [
      { key: taskSetTag.deploymentId, value: deploymentId },
      ...(lease ? [{ key: taskSetTag.lease, value: encodeLease(lease) }] : []),
    ],
  };
}

/** The set serving production when discover ran (it is what the new one must run like). */
export function oldTaskSet(service: Service | undefined, topology: Topology): TaskSet | undefined {
  if (!topology.oldTaskSetArn) return undefined;
  return liveTaskSets(service).find((set) => set.taskSetArn === topology.oldTaskSetArn);
}

export function decide(service: Service | undefined, state: DeploymentState): CreateDecision {
  const topology = topologyOf(state);
  const requestFor = (old: TaskSet | undefined) =>
    taskSetRequest(state.input, topology, state.deploymentId, state.lease, old);
  if (!service) {
    // Built (and so refused, when the network is missing) before CreateService changes anything.
    requestFor(undefined);
    return { kind: 'create-service' };
  }
  const ours = liveTaskSets(service).find((set) => set.externalId === state.deploymentId);
  if (ours?.taskSetArn)
    return { kind: 'done', taskSetArn: ours.taskSetArn, createdAt: ours.createdAt?.getTime() };
  return { kind: 'create-task-set', request: requestFor(oldTaskSet(service, topology)) };
}

function topologyOf(state: DeploymentState): Topology {
  if (!state.topology) throw new EcsTaperError('internal: phase run before discover resolved the topology');
  return state.topology;
}

/**
 * The new task definition's network mode, which discover reads with the container port; when the input
 * named the container, discover read nothing, and this is the one DescribeTaskDefinition of the deployment.
 */
async function withNetworkMode(ctx: PhaseContext, state: DeploymentState): Promise<DeploymentState> {
  const topology = topologyOf(state);
  if (topology.networkMode) return state;
  const { containerName, containerPort } = topology;
  const { networkMode } = await readContainerPort(ctx, state.input.taskDefinition, {
    containerName,
    containerPort,
  });
  return { ...state, topology: { ...topology, networkMode } };
}

/**
 * If another deployment created a set on the same standby group at the same moment, the one ECS created
 * first wins (both sides compute the same answer). The loser deletes its own set and stops.
 */
export async function backOffIfLockLost(
  ctx: PhaseContext,
  state: DeploymentState,
  service: Service | undefined,
): Promise<string | undefined> {
  const topology = topologyOf(state);
  const contenders = liveTaskSets(service).filter((set) => targetGroupOf(set) === topology.newTargetGroupArn);
  const mine = contenders.filter((set) => set.externalId === state.deploymentId);
  const winner = lockWinner(contenders);
  if (mine.length === 0 || !winner) return undefined;
  if (winner.externalId === state.deploymentId) {
    // Several sets with our own id: a CreateTaskSet resent where the clientToken was not honoured (an
    // emulator, or a token ECS no longer remembered). Keep the first, delete the rest: never refuse forever.
    for (const extra of mine) if (extra !== winner) await deleteTaskSet(ctx, state.input, extra);
    return winner.taskSetArn;
  }
  for (const set of mine) await deleteTaskSet(ctx, state.input, set);
  const winnerId = winner.externalId ?? winner.id ?? 'unknown';
  throw new DeploymentLockedError(
    winnerId,
    `service ${state.input.service}: deployment ${winnerId} started first on the same target group; ` +
      `deployment ${state.deploymentId} backed out and deleted its task set`,
  );
}

export async function createTaskSet(ctx: PhaseContext, current: DeploymentState): Promise<PhaseResult> {
  const { input } = current;
  let service = await readService(ctx, input.cluster, input.service);
  let state: DeploymentState = { ...current, lease: freshLease(current, ctx.now, 0) };
  if (!liveTaskSets(service).some((set) => set.externalId === state.deploymentId)) {
    state = await withNetworkMode(ctx, state);
  }
  let decision = decide(service, state);
  if (decision.kind === 'create-service') {
    if (!input.createService) {
      throw new InputValidationError(
        'createService',
        `service ${input.service} does not exist in cluster ${input.cluster}; pass createService: true (--create-service) to create it`,
      );
    }
    await createService(ctx, input, state.deploymentId);
    service = await readService(ctx, input.cluster, input.service);
    decision = decide(service, state);
  }
  if (decision.kind === 'create-task-set') {
    const created = await createTaskSetOnce(
      ctx,
      input,
      decision.request,
      async () => decide(await readService(ctx, input.cluster, input.service), state).kind === 'done',
    );
    service = await readService(ctx, input.cluster, input.service);
    decision = decide(service, state);
    // ECS is eventually consistent: the Describe may not show the set yet, but CreateTaskSet's response does.
    if (decision.kind !== 'done' && created?.taskSetArn) {
      decision = { kind: 'done', taskSetArn: created.taskSetArn, createdAt: created.createdAt?.getTime() };
    }
  }
  if (decision.kind !== 'done') {
    throw new EcsTaperError(
      `task set of deployment ${state.deploymentId} not visible after CreateTaskSet; retry`,
    );
  }
  const kept = await backOffIfLockLost(ctx, state, service);
  return {
    state: {
      ...state,
      newTaskSetArn: kept ?? decision.taskSetArn,
      // Counted from the set's creation, as a resumed run counts it: restarts never extend it.
      readyDeadline: (decision.createdAt ?? ctx.now) + input.readyTimeoutSeconds * 1000,
    },
    next: go('waitReady', `created task set ${decision.taskSetArn}`),
  };
}
