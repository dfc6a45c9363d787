import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HookContext } from '../../src/steps/hook-port';
import { httpHook, httpHookUnsupported } from '../../src/steps/http-hook';

const context: HookContext = {
  deploymentId: 'dep-1',
  stage: 'before-swap',
  cluster: 'c',
  service: 's',
  taskDefinition: 'td:2',
  testListenerArn: 'arn:test',
  productionListenerArns: ['arn:prod'],
  oldTargetGroupArn: 'arn:old',
  newTargetGroupArn: 'arn:new',
};

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const routes = new Map<string, Handler>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => routes.get(req.url ?? '')?.(req, body, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('httpHook', () => {
  it('POSTs the stage and the context as JSON and passes on a 2xx answer', async () => {
    let seen: { method?: string; type?: string; body?: unknown } = {};
    routes.set('/ok?token=secret', (req, body, res) => {
      seen = { method: req.method, type: req.headers['content-type'], body: JSON.parse(body) };
      res.writeHead(204).end();
    });
    const result = await httpHook(`${base}/ok?token=secret`, context, { timeoutSeconds: 5 });
    expect(result).toEqual({ ok: true, detail: 'HTTP 204 No Content' });
    expect(seen).toEqual({
      method: 'POST',
      type: 'application/json',
      body: { stage: 'before-swap', context },
    });
  });

  it('fails on a 500 with the start of the body, on one line, without the URL', async () => {
    routes.set('/fail?token=secret', (_req, _body, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('smoke test failed:\n  3 of 10 requests\n');
    });
    const result = await httpHook(`${base}/fail?token=secret`, context, { timeoutSeconds: 5 });
    expect(result).toEqual({
      ok: false,
      detail: 'HTTP 500 Internal Server Error: smoke test failed: 3 of 10 requests',
    });
    expect(result.detail).not.toContain('secret');
  });

  it('bounds the body it reads from a failing answer', async () => {
    routes.set('/big', (_req, _body, res) => {
      res.writeHead(503);
      res.end('x'.repeat(100_000));
    });
    const result = await httpHook(`${base}/big`, context, { timeoutSeconds: 5 });
    expect(result.ok).toBe(false);
    expect(result.detail.length).toBeLessThan(600);
    expect(result.detail).toMatch(/^HTTP 503 Service Unavailable: x+ \.\.\.$/);
  });

  it('does not follow a redirect', async () => {
    routes.set('/moved', (_req, _body, res) => {
      res.writeHead(302, { location: '/ok' }).end();
    });
    const result = await httpHook(`${base}/moved`, context, { timeoutSeconds: 5 });
    expect(result).toEqual({ ok: false, detail: 'HTTP 302 Found (redirects are not followed)' });
  });

  it('times out against a server that never answers', async () => {
    routes.set('/hang', () => {});
    const started = Date.now();
    const result = await httpHook(`${base}/hang`, context, { timeoutSeconds: 0.3 });
    expect(result).toEqual({ ok: false, detail: 'timed out after 0.3 s' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('times out when the body never ends', async () => {
    routes.set('/slow-body', (_req, _body, res) => {
      res.writeHead(500);
      res.write('partial');
    });
    const result = await httpHook(`${base}/slow-body`, context, { timeoutSeconds: 0.3 });
    expect(result).toEqual({ ok: false, detail: 'timed out after 0.3 s' });
  });

  it('stops when the run is aborted', async () => {
    routes.set('/hang-abort', () => {});
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const result = await httpHook(`${base}/hang-abort`, context, {
      timeoutSeconds: 30,
      signal: controller.signal,
    });
    expect(result).toEqual({ ok: false, detail: 'aborted' });
  });

  it('fails when nothing listens, naming the network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const result = await httpHook(`http://127.0.0.1:${port}/x`, context, { timeoutSeconds: 5 });
    expect(result.ok).toBe(false);
    expect(result.detail).toMatch(/^request failed: ECONNREFUSED/);
  });
});

describe('httpHookUnsupported', () => {
  it('accepts http and https URLs', () => {
    expect(httpHookUnsupported('https://example.com/hook')).toBeUndefined();
    expect(httpHookUnsupported('http://10.0.0.1:8080/')).toBeUndefined();
  });

  it('refuses anything else, saying why', () => {
    expect(httpHookUnsupported('example.com/hook')).toBe('the hook url is not an absolute URL');
    expect(httpHookUnsupported('file:///etc/passwd')).toBe('the hook url must be http or https, not file');
  });
});
