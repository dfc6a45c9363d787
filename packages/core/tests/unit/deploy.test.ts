import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { deploy, rollbackDeployment, runWorkflow } from '../../src/deploy';
import {
  DeploymentAbortedError,
  DeploymentLockedError,
  EcsTaperError,
  InputValidationError,
  TopologyError,
} from '../../src/errors';
import { DeploymentEmitter, type DeploymentEvent } from '../../src/events';
import { initialState } from '../../src/state';
import { FakeAws, fakeClock } from './support/fake-aws';
import {
  BLUE_TG,
  caught,
  DEPLOYMENT_ID,
  expectNoMutations,
  fastRetry,
  GREEN_TG,
  mockAws,
  NEW_SET_ARN,
  NEW_TD,
  NLB_ARN,
  NOW,
  OLD_SET_ARN,
  PROD_LISTENER_ARN,
  rawInput,
  resolvedInput,
  TEST_LISTENER_ARN,
} from './support/fixtures';

const aws = mockAws();

function setup(inputOverrides: Record<string, unknown> = {}) {
  const clock = fakeClock();
  const world = new FakeAws(clock).withOldSet().install(aws);
  const events: DeploymentEvent[] = [];
  const emitter = new DeploymentEmitter();
  emitter.on('event', (event) => events.push(event));
  const input = rawInput({ decrementPercent: 25, intervalSeconds: 60, settleSeconds: 60, ...inputOverrides });
  const options = { clock, events: emitter, retry: fastRetry };
  return { clock, world, events, input, options };
}

const phasesStarted = (events: DeploymentEvent[]) =>
  events.flatMap((e) => (e.type === 'phase-started' ? [e.phase] : []));

