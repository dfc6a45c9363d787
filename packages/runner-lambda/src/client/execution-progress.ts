import type { DescribeExecutionOutput, HistoryEvent } from '@aws-sdk/client-sfn';
import type { DeploymentEvent, DeploymentOutcome, DeploymentState, Next, PhaseName } from '@ecs-taper/core';
import { endingReason, isRefusalName, phaseResultEvents, rollbackOnFailure } from '@ecs-taper/core/workflow';
import { rollbackAfterFailure, stateNames } from '../asl/build-state-machine';
import { caughtFailureReason, lambdaError } from '../handlers/lambda-error';
import type { PhaseOutput } from '../handlers/run-phase';
import { deploymentIdForExecution } from './execution-name';

/** How a deployment run by the state machine ended: core's outcomes, and a refusal (nothing changed). */
export type DurableOutcome = DeploymentOutcome | 'refused';

export interface DurableEnding {
  outcome: DurableOutcome;
  reason: string;
  /** For a refusal: the error the phase refused with (InputValidationError, DeploymentLockedError, ...). */
  errorName?: string;
}

/** The Task state of each phase, by its name in the history. */
const phaseOfState = new Map<string, PhaseName>([
  ...Object.entries(stateNames).map(([phase, name]) => [name, phase as PhaseName] as const),
  [rollbackAfterFailure, 'rollback'],
]);

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A phase's `{ state, next, progress }` as the Task's ResultSelector leaves it, or undefined. */
function phaseOutput(
  value: unknown,
): (Partial<PhaseOutput> & { state: DeploymentState; next: Next }) | undefined {
  if (!isObject(value) || !isObject(value.state) || !isObject(value.next)) return undefined;
  if (typeof value.state.deploymentId !== 'string' || typeof value.next.kind !== 'string') return undefined;
  return value as unknown as PhaseOutput;
}

/**
 * Turns a deployment's execution history (one execution after another, through hand-overs) into the
 * `DeploymentEvent`s a local deploy emits, so the CLI's renderers show either the same way. Each phase
 * result goes through core's `phaseResultEvents`; the deployment's one `deployment-finished` comes from
 * how the last execution ended (`finish`), which is what decides the outcome.
 */
export class ExecutionProgress {
  private deploymentIdValue: string | undefined;
  private started = false;
  private rollbackAnnounced = false;
  /** The last phase result read, and what the last caught failure said. */
  private last: { state: DeploymentState; next: Next } | undefined;
  private lastFailure: string | undefined;
  /** The phase whose Task was entered and has not exited yet. */
  private open: PhaseName | undefined;
  /** ExecutionFailed / TimedOut / Aborted details, for an endpoint whose DescribeExecution omits them. */
  private terminal: { error?: string; cause?: string } | undefined;

  constructor(private readonly emit: (event: DeploymentEvent) => void) {}

  get deploymentId(): string {
    return this.deploymentIdValue ?? '';
  }

  /**
   * An execution of the deployment was described. The first one starts the deployment's events: its id
   * is the input's (a handed-over input carries the state), else the one the handler derives from the
   * execution.
   */
  onExecution(execution: DescribeExecutionOutput): void {
    this.terminal = undefined;
    if (this.started) return;
    this.started = true;
    const input = parseJson(execution.input);
    const carried = isObject(input) && isObject(input.state) ? input.state.deploymentId : undefined;
    const given = isObject(input) ? input.deploymentId : undefined;
    this.deploymentIdValue =
      typeof carried === 'string'
        ? carried
        : typeof given === 'string'
          ? given
          : deploymentIdForExecution(execution.executionArn ?? '');
    this.emit({
      type: 'deployment-started',
      deploymentId: this.deploymentId,
      at: execution.startDate?.getTime() ?? 0,
      // A handed-over execution continues a deployment, as a local run that resumes past discover.
      resumed: isObject(input) && input.next !== undefined,
    });
  }

  onHistoryEvent(event: HistoryEvent): void {
    const at = event.timestamp?.getTime() ?? 0;
    if (event.stateEnteredEventDetails) this.onStateEntered(event.stateEnteredEventDetails, at);
    switch (event.type) {
      case 'TaskStateEntered': {
        const phase = phaseOfState.get(event.stateEnteredEventDetails?.name ?? '');
        if (phase) this.emit({ type: 'phase-started', deploymentId: this.deploymentId, at, phase });
        this.open = phase;
        return;
      }
      case 'TaskStateExited': {
        const phase = phaseOfState.get(event.stateExitedEventDetails?.name ?? '');
        this.open = undefined;
        if (phase) this.onPhaseExited(phase, parseJson(event.stateExitedEventDetails?.output), at);
        return;
      }
      case 'ExecutionFailed':
        this.terminal = { ...event.executionFailedEventDetails };
        return;
      case 'ExecutionTimedOut':
        this.terminal = { ...event.executionTimedOutEventDetails };
        return;
      case 'ExecutionAborted':
        this.terminal = { ...event.executionAbortedEventDetails };
        return;
      default:
        return;
    }
  }

  /**
   * A phase Task still open when the next state is entered did not write its TaskStateExited: its error
   * went to a Catch, and the next state's input holds it (ResultPath $.failure). Reported from there.
   */
  private onStateEntered(details: { name?: string; input?: string }, at: number): void {
    const failed = this.open;
    if (failed === undefined) return;
    const input = parseJson(details.input);
    if (isObject(input) && isObject(input.failure)) {
      this.open = undefined;
      this.onPhaseFailed(
        failed,
        String(input.failure.Error ?? 'Error'),
        input.failure.Cause as string | undefined,
        at,
      );
    }
  }

