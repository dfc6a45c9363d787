import { defaultRetryPolicy, type RetryPolicy } from './aws/call-aws';
import type { AwsClients } from './aws/ports';
import {
  forwardTargetGroups,
  type PhaseContext,
  readListeners,
  readService,
  readTargetHealth,
} from './aws/read';
import { decodeLease, decodeTime, readTaskSetTags, taskSetTag } from './aws/task-set-tags';
import { decodeSuspendedState } from './controller/autoscaling';
import { InputValidationError } from './errors';
import { inputDefaults } from './input';
import { summarizeHealth } from './phases/wait-ready';
import { decodeStepMark } from './steps/advance';
import { listenerWeights } from './steps/canary';

/** What `status` needs: where the service and its load balancer are, nothing about a new version. */
export interface StatusInput {
  cluster: string;
  service: string;
  loadBalancerArn?: string;
  productionListenerArns?: string[];
  testListenerArn?: string;
  testListenerPort?: number;
}

export interface DeploymentSnapshot {
  service: { name: string; status: string; desiredCount: number } | undefined;
  listeners: {
    arn: string;
    port: number | undefined;
    role: 'production' | 'test';
    targetGroupArns: string[];
    /** Weights by target group when the listener splits new flows (a canary). */
    weights?: Record<string, number>;
  }[];
  targetGroups: {
    arn: string;
    role: 'live' | 'standby' | 'unknown';
    healthy: number;
    notHealthy: Record<string, number>;
  }[];
  taskSets: {
    arn: string;
    id: string;
    status: string;
    externalId: string | undefined;
    taskDefinition: string;
    targetGroupArn: string | undefined;
    scalePercent: number | undefined;
    desired: number;
    running: number;
    pending: number;
    stabilityStatus: string | undefined;
    createdAt: number;
  }[];
  /** Set while a deployment is under way: more than one task set, or a set outside the pair. */
  deploymentInProgress:
    | {
        deploymentId: string;
        taskSetArn: string;
        /** The controller driving it and when its lease expires (epoch ms), from the set's tags. */
        controller?: { id: string; leaseExpiresAt: number };
        swappedAt?: number;
        lastStepAt?: number;
        /** Auto Scaling is suspended by the deployment, to be restored at its end. */
        autoScalingSuspended: boolean;
        /** The step of the list last entered (lists with canary, pause or hook steps record it). */
        step?: { index: number; enteredAt: number };
        /** Waiting at a pause step since `since`: `ecs-taper promote` continues, `ecs-taper abort` rolls back. */
        paused?: { step: number; since: number };
        /** `ecs-taper abort` asked for a rollback; the controller does it at its next look. */
        abortRequested?: true;
      }
    | undefined;
}

