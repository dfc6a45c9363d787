/**
 * deploy() end to end against the stateful fake, for what the controller does around the phases:
 * Application Auto Scaling suspended for the deployment and restored exactly at every ending, the lease
 * that keeps a second controller out, and the pacing of scale-down steps in fake time.
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { TagResourceCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { type DeploymentResult, deploy, rollbackDeployment } from '../../src/deploy';
import { DeploymentAbortedError, DeploymentLockedError, InputValidationError } from '../../src/errors';
import { DeploymentEmitter, type DeploymentEvent } from '../../src/events';
import {
  FakeAws,
  type FakeClock,
  type FakeSuspendedState,
  fakeClock,
  notSuspended,
  suspendedText,
} from './support/fake-aws';
import {
  caught,
  DEPLOYMENT_ID,
  fastRetry,
  GREEN_TG,
  mockAws,
  NEW_SET_ARN,
  NOW,
  OLD_SET_ARN,
  rawInput,
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

const allSuspended: FakeSuspendedState = {
  DynamicScalingInSuspended: true,
  DynamicScalingOutSuspended: true,
  ScheduledScalingSuspended: true,
};
const outOnly: FakeSuspendedState = { ...notSuspended, DynamicScalingOutSuspended: true };

/** The scalable target's SuspendedState each time a scale-down step was applied. */
function suspendedAtEachStep(world: FakeAws, emitter: DeploymentEmitter): FakeSuspendedState[] {
  const seen: FakeSuspendedState[] = [];
  emitter.on('event', (event) => {
    if (event.type === 'scale-step' && world.scalableTarget)
      seen.push({ ...world.scalableTarget.SuspendedState });
  });
  return seen;
}

/** Stops the run in its wait after the `step`-th scale-down step (Ctrl-C: the run ends in good order). */
function stopAfterStep(options: { events: DeploymentEmitter }, step: number): AbortSignal {
  const controller = new AbortController();
  options.events.on('event', (event) => {
    if (event.type === 'scale-step' && event.step === step) controller.abort();
  });
  return controller.signal;
}

/**
 * Kills the run in its wait after the `step`-th scale-down step: the process dies (OOM, a lost CI runner)
 * and does nothing more, so whatever it wrote on AWS, its lease included, stays as it was.
 */
function crashAfterStep(clock: FakeClock, options: { events: DeploymentEmitter }, step: number): void {
  let dead = false;
  options.events.on('event', (event) => {
    if (event.type === 'scale-step' && event.step === step) dead = true;
  });
  clock.onSleep = () => {
    if (!dead) return;
    clock.onSleep = undefined;
    throw new Error('controller process killed');
  };
}

/**
 * A clock for controllers that run at the same time: each sleep wakes when virtual time reaches its end,
 * in time order, once the pending AWS calls have settled. Time only moves when everybody waits.
 */
function sharedClock(start = NOW) {
  let time = start;
  let order = 0;
  const pending: { wake: number; order: number; resolve: () => void; reject: (e: unknown) => void }[] = [];
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    pending.sort((a, b) => a.wake - b.wake || a.order - b.order);
    const next = pending.shift();
    if (!next) return;
    time = Math.max(time, next.wake);
    next.resolve();
    schedule();
  };
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setTimeout(pump, 2);
  };
  return {
    now: () => time,
    sleep: (ms: number, signal?: AbortSignal) =>
      new Promise<void>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        pending.push({ wake: time + ms, order: order++, resolve, reject });
        schedule();
      }),
  };
}

