import { DeploymentEmitter, type DeploymentEvent, type DeploymentInput, deploy } from '@ecs-taper/core';
import { expect } from 'vitest';
import { type BuildWorldOptions, type BuiltWorld, buildWorld } from '../../src/index.js';

/** Retries take no simulated time (the simulator throws throttling errors straight back). */
export const fastRetry = { retries: 12, minTimeoutMs: 0, maxTimeoutMs: 0 };

export function world(options: BuildWorldOptions = {}): BuiltWorld {
  return buildWorld({ tasks: 6, connectionsPerTask: 20, deregistrationDelaySeconds: 30, ...options });
}

/** Runs the real deploy() against the world; collects its events. */
export async function run(
  built: BuiltWorld,
  extra: Partial<DeploymentInput> = {},
  options: { signal?: AbortSignal; clients?: BuiltWorld['clients'] } = {},
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
