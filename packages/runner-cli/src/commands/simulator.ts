import type { AddressInfo } from 'node:net';
import { choiceFlag, numberFlag, parseCommandArgs } from '../args';
import type { CommandIo } from '../cli';
import { ExitCode, UsageError } from '../exit-codes';

const DEFAULT_PORT = 4510;

/** `ecs-taper simulator serve`: one simulated world for other ecs-taper processes (--simulator URL). */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs('simulator', args);
  if (positionals[0] !== 'serve' || positionals.length > 1) {
    throw new UsageError(
      `expected \`ecs-taper simulator serve [flags]\`, got ${JSON.stringify(positionals.join(' '))}; run \`ecs-taper simulator --help\``,
      'serve',
    );
  }
  const throttleRate = numberFlag(values['throttle-rate'], '--throttle-rate', { min: 0, fix: 'e.g. 0.1' });
  if (throttleRate !== undefined && throttleRate >= 1) {
    throw new UsageError(`--throttle-rate must be below 1, got ${throttleRate}; e.g. 0.1`, '--throttle-rate');
  }
  const settings = {
    host: typeof values.host === 'string' ? values.host : '127.0.0.1',
    port:
      numberFlag(values.port, '--port', { min: 0, integer: true, fix: 'e.g. 4510, or 0 for a free port' }) ??
      DEFAULT_PORT,
    speed: numberFlag(values.speed, '--speed', { min: 0, fix: 'e.g. 30, or 0 for instant' }) ?? 30,
    tasks: numberFlag(values.tasks, '--tasks', { min: 1, integer: true, fix: 'e.g. 20' }) ?? 20,
    connectionsPerTask:
      numberFlag(values['connections-per-task'], '--connections-per-task', {
        min: 1,
        integer: true,
        fix: 'e.g. 500',
      }) ?? 500,
    randomSeed: numberFlag(values.seed, '--seed', { min: 0, integer: true, fix: 'e.g. 1' }) ?? 1,
    badVersion: choiceFlag(values['bad-version'], '--bad-version', ['unhealthy', 'crash'] as const),
    throttleRate,
  };
  const { serveWorld } = await import('../simulator/serve-world');
  const { server } = serveWorld({ ...settings, onMutation: (line) => io.stdout.write(`${line}\n`) });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  io.stdout.write(
    `ecs-taper simulator listening on ${url}\n` +
      `  ${settings.tasks} tasks of sim-app:1 behind sim-nlb, ${settings.connectionsPerTask} clients each; time ${settings.speed > 0 ? `${settings.speed}x` : 'instant'}\n` +
      `  try: ecs-taper deploy --simulator ${url}\n` +
      `       ecs-taper status --simulator ${url}\n` +
      '  Ctrl-C stops it (the world lives in this process only)\n',
  );
  await new Promise<void>((resolve) => {
    const stop = () => server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return ExitCode.ok;
}
