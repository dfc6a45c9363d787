import {
  type AlwaysPresentField,
  type FieldSpec,
  type InputDefaults,
  type InputFieldName,
  type InputLimits,
  inputFieldEntries,
  type ScheduleField,
} from './input-fields';
import type { DeploymentStep, Hooks } from './steps/types';

/** The deployment input every runner accepts (CLI flags, Lambda event, library call). Flat on purpose. */
export interface DeploymentInput {
  /** Cluster name or ARN. */
  cluster: string;
  /** Service name (created with the EXTERNAL deployment controller when missing). */
  service: string;
  /** Task definition ARN or family:revision of the new version. */
  taskDefinition: string;
  /** The NLB whose listeners and target groups are discovered. Needed unless `productionListenerArns` is given. */
  loadBalancerArn?: string;
  /** Explicit production listener(s); overrides discovery by port. */
  productionListenerArns?: string[];
  /** Explicit test listener (serves the standby target group so its targets are health-checked). */
  testListenerArn?: string;
  /** Port of the test listener when discovering from the NLB. Default 8080 (the seed's). */
  testListenerPort?: number;
  /** Container and port registered in the target group; read from the task definition when it has one port mapping. */
  containerName?: string;
  containerPort?: number;
  /**
   * The new task set's awsvpc network (sent only when the task definition's networkMode is awsvpc). Each
   * field defaults to the old task set's; on a first deployment subnets and securityGroups are required.
   */
  subnets?: string[];
  securityGroups?: string[];
  /** Default: the old task set's; on a first deployment false (tasks sit in private subnets behind the NLB). */
  assignPublicIp?: boolean;
  /**
   * How the new task set runs. Default: the old task set's launch type or capacity provider strategy; on a
   * first deployment FARGATE (none for a task definition that is not awsvpc: the cluster's default strategy).
   */
  launchType?: 'FARGATE' | 'EC2' | 'EXTERNAL';
  capacityProviderStrategy?: { capacityProvider: string; weight?: number; base?: number }[];
  /** Fargate platform version. Default: the old task set's (unless launchType/strategy says it is not Fargate). */
  platformVersion?: string;
  /**
   * Create the service (EXTERNAL deployment controller) when it does not exist. Default false: a missing
   * service is refused, never created behind a load balancer someone else's service uses. The seed's
   * event defaults it to true (its sample created the service), still only for an empty target group.
   */
  createService?: boolean;
  /** desiredCount of a service that has to be created (1..5000, ECS's tasks-per-service quota). Default 2. */
  desiredCount?: number;
  /** Scale-down schedule (see planScaledown). */
  decrementPercent?: number;
  decrementTasks?: number;
  intervalSeconds?: number;
  terminationWindowSeconds?: number;
  connectionsPerTask?: number;
  maxNewConnectionsPerSecond?: number;
  reconnectSpreadSeconds?: number;
  budgetConfidence?: number;
  connectionsPerTaskP95?: number;
  /** Budget mode: slack between steps for the spread of the tasks' stop lag (0..120 s, default 5). */
  dropLagSpreadSeconds?: number;
  /** Budget mode: read the new group's NewFlowCount (CloudWatch, per minute) and slow down near the budget. */
  measureFlows?: boolean;
  /** Deadline for the new task set to be steady and healthy (> 0, <= 86400: a day). Default 600. */
  readyTimeoutSeconds?: number;
  /** How often waits re-observe AWS (> 0, <= 3600). Default 15. */
  pollIntervalSeconds?: number;
  /** Wait after the swap before the first scale-down step (0..3600). Default 60. */
  settleSeconds?: number;
  /** Deadline for the old set to drain after its last step (> 0, <= 86400: a day). Default 900. */
  drainTimeoutSeconds?: number;
  /**
   * From the swap to the end: fewer than half of the new set's tasks healthy in its target group for this
   * long (0..3600) rolls back, alarm or not. Default 60.
   */
  unhealthyGraceSeconds?: number;
  /**
   * Suspend the service's Application Auto Scaling (dynamic in/out and scheduled) for the deployment and
   * restore its previous SuspendedState at the end. Default true; false keeps scaling active.
   */
  suspendAutoScaling?: boolean;
  /** CloudWatch alarms that trigger a rollback when in ALARM before cleanup. */
  alarmNames?: string[];
  /**
   * The deployment as a list of steps (canary, swap, pause, hook, scaleDown). Default `[swap, scaleDown]`:
   * what ecs-taper always did. Resolved, it always holds the list, hooks placed.
   */
  steps?: DeploymentStep[];
  /**
   * Lifecycle hooks by stage (steps/types.ts hookStages): each exactly one of command, functionName or
   * url, with timeoutSeconds (> 0, <= 3600; default 300).
   */
  hooks?: Hooks;
  /** Ties every step together; generated when absent. At most 36 characters [A-Za-z0-9_-]. */
  deploymentId?: string;
}

/** Input with every default applied; what phases and runners work with. `steps` is always resolved. */
export type ResolvedInput = Omit<DeploymentInput, AlwaysPresentField> &
  Required<Pick<DeploymentInput, AlwaysPresentField>>;

function fieldsWhere(test: (spec: FieldSpec) => boolean): InputFieldName[] {
  return inputFieldEntries.filter(([, spec]) => test(spec)).map(([name]) => name);
}

/** The defaults parseDeploymentInput applies (from the field table). */
export const inputDefaults: InputDefaults = Object.freeze(
  Object.fromEntries(
    inputFieldEntries.flatMap(([name, spec]) => ('default' in spec ? [[name, spec.default]] : [])),
  ),
) as InputDefaults;

/**
 * What the new task set gets when neither the input nor the old task set says (a first deployment). Not
 * applied by parseDeploymentInput: an absent field means "as the old task set runs".
 */
export const taskSetDefaults = {
  assignPublicIp: false,
  /** Only for an awsvpc task definition: Fargate needs awsvpc, and FARGATE is what earlier versions forced. */
  launchType: 'FARGATE',
} as const;

/**
 * Upper bounds of the input's own number fields (from the field table), checked by parseDeploymentInput
 * before any AWS call. The schedule fields' bounds are the planner's (plan/plan-options.ts).
 */
export const inputLimits: InputLimits = Object.freeze(
  Object.fromEntries(
    inputFieldEntries.flatMap(([name, { kind }]) =>
      kind.type === 'number' && !kind.schedule ? [[name, kind.max]] : [],
    ),
  ),
) as InputLimits;

/** The input fields that are planScaledown's options (besides the counts, which come from ECS). */
export const scheduleFields = fieldsWhere(
  ({ kind }) => kind.type === 'number' && kind.schedule === true,
) as readonly ScheduleField[];

export type ScheduleOptions = Partial<Record<ScheduleField, number>>;

/** The schedule fields present in `input`, ready to spread into planScaledown's options. */
export function scheduleOptions(input: object): ScheduleOptions {
  const options: ScheduleOptions = {};
  for (const field of scheduleFields) {
    const value = (input as Record<string, unknown>)[field];
    if (value !== undefined) options[field] = value as number;
  }
  return options;
}
