/**
 * Application Auto Scaling during a deployment, through real SDK clients against moto: core suspends the
 * service's scalable target (RegisterScalableTarget with all three SuspendedState flags true) once its task
 * set exists, records the state it found as a tag on that set first, and puts exactly that state back at
 * the end, whether the deployment succeeds or rolls back.
 *
 * moto stores the scalable target and its SuspendedState as sent, but never scales anything (README.md), so
 * what is checked is what core sends and what moto stores: every call to the Application Auto Scaling client
 * handed to core is recorded, and moto's stored state is read back (with a separate client) each time core
 * looks at the service. The success path uses the ECS player (support/ecs-player.ts).
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
  type ScalableTarget,
  type SuspendedState,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeTaskSetsCommand, type Tag } from '@aws-sdk/client-ecs';
import { DeploymentEmitter, type DeploymentEvent, deploy, type PhaseName } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import {
  createStack,
  discoverAndCreate,
  type MotoClients,
  motoClients,
  playedClients,
  readTaskSets,
  type Stack,
  testRetry,
  virtualClock,
} from '../support/real-aws';

const raw = motoClients();
const dimension = 'ecs:service:DesiredCount';
const allSuspended: SuspendedState = {
  DynamicScalingInSuspended: true,
  DynamicScalingOutSuspended: true,
  ScheduledScalingSuspended: true,
};
/** What the brief's operator has: a scheduled-scaling freeze of their own, dynamic scaling active. */
const scheduledOnly: SuspendedState = {
  DynamicScalingInSuspended: false,
  DynamicScalingOutSuspended: false,
  ScheduledScalingSuspended: true,
};

const resourceId = (stack: Stack) => `service/${stack.cluster}/${stack.service}`;

/** The service's scalable target as moto stores it, read with the raw client (not the one core uses). */
async function readTarget(stack: Stack): Promise<ScalableTarget | undefined> {
  const out = await raw.applicationAutoScaling.send(
    new DescribeScalableTargetsCommand({
      ServiceNamespace: 'ecs',
      ResourceIds: [resourceId(stack)],
      ScalableDimension: dimension,
    }),
  );
  return out.ScalableTargets?.[0];
}

async function registerTarget(stack: Stack, suspended: SuspendedState | undefined): Promise<void> {
  await raw.applicationAutoScaling.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: 'ecs',
      ResourceId: resourceId(stack),
      ScalableDimension: dimension,
      MinCapacity: 1,
      MaxCapacity: 6,
      ...(suspended ? { SuspendedState: suspended } : {}),
    }),
  );
}

interface Call {
  client: 'applicationAutoScaling' | 'ecs';
  command: string;
  input: Record<string, unknown>;
}

/**
 * Records, in order, every Application Auto Scaling call and every ECS tagging call core makes through
 * `clients` (CreateTaskSet included: it carries tags), and moto's stored SuspendedState each time core
 * reads the service (DescribeServices), labelled with the phase that was running.
 */
function record(clients: MotoClients, stack: Stack) {
  const calls: Call[] = [];
  const samples: { phase: PhaseName | undefined; suspended: SuspendedState | undefined }[] = [];
  const events = new DeploymentEmitter();
  const seen: DeploymentEvent[] = [];
  // A run starts in discover, whose phase-started is sent only once discover has settled the deployment
  // id (so that every event carries the one id): the calls before it are discover's.
  let phase: PhaseName | undefined = 'discover';
  events.on('event', (event) => {
    seen.push(event);
    if (event.type === 'phase-started') phase = event.phase;
  });
  /** Runs around each request of a watched client: records it, then samples moto after DescribeServices. */
  const around = async <T>(
    client: Call['client'],
    commandName: string | undefined,
    input: object,
    send: () => Promise<T>,
  ): Promise<T> => {
    const command = (commandName ?? '').replace(/Command$/, '');
    const watched =
      client === 'applicationAutoScaling' || /^(CreateTaskSet|TagResource|UntagResource)$/.test(command);
    if (watched) calls.push({ client, command, input: structuredClone(input) as Record<string, unknown> });
    const result = await send();
    if (command === 'DescribeServices') {
      samples.push({ phase, suspended: (await readTarget(stack))?.SuspendedState });
    }
    return result;
  };
  const options = { step: 'initialize', name: 'ecsTaperTestRecorder' } as const;
  clients.applicationAutoScaling.middlewareStack.add(
    (next, context) => (args) =>
      around('applicationAutoScaling', context.commandName, args.input, () => next(args)),
    options,
  );
  clients.ecs.middlewareStack.add(
    (next, context) => (args) => around('ecs', context.commandName, args.input, () => next(args)),
    options,
  );
  return { calls, samples, events, seen };
}

