import { ClusterNotFoundException, DescribeServicesCommand, ServerException } from '@aws-sdk/client-ecs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  abortableClients,
  awsClientConfig,
  backoffDelayMs,
  callAws,
  defaultRetryPolicy,
  isTransientAwsError,
  type RetryPolicy,
} from '../../../src/aws/call-aws';
import type { AwsClients } from '../../../src/aws/ports';
import { phaseContext } from '../../../src/aws/read';
import { AwsCallError, awsErrorInfo } from '../../../src/errors';
import { caught, ecsError, ecsThrottled, elbv2Throttled, fastRetry, mockAws } from '../support/fixtures';

const aws = mockAws();

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/** An error as it reaches us without AWS metadata: a name, maybe a Node.js `code`. */
function plain(name: string, message = 'failed', extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(message), { name }, extra);
}

/** What the SDK's Node.js handler rejects with for a network failure (it renames some to TimeoutError). */
function network(code: string, message = `connect ${code} 127.0.0.1:443`): Error {
  const name = ['ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code) ? 'TimeoutError' : 'Error';
  return plain(name, message, { code, $metadata: { attempts: 1, totalRetryDelay: 0 } });
}

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
    ['undefined', undefined, false],
    ['null', null, false],
    ['an object that only looks like an error', { name: 'ThrottlingException' }, false],
  ])('classifies %s', (_label, error, transient) => {
    expect(isTransientAwsError(error)).toBe(transient);
  });

  it('treats an error the SDK marked $retryable as transient', () => {
    const error = Object.assign(ecsError('TimeoutError', 'socket hang up', 400), {
      $retryable: { throttling: false },
    });
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each([
    'ThrottlingException',
    'Throttling',
    'ThrottledException',
    'TooManyRequestsException',
    'RequestLimitExceeded',
    'RequestThrottled',
    'RequestThrottledException',
    'SlowDown',
    'BandwidthLimitExceeded',
    'EC2ThrottledException',
    'PriorRequestNotComplete',
    'ProvisionedThroughputExceededException',
  ])('throttling by name, even with a 400 and no $retryable: %s', (name) => {
    expect(isTransientAwsError(ecsError(name, 'Rate exceeded', 400))).toBe(true);
    expect(isTransientAwsError(plain(name))).toBe(true);
  });

  it.each([
    'ServiceUnavailable',
    'ServiceUnavailableException',
    'InternalFailure',
    'InternalError',
    'InternalServerError',
    'InternalServerException',
    'InternalServiceError',
    'ServerException',
  ])('a server error by name, without a status code: %s', (name) => {
    expect(isTransientAwsError(plain(name))).toBe(true);
  });

  it.each([500, 501, 502, 503, 504, 599, 429])('any status %i, whatever the name', (status) => {
    expect(isTransientAwsError(plain('UnknownError', 'x', { $metadata: { httpStatusCode: status } }))).toBe(
      true,
    );
  });

  it.each([400, 401, 403, 404, 409, 413, 600, 0])('not status %i on its own', (status) => {
    expect(isTransientAwsError(plain('UnknownError', 'x', { $metadata: { httpStatusCode: status } }))).toBe(
      false,
    );
  });

  it('$fault server is transient without a status; $fault client is not', () => {
    expect(isTransientAwsError(plain('SomethingBroke', 'x', { $fault: 'server' }))).toBe(true);
    expect(isTransientAwsError(plain('SomethingBroke', 'x', { $fault: 'client' }))).toBe(false);
  });

  it('a modeled ServerException from the SDK', () => {
    const error = new ServerException({ message: 'internal', $metadata: {} });
    expect(error.$fault).toBe('server');
    expect(isTransientAwsError(error)).toBe(true);
  });

  it.each(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException'])('a timeout by name: %s', (name) => {
    expect(isTransientAwsError(plain(name))).toBe(true);
  });

  it.each([
    'ECONNRESET',
    'ETIMEDOUT',
    'EPIPE',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'EAI_AGAIN',
  ])('a network error by code: %s', (code) => {
    expect(isTransientAwsError(network(code))).toBe(true);
    // Also when nothing renamed it to TimeoutError.
    expect(isTransientAwsError(plain('Error', 'x', { code }))).toBe(true);
  });

  it('not an unknown host (ENOTFOUND): a wrong region or endpoint does not fix itself', () => {
    expect(
      isTransientAwsError(network('ENOTFOUND', 'getaddrinfo ENOTFOUND ecs.xx-nowhere-1.amazonaws.com')),
    ).toBe(false);
  });

  it.each(['socket hang up', 'Socket hang up', 'Error: socket hang up (retry later)'])(
    'a socket hang up message without a code: %s',
    (message) => {
      expect(isTransientAwsError(plain('Error', message))).toBe(true);
    },
  );

  it('a code that is not a string, or an unknown one, is not a network error', () => {
    expect(isTransientAwsError(plain('Error', 'x', { code: 104 }))).toBe(false);
    expect(isTransientAwsError(plain('Error', 'x', { code: 'ERR_INVALID_ARG_TYPE' }))).toBe(false);
  });

  it('never an aborted call, whatever it carries', () => {
    const aborted = plain('AbortError', 'Request aborted', {
      code: 'ECONNRESET',
      $fault: 'server',
      $retryable: { throttling: true },
      $metadata: { httpStatusCode: 503 },
    });
    expect(isTransientAwsError(aborted)).toBe(false);
  });

  it('sees through an AwsCallError: a throttle stays transient, a bug does not', () => {
    const throttled = new AwsCallError('describing service web', ecsThrottled());
    const bug = new AwsCallError('creating task set', ecsError('InvalidParameterException', 'bad'));
    expect(throttled.retryable).toBe(true);
    expect(bug.retryable).toBe(false);
    expect(isTransientAwsError(throttled)).toBe(true);
    expect(isTransientAwsError(bug)).toBe(false);
    // Twice wrapped: the outer one keeps the inner AWS name and retryability.
    const outer = new AwsCallError('swapping the listener', throttled);
    expect(outer.awsErrorName).toBe('ThrottlingException');
    expect(outer.retryable).toBe(true);
    expect(outer.httpStatusCode).toBe(400);
    expect(outer.requestId).toBe(throttled.requestId);
    expect(outer.message).toBe(`swapping the listener: ${throttled.message}`);
    expect(isTransientAwsError(outer)).toBe(true);
  });

  it('awsErrorInfo reports retryability and reads an AwsCallError as the error it wraps', () => {
    expect(awsErrorInfo(ecsThrottled()).retryable).toBe(true);
    expect(awsErrorInfo(new Error('bug')).retryable).toBe(false);
    const wrapped = new AwsCallError('reading', network('ECONNRESET', 'socket hang up'));
    expect(awsErrorInfo(wrapped)).toMatchObject({ name: 'TimeoutError', retryable: true });
  });
});

