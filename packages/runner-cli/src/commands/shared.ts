import type { DeploymentEmitter, DeploymentEvent } from '@ecs-taper/core';
import type { CommandIo } from '../cli';
import { backendFlags, type CommandName, commandOptions } from '../input/command-flags';
import { inputFlags } from '../input/input-flags';
import { shorthandFlags } from '../input/step-flags';
import { paint } from '../render/terminal';

/** The last line of a deployment for people: its outcome, green when it is what was asked for, and why. */
export function printOutcome(io: CommandIo, ok: boolean, outcome: string, reason: string): void {
  io.stdout.write(`${paint(io.stdout, ok ? 'green' : 'red', outcome)}: ${reason}\n`);
}

/** Quotes an argument for a POSIX shell when it needs it. */
function shellQuote(arg: string): string {
  return /^[A-Za-z0-9_./:=,@%+-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", "'\\''")}'`;
}

/** The command line that resumes this run: the same command again (a global flag may come before it). */
export function sameCommand(command: string, argv: readonly string[] = process.argv.slice(2)): string {
  const at = argv.indexOf(command);
  const rest = at < 0 ? argv : [...argv.slice(0, at), ...argv.slice(at + 1)];
  return ['ecs-taper', command, ...rest].map(shellQuote).join(' ');
}

/** The input fields `status` (core's describeDeployment) reads. */
export const statusFields = [
  'cluster',
  'service',
  'loadBalancerArn',
  'productionListenerArns',
  'testListenerArn',
  'testListenerPort',
] as const;

/** Flags that name where the deployment and its input are: `--input`, the AWS access flags. */
const placeFlags = ['input', ...Object.keys(backendFlags)];

/**
 * The one place where a command line for another command is rebuilt from this run's parsed flags:
 * `ecs-taper promote ...`, `ecs-taper abort ...` with the same deployment input (--input FILE, every input
 * flag given, steps and hooks shorthands included, so the command continues the same list of steps) and
 * the same AWS access (--region, --profile, --simulator). This command's own flags (--json, --take-over,
 * --state-machine...) are left out.
 */
export function commandLine(
  command: string,
  values: Record<string, unknown>,
  extra: Record<string, string | undefined> = {},
): string {
  const args: string[] = [];
  const add = (name: string, value: unknown) => {
    if (value === undefined || value === false) return;
    if (Array.isArray(value)) for (const item of value) add(name, item);
    else if (value === true) args.push(`--${name}`);
    else args.push(`--${name}`, String(value));
  };
  add('input', values.input);
  // Only the flags `command` takes (status and rollback take fewer than deploy). In the table's order:
  // the identifying fields (cluster, service, task definition, listeners) come first.
  const takes = commandOptions(command as CommandName);
  for (const name of Object.keys(inputFlags)) if (name in takes) add(name, values[name]);
  for (const [name, value] of Object.entries(extra)) if (values[name] === undefined) add(name, value);
  for (const name of placeFlags) if (name !== 'input') add(name, values[name]);
  return ['ecs-taper', command, ...args].map(shellQuote).join(' ');
}

/** Whether the run's flags name its steps (--input FILE or a steps shorthand): then promote continues the same list. */
export function namesSteps(values: Record<string, unknown>): boolean {
  return (
    values.input !== undefined ||
    shorthandFlags.steps.some((name) => values[name] !== undefined && values[name] !== false)
  );
}

/**
 * Calls `show` once per pause the deployment waits at (every poll of a pause step emits a waiting event
 * that carries `paused`), with the deployment id and the pause's place in the list.
 */
export function onEachPause(
  events: DeploymentEmitter,
  show: (deploymentId: string, paused: { step: number; steps: number }) => void,
): void {
  let shown: number | undefined;
  events.on('event', (event: DeploymentEvent) => {
    if (event.type !== 'waiting') return;
    if (!event.paused) shown = undefined;
    else if (shown !== event.paused.step) {
      shown = event.paused.step;
      show(event.deploymentId, event.paused);
    }
  });
}

/** The lines that say how to continue a deployment waiting at a pause, or roll it back. */
export function pauseHint(values: Record<string, unknown>, extra: Record<string, string | undefined> = {}) {
  return [
    `  continue:   ${commandLine('promote', values, extra)}`,
    `  roll back:  ${commandLine('abort', values, extra)}`,
  ];
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
