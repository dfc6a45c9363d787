import { didYouMean } from '../did-you-mean';
import { InputValidationError } from '../errors';
import { hookTimeoutDefaultSeconds, hookTimeoutMaxSeconds } from './hook-port';
import {
  type DeploymentStep,
  defaultSteps,
  type HookSpec,
  type HookStage,
  type Hooks,
  hookStages,
  hookStepStages,
  type StepType,
} from './types';

/** Longest canary or timed pause: a day, like the other deadlines. */
export const maxStepSeconds = 86_400;

const stepTypes = ['canary', 'swap', 'pause', 'hook', 'scaleDown'] as const satisfies readonly StepType[];
/** Each step type's fields besides `type`. */
const stepFields: Record<StepType, readonly string[]> = {
  canary: ['weightPercent', 'seconds'],
  swap: [],
  pause: ['seconds', 'untilPromoted'],
  hook: ['stage'],
  scaleDown: [],
};
const hookTargets = ['command', 'functionName', 'url'] as const;
const hookFields = [...hookTargets, 'timeoutSeconds'];

function fail(field: string, message: string): never {
  throw new InputValidationError(field, message);
}

function shown(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? String(value));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function list(words: readonly string[], last = 'or'): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} ${last} ${words.at(-1)}`;
}

function refuseUnknownKeys(
  where: string,
  value: Record<string, unknown>,
  allowed: readonly string[],
  what: string,
) {
  const fields = allowed.filter((key) => key !== 'type');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      const has = fields.length === 0 ? 'has no field besides type' : `has ${list(fields, 'and')}`;
      fail(`${where}.${key}`, `is not a field of ${what}${didYouMean(key, allowed)}; ${what} ${has}`);
    }
  }
}

function boundedNumber(
  field: string,
  value: unknown,
  rule: { min: number; above?: boolean; max: number; integer?: boolean; fix: string },
): number {
  const kind = rule.integer ? 'an integer' : 'a number';
  const range = `${rule.above ? '>' : '>='} ${rule.min} and <= ${rule.max}`;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    (rule.above ? value <= rule.min : value < rule.min) ||
    value > rule.max
  ) {
    fail(field, `must be ${kind} ${range}, got ${shown(value)}; ${rule.fix}`);
  }
  return value;
}

function nonEmptyString(field: string, value: unknown, fix: string): string {
  if (typeof value !== 'string' || value.trim() === '') {
    fail(field, `must be a non-empty string, got ${shown(value)}; ${fix}`);
  }
  return value.trim();
}

/**
 * Validates the input's `hooks`: an object keyed by hook stage, each with exactly one of command,
 * functionName or url (http: or https:) and an optional timeoutSeconds (> 0, <= 3600; the runner's
 * default when absent). Undefined when absent.
 */
export function parseHooks(raw: unknown): Hooks | undefined {
  if (raw === undefined) return undefined;
  const example = '{"before-swap": {"command": "./smoke-test.sh"}}';
  if (!isObject(raw)) {
    fail('hooks', `must be an object keyed by hook stage (${list(hookStages)}), e.g. ${example}`);
  }
  const hooks: Hooks = {};
  for (const [stage, value] of Object.entries(raw)) {
    const field = `hooks.${stage}`;
    if (!(hookStages as readonly string[]).includes(stage)) {
      fail(field, `is not a hook stage${didYouMean(stage, hookStages)}; the stages are ${list(hookStages)}`);
    }
    hooks[stage as HookStage] = parseHookSpec(field, value);
  }
  return hooks;
}

function parseHookSpec(field: string, value: unknown): HookSpec {
  const one = `exactly one of ${list(hookTargets)}`;
  if (!isObject(value)) {
    fail(field, `must be an object with ${one}, e.g. {"command": "./smoke-test.sh"}, got ${shown(value)}`);
  }
  refuseUnknownKeys(field, value, hookFields, 'a hook');
  const given = hookTargets.filter((key) => value[key] !== undefined);
  if (given.length !== 1) {
    const got = given.length === 0 ? 'none' : list(given, 'and');
    fail(
      field,
      `must have ${one}, got ${got}; a shell command (the CLI runs it), a Lambda function name or ARN, or an http(s) URL that gets a POST`,
    );
  }
  const target = given[0] as (typeof hookTargets)[number];
  const spec: HookSpec = {};
  if (target === 'url') {
    const text = nonEmptyString(`${field}.url`, value.url, 'pass an http: or https: URL');
    let protocol: string | undefined;
    try {
      protocol = new URL(text).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'http:' && protocol !== 'https:') {
      fail(
        `${field}.url`,
        `must be an http: or https: URL, got ${shown(text)}; e.g. https://ci.example.com/hook`,
      );
    }
    spec.url = text;
  } else if (target === 'command') {
    spec.command = nonEmptyString(
      `${field}.command`,
      value.command,
      'pass a shell command, e.g. "./smoke-test.sh"',
    );
  } else {
    spec.functionName = nonEmptyString(
      `${field}.functionName`,
      value.functionName,
      'pass a Lambda function name or ARN',
    );
  }
  // Absent stays absent: each runner applies its own default (the CLI 300 s; the Lambda runner, whose
  // invocation is shorter, 90 s), so an input without timeouts runs on both.
  if (value.timeoutSeconds !== undefined) {
    spec.timeoutSeconds = boundedNumber(`${field}.timeoutSeconds`, value.timeoutSeconds, {
      min: 0,
      above: true,
      max: hookTimeoutMaxSeconds,
      fix: `a hook may take at most an hour (${hookTimeoutMaxSeconds} s); use e.g. ${hookTimeoutDefaultSeconds}`,
    });
  }
  return spec;
}

