/**
 * The one place where command-line flags map to core's deployment input fields. Every command that
 * takes a deployment input (deploy, rollback, status, plan) uses this table, so a flag means the same
 * thing everywhere and error messages can name the flag of a field.
 */

type Kind = 'string' | 'number' | 'list' | 'boolean';

interface InputFlag {
  /** The field of core's DeploymentInput. */
  field: string;
  kind: Kind;
  /** A boolean flag's value for the field when the flag is given (default true): `--keep-x` sets false. */
  sets?: boolean;
  /** Shown in --help. */
  help: string;
}

export const inputFlags = {
  cluster: { field: 'cluster', kind: 'string', help: 'ECS cluster name or ARN' },
  service: { field: 'service', kind: 'string', help: 'ECS service name (EXTERNAL deployment controller)' },
  'task-definition': {
    field: 'taskDefinition',
    kind: 'string',
    help: 'new task definition ARN or family:revision',
  },
  'load-balancer': { field: 'loadBalancerArn', kind: 'string', help: 'ARN of the Network Load Balancer' },
  'production-listener': {
    field: 'productionListenerArns',
    kind: 'list',
    help: 'production listener ARN(s), instead of discovery (repeat or comma-separate)',
  },
  'test-listener': { field: 'testListenerArn', kind: 'string', help: 'test listener ARN' },
  'test-listener-port': {
    field: 'testListenerPort',
    kind: 'number',
    help: 'port of the test listener when discovering (default 8080)',
  },
  'container-name': {
    field: 'containerName',
    kind: 'string',
    help: 'container registered in the target group',
  },
  'container-port': {
    field: 'containerPort',
    kind: 'number',
    help: 'container port registered in the target group',
  },
  subnets: { field: 'subnets', kind: 'list', help: 'subnet ids for the tasks (repeat or comma-separate)' },
  'security-groups': {
    field: 'securityGroups',
    kind: 'list',
    help: 'security group ids for the tasks (repeat or comma-separate)',
  },
  'assign-public-ip': {
    field: 'assignPublicIp',
    kind: 'boolean',
    help: 'give tasks a public IP (default off)',
  },
  'launch-type': {
    field: 'launchType',
    kind: 'string',
    help: "FARGATE, EC2 or EXTERNAL (default: the old task set's launch type or capacity provider strategy; FARGATE on a first deployment)",
  },
  'platform-version': { field: 'platformVersion', kind: 'string', help: 'Fargate platform version' },
  'create-service': {
    field: 'createService',
    kind: 'boolean',
    help: 'create the service (EXTERNAL deployment controller) if it does not exist; refused when the production target group serves another service',
  },
  'desired-count': {
    field: 'desiredCount',
    kind: 'number',
    help: 'desiredCount of a service to create (plan: the task count to plan for, offline)',
  },
  decrement: {
    field: 'decrementPercent',
    kind: 'number',
    help: 'percent of desiredCount removed per step (default 25)',
  },
  'decrement-tasks': {
    field: 'decrementTasks',
    kind: 'number',
    help: 'tasks removed per step (instead of --decrement)',
  },
  interval: {
    field: 'intervalSeconds',
    kind: 'number',
    help: 'seconds between scale-down steps (default 60)',
  },
  'connections-per-task': {
    field: 'connectionsPerTask',
    kind: 'number',
    help: 'average open connections per task (predicts the reconnection peak)',
  },
  'reconnect-spread': {
    field: 'reconnectSpreadSeconds',
    kind: 'number',
    help: 'seconds over which dropped clients reconnect',
  },
  'max-new-connections-per-second': {
    field: 'maxNewConnectionsPerSecond',
    kind: 'number',
    help: 'budget mode: the reconnection rate to stay under',
  },
  'ready-timeout': {
    field: 'readyTimeoutSeconds',
    kind: 'number',
    help: 'deadline for the new set to be healthy (600)',
  },
  'poll-interval': {
    field: 'pollIntervalSeconds',
    kind: 'number',
    help: 'seconds between observations (15)',
  },
  settle: { field: 'settleSeconds', kind: 'number', help: 'wait after the swap before scaling down (60)' },
  'unhealthy-grace': {
    field: 'unhealthyGraceSeconds',
    kind: 'number',
    help: 'after the swap, roll back when fewer than half the new tasks are healthy for this long (60)',
  },
  'drain-timeout': {
    field: 'drainTimeoutSeconds',
    kind: 'number',
    help: 'deadline for the old set to drain (900)',
  },
  'keep-autoscaling': {
    field: 'suspendAutoScaling',
    kind: 'boolean',
    sets: false,
    help: "keep the service's Application Auto Scaling active (default: suspended while deploying, then restored)",
  },
  alarm: {
    field: 'alarmNames',
    kind: 'list',
    help: 'CloudWatch alarm that triggers a rollback (repeatable)',
  },
  'deployment-id': {
    field: 'deploymentId',
    kind: 'string',
    help: 'id of the deployment (generated when absent)',
  },
} as const satisfies Record<string, InputFlag>;

export type InputFlagName = keyof typeof inputFlags;

/** parseArgs option definitions for the input flags. */
export function inputFlagOptions(): Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> {
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean }> = {};
  for (const [name, flag] of Object.entries(inputFlags) as [string, InputFlag][]) {
    if (flag.kind === 'boolean') options[name] = { type: 'boolean' };
    else if (flag.kind === 'list') options[name] = { type: 'string', multiple: true };
    else options[name] = { type: 'string' };
  }
  return options;
}

/**
 * Input fields given as flags. Numbers that do not parse are passed on as text, so core's validation
 * reports them with its usual message ("must be an integer >= 1, got \"x\"").
 */
export function inputFromFlags(values: Record<string, unknown>): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  for (const [name, flag] of Object.entries(inputFlags) as [string, InputFlag][]) {
    const value = values[name];
    if (value === undefined) continue;
    switch (flag.kind) {
      case 'string':
        input[flag.field] = value;
        break;
      case 'boolean':
        input[flag.field] = value === true ? (flag.sets ?? true) : value;
        break;
      case 'number': {
        const text = String(value).trim();
        const number = Number(text);
        input[flag.field] = text !== '' && Number.isFinite(number) ? number : value;
        break;
      }
      case 'list':
        input[flag.field] = (value as string[])
          .flatMap((item) => item.split(','))
          .map((item) => item.trim())
          .filter((item) => item !== '');
        break;
    }
  }
  return input;
}

/** `decrementPercent` -> `--decrement`; also for indexed fields (`subnets[1]` -> `--subnets`). */
export function flagForField(field: string): string | undefined {
  const base = field.replace(/[[.].*$/, '');
  for (const [name, flag] of Object.entries(inputFlags) as [string, InputFlag][]) {
    if (flag.field === base) return `--${name}`;
  }
  return undefined;
}

/** Help lines for `extra` flags and then the input flags, aligned. */
export function inputFlagsHelp(extra: readonly (readonly [string, string])[] = []): string {
  const names = Object.keys(inputFlags) as InputFlagName[];
  const rows = [
    ...extra,
    ...names.map((name) => {
      const flag: InputFlag = inputFlags[name];
      const arg = flag.kind === 'boolean' ? '' : flag.kind === 'number' ? ' N' : ' VALUE';
      return [`--${name}${arg}`, flag.help] as const;
    }),
  ];
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`).join('\n');
}
