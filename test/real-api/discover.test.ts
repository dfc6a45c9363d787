/**
 * discover through real SDK clients against moto over HTTP: DescribeServices, DescribeListeners,
 * DescribeTargetGroups and DescribeTaskDefinition as moto answers them.
 */
import { CreateTaskSetCommand } from '@aws-sdk/client-ecs';
import {
  CreateListenerCommand,
  CreateTargetGroupCommand,
  DeleteListenerCommand,
  DescribeTargetGroupsCommand,
  ModifyListenerCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeploymentLockedError, TopologyError } from '@ecs-taper/core';
import { runPhase } from '@ecs-taper/core/workflow';
import { describe, expect, inject, it } from 'vitest';
import {
  createStack,
  motoClients,
  newDeployment,
  phaseContext,
  readForwards,
  type Stack,
} from '../support/real-aws';

const clients = motoClients();

async function discover(stack: Stack, overrides: Record<string, unknown> = {}, resume = false) {
  return runPhase('discover', phaseContext(clients), newDeployment(stack, overrides), { resume });
}

/** Another ecs-taper deployment's set: it carries ecs-taper's mark (a set without it is another tool's). */
async function otherDeploymentOnGreen(stack: Stack, externalId: string) {
  const moto = inject('moto');
  const out = await clients.ecs.send(
    new CreateTaskSetCommand({
      cluster: stack.cluster,
      service: stack.service,
      taskDefinition: stack.newTaskDefinition,
      externalId,
      tags: [{ key: 'ecs-taper:deployment-id', value: externalId }],
      launchType: 'FARGATE',
      loadBalancers: [
        {
          targetGroupArn: stack.greenTargetGroupArn,
          containerName: stack.containerName,
          containerPort: stack.containerPort,
        },
      ],
      networkConfiguration: {
        awsvpcConfiguration: { subnets: moto.subnetIds, securityGroups: [moto.securityGroupId] },
      },
      scale: { unit: 'PERCENT', value: 100 },
    }),
  );
  return out.taskSet?.taskSetArn as string;
}

