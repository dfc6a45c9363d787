import type { ScalableTarget } from '@aws-sdk/client-application-auto-scaling';
import { type PhaseContext, readScalableTarget as readTarget } from '../aws/read';
import { taskSetTag } from '../aws/task-set-tags';
import { registerScalableTarget, tagTaskSet } from '../aws/write';
import { InputValidationError } from '../errors';
import type { ResolvedInput } from '../input';
import type { DeploymentState } from '../state';

/**
 * Application Auto Scaling changes the service's desiredCount at any time, which resizes both task sets
 * mid-deployment. Like CodeDeploy and ecspresso, the deployment suspends it (dynamic in, dynamic out and
 * scheduled) and restores exactly the SuspendedState it found. That state is written on our task set
 * (tag `ecs-taper:autoscaling`) *before* suspending, so a restarted controller restores the original,
 * never its own suspension.
 */
export interface SuspendedState {
  DynamicScalingInSuspended: boolean;
  DynamicScalingOutSuspended: boolean;
  ScheduledScalingSuspended: boolean;
}

export interface AutoScalingRecord {
  /** The scalable target's SuspendedState before the deployment; 'none' when the service had none. */
  previous: SuspendedState | 'none';
  /** This controller has made sure scaling is suspended (once per process or execution). */
  suspended: boolean;
  /** The previous state is back; nothing more to do. */
  restored: boolean;
}

const allSuspended: SuspendedState = {
  DynamicScalingInSuspended: true,
  DynamicScalingOutSuspended: true,
  ScheduledScalingSuspended: true,
};

export function encodeSuspendedState(previous: SuspendedState | 'none'): string {
  if (previous === 'none') return 'none';
  return `in=${previous.DynamicScalingInSuspended} out=${previous.DynamicScalingOutSuspended} scheduled=${previous.ScheduledScalingSuspended}`;
}

export function decodeSuspendedState(value: string | undefined): SuspendedState | 'none' | undefined {
  if (value === 'none') return 'none';
  const match =
    value === undefined ? null : /^in=(true|false) out=(true|false) scheduled=(true|false)$/.exec(value);
  if (!match) return undefined;
  return {
    DynamicScalingInSuspended: match[1] === 'true',
    DynamicScalingOutSuspended: match[2] === 'true',
    ScheduledScalingSuspended: match[3] === 'true',
  };
}

function suspendedStateOf(target: ScalableTarget): SuspendedState {
  const s = target.SuspendedState ?? {};
  return {
    DynamicScalingInSuspended: s.DynamicScalingInSuspended ?? false,
    DynamicScalingOutSuspended: s.DynamicScalingOutSuspended ?? false,
    ScheduledScalingSuspended: s.ScheduledScalingSuspended ?? false,
  };
}

const sameState = (a: SuspendedState, b: SuspendedState) =>
  a.DynamicScalingInSuspended === b.DynamicScalingInSuspended &&
  a.DynamicScalingOutSuspended === b.DynamicScalingOutSuspended &&
  a.ScheduledScalingSuspended === b.ScheduledScalingSuspended;

/** `service/<cluster name>/<service name>`: the cluster may be given as an ARN. */
export function scalableResourceId(input: ResolvedInput): string {
  const cluster = input.cluster.includes(':cluster/') ? input.cluster.split(':cluster/')[1] : input.cluster;
  return `service/${cluster}/${input.service}`;
}

function client(ctx: PhaseContext) {
  const aas = ctx.aws.applicationAutoScaling;
  if (!aas) {
    throw new InputValidationError(
      'suspendAutoScaling',
      'needs an Application Auto Scaling client; pass clients.applicationAutoScaling, or set suspendAutoScaling false',
    );
  }
  return aas;
}

async function readScalableTarget(
  ctx: PhaseContext,
  input: ResolvedInput,
): Promise<ScalableTarget | undefined> {
  const resourceId = scalableResourceId(input);
  // Outside callAws: a missing client is bad input (a refusal), not a failed AWS call.
  const aas = client(ctx);
  return readTarget(ctx, aas, resourceId);
}

async function register(ctx: PhaseContext, input: ResolvedInput, state: SuspendedState, why: string) {
  const resourceId = scalableResourceId(input);
  const aas = client(ctx);
  await registerScalableTarget(ctx, aas, resourceId, state, why);
}

/**
 * Makes sure scaling is suspended for the deployment of `state.newTaskSetArn`: records the previous
 * SuspendedState on the set first (unless a record is already there), then suspends. Idempotent.
 */
export async function ensureAutoScalingSuspended(
  ctx: PhaseContext,
  state: DeploymentState,
): Promise<DeploymentState> {
  const record = state.autoScaling;
  if (!state.input.suspendAutoScaling || !state.newTaskSetArn || record?.suspended || record?.restored)
    return state;
  const target = await readScalableTarget(ctx, state.input);
  let previous = record?.previous;
  if (!previous) {
    previous = target ? suspendedStateOf(target) : 'none';
    await tagTaskSet(ctx, state.newTaskSetArn, { [taskSetTag.autoScaling]: encodeSuspendedState(previous) });
  }
  if (target && !sameState(suspendedStateOf(target), allSuspended)) {
    await register(ctx, state.input, allSuspended, 'suspending');
  }
  return { ...state, autoScaling: { previous, suspended: true, restored: false } };
}

/** Puts the recorded SuspendedState back, exactly; a target that is gone or already so is left alone. */
export async function restoreAutoScaling(
  ctx: PhaseContext,
  state: DeploymentState,
): Promise<DeploymentState> {
  const record = state.autoScaling;
  if (!record || record.restored) return state;
  if (record.previous !== 'none') {
    const target = await readScalableTarget(ctx, state.input);
    if (target && !sameState(suspendedStateOf(target), record.previous)) {
      await register(ctx, state.input, record.previous, 'restoring');
    }
  }
  return { ...state, autoScaling: { ...record, restored: true } };
}
