/**
 * The one place where command-line flags map to core's deployment input fields. The flags come from
 * core's field table (input-fields.ts: a field's flag name, value kind and help), so a flag means the
 * same thing in every command and an error can name the flag of a field. The step and hook shorthands
 * (`--canary`, `--hook`, ...) are table flags too; step-flags.ts expands them.
 */
import { type CliFlag, type InputFieldName, inputFieldEntries } from '@ecs-taper/core/workflow';
import { shorthandFlagFor } from './step-flags';

export interface InputFlag extends CliFlag {
  /** The field of core's DeploymentInput. */
  field: InputFieldName;
  /** Shown in --help. */
  help: string;
}

/** Every input flag by name (shorthands included), in the table's order. */
export const inputFlags: Readonly<Record<string, InputFlag>> = Object.fromEntries(
  inputFieldEntries.flatMap(([field, spec]) =>
    (spec.flags ?? []).map((flag) => [flag.name, { ...flag, field, help: flag.help ?? spec.help }]),
  ),
);

export type InputFlagName = keyof typeof inputFlags;

type Option = { type: 'string' | 'boolean'; multiple?: boolean };

/** The flags of these fields (all by default). */
export function inputFlagsOf(fields?: readonly InputFieldName[]): InputFlag[] {
  return Object.values(inputFlags).filter((flag) => !fields || fields.includes(flag.field));
}

/** parseArgs option definitions for the input flags (of `fields`, default all). */
export function inputFlagOptions(fields?: readonly InputFieldName[]): Record<string, Option> {
  return Object.fromEntries(
    inputFlagsOf(fields).map((flag) => [
      flag.name,
      flag.value === 'boolean'
        ? { type: 'boolean' }
        : flag.value === 'list' || flag.repeatable
          ? { type: 'string', multiple: true }
          : { type: 'string' },
    ]),
  );
}

/**
 * Input fields given as flags (of `fields`, default all; not the shorthands: see step-flags.ts). Numbers that do not parse are
 * passed on as text, so core's validation reports them with its usual message ("must be an integer >= 1,
 * got \"x\"").
 */
export function inputFromFlags(
  values: Record<string, unknown>,
  fields?: readonly InputFieldName[],
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const flag of inputFlagsOf(fields)) {
    const value = values[flag.name];
    if (value === undefined || flag.shorthand) continue;
    switch (flag.value) {
      case 'string':
        input[flag.field] = value;
        break;
      case 'boolean':
        input[flag.field] = value === true ? (flag.sets ?? true) : value;
        break;
      case 'number':
        input[flag.field] = flag.arg === 'DURATION' ? durationOrText(value) : numberOrText(value);
        break;
      case 'list':
        input[flag.field] = (value as string[])
          .flatMap((item) => item.split(','))
          .map((item) => item.trim())
          .filter((item) => item !== '');
        break;
    }
  }
  return input;
}

/** A flag's number, or its text when it is none (core then names the field and the range). */
export function numberOrText(value: unknown): unknown {
  const text = String(value).trim();
  const number = Number(text);
  return text !== '' && Number.isFinite(number) ? number : value;
}

/** A DURATION flag's seconds (`90s`, `3m`, `1h` or plain seconds), or its text when it is none. */
export function durationOrText(value: unknown): unknown {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/i.exec(String(value));
  if (!match) return value;
  const units: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };
  return Number(match[1]) * (units[(match[2] ?? '').toLowerCase()] ?? 1);
}

/** `decrementPercent` -> `--decrement`; also for nested fields (`subnets[1]` -> `--subnets`, `hooks.x` -> `--hook`). */
export function flagForField(field: string): string | undefined {
  const shorthand = shorthandFlagFor(field);
  if (shorthand) return shorthand;
  const base = field.replace(/[[.].*$/, '');
  const flag = Object.values(inputFlags).find((f) => f.field === base && !f.shorthand);
  return flag && `--${flag.name}`;
}

/** `--interval SECONDS`, `--keep-autoscaling`: a flag as help shows it. */
export function flagUsage(flag: Pick<CliFlag, 'name' | 'value' | 'arg'>): string {
  if (flag.value === 'boolean') return `--${flag.name}`;
  return `--${flag.name} ${flag.arg ?? (flag.value === 'number' ? 'N' : 'VALUE')}`;
}

/** Help rows, aligned: `  --left  right`. */
export function helpRows(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}

/** Help lines for `extra` flags and then the input flags (of `fields`, default all), aligned. */
export function inputFlagsHelp(
  extra: readonly (readonly [string, string])[] = [],
  fields?: readonly InputFieldName[],
): string {
  return helpRows([...extra, ...inputFlagsOf(fields).map((flag) => [flagUsage(flag), flag.help] as const)]);
}
