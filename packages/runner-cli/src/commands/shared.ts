import { backendOptions } from '../backend';
import type { CommandIo } from '../cli';
import { inputFlagOptions } from '../input/input-flags';
import { paint } from '../render/terminal';

/** Flags of the commands that take a deployment input and talk to AWS (deploy, rollback, status). */
export function inputCommandOptions() {
  return {
    ...inputFlagOptions(),
    input: { type: 'string' },
    json: { type: 'boolean' },
    ...backendOptions,
  } as const;
}

/** Quotes an argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** The command line that resumes this run: the same command again. */
export function sameCommand(command: string): string {
  return ['ecs-taper', command, ...process.argv.slice(3)].map(shellQuote).join(' ');
}

/**
 * Ctrl-C (SIGINT) aborts `controller`: the deployment stops between two AWS calls. A second Ctrl-C
 * exits at once. Returns a function that removes the handler.
 */
export function abortOnInterrupt(
  controller: AbortController,
  io: CommandIo,
  say: (line: string) => void,
): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) {
      io.stderr.write('\nstopped at once (second Ctrl-C); the next run resumes from the real state\n');
      process.exit(130);
    }
    say(paint(io.stdout, 'yellow', 'stopping after the current AWS call (Ctrl-C again to quit at once)...'));
    controller.abort(new Error('interrupted by Ctrl-C'));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
