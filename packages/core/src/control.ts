import { defaultRetryPolicy } from './aws/call-aws';
import type { AwsClients } from './aws/ports';
import { phaseContext } from './aws/read';
import { decodeLease, readTaskSetTags, taskSetTag } from './aws/task-set-tags';
import { tagTaskSet } from './aws/write';
import { systemClock } from './clock';
import { freshLease, leaseTag } from './controller/lease';
import { type DeploymentResult, type DeployOptions, rollbackDeployment, runWorkflow } from './deploy';
import { DeploymentLockedError, EcsTaperError } from './errors';
import { discover } from './phases/discover';
import { type DeploymentState, initialState } from './state';
import { decodeStepMark } from './steps/advance';
import { parseDeploymentInput } from './validate-input';

/** What promote or abort found and marked. */
export interface MarkResult {
  deploymentId: string;
  taskSetArn: string;
  /** promote: the pause step (0-based) that was marked to continue. */
  step?: number;
  /** Another controller's unexpired lease: it is running (or died less than a lease ago) and acts on the mark. */
  controller?: { id: string; leaseExpiresAt: number };
}

export interface ControlOptions extends DeployOptions {
  /**
   * Only set the mark, for a controller that is still running (another `deploy`, a Step Functions
   * execution). Default false: drive the rest of the deployment (promote) or the rollback (abort) here.
   */
  markOnly?: boolean;
}

/** The deployment in progress for `input` (discover, which only reads), or a clear error. */
async function findDeployment(clients: AwsClients, input: unknown, options: DeployOptions) {
  const resolved = parseDeploymentInput(input);
  const clock = options.clock ?? systemClock;
  const ctx = phaseContext(clients, { ...defaultRetryPolicy, ...options.retry }, clock.now(), options.signal);
  const start = initialState(resolved, ctx.now, options.controllerId);
  // takeOver: finding the deployment must not be refused for the lease of the controller we talk to.
  const found = await discover(ctx, start, { resume: true, takeOver: true });
  const arn = found.state.newTaskSetArn;
  if (found.next.kind === 'end' || !arn) {
    throw new EcsTaperError(
      `no deployment of ${resolved.taskDefinition} in progress on service ${resolved.service}: nothing to promote or abort`,
    );
  }
  const tags = (await readTaskSetTags(ctx, resolved, arn)) ?? {};
  const lease = decodeLease(tags[taskSetTag.lease]);
  const live = lease && lease.owner !== start.controllerId && lease.expiresAt > ctx.now;
  return {
    ctx,
    state: found.state,
    tags,
    mark: {
      deploymentId: found.state.deploymentId,
      taskSetArn: arn,
      ...(live ? { controller: { id: lease.owner, leaseExpiresAt: lease.expiresAt } } : {}),
    } satisfies MarkResult,
  };
}

/**
 * Drives the deployment here once no other controller does: a live one (its lease unexpired) is left to
 * finish it, and taken over only when its lease runs out (it was killed, or lost its network).
 */
async function driveWhenFree(
  clients: AwsClients,
  state: DeploymentState,
  options: DeployOptions,
): Promise<DeploymentResult> {
  const clock = options.clock ?? systemClock;
  for (;;) {
    try {
      return await runWorkflow(
        clients,
        { ...initialState(state.input, clock.now(), options.controllerId) },
        options,
      );
    } catch (error) {
      if (!(error instanceof DeploymentLockedError) || error.leaseExpiresAt === undefined) throw error;
      const waitMs = Math.max(1000, error.leaseExpiresAt - clock.now() + 1000);
      await clock.sleep(Math.min(waitMs, state.input.pollIntervalSeconds * 1000), options.signal);
    }
  }
}

/**
 * Ends the pause the deployment waits at: marks its new task set (`ecs-taper:promote`), which every
 * controller polls, a Step Functions execution included. Then, unless `markOnly`, drives the rest of the
 * deployment in this process like a resumed deploy (leaving it to a controller that is still running).
 */
export async function promoteDeployment(
  clients: AwsClients,
  input: unknown,
  options: ControlOptions = {},
): Promise<{ mark: MarkResult; result?: DeploymentResult }> {
  const { ctx, state, tags, mark } = await findDeployment(clients, input, options);
  const paused = decodeStepMark(tags[taskSetTag.paused]);
  if (!paused) {
    const at = decodeStepMark(tags[taskSetTag.step]);
    throw new EcsTaperError(
      `deployment ${mark.deploymentId} is not paused${at ? ` (it is at step ${at.index + 1})` : ''}; ` +
        '`ecs-taper status` shows when it waits at a pause, promote it then',
    );
  }
  await tagTaskSet(ctx, mark.taskSetArn, { [taskSetTag.promote]: String(paused.index) });
  const marked = { ...mark, step: paused.index };
  if (options.markOnly) return { mark: marked };
  return { mark: marked, result: await driveWhenFree(clients, state, options) };
}

/**
 * Rolls the deployment back: marks its new task set (`ecs-taper:abort`; a controller rolls back at its
 * next pause, canary or hook poll, or before its next scale-down step). Unless `markOnly`, this process then
 * takes the lease and runs the rollback itself, at once: an abort does not wait for anyone.
 */
export async function abortDeployment(
  clients: AwsClients,
  input: unknown,
  options: ControlOptions & { reason?: string } = {},
): Promise<{ mark: MarkResult; result?: DeploymentResult }> {
  const { ctx, state, mark } = await findDeployment(clients, input, options);
  // Taking over: the lease goes on in the same write as the mark, so a running controller finds the lease
  // gone (and stops) before it could see the mark and roll back alongside this process.
  const lease = options.markOnly ? {} : leaseTag(freshLease(state, ctx.now, state.input.pollIntervalSeconds));
  await tagTaskSet(ctx, mark.taskSetArn, { [taskSetTag.abort]: String(ctx.now), ...lease });
  if (options.markOnly) return { mark };
  const reason = options.reason ?? 'aborted (ecs-taper abort)';
  return {
    mark,
    result: await rollbackDeployment(clients, input, {
      ...options,
      controllerId: state.controllerId,
      takeOver: true,
      reason,
    }),
  };
}
