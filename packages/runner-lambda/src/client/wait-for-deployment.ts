import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
} from '@aws-sdk/client-sfn';
import { type Clock, type DeploymentEmitter, EcsTaperError, systemClock } from '@ecs-taper/core';
import { executionArnFor } from './execution-name';
import { type DurableOutcome, ExecutionProgress } from './execution-progress';
import { awsErrorName, type SfnCallOptions, sfnCall, WaitAbortedError } from './sfn';

export interface WaitForDeploymentOptions extends SfnCallOptions {
  /** The execution to follow (startDeployment's `executionArn`); hand-overs are followed from it. */
  executionArn: string;
  /** Receives the same `DeploymentEvent`s a local deploy emits. */
  events?: DeploymentEmitter;
  /** Seconds between two polls of a running execution (default 5). */
  pollSeconds?: number;
  /** Real time by default; tests pass a virtual one. */
  clock?: Clock;
  /** Called when the deployment moves on to an execution (the first one, then each successor). */
  onExecution?: (executionArn: string, index: number) => void;
}

export interface DurableDeploymentResult {
  outcome: DurableOutcome;
  reason: string;
  deploymentId: string;
  /** Every execution of the deployment in order: the first, then each one it was handed over to. */
  executions: string[];
  /** For a refusal: the error the phase refused with (InputValidationError, DeploymentLockedError, ...). */
  errorName?: string;
}

const defaultPollSeconds = 5;
/** A successor is started before its predecessor ends; allow for DescribeExecution's eventual consistency. */
const successorLookups = 6;
/** A poll reads the newest events in small pages; a backlog (a joined long execution) in large ones. */
const pollPageSize = 100;
const backlogPageSize = 1000;

/**
 * Follows a deployment run by the state machine to its end, through every hand-over to a fresh execution,
 * and reports its outcome. While it runs, each poll describes the execution and reads only the history
 * events it has not seen (newest first, stopping at the last one read), and `events` receives what a local
 * deploy would emit. Stopping (the signal) stops the waiting, never the deployment: it throws
 * WaitAbortedError.
 */
export async function waitForDeployment(options: WaitForDeploymentOptions): Promise<DurableDeploymentResult> {
  const clock = options.clock ?? systemClock;
  const pollMs = (options.pollSeconds ?? defaultPollSeconds) * 1000;
  const progress = new ExecutionProgress((event) => options.events?.emit('event', event));
  const executions: string[] = [];
  const stopped = () => new WaitAbortedError([...executions]);
  let executionArn = options.executionArn;
  try {
    for (;;) {
      if (executions.includes(executionArn)) {
        throw new EcsTaperError(
          `execution ${executionArn} was handed over to itself: cannot follow the deployment`,
        );
      }
      executions.push(executionArn);
      options.onExecution?.(executionArn, executions.length - 1);
      const ended = await watch(options, executionArn, progress, clock, pollMs, executions.length > 1);
      const successor = ExecutionProgress.handedOverTo(ended);
      if (successor) {
        executionArn = executionArnFor(ended.stateMachineArn ?? options.executionArn, successor);
        continue;
      }
      const ending = progress.finish(ended, clock.now());
      return { ...ending, deploymentId: progress.deploymentId, executions };
    }
  } catch (error) {
    if (options.signal?.aborted) throw stopped();
    throw error;
  }
}

/** Polls one execution until it is no longer running; returns its last description. */
async function watch(
  options: WaitForDeploymentOptions,
  executionArn: string,
  progress: ExecutionProgress,
  clock: Clock,
  pollMs: number,
  successor: boolean,
): Promise<DescribeExecutionOutput> {
  let lastEventId = 0;
  for (let lookups = 1; ; lookups++) {
    // Whatever is thrown once the signal aborted becomes WaitAbortedError in waitForDeployment.
    if (options.signal?.aborted) throw options.signal.reason;
    const execution = await describe(options, executionArn, successor && lookups < successorLookups);
    if (execution) {
      progress.onExecution(execution);
      const events = await newEvents(options, executionArn, lastEventId);
      for (const event of events) progress.onHistoryEvent(event);
      lastEventId = events.at(-1)?.id ?? lastEventId;
      // Described before the history was read: a finished execution's history is complete by now.
      if (execution.status !== 'RUNNING' && execution.status !== 'PENDING_REDRIVE') return execution;
    }
    await clock.sleep(pollMs, options.signal);
  }
}

async function describe(
  options: SfnCallOptions,
  executionArn: string,
  mayNotExistYet: boolean,
): Promise<DescribeExecutionOutput | undefined> {
  try {
    return await sfnCall(options, `describing execution ${executionArn}`, (c, s) =>
      c.send(new DescribeExecutionCommand({ executionArn }), { abortSignal: s }),
    );
  } catch (error) {
    if (mayNotExistYet && awsErrorName(error) === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

/**
 * The events after `afterId`, oldest first. Reads newest first and stops at the first page that reaches
 * an event already read, so a poll costs one small page however long the history is. A first page that
 * is full of unread events means a backlog: it is read again from the newest in pages of 1,000 (a new
 * query, since a nextToken must be used with unchanged arguments).
 */
async function newEvents(
  options: SfnCallOptions,
  executionArn: string,
  afterId: number,
): Promise<HistoryEvent[]> {
  const fresh = new Map<number, HistoryEvent>();
  let pageSize = pollPageSize;
  let nextToken: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await sfnCall(options, `reading the history of execution ${executionArn}`, (c, s) =>
      c.send(
        new GetExecutionHistoryCommand({
          executionArn,
          reverseOrder: true,
          maxResults: pageSize,
          includeExecutionData: true,
          ...(nextToken && { nextToken }),
        }),
        { abortSignal: s },
      ),
    );
    pages++;
    const events = page.events ?? [];
    let reachedRead = false;
    for (const event of events) {
      const id = event.id ?? 0;
      if (id > afterId) fresh.set(id, event);
      else reachedRead = true;
    }
    if (reachedRead || !page.nextToken) break;
    if (pages === 1 && pageSize === pollPageSize && events.length >= pollPageSize) {
      pageSize = backlogPageSize;
      nextToken = undefined;
      fresh.clear();
      pages = 0;
      continue;
    }
    nextToken = page.nextToken;
  }
  return [...fresh.values()].sort((a, b) => (a.id ?? 0) - (b.id ?? 0));
}
