import type { ScalableTarget } from '@aws-sdk/client-application-auto-scaling';
import type { NetworkMode, Service, TaskDefinition, TaskSet } from '@aws-sdk/client-ecs';
import type {
  Action,
  Listener,
  TargetGroup,
  TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsCallError, InputValidationError } from '../errors';
import type { ResolvedInput } from '../input';
import type { HookRunner } from '../steps/hook-port';
import { abortableClients, callAws, type RetryPolicy } from './call-aws';
import type { ApplicationAutoScalingPort, AwsClients } from './ports';
import { applicationAutoScalingSdk, cloudWatchSdk, ecsSdk, elbv2Sdk } from './sdk';

/** What every phase gets: the clients, the retry policy and the time of this invocation. */
export interface PhaseContext {
  aws: AwsClients;
  retry: RetryPolicy;
  now: number;
  /** The run's signal, when it has one; `phaseContext` has given it to `aws` and `retry` already. */
  signal?: AbortSignal;
  /** Runs the deployment's lifecycle hooks (the CLI: shell commands; the Lambda runner: functions, URLs). */
  hooks?: HookRunner;
}

/**
 * A phase's context. With a signal, every AWS call the phase makes stops once it aborts: the clients
 * pass it to `send` as `abortSignal` (the request in flight is aborted) and the policy gives it to
 * callAws (no retry, no wait for one). The phases keep calling `ctx.aws.ecs.send(command)` as before.
 */
export function phaseContext(
  aws: AwsClients,
  retry: RetryPolicy,
  now: number,
  signal?: AbortSignal,
  hooks?: HookRunner,
): PhaseContext {
  const withHooks = hooks ? { hooks } : {};
  if (!signal) return { aws, retry, now, ...withHooks };
  return { aws: abortableClients(aws, signal), retry: { ...retry, signal }, now, signal, ...withHooks };
}

/** The service with its task sets, or undefined when ECS reports it MISSING. */
export async function readService(
  ctx: PhaseContext,
  cluster: string,
  service: string,
): Promise<Service | undefined> {
  const { DescribeServicesCommand } = await ecsSdk();
  const output = await callAws(
    `describing service ${service} in cluster ${cluster}`,
    () => ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: [service] })),
    ctx.retry,
  );
  const found = output.services?.find((s) => s.status !== 'INACTIVE');
  if (found) return found;
  const failure = output.failures?.[0];
  if (failure && failure.reason !== 'MISSING') {
    throw new AwsCallError(
      `describing service ${service} in cluster ${cluster}`,
      Object.assign(
        new Error(`ECS reported ${failure.reason}${failure.detail ? `: ${failure.detail}` : ''}`),
        {
          name: failure.reason ?? 'UnknownFailure',
        },
      ),
    );
  }
  return undefined;
}

/** Task sets that still matter: DRAINING ones are already being deleted by ECS. */
export function liveTaskSets(service: Service | undefined): TaskSet[] {
  return (service?.taskSets ?? []).filter((set) => set.status !== 'DRAINING');
}

export function targetGroupOf(set: TaskSet): string | undefined {
  return set.loadBalancers?.[0]?.targetGroupArn;
}

export async function readListeners(
  ctx: PhaseContext,
  where: { loadBalancerArn?: string; listenerArns?: string[] },
): Promise<Listener[]> {
  const { DescribeListenersCommand } = await elbv2Sdk();
  const listeners: Listener[] = [];
  let marker: string | undefined;
  const what = where.listenerArns
    ? `listeners ${where.listenerArns.join(', ')}`
    : `listeners of ${where.loadBalancerArn}`;
  do {
    const page = await callAws(
      `describing ${what}`,
      () =>
        ctx.aws.elbv2.send(
          new DescribeListenersCommand(
            where.listenerArns
              ? { ListenerArns: where.listenerArns, Marker: marker }
              : { LoadBalancerArn: where.loadBalancerArn, Marker: marker },
          ),
        ),
      ctx.retry,
    );
    listeners.push(...(page.Listeners ?? []));
    marker = page.NextMarker;
  } while (marker);
  return listeners;
}

export async function readTargetGroups(ctx: PhaseContext, loadBalancerArn: string): Promise<TargetGroup[]> {
  const { DescribeTargetGroupsCommand } = await elbv2Sdk();
  const groups: TargetGroup[] = [];
  let marker: string | undefined;
  do {
    const page = await callAws(
      `describing target groups of ${loadBalancerArn}`,
      () =>
        ctx.aws.elbv2.send(
          new DescribeTargetGroupsCommand({ LoadBalancerArn: loadBalancerArn, Marker: marker }),
        ),
      ctx.retry,
    );
    groups.push(...(page.TargetGroups ?? []));
    marker = page.NextMarker;
  } while (marker);
  return groups;
}

