import { createRequire } from 'node:module';
import { type PhaseName, rollbackOnFailure, transitions } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { buildStateMachineDefinition, refusalErrors, stateNames } from '../src/asl/build-state-machine';

const validate = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options: { checkPaths: boolean; checkArn: boolean },
) => { isValid: boolean; errors: unknown[] };

type State = {
  Type: string;
  Next?: string;
  Default?: string;
  Choices?: { Next: string; Variable?: string; StringEquals?: string }[];
  Catch?: { ErrorEquals: string[]; Next: string }[];
  Retry?: { ErrorEquals: string[] }[];
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

  it('routes every transition of the core table, through a Wait, to the target phase', () => {
    for (const phase of phases) {
      const route = states[states[stateNames[phase]]?.Next ?? ''];
      expect(route?.Type).toBe('Choice');
      const targets = new Set(
        (route?.Choices ?? []).filter((c) => c.Variable === '$.next.phase').map((c) => c.StringEquals),
      );
      expect(targets).toEqual(new Set(transitions[phase]));
      for (const choice of route?.Choices ?? []) {
        if (choice.Variable !== '$.next.phase') continue;
        const wait = states[choice.Next];
        expect(wait?.Type).toBe('Wait');
        expect(wait?.Next).toBe(stateNames[choice.StringEquals as PhaseName]);
      }
    }
  });

  it('catches failures into rollback exactly for the phases after which the new task set may exist', () => {
    for (const phase of phases) {
      const catches = states[stateNames[phase]]?.Catch ?? [];
      expect(catches[0]).toEqual(
        expect.objectContaining({ ErrorEquals: refusalErrors(phase), Next: 'Refused' }),
      );
      expect(catches[0]?.ErrorEquals.includes('TopologyError')).toBe(phase === 'discover');
      const fallback = catches.find((c) => c.ErrorEquals.includes('States.ALL'));
      expect(fallback?.Next).toBe(rollbackOnFailure.has(phase) ? 'Rollback after failure' : 'Phase failed');
    }
  });

  it('retries Lambda service errors and throttling on every task', () => {
    for (const state of Object.values(states).filter((s) => s.Type === 'Task')) {
      const retried = (state.Retry ?? []).flatMap((r) => r.ErrorEquals);
      expect(retried).toEqual(expect.arrayContaining(['Lambda.ServiceException', 'ThrottlingException']));
    }
  });

  it('bounds a whole execution', () => {
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
    expect(buildStateMachineDefinition({ timeoutSeconds: 3600 }).TimeoutSeconds).toBe(3600);
  });
});
