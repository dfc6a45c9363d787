import {
  type CapacityProviderStrategyItem,
  type CreateServiceCommandInput,
  type CreateServiceCommandOutput,
  type CreateTaskSetCommandInput,
  type CreateTaskSetCommandOutput,
  type DeleteTaskSetCommandInput,
  type DeleteTaskSetCommandOutput,
  InvalidParameterException,
  type LoadBalancer,
  type ServiceRegistry,
  type UpdateServicePrimaryTaskSetCommandInput,
  type UpdateServicePrimaryTaskSetCommandOutput,
  type UpdateTaskSetCommandInput,
  type UpdateTaskSetCommandOutput,
} from '@aws-sdk/client-ecs';
import type { SimContext } from '../context.js';
import { networkModeOf, newTaskSet, newTaskSetId, type SimService, type SimTaskDefinition } from './model.js';
import { checkTags, mergeTags } from './tags.js';
import { serviceView, taskSetView } from './views.js';

type Out<T> = Omit<T, '$metadata'>;
const invalid = (message: string) =>
  new InvalidParameterException({ message, $metadata: { httpStatusCode: 400 } });
const fargateProviders: ReadonlySet<string> = new Set(['FARGATE', 'FARGATE_SPOT']);

export function createService(
  ctx: SimContext,
  input: CreateServiceCommandInput,
): Out<CreateServiceCommandOutput> {
  const cluster = ctx.ecs.cluster(input.cluster);
  if (!input.serviceName) throw invalid('serviceName can not be blank.');
  if (ctx.ecs.findService(cluster, input.serviceName))
    throw invalid('Creation of service was not idempotent.');
  const controller = input.deploymentController?.type ?? 'ECS';
  if (controller !== 'EXTERNAL' && !input.taskDefinition) {
    throw invalid(
      'TaskDefinition must be specified for services that do not use the EXTERNAL deployment controller.',
    );
  }
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw invalid('Specifying both a launch type and capacity provider strategy is not supported.');
  }
  const tags = mergeTags([], checkTags(input.tags ?? []));
  const service: SimService = {
    name: input.serviceName,
    arn: ctx.ecs.arn(`service/${cluster.name}/${input.serviceName}`),
    cluster,
    desiredCount: input.desiredCount ?? 0,
    deploymentController: controller,
    launchType: input.launchType,
    platformVersion: input.platformVersion,
    networkConfiguration: input.networkConfiguration
      ? structuredClone(input.networkConfiguration)
      : undefined,
    healthCheckGracePeriodSeconds: input.healthCheckGracePeriodSeconds,
    status: 'ACTIVE',
    taskSets: [],
    clientTokens: new Map(),
    tags,
    createdAt: ctx.clock.elapsedMs,
  };
  cluster.services.set(service.name, service);
  return { service: serviceView(service, ctx.clock.epochMs, ctx.clock.elapsedMs) };
}

function externalService(ctx: SimContext, clusterRef: string | undefined, serviceRef: string | undefined) {
  const cluster = ctx.ecs.cluster(clusterRef);
  const service = ctx.ecs.service(cluster, serviceRef);
  if (service.deploymentController !== 'EXTERNAL') {
    throw invalid('Task sets are only supported for services using the EXTERNAL deployment controller.');
  }
  return service;
}

function checkScale(value: number | undefined, unit: string | undefined): number {
  if (unit !== undefined && unit !== 'PERCENT') throw invalid(`Unsupported scale unit: ${unit}.`);
  const scale = value ?? 100;
  if (!Number.isFinite(scale) || scale < 0 || scale > 100)
    throw invalid('Scale value must be between 0 and 100.');
  return scale;
}

function checkLoadBalancers(ctx: SimContext, def: SimTaskDefinition, lbs: LoadBalancer[]): void {
  if (lbs.length > 1) throw invalid('The simulator supports one load balancer (target group) per task set.');
  for (const lb of lbs) {
    if (!lb.targetGroupArn || !ctx.elb.targetGroups.has(lb.targetGroupArn)) {
      throw invalid(`Unable to find the target group ${lb.targetGroupArn ?? '(none)'}.`);
    }
    const container = def.containerDefinitions.find((c) => c.name === lb.containerName);
    if (!container)
      throw invalid(`The container ${lb.containerName ?? '(none)'} does not exist in the task definition.`);
    if (!container.portMappings?.some((p) => p.containerPort === lb.containerPort)) {
      throw invalid(
        `The container ${lb.containerName} did not have a container port ${lb.containerPort} defined.`,
      );
    }
  }
}

