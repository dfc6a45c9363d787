import { type PhaseName, refusalErrorNames, rollbackOnFailure, transitions } from '@ecs-taper/core';

export interface StateMachineOptions {
  /** The Lambda (version or alias) ARN. Default: the `${EcsTaperFunctionArn}` CloudFormation substitution. */
  functionArn?: string;
  /** Hard ceiling for a whole execution, on top of each phase's own deadline. Default 24 h. */
  timeoutSeconds?: number;
}

/** Readable state names in the console; the phase names stay the data. */
export const stateNames: Readonly<Record<PhaseName, string>> = {
  discover: 'Discover',
  create: 'Check and create',
  waitReady: 'Wait until ready',
  swap: 'Swap listener',
  settle: 'Settle',
  scaleDown: 'Scale-down step',
  waitDrained: 'Drained?',
  cleanup: 'Cleanup',
  rollback: 'Rollback',
};

const waitBefore = (phase: PhaseName) => `Wait, then ${stateNames[phase]}`;
const routeAfter = (phase: PhaseName) => `After ${stateNames[phase]}`;

/**
 * Errors that mean "nothing changed": never rolled back, never retried. Discover only reads, so an
 * unsafe topology found there is a refusal too (later, a TopologyError means something changed under
 * the deployment, and it rolls back like any failure).
 */
export function refusalErrors(phase: PhaseName): string[] {
  return phase === 'discover' ? [...refusalErrorNames, 'TopologyError'] : [...refusalErrorNames];
}

const lambdaServiceErrors = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.Unknown',
];
const throttlingErrors = ['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded'];

type State = Record<string, unknown>;

export const rollbackAfterFailure = 'Rollback after failure';

function taskState(phase: PhaseName, functionArn: string, afterFailure = false): State {
  const payload: Record<string, unknown> =
    phase === 'discover'
      ? { phase, 'input.$': '$', 'executionId.$': '$$.Execution.Id' }
      : afterFailure
        ? { phase, 'state.$': '$.state', 'failure.$': '$.failure' }
        : { phase, 'state.$': '$.state' };
  const catches: State[] = [{ ErrorEquals: refusalErrors(phase), ResultPath: '$.failure', Next: 'Refused' }];
  catches.push({
    ErrorEquals: ['States.ALL'],
    ResultPath: '$.failure',
    Next: rollbackOnFailure.has(phase) ? rollbackAfterFailure : 'Phase failed',
  });
  return {
    Type: 'Task',
    Comment: `Runs the ${phase} phase: observe AWS, decide, make only the missing change.`,
    Resource: 'arn:aws:states:::lambda:invoke',
    Parameters: { FunctionName: functionArn, Payload: payload },
    ResultSelector: { 'state.$': '$.Payload.state', 'next.$': '$.Payload.next' },
    // ResultPath defaults to '$': the phase's { state, next } replaces the input.
    Retry: [
      {
        ErrorEquals: lambdaServiceErrors,
        IntervalSeconds: 2,
        MaxAttempts: 6,
        BackoffRate: 2,
        JitterStrategy: 'FULL',
      },
      {
        ErrorEquals: throttlingErrors,
        IntervalSeconds: 5,
        MaxAttempts: 8,
        BackoffRate: 2,
        MaxDelaySeconds: 120,
        JitterStrategy: 'FULL',
      },
    ],
    Catch: catches,
    Next: routeAfter(phase),
  };
}

function choiceState(phase: PhaseName): State {
  const choices: State[] = [
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
  for (const target of transitions[phase]) {
    choices.push({ Variable: '$.next.phase', StringEquals: target, Next: waitBefore(target) });
  }
  return { Type: 'Choice', Choices: choices, Default: 'Failed' };
}

/**
 * The Amazon States Language definition, compiled from core's transition table: one Task per phase,
 * a Choice after it that follows the phase's decision, and a Wait (for the seconds the phase asked)
 * before every phase. Failures after the new task set may exist are caught into Rollback.
 */
export function buildStateMachineDefinition(options: StateMachineOptions = {}) {
  // A CloudFormation DefinitionSubstitutions placeholder, not a JS template.
  const functionArn = options.functionArn ?? '${EcsTaperFunctionArn}';
  const phases = Object.keys(transitions) as PhaseName[];
  const states: Record<string, State> = {};
  for (const phase of phases) {
    states[stateNames[phase]] = taskState(phase, functionArn);
    states[routeAfter(phase)] = choiceState(phase);
    const waited = phases.some((source) => transitions[source].includes(phase));
    if (waited) {
      states[waitBefore(phase)] = {
        Type: 'Wait',
        SecondsPath: '$.next.afterSeconds',
        Next: stateNames[phase],
      };
    }
  }
  // A caught failure enters rollback with its cause, which becomes the rollback's reason.
  states[rollbackAfterFailure] = taskState('rollback', functionArn, true);
  states.Succeeded = { Type: 'Succeed' };
  states['Rolled back'] = { Type: 'Fail', Error: 'DeploymentRolledBack', CausePath: '$.next.detail' };
  states.Refused = { Type: 'Fail', Error: 'DeploymentRefused', CausePath: '$.failure.Cause' };
  states.Failed = { Type: 'Fail', Error: 'DeploymentFailed', CausePath: '$.next.detail' };
  states['Phase failed'] = { Type: 'Fail', Error: 'DeploymentFailed', CausePath: '$.failure.Cause' };
  return {
    Comment: 'ecs-taper: tapered ECS task-set deployment behind an NLB (generated from @ecs-taper/core).',
    StartAt: stateNames.discover,
    TimeoutSeconds: options.timeoutSeconds ?? 86_400,
    States: states,
  };
}
