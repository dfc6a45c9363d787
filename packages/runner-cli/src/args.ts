import { type ParseArgsConfig, parseArgs } from 'node:util';
import { closestName, decimalNumber } from '@ecs-taper/core/workflow';
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
    const parsed = parseArgs({
      args: negativeValues(args, options),
      options,
      strict: true,
      allowPositionals,
    });
    return { values: parsed.values as Record<string, unknown>, positionals: parsed.positionals };
  } catch (error) {
    const e = error as Error & { code?: string };
    const quoted = /'([^']+)'/.exec(e.message)?.[1] ?? '';
    const flag = quoted.split(' ')[0] ?? quoted;
    const help = `run \`ecs-taper ${command} --help\` for the flags it takes`;
    switch (e.code) {
      case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
        throw new UsageError(`unknown flag ${flag}${unknownFlagHint(command, flag)}; ${help}`, flag);
      case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
        throw new UsageError(`${flag} needs a value (${quoted}); ${help}`, flag);
      case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
        throw new UsageError(`unexpected argument ${JSON.stringify(quoted)}; ${help}`, quoted);
      default:
        throw new UsageError(`${e.message}; ${help}`);
    }
  }
}

/**
 * `--desired-count -3` as `--desired-count=-3`: parseArgs takes any argument that starts with a dash
 * for a flag, so a negative number would be "a missing value" instead of the value it is (which the
 * flag's range then refuses, naming it). Only for flags that take a value, only for numbers.
 */
function negativeValues(args: readonly string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    const next = args[i + 1];
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    if (name && options[name]?.type === 'string' && next !== undefined && /^-(?:\d|\.\d)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/** ` (did you mean --interval?)`, or where the flag belongs when it is another command's. */
function unknownFlagHint(command: CommandName, flag: string): string {
  const name = flag.replace(/^-+/, '');
  const own = Object.keys(commandOptions(command));
  const meant = closestName(name, own);
  if (meant) return ` (did you mean --${meant}?)`;
  const elsewhere = (Object.keys(commandFlags) as CommandName[]).filter(
    (other) => other !== command && name in commandOptions(other),
  );
  return elsewhere.length > 0 ? ` (${command} does not use it; it is a flag of ${elsewhere.join(', ')})` : '';
}

/** A whole number or decimal flag value (decimal digits only, as core reads text), or a UsageError naming the flag. */
export function numberFlag(
  value: unknown,
  flag: string,
  rule: { min: number; integer?: boolean; fix: string },
): number | undefined {
  if (value === undefined) return undefined;
  const n = decimalNumber(String(value), rule.integer === true);
  if (n === undefined || n < rule.min) {
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