/** The tag keys (and values) a recorded ECS call sets or removes. */
function tagsOf(call: Call): Record<string, string> {
  if (call.command === 'UntagResource') {
    return Object.fromEntries((call.input.tagKeys as string[]).map((key) => [key, '(removed)']));
  }
  return Object.fromEntries(((call.input.tags as Tag[] | undefined) ?? []).map((t) => [t.key, t.value]));
}

const registers = (calls: Call[]) =>
  calls.filter((call) => call.command === 'RegisterScalableTarget').map((call) => call.input);

async function newSetTags(stack: Stack): Promise<Record<string, string>> {
  const sets = await raw.ecs.send(
    new DescribeTaskSetsCommand({ cluster: stack.cluster, service: stack.service, include: ['TAGS'] }),
  );
  const ours = sets.taskSets?.find((set) => set.taskSetArn !== stack.initialTaskSetArn);
  return Object.fromEntries((ours?.tags ?? []).map((t) => [t.key ?? '', t.value ?? '']));
}

describe('Application Auto Scaling during deploy() against moto', () => {
  it('suspends all three kinds of scaling for the deployment and restores exactly the state it found', async () => {
    const stack = await createStack(raw);
    await registerTarget(stack, scheduledOnly);
    const { clients } = playedClients();
    const { calls, samples, events } = record(clients, stack);

    const result = await deploy(clients, stack.input({ deploymentId: 'dep-aas', decrementTasks: 1 }), {
      clock: virtualClock(),
      events,
      retry: testRetry,
    });
    expect(result).toMatchObject({ outcome: 'succeeded' });

    // (a) During the deployment: one suspension with all three flags, sent for this service only and with
    // nothing else (no capacities, no RoleARN), then one restore of the state found.
    const target = { ServiceNamespace: 'ecs', ResourceId: resourceId(stack), ScalableDimension: dimension };
    expect(registers(calls)).toEqual([
      { ...target, SuspendedState: allSuspended },
      { ...target, SuspendedState: scheduledOnly },
    ]);
    // ... and moto stored the suspension: every time core looked at the service, from the health gate to
    // cleanup (which reads the service before it restores), the target was fully suspended.
    const during = samples.filter((s) => s.phase !== 'discover' && s.phase !== 'create');
    expect(new Set(during.map((s) => s.phase))).toEqual(
      new Set(['waitReady', 'swap', 'settle', 'scaleDown', 'waitDrained', 'cleanup']),
    );
    expect(during.every((s) => JSON.stringify(s.suspended) === JSON.stringify(allSuspended))).toBe(true);
    expect(samples.filter((s) => s.phase === 'discover').map((s) => s.suspended)).toEqual([scheduledOnly]);

    // The state found is on the new task set before anything is suspended (a restarted controller reads it).
    const suspendAt = calls.findIndex((call) => call.command === 'RegisterScalableTarget');
    const recordAt = calls.findIndex((call) => 'ecs-taper:autoscaling' in tagsOf(call));
    expect(recordAt).toBeGreaterThan(-1);
    expect(recordAt).toBeLessThan(suspendAt);
    expect(tagsOf(calls[recordAt] as Call)['ecs-taper:autoscaling']).toBe(
      'in=false out=false scheduled=true',
    );

    // (b) Afterwards: exactly the original SuspendedState, the capacities untouched, and the controller's
    // tags removed from the new set (the ownership mark stays).
    const after = await readTarget(stack);
    expect(after?.SuspendedState).toEqual(scheduledOnly);
    expect([after?.MinCapacity, after?.MaxCapacity]).toEqual([1, 6]);
    expect(await newSetTags(stack)).toEqual({ 'ecs-taper:deployment-id': 'dep-aas' });
  });

  it('restores the state it found when the deployment rolls back (moto alone: the health gate never opens)', async () => {
    const stack = await createStack(raw);
    await registerTarget(stack, scheduledOnly);
    const clients = motoClients();
    const { calls, samples, events, seen } = record(clients, stack);

    const result = await deploy(clients, stack.input({ readyTimeoutSeconds: 30 }), {
      clock: virtualClock(),
      events,
      retry: testRetry,
    });
    expect(result.outcome).toBe('rolled-back');
    expect(seen.some((e) => e.type === 'rollback-started')).toBe(true);

    const target = { ServiceNamespace: 'ecs', ResourceId: resourceId(stack), ScalableDimension: dimension };
    expect(registers(calls)).toEqual([
      { ...target, SuspendedState: allSuspended },
      { ...target, SuspendedState: scheduledOnly },
    ]);
    const gate = samples.filter((s) => s.phase === 'waitReady');
    expect(gate.length).toBeGreaterThan(0);
    expect(gate.every((s) => JSON.stringify(s.suspended) === JSON.stringify(allSuspended))).toBe(true);

    expect((await readTarget(stack))?.SuspendedState).toEqual(scheduledOnly);
    // Restored before the new set (which carried the record) was deleted.
    expect((await readTaskSets(raw, stack)).map((set) => set.taskSetArn)).toEqual([stack.initialTaskSetArn]);
  });

  it('a second controller restores the state the first one recorded, never the suspension it finds', async () => {
    const stack = await createStack(raw);
    await registerTarget(stack, scheduledOnly);
    // The first controller creates the set, records the state and suspends, then is gone.
    const first = playedClients().clients;
    await discoverAndCreate(first, stack, { deploymentId: 'dep-restart', decrementTasks: 1 });
    expect((await readTarget(stack))?.SuspendedState).toEqual(allSuspended);

    const { clients } = playedClients();
    const { calls, events } = record(clients, stack);
    const result = await deploy(clients, stack.input({ deploymentId: 'dep-restart', decrementTasks: 1 }), {
      clock: virtualClock(),
      events,
      retry: testRetry,
      takeOver: true,
    });
    expect(result.outcome).toBe('succeeded');
    // It read the record from the set's tags (DescribeTaskSets include TAGS): already suspended, so it
    // sends only the restore, of the first controller's record.
    expect(registers(calls).map((input) => input.SuspendedState)).toEqual([scheduledOnly]);
    expect((await readTarget(stack))?.SuspendedState).toEqual(scheduledOnly);
  });

  it.each([
    ['already fully suspended: nothing to suspend, nothing to restore', allSuspended, allSuspended, 0],
    // moto describes a target registered without SuspendedState with none at all (README.md); AWS reports
    // three false flags, which is what core records and puts back.
    [
      'registered without SuspendedState: restored as the three false flags AWS reports',
      undefined,
      {
        DynamicScalingInSuspended: false,
        DynamicScalingOutSuspended: false,
        ScheduledScalingSuspended: false,
      },
      2,
    ],
  ])('%s', async (_name, registered, restored, registerCalls) => {
    const stack = await createStack(raw);
    await registerTarget(stack, registered);
    const { clients } = playedClients();
    const { calls, events } = record(clients, stack);
    const result = await deploy(clients, stack.input({ decrementTasks: 1 }), {
      clock: virtualClock(),
      events,
      retry: testRetry,
    });
    expect(result.outcome).toBe('succeeded');
    expect(registers(calls)).toHaveLength(registerCalls);
    expect((await readTarget(stack))?.SuspendedState).toEqual(restored);
  });

  it('a service without a scalable target: core only looks, and registers none', async () => {
    // moto would register a new target even without MinCapacity/MaxCapacity (AWS refuses): a stray
    // RegisterScalableTarget would show up here as a target that was not there before.
    const stack = await createStack(raw);
    const { clients } = playedClients();
    const { calls, events } = record(clients, stack);
    const result = await deploy(clients, stack.input({ decrementTasks: 1 }), {
      clock: virtualClock(),
      events,
      retry: testRetry,
    });
    expect(result.outcome).toBe('succeeded');
    const aas = calls.filter((call) => call.client === 'applicationAutoScaling');
    expect(aas.length).toBeGreaterThan(0);
    expect(new Set(aas.map((call) => call.command))).toEqual(new Set(['DescribeScalableTargets']));
    expect(await readTarget(stack)).toBeUndefined();
  });

  it('suspendAutoScaling false: no Application Auto Scaling call at all', async () => {
    const stack = await createStack(raw);
    await registerTarget(stack, scheduledOnly);
    const { clients } = playedClients();
    const { calls, events } = record(clients, stack);
    const result = await deploy(clients, stack.input({ decrementTasks: 1, suspendAutoScaling: false }), {
      clock: virtualClock(),
      events,
      retry: testRetry,
    });
    expect(result.outcome).toBe('succeeded');
    expect(calls.filter((call) => call.client === 'applicationAutoScaling')).toEqual([]);
    expect((await readTarget(stack))?.SuspendedState).toEqual(scheduledOnly);
  });
});
