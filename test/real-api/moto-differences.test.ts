/**
 * Where moto differs from AWS as documented, pinned as tests (README.md lists them with how the suite
 * copes). If a moto upgrade fixes one, its test here fails: update README.md and, where a test works around
 * the difference, simplify it. The differences in task-set counts, stabilityStatus and clientToken are
 * pinned where they matter (create-task-set, wait-ready and scale-down tests).
 *
 * These use a client with `maxAttempts: 1` directly (not core), to see moto's answer unretried.
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeTaskSetsCommand,
  ECSServiceException,
  RegisterTaskDefinitionCommand,
  TagResourceCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DeregisterTargetsCommand,
  DescribeListenersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ModifyListenerCommand,
  RegisterTargetsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, inject, it } from 'vitest';
import {
  createStack,
  motoClients,
  readForwards,
  readTaskSets,
  unknownListenerArn,
  unknownTargetGroupArn,
} from '../support/real-aws';

const clients = motoClients();
const { ecs, elbv2, applicationAutoScaling } = clients;

async function rejection(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number } }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  return error as Error;
}

describe(`moto ${inject('moto').motoVersion} differences: ELBv2`, () => {
  it('NLB and listener ARNs say `app/` where AWS says `net/`', async () => {
    const stack = await createStack(clients);
    expect(stack.loadBalancerArn).toMatch(/:loadbalancer\/app\//);
    expect(stack.productionListenerArn).toMatch(/:listener\/app\//);
  });

  it('a registered target is healthy at once, even in a target group no listener uses (AWS: initial; unused)', async () => {
    const moto = inject('moto');
    const group = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: `lonely-${Math.random().toString(36).slice(2, 8)}`,
        Protocol: 'TCP',
        Port: 8080,
        VpcId: moto.vpcId,
        TargetType: 'ip',
      }),
    );
    const arn = group.TargetGroups?.[0]?.TargetGroupArn as string;
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.20.1.5' }] }));
    const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(health.TargetHealthDescriptions?.map((t) => t.TargetHealth)).toEqual([{ State: 'healthy' }]);

    // Deregistering removes it at once (AWS: `draining` for the deregistration delay, 300 s by default).
    await elbv2.send(new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: '10.20.1.5' }] }));
    const after = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    expect(after.TargetHealthDescriptions).toEqual([]);
  });

  it('ModifyListener accepts a target group that does not exist (AWS: TargetGroupNotFound)', async () => {
    const stack = await createStack(clients);
    const bogus = unknownTargetGroupArn();
    await elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: stack.productionListenerArn,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: bogus }],
      }),
    );
    expect((await readForwards(clients, stack))[80]).toEqual([bogus]);
  });

  it('DescribeTags on an unknown ARN answers empty tags (AWS: TargetGroupNotFound)', async () => {
    const bogus = unknownTargetGroupArn();
    const out = await elbv2.send(new DescribeTagsCommand({ ResourceArns: [bogus] }));
    expect(out.TagDescriptions).toEqual([{ ResourceArn: bogus, Tags: [] }]);
  });

  it('DescribeListeners with one known and one unknown ARN answers the known one (AWS: ListenerNotFound)', async () => {
    const stack = await createStack(clients);
    const out = await elbv2.send(
      new DescribeListenersCommand({
        ListenerArns: [stack.productionListenerArn, unknownListenerArn(stack)],
      }),
    );
    expect(out.Listeners?.map((l) => l.ListenerArn)).toEqual([stack.productionListenerArn]);
  });

  it('never pages DescribeTargetGroups / DescribeListeners: PageSize is ignored, no NextMarker (AWS pages)', async () => {
    const stack = await createStack(clients);
    const groups = await elbv2.send(
      new DescribeTargetGroupsCommand({ LoadBalancerArn: stack.loadBalancerArn, PageSize: 1 }),
    );
    expect(groups.TargetGroups).toHaveLength(2);
    expect(groups.NextMarker).toBeUndefined();
    const listeners = await elbv2.send(
      new DescribeListenersCommand({ LoadBalancerArn: stack.loadBalancerArn, PageSize: 1 }),
    );
    expect(listeners.Listeners).toHaveLength(2);
    expect(listeners.NextMarker).toBeUndefined();
  });

  it('DescribeTargetGroups of an NLB without target groups fails with TargetGroupNotFound', async () => {
    // We expect AWS to answer an empty list here (unverified). Core asks for an NLB's target groups right
    // after its listeners, so against moto an NLB without listeners fails with this error instead of core's
    // TopologyError "no listener found ...".
    const moto = inject('moto');
    const lb = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: `empty-${Math.random().toString(36).slice(2, 8)}`,
        Type: 'network',
        Subnets: moto.subnetIds,
      }),
    );
    const error = await rejection(
      elbv2.send(
        new DescribeTargetGroupsCommand({ LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn }),
      ),
    );
    expect(error.name).toBe('TargetGroupNotFoundException');
  });
});

describe(`moto ${inject('moto').motoVersion} differences: ELBv2 target group attributes`, () => {
  it("a TCP target group's attributes are an ALB's set: ALB-only keys present, NLB-only keys missing", async () => {
    // Core reads only deregistration_delay.timeout_seconds (waitDrained), which moto has (default 300).
    const stack = await createStack(clients);
    const out = await elbv2.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: stack.blueTargetGroupArn }),
    );
    const attributes = Object.fromEntries((out.Attributes ?? []).map((a) => [a.Key, a.Value]));
    expect(attributes['deregistration_delay.timeout_seconds']).toBe('300');
    expect(Object.keys(attributes)).toEqual(
      expect.arrayContaining(['load_balancing.algorithm.type', 'slow_start.duration_seconds']),
    );
    for (const nlbOnly of ['preserve_client_ip.enabled', 'proxy_protocol_v2.enabled']) {
      expect(attributes).not.toHaveProperty([nlbOnly]);
    }
  });
});

describe(`moto ${inject('moto').motoVersion} differences: ECS`, () => {
  it('TagResource on a task set accepts keys and values AWS rejects (no tag validation)', async () => {
    // AWS reserves the aws: prefix and allows only letters, digits, spaces and _ . : / = + - @. Core
    // writes only ecs-taper:* keys with plain numbers and words; only the unit tests can check that.
    const stack = await createStack(clients);
    await ecs.send(
      new TagResourceCommand({
        resourceArn: stack.initialTaskSetArn,
        tags: [
          { key: 'aws:reserved', value: 'v' },
          { key: 'ecs-taper:bad', value: 'a|b#c' },
        ],
      }),
    );
    const out = await ecs.send(
      new DescribeTaskSetsCommand({
        cluster: stack.cluster,
        service: stack.service,
        taskSets: [stack.initialTaskSetArn as string],
        include: ['TAGS'],
      }),
    );
    expect(out.taskSets?.[0]?.tags).toEqual(
      expect.arrayContaining([
        { key: 'aws:reserved', value: 'v' },
        { key: 'ecs-taper:bad', value: 'a|b#c' },
      ]),
    );
  });

  it('DeleteTaskSet of a task set that is gone: ClientException (AWS: TaskSetNotFoundException)', async () => {
    // Core treats TaskSetNotFoundException as "already deleted". cleanup and rollback re-read the service
    // before deleting, so only a race between two runners would meet this difference.
    const stack = await createStack(clients);
    const error = await rejection(
      ecs.send(
        new DeleteTaskSetCommand({
          cluster: stack.cluster,
          service: stack.service,
          taskSet: `${stack.initialTaskSetArn}0`,
        }),
      ),
    );
    expect(error).toBeInstanceOf(ECSServiceException);
    expect(error.name).toBe('ClientException');
    expect(error.message).toBe('The specified task set does not exist.');
  });

  it('DeleteTaskSet on an unknown service and UpdateTaskSet on an unknown set: HTTP 500 (AWS: 400 NotFound errors)', async () => {
    // A 500 is transient to core (callAws retries it) and to the SDK's default retry strategy.
    const stack = await createStack(clients);
    const deleteError = await rejection(
      ecs.send(new DeleteTaskSetCommand({ cluster: stack.cluster, service: 'ghost', taskSet: 'x' })),
    );
    expect(deleteError.$metadata?.httpStatusCode).toBe(500);
    const updateError = await rejection(
      ecs.send(
        new UpdateTaskSetCommand({
          cluster: stack.cluster,
          service: stack.service,
          taskSet: `${stack.initialTaskSetArn}0`,
          scale: { unit: 'PERCENT', value: 50 },
        }),
      ),
    );
    expect(updateError.$metadata?.httpStatusCode).toBe(500);
  });

  it('CreateTaskSet answers 500 AFTER storing the set when a container has no container-level memory', async () => {
    // AWS needs only task-level memory on Fargate. The stored-then-500 is what makes a blind retry create a
    // second set on moto; the fixture therefore gives its container `memory`.
    const stack = await createStack(clients);
    const moto = inject('moto');
    const td = await ecs.send(
      new RegisterTaskDefinitionCommand({
        family: `nomem-${stack.suffix}`,
        networkMode: 'awsvpc',
        requiresCompatibilities: ['FARGATE'],
        cpu: '256',
        memory: '512',
        containerDefinitions: [{ name: 'web', image: 'nginx', portMappings: [{ containerPort: 8080 }] }],
      }),
    );
    const error = await rejection(
      ecs.send(
        new CreateTaskSetCommand({
          cluster: stack.cluster,
          service: stack.service,
          taskDefinition: td.taskDefinition?.taskDefinitionArn,
          externalId: 'nomem',
          launchType: 'FARGATE',
          networkConfiguration: {
            awsvpcConfiguration: { subnets: moto.subnetIds, securityGroups: [moto.securityGroupId] },
          },
          scale: { unit: 'PERCENT', value: 100 },
        }),
      ),
    );
    expect(error.$metadata?.httpStatusCode).toBe(500);
    expect((await readTaskSets(clients, stack)).filter((set) => set.externalId === 'nomem')).toHaveLength(1);
  });
});

describe(`moto ${inject('moto').motoVersion} differences: Application Auto Scaling`, () => {
  const target = (stack: { cluster: string; service: string }) => ({
    ServiceNamespace: 'ecs' as const,
    ResourceId: `service/${stack.cluster}/${stack.service}`,
    ScalableDimension: 'ecs:service:DesiredCount' as const,
  });
  const read = async (stack: { cluster: string; service: string }) =>
    (
      await applicationAutoScaling.send(
        new DescribeScalableTargetsCommand({
          ServiceNamespace: 'ecs',
          ResourceIds: [target(stack).ResourceId],
        }),
      )
    ).ScalableTargets?.[0];

  it('a target registered without SuspendedState is described without one (AWS: three false flags)', async () => {
    // Core reads a missing flag as false, so it records and restores what AWS would report.
    const stack = await createStack(clients);
    await applicationAutoScaling.send(
      new RegisterScalableTargetCommand({ ...target(stack), MinCapacity: 1, MaxCapacity: 4 }),
    );
    const described = await read(stack);
    expect(described).toMatchObject({ MinCapacity: 1, MaxCapacity: 4 });
    expect(described?.SuspendedState).toBeUndefined();
  });

  it('registers a NEW target without MinCapacity/MaxCapacity (AWS: both required for a new target)', async () => {
    // Core registers only a target it has just read: against moto a stray call would create one silently
    // (autoscaling.test.ts checks that a service without a target still has none afterwards).
    const stack = await createStack(clients);
    await applicationAutoScaling.send(
      new RegisterScalableTargetCommand({
        ...target(stack),
        SuspendedState: { DynamicScalingInSuspended: true },
      }),
    );
    const described = await read(stack);
    expect(described?.MinCapacity).toBeUndefined();
    expect(described?.MaxCapacity).toBeUndefined();
  });
});
