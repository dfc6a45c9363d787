import { DeploymentLockedError, describeDeployment } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { ceilTasks } from '../../src/ecs/model.js';
import type { BuiltWorld } from '../../src/index.js';
import {
  callTimes,
  dyingClients,
  gapsSeconds,
  run,
  settle,
  stepTimes,
  world,
  zeroHealthySeconds,
} from './harness.js';

const production = (built: BuiltWorld) =>
  built.world.calls.filter(
    (c) =>
      c.ok &&
      c.operation === 'ModifyListener' &&
      (c.input as { ListenerArn: string }).ListenerArn === built.refs.productionListener.arn,
  );

/** Old-set task counts after each scale-down UpdateTaskSet, from the scale sent and desiredCount then. */
function removalsPerStep(built: BuiltWorld, desiredCount: number): number[] {
  let tasks = desiredCount;
  const removed: number[] = [];
  for (const c of built.world.calls) {
    const input = c.input as { taskSet?: string; scale?: { value: number } };
    if (!c.ok || c.operation !== 'UpdateTaskSet' || input.taskSet !== built.refs.initialTaskSet.arn) continue;
    const next = ceilTasks(desiredCount, input.scale?.value ?? 100);
    if (next < tasks) removed.push(tasks - next);
    tasks = next;
  }
  return removed;
}

