import type { CommandIo } from '../cli';
import { paint } from '../render/terminal';

/** The last line of a deployment for people: its outcome, green when it is what was asked for, and why. */
export function printOutcome(io: CommandIo, ok: boolean, outcome: string, reason: string): void {
  io.stdout.write(`${paint(io.stdout, ok ? 'green' : 'red', outcome)}: ${reason}\n`);
}

/** Quotes an argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** The command line that resumes this run: the same command again. */
export function sameCommand(command: string): string {
  return ['ecs-taper', command, ...process.argv.slice(3)].map(shellQuote).join(' ');
}

/** What Ctrl-C says: a local deployment stops; waiting for a Step Functions execution stops only the waiting. */
export const interruptMessages = {
  local: {
    stopping: 'stopping after the current AWS call (Ctrl-C again to quit at once)...',
    quit: 'stopped at once (second Ctrl-C); the next run resumes from the real state',
  },
  durable: {
    stopping: 'stopping to wait; the deployment goes on in Step Functions (Ctrl-C again to quit at once)...',
    quit: 'stopped waiting at once (second Ctrl-C); the deployment goes on in Step Functions',
  },
} as const;

/**
 * Ctrl-C (SIGINT) aborts `controller`: the deployment stops between two AWS calls (or, for a Step
 * Functions deployment, the waiting stops). A second Ctrl-C exits at once. Returns a function that
 * removes the handler.
 */
export function abortOnInterrupt(
  controller: AbortController,
  io: CommandIo,
  say: (line: string) => void,
  messages: { stopping: string; quit: string } = interruptMessages.local,
): () => void {
  let count = 0;
  const handler = () => {
    count++;
    if (count > 1) {
      io.stderr.write(`\n${messages.quit}\n`);
      process.exit(130);
    }
    say(paint(io.stdout, 'yellow', messages.stopping));
    controller.abort(new Error('interrupted by Ctrl-C'));
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
