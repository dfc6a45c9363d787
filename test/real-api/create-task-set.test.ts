/**
 * create (CheckAndCreate) through real SDK clients against moto: CreateService, CreateTaskSet and
 * DeleteTaskSet as moto stores them, read back with DescribeTaskSets / DescribeServices.
 */
import { CreateTaskSetCommand, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { DeploymentLockedError } from '@ecs-taper/core';
import { runPhase } from '@ecs-taper/core/workflow';
import { describe, expect, inject, it } from 'vitest';
import {
  advance,
  createStack,
  discoverAndCreate,
  motoClients,
  newDeployment,
  phaseContext,
  readTaskSets,
} from '../support/real-aws';

const clients = motoClients();

describe('create against moto', () => {
  it('creates the new task set on the standby group with every field core sends, as moto stores it', async () => {
    const stack = await createStack(clients);
    const before = Date.now();
    const state = await discoverAndCreate(clients, stack, {
      deploymentId: 'dep-fields',
      platformVersion: '1.4.0',
    });
    expect(state.phase).toBe('waitReady');
    expect(state.readyDeadline).toBeGreaterThanOrEqual(before + 600_000);

    const sets = await readTaskSets(clients, stack);
    const created = sets.find((set) => set.taskSetArn === state.newTaskSetArn);
    const { subnetIds, securityGroupId } = inject('moto');
    expect(created).toMatchObject({
      externalId: 'dep-fields',
      // moto stores the full ARN for the family:revision core sent, as AWS does.
      taskDefinition: expect.stringMatching(new RegExp(`:task-definition/${stack.newTaskDefinition}$`)),
      status: 'ACTIVE',
      launchType: 'FARGATE',
      platformVersion: '1.4.0',
      scale: { unit: 'PERCENT', value: 100 },
      loadBalancers: [
        { targetGroupArn: stack.greenTargetGroupArn, containerName: 'web', containerPort: 8080 },
      ],
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: subnetIds,
          securityGroups: [securityGroupId],
          assignPublicIp: 'DISABLED',
        },
      },
      stabilityStatus: 'STEADY_STATE',
    });
    expect(created?.taskSetArn).toMatch(new RegExp(`:task-set/${stack.cluster}/${stack.service}/`));
    // moto difference: no computedDesiredCount / runningCount / pendingCount on task sets at all, and
    // STEADY_STATE at once (AWS: STABILIZING until the tasks run and pass health checks).
    expect(created?.computedDesiredCount).toBeUndefined();
    expect(created?.runningCount).toBeUndefined();
    expect(created?.pendingCount).toBeUndefined();
    // The old set is untouched and still PRIMARY.
    expect(sets.find((set) => set.taskSetArn === stack.initialTaskSetArn)?.status).toBe('PRIMARY');
  });

  it('a repeated create phase run (a retried or resumed step) yields one task set', async () => {
    const stack = await createStack(clients);
    const discovered = advance(
      await runPhase('discover', phaseContext(clients), newDeployment(stack, { deploymentId: 'dep-once' }), {
        resume: false,
      }),
    );
    const first = await runPhase('create', phaseContext(clients), discovered, { resume: false });
    const second = await runPhase('create', phaseContext(clients), discovered, { resume: false });
    expect(second.state.newTaskSetArn).toBe(first.state.newTaskSetArn);
    const ours = (await readTaskSets(clients, stack)).filter((set) => set.externalId === 'dep-once');
    expect(ours).toHaveLength(1);
  });

  it('moto does not honour clientToken: the same CreateTaskSet sent twice makes two sets (AWS returns the first)', async () => {
    // Why core never relies on clientToken alone: it looks for its externalId before creating (test above).
    const stack = await createStack(clients);
    const { subnetIds, securityGroupId } = inject('moto');
    const request = {
      cluster: stack.cluster,
      service: stack.service,
      taskDefinition: stack.newTaskDefinition,
      externalId: 'dep-token',
      clientToken: 'dep-token',
      launchType: 'FARGATE' as const,
      loadBalancers: [
        { targetGroupArn: stack.greenTargetGroupArn, containerName: 'web', containerPort: 8080 },
      ],
      networkConfiguration: {
        awsvpcConfiguration: { subnets: subnetIds, securityGroups: [securityGroupId] },
      },
      scale: { unit: 'PERCENT' as const, value: 100 },
    };
    const a = await clients.ecs.send(new CreateTaskSetCommand(request));
    const b = await clients.ecs.send(new CreateTaskSetCommand(request));
    expect(b.taskSet?.taskSetArn).not.toBe(a.taskSet?.taskSetArn);
    expect((await readTaskSets(clients, stack)).filter((set) => set.externalId === 'dep-token')).toHaveLength(
      2,
    );
  });

  it('creates a missing service with the EXTERNAL controller, then the first task set', async () => {
    const stack = await createStack(clients, { withService: false, desiredCount: 2 });
    const state = await discoverAndCreate(clients, stack, {
      deploymentId: 'dep-first',
      desiredCount: 2,
      createService: true,
    });
    const out = await clients.ecs.send(
      new DescribeServicesCommand({ cluster: stack.cluster, services: [stack.service] }),
    );
    const service = out.services?.[0];
    expect(service).toMatchObject({
      status: 'ACTIVE',
      desiredCount: 2,
      deploymentController: { type: 'EXTERNAL' },
    });
    expect(service?.taskSets?.map((set) => set.taskSetArn)).toEqual([state.newTaskSetArn]);
    expect(state.topology?.oldTaskSetArn).toBeUndefined();
  });

  it('two deployments racing for the standby group: the later one backs out and deletes its own set', async () => {
    const stack = await createStack(clients);
    const ctx = () => phaseContext(clients);
    // Both discover before either creates (neither sees the other yet).
    const a = advance(
      await runPhase('discover', ctx(), newDeployment(stack, { deploymentId: 'race-a' }), { resume: false }),
    );
    const b = advance(
      await runPhase('discover', ctx(), newDeployment(stack, { deploymentId: 'race-b' }), { resume: false }),
    );
    await runPhase('create', ctx(), a, { resume: false });
    const error = await runPhase('create', ctx(), b, { resume: false }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DeploymentLockedError);
    expect(error).toMatchObject({ runningDeploymentId: 'race-a' });
    // The lock is decided on moto's createdAt: the first set wins, the loser's set is gone.
    const ids = (await readTaskSets(clients, stack)).map((set) => set.externalId ?? '');
    expect(ids).toContain('race-a');
    expect(ids).not.toContain('race-b');
  });
});
