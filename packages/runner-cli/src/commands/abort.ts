import type { DeploymentResult } from '@ecs-taper/core';
import type { CommandIo } from '../cli';
import { ExitCode } from '../exit-codes';
import { pick } from '../input/load-input';
import { continuesLine } from './promote';
import { prepareRun, type RunContext, runDeployment } from './run-deployment';
import { statusFields } from './shared';

/**
 * `ecs-taper abort`: marks the deployment aborted (core's abortDeployment), then takes its lease and rolls
 * it back here, rendered like rollback; exits 0 once rolled back (what was asked). `--no-wait` only marks:
 * its controller rolls back at its next look.
 */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const prepared = await prepareRun('abort', args);
  const { core, values, clients, clock, input } = prepared;
  const reason = typeof values.reason === 'string' ? values.reason : undefined;
  if (values['no-wait'] === true) {
    const { mark } = await core.abortDeployment(clients, input, { clock, markOnly: true, reason });
    io.stdout.write(
      `deployment ${mark.deploymentId}: abort requested\n${continuesLine(mark, clock.now(), values, 'abort')}\n`,
    );
    return ExitCode.ok;
  }
  return runDeployment(
    'abort',
    args,
    io,
    async ({ events, signal, hooks, say }: RunContext): Promise<DeploymentResult> => {
      const before = await core.describeDeployment(clients, pick(input, statusFields) as never);
      const progress = before.deploymentInProgress;
      if (progress) {
        events.once('event', () =>
          say(`deployment ${progress.deploymentId}: abort requested, rolling back here`),
        );
      }
      const { result } = await core.abortDeployment(clients, input, { clock, events, signal, hooks, reason });
      return result as DeploymentResult;
    },
    'rolled-back',
    prepared,
  );
}
