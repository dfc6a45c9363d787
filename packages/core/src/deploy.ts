import { defaultRetryPolicy, type RetryPolicy } from './aws/call-aws';
import type { AwsClients } from './aws/ports';
import { type PhaseContext, phaseContext } from './aws/read';
import { taskSetTag, untagTaskSet } from './aws/task-set-tags';
import { type Clock, systemClock } from './clock';
import { restoreAutoScaling } from './controller/autoscaling';
import { DeploymentAbortedError, EcsTaperError, InputValidationError } from './errors';
import type { DeploymentEmitter, DeploymentEvent, DeploymentOutcome } from './events';
import { startRollback } from './phases/alarms';
import { type DeploymentState, initialState, type PhaseResult } from './state';
import { parseDeploymentInput } from './validate-input';
import { assertTransition, isRefusal, rollbackOnFailure, runPhase } from './workflow';

export interface DeployOptions {
  clock?: Clock;
  /** Stops the deployment between two AWS calls; running it again resumes from the real state. */
  signal?: AbortSignal;
  events?: DeploymentEmitter;
  retry?: Partial<RetryPolicy>;
  /** Adopt an unfinished deployment of the same task definition (default true): re-running resumes. */
  resume?: boolean;
  /**
   * Take the deployment's lease at once even if another controller's lease has not expired yet: for an
   * operator who knows the previous process is gone (CLI `--take-over`). Default false.
   */
  takeOver?: boolean;
  /** Names this controller in the lease (default: a fresh random id per run). */
  controllerId?: string;
}

