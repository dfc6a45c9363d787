/**
 * Step Functions for the client tests: executions whose status and history the test scripts, served
 * through aws-sdk-client-mock with AWS's paging rules (newest first on reverseOrder, pages of maxResults,
 * default 100, a nextToken while more remain). `HistoryBuilder` writes the event types Step Functions
 * writes for each kind of state, with the Task outputs the definition's ResultSelector leaves.
 */
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type HistoryEventType,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { DeploymentStatus, Next, PhaseName } from '@ecs-taper/core';
import { mockClient } from 'aws-sdk-client-mock';

export const REGION = 'eu-west-1';
export const ACCOUNT = '123456789012';
export const STATE_MACHINE = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ecs-taper`;
export const executionArn = (name: string) =>
  `arn:aws:states:${REGION}:${ACCOUNT}:execution:ecs-taper:${name}`;
export const T0 = Date.parse('2026-03-02T10:00:00Z');

export interface Poll {
  status: ExecutionStatus;
  /** How many of the execution's history events exist at this poll (default: all). */
  events?: number;
  output?: unknown;
  error?: string;
  cause?: string;
}

export interface ScriptedExecution {
  name: string;
  input: unknown;
  history: HistoryEvent[];
  /** What each DescribeExecution answers, in turn; the last one repeats. */
  polls: Poll[];
  /** DescribeExecution answers ExecutionDoesNotExist this many times first (a successor not yet visible). */
  invisibleFor?: number;
}

/** The mocked SFN client, answering for the scripted executions. */
export function scriptedStepFunctions() {
  const sfn = mockClient(SFNClient);
  const client = new SFNClient({ region: REGION, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  const executions = new Map<string, ScriptedExecution & { described: number; visible: number }>();

  const serve = () => {
    sfn.reset();
    sfn.on(DescribeExecutionCommand).callsFake((input: { executionArn: string }) => {
      const execution = executions.get(input.executionArn);
      if (!execution || (execution.invisibleFor ?? 0) > 0) {
        if (execution) execution.invisibleFor = (execution.invisibleFor ?? 0) - 1;
        throw new ExecutionDoesNotExist({
          message: `Execution Does Not Exist: '${input.executionArn}'`,
          $metadata: {},
        });
      }
      const poll = execution.polls[Math.min(execution.described, execution.polls.length - 1)] as Poll;
      execution.described++;
      execution.visible = poll.events ?? execution.history.length;
      const finished = poll.status !== 'RUNNING';
      const last = execution.history[execution.visible - 1];
      return {
        executionArn: input.executionArn,
        stateMachineArn: STATE_MACHINE,
        name: execution.name,
        status: poll.status,
        startDate: execution.history[0]?.timestamp ?? new Date(T0),
        ...(finished && { stopDate: last?.timestamp }),
        input: JSON.stringify(execution.input),
        ...(poll.output !== undefined && { output: JSON.stringify(poll.output) }),
        ...(poll.error !== undefined && { error: poll.error }),
        ...(poll.cause !== undefined && { cause: poll.cause }),
      };
    });
    sfn
      .on(GetExecutionHistoryCommand)
      .callsFake(
        (input: {
          executionArn: string;
          reverseOrder?: boolean;
          maxResults?: number;
          nextToken?: string;
        }) => {
          const execution = executions.get(input.executionArn);
          if (!execution) throw new ExecutionDoesNotExist({ message: 'no such execution', $metadata: {} });
          const visible = execution.history.slice(0, execution.visible);
          const ordered = input.reverseOrder ? [...visible].reverse() : visible;
          const size = input.maxResults ? input.maxResults : 100;
          const offset = input.nextToken ? Number(input.nextToken) : 0;
          const page = ordered.slice(offset, offset + size);
          const rest = offset + size < ordered.length;
          return { events: page, ...(rest && { nextToken: String(offset + size) }) };
        },
      );
  };
  serve();

  return {
    sfn,
    client,
    add(execution: ScriptedExecution) {
      executions.set(executionArn(execution.name), { ...execution, described: 0, visible: 0 });
    },
    reset() {
      executions.clear();
      serve();
    },
    historyCalls: () => sfn.commandCalls(GetExecutionHistoryCommand).map((call) => call.args[0].input),
    startCalls: () => sfn.commandCalls(StartExecutionCommand).length,
  };
}

/** A virtual clock: sleeping advances it at once. */
export function virtualClock(start = T0) {
  let now = start;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: async (ms: number, signal?: AbortSignal) => {
      if (signal?.aborted) throw signal.reason;
      slept.push(ms);
      now += ms;
    },
  };
}

/** Core's decisions, as a phase returns them (core exports the type, not its constructors). */
export const go = (phase: PhaseName, detail: string, afterSeconds = 0): Next => ({
  kind: 'go',
  phase,
  afterSeconds,
  detail,
});
export const end = (outcome: 'succeeded' | 'rolled-back' | 'failed', detail: string): Next => ({
  kind: 'end',
  outcome,
  detail,
});

export interface PhaseOut {
  state: Record<string, unknown> & { deploymentId: string; phase: PhaseName };
  next: Next;
  execution: Record<string, unknown>;
  progress: { phase: PhaseName; status?: DeploymentStatus; appliedStep?: Record<string, number> };
}

/** A Task's output as the definition's ResultSelector leaves it: `{ state, next, execution, progress }`. */
export function phaseOut(
  deploymentId: string,
  phase: PhaseName,
  next: Next,
  extra: {
    state?: Record<string, unknown>;
    status?: DeploymentStatus;
    appliedStep?: Record<string, number>;
    successor?: string;
  } = {},
): PhaseOut {
  return {
    state: { deploymentId, phase, stepsApplied: 0, ...extra.state },
    next,
    execution: {
      chain: 'run-42',
      generation: 0,
      startedAt: T0,
      events: 40,
      ...(extra.successor && { successor: { name: extra.successor, budget: {} } }),
    },
    progress: {
      phase,
      ...(extra.status && { status: extra.status }),
      ...(extra.appliedStep && { appliedStep: extra.appliedStep }),
    },
  };
}

/** Writes an execution's history, one state at a time, with the event types Step Functions writes. */
export class HistoryBuilder {
  readonly events: HistoryEvent[] = [];
  private t: number;
  private data: unknown;

  constructor(start = T0) {
    this.t = start;
  }

  get time(): number {
    return this.t;
  }

  private add(type: HistoryEventType, details: Partial<HistoryEvent> = {}, afterMs = 0): void {
    this.t += afterMs;
    this.events.push({
      id: this.events.length + 1,
      previousEventId: this.events.length,
      timestamp: new Date(this.t),
      type,
      ...details,
    });
  }

  private entered(type: HistoryEventType, name: string): void {
    this.add(type, { stateEnteredEventDetails: { name, input: JSON.stringify(this.data) } });
  }

  private exited(type: HistoryEventType, name: string, afterMs = 0): void {
    this.add(type, { stateExitedEventDetails: { name, output: JSON.stringify(this.data) } }, afterMs);
  }

  started(input: unknown): this {
    this.data = input;
    this.add('ExecutionStarted', { executionStartedEventDetails: { input: JSON.stringify(input) } });
    return this;
  }

  choice(name: string): this {
    this.entered('ChoiceStateEntered', name);
    this.exited('ChoiceStateExited', name);
    return this;
  }

  wait(name: string, seconds: number): this {
    this.entered('WaitStateEntered', name);
    this.exited('WaitStateExited', name, seconds * 1000);
    return this;
  }

  /** A Lambda Task that succeeds `ms` after it is entered; `retries` failed attempts before. */
  task(name: string, output: unknown, ms = 800, retries = 0): this {
    this.entered('TaskStateEntered', name);
    this.add('TaskScheduled', { taskScheduledEventDetails: lambdaTask() });
    for (let i = 0; i < retries; i++) {
      this.add('TaskStarted', {}, 50);
      this.add(
        'TaskFailed',
        { taskFailedEventDetails: { ...lambda, error: 'Lambda.ServiceException', cause: '' } },
        100,
      );
      this.add('TaskScheduled', { taskScheduledEventDetails: lambdaTask() }, 2000);
    }
    this.add('TaskStarted', {}, 50);
    this.add(
      'TaskSucceeded',
      { taskSucceededEventDetails: { ...lambda, output: JSON.stringify({ Payload: output }) } },
      ms,
    );
    this.data = output;
    this.exited('TaskStateExited', name);
    return this;
  }

  /**
   * A Task whose error a Catch takes with ResultPath $.failure (the Lambda's error JSON as the Cause).
   * `exits: false` leaves out its TaskStateExited: the error then shows only in the next state's input.
   */
  caught(name: string, errorType: string, errorMessage: string, ms = 800, exits = true): this {
    this.entered('TaskStateEntered', name);
    this.add('TaskScheduled', { taskScheduledEventDetails: lambdaTask() });
    this.add('TaskStarted', {}, 50);
    const cause = JSON.stringify({ errorType, errorMessage, trace: ['at x'] });
    this.add('TaskFailed', { taskFailedEventDetails: { ...lambda, error: errorType, cause } }, ms);
    this.data = { ...(this.data as object), failure: { Error: errorType, Cause: cause } };
    if (exits) this.exited('TaskStateExited', name);
    return this;
  }

  /** The hand-over Task (states:startExecution, ResultPath null: its output is its input). */
  handOver(name = 'Hand over'): this {
    this.entered('TaskStateEntered', name);
    const startExecution = { resourceType: 'states', resource: 'startExecution' };
    this.add('TaskScheduled', {
      taskScheduledEventDetails: { ...startExecution, region: REGION, parameters: '{}' },
    });
    this.add('TaskStarted', {}, 20);
    this.add('TaskSucceeded', { taskSucceededEventDetails: { ...startExecution, output: '{}' } }, 100);
    this.exited('TaskStateExited', name);
    return this;
  }

  pass(name: string, output: unknown): this {
    this.entered('PassStateEntered', name);
    this.data = output;
    this.exited('PassStateExited', name);
    return this;
  }

  /** A Succeed state, and the execution's end with its output. */
  succeed(name = 'Succeeded'): this {
    this.entered('SucceedStateEntered', name);
    this.exited('SucceedStateExited', name);
    this.add('ExecutionSucceeded', { executionSucceededEventDetails: { output: JSON.stringify(this.data) } });
    return this;
  }

  /** The end of an execution whose last state was a Pass with End (a hand-over). */
  succeeded(): this {
    this.add('ExecutionSucceeded', { executionSucceededEventDetails: { output: JSON.stringify(this.data) } });
    return this;
  }

  timedOut(): this {
    this.add('ExecutionTimedOut', { executionTimedOutEventDetails: {} }, 1000);
    return this;
  }

  fail(name: string, error: string, cause: string): this {
    this.entered('FailStateEntered', name);
    this.add('ExecutionFailed', { executionFailedEventDetails: { error, cause } });
    return this;
  }

  get output(): unknown {
    return this.data;
  }
}

const lambda = { resourceType: 'lambda', resource: 'invoke' };

function lambdaTask() {
  return { ...lambda, region: REGION, parameters: '{}' };
}
