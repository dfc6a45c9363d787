import type { AppBehaviour } from './ecs/model.js';
import type { Rng } from './random.js';

/** Faults injected into a world. Mutable: a test may change them while a deployment runs. */
export interface FaultConfig {
  /** Throttle this share (0-1) of calls to the listed commands (all commands when omitted). */
  throttle?: { rate: number; commands?: string[] };
  /** Fail this share of calls with a 5xx error. */
  serverErrors?: {
    rate: number;
    commands?: string[];
    name?: 'ServiceUnavailableException' | 'InternalFailure';
  };
  /** Tasks of this task definition never pass health checks ('unhealthy') or exit soon after starting ('crash'). */
  badVersion?: { taskDefinition: string; mode: 'unhealthy' | 'crash' };
  /** The next `count` tasks launched (of `taskDefinition`, when given) stop before reaching RUNNING. */
  failingTaskStarts?: { count: number; taskDefinition?: string };
}

/** `UpdateTaskSetCommand` and `UpdateTaskSet` both name the UpdateTaskSet operation. */
export function operationName(name: string): string {
  return name.endsWith('Command') ? name.slice(0, -'Command'.length) : name;
}

function applies(
  rule: { rate: number; commands?: string[] } | undefined,
  operation: string,
  rng: Rng,
): boolean {
  if (!rule || rule.rate <= 0) return false;
  if (rule.commands && !rule.commands.some((c) => operationName(c) === operation)) return false;
  return rng.next() < rule.rate;
}

/** What the SDK passes to a service's base exception class (e.g. `ECSServiceException`). */
export interface ServiceErrorOptions {
  name: string;
  $fault: 'client' | 'server';
  message: string;
  $metadata: { httpStatusCode: number };
}

/** Builds an error of the service's own base class, as the SDK does for errors its model does not list. */
export type ServiceErrorFactory = (
  options: ServiceErrorOptions,
) => Error & { $retryable?: { throttling?: boolean } };

/**
 * The name each service gives throttling: ECS and Application Auto Scaling say `ThrottlingException`,
 * ELBv2 and CloudWatch (query protocol) say `Throttling`. A retry that knew only one name would pass here
 * only half the time it should.
 */
export const throttlingErrorName = {
  ECS: 'ThrottlingException',
  ApplicationAutoScaling: 'ThrottlingException',
  ELBv2: 'Throttling',
  CloudWatch: 'Throttling',
} as const;

/**
 * The injected error for a call, if any. Throttling is the service's own name (throttlingErrorName)
 * with HTTP 400; 5xx faults are `ServiceUnavailableException` (503) or `InternalFailure` (500).
 */
export function injectedFault(
  faults: FaultConfig,
  operation: string,
  rng: Rng,
  makeError: ServiceErrorFactory,
  service: keyof typeof throttlingErrorName,
): Error | undefined {
  if (applies(faults.throttle, operation, rng)) {
    const error = makeError({
      name: throttlingErrorName[service],
      $fault: 'client',
      message: 'Rate exceeded',
      $metadata: { httpStatusCode: 400 },
    });
    error.$retryable = { throttling: true };
    return error;
  }
  if (applies(faults.serverErrors, operation, rng)) {
    const name = faults.serverErrors?.name ?? 'ServiceUnavailableException';
    return makeError({
      name,
      $fault: 'server',
      message: name === 'InternalFailure' ? 'Internal failure' : 'Service unavailable',
      $metadata: { httpStatusCode: name === 'InternalFailure' ? 500 : 503 },
    });
  }
  return undefined;
}

export function behaviourOf(faults: FaultConfig, taskDefinitionArn: string): AppBehaviour {
  const bad = faults.badVersion;
  return bad && bad.taskDefinition === taskDefinitionArn ? bad.mode : 'healthy';
}

/** Consumes one failing start when the fault applies to this task definition. */
export function takeFailingStart(faults: FaultConfig, taskDefinitionArn: string): boolean {
  const rule = faults.failingTaskStarts;
  if (!rule || rule.count <= 0) return false;
  if (rule.taskDefinition && rule.taskDefinition !== taskDefinitionArn) return false;
  rule.count--;
  return true;
}
