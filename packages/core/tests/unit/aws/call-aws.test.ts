import { ClusterNotFoundException, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { describe, expect, it, vi } from 'vitest';
import { callAws, defaultRetryPolicy, isTransientAwsError } from '../../../src/aws/call-aws';
import { AwsCallError } from '../../../src/errors';
import { caught, ecsError, ecsThrottled, elbv2Throttled, fastRetry, mockAws } from '../support/fixtures';

const aws = mockAws();

describe('isTransientAwsError', () => {
  it.each([
    ['ECS throttling', ecsThrottled(), true],
    ['ELBv2 throttling', elbv2Throttled(), true],
    ['a 500 server error', ecsError('ServerException', 'boom', 500), true],
    ['a 503', ecsError('ServiceUnavailable', 'busy', 503), true],
    ['a client error', ecsError('InvalidParameterException', 'bad', 400), false],
    ['an access denial', ecsError('AccessDeniedException', 'no', 403), false],
    [
      'a not-found exception',
      new ClusterNotFoundException({ message: 'Cluster not found.', $metadata: { httpStatusCode: 400 } }),
      false,
    ],
    ['a plain Error', new Error('oops'), false],
    ['a string', 'oops', false],
  ])('classifies %s', (_label, error, transient) => {
    expect(isTransientAwsError(error)).toBe(transient);
  });

  it('treats an error the SDK marked $retryable as transient', () => {
    const error = Object.assign(ecsError('TimeoutError', 'socket hang up', 400), {
      $retryable: { throttling: false },
    });
    expect(isTransientAwsError(error)).toBe(true);
  });
});

describe('callAws', () => {
  it('returns the result of a call that succeeds', async () => {
    await expect(callAws('reading', async () => 42, fastRetry)).resolves.toBe(42);
  });

  it('retries throttling, then succeeds', async () => {
    const call = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(ecsThrottled())
      .mockRejectedValueOnce(ecsThrottled())
      .mockResolvedValueOnce('ok');
    await expect(callAws('reading', call, fastRetry)).resolves.toBe('ok');
    expect(call).toHaveBeenCalledTimes(3);
  });

  it('retries a 5xx, then succeeds', async () => {
    const call = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(ecsError('ServerException', 'internal', 500))
      .mockResolvedValueOnce('ok');
    await expect(callAws('reading', call, fastRetry)).resolves.toBe('ok');
    expect(call).toHaveBeenCalledTimes(2);
  });

  it('does not retry a non-transient error and keeps its name, request id and cause', async () => {
    const original = ecsError('InvalidParameterException', 'subnet-x does not exist');
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(original);
    const error = await caught(callAws('creating task set for web:2', call, fastRetry));
    expect(call).toHaveBeenCalledTimes(1);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toBe(
      'creating task set for web:2: subnet-x does not exist (InvalidParameterException)',
    );
    expect(error.awsErrorName).toBe('InvalidParameterException');
    expect(error.requestId).toBe('req-InvalidParameterException');
    expect(error.httpStatusCode).toBe(400);
    expect(error.cause).toBe(original);
  });

  it('gives up after the policy retries and reports the throttling name', async () => {
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(ecsThrottled());
    const error = await caught(callAws('reading', call, { ...fastRetry, retries: 3 }));
    expect(call).toHaveBeenCalledTimes(4);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('ThrottlingException');
  });

  it('still wraps a thrown non-Error (p-retry turns it into a TypeError) and keeps its text', async () => {
    const error = await caught(callAws('reading', () => Promise.reject('string failure'), fastRetry));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toContain('string failure');
  });

  it('retries real SDK clients through the mock: throttled DescribeServices then success', async () => {
    aws.ecs.on(DescribeServicesCommand).rejectsOnce(ecsThrottled()).resolves({ services: [], failures: [] });
    const output = await callAws(
      'describing',
      () => aws.clients.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] })),
      fastRetry,
    );
    expect(output.services).toEqual([]);
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 2);
  });

  it('has production defaults that back off for seconds, not milliseconds', () => {
    expect(defaultRetryPolicy.retries).toBeGreaterThanOrEqual(3);
    expect(defaultRetryPolicy.minTimeoutMs).toBeGreaterThanOrEqual(100);
  });
});
