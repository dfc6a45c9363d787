import { DescribeServicesCommand, DescribeTaskSetsCommand } from '@aws-sdk/client-ecs';
import {
  DescribeListenersCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { describeDeployment } from '../../src/describe-deployment';
import { InputValidationError } from '../../src/errors';
import {
  BLUE_TG,
  CLUSTER,
  caught,
  DEPLOYMENT_ID,
  expectNoMutations,
  fastRetry,
  GREEN_TG,
  listenersBeforeSwap,
  mockAws,
  NEW_SET_ARN,
  NLB_ARN,
  NOW,
  newSet,
  oldSet,
  SERVICE,
  service,
  servicesOutput,
  targets,
} from './support/fixtures';

const aws = mockAws();

describe('describeDeployment', () => {
  function given(sets = [oldSet(), newSet()]) {
    aws.ecs.on(DescribeServicesCommand).resolves(servicesOutput(service(sets)));
    aws.elbv2.on(DescribeListenersCommand).resolves({ Listeners: listenersBeforeSwap() });
    aws.elbv2
      .on(DescribeTargetHealthCommand, { TargetGroupArn: BLUE_TG })
      .resolves({ TargetHealthDescriptions: targets(['healthy'], ['healthy']) })
      .on(DescribeTargetHealthCommand, { TargetGroupArn: GREEN_TG })
      .resolves({ TargetHealthDescriptions: targets(['healthy'], ['initial']) });
  }

  it('reports listener roles, target group health, task sets and the deployment in progress', async () => {
    given();
    const snapshot = await describeDeployment(
      aws.clients,
      { cluster: CLUSTER, service: SERVICE, loadBalancerArn: NLB_ARN },
      fastRetry,
    );
    expect(snapshot.listeners.map((l) => [l.port, l.role])).toEqual([
      [80, 'production'],
      [8080, 'test'],
    ]);
    expect(snapshot.targetGroups).toEqual([
      { arn: BLUE_TG, role: 'live', healthy: 2, notHealthy: {} },
      { arn: GREEN_TG, role: 'standby', healthy: 1, notHealthy: { initial: 1 } },
    ]);
    expect(snapshot.taskSets).toHaveLength(2);
    expect(snapshot.deploymentInProgress).toEqual({
      deploymentId: DEPLOYMENT_ID,
      taskSetArn: NEW_SET_ARN,
      autoScalingSuspended: false,
    });
    expectNoMutations(aws);
  });

  it('reports what the controller stored on the set in progress: lease holder, times, Auto Scaling', async () => {
    given();
    aws.ecs.on(DescribeTaskSetsCommand).resolves({
      taskSets: [
        {
          ...newSet(),
          tags: [
            { key: 'ecs-taper:deployment-id', value: DEPLOYMENT_ID },
            { key: 'ecs-taper:lease', value: `${NOW + 90_000} ci-run-1` },
            { key: 'ecs-taper:swapped-at', value: String(NOW - 120_000) },
            { key: 'ecs-taper:last-step-at', value: String(NOW - 30_000) },
            { key: 'ecs-taper:autoscaling', value: 'in=false out=false scheduled=false' },
          ],
        },
      ],
    });
    const snapshot = await describeDeployment(
      aws.clients,
      { cluster: CLUSTER, service: SERVICE, loadBalancerArn: NLB_ARN },
      fastRetry,
    );
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(DescribeTaskSetsCommand, {
      taskSets: [NEW_SET_ARN],
      include: ['TAGS'],
    });
    expect(snapshot.deploymentInProgress).toEqual({
      deploymentId: DEPLOYMENT_ID,
      taskSetArn: NEW_SET_ARN,
      controller: { id: 'ci-run-1', leaseExpiresAt: NOW + 90_000 },
      swappedAt: NOW - 120_000,
      lastStepAt: NOW - 30_000,
      autoScalingSuspended: true,
    });
    expectNoMutations(aws);
  });

  it('does not report Auto Scaling suspended for a service that had no scalable target (`none`)', async () => {
    given();
    aws.ecs.on(DescribeTaskSetsCommand).resolves({
      taskSets: [{ ...newSet(), tags: [{ key: 'ecs-taper:autoscaling', value: 'none' }] }],
    });
    const snapshot = await describeDeployment(
      aws.clients,
      { cluster: CLUSTER, service: SERVICE, loadBalancerArn: NLB_ARN },
      fastRetry,
    );
    expect(snapshot.deploymentInProgress).toEqual({
      deploymentId: DEPLOYMENT_ID,
      taskSetArn: NEW_SET_ARN,
      autoScalingSuspended: false,
    });
  });

  it('reports no deployment in progress with a single task set', async () => {
    given([oldSet()]);
    const snapshot = await describeDeployment(
      aws.clients,
      { cluster: CLUSTER, service: SERVICE, loadBalancerArn: NLB_ARN },
      fastRetry,
    );
    expect(snapshot.deploymentInProgress).toBeUndefined();
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeTaskSetsCommand, 0);
    expect(snapshot.service).toEqual({ name: SERVICE, status: 'ACTIVE', desiredCount: 2 });
  });

  it.each([
    ['cluster', { service: SERVICE, loadBalancerArn: NLB_ARN }],
    ['service', { cluster: CLUSTER, loadBalancerArn: NLB_ARN }],
    ['loadBalancerArn', { cluster: CLUSTER, service: SERVICE }],
  ])('refuses a missing %s before any call', async (field, input) => {
    const error = await caught(describeDeployment(aws.clients, input as never, fastRetry));
    expect(error).toBeInstanceOf(InputValidationError);
    expect(error.field).toBe(field);
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 0);
  });
});
