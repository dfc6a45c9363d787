import type { PhaseName } from '@ecs-taper/core';
import {
  phaseStateNames,
  readOnlyPhases,
  refusalErrorNames,
  rollbackOnFailure,
  transientAwsErrorNames,
  transitions,
} from '@ecs-taper/core/workflow';
import { defaultExecutionLimits, type ExecutionLimits } from './execution-budget';

export interface StateMachineOptions {
  /** The Lambda (version or alias) ARN. Default: the `${EcsTaperFunctionArn}` CloudFormation substitution. */
  functionArn?: string;
  /**
   * Hard ceiling for one execution. Default 24 h. A deployment that needs longer continues in a fresh
   * execution before it (hand-over), so this bounds an execution, not a deployment.
   */
  timeoutSeconds?: number;
  /** Hand over to a fresh execution once this many history events are counted (of 25,000). Default 22,500. */
  handOverAtEvents?: number;
}

/**
 * The function's timeout: one invocation runs one phase step, whose AWS calls retry within 30 s each
 * (core's callAws), and the handler stops retrying 10 s before it (`handlerDeadlineMarginMs`), so a slow
 * phase fails as a retried `HandlerDeadlineExceeded` instead of a timeout. Every deployment of the
 * function (the example stack, a CDK construct) sets exactly this.
 */
export const functionTimeoutSeconds = 120;

/** A Task waits this much longer than the function may run: the invoke round trip, a cold start. */
const taskTimeoutSeconds = functionTimeoutSeconds + 10;

/** Readable state names in the console (core's phase registry names them); the phase names stay the data. */
export const stateNames: Readonly<Record<PhaseName, string>> = phaseStateNames;

export const rollbackAfterFailure = 'Rollback after failure';
/** A failure that does not roll back still gives Auto Scaling back before the deployment ends. */
export const restoreAfterFailure = 'Restore after failure';
export const handOverState = 'Hand over';
export const handedOverState = 'Handed over';
const startState = 'Start';
/** Routes a carried decision to its phase: a handed-over execution starts here, a failed hand-over continues here. */
const resumeState = 'Resume';

const waitBefore = (phase: PhaseName) => `Wait, then ${stateNames[phase]}`;
const routeAfter = (phase: PhaseName) => `After ${stateNames[phase]}`;

/**
 * Errors that mean "nothing changed": never rolled back, never retried (core's `isRefusal`). A phase that
 * only reads (discover) refuses whatever it ends with, once the Retry rules gave up on it.
 */
export function refusalErrors(phase: PhaseName): string[] {
  return readOnlyPhases.has(phase) ? ['States.ALL'] : [...refusalErrorNames];
}

/**
 * The invocation failed, not the phase: Lambda's own errors, a function timeout (`Sandbox.Timedout`
 * on current runtimes), the Task's TimeoutSeconds (`States.Timeout`), the handler's own deadline.
 * Every phase observes AWS before it acts, so running it again is safe.
 */
export const invocationErrors: readonly string[] = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.Unknown',
  'Sandbox.Timedout',
  'States.Timeout',
  'HandlerDeadlineExceeded',
];

/** An AWS call that stayed transient through core's own retries: throttling, 5xx, timeouts. */
export const transientErrors: readonly string[] = [...transientAwsErrorNames, 'TransientAwsError'];

/**
 * Rollback is what makes every other failure safe, so it keeps trying much longer: 60 attempts of each
 * kind (at most 360 history events, inside the hand-over reserve). Its own deadline still ends it: the
 * phase retries transient AWS errors itself until then and ends the deployment as failed after it.
 */
function retriers(phase: PhaseName) {
  const rollback = phase === 'rollback';
  return [
    {
      ErrorEquals: [...invocationErrors],
      IntervalSeconds: 2,
      MaxAttempts: rollback ? 60 : 6,
      BackoffRate: 2,
      MaxDelaySeconds: 60,
      JitterStrategy: 'FULL',
    },
    {
      ErrorEquals: [...transientErrors],
      IntervalSeconds: 5,
      MaxAttempts: rollback ? 60 : 8,
      BackoffRate: 2,
      MaxDelaySeconds: 120,
      JitterStrategy: 'FULL',
    },
  ];
}

type State = Record<string, unknown>;

