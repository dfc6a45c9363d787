import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeServicesCommand, DescribeTaskSetsCommand, TagResourceCommand } from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import { DeploymentLockedError, InputValidationError, TopologyError } from '../../src/errors';
import type { PhaseName } from '../../src/events';
import { end, go } from '../../src/state';
import {
  assertTransition,
  endings,
  isRefusal,
  rollbackOnFailure,
  runPhase,
  transitions,
} from '../../src/workflow';
import {
  deploymentState,
  GREEN_TG,
  mockAws,
  NOW,
  newSet,
  oldSet,
  service,
  servicesOutput,
  targets,
} from './support/fixtures';

const aws = mockAws();
const phases = Object.keys(transitions) as PhaseName[];

/** Phases reachable from `from` through the table (including itself). */
function reachable(from: PhaseName): Set<PhaseName> {
  const seen = new Set<PhaseName>([from]);
  const queue = [from];
  for (let phase = queue.shift(); phase; phase = queue.shift()) {
    for (const next of transitions[phase]) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}

describe('the workflow table', () => {
  it('lists all ten phases and only goes to known ones', () => {
    expect(phases.sort()).toEqual(
      [
        'cleanup',
        'create',
        'discover',
        'rollback',
        'scaleDown',
        'settle',
        'step',
        'swap',
        'waitDrained',
        'waitReady',
      ].sort(),
    );
    for (const phase of phases) for (const next of transitions[phase]) expect(phases).toContain(next);
    for (const phase of phases) expect(new Set(transitions[phase]).size).toBe(transitions[phase].length);
  });

  it('reaches every phase from discover', () => {
    expect([...reachable('discover')].sort()).toEqual([...phases].sort());
  });

  it('lets every phase reach an ending', () => {
    const ends = new Set(Object.keys(endings) as PhaseName[]);
    for (const phase of phases) {
      expect(
        [...reachable(phase)].some((p) => ends.has(p)),
        phase,
      ).toBe(true);
    }
  });

  it('never goes back to create, and never from rollback to anything but rollback', () => {
    for (const phase of phases) if (phase !== 'discover') expect(transitions[phase]).not.toContain('create');
    expect(transitions.rollback).toEqual(['rollback']);
  });

  it('rolls back failures from create to waitDrained, not in discover (nothing changed) or cleanup (too late)', () => {
    expect([...rollbackOnFailure].sort()).toEqual(
      ['create', 'scaleDown', 'settle', 'step', 'swap', 'waitDrained', 'waitReady'].sort(),
    );
  });

  it('only rollback ends a deployment as rolled-back, and only cleanup or discover as succeeded', () => {
    for (const [phase, outcomes] of Object.entries(endings)) {
      if (outcomes?.includes('rolled-back')) expect(phase).toBe('rollback');
      if (outcomes?.includes('succeeded')) expect(['cleanup', 'discover']).toContain(phase);
    }
  });
});

describe('assertTransition', () => {
  it('accepts the moves in the table', () => {
    expect(() => assertTransition('swap', go('settle', 'ok'))).not.toThrow();
    expect(() => assertTransition('rollback', end('rolled-back', 'ok'))).not.toThrow();
  });

  it('refuses a move outside the table, naming it', () => {
    expect(() => assertTransition('swap', go('cleanup', 'skip'))).toThrow(
      'internal: phase swap may not go to cleanup',
    );
    expect(() => assertTransition('waitReady', go('scaleDown', 'skip'))).toThrow(/may not go to scaleDown/);
  });

  it('refuses an ending a phase may not have', () => {
    expect(() => assertTransition('create', end('succeeded', 'x'))).toThrow(
      'internal: phase create may not end the deployment as succeeded',
    );
    expect(() => assertTransition('cleanup', end('rolled-back', 'x'))).toThrow(/may not end/);
  });
});

describe('runPhase', () => {
  // Settle reads the service and the new group's health (the health guard): both healthy new targets.
  beforeEach(() => {
    aws.ecs
      .on(DescribeServicesCommand)
      .resolves(servicesOutput(service([oldSet({ status: 'ACTIVE' }), newSet({ status: 'PRIMARY' })])));
    aws.elbv2
      .on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG })
      .resolves({ TargetHealthDescriptions: targets(['healthy'], ['healthy']) });
  });

  it('dispatches to the named phase', async () => {
    const state = deploymentState({ phase: 'settle', swappedAt: NOW });
    const result = await runPhase('settle', aws.context(NOW + 1_000), state, { resume: true });
    expect(result.next).toMatchObject({ kind: 'go', phase: 'settle' });
    expect(result.next.detail).toContain('letting the listener change settle');
  });

  it('then does the controller’s duties: Auto Scaling suspended, lease renewed for the coming wait', async () => {
    aws.autoScaling.on(DescribeScalableTargetsCommand).resolves({
      ScalableTargets: [
        {
          ServiceNamespace: 'ecs',
          ResourceId: 'service/demo/web',
          ScalableDimension: 'ecs:service:DesiredCount',
          MinCapacity: 1,
          MaxCapacity: 4,
          RoleARN: 'arn:aws:iam::000000000000:role/r',
          CreationTime: new Date(0),
          SuspendedState: {},
        },
      ],
    });
    aws.autoScaling.on(RegisterScalableTargetCommand).resolves({});
    aws.ecs.on(DescribeTaskSetsCommand).resolves({ taskSets: [{ ...newSet(), tags: [] }] });
    aws.ecs.on(TagResourceCommand).resolves({});
    const state = deploymentState(
      { phase: 'settle', swappedAt: NOW },
      { settleSeconds: 60, pollIntervalSeconds: 15 },
    );
    const result = await runPhase('settle', aws.context(NOW + 20_000), state, { resume: true });
    // 40 s of settling left, waited a poll at a time.
    expect(result.next).toMatchObject({ phase: 'settle', afterSeconds: 15 });
    expect(result.next.detail).toContain('40 s left');
    expect(aws.autoScaling).toHaveReceivedCommandExactlyOnceWith(RegisterScalableTargetCommand, {
      SuspendedState: {
        DynamicScalingInSuspended: true,
        DynamicScalingOutSuspended: true,
        ScheduledScalingSuspended: true,
      },
    });
    // The 15 s wait, plus six 15 s polls, from NOW + 20 s.
    expect(result.state.lease).toEqual({ owner: 'ctl-test', expiresAt: NOW + 20_000 + 105_000 });
    expect(result.state.autoScaling?.suspended).toBe(true);
  });
});

describe('isRefusal', () => {
  it('treats every error in discover as a refusal: discover only reads, nothing to undo', () => {
    expect(isRefusal('discover', new TopologyError('no test listener'))).toBe(true);
    expect(isRefusal('discover', new Error('network down'))).toBe(true);
  });

  it('after discover, refuses only bad input and a held lock; a TopologyError there rolls back', () => {
    expect(isRefusal('create', new InputValidationError('alarmNames', 'needs a client'))).toBe(true);
    expect(isRefusal('create', new DeploymentLockedError('other', 'held'))).toBe(true);
    expect(isRefusal('waitReady', new TopologyError('task set disappeared'))).toBe(false);
    expect(isRefusal('scaleDown', new Error('boom'))).toBe(false);
  });
});
