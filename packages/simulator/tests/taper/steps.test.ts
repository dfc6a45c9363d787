import {
  abortDeployment,
  DeploymentEmitter,
  type DeploymentEvent,
  type DeploymentInput,
  deploy,
  describeDeployment,
  type HookRunner,
  promoteDeployment,
} from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import type { BuiltWorld } from '../../src/index.js';
import { expectDeployed, expectRestored, fastRetry, run, settle, stepTimes, world } from './harness.js';

const poll = 5; // the test world's pollIntervalSeconds

/** Successful ModifyListener calls on production listeners: [simulated ms, forward config]. */
function productionChanges(built: BuiltWorld) {
  const production = built.refs.productionListener.arn;
  return built.world.calls
    .filter(
      (c) =>
        c.ok &&
        c.operation === 'ModifyListener' &&
        (c.input as { ListenerArn: string }).ListenerArn === production,
    )
    .map((c) => ({ at: c.at, actions: (c.input as { DefaultActions: unknown[] }).DefaultActions }));
}

const weighted = (built: BuiltWorld, oldWeight: number, newWeight: number) => [
  {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: built.refs.blue.arn, Weight: oldWeight },
        { TargetGroupArn: built.refs.green.arn, Weight: newWeight },
      ],
      TargetGroupStickinessConfig: { Enabled: false },
    },
  },
];
const forwardTo = (arn: string) => [{ Type: 'forward', TargetGroupArn: arn }];

/** Old-version connections dropped (a task stopped under its clients, a crash). */
function oldDrops(built: BuiltWorld): number {
  return built.world.metrics.dropWindow.get(built.refs.v1.arn)?.count ?? 0;
}

/** A hook runner for tests: answers from `answer`, records what it was told. */
function fakeHooks(answer: (stage: string) => Promise<{ ok: boolean; detail: string }>) {
  const told: { stage: string; context: Record<string, unknown> }[] = [];
  const runner: HookRunner = {
    unsupported: () => undefined,
    run: async (_spec, context) => {
      told.push({ stage: context.stage, context: { ...context } });
      return answer(context.stage);
    },
  };
  return { runner, told };
}

async function runWith(
  built: BuiltWorld,
  extra: Partial<DeploymentInput>,
  options: { hooks?: HookRunner; signal?: AbortSignal; controllerId?: string } = {},
) {
  const events = new DeploymentEmitter();
  const seen: DeploymentEvent[] = [];
  events.on('event', (e) => seen.push(e));
  const result = await deploy(
    built.clients,
    { ...built.input, ...extra },
    { clock: built.clock, events, retry: fastRetry, ...options },
  );
  return { result, events: seen };
}

/** Calls `fn` once, when the new task set is first tagged with `key`. */
function whenTagged(built: BuiltWorld, key: string, fn: (at: number) => void): void {
  let done = false;
  built.world.onApiCall((call) => {
    const tags = (call.input as { tags?: { key: string }[] }).tags ?? [];
    if (done || !call.ok || call.operation !== 'TagResource' || !tags.some((t) => t.key === key)) return;
    done = true;
    fn(call.at);
  });
}

