import { describe, expect, it } from 'vitest';
import { didYouMean } from '../../src/did-you-mean';
import { InputValidationError } from '../../src/errors';
import { parseHooks, parseSteps } from '../../src/steps/parse-steps';
import { defaultSteps, type Hooks } from '../../src/steps/types';
import { parseDeploymentInput } from '../../src/validate-input';

/** The InputValidationError that `run` throws. */
function rejection(run: () => unknown): InputValidationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputValidationError);
    return error as InputValidationError;
  }
  throw new Error('expected a rejection');
}

const swap = { type: 'swap' } as const;
const scaleDown = { type: 'scaleDown' } as const;
const command = (cmd: string) => ({ command: cmd });

describe('parseHooks', () => {
  it('is undefined when absent, and leaves an absent timeout to the runner', () => {
    expect(parseHooks(undefined)).toBeUndefined();
    expect(parseHooks({ 'before-swap': { command: ' ./smoke.sh ' } })).toEqual({
      'before-swap': command('./smoke.sh'),
    });
    expect(
      parseHooks({
        'after-deploy': { url: 'https://ci.example.com/done', timeoutSeconds: 3600 },
        'on-rollback': { functionName: 'notify' },
      }),
    ).toEqual({
      'after-deploy': { url: 'https://ci.example.com/done', timeoutSeconds: 3600 },
      'on-rollback': { functionName: 'notify' },
    });
  });

  it.each([
    ['a list', [], 'hooks', /must be an object keyed by hook stage/],
    [
      'a misspelt stage',
      { 'befor-swap': { command: 'x' } },
      'hooks.befor-swap',
      /did you mean before-swap\?/,
    ],
    [
      'a hook that is a string',
      { 'before-swap': 'x' },
      'hooks.before-swap',
      /must be an object with exactly one/,
    ],
    ['no target', { 'before-swap': { timeoutSeconds: 5 } }, 'hooks.before-swap', /got none/],
    [
      'two targets',
      { 'before-swap': { command: 'x', url: 'https://a' } },
      'hooks.before-swap',
      /exactly one of command, functionName or url, got command and url/,
    ],
    ['an unknown key', { 'before-swap': { cmd: 'x' } }, 'hooks.before-swap.cmd', /did you mean command\?/],
    ['an ftp url', { 'after-swap': { url: 'ftp://x/y' } }, 'hooks.after-swap.url', /http: or https:/],
    [
      'a url that is no URL',
      { 'after-swap': { url: 'not a url' } },
      'hooks.after-swap.url',
      /http: or https:/,
    ],
    ['an empty command', { 'after-swap': { command: ' ' } }, 'hooks.after-swap.command', /non-empty string/],
    [
      'a zero timeout',
      { 'before-swap': { command: 'x', timeoutSeconds: 0 } },
      'hooks.before-swap.timeoutSeconds',
      /must be a number > 0 and <= 3600, got 0; .*e\.g\. 300/,
    ],
    [
      'a timeout above an hour',
      { 'before-swap': { command: 'x', timeoutSeconds: 3601 } },
      'hooks.before-swap.timeoutSeconds',
      /<= 3600/,
    ],
  ])('refuses %s, naming the field', (_label, raw, field, message) => {
    const error = rejection(() => parseHooks(raw));
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });
});

