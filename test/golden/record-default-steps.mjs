#!/usr/bin/env node
/**
 * Golden record of the default step list (issue 14): on seeded simulator scenarios, the phases, the
 * progress events and every AWS call a deployment makes (command name, input as canonical JSON with
 * sorted keys, simulated time), as the code did at commit 75c0a58, the last commit before the
 * deployment became a list of steps. `default-steps.test.ts` runs this script against the current
 * built packages and compares its output to `default-steps.golden.json`.
 *
 * It loads the BUILT packages (packages/core/dist, packages/simulator/dist) of the repository named by
 * `--root` (default: the repository holding this script), so it runs unchanged in another worktree.
 *
 * Regenerate the golden file (from /work/main, or any checkout; the worktree is a separate directory):
 *   git worktree add /tmp/golden-base 75c0a58
 *   (cd /tmp/golden-base && npm ci && npm run build -w @ecs-taper/core -w @ecs-taper/simulator)
 *   node test/golden/record-default-steps.mjs --root /tmp/golden-base --out test/golden/default-steps.golden.json
 *   git worktree remove /tmp/golden-base --force
 *
 * One intended change since the base (issue 16): a resumed run's deployment-started says `resumed: true`
 * (resume-after-abort's second run, at 290000; the base said false although discover adopted the
 * deployment). A file regenerated from the base must get that one field set again; nothing else moved
 * (`--only resume-after-abort` against this repository records exactly that difference).
 * A second one (issue 15's follow-up): the simulator throttles ELBv2 (and CloudWatch) calls as those
 * services do, `Throttling`, where the base's simulator said `ThrottlingException` for every service; in
 * the throttling scenario 21 ELBv2 calls' `error` changed, and nothing else (same calls, times, events).
 *
 * Usage: node record-default-steps.mjs [--root DIR] [--out FILE] [--only NAME[,NAME...]]
 * Without --out the record is written to stdout.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const baseCommit = '75c0a58';

/** Retries take no simulated time (the simulator throws injected faults straight back). */
const fastRetry = { retries: 12, minTimeoutMs: 0, maxTimeoutMs: 0 };

/** The event types that existed at the base commit; types added since are not compared. */
const recordedEventTypes = new Set([
  'deployment-started',
  'phase-started',
  'phase-finished',
  'waiting',
  'scale-step',
  'status',
  'rollback-started',
  'deployment-finished',
]);

/** A seeded PRNG for Math.random, so that anything core draws at random is the same on every run. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A JSON-able copy with object keys sorted (undefined dropped, Dates as ISO strings). */
export function canonical(value) {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : canonical(v)));
  const out = {};
  for (const key of Object.keys(value).sort()) {
    if (value[key] !== undefined && typeof value[key] !== 'function') out[key] = canonical(value[key]);
  }
  return out;
}

/** Runs `fn` once, right after the first scale-down step (a successful UpdateTaskSet on the old set). */
function afterFirstStep(built, fn) {
  let done = false;
  built.world.onApiCall((call) => {
    if (done || !call.ok || call.operation !== 'UpdateTaskSet') return;
    if (call.input?.taskSet !== built.refs.initialTaskSet.arn) return;
    done = true;
    fn(call.at);
  });
}

/**
 * The scenarios: a world (options for buildWorld; the simulator's taper harness defaults of 6 tasks,
 * 20 connections per task and a 30 s deregistration delay, a fixed seed), the input on top of the world's,
 * and optional setup (faults, scheduled events) and runs (default: one deploy).
 */
