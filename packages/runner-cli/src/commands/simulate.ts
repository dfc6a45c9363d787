import { writeFileSync } from 'node:fs';
import type { InputProblem } from '@ecs-taper/core';
import type { SimulateOptions, SimulationSummary, Strategy, World } from '@ecs-taper/simulator';
import { choiceFlag, numberFlag, parseCommandArgs } from '../args';
import type { CommandIo } from '../cli';
import { ExitCode, UsageError } from '../exit-codes';
import { commandFlags } from '../input/command-flags';
import { inputFromFlags } from '../input/input-flags';
import { type InputSources, validated } from '../input/load-input';
import { renderChart, renderComparison } from '../render/chart';
import { reportFormat, writeReport } from '../render/report';
import { attachReporter, outputMode, type Reporter } from '../render/reporter';
import { collectMarks, type Run } from '../render/series';
import { paint } from '../render/terminal';
import { paceClock } from '../simulator/pace';

const strategies = ['taper', 'all-at-once', 'seed', 'rolling'] as const;
const strategyLabels: Record<Strategy, string> = {
  taper: 'ecs-taper',
  'all-at-once': 'all-at-once',
  seed: 'seed sample',
  rolling: 'rolling update',
};
/** Simulated seconds per real second on a terminal: the default deployment takes about 3 s to watch. */
const DEFAULT_TTY_SPEED = 150;

