// Executes the real generated state machine with aws-local-stepfunctions, its Task states bound to the
// real Lambda handler running against @ecs-taper/simulator, and its hand-over Task bound to a local
// StartExecution that runs the successor execution of the same definition. aws-local-stepfunctions needs
// Node >= 22, so the vitest suite installs it in ./node24 and runs this file under Node 24, and reads the JSON
// on its last line.
//
// Usage: node run-execution.mjs <scenario>   (see `scenarios` below)

import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { Logger } from '@aws-lambda-powertools/logger';
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { abortDeployment, DeploymentEmitter, deploy, promoteDeployment } from '@ecs-taper/core';
import {
  buildStateMachineDefinition,
  createPhaseHandler,
  handOverState,
  lambdaHookRunner,
  stateNames,
} from '@ecs-taper/runner-lambda';
import { buildWorld } from '@ecs-taper/simulator';

// aws-local-stepfunctions is installed in ./node24 under Node 24 (node24/install.ts), not by the root install.
const { StateMachine } = createRequire(new URL('./node24/package.json', import.meta.url))(
  'aws-local-stepfunctions',
);

const small = { tasks: 4, connectionsPerTask: 20, randomSeed: 7 };
const quick = { pollIntervalSeconds: 10, settleSeconds: 30, intervalSeconds: 30, readyTimeoutSeconds: 400 };

const canary = (weightPercent, seconds) => ({ type: 'canary', weightPercent, seconds });
const pausedList = [{ type: 'swap' }, { type: 'pause', untilPromoted: true }, { type: 'scaleDown' }];

/**
 * world: buildWorld options; schedule: deployment input; alarm: put the alarm in ALARM after this many
 * steps; faults: inject invocation and AWS failures into every phase; lostCreateResponse: the create
 * phase's first response is lost (Lambda.ServiceException after the work was done).
 * Steps (issue 14): alarmAfterWeighted: the alarm goes to ALARM this many simulated seconds after the first
 * weighted ModifyListener; control: once the new set is tagged `ecs-taper:paused`, another process marks
 * it (promote or abort, markOnly); hookServer: the before-swap hook is a URL of a local HTTP server that
 * answers 500 (`fail`) or never (`hang`), run by the real lambdaHookRunner.
 */
const scenarios = {
  success: { world: small, schedule: quick },
  'bad-version': { world: small, schedule: quick, badVersion: true },
  alarm: { world: small, schedule: quick, alarm: 1 },
  'handler-failure': { world: small, schedule: quick, lostCreateResponse: true },
  'faults-success': { world: small, schedule: quick, faults: true },
  'faults-alarm': { world: small, schedule: { ...quick, decrementTasks: 1 }, alarm: 2, faults: true },
  'faults-bad-version': { world: small, schedule: quick, badVersion: true, faults: true },
  // Cleanup is denied for good (not retried, not rolled back): Auto Scaling must still be given back.
  'cleanup-denied': {
    world: { ...small, scalableTarget: { minCapacity: 1, maxCapacity: 8 } },
    schedule: quick,
    denyCleanup: true,
  },
  // Issue 14: the step list through the state machine (the simulator's steps.test.ts, in ASL).
  'canary-alarm': {
    world: small,
    schedule: { ...quick, steps: [canary(10, 300), { type: 'swap' }, { type: 'scaleDown' }] },
    watchAlarm: true,
    alarmAfterWeighted: 120,
  },
  'canary-pass': {
    world: small,
    schedule: { ...quick, steps: [canary(10, 60), { type: 'swap' }, { type: 'scaleDown' }] },
  },
  'pause-promote': { world: small, schedule: { ...quick, steps: pausedList }, control: 'promote' },
  'pause-abort': { world: small, schedule: { ...quick, steps: pausedList }, control: 'abort' },
  'hook-fails': { world: small, schedule: quick, hookServer: 'fail' },
  'hook-hangs': { world: small, schedule: quick, hookServer: 'hang', hookTimeoutSeconds: 2 },
  'hook-command-refused': {
    world: small,
    schedule: { ...quick, hooks: { 'before-swap': { command: 'true' } } },
  },
  // Issue 13: 1,000 tasks, one per step, 60 s apart, alarms watched with 15 s polls: ~4,000 loops.
  long: {
    world: { tasks: 1000, connectionsPerTask: 1, randomSeed: 11 },
    schedule: {
      decrementTasks: 1,
      intervalSeconds: 60,
      pollIntervalSeconds: 15,
      settleSeconds: 60,
      readyTimeoutSeconds: 1800,
    },
    watchAlarm: true,
  },
};

