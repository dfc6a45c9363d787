import { type ParseArgsConfig, parseArgs } from 'node:util';
import { UsageError } from './exit-codes';
import { type CommandFlags, type CommandName, commandFlags, commandOptions } from './input/command-flags';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses `command`'s arguments with exactly its declared flags (input/command-flags.ts, the same
 * declarations its --help is generated from), strictly: an unknown flag, a missing value or a stray
 * argument is a UsageError (exit 2) that names the flag and points at the command's --help.
 */
export function parseCommandArgs(
  command: CommandName,
  args: string[],
): { values: Record<string, unknown>; positionals: string[] } {
  const options: Options = commandOptions(command);
  const allowPositionals = (commandFlags[command] as CommandFlags).positionals === true;
  try {
    const parsed = parseArgs({ args, options, strict: true, allowPositionals });
    return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
  } catch (error) {
    const e = error as Error & { code?: string };
    const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
    const flag = quoted.split(' ')[0] ?? quoted;
    const help = `run \`ecs-taper ${command} --help\` for the flags it takes`;
    switch (e.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`unknown flag ${flag}; ${help}`, flag);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        throw new UsageError(`${flag} needs a value (${quoted}); ${help}`, flag);
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new UsageError(`unexpected argument ${JSON.stringify(quoted)}; ${help}`, quoted);
      default:
        throw new UsageError(`${e.message}; ${help}`);
    }
  }
}

/** A whole number or decimal flag value, or a UsageError naming the flag. */
export function numberFlag(
  value: unknown,
  flag: string,
  rule: { min: number; integer?: boolean; fix: string },
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(String(value).trim());
  if (
    String(value).trim() === '' ||
    !Number.isFinite(n) ||
    n < rule.min ||
    (rule.integer && !Number.isInteger(n))
  ) {
    const kind = rule.integer ? 'an integer' : 'a number';
    throw new UsageError(
      `${flag} must be ${kind} >= ${rule.min}, got ${JSON.stringify(value)}; ${rule.fix}`,
      flag,
    );
  }
  return n;
}

/** One of `allowed`, or a UsageError listing them. */
export function choiceFlag<T extends string>(
  value: unknown,
  flag: string,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`${flag} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`, flag);
  }
  return value as T;
}