/** Read-only picture of the service and its NLB for `ecs-taper status`. Changes nothing. */
export async function describeDeployment(
  clients: AwsClients,
  input: StatusInput,
  retry: RetryPolicy = defaultRetryPolicy,
): Promise<DeploymentSnapshot> {
  if (!input.cluster)
    throw new InputValidationError('cluster', 'is required; pass the ECS cluster name or ARN');
  if (!input.service) throw new InputValidationError('service', 'is required; pass the ECS service name');
  if (!input.loadBalancerArn && !input.productionListenerArns?.length) {
    throw new InputValidationError('loadBalancerArn', 'is required unless productionListenerArns is given');
  }
  const ctx: PhaseContext = { aws: clients, retry, now: Date.now() };
  const service = await readService(ctx, input.cluster, input.service);
  const listenerArns = input.productionListenerArns
    ? [...input.productionListenerArns, ...(input.testListenerArn ? [input.testListenerArn] : [])]
    : undefined;
  const listeners = await readListeners(
    ctx,
    listenerArns ? { listenerArns } : { loadBalancerArn: input.loadBalancerArn as string },
  );
  const testPort = input.testListenerPort ?? inputDefaults.testListenerPort;
  const isTest = (arn: string | undefined, port: number | undefined) =>
    input.testListenerArn ? arn === input.testListenerArn : port === testPort;
  const listenerViews = listeners.map((l) => ({
    arn: l.ListenerArn ?? '',
    port: l.Port,
    role: isTest(l.ListenerArn, l.Port) ? ('test' as const) : ('production' as const),
    targetGroupArns: forwardTargetGroups(l),
    ...(forwardTargetGroups(l).length > 1 ? { weights: Object.fromEntries(listenerWeights(l)) } : {}),
  }));
  const roles = new Map<string, 'live' | 'standby'>();
  for (const l of listenerViews) {
    for (const arn of l.targetGroupArns) {
      if (l.role === 'production') roles.set(arn, 'live');
      else if (!roles.has(arn)) roles.set(arn, 'standby');
    }
  }
  const taskSets = (service?.taskSets ?? []).map((set) => ({
    arn: set.taskSetArn ?? '',
    id: set.id ?? '',
    status: set.status ?? 'UNKNOWN',
    externalId: set.externalId,
    taskDefinition: set.taskDefinition ?? '',
    targetGroupArn: set.loadBalancers?.[0]?.targetGroupArn,
    scalePercent: set.scale?.value,
    desired: set.computedDesiredCount ?? 0,
    running: set.runningCount ?? 0,
    pending: set.pendingCount ?? 0,
    stabilityStatus: set.stabilityStatus,
    createdAt: set.createdAt?.getTime() ?? 0,
  }));
  for (const set of taskSets)
    if (set.targetGroupArn && !roles.has(set.targetGroupArn)) roles.set(set.targetGroupArn, 'standby');
  const targetGroups = [];
  for (const [arn, role] of roles) {
    targetGroups.push({ arn, role, ...summarizeHealth(await readTargetHealth(ctx, arn)) });
  }
  // Two live task sets mean a deployment is under way; the newer one belongs to it.
  const live = taskSets.filter((set) => set.status !== 'DRAINING');
  // (Created in the same millisecond: the one with a deployment id is the deployment's.)
  const inProgress =
    live.length > 1
      ? [...live].sort(
          (a, b) => b.createdAt - a.createdAt || Number(!!b.externalId) - Number(!!a.externalId),
        )[0]
      : undefined;
  const tags = inProgress ? ((await readTaskSetTags(ctx, input, inProgress.arn)) ?? {}) : {};
  const lease = decodeLease(tags[taskSetTag.lease]);
  const swappedAt = decodeTime(tags[taskSetTag.swappedAt]);
  const lastStepAt = decodeTime(tags[taskSetTag.lastStepAt]);
  const record = decodeSuspendedState(tags[taskSetTag.autoScaling]);
  const step = decodeStepMark(tags[taskSetTag.step]);
  const pause = decodeStepMark(tags[taskSetTag.paused]);
  return {
    service: service
      ? {
          name: service.serviceName ?? input.service,
          status: service.status ?? 'UNKNOWN',
          desiredCount: service.desiredCount ?? 0,
        }
      : undefined,
    listeners: listenerViews,
    targetGroups,
    taskSets,
    deploymentInProgress: inProgress
      ? {
          deploymentId: inProgress.externalId ?? inProgress.id,
          taskSetArn: inProgress.arn,
          ...(lease ? { controller: { id: lease.owner, leaseExpiresAt: lease.expiresAt } } : {}),
          ...(swappedAt !== undefined ? { swappedAt } : {}),
          ...(lastStepAt !== undefined ? { lastStepAt } : {}),
          autoScalingSuspended: record !== undefined && record !== 'none',
          ...(step ? { step } : {}),
          ...(pause ? { paused: { step: pause.index, since: pause.enteredAt } } : {}),
          ...(tags[taskSetTag.abort] !== undefined ? { abortRequested: true as const } : {}),
        }
      : undefined,
  };
}
