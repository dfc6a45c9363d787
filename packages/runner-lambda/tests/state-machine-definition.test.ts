import { createRequire } from 'node:module';
import type { PhaseName } from '@ecs-taper/core';
import { rollbackOnFailure, transitions } from '@ecs-taper/core/workflow';
import { describe, expect, it } from 'vitest';
import {
  buildStateMachineDefinition,
  functionTimeoutSeconds,
  handedOverState,
  handOverState,
  refusalErrors,
  stateNames,
} from '../src/asl/build-state-machine';

const validate = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errors: unknown[] };

type Rule = { Variable?: string; StringEquals?: string; NumericGreaterThan?: number };
type State = {
  Type: string;
  Next?: string;
  Default?: string;
  TimeoutSeconds?: number;
  Choices?: (Rule & { Next: string; And?: Rule[] })[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Retry?: { ErrorEquals: string[]; MaxAttempts?: number }[];
  Parameters?: { FunctionName: string; Payload: Record<string, unknown> };
};
const phases = Object.keys(transitions) as PhaseName[];
const functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:ecs-taper:3';

describe('buildStateMachineDefinition', () => {
  const definition = buildStateMachineDefinition({ functionArn });
  const states = definition.States as Record<string, State>;

  it('passes asl-validator with path and ARN checks', () => {
    const result = validate(definition, { checkPaths: true, checkArn: true });
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('keeps the CloudFormation placeholder when called without options, and the result still validates', () => {
    const placeholder = buildStateMachineDefinition();
    expect(JSON.stringify(placeholder)).toContain('${EcsTaperFunctionArn}');
    expect(validate(placeholder, { checkPaths: true, checkArn: false }).isValid).toBe(true);
  });

  it('has one Task per phase invoking the function with the phase name', () => {
    for (const phase of phases) {
      const task = states[stateNames[phase]];
      expect(task?.Type).toBe('Task');
      expect(task?.Parameters?.FunctionName).toBe(functionArn);
      expect(task?.Parameters?.Payload.phase).toBe(phase);
    }
  });

  it('routes every transition of the core table to the target phase, through a Wait only when asked to wait', () => {
    for (const phase of phases) {
      const route = states[states[stateNames[phase]]?.Next ?? ''];
      expect(route?.Type).toBe('Choice');
      const choices = route?.Choices ?? [];
      const direct = choices.filter((c) => c.Variable === '$.next.phase');
      expect(new Set(direct.map((c) => c.StringEquals))).toEqual(new Set(transitions[phase]));
      for (const choice of direct) expect(choice.Next).toBe(stateNames[choice.StringEquals as PhaseName]);
      const waited = choices.filter((c) => c.And?.some((rule) => rule.NumericGreaterThan === 0));
      expect(new Set(waited.map((c) => c.And?.[0]?.StringEquals))).toEqual(new Set(transitions[phase]));
      for (const choice of waited) {
        const target = choice.And?.[0]?.StringEquals as PhaseName;
        // The waited route comes first: a Choice takes the first rule that matches.
        expect(choices.indexOf(choice)).toBeLessThan(choices.findIndex((c) => c.StringEquals === target));
        const wait = states[choice.Next];
        expect(wait?.Type).toBe('Wait');
        expect(wait?.Next).toBe(stateNames[target]);
      }
    }
  });

  it('hands a deployment that goes on over to a fresh execution of itself, checked before any other route', () => {
    for (const phase of phases) {
      const first = states[states[stateNames[phase]]?.Next ?? '']?.Choices?.[0];
      expect(first).toEqual({ Variable: '$.execution.successor', IsPresent: true, Next: handOverState });
    }
    const handOver = states[handOverState] as State & {
      Resource: string;
      Parameters: Record<string, unknown>;
    };
    expect(handOver.Resource).toBe('arn:aws:states:::states:startExecution');
    expect(handOver.Parameters).toEqual(
      expect.objectContaining({
        'StateMachineArn.$': '$$.StateMachine.Id',
        'Name.$': '$.execution.successor.name',
        Input: expect.objectContaining({
          'state.$': '$.state',
          'next.$': '$.next',
          'execution.$': '$.execution.successor.budget',
        }),
      }),
    );
    // A successor that already exists was started by an earlier attempt; any other failure goes on here.
    expect(handOver.Catch?.[0]).toEqual(expect.objectContaining({ Next: handedOverState }));
    expect(handOver.Catch?.[0]?.ErrorEquals).toContain('StepFunctions.ExecutionAlreadyExistsException');
    expect(handOver.Catch?.[1]).toEqual(
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Resume' }),
    );
    expect(states[handedOverState]).toEqual(
      expect.objectContaining({
        Type: 'Pass',
        End: true,
        Parameters: {
          'deploymentId.$': '$.state.deploymentId',
          'handedOverTo.$': '$.execution.successor.name',
        },
      }),
    );
  });

  it('starts a handed-over execution at its carried decision, and a fresh one at Discover', () => {
    expect(definition.StartAt).toBe('Start');
    expect(states.Start).toEqual(
      expect.objectContaining({
        Choices: [{ Variable: '$.next', IsPresent: true, Next: 'Resume' }],
        Default: stateNames.discover,
      }),
    );
    const resumed = new Set(
      (states.Resume?.Choices ?? []).filter((c) => c.Variable === '$.next.phase').map((c) => c.StringEquals),
    );
    expect(resumed).toEqual(new Set(phases.filter((phase) => phase !== 'discover')));
  });

  it('catches failures into rollback exactly for the phases after which the new task set may exist', () => {
    for (const phase of phases) {
      const catches = states[stateNames[phase]]?.Catch ?? [];
      expect(catches[0]).toEqual(
        expect.objectContaining({ ErrorEquals: refusalErrors(phase), Next: 'Refused' }),
      );
      // Discover only reads: whatever it ends with (after the retries) is a refusal, nothing changed.
      if (phase === 'discover') {
        expect(catches).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Refused' }]);
        continue;
      }
      expect(catches[0]?.ErrorEquals).toEqual(['InputValidationError', 'DeploymentLockedError']);
      const fallback = catches.find((c) => c.ErrorEquals.includes('States.ALL'));
      expect(fallback?.Next).toBe(
        rollbackOnFailure.has(phase) ? 'Rollback after failure' : 'Restore after failure',
      );
    }
  });

  it('retries every transient failure of an invocation or an AWS call on every phase, never a refusal', () => {
    for (const phase of phases) {
      const task = states[stateNames[phase]] as State;
      const retried = (task.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(
        expect.arrayContaining([
          // Lambda: a function timeout on current runtimes, a client-side invoke timeout, throttling.
          'Sandbox.Timedout',
          'Lambda.ClientExecutionTimeoutException',
          'Lambda.ServiceException',
          'Lambda.TooManyRequestsException',
          'States.Timeout',
          'HandlerDeadlineExceeded',
          // AWS calls still failing after core's retries: ECS, ELBv2, CloudWatch names for throttling and 5xx.
          'ThrottlingException',
          'Throttling',
          'ServiceUnavailable',
          'ServerException',
          'InternalFailure',
          'TransientAwsError',
        ]),
      );
      for (const refusal of [...refusalErrors(phase), 'States.ALL']) expect(retried).not.toContain(refusal);
      // The Task gives up only after the function's own timeout has passed.
      expect(task.TimeoutSeconds).toBeGreaterThan(functionTimeoutSeconds);
    }
  });

  it('keeps retrying rollback much longer than the other phases', () => {
    const attempts = (name: string) =>
      Math.min(...(states[name]?.Retry ?? []).map((r) => r.MaxAttempts ?? 0));
    for (const name of [stateNames.rollback, 'Rollback after failure']) {
      expect(attempts(name)).toBeGreaterThanOrEqual(60);
    }
    expect(attempts(stateNames.scaleDown)).toBeLessThan(10);
  });

  it('tells the handler its retry count and the execution limits, so it can count history events', () => {
    for (const phase of phases) {
      const payload = states[stateNames[phase]]?.Parameters?.Payload;
      expect(payload?.['retryCount.$']).toBe('$$.State.RetryCount');
      expect(payload?.limits).toEqual({ timeoutSeconds: 86_400, handOverAtEvents: 22_500 });
    }
  });

  it('bounds a whole execution', () => {
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
    expect(buildStateMachineDefinition({ timeoutSeconds: 3600 }).TimeoutSeconds).toBe(3600);
  });

  it('gives Auto Scaling back before a failure that does not roll back ends the deployment, even if that fails', () => {
    const restore = states['Restore after failure'] as State & {
      Parameters: { Payload: Record<string, unknown> };
    };
    expect(restore.Type).toBe('Task');
    expect(restore.Parameters.Payload).toEqual(
      expect.objectContaining({ restoreAfterFailure: true, 'state.$': '$.state', 'failure.$': '$.failure' }),
    );
    expect(restore.Next).toBe('Phase failed');
    expect(restore.Catch).toEqual([
      expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'Phase failed' }),
    ]);
    expect((restore.Retry ?? []).flatMap((r) => r.ErrorEquals)).toContain('Sandbox.Timedout');
    // Every route into Phase failed passes through it.
    const into = Object.entries(states).filter(
      ([, state]) => state.Next === 'Phase failed' || state.Catch?.some((c) => c.Next === 'Phase failed'),
    );
    expect(into.map(([name]) => name)).toEqual(['Restore after failure']);
  });
});
