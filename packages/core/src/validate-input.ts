import { InputValidationError } from './errors';
import {
  type DeploymentInput,
  inputDefaults,
  inputLimits,
  type ResolvedInput,
  scheduleFields,
} from './input';
import { type PlanScaledownOptions, planScaledown } from './plan/plan-scaledown';

/**
 * The seed sample's Step Functions event, accepted unchanged. `waitForService` was a fixed sleep
 * before the swap; ecs-taper gates on real health instead, so it now sets how often readiness is
 * polled (never a reason to swap early).
 */
export interface SeedEvent {
  cluster: string;
  nlb: string;
  task_sg: string;
  subnets: string[];
  serviceName: string;
  taskDefinition: string;
  waitForService?: number;
  scaledown_decrement?: number;
  scaledown_wait?: number;
}

const knownFields = new Set<string>([
  'cluster',
  'service',
  'taskDefinition',
  'loadBalancerArn',
  'productionListenerArns',
  'testListenerArn',
  'testListenerPort',
  'containerName',
  'containerPort',
  'subnets',
  'securityGroups',
  'assignPublicIp',
  'launchType',
  'capacityProviderStrategy',
  'platformVersion',
  'createService',
  'desiredCount',
  'decrementPercent',
  'decrementTasks',
  'intervalSeconds',
  'connectionsPerTask',
  'maxNewConnectionsPerSecond',
  'reconnectSpreadSeconds',
  'readyTimeoutSeconds',
  'pollIntervalSeconds',
  'settleSeconds',
  'unhealthyGraceSeconds',
  'drainTimeoutSeconds',
  'alarmNames',
  'suspendAutoScaling',
  'deploymentId',
]);

const seedOnlyFields = [
  'nlb',
  'task_sg',
  'serviceName',
  'waitForService',
  'scaledown_decrement',
  'scaledown_wait',
];

export function isSeedEvent(raw: Record<string, unknown>): boolean {
  return seedOnlyFields.some((field) => field in raw);
}

/** Maps the seed's event onto our fields; anything else in it is validated as usual. */
export function fromSeedEvent(raw: Record<string, unknown>): Record<string, unknown> {
  const { nlb, task_sg, serviceName, waitForService, scaledown_decrement, scaledown_wait, ...rest } = raw;
  const mapped: Record<string, unknown> = { ...rest };
  if (nlb !== undefined) mapped.loadBalancerArn = nlb;
  if (task_sg !== undefined) mapped.securityGroups = Array.isArray(task_sg) ? task_sg : [task_sg];
  if (serviceName !== undefined) mapped.service = serviceName;
  if (waitForService !== undefined) mapped.pollIntervalSeconds = waitForService;
  if (scaledown_decrement !== undefined) mapped.decrementPercent = scaledown_decrement;
  if (scaledown_wait !== undefined) mapped.intervalSeconds = scaledown_wait;
  // The seed's sample created its service; discover still refuses a target group another service uses.
  mapped.createService ??= true;
  return mapped;
}

function fail(field: string, message: string): never {
  throw new InputValidationError(field, message);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

function requireString(raw: Record<string, unknown>, field: string, fix: string): string {
  const value = raw[field];
  if (typeof value !== 'string' || value.trim() === '')
    fail(field, `is required (a non-empty string); ${fix}`);
  return value.trim();
}

function optionalString(raw: Record<string, unknown>, field: string): string | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '')
    fail(field, `must be a non-empty string, got ${describe(value)}`);
  return value.trim();
}

function stringList(raw: Record<string, unknown>, field: string, fix: string, required: boolean): string[] {
  const value = raw[field];
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || value.length === 0)
    fail(field, `is required (a non-empty list of strings); ${fix}`);
  value.forEach((item, index) => {
    if (typeof item !== 'string' || item.trim() === '') {
      fail(`${field}[${index}]`, `must be a non-empty string, got ${describe(item)}`);
    }
  });
  return value.map((item: string) => item.trim());
}

/** A list that may be left out (undefined), but not given empty. */
function optionalList(raw: Record<string, unknown>, field: string, fix: string): string[] | undefined {
  if (raw[field] === undefined) return undefined;
  if (!Array.isArray(raw[field]) || raw[field].length === 0) {
    fail(field, `must be a non-empty list of strings; ${fix}, or leave it out to keep the old task set's`);
  }
  return stringList(raw, field, fix, true);
}

interface NumberRule {
  min: number;
  max?: number;
  integer?: boolean;
  /** Exclusive lower bound, for values that must be strictly positive. */
  above?: boolean;
  hint?: string;
}

