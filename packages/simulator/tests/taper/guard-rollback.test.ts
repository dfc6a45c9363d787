import { describe, expect, it } from 'vitest';
import type { BuiltWorld } from '../../src/index.js';
import {
  dyingClients,
  expectRestored,
  run,
  settle,
  stepTimes,
  world,
  zeroHealthySeconds,
} from './harness.js';

/** Runs `fn` once, right after the first scale-down step (an UpdateTaskSet on the old set). */
function afterFirstStep(built: BuiltWorld, fn: (at: number) => void): void {
  let done = false;
  built.world.onApiCall((call) => {
    const input = call.input as { taskSet?: string };
    if (
      done ||
      !call.ok ||
      call.operation !== 'UpdateTaskSet' ||
      input.taskSet !== built.refs.initialTaskSet.arn
    )
      return;
    done = true;
    fn(call.at);
  });
}

/** UpdateTaskSet calls on the new set during rollback, as [seconds since start, scale]. */
function newSetSteps(built: BuiltWorld): [number, number][] {
  const v2 = built.refs.service.taskSets.find((s) => s.taskDefinitionArn === built.refs.v2.arn)?.arn;
  const created = built.world.calls.find((c) => c.ok && c.operation === 'CreateTaskSet');
  const arn = v2 ?? (created ? built.world.ecs.createdTaskSets[0] : undefined);
  return built.world.calls
    .filter(
      (c) => c.ok && c.operation === 'UpdateTaskSet' && (c.input as { taskSet: string }).taskSet === arn,
    )
    .map((c) => [c.at / 1000, (c.input as { scale: { value: number } }).scale.value]);
}

const poll = 5; // the test world's pollIntervalSeconds
const grace = 60;

describe('taper: the health guard and a rollback that keeps production served', () => {
  it.each([
    ['without an alarm', false],
    ['with an alarm that never fires', true],
  ] as const)(
    'a version that fails its health checks after the swap (%s): rolled back, production without healthy targets for at most the grace plus one poll',
    async (_name, withAlarm) => {
      const built = world({ tasks: 10, connectionsPerTask: 20 });
      afterFirstStep(built, () => built.world.breakVersion(built.refs.v2.arn));
      const { result } = await run(built, {
        decrementTasks: 2,
        intervalSeconds: 60,
        unhealthyGraceSeconds: grace,
        ...(withAlarm ? { alarmNames: [built.refs.alarmName] } : {}),
      });
      expect(result.outcome, result.reason).toBe('rolled-back');
      expect(result.reason).toMatch(/unhealthy after the swap/);
      // While the new targets are below the bar, no further old task is retired: only step 1 happened.
      expect(stepTimes(built)).toHaveLength(1);
      await settle(built);
      expectRestored(built);
      expect(zeroHealthySeconds(built)).toBeLessThanOrEqual(grace + poll + 1);
    },
  );

  it('an alarm mid-scale-down: production back once the old group can carry it, the new set retired at the plan pace, 0 failed connection attempts with a 60 s listener propagation', async () => {
    const built = world({
      tasks: 8,
      connectionsPerTask: 50,
      settings: { listener: { propagationSeconds: 60 } },
    });
    let alarmAt = 0;
    afterFirstStep(built, (at) => {
      alarmAt = at + 30_000;
      built.world.scheduleAlarm(built.refs.alarmName, alarmAt);
    });
    const failedBefore = () => built.world.population.failedAttempts;
    const { result } = await run(built, {
      decrementTasks: 2,
      intervalSeconds: 60,
      alarmNames: [built.refs.alarmName],
    });
    expect(result.outcome, result.reason).toBe('rolled-back');
    await settle(built);
    expectRestored(built);
    expect(zeroHealthySeconds(built)).toBe(0);
    expect(failedBefore()).toBe(0);
    // The new version is healthy here, so production goes back once the restored old set has as many
    // healthy targets; then the new set leaves 2 tasks a step, 60 s apart, starting one propagation
    // window (settleSeconds, 60 s) after production moved back.
    const back = built.world.calls.filter(
      (c) =>
        c.ok &&
        c.operation === 'ModifyListener' &&
        (c.input as { ListenerArn: string }).ListenerArn === built.refs.productionListener.arn,
    );
    const backAt = (back.at(-1)?.at ?? 0) / 1000;
    expect(backAt).toBeGreaterThan(alarmAt / 1000);
    const steps = newSetSteps(built);
    expect(steps.map(([, scale]) => scale)).toEqual([75, 50, 25, 0]);
    expect((steps[0]?.[0] ?? 0) - backAt).toBeGreaterThanOrEqual(60);
    for (let i = 1; i < steps.length; i++) {
      expect((steps[i]?.[0] as number) - (steps[i - 1]?.[0] as number)).toBeGreaterThanOrEqual(60);
    }
  });

  it('rollback after the swap died between its two listener changes (no listener on the old group): completes', async () => {
    const built = world({ tasks: 4 });
    const controller = new AbortController();
    // Killed right after the first ModifyListener (production -> new): the test listener still forwards to
    // the new group too, so nothing health-checks the old one.
    const clients = dyingClients(built, (operation) => operation === 'ModifyListener', controller);
    await run(built, {}, { clients, signal: controller.signal }).catch(() => undefined);
    expect(built.refs.productionListener.defaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: built.refs.green.arn },
    ]);
    expect(built.refs.testListener.defaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: built.refs.green.arn },
    ]);
    const { rollbackDeployment } = await import('@ecs-taper/core');
    const result = await rollbackDeployment(built.clients, built.input, {
      clock: built.clock,
      retry: { retries: 12, minTimeoutMs: 0, maxTimeoutMs: 0 },
      takeOver: true,
    });
    expect(result.outcome, result.reason).toBe('rolled-back');
    await settle(built);
    expectRestored(built);
  });
});