describe('Application Auto Scaling around a deployment', () => {
  it('is suspended for the whole deployment and put back exactly as found when it succeeds', async () => {
    const { world, input, options } = setup();
    world.withScalableTarget(outOnly);
    const during = suspendedAtEachStep(world, options.events);
    const result = await deploy(aws.clients, input, options);

    expect(result.outcome).toBe('succeeded');
    expect(during).toEqual([allSuspended, allSuspended, allSuspended, allSuspended]);
    expect(world.scalableTarget?.SuspendedState).toEqual(outOnly);
    expect(world.suspendedHistory).toEqual([outOnly, allSuspended, outOnly]);
    expect(aws.autoScaling).toHaveReceivedCommandWith(DescribeScalableTargetsCommand, {
      ServiceNamespace: 'ecs',
      ResourceIds: ['service/demo/web'],
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    // Recorded on the new set before suspending; suspended right after the set exists, before any traffic
    // moves; restored before the old set is deleted.
    const log = world.log;
    const recorded = log.indexOf('TagResource ecs-taper:autoscaling');
    const suspend = log.indexOf(`RegisterScalableTarget ${suspendedText(allSuspended)}`);
    const restore = log.indexOf(`RegisterScalableTarget ${suspendedText(outOnly)}`);
    expect(log.indexOf(`CreateTaskSet ${NEW_SET_ARN}`)).toBeLessThan(recorded);
    expect(recorded).toBeLessThan(suspend);
    expect(suspend).toBeLessThan(log.indexOf('ModifyListener prod green'));
    expect(log.indexOf(`UpdateTaskSet ${OLD_SET_ARN} 0`)).toBeLessThan(restore);
    expect(restore).toBeLessThan(log.indexOf(`DeleteTaskSet ${OLD_SET_ARN}`));
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 2);
    // The controller's tags are gone from the set that is now the service; its ownership mark stays.
    expect(world.set(NEW_SET_ARN)?.tags).toEqual({ 'ecs-taper:deployment-id': DEPLOYMENT_ID });
  });

  it('is put back exactly when an alarm rolls the deployment back, before the new set is deleted', async () => {
    const { world, input, options } = setup({ alarmNames: ['web-5xx'] });
    world.withScalableTarget(notSuspended);
    options.events.on('event', (event) => {
      if (event.type === 'scale-step' && event.step === 2) world.alarms.set('web-5xx', 'ALARM');
    });
    const result = await deploy(aws.clients, input, options);

    expect(result.outcome).toBe('rolled-back');
    expect(world.scalableTarget?.SuspendedState).toEqual(notSuspended);
    expect(world.suspendedHistory).toEqual([notSuspended, allSuspended, notSuspended]);
    expect(world.changes.slice(-2)).toEqual([
      `RegisterScalableTarget ${suspendedText(notSuspended)}`,
      `DeleteTaskSet ${NEW_SET_ARN}`,
    ]);
  });

  it('is put back when a new version that never turns healthy is rolled back', async () => {
    const { world, input, options } = setup({ readyTimeoutSeconds: 120 });
    world.withScalableTarget(allSuspended);
    world.failingHealth.add(GREEN_TG);
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('rolled-back');
    // Found fully suspended by an operator: left exactly so, nothing registered at all.
    expect(world.suspendedHistory).toEqual([allSuspended]);
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
  });

  it('is put back when the old set never drains and the deployment fails, and the lease is released', async () => {
    const { world, input, options } = setup({ drainTimeoutSeconds: 60 });
    world.withScalableTarget(outOnly);
    world.drainingMs = 10_000_000; // the last old targets never leave within the deadline
    const result = await deploy(aws.clients, input, options);

    expect(result.outcome).toBe('failed');
    expect(result.reason).toContain('targets draining after the drain deadline');
    expect(world.scalableTarget?.SuspendedState).toEqual(outOnly);
    expect(world.suspendedHistory).toEqual([outOnly, allSuspended, outOnly]);
    expect(world.set(NEW_SET_ARN)?.tags?.['ecs-taper:lease']).toBeUndefined();
    expect(world.set(OLD_SET_ARN)?.scale).toBe(0);
  });

  it('is put back by deploy()’s failed path when cleanup fails on the restore itself', async () => {
    const { world, input, options } = setup();
    world.withScalableTarget(outOnly);
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    options.events.on('event', (event) => {
      if (event.type === 'phase-started' && event.phase === 'cleanup') {
        world.failNext('RegisterScalableTargetCommand', denied);
      }
    });
    const result = await deploy(aws.clients, input, options);

    expect(result.outcome).toBe('failed');
    expect(result.reason).toBe(
      'cleanup failed: restoring Application Auto Scaling of service/demo/web: not authorized (AccessDeniedException)',
    );
    expect(world.scalableTarget?.SuspendedState).toEqual(outOnly);
    expect(world.set(OLD_SET_ARN)).toBeDefined();
  });

  it('says it is still suspended when even the failed path cannot restore it', async () => {
    const { world, input, options } = setup();
    world.withScalableTarget(outOnly);
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    options.events.on('event', (event) => {
      if (event.type === 'phase-started' && event.phase === 'cleanup') {
        world.failNext('RegisterScalableTargetCommand', denied, 2);
      }
    });
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('failed');
    expect(result.reason).toContain('; Auto Scaling is still suspended (');
    expect(result.reason).toContain('run the same command again to restore it');
    expect(world.scalableTarget?.SuspendedState).toEqual(allSuspended);
  });

  it('records `none` and registers nothing for a service without a scalable target', async () => {
    const { world, input, options } = setup();
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('succeeded');
    expect(aws.ecs).toHaveReceivedCommandWith(TagResourceCommand, {
      resourceArn: NEW_SET_ARN,
      tags: [{ key: 'ecs-taper:autoscaling', value: 'none' }],
    });
    expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
    expect(world.log.filter((e) => e.startsWith('RegisterScalableTarget'))).toEqual([]);
  });

  it('is left alone with suspendAutoScaling false, which needs no Auto Scaling client', async () => {
    const { world, input, options } = setup({ suspendAutoScaling: false });
    world.withScalableTarget(notSuspended);
    const { applicationAutoScaling: _none, ...clients } = aws.clients;
    const result = await deploy(clients, input, options);
    expect(result.outcome).toBe('succeeded');
    expect(aws.autoScaling).toHaveReceivedCommandTimes(DescribeScalableTargetsCommand, 0);
    expect(world.suspendedHistory).toEqual([notSuspended]);
    expect(world.log.some((e) => e.includes('ecs-taper:autoscaling'))).toBe(false);
  });

  it('refuses to start without an Application Auto Scaling client unless opted out, changing nothing', async () => {
    const { world, input, options, events } = setup();
    const { applicationAutoScaling: _none, ...clients } = aws.clients;
    const error = await caught(deploy(clients, input, options));
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe('suspendAutoScaling');
    expect(error.message).toBe(
      'suspendAutoScaling: needs an Application Auto Scaling client; pass clients.applicationAutoScaling, or set suspendAutoScaling false',
    );
    expect(world.log).toEqual([]);
    expect(events).toEqual([]);
  });

  it('rollbackDeployment without the client refuses as bad input, changing nothing', async () => {
    const { world, input, options } = setup();
    await caught(deploy(aws.clients, input, { ...options, signal: stopAfterStep(options, 1) }));
    const before = [...world.log];
    const { applicationAutoScaling: _none, ...clients } = aws.clients;
    const error = await caught(rollbackDeployment(clients, input, { ...options, takeOver: true }));
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe('suspendAutoScaling');
    expect(world.log.filter((e) => !e.startsWith('TagResource'))).toEqual(
      before.filter((e) => !e.startsWith('TagResource')),
    );
  });

  it('a controller that resumes restores the state recorded by the first one, not its own suspension', async () => {
    const { world, input, options } = setup();
    world.withScalableTarget(outOnly);
    await caught(deploy(aws.clients, input, { ...options, signal: stopAfterStep(options, 2) }));
    expect(world.scalableTarget?.SuspendedState).toEqual(allSuspended);

    const resumed = await deploy(aws.clients, input, { ...options, takeOver: true });
    expect(resumed.outcome).toBe('succeeded');
    expect(world.scalableTarget?.SuspendedState).toEqual(outOnly);
    expect(world.suspendedHistory).toEqual([outOnly, allSuspended, outOnly]);
  });
});

describe('the lease: one controller per deployment', () => {
  it('refuses a second deploy() while the first holds the lease; the first goes on undisturbed', async () => {
    const { world, input, options, clock } = setup();
    let second: Promise<unknown> = Promise.resolve();
    let logBefore: string[] = [];
    let logAfter: string[] = [];
    options.events.on('event', (event) => {
      if (event.type === 'scale-step' && event.step === 1) {
        // A second controller starts while the first waits for step 2.
        logBefore = [...world.log];
        second = deploy(aws.clients, input, { clock, retry: fastRetry, controllerId: 'ci-run-2' }).then(
          () => undefined,
          (error: unknown) => {
            logAfter = [...world.log];
            return error;
          },
        );
      }
    });
    // The first controller's waits last until the second one has been answered.
    const gated = {
      now: clock.now,
      sleep: async (ms: number, signal?: AbortSignal) => {
        await second;
        return clock.sleep(ms, signal);
      },
    };
    const first = await deploy(aws.clients, input, { ...options, clock: gated, controllerId: 'ci-run-1' });
    const error = (await second) as Error & Record<string, unknown>;

    expect(error).toBeInstanceOf(DeploymentLockedError);
    expect(error.runningDeploymentId).toBe(DEPLOYMENT_ID);
    expect(error.message).toContain(`deployment ${DEPLOYMENT_ID} is driven by controller ci-run-1`);
    expect(error.message).toContain('--take-over (takeOver: true)');
    // Refused in discover: it changed nothing, not even a tag.
    expect(logAfter).toEqual(logBefore);
    expect(first.outcome).toBe('succeeded');
    expect(world.log.filter((e) => e.startsWith('UpdateTaskSet'))).toHaveLength(4);
    expect(world.timesOf('UpdateTaskSet')).toEqual([90_000, 150_000, 210_000, 270_000]);
  });

  it('is written with the task set, naming the controller, and outlives a controller that was killed', async () => {
    const { world, input, options, clock } = setup();
    crashAfterStep(clock, options, 1);
    const killed = await caught(deploy(aws.clients, input, { ...options, controllerId: 'ci-run-1' }));
    expect(killed.message).toBe('controller process killed');
    const lease = world.set(NEW_SET_ARN)?.tags?.['ecs-taper:lease'];
    expect(lease).toMatch(/^\d+ ci-run-1$/);
    expect(world.set(NEW_SET_ARN)?.tags?.['ecs-taper:deployment-id']).toBe(DEPLOYMENT_ID);
    // Written with step 1 (at NOW + 90 s): the interval plus six 15 s polls.
    expect(lease).toBe(`${NOW + 90_000 + 150_000} ci-run-1`);
  });

  it('refuses a re-run after a controller was killed until its lease expires, then lets it go on', async () => {
    const { world, input, options, clock } = setup();
    crashAfterStep(clock, options, 1);
    const killed = await caught(deploy(aws.clients, input, { ...options, controllerId: 'ci-run-1' }));
    expect(killed.message).toBe('controller process killed');
    const expiresAt = Number(world.set(NEW_SET_ARN)?.tags?.['ecs-taper:lease']?.split(' ')[0]);
    await clock.sleep(expiresAt - clock.now() - 1000);

    const early = await caught(
      deploy(aws.clients, input, { clock, retry: fastRetry, controllerId: 'ci-run-2' }),
    );
    expect(early).toBeInstanceOf(DeploymentLockedError);
    expect(early.message).toContain('(in 1 s)');

    await clock.sleep(1000);
    const later = await deploy(aws.clients, input, { clock, retry: fastRetry, controllerId: 'ci-run-2' });
    expect(later.outcome).toBe('succeeded');
    expect(world.sets.map((s) => s.taskSetArn)).toEqual([NEW_SET_ARN]);
  });

  it('with takeOver a second controller proceeds at once, and still waits a full interval after the last step', async () => {
    const { world, input, options, clock } = setup();
    crashAfterStep(clock, options, 1);
    const killed = await caught(deploy(aws.clients, input, { ...options, controllerId: 'ci-run-1' }));
    expect(killed.message).toBe('controller process killed');
    const stepAt = clock.now();
    expect(world.timesOf('UpdateTaskSet', 0)).toEqual([stepAt]);

    const taken = await deploy(aws.clients, input, {
      clock,
      retry: fastRetry,
      controllerId: 'ops',
      takeOver: true,
    });
    expect(taken.outcome).toBe('succeeded');
    expect(world.timesOf('UpdateTaskSet', stepAt)).toEqual([0, 60_000, 120_000, 180_000]);
    expect(world.log.filter((e) => e.startsWith('UpdateTaskSet'))).toEqual([
      `UpdateTaskSet ${OLD_SET_ARN} 75`,
      `UpdateTaskSet ${OLD_SET_ARN} 50`,
      `UpdateTaskSet ${OLD_SET_ARN} 25`,
      `UpdateTaskSet ${OLD_SET_ARN} 0`,
    ]);
  });

  it('the same controller resumes without takeOver', async () => {
    const { input, options, clock } = setup();
    crashAfterStep(clock, options, 1);
    const killed = await caught(deploy(aws.clients, input, { ...options, controllerId: 'ci-run-1' }));
    expect(killed.message).toBe('controller process killed');
    const again = await deploy(aws.clients, input, { ...options, controllerId: 'ci-run-1' });
    expect(again.outcome).toBe('succeeded');
  });

  it('a stopped run (Ctrl-C) gives its lease back: another controller resumes at once, an interval after the last step', async () => {
    const { world, input, options, clock } = setup();
    const stopped = await caught(
      deploy(aws.clients, input, { ...options, controllerId: 'ci-run-1', signal: stopAfterStep(options, 1) }),
    );
    expect(stopped).toBeInstanceOf(DeploymentAbortedError);
    expect(world.set(NEW_SET_ARN)?.tags?.['ecs-taper:lease']).toBeUndefined();
    expect(world.set(NEW_SET_ARN)?.tags?.['ecs-taper:last-step-at']).toBe(String(NOW + 90_000));

    const resumed = await deploy(aws.clients, input, { clock, retry: fastRetry, controllerId: 'ci-run-2' });
    expect(resumed.outcome).toBe('succeeded');
    expect(world.timesOf('UpdateTaskSet')).toEqual([90_000, 150_000, 210_000, 270_000]);
  });

  it('a stopped run that cannot give its lease back still stops; the lease then holds others off', async () => {
    const { world, input, options, clock } = setup();
    const denied = Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
    options.events.on('event', (event) => {
      if (event.type === 'scale-step' && event.step === 1) world.failNext('UntagResourceCommand', denied);
    });
    const stopped = await caught(
      deploy(aws.clients, input, { ...options, controllerId: 'ci-run-1', signal: stopAfterStep(options, 1) }),
    );
    expect(stopped).toBeInstanceOf(DeploymentAbortedError);
    expect(world.set(NEW_SET_ARN)?.tags?.['ecs-taper:lease']).toBe(`${NOW + 90_000 + 150_000} ci-run-1`);
    const refused = await caught(
      deploy(aws.clients, input, { clock, retry: fastRetry, controllerId: 'ci-run-2' }),
    );
    expect(refused).toBeInstanceOf(DeploymentLockedError);
  });

  it('a controller whose lease was taken over while it was alive stops at its next step: no co-driving', async () => {
    const clock = sharedClock();
    const world = new FakeAws(clock).withOldSet().install(aws);
    const input = rawInput({ decrementPercent: 25, intervalSeconds: 60, settleSeconds: 60 });
    const events = new DeploymentEmitter();
    let second: Promise<DeploymentResult> | undefined;
    events.on('event', (event) => {
      // An operator takes over 10 s after step 1, believing the first controller gone. It is not.
      if (event.type === 'scale-step' && event.step === 1 && !second) {
        second = clock
          .sleep(10_000)
          .then(() =>
            deploy(aws.clients, input, { clock, retry: fastRetry, controllerId: 'ops', takeOver: true }),
          );
      }
    });
    const first = await caught(
      deploy(aws.clients, input, { clock, retry: fastRetry, controllerId: 'ci-run-1', events }),
    );
    const taken = await (second as Promise<DeploymentResult>);

    expect(first).toBeInstanceOf(DeploymentLockedError);
    expect(first.message).toContain(`deployment ${DEPLOYMENT_ID} is driven by controller ops`);
    expect(taken.outcome).toBe('succeeded');
    // Four steps, each a full interval after the one before: nobody applied one twice or back to back.
    expect(world.log.filter((e) => e.startsWith('UpdateTaskSet'))).toEqual([
      `UpdateTaskSet ${OLD_SET_ARN} 75`,
      `UpdateTaskSet ${OLD_SET_ARN} 50`,
      `UpdateTaskSet ${OLD_SET_ARN} 25`,
      `UpdateTaskSet ${OLD_SET_ARN} 0`,
    ]);
    expect(world.timesOf('UpdateTaskSet')).toEqual([90_000, 150_000, 210_000, 270_000]);
  });

  it('a failed deployment releases the lease: a re-run is not refused', async () => {
    const { world, input, options, clock } = setup({ drainTimeoutSeconds: 60 });
    world.drainingMs = 10_000_000;
    const failed = await deploy(aws.clients, input, { ...options, controllerId: 'ci-run-1' });
    expect(failed.outcome).toBe('failed');
    world.drainingMs = 0;
    for (const set of world.sets) set.draining = [];
    const rerun = await deploy(aws.clients, input, { clock, retry: fastRetry, controllerId: 'ci-run-2' });
    expect(rerun.outcome).toBe('succeeded');
  });
});

describe('scale-down pacing in fake time', () => {
  const stepTimes = (events: DeploymentEvent[]) =>
    events.flatMap((e) => (e.type === 'scale-step' ? [e.at - NOW] : []));

  it('after a hold, the next step waits a full interval from the moment the new set is steady again', async () => {
    // The instability (100 s, its targets not healthy meanwhile) stays within a longer health-guard grace.
    const { world, input, options, events } = setup({ unhealthyGraceSeconds: 300 });
    options.events.on('event', (event) => {
      // Step 1 at 90 s; the new set then stabilises until 190 s.
      if (event.type === 'scale-step' && event.step === 1) {
        const ours = world.set(NEW_SET_ARN);
        if (ours) ours.healthyAt = event.at + 100_000;
      }
    });
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('succeeded');
    // Step 2 was due at 150 s: held (polls at 150, 165, 180 s), steady at 195 s, then a full interval.
    expect(stepTimes(events)).toEqual([90_000, 255_000, 315_000, 375_000]);
  });

  it('the same hold with the default 60 s grace rolls back: its targets were not healthy for 60 s', async () => {
    const { world, input, options, events } = setup();
    options.events.on('event', (event) => {
      if (event.type === 'scale-step' && event.step === 1) {
        const ours = world.set(NEW_SET_ARN);
        if (ours) ours.healthyAt = event.at + 100_000;
      }
    });
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toBe('new version unhealthy after the swap: 0 of 4 targets healthy for 60 s');
    // First seen below the bar at the 105 s poll; rolled back at the 165 s one, before step 2.
    expect(stepTimes(events)).toEqual([90_000]);
    expect(events.find((e) => e.type === 'rollback-started')).toMatchObject({ at: NOW + 165_000 });
  });

  it('Auto Scaling kept on: a desiredCount change is corrected within a poll, without counting a step', async () => {
    const { world, input, options, events } = setup({ suspendAutoScaling: false });
    options.events.on('event', (event) => {
      if (event.type === 'scale-step' && event.step === 1) world.desiredCount = 8;
    });
    const result = await deploy(aws.clients, input, options);
    expect(result.outcome).toBe('succeeded');
    expect(world.log.filter((e) => e.startsWith('UpdateTaskSet'))).toEqual([
      `UpdateTaskSet ${OLD_SET_ARN} 75`,
      `UpdateTaskSet ${OLD_SET_ARN} 37`, // back to the planned 3 tasks, now of 8
      `UpdateTaskSet ${OLD_SET_ARN} 25`, // 2 of 8
      `UpdateTaskSet ${OLD_SET_ARN} 12`, // 1 of 8
      `UpdateTaskSet ${OLD_SET_ARN} 0`,
    ]);
    expect(world.timesOf('UpdateTaskSet')).toEqual([90_000, 105_000, 150_000, 210_000, 270_000]);
    expect(stepTimes(events)).toEqual([90_000, 150_000, 210_000, 270_000]);
  });
});