function taskState(
  phase: PhaseName,
  functionArn: string,
  limits: ExecutionLimits,
  afterFailure = false,
): State {
  const context = {
    'executionId.$': '$$.Execution.Id',
    'retryCount.$': '$$.State.RetryCount',
    limits,
  };
  const payload: Record<string, unknown> =
    phase === 'discover'
      ? { phase, 'input.$': '$', 'executionName.$': '$$.Execution.Name', ...context }
      : { phase, 'state.$': '$.state', 'execution.$': '$.execution', ...context };
  if (afterFailure) payload['failure.$'] = '$.failure';
  const catches: State[] = [{ ErrorEquals: refusalErrors(phase), ResultPath: '$.failure', Next: 'Refused' }];
  // States.ALL may only stand alone in the last catcher: a read-only phase's refusal catcher is that one.
  if (!readOnlyPhases.has(phase)) {
    catches.push({
      ErrorEquals: ['States.ALL'],
      ResultPath: '$.failure',
      Next: rollbackOnFailure.has(phase) ? rollbackAfterFailure : restoreAfterFailure,
    });
  }
  return {
    Type: 'Task',
    Comment: `Runs the ${phase} phase: observe AWS, decide, make only the missing change.`,
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: functionArn, Payload: payload },
    TimeoutSeconds: taskTimeoutSeconds,
    // The result replaces the whole state input (ResultPath '$'): constant size, whatever the plan.
    ResultSelector: {
      'state.$': '$.Payload.state',
      'next.$': '$.Payload.next',
      'execution.$': '$.Payload.execution',
      'progress.$': '$.Payload.progress',
    },
    Retry: retriers(phase),
    Catch: catches,
    Next: routeAfter(phase),
  };
}

/**
 * Before `Phase failed`: the local loop restores the Auto Scaling the deployment suspended when a phase
 * fails outside rollback, and so does the state machine. Its own failure still ends in `Phase failed`
 * with the phase's cause (the handler logs that Auto Scaling stays suspended).
 */
function restoreState(functionArn: string): State {
  return {
    Type: 'Task',
    Comment: 'Gives back the Auto Scaling this deployment suspended, then the deployment ends failed.',
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: {
      FunctionName: functionArn,
      Payload: {
        restoreAfterFailure: true,
        'state.$': '$.state',
        'failure.$': '$.failure',
        'executionId.$': '$$.Execution.Id',
      },
    },
    TimeoutSeconds: taskTimeoutSeconds,
    ResultPath: null,
    Retry: retriers('cleanup'),
    Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.restoreFailure', Next: 'Phase failed' }],
    Next: 'Phase failed',
  };
}

/** To `target`: through its Wait only when the phase asked to wait (a zero-second Wait costs 2 events). */
function routesTo(target: PhaseName): State[] {
  return [
    {
      And: [
        { Variable: '$.next.phase', StringEquals: target },
        { Variable: '$.next.afterSeconds', NumericGreaterThan: 0 },
      ],
      Next: waitBefore(target),
    },
    { Variable: '$.next.phase', StringEquals: target, Next: stateNames[target] },
  ];
}

const endings: State[] = [
  {
    And: [
      { Variable: '$.next.kind', StringEquals: 'end' },
      { Variable: '$.next.outcome', StringEquals: 'succeeded' },
    ],
    Next: 'Succeeded',
  },
  {
    And: [
      { Variable: '$.next.kind', StringEquals: 'end' },
      { Variable: '$.next.outcome', StringEquals: 'rolled-back' },
    ],
    Next: 'Rolled back',
  },
  { Variable: '$.next.kind', StringEquals: 'end', Next: 'Failed' },
];

function choiceState(phase: PhaseName): State {
  const choices: State[] = [
    // The handler names a successor only for a deployment that goes on.
    { Variable: '$.execution.successor', IsPresent: true, Next: handOverState },
    ...endings,
    ...transitions[phase].flatMap(routesTo),
  ];
  return { Type: 'Choice', Choices: choices, Default: 'Failed' };
}

/**
 * Starts the next execution of this same state machine with the carried state and decision, then ends
 * this one. Step Functions' StartExecution is idempotent for a running execution with the same name and
 * input, so a retry after a lost response joins the successor; if the successor already finished, the
 * call fails with ExecutionAlreadyExists, which also means it was started. Any other failure continues
 * the deployment here; the next phase asks to hand over again.
 */
