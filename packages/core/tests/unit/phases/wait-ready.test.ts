import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DeleteTaskSetCommand, DescribeServicesCommand, type TaskSet } from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { AwsCallError, DeploymentLockedError, TopologyError } from '../../../src/errors';
import { decide, summarizeHealth, waitReady } from '../../../src/phases/wait-ready';
import {
  caught,
  deploymentState,
  elbv2Throttled,
  expectNoMutations,
  GREEN_TG,
  mockAws,
  NEW_SET_ARN,
  NOW,
  newSet,
  oldSet,
  service,
  servicesOutput,
  targets,
} from '../support/fixtures';

const aws = mockAws();

const steady = (overrides: Partial<TaskSet> = {}): TaskSet =>
  newSet({
    stabilityStatus: 'STEADY_STATE',
    computedDesiredCount: 2,
    runningCount: 2,
    pendingCount: 0,
    ...overrides,
  });
const deadline = NOW + 60_000;

describe('summarizeHealth', () => {
  it('counts healthy targets and groups the rest by state and reason, ignoring draining ones', () => {
    expect(
      summarizeHealth(
        targets(
          ['healthy'],
          ['initial', 'Elb.RegistrationInProgress'],
          ['initial', 'Elb.RegistrationInProgress'],
          ['draining', 'Target.DeregistrationInProgress'],
          ['unhealthy'],
        ),
      ),
    ).toEqual({
      healthy: 1,
      notHealthy: { 'initial (Elb.RegistrationInProgress)': 2, unhealthy: 1 },
    });
  });
});

describe('wait-ready decide (pure)', () => {
  it.each([
    ['all running and healthy', steady(), targets(['healthy'], ['healthy']), 'ready'],
    [
      'STEADY_STATE but one target still initial',
      steady(),
      targets(['healthy'], ['initial', 'Elb.RegistrationInProgress']),
      'wait',
    ],
    ['STEADY_STATE but one target unhealthy', steady(), targets(['healthy'], ['unhealthy']), 'wait'],
    [
      'STEADY_STATE, targets unused (no listener)',
      steady(),
      targets(['unused', 'Target.NotInUse'], ['unused', 'Target.NotInUse']),
      'wait',
    ],
    ['STEADY_STATE but fewer healthy targets than tasks', steady(), targets(['healthy']), 'wait'],
    ['STEADY_STATE with no targets registered yet', steady(), [], 'wait'],
    [
      'STABILIZING with healthy targets',
      steady({ stabilityStatus: 'STABILIZING' }),
      targets(['healthy'], ['healthy']),
      'wait',
    ],
    [
      'a task still pending',
      steady({ runningCount: 1, pendingCount: 1 }),
      targets(['healthy'], ['healthy']),
      'wait',
    ],
    ['running below desired', steady({ runningCount: 1 }), targets(['healthy'], ['healthy']), 'wait'],
    ['nothing wanted (desired 0)', steady({ computedDesiredCount: 0, runningCount: 0 }), [], 'wait'],
    [
      'a draining leftover does not block readiness',
      steady(),
      targets(['healthy'], ['healthy'], ['draining', 'Target.DeregistrationInProgress']),
      'ready',
    ],
  ])('%s -> %s', (_label, set, health, kind) => {
    expect(decide(set, summarizeHealth(health), NOW, deadline).kind).toBe(kind);
  });

  it('times out at the deadline, not before', () => {
    const health = summarizeHealth(targets(['initial']));
    expect(decide(steady(), health, deadline - 1, deadline).kind).toBe('wait');
    expect(decide(steady(), health, deadline, deadline).kind).toBe('timed-out');
  });

  it('is ready even at the deadline when everything is healthy', () => {
    expect(
      decide(steady(), summarizeHealth(targets(['healthy'], ['healthy'])), deadline, deadline).kind,
    ).toBe('ready');
  });

  it('reports unused targets (Target.NotInUse) in the reason', () => {
    const decision = decide(steady(), summarizeHealth(targets(['unused', 'Target.NotInUse'])), NOW, deadline);
    expect(decision).toMatchObject({ kind: 'wait' });
    expect(decision.kind === 'wait' && decision.reason).toContain('1 unused (Target.NotInUse)');
  });

  it('says what it saw when timing out', () => {
    const decision = decide(
      steady({ runningCount: 1, pendingCount: 1, stabilityStatus: 'STABILIZING' }),
      summarizeHealth(targets(['healthy'], ['initial'])),
      deadline,
      deadline,
    );
    expect(decision).toEqual({
      kind: 'timed-out',
      reason:
        'new task set not ready by the deadline: 1/2 running, 1 pending, STABILIZING; targets: 1 healthy, 1 initial',
    });
  });
});

