// Section 7 of the benchmark: the strategies side by side over 20 random seeds (issue 15's "Done when"),
// each row with min / median / max, its targets and the `ecs-taper simulate` command that reproduces
// one seed of it (checked: the bench runs that command for seed 1 and compares the summaries).
// Imports the BUILT packages; run.mjs loads this module only after building them.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  formatMinMedianMax,
  formatNumber,
  markdownTable,
  median,
  minMedianMax,
  nearestRank,
  simulateCommand,
  verdict,
} from './lib.mjs';
import { budget, planFor, runOne, scenario } from './simulate.mjs';

export const seeds = Array.from({ length: 20 }, (_, i) => i + 1);
export const seedTasks = 20;
/** At most this share of seeds may see a second above the budget (budgetConfidence's default). */
export const exceedTarget = 0.05;
/** The default's peak against all-at-once's, in every seed. */
export const defaultPeakTarget = 0.1;
/** Variation like AWS (issue 15): every task drops 0-5 s late; tasks hold c x (1 +/- 0.5) connections. */
export const awsVariation = { stopJitterSeconds: 5, connectionImbalance: 0.5 };

/**
 * The rows. `options` are simulateDeployment's, over the scenario (bench/simulate.mjs): a row that needs
 * another option (a core input, a simulator setting) adds it here, and simulateCommand names it when the
 * CLI has no flag for it. `readme` labels the row in README.md's table.
 */
export const seedRows = [
  {
    key: 'all-at-once',
    label: 'all-at-once (CodeDeploy)',
    readme: 'all-at-once (CodeDeploy on an NLB)',
    options: { strategy: 'all-at-once' },
  },
  {
    key: 'seed',
    label: 'seed sample (25 % / 60 s)',
    readme: 'the seed sample (25 points / 60 s, no health gate)',
    // Its Cleanup Lambda fails at the end of every run (BENCHMARKS.md section 1 names the error).
    mayFail: true,
    options: { strategy: 'seed' },
  },
  {
    key: 'rolling',
    label: 'ECS rolling (batches of 25 %)',
    readme: 'ECS-style rolling (batches of 25 %)',
    options: { strategy: 'rolling' },
  },
  {
    key: 'taper',
    label: 'ecs-taper default (window mode)',
    readme: "**ecs-taper** default (one task at a time over the 25 % / 60 s plan's window)",
    bold: true,
    options: { strategy: 'taper' },
  },
  {
    key: 'taper-percent',
    label: 'ecs-taper 25 % / 60 s (the earlier default)',
    readme: 'ecs-taper 25 % / 60 s (`--decrement 25 --interval 60`, the earlier default)',
    options: { strategy: 'taper', decrementPercent: 25, intervalSeconds: 60 },
  },
  {
    key: 'taper-budget',
    label: `ecs-taper budget ${budget}/s`,
    readme: `**ecs-taper**, budget ${budget}/s (\`--max-new-connections-per-second ${budget} --connections-per-task ${scenario.connectionsPerTask} --reconnect-spread ${scenario.reconnectJitterSeconds}\`; at most a 5 % chance of any second above it)`,
    bold: true,
    budget,
    options: { strategy: 'taper', maxNewConnectionsPerSecond: budget },
  },
  {
    key: 'taper-budget-varied',
    label: `ecs-taper budget ${budget}/s, stop jitter ${awsVariation.stopJitterSeconds} s, imbalance ${awsVariation.connectionImbalance}`,
    readme: `ecs-taper, the same budget, with tasks dropping 0–${awsVariation.stopJitterSeconds} s late and ±${awsVariation.connectionImbalance * 100} % clients per task (simulator \`--stop-jitter ${awsVariation.stopJitterSeconds} --connection-imbalance ${awsVariation.connectionImbalance}\`)`,
    budget,
    options: { strategy: 'taper', maxNewConnectionsPerSecond: budget, ...awsVariation },
  },
  // What the default 5 s drop-lag slack buys and costs: the same two runs without it (the controller
  // still widens the spacing once it sees the stopped tasks' spread).
  {
    key: 'taper-budget-no-slack',
    label: `ecs-taper budget ${budget}/s, --drop-lag-spread 0`,
    budget,
    options: { strategy: 'taper', maxNewConnectionsPerSecond: budget, input: { dropLagSpreadSeconds: 0 } },
  },
  {
    key: 'taper-budget-varied-no-slack',
    label: `ecs-taper budget ${budget}/s, --drop-lag-spread 0, stop jitter ${awsVariation.stopJitterSeconds} s, imbalance ${awsVariation.connectionImbalance}`,
    budget,
    options: {
      strategy: 'taper',
      maxNewConnectionsPerSecond: budget,
      input: { dropLagSpreadSeconds: 0 },
      ...awsVariation,
    },
  },
];