function handOverStates(): Record<string, State> {
  const alreadyStarted = [
    'StepFunctions.ExecutionAlreadyExistsException',
    'StepFunctions.ExecutionAlreadyExists',
  ];
  return {
    [handOverState]: {
      Type: 'Task',
      Comment:
        'Continues the deployment in a fresh execution before this one nears its history or time limit.',
      Resource: 'arn:aws:states:::states:startExecution',
      Parameters: {
        'StateMachineArn.$': '$$.StateMachine.Id',
        'Name.$': '$.execution.successor.name',
        Input: {
          'state.$': '$.state',
          'next.$': '$.next',
          'execution.$': '$.execution.successor.budget',
          'progress.$': '$.progress',
          // Links the successor to this execution in the console.
          'AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$': '$$.Execution.Id',
        },
      },
      ResultPath: null,
      TimeoutSeconds: 60,
      Retry: [
        { ErrorEquals: alreadyStarted, MaxAttempts: 0 },
        {
          ErrorEquals: ['States.ALL'],
          IntervalSeconds: 2,
          MaxAttempts: 5,
          BackoffRate: 2,
          JitterStrategy: 'FULL',
        },
      ],
      Catch: [
        { ErrorEquals: alreadyStarted, ResultPath: null, Next: handedOverState },
        { ErrorEquals: ['States.ALL'], ResultPath: '$.handOverFailure', Next: resumeState },
      ],
      Next: handedOverState,
    },
    [handedOverState]: {
      Type: 'Pass',
      Comment: 'Ends this execution; the deployment goes on in the execution named handedOverTo.',
      Parameters: {
        'deploymentId.$': '$.state.deploymentId',
        'handedOverTo.$': '$.execution.successor.name',
      },
      End: true,
    },
  };
}

/**
 * The Amazon States Language definition, compiled from core's transition table: one Task per phase, a
 * Choice after it that follows the phase's decision, and a Wait (for the seconds the phase asked, when
 * it asked for any) before the next phase. Failures after the new task set may exist are caught into
 * Rollback. The carried data is `{ state, next, execution, progress }`, of constant size.
 */
export function buildStateMachineDefinition(options: StateMachineOptions = {}) {
  // A CloudFormation DefinitionSubstitutions placeholder, not a JS template.
  const functionArn = options.functionArn ?? '${EcsTaperFunctionArn}';
  const limits: ExecutionLimits = {
    timeoutSeconds: options.timeoutSeconds ?? defaultExecutionLimits.timeoutSeconds,
    handOverAtEvents: options.handOverAtEvents ?? defaultExecutionLimits.handOverAtEvents,
  };
  const phases = Object.keys(transitions) as PhaseName[];
  const resumable = phases.filter((phase) => phase !== 'discover');
  const states: Record<string, State> = {
    [startState]: {
      Type: 'Choice',
      Comment: 'A handed-over execution carries the deployment state and its next step.',
      Choices: [{ Variable: '$.next', IsPresent: true, Next: resumeState }],
      Default: stateNames.discover,
    },
    [resumeState]: { Type: 'Choice', Choices: resumable.flatMap(routesTo), Default: 'Failed' },
  };
  for (const phase of phases) {
    states[stateNames[phase]] = taskState(phase, functionArn, limits);
    states[routeAfter(phase)] = choiceState(phase);
    if (phase !== 'discover') {
      states[waitBefore(phase)] = {
        Type: 'Wait',
        SecondsPath: '$.next.afterSeconds',
        Next: stateNames[phase],
      };
    }
  }
  // A caught failure enters rollback with its cause, which becomes the rollback's reason.
  states[rollbackAfterFailure] = taskState('rollback', functionArn, limits, true);
  states[restoreAfterFailure] = restoreState(functionArn);
  Object.assign(states, handOverStates());
  states.Succeeded = { Type: 'Succeed' };
  states['Rolled back'] = { Type: 'Fail', Error: 'DeploymentRolledBack', CausePath: '$.next.detail' };
  states.Refused = { Type: 'Fail', Error: 'DeploymentRefused', CausePath: '$.failure.Cause' };
  states.Failed = { Type: 'Fail', Error: 'DeploymentFailed', CausePath: '$.next.detail' };
  states['Phase failed'] = { Type: 'Fail', Error: 'DeploymentFailed', CausePath: '$.failure.Cause' };
  return {
    Comment: 'ecs-taper: tapered ECS task-set deployment behind an NLB (generated from @ecs-taper/core).',
    StartAt: startState,
    TimeoutSeconds: limits.timeoutSeconds,
    States: states,
  };
}