describe('deploy, end to end against a stateful fake', () => {
  it('swaps, retires the old tasks step by step, cleans up, and succeeds', async () => {
    const { world, events, input, options, clock } = setup();
    const result = await deploy(aws.clients, input, options);

    expect(result).toMatchObject({ deploymentId: DEPLOYMENT_ID, outcome: 'succeeded' });
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(GREEN_TG);
    expect(world.forwardsTo(TEST_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.sets.map((s) => [s.taskSetArn, s.taskDefinition, s.primary])).toEqual([
      [NEW_SET_ARN, NEW_TD, true],
    ]);
    expect(world.changes).toEqual([
      `CreateTaskSet ${NEW_SET_ARN}`,
      'ModifyListener prod green',
      'ModifyListener test blue',
      `UpdateServicePrimaryTaskSet ${NEW_SET_ARN}`,
      `UpdateTaskSet ${OLD_SET_ARN} 75`,
      `UpdateTaskSet ${OLD_SET_ARN} 50`,
      `UpdateTaskSet ${OLD_SET_ARN} 25`,
      `UpdateTaskSet ${OLD_SET_ARN} 0`,
      `DeleteTaskSet ${OLD_SET_ARN}`,
    ]);
    const steps = events.flatMap((e) =>
      e.type === 'scale-step' ? [[e.step, e.steps, e.remainingTasks]] : [],
    );
    expect(steps).toEqual([
      [1, 4, 3],
      [2, 4, 2],
      [3, 4, 1],
      [4, 4, 0],
    ]);
    // 30 s to become healthy (two 15 s polls), 60 s settle, 3 x 60 s between steps, then the old task
    // definition's stop timeout (Fargate's default 30 s) once the old set is quiet.
    expect(clock.now() - NOW).toBe(30_000 + 60_000 + 180_000 + 30_000);
    // One step a full interval after the last one applied, the first right after the settle time.
    expect(world.timesOf(`UpdateTaskSet ${OLD_SET_ARN}`)).toEqual([90_000, 150_000, 210_000, 270_000]);
    expect(world.timesOf('DeleteTaskSet')).toEqual([300_000]);
    // From the swap to the end, no wait is longer than a poll (15 s), alarms or not: the health guard reads
    // the new group at every one of them.
    const after = events.flatMap((e) =>
      e.type === 'waiting' && ['settle', 'scaleDown', 'waitDrained'].includes(e.phase)
        ? [e.until - e.at]
        : [],
    );
    expect(after.length).toBeGreaterThanOrEqual(14);
    expect(Math.max(...after)).toBe(15_000);
    const guardReads = aws.elbv2
      .commandCalls(DescribeTargetHealthCommand)
      .filter((c) => c.args[0].input.TargetGroupArn === GREEN_TG).length;
    expect(guardReads).toBeGreaterThanOrEqual(after.length);
  });

  it('emits events in order: started, each phase started then finished, waits, finished last', async () => {
    const { events, input, options } = setup();
    await deploy(aws.clients, input, options);

    expect(events[0]).toEqual({
      type: 'deployment-started',
      deploymentId: DEPLOYMENT_ID,
      at: NOW,
      resumed: false,
    });
    expect(events.at(-1)).toMatchObject({ type: 'deployment-finished', outcome: 'succeeded' });
    expect(events.filter((e) => e.type === 'deployment-finished')).toHaveLength(1);
    expect([...new Set(phasesStarted(events))]).toEqual([
      'discover',
      'create',
      'waitReady',
      'swap',
      'settle',
      'scaleDown',
      'waitDrained',
      'cleanup',
    ]);
    let open: string | undefined;
    for (const event of events) {
      if (event.type === 'phase-started') {
        expect(open).toBeUndefined();
        open = event.phase;
      } else if (event.type === 'phase-finished') {
        expect(event.phase).toBe(open);
        open = undefined;
      } else if (event.type === 'waiting') {
        expect(open).toBeUndefined();
        expect(event.until).toBeGreaterThan(event.at);
      }
    }
    const times = events.map((e) => e.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(events.some((e) => e.type === 'waiting' && e.phase === 'waitReady')).toBe(true);
    expect(events.some((e) => e.type === 'rollback-started')).toBe(false);
  });

  it('accepts the seed event JSON unchanged', async () => {
    const { world, options } = setup();
    const seed = {
      cluster: 'demo',
      nlb: NLB_ARN,
      task_sg: 'sg-task',
      subnets: ['subnet-a'],
      serviceName: 'web',
      taskDefinition: NEW_TD,
      waitForService: 60,
      scaledown_decrement: 25,
      scaledown_wait: 60,
    };
    const result = await deploy(aws.clients, seed, options);
    expect(result.outcome).toBe('succeeded');
    expect(world.sets).toHaveLength(1);
  });

  it('a second run of a finished deployment changes nothing', async () => {
    const { world, input, options } = setup();
    await deploy(aws.clients, input, options);
    const before = world.log.length;
    aws.ecs.resetHistory();
    aws.elbv2.resetHistory();
    const again = await deploy(aws.clients, { ...input, deploymentId: 'taper-unit-0002' }, options);
    expect(again.outcome).toBe('succeeded');
    expect(again.reason).toContain('already runs');
    expect(world.log.length).toBe(before);
    expectNoMutations(aws);
  });
});

describe('runWorkflow rules', () => {
  it('a failure in waitReady leads to the rollback phase with the cause, and ends rolled-back', async () => {
    const { world, events, input, options } = setup();
    world.failNext(
      'DescribeTargetHealthCommand',
      new TargetGroupNotFoundException({ message: 'Target groups not found', $metadata: {} }),
    );
    const result = await deploy(aws.clients, input, options);

    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toContain('waitReady failed');
    expect(result.reason).toContain('(TargetGroupNotFoundException)');
    const rollbackStarted = events.find((e) => e.type === 'rollback-started');
    expect(rollbackStarted).toMatchObject({ reason: result.reason });
    expect(phasesStarted(events)).toEqual(['discover', 'create', 'waitReady', 'rollback', 'rollback']);
    expect(world.changes).toEqual([`CreateTaskSet ${NEW_SET_ARN}`, `DeleteTaskSet ${NEW_SET_ARN}`]);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.set(OLD_SET_ARN)).toMatchObject({ scale: 100, primary: true });
  });

  it('a failure in swap (a phase whose table has no rollback edge) is caught into rollback too', async () => {
    const { world, events, input, options } = setup();
    world.failNext(
      'ModifyListenerCommand',
      new TargetGroupNotFoundException({ message: 'Target groups not found', $metadata: {} }),
    );
    const result = await deploy(aws.clients, input, options);

    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toContain('swap failed');
    expect(phasesStarted(events)).toContain('rollback');
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.set(OLD_SET_ARN)).toMatchObject({ scale: 100, primary: true });
  });

  it('a new version that never turns healthy is rolled back after readyTimeoutSeconds', async () => {
    const { world, input, options, clock } = setup({ readyTimeoutSeconds: 120 });
    world.failingHealth.add(GREEN_TG);
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toContain('not ready by the deadline');
    expect(result.reason).toContain('unhealthy (Target.FailedHealthChecks)');
    expect(clock.now() - NOW).toBe(120_000);
    expect(world.changes).toEqual([`CreateTaskSet ${NEW_SET_ARN}`, `DeleteTaskSet ${NEW_SET_ARN}`]);
  });

  it('an alarm during scale-down restores the old version', async () => {
    const { world, input, options, clock } = setup({ alarmNames: ['web-5xx'] });
    let steps = 0;
    const emitter = options.events;
    emitter.on('event', (event) => {
      if (event.type === 'scale-step' && ++steps === 2) world.alarms.set('web-5xx', 'ALARM');
    });
    const result = await deploy(aws.clients, input, { ...options, clock });
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toBe('alarm web-5xx in ALARM');
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.sets.map((s) => [s.taskSetArn, s.scale, s.primary])).toEqual([[OLD_SET_ARN, 100, true]]);
    expect(world.changes).toEqual([
      `CreateTaskSet ${NEW_SET_ARN}`,
      'ModifyListener prod green',
      'ModifyListener test blue',
      `UpdateServicePrimaryTaskSet ${NEW_SET_ARN}`,
      `UpdateTaskSet ${OLD_SET_ARN} 75`,
      `UpdateTaskSet ${OLD_SET_ARN} 50`,
      // Rollback: the old set back to 100 %, production back once its targets are healthy, then the new
      // set retired at the plan's pace, not deleted at once under the clients that joined it.
      `UpdateTaskSet ${OLD_SET_ARN} 100`,
      'ModifyListener prod blue',
      'ModifyListener test green',
      `UpdateServicePrimaryTaskSet ${OLD_SET_ARN}`,
      `UpdateTaskSet ${NEW_SET_ARN} 75`,
      `UpdateTaskSet ${NEW_SET_ARN} 50`,
      `UpdateTaskSet ${NEW_SET_ARN} 25`,
      `UpdateTaskSet ${NEW_SET_ARN} 0`,
      `DeleteTaskSet ${NEW_SET_ARN}`,
    ]);
    // Step 2 at 150 s set the alarm; the next poll (165 s) saw it.
    expect(world.timesOf(`UpdateTaskSet ${OLD_SET_ARN} 100`)).toEqual([165_000]);
    // The restored old targets are healthy 30 s later: production goes back then.
    expect(world.timesOf('ModifyListener prod')).toEqual([30_000, 195_000]);
    // A settle (60 s) after the point-back, then one step a minute.
    expect(world.timesOf(`UpdateTaskSet ${NEW_SET_ARN}`)).toEqual([255_000, 315_000, 375_000, 435_000]);
    expect(world.timesOf('DeleteTaskSet')).toEqual([435_000]);
  });

  it('a new version that fails its health checks after the swap is rolled back after unhealthyGraceSeconds, with no alarm', async () => {
    const { world, input, options, events } = setup();
    // Healthy through waitReady and the swap (30 s), failing from 100 s on.
    world.failingHealthFrom.set(GREEN_TG, NOW + 100_000);
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toBe('new version unhealthy after the swap: 0 of 4 targets healthy for 60 s');
    expect(events.find((e) => e.type === 'rollback-started')).toMatchObject({ at: NOW + 165_000 });
    expect(world.changes).toEqual([
      `CreateTaskSet ${NEW_SET_ARN}`,
      'ModifyListener prod green',
      'ModifyListener test blue',
      `UpdateServicePrimaryTaskSet ${NEW_SET_ARN}`,
      `UpdateTaskSet ${OLD_SET_ARN} 75`,
      // Step 2 (due at 150 s) is held: the new set is not steady. First seen unhealthy at 105 s: 60 s later.
      `UpdateTaskSet ${OLD_SET_ARN} 100`,
      'ModifyListener prod blue',
      'ModifyListener test green',
      `UpdateServicePrimaryTaskSet ${OLD_SET_ARN}`,
      `UpdateTaskSet ${NEW_SET_ARN} 75`,
      `UpdateTaskSet ${NEW_SET_ARN} 50`,
      `UpdateTaskSet ${NEW_SET_ARN} 25`,
      `UpdateTaskSet ${NEW_SET_ARN} 0`,
      `DeleteTaskSet ${NEW_SET_ARN}`,
    ]);
    expect(world.timesOf(`UpdateTaskSet ${OLD_SET_ARN} 100`)).toEqual([165_000]);
    // No healthy new target: production goes back as soon as one old target is healthy again.
    expect(world.timesOf('ModifyListener prod blue')).toEqual([195_000]);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.sets.map((s) => [s.taskSetArn, s.scale, s.primary])).toEqual([[OLD_SET_ARN, 100, true]]);
  });

  it('two short unhealthy spells are not added up: each recovery starts the grace over', async () => {
    const { world, input, options, clock, events } = setup();
    // Unhealthy 100..140 s and 160..200 s: seen at 105-135 s and 165-195 s, 30 s each, 90 s in all.
    const spells = [
      [NOW + 100_000, NOW + 140_000],
      [NOW + 160_000, NOW + 200_000],
    ];
    world.failing = (group: string) =>
      group === GREEN_TG && spells.some(([from, until]) => clock.now() >= from! && clock.now() < until!);
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('succeeded');
    expect(events.some((e) => e.type === 'rollback-started')).toBe(false);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(GREEN_TG);
    expect(world.sets.map((s) => s.taskSetArn)).toEqual([NEW_SET_ARN]);
  });

  it('the same two spells without a recovery in between (one of 70 s) are rolled back', async () => {
    const { world, input, options, clock } = setup();
    world.failing = (group: string) =>
      group === GREEN_TG && clock.now() >= NOW + 100_000 && clock.now() < NOW + 170_000;
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toBe('new version unhealthy after the swap: 0 of 4 targets healthy for 60 s');
  });

  it('follows unhealthyGraceSeconds', async () => {
    const { world, input, options, events } = setup({ unhealthyGraceSeconds: 30 });
    world.failingHealthFrom.set(GREEN_TG, NOW + 100_000);
    const result = await deploy(aws.clients, input, options);
    expect(result.reason).toBe('new version unhealthy after the swap: 0 of 4 targets healthy for 30 s');
    expect(events.find((e) => e.type === 'rollback-started')).toMatchObject({ at: NOW + 135_000 });
  });

  it('throws bad input before any AWS call', async () => {
    const { options } = setup();
    const error = await caught(deploy(aws.clients, rawInput({ decrementPercent: 0 }), options));
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe('decrementPercent');
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 0);
  });

  it('refuses watched alarms without a CloudWatch client before changing anything', async () => {
    const { options, world, input } = setup({ alarmNames: ['web-5xx'] });
    const error = await caught(deploy({ ecs: aws.clients.ecs, elbv2: aws.clients.elbv2 }, input, options));
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe('alarmNames');
    expect(world.log).toEqual([]);
  });

  it('throws DeploymentLockedError when another deployment holds the standby group, changing nothing', async () => {
    const { world, input, options, events } = setup();
    world.sets.push({
      ...world.sets[0]!,
      taskSetArn: `${NEW_SET_ARN}-other`,
      id: 'ecs-svc/other',
      externalId: 'taper-other',
      taskDefinition: `${NEW_TD}9`,
      targetGroupArn: GREEN_TG,
      primary: false,
      createdAt: NOW - 1000,
      // ecs-taper's mark: without it the set is another tool's, refused as such (not waited for as a lock).
      tags: { 'ecs-taper:deployment-id': 'taper-other' },
    });
    const error = await caught(deploy(aws.clients, input, options));
    expect(error).toBeInstanceOf(DeploymentLockedError);
    expect(error.runningDeploymentId).toBe('taper-other');
    expect(error.message).toContain('deployment taper-other in progress');
    expect(world.log).toEqual([]);
    expectNoMutations(aws);
    expect(events.some((e) => e.type === 'deployment-finished')).toBe(false);
  });

  it('throws a topology refusal from discover instead of rolling back', async () => {
    const { world, input, options } = setup();
    world.listeners.delete(TEST_LISTENER_ARN);
    const error = await caught(deploy(aws.clients, input, options));
    expect(error).toBeInstanceOf(TopologyError);
    expect(world.log).toEqual([]);
  });

  it('ends as failed, with the reason, when cleanup fails (too late to roll back)', async () => {
    const { world, input, options, events } = setup();
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    let cleanupStarted = false;
    options.events.on('event', (event) => {
      if (event.type === 'phase-started' && event.phase === 'cleanup' && !cleanupStarted) {
        cleanupStarted = true;
        world.failNext('DeleteTaskSetCommand', denied);
      }
    });
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe(
      `cleanup failed: deleting task set ${OLD_SET_ARN}: not authorized (AccessDeniedException)`,
    );
    expect(events.at(-1)).toMatchObject({
      type: 'deployment-finished',
      outcome: 'failed',
      reason: result.reason,
    });
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(GREEN_TG);
  });

  it('stops between phases on abort with a resume hint, and a re-run resumes to success', async () => {
    const { world, input, options } = setup();
    const controller = new AbortController();
    options.events.on('event', (event) => {
      if (event.type === 'phase-finished' && event.phase === 'swap') controller.abort();
    });
    const error = await caught(deploy(aws.clients, input, { ...options, signal: controller.signal }));
    expect(error).toBeInstanceOf(DeploymentAbortedError);
    expect(error.message).toBe(
      `deployment ${DEPLOYMENT_ID} stopped before phase settle; nothing is half-done. ` +
        'Run the same command again to resume from the real state',
    );
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(GREEN_TG);
    expect(world.log.filter((e) => e.startsWith('UpdateTaskSet'))).toEqual([]);

    // A fresh process is another controller; the stopped one gave its lease back, so no takeOver is needed.
    expect(world.set(NEW_SET_ARN)?.tags?.['ecs-taper:lease']).toBeUndefined();
    const resumed = await deploy(aws.clients, input, options);
    expect(resumed.outcome).toBe('succeeded');
    expect(world.sets.map((s) => s.taskSetArn)).toEqual([NEW_SET_ARN]);
    expect(world.log.filter((e) => e.startsWith('CreateTaskSet'))).toHaveLength(1);
  });

  it('stops during a wait on abort', async () => {
    const { clock, input, options } = setup();
    const controller = new AbortController();
    clock.onSleep = () => controller.abort();
    const error = await caught(deploy(aws.clients, input, { ...options, signal: controller.signal }));
    expect(error).toBeInstanceOf(DeploymentAbortedError);
    expect(error.message).toContain('stopped before phase waitReady');
  });

  it('does not start at all with an already aborted signal', async () => {
    const { world, input, options } = setup();
    const controller = new AbortController();
    controller.abort();
    const error = await caught(deploy(aws.clients, input, { ...options, signal: controller.signal }));
    expect(error).toBeInstanceOf(DeploymentAbortedError);
    expect(error.message).toContain('stopped before phase discover');
    expect(world.log).toEqual([]);
  });

  it('reports a resumed start in deployment-started', async () => {
    const { events, options } = setup();
    const start = { ...initialState(resolvedInput(), NOW), phase: 'cleanup' as const, topology: undefined };
    const result = await runWorkflow(aws.clients, start, options);
    expect(events[0]).toMatchObject({ type: 'deployment-started', resumed: true });
    // A failure after the point of no return ends the deployment as failed instead of throwing.
    expect(result.outcome).toBe('failed');
    expect(result.reason).toContain('cleanup failed');
  });

  it('a re-run with a fresh id after the swap adopts the deployment in progress', async () => {
    const { world, input, options } = setup();
    const controller = new AbortController();
    options.events.on('event', (event) => {
      if (event.type === 'scale-step' && event.step === 2) controller.abort();
    });
    await caught(deploy(aws.clients, input, { ...options, signal: controller.signal }));
    const rerun = await deploy(aws.clients, { ...input, deploymentId: undefined }, options);
    expect(rerun).toMatchObject({ outcome: 'succeeded', deploymentId: DEPLOYMENT_ID });
    expect(world.sets.map((s) => s.taskSetArn)).toEqual([NEW_SET_ARN]);
  });

  it('a re-run that adopts the deployment reports its id in every event, from the start, and resumed', async () => {
    const { input, options, events } = setup();
    const controller = new AbortController();
    options.events.on('event', (event) => {
      if (event.type === 'scale-step' && event.step === 2) controller.abort();
    });
    await caught(deploy(aws.clients, input, { ...options, signal: controller.signal }));
    events.length = 0;
    await deploy(aws.clients, { ...input, deploymentId: undefined }, options);
    expect(events.slice(0, 2).map((e) => e.type)).toEqual(['deployment-started', 'phase-started']);
    expect(events[0]).toMatchObject({ type: 'deployment-started', resumed: true });
    expect(new Set(events.map((e) => e.deploymentId))).toEqual(new Set([DEPLOYMENT_ID]));
    // The start keeps its own time: before discover's reads, not when they ended.
    expect(events[0]?.at).toBeLessThanOrEqual(events[1]?.at ?? 0);
  });

  it('a refusal in discover still reports the start, under the id the run began with', async () => {
    const { input, options, events } = setup({ testListenerPort: 9999 });
    const error = await caught(deploy(aws.clients, input, options));
    expect(error).toBeInstanceOf(TopologyError);
    expect(events.map((e) => e.type)).toEqual(['deployment-started', 'phase-started']);
    expect(events[0]).toMatchObject({ deploymentId: DEPLOYMENT_ID, resumed: false });
  });
});

