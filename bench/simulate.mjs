// Sections 1 and 2 of the benchmark: every strategy on the simulator (reconnection peak, drain, double
// disconnects, deployment time) and what ecs-taper's control loop costs (AWS calls, schedule slack).
// Imports the BUILT packages; run.mjs loads this module only after building them.
import { DeploymentEmitter, planScaledown } from '@ecs-taper/core';
import { reconnectSpread, simulateDeployment } from '@ecs-taper/simulator';
import {
  addCounts,
  countByOperation,
  formatNumber,
  formatRatio,
  markdownTable,
  newConnectionPeak,
  peakLowerBound,
  reconnectWindowSeconds,
  scheduleSlack,
  verdict,
} from './lib.mjs';

export const scenario = {
  connectionsPerTask: 500,
  reconnectJitterSeconds: 5,
  deregistrationDelaySeconds: 30,
  randomSeed: 1,
};
export const sizes = [1, 5, 20, 100];
/** Budget mode: 200 new connections/s; one task's 500 clients over a 5 s spread is 100/s, so 2 tasks fit. */
export const budget = 200;

export const strategies = [
  { key: 'all-at-once', label: 'all-at-once (CodeDeploy)', options: { strategy: 'all-at-once' } },
  { key: 'seed', label: 'seed sample (25 % / 60 s)', options: { strategy: 'seed' } },
  { key: 'rolling', label: 'ECS rolling (batches of 25 %)', options: { strategy: 'rolling' } },
  {
    key: 'taper',
    label: 'ecs-taper default (one task at a time over the 25 % / 60 s window)',
    options: { strategy: 'taper' },
  },
  {
    key: 'taper-percent',
    label: 'ecs-taper 25 % / 60 s (the earlier default)',
    options: { strategy: 'taper', decrementPercent: 25, intervalSeconds: 60 },
  },
  {
    key: 'taper-budget',
    label: `ecs-taper budget (${budget} conn/s)`,
    options: { strategy: 'taper', maxNewConnectionsPerSecond: budget },
  },
];

/** The seed's ScaleDown Lambda (also run as Cleanup) sends only these; one invocation per step. */
const SEED_SCALE_DOWN = new Set(['DescribeTaskSets', 'UpdateTaskSet', 'DeleteTaskSet']);

/**
 * One simulated deployment, with what the summary does not hold: per-phase calls, the new-task peak and
 * the reconnect drain (first drop of an old connection to the last new connection). `overrides` (a
 * seed, the simulator's variation) go over the scenario and the strategy's options.
 */
export async function runOne(tasks, strategy, overrides = {}) {
  const events = new DeploymentEmitter();
  let phase;
  const steps = [];
  events.on('event', (event) => {
    if (event.type === 'phase-started') phase = event.phase;
    if (event.type === 'scale-step') steps.push(event);
  });
  let world;
  const calls = [];
  const oldDefinitions = new Set();
  const definitionOf = new Map();
  const remember = () => {
    for (const task of world.ecs.allTasks()) {
      if (!definitionOf.has(task.arn)) definitionOf.set(task.arn, task.taskDefinitionArn);
    }
  };
  let lastNewConnectionMs;
  const started = performance.now();
  const summary = await simulateDeployment({
    ...scenario,
    ...strategy.options,
    ...overrides,
    tasks,
    events: strategy.options.strategy === 'taper' ? events : undefined,
    onWorld: (w) => {
      world = w;
      for (const task of w.ecs.allTasks()) oldDefinitions.add(task.taskDefinitionArn);
      w.onApiCall((call) => calls.push({ operation: call.operation, phase }));
      // The metrics keep new connections per whole second only; the drain is measured to the
      // millisecond, so the bench notes the time of each one (on the world's own clock, as the drops).
      const record = w.metrics.recordNewConnection.bind(w.metrics);
      w.metrics.recordNewConnection = (...args) => {
        lastNewConnectionMs = w.clock.elapsedMs;
        record(...args);
      };
    },
    // A task takes new connections only while RUNNING and lives on for the deregistration delay after
    // that, so sampling the live tasks every simulated second sees every task that took a connection.
    onTick: () => remember(),
  });
  const wallMs = performance.now() - started;
  remember();

  const metrics = world.metrics;
  const startSecond = Math.floor(metrics.deploymentStartMs / 1000);
  const unknown = [...metrics.newConnectionsByTask.keys()].filter((arn) => !definitionOf.has(arn));
  if (unknown.length > 0) throw new Error(`${strategy.key}: ${unknown.length} tasks took connections unseen`);
  const onNew = newConnectionPeak(
    metrics.newConnectionsByTask,
    (arn) => !oldDefinitions.has(definitionOf.get(arn)),
    startSecond,
  );
  const onAll = newConnectionPeak(metrics.newConnectionsByTask, () => true, startSecond);
  if (onAll.peak !== summary.peakNewConnectionsPerSecond) {
    throw new Error(
      `${strategy.key}: peak over all tasks ${onAll.peak} != summary ${summary.peakNewConnectionsPerSecond}`,
    );
  }

  const oldDrops = [...oldDefinitions].map((arn) => metrics.dropWindow.get(arn)).filter(Boolean);
  const firstOldDropMs = Math.min(...oldDrops.map((d) => d.firstMs));
  const reconnectDrainSeconds =
    oldDrops.length > 0 && lastNewConnectionMs !== undefined
      ? Math.max(0, lastNewConnectionMs - firstOldDropMs) / 1000
      : 0;
  const oldConnections = tasks * scenario.connectionsPerTask;
  const window = reconnectWindowSeconds(summary.drainSeconds, scenario.reconnectJitterSeconds);
  const isTaper = strategy.options.strategy === 'taper';
  const scaleDownCalls = isTaper
    ? calls.filter((c) => c.phase === 'scaleDown')
    : calls.filter((c) => SEED_SCALE_DOWN.has(c.operation));
  const stepCount = isTaper
    ? steps.length
    : scaleDownCalls.filter((c) => c.operation === 'DescribeTaskSets').length;
  return {
    tasks,
    strategy,
    summary,
    wallMs,
    peakNew: onNew.peak,
    reconnectDrainSeconds,
    reconnections: onAll.total,
    oldConnections,
    window,
    bound: peakLowerBound(oldConnections, window),
    steps,
    stepCount,
    perStepCalls: countByOperation(scaleDownCalls),
  };
}