describe('waitReady', () => {
  const state = (overrides = {}, input = {}) =>
    deploymentState({ readyDeadline: deadline, ...overrides }, input);

  function given(newTaskSet: TaskSet, health: ReturnType<typeof targets>) {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet(), newTaskSet])));
    aws.elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: health });
  }

  it('goes to swap when the new set is steady and every target of the standby group is healthy', async () => {
    given(steady(), targets(['healthy'], ['healthy']));
    const result = await waitReady(aws.context(), state());
    expect(result.next).toMatchObject({ kind: 'go', phase: 'swap', afterSeconds: 0 });
    expect(result.status).toEqual({
      oldTasks: { running: 2, pending: 0, desired: 2 },
      newTasks: { running: 2, pending: 0, desired: 2 },
      healthyNewTargets: 2,
    });
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG });
    expectNoMutations(aws);
  });

  it('waits the poll interval while targets are initial, and mutates nothing on repeated calls', async () => {
    given(steady(), targets(['healthy'], ['initial', 'Elb.RegistrationInProgress']));
    const first = await waitReady(aws.context(), state({}, { pollIntervalSeconds: 10 }));
    const second = await waitReady(aws.context(NOW + 10_000), first.state);
    for (const result of [first, second]) {
      expect(result.next).toMatchObject({ kind: 'go', phase: 'waitReady', afterSeconds: 10 });
      expect(result.next.detail).toContain('initial (Elb.RegistrationInProgress)');
    }
    expectNoMutations(aws);
  });

  it('never sleeps past the deadline', async () => {
    given(steady(), targets(['initial']));
    const result = await waitReady(aws.context(deadline - 3_000), state({}, { pollIntervalSeconds: 30 }));
    expect(result.next).toMatchObject({ phase: 'waitReady', afterSeconds: 3 });
  });

  it('starts a rollback with the reason once the deadline has passed', async () => {
    given(steady({ stabilityStatus: 'STABILIZING', runningCount: 1 }), targets(['unhealthy']));
    const result = await waitReady(aws.context(deadline), state());
    expect(result.next).toMatchObject({ kind: 'go', phase: 'rollback' });
    expect(result.state.rollbackReason).toContain('new task set not ready by the deadline');
    expect(result.state.rollbackReason).toContain('1 unhealthy');
    expect(result.state.rollbackDeadline).toBe(deadline + 600_000);
    expectNoMutations(aws);
  });

  it('sets a deadline from readyTimeoutSeconds when the state has none', async () => {
    given(steady(), targets(['initial']));
    const result = await waitReady(
      aws.context(),
      state({ readyDeadline: undefined }, { readyTimeoutSeconds: 120 }),
    );
    expect(result.state.readyDeadline).toBe(NOW + 120_000);
  });

  it('starts a rollback when a watched alarm is in ALARM, before looking at health', async () => {
    given(steady(), targets(['healthy'], ['healthy']));
    aws.cloudwatch
      .on(DescribeAlarmsCommand)
      .resolves({ MetricAlarms: [{ AlarmName: 'web-5xx', StateValue: 'ALARM' }] });
    const result = await waitReady(aws.context(), state({}, { alarmNames: ['web-5xx'] }));
    expect(result.next).toMatchObject({ phase: 'rollback' });
    expect(result.state.rollbackReason).toBe('alarm web-5xx in ALARM');
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 0);
  });

  it('fails clearly when the new task set disappeared', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([oldSet()])));
    const error = await caught(waitReady(aws.context(), state()));
    expect(error).toBeInstanceOf(TopologyError);
    expect(error.message).toContain(`task set ${NEW_SET_ARN}`);
    expect(error.message).toContain('disappeared');
  });

  it('reports a deleted target group as TargetGroupNotFoundException', async () => {
    given(steady(), []);
    aws.elbv2
      .on(DescribeTargetHealthCommand)
      .rejects(new TargetGroupNotFoundException({ message: 'Target groups not found', $metadata: {} }));
    const error = await caught(waitReady(aws.context(), state()));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('TargetGroupNotFoundException');
    expect(error.message).toContain(`describing target health of ${GREEN_TG}`);
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetHealthCommand, 1);
  });

  it('retries throttled DescribeTargetHealth', async () => {
    given(steady(), []);
    aws.elbv2
      .on(DescribeTargetHealthCommand)
      .rejectsOnce(elbv2Throttled())
      .resolves({ TargetHealthDescriptions: targets(['healthy'], ['healthy']) });
    await expect(waitReady(aws.context(), state())).resolves.toMatchObject({ next: { phase: 'swap' } });
  });

  it('backs out when it lost a same-moment race for the standby group', async () => {
    const at = new Date(NOW - 1000);
    const rival = newSet({ externalId: 'taper-0', taskSetArn: `${NEW_SET_ARN}-rival`, createdAt: at });
    aws.ecs
      .on(DescribeServicesCommand)
      .resolves(servicesOutput(service([oldSet(), steady({ createdAt: at }), rival])));
    const error = await caught(waitReady(aws.context(), state()));
    expect(error).toBeInstanceOf(DeploymentLockedError);
    expect(error.runningDeploymentId).toBe('taper-0');
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DeleteTaskSetCommand, { taskSet: NEW_SET_ARN });
  });
});
