import type { Logger } from '@aws-lambda-powertools/logger';
import {
  type AwsClients,
  type DeploymentState,
  type DeploymentStatus,
  type HookRunner,
  type Next,
  type PhaseName,
  type PhaseResult,
  parseDeploymentInput,
  type RetryPolicy,
} from '@ecs-taper/core';
import {
  assertHooksRunnable,
  assertTransition,
  initialState,
  isPhaseName,
  phaseContext,
  phaseNames,
  restoreAutoScaling,
  runPhase,
  startRollback,
} from '@ecs-taper/core/workflow';
import { functionTimeoutSeconds } from '../asl/build-state-machine';
import {
  accountTask,
  defaultExecutionLimits,
  type ExecutionBudget,
  type ExecutionLimits,
  newBudget,
} from '../asl/execution-budget';
import { deploymentIdForExecution } from '../client/execution-name';
import { caughtFailureReason, handlerDeadlineError, toStepFunctionsError } from './lambda-error';
import { logger as defaultLogger } from './log';

/**
 * What the `Restore after failure` Task sends: a phase failed for good outside rollback. The deployment
 * ends failed, but gives back the Auto Scaling it suspended first, as the local loop does.
 */
export interface RestoreEvent {
  restoreAfterFailure: true;
  state: DeploymentState;
  failure?: { Error?: string; Cause?: string };
  executionId?: string;
}

/** What a Task state sends (see build-state-machine.ts); `discover` starts from the raw input. */
export type PhaseEvent = (
  | { phase: 'discover'; input: unknown; executionName?: string }
  | {
      phase: Exclude<PhaseName, 'discover'>;
      state: DeploymentState;
      execution?: ExecutionBudget;
      failure?: { Error?: string; Cause?: string };
    }
) & {
  executionId?: string;
  /** `$$.State.RetryCount`: each retry before this invocation wrote 3 history events. */
  retryCount?: number;
  limits?: ExecutionLimits;
};

/** What the console and `waitForDeployment` show of a phase: small, replaced at every Task. */
export interface PhaseProgress {
  phase: PhaseName;
  status?: DeploymentStatus;
  appliedStep?: PhaseResult['appliedStep'];
  paused?: PhaseResult['paused'];
}

export interface PhaseOutput {
  state: DeploymentState;
  next: Next;
  execution: ExecutionBudget;
  progress: PhaseProgress;
}

/** The part of the Lambda context the handler uses. */
export interface InvocationContext {
  getRemainingTimeInMillis(): number;
  awsRequestId?: string;
  functionName?: string;
}

export interface HandlerOptions {
  clients: () => AwsClients;
  /** Runs the input's lifecycle hooks (the deployed handler: Lambda functions and URLs, `lambdaHookRunner`). */
  hooks?: HookRunner;
  now?: () => number;
  retry?: Partial<RetryPolicy>;
  logger?: Logger;
}

/**
 * The handler stops its AWS calls this long before the function would time out, and fails as a retried
 * `HandlerDeadlineExceeded`: a timed-out invocation leaves no log line saying which call was slow.
 */
export const handlerDeadlineMarginMs = 10_000;

// In the client entry's module, which must not load the handler's logger; re-exported for the handler's users.
export { deploymentIdForExecution };

function startingState(event: PhaseEvent, now: number): DeploymentState {
  if (event.phase === 'discover') {
    const input = parseDeploymentInput(event.input);
    // The execution is the controller: every invocation of it (and of its successors) shares the lease.
    const executionKey = event.executionId ? deploymentIdForExecution(event.executionId) : undefined;
    const state = initialState(input, now, executionKey);
    if (!input.deploymentId && executionKey) state.deploymentId = executionKey;
    return state;
  }
  return { ...event.state, phase: event.phase };
}

function startingBudget(event: PhaseEvent, now: number): ExecutionBudget {
  if (event.phase !== 'discover' && event.execution) return event.execution;
  const chain = event.phase === 'discover' ? event.executionName : undefined;
  return newBudget(chain ?? deploymentIdForExecution(event.executionId ?? 'local'), 0, now);
}

/** Aborts the phase's AWS calls before the function's own timeout. */
function deadlineSignal(context: InvocationContext | undefined) {
  const remainingMs = context?.getRemainingTimeInMillis() ?? functionTimeoutSeconds * 1000;
  const controller = new AbortController();
  const reached = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () =>
      reject(new Error(`stopped ${handlerDeadlineMarginMs / 1000} s before the function's timeout`)),
    );
  });
  // Only the race observes it; without a race, the rejection must not count as unhandled.
  reached.catch(() => {});
  const timer = setTimeout(() => controller.abort(), Math.max(0, remainingMs - handlerDeadlineMarginMs));
  timer.unref?.();
  return { signal: controller.signal, reached, clear: () => clearTimeout(timer) };
}