/**
 * The simulated clusters have the Fargate capacity providers associated, and no other. Returns whether
 * the strategy runs on Fargate (it always does here).
 */
function checkCapacityProviders(strategy: CapacityProviderStrategyItem[]): boolean {
  for (const item of strategy) {
    if (!fargateProviders.has(item.capacityProvider ?? '')) {
      throw invalid(
        'The specified capacity provider strategy cannot contain a capacity provider that is not associated ' +
          'with the cluster. Associate the capacity provider with the cluster or specify a valid capacity ' +
          'provider and try again.',
      );
    }
  }
  return true;
}

/** awsvpc needs an awsvpc configuration with subnets; any other mode refuses one, and Fargate needs awsvpc. */
function checkNetwork(def: SimTaskDefinition, input: CreateTaskSetCommandInput, fargate: boolean): void {
  const mode = networkModeOf(def);
  if (mode === 'awsvpc') {
    if (!input.networkConfiguration?.awsvpcConfiguration?.subnets?.length) {
      throw invalid("Network Configuration must be provided when networkMode 'awsvpc' is specified.");
    }
    return;
  }
  if (input.networkConfiguration) {
    throw invalid('Network Configuration is not valid for the given networkMode of this task definition.');
  }
  if (fargate) throw invalid(`Task definition does not support launch_type FARGATE (networkMode ${mode}).`);
}

/**
 * Cloud Map registries as ECS checks them: one per set, a registryArn each, and `port` or
 * `containerName` + `containerPort` (a container port the task definition maps), never both. bridge and
 * host need the container pair.
 */
function checkServiceRegistries(def: SimTaskDefinition, registries: ServiceRegistry[]): void {
  if (registries.length > 1) throw invalid('Multiple service registries for each service are not supported.');
  for (const registry of registries) {
    if (!registry.registryArn) throw invalid('registryArn can not be blank.');
    const named = registry.containerName !== undefined || registry.containerPort !== undefined;
    if (named && registry.port !== undefined) {
      throw invalid(
        'Service registry can not have both a port and a containerName/containerPort combination.',
      );
    }
    if (named && (registry.containerName === undefined || registry.containerPort === undefined)) {
      throw invalid('Service registry containerName and containerPort must be specified together.');
    }
    if (!named && networkModeOf(def) !== 'awsvpc') {
      throw invalid(
        `Service registry must specify containerName and containerPort for networkMode ${networkModeOf(def)}.`,
      );
    }
    if (named) {
      const container = def.containerDefinitions.find((c) => c.name === registry.containerName);
      if (!container?.portMappings?.some((p) => p.containerPort === registry.containerPort)) {
        throw invalid(
          `The container ${registry.containerName} did not have a container port ${registry.containerPort} defined.`,
        );
      }
    }
  }
}

/** clientToken: up to 36 ASCII characters 33-126; the same token with the same request returns the same task set. */
export function createTaskSet(
  ctx: SimContext,
  input: CreateTaskSetCommandInput,
): Out<CreateTaskSetCommandOutput> {
  const service = externalService(ctx, input.cluster, input.service);
  const token = input.clientToken;
  if (token !== undefined && !/^[\x21-\x7e]{1,36}$/.test(token)) {
    throw invalid('clientToken must be 1 to 36 ASCII characters in the range 33-126.');
  }
  const def = ctx.ecs.taskDefinition(input.taskDefinition);
  const fingerprint = JSON.stringify([
    def.arn,
    input.externalId,
    input.loadBalancers,
    input.networkConfiguration,
    input.serviceRegistries,
    input.launchType,
    input.capacityProviderStrategy,
    input.platformVersion,
    input.scale,
  ]);
  const previous = token === undefined ? undefined : service.clientTokens.get(token);
  if (previous) {
    if (previous.requestFingerprint !== fingerprint) {
      throw invalid(`The clientToken ${token} was already used with different parameters.`);
    }
    return { taskSet: taskSetView(previous, ctx.clock.epochMs, ctx.clock.elapsedMs) };
  }
  if (input.launchType && input.capacityProviderStrategy?.length) {
    throw invalid('Specifying both a launch type and capacity provider strategy is not supported.');
  }
  const strategy = input.capacityProviderStrategy?.length ? input.capacityProviderStrategy : undefined;
  const launchType = strategy ? undefined : (input.launchType ?? service.launchType);
  // Neither a launch type nor a strategy: the cluster's default strategy, and EC2 without one (the
  // simulated clusters have none).
  const fargate = strategy ? checkCapacityProviders(strategy) : launchType === 'FARGATE';
  checkNetwork(def, input, fargate);
  if (!fargate && input.platformVersion !== undefined) {
    throw invalid(`The platform version must be null when specifying an ${launchType ?? 'EC2'} launch type.`);
  }
  const serviceRegistries = structuredClone(input.serviceRegistries ?? []);
  checkServiceRegistries(def, serviceRegistries);
  const scale = checkScale(input.scale?.value, input.scale?.unit);
  const loadBalancers = structuredClone(input.loadBalancers ?? []);
  checkLoadBalancers(ctx, def, loadBalancers);
  const tags = mergeTags([], checkTags(input.tags ?? []));
  const live = service.taskSets.filter((ts) => ts.status !== 'DRAINING').length;
  if (live >= ctx.settings.ecs.maxTaskSetsPerService) {
    throw invalid(
      `${live} deployments exist on the service. Unable to create new TaskSet since this exceeds the maximum limit.`,
    );
  }
  const id = newTaskSetId(ctx.rng.ids.int);
  const now = ctx.clock.elapsedMs;
  const taskSet = newTaskSet(ctx.ecs, service, id, now, {
    taskDefinitionArn: def.arn,
    externalId: input.externalId,
    clientToken: token,
    status: 'ACTIVE',
    scale,
    launchType,
    capacityProviderStrategy: strategy ? structuredClone(strategy) : undefined,
    platformVersion: fargate ? (input.platformVersion ?? 'LATEST') : undefined,
    networkConfiguration: structuredClone(input.networkConfiguration),
    loadBalancers,
    serviceRegistries,
    tags,
    requestFingerprint: fingerprint,
  });
  service.taskSets.push(taskSet);
  ctx.ecs.createdTaskSets.push(taskSet.arn);
  if (token !== undefined) service.clientTokens.set(token, taskSet);
  ctx.scheduler.requestReconcile(taskSet);
  return { taskSet: taskSetView(taskSet, ctx.clock.epochMs, now) };
}

