import {
  type DescribeTasksCommandInput,
  type DescribeTasksCommandOutput,
  type Failure,
  InvalidParameterException,
  type ListTasksCommandInput,
  type ListTasksCommandOutput,
  type Task,
} from '@aws-sdk/client-ecs';
import type { SimContext } from '../context.js';
import type { SimTask } from './model.js';

type Out<T> = Omit<T, '$metadata'>;
const invalid = (message: string) =>
  new InvalidParameterException({ message, $metadata: { httpStatusCode: 400 } });

/** The cluster's tasks, live ones first, then those stopped within the retention (ECS keeps them an hour). */
function* tasksOf(ctx: SimContext, clusterName: string): Generator<SimTask> {
  for (const task of ctx.ecs.allTasks()) if (task.taskSet.service.cluster.name === clusterName) yield task;
  for (const task of ctx.ecs.stoppedTasks) if (task.taskSet.service.cluster.name === clusterName) yield task;
}

/**
 * ListTasks: task ARNs of the cluster, filtered by serviceName, startedBy (a task set's tasks carry its id,
 * `ecs-svc/...`, as ECS's service scheduler starts them for it) and desiredStatus (default RUNNING, which
 * includes pending tasks; STOPPED lists stopping and recently stopped ones). 100 a page at most, with
 * nextToken; ECS documents no order.
 */
export function listTasks(ctx: SimContext, input: ListTasksCommandInput): Out<ListTasksCommandOutput> {
  const cluster = ctx.ecs.cluster(input.cluster);
  const size = input.maxResults ?? 100;
  if (!Number.isInteger(size) || size < 1 || size > 100)
    throw invalid('maxResults must be between 1 and 100.');
  const desired = input.desiredStatus ?? 'RUNNING';
  const arns: string[] = [];
  for (const task of tasksOf(ctx, cluster.name)) {
    if (desired !== 'PENDING' && task.desiredStatus !== desired) continue;
    if (input.serviceName && task.taskSet.service.name !== input.serviceName.split('/').pop()) continue;
    if (input.startedBy !== undefined && task.taskSet.id !== input.startedBy) continue;
    arns.push(task.arn);
  }
  const start = input.nextToken ? Number(input.nextToken) : 0;
  return {
    taskArns: arns.slice(start, start + size),
    ...(start + size < arns.length ? { nextToken: String(start + size) } : {}),
  };
}

/** DescribeTasks: up to 100 tasks by ARN or id; an unknown one is a failure with reason MISSING. */
export function describeTasks(
  ctx: SimContext,
  input: DescribeTasksCommandInput,
): Out<DescribeTasksCommandOutput> {
  const cluster = ctx.ecs.cluster(input.cluster);
  const refs = input.tasks ?? [];
  if (refs.length === 0) throw invalid('Tasks cannot be empty.');
  if (refs.length > 100) throw invalid('A maximum of 100 tasks can be described at a time.');
  const byRef = new Map<string, SimTask>();
  for (const task of tasksOf(ctx, cluster.name)) {
    byRef.set(task.arn, task);
    byRef.set(task.id, task);
  }
  const tasks: Task[] = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    const task = byRef.get(ref);
    if (task) tasks.push(taskView(task, ctx.clock.epochMs));
    else failures.push({ arn: ref, reason: 'MISSING' });
  }
  return { tasks, failures };
}

function taskView(task: SimTask, epochMs: number): Task {
  const at = (ms: number | undefined) => (ms === undefined ? undefined : new Date(epochMs + ms));
  const service = task.taskSet.service;
  return {
    taskArn: task.arn,
    clusterArn: service.cluster.arn,
    taskDefinitionArn: task.taskDefinitionArn,
    group: `service:${service.name}`,
    startedBy: task.taskSet.id,
    availabilityZone: task.availabilityZone,
    lastStatus: task.lastStatus,
    desiredStatus: task.desiredStatus,
    launchType: task.taskSet.launchType,
    createdAt: at(task.launchedAt),
    startedAt: at(task.runningAt),
    stoppingAt: at(task.stoppingAt),
    executionStoppedAt: at(task.executionStoppedAt),
    stoppedAt: at(task.stoppedAt),
    stoppedReason: task.stoppedReason,
    ...(task.stoppedReason?.startsWith('Scaling activity') ? { stopCode: 'ServiceSchedulerInitiated' } : {}),
  };
}