export const scenarios = [
  {
    name: 'plain-success',
    world: { tasks: 6, randomSeed: 1 },
    input: { decrementTasks: 1, intervalSeconds: 30 },
  },
  {
    name: 'default-plan',
    world: { tasks: 4, randomSeed: 2 },
    // The default schedule of the base commit, pinned: the default became window mode (issue 15). Both
    // sides run this script, so the base commit gets the same explicit fields, which meant the same there.
    input: { decrementPercent: 25, intervalSeconds: 60 },
  },
  {
    name: 'large-service',
    world: { tasks: 40, connectionsPerTask: 5, randomSeed: 4 },
    input: { decrementPercent: 10, intervalSeconds: 60 },
  },
  {
    name: 'alarm-mid-scale-down',
    world: { tasks: 8, connectionsPerTask: 20, randomSeed: 5 },
    input: (built) => ({ decrementTasks: 2, intervalSeconds: 60, alarmNames: [built.refs.alarmName] }),
    setup: (built) =>
      afterFirstStep(built, (at) => built.world.scheduleAlarm(built.refs.alarmName, at + 30_000)),
  },
  {
    name: 'never-healthy',
    world: { tasks: 4, randomSeed: 6 },
    input: { readyTimeoutSeconds: 300 },
    setup: (built) => {
      built.world.faults.badVersion = { taskDefinition: built.refs.v2.arn, mode: 'unhealthy' };
    },
  },
  {
    name: 'health-guard-after-swap',
    world: { tasks: 10, connectionsPerTask: 20, randomSeed: 7 },
    input: { decrementTasks: 2, intervalSeconds: 60, unhealthyGraceSeconds: 60 },
    setup: (built) => afterFirstStep(built, () => built.world.breakVersion(built.refs.v2.arn)),
  },
  {
    name: 'autoscaling-suspended',
    world: {
      tasks: 8,
      randomSeed: 8,
      scalableTarget: {
        minCapacity: 1,
        maxCapacity: 40,
        suspendedState: {
          DynamicScalingInSuspended: false,
          DynamicScalingOutSuspended: false,
          ScheduledScalingSuspended: true,
        },
      },
    },
    input: { decrementTasks: 2, intervalSeconds: 60 },
    // A scale-out during the deployment: skipped, since the deployment suspended dynamic scaling.
    setup: (built) =>
      afterFirstStep(built, (at) =>
        built.world.scheduleScaling({ atSeconds: at / 1000 + 10, desiredCount: 16, kind: 'dynamic' }),
      ),
  },
  {
    name: 'autoscaling-kept-on',
    world: { tasks: 8, randomSeed: 9, scalableTarget: { minCapacity: 1, maxCapacity: 40 } },
    input: { decrementTasks: 2, intervalSeconds: 60, suspendAutoScaling: false },
    setup: (built) =>
      afterFirstStep(built, (at) =>
        built.world.scheduleScaling({ atSeconds: at / 1000 + 10, desiredCount: 16, kind: 'dynamic' }),
      ),
  },
  {
    name: 'desired-count-change',
    world: { tasks: 6, randomSeed: 10 },
    input: { decrementTasks: 1, intervalSeconds: 30 },
    setup: (built) =>
      afterFirstStep(built, () =>
        built.clock.schedule(5_000, () => built.world.setDesiredCount(built.refs.service, 9)),
      ),
  },
  {
    name: 'resume-after-abort',
    world: { tasks: 6, randomSeed: 11 },
    input: { decrementTasks: 1, intervalSeconds: 30 },
    // Stopped (Ctrl-C) after the second scale-down phase, started again 30 s later with the same
    // command minus its deploymentId: discover adopts the unfinished set.
    runs: async (built, input, deployOnce) => {
      const controller = new AbortController();
      let scaleDowns = 0;
      await deployOnce(input, {
        signal: controller.signal,
        controllerId: 'golden-controller-1',
        onEvent: (event) => {
          if (event.type === 'phase-finished' && event.phase === 'scaleDown' && ++scaleDowns === 2)
            controller.abort();
        },
      });
      await built.clock.sleep(30_000);
      const { deploymentId: _adopted, ...sameCommand } = input;
      await deployOnce(sameCommand, { controllerId: 'golden-controller-2' });
    },
  },
  {
    name: 'throttling-and-5xx',
    world: { tasks: 6, randomSeed: 12 },
    input: { decrementTasks: 2, intervalSeconds: 30 },
    setup: (built) => {
      built.world.faults.throttle = { rate: 0.2 };
      built.world.faults.serverErrors = { rate: 0.05 };
    },
  },
  {
    name: 'lost-responses',
    world: { tasks: 4, randomSeed: 13 },
    input: { decrementTasks: 1, intervalSeconds: 30 },
    // The 3rd, 9th and 15th successful mutating calls are applied, but their answers are lost (503).
    loseResponses: new Set([3, 9, 15]),
  },
];

async function loadPackages(root) {
  const dist = (pkg) => pathToFileURL(join(root, 'packages', pkg, 'dist', 'index.js')).href;
  const [core, simulator] = await Promise.all([import(dist('core')), import(dist('simulator'))]);
  return { core, simulator };
}

function lostResponse() {
  return Object.assign(new Error('Service Unavailable'), {
    name: 'ServiceUnavailableException',
    $fault: 'server',
    $metadata: { httpStatusCode: 503 },
  });
}

