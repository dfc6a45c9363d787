import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { beforeEach, describe, expect, it } from 'vitest';
import { decide, type RollbackObservation, rollback } from '../../../src/phases/rollback';
import type { DeploymentState, PhaseResult } from '../../../src/state';
import { FakeAws } from '../support/fake-aws';
import {
  BLUE_TG,
  DEPLOYMENT_ID,
  deploymentState,
  expectNoMutations,
  GREEN_TG,
  listenersAfterSwap,
  listenersBeforeSwap,
  mockAws,
  NEW_SET_ARN,
  NEW_TD,
  NOW,
  newSet,
  OLD_SET_ARN,
  oldSet,
  PROD_LISTENER_ARN,
  service,
  servicesOutput,
  TEST_LISTENER_ARN,
  targets,
  topology,
} from '../support/fixtures';

const aws = mockAws();

describe('rollback decide (pure)', () => {
  const seen = (overrides: Partial<RollbackObservation>): RollbackObservation => ({
    old: oldSet(),
    ours: newSet(),
    primaryTaskSetArn: OLD_SET_ARN,
    productionListeners: listenersBeforeSwap().slice(0, 1),
    ...overrides,
  });
  const swapped = { productionListeners: listenersAfterSwap().slice(0, 1), primaryTaskSetArn: NEW_SET_ARN };

  it.each([
    [
      'swapped, old scaled down: restore its scale first',
      { ...swapped, old: oldSet({ scale: { unit: 'PERCENT', value: 50 } }) },
      'restore-old-scale',
    ],
    [
      'swapped, old at 0 %: restore its scale first',
      { ...swapped, old: oldSet({ scale: { unit: 'PERCENT', value: 0 } }) },
      'restore-old-scale',
    ],
    ['swapped, old back at 100 %: check it is ready before pointing back', swapped, 'check-old-ready'],
    [
      'listener back, but the new set still primary: check-old-ready (finishes the swap back)',
      { primaryTaskSetArn: NEW_SET_ARN },
      'check-old-ready',
    ],
    ['not swapped: delete the new set', {}, 'delete-new'],
    ['not swapped, the new set already gone: done', { ours: undefined }, 'done'],
    ['swapped with no old set to go back to: give up', { ...swapped, old: undefined }, 'give-up'],
    ['first deployment, not swapped: delete the new set', { old: undefined }, 'delete-new'],
  ])('%s', (_label, overrides, kind) => {
    expect(decide(seen(overrides as Partial<RollbackObservation>), topology()).kind).toBe(kind);
  });
});

