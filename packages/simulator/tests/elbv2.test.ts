import {
  AddTagsCommand,
  DescribeListenersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ListenerNotFoundException,
  ModifyListenerCommand,
  RemoveTagsCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { advance, smallWorld } from './helpers.js';

const forward = (arn: string) => [{ Type: 'forward' as const, TargetGroupArn: arn }];

describe('listeners and target groups', () => {
  it('describes the NLB: production on 80 -> blue, test on 8080 -> green', async () => {
    const { clients, refs, input } = smallWorld();
    const out = await clients.elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: input.loadBalancerArn }),
    );
    expect(out.Listeners?.map((l) => [l.Port, l.DefaultActions?.[0]?.TargetGroupArn])).toEqual([
      [80, refs.blue.arn],
      [8080, refs.green.arn],
    ]);
    const groups = await clients.elbv2.send(
      new DescribeTargetGroupsCommand({ LoadBalancerArn: input.loadBalancerArn }),
    );
    expect(groups.TargetGroups?.map((g) => g.TargetGroupName)).toEqual(['blue', 'green']);
    expect(groups.TargetGroups?.[0]?.HealthyThresholdCount).toBe(5);
    expect(groups.TargetGroups?.[0]?.HealthCheckIntervalSeconds).toBe(30);
  });

  it('throws ListenerNotFoundException and TargetGroupNotFoundException', async () => {
    const { clients, refs } = smallWorld();
    const bad = `${refs.productionListener.arn}0`;
    await expect(
      clients.elbv2.send(
        new ModifyListenerCommand({ ListenerArn: bad, DefaultActions: forward(refs.green.arn) }),
      ),
    ).rejects.toBeInstanceOf(ListenerNotFoundException);
    await expect(
      clients.elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: refs.productionListener.arn,
          DefaultActions: forward('arn:nope'),
        }),
      ),
    ).rejects.toBeInstanceOf(TargetGroupNotFoundException);
    await expect(
      clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: `${refs.green.arn}0` })),
    ).rejects.toMatchObject({ name: 'TargetGroupNotFoundException', $metadata: { httpStatusCode: 400 } });
  });

  it('adds, overwrites and removes tags', async () => {
    const { clients, refs } = smallWorld();
    await clients.elbv2.send(
      new AddTagsCommand({ ResourceArns: [refs.green.arn], Tags: [{ Key: 'role', Value: 'a' }] }),
    );
    await clients.elbv2.send(
      new AddTagsCommand({ ResourceArns: [refs.green.arn], Tags: [{ Key: 'role', Value: 'b' }] }),
    );
    const read = async () =>
      (await clients.elbv2.send(new DescribeTagsCommand({ ResourceArns: [refs.green.arn] })))
        .TagDescriptions?.[0]?.Tags;
    expect(await read()).toContainEqual({ Key: 'role', Value: 'b' });
    await clients.elbv2.send(new RemoveTagsCommand({ ResourceArns: [refs.green.arn], TagKeys: ['role'] }));
    expect(await read()).not.toContainEqual(expect.objectContaining({ Key: 'role' }));
  });
});

describe('target health', () => {
  it('registers a task when it runs: initial (Elb.InitialHealthChecking), healthy after threshold x interval', () => {
    const { world, refs } = smallWorld();
    const set = refs.initialTaskSet;
    world.scheduler.launch(set);
    const s = world.settings;
    advance(world, s.ecs.provisioningSeconds + s.ecs.pendingSeconds);
    const task = set.tasks.at(-1);
    expect(task?.lastStatus).toBe('RUNNING');
    expect(task?.target && world.health.describe(task.target)).toEqual({
      State: 'initial',
      Reason: 'Elb.InitialHealthChecking',
      Description: 'Initial health checks in progress',
    });
    advance(world, s.targetGroup.healthyThresholdCount * s.targetGroup.healthCheckIntervalSeconds - 1);
    expect(task?.target?.state).toBe('initial');
    advance(world, 1);
    expect(task?.target?.state).toBe('healthy');
  });

  it('shows targets of a group no listener uses as unused / Target.NotInUse', async () => {
    const { world, clients, refs } = smallWorld();
    const spare = world.addTargetGroup('spare', 8080, refs.blue.vpcId);
    const task = refs.initialTaskSet.tasks[0];
    if (!task) throw new Error('no task');
    world.health.register(spare, task, 8080);
    const out = await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: spare.arn }));
    expect(out.TargetHealthDescriptions?.[0]?.TargetHealth).toEqual({
      State: 'unused',
      Reason: 'Target.NotInUse',
      Description: 'Target group is not configured to receive traffic from the load balancer',
    });
    // Once a listener uses the group, its targets are health-checked from scratch.
    await clients.elbv2.send(
      new ModifyListenerCommand({ ListenerArn: refs.testListener.arn, DefaultActions: forward(spare.arn) }),
    );
    const after = await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: spare.arn }));
    expect(after.TargetHealthDescriptions?.[0]?.TargetHealth?.State).toBe('initial');
    // Green lost its listener: after the propagation window its (absent) targets would be unused.
    advance(world, world.settings.listener.propagationSeconds);
    expect(refs.green.inUse).toBe(false);
  });

  it('reports an unknown target as unused / Target.NotRegistered', async () => {
    const { clients, refs } = smallWorld();
    const out = await clients.elbv2.send(
      new DescribeTargetHealthCommand({
        TargetGroupArn: refs.green.arn,
        Targets: [{ Id: '10.9.9.9', Port: 8080 }],
      }),
    );
    expect(out.TargetHealthDescriptions?.[0]?.TargetHealth?.Reason).toBe('Target.NotRegistered');
  });

  it('never marks a bad version healthy: unhealthy after unhealthyThreshold x interval, then ECS replaces the task', () => {
    const { world, refs } = smallWorld();
    world.faults.badVersion = { taskDefinition: refs.v1.arn, mode: 'unhealthy' };
    const task = world.scheduler.launch(refs.initialTaskSet);
    const s = world.settings;
    advance(world, s.ecs.provisioningSeconds + s.ecs.pendingSeconds);
    advance(world, s.targetGroup.unhealthyThresholdCount * s.targetGroup.healthCheckIntervalSeconds);
    expect(task.target?.state).toBe('draining');
    expect(task.stoppedReason).toMatch(/failed ELB health checks/);
  });
});