/** Runs one scenario and returns its record: events, calls, results, and where the world ended. */
async function recordScenario(scenario, { core, simulator }) {
  const realRandom = Math.random;
  Math.random = mulberry32(scenario.world.randomSeed ?? 1);
  try {
    const built = simulator.buildWorld({
      connectionsPerTask: 20,
      deregistrationDelaySeconds: 30,
      ...scenario.world,
    });
    const { world, clock, refs } = built;
    const epoch = clock.now() - clock.elapsedMs;
    const calls = [];
    const events = [];
    const results = [];

    let mutations = 0;
    const wrap = (clientName, client) => ({
      send: async (command, ...rest) => {
        const entry = {
          at: clock.elapsedMs,
          client: clientName,
          command: command.constructor.name,
          input: canonical(command.input),
        };
        calls.push(entry);
        try {
          const output = await client.send(command, ...rest);
          if (simulator.MUTATING_OPERATIONS.has(entry.command.replace(/Command$/, ''))) {
            mutations++;
            if (scenario.loseResponses?.has(mutations)) {
              entry.error = 'lost-response';
              throw lostResponse();
            }
          }
          return output;
        } catch (error) {
          entry.error ??= error?.name ?? String(error);
          throw error;
        }
      },
    });
    const clients = Object.fromEntries(
      Object.entries(built.clients).map(([name, client]) => [name, wrap(name, client)]),
    );

    const deployOnce = async (input, options = {}) => {
      const emitter = new core.DeploymentEmitter();
      emitter.on('event', (event) => {
        options.onEvent?.(event);
        if (!recordedEventTypes.has(event.type)) return;
        const { deploymentId: _id, ...rest } = event;
        const relative = { ...rest, at: rest.at - epoch };
        if (typeof rest.until === 'number') relative.until = rest.until - epoch;
        events.push(canonical(relative));
      });
      try {
        const result = await core.deploy(clients, input, {
          clock,
          events: emitter,
          retry: fastRetry,
          signal: options.signal,
          controllerId: options.controllerId ?? 'golden-controller',
        });
        results.push({
          at: clock.elapsedMs,
          outcome: result.outcome,
          reason: result.reason,
          deploymentId: result.deploymentId,
        });
      } catch (error) {
        results.push({ at: clock.elapsedMs, error: error?.name ?? String(error), message: error?.message });
      }
    };

    scenario.setup?.(built);
    const extra = typeof scenario.input === 'function' ? scenario.input(built) : scenario.input;
    const input = { ...built.input, deploymentId: `golden-${scenario.name}`, ...extra };
    if (scenario.runs) await scenario.runs(built, input, deployOnce);
    else await deployOnce(input);

    const end = {
      productionListener: refs.productionListener.defaultActions,
      testListener: refs.testListener.defaultActions,
      service: { desiredCount: refs.service.desiredCount, taskDefinition: refs.service.taskDefinitionArn },
      taskSets: refs.service.taskSets.map((set) => ({
        taskDefinition: set.taskDefinitionArn,
        status: set.status,
        scale: set.scale,
        externalId: set.externalId,
      })),
      scalableTarget: refs.scalableTarget?.suspendedState,
      scalingActivities: world.scalingActivities,
    };
    return canonical({ results, events, calls, end });
  } finally {
    Math.random = realRandom;
  }
}

/** Records every scenario (or those named in `only`) with the built packages under `root`. */
export async function recordAll(root, only) {
  const packages = await loadPackages(root);
  const out = {};
  for (const scenario of scenarios) {
    if (only && !only.includes(scenario.name)) continue;
    out[scenario.name] = await recordScenario(scenario, packages);
  }
  return out;
}

/** The file's text: one line per event and per call, so that a diff of two records reads line by line. */
export function formatRecord(record) {
  const lines = ['{', `  "base": ${JSON.stringify(baseCommit)},`, '  "scenarios": {'];
  const names = Object.keys(record);
  for (const [i, name] of names.entries()) {
    const { results, events, calls, end } = record[name];
    const list = (key, items, last) => {
      lines.push(`      ${JSON.stringify(key)}: [`);
      for (const [j, item] of items.entries()) {
        lines.push(`        ${JSON.stringify(item)}${j < items.length - 1 ? ',' : ''}`);
      }
      lines.push(`      ]${last ? '' : ','}`);
    };
    lines.push(`    ${JSON.stringify(name)}: {`);
    list('results', results);
    list('events', events);
    list('calls', calls);
    lines.push(`      "end": ${JSON.stringify(end)}`);
    lines.push(`    }${i < names.length - 1 ? ',' : ''}`);
  }
  lines.push('  }', '}', '');
  return lines.join('\n');
}

function argument(args, name) {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const root = resolve(argument(args, '--root') ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
  const only = argument(args, '--only')?.split(',');
  const text = formatRecord(await recordAll(root, only));
  const out = argument(args, '--out');
  if (out) writeFileSync(out, text);
  else process.stdout.write(text);
}
