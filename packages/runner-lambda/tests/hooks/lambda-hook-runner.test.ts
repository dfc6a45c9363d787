import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  InvokeCommand,
  type InvokeCommandOutput,
  LambdaClient,
  ResourceNotFoundException,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import type { HookContext } from '@ecs-taper/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { functionTimeoutSeconds } from '../../src/asl/build-state-machine';
import { handlerDeadlineMarginMs } from '../../src/handlers/run-phase';
import type { LambdaPort } from '../../src/hooks/invoke-hook-function';
import { lambdaHookRunner, lambdaHookTimeoutMaxSeconds } from '../../src/hooks/lambda-hook-runner';

const context: HookContext = {
  deploymentId: 'dep-1',
  stage: 'after-swap',
  cluster: 'prod',
  service: 'api',
  taskDefinition: 'api:7',
  testListenerArn: 'arn:test',
  productionListenerArns: ['arn:prod'],
  oldTargetGroupArn: 'arn:old',
  newTargetGroupArn: 'arn:new',
};

const lambda = mockClient(LambdaClient);
const client = new LambdaClient({
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
});
const hooks = lambdaHookRunner({ lambda: () => client });

type Payload = InvokeCommandOutput['Payload'];
/** The SDK hands back a Uint8Array with helpers; the runner reads only the bytes. */
const bytes = (text: string) => new TextEncoder().encode(text) as Payload;
const json = (value: unknown) => bytes(JSON.stringify(value));

beforeEach(() => {
  lambda.reset();
});

