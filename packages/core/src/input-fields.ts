/**
 * The input-field table: one entry per DeploymentInput field, the only place its kind, bounds, default,
 * seed-sample name, CLI flag and help live. parseDeploymentInput walks it; the defaults, limits, the seed
 * mapping, the CLI's flags and help, and input.schema.json are derived from it.
 */
import { InputValidationError } from './errors';
import type { DeploymentInput } from './input';
import {
  MAX_CONNECTIONS_PER_TASK,
  MAX_DESIRED_COUNT,
  MAX_DROP_LAG_SPREAD_SECONDS,
  MAX_INTERVAL_SECONDS,
  MAX_NEW_CONNECTIONS_PER_SECOND,
  MAX_RECONNECT_SPREAD_SECONDS,
  MAX_TERMINATION_WINDOW_SECONDS,
} from './plan/plan-options';
import { hooksSchema, parseHooks, parseSteps, stepsSchema } from './steps/parse-steps';
import { defaultSteps } from './steps/types';

/** How a flag's text becomes the field: as is, a number, a comma-separated/repeated list, or presence. */
export type CliValue = 'string' | 'number' | 'list' | 'boolean';

export interface CliFlag {
  /** Without the dashes: `task-definition`. */
  name: string;
  value: CliValue;
  /** The value's name in help (`--interval SECONDS`); default VALUE, N for numbers. */
  arg?: string;
  /** Help when the flag says something else than the field (default: the field's help). */
  help?: string;
  /** A boolean flag's value for the field (default true): `--keep-autoscaling` sets false. */
  sets?: boolean;
  /** May be given more than once (a `list` always may). */
  repeatable?: boolean;
  /** A shorthand the CLI expands into the field (steps, hooks), not the field's value itself. */
  shorthand?: boolean;
}

/** JSON Schema fragment (draft 2020-12). */
export type JsonSchema = { readonly [keyword: string]: unknown };

export type FieldKind =
  | { type: 'string'; pattern?: { regex: RegExp; rule: string } }
  | {
      type: 'number';
      integer?: boolean;
      min: number;
      /** The minimum itself is not allowed (> min). */
      exclusiveMin?: boolean;
      max: number;
      /** Validated by the planner (planScaledown), with its own messages. */
      schedule?: boolean;
    }
  | { type: 'boolean' }
  | { type: 'stringList'; allowEmpty?: boolean }
  | { type: 'enum'; values: readonly string[] }
  | { type: 'objectList'; fields: Readonly<Record<string, ObjectListField>> }
  | {
      type: 'custom';
      /** Gets the raw value (undefined when absent) and the fields resolved before it, in table order. */
      parse: (raw: unknown, resolved: Readonly<Record<string, unknown>>) => unknown;
      schema: JsonSchema;
    };

export interface ObjectListField {
  kind: 'string' | 'integer';
  required?: boolean;
  min?: number;
  max?: number;
  /** For a missing required field. */
  hint?: string;
}

export interface FieldSpec<T = unknown> {
  kind: FieldKind;
  /** Always present in a resolved input: required, or `default` applied. */
  required?: boolean;
  default?: Readonly<T>;
  /** The seed sample's event's name for the field (fromSeedEvent). */
  seedName?: string;
  /** A seed event defaults the field to this when absent (its sample created its service). */
  seedDefault?: Readonly<T>;
  /** CLI flags; none for fields only an --input file sets. */
  flags?: readonly CliFlag[];
  /** One line: CLI help and the JSON Schema description. */
  help: string;
  /** Said after an error about the field: what to pass. */
  hint?: string;
}

const hour = `at most an hour (${MAX_INTERVAL_SECONDS} s)`;