describe('taper: a swap interrupted between two production listeners (443 and 80)', () => {
  const killedMidSwap = async () => {
    const built = world({ tasks: 4 });
    const https = built.world.addListener(built.refs.loadBalancer, 443, built.refs.blue);
    const controller = new AbortController();
    const clients = dyingClients(built, (operation) => operation === 'ModifyListener', controller);
    await run(built, {}, { clients, signal: controller.signal }).catch(() => undefined);
    const forwards = [built.refs.productionListener, https]
      .map((l) => l.defaultActions[0]?.TargetGroupArn)
      .sort();
    expect(forwards).toEqual([built.refs.blue.arn, built.refs.green.arn].sort());
    return { built, https };
  };

  it('is resumed by deploy: both production listeners end on the new group', async () => {
    const { built, https } = await killedMidSwap();
    const { result } = await run(built, {}, { takeOver: true });
    expect(result.outcome, result.reason).toBe('succeeded');
    for (const listener of [built.refs.productionListener, https]) {
      expect(listener.defaultActions).toEqual([{ Type: 'forward', TargetGroupArn: built.refs.green.arn }]);
    }
    expect(built.world.ecs.createdTaskSets).toHaveLength(1);
  });

  it('is undone by rollback: both production listeners back on the old group', async () => {
    const { built, https } = await killedMidSwap();
    const { rollbackDeployment } = await import('@ecs-taper/core');
    const result = await rollbackDeployment(built.clients, built.input, {
      clock: built.clock,
      retry: { retries: 12, minTimeoutMs: 0, maxTimeoutMs: 0 },
      takeOver: true,
    });
    expect(result.outcome, result.reason).toBe('rolled-back');
    await settle(built);
    for (const listener of [built.refs.productionListener, https]) {
      expect(listener.defaultActions).toEqual([{ Type: 'forward', TargetGroupArn: built.refs.blue.arn }]);
    }
    expect(zeroHealthySeconds(built)).toBe(0);
  });
});