describe('deregistration and drops', () => {
  it('drains a scaled-down task for the deregistration delay, then stops it and drops its clients', async () => {
    const { world, refs } = smallWorld({ deregistrationDelaySeconds: 30 });
    const s = world.settings;
    world.setDesiredCount(refs.service, 3);
    advance(world, s.ecs.schedulerDelaySeconds);
    const stopping = refs.initialTaskSet.tasks.find((t) => t.desiredStatus === 'STOPPED');
    expect(stopping?.lastStatus).toBe('DEACTIVATING');
    expect(stopping?.target && world.health.describe(stopping.target).Reason).toBe(
      'Target.DeregistrationInProgress',
    );
    expect(stopping?.connections.size).toBe(10);
    advance(world, 30 + s.ecs.shutdownSeconds - 0.001);
    expect(stopping?.connections.size).toBe(10);
    advance(world, 0.001);
    expect(stopping?.lastStatus).toBe('STOPPED');
    expect(stopping?.connections.size).toBe(0);
    const dropAt = (s.ecs.schedulerDelaySeconds + 30 + s.ecs.shutdownSeconds) * 1000;
    expect(world.metrics.dropWindow.get(refs.v1.arn)).toEqual({ firstMs: dropAt, lastMs: dropAt, count: 10 });
    expect(world.population.waiting).toBe(10);
    // Uniform jitter over 5 s: everyone is back within 5 s, on the 3 remaining tasks.
    advance(world, 5);
    expect(world.population.waiting).toBe(0);
    const held = refs.initialTaskSet.tasks.reduce((n, t) => n + t.connections.size, 0);
    expect(held).toBe(40);
  });

  it('closes flows at the end of the delay when connection termination is on', () => {
    const { world, refs } = smallWorld({ deregistrationDelaySeconds: 30 });
    refs.blue.connectionTermination = true;
    world.setDesiredCount(refs.service, 3);
    advance(world, world.settings.ecs.schedulerDelaySeconds + 30);
    expect(world.metrics.dropsByCause['connection-termination']).toBe(10);
  });
});

describe('routing', () => {
  it('sends new flows to the old group during the propagation window, less and less', async () => {
    const { world, clients, refs } = smallWorld();
    // Green starts healthy, so only the propagation delay decides where new flows go.
    const green = world.addRunningTaskSet(refs.service, refs.v2, {
      targetGroupArn: refs.green.arn,
      containerName: 'webserver',
      containerPort: 8080,
    });
    expect(green.tasks.every((t) => t.target?.state === 'healthy')).toBe(true);
    await clients.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: refs.productionListener.arn,
        DefaultActions: forward(refs.green.arn),
      }),
    );
    const share = () => {
      let old = 0;
      for (let i = 0; i < 2000; i++)
        if (world.routing.chooseGroup(refs.productionListener) === refs.blue) old++;
      return old / 2000;
    };
    expect(share()).toBeGreaterThan(0.95);
    advance(world, 30);
    expect(share()).toBeGreaterThan(0.4);
    expect(share()).toBeLessThan(0.6);
    advance(world, 30);
    expect(share()).toBe(0);
  });

  it('fails open to every registered target when none is healthy, and nowhere when there is none', () => {
    const { world, refs } = smallWorld();
    for (const target of refs.blue.targets.values()) target.state = 'unhealthy';
    const chosen = new Set<string>();
    for (let i = 0; i < 200; i++) chosen.add(world.routing.chooseTarget(refs.blue)?.id ?? 'none');
    expect(chosen.size).toBe(4);
    expect(world.routing.chooseTarget(refs.green)).toBeUndefined();
  });

  it('honours ForwardConfig weights', async () => {
    const { world, clients, refs } = smallWorld({ settings: { listener: { propagationSeconds: 0 } } });
    await clients.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: refs.productionListener.arn,
        DefaultActions: [
          {
            Type: 'forward',
            ForwardConfig: {
              TargetGroups: [
                { TargetGroupArn: refs.blue.arn, Weight: 3 },
                { TargetGroupArn: refs.green.arn, Weight: 1 },
              ],
            },
          },
        ],
      }),
    );
    let blue = 0;
    for (let i = 0; i < 4000; i++)
      if (world.routing.chooseGroup(refs.productionListener) === refs.blue) blue++;
    expect(blue / 4000).toBeCloseTo(0.75, 1);
  });
});