export const inputFields = {
  cluster: {
    kind: { type: 'string' },
    required: true,
    flags: [{ name: 'cluster', value: 'string', arg: 'NAME' }],
    help: 'ECS cluster name or ARN',
    hint: 'pass the ECS cluster name or ARN',
  },
  service: {
    kind: { type: 'string' },
    required: true,
    seedName: 'serviceName',
    flags: [{ name: 'service', value: 'string', arg: 'NAME' }],
    help: 'ECS service name (EXTERNAL deployment controller)',
    hint: 'pass the ECS service name (created when missing)',
  },
  taskDefinition: {
    kind: { type: 'string' },
    required: true,
    flags: [{ name: 'task-definition', value: 'string', arg: 'ARN' }],
    help: 'new task definition ARN or family:revision',
    hint: 'pass the new task definition ARN or family:revision',
  },
  loadBalancerArn: {
    kind: { type: 'string' },
    seedName: 'nlb',
    flags: [{ name: 'load-balancer', value: 'string', arg: 'ARN' }],
    help: 'ARN of the Network Load Balancer whose listeners and target groups are discovered',
  },
  productionListenerArns: {
    kind: { type: 'stringList' },
    flags: [{ name: 'production-listener', value: 'list', arg: 'ARN' }],
    help: 'production listener ARN(s), instead of discovery (repeat or comma-separate)',
    hint: 'pass the production listener ARNs, or leave it out to discover them from loadBalancerArn',
  },
  testListenerArn: {
    kind: { type: 'string' },
    flags: [{ name: 'test-listener', value: 'string', arg: 'ARN' }],
    help: 'test listener ARN (serves the standby target group so its targets are health-checked)',
  },
  testListenerPort: {
    kind: { type: 'number', integer: true, min: 1, max: 65535 },
    default: 8080,
    flags: [{ name: 'test-listener-port', value: 'number', arg: 'PORT' }],
    help: 'port of the test listener when discovering (default 8080)',
  },
  containerName: {
    kind: { type: 'string' },
    flags: [{ name: 'container-name', value: 'string', arg: 'NAME' }],
    help: 'container registered in the target group (default: the task definition’s one port mapping)',
  },
  containerPort: {
    kind: { type: 'number', integer: true, min: 1, max: 65535 },
    flags: [{ name: 'container-port', value: 'number', arg: 'PORT' }],
    help: 'container port registered in the target group',
  },
  subnets: {
    kind: { type: 'stringList' },
    flags: [{ name: 'subnets', value: 'list', arg: 'IDS' }],
    help: "subnet ids for the tasks (repeat or comma-separate; default: the old task set's)",
    hint: "pass the subnet ids for the tasks, or leave it out to keep the old task set's",
  },
  securityGroups: {
    kind: { type: 'stringList' },
    seedName: 'task_sg',
    flags: [{ name: 'security-groups', value: 'list', arg: 'IDS' }],
    help: "security group ids for the tasks (repeat or comma-separate; default: the old task set's)",
    hint: "pass the security group ids for the tasks, or leave it out to keep the old task set's",
  },
  assignPublicIp: {
    kind: { type: 'boolean' },
    flags: [{ name: 'assign-public-ip', value: 'boolean' }],
    help: "give tasks a public IP (default: the old task set's; off on a first deployment)",
  },
  launchType: {
    kind: { type: 'enum', values: ['FARGATE', 'EC2', 'EXTERNAL'] },
    flags: [{ name: 'launch-type', value: 'string' }],
    help: "FARGATE, EC2 or EXTERNAL (default: the old task set's launch type or capacity provider strategy; FARGATE on a first deployment)",
  },
  capacityProviderStrategy: {
    kind: {
      type: 'objectList',
      fields: {
        capacityProvider: { kind: 'string', required: true, hint: 'e.g. "FARGATE" or "FARGATE_SPOT"' },
        weight: { kind: 'integer', min: 0, max: 1000 },
        base: { kind: 'integer', min: 0, max: 100_000 },
      },
    },
    help: "capacity provider strategy of the new task set, instead of launchType (default: the old task set's)",
  },
  platformVersion: {
    kind: { type: 'string' },
    flags: [{ name: 'platform-version', value: 'string' }],
    help: "Fargate platform version (default: the old task set's)",
  },
  createService: {
    kind: { type: 'boolean' },
    seedDefault: true,
    flags: [{ name: 'create-service', value: 'boolean' }],
    help: 'create the service (EXTERNAL deployment controller) if it does not exist; refused when the production target group serves another service',
  },
  desiredCount: {
    kind: { type: 'number', integer: true, min: 1, max: 5000 },
    default: 2,
    flags: [
      {
        name: 'desired-count',
        value: 'number',
        help: 'desiredCount of a service to create (plan: the task count to plan for, offline)',
      },
    ],
    help: "desiredCount of a service that has to be created (ECS's tasks-per-service quota is 5000)",
    hint: 'ECS runs at most 5000 tasks per service (its tasks-per-service quota); pass the count the new service starts with, e.g. 2',
  },
  decrementPercent: {
    kind: { type: 'number', min: 0, exclusiveMin: true, max: 100, schedule: true },
    seedName: 'scaledown_decrement',
    flags: [{ name: 'decrement', value: 'number', arg: 'PERCENT' }],
    help: 'percent of desiredCount removed per scale-down step (percent mode; 25 with only intervalSeconds)',
  },
  decrementTasks: {
    kind: { type: 'number', integer: true, min: 1, max: MAX_DESIRED_COUNT, schedule: true },
    flags: [{ name: 'decrement-tasks', value: 'number' }],
    help: 'tasks removed per scale-down step (task mode, instead of decrementPercent)',
  },
  intervalSeconds: {
    kind: { type: 'number', min: 0, max: MAX_INTERVAL_SECONDS, schedule: true },
    seedName: 'scaledown_wait',
    flags: [{ name: 'interval', value: 'number', arg: 'SECONDS' }],
    help: 'seconds between scale-down steps in percent and task mode (default 60)',
  },
  terminationWindowSeconds: {
    kind: {
      type: 'number',
      min: 0,
      exclusiveMin: true,
      max: MAX_TERMINATION_WINDOW_SECONDS,
      schedule: true,
    },
    flags: [{ name: 'over', value: 'number', arg: 'DURATION' }],
    help: 'spread task termination over a time window: one task per step, evenly, steps at least 5 s apart (the default mode; default window: as long as 25 % every 60 s would take)',
  },
  connectionsPerTask: {
    kind: { type: 'number', min: 0, exclusiveMin: true, max: MAX_CONNECTIONS_PER_TASK, schedule: true },
    flags: [{ name: 'connections-per-task', value: 'number' }],
    help: 'average open connections per task (with reconnectSpreadSeconds, predicts the reconnection peak)',
  },
  maxNewConnectionsPerSecond: {
    kind: { type: 'number', min: 0, exclusiveMin: true, max: MAX_NEW_CONNECTIONS_PER_SECOND, schedule: true },
    flags: [{ name: 'max-new-connections-per-second', value: 'number' }],
    help: 'budget mode: the reconnection rate to stay under; the planner picks step size and interval',
  },
  reconnectSpreadSeconds: {
    kind: { type: 'number', min: 0, exclusiveMin: true, max: MAX_RECONNECT_SPREAD_SECONDS, schedule: true },
    flags: [{ name: 'reconnect-spread', value: 'number', arg: 'SECONDS' }],
    help: 'seconds over which dropped clients reconnect',
  },
  budgetConfidence: {
    kind: { type: 'number', min: 0, exclusiveMin: true, max: 1, schedule: true },
    flags: [{ name: 'budget-confidence', value: 'number', arg: 'CHANCE' }],
    help: 'budget mode: the largest accepted chance that any second exceeds the budget (0 < x < 1, default 0.05)',
  },
  connectionsPerTaskP95: {
    kind: { type: 'number', min: 0, exclusiveMin: true, max: MAX_CONNECTIONS_PER_TASK, schedule: true },
    flags: [{ name: 'connections-per-task-p95', value: 'number' }],
    help: 'budget mode: 95th percentile of open connections per task, planned with (default connectionsPerTask x 1.5; pass the mean to plan with it)',
  },
  dropLagSpreadSeconds: {
    kind: { type: 'number', min: 0, max: MAX_DROP_LAG_SPREAD_SECONDS, schedule: true },
    flags: [{ name: 'drop-lag-spread', value: 'number', arg: 'DURATION' }],
    help: 'budget mode: slack between steps for how unevenly tasks stop after deregistration (0-120 s, default 5); the controller widens it to the spread it observes',
  },
  measureFlows: {
    kind: {
      type: 'custom',
      // After maxNewConnectionsPerSecond in this table, so the budget is resolved when this is parsed.
      parse: (raw, resolved) => {
        if (raw === undefined) return undefined;
        if (typeof raw !== 'boolean') {
          throw new InputValidationError('measureFlows', `must be true or false, got ${JSON.stringify(raw)}`);
        }
        if (raw && resolved.maxNewConnectionsPerSecond === undefined) {
          throw new InputValidationError(
            'measureFlows',
            'applies only in budget mode (it compares the measured rate with maxNewConnectionsPerSecond); set maxNewConnectionsPerSecond (with connectionsPerTask and reconnectSpreadSeconds) or remove it',
          );
        }
        return raw;
      },
      schema: { type: 'boolean' },
    },
    flags: [{ name: 'measure-flows', value: 'boolean' }],
    help: "budget mode: read the new target group's NewFlowCount from CloudWatch (per minute) and slow down when it nears the budget",
  },
  readyTimeoutSeconds: {
    kind: { type: 'number', min: 0, exclusiveMin: true, max: 86_400 },
    default: 600,
    flags: [{ name: 'ready-timeout', value: 'number', arg: 'SECONDS' }],
    help: 'deadline for the new task set to be steady and healthy (default 600)',
    hint: 'a deadline of at most a day (86400 s); use e.g. 600 for ten minutes',
  },
  pollIntervalSeconds: {
    kind: { type: 'number', min: 0, exclusiveMin: true, max: 3600 },
    default: 15,
    seedName: 'waitForService',
    flags: [{ name: 'poll-interval', value: 'number', arg: 'SECONDS' }],
    help: 'seconds between two observations of AWS while waiting (default 15)',
    hint: `${hour} between observations; use e.g. 15`,
  },
  settleSeconds: {
    kind: { type: 'number', min: 0, max: 3600 },
    default: 60,
    flags: [{ name: 'settle', value: 'number', arg: 'SECONDS' }],
    help: 'wait after the swap before the first scale-down step (default 60)',
    hint: `a wait of ${hour}; use e.g. 60`,
  },
  drainTimeoutSeconds: {
    kind: { type: 'number', min: 0, exclusiveMin: true, max: 86_400 },
    default: 900,
    flags: [{ name: 'drain-timeout', value: 'number', arg: 'SECONDS' }],
    help: 'deadline for the old task set to drain after its last step (default 900)',
    hint: 'a deadline of at most a day (86400 s); use e.g. 900 for fifteen minutes',
  },
  unhealthyGraceSeconds: {
    kind: { type: 'number', min: 0, max: 3600 },
    default: 60,
    flags: [{ name: 'unhealthy-grace', value: 'number', arg: 'SECONDS' }],
    help: 'after the swap, roll back when fewer than half the new tasks are healthy for this long (default 60)',
    hint: `${hour} of unhealthy new targets before rolling back; use e.g. 60`,
  },
  suspendAutoScaling: {
    kind: { type: 'boolean' },
    default: true,
    flags: [
      {
        name: 'keep-autoscaling',
        value: 'boolean',
        sets: false,
        help: "keep the service's Application Auto Scaling active (default: suspended while deploying, then restored)",
      },
    ],
    help: "suspend the service's Application Auto Scaling while deploying and restore it after (default true)",
  },
  alarmNames: {
    kind: { type: 'stringList', allowEmpty: true },
    default: [],
    flags: [
      {
        name: 'alarm',
        value: 'list',
        arg: 'NAME',
        help: 'CloudWatch alarm that triggers a rollback (repeatable)',
      },
    ],
    help: 'CloudWatch alarms that trigger a rollback when in ALARM before cleanup',
  },
  deploymentId: {
    kind: {
      type: 'string',
      pattern: {
        regex: /^[A-Za-z0-9_-]{1,36}$/,
        rule: '1-36 characters of A-Z, a-z, 0-9, _ or - (it is the ECS clientToken)',
      },
    },
    flags: [{ name: 'deployment-id', value: 'string', arg: 'ID' }],
    help: 'id of the deployment (generated when absent)',
  },
  hooks: {
    kind: { type: 'custom', parse: (raw) => parseHooks(raw), schema: hooksSchema },
    flags: [
      {
        name: 'hook',
        value: 'string',
        arg: 'STAGE=COMMAND',
        repeatable: true,
        shorthand: true,
        help: 'run a shell command at a hook stage, e.g. before-swap=./smoke-test.sh (repeatable)',
      },
      {
        name: 'hook-timeout',
        value: 'number',
        arg: 'SECONDS',
        shorthand: true,
        help: 'seconds each --hook may take (default 300, at most 3600)',
      },
    ],
    help: 'hooks keyed by stage, each one of command, functionName or url, with timeoutSeconds (default 300)',
  },
  steps: {
    kind: {
      type: 'custom',
      parse: (raw, resolved) => parseSteps(raw, resolved.hooks as Parameters<typeof parseSteps>[1]),
      schema: stepsSchema,
    },
    default: defaultSteps,
    flags: [
      {
        name: 'canary',
        value: 'string',
        arg: 'WEIGHT%:DURATION',
        repeatable: true,
        shorthand: true,
        help: 'a canary step before the swap, e.g. 10%:5m (10 % of new flows for 5 minutes; 90s, 1h or seconds); repeatable',
      },
      {
        name: 'pause-after-canary',
        value: 'boolean',
        shorthand: true,
        help: 'pause after the last --canary until `ecs-taper promote`',
      },
      {
        name: 'pause-before-scale-down',
        value: 'boolean',
        shorthand: true,
        help: 'pause right before the scale-down until `ecs-taper promote`',
      },
    ],
    help: 'deployment steps (canary, swap, pause, hook, scaleDown; default swap then scaleDown); hooks under hooks are placed by stage',
  },
} as const satisfies { readonly [K in keyof DeploymentInput]-?: FieldSpec<NonNullable<DeploymentInput[K]>> };