/** The step scenarios (issue 14), which report what the simulator's steps.test.ts checks. */
const stepScenarios = Object.fromEntries(
  Object.keys(scenarios)
    .filter((name) => /^(canary|pause|hook)-/.test(name))
    .map((name) => [name, true]),
);

const scenarioName = process.argv[2] ?? 'success';
const scenario = scenarios[scenarioName];
if (!scenario)
  throw new Error(`unknown scenario ${scenarioName}; one of ${Object.keys(scenarios).join(', ')}`);

const region = 'us-east-1';
const stateMachineArn = `arn:aws:states:${region}:000000000000:stateMachine:ecs-taper`;
const functionArn = `arn:aws:lambda:${region}:000000000000:function:ecs-taper:1`;
const definition = buildStateMachineDefinition({ functionArn });
const machine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });

const built = buildWorld(scenario.world);
const { world, clients, clock, refs } = built;
const startedAt = clock.now();
const startedAtRealMs = performance.now();
const watchesAlarm = scenario.alarm !== undefined || scenario.watchAlarm;

/** The before-swap hook's endpoint: real HTTP on 127.0.0.1, answering 500 or never. */
const hookRequests = [];
const hookServer = scenario.hookServer
  ? createServer((request, response) => {
      hookRequests.push({
        method: request.method,
        atRealMs: Math.round(performance.now() - startedAtRealMs),
      });
      request.resume();
      if (scenario.hookServer === 'fail') response.writeHead(500).end('boom');
    })
  : undefined;
if (hookServer) await new Promise((listening) => hookServer.listen(0, '127.0.0.1', listening));
const hookUrl = hookServer ? `http://127.0.0.1:${hookServer.address().port}/hook` : undefined;

const schedule = {
  ...scenario.schedule,
  ...(watchesAlarm ? { alarmNames: [refs.alarmName] } : {}),
  ...(hookUrl
    ? { hooks: { 'before-swap': { url: hookUrl, timeoutSeconds: scenario.hookTimeoutSeconds ?? 5 } } }
    : {}),
};
const input = { ...built.input, ...schedule };
if (scenario.badVersion) {
  world.faults = { ...world.faults, badVersion: { taskDefinition: refs.v2.arn, mode: 'unhealthy' } };
}

const handle = createPhaseHandler({
  clients: () => clients,
  now: () => clock.now(),
  retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 },
  // What the deployed function runs (lambda.ts): url hooks are real HTTP, a command is refused.
  hooks: lambdaHookRunner(),
  logger: new Logger({ serviceName: 'ecs-taper', logLevel: 'SILENT' }),
});

/** Simulated ms (since the world started) the alarm goes to ALARM: after the first weighted ModifyListener. */
let alarmAt;
if (scenario.alarmAfterWeighted !== undefined) {
  world.onApiCall((call) => {
    if (alarmAt !== undefined || !call.ok || call.operation !== 'ModifyListener') return;
    if (!call.input.DefaultActions?.[0]?.ForwardConfig) return;
    alarmAt = call.at + scenario.alarmAfterWeighted * 1000;
    world.scheduleAlarm(refs.alarmName, alarmAt);
  });
}

/**
 * Another machine marks the deployment once the execution has tagged the pause: it has only the AWS
 * clients (and the same clock). The next Task waits for the mark to land, so the poll after it sees it.
 */
const control = { pausedAt: undefined, pending: undefined, mark: undefined, error: undefined };
if (scenario.control) {
  world.onApiCall((call) => {
    const tagged = call.ok && call.operation === 'TagResource';
    if (control.pending || !tagged || !call.input.tags?.some((t) => t.key === 'ecs-taper:paused')) return;
    control.pausedAt = call.at;
    const mark = scenario.control === 'promote' ? promoteDeployment : abortDeployment;
    control.pending = mark(clients, input, {
      markOnly: true,
      clock,
      retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 },
      controllerId: `ctl-${scenario.control}`,
    }).then(
      (result) => {
        control.mark = { ...result.mark, at: clock.now() - startedAt, result: result.result };
      },
      (failure) => {
        control.error = `${failure.name}: ${failure.message}`;
      },
    );
  });
}

