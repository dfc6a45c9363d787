import { didYouMean } from './did-you-mean';
import { type InputProblem, InputValidationError } from './errors';
import type { DeploymentInput, ResolvedInput } from './input';
import {
  type FieldSpec,
  fieldRules,
  type InputFieldName,
  inputFieldEntries,
  inputFields,
  type ObjectListField,
  type ScheduleMode,
  scheduleModes,
} from './input-fields';
import { planScaledown } from './plan/plan-scaledown';

/**
 * The seed sample's Step Functions event, accepted unchanged. `waitForService` was a fixed sleep
 * before the swap; ecs-taper gates on real health instead, so it now sets how often readiness is
 * polled (never a reason to swap early).
 */
export interface SeedEvent {
  cluster: string;
  nlb: string;
  task_sg: string;
  subnets: string[];
  serviceName: string;
  taskDefinition: string;
  waitForService?: number;
  scaledown_decrement?: number;
  scaledown_wait?: number;
}

const knownFields = inputFieldEntries.map(([name]) => name);
const known = new Set<string>(knownFields);

/** Our field -> the seed's name for it, so an error names the field the caller actually wrote. */
export const seedFieldNames: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(
    inputFieldEntries.flatMap(([name, spec]) => (spec.seedName ? [[name, spec.seedName]] : [])),
  ),
);

const seedOnlyFields = Object.values(seedFieldNames).filter((name) => !known.has(name));

export function isSeedEvent(raw: Record<string, unknown>): boolean {
  return seedOnlyFields.some((field) => field in raw);
}

/** Maps the seed's event onto our fields; anything else in it is validated as usual. */
export function fromSeedEvent(raw: Record<string, unknown>): Record<string, unknown> {
  const mapped: Record<string, unknown> = { ...raw };
  for (const [name, spec] of inputFieldEntries) {
    if (spec.seedName !== undefined && spec.seedName in raw) {
      const value = raw[spec.seedName];
      delete mapped[spec.seedName];
      if (value === undefined) continue;
      // task_sg is one security group in the seed's event; ours is a list.
      mapped[name] = spec.kind.type === 'stringList' && !Array.isArray(value) ? [value] : value;
    }
  }
  for (const [name, spec] of inputFieldEntries) {
    // The seed's sample created its service; discover still refuses a target group another service uses.
    if (spec.seedDefault !== undefined) mapped[name] ??= spec.seedDefault;
  }
  return mapped;
}

function fail(field: string, message: string): never {
  throw new InputValidationError(field, message);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * Validates any runner's input (our fields, or the seed's event) and applies defaults.
 * Throws InputValidationError naming the field and the fix; never touches AWS.
 */
export function parseDeploymentInput(input: unknown): ResolvedInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail(
      'input',
      'must be a JSON object with at least cluster, service, taskDefinition and loadBalancerArn (or productionListenerArns)',
    );
  }
  // `$schema` names the JSON Schema an editor completes the file from (input.schema.json): not an input field.
  const { $schema: _schema, ...fields } = input as Record<string, unknown>;
  if (!isSeedEvent(fields)) return parseFields(fields);
  try {
    return parseFields(fromSeedEvent(fields));
  } catch (error) {
    throw inSeedTerms(error);
  }
}