describe('rollback', () => {
  const state = (overrides: Partial<DeploymentState> = {}) =>
    deploymentState({ phase: 'rollback', rollbackReason: 'alarm web-5xx in ALARM', ...overrides });

  function given(options: { oldScale: number; swapped: boolean; newExists?: boolean; oldHealth?: string }) {
    const old = oldSet({
      status: options.swapped ? 'ACTIVE' : 'PRIMARY',
      scale: { unit: 'PERCENT', value: options.oldScale },
      computedDesiredCount: Math.ceil((2 * options.oldScale) / 100),
      runningCount: Math.ceil((2 * options.oldScale) / 100),
    });
    const sets = [
      old,
      ...(options.newExists === false ? [] : [newSet({ status: options.swapped ? 'PRIMARY' : 'ACTIVE' })]),
    ];
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service(sets)));
    aws.elbv2.on(DescribeListenersCommand).resolves({
      Listeners: options.swapped ? listenersAfterSwap().slice(0, 1) : listenersBeforeSwap().slice(0, 1),
    });
    aws.elbv2.on(DescribeTargetHealthCommand).resolves({
      TargetHealthDescriptions: targets([options.oldHealth ?? 'healthy'], [options.oldHealth ?? 'healthy']),
    });
  }

  it('restores the old set to 100 % first, and touches nothing else in that step', async () => {
    given({ oldScale: 50, swapped: true });
    const result = await rollback(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateTaskSetCommand, {
      taskSet: OLD_SET_ARN,
      scale: { unit: 'PERCENT', value: 100 },
    });
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 0);
    expect(result.next).toMatchObject({ kind: 'go', phase: 'rollback' });
  });

  it('does not point production back while the old targets are not healthy', async () => {
    given({ oldScale: 100, swapped: true, oldHealth: 'initial' });
    const result = await rollback(aws.context(), state());
    expect(result.next).toMatchObject({ phase: 'rollback', afterSeconds: 15 });
    expect(result.next.detail).toContain('waiting for the old task set');
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG });
    expectNoMutations(aws);
  });

  it('not swapped: deletes only the new set and leaves the old one alone', async () => {
    given({ oldScale: 100, swapped: false });
    const result = await rollback(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DeleteTaskSetCommand, {
      taskSet: NEW_SET_ARN,
      force: true,
    });
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateTaskSetCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateServicePrimaryTaskSetCommand, 0);
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
    expect(result.next).toMatchObject({ phase: 'rollback' });
  });

  describe('Auto Scaling', () => {
    const previous = {
      DynamicScalingInSuspended: true,
      DynamicScalingOutSuspended: false,
      ScheduledScalingSuspended: false,
    };
    const record = { previous, suspended: true, restored: false };
    beforeEach(() => {
      aws.autoScaling.on(DescribeScalableTargetsCommand).resolves({
        ScalableTargets: [
          {
            ServiceNamespace: 'ecs',
            ResourceId: 'service/demo/web',
            ScalableDimension: 'ecs:service:DesiredCount',
            MinCapacity: 1,
            MaxCapacity: 4,
            RoleARN: 'arn:aws:iam::000000000000:role/r',
            CreationTime: new Date(0),
            SuspendedState: {
              DynamicScalingInSuspended: true,
              DynamicScalingOutSuspended: true,
              ScheduledScalingSuspended: true,
            },
          },
        ],
      });
      aws.autoScaling.on(RegisterScalableTargetCommand).resolves({});
    });

    it('is restored exactly before the new set (which holds its record) is deleted', async () => {
      given({ oldScale: 100, swapped: false });
      const result = await rollback(aws.context(), state({ autoScaling: record }));
      expect(aws.autoScaling).toHaveReceivedCommandExactlyOnceWith(RegisterScalableTargetCommand, {
        SuspendedState: previous,
      });
      const [register] = aws.autoScaling.commandCalls(RegisterScalableTargetCommand);
      const [remove] = aws.ecs.commandCalls(DeleteTaskSetCommand);
      expect(register?.calledBefore(remove!)).toBe(true);
      expect(result.state.autoScaling).toEqual({ ...record, restored: true });
    });

    it('is not restored while the old version is being brought back (scaling stays off until then)', async () => {
      given({ oldScale: 50, swapped: true });
      const result = await rollback(aws.context(), state({ autoScaling: record }));
      expect(aws.autoScaling).toHaveReceivedCommandTimes(RegisterScalableTargetCommand, 0);
      expect(result.state.autoScaling).toEqual(record);
    });

    it('keeps the new set when Auto Scaling cannot be restored: its record must survive for a re-run', async () => {
      given({ oldScale: 100, swapped: false });
      aws.autoScaling
        .on(RegisterScalableTargetCommand)
        .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
      await expect(rollback(aws.context(), state({ autoScaling: record }))).rejects.toThrow(
        'restoring Application Auto Scaling of service/demo/web',
      );
      expect(aws.ecs).toHaveReceivedCommandTimes(DeleteTaskSetCommand, 0);
    });
  });

  it('ends as rolled-back with the cause once the new set is gone, and a repeat changes nothing', async () => {
    given({ oldScale: 100, swapped: false, newExists: false });
    const first = await rollback(aws.context(), state());
    const second = await rollback(aws.context(), first.state);
    for (const result of [first, second]) {
      expect(result.next).toEqual({ kind: 'end', outcome: 'rolled-back', detail: 'alarm web-5xx in ALARM' });
    }
    expectNoMutations(aws);
  });

  it('gives up (failed) when there is no old set to go back to and the new one serves', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service([newSet({ status: 'PRIMARY' })])));
    aws.elbv2.on(DescribeListenersCommand).resolves({ Listeners: listenersAfterSwap().slice(0, 1) });
    const result = await rollback(aws.context(), state({ topology: topology({ oldTaskSetArn: undefined }) }));
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'failed' });
    expect(result.next.detail).toContain('no old task set to roll back to');
    expect(result.next.detail).toContain('cause: alarm web-5xx in ALARM');
    expectNoMutations(aws);
  });

  it('fails after its deadline when the old version does not come back healthy', async () => {
    given({ oldScale: 100, swapped: true, oldHealth: 'unhealthy' });
    const result = await rollback(aws.context(NOW + 1), state({ rollbackDeadline: NOW }));
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'failed' });
    expect(result.next.detail).toContain('rollback could not restore the old version');
    expectNoMutations(aws);
  });

  it('sets its own deadline and a default reason when started without them', async () => {
    given({ oldScale: 100, swapped: false });
    const result = await rollback(aws.context(), state({ rollbackReason: undefined }));
    expect(result.state.rollbackReason).toBe('rollback requested');
    expect(result.state.rollbackDeadline).toBe(NOW + 600_000);
  });
});

