import type { Service, TaskDefinition, TaskSet } from '@aws-sdk/client-ecs';
import {
  computedDesiredCount,
  networkModeOf,
  type SimService,
  type SimTaskDefinition,
  type SimTaskSet,
} from './model.js';

const clone = <T>(value: T): T => structuredClone(value);

export interface TaskSetCounts {
  running: number;
  pending: number;
  allHealthy: boolean;
}

/** RUNNING and PROVISIONING/PENDING tasks, and whether every running task is healthy in its target group. */
export function taskSetCounts(taskSet: SimTaskSet): TaskSetCounts {
  let running = 0;
  let pending = 0;
  let allHealthy = true;
  for (const task of taskSet.tasks) {
    if (task.lastStatus === 'RUNNING') {
      running++;
      if (task.target && task.target.state !== 'healthy') allHealthy = false;
    } else if (task.lastStatus === 'PROVISIONING' || task.lastStatus === 'PENDING') {
      pending++;
    }
  }
  return { running, pending, allHealthy };
}

/** STEADY_STATE only when runningCount == computedDesiredCount, pendingCount == 0 and every task is healthy. */
export function stabilityStatus(taskSet: SimTaskSet): 'STEADY_STATE' | 'STABILIZING' {
  const { running, pending, allHealthy } = taskSetCounts(taskSet);
  return running === computedDesiredCount(taskSet) && pending === 0 && allHealthy
    ? 'STEADY_STATE'
    : 'STABILIZING';
}

/** The TaskSet shape ECS returns. */
export function taskSetView(
  taskSet: SimTaskSet,
  epochMs: number,
  nowMs: number,
  includeTags = false,
): TaskSet {
  const { running, pending } = taskSetCounts(taskSet);
  const service = taskSet.service;
  return {
    id: taskSet.id,
    taskSetArn: taskSet.arn,
    serviceArn: service.arn,
    clusterArn: service.cluster.arn,
    externalId: taskSet.externalId,
    status: taskSet.status,
    taskDefinition: taskSet.taskDefinitionArn,
    computedDesiredCount: computedDesiredCount(taskSet),
    pendingCount: pending,
    runningCount: running,
    createdAt: new Date(epochMs + taskSet.createdAt),
    updatedAt: new Date(epochMs + taskSet.updatedAt),
    launchType: taskSet.launchType,
    capacityProviderStrategy: taskSet.capacityProviderStrategy
      ? clone(taskSet.capacityProviderStrategy)
      : undefined,
    platformVersion: taskSet.platformVersion,
    platformFamily: 'Linux',
    networkConfiguration: taskSet.networkConfiguration ? clone(taskSet.networkConfiguration) : undefined,
    loadBalancers: clone(taskSet.loadBalancers),
    serviceRegistries: clone(taskSet.serviceRegistries),
    scale: { unit: 'PERCENT', value: taskSet.scale },
    stabilityStatus: stabilityStatus(taskSet),
    stabilityStatusAt: new Date(epochMs + nowMs),
    tags: includeTags ? clone(taskSet.tags) : undefined,
  };
}

/** The Service shape ECS returns; an EXTERNAL service lists its task sets and follows its PRIMARY set. */
export function serviceView(
  service: SimService,
  epochMs: number,
  nowMs: number,
  includeTags = false,
): Service {
  const primary = service.taskSets.find((ts) => ts.status === 'PRIMARY');
  let running = 0;
  let pending = 0;
  for (const ts of service.taskSets) {
    const counts = taskSetCounts(ts);
    running += counts.running;
    pending += counts.pending;
  }
  const external = service.deploymentController === 'EXTERNAL';
  return {
    serviceArn: service.arn,
    serviceName: service.name,
    clusterArn: service.cluster.arn,
    loadBalancers: primary ? clone(primary.loadBalancers) : [],
    serviceRegistries: [],
    status: service.status,
    desiredCount: service.desiredCount,
    runningCount: running,
    pendingCount: pending,
    launchType: primary?.launchType ?? service.launchType,
    platformVersion: primary?.platformVersion ?? service.platformVersion,
    taskDefinition: primary?.taskDefinitionArn,
    deploymentConfiguration: { maximumPercent: 200, minimumHealthyPercent: 100 },
    taskSets: external ? service.taskSets.map((ts) => taskSetView(ts, epochMs, nowMs)) : undefined,
    deployments: [],
    events: [],
    createdAt: new Date(epochMs + service.createdAt),
    placementConstraints: [],
    placementStrategy: [],
    networkConfiguration: clone(primary?.networkConfiguration ?? service.networkConfiguration),
    healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
    schedulingStrategy: 'REPLICA',
    deploymentController: { type: service.deploymentController },
    enableECSManagedTags: false,
    propagateTags: 'NONE',
    enableExecuteCommand: false,
    tags: includeTags ? clone(service.tags) : undefined,
  };
}

export function taskDefinitionView(def: SimTaskDefinition, epochMs: number): TaskDefinition {
  return {
    taskDefinitionArn: def.arn,
    family: def.family,
    revision: def.revision,
    containerDefinitions: clone(def.containerDefinitions),
    cpu: def.cpu,
    memory: def.memory,
    networkMode: networkModeOf(def),
    // Fargate needs awsvpc: a task definition in any other mode is an EC2 one.
    requiresCompatibilities: networkModeOf(def) === 'awsvpc' ? ['FARGATE'] : ['EC2'],
    compatibilities: networkModeOf(def) === 'awsvpc' ? ['EC2', 'FARGATE'] : ['EC2'],
    status: 'ACTIVE',
    registeredAt: new Date(epochMs + def.registeredAt),
  };
}