describe('parseSteps', () => {
  it('defaults to swap then scaleDown', () => {
    expect(parseSteps(undefined, undefined)).toEqual([swap, scaleDown]);
    expect(defaultSteps).toEqual([swap, scaleDown]);
  });

  it('keeps canaries (weights up or down), pauses and hook steps, normalised', () => {
    const hooks: Hooks = { 'after-swap': command('x') };
    const steps = [
      { type: 'canary', weightPercent: 10, seconds: 60 },
      { type: 'canary', weightPercent: 50, seconds: 0 },
      { type: 'canary', weightPercent: 20, seconds: 86_400 },
      { type: 'pause', untilPromoted: true },
      swap,
      { type: 'hook', stage: 'after-swap' },
      { type: 'pause', seconds: 30 },
      scaleDown,
    ];
    expect(parseSteps(steps, hooks)).toEqual(steps);
  });

  it('places configured hooks by stage: after-test-traffic first, before/after the swap, after-deploy last', () => {
    const hooks: Hooks = {
      'after-test-traffic': command('a'),
      'before-swap': command('b'),
      'after-swap': command('c'),
      'after-deploy': command('d'),
      'before-scale-down-step': command('e'),
      'on-rollback': command('f'),
    };
    expect(parseSteps([{ type: 'canary', weightPercent: 5, seconds: 10 }, swap, scaleDown], hooks)).toEqual([
      { type: 'hook', stage: 'after-test-traffic' },
      { type: 'canary', weightPercent: 5, seconds: 10 },
      { type: 'hook', stage: 'before-swap' },
      swap,
      { type: 'hook', stage: 'after-swap' },
      scaleDown,
      { type: 'hook', stage: 'after-deploy' },
    ]);
    expect(parseSteps(undefined, { 'before-swap': command('b') })).toEqual([
      { type: 'hook', stage: 'before-swap' },
      swap,
      scaleDown,
    ]);
  });

  it('does not place a hook the list already holds as a hook step', () => {
    const hooks: Hooks = { 'after-deploy': command('d') };
    const steps = [swap, { type: 'hook', stage: 'after-deploy' }, scaleDown];
    expect(parseSteps(steps, hooks)).toEqual(steps);
  });

  it.each([
    ['not a list', { type: 'swap' }, 'steps', /must be a list of steps/],
    ['an empty list', [], 'steps', /needs exactly one swap step, got none; add \{"type": "swap"\}/],
    ['no scaleDown', [swap], 'steps', /exactly one scaleDown step/],
    ['two swaps', [swap, swap, scaleDown], 'steps[1]', /second swap step/],
    ['two scaleDowns', [swap, scaleDown, scaleDown], 'steps[2]', /second scaleDown step/],
    ['scaleDown before swap', [scaleDown, swap], 'steps[0]', /must come after the swap step/],
    [
      'a canary after the swap',
      [swap, { type: 'canary', weightPercent: 10, seconds: 5 }, scaleDown],
      'steps[1]',
      /must come before the swap step/,
    ],
    ['a step that is a string', ['swap', scaleDown], 'steps[0]', /must be an object with a type/],
    ['a misspelt type', [{ type: 'canery' }, swap, scaleDown], 'steps[0].type', /did you mean canary\?/],
    [
      'no type',
      [{}, swap, scaleDown],
      'steps[0].type',
      /must be one of canary, swap, pause, hook or scaleDown/,
    ],
    [
      'an unknown key',
      [{ type: 'canary', weight: 10, seconds: 5 }, swap, scaleDown],
      'steps[0].weight',
      /is not a field of a canary step \(did you mean weightPercent\?\)/,
    ],
    [
      'a key on swap',
      [{ type: 'swap', seconds: 5 }, scaleDown],
      'steps[0].seconds',
      /a swap step has no field besides type/,
    ],
    [
      'weight 100',
      [{ type: 'canary', weightPercent: 100, seconds: 5 }, swap, scaleDown],
      'steps[0].weightPercent',
      /must be an integer >= 1 and <= 99, got 100/,
    ],
    [
      'weight 0',
      [{ type: 'canary', weightPercent: 0, seconds: 5 }, swap, scaleDown],
      'steps[0].weightPercent',
      />= 1 and <= 99/,
    ],
    [
      'a fractional weight',
      [{ type: 'canary', weightPercent: 2.5, seconds: 5 }, swap, scaleDown],
      'steps[0].weightPercent',
      /an integer/,
    ],
    [
      'a canary without seconds',
      [{ type: 'canary', weightPercent: 10 }, swap, scaleDown],
      'steps[0].seconds',
      /must be a number >= 0 and <= 86400, got undefined/,
    ],
    [
      'a canary of more than a day',
      [{ type: 'canary', weightPercent: 10, seconds: 86_401 }, swap, scaleDown],
      'steps[0].seconds',
      /<= 86400/,
    ],
    [
      'a pause with neither',
      [{ type: 'pause' }, swap, scaleDown],
      'steps[0]',
      /exactly one of seconds .* got neither/,
    ],
    [
      'a pause with both',
      [{ type: 'pause', seconds: 5, untilPromoted: true }, swap, scaleDown],
      'steps[0]',
      /got both/,
    ],
    [
      'a pause of 0 s',
      [{ type: 'pause', seconds: 0 }, swap, scaleDown],
      'steps[0].seconds',
      /> 0 and <= 86400/,
    ],
    [
      'untilPromoted false',
      [{ type: 'pause', untilPromoted: false }, swap, scaleDown],
      'steps[0].untilPromoted',
      /must be true/,
    ],
    [
      'a hook stage that is no stage',
      [{ type: 'hook', stage: 'befor-swap' }, swap, scaleDown],
      'steps[0].stage',
      /did you mean before-swap\?/,
    ],
    [
      'before-scale-down-step as a step',
      [swap, { type: 'hook', stage: 'before-scale-down-step' }, scaleDown],
      'steps[1].stage',
      /is not a position in the step list: its hook runs before every step of the scaleDown step/,
    ],
    [
      'on-rollback as a step',
      [swap, scaleDown, { type: 'hook', stage: 'on-rollback' }],
      'steps[2].stage',
      /not a position in the step list: its hook runs once a rollback has ended/,
    ],
    [
      'a hook step without its hook',
      [{ type: 'hook', stage: 'before-swap' }, swap, scaleDown],
      'steps[0].stage',
      /no hook is configured for before-swap; add hooks.before-swap/,
    ],
  ])('refuses %s, naming the step and the fix', (_label, raw, field, message) => {
    const error = rejection(() => parseSteps(raw, undefined));
    expect(error.field).toBe(field);
    expect(error.message.startsWith(`${field}: `)).toBe(true);
    expect(error.message).toMatch(message);
  });
});