export type InputFieldName = keyof typeof inputFields;
type Table = typeof inputFields;

/** Fields that always have a value once the input is resolved (required, or defaulted). */
export type AlwaysPresentField = {
  [K in InputFieldName]: Table[K] extends { required: true } | { default: unknown } ? K : never;
}[InputFieldName];

/** The fields planScaledown validates (its options, besides the counts). */
export type ScheduleField = {
  [K in InputFieldName]: Table[K]['kind'] extends { schedule: true } ? K : never;
}[InputFieldName];

type DefaultedField = {
  [K in InputFieldName]: Table[K] extends { default: unknown } ? K : never;
}[InputFieldName];
export type InputDefaults = {
  readonly [K in DefaultedField]: Table[K] extends { default: infer D } ? D : never;
};

type BoundedField = {
  [K in InputFieldName]: Table[K]['kind'] extends { type: 'number'; schedule?: undefined } ? K : never;
}[InputFieldName];
export type InputLimits = { readonly [K in BoundedField]: number };

/** Every field's entry, as the general FieldSpec (for code that walks the table). */
export const inputFieldEntries = Object.entries(inputFields) as [InputFieldName, FieldSpec][];

/**
 * Rules between fields. validate-input checks those without `planner`; planScaledown checks the others
 * (with its own messages); the JSON Schema states them all.
 */
