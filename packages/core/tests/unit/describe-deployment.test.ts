import { DescribeServicesCommand } from '@aws-sdk/client-ecs';
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
    expect(snapshot.deploymentInProgress).toEqual({ deploymentId: DEPLOYMENT_ID, taskSetArn: NEW_SET_ARN });
    expectNoMutations(aws);
  });

  it('reports no deployment in progress with a single task set', async () => {
    given([oldSet()]);
    const snapshot = await describeDeployment(
      aws.clients,
      { cluster: CLUSTER, service: SERVICE, loadBalancerArn: NLB_ARN },
      fastRetry,
    );
    expect(snapshot.deploymentInProgress).toBeUndefined();
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