const defaultRetry = { retries: 4, minTimeoutMs: 500, maxTimeoutMs: 10_000 };

export interface RestoreOutput {
  restored: boolean;
}

/** One function for every Task: a phase, or the restore before a failed deployment ends. */
export interface PhaseHandler {
  (event: RestoreEvent, context?: InvocationContext): Promise<RestoreOutput>;
  (event: PhaseEvent, context?: InvocationContext): Promise<PhaseOutput>;
}

export function createPhaseHandler(options: HandlerOptions): PhaseHandler {
  const log = options.logger ?? defaultLogger;

  async function restoreAfterFailure(
    event: RestoreEvent,
    context?: InvocationContext,
  ): Promise<RestoreOutput> {
    const deadline = deadlineSignal(context);
    log.appendKeys({ phase: 'restoreAfterFailure', deploymentId: event.state?.deploymentId });
    try {
      const ctx = phaseContext(
        options.clients(),
        { ...defaultRetry, ...options.retry },
        options.now?.() ?? Date.now(),
        deadline.signal,
      );
      const state = await Promise.race([restoreAutoScaling(ctx, event.state), deadline.reached]);
      log.info('Auto Scaling restored after a failure', { failure: event.failure?.Error });
      return { restored: state.autoScaling?.restored ?? false };
    } catch (error) {
      const surfaced = deadline.signal.aborted ? handlerDeadlineError(error) : toStepFunctionsError(error);
      log.error('restoring Auto Scaling failed: it is still suspended; restore it with ecs-taper rollback', {
        error: surfaced.name,
        errorMessage: surfaced.message,
      });
      throw surfaced;
    } finally {
      deadline.clear();
    }
  }

  async function handle(
    event: PhaseEvent | RestoreEvent,
    context?: InvocationContext,
  ): Promise<PhaseOutput | RestoreOutput> {
    if (context) log.addContext(context as Parameters<Logger['addContext']>[0]);
    log.resetKeys();
    if ((event as RestoreEvent | undefined)?.restoreAfterFailure === true) {
      const restore = event as RestoreEvent;
      log.appendKeys({ executionArn: restore.executionId });
      return restoreAfterFailure(restore, context);
    }
    return runOnePhase(event as PhaseEvent, context);
  }

  async function runOnePhase(event: PhaseEvent, context?: InvocationContext): Promise<PhaseOutput> {
    const now = options.now?.() ?? Date.now();
    const phase = event?.phase;
    log.appendKeys({ phase: String(phase), executionArn: event?.executionId });
    const deadline = deadlineSignal(context);
    let state: DeploymentState | undefined;
    try {
      if (!isPhaseName(phase)) {
        throw Object.assign(
          new Error(`event.phase must be one of ${phaseNames.join(', ')}, got ${String(phase)}`),
          { name: 'InputValidationError' },
        );
      }
      state = startingState(event, now);
      log.appendKeys({ deploymentId: state.deploymentId });
      // A hook this runner cannot run is refused before discover, so before anything changes.
      if (phase === 'discover') assertHooksRunnable(state.input.hooks, options.hooks);
      const ctx = phaseContext(
        options.clients(),
        { ...defaultRetry, ...options.retry },
        now,
        deadline.signal,
        options.hooks,
      );
      if (event.phase === 'rollback' && event.failure && !state.rollbackReason) {
        state = startRollback(ctx, state, caughtFailureReason(event.failure)).state;
      }
      // Raced too: a call that ignores the abort (a hung socket) must not outlive the deadline either.
      const result = await Promise.race([runPhase(phase, ctx, state, { resume: false }), deadline.reached]);
      assertTransition(phase, result.next);
      const execution = accountTask(
        startingBudget(event, now),
        event.retryCount ?? 0,
        result.next,
        now,
        event.limits ?? defaultExecutionLimits,
      );
      log.info('phase finished', {
        next: result.next,
        status: result.status,
        events: execution.events,
        ...(execution.successor ? { handOverTo: execution.successor.name } : {}),
      });
      return {
        state: { ...result.state, phase },
        next: result.next,
        execution,
        progress: { phase, status: result.status, appliedStep: result.appliedStep, paused: result.paused },
      };
    } catch (error) {
      const surfaced = deadline.signal.aborted ? handlerDeadlineError(error) : toStepFunctionsError(error);
      log.error('phase failed', { error: surfaced.name, errorMessage: surfaced.message });
      throw surfaced;
    } finally {
      deadline.clear();
    }
  }

  return handle as PhaseHandler;
}
