import type { HookSpec, HookStage } from './types';

/** What a hook is told about the deployment: the same fields as environment variables (CLI) or JSON (Lambda, HTTP). */
export interface HookContext {
  deploymentId: string;
  stage: HookStage;
  cluster: string;
  service: string;
  taskDefinition: string;
  loadBalancerArn?: string;
  /** Read with DescribeLoadBalancers when a hook runs (never otherwise). */
  loadBalancerDnsName?: string;
  /** The port clients (and a smoke test) reach the new set on before the swap. */
  testListenerPort?: number;
  testListenerArn: string;
  productionListenerArns: string[];
  oldTargetGroupArn: string;
  newTargetGroupArn: string;
  oldTaskSetArn?: string;
  newTaskSetArn?: string;
  /** before-scale-down-step: the step about to be applied (1-based) and how many there are. */
  step?: number;
  steps?: number;
  /** on-rollback: why. */
  reason?: string;
}

export interface HookResult {
  ok: boolean;
  /** One line: exit code and the tail of the output, the HTTP status, the function's error. */
  detail: string;
}

/**
 * How a runner runs hooks. The CLI runs shell commands (and URLs); the Lambda runner invokes Lambda
 * functions and calls URLs. `unsupported` is asked for every configured hook before anything changes.
 */
export interface HookRunner {
  /** Why this runner cannot run `spec` (e.g. a shell command under Step Functions), or undefined. */
  unsupported(spec: HookSpec): string | undefined;
  /** Runs the hook; resolves `ok: false` on failure or timeout (never throws for a failing hook). */
  run(spec: HookSpec, context: HookContext, signal?: AbortSignal): Promise<HookResult>;
}

/** Default timeout of a hook (seconds) and its bound. */
export const hookTimeoutDefaultSeconds = 300;
export const hookTimeoutMaxSeconds = 3600;

/** The hook's context as environment variables (ECS_TAPER_*), plus the whole context as JSON. */
export function hookEnvironment(context: HookContext): Record<string, string> {
  const env: Record<string, string> = { ECS_TAPER_CONTEXT: JSON.stringify(context) };
  for (const [key, value] of Object.entries(context)) {
    if (value === undefined) continue;
    const name = `ECS_TAPER_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
    env[name] = Array.isArray(value) ? value.join(',') : String(value);
  }
  return env;
}