export interface DeploymentResult {
  deploymentId: string;
  outcome: DeploymentOutcome;
  /** Why it ended so: the last phase's detail, or the rollback's cause. */
  reason: string;
  state: DeploymentState;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The local interpreter of the workflow: runs phases in a loop with real (or virtual) waiting.
 * Throws for bad input, an unsafe topology or a held lock (nothing changed); otherwise returns the outcome.
 */
export async function runWorkflow(
  clients: AwsClients,
  start: DeploymentState,
  options: DeployOptions = {},
): Promise<DeploymentResult> {
  const clock = options.clock ?? systemClock;
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const emit = (event: DeploymentEvent) => options.events?.emit('event', event);
  let state = start;
  // Phases read alarms only after the new task set exists; a missing client found there would be a refusal
  // (rethrown, no rollback) that leaves the new set behind. Refuse it here, before anything changes.
  if (state.phase !== 'rollback' && state.input.alarmNames.length > 0 && !clients.cloudwatch) {
    throw new InputValidationError(
      'alarmNames',
      'needs a CloudWatch client; pass clients.cloudwatch to watch alarms',
    );
  }
  if (state.input.suspendAutoScaling && !clients.applicationAutoScaling) {
    throw new InputValidationError(
      'suspendAutoScaling',
      'needs an Application Auto Scaling client; pass clients.applicationAutoScaling, or set suspendAutoScaling false',
    );
  }
  emit({
    type: 'deployment-started',
    deploymentId: state.deploymentId,
    at: clock.now(),
    resumed: state.phase !== 'discover',
  });

  for (;;) {
    if (options.signal?.aborted) throw await stopped(clients, retry, clock, state);
    const phase = state.phase;
    const ctx = phaseContext(clients, retry, clock.now(), options.signal);
    emit({ type: 'phase-started', deploymentId: state.deploymentId, at: ctx.now, phase });
    let result: PhaseResult;
    // A caught failure goes to rollback outside the table, like the state machine's Catch.
    let caught = false;
    try {
      result = await runPhase(phase, ctx, state, {
        resume: options.resume ?? true,
        takeOver: options.takeOver ?? false,
      });
    } catch (error) {
      // The signal aborted the phase's AWS calls: a stop, not a failure (no rollback, no ending).
      if (options.signal?.aborted) throw await stopped(clients, retry, clock, state);
      if (isRefusal(phase, error)) throw error;
      if (rollbackOnFailure.has(phase)) {
        result = startRollback(ctx, state, `${phase} failed: ${messageOf(error)}`);
        caught = true;
      } else {
        let reason = `${phase} failed: ${messageOf(error)}`;
        // Every ending gives Auto Scaling back; should that fail too, say so: a re-run finishes it.
        try {
          state = await restoreAutoScaling(ctx, state);
        } catch (restoreError) {
          reason += `; Auto Scaling is still suspended (${messageOf(restoreError)}): run the same command again to restore it`;
        }
        emit({
          type: 'deployment-finished',
          deploymentId: state.deploymentId,
          at: clock.now(),
          outcome: 'failed',
          reason,
        });
        return { deploymentId: state.deploymentId, outcome: 'failed', reason, state };
      }
    }
    state = result.state;
    const at = clock.now();
    const id = state.deploymentId;
    if (result.status) emit({ type: 'status', deploymentId: id, at, status: result.status });
    if (result.appliedStep) emit({ type: 'scale-step', deploymentId: id, at, ...result.appliedStep });
    const next = result.next;
    emit({ type: 'phase-finished', deploymentId: id, at, phase, detail: next.detail });

    if (!caught) assertTransition(phase, next);
    if (next.kind === 'end') {
      const reason = next.outcome === 'rolled-back' ? (state.rollbackReason ?? next.detail) : next.detail;
      emit({ type: 'deployment-finished', deploymentId: id, at, outcome: next.outcome, reason });
      return { deploymentId: id, outcome: next.outcome, reason, state };
    }
    if (next.phase === 'rollback' && phase !== 'rollback') {
      emit({ type: 'rollback-started', deploymentId: id, at, reason: state.rollbackReason ?? next.detail });
    }
    state = { ...state, phase: next.phase };
    if (next.afterSeconds > 0) {
      const until = at + next.afterSeconds * 1000;
      emit({ type: 'waiting', deploymentId: id, at, phase: next.phase, until, reason: next.detail });
      try {
        await clock.sleep(next.afterSeconds * 1000, options.signal);
      } catch (error) {
        if (options.signal?.aborted) throw await stopped(clients, retry, clock, state);
        throw error;
      }
    }
  }
}

/**
 * A stopped controller (Ctrl-C, an aborted signal) gives its lease back, so running the same command
 * again resumes at once. Best effort: a process that cannot reach AWS any more leaves a lease that
 * expires by itself within a few polls.
 */
async function stopped(
  clients: AwsClients,
  retry: RetryPolicy,
  clock: Clock,
  state: DeploymentState,
): Promise<DeploymentAbortedError> {
  if (state.newTaskSetArn && state.lease?.owner === state.controllerId) {
    const ctx: PhaseContext = { aws: clients, retry: { ...retry, retries: 0 }, now: clock.now() };
    await untagTaskSet(ctx, state.newTaskSetArn, [taskSetTag.lease]).catch(() => undefined);
  }
  return aborted(state);
}

function aborted(state: DeploymentState): DeploymentAbortedError {
  return new DeploymentAbortedError(
    `deployment ${state.deploymentId} stopped before phase ${state.phase}; nothing is half-done. ` +
      'Run the same command again to resume from the real state',
  );
}

/** Deploys `input` (validated first; the seed's event JSON is accepted) and resolves with the outcome. */
export async function deploy(
  clients: AwsClients,
  input: unknown,
  options: DeployOptions = {},
): Promise<DeploymentResult> {
  const resolved = parseDeploymentInput(input);
  const clock = options.clock ?? systemClock;
  return runWorkflow(clients, initialState(resolved, clock.now(), options.controllerId), options);
}

/**
 * Rolls back the unfinished deployment of `input`'s task definition: restores the old set, points
 * production back, deletes the new set. Throws when there is no deployment in progress to roll back.
 */
export async function rollbackDeployment(
  clients: AwsClients,
  input: unknown,
  options: DeployOptions & { reason?: string } = {},
): Promise<DeploymentResult> {
  const resolved = parseDeploymentInput(input);
  const clock = options.clock ?? systemClock;
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const ctx: PhaseContext = { aws: clients, retry, now: clock.now() };
  const found = await runPhase('discover', ctx, initialState(resolved, ctx.now, options.controllerId), {
    resume: true,
    takeOver: options.takeOver ?? false,
  });
  if (found.next.kind === 'end' || !found.state.newTaskSetArn) {
    throw new EcsTaperError(
      `no deployment of ${resolved.taskDefinition} in progress on service ${resolved.service}: nothing to roll back`,
    );
  }
  const start = startRollback(ctx, found.state, options.reason ?? 'rollback requested').state;
  return runWorkflow(clients, { ...start, phase: 'rollback' }, options);
}
