/**
 * Error paths through real SDK clients against moto: the error moto sends over HTTP (its JSON `__type` for
 * ECS, its XML `<Code>` for ELBv2) must reach the caller as our AwsCallError, which says what we were doing
 * and keeps the AWS error name.
 */
import { AwsCallError, InputValidationError } from '@ecs-taper/core';
import { runPhase } from '@ecs-taper/core/workflow';
import { describe, expect, it } from 'vitest';
import {
  createStack,
  discoverAndCreate,
  motoClients,
  newDeployment,
  phaseContext,
  unknownListenerArn,
  unknownTargetGroupArn,
} from '../support/real-aws';

const clients = motoClients();

async function failure(promise: Promise<unknown>): Promise<AwsCallError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AwsCallError);
  return error as AwsCallError;
}

/**
 * ELBv2 speaks the awsQuery protocol: the wire carries `<Code>ListenerNotFound</Code>` (as AWS does), and SDK v3
 * names the modeled error `ListenerNotFoundException`. awsErrorName is the SDK's name, the wire code stays on
 * the cause. The same happens against AWS: not a moto difference.
 */
function wireCode(error: AwsCallError): unknown {
  return (error.cause as { Code?: unknown }).Code;
}

describe('AWS errors from moto become clear AwsCallErrors', () => {
  it('unknown cluster: ClusterNotFoundException from DescribeServices', async () => {
    const stack = await createStack(clients);
    const state = newDeployment(stack, { cluster: 'no-such-cluster' });
    const error = await failure(runPhase('discover', phaseContext(clients), state, { resume: false }));
    expect(error.awsErrorName).toBe('ClusterNotFoundException');
    expect(error.httpStatusCode).toBe(400);
    expect(error.message).toBe(
      'describing service web in cluster no-such-cluster: Cluster not found. (ClusterNotFoundException)',
    );
    expect(error.requestId).toBeTruthy();
  });

  it('unknown service: ServiceNotFoundException from UpdateServicePrimaryTaskSet during the swap', async () => {
    // DescribeServices reports a missing service as a `failures` entry (MISSING), not an error: core treats
    // that as "no service yet" in discover/create. A service that vanishes mid-deployment fails at the first
    // call that names it: here the swap's UpdateServicePrimaryTaskSet.
    const stack = await createStack(clients);
    const created = await discoverAndCreate(clients, stack);
    const ghost = { ...created, phase: 'swap' as const, input: { ...created.input, service: 'ghost' } };
    const error = await failure(runPhase('swap', phaseContext(clients), ghost, { resume: false }));
    expect(error.awsErrorName).toBe('ServiceNotFoundException');
    expect(error.message).toBe(
      `making task set ${created.newTaskSetArn} primary: Service not found. (ServiceNotFoundException)`,
    );
  });

  it('unknown listener: ListenerNotFound(Exception) from DescribeListeners', async () => {
    const stack = await createStack(clients);
    const bogus = unknownListenerArn(stack);
    const state = newDeployment(stack, {
      loadBalancerArn: undefined,
      productionListenerArns: [bogus],
      testListenerArn: `${bogus}0`,
    });
    const error = await failure(runPhase('discover', phaseContext(clients), state, { resume: false }));
    expect(error.awsErrorName).toBe('ListenerNotFoundException');
    expect(wireCode(error)).toBe('ListenerNotFound');
    expect(error.message).toBe(
      `describing listeners ${bogus}, ${bogus}0: The specified listener does not exist. (ListenerNotFoundException)`,
    );
  });

  it('unknown target group: TargetGroupNotFound(Exception) from DescribeTargetHealth in the health gate', async () => {
    const stack = await createStack(clients);
    const created = await discoverAndCreate(clients, stack);
    const bogus = unknownTargetGroupArn();
    const state = { ...created, topology: { ...(created.topology as NonNullable<typeof created.topology>) } };
    state.topology.newTargetGroupArn = bogus;
    const error = await failure(runPhase('waitReady', phaseContext(clients), state, { resume: false }));
    expect(error.awsErrorName).toBe('TargetGroupNotFoundException');
    expect(wireCode(error)).toBe('TargetGroupNotFound');
    expect(error.message).toBe(
      `describing target health of ${bogus}: One or more target groups not found (TargetGroupNotFoundException)`,
    );
  });

  it('unknown load balancer: LoadBalancerNotFound(Exception) from DescribeListeners', async () => {
    const stack = await createStack(clients);
    const bogus = stack.loadBalancerArn.replace(/\/[0-9a-f]+$/, '/0123456789abcdef');
    const state = newDeployment(stack, { loadBalancerArn: bogus });
    const error = await failure(runPhase('discover', phaseContext(clients), state, { resume: false }));
    expect(error.awsErrorName).toBe('LoadBalancerNotFoundException');
    expect(wireCode(error)).toBe('LoadBalancerNotFound');
    expect(error.message).toMatch(
      new RegExp(`^describing listeners of ${bogus}: .*\\(LoadBalancerNotFoundException\\)$`),
    );
  });

  it('unknown task definition: ClientException from DescribeTaskDefinition (the name AWS uses too)', async () => {
    const stack = await createStack(clients);
    const state = newDeployment(stack, { taskDefinition: `${stack.newTaskDefinition}9` });
    const error = await failure(runPhase('discover', phaseContext(clients), state, { resume: false }));
    expect(error.awsErrorName).toBe('ClientException');
    expect(error.message).toBe(
      `describing task definition ${stack.newTaskDefinition}9: Unable to describe task definition. (ClientException)`,
    );
  });

  it('bad input is refused before any AWS call', async () => {
    const stack = await createStack(clients);
    expect(() => newDeployment(stack, { subnets: [] })).toThrow(InputValidationError);
  });
});
