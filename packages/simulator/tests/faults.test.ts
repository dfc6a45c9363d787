import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, DescribeTaskSetsCommand, ECSServiceException } from '@aws-sdk/client-ecs';
import { DescribeListenersCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { advance, smallWorld } from './helpers.js';

describe('injected faults', () => {
  it("throttles with each service's own error name: ThrottlingException for ECS, Throttling for ELBv2 and CloudWatch", async () => {
    const { world, clients, input } = smallWorld();
    world.faults.throttle = { rate: 1 };
    await expect(
      clients.ecs.send(new DescribeServicesCommand({ cluster: input.cluster, services: [input.service] })),
    ).rejects.toMatchObject({ name: 'ThrottlingException', $retryable: { throttling: true } });
    await expect(
      clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: input.loadBalancerArn })),
    ).rejects.toMatchObject({ name: 'Throttling', $metadata: { httpStatusCode: 400 } });
    await expect(clients.cloudwatch.send(new DescribeAlarmsCommand({}))).rejects.toMatchObject({
      name: 'Throttling',
    });
    expect(world.metrics.apiErrors).toEqual({ ThrottlingException: 1, Throttling: 2 });
  });

  it('throttles chosen commands with a ThrottlingException (HTTP 400) and counts every call', async () => {
    const { world, clients, input } = smallWorld();
    world.faults.throttle = { rate: 1, commands: ['DescribeServicesCommand'] };
    const call = clients.ecs.send(
      new DescribeServicesCommand({ cluster: input.cluster, services: [input.service] }),
    );
    await expect(call).rejects.toMatchObject({
      name: 'ThrottlingException',
      $fault: 'client',
      $metadata: { httpStatusCode: 400 },
      $retryable: { throttling: true },
    });
    await expect(call).rejects.toBeInstanceOf(ECSServiceException);
    // Other commands are not affected.
    await clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: input.loadBalancerArn }));
    expect(world.metrics.apiCalls).toEqual({ DescribeServices: 1, DescribeListeners: 1 });
    expect(world.metrics.apiErrors).toEqual({ ThrottlingException: 1 });
    expect(world.calls.map((c) => [c.operation, c.ok])).toEqual([
      ['DescribeServices', false],
      ['DescribeListeners', true],
    ]);
  });

  it('fails calls with 5xx errors', async () => {
    const { world, clients, input } = smallWorld();
    world.faults.serverErrors = { rate: 1 };
    await expect(
      clients.elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: input.loadBalancerArn })),
    ).rejects.toMatchObject({
      name: 'ServiceUnavailableException',
      $fault: 'server',
      $metadata: { httpStatusCode: 503 },
    });
    world.faults.serverErrors = { rate: 1, name: 'InternalFailure' };
    await expect(
      clients.ecs.send(new DescribeTaskSetsCommand({ cluster: input.cluster, service: input.service })),
    ).rejects.toMatchObject({ name: 'InternalFailure', $metadata: { httpStatusCode: 500 } });
  });

  it('turns an alarm to ALARM at the chosen time', async () => {
    const { world, clients, refs } = smallWorld();
    world.scheduleAlarm(refs.alarmName, 60_000);
    const state = async () =>
      (await clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [refs.alarmName, 'unknown'] })))
        .MetricAlarms;
    expect((await state())?.map((a) => [a.AlarmName, a.StateValue])).toEqual([[refs.alarmName, 'OK']]);
    advance(world, 60);
    const alarms = await state();
    expect(alarms?.[0]?.StateValue).toBe('ALARM');
    expect(alarms?.[0]?.AlarmArn).toBe(`arn:aws:cloudwatch:us-east-1:000000000000:alarm:${refs.alarmName}`);
  });

  it('makes a task fail to start; ECS replaces it', () => {
    const { world, refs } = smallWorld();
    world.faults.failingTaskStarts = { count: 1, taskDefinition: refs.v1.arn };
    const failing = world.scheduler.launch(refs.initialTaskSet);
    world.setDesiredCount(refs.service, 5);
    const s = world.settings.ecs;
    advance(world, s.provisioningSeconds + s.pendingSeconds);
    expect(failing.lastStatus).toBe('STOPPED');
    expect(failing.stoppedReason).toMatch(/CannotPullContainerError/);
    advance(world, s.replacementDelaySeconds + s.provisioningSeconds + s.pendingSeconds);
    const running = refs.initialTaskSet.tasks.filter((t) => t.lastStatus === 'RUNNING');
    expect(running).toHaveLength(5);
  });

  it('crashes a bad version soon after it starts, resetting its connections, and ECS restarts it', () => {
    const { world, refs } = smallWorld();
    world.faults.badVersion = { taskDefinition: refs.v1.arn, mode: 'crash' };
    const task = world.scheduler.launch(refs.initialTaskSet);
    const s = world.settings;
    advance(world, s.ecs.provisioningSeconds + s.ecs.pendingSeconds);
    task.connections.add(0); // a client that happened to land on it
    advance(world, s.faults.crashAfterSeconds);
    expect(task.lastStatus).toBe('STOPPED');
    expect(task.stoppedReason).toBe('Essential container in task exited');
    expect(world.metrics.dropsByCause.crash).toBe(1);
  });
});