describe('backoffDelayMs: full jitter', () => {
  const policy = { minTimeoutMs: 500, maxTimeoutMs: 20_000 };

  it('is 0 with the lowest random draw and the ceiling min(cap, base * 2^n) with the highest', () => {
    const ceilings = [500, 1000, 2000, 4000, 8000, 16_000, 20_000, 20_000];
    ceilings.forEach((ceiling, retry) => {
      expect(backoffDelayMs(retry, policy, () => 0)).toBe(0);
      expect(backoffDelayMs(retry, policy, () => 0.999_999_999)).toBe(ceiling);
    });
  });

  it('stays within [0, min(cap, base * 2^n)] for every draw, and is an integer', () => {
    for (let retry = 0; retry < 40; retry++) {
      const ceiling = Math.min(20_000, 500 * 2 ** retry);
      for (let i = 0; i < 200; i++) {
        const delay = backoffDelayMs(retry, policy);
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(ceiling);
      }
    }
  });

  it('spreads over the whole range, not only its upper half (as [1, 2] x base jitter would)', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelayMs(3, policy));
    expect(delays.filter((d) => d < 1000).length).toBeGreaterThan(100);
    expect(delays.filter((d) => d > 3000).length).toBeGreaterThan(100);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(1700);
    expect(mean).toBeLessThan(2300);
  });

  it('is 0 without a base or a cap, and never NaN or Infinity after many retries', () => {
    expect(backoffDelayMs(3, { minTimeoutMs: 0, maxTimeoutMs: 0 })).toBe(0);
    expect(backoffDelayMs(5000, { minTimeoutMs: 0, maxTimeoutMs: 1000 })).toBe(0);
    expect(backoffDelayMs(5000, { minTimeoutMs: 100, maxTimeoutMs: 0 })).toBe(0);
    expect(backoffDelayMs(5000, policy, () => 0.999_999)).toBe(20_000);
    expect(backoffDelayMs(3, { minTimeoutMs: Number.NaN, maxTimeoutMs: 10 })).toBe(0);
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

  it.each([
    ['a reset socket', network('ECONNRESET', 'socket hang up')],
    ['a refused connection', network('ECONNREFUSED')],
    [
      'a resolver that could not answer',
      network('EAI_AGAIN', 'getaddrinfo EAI_AGAIN ecs.eu-west-1.amazonaws.com'),
    ],
    [
      'a request timeout',
      plain('TimeoutError', 'a request has exceeded the configured 10000 ms requestTimeout', {
        code: 'ETIMEDOUT',
      }),
    ],
  ])('retries %s, then succeeds', async (_label, error) => {
    const call = vi.fn<() => Promise<string>>().mockRejectedValueOnce(error).mockResolvedValueOnce('ok');
    await expect(callAws('reading', call, fastRetry)).resolves.toBe('ok');
    expect(call).toHaveBeenCalledTimes(2);
  });

  it('does not retry an unknown host', async () => {
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(network('ENOTFOUND'));
    const error = await caught(callAws('reading', call, fastRetry));
    expect(call).toHaveBeenCalledTimes(1);
    expect(error).toMatchObject({ name: 'AwsCallError', retryable: false });
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
    expect(error.retryable).toBe(false);
    expect(error.cause).toBe(original);
  });

  it('gives up after the policy retries, reports the throttling name, and says it was transient', async () => {
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(ecsThrottled());
    const error = await caught(callAws('reading', call, { ...fastRetry, retries: 3 }));
    expect(call).toHaveBeenCalledTimes(4);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('ThrottlingException');
    expect(error.retryable).toBe(true);
    expect(isTransientAwsError(error)).toBe(true);
  });

  it('does not retry an AwsCallError that wraps a bug, and retries one that wraps a throttle', async () => {
    const bug = vi
      .fn<() => Promise<string>>()
      .mockRejectedValue(new AwsCallError('inner', ecsError('ValidationError', 'bad')));
    expect(await caught(callAws('outer', bug, fastRetry))).toMatchObject({
      awsErrorName: 'ValidationError',
      retryable: false,
    });
    expect(bug).toHaveBeenCalledTimes(1);
    const throttled = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new AwsCallError('inner', ecsThrottled()))
      .mockResolvedValueOnce('ok');
    await expect(callAws('outer', throttled, fastRetry)).resolves.toBe('ok');
    expect(throttled).toHaveBeenCalledTimes(2);
  });

  it('still wraps a thrown non-Error (p-retry turns it into a TypeError) and keeps its text', async () => {
    const error = await caught(callAws('reading', () => Promise.reject('string failure'), fastRetry));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toContain('string failure');
    expect(error.retryable).toBe(false);
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

  it('has production defaults that back off for seconds, in at most 7 attempts within 30 s', () => {
    expect(defaultRetryPolicy.retries).toBeGreaterThanOrEqual(3);
    expect(defaultRetryPolicy.retries + 1).toBeLessThanOrEqual(7);
    expect(defaultRetryPolicy.minTimeoutMs).toBeGreaterThanOrEqual(100);
    expect(defaultRetryPolicy.maxElapsedMs).toBeLessThanOrEqual(30_000);
    expect(defaultRetryPolicy.maxElapsedMs).toBeGreaterThanOrEqual(10_000);
  });

  it('accepts the policy the simulator passes (no budget, no delays) and retries without timers', async () => {
    vi.useFakeTimers();
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(ecsThrottled());
    // Resolves without advancing the fake clock: zero delays schedule no timer at all.
    const error = await caught(callAws('reading', call, { retries: 10, minTimeoutMs: 0, maxTimeoutMs: 0 }));
    expect(call).toHaveBeenCalledTimes(11);
    expect(error.retryable).toBe(true);
  });
});

describe('callAws waits: full jitter and the time budget (virtual time)', () => {
  /** Runs callAws against `call` under fake timers; returns the virtual times of the attempts and the error. */
  async function run(policy: RetryPolicy | undefined, failure: () => unknown = ecsThrottled, callMs = 0) {
    vi.useFakeTimers();
    const start = Date.now();
    const attempts: number[] = [];
    const call = async () => {
      attempts.push(Date.now() - start);
      if (callMs > 0) await new Promise((resolve) => setTimeout(resolve, callMs));
      throw failure();
    };
    let elapsed = -1;
    const settled = caught(policy ? callAws('reading', call, policy) : callAws('reading', call)).then(
      (error) => {
        elapsed = Date.now() - start;
        return error;
      },
    );
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    const error = await settled;
    return { attempts, error, elapsed };
  }

  it('waits min(cap, base * 2^n) at most: the defaults with the highest draws stop at the 30 s budget', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999_999);
    const { attempts, error } = await run(defaultRetryPolicy);
    // Waits 0.5, 1, 2, 4, 8 s; the sixth (16 s) would end at 31.5 s, past the budget.
    expect(attempts).toEqual([0, 500, 1500, 3500, 7500, 15_500]);
    expect(error).toMatchObject({ awsErrorName: 'ThrottlingException', retryable: true });
  });

  it('retries at once with the lowest draws: 7 attempts, the defaults at most', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { attempts } = await run(defaultRetryPolicy);
    expect(attempts).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it('uses the default policy, budget included, when none is given', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999_999);
    const { attempts } = await run(undefined);
    expect(attempts).toHaveLength(6);
    expect(attempts.at(-1)).toBeLessThanOrEqual(30_000);
  });

  it('never waits more than each ceiling, whatever the draws', async () => {
    for (let round = 0; round < 20; round++) {
      const { attempts } = await run({
        retries: 6,
        minTimeoutMs: 500,
        maxTimeoutMs: 3000,
        maxElapsedMs: 60_000,
      });
      expect(attempts).toHaveLength(7);
      const waits = attempts.slice(1).map((at, i) => at - (attempts[i] ?? 0));
      waits.forEach((wait, n) => {
        expect(wait).toBeGreaterThanOrEqual(0);
        expect(wait).toBeLessThanOrEqual(Math.min(3000, 500 * 2 ** n));
      });
      vi.useRealTimers();
    }
  });

  it('gives up once the next retry would start past the budget, retries left or not', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999_999);
    const { attempts, elapsed } = await run({
      retries: 100,
      minTimeoutMs: 1000,
      maxTimeoutMs: 1000,
      maxElapsedMs: 5000,
    });
    expect(attempts).toEqual([0, 1000, 2000, 3000, 4000, 5000]);
    expect(elapsed).toBe(5000);
  });

  it('counts the time the attempts themselves take against the budget', async () => {
    vi.spyOn(Math, 'random').mockReturnValue(0.999_999_999);
    const { attempts, elapsed } = await run(
      { retries: 100, minTimeoutMs: 1000, maxTimeoutMs: 1000, maxElapsedMs: 5000 },
      ecsThrottled,
      3000,
    );
    // 0-3 s the first attempt, 4-7 s the second; a third would start at 8 s > 5 s.
    expect(attempts).toEqual([0, 4000]);
    expect(elapsed).toBe(7000);
  });

  it('fails at once with a non-transient error, budget or not', async () => {
    const { attempts, elapsed } = await run(defaultRetryPolicy, () =>
      ecsError('AccessDeniedException', 'no', 403),
    );
    expect(attempts).toEqual([0]);
    expect(elapsed).toBe(0);
  });
});

