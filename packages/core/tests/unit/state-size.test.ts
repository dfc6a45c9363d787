/**
 * Step Functions passes the state between Task states (256 KiB at most; we keep it under 8 KiB), so its
 * size must not grow with the plan nor with time: it carries the counts the plan was made from, never the
 * plan (100,000 steps were 9.6 MB, and the execution died with States.DataLimitExceeded).
 */
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  TagResourceCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import { DescribeTargetHealthCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { planFor, planOf, scaleDown } from '../../src/phases/scale-down';
import type { DeploymentState, PhaseResult } from '../../src/state';
import {
  deploymentState,
  GREEN_TG,
  mockAws,
  NOW,
  newSet,
  oldSet,
  service,
  servicesOutput,
  targets,
} from './support/fixtures';

const aws = mockAws();

const LIMIT = 8192;
const BIG = 100_000;
const INTERVAL = 60;
const bytes = (state: DeploymentState) => Buffer.byteLength(JSON.stringify(state), 'utf8');

/** A production-like deployment at the start of scale-down: one task retired per step. */
function scaleDownState(): DeploymentState {
  return deploymentState(
    {
      phase: 'scaleDown',
      swappedAt: NOW - 120_000,
      readyDeadline: NOW + 480_000,
      autoScaling: {
        previous: {
          DynamicScalingInSuspended: false,
          DynamicScalingOutSuspended: false,
          ScheduledScalingSuspended: false,
        },
        suspended: true,
        restored: false,
      },
      lease: { owner: 'sfn-0123456789abcdef0123456789abcdef', expiresAt: NOW + 150_000 },
      controllerId: 'sfn-0123456789abcdef0123456789abcdef',
    },
    {
      decrementTasks: 1,
      decrementPercent: undefined,
      intervalSeconds: INTERVAL,
      subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002', 'subnet-0a1b2c3d4e5f60003'],
      securityGroups: ['sg-0a1b2c3d4e5f60001', 'sg-0a1b2c3d4e5f60002'],
      alarmNames: ['web-prod-5xx-rate', 'web-prod-p99-latency', 'web-prod-unhealthy-hosts'],
    },
  );
}

const healthyTargets = new Map<number, ReturnType<typeof targets>>();

/** The service wants `desired` tasks; the old set has `oldTasks`, the new one all `desired`, healthy. */
function given(oldTasks: number, desired: number) {
  aws.ecs.on(DescribeServicesCommand).resolves(
    servicesOutput(
      service(
        [
          oldSet({
            status: 'ACTIVE',
            computedDesiredCount: oldTasks,
            runningCount: oldTasks,
            scale: { unit: 'PERCENT', value: oldTasks === desired ? 100 : 50 },
          }),
          newSet({ status: 'PRIMARY', computedDesiredCount: desired, runningCount: desired }),
        ],
        { desiredCount: desired },
      ),
    ),
  );
  if (!healthyTargets.has(desired))
    healthyTargets.set(desired, targets(...Array.from({ length: desired }, () => ['healthy'] as [string])));
  aws.elbv2
    .on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG })
    .resolves({ TargetHealthDescriptions: healthyTargets.get(desired) });
  aws.cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  aws.ecs.on(UpdateTaskSetCommand).resolves({});
  aws.ecs.on(TagResourceCommand).resolves({});
  aws.ecs
    .on(DescribeTaskSetsCommand)
    .resolves({ taskSets: [{ ...newSet({ status: 'PRIMARY' }), tags: [] }] });
}

/** Step `k` (1-based) of a plan for `desired` tasks, from the state scale-down left after step k - 1. */
async function step(before: DeploymentState, k: number, desired: number): Promise<PhaseResult> {
  given(desired - (k - 1), desired);
  const due = (before.lastStepAt ?? NOW) + INTERVAL * 1000;
  const result = await scaleDown(aws.context(due), { ...before, stepsApplied: k - 1 });
  expect(result.appliedStep).toMatchObject({ step: k, steps: desired, remainingTasks: desired - k });
  return result;
}

