import type {
  AwsClients,
  Clock,
  DeploymentEmitter,
  DeploymentEvent,
  DeploymentResult,
  HookRunner,
  ResolvedInput,
} from '@ecs-taper/core';
import { parseCommandArgs } from '../args';
import { type Backend, prepareBackend } from '../backend';
import type { CommandIo } from '../cli';
import { ExitCode } from '../exit-codes';
import { cliHookRunner } from '../hooks/cli-hook-runner';
import { collectInput, pick, validated } from '../input/load-input';
import { attachReporter, outputMode } from '../render/reporter';
import { paint } from '../render/terminal';
import {
  abortOnInterrupt,
  commandLine,
  onEachPause,
  pauseHint,
  printOutcome,
  sameCommand,
  statusFields,
} from './shared';

export interface RunContext {
  clients: AwsClients;
  clock: Clock;
  input: Record<string, unknown>;
  /** The input as core resolved it (validated). */
  resolved: ResolvedInput;
  events: DeploymentEmitter;
  signal: AbortSignal;
  /** --take-over: take the deployment's lease even if another controller's has not expired (core's takeOver). */
  takeOver: boolean;
  values: Record<string, unknown>;
  /** Runs the input's hooks: shell commands here, URLs, Lambda functions through runner-lambda. */
  hooks: HookRunner;
  /** Prints a line for people: above the progress, or on stderr with --json. */
  say: (line: string) => void;
  /** Lines printed just before the first event is shown (what a promote or abort marked, before its progress). */
  intro: (lines: string[]) => void;
}

export type RunCommand = 'deploy' | 'rollback' | 'promote' | 'abort';

/**
 * A run's parsed flags, input (validated), backend, clients and clock. `access` may adjust the flags the
 * backend is opened with (a dry run of a Step Functions deploy reads the state machine's region).
 */
export async function prepareRun(
  command: RunCommand,
  args: string[],
  access: (values: Record<string, unknown>) => Record<string, unknown> = (values) => values,
) {
  const { values } = parseCommandArgs(command, args);
  const backend = await prepareBackend(access(values));
  const core = await import('@ecs-taper/core');
  const sources = collectInput(values, backend.defaults);
  const resolved = validated(sources, () => core.parseDeploymentInput(sources.merged));
  const { clients, clock } = await backend.open(sources.merged);
  return { core, values, backend, input: sources.merged, resolved, clients, clock };
}

/**
 * What deploy, rollback, promote and abort share: input from flags and file, the backend, hooks, progress
 * (live, plain or JSON lines), how to go on at a pause, Ctrl-C between AWS calls, and the exit code from
 * the outcome.
 */
export async function runDeployment(
  command: RunCommand,
  args: string[],
  io: CommandIo,
  start: (ctx: RunContext) => Promise<DeploymentResult>,
  success: DeploymentResult['outcome'],
  prepared?: Awaited<ReturnType<typeof prepareRun>>,
): Promise<number> {
  const { core, values, backend, input, resolved, clients, clock } =
    prepared ?? (await prepareRun(command, args));
  const events = new core.DeploymentEmitter();
  const mode = outputMode(values.json === true, io.stdout);
  // Registered before the reporter, so these lines come before the first event's.
  let introLines: string[] = [];
  events.once('event', () => {
    for (const line of introLines) say(line);
    introLines = [];
  });
  const reporter = attachReporter(events, mode, io.stdout, {
    now: () => clock.now(),
    title: `${command} ${resolved.service}`,
    command,
  });
  const controller = new AbortController();
  const say = mode === 'json' ? (line: string) => io.stderr.write(`${line}\n`) : reporter.note;
  const hooks = await hookRunnerFor(resolved, backend, values, say, core.hookTimeoutMaxSeconds);
  const followed = followDeployment(events, values, say, io);
  const release = abortOnInterrupt(controller, io, say);
  try {
    const result = await start({
      clients,
      clock,
      input,
      resolved,
      events,
      signal: controller.signal,
      takeOver: values['take-over'] === true,
      values,
      hooks,
      say,
      intro: (lines) => {
        introLines = lines;
      },
    });
    reporter.stop();
    if (mode !== 'json') printOutcome(io, result.outcome === success, result.outcome, result.reason);
    return result.outcome === success ? ExitCode.ok : ExitCode.failed;
  } catch (error) {
    reporter.stop();
    if (error instanceof Error && error.name === 'DeploymentAbortedError') {
      io.stderr.write(`${error.message}.\nTo resume:\n  ${sameCommand(command)}\n`);
      return ExitCode.interrupted;
    }
    if (error instanceof Error && error.name === 'DeploymentLockedError' && followed.ranPhases()) {
      // Our lease went to another controller while we drove it: `ecs-taper abort` (which takes it at once),
      // or a promote or deploy with --take-over. It drives the deployment now; this process stops.
      const id = (error as Error & { runningDeploymentId: string }).runningDeploymentId;
      // The abort mark may not have been seen here before the lease was taken: ask AWS.
      const marked = await core
        .describeDeployment(clients, pick(input, statusFields) as never)
        .then((snapshot) => snapshot.deploymentInProgress?.abortRequested === true)
        .catch(() => false);
      const why =
        followed.aborted() || marked
          ? `deployment ${id} was aborted (\`ecs-taper abort\`): that process took it over and rolls it back`
          : `another controller took deployment ${id} over (--take-over) and drives it now`;
      io.stderr.write(
        `ecs-taper ${command}: ${why}; this process stopped.\n  follow it:  ${commandLine('status', values)}\n`,
      );
      return ExitCode.failed;
    }
    throw error;
  } finally {
    release();
  }
}

