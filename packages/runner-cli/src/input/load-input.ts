import { readFileSync } from 'node:fs';
import { fromSeedEvent, seedFieldNames } from '@ecs-taper/core/workflow';
import { UsageError } from '../exit-codes';
import { flagForField, inputFromFlags } from './input-flags';
import { stepFlagsInput } from './step-flags';

/** Where an input came from: defaults (e.g. the simulator's world), then the file, then flags. */
export interface InputSources {
  /** Our field names: the file (normalised from the seed's event when it is one), defaults and flags merged. */
  merged: Record<string, unknown>;
  flagFields: Set<string>;
  file: { path: string; seed: boolean; fields: Set<string> } | undefined;
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
 * event JSON, unchanged), then flags, each overriding the one before.
 */
export function collectInput(
  values: Record<string, unknown>,
  defaults: Record<string, unknown> = {},
): InputSources {
  let file: InputSources['file'];
  let fromFile: Record<string, unknown> = {};
  if (typeof values.input === 'string') {
    const raw = readJsonFile(values.input);
    const seed = Object.keys(raw).some((key) => Object.values(seedFieldNames).includes(key));
    fromFile = fromSeedEvent(raw);
    file = { path: values.input, seed, fields: new Set(Object.keys(fromFile)) };
  }
  const flags = { ...inputFromFlags(values), ...stepFlagsInput(values, file?.fields) };
  return { merged: { ...defaults, ...fromFile, ...flags }, flagFields: new Set(Object.keys(flags)), file };
}

/** Keeps only the given fields (status and plan need a part of the input). */
export function pick(input: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.filter((f) => input[f] !== undefined).map((f) => [f, input[f]]));
}

/**
 * Runs core's validation and turns an InputValidationError into a UsageError (exit 2) whose message
 * names the field where the user wrote it: the flag, or the file (in the seed's terms if it is one).
 */
export function validated<T>(sources: InputSources, validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'InputValidationError') throw error;
    const field = (error as Error & { field: string }).field;
    const detail = error.message.startsWith(`${field}: `)
      ? error.message.slice(field.length + 2)
      : error.message;
    throw new UsageError(`invalid input: ${where(field, sources)}: ${detail}`, field);
  }
}

/** `validated` for a validation that is part of an async call (describeDeployment checks its input first). */
export async function validatedAsync<T>(sources: InputSources, validate: () => Promise<T>): Promise<T> {
  try {
    return await validate();
  } catch (error) {
    return validated(sources, () => {
      throw error;
    });
  }
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