describe('discover against moto', () => {
  it('resolves listeners, target groups, the old task set and the container port from the NLB', async () => {
    const stack = await createStack(clients);
    const result = await discover(stack);

    expect(result.next).toMatchObject({ kind: 'go', phase: 'create' });
    expect(result.state.topology).toEqual({
      productionListenerArns: [stack.productionListenerArn],
      testListenerArn: stack.testListenerArn,
      oldTargetGroupArn: stack.blueTargetGroupArn,
      newTargetGroupArn: stack.greenTargetGroupArn,
      oldTaskSetArn: stack.initialTaskSetArn,
      // Read from the task definition's only port mapping (DescribeTaskDefinition on moto).
      containerName: 'web',
      containerPort: 8080,
      // From the same DescribeTaskDefinition: create sends an awsvpc configuration only for awsvpc.
      networkMode: 'awsvpc',
    });
  });

  it('ends at once when the service already runs the task definition (family:revision vs stored ARN)', async () => {
    const stack = await createStack(clients);
    const result = await discover(stack, { taskDefinition: stack.oldTaskDefinition });
    expect(result.next).toMatchObject({ kind: 'end', outcome: 'succeeded' });
    expect(result.next.detail).toContain(`already runs ${stack.oldTaskDefinition}`);
  });

  it('goes to create without an old task set when the service does not exist yet (DescribeServices MISSING)', async () => {
    const stack = await createStack(clients, { withService: false });
    // A missing service is created only when asked.
    const result = await discover(stack, { createService: true });
    expect(result.next).toMatchObject({ kind: 'go', phase: 'create' });
    expect(result.state.topology?.oldTaskSetArn).toBeUndefined();
    expect(result.state.topology?.newTargetGroupArn).toBe(stack.greenTargetGroupArn);
  });

  it('finds a re-run of the same deployment after create and resumes at waitReady', async () => {
    const stack = await createStack(clients);
    const first = await discover(stack, { deploymentId: 'rerun-1' });
    const created = await runPhase(
      'create',
      phaseContext(clients),
      { ...first.state, phase: 'create' },
      {
        resume: false,
      },
    );
    // CreateTaskSet wrote the first controller's lease as a tag (read back with DescribeTaskSets include
    // TAGS): a re-run by another controller is refused while it lasts, and resumes once it has expired.
    const lease = created.state.lease;
    expect(lease?.owner).toBe(first.state.controllerId);
    await expect(discover(stack, { deploymentId: 'rerun-1' })).rejects.toBeInstanceOf(DeploymentLockedError);
    const again = await runPhase(
      'discover',
      phaseContext(clients, lease?.expiresAt),
      newDeployment(stack, { deploymentId: 'rerun-1' }),
      { resume: false },
    );
    expect(again.next).toMatchObject({ kind: 'go', phase: 'waitReady' });
    expect(again.state.newTaskSetArn).toBe(created.state.newTaskSetArn);
  });

  describe('refusals', () => {
    it('refuses an NLB without a test listener', async () => {
      const stack = await createStack(clients);
      await clients.elbv2.send(new DeleteListenerCommand({ ListenerArn: stack.testListenerArn }));
      const error = await discover(stack).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TopologyError);
      expect((error as Error).message).toMatch(/no test listener on .*port 8080/);
    });

    it('refuses a test listener that forwards to the live target group', async () => {
      const stack = await createStack(clients);
      await clients.elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: stack.testListenerArn,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: stack.blueTargetGroupArn }],
        }),
      );
      // moto applied it (read back): if this test fails below, core misread the listeners.
      expect(await readForwards(clients, stack)).toEqual({
        80: [stack.blueTargetGroupArn],
        8080: [stack.blueTargetGroupArn],
      });
      await expect(discover(stack)).rejects.toThrow(/forwards to the live target group/);
    });

    it('refuses a weighted forward on the production listener (moto keeps ForwardConfig)', async () => {
      const stack = await createStack(clients);
      await clients.elbv2.send(
        new ModifyListenerCommand({
          ListenerArn: stack.productionListenerArn,
          DefaultActions: [
            {
              Type: 'forward',
              ForwardConfig: {
                TargetGroups: [
                  { TargetGroupArn: stack.blueTargetGroupArn, Weight: 50 },
                  { TargetGroupArn: stack.greenTargetGroupArn, Weight: 50 },
                ],
              },
            },
          ],
        }),
      );
      await expect(discover(stack)).rejects.toThrow(
        /splits new flows between .* and no ecs-taper deployment of this task definition made that split/,
      );
    });

    it('refuses production listeners that forward to different target groups', async () => {
      const stack = await createStack(clients);
      const third = await clients.elbv2.send(
        new CreateTargetGroupCommand({
          Name: `third-${stack.suffix}`,
          Protocol: 'TCP',
          Port: 8080,
          VpcId: inject('moto').vpcId,
          TargetType: 'ip',
        }),
      );
      await clients.elbv2.send(
        new CreateListenerCommand({
          LoadBalancerArn: stack.loadBalancerArn,
          Protocol: 'TCP',
          Port: 9090,
          DefaultActions: [{ Type: 'forward', TargetGroupArn: third.TargetGroups?.[0]?.TargetGroupArn }],
        }),
      );
      // moto links a target group to the NLB once a listener forwards to it, as AWS does.
      const groups = await clients.elbv2.send(
        new DescribeTargetGroupsCommand({ LoadBalancerArn: stack.loadBalancerArn }),
      );
      expect(groups.TargetGroups).toHaveLength(3);
      await expect(discover(stack)).rejects.toThrow(/forward to 2 different target groups/);
    });

    it('refuses (locked) while another deployment has a task set on the standby group', async () => {
      const stack = await createStack(clients);
      await otherDeploymentOnGreen(stack, 'other-deployment');
      const error = await discover(stack, { deploymentId: 'mine' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeploymentLockedError);
      expect(error).toMatchObject({ runningDeploymentId: 'other-deployment' });
      expect((error as Error).message).toMatch(
        /deployment other-deployment in progress .* standby target group/,
      );
    });

    it('adopts that deployment instead with resume, no explicit id and the same task definition', async () => {
      const stack = await createStack(clients);
      const arn = await otherDeploymentOnGreen(stack, 'crashed-run');
      // A re-run of the same command: its id is generated, so it may adopt (an explicit id never does).
      const result = await discover(stack, { deploymentId: undefined }, true);
      expect(result.next).toMatchObject({ kind: 'go', phase: 'waitReady' });
      expect(result.state).toMatchObject({ deploymentId: 'crashed-run', newTaskSetArn: arn });
    });

    it('refuses a task set on a target group outside the listener pair', async () => {
      const stack = await createStack(clients);
      const stray = await clients.elbv2.send(
        new CreateTargetGroupCommand({
          Name: `stray-${stack.suffix}`,
          Protocol: 'TCP',
          Port: 8080,
          VpcId: inject('moto').vpcId,
          TargetType: 'ip',
        }),
      );
      await clients.ecs.send(
        new CreateTaskSetCommand({
          cluster: stack.cluster,
          service: stack.service,
          taskDefinition: stack.oldTaskDefinition,
          launchType: 'FARGATE',
          loadBalancers: [
            {
              targetGroupArn: stray.TargetGroups?.[0]?.TargetGroupArn,
              containerName: 'web',
              containerPort: 8080,
            },
          ],
        }),
      );
      await expect(discover(stack)).rejects.toThrow(
        /is not attached to .* ecs-taper cannot tell which version/,
      );
    });
  });
});
