import {
  type HookContext,
  type HookResult,
  type HookRunner,
  type HookSpec,
  hookTimeoutDefaultSeconds,
} from '@ecs-taper/core';
import { httpHook, httpHookUnsupported } from '@ecs-taper/core/workflow';
import { hookLambdaClientConfig, invokeHookFunction, type LambdaPort } from './invoke-hook-function';

/**
 * The longest hook the Lambda runner runs: 90 s. A hook runs inside one phase invocation, and the
 * handler has the function's 120 s (`functionTimeoutSeconds`) less its 10 s deadline margin
 * (`handlerDeadlineMarginMs`), about 110 s; the phase's own AWS calls and the lease renewal need the
 * remaining 20 s. A literal rather than computed from those (the handler will import this file); a test
 * keeps it consistent with them.
 */
export const lambdaHookTimeoutMaxSeconds = 90;

export interface LambdaHookRunnerOptions {
  /** The Lambda client for `functionName` hooks; by default one `LambdaClient` per runner, made on first use. */
  lambda?: () => LambdaPort;
  /**
   * The longest timeoutSeconds accepted; a hook without one runs for at most this long (not core's
   * default of 300 s). Default `lambdaHookTimeoutMaxSeconds`; the CLI, which has no such limit, passes
   * core's `hookTimeoutMaxSeconds`.
   */
  maxTimeoutSeconds?: number;
  /** What a `command` hook is told (the CLI runs commands itself and never asks). */
  commandUnsupported?: string;
}

/**
 * Hooks under Step Functions: `functionName` is invoked synchronously (see `invokeHookFunction` for the
 * contract), `url` is POSTed to (core's `httpHook`: any 2xx passes). A shell `command` needs the CLI.
 */
export function lambdaHookRunner(options: LambdaHookRunnerOptions = {}): HookRunner {
  const maxTimeoutSeconds = options.maxTimeoutSeconds ?? lambdaHookTimeoutMaxSeconds;
  let client: LambdaPort | undefined;
  // Loaded only for a function hook: the deployed bundle leaves the Lambda client to the runtime's SDK.
  const lambda = async () => {
    if (!client) {
      const made = options.lambda?.();
      client =
        made ??
        new (await import('@aws-sdk/client-lambda')).LambdaClient(hookLambdaClientConfig(maxTimeoutSeconds));
    }
    return client;
  };
  const timeoutOf = (spec: HookSpec) =>
    spec.timeoutSeconds ?? Math.min(hookTimeoutDefaultSeconds, maxTimeoutSeconds);

  function unsupported(spec: HookSpec): string | undefined {
    if (spec.command !== undefined) {
      return options.commandUnsupported ?? 'a shell command needs the CLI runner; use functionName or url';
    }
    if (spec.timeoutSeconds !== undefined && spec.timeoutSeconds > maxTimeoutSeconds) {
      return (
        `timeoutSeconds ${spec.timeoutSeconds} is above the ${maxTimeoutSeconds} s a hook may take in the Lambda ` +
        'runner (a hook runs inside one phase invocation, which has about 110 s); ' +
        'shorten it, or run the deployment with the CLI runner'
      );
    }
    if (spec.url !== undefined) return httpHookUnsupported(spec.url);
    if (spec.functionName !== undefined) return spec.functionName ? undefined : 'functionName is empty';
    return 'a hook needs one of command, functionName or url';
  }

  async function run(spec: HookSpec, context: HookContext, signal?: AbortSignal): Promise<HookResult> {
    const reason = unsupported(spec);
    if (reason) return { ok: false, detail: reason };
    const timeoutSeconds = timeoutOf(spec);
    if (spec.url !== undefined) return httpHook(spec.url, context, { timeoutSeconds, signal });
    return invokeHookFunction(await lambda(), spec.functionName as string, context, {
      timeoutSeconds,
      signal,
    });
  }

  return { unsupported, run };
}
