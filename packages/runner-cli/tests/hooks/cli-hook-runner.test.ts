import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HookContext, HookRunner } from '@ecs-taper/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHookRunner } from '../../src/hooks/cli-hook-runner';

const context: HookContext = {
  deploymentId: 'dep-1',
  stage: 'before-swap',
  cluster: 'prod',
  service: 'api',
  taskDefinition: 'api:7',
  testListenerArn: 'arn:test',
  productionListenerArns: ['arn:prod-1', 'arn:prod-2'],
  oldTargetGroupArn: 'arn:old',
  newTargetGroupArn: 'arn:new',
  testListenerPort: 8080,
};

/** Running, as opposed to gone or a zombie nobody reaped (a container's PID 1 may not reap). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

function pidFrom(lines: string[], name: string): number {
  const line = lines.find((l) => l.startsWith(`[before-swap] ${name}=`));
  if (!line) throw new Error(`no ${name}= line in ${JSON.stringify(lines)}`);
  return Number(line.split('=')[1]);
}

function runner(lines: string[] = [], killGraceSeconds = 0.5): HookRunner {
  return cliHookRunner({ onOutput: (line) => lines.push(line), killGraceSeconds });
}

describe('cliHookRunner: command hooks', () => {
  it('passes on exit code 0 and streams the output lines, prefixed by the stage', async () => {
    const lines: string[] = [];
    const result = await runner(lines).run({ command: 'echo one; echo two >&2; printf three' }, context);
    expect(result).toEqual({ ok: true, detail: 'exit code 0' });
    expect(lines.sort()).toEqual(['[before-swap] one', '[before-swap] three', '[before-swap] two']);
  });

  it('fails on exit code 3 with the last three lines of its output', async () => {
    const command = 'for i in 1 2 3 4; do echo "line $i"; done; echo "fatal: smoke test failed" >&2; exit 3';
    const result = await runner().run({ command }, context);
    expect(result).toEqual({
      ok: false,
      detail: 'exit code 3: line 3 | line 4 | fatal: smoke test failed',
    });
  });

  it('keeps only a bounded tail of a large output', async () => {
    const lines: string[] = [];
    // 200,000 lines, then one 1 MB line without a newline.
    const command = "seq 1 200000; head -c 1000000 /dev/zero | tr '\\0' x; exit 1";
    const result = await cliHookRunner({ onOutput: (l) => lines.push(l) }).run({ command }, context);
    expect(result.ok).toBe(false);
    expect(result.detail.length).toBeLessThan(800);
    expect(result.detail).toMatch(/^exit code 1: x{200} \.\.\. \| x{200} \.\.\. \| x{200} \.\.\.$/);
    expect(lines).toHaveLength(200_000 + Math.ceil(1_000_000 / 8192));
    expect(lines[199_999]).toBe('[before-swap] 200000');
  });

  it('gives the context only through the environment, never through the shell', async () => {
    const lines: string[] = [];
    const hostile = { ...context, reason: '$(echo injected); `echo injected` "\' && exit 9' };
    const command = [
      'echo "id=$ECS_TAPER_DEPLOYMENT_ID stage=$ECS_TAPER_STAGE port=$ECS_TAPER_TEST_LISTENER_PORT"',
      'echo "prod=$ECS_TAPER_PRODUCTION_LISTENER_ARNS"',
      'echo "base=$BASE_VAR"',
      'printf "reason=%s\\n" "$ECS_TAPER_REASON"',
      'printf "%s" "$ECS_TAPER_CONTEXT" > /dev/null',
    ].join('; ');
    const hooks = cliHookRunner({
      onOutput: (l) => lines.push(l),
      env: { ...process.env, BASE_VAR: 'kept' },
    });
    const result = await hooks.run({ command }, hostile);
    expect(result).toEqual({ ok: true, detail: 'exit code 0' });
    expect(lines).toEqual([
      '[before-swap] id=dep-1 stage=before-swap port=8080',
      '[before-swap] prod=arn:prod-1,arn:prod-2',
      '[before-swap] base=kept',
      `[before-swap] reason=${hostile.reason}`,
    ]);
  });

  it('passes the whole context as JSON in ECS_TAPER_CONTEXT', async () => {
    const lines: string[] = [];
    await runner(lines).run({ command: 'printf "%s\\n" "$ECS_TAPER_CONTEXT"' }, context);
    expect(JSON.parse((lines[0] ?? '').replace('[before-swap] ', ''))).toEqual(context);
  });

  it('on timeout kills a command that ignores SIGTERM, within the timeout plus the grace time', async () => {
    const lines: string[] = [];
    const started = Date.now();
    const command = `echo pid=$$; sh -c 'trap "" TERM; echo inner=$$; sleep 60'`;
    const result = await runner(lines, 0.5).run({ command, timeoutSeconds: 0.5 }, context);
    const elapsed = Date.now() - started;
    expect(result).toEqual({
      ok: false,
      detail: expect.stringMatching(/^timed out after 0\.5 s: pid=\d+ \| inner=\d+$/),
    });
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(2_500);
    expect(running(pidFrom(lines, 'pid'))).toBe(false);
    expect(running(pidFrom(lines, 'inner'))).toBe(false);
  });

  it('on timeout kills a backgrounded child too', async () => {
    const lines: string[] = [];
    const command = 'sleep 60 & echo child=$!; sleep 60 >/dev/null 2>&1 & echo quiet=$!; wait';
    const result = await runner(lines).run({ command, timeoutSeconds: 0.3 }, context);
    expect(result.detail).toMatch(/^timed out after 0\.3 s/);
    expect(running(pidFrom(lines, 'child'))).toBe(false);
    expect(running(pidFrom(lines, 'quiet'))).toBe(false);
  });

  it('ends what a command left running in the background when it exits', async () => {
    const lines: string[] = [];
    const command = `sh -c 'trap "" TERM; sleep 60' >/dev/null 2>&1 & echo child=$!; sleep 60 & echo other=$!; exit 0`;
    const started = Date.now();
    const result = await runner(lines, 0.5).run({ command }, context);
    expect(result).toEqual({ ok: true, detail: 'exit code 0' });
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(running(pidFrom(lines, 'child'))).toBe(false);
    expect(running(pidFrom(lines, 'other'))).toBe(false);
  });

  it('stops the command when the run is aborted', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const result = await runner(lines).run({ command: 'echo pid=$$; sleep 60' }, context, controller.signal);
    expect(result).toEqual({ ok: false, detail: expect.stringMatching(/^aborted: pid=\d+$/) });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(running(pidFrom(lines, 'pid'))).toBe(false);
  });

  it('does not start a command when the run is already aborted', async () => {
    const lines: string[] = [];
    const result = await runner(lines).run({ command: 'echo ran' }, context, AbortSignal.abort());
    expect(result).toEqual({ ok: false, detail: 'aborted' });
    expect(lines).toEqual([]);
  });

  it('reports a command killed by a signal it did not get from us', async () => {
    const result = await runner().run({ command: 'echo bye; kill -SEGV $$' }, context);
    expect(result).toEqual({ ok: false, detail: 'killed by SIGSEGV: bye' });
  });

  it('fails, saying why, when the shell cannot be started', async () => {
    const result = await cliHookRunner({ shell: '/nonexistent/sh' }).run({ command: 'true' }, context);
    expect(result).toEqual({
      ok: false,
      detail: expect.stringMatching(/^could not start \/nonexistent\/sh: .*ENOENT/),
    });
  });
});

describe('cliHookRunner: url hooks', () => {
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === '/ok') res.writeHead(200).end('fine');
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
    expect(await runner().run({ url: `${base}/ok` }, context)).toEqual({ ok: true, detail: 'HTTP 200 OK' });
  });

  it('fails on a 500', async () => {
    expect(await runner().run({ url: `${base}/fail` }, context)).toEqual({
      ok: false,
      detail: 'HTTP 500 Internal Server Error: broken',
    });
  });

  it('times out against a server that never answers', async () => {
    expect(await runner().run({ url: `${base}/hang`, timeoutSeconds: 0.3 }, context)).toEqual({
      ok: false,
      detail: 'timed out after 0.3 s',
    });
  });
});

describe('cliHookRunner: unsupported and function hooks', () => {
  it('supports commands and http(s) URLs', () => {
    const hooks = runner();
    expect(hooks.unsupported({ command: './smoke.sh' })).toBeUndefined();
    expect(hooks.unsupported({ url: 'https://hooks.example.com/x' })).toBeUndefined();
    expect(hooks.unsupported({ command: '  ' })).toBe('the hook command is empty');
    expect(hooks.unsupported({ url: 'ftp://x' })).toBe('the hook url must be http or https, not ftp');
    expect(hooks.unsupported({})).toBe('a hook needs one of command, functionName or url');
  });

  it('refuses a function hook when no function runner is given', () => {
    expect(runner().unsupported({ functionName: 'smoke' })).toMatch(/cannot invoke a Lambda function/);
  });

  it('hands function hooks to the function runner it is given', async () => {
    const calls: unknown[] = [];
    const functionHooks: HookRunner = {
      unsupported: (spec) => (spec.functionName === 'bad' ? 'nope' : undefined),
      run: async (spec, ctx) => {
        calls.push([spec, ctx.stage]);
        return { ok: true, detail: 'smoke returned' };
      },
    };
    const hooks = cliHookRunner({ functionHooks });
    expect(hooks.unsupported({ functionName: 'bad' })).toBe('nope');
    expect(await hooks.run({ functionName: 'smoke' }, context)).toEqual({
      ok: true,
      detail: 'smoke returned',
    });
    expect(calls).toEqual([[{ functionName: 'smoke' }, 'before-swap']]);
  });
});
