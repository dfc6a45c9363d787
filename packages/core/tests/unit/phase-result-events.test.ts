import { describe, expect, it } from 'vitest';
import { phaseResultEvents } from '../../src/deploy';
import { end, go } from '../../src/state';
import { DEPLOYMENT_ID, deploymentState, NOW } from './support/fixtures';

const status = {
  oldTasks: { running: 6, pending: 0, desired: 6 },
  newTasks: { running: 8, pending: 0, desired: 8 },
  healthyNewTargets: undefined,
};

describe('phaseResultEvents: the events of one phase result, shared by every interpreter', () => {
  it('a scale-down step: status, the step, the phase end, then the wait for the next step', () => {
    const step = { step: 1, steps: 4, scalePercent: 75, remainingTasks: 6, removedTasks: 2 };
    const events = phaseResultEvents(
      {
        phase: 'scaleDown',
        state: deploymentState({ phase: 'scaleDown' }),
        next: go('scaleDown', 'step 1 of 4 applied', 60),
        status,
        appliedStep: step,
      },
      NOW,
    );
    expect(events).toEqual([
      { type: 'status', deploymentId: DEPLOYMENT_ID, at: NOW, status },
      { type: 'scale-step', deploymentId: DEPLOYMENT_ID, at: NOW, ...step },
      {
        type: 'phase-finished',
        deploymentId: DEPLOYMENT_ID,
        at: NOW,
        phase: 'scaleDown',
        detail: 'step 1 of 4 applied',
      },
      {
        type: 'waiting',
        deploymentId: DEPLOYMENT_ID,
        at: NOW,
        phase: 'scaleDown',
        until: NOW + 60_000,
        reason: 'step 1 of 4 applied',
      },
    ]);
  });

  it('no wait event for a transition without a wait', () => {
    const events = phaseResultEvents(
      { phase: 'swap', state: deploymentState({ phase: 'swap' }), next: go('settle', 'swapped') },
      NOW,
    );
    expect(events.map((e) => e.type)).toEqual(['phase-finished']);
  });

  it('entering rollback from another phase announces it with the recorded cause', () => {
    const state = deploymentState({ phase: 'settle', rollbackReason: 'alarm api-5xx in ALARM' });
    const events = phaseResultEvents({ phase: 'settle', state, next: go('rollback', 'rolling back') }, NOW);
    expect(events.map((e) => e.type)).toEqual(['phase-finished', 'rollback-started']);
    expect(events[1]).toMatchObject({ reason: 'alarm api-5xx in ALARM' });
    // A rollback that polls again is not a second start.
    const again = phaseResultEvents(
      { phase: 'rollback', state: { ...state, phase: 'rollback' }, next: go('rollback', 'waiting', 5) },
      NOW,
    );
    expect(again.map((e) => e.type)).toEqual(['phase-finished', 'waiting']);
  });

  it('a rolled-back ending gives the rollback cause as its reason, not the last detail', () => {
    const state = deploymentState({ phase: 'rollback', rollbackReason: 'waitReady failed: boom' });
    const events = phaseResultEvents(
      { phase: 'rollback', state, next: end('rolled-back', 'new task set deleted') },
      NOW,
    );
    expect(events.at(-1)).toEqual({
      type: 'deployment-finished',
      deploymentId: DEPLOYMENT_ID,
      at: NOW,
      outcome: 'rolled-back',
      reason: 'waitReady failed: boom',
    });
    const succeeded = phaseResultEvents(
      { phase: 'cleanup', state: deploymentState({ phase: 'cleanup' }), next: end('succeeded', 'done') },
      NOW,
    );
    expect(succeeded.at(-1)).toMatchObject({ outcome: 'succeeded', reason: 'done' });
  });
});
