/**
 * Every command's flags, declared once: the parseArgs options (args.ts parseCommandArgs reads them from
 * here by command name) and the flag lines of its --help (help.ts) come from these declarations, so a
 * flag cannot exist without help, nor help without the flag. Input fields come from core's field table
 * (input-flags.ts); a command's own flags are declared below. A new command is one entry of
 * `commandFlags` (and its prose in help.ts). SDK-free: `--help` loads this.
 */
import { type InputFieldName, inputFieldEntries, scheduleFields } from '@ecs-taper/core/workflow';
import { flagUsage, helpRows, inputFlagOptions, inputFlagsOf } from './input-flags';

/** A command's own flag: how parseArgs reads it and what --help says. */
export interface FlagSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** The value's name in help: `--speed N`. */
  arg?: string;
  help: string;
}

export type Flags = Readonly<Record<string, FlagSpec>>;

export interface CommandFlags {
  /** The command's own flags. */
  own: Flags;
  /** Input fields taken as flags (their flags and help from core's field table): all, or these. */
  input?: 'all' | readonly InputFieldName[];
  /** --region, --profile and --simulator (AWS-facing commands). */
  backend?: boolean;
  /** Takes positional arguments (`simulator serve`). */
  positionals?: boolean;
}

export const backendFlags = {
  region: { type: 'string', arg: 'REGION', help: "AWS region (default: the SDK's chain, e.g. AWS_REGION)" },
  profile: { type: 'string', arg: 'NAME', help: 'profile of ~/.aws/config and ~/.aws/credentials' },
  simulator: {
    type: 'string',
    arg: 'URL',
    help: 'talk to `ecs-taper simulator serve` instead of AWS (no account needed)',
  },
} as const satisfies Flags;

const inputFile: FlagSpec = {
  type: 'string',
  arg: 'FILE',
  help: "JSON file with the deployment input (our flat input or the seed's event); flags override its fields",
};
const takeOver: FlagSpec = {
  type: 'boolean',
  help: "take the deployment's lease now, even if another controller's lease is unexpired (only when you know the other process is gone)",
};
const json = (help: string): FlagSpec => ({ type: 'boolean', help });
const flag = (arg: string, help: string): FlagSpec => ({ type: 'string', arg, help });

/** Where the service and its listeners are: what every command that acts on a deployment names. */
const placeFields = [
  'cluster',
  'service',
  'taskDefinition',
  'loadBalancerArn',
  'productionListenerArns',
  'testListenerArn',
  'testListenerPort',
] as const satisfies readonly InputFieldName[];

/**
 * The fields only the creation of the new task set (or of a service) reads: a deployment that has a new
 * task set, which status, promote after a pause and rollback act on, never reads them again.
 */
const creationFields: readonly InputFieldName[] = [
  'subnets',
  'securityGroups',
  'assignPublicIp',
  'launchType',
  'capacityProviderStrategy',
  'platformVersion',
  'createService',
  'desiredCount',
];

/**
 * What status reads (core's describeDeployment): the place, the schedule (to name the scale-down step
 * the old set is at) and the steps and hooks (to describe the current one); and the deployment's other
 * fields, which it passes on to the promote and abort commands it prints (a promote without the
 * deploy's --alarm or --hook would continue without them). Not the creation fields.
 */
const statusInput: readonly InputFieldName[] = inputFieldEntries
  .map(([name]) => name)
  .filter((name) => !creationFields.includes(name));

/**
 * What rollback reads (core's rollbackDeployment: discover, then the rollback and cleanup phases): the
 * place, the deployment id, the waits and deadlines, auto scaling to restore and the on-rollback hook.
 * Never the new task set's network or the schedule: it restores the old set, it creates nothing.
 */
const rollbackInput: readonly InputFieldName[] = [
  ...placeFields,
  'containerName',
  'containerPort',
  'deploymentId',
  'readyTimeoutSeconds',
  'pollIntervalSeconds',
  'settleSeconds',
  'drainTimeoutSeconds',
  'suspendAutoScaling',
  'hooks',
];

/**
 * simulate takes every schedule field but the two that describe the clients: its world's --connections-per-task
 * and --reconnect-spread are both the simulated clients and what the plan assumes of them.
 */
const simulateInput: readonly InputFieldName[] = scheduleFields.filter(
  (field) => field !== 'connectionsPerTask' && field !== 'reconnectSpreadSeconds',
);

