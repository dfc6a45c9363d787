import type { CommandIo } from '../cli';
import { runDeployment } from './run-deployment';

/** `ecs-taper rollback`: rolls back the unfinished deployment of the input's task definition. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { rollbackDeployment } = await import('@ecs-taper/core');
  return runDeployment(
    'rollback',
    args,
    io,
    ({ clients, clock, input, events, signal, takeOver, values, hooks }) =>
      rollbackDeployment(clients, input, {
        clock,
        events,
        signal,
        takeOver,
        hooks,
        reason: typeof values.reason === 'string' ? values.reason : undefined,
      }),
    'rolled-back',
  );
}
