import { DescribeServicesCommand, DescribeTaskSetsCommand, type TaskSet } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { type StrategyContext, withRetries } from './common.js';

/** What a baseline reads before it acts (through the simulated clients, like a real controller). */
export interface Topology {
  productionListenerArn: string;
  testListenerArn: string;
  liveTargetGroupArn: string;
  standbyTargetGroupArn: string;
  primary: TaskSet;
}

/** AWS-side controllers (CodeDeploy, the ECS scheduler) retry transient errors patiently. */
export function patient<T>(ctx: StrategyContext, call: () => Promise<T>): Promise<T> {
  return withRetries(ctx.clock, call, 8, 200, () => ctx.world.rng.faults.next());
}

export async function readTopology(ctx: StrategyContext): Promise<Topology> {
  const { clients, input } = ctx;
  const listeners = await patient(ctx, () =>
    clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: input.loadBalancerArn })),
  );
  const prod = listeners.Listeners?.find((l) => l.Port === 80);
  const test = listeners.Listeners?.find((l) => l.Port === 8080);
  const services = await patient(ctx, () =>
    clients.ecs.send(new DescribeServicesCommand({ cluster: input.cluster, services: [input.service] })),
  );
  const primary = services.services?.[0]?.taskSets?.find((ts) => ts.status === 'PRIMARY');
  const live = prod?.DefaultActions?.[0]?.TargetGroupArn;
  const standby = test?.DefaultActions?.[0]?.TargetGroupArn;
  if (!prod?.ListenerArn || !test?.ListenerArn || !live || !standby || !primary) {
    throw new Error('baseline: expected listeners on ports 80 and 8080 and a PRIMARY task set');
  }
  return {
    productionListenerArn: prod.ListenerArn,
    testListenerArn: test.ListenerArn,
    liveTargetGroupArn: live,
    standbyTargetGroupArn: standby,
    primary,
  };
}

export async function describeTaskSet(
  ctx: StrategyContext,
  taskSetArn: string,
): Promise<TaskSet | undefined> {
  const out = await patient(ctx, () =>
    ctx.clients.ecs.send(
      new DescribeTaskSetsCommand({
        cluster: ctx.input.cluster,
        service: ctx.input.service,
        taskSets: [taskSetArn],
      }),
    ),
  );
  return out.taskSets?.[0];
}

export async function healthyTargets(ctx: StrategyContext, targetGroupArn: string): Promise<number> {
  const out = await patient(ctx, () =>
    ctx.clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })),
  );
  return (out.TargetHealthDescriptions ?? []).filter((d) => d.TargetHealth?.State === 'healthy').length;
}

/** Polls every `pollSeconds` until `ready()` or the timeout; returns whether it became ready. */
export async function pollUntil(
  ctx: StrategyContext,
  ready: () => Promise<boolean>,
  timeoutSeconds: number,
  pollSeconds = 5,
): Promise<boolean> {
  const deadline = Math.min(ctx.deadlineMs, ctx.clock.elapsedMs + timeoutSeconds * 1000);
  for (;;) {
    if (await ready()) return true;
    if (ctx.clock.elapsedMs >= deadline) return false;
    await ctx.clock.sleep(pollSeconds * 1000);
  }
}

/** Steady (running == desired, nothing pending, all healthy) and every expected target healthy. */
export async function setReady(
  ctx: StrategyContext,
  taskSetArn: string,
  targetGroupArn: string,
  expected: number,
) {
  const set = await describeTaskSet(ctx, taskSetArn);
  if (set?.stabilityStatus !== 'STEADY_STATE' || set.runningCount !== expected) return false;
  return (await healthyTargets(ctx, targetGroupArn)) >= expected;
}