function parseStep(index: number, raw: unknown, hooks: Hooks | undefined): DeploymentStep {
  const at = `steps[${index}]`;
  if (!isObject(raw)) {
    fail(at, `must be an object with a type (${list(stepTypes)}), got ${shown(raw)}`);
  }
  const type = raw.type;
  if (!(stepTypes as readonly unknown[]).includes(type)) {
    const hint = typeof type === 'string' ? didYouMean(type, stepTypes) : '';
    const got = type === undefined ? 'none' : shown(type);
    fail(`${at}.type`, `must be one of ${list(stepTypes)}, got ${got}${hint}`);
  }
  const stepType = type as StepType;
  refuseUnknownKeys(at, raw, ['type', ...stepFields[stepType]], `a ${stepType} step`);
  switch (stepType) {
    case 'canary':
      return {
        type: 'canary',
        weightPercent: boundedNumber(`${at}.weightPercent`, raw.weightPercent, {
          min: 1,
          max: 99,
          integer: true,
          fix: 'the percent of new flows the new set gets, e.g. 10 (all of them is the swap step)',
        }),
        seconds: boundedNumber(`${at}.seconds`, raw.seconds, {
          min: 0,
          max: maxStepSeconds,
          fix: `how long this weight holds, at most a day (${maxStepSeconds} s), e.g. 300`,
        }),
      };
    case 'pause': {
      const timed = raw.seconds !== undefined;
      const promoted = raw.untilPromoted !== undefined;
      if (timed === promoted) {
        fail(
          at,
          `a pause needs exactly one of seconds (> 0, <= ${maxStepSeconds}) or untilPromoted: true, got ${timed ? 'both' : 'neither'}; e.g. {"type": "pause", "seconds": 300} or {"type": "pause", "untilPromoted": true}`,
        );
      }
      if (promoted) {
        if (raw.untilPromoted !== true) {
          fail(
            `${at}.untilPromoted`,
            `must be true (wait until \`ecs-taper promote\`), got ${shown(raw.untilPromoted)}; use seconds for a timed pause`,
          );
        }
        return { type: 'pause', untilPromoted: true };
      }
      return {
        type: 'pause',
        seconds: boundedNumber(`${at}.seconds`, raw.seconds, {
          min: 0,
          above: true,
          max: maxStepSeconds,
          fix: `a pause of at most a day (${maxStepSeconds} s), e.g. 300; untilPromoted: true waits for \`ecs-taper promote\``,
        }),
      };
    }
    case 'hook': {
      const stage = raw.stage;
      const field = `${at}.stage`;
      if (typeof stage !== 'string' || !(hookStages as readonly string[]).includes(stage)) {
        const hint = typeof stage === 'string' ? didYouMean(stage, hookStepStages) : '';
        fail(field, `must be one of ${list(hookStepStages)}, got ${shown(stage)}${hint}`);
      }
      if (!(hookStepStages as readonly string[]).includes(stage)) {
        const when =
          stage === 'on-rollback' ? 'once a rollback has ended' : 'before every step of the scaleDown step';
        fail(
          field,
          `${stage} is not a position in the step list: its hook runs ${when} once configured under hooks; remove this step (hook steps are ${list(hookStepStages)})`,
        );
      }
      if (!hooks?.[stage as HookStage]) {
        fail(
          field,
          `no hook is configured for ${stage}; add hooks.${stage} (e.g. {"command": "./check.sh"}) or remove this step`,
        );
      }
      return { type: 'hook', stage: stage as HookStage };
    }
    case 'swap':
      return { type: 'swap' };
    case 'scaleDown':
      return { type: 'scaleDown' };
  }
}

/** Exactly one step of `type`: its index, or an error naming the extra one or asking for it. */
function theOne(steps: readonly DeploymentStep[], type: 'swap' | 'scaleDown'): number {
  const at = steps.flatMap((step, index) => (step.type === type ? [index] : []));
  if (at.length === 0) {
    fail('steps', `needs exactly one ${type} step, got none; add {"type": "${type}"}`);
  }
  if (at.length > 1) {
    fail(`steps[${at[1]}]`, `is a second ${type} step; a deployment has exactly one, remove this one`);
  }
  return at[0] as number;
}

/**
 * Validates the input's `steps` (undefined: the default `[swap, scaleDown]`), then places each hook of
 * `hooks` whose stage is a position in the list and which the list does not hold as a hook step:
 * after-test-traffic first of all, before-swap right before the swap, after-swap right after it,
 * after-deploy at the very end. Errors name `steps[i]` or `steps[i].field` as given.
 */