export async function readTargetHealth(
  ctx: PhaseContext,
  targetGroupArn: string,
): Promise<TargetHealthDescription[]> {
  const { DescribeTargetHealthCommand } = await elbv2Sdk();
  const output = await callAws(
    `describing target health of ${targetGroupArn}`,
    () => ctx.aws.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
    ctx.retry,
  );
  return output.TargetHealthDescriptions ?? [];
}

export async function readTags(
  ctx: PhaseContext,
  arns: string[],
): Promise<Map<string, Record<string, string>>> {
  const { DescribeTagsCommand } = await elbv2Sdk();
  const output = await callAws(
    `reading tags of ${arns.join(', ')}`,
    () => ctx.aws.elbv2.send(new DescribeTagsCommand({ ResourceArns: arns })),
    ctx.retry,
  );
  const tags = new Map<string, Record<string, string>>();
  for (const description of output.TagDescriptions ?? []) {
    const entries = (description.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''] as const);
    tags.set(description.ResourceArn ?? '', Object.fromEntries(entries));
  }
  return tags;
}

/** Names of the given CloudWatch alarms that are in ALARM now. */
export async function readAlarmsFiring(ctx: PhaseContext, alarmNames: string[]): Promise<string[]> {
  if (alarmNames.length === 0) return [];
  const cloudwatch = ctx.aws.cloudwatch;
  if (!cloudwatch) {
    throw new InputValidationError(
      'alarmNames',
      'needs a CloudWatch client; pass clients.cloudwatch to watch alarms',
    );
  }
  const { DescribeAlarmsCommand } = await cloudWatchSdk();
  const firing: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callAws(
      `reading alarms ${alarmNames.join(', ')}`,
      () => cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: alarmNames, NextToken: nextToken })),
      ctx.retry,
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      if (alarm.StateValue === 'ALARM' && alarm.AlarmName) firing.push(alarm.AlarmName);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return firing;
}

export async function readTaskDefinition(
  ctx: PhaseContext,
  taskDefinition: string,
): Promise<TaskDefinition | undefined> {
  const { DescribeTaskDefinitionCommand } = await ecsSdk();
  const output = await callAws(
    `describing task definition ${taskDefinition}`,
    () => ctx.aws.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })),
    ctx.retry,
  );
  return output.taskDefinition;
}

/** What discover takes from the new task definition: the container the target group serves, and how it networks. */
export interface TaskDefinitionFacts {
  containerName: string;
  containerPort: number;
  /** ECS's default (bridge) when the task definition names none: "If no network mode is specified, the default is bridge". */
  networkMode: NetworkMode;
}

/**
 * The container and port to register, from the task definition when it has exactly one port mapping, and
 * its network mode (one DescribeTaskDefinition for both). With `container` given (the input named it), that
 * container is returned as is and only the network mode is read.
 */
export async function readContainerPort(
  ctx: PhaseContext,
  taskDefinition: string,
  container?: { containerName: string; containerPort: number },
): Promise<TaskDefinitionFacts> {
  const definition = await readTaskDefinition(ctx, taskDefinition);
  const networkMode = definition?.networkMode ?? 'bridge';
  if (container) return { ...container, networkMode };
  const mappings = (definition?.containerDefinitions ?? []).flatMap((definition) =>
    (definition.portMappings ?? []).map((mapping) => ({
      containerName: definition.name ?? '',
      containerPort: mapping.containerPort ?? 0,
    })),
  );
  const [only] = mappings;
  if (mappings.length !== 1 || !only) {
    throw new InputValidationError(
      'containerName',
      `task definition ${taskDefinition} has ${mappings.length} port mappings; pass containerName and containerPort to say which one the target group serves`,
    );
  }
  return { ...only, networkMode };
}

/** The target groups a listener's default action forwards new flows to (weight 0 does not count). */
export function forwardTargetGroups(listener: Listener): string[] {
  const forward = (listener.DefaultActions ?? []).find((action: Action) => action.Type === 'forward');
  if (!forward) return [];
  const weighted = forward.ForwardConfig?.TargetGroups;
  if (weighted && weighted.length > 0) {
    return weighted
      .filter((group) => (group.Weight ?? 1) > 0)
      .map((group) => group.TargetGroupArn ?? '')
      .filter(Boolean);
  }
  return forward.TargetGroupArn ? [forward.TargetGroupArn] : [];
}

