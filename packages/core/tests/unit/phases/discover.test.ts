import type { Service, TaskSet } from '@aws-sdk/client-ecs';
import {
  ClusterNotFoundException,
  CreateServiceCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type Listener,
  ListenerNotFoundException,
  LoadBalancerNotFoundException,
  type TargetHealthDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { deploy } from '../../../src/deploy';
import {
  AwsCallError,
  DeploymentLockedError,
  InputValidationError,
  TopologyError,
} from '../../../src/errors';
import { DeploymentEmitter } from '../../../src/events';
import { type DiscoverObservation, decide, discover } from '../../../src/phases/discover';
import { initialState } from '../../../src/state';
import { parseDeploymentInput } from '../../../src/validate-input';
import { fakeClock } from '../support/fake-aws';
import {
  type AwsMocks,
  BLUE_TG,
  caught,
  DEPLOYMENT_ID,
  ecsThrottled,
  expectNoMutations,
  fastRetry,
  GREEN_TG,
  listener,
  listenersAfterSwap,
  listenersBeforeSwap,
  mockAws,
  NEW_SET_ARN,
  NEW_TD,
  NLB_ARN,
  NOW,
  newSet,
  OLD_SET_ARN,
  OLD_TD,
  oldSet,
  PROD_LISTENER_ARN,
  rawInput,
  resolvedInput,
  service,
  servicesOutput,
  TEST_LISTENER_ARN,
  targetGroup,
  targets,
  weightedListener,
} from '../support/fixtures';

const aws = mockAws();

interface World {
  service?: Service | undefined;
  listeners?: Listener[];
  targetGroups?: string[];
  portMappings?: { name: string; port: number }[];
  /**
   * Tags on the new task set (NEW_SET_ARN), as DescribeTaskSets (include TAGS) returns them. Default, for
   * every set: ecs-taper's mark with the set's externalId (a set without externalId has no tags).
   */
  tags?: Record<string, string>;
  /** Tags of other task sets by ARN, replacing that default. */
  setTags?: Record<string, Record<string, string>>;
  /**
   * DescribeTargetHealth by group. Default: two healthy targets on a group that a live set of a service of
   * the cluster serves, none on the others.
   */
  targetHealth?: Record<string, TargetHealthDescription[]>;
  /** The cluster's other services, for ListServices and DescribeServices (the service itself is added). */
  otherServices?: Service[];
}

/** Installs a read-only AWS view for discover. */
function given(world: World = {}) {
  const found = 'service' in world ? world.service : service([oldSet()]);
  const cluster = [...(found ? [found] : []), ...(world.otherServices ?? [])];
  aws.ecs.on(DescribeServicesCommand).callsFake((request: { services?: string[] }) => {
    // readService names the service; the ownership check names the cluster's services by ARN.
    const names = request.services ?? [];
    const wanted = (s: Service) => names.includes(s.serviceName ?? '') || names.includes(s.serviceArn ?? '');
    const services = cluster.filter(wanted);
    const failures = names
      .filter((name) => !services.some((s) => s.serviceName === name || s.serviceArn === name))
      .map((name) => ({ arn: name, reason: 'MISSING' }));
    return { services, failures };
  });
  aws.ecs.on(ListServicesCommand).resolves({ serviceArns: cluster.map((s) => s.serviceArn as string) });
  aws.ecs.on(DescribeTaskDefinitionCommand).resolves({
    taskDefinition: {
      networkMode: 'awsvpc',
      containerDefinitions: (world.portMappings ?? [{ name: 'web', port: 8080 }]).map((m) => ({
        name: m.name,
        portMappings: [{ containerPort: m.port }],
      })),
    },
  });
  aws.elbv2.on(DescribeListenersCommand).resolves({ Listeners: world.listeners ?? listenersBeforeSwap() });
  aws.elbv2
    .on(DescribeTargetGroupsCommand)
    .resolves({ TargetGroups: (world.targetGroups ?? [BLUE_TG, GREEN_TG]).map(targetGroup) });
  aws.elbv2.on(DescribeTargetHealthCommand).callsFake((request: { TargetGroupArn: string }) => {
    const group = request.TargetGroupArn;
    const served = cluster.some((s) =>
      (s.taskSets ?? []).some(
        (set) => set.status !== 'DRAINING' && set.loadBalancers?.[0]?.targetGroupArn === group,
      ),
    );
    return {
      TargetHealthDescriptions:
        world.targetHealth?.[group] ?? (served ? targets(['healthy'], ['healthy']) : []),
    };
  });
  // Without `taskSets`, ECS describes every task set of the service.
  const tagsOf = (set: TaskSet): Record<string, string> =>
    world.setTags?.[set.taskSetArn ?? ''] ??
    (set.taskSetArn === NEW_SET_ARN ? world.tags : undefined) ??
    (set.externalId ? { 'ecs-taper:deployment-id': set.externalId } : {});
  aws.ecs.on(DescribeTaskSetsCommand).callsFake((request: { taskSets?: string[] }) => ({
    taskSets: (found?.taskSets ?? [])
      .filter((set) => !request.taskSets || request.taskSets.includes(set.taskSetArn ?? ''))
      .map((set) => ({
        ...set,
        tags: Object.entries(tagsOf(set)).map(([key, value]) => ({ key, value })),
      })),
    failures: [],
  }));
}

function run(
  inputOverrides: Record<string, unknown> = {},
  resume = true,
  options: { takeOver?: boolean; controllerId?: string } = {},
) {
  const state = initialState(resolvedInput(inputOverrides), NOW, options.controllerId ?? 'ctl-me');
  return discover(aws.context(), state, { resume, takeOver: options.takeOver });
}

describe('discover', () => {
  it('finds the live and standby groups from the listeners and goes on to create', async () => {
    given();
    const result = await run();
    expect(result.next).toMatchObject({ kind: 'go', phase: 'create' });
    expect(result.state.topology).toEqual({
      productionListenerArns: [PROD_LISTENER_ARN],
      testListenerArn: TEST_LISTENER_ARN,
      oldTargetGroupArn: BLUE_TG,
      newTargetGroupArn: GREEN_TG,
      oldTaskSetArn: OLD_SET_ARN,
      containerName: 'web',
      containerPort: 8080,
      // Read with the container port (one DescribeTaskDefinition); create sends awsvpc only for awsvpc.
      networkMode: 'awsvpc',
    });
    expect(result.state.deploymentId).toBe(DEPLOYMENT_ID);
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeListenersCommand, { LoadBalancerArn: NLB_ARN });
    expectNoMutations(aws);
  });

  it('follows the listeners, not the colours: after an earlier swap green is live', async () => {
    given({
      service: service([oldSet({ loadBalancers: [{ targetGroupArn: GREEN_TG }] })]),
      listeners: listenersAfterSwap(),
    });
    const result = await run();
    expect(result.state.topology).toMatchObject({ oldTargetGroupArn: GREEN_TG, newTargetGroupArn: BLUE_TG });
  });

  it('is read-only and gives the same answer when called again', async () => {
    given();
    const first = await run();
    const second = await run();
    expect(second).toEqual(first);
    expectNoMutations(aws);
  });

  it('uses containerName and containerPort from the input without reading the task definition', async () => {
    given({ portMappings: [] });
    const result = await run({ containerName: 'app', containerPort: 9000 });
    expect(result.state.topology).toMatchObject({ containerName: 'app', containerPort: 9000 });
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskDefinitionCommand, 0);
  });

  it('uses explicit listener ARNs and skips the target group count', async () => {
    given({ targetGroups: [BLUE_TG, GREEN_TG, 'arn:third'] });
    const result = await run({
      loadBalancerArn: undefined,
      productionListenerArns: [PROD_LISTENER_ARN],
      testListenerArn: TEST_LISTENER_ARN,
    });
    expect(result.state.topology?.newTargetGroupArn).toBe(GREEN_TG);
    expect(aws.elbv2).toHaveReceivedCommandWith(DescribeListenersCommand, {
      ListenerArns: [PROD_LISTENER_ARN, TEST_LISTENER_ARN],
    });
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeTargetGroupsCommand, 0);
  });

  it('goes to create on a missing service (first deployment) with createService, with no old task set', async () => {
    given({ service: undefined });
    const result = await run({ createService: true });
    expect(result.next).toMatchObject({ phase: 'create' });
    expect(result.state.topology?.oldTaskSetArn).toBeUndefined();
    expect(result.state.topology?.newTargetGroupArn).toBe(GREEN_TG);
    // The production group is empty: nobody else's targets, so no need to list the cluster's services.
    expect(aws.elbv2).toHaveReceivedCommandExactlyOnceWith(DescribeTargetHealthCommand, {
      TargetGroupArn: BLUE_TG,
    });
    expect(aws.ecs).toHaveReceivedCommandTimes(ListServicesCommand, 0);
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskSetsCommand, 0);
    expectNoMutations(aws);
  });

  it('ends as succeeded when the service already runs the task definition', async () => {
    given();
    const result = await run({ taskDefinition: OLD_TD });
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'succeeded' });
    expect(result.next.detail).toContain('already runs');
  });

  it('retries a throttled DescribeServices, then succeeds', async () => {
    given();
    aws.ecs
      .on(DescribeServicesCommand)
      .rejectsOnce(ecsThrottled())
      .resolves(servicesOutput(service([oldSet()])));
    await expect(run()).resolves.toMatchObject({ next: { phase: 'create' } });
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 2);
  });

  describe('AWS errors keep their name', () => {
    it('reports an unknown cluster as ClusterNotFoundException, not retried', async () => {
      given();
      aws.ecs
        .on(DescribeServicesCommand)
        .rejects(new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: {} }));
      const error = await caught(run({ cluster: 'nope' }));
      expect(error).toBeInstanceOf(AwsCallError);
      expect(error.awsErrorName).toBe('ClusterNotFoundException');
      expect(error.message).toContain('describing service web in cluster nope');
      expect(error.message).toContain('Cluster not found. (ClusterNotFoundException)');
      expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 1);
    });

    it('reports an unknown listener as ListenerNotFoundException', async () => {
      given();
      aws.elbv2
        .on(DescribeListenersCommand)
        .rejects(
          new ListenerNotFoundException({ message: 'One or more listeners not found', $metadata: {} }),
        );
      const error = await caught(
        run({ loadBalancerArn: undefined, productionListenerArns: ['arn:gone'], testListenerArn: 'arn:t' }),
      );
      expect(error.awsErrorName).toBe('ListenerNotFoundException');
      expect(error.message).toContain('arn:gone');
      expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeListenersCommand, 1);
    });

    it('reports an unknown NLB as LoadBalancerNotFoundException', async () => {
      given();
      aws.elbv2
        .on(DescribeListenersCommand)
        .rejects(new LoadBalancerNotFoundException({ message: 'Load balancers not found', $metadata: {} }));
      const error = await caught(run());
      expect(error.awsErrorName).toBe('LoadBalancerNotFoundException');
      expect(error.message).toContain(NLB_ARN);
    });
  });

  describe('refuses an ambiguous topology', () => {
    it('more than two target groups on the NLB', async () => {
      given({ targetGroups: [BLUE_TG, GREEN_TG, 'arn:aws:elasticloadbalancing:x:targetgroup/extra/1'] });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('has 3 target groups');
      expect(error.message).toContain('productionListenerArns');
    });

    it('no listener on the NLB', async () => {
      given({ listeners: [] });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain(`no listener found on ${NLB_ARN}`);
    });

    it('no test listener', async () => {
      given({ listeners: [listener(PROD_LISTENER_ARN, 80, BLUE_TG)] });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('no test listener');
      expect(error.message).toContain('port 8080');
    });

    it('a test listener on another port than the one asked for', async () => {
      given();
      const error = await caught(run({ testListenerPort: 9090 }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('port 9090');
    });

    it('only a test listener, no production listener', async () => {
      given({ listeners: [listener(TEST_LISTENER_ARN, 8080, GREEN_TG)] });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('no production listener');
    });

    it('a production listener with a weighted forward to two groups', async () => {
      given({
        listeners: [
          weightedListener(PROD_LISTENER_ARN, 80, [
            [BLUE_TG, 90],
            [GREEN_TG, 10],
          ]),
          listener(TEST_LISTENER_ARN, 8080, GREEN_TG),
        ],
      });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('no ecs-taper deployment of this task definition made that split');
    });

    it('a weighted forward whose second weight is 0 counts as one group', async () => {
      given({
        listeners: [
          weightedListener(PROD_LISTENER_ARN, 80, [
            [BLUE_TG, 1],
            [GREEN_TG, 0],
          ]),
          listener(TEST_LISTENER_ARN, 8080, GREEN_TG),
        ],
      });
      await expect(run()).resolves.toMatchObject({ next: { phase: 'create' } });
    });

    it('two production listeners on different groups', async () => {
      given({
        listeners: [
          listener(PROD_LISTENER_ARN, 80, BLUE_TG),
          listener(`${PROD_LISTENER_ARN}-443`, 443, 'arn:other-tg'),
          listener(TEST_LISTENER_ARN, 8080, GREEN_TG),
        ],
      });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('2 different target groups');
    });

    it('a test listener pointing at the live group', async () => {
      given({
        listeners: [listener(PROD_LISTENER_ARN, 80, BLUE_TG), listener(TEST_LISTENER_ARN, 8080, BLUE_TG)],
      });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('forwards to the live target group');
    });

    it('a task set attached to neither group', async () => {
      given({ service: service([oldSet({ loadBalancers: [{ targetGroupArn: 'arn:elsewhere' }] })]) });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('cannot tell which version');
      // No set of the service on the live group: its (empty) health was read first, nothing else owns it.
      expect(aws.elbv2).toHaveReceivedCommandExactlyOnceWith(DescribeTargetHealthCommand, {
        TargetGroupArn: BLUE_TG,
      });
      expect(aws.ecs).toHaveReceivedCommandTimes(ListServicesCommand, 0);
      expectNoMutations(aws);
    });

    it('a task definition with two port mappings and no containerName', async () => {
      given({
        portMappings: [
          { name: 'web', port: 8080 },
          { name: 'metrics', port: 9100 },
        ],
      });
      const error = await caught(run());
      expect(error).toBeInstanceOf(InputValidationError);
      expect(error.field).toBe('containerName');
      expect(error.message).toContain('2 port mappings');
    });
  });

  describe('the lock on the standby target group', () => {
    const otherDeployment = (overrides = {}) =>
      newSet({
        externalId: 'taper-other',
        taskDefinition: 'arn:aws:ecs:eu-west-1:1:task-definition/web:9',
        ...overrides,
      });

    it('refuses with DeploymentLockedError naming the deployment that holds it', async () => {
      given({ service: service([oldSet(), otherDeployment()]) });
      const error = await caught(run());
      expect(error).toBeInstanceOf(DeploymentLockedError);
      expect(error.runningDeploymentId).toBe('taper-other');
      expect(error.message).toContain('deployment taper-other in progress');
    });

    it('refuses with a TopologyError when the stray set has no externalId (not ours to judge)', async () => {
      given({ service: service([oldSet(), otherDeployment({ externalId: undefined })]) });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error).not.toBeInstanceOf(DeploymentLockedError);
      expect(error.message).toContain('still serves task set');
    });

    it('refuses an unfinished deployment of the same task definition when resume is off', async () => {
      given({ service: service([oldSet(), newSet({ externalId: 'taper-earlier' })]) });
      const error = await caught(run({}, false));
      expect(error).toBeInstanceOf(DeploymentLockedError);
      expect(error.runningDeploymentId).toBe('taper-earlier');
    });

    it('refuses it too when the caller names another deployment id (a second pipeline, not a re-run)', async () => {
      given({ service: service([oldSet(), newSet({ externalId: 'taper-earlier' })]) });
      const error = await caught(run({ deploymentId: 'pipeline-2' }));
      expect(error).toBeInstanceOf(DeploymentLockedError);
      expect(error.runningDeploymentId).toBe('taper-earlier');
    });

    it('adopts an unfinished deployment of the same task definition when resuming', async () => {
      given({ service: service([oldSet(), newSet({ externalId: 'taper-earlier' })]) });
      const result = await run({ deploymentId: undefined });
      expect(result.state.deploymentId).toBe('taper-earlier');
      expect(result.state.newTaskSetArn).toBe(NEW_SET_ARN);
      expect(result.next).toMatchObject({ phase: 'waitReady' });
      expect(result.next.detail).toContain('resuming deployment taper-earlier');
      // The set was created at NOW - 60 s: the deadline counts from then, not from this run.
      expect(result.state.readyDeadline).toBe(NOW - 60_000 + 600_000);
    });
  });

  describe('resuming from where the deployment really is', () => {
    it('our set exists but is not live yet: waitReady', async () => {
      given({ service: service([oldSet(), newSet()]) });
      await expect(run()).resolves.toMatchObject({ next: { phase: 'waitReady' } });
    });

    it('listener swapped but the new set is not primary yet: swap', async () => {
      given({
        service: service([oldSet(), newSet()]),
        listeners: [listener(PROD_LISTENER_ARN, 80, GREEN_TG), listener(TEST_LISTENER_ARN, 8080, BLUE_TG)],
      });
      const result = await run();
      expect(result.next).toMatchObject({ phase: 'swap' });
      expect(result.state.topology).toMatchObject({
        oldTargetGroupArn: BLUE_TG,
        newTargetGroupArn: GREEN_TG,
      });
    });

    it('swapped and primary, old set still has tasks, no step applied yet: settle, from now without a stored swap time', async () => {
      given({
        service: service([oldSet({ status: 'ACTIVE' }), newSet({ status: 'PRIMARY' })]),
        listeners: listenersAfterSwap(),
      });
      const result = await run();
      expect(result.next).toMatchObject({ phase: 'settle' });
      expect(result.state.swappedAt).toBe(NOW);
      expect(result.state.lastStepAt).toBeUndefined();
    });

    it('swapped and primary, a step already applied (its time stored): scaleDown', async () => {
      given({
        service: service([oldSet({ status: 'ACTIVE' }), newSet({ status: 'PRIMARY' })]),
        listeners: listenersAfterSwap(),
        tags: {
          'ecs-taper:deployment-id': DEPLOYMENT_ID,
          'ecs-taper:swapped-at': String(NOW - 200_000),
          'ecs-taper:last-step-at': String(NOW - 30_000),
        },
      });
      const result = await run();
      expect(result.next).toMatchObject({ phase: 'scaleDown' });
      expect(result.state.lastStepAt).toBe(NOW - 30_000);
      expect(result.state.swappedAt).toBe(NOW - 200_000);
    });

    it('old set at 0 but still running tasks: waitDrained', async () => {
      given({
        service: service([
          oldSet({ status: 'ACTIVE', computedDesiredCount: 0, runningCount: 1 }),
          newSet({ status: 'PRIMARY' }),
        ]),
        listeners: listenersAfterSwap(),
      });
      await expect(run()).resolves.toMatchObject({ next: { phase: 'waitDrained' } });
    });

    it('old set drained: cleanup', async () => {
      given({
        service: service([
          oldSet({ status: 'ACTIVE', computedDesiredCount: 0, runningCount: 0 }),
          newSet({ status: 'PRIMARY' }),
        ]),
        listeners: listenersAfterSwap(),
      });
      await expect(run()).resolves.toMatchObject({ next: { phase: 'cleanup' } });
    });

    it('a CLI re-run with a fresh id after the swap adopts the live deployment instead of refusing', async () => {
      // Ctrl-C during scale-down, then the same command again: its generated id differs from the set's.
      given({
        service: service([
          oldSet({ status: 'ACTIVE' }),
          newSet({ status: 'PRIMARY', externalId: 'taper-earlier' }),
        ]),
        listeners: listenersAfterSwap(),
      });
      const result = await run({ deploymentId: undefined });
      expect(result.state.deploymentId).toBe('taper-earlier');
      expect(result.next).toMatchObject({ phase: 'settle' });
      expect(result.state.newTaskSetArn).toBe(NEW_SET_ARN);
      expect(result.state.topology).toMatchObject({
        oldTargetGroupArn: BLUE_TG,
        newTargetGroupArn: GREEN_TG,
        oldTaskSetArn: OLD_SET_ARN,
      });
    });

    it('a swap interrupted after the production listener moved resumes at swap, the standby group derived', async () => {
      // Both listeners forward to green: ModifyListener on the test listener never ran.
      given({
        service: service([oldSet(), newSet()]),
        listeners: [listener(PROD_LISTENER_ARN, 80, GREEN_TG), listener(TEST_LISTENER_ARN, 8080, GREEN_TG)],
      });
      const result = await run();
      expect(result.next).toMatchObject({ phase: 'swap' });
      expect(result.state.topology).toMatchObject({
        oldTargetGroupArn: BLUE_TG,
        newTargetGroupArn: GREEN_TG,
      });
    });

    it('adopts the set of this task definition even when both sets were created in the same second', async () => {
      const sameTime = new Date(NOW);
      given({
        service: service([
          oldSet({ createdAt: sameTime }),
          newSet({ externalId: 'taper-earlier', createdAt: sameTime }),
        ]),
        listeners: [listener(PROD_LISTENER_ARN, 80, GREEN_TG), listener(TEST_LISTENER_ARN, 8080, BLUE_TG)],
      });
      const result = await run({ deploymentId: undefined });
      expect(result.state.deploymentId).toBe('taper-earlier');
      expect(result.next).toMatchObject({ phase: 'swap' });
    });

    it('another task definition after a swap is refused naming the deployment in progress', async () => {
      given({
        service: service([
          oldSet({ status: 'ACTIVE' }),
          newSet({ status: 'PRIMARY', externalId: 'taper-earlier' }),
        ]),
        listeners: listenersAfterSwap(),
      });
      const error = await caught(run({ deploymentId: 'taper-next', taskDefinition: 'web:3' }));
      expect(error).toBeInstanceOf(DeploymentLockedError);
      expect(error.runningDeploymentId).toBe('taper-earlier');
      expect(error.message).toContain('on the live target group');
    });

    it('a newer set without externalId on the live group is a TopologyError naming that group', async () => {
      given({
        service: service([
          oldSet({ status: 'ACTIVE' }),
          newSet({ status: 'PRIMARY', externalId: undefined }),
        ]),
        listeners: listenersAfterSwap(),
      });
      const error = await caught(run({ deploymentId: 'taper-next', taskDefinition: 'web:3' }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain(`the live target group ${GREEN_TG} serves the newer task set`);
    });
  });
});

describe('discover: what a previous controller stored on the new set', () => {
  const swapped = (tags: Record<string, string>) =>
    given({
      service: service([oldSet({ status: 'ACTIVE' }), newSet({ status: 'PRIMARY' })]),
      listeners: listenersAfterSwap(),
      tags: { 'ecs-taper:deployment-id': DEPLOYMENT_ID, ...tags },
    });

  /** The inputs of every DescribeTaskSets call, exactly (a `taskSets` key would narrow the read). */
  const taskSetReads = () => aws.ecs.commandCalls(DescribeTaskSetsCommand).map((c) => c.args[0].input);

  it('reads the tags of all the service’s task sets in one DescribeTaskSets (include TAGS, no taskSets)', async () => {
    swapped({ 'ecs-taper:swapped-at': String(NOW - 20_000) });
    const result = await run();
    expect(taskSetReads()).toEqual([{ cluster: 'demo', service: 'web', include: ['TAGS'] }]);
    // The new set's stored times come from that one read: no second, per-set read.
    expect(result.state.swappedAt).toBe(NOW - 20_000);
  });

  it('reads the tags once even when there is no new set yet', async () => {
    given();
    await run();
    expect(taskSetReads()).toEqual([{ cluster: 'demo', service: 'web', include: ['TAGS'] }]);
  });

  it('reads no tags when the service does not exist', async () => {
    given({ service: undefined });
    await run({ createService: true });
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskSetsCommand, 0);
  });

  it('keeps counting the settle time from the stored swap time', async () => {
    swapped({ 'ecs-taper:swapped-at': String(NOW - 20_000) });
    const result = await run();
    expect(result.next).toMatchObject({ phase: 'settle' });
    expect(result.state.swappedAt).toBe(NOW - 20_000);
  });

  it('ignores stored times it cannot read', async () => {
    swapped({ 'ecs-taper:swapped-at': 'yesterday', 'ecs-taper:last-step-at': '-1' });
    const result = await run();
    expect(result.next).toMatchObject({ phase: 'settle' });
    expect(result.state.swappedAt).toBe(NOW);
    expect(result.state.lastStepAt).toBeUndefined();
  });

  it('loads the Auto Scaling record to restore, as not yet suspended by this controller', async () => {
    swapped({ 'ecs-taper:autoscaling': 'in=false out=true scheduled=false' });
    const result = await run();
    expect(result.state.autoScaling).toEqual({
      previous: {
        DynamicScalingInSuspended: false,
        DynamicScalingOutSuspended: true,
        ScheduledScalingSuspended: false,
      },
      suspended: false,
      restored: false,
    });
  });

  it('loads `none` as a record too, and no record from an unreadable tag', async () => {
    swapped({ 'ecs-taper:autoscaling': 'none' });
    expect((await run()).state.autoScaling).toEqual({ previous: 'none', suspended: false, restored: false });
    swapped({ 'ecs-taper:autoscaling': 'suspended' });
    expect((await run()).state.autoScaling).toBeUndefined();
  });

  it('sets readyDeadline from the set’s createdAt plus readyTimeoutSeconds', async () => {
    given({ service: service([oldSet(), newSet({ createdAt: new Date(NOW - 100_000) })]) });
    const result = await run({ readyTimeoutSeconds: 120 });
    expect(result.next).toMatchObject({ phase: 'waitReady' });
    expect(result.state.readyDeadline).toBe(NOW + 20_000);
  });

  it('does not move a draining deployment back to settle', async () => {
    given({
      service: service([
        oldSet({ status: 'ACTIVE', computedDesiredCount: 0, runningCount: 1 }),
        newSet({ status: 'PRIMARY' }),
      ]),
      listeners: listenersAfterSwap(),
    });
    await expect(run()).resolves.toMatchObject({ next: { phase: 'waitDrained' } });
  });

  describe('the lease', () => {
    const leased = (owner: string, expiresAt: number) =>
      swapped({ 'ecs-taper:lease': `${expiresAt} ${owner}` });

    it('refuses while another controller’s lease has not expired, changing nothing', async () => {
      leased('ctl-other', NOW + 45_000);
      const error = await caught(run());
      expect(error).toBeInstanceOf(DeploymentLockedError);
      expect(error.runningDeploymentId).toBe(DEPLOYMENT_ID);
      expect(error.message).toContain(`deployment ${DEPLOYMENT_ID} is driven by controller ctl-other`);
      expect(error.message).toContain('expires at 2025-06-01T12:00:45.000Z (in 45 s)');
      expect(error.message).toContain('--take-over (takeOver: true)');
      expectNoMutations(aws);
    });

    it('refuses a re-run with a fresh id that adopts the deployment too (the lease, not the id, decides)', async () => {
      given({
        service: service([
          oldSet({ status: 'ACTIVE' }),
          newSet({ status: 'PRIMARY', externalId: 'taper-earlier' }),
        ]),
        listeners: listenersAfterSwap(),
        tags: { 'ecs-taper:deployment-id': 'taper-earlier', 'ecs-taper:lease': `${NOW + 10_000} ctl-other` },
      });
      const error = await caught(run({ deploymentId: undefined }));
      expect(error).toBeInstanceOf(DeploymentLockedError);
      expect(error.runningDeploymentId).toBe('taper-earlier');
      expectNoMutations(aws);
    });

    it('takes over at once with takeOver, remembering whose lease it took', async () => {
      leased('ctl-other', NOW + 45_000);
      const result = await run({}, true, { takeOver: true });
      expect(result.next).toMatchObject({ phase: 'settle' });
      expect(result.state.takenOverFrom).toBe('ctl-other');
      expect(result.state.controllerId).toBe('ctl-me');
    });

    it('goes on without takeOver once the lease has expired (at its very expiry)', async () => {
      leased('ctl-other', NOW);
      const result = await run();
      expect(result.next).toMatchObject({ phase: 'settle' });
      expect(result.state.takenOverFrom).toBeUndefined();
    });

    it('goes on when the lease is its own (the same controller resumed)', async () => {
      leased('ctl-me', NOW + 45_000);
      const result = await run();
      expect(result.state.takenOverFrom).toBeUndefined();
      expect(result.next).toMatchObject({ phase: 'settle' });
    });

    it('ignores a lease tag it cannot read', async () => {
      swapped({ 'ecs-taper:lease': 'held by ctl-other' });
      await expect(run()).resolves.toMatchObject({ next: { phase: 'settle' } });
    });
  });
});