  private onPhaseExited(phase: PhaseName, output: unknown, at: number): void {
    const failure = isObject(output) && isObject(output.failure) ? output.failure : undefined;
    if (failure) {
      this.onPhaseFailed(phase, String(failure.Error ?? 'Error'), failure.Cause as string | undefined, at);
      return;
    }
    const result = phaseOutput(output);
    if (!result) return;
    this.deploymentIdValue = result.state.deploymentId;
    this.last = { state: result.state, next: result.next };
    const events = phaseResultEvents(
      {
        phase,
        state: result.state,
        next: result.next,
        ...(result.progress?.status && { status: result.progress.status }),
        ...(result.progress?.appliedStep && { appliedStep: result.progress.appliedStep }),
        ...(result.progress?.paused && { paused: result.progress.paused }),
      },
      at,
    );
    if (phase === 'rollback' && !this.rollbackAnnounced) {
      const reason = result.state.rollbackReason ?? result.next.detail;
      this.emit({ type: 'rollback-started', deploymentId: this.deploymentId, at, reason });
      this.rollbackAnnounced = true;
    }
    for (const e of events) {
      // One ending per deployment, from how its last execution ended (finish).
      if (e.type === 'deployment-finished') continue;
      if (e.type === 'rollback-started') this.rollbackAnnounced = true;
      this.emit(e);
    }
  }

  /** A Catch took the Task's error (ResultPath $.failure): a refusal, into rollback, or the end. */
  private onPhaseFailed(phase: PhaseName, error: string, cause: string | undefined, at: number): void {
    const reason = caughtFailureReason({ Error: error, Cause: cause });
    this.lastFailure = `${phase} failed: ${reason}`;
    const deploymentId = this.deploymentId;
    this.emit({ type: 'phase-finished', deploymentId, at, phase, detail: this.lastFailure });
    if (!isRefusalName(phase, error) && rollbackOnFailure.has(phase) && !this.rollbackAnnounced) {
      // The reason the handler records when it enters rollback from this failure.
      this.emit({ type: 'rollback-started', deploymentId, at, reason });
      this.rollbackAnnounced = true;
    }
  }

  /**
   * What to do about a deployment whose execution ended mid-way: a new execution adopts it only when
   * its input names the deployment (the handler never adopts on its own).
   */
  private leftOver(): string {
    return (
      `to continue deployment ${this.deploymentId}, start a new execution (a new run id) with ` +
      `deploymentId ${this.deploymentId} in its input, or roll it back`
    );
  }

  /** The hand-over's successor, when this execution ended by handing the deployment over. */
  static handedOverTo(execution: DescribeExecutionOutput): string | undefined {
    if (execution.status !== 'SUCCEEDED') return undefined;
    const output = parseJson(execution.output);
    return isObject(output) && typeof output.handedOverTo === 'string' ? output.handedOverTo : undefined;
  }

  /** The deployment's outcome from its last execution's ending; emits `deployment-finished`. */
  finish(execution: DescribeExecutionOutput, now: number): DurableEnding {
    const ending = this.ending(execution);
    this.emit({
      type: 'deployment-finished',
      deploymentId: this.deploymentId,
      at: execution.stopDate?.getTime() ?? now,
      outcome: ending.outcome === 'refused' ? 'failed' : ending.outcome,
      reason: ending.outcome === 'refused' ? `refused: ${ending.reason}` : ending.reason,
    });
    return ending;
  }

  private ending(execution: DescribeExecutionOutput): DurableEnding {
    const name = execution.name ?? execution.executionArn ?? 'the execution';
    const ended =
      this.last?.next.kind === 'end' ? { state: this.last.state, next: this.last.next } : undefined;
    const reasonOf = (outcome: DeploymentOutcome) =>
      ended && ended.next.kind === 'end' && ended.next.outcome === outcome
        ? endingReason(ended.state, ended.next)
        : undefined;
    const error = execution.error ?? this.terminal?.error;
    const cause = execution.cause ?? this.terminal?.cause;
    switch (execution.status) {
      case 'SUCCEEDED': {
        // The output is the last phase's { state, next }: the reason even if the history lagged behind.
        const output = phaseOutput(parseJson(execution.output));
        const fromOutput = output?.next.kind === 'end' ? endingReason(output.state, output.next) : undefined;
        return {
          outcome: 'succeeded',
          reason: reasonOf('succeeded') ?? fromOutput ?? `execution ${name} succeeded`,
        };
      }
      case 'FAILED': {
        const { errorType, message } = lambdaError(cause);
        if (error === 'DeploymentRolledBack') {
          return { outcome: 'rolled-back', reason: reasonOf('rolled-back') ?? message };
        }
        if (error === 'DeploymentRefused') {
          return { outcome: 'refused', reason: message, ...(errorType && { errorName: errorType }) };
        }
        if (error === 'DeploymentFailed') {
          return { outcome: 'failed', reason: reasonOf('failed') ?? this.lastFailure ?? message };
        }
        // Not one of the definition's endings (States.Runtime, a history limit): the execution broke.
        const what = [error, message].filter(Boolean).join(': ') || 'no error given';
        return { outcome: 'failed', reason: `execution ${name} failed (${what})` };
      }
      case 'TIMED_OUT':
        return {
          outcome: 'failed',
          reason: `execution ${name} timed out (the state machine's TimeoutSeconds) before the deployment ended; ${this.leftOver()}`,
        };
      case 'ABORTED':
        return {
          outcome: 'failed',
          reason: `execution ${name} was stopped (StopExecution or the console) before the deployment ended; ${this.leftOver()}`,
        };
      default:
        return {
          outcome: 'failed',
          reason: `execution ${name} ended with status ${String(execution.status)}`,
        };
    }
  }
}
