import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDeploymentInput } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { commandOptions } from '../src/input/command-flags';
import { flagForField, inputFlagOptions, inputFlagsHelp, inputFromFlags } from '../src/input/input-flags';
import { collectInput, validated } from '../src/input/load-input';

const complete = {
  cluster: 'prod',
  service: 'api',
  'task-definition': 'api:42',
  'load-balancer': 'arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/net/api/0123',
  subnets: ['subnet-1'],
  'security-groups': ['sg-1'],
};

describe('the flag table', () => {
  it('--keep-autoscaling yields suspendAutoScaling false', () => {
    expect(inputFromFlags({ 'keep-autoscaling': true })).toEqual({ suspendAutoScaling: false });
    expect(parseDeploymentInput(inputFromFlags({ ...complete, 'keep-autoscaling': true }))).toMatchObject({
      suspendAutoScaling: false,
    });
  });

  it('without --keep-autoscaling the input leaves suspendAutoScaling to core (default true)', () => {
    expect(inputFromFlags(complete)).not.toHaveProperty('suspendAutoScaling');
    expect(parseDeploymentInput(inputFromFlags(complete)).suspendAutoScaling).toBe(true);
  });

  it('other boolean flags still set their field true', () => {
    expect(inputFromFlags({ 'assign-public-ip': true })).toEqual({ assignPublicIp: true });
  });

  it('--launch-type says the old task set’s launch type or strategy is kept, FARGATE only on a first deployment', () => {
    expect(inputFlagsHelp()).toMatch(
      / {2}--launch-type VALUE {2,}FARGATE, EC2 or EXTERNAL \(default: the old task set's launch type or capacity provider strategy; FARGATE on a first deployment\)/,
    );
    expect(inputFlagsHelp()).not.toContain('FARGATE (default)');
    expect(flagForField('launchType')).toBe('--launch-type');
  });

  it('--keep-autoscaling is a boolean option, names suspendAutoScaling in errors and has help', () => {
    expect(inputFlagOptions()['keep-autoscaling']).toEqual({ type: 'boolean' });
    expect(flagForField('suspendAutoScaling')).toBe('--keep-autoscaling');
    expect(inputFlagsHelp()).toMatch(
      / {2}--keep-autoscaling {2,}keep the service's Application Auto Scaling/,
    );
  });

  it('--keep-autoscaling overrides suspendAutoScaling of an --input file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-taper-'));
    const file = join(dir, 'input.json');
    writeFileSync(file, JSON.stringify({ suspendAutoScaling: true }));
    const sources = collectInput({ input: file, 'keep-autoscaling': true });
    expect(sources.merged.suspendAutoScaling).toBe(false);
    expect(collectInput({ input: file }).merged.suspendAutoScaling).toBe(true);
  });

  it('a bad suspendAutoScaling in a file names the field and the flag', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-taper-'));
    const file = join(dir, 'input.json');
    const flags = { ...complete, input: file };
    writeFileSync(file, JSON.stringify({ suspendAutoScaling: 'no' }));
    const sources = collectInput(flags);
    expect(() => validated(sources, () => parseDeploymentInput(sources.merged))).toThrow(
      `invalid input: suspendAutoScaling in ${file} (or --keep-autoscaling): must be true or false, got "no"`,
    );
  });

  it('--interval 1e308 is no decimal number: refused naming the flag and the range, with the other problems', () => {
    const sources = collectInput({ ...complete, interval: '1e308', settle: '4000' });
    expect(sources.merged.intervalSeconds).toBeUndefined();
    const error = (() => {
      try {
        validated(sources, () => parseDeploymentInput(sources.merged));
      } catch (caught) {
        return caught as Error;
      }
      throw new Error('not refused');
    })();
    expect(error.message.split('\n')).toEqual([
      'invalid input: --interval (intervalSeconds): must be a number >= 0 and <= 3600, written in decimal (like 90 or 2.5), got "1e308"',
      expect.stringMatching(
        /^invalid input: --settle \(settleSeconds\): must be a number >= 0 and <= 3600, got 4000/,
      ),
    ]);
  });
});

describe('deploy and rollback control flags', () => {
  it('--take-over is a boolean option of deploy and rollback', () => {
    expect(commandOptions('deploy')['take-over']).toEqual({ type: 'boolean' });
    expect(commandOptions('rollback')['take-over']).toEqual({ type: 'boolean' });
  });
});

describe('the health guard flag', () => {
  it('--unhealthy-grace sets unhealthyGraceSeconds, and core bounds it', () => {
    expect(inputFromFlags({ 'unhealthy-grace': '30' })).toEqual({ unhealthyGraceSeconds: 30 });
    expect(() => parseDeploymentInput(inputFromFlags({ ...complete, 'unhealthy-grace': '3601' }))).toThrow(
      /unhealthyGraceSeconds.*3600/,
    );
  });
});