/**
 * Watches the events for what the user has to act on: a pause (how to continue or roll back, once per
 * pause), and whether phases ran (a lease lost after that is a take-over, not a refusal).
 */
function followDeployment(
  events: DeploymentEmitter,
  values: Record<string, unknown>,
  say: (line: string) => void,
  io: CommandIo,
): { ranPhases: () => boolean; aborted: () => boolean } {
  let ran = false;
  let aborted = false;
  events.on('event', (event: DeploymentEvent) => {
    // Core's reasons for an abort mark: "aborted at step N (...)", "aborted before step N (ecs-taper abort)".
    if (event.type === 'rollback-started' && /^aborted\b/.test(event.reason)) aborted = true;
    if (event.type === 'phase-finished') ran = true;
  });
  onEachPause(events, (deploymentId, { step, steps }) => {
    say(paint(io.stdout, 'yellow', `deployment ${deploymentId} is paused at step ${step} of ${steps}:`));
    for (const line of pauseHint(values)) say(line);
  });
  return { ranPhases: () => ran, aborted: () => aborted };
}

/**
 * The CLI's hooks: commands run here (cliHookRunner), their output streamed line by line; `functionName`
 * hooks invoke Lambda through runner-lambda's lambdaHookRunner, loaded only when the input has one (so
 * no other run loads its SDK client), with core's hookTimeoutMaxSeconds (the CLI has no Lambda limit).
 */
export async function hookRunnerFor(
  input: ResolvedInput,
  backend: Backend,
  values: Record<string, unknown>,
  say: (line: string) => void,
  maxTimeoutSeconds: number,
): Promise<HookRunner> {
  const onOutput = (line: string) => say(line);
  const functions = Object.values(input.hooks ?? {}).some((spec) => spec?.functionName !== undefined);
  if (!functions) return cliHookRunner({ onOutput });
  if (backend.remote) {
    const reason =
      'the simulator backend has no Lambda: use a command or url hook with --simulator (functionName hooks need AWS)';
    return cliHookRunner({
      onOutput,
      functionHooks: { unsupported: () => reason, run: async () => ({ ok: false, detail: reason }) },
    });
  }
  const { lambdaHookRunner, hookLambdaClientConfig } = await import('@ecs-taper/runner-lambda/client');
  const region = typeof values.region === 'string' ? values.region : undefined;
  type Lambda = import('@aws-sdk/client-lambda').LambdaClient;
  let client: Promise<Lambda> | undefined;
  const lambda = {
    send: async (...args: Parameters<Lambda['send']>) => {
      client ??= import('@aws-sdk/client-lambda').then(
        ({ LambdaClient }) =>
          new LambdaClient({ ...hookLambdaClientConfig(maxTimeoutSeconds), ...(region && { region }) }),
      );
      return (await client).send(...args);
    },
  };
  return cliHookRunner({
    onOutput,
    functionHooks: lambdaHookRunner({ lambda: () => lambda as never, maxTimeoutSeconds }),
  });
}
