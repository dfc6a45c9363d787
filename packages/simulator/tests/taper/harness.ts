import { DeploymentEmitter, type DeploymentEvent, type DeploymentInput, deploy } from '@ecs-taper/core';
import { expect } from 'vitest';
import { type BuildWorldOptions, type BuiltWorld, buildWorld, MUTATING_OPERATIONS } from '../../src/index.js';

/** Retries take no simulated time (the simulator throws throttling errors straight back). */
export const fastRetry = { retries: 12, minTimeoutMs: 0, maxTimeoutMs: 0 };

export function world(options: BuildWorldOptions = {}): BuiltWorld {
  return buildWorld({ tasks: 6, connectionsPerTask: 20, deregistrationDelaySeconds: 30, ...options });
}

/** Runs the real deploy() against the world; collects its events. */
export async function run(
  built: BuiltWorld,
  extra: Partial<DeploymentInput> = {},
  options: {
    signal?: AbortSignal;
    clients?: BuiltWorld['clients'];
    takeOver?: boolean;
    controllerId?: string;
  } = {},
) {
  const events = new DeploymentEmitter();
  const seen: DeploymentEvent[] = [];
  events.on('event', (e) => seen.push(e));
  const result = await deploy(
    options.clients ?? built.clients,
    { ...built.input, ...extra },
    {
      clock: built.clock,
      events,
      signal: options.signal,
      retry: fastRetry,
      takeOver: options.takeOver,
      controllerId: options.controllerId,
    },
  );
  return { result, events: seen };
}

/** Seconds (sampled once a second since the world started) with no healthy target behind production. */
export function zeroHealthySeconds(built: BuiltWorld): number {
  return built.world.metrics.healthyProductionTargets.filter((n) => n === 0).length;
}

/** Lets clients reconnect and old tasks stop. */
export async function settle(built: BuiltWorld): Promise<void> {
  await built.world.settle(3600_000);
}

/** v2 is the only task set, PRIMARY at 100 %, all running and healthy; production -> green, test -> blue. */
export function expectDeployed(built: BuiltWorld): void {
  const { refs } = built;
  const sets = refs.service.taskSets;
  expect(sets.map((ts) => ts.taskDefinitionArn)).toEqual([refs.v2.arn]);
  const [set] = sets;
  expect(set?.taskDefinitionArn).toBe(refs.v2.arn);
  expect(set?.status).toBe('PRIMARY');
  expect(set?.scale).toBe(100);
  expect(set?.tasks.filter((t) => t.lastStatus === 'RUNNING' && t.target?.state === 'healthy')).toHaveLength(
    refs.service.desiredCount,
  );
  expect(refs.productionListener.defaultActions).toEqual([
    { Type: 'forward', TargetGroupArn: refs.green.arn },
  ]);
  expect(refs.testListener.defaultActions).toEqual([{ Type: 'forward', TargetGroupArn: refs.blue.arn }]);
}

/** v1 is back (or never left): the initial set alone at 100 %, production -> blue. */
export function expectRestored(built: BuiltWorld): void {
  const { refs } = built;
  expect(refs.service.taskSets.map((ts) => ts.arn)).toEqual([refs.initialTaskSet.arn]);
  expect(refs.initialTaskSet.status).toBe('PRIMARY');
  expect(refs.initialTaskSet.scale).toBe(100);
  const healthy = refs.initialTaskSet.tasks.filter(
    (t) => t.lastStatus === 'RUNNING' && t.target?.state === 'healthy',
  );
  expect(healthy).toHaveLength(refs.service.desiredCount);
  expect(refs.productionListener.defaultActions).toEqual([
    { Type: 'forward', TargetGroupArn: refs.blue.arn },
  ]);
}

type Sendable = { send(command: unknown): Promise<unknown> };

/** The world's clients with every `send` going through `send(client, command)`: a test's network. */
export function wrapClients(
  built: BuiltWorld,
  send: (client: Sendable, command: unknown) => Promise<unknown>,
): BuiltWorld['clients'] {
  const wrap = (client: Sendable): Sendable => ({ send: (command) => send(client, command) });
  const { ecs, elbv2, cloudwatch, applicationAutoScaling } = built.clients;
  return {
    ecs: wrap(ecs),
    elbv2: wrap(elbv2),
    cloudwatch: wrap(cloudwatch),
    applicationAutoScaling: wrap(applicationAutoScaling),
  } as unknown as BuiltWorld['clients'];
}

/** The operation a command names, without `Command`, and whether it changes anything. */
export function mutationOf(command: unknown): string | undefined {
  const name = (command as object).constructor.name.replace(/Command$/, '');
  return MUTATING_OPERATIONS.has(name) ? name : undefined;
}

/**
 * Clients of a process that dies right after a successful mutating call for which `killAfter(operation,
 * count)` says so: AWS applied the change, the response is lost, and every later call fails.
 */
export function dyingClients(
  built: BuiltWorld,
  killAfter: (operation: string, mutations: number) => boolean,
  controller: AbortController,
): BuiltWorld['clients'] {
  let mutations = 0;
  let dead = false;
  return wrapClients(built, async (client, command) => {
    if (dead) throw new Error('process killed');
    const output = await client.send(command);
    const operation = mutationOf(command);
    if (operation && killAfter(operation, ++mutations)) {
      dead = true;
      controller.abort(new Error('process killed'));
      throw new Error('process killed');
    }
    return output;
  });
}

/** Simulated ms of each successful call of `operation` on `taskSetArn` (UpdateTaskSet, DeleteTaskSet). */
export function callTimes(built: BuiltWorld, operation: string, taskSetArn?: string): number[] {
  return built.world.calls
    .filter(
      (c) =>
        c.ok &&
        c.operation === operation &&
        (taskSetArn === undefined || (c.input as { taskSet?: string }).taskSet === taskSetArn),
    )
    .map((c) => c.at);
}

/** Scale-down steps: UpdateTaskSet calls on the old set that lowered its scale. */
export function stepTimes(built: BuiltWorld): number[] {
  let scale = 100;
  const times: number[] = [];
  for (const c of built.world.calls) {
    const input = c.input as { taskSet?: string; scale?: { value: number } };
    if (!c.ok || c.operation !== 'UpdateTaskSet' || input.taskSet !== built.refs.initialTaskSet.arn) continue;
    const value = input.scale?.value ?? scale;
    if (value < scale) times.push(c.at);
    scale = value;
  }
  return times;
}

/** Gaps between consecutive values, in seconds. */
export function gapsSeconds(times: number[]): number[] {
  return times.slice(1).map((t, i) => (t - (times[i] as number)) / 1000);
}