export function updateTaskSet(
  ctx: SimContext,
  input: UpdateTaskSetCommandInput,
): Out<UpdateTaskSetCommandOutput> {
  const service = externalService(ctx, input.cluster, input.service);
  const taskSet = ctx.ecs.taskSet(service, input.taskSet);
  if (!input.scale) throw invalid('scale can not be null.');
  const scale = checkScale(input.scale.value, input.scale.unit);
  if (taskSet.status === 'DRAINING') throw invalid('The task set is being deleted and cannot be updated.');
  taskSet.scale = scale;
  taskSet.updatedAt = ctx.clock.elapsedMs;
  ctx.scheduler.requestReconcile(taskSet);
  return { taskSet: taskSetView(taskSet, ctx.clock.epochMs, ctx.clock.elapsedMs) };
}

export function updateServicePrimaryTaskSet(
  ctx: SimContext,
  input: UpdateServicePrimaryTaskSetCommandInput,
): Out<UpdateServicePrimaryTaskSetCommandOutput> {
  const service = externalService(ctx, input.cluster, input.service);
  const taskSet = ctx.ecs.taskSet(service, input.primaryTaskSet);
  if (taskSet.status === 'DRAINING')
    throw invalid('A task set that is being deleted cannot be made primary.');
  for (const ts of service.taskSets) {
    if (ts === taskSet) ts.status = 'PRIMARY';
    else if (ts.status === 'PRIMARY') ts.status = 'ACTIVE';
  }
  taskSet.updatedAt = ctx.clock.elapsedMs;
  return { taskSet: taskSetView(taskSet, ctx.clock.epochMs, ctx.clock.elapsedMs) };
}

/**
 * Without `force`, a task set whose scale is above 0 cannot be deleted. A deleted set turns DRAINING,
 * its tasks are deregistered and stopped, and it disappears once the last one has stopped. Deleting
 * the PRIMARY set is allowed (the seed sample relies on it); the service then has no primary.
 */
export function deleteTaskSet(
  ctx: SimContext,
  input: DeleteTaskSetCommandInput,
): Out<DeleteTaskSetCommandOutput> {
  const service = externalService(ctx, input.cluster, input.service);
  const taskSet = ctx.ecs.taskSet(service, input.taskSet);
  if (taskSet.status !== 'DRAINING') {
    if (!input.force && taskSet.scale > 0) {
      throw invalid(
        'The task set cannot be deleted until it is scaled down to zero. Use force to delete it anyway.',
      );
    }
    taskSet.status = 'DRAINING';
    taskSet.updatedAt = ctx.clock.elapsedMs;
    ctx.scheduler.requestReconcile(taskSet);
  }
  return { taskSet: taskSetView(taskSet, ctx.clock.epochMs, ctx.clock.elapsedMs) };
}