describe('the deployment state', () => {
  it(`stays under ${LIMIT} bytes at every point of a ${BIG}-step scale-down`, async () => {
    given(BIG, BIG);
    const first = await scaleDown(aws.context(), scaleDownState());
    expect(first.appliedStep).toMatchObject({ step: 1, steps: BIG, remainingTasks: BIG - 1 });
    const mid = await step(first.state, BIG / 2, BIG);
    const last = await step(mid.state, BIG, BIG);
    expect(last.next).toMatchObject({ phase: 'waitDrained' });
    for (const { state } of [first, mid, last]) expect(bytes(state)).toBeLessThan(LIMIT);
  });

  it('has the same size for a 1-step and a 100,000-step plan (but for the digits of the counts)', async () => {
    given(1, 1);
    const small = await scaleDown(aws.context(), scaleDownState());
    expect(small.appliedStep).toMatchObject({ step: 1, steps: 1 });
    given(BIG, BIG);
    const big = await scaleDown(aws.context(), scaleDownState());
    expect(big.appliedStep).toMatchObject({ step: 1, steps: BIG });
    // planBasis: { desiredCount: 1, currentTasks: 1 } against 100000 twice, 5 more digits each.
    expect(bytes(big.state) - bytes(small.state)).toBeLessThanOrEqual(10);
  });

  it('does not grow from step to step, poll to poll', async () => {
    const desired = 12;
    given(desired, desired);
    let result = await scaleDown(aws.context(), scaleDownState());
    const sizes = [bytes(result.state)];
    for (let k = 2; k <= desired; k++) {
      given(desired - (k - 1), desired);
      const poll = await scaleDown(aws.context((result.state.lastStepAt ?? NOW) + 15_000), result.state);
      expect(poll.appliedStep).toBeUndefined();
      result = await step(poll.state, k, desired);
      sizes.push(bytes(poll.state), bytes(result.state));
    }
    // stepsApplied goes from 1 to 2 digits; nothing is appended.
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });
});

describe('the recomputed plan', () => {
  it('is the plan made at the first step, whatever the old set counts later (and after a JSON round trip)', async () => {
    const input = scaleDownState().input;
    const carried = structuredClone(planFor(input, BIG, BIG));
    given(BIG, BIG);
    const first = await scaleDown(aws.context(), scaleDownState());
    const mid = await step(JSON.parse(JSON.stringify(first.state)), BIG / 2, BIG);
    expect(planOf(JSON.parse(JSON.stringify(mid.state)))).toEqual(carried);
    // The plan from the count at that point is a different one: its step 1 would be step 50,001 here.
    expect(planFor(input, BIG, BIG / 2).steps.length).toBe(BIG / 2);
  });

  it.each([
    ['percent mode', { decrementPercent: 7.5 }],
    ['task mode', { decrementTasks: 3, decrementPercent: undefined }],
    [
      'budget mode',
      {
        decrementPercent: undefined,
        maxNewConnectionsPerSecond: 100,
        connectionsPerTask: 500,
        reconnectSpreadSeconds: 30,
      },
    ],
  ])('equals the planner’s own plan in %s, also as a resumed (partial) plan', (_label, schedule) => {
    const state = deploymentState({ planBasis: { desiredCount: 40, currentTasks: 23 } }, schedule);
    const plan = planOf(JSON.parse(JSON.stringify(state)));
    expect(plan?.steps.length).toBeGreaterThan(1);
    expect(plan?.steps.reduce((sum, s) => sum + s.removedTasks, 0)).toBe(23);
    expect(plan).toEqual(planFor(state.input, 40, 23));
  });

  it('is recomputed for each input and basis: the last plan is reused only for the same options', () => {
    const fours = deploymentState({ planBasis: { desiredCount: 8, currentTasks: 8 } }, { decrementTasks: 4 });
    const twos = deploymentState({ planBasis: { desiredCount: 8, currentTasks: 8 } }, { decrementTasks: 2 });
    const remaining = (s: DeploymentState) => planOf(s)?.steps.map((step) => step.remainingTasks);
    expect(remaining(fours)).toEqual([4, 0]);
    expect(remaining(twos)).toEqual([6, 4, 2, 0]);
    expect(remaining({ ...twos, planBasis: { desiredCount: 8, currentTasks: 5 } })).toEqual([4, 2, 0]);
    expect(planOf(fours)).toBe(planOf(fours));
  });

  it('is undefined before scale-down has planned', () => {
    expect(planOf(deploymentState())).toBeUndefined();
  });
});