export function planFor(tasks, strategy) {
  return planScaledown({
    desiredCount: tasks,
    connectionsPerTask: scenario.connectionsPerTask,
    reconnectSpreadSeconds: reconnectSpread({ kind: 'jitter', maxSeconds: scenario.reconnectJitterSeconds }),
    // The schedule fields simulateDeployment hands to deploy(); without them a 25 %/60 s run was
    // compared with the default's plan.
    ...Object.fromEntries(
      ['decrementPercent', 'decrementTasks', 'intervalSeconds', 'maxNewConnectionsPerSecond']
        .filter((key) => strategy.options[key] !== undefined)
        .map((key) => [key, strategy.options[key]]),
    ),
    ...strategy.options.input,
  });
}

export async function runSimulations(log) {
  const runs = [];
  const sections = [];
  for (const tasks of sizes) {
    const started = performance.now();
    const rows = [];
    for (const strategy of strategies) rows.push(await runOne(tasks, strategy));
    runs.push(...rows);
    const baseline = rows.find((r) => r.strategy.key === 'all-at-once');
    const table = markdownTable(
      [
        'strategy',
        'outcome',
        'peak new conn/s, new tasks',
        'peak, all tasks',
        'vs all-at-once',
        'reconnections',
        'drain s',
        'window s',
        'bound conn/s',
        'peak / bound',
        'disconnected >1',
        'zero-healthy s',
        'deployment s',
        'API calls',
      ],
      rows.map((r) => [
        r.strategy.label,
        r.summary.outcome,
        r.peakNew,
        r.summary.peakNewConnectionsPerSecond,
        formatRatio(r.peakNew, baseline.peakNew),
        r.reconnections,
        r.summary.drainSeconds,
        r.window,
        Math.round(r.bound),
        formatRatio(r.peakNew, r.bound),
        r.summary.clientsDisconnectedTwice,
        r.summary.zeroHealthySeconds,
        r.summary.totalSeconds,
        r.summary.apiCallsTotal,
      ]),
    );
    const seconds = (performance.now() - started) / 1000;
    const failed = rows.filter((r) => r.summary.outcome !== 'succeeded');
    const notes = failed.map(
      (r) => `- ${r.strategy.label} ended \`${r.summary.outcome}\`: ${r.summary.reason}`,
    );
    const text = [
      `### ${tasks} task${tasks === 1 ? '' : 's'} x ${scenario.connectionsPerTask} connections (${tasks * scenario.connectionsPerTask} clients)`,
      '',
      table,
      '',
      ...notes,
      ...(notes.length > 0 ? [''] : []),
      `Simulated ${rows.length} deployments in ${seconds.toFixed(1)} s of wall time.`,
    ].join('\n');
    log(text);
    sections.push(text);
  }
  return { runs, markdown: sections.join('\n\n') };
}