describe('steps: a canary of new flows', () => {
  it('10 % for 5 min with an alarm at minute 2: weights back to 100/0 within one poll, the new set removed, 0 old connections dropped', async () => {
    const built = world({ tasks: 8, connectionsPerTask: 20 });
    let alarmAt = 0;
    built.world.onApiCall((call) => {
      if (alarmAt || !call.ok || call.operation !== 'ModifyListener') return;
      if (!(call.input as { DefaultActions: { ForwardConfig?: unknown }[] }).DefaultActions[0]?.ForwardConfig)
        return;
      alarmAt = call.at + 120_000;
      built.world.scheduleAlarm(built.refs.alarmName, alarmAt);
    });
    const { result } = await run(built, {
      steps: [{ type: 'canary', weightPercent: 10, seconds: 300 }, { type: 'swap' }, { type: 'scaleDown' }],
      alarmNames: [built.refs.alarmName],
    });
    expect(result.outcome, result.reason).toBe('rolled-back');
    expect(result.reason).toMatch(/alarm .* in ALARM/);
    const changes = productionChanges(built);
    expect(changes.map((c) => c.actions)).toEqual([weighted(built, 90, 10), forwardTo(built.refs.blue.arn)]);
    const back = changes[1]?.at as number;
    expect(back - alarmAt).toBeGreaterThanOrEqual(0);
    expect(back - alarmAt).toBeLessThanOrEqual(poll * 1000);
    // Clients that joined the new set during the canary leave it at the plan's pace, not all at once.
    const newSet = built.world.ecs.createdTaskSets[0];
    const retired = built.world.calls.filter(
      (c) => c.ok && c.operation === 'UpdateTaskSet' && (c.input as { taskSet?: string }).taskSet === newSet,
    );
    expect(retired.length).toBeGreaterThan(1);
    expect((retired[0]?.at as number) - back).toBeGreaterThanOrEqual(
      (built.input.settleSeconds ?? 60) * 1000,
    );
    await settle(built);
    expectRestored(built);
    expect(oldDrops(built)).toBe(0);
  });

  it('a canary that passes continues into the tapered scale-down', async () => {
    const built = world({ tasks: 6, connectionsPerTask: 20 });
    const { result, events } = await run(built, {
      steps: [
        { type: 'canary', weightPercent: 10, seconds: 120 },
        { type: 'canary', weightPercent: 50, seconds: 60 },
        { type: 'swap' },
        { type: 'scaleDown' },
      ],
      decrementTasks: 2,
      intervalSeconds: 60,
    });
    expect(result.outcome, result.reason).toBe('succeeded');
    const changes = productionChanges(built);
    expect(changes.map((c) => c.actions)).toEqual([
      weighted(built, 90, 10),
      weighted(built, 50, 50),
      forwardTo(built.refs.green.arn),
    ]);
    // Each canary was judged only after the propagation wait (settleSeconds) plus its own seconds.
    const settleSeconds = built.input.settleSeconds ?? 60;
    const [first, second, swap] = changes.map((c) => c.at) as [number, number, number];
    expect(second - first).toBeGreaterThanOrEqual((settleSeconds + 120) * 1000);
    expect(swap - second).toBeGreaterThanOrEqual((settleSeconds + 60) * 1000);
    expect(stepTimes(built)).toHaveLength(3);
    expect(
      events.filter((e) => e.type === 'phase-started').map((e) => (e as { phase: string }).phase),
    ).toContain('step');
    await settle(built);
    expectDeployed(built);
  });
});