describe('steps and hooks in parseDeploymentInput', () => {
  const valid = { cluster: 'c', service: 's', taskDefinition: 't:1', loadBalancerArn: 'arn:nlb' };

  it('always resolves steps; hooks only when given', () => {
    const plain = parseDeploymentInput(valid);
    expect(plain.steps).toEqual([swap, scaleDown]);
    expect(plain).not.toHaveProperty('hooks');
    const withHooks = parseDeploymentInput({ ...valid, hooks: { 'after-deploy': { command: 'done.sh' } } });
    expect(withHooks.hooks).toEqual({ 'after-deploy': command('done.sh') });
    expect(withHooks.steps).toEqual([swap, scaleDown, { type: 'hook', stage: 'after-deploy' }]);
  });

  it('checks hook steps against the input’s hooks', () => {
    const steps = [{ type: 'hook', stage: 'before-swap' }, swap, scaleDown];
    expect(rejection(() => parseDeploymentInput({ ...valid, steps })).field).toBe('steps[0].stage');
    expect(
      parseDeploymentInput({ ...valid, steps, hooks: { 'before-swap': { command: 'x' } } }).steps,
    ).toEqual(steps);
  });

  it('names a seed event’s step errors as ours (the seed has no steps)', () => {
    const error = rejection(() =>
      parseDeploymentInput({ ...valid, service: undefined, serviceName: 's', steps: [swap] }),
    );
    expect(error.field).toBe('steps');
  });
});

describe('didYouMean', () => {
  it('suggests the closest candidate, nothing for a far one', () => {
    expect(didYouMean('swpa', ['swap', 'pause'])).toBe(' (did you mean swap?)');
    expect(didYouMean('SCALEDOWN', ['scaleDown'])).toBe(' (did you mean scaleDown?)');
    expect(didYouMean('xyz', ['canary', 'swap'])).toBe('');
  });
});
