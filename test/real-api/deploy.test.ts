/**
 * The whole workflow in process (core's deploy(), rollbackDeployment(), describeDeployment()) through real
 * SDK clients against moto. Waiting uses a virtual clock: moto has no notion of time, so the minutes a
 * deployment waits (settle, scale-down interval, polls) pass at once.
 */
import {
  DeploymentEmitter,
  type DeploymentEvent,
  DeploymentLockedError,
  deploy,
  describeDeployment,
  rollbackDeployment,
} from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import {
  createStack,
  discoverAndCreate,
  motoClients,
  playedClients,
  readForwards,
  readTagsOf,
  readTargetStates,
  readTaskSets,
  testRetry,
  virtualClock,
} from '../support/real-aws';

const raw = motoClients();

function recorder() {
  const events = new DeploymentEmitter();
  const seen: DeploymentEvent[] = [];
  events.on('event', (event) => seen.push(event));
  return { events, seen };
}

describe('deploy() against moto', () => {
  it('with the test playing ECS: gate, swap, taper one task at a time, cleanup; AWS ends in the new state', async () => {
    const stack = await createStack(raw);
    const { clients } = playedClients();
    const { events, seen } = recorder();
    const clock = virtualClock();
    const started = clock.now();
    const result = await deploy(
      clients,
      stack.input({ deploymentId: 'dep-full', decrementTasks: 1, intervalSeconds: 30, settleSeconds: 45 }),
      { clock, events, retry: testRetry },
    );
    expect(result).toMatchObject({ deploymentId: 'dep-full', outcome: 'succeeded' });
    expect(result.reason).toMatch(/^deleted old task set /);

    const phases = seen.flatMap((e) => (e.type === 'phase-started' ? [e.phase] : []));
    expect(phases).toEqual([
      'discover',
      'create',
      'waitReady',
      'swap',
      // After the swap every wait is poll-sized (15 s), so the new targets' health is re-checked each poll:
      // 45 s of settle in three polls, the two 30 s intervals in two polls each.
      'settle',
      'settle',
      'settle',
      'settle',
      'scaleDown',
      'scaleDown',
      'scaleDown',
      'scaleDown',
      'scaleDown',
      // Old targets gone at once (moto, row 15), then the Fargate default stop timeout (30 s): two 15 s polls.
      'waitDrained',
      'waitDrained',
      'waitDrained',
      'cleanup',
    ]);
    const steps = seen.flatMap((e) => (e.type === 'scale-step' ? [[e.remainingTasks, e.removedTasks]] : []));
    expect(steps).toEqual([
      [2, 1],
      [1, 1],
      [0, 1],
    ]);
    // 15 s settle polls (default pollIntervalSeconds) to 45 s, two 30 s intervals, the 30 s stop timeout.
    expect(clock.now() - started).toBe(45_000 + 60_000 + 30_000);

    const sets = await readTaskSets(raw, stack);
    expect(sets).toHaveLength(1);
    expect(sets[0]).toMatchObject({
      externalId: 'dep-full',
      status: 'PRIMARY',
      loadBalancers: [{ targetGroupArn: stack.greenTargetGroupArn }],
    });
    expect(await readForwards(raw, stack)).toEqual({
      80: [stack.greenTargetGroupArn],
      8080: [stack.blueTargetGroupArn],
    });
    expect(await readTagsOf(raw, stack.greenTargetGroupArn)).toEqual({
      'ecs-taper:role': 'live',
      'ecs-taper:deployment-id': 'dep-full',
    });
    expect(await readTargetStates(raw, stack.blueTargetGroupArn)).toEqual([]);
    expect(await readTargetStates(raw, stack.greenTargetGroupArn)).toHaveLength(3);

    // Deploying the same version again finds it live and changes nothing.
    const again = await deploy(clients, stack.input(), { clock, retry: testRetry });
    expect(again).toMatchObject({
      outcome: 'succeeded',
      reason: `service web already runs ${stack.newTaskDefinition}`,
    });
  });

  it('with moto alone: the health gate never opens, so deploy rolls back at the ready deadline', async () => {
    // moto reports no task counts and registers no targets: this is what the CLI's deploy meets too.
    const stack = await createStack(raw);
    const { events, seen } = recorder();
    const result = await deploy(raw, stack.input({ readyTimeoutSeconds: 60 }), {
      clock: virtualClock(),
      events,
      retry: testRetry,
    });
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toBe(
      'new task set not ready by the deadline: 0/0 running, 0 pending, STEADY_STATE; targets: 0 healthy',
    );
    // The deadline counts from the set's createdAt (moto's clock at CreateTaskSet), a few ms after the virtual
    // clock started: the poll at exactly +60 s is still before it, the one at +75 s is past it.
    expect(seen.filter((e) => e.type === 'phase-started' && e.phase === 'waitReady')).toHaveLength(6);
    expect(seen.some((e) => e.type === 'rollback-started')).toBe(true);
    expect((await readTaskSets(raw, stack)).map((set) => set.taskSetArn)).toEqual([stack.initialTaskSetArn]);
    expect(await readForwards(raw, stack)).toEqual({
      80: [stack.blueTargetGroupArn],
      8080: [stack.greenTargetGroupArn],
    });
  });

  it('rollbackDeployment() undoes an unfinished deployment found on moto', async () => {
    const stack = await createStack(raw);
    await discoverAndCreate(raw, stack, { deploymentId: 'dep-undo' });
    // The controller that created the set holds its lease (a tag CreateTaskSet wrote) for 90 s: another
    // controller is refused, and the operator who knows the first one is gone takes over.
    const options = { clock: virtualClock(), retry: testRetry, reason: 'operator asked' };
    await expect(rollbackDeployment(raw, stack.input(), options)).rejects.toBeInstanceOf(
      DeploymentLockedError,
    );
    const result = await rollbackDeployment(raw, stack.input(), { ...options, takeOver: true });
    expect(result).toMatchObject({
      deploymentId: 'dep-undo',
      outcome: 'rolled-back',
      reason: 'operator asked',
    });
    expect((await readTaskSets(raw, stack)).map((set) => set.taskSetArn)).toEqual([stack.initialTaskSetArn]);
  });
});

