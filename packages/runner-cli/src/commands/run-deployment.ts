import type { AwsClients, Clock, DeploymentEmitter, DeploymentResult } from '@ecs-taper/core';
import { parseCommandArgs } from '../args';
import { prepareBackend } from '../backend';
import type { CommandIo } from '../cli';
import { ExitCode } from '../exit-codes';
import { collectInput, validated } from '../input/load-input';
import { attachReporter, outputMode } from '../render/reporter';
import { abortOnInterrupt, printOutcome, sameCommand } from './shared';

interface RunContext {
  clients: AwsClients;
  clock: Clock;
  input: Record<string, unknown>;
  events: DeploymentEmitter;
  signal: AbortSignal;
  /** --take-over: take the deployment's lease even if another controller's has not expired (core's takeOver). */
  takeOver: boolean;
  values: Record<string, unknown>;
}

/**
 * What deploy and rollback share: input from flags and file, the backend, progress (live, plain or
 * JSON lines), Ctrl-C between AWS calls, and the exit code from the outcome.
 */
export async function runDeployment(
  command: 'deploy' | 'rollback',
  args: string[],
  io: CommandIo,
  start: (ctx: RunContext) => Promise<DeploymentResult>,
  success: DeploymentResult['outcome'],
): Promise<number> {
  const { values } = parseCommandArgs(command, args);
  const backend = await prepareBackend(values);
  const core = await import('@ecs-taper/core');
  const sources = collectInput(values, backend.defaults);
  const input = validated(sources, () => core.parseDeploymentInput(sources.merged));
  const { clients, clock } = await backend.open();

  const events = new core.DeploymentEmitter();
  const mode = outputMode(values.json === true, io.stdout);
  const reporter = attachReporter(events, mode, io.stdout, {
    now: () => clock.now(),
    title: `${command} ${input.service}`,
    command,
  });
  const controller = new AbortController();
  const say = mode === 'json' ? (line: string) => io.stderr.write(`${line}\n`) : reporter.note;
  const release = abortOnInterrupt(controller, io, say);
  try {
    const result = await start({
      clients,
      clock,
      input: sources.merged,
      events,
      signal: controller.signal,
      takeOver: values['take-over'] === true,
      values,
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
    throw error;
  } finally {
    release();
  }
}