export async function readTargetGroupAttributes(
  ctx: PhaseContext,
  targetGroupArn: string,
): Promise<Record<string, string>> {
  const { DescribeTargetGroupAttributesCommand } = await elbv2Sdk();
  const output = await callAws(
    `reading attributes of ${targetGroupArn}`,
    () => ctx.aws.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: targetGroupArn })),
    ctx.retry,
  );
  return Object.fromEntries((output.Attributes ?? []).map((a) => [a.Key ?? '', a.Value ?? '']));
}

/** The set's tags, or undefined when ECS no longer has the set (deleted, or DRAINING). */
export async function readTaskSetTags(
  ctx: PhaseContext,
  input: Pick<ResolvedInput, 'cluster' | 'service'>,
  taskSetArn: string,
): Promise<Record<string, string> | undefined> {
  const { DescribeTaskSetsCommand } = await ecsSdk();
  const output = await callAws(
    `reading tags of task set ${taskSetArn}`,
    () =>
      ctx.aws.ecs.send(
        new DescribeTaskSetsCommand({
          cluster: input.cluster,
          service: input.service,
          taskSets: [taskSetArn],
          include: ['TAGS'],
        }),
      ),
    ctx.retry,
  );
  const set = output.taskSets?.find((s) => s.taskSetArn === taskSetArn && s.status !== 'DRAINING');
  if (!set) return undefined;
  return Object.fromEntries((set.tags ?? []).map((tag) => [tag.key ?? '', tag.value ?? '']));
}

/** Tags of every task set of the service, by ARN (one DescribeTaskSets call). */
export async function readAllTaskSetTags(
  ctx: PhaseContext,
  input: Pick<ResolvedInput, 'cluster' | 'service'>,
): Promise<Map<string, Record<string, string>>> {
  const { DescribeTaskSetsCommand } = await ecsSdk();
  const output = await callAws(
    `reading the task sets of service ${input.service}`,
    () =>
      ctx.aws.ecs.send(
        new DescribeTaskSetsCommand({ cluster: input.cluster, service: input.service, include: ['TAGS'] }),
      ),
    ctx.retry,
  );
  const tags = new Map<string, Record<string, string>>();
  for (const set of output.taskSets ?? []) {
    tags.set(
      set.taskSetArn ?? '',
      Object.fromEntries((set.tags ?? []).map((t) => [t.key ?? '', t.value ?? ''])),
    );
  }
  return tags;
}

/** The cluster's active services, with their task sets (ListServices, then DescribeServices 10 at a time). */
export async function readClusterServices(ctx: PhaseContext, cluster: string): Promise<Service[]> {
  const { DescribeServicesCommand, ListServicesCommand } = await ecsSdk();
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callAws(
      `listing the services of cluster ${cluster}`,
      () => ctx.aws.ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 })),
      ctx.retry,
    );
    arns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken && arns.length < 1000);
  const services: Service[] = [];
  for (let i = 0; i < arns.length; i += 10) {
    const batch = arns.slice(i, i + 10);
    const output = await callAws(
      `describing services of cluster ${cluster}`,
      () => ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: batch })),
      ctx.retry,
    );
    services.push(...(output.services ?? []).filter((s) => s.status !== 'INACTIVE'));
  }
  return services;
}

/** The service's scalable target (ECS desiredCount), or undefined when it has none. */
export async function readScalableTarget(
  ctx: PhaseContext,
  client: ApplicationAutoScalingPort,
  resourceId: string,
): Promise<ScalableTarget | undefined> {
  const { DescribeScalableTargetsCommand } = await applicationAutoScalingSdk();
  const output = await callAws(
    `reading the scalable target ${resourceId}`,
    () =>
      client.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ResourceIds: [resourceId],
          ScalableDimension: 'ecs:service:DesiredCount',
        }),
      ),
    ctx.retry,
  );
  return output.ScalableTargets?.find((t) => t.ResourceId === resourceId);
}

/** The DNS name clients use to reach the load balancer (told to hooks: a smoke test calls it). */
export async function readLoadBalancerDnsName(
  ctx: PhaseContext,
  loadBalancerArn: string,
): Promise<string | undefined> {
  const { DescribeLoadBalancersCommand } = await elbv2Sdk();
  const output = await callAws(
    `describing load balancer ${loadBalancerArn}`,
    () => ctx.aws.elbv2.send(new DescribeLoadBalancersCommand({ LoadBalancerArns: [loadBalancerArn] })),
    ctx.retry,
  );
  return output.LoadBalancers?.[0]?.DNSName;
}