describe('describeDeployment() against moto', () => {
  it('reports listeners, groups, task sets and the deployment in progress as moto stores them', async () => {
    const stack = await createStack(raw);
    const created = await discoverAndCreate(raw, stack, { deploymentId: 'dep-status' });
    const snapshot = await describeDeployment(
      raw,
      { cluster: stack.cluster, service: stack.service, loadBalancerArn: stack.loadBalancerArn },
      testRetry,
    );
    expect(snapshot.service).toEqual({ name: 'web', status: 'ACTIVE', desiredCount: 3 });
    expect(snapshot.listeners).toEqual([
      {
        arn: stack.productionListenerArn,
        port: 80,
        role: 'production',
        targetGroupArns: [stack.blueTargetGroupArn],
      },
      { arn: stack.testListenerArn, port: 8080, role: 'test', targetGroupArns: [stack.greenTargetGroupArn] },
    ]);
    expect(snapshot.targetGroups).toEqual([
      { arn: stack.blueTargetGroupArn, role: 'live', healthy: 0, notHealthy: {} },
      { arn: stack.greenTargetGroupArn, role: 'standby', healthy: 0, notHealthy: {} },
    ]);
    expect(
      snapshot.taskSets.map((set) => [set.status, set.externalId, set.scalePercent, set.desired]),
    ).toEqual([
      // moto's "" externalId on a set created without one (AWS leaves the field out), and no counts.
      ['PRIMARY', '', 100, 0],
      ['ACTIVE', 'dep-status', 100, 0],
    ]);
    // The controller and its lease come from the set's tags (DescribeTaskSets include TAGS); the service has
    // no scalable target, so nothing is suspended.
    expect(snapshot.deploymentInProgress).toEqual({
      deploymentId: 'dep-status',
      taskSetArn: created.newTaskSetArn,
      controller: { id: created.controllerId, leaseExpiresAt: created.lease?.expiresAt },
      autoScalingSuspended: false,
    });
  });
});
