/**
 * The one place where command-line flags map to core's deployment input fields. The flags come from
 * core's field table (input-fields.ts: a field's flag name, value kind and help), so a flag means the
 * same thing in every command and an error can name the flag of a field. The step and hook shorthands
 * (`--canary`, `--hook`, ...) are table flags too; step-flags.ts expands them.
 */
import { InputValidationError } from '@ecs-taper/core';
import {
  type CliFlag,
  decimalNumber,
  type FieldKind,
  type InputFieldName,
  type InputProblem,
  inputFieldEntries,
  inputFields,
  numberFromText,
} from '@ecs-taper/core/workflow';
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
 * Input fields given as flags (of `fields`, default all; not the shorthands: see step-flags.ts). A number
 * is read by core's rule for text (numberFromText: decimal digits, a fraction where the field allows one;
 * no `0x10`, `1e3`, `Infinity` or `12abc`); its range is checked with the rest of the input. A value that
 * does not read goes to `problems` (the field left out, so every problem is reported at once), or is
 * thrown as core's InputValidationError without `problems`.
 */
export function inputFromFlags(
  values: Record<string, unknown>,
  fields?: readonly InputFieldName[],
  problems?: InputProblem[],
): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const found: InputProblem[] = [];
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
      case 'number': {
        const read = flag.arg === 'DURATION' ? durationFromText : numberFromText;
        try {
          input[flag.field] = read(flag.field, String(value));
        } catch (error) {
          if (!(error instanceof InputValidationError)) throw error;
          found.push(...error.problems);
        }
        break;
      }
      case 'list':
        input[flag.field] = (value as string[])
          .flatMap((item) => item.split(','))
          .map((item) => item.trim())
          .filter((item) => item !== '');
        break;
    }
  }
  if (problems) problems.push(...found);
  else if (found.length > 0) throw InputValidationError.of(found);
  return input;
}

const durationUnits: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 };

/**
 * A DURATION flag's seconds: decimal seconds, or with a unit (`90s`, `3m`, `1h`). Anything else is a
 * problem naming the field, its range and the forms.
 */
export function durationFromText(field: InputFieldName, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([smh]?)\s*$/i.exec(text);
  const seconds = match ? decimalNumber(match[1] as string, false) : undefined;
  if (match && seconds !== undefined) return seconds * (durationUnits[(match[2] ?? '').toLowerCase()] ?? 1);
  const kind: FieldKind = inputFields[field].kind;
  const range =
    kind.type === 'number' ? ` ${kind.exclusiveMin ? '>' : '>='} ${kind.min} and <= ${kind.max} s` : '';
  const message = `must be a duration${range}: seconds, or with a unit like 90s, 3m or 1h; got ${JSON.stringify(text)}`;
  throw new InputValidationError(field, message);
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