describe('steps: pause and promote, surviving the process', () => {
  const pausedList: DeploymentInput['steps'] = [
    { type: 'swap' },
    { type: 'pause', untilPromoted: true },
    { type: 'scaleDown' },
  ];

  it('the waiting deploy is stopped; status shows the pause; promote from another controller completes it', async () => {
    const built = world({ tasks: 6 });
    const stop = new AbortController();
    whenTagged(built, 'ecs-taper:paused', () => setTimeout(() => stop.abort(), 0));
    await expect(
      runWith(built, { steps: pausedList }, { signal: stop.signal, controllerId: 'ctl-first' }),
    ).rejects.toThrow(/stopped before phase step/);
    // Nothing moved on while nobody watched.
    await built.world.settle(600_000);
    expect(stepTimes(built)).toHaveLength(0);
    const snapshot = await describeDeployment(built.clients, built.input);
    expect(snapshot.deploymentInProgress?.paused).toEqual({ step: 1, since: expect.any(Number) });
    const { mark, result } = await promoteDeployment(
      built.clients,
      { ...built.input, steps: pausedList },
      { clock: built.clock, retry: fastRetry, controllerId: 'ctl-promote' },
    );
    expect(mark.step).toBe(1);
    expect(result?.outcome, result?.reason).toBe('succeeded');
    expect(stepTimes(built).length).toBeGreaterThan(0);
    await settle(built);
    expectDeployed(built);
    const after = await describeDeployment(built.clients, built.input);
    expect(after.deploymentInProgress).toBeUndefined();
  });

  it('with the deploy still waiting, promote --no-wait (mark only) lets that one complete it', async () => {
    const built = world({ tasks: 6 });
    let marked: Promise<unknown> | undefined;
    whenTagged(built, 'ecs-taper:paused', () => {
      marked = promoteDeployment(
        built.clients,
        { ...built.input, steps: pausedList },
        { clock: built.clock, retry: fastRetry, markOnly: true, controllerId: 'ctl-promote' },
      );
    });
    const { result, events } = await runWith(built, { steps: pausedList }, { controllerId: 'ctl-waiting' });
    expect(result.outcome, result.reason).toBe('succeeded');
    // The waits at the pause say so (a runner tells its user how to continue from this, not from the text).
    const pausedWaits = events.filter((e) => e.type === 'waiting' && e.paused);
    expect(pausedWaits.length).toBeGreaterThan(0);
    expect(pausedWaits[0]).toMatchObject({ phase: 'step', paused: { step: 2, steps: 3 } });
    const promoted = (await marked) as Awaited<ReturnType<typeof promoteDeployment>>;
    expect(promoted.mark.step).toBe(1);
    // Only the mark: the waiting controller did the rest.
    expect(promoted.result).toBeUndefined();
    await settle(built);
    expectDeployed(built);
  });

  it('abort at the pause: rolled back', async () => {
    const built = world({ tasks: 6 });
    let aborted: Promise<unknown> | undefined;
    whenTagged(built, 'ecs-taper:paused', () => {
      aborted = abortDeployment(
        built.clients,
        { ...built.input, steps: pausedList },
        { clock: built.clock, retry: fastRetry, markOnly: true, controllerId: 'ctl-abort' },
      );
    });
    const { result } = await runWith(built, { steps: pausedList }, { controllerId: 'ctl-waiting' });
    await aborted;
    expect(result.outcome, result.reason).toBe('rolled-back');
    expect(result.reason).toMatch(/aborted/);
    await settle(built);
    expectRestored(built);
    expect(oldDrops(built)).toBe(0);
  });

  it('abort from another process while the deploy is stopped: that process rolls back', async () => {
    const built = world({ tasks: 6 });
    const stop = new AbortController();
    whenTagged(built, 'ecs-taper:paused', () => setTimeout(() => stop.abort(), 0));
    await expect(runWith(built, { steps: pausedList }, { signal: stop.signal })).rejects.toThrow(/stopped/);
    const { result } = await abortDeployment(
      built.clients,
      { ...built.input, steps: pausedList },
      { clock: built.clock, retry: fastRetry },
    );
    expect(result?.outcome, result?.reason).toBe('rolled-back');
    await settle(built);
    expectRestored(built);
  });
});