describe('lambdaHookRunner: function hooks', () => {
  it('invokes the function synchronously with the stage and the context, and passes on any answer', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: json({ checked: 12 }) });
    expect(await hooks.run({ functionName: 'smoke' }, context)).toEqual({
      ok: true,
      detail: 'smoke returned',
    });
    const [call] = lambda.commandCalls(InvokeCommand);
    const input = call?.args[0].input;
    expect(input).toMatchObject({ FunctionName: 'smoke', InvocationType: 'RequestResponse' });
    expect(JSON.parse(new TextDecoder().decode(input?.Payload as Uint8Array))).toEqual({
      stage: 'after-swap',
      context,
    });
  });

  it('passes on no answer, null, a non-JSON answer and { ok: true }', async () => {
    for (const Payload of [undefined, json(null), bytes('not json'), json({ ok: true })]) {
      lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload });
      expect(await hooks.run({ functionName: 'smoke' }, context)).toEqual({
        ok: true,
        detail: 'smoke returned',
      });
    }
  });

  it('fails when the function threw (FunctionError), with its error', async () => {
    lambda.on(InvokeCommand).resolves({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: json({ errorType: 'SmokeError', errorMessage: '3 of 10\nrequests failed', trace: ['at x'] }),
    });
    expect(await hooks.run({ functionName: 'smoke' }, context)).toEqual({
      ok: false,
      detail: 'smoke failed: SmokeError: 3 of 10 requests failed',
    });
  });

  it('fails with the FunctionError alone when the payload says nothing', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, FunctionError: 'Unhandled' });
    expect(await hooks.run({ functionName: 'smoke' }, context)).toEqual({
      ok: false,
      detail: 'smoke failed: Unhandled',
    });
  });

  it('fails when the function returns { ok: false }, with its reason', async () => {
    lambda
      .on(InvokeCommand)
      .resolves({ StatusCode: 200, Payload: json({ ok: false, reason: 'p99 latency 2.3 s' }) });
    expect(await hooks.run({ functionName: 'smoke' }, context)).toEqual({
      ok: false,
      detail: 'smoke returned ok: false: p99 latency 2.3 s',
    });
    lambda.on(InvokeCommand).resolves({ StatusCode: 200, Payload: json({ ok: false }) });
    expect(await hooks.run({ functionName: 'smoke' }, context)).toEqual({
      ok: false,
      detail: 'smoke returned ok: false',
    });
  });

  it('fails when the invocation fails, naming the AWS error', async () => {
    lambda
      .on(InvokeCommand)
      .rejects(new ResourceNotFoundException({ message: 'Function not found: smoke', $metadata: {} }));
    expect(await hooks.run({ functionName: 'smoke' }, context)).toEqual({
      ok: false,
      detail: 'invoking smoke failed: ResourceNotFoundException: Function not found: smoke',
    });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(1);
  });

  it('asks again after throttling (the function did not run), nothing else', async () => {
    lambda
      .on(InvokeCommand)
      .rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }))
      .resolves({ StatusCode: 200 });
    expect(await hooks.run({ functionName: 'smoke' }, context)).toEqual({
      ok: true,
      detail: 'smoke returned',
    });
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(2);
  });

  it('times out when the function takes longer than the hook may', async () => {
    lambda.on(InvokeCommand).callsFake(() => new Promise(() => {}));
    const started = Date.now();
    expect(await hooks.run({ functionName: 'smoke', timeoutSeconds: 0.2 }, context)).toEqual({
      ok: false,
      detail: 'timed out after 0.2 s waiting for smoke (the function runs on until its own timeout)',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('stops waiting when the run is aborted', async () => {
    lambda.on(InvokeCommand).callsFake(() => new Promise(() => {}));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    expect(
      await hooks.run({ functionName: 'smoke', timeoutSeconds: 30 }, context, controller.signal),
    ).toEqual({
      ok: false,
      detail: 'aborted',
    });
  });
});

describe('lambdaHookRunner: url hooks', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') res.writeHead(202).end();
      else if (req.url === '/fail') res.writeHead(500).end('broken');
      // '/hang': never answers.
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('passes on a 2xx answer', async () => {
    expect(await hooks.run({ url: `${base}/ok` }, context)).toEqual({
      ok: true,
      detail: 'HTTP 202 Accepted',
    });
  });

  it('fails on a 500', async () => {
    expect(await hooks.run({ url: `${base}/fail` }, context)).toEqual({
      ok: false,
      detail: 'HTTP 500 Internal Server Error: broken',
    });
  });

  it('times out against a server that never answers', async () => {
    expect(await hooks.run({ url: `${base}/hang`, timeoutSeconds: 0.3 }, context)).toEqual({
      ok: false,
      detail: 'timed out after 0.3 s',
    });
  });
});

describe('lambdaHookRunner: unsupported', () => {
  it('refuses a shell command', () => {
    expect(hooks.unsupported({ command: './smoke.sh' })).toBe(
      'a shell command needs the CLI runner; use functionName or url',
    );
  });

  it('refuses a timeout above 90 s, saying why, and accepts 90', () => {
    expect(hooks.unsupported({ functionName: 'smoke', timeoutSeconds: 90 })).toBeUndefined();
    expect(hooks.unsupported({ url: 'https://example.com/hook', timeoutSeconds: 91 })).toMatch(
      /^timeoutSeconds 91 is above the 90 s a hook may take in the Lambda runner \(a hook runs inside one phase invocation/,
    );
  });

  it('accepts functions and http(s) URLs and nothing else', () => {
    expect(
      hooks.unsupported({ functionName: 'arn:aws:lambda:us-east-1:123456789012:function:smoke' }),
    ).toBeUndefined();
    expect(hooks.unsupported({ url: 'https://example.com/hook' })).toBeUndefined();
    expect(hooks.unsupported({ url: 'not a url' })).toBe('the hook url is not an absolute URL');
    expect(hooks.unsupported({ functionName: '' })).toBe('functionName is empty');
    expect(hooks.unsupported({})).toBe('a hook needs one of command, functionName or url');
  });

  it('keeps 90 s within the handler time left after the phase work', () => {
    expect(lambdaHookTimeoutMaxSeconds).toBe(90);
    expect(lambdaHookTimeoutMaxSeconds + 20).toBeLessThanOrEqual(
      functionTimeoutSeconds - handlerDeadlineMarginMs / 1000,
    );
  });

  it('takes a real LambdaClient as its port', () => {
    const port: LambdaPort = new LambdaClient({});
    expect(port).toBeDefined();
  });
});
