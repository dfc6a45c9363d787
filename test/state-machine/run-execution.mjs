// Executes the real generated state machine with aws-local-stepfunctions, its Task states bound to the
// real Lambda handler running against @ecs-taper/simulator. aws-local-stepfunctions needs Node >= 22,
// so the vitest suite runs this file under Node 24 and reads the JSON it prints on its last line.
//
// Usage: node run-execution.mjs <success|bad-version|alarm|handler-failure>
import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeploymentEmitter, deploy } from '@ecs-taper/core';
import { buildStateMachineDefinition, createPhaseHandler, stateNames } from '@ecs-taper/runner-lambda';
import { buildWorld } from '@ecs-taper/simulator';
import { StateMachine } from 'aws-local-stepfunctions';

const scenario = process.argv[2] ?? 'success';
const functionArn = 'arn:aws:lambda:us-east-1:000000000000:function:ecs-taper:1';
const definition = buildStateMachineDefinition({ functionArn });

const worldOptions = { tasks: 4, connectionsPerTask: 20, randomSeed: 7 };
const built = buildWorld(worldOptions);
const { world, clients, clock, refs } = built;
const startedAt = clock.now();
const schedule = {
  pollIntervalSeconds: 10,
  settleSeconds: 30,
  intervalSeconds: 30,
  readyTimeoutSeconds: 400,
  ...(scenario === 'alarm' ? { alarmNames: [refs.alarmName] } : {}),
};
const input = { ...built.input, ...schedule };
if (scenario === 'bad-version') {
  world.faults = { ...world.faults, badVersion: { taskDefinition: refs.v2.arn, mode: 'unhealthy' } };
}

const handle = createPhaseHandler({
  clients: () => clients,
  now: () => clock.now(),
  retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 },
});

// Wait states are shortened to 0 ms of real time; the simulated world advances by the seconds the
// previous phase asked for, so deadlines and schedules still hold in simulated time.
let pendingWaitSeconds = 0;
let injectedFailure = false;
const visited = [];
const wrap = (stateName) => async (effectiveInput) => {
  visited.push(stateName);
  if (pendingWaitSeconds > 0) await clock.sleep(pendingWaitSeconds * 1000);
  pendingWaitSeconds = 0;
  const payload = effectiveInput.Payload;
  if (scenario === 'alarm' && payload.phase === 'scaleDown' && payload.state?.stepsApplied >= 1) {
    world.alarms.put(refs.alarmName, 'ALARM');
  }
  const output = await handle(payload);
  if (scenario === 'handler-failure' && payload.phase === 'create' && !injectedFailure) {
    // The work was done but the response was lost: Step Functions retries the Task.
    injectedFailure = true;
    throw Object.assign(new Error('simulated lost response'), { name: 'Lambda.ServiceException' });
  }
  if (output.next.kind === 'go') pendingWaitSeconds = output.next.afterSeconds;
  return { Payload: output };
};

const taskStates = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
const waitStates = Object.entries(definition.States).filter(([, s]) => s.Type === 'Wait');
const machine = new StateMachine(definition, { validationOptions: { checkPaths: true, checkArn: true } });
const execution = machine.run(input, {
  overrides: {
    taskResourceLocalHandlers: Object.fromEntries(taskStates.map(([name]) => [name, wrap(name)])),
    waitTimeOverrides: Object.fromEntries(waitStates.map(([name]) => [name, 0])),
    retryIntervalOverrides: Object.fromEntries(taskStates.map(([name]) => [name, 0])),
  },
  context: { Execution: { Id: `arn:aws:states:us-east-1:000000000000:execution:ecs-taper:${scenario}` } },
});

let status = 'SUCCEEDED';
let error;
let cause;
try {
  await execution.result;
} catch (failure) {
  status = 'FAILED';
  error = failure?.cause?.name ?? failure?.name;
  cause = failure?.cause?.message ?? failure?.message;
}

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
// The local loop, deploy(), interprets the same workflow: on an identical fresh world it must visit
// the same phases in the same order as the state machine did.
async function localLoopPhases() {
  const twin = buildWorld(worldOptions);
  const events = new DeploymentEmitter();
  const phases = [];
  events.on('event', (event) => {
    if (event.type === 'phase-started') phases.push(stateNames[event.phase]);
  });
  const result = await deploy(
    twin.clients,
    { ...twin.input, ...schedule },
    {
      clock: twin.clock,
      events,
      resume: false,
      retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 2 },
    },
  );
  return { phases, outcome: result.outcome };
}

console.log(
  JSON.stringify({
    localLoop: scenario === 'success' ? await localLoopPhases() : undefined,
    scenario,
    status,
    error,
    cause,
    visited,
    taskSets,
    productionTargetGroup: listeners.Listeners?.[0]?.DefaultActions?.[0]?.TargetGroupArn,
    blue: refs.blue.arn,
    green: refs.green.arn,
    v1: refs.v1.arn,
    v2: refs.v2.arn,
    simulatedSeconds: Math.round((clock.now() - startedAt) / 1000),
  }),
);