const cli = (root) => join(root, 'packages/runner-cli/bin/ecs-taper.cjs');

/** Runs the CLI and resolves with its stdout whatever its exit code (a failed deployment exits 1). */
function runCli(root, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli(root), ...args], { cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The simulateDeployment options of one seed of a row, in the order of the printed command. */
function runOptions(row, seed) {
  const { strategy, ...rest } = row.options;
  return {
    strategy,
    tasks: seedTasks,
    connectionsPerTask: scenario.connectionsPerTask,
    reconnectJitterSeconds: scenario.reconnectJitterSeconds,
    deregistrationDelaySeconds: scenario.deregistrationDelaySeconds,
    ...rest,
    randomSeed: seed,
  };
}

export async function runSeeds(root, log) {
  const started = performance.now();
  const results = [];
  for (const row of seedRows) {
    const runs = [];
    for (const seed of seeds) {
      const r = await runOne(seedTasks, row, { randomSeed: seed });
      runs.push({
        seed,
        outcome: r.summary.outcome,
        reason: r.summary.reason,
        peakNew: r.peakNew,
        peakAll: r.summary.peakNewConnectionsPerSecond,
        deploymentSeconds: r.summary.totalSeconds,
        drainSeconds: r.reconnectDrainSeconds,
        twice: r.summary.clientsDisconnectedTwice,
        zeroHealthy: r.summary.zeroHealthySeconds,
        steps: r.steps.length,
        summary: r.summary,
      });
    }
    const plan = row.options.strategy === 'taper' ? planFor(seedTasks, row) : undefined;
    results.push({ row, runs, plan });
  }
  const simulateSeconds = (performance.now() - started) / 1000;

  // Every row's command, run for seed 1 (in parallel: separate processes), must give the same summary.
  const verifyStarted = performance.now();
  const commands = await Promise.all(
    results.map(async ({ row, runs }) => {
      const { args, command, missing } = simulateCommand(runOptions(row, 1));
      if (missing.length > 0) return { command, missing, reproduced: false, why: 'no flag' };
      const out = await runCli(root, args);
      const expected = JSON.stringify(runs[0].summary);
      const got = out.stdout.trim();
      return {
        command,
        missing,
        reproduced: got === expected,
        why: got === expected ? '' : `exit ${out.code}: ${(got || out.stderr).slice(0, 200)}`,
      };
    }),
  );
  const verifySeconds = (performance.now() - verifyStarted) / 1000;

  const byKey = Object.fromEntries(results.map((r) => [r.row.key, r]));
  const allSucceeded = (...keys) => keys.every((k) => byKey[k].runs.every((r) => r.outcome === 'succeeded'));
  // A run that failed for another reason (a broken build, a bug) measures nothing: its targets fail,
  // and run.mjs leaves README's table as it is.
  const unexpected = results.filter(
    ({ row, runs }) => !row.mayFail && runs.some((r) => r.outcome !== 'succeeded'),
  );
  const baseline = byKey['all-at-once'].runs;
  const ratios = (runs) => runs.map((r, i) => r.peakNew / baseline[i].peakNew);
  const targets = [];
  /** A target of issue 15: its full name and figure go to the summary, its short name to the row. */
  const target = (name, short, figure, pass) => {
    targets.push({ name, figure, pass, section: 7 });
    return `${short}: ${verdict(pass)}`;
  };

  const tableRows = results.map(({ row, runs, plan }) => {
    const peak = minMedianMax(runs.map((r) => r.peakNew));
    const ratio = minMedianMax(ratios(runs));
    const deployment = minMedianMax(runs.map((r) => r.deploymentSeconds));
    const drain = minMedianMax(runs.map((r) => r.drainSeconds));
    const succeeded = runs.filter((r) => r.outcome === 'succeeded').length;
    let exceeded = '-';
    let p99 = '-';
    const checks = [];
    if (row.key === 'taper') {
      const percent = byKey['taper-percent'].runs;
      const longer = runs.filter((r, i) => r.deploymentSeconds > percent[i].deploymentSeconds).length;
      checks.push(
        target(
          `default peak <= ${defaultPeakTarget.toFixed(2)}x all-at-once (every seed)`,
          `peak <= ${defaultPeakTarget.toFixed(2)}x`,
          `${formatMinMedianMax(ratio, 3, 'x')} (min / median / max)`,
          allSucceeded('all-at-once', 'taper') && ratio.max <= defaultPeakTarget,
        ),
        target(
          "default deployment <= the 25 %/60 s plan's (every seed, same seed)",
          'deployment <= 25 %/60 s',
          `${formatMinMedianMax(deployment)} s vs ${formatMinMedianMax(minMedianMax(percent.map((r) => r.deploymentSeconds)))} s; plans ${plan.totalSeconds} s vs ${planFor(seedTasks, byKey['taper-percent'].row).totalSeconds} s of steps`,
          allSucceeded('taper', 'taper-percent') && longer === 0,
        ),
      );
    }
    if (row.budget !== undefined) {
      const over = runs.filter((r) => r.peakAll > row.budget).length;
      const share = over / runs.length;
      exceeded = `${over} of ${runs.length} (${formatNumber(100 * share, 0)} %); plan ${formatNumber(100 * plan.chanceOfExceedingBudget, 2)} %`;
      p99 = `${plan.predictedP99NewConnectionsPerSecond} / ${nearestRank(
        runs.map((r) => r.peakAll),
        0.99,
      )}`;
      const limit = (2 * seedTasks * scenario.connectionsPerTask) / row.budget;
      const variation =
        (row.options.stopJitterSeconds !== undefined ? ', stop jitter and imbalance' : '') +
        (row.options.input?.dropLagSpreadSeconds === 0
          ? ', without the drop-lag slack (--drop-lag-spread 0)'
          : '');
      checks.push(
        target(
          `budget ${row.budget}/s exceeded in <= ${exceedTarget * 100} % of seeds${variation}`,
          `exceeded in <= ${exceedTarget * 100} %`,
          `${over} of ${runs.length} seeds (${formatNumber(100 * share, 0)} %); busiest second ${formatMinMedianMax(minMedianMax(runs.map((r) => r.peakAll)))}`,
          allSucceeded(row.key) && share <= exceedTarget,
        ),
        target(
          `budget drain <= 2 x connections / budget = ${limit} s${variation}`,
          `drain <= ${limit} s`,
          `${formatMinMedianMax(drain)} s measured; plan ${plan.drainSeconds} s (expected-rate choice ${plan.expectedRateDrainSeconds ?? '-'} s)`,
          allSucceeded(row.key) && drain.max <= limit,
        ),
      );
    }
    return [
      row.label,
      `${succeeded} of ${runs.length}`,
      formatMinMedianMax(peak),
      formatMinMedianMax(ratio, 3, 'x'),
      formatMinMedianMax(deployment),
      formatMinMedianMax(drain),
      plan
        ? `${plan.drainSeconds ?? plan.totalSeconds + scenario.reconnectJitterSeconds} / ${plan.expectedRateDrainSeconds ?? '-'}`
        : '-',
      exceeded,
      p99,
      checks.length > 0 ? checks.join('; ') : '-',
    ];
  });

  // The plan states both drains; the expected-rate schedule is absent when no schedule meets the
  // budget on average (then there is nothing cheaper to compare with).
  const { plan: budgetPlan } = byKey['taper-budget'];
  const confidence =
    budgetPlan.expectedRateDrainSeconds === undefined
      ? `the capped plan drains in ${budgetPlan.drainSeconds} s; the plan names no expected-rate schedule to compare with`
      : `the capped plan drains in ${budgetPlan.drainSeconds} s, the old expected-rate choice (mean connections, expected peak = budget) would take ${budgetPlan.expectedRateDrainSeconds} s: ${formatNumber(budgetPlan.drainSeconds - budgetPlan.expectedRateDrainSeconds)} s more`;
  const confidenceLine = `The confidence at ${budget}/s: ${confidence}, for a ${formatNumber(100 * budgetPlan.chanceOfExceedingBudget, 2)} % planned chance of any second above the budget.`;
  targets.push({
    name: 'the cost of the confidence stated beside it',
    figure: confidenceLine,
    pass: undefined,
    section: 7,
  });

  const failures = results.flatMap(({ row, runs }) => {
    const failed = runs.filter((r) => r.outcome !== 'succeeded');
    if (failed.length === 0) return [];
    const reasons = [...new Set(failed.map((r) => r.reason))];
    return [
      `- ${row.label} ended \`${failed[0].outcome}\` in ${failed.length} of ${runs.length} seeds: ${reasons.join('; ')}`,
    ];
  });

  const table = markdownTable(
    [
      'strategy',
      'succeeded',
      'peak new conn/s, new tasks',
      'vs all-at-once (same seed)',
      'deployment s',
      'drain s (first old drop to last reconnection)',
      'plan drain s: chosen / expected-rate',
      'busiest second > budget (seeds)',
      'p99 busiest second: plan / measured',
      'targets (issue 15)',
    ],
    tableRows,
  );
  const commandTable = markdownTable(
    ['strategy', 'command (seed 1; --seed N for seed N)', 'reproduces seed 1'],
    results.map(({ row }, i) => [
      row.label,
      `\`${commands[i].command}\``,
      commands[i].missing.length > 0
        ? `no: no flag for ${commands[i].missing.join(', ')}`
        : commands[i].reproduced
          ? 'yes (same summary JSON)'
          : `NO (${commands[i].why})`,
    ]),
  );
  const wall = (simulateSeconds + verifySeconds).toFixed(1);
  const text = [
    `### ${seedTasks} tasks x ${scenario.connectionsPerTask} connections, seeds ${seeds[0]}-${seeds.at(-1)}: min / median / max`,
    '',
    table,
    '',
    ...failures,
    ...(failures.length > 0 ? [''] : []),
    confidenceLine,
    '',
    '#### The command of each row',
    '',
    commandTable,
    '',
    `Simulated ${results.length * seeds.length} deployments in ${simulateSeconds.toFixed(1)} s of wall time; the ${commands.length} commands ran in ${verifySeconds.toFixed(1)} s (${wall} s in all).`,
  ].join('\n');
  log(text);
  return {
    markdown: text,
    targets,
    readmeTable: readmeTable(results),
    seconds: Number(wall),
    unexpectedFailures: unexpected.map(({ row }) => row.label),
    reproduced: commands.every((c) => c.reproduced),
  };
}

/** README.md's "What it saves" table: medians over the seeds, the peak with its range. */
function readmeTable(results) {
  const lines = [
    `From \`npm run bench\` ([BENCHMARKS.md](BENCHMARKS.md), section 7, with each row's \`ecs-taper simulate\``,
    `command): the simulator, ${seedTasks} tasks × ${scenario.connectionsPerTask} long-lived clients that reconnect within 0–${scenario.reconnectJitterSeconds} s of a drop,`,
    `deregistration delay ${scenario.deregistrationDelaySeconds} s, ${seeds.length} random seeds: the median, and in brackets the range over the seeds.`,
    '',
    '| strategy | peak new connections/s | clients dropped twice | seconds without a healthy target | deployment |',
    '| --- | --: | --: | --: | --: |',
  ];
  for (const { row, runs } of results) {
    if (!row.readme) continue; // BENCHMARKS.md only
    const peak = minMedianMax(runs.map((r) => r.peakNew));
    const peakText = `${row.bold ? `**${peak.median}**` : peak.median} (${peak.min}–${peak.max})`;
    const failed = runs.filter((r) => r.outcome !== 'succeeded');
    const where = failed.every((r) => r.reason.includes('Cleanup Lambda')) ? ' in Cleanup' : '';
    const seedsFailed = failed.length === runs.length ? '' : ` in ${failed.length} of ${runs.length} seeds`;
    const deployment = `${formatNumber(median(runs.map((r) => r.deploymentSeconds)), 0)} s${
      failed.length === 0 ? '' : `, then fails${where}${seedsFailed}`
    }`;
    lines.push(
      `| ${row.readme} | ${peakText} | ${median(runs.map((r) => r.twice))} | ${median(runs.map((r) => r.zeroHealthy))} | ${deployment} |`,
    );
  }
  return lines.join('\n');
}