describe('discover decide (pure)', () => {
  const seen = (overrides: Partial<DiscoverObservation> = {}): DiscoverObservation => ({
    service: service([oldSet()]),
    listeners: listenersBeforeSwap(),
    targetGroups: undefined,
    container: { containerName: 'web', containerPort: 8080 },
    taskSetTags: new Map(),
    ...overrides,
  });
  const input = resolvedInput();

  it.each([
    ['no task set at all', service([]), 'create'],
    ['only the old set', service([oldSet()]), 'create'],
    ['old and our new set', service([oldSet(), newSet()]), 'waitReady'],
    [
      'a DRAINING leftover on standby is ignored',
      service([oldSet(), newSet({ externalId: 'x', status: 'DRAINING' })]),
      'create',
    ],
  ])('%s -> %s', (_label, svc, phase) => {
    const decision = decide(seen({ service: svc }), input, DEPLOYMENT_ID, { resume: true });
    expect(decision).toMatchObject({ kind: 'continue', phase });
  });

  it('refuses two old sets on the live group', () => {
    const svc = service([oldSet(), oldSet({ taskSetArn: `${OLD_SET_ARN}-b`, id: 'b', status: 'ACTIVE' })]);
    expect(() => decide(seen({ service: svc }), input, DEPLOYMENT_ID, { resume: true })).toThrow(
      /2 task sets serve/,
    );
  });
});