/**
 * The faults injected on a Task's attempts, by kind. "after": the handler ran (its changes are made) and
 * the response is lost; "before": the invocation never reached the handler; "aws": every AWS call of the
 * attempt fails in the simulator, so the handler's own retries run out and it surfaces the AWS error.
 */
const faultKinds = [
  { name: 'Sandbox.Timedout', when: 'after' },
  { name: 'Lambda.ClientExecutionTimeoutException', when: 'before' },
  // Each service throttles under its own name (ECS ThrottlingException, ELBv2 and CloudWatch Throttling):
  // the handler surfaces whichever its first call got.
  {
    name: 'ThrottlingException',
    surfaces: ['ThrottlingException', 'Throttling'],
    when: 'aws',
    faults: { throttle: { rate: 1 } },
  },
  { name: 'ServiceUnavailableException', when: 'aws', faults: { serverErrors: { rate: 1 } } },
  { name: 'Throttling', when: 'after' },
  { name: 'ServiceUnavailable', when: 'before' },
  { name: 'ServerException', when: 'after' },
  { name: 'InternalFailure', when: 'before' },
  { name: 'States.Timeout', when: 'after' },
];
let faultCursor = 0;
const injected = [];

// Wait states take 0 ms of real time; the simulated world advances by the seconds the previous phase
// asked for, so deadlines and schedules still hold in simulated time.
let pendingWaitSeconds = 0;
let lostCreateResponse = false;
const visited = [];
const payloadBytes = { maxIn: 0, maxOut: 0, maxExecutionInput: 0 };
const bytes = (value) => Buffer.byteLength(JSON.stringify(value));

/**
 * Attempts of the Task now running: what `$$.State.RetryCount` is on AWS (the local context has none).
 * A call for the state whose previous attempt just failed is its retry.
 */
let attempt = { state: '', retries: 0, failed: false, faulty: false };
/** Every phase gets faults on its first entry; a phase entered many times (scale-down, polls) every 4th. */
const entriesOf = new Map();

const wrap = (stateName) => async (effectiveInput) => {
  if (attempt.failed && attempt.state === stateName) attempt = { ...attempt, retries: attempt.retries + 1 };
  else {
    const n = (entriesOf.get(stateName) ?? 0) + 1;
    entriesOf.set(stateName, n);
    attempt = { state: stateName, retries: 0, faulty: Boolean(scenario.faults) && (n === 1 || n % 4 === 0) };
  }
  visited.push(stateName);
  attempt.failed = true;
  const output = await invoke(stateName, { ...effectiveInput.Payload, retryCount: attempt.retries });
  attempt.failed = false;
  return output;
};

/** The scalable target's SuspendedState when cleanup was denied (Auto Scaling suspended by then). */
let suspendedAtCleanup;

async function invoke(stateName, payload) {
  payloadBytes.maxIn = Math.max(payloadBytes.maxIn, bytes(payload));
  if (payload.restoreAfterFailure) return { Payload: await handle(payload) };
  if (scenario.denyCleanup && payload.phase === 'cleanup') {
    suspendedAtCleanup = { ...refs.scalableTarget.suspendedState };
    throw named('AccessDeniedException');
  }
  if (control.pending) await control.pending;
  if (pendingWaitSeconds > 0) await clock.sleep(pendingWaitSeconds * 1000);
  pendingWaitSeconds = 0;
  if (
    scenario.alarm !== undefined &&
    payload.phase === 'scaleDown' &&
    payload.state?.stepsApplied >= scenario.alarm
  ) {
    world.alarms.put(refs.alarmName, 'ALARM');
  }
  // Two faults on the selected entries' first two attempts, then the Task succeeds.
  const fault =
    attempt.faulty && attempt.retries < 2 ? faultKinds[faultCursor++ % faultKinds.length] : undefined;
  if (fault) injected.push({ state: stateName, fault: fault.name });
  if (fault?.when === 'before') throw named(fault.name);
  if (fault?.when === 'aws') {
    const saved = world.faults;
    world.faults = { ...saved, ...fault.faults };
    // Rollback retries transient AWS errors itself until its deadline: then the attempt succeeds.
    const outcome = await handle(payload).then(
      (output) => ({ output }),
      (failure) => ({ failure }),
    );
    world.faults = saved;
    if (outcome.failure) {
      const expected = fault.surfaces ?? [fault.name];
      if (!expected.includes(outcome.failure.name)) {
        throw new Error(
          `expected ${expected.join(' or ')} from the handler, got ${outcome.failure.name}: ${outcome.failure.message}`,
        );
      }
      throw outcome.failure;
    }
    if (payload.phase !== 'rollback')
      throw new Error(`${payload.phase} succeeded although every AWS call failed`);
    return finish(outcome.output);
  }
  const output = await handle(payload);
  if (fault?.when === 'after') throw named(fault.name);
  if (scenario.lostCreateResponse && payload.phase === 'create' && !lostCreateResponse) {
    lostCreateResponse = true;
    throw named('Lambda.ServiceException');
  }
  return finish(output);
}