/** Section 2: AWS calls by command (per deployment, per step) at 20 tasks, and the schedule slack. */
export function controlLoop(runs, log) {
  const at20 = ['taper', 'taper-budget', 'seed'].map((key) =>
    runs.find((r) => r.tasks === 20 && r.strategy.key === key),
  );
  const operations = [...new Set(at20.flatMap((r) => Object.keys(r.summary.apiCalls)))].sort();
  const perStep = (r, op) => (r.stepCount > 0 ? (r.perStepCalls[op] ?? 0) / r.stepCount : 0);
  const totals = at20.map((r) => addCounts({}, r.summary.apiCalls));
  const callsTable = markdownTable(
    ['command', ...at20.flatMap((r) => [`${r.strategy.label}: per deployment`, 'per step'])],
    [
      ...operations.map((op) => [
        op,
        ...at20.flatMap((r, i) => [totals[i][op] ?? 0, formatNumber(perStep(r, op), 2)]),
      ]),
      ['total', ...at20.flatMap((r) => [r.summary.apiCallsTotal, formatNumber(sumPerStep(r), 2)])],
      ['scale-down steps', ...at20.flatMap((r) => [r.stepCount, '-'])],
    ],
  );

  const slackRows = [];
  for (const r of runs.filter((run) => run.strategy.options.strategy === 'taper')) {
    const plan = planFor(r.tasks, r.strategy);
    const slack = scheduleSlack(
      plan.steps.map((s) => s.atSeconds),
      r.steps.map((e) => e.at),
    );
    const simulatedSpan = r.steps.length > 0 ? (r.steps.at(-1).at - r.steps[0].at) / 1000 : 0;
    slackRows.push([
      r.tasks,
      r.strategy.label,
      plan.steps.length,
      r.steps.length,
      plan.intervalSeconds,
      plan.totalSeconds,
      simulatedSpan,
      formatNumber(slack.maxSeconds, 2),
      formatNumber(slack.meanSeconds, 2),
      Math.round(plan.predictedPeakNewConnectionsPerSecond ?? 0),
      r.peakNew,
    ]);
  }
  const slackTable = markdownTable(
    [
      'tasks',
      'variant',
      'planned steps',
      'simulated steps',
      'interval s',
      'planned span s',
      'simulated span s',
      'max slack s',
      'mean slack s',
      'planned peak conn/s',
      'simulated peak, new tasks',
    ],
    slackRows,
  );
  const text = [
    '### AWS API calls at 20 tasks, by command',
    '',
    callsTable,
    '',
    '### Planned vs simulated schedule (ecs-taper)',
    '',
    slackTable,
  ].join('\n');
  log(text);
  return { markdown: text };
}

function sumPerStep(r) {
  if (r.stepCount === 0) return 0;
  return Object.values(r.perStepCalls).reduce((a, b) => a + b, 0) / r.stepCount;
}

/** Section 6: the simulator's own cost, 1,000 tasks x 1,000 clients, new routing against the old scan. */
export const routingScenario = { ...scenario, tasks: 1000, connectionsPerTask: 1000 };
/** Issue 15: the indexed routing at least this much faster than the scan it replaced. */
export const routingTarget = 2;

export async function routingCost(log) {
  const rows = [];
  const results = {};
  for (const implementation of ['scan', 'indexed']) {
    const started = performance.now();
    const summary = await simulateDeployment({
      ...routingScenario,
      strategy: 'taper',
      onWorld: (w) => {
        w.routing.implementation = implementation;
      },
    });
    const wallMs = performance.now() - started;
    results[implementation] = { summary, wallMs };
    rows.push([
      implementation === 'scan'
        ? 'scan (every target, twice per new flow; before)'
        : 'indexed (O(1) per new flow)',
      summary.outcome,
      summary.peakNewConnectionsPerSecond,
      summary.totalSeconds,
      formatNumber(wallMs / 1000, 1),
    ]);
  }
  const same =
    JSON.stringify(results.scan.summary) === JSON.stringify(results.indexed.summary)
      ? 'identical'
      : 'DIFFERENT';
  const speedup = results.scan.wallMs / results.indexed.wallMs;
  const target = {
    name: `a ${routingScenario.tasks.toLocaleString('en-US')} x ${routingScenario.connectionsPerTask.toLocaleString('en-US')} simulation at least ${routingTarget}x faster than the old routing, same run`,
    figure: `${formatNumber(speedup, 1)}x (${formatNumber(results.scan.wallMs / 1000, 1)} s -> ${formatNumber(results.indexed.wallMs / 1000, 1)} s), summaries ${same}`,
    pass: speedup >= routingTarget && same === 'identical' && results.indexed.summary.outcome === 'succeeded',
    section: 6,
  };
  const text = [
    `### ${routingScenario.tasks} tasks x ${routingScenario.connectionsPerTask} connections, ecs-taper default, seed ${routingScenario.randomSeed}`,
    '',
    markdownTable(['routing', 'outcome', 'peak new conn/s', 'deployment s', 'wall s'], rows),
    '',
    `The indexed routing is ${formatNumber(speedup, 1)}x faster in this run; the two summaries are ${same} (both draw the same random number per new flow and map it to the same target). Target (issue 15): at least ${routingTarget}x: ${verdict(target.pass)}.`,
  ].join('\n');
  log(text);
  return { markdown: text, speedup, targets: [target] };
}