describe('steps: lifecycle hooks', () => {
  it('a failing before-swap hook rolls back with 0 ModifyListener calls on production listeners', async () => {
    const built = world({ tasks: 6 });
    const hooks = fakeHooks(async (stage) => ({ ok: stage !== 'before-swap', detail: 'exit code 3' }));
    const { result } = await runWith(
      built,
      { hooks: { 'after-test-traffic': { command: 'true' }, 'before-swap': { command: 'false' } } },
      { hooks: hooks.runner },
    );
    expect(result.outcome, result.reason).toBe('rolled-back');
    expect(result.reason).toMatch(/hook before-swap failed: exit code 3/);
    expect(hooks.told.map((t) => t.stage)).toEqual(['after-test-traffic', 'before-swap']);
    expect(productionChanges(built)).toEqual([]);
    const context = hooks.told[0]?.context;
    expect(context).toMatchObject({
      deploymentId: result.deploymentId,
      testListenerPort: 8080,
      newTargetGroupArn: built.refs.green.arn,
      oldTargetGroupArn: built.refs.blue.arn,
    });
    expect(context?.loadBalancerDnsName).toEqual(expect.stringContaining('.'));
    await settle(built);
    expectRestored(built);
  });

  it('a hook that hangs: its timeout, then rollback; production untouched', async () => {
    const built = world({ tasks: 6 });
    const hooks = fakeHooks(async () => {
      // What a runner does with a hook that never ends: gives up after its timeoutSeconds.
      await built.clock.sleep(30_000);
      return { ok: false, detail: 'timed out after 30 s' };
    });
    const { result } = await runWith(
      built,
      { hooks: { 'before-swap': { command: 'sleep 3600', timeoutSeconds: 30 } } },
      { hooks: hooks.runner },
    );
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toMatch(/timed out after 30 s/);
    expect(productionChanges(built)).toEqual([]);
  });

  it('before-scale-down-step runs before every step with its number; after-deploy at the end; on-rollback is not told of a success', async () => {
    const built = world({ tasks: 6 });
    const hooks = fakeHooks(async () => ({ ok: true, detail: 'exit code 0' }));
    const { result } = await runWith(
      built,
      {
        decrementTasks: 2,
        intervalSeconds: 30,
        hooks: {
          'after-swap': { command: 'true' },
          'before-scale-down-step': { command: 'true' },
          'after-deploy': { command: 'true' },
          'on-rollback': { command: 'true' },
        },
      },
      { hooks: hooks.runner },
    );
    expect(result.outcome, result.reason).toBe('succeeded');
    expect(hooks.told.map((t) => [t.stage, t.context.step])).toEqual([
      ['after-swap', undefined],
      ['before-scale-down-step', 1],
      ['before-scale-down-step', 2],
      ['before-scale-down-step', 3],
      ['after-deploy', undefined],
    ]);
  });

  it('a hook without a runner is refused before any change', async () => {
    const built = world({ tasks: 6 });
    await expect(runWith(built, { hooks: { 'before-swap': { command: 'true' } } })).rejects.toThrow(
      /hooks\.before-swap: this runner runs no hooks/,
    );
    expect(built.world.calls.filter((c) => c.mutating)).toEqual([]);
  });
});

describe('steps: what a canary waits for, measured in the simulator', () => {
  /** New flows that reached `definition` between two simulated times (ms). */
  function newFlows(built: BuiltWorld, definition: string, fromMs: number, toMs: number): number {
    let count = 0;
    for (const [second, n] of built.world.metrics.newConnectionsByTaskDefinition.get(definition) ?? []) {
      if (second * 1000 >= fromMs && second * 1000 < toMs) count += n;
    }
    return count;
  }

  it('with a 60 s listener propagation, new flows follow the 10 % weight only once it has passed: the window is judged from settleSeconds after the change', async () => {
    // 600 clients whose sessions last 60 s on average: about 10 new flows a second.
    const built = world({
      tasks: 6,
      connectionsPerTask: 100,
      settings: { listener: { propagationSeconds: 60 }, clients: { sessionSeconds: 60 } },
    });
    const { result } = await run(built, {
      steps: [{ type: 'canary', weightPercent: 10, seconds: 300 }, { type: 'swap' }, { type: 'scaleDown' }],
      settleSeconds: 60,
    });
    expect(result.outcome, result.reason).toBe('succeeded');
    const [change, swap] = productionChanges(built).map((c) => c.at) as [number, number];
    // Judged only from the change plus settleSeconds, for the canary's seconds.
    expect(swap - change).toBeGreaterThanOrEqual((60 + 300) * 1000);
    const share = (from: number, to: number) => {
      const toNew = newFlows(built, built.refs.v2.arn, from, to);
      return toNew / (toNew + newFlows(built, built.refs.v1.arn, from, to));
    };
    const propagating = share(change, change + 60_000);
    const judged = share(change + 60_000, swap);
    // While the change propagates, fewer new flows than the weight reach the new version; once it has,
    // the weight holds (10 % within sampling noise of ~3000 flows).
    if (process.env.SHOW_CANARY_SHARES) console.log({ propagating, judged });
    expect(propagating).toBeLessThan(0.08);
    expect(judged).toBeGreaterThan(0.08);
    expect(judged).toBeLessThan(0.12);
  });
});
