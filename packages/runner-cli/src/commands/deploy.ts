import { parseCommandArgs } from '../args';
import type { CommandIo } from '../cli';
import { UsageError } from '../exit-codes';
import { runOnStateMachine } from './deploy-state-machine';
import { runDeployment } from './run-deployment';

/**
 * `ecs-taper deploy`: core's deploy() as a local loop (running it again resumes), or with
 * `--state-machine ARN` the same input handed to the Step Functions runner and watched to its end.
 * `--dry-run` only reads: the topology found, the plan and any refusal (deploy-dry-run.ts).
 */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('deploy', args);
  if (values['run-id'] !== undefined && values['state-machine'] === undefined) {
    throw new UsageError(
      '--run-id names the Step Functions execution of a deployment; use it with --state-machine ARN (a local deploy resumes by itself)',
      'run-id',
    );
  }
  if (values['dry-run'] === true) {
    const { runDryRun } = await import('./deploy-dry-run');
    return runDryRun(args, io);
  }
  if (values['state-machine'] !== undefined) return runOnStateMachine(values, io);
  const { deploy } = await import('@ecs-taper/core');
  return runDeployment(
    'deploy',
    args,
    io,
    ({ clients, clock, input, events, signal, takeOver, hooks }) =>
      deploy(clients, input, { clock, events, signal, takeOver, hooks }),
    'succeeded',
  );
}