describe('callAws and the abort signal', () => {
  it('makes no attempt with a signal already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('interrupted by Ctrl-C'));
    const call = vi.fn<() => Promise<string>>().mockResolvedValue('ok');
    const error = await caught(callAws('reading', call, { ...fastRetry, signal: controller.signal }));
    expect(call).not.toHaveBeenCalled();
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({ awsErrorName: 'AbortError', retryable: false });
    expect((error.cause as Error).cause).toBe(controller.signal.reason);
    expect(isTransientAwsError(error)).toBe(false);
  });

  it('stops in the middle of a wait for a retry, without retrying', async () => {
    vi.useFakeTimers();
    const controller = new AbortController();
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(ecsThrottled());
    const settled = caught(
      callAws('reading', call, {
        retries: 6,
        minTimeoutMs: 10_000,
        maxTimeoutMs: 10_000,
        signal: controller.signal,
      }),
    );
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    await vi.advanceTimersByTimeAsync(100);
    expect(call).toHaveBeenCalledTimes(1);
    controller.abort();
    const error = await settled;
    expect(call).toHaveBeenCalledTimes(1);
    expect(error).toMatchObject({ awsErrorName: 'AbortError', retryable: false });
    // Nothing else is pending: no retry comes later either.
    await vi.advanceTimersByTimeAsync(60_000);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it('does not retry a transient failure that comes after the abort', async () => {
    const controller = new AbortController();
    const call = vi.fn<() => Promise<string>>(async () => {
      controller.abort();
      throw ecsError('ServiceUnavailableException', 'busy', 503);
    });
    const error = await caught(callAws('reading', call, { ...fastRetry, signal: controller.signal }));
    expect(call).toHaveBeenCalledTimes(1);
    expect(error).toMatchObject({ awsErrorName: 'AbortError', retryable: false });
  });

  it('keeps the SDK AbortError of a request aborted in flight, and does not retry it', async () => {
    const controller = new AbortController();
    const sdkAbort = plain('AbortError', 'Request aborted', { cause: new Error('interrupted') });
    const call = vi.fn<() => Promise<string>>(async () => {
      controller.abort();
      throw sdkAbort;
    });
    const error = await caught(callAws('reading', call, { ...fastRetry, signal: controller.signal }));
    expect(call).toHaveBeenCalledTimes(1);
    expect(error.cause).toBe(sdkAbort);
    expect(error.message).toBe('reading: Request aborted (AbortError)');
  });

  it('does not retry an AbortError even without a signal in the policy', async () => {
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(plain('AbortError', 'Request aborted'));
    await caught(callAws('reading', call, fastRetry));
    expect(call).toHaveBeenCalledTimes(1);
  });
});

describe('phaseContext and abortableClients: the signal reaches send', () => {
  function recordingPort() {
    const calls: { command: unknown; options: unknown }[] = [];
    const port = {
      send: async (command: unknown, options?: unknown) => {
        calls.push({ command, options });
        return { ok: true };
      },
    };
    return { calls, port };
  }

  it('passes the signal to every client as abortSignal, and to callAws in the policy', async () => {
    const ecs = recordingPort();
    const elbv2 = recordingPort();
    const cloudwatch = recordingPort();
    const autoScaling = recordingPort();
    const clients = {
      ecs: ecs.port,
      elbv2: elbv2.port,
      cloudwatch: cloudwatch.port,
      applicationAutoScaling: autoScaling.port,
    } as unknown as AwsClients;
    const controller = new AbortController();
    const ctx = phaseContext(clients, fastRetry, 123, controller.signal);
    expect(ctx).toMatchObject({ now: 123, signal: controller.signal });
    expect(ctx.retry).toEqual({ ...fastRetry, signal: controller.signal });
    const command = new DescribeServicesCommand({ cluster: 'demo', services: ['web'] });
    for (const port of [ctx.aws.ecs, ctx.aws.elbv2, ctx.aws.cloudwatch, ctx.aws.applicationAutoScaling]) {
      await (port as unknown as { send(c: unknown): Promise<unknown> }).send(command);
    }
    for (const recorded of [ecs, elbv2, cloudwatch, autoScaling]) {
      expect(recorded.calls).toEqual([{ command, options: { abortSignal: controller.signal } }]);
    }
  });

  it('keeps absent optional clients absent, and changes nothing without a signal', () => {
    const { port } = recordingPort();
    const clients = { ecs: port, elbv2: port } as unknown as AwsClients;
    const wrapped = abortableClients(clients, new AbortController().signal);
    expect(Object.keys(wrapped).sort()).toEqual(['ecs', 'elbv2']);
    expect(wrapped.cloudwatch).toBeUndefined();
    const ctx = phaseContext(clients, fastRetry, 1);
    expect(ctx.aws).toBe(clients);
    expect(ctx.retry).toBe(fastRetry);
    expect(ctx.signal).toBeUndefined();
  });

  it('works with real SDK clients (mocked): the command still arrives', async () => {
    aws.ecs.on(DescribeServicesCommand).resolves({ services: [], failures: [] });
    const ctx = phaseContext(aws.clients, fastRetry, 1, new AbortController().signal);
    const output = await callAws(
      'describing',
      () => ctx.aws.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] })),
      ctx.retry,
    );
    expect(output.services).toEqual([]);
    expect(aws.ecs).toHaveReceivedCommandTimes(DescribeServicesCommand, 1);
  });
});

describe('awsClientConfig', () => {
  it('turns the SDK retries off and sets connection and request timeouts that throw', () => {
    const config = awsClientConfig();
    expect(config.maxAttempts).toBe(1);
    expect(config.requestHandler.connectionTimeout).toBeGreaterThan(0);
    expect(config.requestHandler.requestTimeout).toBeGreaterThan(0);
    expect(config.requestHandler.socketTimeout).toBeGreaterThan(0);
    expect(config.requestHandler.throwOnRequestTimeout).toBe(true);
    // Worst case of one call: the budget, then one last attempt up to its request timeout.
    expect((defaultRetryPolicy.maxElapsedMs ?? 0) + config.requestHandler.requestTimeout).toBeLessThanOrEqual(
      45_000,
    );
  });

  it('is a fresh object each time: clients never share a handler config', () => {
    const a = awsClientConfig();
    const b = awsClientConfig();
    expect(a).toEqual(b);
    expect(a.requestHandler).not.toBe(b.requestHandler);
  });
});
