import { readFileSync } from 'node:fs';
import {
  fromSeedEvent,
  type InputProblem,
  overrideInput,
  seedFieldNames,
  unknownFieldProblems,
} from '@ecs-taper/core/workflow';
import { UsageError } from '../exit-codes';
import { flagForField, inputFromFlags } from './input-flags';
import { stepFlagsInput } from './step-flags';

/** Where an input came from: defaults (e.g. the simulator's world), then the file, then flags. */
export interface InputSources {
  /** Our field names: the file (normalised from the seed's event when it is one), defaults and flags merged. */
  merged: Record<string, unknown>;
  flagFields: Set<string>;
  file: { path: string; seed: boolean; fields: Set<string> } | undefined;
  /**
   * Problems found while reading the flags and the file (a number flag that is no decimal number, a key
   * of the file that is no field), reported with core's at validation, all at once.
   */
  problems?: InputProblem[];
}

function readJsonFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(error);
    throw new UsageError(
      `--input ${path}: cannot read it (${reason}); pass a JSON file with the deployment input`,
      'input',
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--input ${path}: not valid JSON (${(error as Error).message})`, 'input');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new UsageError(
      `--input ${path}: must hold a JSON object, e.g. {"cluster": "...", "service": "..."}`,
      'input',
    );
  }
  return raw as Record<string, unknown>;
}

/**
 * Collects the deployment input: `defaults`, then the `--input` file (our flat input or the seed's
 * event JSON, unchanged), then flags, each overriding the one before; a schedule mode replaces the one
 * before it (core's overrideInput), so `--over 3m` over a file's 25 %/60 s is window mode, not a
 * contradiction.
 */
export function collectInput(
  values: Record<string, unknown>,
  defaults: Record<string, unknown> = {},
): InputSources {
  let file: InputSources['file'];
  let fromFile: Record<string, unknown> = {};
  const problems: InputProblem[] = [];
  if (typeof values.input === 'string') {
    const raw = readJsonFile(values.input);
    const seed = Object.keys(raw).some((key) => Object.values(seedFieldNames).includes(key));
    fromFile = fromSeedEvent(raw);
    file = { path: values.input, seed, fields: new Set(Object.keys(fromFile)) };
    // Also for the commands that read a part of the input (status): a misspelt key is never ignored.
    problems.push(...unknownFieldProblems(fromFile));
  }
  const flagProblems: InputProblem[] = [];
  const flags = {
    ...inputFromFlags(values, undefined, flagProblems),
    ...stepFlagsInput(values, file?.fields),
  };
  problems.push(...flagProblems);
  const flagFields = new Set([...Object.keys(flags), ...flagProblems.map((problem) => problem.field)]);
  const merged = overrideInput(overrideInput(defaults, fromFile), flags);
  return { merged, flagFields, file, problems };
}

/** Keeps only the given fields (status and plan need a part of the input). */
export function pick(input: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => input[f] !== undefined).map((f) => [f, input[f]]));
}

/**
 * Runs core's validation and turns its InputValidationError, with the problems found reading the flags
 * and the file, into one UsageError (exit 2) with a line per problem, each naming the field where the
 * user wrote it: the flag, or the file (in the seed's terms if it is one).
 */
export function validated<T>(sources: InputSources, validate: () => T): T {
  let result: T | undefined;
  let found: readonly InputProblem[] = [];
  try {
    result = validate();
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'InputValidationError') throw error;
    const { field, problems } = error as Error & { field: string; problems?: readonly InputProblem[] };
    found = problems ?? [{ field, message: error.message.replace(`${field}: `, '') }];
  }
  const problems = allProblems(sources.problems ?? [], found);
  if (problems.length > 0) throw usageError(problems, sources);
  return result as T;
}

/**
 * `validated` for a validation that is part of an async call (describeDeployment checks its input first).
 * The problems of the flags and the file are reported before the call is made.
 */
export async function validatedAsync<T>(sources: InputSources, validate: () => Promise<T>): Promise<T> {
  if (sources.problems?.length) throw usageError(sources.problems, sources);
  try {
    return await validate();
  } catch (error) {
    return validated(sources, () => {
      throw error;
    });
  }
}

/**
 * The problems of the flags and the file, then core's, each once: core says nothing more about a field
 * whose flag did not read (left out of the input, it would only be "required"), nor repeats a problem.
 */
function allProblems(own: readonly InputProblem[], core: readonly InputProblem[]): InputProblem[] {
  const base = (field: string) => field.replace(/[[.].*$/, '');
  const ownFields = new Set(own.map((problem) => base(problem.field)));
  const seen = new Set<string>();
  return [...own, ...core.filter((problem) => !ownFields.has(base(problem.field)))].filter((problem) => {
    const key = `${problem.field}: ${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function usageError(problems: readonly InputProblem[], sources: InputSources): UsageError {
  const lines = problems.map(
    (problem) => `invalid input: ${where(problem.field, sources)}: ${problem.message}`,
  );
  return new UsageError(lines.join('\n'), problems[0]?.field);
}

function where(field: string, sources: InputSources): string {
  const base = field.replace(/[[.].*$/, '');
  const flag = flagForField(field);
  if (sources.flagFields.has(base)) return flag ? `${flag} (${field})` : field;
  const file = sources.file;
  if (file?.fields.has(base)) {
    const seedName = file.seed ? seedFieldNames[base] : undefined;
    const named = seedName ? `${field.replace(base, seedName)} (our ${base})` : field;
    return `${named} in ${file.path}${flag ? ` (or ${flag})` : ''}`;
  }
  return flag ? `${field} (${flag})` : field;
}
