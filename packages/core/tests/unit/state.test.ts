import { describe, expect, it } from 'vitest';
import { go, initialState, newDeploymentId } from '../../src/state';
import { parseDeploymentInput } from '../../src/validate-input';
import { NOW, rawInput, resolvedInput } from './support/fixtures';

describe('newDeploymentId', () => {
  it.each([
    ['now', NOW, 0],
    ['far future, highest random', 8.64e15, 0.999999999],
    ['epoch', 0, 0.5],
  ])('is a valid clientToken (<= 36 chars, accepted as deploymentId) at %s', (_label, now, random) => {
    const id = newDeploymentId(now, () => random);
    expect(id.length).toBeLessThanOrEqual(36);
    expect(id).toMatch(/^taper-[a-z0-9]+-[a-z0-9]{6}$/);
    expect(parseDeploymentInput(rawInput({ deploymentId: id })).deploymentId).toBe(id);
  });

  it('differs between two runs in the same millisecond', () => {
    expect(newDeploymentId(NOW, () => 0.1)).not.toBe(newDeploymentId(NOW, () => 0.2));
  });
});

describe('initialState', () => {
  it('starts at discover with the given id and controller, or fresh ones', () => {
    expect(initialState(resolvedInput({ deploymentId: 'mine' }), NOW, 'ci-run-7')).toEqual({
      deploymentId: 'mine',
      input: resolvedInput({ deploymentId: 'mine' }),
      phase: 'discover',
      startedAt: NOW,
      controllerId: 'ci-run-7',
      stepsApplied: 0,
    });
    const fresh = initialState(resolvedInput({ deploymentId: undefined }), NOW);
    expect(fresh.deploymentId).toMatch(/^taper-/);
    expect(fresh.controllerId).toMatch(/^ctl-[a-z0-9]{8}$/);
  });

  it('names a different controller on every run by default (two runs never share a lease)', () => {
    const ids = new Set(Array.from({ length: 20 }, () => initialState(resolvedInput(), NOW).controllerId));
    expect(ids.size).toBe(20);
  });

  it('is JSON-serialisable (Step Functions carries it between Lambdas)', () => {
    const state = initialState(resolvedInput(), NOW);
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });
});

describe('go', () => {
  it('waits in whole, non-negative seconds', () => {
    expect(go('settle', 'x', 1.2)).toMatchObject({ afterSeconds: 2 });
    expect(go('settle', 'x', -5)).toMatchObject({ afterSeconds: 0 });
    expect(go('settle', 'x')).toMatchObject({ afterSeconds: 0 });
  });
});