function optionalNumber(raw: Record<string, unknown>, field: string, rule: NumberRule): number | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  const range = `${rule.above ? `> ${rule.min}` : `>= ${rule.min}`}${rule.max === undefined ? '' : ` and <= ${rule.max}`}`;
  const kind = rule.integer ? 'an integer' : 'a number';
  const hint = rule.hint ? `; ${rule.hint}` : '';
  const bad =
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    (rule.integer && !Number.isInteger(value)) ||
    (rule.above ? value <= rule.min : value < rule.min) ||
    (rule.max !== undefined && value > rule.max);
  if (bad) fail(field, `must be ${kind} ${range}, got ${describe(value)}${hint}`);
  return value as number;
}

function optionalBoolean(raw: Record<string, unknown>, field: string): boolean | undefined {
  const value = raw[field];
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') fail(field, `must be true or false, got ${describe(value)}`);
  return value;
}

const deploymentIdPattern = /^[A-Za-z0-9_-]{1,36}$/;

/**
 * Validates any runner's input (our fields, or the seed's event) and applies defaults.
 * Throws InputValidationError naming the field and the fix; never touches AWS.
 */
export function parseDeploymentInput(input: unknown): ResolvedInput {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    fail(
      'input',
      'must be a JSON object with at least cluster, service, taskDefinition and loadBalancerArn (or productionListenerArns)',
    );
  }
  if (!isSeedEvent(input as Record<string, unknown>)) return parseFields(input as Record<string, unknown>);
  try {
    return parseFields(fromSeedEvent(input as Record<string, unknown>));
  } catch (error) {
    throw inSeedTerms(error);
  }
}

/** Our field -> the seed's name for it, so an error names the field the caller actually wrote. */
export const seedFieldNames: Readonly<Record<string, string>> = {
  loadBalancerArn: 'nlb',
  securityGroups: 'task_sg',
  service: 'serviceName',
  pollIntervalSeconds: 'waitForService',
  decrementPercent: 'scaledown_decrement',
  intervalSeconds: 'scaledown_wait',
};

