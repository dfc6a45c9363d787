import type { CommandIo } from '../cli';
import { runDeployment } from './run-deployment';

/** `ecs-taper deploy`: core's deploy() as a local loop; running it again resumes. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { deploy } = await import('@ecs-taper/core');
  return runDeployment(
    'deploy',
    args,
    io,
    {},
    ({ clients, clock, input, events, signal, takeOver }) =>
      deploy(clients, input, { clock, events, signal, takeOver }),
    'succeeded',
  );
}