describe('taper: pacing holds when the world moves', () => {
  it('a 7-minute hold after step 1 of a 60 s plan: every two steps at least 60 s apart, 2 tasks per step', async () => {
    const built = world({ tasks: 10 });
    const v2 = built.refs.v2.arn;
    let crashed = false;
    built.world.onApiCall((call) => {
      const input = call.input as { taskSet?: string };
      if (crashed || !call.ok || call.operation !== 'UpdateTaskSet') return;
      if (input.taskSet !== built.refs.initialTaskSet.arn) return;
      // Right after step 1 a new task dies and its replacements fail to start for about 7 minutes.
      crashed = true;
      const ours = built.refs.service.taskSets.find((set) => set.taskDefinitionArn === v2);
      const victim = ours?.tasks.find((task) => task.lastStatus === 'RUNNING');
      if (!ours || !victim) throw new Error('no running new task to crash');
      built.world.faults.failingTaskStarts = { count: 8, taskDefinition: v2 };
      built.world.scheduler.stop(victim, 'Essential container in task exited');
      built.world.scheduler.requestReconcile(ours);
    });
    const { result } = await run(built, { decrementTasks: 2, intervalSeconds: 60 });
    expect(result.outcome, result.reason).toBe('succeeded');
    const gaps = gapsSeconds(stepTimes(built));
    expect(gaps).toHaveLength(4);
    expect(gaps[0]).toBeGreaterThan(7 * 60 - 60);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(60);
    expect(removalsPerStep(built, 10)).toEqual([2, 2, 2, 2, 2]);
    await settle(built);
    expect(zeroHealthySeconds(built)).toBe(0);
  });

  it.each([0, 10, 30])(
    'killed right after UpdateServicePrimaryTaskSet, resumed %i s later: the first step is >= settleSeconds after the swap',
    async (delaySeconds) => {
      const built = world({ tasks: 6, connectionsPerTask: 50 });
      const controller = new AbortController();
      const clients = dyingClients(
        built,
        (operation) => operation === 'UpdateServicePrimaryTaskSet',
        controller,
      );
      const plan = { decrementTasks: 2, intervalSeconds: 30, settleSeconds: 60 };
      await run(built, plan, { clients, signal: controller.signal }).catch(() => undefined);
      expect(stepTimes(built)).toEqual([]);
      await built.clock.sleep(delaySeconds * 1000);
      const { result } = await run(built, plan, { takeOver: true });
      expect(result.outcome, result.reason).toBe('succeeded');
      const swappedAt = production(built)[0]?.at as number;
      const [firstStep] = stepTimes(built);
      expect(((firstStep as number) - swappedAt) / 1000).toBeGreaterThanOrEqual(60);
      await settle(built);
      expect(built.world.population.disconnectedMoreThanOnce).toBe(0);
      expect(built.world.ecs.createdTaskSets).toHaveLength(1);
    },
  );

  it('five restarts of a never-healthy version: rolled back readyTimeoutSeconds after the set was created, plus one poll', async () => {
    const built = world();
    built.world.faults.badVersion = { taskDefinition: built.refs.v2.arn, mode: 'unhealthy' };
    const readyTimeoutSeconds = 600;
    let outcome: string | undefined;
    for (let restart = 0; restart < 6 && !outcome; restart++) {
      const controller = new AbortController();
      const stop = built.clock.schedule(400_000, () => controller.abort(new Error('restart')));
      const ended = await run(
        built,
        { readyTimeoutSeconds },
        { signal: controller.signal, takeOver: true },
      ).catch(() => undefined);
      stop.cancel();
      outcome = ended?.result.outcome;
    }
    expect(outcome).toBe('rolled-back');
    const createdAt = callTimes(built, 'CreateTaskSet')[0] as number;
    const [rolledBackAt] = callTimes(built, 'DeleteTaskSet');
    const seconds = ((rolledBackAt as number) - createdAt) / 1000;
    expect(seconds).toBeGreaterThanOrEqual(readyTimeoutSeconds);
    expect(seconds).toBeLessThanOrEqual(readyTimeoutSeconds + 15);
    expect(built.world.ecs.createdTaskSets).toHaveLength(1);
  });

  it('the same command started during scale-down is refused with 0 mutations, and the first run keeps its spacing', async () => {
    const built = world({ tasks: 6 });
    const plan = { decrementTasks: 1, intervalSeconds: 60 };
    const first = run(built, plan, { controllerId: 'ci-run-1' });
    // The first step comes about 250 s in; at 330 s the first run is between steps.
    await built.clock.sleep(330_000);
    expect(stepTimes(built).length).toBeGreaterThanOrEqual(1);
    const mutationsBefore = built.world.mutationCount();
    // `status` names the holder, from the set's tags, for the operator who wonders who drives it.
    const snapshot = await describeDeployment(built.clients, built.input);
    expect(snapshot.deploymentInProgress?.controller?.id).toBe('ci-run-1');
    expect(snapshot.deploymentInProgress?.controller?.leaseExpiresAt).toBeGreaterThan(built.clock.now());
    expect(snapshot.deploymentInProgress?.lastStepAt).toBe(
      built.clock.epochMs + (stepTimes(built).at(-1) as number),
    );
    const second = await run(built, plan, { controllerId: 'ci-run-2' }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(DeploymentLockedError);
    expect((second as Error).message).toMatch(
      /driven by controller ci-run-1, whose lease expires at .*--take-over/,
    );
    expect(built.world.mutationCount()).toBe(mutationsBefore);
    const { result } = await first;
    expect(result.outcome).toBe('succeeded');
    const gaps = gapsSeconds(stepTimes(built));
    expect(gaps).toHaveLength(5);
    for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(60);
  });

  it('after a kill the re-run is refused while the lease is live, and takes over once it expired', async () => {
    const built = world({ tasks: 6 });
    const plan = { decrementTasks: 1, intervalSeconds: 60 };
    const controller = new AbortController();
    // Killed (no chance to give the lease back) right after its second step.
    let steps = 0;
    const clients = dyingClients(
      built,
      (operation) => operation === 'UpdateTaskSet' && ++steps === 2,
      controller,
    );
    await run(built, plan, { clients, signal: controller.signal }).catch(() => undefined);
    expect(stepTimes(built)).toHaveLength(2);
    const mutationsBefore = built.world.mutationCount();
    const refused = await run(built, plan).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(DeploymentLockedError);
    expect(built.world.mutationCount()).toBe(mutationsBefore);
    const ours = built.refs.service.taskSets.find((set) => set.taskDefinitionArn === built.refs.v2.arn);
    const lease = ours?.tags.find((tag) => tag.key === 'ecs-taper:lease')?.value ?? '';
    const expiresAt = Number(lease.split(' ')[0]);
    await built.clock.sleep(expiresAt - built.clock.now() + 1000);
    const { result } = await run(built, plan);
    expect(result.outcome, result.reason).toBe('succeeded');
    for (const gap of gapsSeconds(stepTimes(built))) expect(gap).toBeGreaterThanOrEqual(60);
    expect(built.world.ecs.createdTaskSets).toHaveLength(1);
  });

  it('a controller stopped with Ctrl-C gives its lease back: the same command resumes at once', async () => {
    const built = world({ tasks: 6 });
    const plan = { decrementTasks: 1, intervalSeconds: 60 };
    const controller = new AbortController();
    built.clock.schedule(330_000, () => controller.abort(new Error('Ctrl-C')));
    const stopped = await run(built, plan, { signal: controller.signal }).catch((e: unknown) => e);
    expect((stopped as Error).name).toBe('DeploymentAbortedError');
    const ours = built.refs.service.taskSets.find((set) => set.taskDefinitionArn === built.refs.v2.arn);
    expect(ours?.tags.map((tag) => tag.key)).not.toContain('ecs-taper:lease');
    const { result } = await run(built, plan);
    expect(result.outcome, result.reason).toBe('succeeded');
    for (const gap of gapsSeconds(stepTimes(built))) expect(gap).toBeGreaterThanOrEqual(60);
  });

  it('resolves only when no old target is draining, and the last reconnections happen inside the alarm watch', async () => {
    const built = world({ tasks: 4, deregistrationDelaySeconds: 120 });
    const { result } = await run(built, {
      decrementTasks: 2,
      intervalSeconds: 60,
      alarmNames: [built.refs.alarmName],
    });
    expect(result.outcome, result.reason).toBe('succeeded');
    const draining = [...built.refs.blue.targets.values()].filter((t) => t.state === 'draining');
    expect(draining).toHaveLength(0);
    const drops = built.world.metrics.dropsPerSecond;
    let lastDropSecond = drops.length - 1;
    while (lastDropSecond > 0 && !drops[lastDropSecond]) lastDropSecond--;
    expect(lastDropSecond).toBeGreaterThan(0);
    const lastAlarmRead = Math.max(...callTimes(built, 'DescribeAlarms'));
    expect(lastDropSecond * 1000).toBeLessThanOrEqual(lastAlarmRead);
    const deleted = callTimes(built, 'DeleteTaskSet', built.refs.initialTaskSet.arn);
    expect(deleted).toHaveLength(1);
    expect(lastDropSecond * 1000).toBeLessThanOrEqual(deleted[0] as number);
  });
});