function inSeedTerms(error: unknown): unknown {
  if (!(error instanceof InputValidationError)) return error;
  const [, base = error.field, index = ''] = /^([^[]+)(.*)$/.exec(error.field) ?? [];
  const seedName = seedFieldNames[base];
  if (!seedName) return error;
  const detail = error.message.slice(error.field.length + 2);
  return new InputValidationError(`${seedName}${index}`, `${detail} (the seed's ${seedName} is our ${base})`);
}

function parseFields(raw: Record<string, unknown>): ResolvedInput {
  for (const field of Object.keys(raw)) {
    if (!knownFields.has(field)) {
      fail(field, `is not a known input field; known fields: ${[...knownFields].join(', ')}`);
    }
  }

  const cluster = requireString(raw, 'cluster', 'pass the ECS cluster name or ARN');
  const service = requireString(raw, 'service', 'pass the ECS service name (created when missing)');
  const taskDefinition = requireString(
    raw,
    'taskDefinition',
    'pass the new task definition ARN or family:revision',
  );
  const loadBalancerArn = optionalString(raw, 'loadBalancerArn');
  const productionListenerArns = stringList(raw, 'productionListenerArns', '', false);
  const testListenerArn = optionalString(raw, 'testListenerArn');
  if (!loadBalancerArn && productionListenerArns.length === 0) {
    fail('loadBalancerArn', 'is required unless productionListenerArns is given; pass the NLB ARN');
  }
  // Optional: absent, the new task set takes the old one's (create-task-set refuses a first awsvpc
  // deployment without them, before any change).
  const subnets = optionalList(raw, 'subnets', 'pass the subnet ids for the tasks');
  const securityGroups = optionalList(raw, 'securityGroups', 'pass the security group ids for the tasks');

  const launchType = raw.launchType;
  if (
    launchType !== undefined &&
    launchType !== 'FARGATE' &&
    launchType !== 'EC2' &&
    launchType !== 'EXTERNAL'
  ) {
    fail('launchType', `must be FARGATE, EC2 or EXTERNAL, got ${describe(launchType)}`);
  }
  const capacityProviderStrategy = parseCapacityProviders(raw.capacityProviderStrategy);
  if (launchType !== undefined && capacityProviderStrategy) {
    fail('capacityProviderStrategy', 'cannot be combined with launchType; pass one of them');
  }

  const schedule = parseSchedule(raw);

  const deploymentId = optionalString(raw, 'deploymentId');
  if (deploymentId !== undefined && !deploymentIdPattern.test(deploymentId)) {
    fail(
      'deploymentId',
      `must be 1-36 characters of A-Z, a-z, 0-9, _ or - (it is the ECS clientToken), got ${describe(deploymentId)}`,
    );
  }
  const alarmNames = stringList(raw, 'alarmNames', '', false);

  const resolved: ResolvedInput = {
    cluster,
    service,
    taskDefinition,
    testListenerPort:
      optionalNumber(raw, 'testListenerPort', { min: 1, max: 65535, integer: true }) ??
      inputDefaults.testListenerPort,
    desiredCount:
      optionalNumber(raw, 'desiredCount', {
        min: 1,
        max: inputLimits.desiredCount,
        integer: true,
        hint: `ECS runs at most ${inputLimits.desiredCount} tasks per service (its tasks-per-service quota); pass the count the new service starts with, e.g. 2`,
      }) ?? inputDefaults.desiredCount,
    readyTimeoutSeconds:
      optionalNumber(raw, 'readyTimeoutSeconds', {
        min: 0,
        above: true,
        max: inputLimits.readyTimeoutSeconds,
        hint: 'a deadline of at most a day (86400 s); use e.g. 600 for ten minutes',
      }) ?? inputDefaults.readyTimeoutSeconds,
    pollIntervalSeconds:
      optionalNumber(raw, 'pollIntervalSeconds', {
        min: 0,
        above: true,
        max: inputLimits.pollIntervalSeconds,
        hint: 'at most an hour (3600 s) between observations; use e.g. 15',
      }) ?? inputDefaults.pollIntervalSeconds,
    settleSeconds:
      optionalNumber(raw, 'settleSeconds', {
        min: 0,
        max: inputLimits.settleSeconds,
        hint: 'a wait of at most an hour (3600 s); use e.g. 60',
      }) ?? inputDefaults.settleSeconds,
    unhealthyGraceSeconds:
      optionalNumber(raw, 'unhealthyGraceSeconds', {
        min: 0,
        max: inputLimits.unhealthyGraceSeconds,
        hint: 'at most an hour (3600 s) of unhealthy new targets before rolling back; use e.g. 60',
      }) ?? inputDefaults.unhealthyGraceSeconds,
    drainTimeoutSeconds:
      optionalNumber(raw, 'drainTimeoutSeconds', {
        min: 0,
        above: true,
        max: inputLimits.drainTimeoutSeconds,
        hint: 'a deadline of at most a day (86400 s); use e.g. 900 for fifteen minutes',
      }) ?? inputDefaults.drainTimeoutSeconds,
    alarmNames,
    suspendAutoScaling: optionalBoolean(raw, 'suspendAutoScaling') ?? inputDefaults.suspendAutoScaling,
  };
  const optional: Partial<ResolvedInput> = {
    loadBalancerArn,
    productionListenerArns: productionListenerArns.length > 0 ? productionListenerArns : undefined,
    testListenerArn,
    subnets,
    securityGroups,
    assignPublicIp: optionalBoolean(raw, 'assignPublicIp'),
    containerName: optionalString(raw, 'containerName'),
    containerPort: optionalNumber(raw, 'containerPort', { min: 1, max: 65535, integer: true }),
    createService: optionalBoolean(raw, 'createService'),
    launchType: launchType as ResolvedInput['launchType'],
    capacityProviderStrategy,
    platformVersion: optionalString(raw, 'platformVersion'),
    ...schedule,
    deploymentId,
  };
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
  }
  return resolved;
}

/**
 * The scale-down schedule fields are the planner's options: the planner validates them (one place for
 * the rules), here on a one-task service so bad input fails before any AWS call.
 */
function parseSchedule(raw: Record<string, unknown>): Partial<PlanScaledownOptions> {
  const schedule: Partial<PlanScaledownOptions> = {};
  for (const field of scheduleFields) {
    const value = raw[field];
    if (value === undefined) continue;
    if (typeof value !== 'number') fail(field, `must be a number, got ${describe(value)}`);
    schedule[field] = value;
  }
  planScaledown({ desiredCount: 1, ...schedule });
  return schedule;
}

function parseCapacityProviders(value: unknown): ResolvedInput['capacityProviderStrategy'] {
  if (value === undefined) return undefined;
  const field = 'capacityProviderStrategy';
  if (!Array.isArray(value) || value.length === 0) {
    fail(field, 'must be a non-empty list of { capacityProvider, weight?, base? }');
  }
  return value.map((item: unknown, index) => {
    const entry = item as Record<string, unknown>;
    if (typeof entry !== 'object' || entry === null || typeof entry.capacityProvider !== 'string') {
      fail(`${field}[${index}].capacityProvider`, 'is required (e.g. "FARGATE" or "FARGATE_SPOT")');
    }
    return {
      capacityProvider: entry.capacityProvider as string,
      ...(entry.weight === undefined
        ? {}
        : { weight: optionalNumber(entry, 'weight', { min: 0, max: 1000, integer: true }) as number }),
      ...(entry.base === undefined
        ? {}
        : { base: optionalNumber(entry, 'base', { min: 0, max: 100000, integer: true }) as number }),
    };
  });
}

export type { DeploymentInput };
