/**
 * One retry layer, through the real SDK (issue #12): the CLI's own clients (createAwsClients) against a
 * local HTTP server on 127.0.0.1 that answers like ECS on a bad day. The SDK makes one attempt per
 * call; callAws retries, so at most `retries + 1` requests reach the server, within the time budget.
 * The waits are shrunk through the policy; loopback only, every test bounded.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DescribeServicesCommand, type ECSClient } from '@aws-sdk/client-ecs';
import type { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { AwsCallError, type AwsClients, type RetryPolicy } from '@ecs-taper/core';
import { awsClientConfig, callAws, defaultRetryPolicy, phaseContext } from '@ecs-taper/core/workflow';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAwsClients } from '../src/aws-clients';

interface FakeEndpoint {
  url: string;
  /** When each request arrived (ms since the server started). */
  requests: number[];
  /** Requests whose connection closed before an answer was sent. */
  closedUnanswered: number;
  close(): Promise<void>;
}

async function endpoint(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<FakeEndpoint> {
  const started = Date.now();
  const state: FakeEndpoint = { url: '', requests: [], closedUnanswered: 0, close: async () => {} };
  const server: Server = createServer((req, res) => {
    state.requests.push(Date.now() - started);
    res.on('close', () => {
      if (!res.writableEnded) state.closedUnanswered++;
    });
    req.resume();
    answer(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  };
  return state;
}

/** What ECS answers when it is overloaded: 503 with an awsJson1_1 error body. */
const unavailable = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(503, {
    'content-type': 'application/x-amz-json-1.1',
    'x-amzn-requestid': 'req-503',
  });
  res.end(JSON.stringify({ __type: 'ServiceUnavailableException', message: 'Service Unavailable' }));
};

/** A connection torn down mid-request: the client sees ECONNRESET, "socket hang up". */
const reset = (req: IncomingMessage) => {
  req.socket.destroy();
};

/** Never answers. */
const hang = () => {};

const describeServices = (clients: AwsClients) => () =>
  clients.ecs.send(new DescribeServicesCommand({ cluster: 'demo', services: ['web'] }));

/** The default policy's attempts, with waits of milliseconds instead of seconds. */
const shortWaits: RetryPolicy = { retries: 6, minTimeoutMs: 5, maxTimeoutMs: 40, maxElapsedMs: 30_000 };

let server: FakeEndpoint | undefined;
let clients: AwsClients | undefined;

async function cliClients(answer: (req: IncomingMessage, res: ServerResponse) => void): Promise<AwsClients> {
  server = await endpoint(answer);
  // The SDK reads the per-service endpoint itself (the emulator setup the CLI documents).
  vi.stubEnv('AWS_ENDPOINT_URL_ECS', server.url);
  clients = await createAwsClients({ region: 'eu-west-1' });
  return clients;
}

beforeEach(() => {
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'secret');
  vi.stubEnv('AWS_SESSION_TOKEN', '');
  vi.stubEnv('AWS_CONFIG_FILE', '/nonexistent/ecs-taper-test/config');
  vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', '/nonexistent/ecs-taper-test/credentials');
  // An environment asking the SDK for more attempts must not bring its retries back.
  vi.stubEnv('AWS_MAX_ATTEMPTS', '10');
});

afterEach(async () => {
  for (const client of Object.values(clients ?? {})) (client as { destroy?: () => void }).destroy?.();
  clients = undefined;
  await server?.close();
  server = undefined;
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

async function timed<T>(promise: Promise<T>): Promise<{ error: AwsCallError; ms: number }> {
  const started = Date.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as AwsCallError, ms: Date.now() - started };
  }
  throw new Error('expected the call to fail');
}

describe('the CLI clients against an endpoint that always answers 503', () => {
  it('send at most retries + 1 = 7 requests, the SDK adding none, well within 30 s', async () => {
    const aws = await cliClients(unavailable);
    const { error, ms } = await timed(callAws('describing service web', describeServices(aws), shortWaits));

    expect(server?.requests).toHaveLength(7);
    expect(ms).toBeLessThan(30_000);
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error).toMatchObject({
      awsErrorName: 'ServiceUnavailableException',
      httpStatusCode: 503,
      requestId: 'req-503',
      retryable: true,
    });
    expect(error.message).toBe('describing service web: Service Unavailable (ServiceUnavailableException)');
  });

  it('send at most 7 requests with the default policy (its lowest draws: no waits at all)', async () => {
    const aws = await cliClients(unavailable);
    vi.spyOn(Math, 'random').mockReturnValue(0);
    await timed(callAws('describing service web', describeServices(aws), defaultRetryPolicy));
    expect(server?.requests).toHaveLength(7);
  });

  it('stop once the next retry would pass the time budget, retries left or not', async () => {
    const aws = await cliClients(unavailable);
    // Every wait ~200 ms; a budget of 500 ms leaves room for one or two of them, not six.
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const policy = { retries: 6, minTimeoutMs: 200, maxTimeoutMs: 200, maxElapsedMs: 500 };
    const { error, ms } = await timed(callAws('describing service web', describeServices(aws), policy));

    const requests = server?.requests ?? [];
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(requests.length).toBeLessThanOrEqual(3);
    // No request starts past the budget; the last one only has to answer.
    expect((requests.at(-1) ?? 0) - (requests[0] ?? 0)).toBeLessThanOrEqual(500);
    expect(ms).toBeLessThan(2_000);
    expect(error.retryable).toBe(true);
  });
});