describe('discover: ownership before any mutation', () => {
  const ECS = 'arn:aws:ecs:eu-west-1:000000000000';
  /** Another service of the cluster, e.g. the one a typo was meant for. */
  const other = (name: string, taskSets: TaskSet[] = [], overrides: Partial<Service> = {}) =>
    service(taskSets, { serviceName: name, serviceArn: `${ECS}:service/demo/${name}`, ...overrides });
  /** The real service `web`, live on blue with its old set (two healthy targets there). */
  const web = () => service([oldSet()]);
  const CODEDEPLOY_ID = 'd-ABCDEF123';

  /** Command names each client received, in order. */
  const sent = (client: AwsMocks['ecs'] | AwsMocks['elbv2']) =>
    client.calls().map((call) => (call.args[0] as object).constructor.name.replace(/Command$/, ''));
  /** Nothing but Describe* and List* reached any client. */
  const expectOnlyReads = () => {
    expectNoMutations(aws);
    const all = [aws.ecs, aws.elbv2, aws.cloudwatch, aws.autoScaling].flatMap((client) =>
      client.calls().map((call) => (call.args[0] as object).constructor.name),
    );
    expect(all.filter((name) => !/^(Describe|List)/.test(name))).toEqual([]);
  };
  /**
   * The whole deployment, not only discover: it must stop before its first change. Should a regression let
   * it go on against these read-only mocks, the run is stopped at its 20th phase instead of looping.
   */
  const deployed = (overrides: Record<string, unknown> = {}) => {
    const stop = new AbortController();
    const events = new DeploymentEmitter();
    const phases: string[] = [];
    events.on('event', (event) => {
      if (event.type !== 'phase-started') return;
      phases.push(event.phase);
      if (phases.length >= 20)
        stop.abort(new Error(`the deployment went on past discover: ${phases.join(', ')}`));
    });
    return deploy(aws.clients, rawInput(overrides), {
      clock: fakeClock(),
      events,
      signal: stop.signal,
      retry: fastRetry,
      controllerId: 'ctl-me',
    });
  };

  describe('a production target group served by another service', () => {
    it('a mistyped service is refused naming the owner and did-you-mean, after reads only', async () => {
      given({ service: undefined, otherServices: [web()] });
      const error = await caught(run({ service: 'wbe' }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toBe(
        `the production target group ${BLUE_TG} has 2 registered targets that belong to no task set of service wbe: ` +
          "they are service web's. ecs-taper changes nothing it does not own; did you mean web?",
      );
      // The exact reads: the service (missing), the topology, then the live group and the cluster's services.
      expect(sent(aws.ecs)).toEqual([
        'DescribeServices',
        'DescribeTaskDefinition',
        'ListServices',
        'DescribeServices',
      ]);
      expect(sent(aws.elbv2)).toEqual(['DescribeListeners', 'DescribeTargetGroups', 'DescribeTargetHealth']);
      expect(aws.elbv2).toHaveReceivedCommandWith(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG });
      expect(aws.ecs).toHaveReceivedCommandWith(ListServicesCommand, { cluster: 'demo' });
      expect(aws.ecs).toHaveReceivedNthCommandWith(DescribeServicesCommand, 2, {
        cluster: 'demo',
        services: [`${ECS}:service/demo/web`],
      });
      expectOnlyReads();
    });

    it('createService does not make a typo safe: still refused, nothing created', async () => {
      given({ service: undefined, otherServices: [web()] });
      const error = await caught(run({ service: 'wbe', createService: true }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain("they are service web's");
      expect(error.message).toContain('did you mean web?');
      expectOnlyReads();
    });

    it('through deploy(): the typo ends the deployment before its first change, with or without createService', async () => {
      for (const createService of [undefined, true]) {
        aws.ecs.reset();
        aws.elbv2.reset();
        given({ service: undefined, otherServices: [web()] });
        const error = await caught(deployed({ service: 'wbe', createService }));
        expect(error).toBeInstanceOf(TopologyError);
        expect(error.message).toContain('did you mean web?');
        expect(aws.ecs).toHaveReceivedCommandTimes(CreateServiceCommand, 0);
        expectOnlyReads();
      }
    });

    it('a service that exists but serves none of production is refused too, naming the one that does', async () => {
      given({ service: other('web-canary'), otherServices: [web()] });
      const error = await caught(run({ service: 'web-canary' }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('belong to no task set of service web-canary: they are service web');
      expect(error.message).toContain('did you mean web?');
      // It exists: its task sets' tags were read (none), once.
      expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskSetsCommand, 1);
      expectOnlyReads();
    });

    it('names an owner that registers the group through its own load balancer (no task sets)', async () => {
      const api = other('api', [], {
        deploymentController: { type: 'ECS' },
        loadBalancers: [{ targetGroupArn: BLUE_TG, containerName: 'api', containerPort: 8080 }],
      });
      given({
        service: undefined,
        otherServices: [api],
        targetHealth: { [BLUE_TG]: targets(['healthy'], ['healthy'], ['healthy']) },
      });
      const error = await caught(run({ createService: true }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain(`${BLUE_TG} has 3 registered targets`);
      expect(error.message).toContain("they are service api's");
      expect(error.message).toContain('did you mean api?');
      expectOnlyReads();
    });

    it('refuses targets nobody in the cluster owns, without a guess when no name is close', async () => {
      given({
        service: undefined,
        otherServices: [other('billing')],
        targetHealth: { [BLUE_TG]: targets(['healthy'], ['unhealthy']) },
      });
      const error = await caught(run({ createService: true }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toBe(
        `the production target group ${BLUE_TG} has 2 registered targets that belong to no task set of service web. ` +
          'ecs-taper changes nothing it does not own',
      );
      expectOnlyReads();
    });

    it('counts unhealthy and initial targets as registered, but not draining ones', async () => {
      given({
        service: undefined,
        targetHealth: { [BLUE_TG]: targets(['unhealthy'], ['initial'], ['draining']) },
      });
      const error = await caught(run({ createService: true }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('has 2 registered targets');
      expectOnlyReads();
      aws.elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: targets(['draining']) });
      await expect(run({ createService: true })).resolves.toMatchObject({ next: { phase: 'create' } });
    });
  });

  describe('a missing service behind an empty production group', () => {
    it('is refused without createService, naming the flag, after reads only', async () => {
      given({ service: undefined });
      const error = await caught(run());
      expect(error).toBeInstanceOf(InputValidationError);
      expect(error.field).toBe('service');
      expect(error.message).toBe(
        'service: web is not a service of cluster demo. To create it (EXTERNAL deployment controller), pass ' +
          'createService: true (--create-service)',
      );
      expect(sent(aws.ecs)).toEqual(['DescribeServices', 'DescribeTaskDefinition', 'ListServices']);
      expect(sent(aws.elbv2)).toEqual(['DescribeListeners', 'DescribeTargetGroups', 'DescribeTargetHealth']);
      expectOnlyReads();
    });

    it('is refused with createService: false the same way', async () => {
      given({ service: undefined });
      const error = await caught(run({ createService: false }));
      expect(error).toBeInstanceOf(InputValidationError);
      expect(error.field).toBe('service');
      expectOnlyReads();
    });

    it('suggests the service of the cluster the name was probably meant for', async () => {
      given({ service: undefined, otherServices: [other('web', [])] });
      const error = await caught(run({ service: 'wbe' }));
      expect(error).toBeInstanceOf(InputValidationError);
      expect(error.message).toBe(
        'service: wbe is not a service of cluster demo; did you mean web? To create it (EXTERNAL deployment ' +
          'controller), pass createService: true (--create-service)',
      );
      expectOnlyReads();
    });

    it('goes to create with createService: true, without listing the cluster', async () => {
      given({ service: undefined });
      const result = await run({ createService: true });
      expect(result.next).toMatchObject({ kind: 'go', phase: 'create' });
      expect(aws.ecs).toHaveReceivedCommandTimes(ListServicesCommand, 0);
      expectOnlyReads();
    });

    it("the seed's event creates it by default (createService defaults to true)", async () => {
      given({ service: undefined });
      const seed = {
        cluster: 'demo',
        nlb: NLB_ARN,
        task_sg: 'sg-task',
        subnets: ['subnet-a'],
        serviceName: 'web',
        taskDefinition: NEW_TD,
      };
      const state = initialState(parseDeploymentInput(seed), NOW, 'ctl-me');
      expect(state.input.createService).toBe(true);
      const result = await discover(aws.context(), state, { resume: true });
      expect(result.next).toMatchObject({ kind: 'go', phase: 'create' });
      // The default never covers a typo behind a served group.
      aws.ecs.reset();
      aws.elbv2.reset();
      given({ service: undefined, otherServices: [web()] });
      const typo = initialState(parseDeploymentInput({ ...seed, serviceName: 'wbe' }), NOW, 'ctl-me');
      const error = await caught(discover(aws.context(), typo, { resume: true }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('did you mean web?');
      expectOnlyReads();
    });

    it('an existing service with no task set behind an empty group goes to create without createService', async () => {
      given({ service: service([]) });
      const result = await run();
      expect(result.next).toMatchObject({ phase: 'create' });
      expect(aws.ecs).toHaveReceivedCommandTimes(ListServicesCommand, 0);
    });
  });

  describe('a task set without ecs-taper’s mark is never ours', () => {
    it('a CodeDeploy-style externalId of this very task definition is refused naming CodeDeploy, never adopted', async () => {
      given({
        service: service([oldSet(), newSet({ externalId: CODEDEPLOY_ID })]),
        tags: {},
      });
      const error = await caught(run({ deploymentId: undefined }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error).not.toBeInstanceOf(DeploymentLockedError);
      expect(error.message).toContain(`made by CodeDeploy (deployment ${CODEDEPLOY_ID}), not by ecs-taper`);
      expect(error.message).toContain('finish or remove that deployment with the tool that made it');
      expectOnlyReads();
    });

    it('CodeDeploy’s set after its own swap (primary on the live group) is refused too', async () => {
      given({
        service: service([
          oldSet({ status: 'ACTIVE' }),
          newSet({ status: 'PRIMARY', externalId: CODEDEPLOY_ID, taskDefinition: `${NEW_TD}0` }),
        ]),
        listeners: listenersAfterSwap(),
        tags: {},
      });
      const error = await caught(run());
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain(`CodeDeploy (deployment ${CODEDEPLOY_ID})`);
      expectOnlyReads();
    });

    it('an ecs-taper-looking externalId without the mark is another tool’s: not adopted, not our lock', async () => {
      // Same task definition, resume on, no deploymentId given: everything adoption asks for but the mark.
      given({ service: service([oldSet(), newSet({ externalId: 'taper-earlier' })]), tags: {} });
      const error = await caught(run({ deploymentId: undefined }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error).not.toBeInstanceOf(DeploymentLockedError);
      expect(error.message).toContain('made by another tool (externalId taper-earlier), not by ecs-taper');
      expectOnlyReads();
    });

    it('other tags (a lease, stored times) do not make a set ours: only ecs-taper:deployment-id does', async () => {
      given({
        service: service([oldSet(), newSet({ externalId: 'taper-earlier' })]),
        tags: { 'ecs-taper:lease': `${NOW + 10_000} ctl-other`, 'ecs-taper:swapped-at': String(NOW) },
      });
      const error = await caught(run({ deploymentId: undefined }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('another tool (externalId taper-earlier)');
    });

    it('the same set with the mark is adopted (resume) or our lock (another task definition)', async () => {
      const marked = { 'ecs-taper:deployment-id': 'taper-earlier' };
      given({ service: service([oldSet(), newSet({ externalId: 'taper-earlier' })]), tags: marked });
      const adopted = await run({ deploymentId: undefined });
      expect(adopted.state.deploymentId).toBe('taper-earlier');
      expect(adopted.next).toMatchObject({ phase: 'waitReady' });
      const locked = await caught(run({ deploymentId: undefined, taskDefinition: 'web:3' }));
      expect(locked).toBeInstanceOf(DeploymentLockedError);
      expect(locked.runningDeploymentId).toBe('taper-earlier');
      expectOnlyReads();
    });

    it('tells the mark from one DescribeTaskSets of all sets, not from a per-set read', async () => {
      given({ service: service([oldSet(), newSet({ externalId: CODEDEPLOY_ID })]), tags: {} });
      await caught(run({ deploymentId: undefined }));
      expect(aws.ecs.commandCalls(DescribeTaskSetsCommand).map((c) => c.args[0].input)).toEqual([
        { cluster: 'demo', service: 'web', include: ['TAGS'] },
      ]);
    });

    it('through deploy(): a CodeDeploy set ends the deployment before its first change', async () => {
      given({ service: service([oldSet(), newSet({ externalId: CODEDEPLOY_ID })]), tags: {} });
      const error = await caught(deployed({ deploymentId: undefined }));
      expect(error).toBeInstanceOf(TopologyError);
      expect(error.message).toContain('CodeDeploy');
      expectOnlyReads();
    });
  });
});
