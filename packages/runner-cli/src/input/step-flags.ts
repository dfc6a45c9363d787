/**
 * The step and hook shorthands: `--canary 10%:5m` (repeatable), `--pause-after-canary`,
 * `--pause-before-scale-down`, `--hook STAGE=COMMAND` (repeatable) and `--hook-timeout SECONDS` build the
 * input's `steps` and `hooks` fields. Only the input JSON is built here; core validates it (parseSteps,
 * parseHooks), and its errors then name the flag (shorthandFlagFor).
 */
import { UsageError } from '../exit-codes';

const canaryFlags = ['canary', 'pause-after-canary', 'pause-before-scale-down'] as const;
const hookFlags = ['hook', 'hook-timeout'] as const;
/** The shorthand flags this file expands, by the field they build (a test holds them to core's table). */
export const shorthandFlags = { steps: canaryFlags, hooks: hookFlags } as const;

const units: Record<string, number> = { s: 1, m: 60, h: 3600 };
const canaryForm =
  'WEIGHT%:DURATION, e.g. 10%:5m (10 % of new flows for five minutes; a duration is like 90s, 5m, 1h or plain seconds)';

/** `10%:5m` -> { weightPercent: 10, seconds: 300 }; the ranges are core's to check. */
export function parseCanary(text: string): { type: 'canary'; weightPercent: number; seconds: number } {
  const match = /^\s*(\d+(?:\.\d+)?)\s*%?\s*:\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/i.exec(text);
  if (!match) throw new UsageError(`--canary must be ${canaryForm}, got ${JSON.stringify(text)}`, 'canary');
  const [, weight, amount, unit] = match as unknown as [string, string, string, string];
  return {
    type: 'canary',
    weightPercent: Number(weight),
    seconds: Number(amount) * (units[unit.toLowerCase()] ?? 1),
  };
}

function numberOrText(value: unknown): unknown {
  const text = String(value).trim();
  return text !== '' && Number.isFinite(Number(text)) ? Number(text) : value;
}

/**
 * The `steps` and `hooks` fields the shorthands build (only those given). Refused together with the same
 * field in the --input file (`fileFields`): the list or the hooks come from one place.
 */
export function stepFlagsInput(
  values: Record<string, unknown>,
  fileFields: ReadonlySet<string> = new Set(),
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const canaries = (values.canary as string[] | undefined) ?? [];
  const pauseAfterCanary = values['pause-after-canary'] === true;
  const pauseBeforeScaleDown = values['pause-before-scale-down'] === true;
  if (canaries.length > 0 || pauseAfterCanary || pauseBeforeScaleDown) {
    const given = canaryFlags.filter((flag) => values[flag] !== undefined).map((flag) => `--${flag}`);
    if (fileFields.has('steps')) {
      throw new UsageError(
        `${given.join(', ')} build the deployment's steps, and the --input file has steps already: put them in the file's steps, or drop steps from the file`,
        'steps',
      );
    }
    if (pauseAfterCanary && canaries.length === 0) {
      throw new UsageError(
        '--pause-after-canary pauses after the last --canary, and there is none: add --canary WEIGHT%:DURATION (e.g. --canary 10%:5m), or use --pause-before-scale-down',
        'pause-after-canary',
      );
    }
    const promoted = { type: 'pause', untilPromoted: true };
    input.steps = [
      ...canaries.map(parseCanary),
      ...(pauseAfterCanary ? [promoted] : []),
      { type: 'swap' },
      ...(pauseBeforeScaleDown ? [promoted] : []),
      { type: 'scaleDown' },
    ];
  }

  const hooks = (values.hook as string[] | undefined) ?? [];
  const timeout = values['hook-timeout'];
  if (timeout !== undefined && hooks.length === 0) {
    throw new UsageError(
      '--hook-timeout applies to each --hook, and there is none: add --hook STAGE=COMMAND, or set timeoutSeconds in the --input file’s hooks',
      'hook-timeout',
    );
  }
  if (hooks.length > 0) {
    if (fileFields.has('hooks')) {
      throw new UsageError(
        '--hook builds the deployment’s hooks, and the --input file has hooks already: put the hook in the file’s hooks, or drop hooks from the file',
        'hooks',
      );
    }
    const built: Record<string, Record<string, unknown>> = {};
    for (const text of hooks) {
      const at = text.indexOf('=');
      const stage = text.slice(0, at).trim();
      const command = text.slice(at + 1).trim();
      if (at < 0 || stage === '' || command === '') {
        throw new UsageError(
          `--hook must be STAGE=COMMAND, e.g. before-swap=./smoke-test.sh, got ${JSON.stringify(text)}`,
          'hook',
        );
      }
      if (built[stage]) {
        throw new UsageError(
          `--hook ${stage}= is given twice; one command per stage (join commands with && in one)`,
          'hook',
        );
      }
      built[stage] = { command, ...(timeout !== undefined && { timeoutSeconds: numberOrText(timeout) }) };
    }
    input.hooks = built;
  }
  return input;
}

/** The shorthand flag behind an error in a field it built (`hooks.before-swap.timeoutSeconds` -> --hook-timeout). */
export function shorthandFlagFor(field: string): string | undefined {
  if (/^steps\b/.test(field)) return '--canary';
  if (/^hooks\b/.test(field)) return field.endsWith('.timeoutSeconds') ? '--hook-timeout' : '--hook';
  return undefined;
}
