import type { HookContext, HookResult } from './hook-port';

/**
 * The URL hook, shared by every runner: one HTTP POST of `hookPayload(context)` as JSON, with only
 * global `fetch` (no SDK). The hook passes on any 2xx answer and fails on anything else, on a network
 * error and when the answer (headers and body) takes longer than its timeout. Redirects are not
 * followed: a redirected POST becomes a GET in fetch, which the endpoint would not expect.
 *
 * The request carries no credentials; an endpoint that needs a secret takes it in the URL, and the URL
 * is never repeated in the result's detail or the logs for that reason.
 */
export interface HttpHookOptions {
  timeoutSeconds: number;
  /** The run's signal: aborting it aborts the request in flight. */
  signal?: AbortSignal;
}

/** What a Lambda function or an HTTP endpoint receives: the stage and the whole context. */
export interface HookPayload {
  stage: HookContext['stage'];
  context: HookContext;
}

export function hookPayload(context: HookContext): HookPayload {
  return { stage: context.stage, context };
}

/** Why `url` cannot be a hook (not an absolute http(s) URL), or undefined. */
export function httpHookUnsupported(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'the hook url is not an absolute URL';
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    return `the hook url must be http or https, not ${parsed.protocol.replace(/:$/, '')}`;
  }
  return undefined;
}

/** How much of a failing answer's body goes into the detail. */
const bodyTailBytes = 512;

export async function httpHook(
  url: string,
  context: HookContext,
  options: HttpHookOptions,
): Promise<HookResult> {
  const timeout = AbortSignal.timeout(options.timeoutSeconds * 1000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'ecs-taper-hook' },
      body: JSON.stringify(hookPayload(context)),
      redirect: 'manual',
      signal,
    });
    const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => {});
      return { ok: true, detail: status };
    }
    const body = await readStart(response, bodyTailBytes);
    const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
    return { ok: false, detail: `${status}${redirect}${body ? `: ${body}` : ''}` };
  } catch (error) {
    if (timeout.aborted) return { ok: false, detail: `timed out after ${options.timeoutSeconds} s` };
    if (options.signal?.aborted) return { ok: false, detail: 'aborted' };
    return { ok: false, detail: `request failed: ${failureText(error)}` };
  }
}

/** The first `limit` bytes of the body as one line; the rest is not read. */
async function readStart(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  const text = new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit));
  return oneLine(text) + (size > limit ? ' ...' : '');
}

function failureText(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  if (cause?.code) return cause.message ? `${cause.code} (${cause.message})` : cause.code;
  return error instanceof Error ? error.message : String(error);
}

/** Whitespace and control characters collapsed: a detail is one line. */
function oneLine(text: string): string {
  return text
    .replace(/\p{Cc}+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
