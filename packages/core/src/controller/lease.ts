import { type PhaseContext, readTaskSetTags } from '../aws/read';
import { decodeLease, encodeLease, type Lease, taskSetTag } from '../aws/task-set-tags';
import { tagTaskSet } from '../aws/write';
import { DeploymentLockedError } from '../errors';
import type { DeploymentState } from '../state';

/**
 * One controller per deployment. The controller that drives a deployment holds a lease: a tag on the new
 * task set naming it and when the lease expires. It is written with the set (CreateTaskSet's tags) and
 * renewed after a phase whenever it would not outlast the coming wait plus two polls; it then runs for
 * the wait plus six polls. A second controller (a retried CI job, a second operator) is refused while
 * the lease is live; after a crash a re-run takes over once it has expired, or at once with `takeOver`.
 * Renewal reads the tag first, so a controller whose lease was taken over stops instead of co-driving.
 */
const RENEW_WITHIN_POLLS = 2;
const LEASE_POLLS = 6;

export function newControllerId(random: () => number = Math.random): string {
  return `ctl-${Math.floor(random() * 36 ** 8)
    .toString(36)
    .padStart(8, '0')}`;
}

/** The lease this controller writes now, to cover a wait of `coverSeconds`. */
export function freshLease(state: DeploymentState, now: number, coverSeconds: number): Lease {
  return {
    owner: state.controllerId,
    expiresAt: now + (coverSeconds + LEASE_POLLS * state.input.pollIntervalSeconds) * 1000,
  };
}

export function leaseTag(lease: Lease): Record<string, string> {
  return { [taskSetTag.lease]: encodeLease(lease) };
}

function needsRenewal(state: DeploymentState, now: number, coverSeconds: number): boolean {
  const lease = state.lease;
  if (!lease || lease.owner !== state.controllerId) return true;
  return lease.expiresAt < now + (coverSeconds + RENEW_WITHIN_POLLS * state.input.pollIntervalSeconds) * 1000;
}

/** Refuses when `held` belongs to another controller and has not expired (unless taken over). */
export function assertLeaseFree(
  held: Lease | undefined,
  state: DeploymentState,
  deploymentId: string,
  now: number,
  takeOver: boolean,
): void {
  if (!held || held.owner === state.controllerId || held.expiresAt <= now || takeOver) return;
  if (state.takenOverFrom === held.owner) return;
  const seconds = Math.ceil((held.expiresAt - now) / 1000);
  throw new DeploymentLockedError(
    deploymentId,
    `deployment ${deploymentId} is driven by controller ${held.owner}, whose lease expires at ` +
      `${new Date(held.expiresAt).toISOString()} (in ${seconds} s). Let it finish (\`ecs-taper status\` shows its progress); ` +
      'if that controller is gone, run again after the lease expires, or now with --take-over (takeOver: true)',
    held.expiresAt,
  );
}

/** Renews this controller's lease when it would not cover `coverSeconds`; a deleted set needs none. */
export async function renewLease(
  ctx: PhaseContext,
  state: DeploymentState,
  coverSeconds: number,
): Promise<DeploymentState> {
  const arn = state.newTaskSetArn;
  if (!arn || !needsRenewal(state, ctx.now, coverSeconds)) return state;
  const tags = await readTaskSetTags(ctx, state.input, arn);
  if (!tags) return state;
  assertLeaseFree(decodeLease(tags[taskSetTag.lease]), state, state.deploymentId, ctx.now, false);
  const lease = freshLease(state, ctx.now, coverSeconds);
  await tagTaskSet(ctx, arn, leaseTag(lease));
  return { ...state, lease };
}