export type FieldRule =
  | {
      kind: 'oneOf';
      fields: readonly InputFieldName[];
      field: InputFieldName;
      message: string;
      planner?: true;
    }
  | {
      kind: 'notBoth';
      fields: readonly InputFieldName[];
      field: InputFieldName;
      message: string;
      planner?: true;
    }
  | { kind: 'needs'; field: InputFieldName; needs: readonly InputFieldName[]; planner: true };

export const fieldRules: readonly FieldRule[] = [
  {
    kind: 'oneOf',
    fields: ['loadBalancerArn', 'productionListenerArns'],
    field: 'loadBalancerArn',
    message: 'is required unless productionListenerArns is given; pass the NLB ARN',
  },
  {
    kind: 'notBoth',
    fields: ['launchType', 'capacityProviderStrategy'],
    field: 'capacityProviderStrategy',
    message: 'cannot be combined with launchType; pass one of them',
  },
  ...(['decrementPercent', 'decrementTasks', 'intervalSeconds'] as const).map(
    (field): FieldRule => ({
      kind: 'notBoth',
      fields: ['maxNewConnectionsPerSecond', field],
      field,
      message: 'cannot be combined with maxNewConnectionsPerSecond',
      planner: true,
    }),
  ),
  ...(['decrementPercent', 'decrementTasks', 'intervalSeconds', 'maxNewConnectionsPerSecond'] as const).map(
    (field): FieldRule => ({
      kind: 'notBoth',
      fields: ['terminationWindowSeconds', field],
      field: 'terminationWindowSeconds',
      message: `cannot be combined with ${field}`,
      planner: true,
    }),
  ),
  {
    kind: 'notBoth',
    fields: ['decrementPercent', 'decrementTasks'],
    field: 'decrementTasks',
    message: 'cannot be combined with decrementPercent',
    planner: true,
  },
  { kind: 'needs', field: 'budgetConfidence', needs: ['maxNewConnectionsPerSecond'], planner: true },
  { kind: 'needs', field: 'connectionsPerTaskP95', needs: ['maxNewConnectionsPerSecond'], planner: true },
  { kind: 'needs', field: 'dropLagSpreadSeconds', needs: ['maxNewConnectionsPerSecond'], planner: true },
  // Checked by the field's own parse (it is not a planner option); the schema states it like the others.
  { kind: 'needs', field: 'measureFlows', needs: ['maxNewConnectionsPerSecond'], planner: true },
  { kind: 'needs', field: 'connectionsPerTask', needs: ['reconnectSpreadSeconds'], planner: true },
  { kind: 'needs', field: 'reconnectSpreadSeconds', needs: ['connectionsPerTask'], planner: true },
  {
    kind: 'needs',
    field: 'maxNewConnectionsPerSecond',
    needs: ['connectionsPerTask', 'reconnectSpreadSeconds'],
    planner: true,
  },
];

/** A scale-down mode of planScaledown (plan/plan-options.ts `Mode`). */
export type ScheduleMode = 'percent' | 'tasks' | 'budget' | 'window';

/**
 * "The schedule": the fields that choose how the old set is retired, each with the modes it belongs to.
 * Overriding an input's schedule (CLI flags over a file, a file over the simulator's defaults) keeps
 * only the fields of the modes the overriding fields choose (overrideInput), so `--over 3m` over a
 * file's 25 %/60 s replaces that mode instead of combining into a contradiction. The reconnection model
 * (connectionsPerTask, reconnectSpreadSeconds) describes the clients, not a mode, and is kept.
 */
export const scheduleModes: Readonly<Partial<Record<InputFieldName, readonly ScheduleMode[]>>> = {
  decrementPercent: ['percent'],
  decrementTasks: ['tasks'],
  intervalSeconds: ['percent', 'tasks'],
  terminationWindowSeconds: ['window'],
  maxNewConnectionsPerSecond: ['budget'],
  budgetConfidence: ['budget'],
  connectionsPerTaskP95: ['budget'],
  dropLagSpreadSeconds: ['budget'],
  measureFlows: ['budget'],
};
