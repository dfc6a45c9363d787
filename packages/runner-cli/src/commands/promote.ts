import type { DeploymentResult, MarkResult } from '@ecs-taper/core';
import type { CommandIo } from '../cli';
import { ExitCode } from '../exit-codes';
import { pick } from '../input/load-input';
import { prepareRun, type RunContext, runDeployment } from './run-deployment';
import { commandLine, statusFields } from './shared';

/**
 * `ecs-taper promote`: ends the pause the deployment waits at (core's promoteDeployment marks its new task
 * set), then drives the rest here like a resumed deploy, rendered like deploy; a controller still running
 * keeps it until its lease ends. `--no-wait` only marks: the waiting controller continues.
 */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const prepared = await prepareRun('promote', args);
  const { core, values, clients, clock, input } = prepared;
  if (values['no-wait'] === true) {
    const { mark } = await core.promoteDeployment(clients, input, { clock, markOnly: true });
    io.stdout.write(`${promotedLine(mark)}\n${continuesLine(mark, clock.now(), values)}\n`);
    return ExitCode.ok;
  }
  return runDeployment(
    'promote',
    args,
    io,
    async ({ events, signal, takeOver, hooks, intro }: RunContext): Promise<DeploymentResult> => {
      // What it is about to mark, said once the mark is written (the first event comes after it).
      const before = await core.describeDeployment(clients, pick(input, statusFields) as never);
      const progress = before.deploymentInProgress;
      const lease = progress?.controller;
      const waitsFor = lease && lease.leaseExpiresAt > clock.now() && !takeOver ? lease : undefined;
      if (progress?.paused) {
        const { deploymentId, taskSetArn, paused } = progress;
        intro([
          promotedLine({ deploymentId, taskSetArn, step: paused.step }),
          ...(waitsFor
            ? [
                `  controller ${waitsFor.id} holds the lease until ${new Date(waitsFor.leaseExpiresAt).toISOString()}: ` +
                  'it continues the deployment if it still runs; this process takes over when the lease ends (--take-over: now)',
              ]
            : []),
        ]);
      }
      // While another controller's lease runs, core tries again every poll, each try starting afresh (a new
      // id until discover adopts the deployment): one start, under the deployment's id.
      const tries = new core.DeploymentEmitter();
      let started = false;
      tries.on('event', (event) => {
        if (event.type === 'deployment-started') {
          if (started) return;
          started = true;
          events.emit('event', { ...event, deploymentId: progress?.deploymentId ?? event.deploymentId });
          return;
        }
        events.emit('event', event);
      });
      const { result } = await core.promoteDeployment(clients, input, {
        clock,
        events: tries,
        signal,
        takeOver,
        hooks,
      });
      return result as DeploymentResult;
    },
    'succeeded',
    prepared,
  );
}

function promotedLine(mark: MarkResult): string {
  return `deployment ${mark.deploymentId}: pause at step ${(mark.step ?? 0) + 1} promoted`;
}

/** Who goes on after a mark: the controller holding the lease, or nobody until a command runs. */
export function continuesLine(
  mark: MarkResult,
  now: number,
  values: Record<string, unknown>,
  command: 'promote' | 'abort' = 'promote',
): string {
  const action = command === 'promote' ? 'continues it' : 'rolls it back at its next look';
  const again = `  ${commandLine(command, values)}`;
  if (mark.controller) {
    const { id, leaseExpiresAt } = mark.controller;
    const seconds = Math.max(0, Math.ceil((leaseExpiresAt - now) / 1000));
    return (
      `controller ${id} holds the lease (until ${new Date(leaseExpiresAt).toISOString()}, in ${seconds} s) and ${action}; ` +
      `if that process is gone, run without --no-wait (${command === 'promote' ? 'it waits for the lease' : 'it takes over at once'}):\n${again}`
    );
  }
  return (
    `no controller holds the lease (none is running the deployment): nothing ${command === 'promote' ? 'continues it' : 'rolls it back'} ` +
    `until you run, without --no-wait:\n${again}`
  );
}