describe('rollback, run to the end against a stateful fake', () => {
  /** Runs the rollback phase until it ends, advancing the clock as it asks. */
  async function runToEnd(
    world: FakeAws,
    clock: { t: number },
    start: DeploymentState,
  ): Promise<PhaseResult> {
    let state = start;
    for (let i = 0; i < 50; i += 1) {
      const result = await rollback(aws.context(clock.t), state);
      if (result.next.kind === 'end') return result;
      clock.t += result.next.afterSeconds * 1000;
      state = result.state;
    }
    throw new Error(`rollback did not end: ${world.log.join(' | ')}`);
  }

  it('restores scale, waits for healthy old targets, points back, then deletes the new set last', async () => {
    const clock = { t: NOW };
    const world = new FakeAws({ now: () => clock.t }).withOldSet({ scale: 25, primary: false }).install(aws);
    world.sets.push({
      taskSetArn: NEW_SET_ARN,
      id: 'ecs-svc/new',
      externalId: DEPLOYMENT_ID,
      taskDefinition: NEW_TD,
      targetGroupArn: GREEN_TG,
      scale: 100,
      primary: true,
      createdAt: NOW - 600_000,
      healthyAt: 0,
    });
    world.listeners.set(PROD_LISTENER_ARN, { port: 80, targetGroupArn: GREEN_TG });
    world.listeners.set(TEST_LISTENER_ARN, { port: 8080, targetGroupArn: BLUE_TG });
    let pointedBackAt: number | undefined;
    aws.elbv2.on(ModifyListenerCommand).callsFake(async (input) => {
      pointedBackAt ??= clock.t;
      const found = world.listeners.get(input.ListenerArn as string);
      if (found) found.targetGroupArn = input.DefaultActions?.[0]?.TargetGroupArn ?? '';
      world.log.push(`ModifyListener ${input.ListenerArn === PROD_LISTENER_ARN ? 'prod' : 'test'}`);
      return {};
    });

    const result = await runToEnd(
      world,
      clock,
      deploymentState({ phase: 'rollback', rollbackReason: 'alarm x in ALARM' }),
    );

    expect(result.next).toEqual({ kind: 'end', outcome: 'rolled-back', detail: 'alarm x in ALARM' });
    expect(world.changes).toEqual([
      `UpdateTaskSet ${OLD_SET_ARN} 100`,
      'ModifyListener prod',
      'ModifyListener test',
      `UpdateServicePrimaryTaskSet ${OLD_SET_ARN}`,
      `DeleteTaskSet ${NEW_SET_ARN}`,
    ]);
    // The restored old tasks needed healthDelayMs to pass health checks; production waited for them.
    expect(pointedBackAt).toBeGreaterThanOrEqual(NOW + world.healthDelayMs);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
    expect(world.forwardsTo(TEST_LISTENER_ARN)).toBe(GREEN_TG);
    expect(world.sets.map((s) => [s.taskSetArn, s.scale, s.primary])).toEqual([[OLD_SET_ARN, 100, true]]);
  });

  it('not swapped: only the new set is deleted, the old set, listeners and primary are untouched', async () => {
    const clock = { t: NOW };
    const world = new FakeAws({ now: () => clock.t }).withOldSet().install(aws);
    world.sets.push({
      taskSetArn: NEW_SET_ARN,
      id: 'ecs-svc/new',
      externalId: DEPLOYMENT_ID,
      taskDefinition: NEW_TD,
      targetGroupArn: GREEN_TG,
      scale: 100,
      primary: false,
      createdAt: NOW - 60_000,
      healthyAt: NOW + 999_999,
    });
    const result = await runToEnd(
      world,
      clock,
      deploymentState({ phase: 'rollback', rollbackReason: 'not ready' }),
    );
    expect(result.next).toMatchObject({ outcome: 'rolled-back' });
    expect(world.log).toEqual([`DeleteTaskSet ${NEW_SET_ARN}`]);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(BLUE_TG);
  });
});