export function parseSteps(raw: unknown, hooks: Hooks | undefined): DeploymentStep[] {
  let steps: DeploymentStep[];
  if (raw === undefined) steps = defaultSteps.map((step) => ({ ...step }));
  else if (!Array.isArray(raw)) {
    fail(
      'steps',
      `must be a list of steps, e.g. [{"type": "canary", "weightPercent": 10, "seconds": 300}, {"type": "swap"}, {"type": "scaleDown"}], got ${shown(raw)}`,
    );
  } else steps = raw.map((step, index) => parseStep(index, step, hooks));

  const swap = theOne(steps, 'swap');
  const scaleDown = theOne(steps, 'scaleDown');
  if (scaleDown < swap) {
    fail(
      `steps[${scaleDown}]`,
      'the scaleDown step must come after the swap step (the old set is retired once production points at the new one); move it after {"type": "swap"}',
    );
  }
  const lateCanary = steps.findIndex((step, index) => step.type === 'canary' && index > swap);
  if (lateCanary >= 0) {
    fail(
      `steps[${lateCanary}]`,
      'a canary step must come before the swap step (after the swap all new flows go to the new set); move it before {"type": "swap"}',
    );
  }
  return placeHooks(steps, hooks);
}

function placeHooks(steps: DeploymentStep[], hooks: Hooks | undefined): DeploymentStep[] {
  const listed = new Set(steps.flatMap((step) => (step.type === 'hook' ? [step.stage] : [])));
  const add = (stage: (typeof hookStepStages)[number]) => hooks?.[stage] !== undefined && !listed.has(stage);
  const hook = (stage: HookStage): DeploymentStep => ({ type: 'hook', stage });
  const placed: DeploymentStep[] = add('after-test-traffic') ? [hook('after-test-traffic')] : [];
  for (const step of steps) {
    if (step.type === 'swap' && add('before-swap')) placed.push(hook('before-swap'));
    placed.push(step);
    if (step.type === 'swap' && add('after-swap')) placed.push(hook('after-swap'));
  }
  if (add('after-deploy')) placed.push(hook('after-deploy'));
  return placed;
}

/** JSON Schema (2020-12) of `steps`: the shape of each step; the order rules are parseSteps'. */
export const stepsSchema = {
  type: 'array',
  items: {
    oneOf: [
      {
        type: 'object',
        description: 'New flows: weightPercent of them to the new set for seconds, alarms watched.',
        properties: {
          type: { const: 'canary' },
          weightPercent: { type: 'integer', minimum: 1, maximum: 99 },
          seconds: { type: 'number', minimum: 0, maximum: maxStepSeconds },
        },
        required: ['type', 'weightPercent', 'seconds'],
        additionalProperties: false,
      },
      {
        type: 'object',
        description: 'All production listeners to the new set, then settleSeconds.',
        properties: { type: { const: 'swap' } },
        required: ['type'],
        additionalProperties: false,
      },
      {
        type: 'object',
        description: 'Wait seconds, or until `ecs-taper promote` (untilPromoted: true).',
        properties: {
          type: { const: 'pause' },
          seconds: { type: 'number', exclusiveMinimum: 0, maximum: maxStepSeconds },
          untilPromoted: { const: true },
        },
        required: ['type'],
        oneOf: [{ required: ['seconds'] }, { required: ['untilPromoted'] }],
        additionalProperties: false,
      },
      {
        type: 'object',
        description: 'Run the hook configured under hooks for this stage.',
        properties: { type: { const: 'hook' }, stage: { enum: [...hookStepStages] } },
        required: ['type', 'stage'],
        additionalProperties: false,
      },
      {
        type: 'object',
        description: 'Retire the old set on the planned schedule, then wait for it to drain.',
        properties: { type: { const: 'scaleDown' } },
        required: ['type'],
        additionalProperties: false,
      },
    ],
  },
  allOf: (['swap', 'scaleDown'] as const).map((type) => ({
    contains: { type: 'object', properties: { type: { const: type } }, required: ['type'] },
    minContains: 1,
    maxContains: 1,
  })),
} as const;

/** JSON Schema (2020-12) of `hooks`. */
export const hooksSchema = {
  type: 'object',
  propertyNames: { enum: [...hookStages] },
  additionalProperties: {
    type: 'object',
    properties: {
      command: { type: 'string', pattern: '\\S', description: 'a shell command (the CLI runs it)' },
      functionName: { type: 'string', pattern: '\\S', description: 'a Lambda function name or ARN' },
      url: { type: 'string', pattern: '^https?://', description: 'an http(s) URL that gets a POST' },
      timeoutSeconds: {
        type: 'number',
        exclusiveMinimum: 0,
        maximum: hookTimeoutMaxSeconds,
        description: `seconds before the hook counts as failed; default ${hookTimeoutDefaultSeconds} (the Lambda runner: 90)`,
      },
    },
    oneOf: hookTargets.map((key) => ({ required: [key] })),
    additionalProperties: false,
  },
} as const;
