/**
 * Every command's --help lists exactly the flags its parser accepts: both come from the same
 * declarations (src/input/command-flags.ts, input flags from core's field table). The help is read from
 * the built CLI, the parser is the one the commands call (parseCommandArgs by command name).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputFieldEntries } from '@ecs-taper/core/workflow';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../src/args';
import { type CommandName, commandFlags, commandOptions } from '../src/input/command-flags';
import { inputFlags } from '../src/input/input-flags';
import { shorthandFlags } from '../src/input/step-flags';
import { runCli } from './helpers';

const commands = Object.keys(commandFlags) as CommandName[];

/** `--flag` -> its help text, from the `  --flag ARG   text` lines of a help output. */
function listedFlags(help: string): Map<string, string> {
  const flags = new Map<string, string>();
  for (const line of help.split('\n')) {
    const match = /^ {2}(--[a-z0-9-]+)(?: [^ ]+)?\s{2,}(.*)$/.exec(line);
    if (match && match[1] !== '--help') flags.set(match[1] as string, (match[2] as string).trim());
  }
  return flags;
}

describe('generated help', () => {
  it('has an entry for every command the main help lists, and no other', async () => {
    const main = (await runCli(['--help'])).stdout;
    const section = main.slice(main.indexOf('Commands:'), main.indexOf('Run `ecs-taper'));
    const listed = [...section.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...commands].sort());
  });

  it.each(commands)(
    '%s --help lists exactly the flags its parser accepts, each with help',
    async (command) => {
      const result = await runCli([command, '--help']);
      expect(result.code).toBe(0);
      const listed = listedFlags(result.stdout);
      const accepted = Object.keys(commandOptions(command)).map((name) => `--${name}`);
      expect([...listed.keys()].sort()).toEqual(accepted.sort());
      for (const [flag, help] of listed) expect(help, flag).toMatch(/\w{3}/);
      // What the help lists, the parser takes: a value for string flags, none for boolean ones.
      for (const flag of listed.keys()) {
        const option = commandOptions(command)[flag.slice(2)];
        const args = option?.type === 'boolean' ? [flag] : [flag, '1'];
        expect(() => parseCommandArgs(command, args), `${command} ${flag}`).not.toThrow();
      }
      expect(() => parseCommandArgs(command, ['--not-a-flag'])).toThrow(/unknown flag --not-a-flag/);
    },
  );

  it('declares no flag twice in a command', () => {
    for (const command of commands) expect(() => commandOptions(command)).not.toThrow();
  });

  it('has every command parse through parseCommandArgs: no parseArgs options outside the declarations', () => {
    const src = fileURLToPath(new URL('../src', import.meta.url));
    const files = readdirSync(src, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
      .map((entry) => join(entry.parentPath, entry.name));
    const callers = files.filter((file) => /\bparseArgs\(/.test(readFileSync(file, 'utf8')));
    expect(callers.map((file) => file.slice(src.length + 1))).toEqual(['args.ts']);
  });

  it('maps every input field with a flag to it, and the shorthands to the fields step-flags builds', () => {
    for (const [field, spec] of inputFieldEntries) {
      for (const flag of spec.flags ?? []) expect(inputFlags[flag.name]?.field).toBe(field);
    }
    const shorthands = Object.values(inputFlags).filter((flag) => flag.shorthand);
    expect(shorthands.map((flag) => `${flag.field} --${flag.name}`).sort()).toEqual(
      Object.entries(shorthandFlags)
        .flatMap(([field, names]) => names.map((name) => `${field} --${name}`))
        .sort(),
    );
  });
});