function inSeedTerms(error: unknown): unknown {
  if (!(error instanceof InputValidationError)) return error;
  return InputValidationError.of(
    error.problems.map((problem) => {
      const [, base = problem.field, index = ''] = /^([^[]+)(.*)$/.exec(problem.field) ?? [];
      const seedName = seedFieldNames[base];
      if (!seedName) return problem;
      return {
        field: `${seedName}${index}`,
        message: `${problem.message} (the seed's ${seedName} is our ${base})`,
      };
    }),
  );
}

function list(words: readonly string[]): string {
  return words.length < 2 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberRange(rule: { min: number; exclusiveMin?: boolean; max?: number }): string {
  return `${rule.exclusiveMin ? '>' : '>='} ${rule.min}${rule.max === undefined ? '' : ` and <= ${rule.max}`}`;
}

type NumberRule = { integer?: boolean; min: number; exclusiveMin?: boolean; max?: number };

function checkNumber(field: string, value: unknown, rule: NumberRule, hint?: string): number {
  if (typeof value === 'string') failString(field, value, rule, hint);
  const bad =
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    (rule.exclusiveMin ? value <= rule.min : value < rule.min) ||
    (rule.max !== undefined && value > rule.max);
  if (bad) {
    const kind = rule.integer ? 'an integer' : 'a number';
    fail(field, `must be ${kind} ${numberRange(rule)}, got ${describe(value)}${hint ? `; ${hint}` : ''}`);
  }
  return value as number;
}

/**
 * A number field's value is a JSON number, never a string, also not "10": the input is JSON (a file, a
 * Lambda or Step Functions event), its schema says number, and a quoted number is usually a templating
 * slip worth seeing. Text is the CLI's: its flags go through numberFromText, the same rule as here.
 */
function failString(field: string, value: string, rule: NumberRule, hint?: string): never {
  const kind = rule.integer ? 'an integer' : 'a number';
  const written = decimalNumber(value, rule.integer === true);
  const fix =
    written === undefined
      ? `write a JSON number${hint ? `; ${hint}` : ''}`
      : `write ${written} without the quotes (a JSON number)`;
  fail(field, `must be ${kind} ${numberRange(rule)}, got the string ${describe(value)}; ${fix}`);
}

const decimalInteger = /^[+-]?\d+$/;
const decimal = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * The number a text writes in decimal (`12`, `-3`, `2.5` where `integer` is false), or undefined: no hex
 * (`0x10`), exponent (`1e3`), Infinity, NaN, empty text or trailing characters (`12abc`), which
 * JavaScript's Number() would take or turn into something nobody wrote.
 */
export function decimalNumber(text: string, integer: boolean): number | undefined {
  const trimmed = text.trim();
  return (integer ? decimalInteger : decimal).test(trimmed) ? Number(trimmed) : undefined;
}

/**
 * A number field's value from text (a CLI flag): decimal digits, with a fraction where the field allows
 * one (its kind in the field table). Throws an InputValidationError naming the field, its range and the
 * fix; the range itself is checked with the field's other rules (parseDeploymentInput, the planner).
 */
export function numberFromText(field: InputFieldName, text: string): number {
  const spec: FieldSpec = inputFields[field];
  if (spec.kind.type !== 'number') throw new TypeError(`${field} is not a number field`);
  const rule = spec.kind;
  const value = decimalNumber(text, rule.integer === true);
  if (value === undefined) {
    const kind = rule.integer ? 'an integer' : 'a number';
    const written = rule.integer ? 'written in decimal digits' : 'written in decimal (like 90 or 2.5)';
    fail(
      field,
      `must be ${kind} ${numberRange(rule)}, ${written}, got ${describe(text)}${spec.hint ? `; ${spec.hint}` : ''}`,
    );
  }
  return value;
}

function checkString(field: string, value: unknown, spec: FieldSpec): string {
  if (typeof value !== 'string' || value.trim() === '') {
    if (spec.required) fail(field, `is required (a non-empty string); ${spec.hint}`);
    fail(field, `must be a non-empty string, got ${describe(value)}${spec.hint ? `; ${spec.hint}` : ''}`);
  }
  const text = value.trim();
  if (spec.kind.type === 'string' && spec.kind.pattern && !spec.kind.pattern.regex.test(text)) {
    fail(field, `must be ${spec.kind.pattern.rule}, got ${describe(text)}`);
  }
  return text;
}

function checkStringList(field: string, value: unknown, spec: FieldSpec, allowEmpty: boolean): string[] {
  if (!Array.isArray(value) || (value.length === 0 && !allowEmpty)) {
    const what = `must be a ${allowEmpty ? '' : 'non-empty '}list of strings`;
    fail(
      field,
      spec.hint ? `${what}; ${spec.hint}` : `${what}, got ${JSON.stringify(value) ?? describe(value)}`,
    );
  }
  return value.map((item: unknown, index) => {
    if (typeof item !== 'string' || item.trim() === '') {
      fail(`${field}[${index}]`, `must be a non-empty string, got ${describe(item)}`);
    }
    return item.trim();
  });
}

function checkObjectList(
  field: string,
  value: unknown,
  fields: Readonly<Record<string, ObjectListField>>,
): Record<string, unknown>[] {
  const names = Object.keys(fields);
  const shape = `{ ${names.map((name) => (fields[name]?.required ? name : `${name}?`)).join(', ')} }`;
  if (!Array.isArray(value) || value.length === 0) fail(field, `must be a non-empty list of ${shape}`);
  return value.map((item: unknown, index) => {
    const at = `${field}[${index}]`;
    if (!isObject(item)) fail(at, `must be an object ${shape}, got ${describe(item)}`);
    for (const key of Object.keys(item)) {
      if (!names.includes(key)) fail(`${at}.${key}`, `is not a field of ${shape}${didYouMean(key, names)}`);
    }
    const entry: Record<string, unknown> = {};
    for (const [name, rule] of Object.entries(fields)) {
      const got = item[name];
      if (got === undefined) {
        if (rule.required) fail(`${at}.${name}`, `is required${rule.hint ? ` (${rule.hint})` : ''}`);
        continue;
      }
      if (rule.kind === 'string') {
        if (typeof got !== 'string' || got.trim() === '') {
          fail(
            `${at}.${name}`,
            `must be a non-empty string, got ${describe(got)}${rule.hint ? ` (${rule.hint})` : ''}`,
          );
        }
        entry[name] = got.trim();
      } else {
        entry[name] = checkNumber(`${at}.${name}`, got, { integer: true, min: rule.min ?? 0, max: rule.max });
      }
    }
    return entry;
  });
}

/** One field by its table entry: the resolved value, or undefined to leave it out. */
function parseField(
  name: InputFieldName,
  spec: FieldSpec,
  value: unknown,
  resolved: Record<string, unknown>,
): unknown {
  const { kind } = spec;
  if (kind.type === 'custom') return kind.parse(value, resolved);
  if (value === undefined) {
    if (spec.required && kind.type === 'string') fail(name, `is required (a non-empty string); ${spec.hint}`);
    return spec.default === undefined ? undefined : structuredClone(spec.default);
  }
  switch (kind.type) {
    case 'string':
      return checkString(name, value, spec);
    case 'number':
      // The planner checks the schedule fields' ranges (one place for its rules), after the walk.
      if (kind.schedule) {
        if (typeof value === 'string') failString(name, value, kind);
        if (typeof value !== 'number')
          fail(name, `must be a number ${numberRange(kind)}, got ${describe(value)}`);
        return value;
      }
      return checkNumber(name, value, kind, spec.hint);
    case 'boolean':
      if (typeof value !== 'boolean') fail(name, `must be true or false, got ${describe(value)}`);
      return value;
    case 'stringList':
      return checkStringList(name, value, spec, kind.allowEmpty === true);
    case 'enum':
      if (!kind.values.includes(value as string)) {
        const hint = typeof value === 'string' ? didYouMean(value, kind.values) : '';
        fail(name, `must be ${list(kind.values)}, got ${describe(value)}${hint}`);
      }
      return value;
    case 'objectList':
      return checkObjectList(name, value, kind.fields);
  }
}

/** The problems `run` throws (InputValidationError), appended to `problems`; true when there were none. */
function collect(problems: InputProblem[], run: () => void): boolean {
  try {
    run();
    return true;
  } catch (error) {
    if (!(error instanceof InputValidationError)) throw error;
    problems.push(...error.problems);
    return false;
  }
}

/** The keys of `raw` that are no input field, each with the field it most likely meant. */
export function unknownFieldProblems(raw: Readonly<Record<string, unknown>>): InputProblem[] {
  return Object.keys(raw)
    .filter((field) => !known.has(field) && field !== '$schema')
    .map((field) => ({
      field,
      message: `is not a known input field${didYouMean(field, knownFields)}; known fields: ${knownFields.join(', ')}`,
    }));
}

/**
 * The planner's problems with the schedule, as many as it finds: planScaledown stops at its first, so
 * the field it names is left out and the rest planned again (a field already reported is not
 * reported twice: leaving out a bad connectionsPerTask would make it "required").
 */
function scheduleProblems(schedule: Record<string, unknown>, reported: Set<string>): InputProblem[] {
  const problems: InputProblem[] = [];
  const options = { ...schedule };
  for (let attempt = 0; attempt <= Object.keys(schedule).length; attempt++) {
    const found: InputProblem[] = [];
    if (collect(found, () => planScaledown({ desiredCount: 1, ...options }))) break;
    const fresh = found.filter((problem) => !reported.has(problem.field));
    if (fresh.length === 0) break;
    for (const problem of fresh) reported.add(problem.field);
    problems.push(...fresh);
    const field = found[0]?.field as string;
    if (!(field in options)) break;
    delete options[field];
  }
  return problems;
}

/** Walks the field table over `raw`, then checks the rules between fields and the schedule (planner). */
function parseFields(raw: Record<string, unknown>): ResolvedInput {
  // Every problem is collected and reported at once; a check that depends on a field that failed is
  // skipped, since it would only repeat that failure in other words.
  const problems: InputProblem[] = unknownFieldProblems(raw);
  const failed = new Set<string>();
  const resolved: Record<string, unknown> = {};
  let customFailed = false;
  for (const [name, spec] of inputFieldEntries) {
    // A custom field (steps) reads those resolved before it (hooks): not when one of them failed.
    if (spec.kind.type === 'custom' && customFailed) continue;
    const ok = collect(problems, () => {
      const value = parseField(name, spec, raw[name], resolved);
      if (value !== undefined) resolved[name] = value;
    });
    if (!ok) {
      failed.add(name);
      if (spec.kind.type === 'custom') customFailed = true;
    }
  }
  for (const rule of fieldRules) {
    if (rule.kind === 'needs' || rule.planner || rule.fields.some((field) => failed.has(field))) continue;
    const given = rule.fields.filter((field) => resolved[field] !== undefined);
    if (rule.kind === 'oneOf' && given.length === 0)
      problems.push({ field: rule.field, message: rule.message });
    if (rule.kind === 'notBoth' && given.length === rule.fields.length) {
      problems.push({ field: rule.field, message: rule.message });
    }
  }
  // The scale-down schedule fields are the planner's options: the planner validates them (one place for
  // the rules), here on a one-task service so bad input fails before any AWS call.
  const schedule = Object.fromEntries(
    inputFieldEntries
      .filter(([name, { kind }]) => kind.type === 'number' && kind.schedule && resolved[name] !== undefined)
      .map(([name]) => [name, resolved[name]]),
  );
  problems.push(...scheduleProblems(schedule, failed));
  if (problems.length > 0) throw InputValidationError.of(problems);
  return resolved as unknown as ResolvedInput;
}

/**
 * `base` with `overrides` over it, the schedule replaced rather than combined: when `overrides` sets
 * schedule fields (scheduleModes), base keeps only those of its schedule fields that belong to a mode
 * the overriding ones choose. `--decrement-tasks 2` over a file's decrementPercent 25 / intervalSeconds
 * 60 keeps the interval (task mode has one) and drops the percent; `--over 3m` drops both. Overrides
 * that contradict each other choose no mode and keep nothing of base's schedule: the planner refuses
 * them as given.
 */
export function overrideInput(
  base: Readonly<Record<string, unknown>>,
  overrides: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const modesOf = (field: string) => scheduleModes[field as InputFieldName];
  const chosen = Object.keys(overrides)
    .filter((field) => overrides[field] !== undefined)
    .map(modesOf)
    .filter((modes): modes is readonly ScheduleMode[] => modes !== undefined);
  if (chosen.length === 0) return { ...base, ...overrides };
  const modes = chosen.reduce((kept, next) => kept.filter((mode) => next.includes(mode)));
  const kept = Object.fromEntries(
    Object.entries(base).filter(([field]) => {
      const own = modesOf(field);
      return own === undefined || own.some((mode) => modes.includes(mode));
    }),
  );
  return { ...kept, ...overrides };
}

export type { DeploymentInput };
