import { createHash } from 'node:crypto';
import { InputValidationError } from '@ecs-taper/core';

/**
 * Step Functions execution names are 1-80 characters and refuse whitespace, brackets, wildcards and most
 * punctuation; CloudWatch Logs needs plain letters, digits, '-' and '_'. We use only those.
 */
const maxNameLength = 80;
const validName = /^[A-Za-z0-9_-]{1,80}$/;
const hashLength = 10;

/** Retried invocations of one execution must agree on the id: derive it from the execution. */
export function deploymentIdForExecution(executionId: string): string {
  return `sfn-${createHash('sha256').update(executionId).digest('hex').slice(0, 32)}`;
}

export function isExecutionName(name: string): boolean {
  return validName.test(name);
}

/**
 * The execution name of a pipeline run: the same run id (a retried CI job) always gives the same name, so
 * it joins that run's execution instead of starting another. A valid name is used as it is; anything else
 * (a '/', a '.', more than 80 characters) is cut to letters, digits, '-' and '_' and gets a hash of the
 * whole run id, so two run ids that clean up alike still name two executions.
 */
export function executionNameForRun(runId: string): string {
  if (runId.trim() === '') {
    throw new InputValidationError(
      'runId',
      'must not be empty; pass the pipeline run id (e.g. $GITHUB_RUN_ID)',
    );
  }
  if (isExecutionName(runId)) return runId;
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, hashLength);
  const cleaned = runId
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, maxNameLength - hashLength - 1);
  return cleaned === '' ? hash : `${cleaned}-${hash}`;
}

/** `arn:<partition>:states:<region>:<account>:stateMachine:<name>[:<version or alias>]`, split. */
export function parseStateMachineArn(arn: string): {
  partition: string;
  region: string;
  account: string;
  name: string;
} {
  const parts = arn.split(':');
  const [prefix, partition, service, region, account, kind, name] = parts;
  if (
    prefix !== 'arn' ||
    service !== 'states' ||
    kind !== 'stateMachine' ||
    !partition ||
    !region ||
    !account ||
    !name ||
    parts.length > 8
  ) {
    throw new InputValidationError(
      'stateMachineArn',
      `must be a state machine ARN, arn:aws:states:<region>:<account>:stateMachine:<name>, got ${JSON.stringify(arn)}`,
    );
  }
  return { partition, region, account, name };
}

/**
 * The ARN of execution `name` of a state machine (its version or alias qualifier dropped: executions are
 * named under the state machine itself), e.g. `arn:aws:states:eu-west-1:1234:execution:ecs-taper:run-42`.
 */
export function executionArnFor(stateMachineArn: string, name: string): string {
  const { partition, region, account, name: machine } = parseStateMachineArn(stateMachineArn);
  return `arn:${partition}:states:${region}:${account}:execution:${machine}:${name}`;
}

/**
 * JSON with object keys in code-point order at every level: the same input gives the same string
 * whatever order its fields were collected in. StartExecution's idempotency compares the input, so a
 * retried run must send exactly the same bytes.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
  }
  return value;
}
