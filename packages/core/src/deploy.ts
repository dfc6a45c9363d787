import { defaultRetryPolicy, type RetryPolicy } from './aws/call-aws';
import type { AwsClients } from './aws/ports';
import { type PhaseContext, phaseContext } from './aws/read';
import { taskSetTag, untagTaskSet } from './aws/task-set-tags';
import { type Clock, systemClock } from './clock';
import { restoreAutoScaling } from './controller/autoscaling';
import { DeploymentAbortedError, EcsTaperError, InputValidationError } from './errors';
import type { DeploymentEmitter, DeploymentEvent, DeploymentOutcome, PhaseName } from './events';
import { startRollback } from './phases/alarms';
import { type DeploymentState, initialState, type Next, type PhaseResult } from './state';
import { assertHooksRunnable } from './steps/hook';
import type { HookRunner } from './steps/hook-port';
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
  /** Runs the input's lifecycle hooks; an input with hooks and no runner for them is refused. */
  hooks?: HookRunner;
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

/** Why a deployment ended so: a rollback's cause (not the rollback's own last detail), else the last detail. */
export function endingReason(state: DeploymentState, next: Extract<Next, { kind: 'end' }>): string {
  return next.outcome === 'rolled-back' ? (state.rollbackReason ?? next.detail) : next.detail;
}

/**
 * The progress events of one phase's result, at time `at`: what it observed and applied, its end, then
 * where it leads (the deployment's end, a rollback starting, a wait). Pure, so every interpreter of the
 * workflow (this loop, runner-lambda's `waitForDeployment` reading an execution's history) reports a
 * phase the same way.
 */
export function phaseResultEvents(result: PhaseResult & { phase: PhaseName }, at: number): DeploymentEvent[] {
  const { phase, state, next } = result;
  const deploymentId = state.deploymentId;
  const events: DeploymentEvent[] = [];
  if (result.status) events.push({ type: 'status', deploymentId, at, status: result.status });
  if (result.appliedStep) events.push({ type: 'scale-step', deploymentId, at, ...result.appliedStep });
  events.push({ type: 'phase-finished', deploymentId, at, phase, detail: next.detail });
  if (next.kind === 'end') {
    const reason = endingReason(state, next);
    events.push({ type: 'deployment-finished', deploymentId, at, outcome: next.outcome, reason });
    return events;
  }
  if (next.phase === 'rollback' && phase !== 'rollback') {
    events.push({ type: 'rollback-started', deploymentId, at, reason: state.rollbackReason ?? next.detail });
  }
  if (next.afterSeconds > 0) {
    const until = at + next.afterSeconds * 1000;
    const paused = result.paused ? { paused: result.paused } : {};
    events.push({
      type: 'waiting',
      deploymentId,
      at,
      phase: next.phase,
      until,
      reason: next.detail,
      ...paused,
    });
  }
  return events;
}

/**
 * What a run is refused for before any AWS call (InputValidationError): clients or hook runners it will
 * need and does not have. Phases read alarms only after the new task set exists; a missing client found
 * there would be a refusal (rethrown, no rollback) that leaves the new set behind, so it is refused here,
 * before anything changes. `previewDeployment` asks the same.
 */
export function assertRunnable(
  clients: AwsClients,
  state: Pick<DeploymentState, 'phase' | 'input'>,
  hooks: HookRunner | undefined,
): void {
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
  assertHooksRunnable(state.input.hooks, hooks);
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
  // Until discover has run, the run's id is not known: without an explicit deploymentId it adopts the one
  // unfinished deployment of the same task definition. The events before that (the start, discover's
  // start) are held, then sent with the id discover settled on and `resumed` as it found: one id in every
  // event of a run. Their times are kept; an error, a refusal or a stop on the way sends them as they were.
  let held: DeploymentEvent[] | undefined = start.phase === 'discover' ? [] : undefined;
  const send = (event: DeploymentEvent) => options.events?.emit('event', event);
  const emit = (event: DeploymentEvent) => (held ? held.push(event) : send(event));
  const release = (found?: DeploymentState) => {
    const events = held ?? [];
    held = undefined;
    for (const event of events) send(found ? adoptedEvent(event, found) : event);
  };
  try {
    return await interpret(clients, start, options, clock, emit, release);
  } finally {
    release();
  }
}

/** A held start event under the deployment discover found: its id, and resumed when it continues one. */
function adoptedEvent(event: DeploymentEvent, found: DeploymentState): DeploymentEvent {
  const deploymentId = found.deploymentId;
  if (event.type !== 'deployment-started') return { ...event, deploymentId };
  // A new task set already there (adopted, or named by the input's deploymentId) is a deployment resumed.
  return { ...event, deploymentId, resumed: found.newTaskSetArn !== undefined };
}

async function interpret(
  clients: AwsClients,
  start: DeploymentState,
  options: DeployOptions,
  clock: Clock,
  emit: (event: DeploymentEvent) => void,
  discovered: (found: DeploymentState) => void,
): Promise<DeploymentResult> {
  const retry = { ...defaultRetryPolicy, ...options.retry };
  let state = start;
  assertRunnable(clients, state, options.hooks);
  emit({
    type: 'deployment-started',
    deploymentId: state.deploymentId,
    at: clock.now(),
    resumed: state.phase !== 'discover',
  });

  for (;;) {
    if (options.signal?.aborted) throw await stopped(clients, retry, clock, state);
    const phase = state.phase;
    const ctx = phaseContext(clients, retry, clock.now(), options.signal, options.hooks);
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
    if (phase === 'discover') discovered(state);
    const at = clock.now();
    const next = result.next;
    const events = phaseResultEvents({ ...result, phase }, at);
    // The transition is checked once the phase has reported, before the ending or the wait it leads to.
    const reported = events.findIndex((event) => event.type === 'phase-finished') + 1;
    for (const event of events.slice(0, reported)) emit(event);
    if (!caught) assertTransition(phase, next);
    for (const event of events.slice(reported)) emit(event);
    if (next.kind === 'end') {
      return {
        deploymentId: state.deploymentId,
        outcome: next.outcome,
        reason: endingReason(state, next),
        state,
      };
    }
    state = { ...state, phase: next.phase };
    if (next.afterSeconds > 0) {
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
  const ctx = phaseContext(clients, retry, clock.now(), undefined, options.hooks);
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