describe('a swap interrupted between two production listeners', () => {
  const PROD_443_ARN = `${NLB_ARN.replace(':loadbalancer/', ':listener/')}/0000000000000443`;

  /** The first production listener (80) moved to green, then the controller died: 443 and test not yet. */
  function interrupted() {
    const ctx = setup();
    ctx.world.sets.push({
      taskSetArn: NEW_SET_ARN,
      id: 'ecs-svc/new',
      externalId: DEPLOYMENT_ID,
      taskDefinition: NEW_TD,
      targetGroupArn: GREEN_TG,
      scale: 100,
      primary: false,
      createdAt: NOW - 120_000,
      healthyAt: 0,
      tags: { 'ecs-taper:deployment-id': DEPLOYMENT_ID, 'ecs-taper:swapped-at': String(NOW - 5_000) },
    });
    ctx.world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: GREEN_TG });
    ctx.world.listeners.set(PROD_443_ARN, { port: 443, targetGroupArn: BLUE_TG });
    return ctx;
  }

  it('a re-run finishes the swap (443, then the test listener, then the primary) and succeeds', async () => {
    const { world, input, options, events } = interrupted();
    const result = await deploy(aws.clients, input, options);
    expect(result).toMatchObject({ outcome: 'succeeded', deploymentId: DEPLOYMENT_ID });
    expect(phasesStarted(events).slice(0, 3)).toEqual(['discover', 'swap', 'settle']);
    expect(world.changes).toEqual([
      'ModifyListener :443 green',
      'ModifyListener test blue',
      `UpdateServicePrimaryTaskSet ${NEW_SET_ARN}`,
      `UpdateTaskSet ${OLD_SET_ARN} 75`,
      `UpdateTaskSet ${OLD_SET_ARN} 50`,
      `UpdateTaskSet ${OLD_SET_ARN} 25`,
      `UpdateTaskSet ${OLD_SET_ARN} 0`,
      `DeleteTaskSet ${OLD_SET_ARN}`,
    ]);
    expect(world.log.filter((e) => e.startsWith('CreateTaskSet'))).toEqual([]);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(GREEN_TG);
    expect(world.forwardsTo(PROD_443_ARN)).toBe(GREEN_TG);
    expect(world.forwardsTo(TEST_LISTENER_ARN)).toBe(BLUE_TG);
    // The settle time counts from this swap's production change (at 0), the steps a minute apart after it.
    expect(world.timesOf(`UpdateTaskSet ${OLD_SET_ARN}`)).toEqual([60_000, 120_000, 180_000, 240_000]);
  });

  it('rollbackDeployment points every production listener back, then retires the new set at the plan’s pace', async () => {
    const { world, input, options } = interrupted();
    const result = await rollbackDeployment(aws.clients, input, { ...options, reason: 'swap died' });
    expect(result).toMatchObject({
      outcome: 'rolled-back',
      reason: 'swap died',
      deploymentId: DEPLOYMENT_ID,
    });
    // 443 still forwards to blue, so the old group is health-checked: nothing to move first, nothing to restore.
    expect(world.changes).toEqual([
      'ModifyListener prod blue',
      `UpdateTaskSet ${NEW_SET_ARN} 75`,
      `UpdateTaskSet ${NEW_SET_ARN} 50`,
      `UpdateTaskSet ${NEW_SET_ARN} 25`,
      `UpdateTaskSet ${NEW_SET_ARN} 0`,
      `DeleteTaskSet ${NEW_SET_ARN}`,
    ]);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.forwardsTo(PROD_443_ARN)).toBe(BLUE_TG);
    expect(world.forwardsTo(TEST_LISTENER_ARN)).toBe(GREEN_TG);
    expect(world.timesOf('ModifyListener prod blue')).toEqual([0]);
    expect(world.timesOf(`UpdateTaskSet ${NEW_SET_ARN}`)).toEqual([60_000, 120_000, 180_000, 240_000]);
    expect(world.sets.map((s) => [s.taskSetArn, s.scale, s.primary])).toEqual([[OLD_SET_ARN, 100, true]]);
  });
});

