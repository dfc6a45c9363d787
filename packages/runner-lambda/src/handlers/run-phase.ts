import { createHash } from 'node:crypto';
import {
  type AwsClients,
  assertTransition,
  type DeploymentState,
  initialState,
  type Next,
  type PhaseName,
  parseDeploymentInput,
  type RetryPolicy,
  runPhase,
  startRollback,
  transitions,
} from '@ecs-taper/core';
import { toStepFunctionsError } from './lambda-error';
import { logJson } from './log';

/** What a Task state sends. `discover` starts from the raw input; every other phase gets the carried state. */
export type PhaseEvent =
  | { phase: 'discover'; input: unknown; executionId?: string }
  | {
      phase: Exclude<PhaseName, 'discover'>;
      state: DeploymentState;
      failure?: { Error?: string; Cause?: string };
    };

export interface PhaseOutput {
  state: DeploymentState;
  next: Next;
}

export interface HandlerOptions {
  clients: () => AwsClients;
  now?: () => number;
  retry?: Partial<RetryPolicy>;
}

/** Retried invocations of one execution must agree on the id: derive it from the execution. */
export function deploymentIdForExecution(executionId: string): string {
  return `sfn-${createHash('sha256').update(executionId).digest('hex').slice(0, 32)}`;
}

function isPhaseName(value: unknown): value is PhaseName {
  return typeof value === 'string' && value in transitions;
}

/** Step Functions puts the thrown error's message inside a JSON Cause; keep only the message. */
function failureReason(failure: { Error?: string; Cause?: string }): string {
  let message = failure.Cause ?? '';
  try {
    const parsed = JSON.parse(message) as { errorMessage?: string };
    if (parsed.errorMessage) message = parsed.errorMessage;
  } catch {
    // Cause was plain text.
  }
  return `${failure.Error ?? 'Error'}: ${message}`;
}

export function createPhaseHandler(options: HandlerOptions) {
  return async function handlePhase(event: PhaseEvent): Promise<PhaseOutput> {
    const now = options.now?.() ?? Date.now();
    const phase = event?.phase;
    if (!isPhaseName(phase)) {
      throw Object.assign(
        new Error(`event.phase must be one of ${Object.keys(transitions).join(', ')}, got ${String(phase)}`),
        {
          name: 'InputValidationError',
        },
      );
    }
    let state: DeploymentState;
    if (event.phase === 'discover') {
      const input = parseDeploymentInput(event.input);
      // The execution is the controller: every invocation of it shares the lease it holds.
      const executionKey = event.executionId ? deploymentIdForExecution(event.executionId) : undefined;
      state = initialState(input, now, executionKey);
      if (!input.deploymentId && executionKey) state.deploymentId = executionKey;
    } else {
      state = { ...event.state, phase };
    }
    const ctx = {
      aws: options.clients(),
      retry: { retries: 4, minTimeoutMs: 500, maxTimeoutMs: 10_000, ...options.retry },
      now,
    };
    if (phase === 'rollback' && event.phase === 'rollback' && event.failure && !state.rollbackReason) {
      state = startRollback(ctx, state, failureReason(event.failure)).state;
    }
    try {
      const result = await runPhase(phase, ctx, state, { resume: false });
      assertTransition(phase, result.next);
      logJson('info', {
        deploymentId: result.state.deploymentId,
        phase,
        next: result.next,
        status: result.status,
      });
      return { state: { ...result.state, phase }, next: result.next };
    } catch (error) {
      const surfaced = toStepFunctionsError(error);
      logJson('error', {
        deploymentId: state.deploymentId,
        phase,
        error: surfaced.name,
        message: surfaced.message,
      });
      throw surfaced;
    }
  };
}
