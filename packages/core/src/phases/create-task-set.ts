import {
  CreateServiceCommand,
  CreateTaskSetCommand,
  type CreateTaskSetCommandInput,
  DeleteTaskSetCommand,
  type Service,
  type TaskSet,
} from '@aws-sdk/client-ecs';
import { callAws } from '../aws/call-aws';
import { liveTaskSets, type PhaseContext, readService, targetGroupOf } from '../aws/read';
import { encodeLease, type Lease, taskSetTag } from '../aws/task-set-tags';
import { lockWinner } from '../aws/task-sets';
import { freshLease } from '../controller/lease';
import { AwsCallError, DeploymentLockedError, EcsTaperError, InputValidationError } from '../errors';
import type { ResolvedInput } from '../input';
import { type DeploymentState, go, type PhaseResult, type Topology } from '../state';

export type CreateDecision =
  | { kind: 'create-service' }
  | { kind: 'create-task-set'; request: CreateTaskSetCommandInput }
  | { kind: 'done'; taskSetArn: string; createdAt?: number };

/** The CreateTaskSet request; deploymentId is both clientToken and externalId, so a retry never makes a second set. */
export function taskSetRequest(
  input: ResolvedInput,
  topology: Topology,
  deploymentId: string,
  lease?: Lease,
): CreateTaskSetCommandInput {
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
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: input.subnets,
        securityGroups: input.securityGroups,
        assignPublicIp: input.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    ...(input.capacityProviderStrategy
      ? { capacityProviderStrategy: input.capacityProviderStrategy }
      : { launchType: input.launchType ?? 'FARGATE' }),
    ...(input.platformVersion ? { platformVersion: input.platformVersion } : {}),
    scale: { unit: 'PERCENT', value: 100 },
    // Ours from the first moment, and leased to this controller: a second one is refused at once.
    tags: [
      { key: taskSetTag.deploymentId, value: deploymentId },
      ...(lease ? [{ key: taskSetTag.lease, value: encodeLease(lease) }] : []),
    ],
  };
}

export function decide(service: Service | undefined, state: DeploymentState): CreateDecision {
  if (!service) return { kind: 'create-service' };
  const ours = liveTaskSets(service).find((set) => set.externalId === state.deploymentId);
  if (ours?.taskSetArn)
    return { kind: 'done', taskSetArn: ours.taskSetArn, createdAt: ours.createdAt?.getTime() };
  return {
    kind: 'create-task-set',
    request: taskSetRequest(state.input, topologyOf(state), state.deploymentId, state.lease),
  };
}

function topologyOf(state: DeploymentState): Topology {
  if (!state.topology) throw new EcsTaperError('internal: phase run before discover resolved the topology');
  return state.topology;
}

/**
 * If another deployment created a set on the same standby group at the same moment, the one ECS created
 * first wins (both sides compute the same answer). The loser deletes its own set and stops.
 */
export async function backOffIfLockLost(
  ctx: PhaseContext,
  state: DeploymentState,
  service: Service | undefined,
) {
  const topology = topologyOf(state);
  const contenders = liveTaskSets(service).filter((set) => targetGroupOf(set) === topology.newTargetGroupArn);
  const ours = contenders.find((set) => set.externalId === state.deploymentId);
  const winner = lockWinner(contenders);
  if (!ours || !winner || winner === ours) return;
  await deleteTaskSet(ctx, state.input, ours);
  const winnerId = winner.externalId ?? winner.id ?? 'unknown';
  throw new DeploymentLockedError(
    winnerId,
    `service ${state.input.service}: deployment ${winnerId} started first on the same target group; ` +
      `deployment ${state.deploymentId} backed out and deleted its task set`,
  );
}

/** Deletes a task set; one that is already gone counts as deleted. */
export async function deleteTaskSet(
  ctx: PhaseContext,
  input: ResolvedInput,
  set: Pick<TaskSet, 'taskSetArn'>,
) {
  try {
    await callAws(
      `deleting task set ${set.taskSetArn}`,
      () =>
        ctx.aws.ecs.send(
          new DeleteTaskSetCommand({
            cluster: input.cluster,
            service: input.service,
            taskSet: set.taskSetArn,
            force: true,
          }),
        ),
      ctx.retry,
    );
  } catch (error) {
    if (error instanceof AwsCallError && error.awsErrorName === 'TaskSetNotFoundException') return;
    throw error;
  }
}

export async function createTaskSet(ctx: PhaseContext, current: DeploymentState): Promise<PhaseResult> {
  const { input } = current;
  let service = await readService(ctx, input.cluster, input.service);
  const state: DeploymentState = { ...current, lease: freshLease(current, ctx.now, 0) };
  let decision = decide(service, state);
  if (decision.kind === 'create-service') {
    if (!input.createService) {
      throw new InputValidationError(
        'createService',
        `service ${input.service} does not exist in cluster ${input.cluster}; pass createService: true (--create-service) to create it`,
      );
    }
    await callAws(
      `creating service ${input.service} in cluster ${input.cluster}`,
      () =>
        ctx.aws.ecs.send(
          new CreateServiceCommand({
            cluster: input.cluster,
            serviceName: input.service,
            desiredCount: input.desiredCount,
            deploymentController: { type: 'EXTERNAL' },
            clientToken: state.deploymentId,
          }),
        ),
      ctx.retry,
    );
    service = await readService(ctx, input.cluster, input.service);
    decision = decide(service, state);
  }
  if (decision.kind === 'create-task-set') {
    const request = decision.request;
    let retrying = false;
    await callAws(
      `creating task set for ${input.taskDefinition} in service ${input.service}`,
      async () => {
        // A failed attempt may still have created the set (a 5xx after the work was done). ECS dedupes on
        // clientToken, but look first anyway: an emulator, or a token ECS forgot, must not yield a second set.
        if (retrying && decide(await readService(ctx, input.cluster, input.service), state).kind === 'done')
          return;
        retrying = true;
        await ctx.aws.ecs.send(new CreateTaskSetCommand(request));
      },
      ctx.retry,
    );
    service = await readService(ctx, input.cluster, input.service);
    decision = decide(service, state);
  }
  if (decision.kind !== 'done') {
    throw new EcsTaperError(
      `task set of deployment ${state.deploymentId} not visible after CreateTaskSet; retry`,
    );
  }
  await backOffIfLockLost(ctx, state, service);
  return {
    state: {
      ...state,
      newTaskSetArn: decision.taskSetArn,
      // Counted from the set's creation, as a resumed run counts it: restarts never extend it.
      readyDeadline: (decision.createdAt ?? ctx.now) + input.readyTimeoutSeconds * 1000,
    },
    next: go('waitReady', `created task set ${decision.taskSetArn}`),
  };
}
