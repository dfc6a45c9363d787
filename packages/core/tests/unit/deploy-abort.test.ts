/**
 * The run's AbortSignal reaches the AWS calls of the phase under way (issue #12): Ctrl-C aborts the request
 * in flight, or the wait for a retry, and the run stops as a stop (DeploymentAbortedError, lease given
 * back), not as a failure of that phase (no rollback, no `failed` ending). A re-run resumes.
 */
import { DeleteTaskSetCommand, UpdateTaskSetCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import type { AwsClients } from '../../src/aws/ports';
import { deploy } from '../../src/deploy';
import { DeploymentAbortedError } from '../../src/errors';
import { DeploymentEmitter, type DeploymentEvent } from '../../src/events';
import { FakeAws, fakeClock } from './support/fake-aws';
import {
  caught,
  DEPLOYMENT_ID,
  ecsThrottled,
  fastRetry,
  GREEN_TG,
  mockAws,
  NEW_SET_ARN,
  OLD_SET_ARN,
  PROD_LISTENER_ARN,
  rawInput,
} from './support/fixtures';

const aws = mockAws();

function setup() {
  const clock = fakeClock();
  const world = new FakeAws(clock).withOldSet().install(aws);
  const events: DeploymentEvent[] = [];
  const emitter = new DeploymentEmitter();
  emitter.on('event', (event) => events.push(event));
  const input = rawInput({ decrementPercent: 25, intervalSeconds: 60, settleSeconds: 60 });
  return { world, events, input, options: { clock, events: emitter, retry: fastRetry } };
}

type Send = (command: unknown, options?: { abortSignal?: AbortSignal }) => Promise<unknown>;

/**
 * The ECS client, except that `command` matching `when` first aborts `controller` (Ctrl-C while the
 * request is in flight), then fails the way the SDK does for a request whose abortSignal fired: only
 * when the signal did reach `send`. Otherwise the request goes through.
 */
function abortDuring(when: (command: unknown) => boolean, controller: AbortController): AwsClients {
  const real = aws.clients.ecs as unknown as { send: Send };
  const ecs = {
    send: async (command: unknown, options?: { abortSignal?: AbortSignal }) => {
      if (when(command) && !controller.signal.aborted) {
        controller.abort(new Error('interrupted by Ctrl-C'));
        if (options?.abortSignal?.aborted) {
          throw Object.assign(new Error('Request aborted'), {
            name: 'AbortError',
            cause: options.abortSignal.reason,
          });
        }
      }
      return real.send(command);
    },
  };
  return { ...aws.clients, ecs: ecs as unknown as AwsClients['ecs'] };
}

const scaleTo = (value: number) => (command: unknown) =>
  command instanceof UpdateTaskSetCommand &&
  command.input.taskSet === OLD_SET_ARN &&
  command.input.scale?.value === value;

describe('an abort in the middle of a phase', () => {
  it('aborts the request in flight and stops the run instead of rolling back', async () => {
    const { world, events, input, options } = setup();
    const controller = new AbortController();
    const clients = abortDuring(scaleTo(50), controller);
    const error = await caught(deploy(clients, input, { ...options, signal: controller.signal }));

    expect(error).toBeInstanceOf(DeploymentAbortedError);
    expect(error.message).toContain(`deployment ${DEPLOYMENT_ID} stopped before phase scaleDown`);
    // The aborted request never reached AWS, and nothing started a rollback or ended the deployment.
    expect(world.changes).not.toContain(`UpdateTaskSet ${OLD_SET_ARN} 50`);
    expect(world.set(OLD_SET_ARN)?.scale).toBe(75);
    expect(events.some((e) => e.type === 'rollback-started')).toBe(false);
    expect(events.some((e) => e.type === 'deployment-finished')).toBe(false);
    expect(world.forwardsTo(PROD_LISTENER_ARN)).toBe(GREEN_TG);
    // The stopped controller gave its lease back; a re-run resumes to success.
    expect(world.set(NEW_SET_ARN)?.tags?.['ecs-taper:lease']).toBeUndefined();
    const resumed = await deploy(aws.clients, input, options);
    expect(resumed.outcome).toBe('succeeded');
    expect(world.sets.map((s) => s.taskSetArn)).toEqual([NEW_SET_ARN]);
  });

  it('in cleanup (no rollback there) stops the run instead of ending it as failed', async () => {
    const { world, events, input, options } = setup();
    const controller = new AbortController();
    const clients = abortDuring((command) => command instanceof DeleteTaskSetCommand, controller);
    const error = await caught(deploy(clients, input, { ...options, signal: controller.signal }));

    expect(error).toBeInstanceOf(DeploymentAbortedError);
    expect(error.message).toContain('stopped before phase cleanup');
    expect(events.some((e) => e.type === 'deployment-finished')).toBe(false);
    expect(world.set(OLD_SET_ARN)).toBeDefined();
    const resumed = await deploy(aws.clients, input, options);
    expect(resumed.outcome).toBe('succeeded');
    expect(world.sets.map((s) => s.taskSetArn)).toEqual([NEW_SET_ARN]);
  });

  it('cuts a long wait for a retry short, and the throttled call is not retried', async () => {
    const { world, events, input, options } = setup();
    const controller = new AbortController();
    // Every UpdateTaskSet is throttled for a while; the policy would wait up to 60 s between attempts.
    world.failNext('UpdateTaskSetCommand', ecsThrottled(), 5);
    const real = aws.clients.ecs as unknown as { send: Send };
    let throttledCalls = 0;
    const ecs = {
      send: async (command: unknown, sendOptions?: { abortSignal?: AbortSignal }) => {
        if (command instanceof UpdateTaskSetCommand) {
          throttledCalls++;
          setTimeout(() => controller.abort(new Error('interrupted by Ctrl-C')), 20);
        }
        return real.send(command, sendOptions);
      },
    };
    const started = Date.now();
    const error = await caught(
      deploy({ ...aws.clients, ecs: ecs as unknown as AwsClients['ecs'] }, input, {
        ...options,
        signal: controller.signal,
        retry: { retries: 6, minTimeoutMs: 60_000, maxTimeoutMs: 60_000, maxElapsedMs: 600_000 },
      }),
    );
    // Math.random could draw a wait under 20 ms; then the second attempt is the one the abort meets.
    expect(throttledCalls).toBeLessThanOrEqual(2);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(error).toBeInstanceOf(DeploymentAbortedError);
    expect(events.some((e) => e.type === 'rollback-started')).toBe(false);
  });
});