/** The handler's own count of each execution's history events (by generation), after its last Task. */
const countedByHandler = [];

function finish(output) {
  payloadBytes.maxOut = Math.max(payloadBytes.maxOut, bytes(output));
  countedByHandler[output.execution.generation] = output.execution.events;
  if (output.next.kind === 'go') pendingWaitSeconds = output.next.afterSeconds;
  return { Payload: output };
}

function named(name) {
  return Object.assign(new Error(`injected ${name}`), { name });
}

/**
 * Step Functions history events for the local event log: the local log has one event per state entered
 * and exited; AWS writes TaskScheduled, TaskStarted and TaskSucceeded/TaskFailed around a Task as well.
 */
function historyEventsOf(event) {
  const task = event.state?.type === 'Task';
  switch (event.type) {
    case 'StateEntered':
      return task ? 3 : 1; // TaskStateEntered, TaskScheduled, TaskStarted
    case 'StateExited':
      return task ? 2 : 1; // TaskSucceeded, TaskStateExited
    case 'StateFailed':
      return 1; // TaskFailed (or TaskTimedOut); the local log writes it before a retry or a catch
    case 'StateRetried':
      return 2; // TaskScheduled, TaskStarted of the next attempt
    case 'StateCaught':
      return 1; // TaskStateExited
    default:
      return 1; // ExecutionStarted, ExecutionSucceeded, ExecutionFailed
  }
}

const executions = [];
const started = new Map();

function startExecution(name, executionInput) {
  const existing = started.get(name);
  if (existing) {
    if (JSON.stringify(existing.input) !== JSON.stringify(executionInput)) {
      throw named('StepFunctions.ExecutionAlreadyExistsException');
    }
    return existing;
  }
  const id = `arn:aws:states:${region}:000000000000:execution:ecs-taper:${name}`;
  payloadBytes.maxExecutionInput = Math.max(payloadBytes.maxExecutionInput, bytes(executionInput));
  const taskStates = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
  const waitStates = Object.entries(definition.States).filter(([, s]) => s.Type === 'Wait');
  const handlers = Object.fromEntries(
    taskStates
      .filter(([stateName]) => stateName !== handOverState)
      .map(([stateName]) => [stateName, wrap(stateName)]),
  );
  handlers[handOverState] = async (parameters) => {
    const successor = startExecution(parameters.Name, parameters.Input);
    return { ExecutionArn: successor.id, StartDate: new Date().toISOString() };
  };
  const run = machine.run(executionInput, {
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: Object.fromEntries(waitStates.map(([stateName]) => [stateName, 0])),
      retryIntervalOverrides: Object.fromEntries(taskStates.map(([stateName]) => [stateName, 0])),
    },
    // State.RetryCount: the local context has none; the wrapper puts the real count into the payload.
    context: {
      Execution: { Id: id, Name: name },
      StateMachine: { Id: stateMachineArn, Name: 'ecs-taper' },
      State: { RetryCount: 0 },
    },
  });
  const record = { id, name, input: executionInput, events: 0, status: 'RUNNING' };
  record.counted = (async () => {
    for await (const event of run.eventLogs) record.events += historyEventsOf(event);
  })();
  record.result = run.result.then(
    (output) => {
      record.status = 'SUCCEEDED';
      record.output = output;
    },
    (failure) => {
      record.status = 'FAILED';
      record.error = failure?.cause?.name ?? failure?.name;
      record.cause = failure?.cause?.message ?? failure?.message;
    },
  );
  started.set(name, record);
  executions.push(record);
  return record;
}

