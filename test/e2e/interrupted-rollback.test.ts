import { ModifyListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { DeploymentAbortedError, DeploymentEmitter, deploy, rollbackDeployment } from '@ecs-taper/core';
import { buildWorld } from '@ecs-taper/simulator';
import { describe, expect, it } from 'vitest';

const fastRetry = { retries: 8, minTimeoutMs: 0, maxTimeoutMs: 0 };

describe('a rollback interrupted half-way', () => {
  it('is finished by `rollback`: production and the test listener back in place, the new set gone', async () => {
    const { clients, clock, input, refs } = buildWorld({ tasks: 4, connectionsPerTask: 20 });
    const { deploymentId: _generatedEachRun, ...sameCommand } = input as typeof input & {
      deploymentId?: string;
    };

    // Deploy until the swap is done, then stop (Ctrl-C).
    const controller = new AbortController();
    const events = new DeploymentEmitter();
    events.on('event', (event) => {
      if (event.type === 'phase-finished' && event.phase === 'swap') controller.abort();
    });
    const stopped = await deploy(clients, sameCommand, {
      clock,
      events,
      signal: controller.signal,
      retry: fastRetry,
    }).catch((error: unknown) => error);
    expect(stopped).toBeInstanceOf(DeploymentAbortedError);
    expect(refs.productionListener.defaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: refs.green.arn },
    ]);

    // A swap back that died after its first call: production points at blue, the test listener too.
    await clients.elbv2.send(
      new ModifyListenerCommand({
        ListenerArn: refs.productionListener.arn,
        DefaultActions: [{ Type: 'forward', TargetGroupArn: refs.blue.arn }],
      }),
    );

    const result = await rollbackDeployment(clients, sameCommand, {
      clock,
      retry: fastRetry,
      reason: 'operator',
    });
    expect(result.outcome).toBe('rolled-back');
    expect(result.reason).toBe('operator');
    expect(refs.productionListener.defaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: refs.blue.arn },
    ]);
    expect(refs.testListener.defaultActions).toEqual([{ Type: 'forward', TargetGroupArn: refs.green.arn }]);
    const live = refs.service.taskSets.filter((set) => set.status !== 'DRAINING');
    expect(live.map((set) => [set.arn, set.status, set.scale])).toEqual([
      [refs.initialTaskSet.arn, 'PRIMARY', 100],
    ]);
  });
});