export const commandFlags = {
  deploy: {
    input: 'all',
    backend: true,
    own: {
      input: inputFile,
      json: json('one JSON event per line on stdout (for pipelines)'),
      'take-over': takeOver,
      'state-machine': flag(
        'ARN',
        'run the deployment in this Step Functions state machine and follow it to its end',
      ),
      'run-id': flag(
        'ID',
        'with --state-machine: the pipeline run id that names the execution (e.g. "$GITHUB_RUN_ID")',
      ),
      'dry-run': {
        type: 'boolean',
        help: 'discover and plan against the account, change nothing: print the topology found, the plan and any refusal',
      },
    },
  },
  plan: {
    input: 'all',
    backend: true,
    own: { input: inputFile, json: json("print exactly planScaledown's result as JSON") },
  },
  status: {
    input: statusInput,
    backend: true,
    own: { input: inputFile, json: json('print the snapshot as one JSON object') },
  },
  rollback: {
    input: rollbackInput,
    backend: true,
    own: {
      input: inputFile,
      reason: flag('TEXT', 'recorded as the rollback reason (default "rollback requested")'),
      json: json('one JSON event per line on stdout'),
      'take-over': takeOver,
    },
  },
  promote: {
    input: 'all',
    backend: true,
    own: {
      input: inputFile,
      'no-wait': {
        type: 'boolean',
        help: 'only mark the pause as promoted and exit 0; the controller that waits at it (a running deploy, a Step Functions execution) continues',
      },
      json: json('one JSON event per line on stdout (the rest of the deployment)'),
      'take-over': takeOver,
    },
  },
  abort: {
    input: 'all',
    backend: true,
    own: {
      input: inputFile,
      'no-wait': {
        type: 'boolean',
        help: 'only mark the deployment as aborted and exit 0; its controller rolls back at its next look',
      },
      reason: flag('TEXT', 'recorded as the rollback reason (default "aborted (ecs-taper abort)")'),
      json: json('one JSON event per line on stdout (the rollback)'),
    },
  },
  simulate: {
    input: simulateInput,
    own: {
      strategy: flag('NAME', 'taper (default, ecs-taper itself), all-at-once, seed, rolling'),
      baseline: flag('NAME', 'compared against (default all-at-once; none to skip)'),
      tasks: flag('N', 'service desiredCount (default 20)'),
      'connections-per-task': flag('N', 'clients per task (default 500)'),
      'reconnect-spread': flag(
        'SECONDS',
        'clients reconnect after a random delay up to this, and the plan assumes it (default 5)',
      ),
      'reconnect-jitter': flag('SECONDS', 'the older name of --reconnect-spread'),
      'deregistration-delay': flag('SECONDS', "the target groups' deregistration delay (default 120)"),
      'stop-jitter': flag(
        'SECONDS',
        'each task drops its clients up to this much later than its deregistration delay (default 0)',
      ),
      'connection-imbalance': flag(
        'X',
        'clients per task uniform in N x (1 +/- X), same total; 0-1 (default 0: all equal)',
      ),
      'bad-version': flag('MODE', 'the new version is unhealthy or crashes: unhealthy, crash'),
      'alarm-at': flag('SECONDS', 'an alarm fires this long after the start (taper rolls back)'),
      seed: flag('N', 'random seed (same seed, same result)'),
      speed: flag('N', 'simulated seconds per real second (default 150 on a terminal, else 0 = instant)'),
      report: flag('FILE', 'also write the chart as a self-contained .svg or .html file'),
      json: json('print the simulation summary of --strategy as one JSON object'),
    },
  },
  simulator: {
    positionals: true,
    own: {
      port: flag('N', 'port on 127.0.0.1 (default 4510; 0 picks a free one)'),
      host: flag('HOST', 'address to listen on (default 127.0.0.1)'),
      speed: flag('N', 'simulated seconds per real second (default 30; 0 = instant)'),
      tasks: flag('N', 'service desiredCount (default 20)'),
      'connections-per-task': flag('N', 'clients per task (default 500)'),
      'bad-version': flag('MODE', 'v2 is unhealthy or crashes: unhealthy, crash'),
      'throttle-rate': flag('R', 'share (0-1) of API calls throttled'),
      seed: flag('N', 'random seed'),
    },
  },
} as const satisfies Record<string, CommandFlags>;

export type CommandName = keyof typeof commandFlags;

type Option = { type: 'string' | 'boolean'; multiple?: boolean };

function inputFieldsOf(spec: CommandFlags): readonly InputFieldName[] | undefined {
  return spec.input === 'all' ? undefined : spec.input;
}

/** The parseArgs options of `command`: its own flags, its input fields' flags and the AWS access flags. */
export function commandOptions(command: CommandName): Record<string, Option> {
  const spec: CommandFlags = commandFlags[command];
  const groups: Record<string, Option>[] = [
    Object.fromEntries(
      Object.entries(spec.own).map(([name, { type, multiple }]) => [
        name,
        multiple ? { type, multiple } : { type },
      ]),
    ),
    spec.input ? inputFlagOptions(inputFieldsOf(spec)) : {},
    spec.backend
      ? Object.fromEntries(Object.entries(backendFlags).map(([name, { type }]) => [name, { type }]))
      : {},
  ];
  const options: Record<string, Option> = {};
  for (const group of groups) {
    for (const [name, option] of Object.entries(group)) {
      if (name in options) throw new Error(`ecs-taper ${command}: flag --${name} is declared twice`);
      options[name] = option;
    }
  }
  return options;
}

const ownRow = (name: string, spec: FlagSpec) =>
  [
    flagUsage({ name, value: spec.type === 'boolean' ? 'boolean' : 'string', arg: spec.arg }),
    spec.help,
  ] as const;

/**
 * The flag sections of `command`'s help: its own flags, then its input fields' flags (under `heading`),
 * then AWS access. Generated from the same declarations as its parseArgs options.
 */
export function flagsHelp(command: CommandName, heading = 'Flags:'): string {
  const spec: CommandFlags = commandFlags[command];
  const rows = [
    ...Object.entries(spec.own).map(([name, own]) => ownRow(name, own)),
    ...(spec.input ? inputFlagsOf(inputFieldsOf(spec)).map((f) => [flagUsage(f), f.help] as const) : []),
  ];
  const sections = [`${heading}\n${helpRows(rows)}`];
  if (spec.backend) {
    const access = Object.entries(backendFlags).map(([name, own]) => ownRow(name, own));
    sections.push(
      `AWS access:\n${helpRows([...access, ['AWS_ENDPOINT_URL', 'honoured by the SDK, for AWS-compatible emulators']])}`,
    );
  }
  return sections.join('\n\n');
}
