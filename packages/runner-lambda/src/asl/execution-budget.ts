import { createHash } from 'node:crypto';
import type { Next } from '@ecs-taper/core';

/**
 * An execution's history is capped at 25,000 events and its duration at the definition's TimeoutSeconds;
 * neither failure can be caught, so no rollback would run. A long deployment therefore continues in a
 * fresh execution before either is near (`handOver`). The handler counts the events its own states add,
 * from the history event types Step Functions writes for them:
 */
export const historyEvents = {
  /** ExecutionStarted. */
  executionStarted: 1,
  /** ChoiceStateEntered, ChoiceStateExited. */
  choice: 2,
  /** WaitStateEntered, WaitStateExited. */
  wait: 2,
  /** TaskStateEntered, TaskScheduled, TaskStarted, TaskSucceeded, TaskStateExited. */
  task: 5,
  /** Each retry of a Task: TaskFailed (or TaskTimedOut), TaskScheduled, TaskStarted. */
  taskRetry: 3,
} as const;

export const historyEventLimit = 25_000;

export interface ExecutionLimits {
  /** The definition's TimeoutSeconds: the execution fails (uncatchably) after it. */
  timeoutSeconds: number;
  /** Hand over once this many events are counted. */
  handOverAtEvents: number;
}

/**
 * 22,500 of 25,000: the rest covers what the count cannot see, the retries of a Task that then failed
 * into a Catch (at most its retriers' MaxAttempts x 3), and the hand-over itself (about 10 events).
 */
export const defaultExecutionLimits: Readonly<ExecutionLimits> = {
  timeoutSeconds: 86_400,
  handOverAtEvents: 22_500,
};

/**
 * Time kept back before the execution timeout: a Task that runs after the last check may take its
 * retries (minutes), and a Wait is never started that would end inside this margin.
 */
export function timeReserveSeconds(limits: ExecutionLimits): number {
  return Math.min(3_600, Math.floor(limits.timeoutSeconds / 4));
}

/** What one execution carries about itself, next to the deployment state. Constant size. */
export interface ExecutionBudget {
  /** The first execution's name: every successor's name derives from it. */
  chain: string;
  /** 0 for the first execution, then 1, 2, ... */
  generation: number;
  /** When this execution started (the handler's clock). */
  startedAt: number;
  /** History events counted so far. */
  events: number;
  /** Set when this execution must hand over: the execution the deployment continues in. */
  successor?: { name: string; budget: ExecutionBudget };
}

/** Execution names: 1-80 characters of letters, digits, '-' and '_'. */
const maxNameLength = 80;

/** The name of generation `generation` of a chain: `<chain>-h<n>`, shortened with a hash when too long. */
export function successorName(chain: string, generation: number): string {
  const suffix = `-h${generation}`;
  if (chain.length + suffix.length <= maxNameLength) return `${chain}${suffix}`;
  const hash = createHash('sha256').update(chain).digest('hex').slice(0, 8);
  return `${chain.slice(0, maxNameLength - suffix.length - hash.length - 1)}-${hash}${suffix}`;
}

/** Events an execution has written before its first Task: ExecutionStarted and the Start choice. */
const startEvents = historyEvents.executionStarted + historyEvents.choice;

/**
 * A fresh execution's budget. `resumedWith`: the decision it was handed over with; the execution routes
 * it through the Resume choice, and through a Wait when it asks for one.
 */
export function newBudget(
  chain: string,
  generation: number,
  now: number,
  resumedWith?: Next,
): ExecutionBudget {
  const resumed =
    resumedWith === undefined
      ? 0
      : historyEvents.choice +
        (resumedWith.kind === 'go' && resumedWith.afterSeconds > 0 ? historyEvents.wait : 0);
  return { chain, generation, startedAt: now, events: startEvents + resumed };
}

/** Events of one loop: this Task (with its retries), the Choice after it, and the Wait before the next. */
export function loopEvents(retryCount: number, next: Next): number {
  const waits = next.kind === 'go' && next.afterSeconds > 0 ? historyEvents.wait : 0;
  return historyEvents.task + historyEvents.taskRetry * retryCount + historyEvents.choice + waits;
}

/**
 * Counts the Task that just ran and decides whether the execution continues here or hands over: before
 * the count reaches `handOverAtEvents`, and before the next Wait would end within the reserve of the
 * execution timeout. Only a deployment that goes on is handed over.
 */
export function accountTask(
  budget: ExecutionBudget,
  retryCount: number,
  next: Next,
  now: number,
  limits: ExecutionLimits,
): ExecutionBudget {
  const { successor: _previous, ...counted } = budget;
  const events = counted.events + loopEvents(retryCount, next);
  const updated = { ...counted, events };
  if (next.kind !== 'go') return updated;
  const nearEvents = events >= limits.handOverAtEvents;
  const waitEndsAt = now + next.afterSeconds * 1000;
  const nearTimeout =
    waitEndsAt + timeReserveSeconds(limits) * 1000 >= budget.startedAt + limits.timeoutSeconds * 1000;
  if (!nearEvents && !nearTimeout) return updated;
  const generation = budget.generation + 1;
  return {
    ...updated,
    successor: {
      name: successorName(budget.chain, generation),
      budget: newBudget(budget.chain, generation, now, next),
    },
  };
}

/** What an estimate needs from the deployment input and its plan. */
export interface ExecutionSchedule {
  /** The plan's stepCount. */
  steps: number;
  intervalSeconds: number;
  pollIntervalSeconds: number;
  readyTimeoutSeconds: number;
  settleSeconds: number;
  drainTimeoutSeconds: number;
}

export interface ExecutionEstimate {
  /** Task invocations, counting every wait for readiness and draining to its deadline. */
  loops: number;
  events: number;
  seconds: number;
  /** Executions the deployment takes: 1 plus its hand-overs. */
  executions: number;
}

/**
 * An upper estimate of how many executions a deployment takes, for `ecs-taper plan`: each poll is one
 * loop of 9 events (after the swap every wait is at most a poll, so a step costs interval / poll loops),
 * and the waits for readiness and draining are counted to their deadlines.
 */
export function estimateExecutions(
  schedule: ExecutionSchedule,
  limits: ExecutionLimits = defaultExecutionLimits,
): ExecutionEstimate {
  const polls = (seconds: number) => Math.max(1, Math.ceil(seconds / schedule.pollIntervalSeconds));
  const loops =
    2 + // discover, create
    polls(schedule.readyTimeoutSeconds) +
    1 + // swap
    polls(schedule.settleSeconds) +
    schedule.steps * polls(schedule.intervalSeconds) +
    polls(schedule.drainTimeoutSeconds) +
    1; // cleanup
  const events = startEvents + loops * (historyEvents.task + historyEvents.choice + historyEvents.wait);
  const seconds =
    schedule.readyTimeoutSeconds +
    schedule.settleSeconds +
    schedule.steps * schedule.intervalSeconds +
    schedule.drainTimeoutSeconds;
  const byEvents = Math.ceil(events / limits.handOverAtEvents);
  const byTime = Math.ceil(seconds / (limits.timeoutSeconds - timeReserveSeconds(limits)));
  return { loops, events, seconds, executions: Math.max(1, byEvents, byTime) };
}