/** `ecs-taper simulate`: a deployment against the simulator, time compressed, then a chart. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('simulate', args);
  const strategy = choiceFlag(values.strategy, '--strategy', strategies) ?? 'taper';
  const baselineName =
    choiceFlag(values.baseline, '--baseline', [...strategies, 'none'] as const) ?? 'all-at-once';
  const baseline = baselineName === 'none' || baselineName === strategy ? undefined : baselineName;
  const report = typeof values.report === 'string' ? values.report : undefined;
  if (report) reportFormat(report);
  const sim = await simulationOptions(values);

  const { simulateDeployment } = await import('@ecs-taper/simulator');
  const { DeploymentEmitter } = await import('@ecs-taper/core');
  const json = values.json === true;
  const mode = outputMode(json, io.stdout);
  const speed =
    numberFlag(values.speed, '--speed', {
      min: 0,
      fix: 'e.g. 100 for 100 simulated seconds per second, 0 for instant',
    }) ?? (mode === 'live' ? DEFAULT_TTY_SPEED : 0);

  const events = new DeploymentEmitter();
  // The swap and the steps, marked on the charts.
  const marks = collectMarks(events);
  let world: World | undefined;
  let clients = '';
  let reporter: Reporter | undefined;
  if (!json) {
    io.stdout.write(
      `${paint(io.stdout, 'bold', `Simulating ${strategyLabels[strategy]}`)}: ${sim.tasks} tasks, ${sim.connectionsPerTask} clients each, ` +
        `time ${speed > 0 ? `${speed}x` : 'as fast as possible'}\n`,
    );
    reporter = attachReporter(events, mode, io.stdout, {
      now: () => world?.clock.now() ?? 0,
      title: `simulate ${strategyLabels[strategy]}`,
      command: 'simulate',
      extra: () => (clients ? [clients] : []),
    });
  }
  const stopOnInterrupt = () => {
    reporter?.stop();
    io.stderr.write('\nsimulation stopped\n');
    process.exit(ExitCode.interrupted);
  };
  process.once('SIGINT', stopOnInterrupt);
  let summary: SimulationSummary;
  try {
    summary = await simulateDeployment({
      ...sim,
      strategy,
      events,
      onWorld: (w) => {
        world = w;
        paceClock(w.clock, speed);
        const [v1, v2] = [...w.ecs.taskDefinitions.values()].sort((a, b) => a.revision - b.revision);
        w.metrics.onTick((sample) => {
          const by = sample.connectionsByTaskDefinition;
          clients =
            `clients old version ${(v1 && by[v1.arn]) ?? 0} · new version ${(v2 && by[v2.arn]) ?? 0} · ` +
            `${sample.newConnections} new connections/s · ${sample.waitingClients} reconnecting`;
        });
      },
    });
  } finally {
    reporter?.stop();
    process.off('SIGINT', stopOnInterrupt);
  }
  const code = summary.outcome === 'succeeded' ? ExitCode.ok : ExitCode.failed;
  // --json prints the summary only; the baseline runs when something shows the comparison.
  const runs: Run[] = [{ label: strategyLabels[strategy], summary, marks: marks() }];
  if (baseline && (!json || report)) {
    if (!json)
      io.stdout.write(paint(io.stdout, 'dim', `running the ${strategyLabels[baseline]} baseline...\n`));
    runs.push({
      label: strategyLabels[baseline],
      summary: await simulateDeployment({ ...sim, strategy: baseline }),
    });
  }
  if (report) writeFileSync(report, writeReport(report, runs, sim));
  if (json) {
    io.stdout.write(`${JSON.stringify(summary)}\n`);
    return code;
  }
  io.stdout.write(`\n${renderComparison(runs, io.stdout)}\n${renderChart(runs, io.stdout)}`);
  if (report) io.stdout.write(`\nreport written to ${report}\n`);
  return code;
}

type SimSettings = Omit<SimulateOptions, 'strategy'> & { tasks: number; connectionsPerTask: number };

/** Flags to simulator options; the schedule is checked by core's planner, so errors name the flag. */
async function simulationOptions(values: Record<string, unknown>): Promise<SimSettings> {
  const int = (flag: string, min: number, fix: string) =>
    numberFlag(values[flag], `--${flag}`, { min, integer: true, fix });
  const num = (flag: string, min: number, fix: string) => numberFlag(values[flag], `--${flag}`, { min, fix });
  const sim: SimSettings = {
    tasks: int('tasks', 1, 'e.g. 20') ?? 20,
    connectionsPerTask: int('connections-per-task', 1, 'e.g. 500') ?? 500,
    reconnectJitterSeconds: reconnectSpread(values, num),
    randomSeed: int('seed', 0, 'e.g. 1'),
    badVersion: choiceFlag(values['bad-version'], '--bad-version', ['unhealthy', 'crash'] as const),
    alarmAtSeconds: num('alarm-at', 0, 'e.g. 120'),
    deregistrationDelaySeconds: int('deregistration-delay', 0, 'e.g. 30 (AWS allows 0-3600)'),
    stopJitterSeconds: num('stop-jitter', 0, 'e.g. 5'),
    connectionImbalance: num('connection-imbalance', 0, 'e.g. 0.5 (0-1)'),
  };
  if ((sim.deregistrationDelaySeconds ?? 0) > 3600) {
    throw new UsageError(
      `--deregistration-delay must be at most 3600 (AWS's limit), got ${sim.deregistrationDelaySeconds}`,
      '--deregistration-delay',
    );
  }
  if ((sim.connectionImbalance ?? 0) > 1) {
    throw new UsageError(
      `--connection-imbalance must be between 0 and 1, got ${sim.connectionImbalance}; e.g. 0.5`,
      '--connection-imbalance',
    );
  }
  for (const key of ['deregistrationDelaySeconds', 'stopJitterSeconds', 'connectionImbalance'] as const) {
    if (sim[key] === undefined) delete sim[key];
  }
  // The schedule flags are input flags (core's field table); the planner checks them, naming the flag.
  const problems: InputProblem[] = [];
  const schedule = inputFromFlags(values, commandFlags.simulate.input, problems);
  const flagFields = new Set([...Object.keys(schedule), ...problems.map((problem) => problem.field)]);
  const { planScaledown } = await import('@ecs-taper/core');
  const sources: InputSources = { merged: schedule, flagFields, file: undefined, problems };
  validated(sources, () =>
    planScaledown({
      desiredCount: sim.tasks,
      ...schedule,
      ...(schedule.maxNewConnectionsPerSecond === undefined
        ? {}
        : {
            connectionsPerTask: sim.connectionsPerTask,
            reconnectSpreadSeconds: Math.max(sim.reconnectJitterSeconds ?? 5, 0.001),
          }),
    }),
  );
  if (sim.badVersion === undefined) delete sim.badVersion;
  // The seed and rolling strategies read these four themselves; taper takes the whole schedule as input.
  const { decrementPercent, decrementTasks, intervalSeconds, maxNewConnectionsPerSecond } =
    schedule as Partial<SimulateOptions>;
  const strategyOptions = { decrementPercent, decrementTasks, intervalSeconds, maxNewConnectionsPerSecond };
  for (const [key, value] of Object.entries(strategyOptions))
    if (value === undefined) delete strategyOptions[key as keyof typeof strategyOptions];
  return { ...sim, ...strategyOptions, input: schedule };
}

/** --reconnect-spread, or its older name --reconnect-jitter (not both). */
function reconnectSpread(
  values: Record<string, unknown>,
  num: (flag: string, min: number, fix: string) => number | undefined,
): number | undefined {
  if (values['reconnect-spread'] !== undefined && values['reconnect-jitter'] !== undefined) {
    throw new UsageError(
      '--reconnect-jitter is the older name of --reconnect-spread: give one of them',
      '--reconnect-jitter',
    );
  }
  return values['reconnect-jitter'] !== undefined
    ? num('reconnect-jitter', 0, 'e.g. 5')
    : num('reconnect-spread', 0, 'e.g. 5');
}