describe('rollbackDeployment', () => {
  it('rolls back a deployment in progress (found by task definition) and reports why', async () => {
    const { world, input, options } = setup();
    const controller = new AbortController();
    options.events.on('event', (event) => {
      if (event.type === 'scale-step' && event.step === 1) controller.abort();
    });
    await caught(deploy(aws.clients, input, { ...options, signal: controller.signal }));
    expect(world.set(OLD_SET_ARN)?.scale).toBe(75);

    const { deploymentId: _id, ...withoutId } = input;
    const result = await rollbackDeployment(aws.clients, withoutId, {
      ...options,
      reason: 'bad release',
    });
    expect(result).toMatchObject({
      outcome: 'rolled-back',
      reason: 'bad release',
      deploymentId: DEPLOYMENT_ID,
    });
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.sets.map((s) => [s.taskSetArn, s.scale, s.primary])).toEqual([[OLD_SET_ARN, 100, true]]);
  });

  it('refuses when nothing is in progress', async () => {
    const { world, input, options } = setup();
    const error = await caught(rollbackDeployment(aws.clients, input, options));
    expect(error).toBeInstanceOf(EcsTaperError);
    expect(error.message).toContain('nothing to roll back');
    expect(world.log).toEqual([]);
  });
});

describe('target health is read from the target group itself', () => {
  it('asks DescribeTargetHealth for the standby group while waiting', async () => {
    const { input, options } = setup();
    await deploy(aws.clients, input, options);
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG });
  });
});