/** When ECS began stopping a task and when its containers exited (its connections dropped), epoch ms. */
export interface TaskStopTimes {
  stoppingAt: number;
  droppedAt: number;
}

/**
 * Stop times of a task set's stopped tasks: ListTasks (startedBy: the task set id, which ECS's scheduler
 * sets as startedBy on the tasks it starts for the set; desiredStatus STOPPED), one page of at most 100,
 * then one DescribeTasks for them: two calls whatever the set's size. ECS lists a stopped task for at
 * least an hour, in no documented order, so a set with more stopped tasks gives a sample of them, which
 * is what the drop-lag spread needs. A task's drop is its executionStoppedAt (containers exited), else its
 * stoppedAt. Tasks that crashed or failed to start say nothing of the lag, and are left out.
 */
export async function readStoppedTaskTimes(
  ctx: PhaseContext,
  cluster: string,
  taskSetId: string,
): Promise<TaskStopTimes[]> {
  const { DescribeTasksCommand, ListTasksCommand } = await ecsSdk();
  const listed = await callAws(
    `listing the stopped tasks of task set ${taskSetId}`,
    () =>
      ctx.aws.ecs.send(
        new ListTasksCommand({ cluster, startedBy: taskSetId, desiredStatus: 'STOPPED', maxResults: 100 }),
      ),
    ctx.retry,
  );
  const arns = listed.taskArns ?? [];
  if (arns.length === 0) return [];
  const described = await callAws(
    `describing ${arns.length} stopped tasks of task set ${taskSetId}`,
    () => ctx.aws.ecs.send(new DescribeTasksCommand({ cluster, tasks: arns })),
    ctx.retry,
  );
  const times: TaskStopTimes[] = [];
  for (const task of described.tasks ?? []) {
    if (task.startedBy !== taskSetId || task.lastStatus !== 'STOPPED') continue;
    if (task.stopCode === 'EssentialContainerExited' || task.stopCode === 'TaskFailedToStart') continue;
    const dropped = task.executionStoppedAt ?? task.stoppedAt;
    if (!task.stoppingAt || !dropped || !task.startedAt) continue;
    times.push({ stoppingAt: new Date(task.stoppingAt).getTime(), droppedAt: new Date(dropped).getTime() });
  }
  return times;
}

/** `net/<name>/<id>` of a load balancer (or of one of its listeners' ARNs); `targetgroup/<name>/<id>` of a target group. */
export function metricDimension(arn: string): string {
  const resource = arn.slice(arn.lastIndexOf(':') + 1);
  const lb = /^(?:loadbalancer|listener)\/(net\/[^/]+\/[^/]+)/.exec(resource);
  return lb?.[1] ?? resource;
}

/** One complete minute of a target group's new flows. */
export interface FlowMinute {
  /** Start of the minute, epoch ms. */
  at: number;
  /** NewFlowCount's Sum over the minute. */
  flows: number;
}

/**
 * The latest complete minute of AWS/NetworkELB NewFlowCount (statistic Sum, period 60 s) for a target
 * group behind a load balancer, from the last five minutes, or undefined when CloudWatch has none yet.
 * NLB metrics are published per minute (and appear a minute or two late), so this is a minute's average,
 * never a second's peak.
 */
export async function readNewFlowMinute(
  ctx: PhaseContext,
  cloudwatch: NonNullable<AwsClients['cloudwatch']>,
  where: { loadBalancer: string; targetGroupArn: string },
): Promise<FlowMinute | undefined> {
  const { GetMetricDataCommand } = await cloudWatchSdk();
  const end = Math.floor(ctx.now / 60_000) * 60_000;
  const output = await callAws(
    `reading NewFlowCount of ${where.targetGroupArn}`,
    () =>
      cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: new Date(end - 5 * 60_000),
          EndTime: new Date(end),
          ScanBy: 'TimestampDescending',
          MetricDataQueries: [
            {
              Id: 'flows',
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/NetworkELB',
                  MetricName: 'NewFlowCount',
                  Dimensions: [
                    { Name: 'LoadBalancer', Value: metricDimension(where.loadBalancer) },
                    { Name: 'TargetGroup', Value: metricDimension(where.targetGroupArn) },
                  ],
                },
                Period: 60,
                Stat: 'Sum',
              },
            },
          ],
        }),
      ),
    ctx.retry,
  );
  const result = output.MetricDataResults?.[0];
  const at = result?.Timestamps?.[0];
  const flows = result?.Values?.[0];
  return at === undefined || flows === undefined ? undefined : { at: new Date(at).getTime(), flows };
}