startExecution(`run-${scenarioName}`, input);
// Follow the chain: each execution that hands over names its successor in its output.
for (let i = 0; i < executions.length; i++) {
  await executions[i].result;
  await executions[i].counted;
}
const last = executions.at(-1);

const sets = await clients.ecs.send(
  new DescribeServicesCommand({ cluster: built.input.cluster, services: [built.input.service] }),
);
const listeners = await clients.elbv2.send(
  new DescribeListenersCommand({ ListenerArns: [refs.productionListener.arn] }),
);
const taskSets = (sets.services?.[0]?.taskSets ?? []).map((s) => ({
  status: s.status,
  taskDefinition: s.taskDefinition,
  scale: s.scale?.value,
  running: s.runningCount,
  externalId: s.externalId,
}));

const simulatedSeconds = Math.round((clock.now() - startedAt) / 1000);
const realMs = Math.round(performance.now() - startedAtRealMs);
if (hookServer) {
  hookServer.closeAllConnections();
  hookServer.close();
}

/** Successful ModifyListener calls on the production listener: simulated ms and the actions. */
const productionChanges = world.calls
  .filter(
    (c) => c.ok && c.operation === 'ModifyListener' && c.input.ListenerArn === refs.productionListener.arn,
  )
  .map((c) => ({ at: c.at, actions: c.input.DefaultActions }));
/** Scale-down steps: UpdateTaskSet calls that lowered the old set's scale (simulated ms). */
const scaleDownSteps = [];
let oldScale = 100;
for (const c of world.calls) {
  if (!c.ok || c.operation !== 'UpdateTaskSet' || c.input.taskSet !== refs.initialTaskSet.arn) continue;
  const value = c.input.scale?.value ?? oldScale;
  if (value < oldScale) scaleDownSteps.push(c.at);
  oldScale = value;
}
const mutatingCalls = world.calls.filter((c) => c.mutating).length;
// Old-version connections dropped (a task stopped under its clients), once clients had time to leave.
let oldDrops;
if (scenarioName in stepScenarios) {
  await world.settle(3600_000);
  oldDrops = world.metrics.dropWindow.get(refs.v1.arn)?.count ?? 0;
}

// The local loop, deploy(), interprets the same workflow: on an identical fresh world it must visit
// the same phases in the same order as the state machine did.
async function localLoopPhases() {
  const twin = buildWorld(scenario.world);
  const events = new DeploymentEmitter();
  const phases = [];
  events.on('event', (event) => {
    if (event.type === 'phase-started') phases.push(stateNames[event.phase]);
  });
  const result = await deploy(
    twin.clients,
    { ...twin.input, ...schedule },
    { clock: twin.clock, events, resume: false, retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 } },
  );
  return { phases, outcome: result.outcome };
}

console.log(
  JSON.stringify({
    localLoop: scenarioName === 'success' ? await localLoopPhases() : undefined,
    scenario: scenarioName,
    status: last.status,
    error: last.error,
    cause: last.cause,
    executions: executions.map((e, generation) => ({
      name: e.name,
      status: e.status,
      events: e.events,
      countedByHandler: countedByHandler[generation],
      handedOverTo: e.output?.handedOverTo,
      error: e.error,
    })),
    payloadBytes,
    injected,
    visited: scenarioName === 'long' ? undefined : visited,
    visitedCount: visited.length,
    taskSets,
    productionTargetGroup: listeners.Listeners?.[0]?.DefaultActions?.[0]?.TargetGroupArn,
    suspendedAtCleanup,
    suspendedAtEnd: refs.scalableTarget ? { ...refs.scalableTarget.suspendedState } : undefined,
    blue: refs.blue.arn,
    green: refs.green.arn,
    v1: refs.v1.arn,
    v2: refs.v2.arn,
    simulatedSeconds,
    realMs,
    ...(scenarioName in stepScenarios
      ? {
          productionChanges,
          scaleDownSteps,
          mutatingCalls,
          oldDrops,
          alarmAt,
          pausedAt: control.pausedAt,
          mark: control.mark,
          markError: control.error,
          hookRequests,
        }
      : {}),
  }),
);
