import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDeploymentInput } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { collectInput, validated } from '../src/input/load-input';
import { parseCanary, stepFlagsInput } from '../src/input/step-flags';
import { runCli } from './helpers';

const complete = {
  cluster: 'prod',
  service: 'api',
  'task-definition': 'api:42',
  'load-balancer': 'arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/net/api/0123',
};

function inputFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ecs-taper-')), 'input.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('--canary and the pause shorthands', () => {
  it.each([
    ['10%:5m', 10, 300],
    ['25%:90s', 25, 90],
    ['5%:1h', 5, 3600],
    ['50:120', 50, 120],
    [' 1 % : 0.5m ', 1, 30],
  ])('reads %s', (text, weightPercent, seconds) => {
    expect(parseCanary(text)).toEqual({ type: 'canary', weightPercent, seconds });
  });

  it.each(['10%', '10%:5d', 'x:5m', '%:5m', ''])('refuses %j, showing the form', (text) => {
    expect(() => parseCanary(text)).toThrow(/--canary must be WEIGHT%:DURATION, e\.g\. 10%:5m/);
  });

  it('builds canaries first, then the swap, the pauses where asked and the scale-down', () => {
    expect(
      stepFlagsInput({
        canary: ['10%:5m', '50%:1m'],
        'pause-after-canary': true,
        'pause-before-scale-down': true,
      }),
    ).toEqual({
      steps: [
        { type: 'canary', weightPercent: 10, seconds: 300 },
        { type: 'canary', weightPercent: 50, seconds: 60 },
        { type: 'pause', untilPromoted: true },
        { type: 'swap' },
        { type: 'pause', untilPromoted: true },
        { type: 'scaleDown' },
      ],
    });
    expect(stepFlagsInput({ 'pause-before-scale-down': true }).steps).toEqual([
      { type: 'swap' },
      { type: 'pause', untilPromoted: true },
      { type: 'scaleDown' },
    ]);
    expect(stepFlagsInput({})).toEqual({});
  });

  it('refuses --pause-after-canary without a --canary', () => {
    expect(() => stepFlagsInput({ 'pause-after-canary': true })).toThrow(
      /--pause-after-canary pauses after the last --canary, and there is none/,
    );
  });

  it('refuses the shorthands when the --input file has steps', () => {
    const file = inputFile({ steps: [{ type: 'swap' }, { type: 'scaleDown' }] });
    expect(() => collectInput({ ...complete, input: file, canary: ['10%:1m'] })).toThrow(
      /--canary build the deployment's steps, and the --input file has steps already/,
    );
  });

  it('leaves the ranges to core, whose error names the flag', () => {
    const sources = collectInput({ ...complete, canary: ['150%:1m'] });
    expect(() => validated(sources, () => parseDeploymentInput(sources.merged))).toThrow(
      'invalid input: --canary (steps[0].weightPercent): must be an integer >= 1 and <= 99, got 150',
    );
  });
});

describe('--hook and --hook-timeout', () => {
  it('builds shell command hooks, the timeout on each', () => {
    expect(stepFlagsInput({ hook: ['before-swap=./smoke.sh --fast', 'after-deploy= echo a=b '] })).toEqual({
      hooks: { 'before-swap': { command: './smoke.sh --fast' }, 'after-deploy': { command: 'echo a=b' } },
    });
    expect(stepFlagsInput({ hook: ['before-swap=x'], 'hook-timeout': '60' })).toEqual({
      hooks: { 'before-swap': { command: 'x', timeoutSeconds: 60 } },
    });
  });

  it('places the hooks in the default steps once core resolves them', () => {
    const sources = collectInput({ ...complete, hook: ['before-swap=./smoke.sh'] });
    expect(parseDeploymentInput(sources.merged).steps).toEqual([
      { type: 'hook', stage: 'before-swap' },
      { type: 'swap' },
      { type: 'scaleDown' },
    ]);
  });

  it.each([
    [{ hook: ['before-swap'] }, /--hook must be STAGE=COMMAND, e\.g\. before-swap=\.\/smoke-test\.sh/],
    [{ hook: ['=x'] }, /--hook must be STAGE=COMMAND/],
    [{ hook: ['before-swap='] }, /--hook must be STAGE=COMMAND/],
    [{ hook: ['before-swap=a', 'before-swap=b'] }, /--hook before-swap= is given twice/],
    [{ 'hook-timeout': '5' }, /--hook-timeout applies to each --hook, and there is none/],
  ])('refuses %j', (values, message) => {
    expect(() => stepFlagsInput(values)).toThrow(message);
  });

  it('refuses --hook when the --input file has hooks', () => {
    const file = inputFile({ hooks: { 'after-deploy': { command: 'x' } } });
    expect(() => collectInput({ ...complete, input: file, hook: ['before-swap=y'] })).toThrow(
      /the --input file has hooks already/,
    );
  });

  it.each([
    [['befor-swap=x'], [], '--hook (hooks.befor-swap): is not a hook stage (did you mean before-swap?)'],
    [['before-swap=x'], ['0'], '--hook-timeout (hooks.before-swap.timeoutSeconds): must be a number > 0'],
  ])('names the flag in core’s errors: --hook %j --hook-timeout %j', (hook, timeout, message) => {
    const sources = collectInput({ ...complete, hook, ...(timeout[0] && { 'hook-timeout': timeout[0] }) });
    expect(() => validated(sources, () => parseDeploymentInput(sources.merged))).toThrow(
      `invalid input: ${message}`,
    );
  });

  it('exits 2 from the command line, naming the flag', async () => {
    const result = await runCli([
      'deploy',
      ...Object.entries(complete).flatMap(([flag, value]) => [`--${flag}`, value]),
      '--pause-after-canary',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--pause-after-canary pauses after the last --canary');
  });
});
