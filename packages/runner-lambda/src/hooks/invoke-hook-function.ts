import { setTimeout as sleep } from 'node:timers/promises';
import type { InvokeCommand, InvokeCommandOutput } from '@aws-sdk/client-lambda';
import type { HookContext, HookResult } from '@ecs-taper/core';
import { hookPayload } from '@ecs-taper/core/workflow';

/** The Lambda client a function hook needs: a `LambdaClient`, or anything with its `send`. */
export interface LambdaPort {
  send(command: InvokeCommand, options?: { abortSignal?: AbortSignal }): Promise<InvokeCommandOutput>;
}

export interface InvokeHookOptions {
  timeoutSeconds: number;
  signal?: AbortSignal;
}

/**
 * The client settings for hook invocations: one attempt per request (the SDK's retry of a 5xx or a
 * timeout would run the hook twice), and a request timeout past the longest hook, which each
 * invocation bounds itself with its own timeout.
 */
export function hookLambdaClientConfig(maxTimeoutSeconds: number) {
  const waitMs = (maxTimeoutSeconds + 10) * 1000;
  return {
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: waitMs, socketTimeout: waitMs },
  };
}

/** Throttled before the function ran: safe to ask again. Nothing else is retried. */
const throttled = new Set(['TooManyRequestsException', 'EC2ThrottledException']);
const throttleRetryDelaysMs = [1_000, 2_000, 4_000];

/**
 * The function hook contract. The function is invoked synchronously (RequestResponse) with the JSON
 * `{ stage, context }` (`hookPayload`: the same body a URL hook gets). It passes the hook by returning
 * anything (or nothing), and fails it by throwing (the invocation's FunctionError) or by returning
 * `{ ok: false, reason?: string }`. A hook that takes longer than its timeout fails; the function itself
 * is not stopped (Lambda has no cancel) and runs on until it returns or its own timeout.
 */
export async function invokeHookFunction(
  lambda: LambdaPort,
  functionName: string,
  context: HookContext,
  options: InvokeHookOptions,
): Promise<HookResult> {
  const timeout = AbortSignal.timeout(options.timeoutSeconds * 1000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const { InvokeCommand } = await import('@aws-sdk/client-lambda');
  const command = new InvokeCommand({
    FunctionName: functionName,
    InvocationType: 'RequestResponse',
    Payload: new TextEncoder().encode(JSON.stringify(hookPayload(context))),
  });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        return functionResult(
          functionName,
          await untilAborted(lambda.send(command, { abortSignal: signal }), signal),
        );
      } catch (error) {
        const delay = throttleRetryDelaysMs[attempt];
        if (signal.aborted || delay === undefined || !throttled.has(errorName(error))) throw error;
        await sleep(delay, undefined, { signal });
      }
    }
  } catch (error) {
    if (timeout.aborted) {
      return {
        ok: false,
        detail: `timed out after ${options.timeoutSeconds} s waiting for ${functionName} (the function runs on until its own timeout)`,
      };
    }
    if (options.signal?.aborted) return { ok: false, detail: 'aborted' };
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, detail: `invoking ${functionName} failed: ${errorName(error)}: ${oneLine(message)}` };
  }
}

function functionResult(functionName: string, output: InvokeCommandOutput): HookResult {
  const payload = parsePayload(output.Payload);
  if (output.FunctionError) {
    const { errorType, errorMessage } = (payload ?? {}) as { errorType?: unknown; errorMessage?: unknown };
    const what = [errorType, errorMessage].filter((part) => typeof part === 'string' && part).join(': ');
    return { ok: false, detail: `${functionName} failed: ${clip(oneLine(what || output.FunctionError))}` };
  }
  if (payload && typeof payload === 'object' && (payload as { ok?: unknown }).ok === false) {
    const reason = (payload as { reason?: unknown }).reason;
    const why = typeof reason === 'string' && reason ? `: ${clip(oneLine(reason))}` : '';
    return { ok: false, detail: `${functionName} returned ok: false${why}` };
  }
  return { ok: true, detail: `${functionName} returned` };
}

/** The function's JSON answer, or undefined when there is none or it is not JSON (still a pass). */
function parsePayload(payload: Uint8Array | undefined): unknown {
  if (!payload || payload.byteLength === 0) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(payload));
  } catch {
    return undefined;
  }
}

/** The SDK rejects a request whose signal aborts; a port that does not must not hold the hook past its timeout. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function errorName(error: unknown): string {
  return (error as { name?: string } | undefined)?.name ?? 'Error';
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function clip(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)} ...` : text;
}