describe('the CLI clients against an endpoint that resets the connection', () => {
  it('retry the socket hang up like any transient error: 7 requests, then a retryable TimeoutError', async () => {
    const aws = await cliClients(reset);
    const { error, ms } = await timed(callAws('describing service web', describeServices(aws), shortWaits));

    expect(server?.requests).toHaveLength(7);
    expect(ms).toBeLessThan(30_000);
    expect(error).toMatchObject({ awsErrorName: 'TimeoutError', retryable: true });
    expect(error.cause).toMatchObject({ code: 'ECONNRESET', message: 'socket hang up' });
  });
});

describe('the abort signal, through phaseContext, reaches the real request', () => {
  it('aborts a request in flight, and does not retry it', async () => {
    const aws = await cliClients(hang);
    const controller = new AbortController();
    const ctx = phaseContext(aws, shortWaits, Date.now(), controller.signal);
    const settled = timed(callAws('describing service web', describeServices(ctx.aws), ctx.retry));
    await vi.waitFor(() => expect(server?.requests).toHaveLength(1), { timeout: 5_000, interval: 5 });
    controller.abort(new Error('interrupted by Ctrl-C'));
    const { error, ms } = await settled;

    expect(error).toMatchObject({ awsErrorName: 'AbortError', retryable: false });
    expect(ms).toBeLessThan(5_000);
    await vi.waitFor(() => expect(server?.closedUnanswered).toBe(1), { timeout: 2_000, interval: 5 });
    expect(server?.requests).toHaveLength(1);
  });

  it('cuts the wait for a retry short', async () => {
    const aws = await cliClients(unavailable);
    const controller = new AbortController();
    const patient = { retries: 6, minTimeoutMs: 10_000, maxTimeoutMs: 10_000, maxElapsedMs: 60_000 };
    vi.spyOn(Math, 'random').mockReturnValue(0.999);
    const ctx = phaseContext(aws, patient, Date.now(), controller.signal);
    const settled = timed(callAws('describing service web', describeServices(ctx.aws), ctx.retry));
    await vi.waitFor(() => expect(server?.requests).toHaveLength(1), { timeout: 5_000, interval: 5 });
    setTimeout(() => controller.abort(), 50);
    const { error, ms } = await settled;

    expect(ms).toBeLessThan(3_000);
    expect(error).toMatchObject({ awsErrorName: 'AbortError', retryable: false });
    expect(server?.requests).toHaveLength(1);
  });
});

describe('the CLI clients time out', () => {
  it('a request that gets no answer fails after the request timeout as a retryable TimeoutError', async () => {
    const aws = await cliClients(hang);
    const { requestTimeout } = awsClientConfig().requestHandler;
    const once = { retries: 0, minTimeoutMs: 0, maxTimeoutMs: 0 };
    const { error, ms } = await timed(callAws('describing service web', describeServices(aws), once));

    expect(error).toMatchObject({ awsErrorName: 'TimeoutError', retryable: true });
    expect(ms).toBeGreaterThanOrEqual(requestTimeout - 100);
    expect(ms).toBeLessThan(requestTimeout + 5_000);
    expect(server?.requests).toHaveLength(1);
  }, 25_000);

  it('every client is made with one attempt per call', async () => {
    const aws = await cliClients(unavailable);
    const made = [aws.ecs, aws.elbv2, aws.cloudwatch, aws.applicationAutoScaling] as (
      | ECSClient
      | ElasticLoadBalancingV2Client
      | CloudWatchClient
      | ApplicationAutoScalingClient
    )[];
    for (const client of made) expect(await client.config.maxAttempts()).toBe(1);
  });
});
