import { didYouMean } from './did-you-mean';
import { InputValidationError } from './errors';
import type { DeploymentInput, ResolvedInput } from './input';
import {
  type FieldSpec,
  fieldRules,
  type InputFieldName,
  inputFieldEntries,
  type ObjectListField,
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
  const [, base = error.field, index = ''] = /^([^[]+)(.*)$/.exec(error.field) ?? [];
  const seedName = seedFieldNames[base];
  if (!seedName) return error;
  const detail = error.message.slice(error.field.length + 2);
  return new InputValidationError(`${seedName}${index}`, `${detail} (the seed's ${seedName} is our ${base})`);
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

function checkNumber(
  field: string,
  value: unknown,
  rule: { integer?: boolean; min: number; exclusiveMin?: boolean; max?: number },
  hint?: string,
): number {
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
        if (typeof value !== 'number') fail(name, `must be a number, got ${describe(value)}`);
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

/** Walks the field table over `raw`, then checks the rules between fields and the schedule (planner). */
function parseFields(raw: Record<string, unknown>): ResolvedInput {
  for (const field of Object.keys(raw)) {
    if (!known.has(field)) {
      fail(
        field,
        `is not a known input field${didYouMean(field, knownFields)}; known fields: ${knownFields.join(', ')}`,
      );
    }
  }
  const resolved: Record<string, unknown> = {};
  for (const [name, spec] of inputFieldEntries) {
    const value = parseField(name, spec, raw[name], resolved);
    if (value !== undefined) resolved[name] = value;
  }
  for (const rule of fieldRules) {
    if (rule.kind === 'needs' || rule.planner) continue;
    const given = rule.fields.filter((field) => resolved[field] !== undefined);
    if (rule.kind === 'oneOf' && given.length === 0) fail(rule.field, rule.message);
    if (rule.kind === 'notBoth' && given.length === rule.fields.length) fail(rule.field, rule.message);
  }
  // The scale-down schedule fields are the planner's options: the planner validates them (one place for
  // the rules), here on a one-task service so bad input fails before any AWS call.
  const schedule = Object.fromEntries(
    inputFieldEntries
      .filter(([name, { kind }]) => kind.type === 'number' && kind.schedule && resolved[name] !== undefined)
      .map(([name]) => [name, resolved[name]]),
  );
  planScaledown({ desiredCount: 1, ...schedule });
  return resolved as unknown as ResolvedInput;
}

export type { DeploymentInput };
