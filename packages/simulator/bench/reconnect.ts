/**
 * Reconnection benchmark: every strategy on the same simulated world (20 tasks x 500 connections by
 * default), side by side. Run with `npm run bench:reconnect` (after `npm run build`).
 * Options: --tasks N --connections N --jitter S --deregistration S --seed N --interval S --decrement-tasks N
 */
import {
  type SimulateOptions,
  type SimulationSummary,
  type Strategy,
  simulateDeployment,
} from '../src/index.js';

function flag(name: string): number | undefined {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : undefined;
  return value !== undefined && Number.isFinite(value) ? value : undefined;
}

const base: Omit<SimulateOptions, 'strategy'> = {
  tasks: flag('tasks') ?? 20,
  connectionsPerTask: flag('connections') ?? 500,
  reconnectJitterSeconds: flag('jitter') ?? 5,
  deregistrationDelaySeconds: flag('deregistration') ?? 120,
  randomSeed: flag('seed') ?? 1,
};

const strategies: { strategy: Strategy; label: string; extra: Partial<SimulateOptions> }[] = [
  { strategy: 'all-at-once', label: 'all-at-once (CodeDeploy)', extra: {} },
  { strategy: 'seed', label: 'seed sample (25 % / 60 s)', extra: {} },
  { strategy: 'rolling', label: 'ECS rolling (batches of 25 %)', extra: {} },
  {
    strategy: 'taper',
    label: `ecs-taper (${flag('decrement-tasks') ?? 1} task / ${flag('interval') ?? 90} s)`,
    extra: { decrementTasks: flag('decrement-tasks') ?? 1, intervalSeconds: flag('interval') ?? 90 },
  },
];

async function main(): Promise<void> {
  const rows: { label: string; summary: SimulationSummary; wallMs: number }[] = [];
  for (const { strategy, label, extra } of strategies) {
    const started = performance.now();
    const summary = await simulateDeployment({ ...base, ...extra, strategy });
    rows.push({ label, summary, wallMs: performance.now() - started });
  }

  const table = rows.map(({ label, summary: s, wallMs }) => ({
    strategy: label,
    outcome: s.outcome,
    'peak new conn/s': s.peakNewConnectionsPerSecond,
    'drain s': Math.round(s.drainSeconds),
    'double disconnects': s.clientsDisconnectedTwice,
    'zero-healthy s': s.zeroHealthySeconds,
    'deployment s': Math.round(s.totalSeconds),
    'API calls': s.apiCallsTotal,
    'wall ms': Math.round(wallMs),
  }));
  console.log(
    `${base.tasks} tasks x ${base.connectionsPerTask} connections, reconnect jitter ${base.reconnectJitterSeconds} s, ` +
      `deregistration delay ${base.deregistrationDelaySeconds} s, seed ${base.randomSeed}`,
  );
  console.table(table);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
