/**
 * A small stateful stand-in for ECS, ELBv2, CloudWatch and Application Auto Scaling behind
 * aws-sdk-client-mock, for tests that run several phases (rollback, the deploy loop). Mutations change what
 * later Describe* calls return, so a phase's read-back and the next phase see their effect. Deliberately
 * simple: tasks start and stop at once; new targets turn healthy `healthDelayMs` after their set is created
 * or scaled up; the targets a scale-down removes stay `draining` for `drainingMs`; a target group without a
 * listener reports its targets `unused`; a group in `failingHealth` (or in `failingHealthFrom`, from a given
 * time: a version that fails after the swap) reports its targets `unhealthy`.
 */
import {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateServiceCommand,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  DescribeTaskSetsCommand,
  TagResourceCommand,
  type TaskSet,
  TaskSetNotFoundException,
  UntagResourceCommand,
  UpdateServicePrimaryTaskSetCommand,
  UpdateTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  AddTagsCommand,
  DescribeListenersCommand,
  DescribeTagsCommand,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ListenerNotFoundException,
  ModifyListenerCommand,
  RemoveTagsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type AwsMocks,
  BLUE_TG,
  CLUSTER,
  GREEN_TG,
  listener,
  NEW_SET_ARN,
  NOW,
  OLD_SET_ARN,
  OLD_TD,
  PREVIOUS_DEPLOYMENT_ID,
  PROD_LISTENER_ARN,
  SERVICE,
  service,
  servicesOutput,
  TEST_LISTENER_ARN,
  targetGroup,
} from './fixtures';

export interface FakeSet {
  taskSetArn: string;
  id: string;
  externalId: string | undefined;
  taskDefinition: string;
  targetGroupArn: string;
  scale: number;
  primary: boolean;
  createdAt: number;
  /** Targets are healthy from this time on. */
  healthyAt: number;
  tags?: Record<string, string>;
  /** Targets a scale-down removed, still `draining` until `until` (epoch ms). */
  draining?: { count: number; until: number }[];
}

/** The three SuspendedState flags of a scalable target, as Application Auto Scaling reports them. */
export interface FakeSuspendedState {
  DynamicScalingInSuspended: boolean;
  DynamicScalingOutSuspended: boolean;
  ScheduledScalingSuspended: boolean;
}

export const notSuspended: FakeSuspendedState = {
  DynamicScalingInSuspended: false,
  DynamicScalingOutSuspended: false,
  ScheduledScalingSuspended: false,
};

/** `in=false out=true scheduled=false`: how the fake logs a RegisterScalableTarget. */
export const suspendedText = (s: FakeSuspendedState) =>
  `in=${s.DynamicScalingInSuspended} out=${s.DynamicScalingOutSuspended} scheduled=${s.ScheduledScalingSuspended}`;

export interface FakeClock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Hook run at every sleep, before time moves (to abort or change the world mid-wait). */
  onSleep?: (ms: number) => void;
}

export function fakeClock(start = NOW): FakeClock {
  let time = start;
  const clock: FakeClock = {
    now: () => time,
    sleep: async (ms, signal) => {
      clock.onSleep?.(ms);
      if (signal?.aborted) throw signal.reason;
      time += ms;
    },
  };
  return clock;
}

type Handler = (input: never) => unknown;

export class FakeAws {
  serviceExists = true;
  desiredCount = 4;
  sets: FakeSet[] = [];
  listeners = new Map<string, { port: number; targetGroupArn: string }>([
    [PROD_LISTENER_ARN, { port: 80, targetGroupArn: BLUE_TG }],
    [TEST_LISTENER_ARN, { port: 8080, targetGroupArn: GREEN_TG }],
  ]);
  tags = new Map<string, Record<string, string>>([
    [BLUE_TG, { 'ecs-taper:role': 'live', 'ecs-taper:deployment-id': PREVIOUS_DEPLOYMENT_ID }],
    [GREEN_TG, { 'ecs-taper:role': 'standby' }],
  ]);
  alarms = new Map<string, 'OK' | 'ALARM'>();
  /** How long new or scaled-up targets stay `initial`. */
  healthDelayMs = 30_000;
  /** Target groups whose targets never pass the health check. */
  failingHealth = new Set<string>();
  /** Target groups whose targets fail the health check from this (fake) time on, epoch ms. */
  failingHealthFrom = new Map<string, number>();
  /** How long the targets a scale-down removes stay `draining` (0: they leave at once). */
  drainingMs = 0;
  /** deregistration_delay.timeout_seconds per target group; absent: the attribute is not reported. */
  deregistrationDelay = new Map<string, number>();
  /** stopTimeout of the task definitions' container; undefined: not set (Fargate's 30 s applies). */
  stopTimeoutSeconds: number | undefined;
  /** The service's scalable target; undefined: the service has none. */
  scalableTarget: { SuspendedState: FakeSuspendedState } | undefined;
  /** Every SuspendedState the scalable target had, in order (the first is where it started). */
  readonly suspendedHistory: FakeSuspendedState[] = [];
  /** Every mutation, in order, as `Command detail`. */
  readonly log: string[] = [];
  /** The same mutations with the (fake) time each was made at. */
  readonly timeline: { at: number; entry: string }[] = [];
  private readonly failures = new Map<string, unknown[]>();
  private created = 0;

  constructor(private readonly clock: { now(): number }) {}

  /** The usual starting point: the old version live on blue at 100 %. */
  withOldSet(overrides: Partial<FakeSet> = {}): this {
    this.sets.push({
      taskSetArn: OLD_SET_ARN,
      id: 'ecs-svc/old',
      externalId: PREVIOUS_DEPLOYMENT_ID,
      taskDefinition: OLD_TD,
      targetGroupArn: BLUE_TG,
      scale: 100,
      primary: true,
      createdAt: NOW - 86_400_000,
      healthyAt: 0,
      ...overrides,
    });
    return this;
  }

  /** Gives the service a scalable target with this SuspendedState. */
  withScalableTarget(state: Partial<FakeSuspendedState> = {}): this {
    const SuspendedState = { ...notSuspended, ...state };
    this.scalableTarget = { SuspendedState };
    this.suspendedHistory.push(SuspendedState);
    return this;
  }

  /** Makes the next `times` calls of `command` (its class name) fail with `error`. */
  failNext(command: string, error: unknown, times = 1): this {
    this.failures.set(command, [...(this.failures.get(command) ?? []), ...Array(times).fill(error)]);
    return this;
  }

  private record(entry: string): void {
    this.log.push(entry);
    this.timeline.push({ at: this.clock.now(), entry });
  }

  /** When each mutation starting with `prefix` was made, in ms after `since`. */
  timesOf(prefix: string, since = NOW): number[] {
    return this.timeline.filter((e) => e.entry.startsWith(prefix)).map((e) => e.at - since);
  }

  set(arn: string): FakeSet | undefined {
    return this.sets.find((s) => s.taskSetArn === arn);
  }

  forwardsTo(listenerArn: string): string | undefined {
    return this.listeners.get(listenerArn)?.targetGroupArn;
  }

  computed(set: FakeSet): number {
    return Math.ceil((this.desiredCount * set.scale) / 100);
  }

  /** Whether the targets of this group fail their health checks now. */
  failing(targetGroupArn: string): boolean {
    const from = this.failingHealthFrom.get(targetGroupArn);
    return this.failingHealth.has(targetGroupArn) || (from !== undefined && this.clock.now() >= from);
  }

  private healthy(set: FakeSet): boolean {
    return this.clock.now() >= set.healthyAt && !this.failing(set.targetGroupArn);
  }

  private toTaskSet(set: FakeSet): TaskSet {
    const count = this.computed(set);
    return {
      taskSetArn: set.taskSetArn,
      id: set.id,
      externalId: set.externalId,
      taskDefinition: set.taskDefinition,
      status: set.primary ? 'PRIMARY' : 'ACTIVE',
      computedDesiredCount: count,
      runningCount: count,
      pendingCount: 0,
      stabilityStatus: this.healthy(set) ? 'STEADY_STATE' : 'STABILIZING',
      scale: { unit: 'PERCENT', value: set.scale },
      loadBalancers: [{ targetGroupArn: set.targetGroupArn, containerName: 'web', containerPort: 8080 }],
      createdAt: new Date(set.createdAt),
    };
  }

  install(aws: AwsMocks): this {
    const on = <C>(
      mock: { on(command: C): { callsFake(fn: Handler): unknown } },
      command: C & { name: string },
      fn: Handler,
    ) =>
      mock.on(command).callsFake(async (input: never) => {
        const queued = this.failures.get(command.name);
        if (queued && queued.length > 0) throw queued.shift();
        return fn(input);
      });
    const ecs = aws.ecs as unknown as { on(command: unknown): { callsFake(fn: Handler): unknown } };
    const elbv2 = aws.elbv2 as unknown as { on(command: unknown): { callsFake(fn: Handler): unknown } };
    const cloudwatch = aws.cloudwatch as unknown as {
      on(command: unknown): { callsFake(fn: Handler): unknown };
    };

    on(ecs, DescribeServicesCommand, () =>
      servicesOutput(
        this.serviceExists
          ? service(
              this.sets.map((s) => this.toTaskSet(s)),
              { desiredCount: this.desiredCount },
            )
          : undefined,
      ),
    );
    // Without `taskSets`, ECS describes every task set of the service.
    on(ecs, DescribeTaskSetsCommand, (input: { taskSets?: string[] }) => ({
      taskSets: this.sets
        .filter((s) => !input.taskSets || input.taskSets.includes(s.taskSetArn))
        .map((s) => ({
          ...this.toTaskSet(s),
          tags: Object.entries(s.tags ?? {}).map(([key, value]) => ({ key, value })),
        })),
      failures: [],
    }));
    on(ecs, TagResourceCommand, (input: { resourceArn: string; tags: { key: string; value: string }[] }) => {
      const set = this.set(input.resourceArn);
      if (!set) throw new Error(`no task set ${input.resourceArn}`);
      set.tags = { ...set.tags, ...Object.fromEntries(input.tags.map((t) => [t.key, t.value])) };
      this.record(`TagResource ${input.tags.map((t) => t.key).join(',')}`);
      return {};
    });
    on(ecs, UntagResourceCommand, (input: { resourceArn: string; tagKeys: string[] }) => {
      const set = this.set(input.resourceArn);
      if (set) for (const key of input.tagKeys) delete set.tags?.[key];
      this.record('UntagResource');
      return {};
    });
    on(ecs, DescribeTaskDefinitionCommand, () => ({
      taskDefinition: {
        containerDefinitions: [
          {
            name: 'web',
            portMappings: [{ containerPort: 8080 }],
            ...(this.stopTimeoutSeconds === undefined ? {} : { stopTimeout: this.stopTimeoutSeconds }),
          },
        ],
      },
    }));
    on(ecs, CreateServiceCommand, (input: { desiredCount: number }) => {
      this.record('CreateService');
      this.serviceExists = true;
      this.desiredCount = input.desiredCount;
      return {};
    });
    on(
      ecs,
      CreateTaskSetCommand,
      (input: {
        clientToken: string;
        externalId: string;
        taskDefinition: string;
        loadBalancers: { targetGroupArn: string }[];
        tags?: { key: string; value: string }[];
      }) => {
        const existing = this.sets.find((s) => s.externalId === input.clientToken);
        if (existing) return { taskSet: this.toTaskSet(existing) };
        this.created += 1;
        const set: FakeSet = {
          taskSetArn: this.created === 1 ? NEW_SET_ARN : `${NEW_SET_ARN}-${this.created}`,
          id: `ecs-svc/new-${this.created}`,
          externalId: input.externalId,
          taskDefinition: input.taskDefinition,
          targetGroupArn: input.loadBalancers[0]?.targetGroupArn ?? '',
          tags: Object.fromEntries((input.tags ?? []).map((t) => [t.key, t.value])),
          scale: 100,
          primary: this.sets.length === 0,
          createdAt: this.clock.now(),
          healthyAt: this.clock.now() + this.healthDelayMs,
        };
        this.sets.push(set);
        this.record(`CreateTaskSet ${set.taskSetArn}`);
        return { taskSet: this.toTaskSet(set) };
      },
    );
    on(ecs, UpdateTaskSetCommand, (input: { taskSet: string; scale: { value: number } }) => {
      const set = this.set(input.taskSet);
      if (!set)
        throw new TaskSetNotFoundException({
          message: 'The specified task set does not exist.',
          $metadata: {},
        });
      if (input.scale.value > set.scale) set.healthyAt = this.clock.now() + this.healthDelayMs;
      const before = this.computed(set);
      set.scale = input.scale.value;
      const removed = before - this.computed(set);
      if (removed > 0 && this.drainingMs > 0) {
        set.draining = [
          ...(set.draining ?? []),
          { count: removed, until: this.clock.now() + this.drainingMs },
        ];
      }
      this.record(`UpdateTaskSet ${input.taskSet} ${input.scale.value}`);
      return { taskSet: this.toTaskSet(set) };
    });
    on(ecs, UpdateServicePrimaryTaskSetCommand, (input: { primaryTaskSet: string }) => {
      for (const set of this.sets) set.primary = set.taskSetArn === input.primaryTaskSet;
      this.record(`UpdateServicePrimaryTaskSet ${input.primaryTaskSet}`);
      return {};
    });
    on(ecs, DeleteTaskSetCommand, (input: { taskSet: string }) => {
      if (!this.set(input.taskSet)) {
        throw new TaskSetNotFoundException({
          message: 'The specified task set does not exist.',
          $metadata: {},
        });
      }
      this.sets = this.sets.filter((s) => s.taskSetArn !== input.taskSet);
      this.record(`DeleteTaskSet ${input.taskSet}`);
      return {};
    });

    on(elbv2, DescribeListenersCommand, (input: { ListenerArns?: string[] }) => {
      const arns = input.ListenerArns ?? [...this.listeners.keys()];
      for (const arn of arns) {
        if (!this.listeners.has(arn)) {
          throw new ListenerNotFoundException({ message: 'One or more listeners not found', $metadata: {} });
        }
      }
      return {
        Listeners: arns.map((arn) => {
          const found = this.listeners.get(arn) as { port: number; targetGroupArn: string };
          return listener(arn, found.port, found.targetGroupArn);
        }),
      };
    });
    on(elbv2, DescribeTargetGroupsCommand, () => ({
      TargetGroups: [targetGroup(BLUE_TG), targetGroup(GREEN_TG)],
    }));
    on(elbv2, DescribeTargetHealthCommand, (input: { TargetGroupArn: string }) => {
      const used = [...this.listeners.values()].some((l) => l.targetGroupArn === input.TargetGroupArn);
      const descriptions = this.sets
        .filter((s) => s.targetGroupArn === input.TargetGroupArn)
        .flatMap((s) =>
          Array.from({ length: this.computed(s) }, (_, i) => ({
            Target: { Id: `${s.id}-${i}`, Port: 8080 },
            TargetHealth: !used
              ? { State: 'unused', Reason: 'Target.NotInUse' }
              : this.failing(s.targetGroupArn)
                ? { State: 'unhealthy', Reason: 'Target.FailedHealthChecks' }
                : this.healthy(s)
                  ? { State: 'healthy' }
                  : { State: 'initial', Reason: 'Elb.RegistrationInProgress' },
          })),
        );
      const draining = this.sets
        .filter((s) => s.targetGroupArn === input.TargetGroupArn)
        .flatMap((s) =>
          (s.draining ?? [])
            .filter((d) => d.until > this.clock.now())
            .flatMap((d, batch) =>
              Array.from({ length: d.count }, (_, i) => ({
                Target: { Id: `${s.id}-draining-${batch}-${i}`, Port: 8080 },
                TargetHealth: { State: 'draining', Reason: 'Target.DeregistrationInProgress' },
              })),
            ),
        );
      return { TargetHealthDescriptions: [...descriptions, ...draining] };
    });
    on(elbv2, DescribeTargetGroupAttributesCommand, (input: { TargetGroupArn: string }) => {
      const delay = this.deregistrationDelay.get(input.TargetGroupArn);
      return {
        Attributes: [
          { Key: 'stickiness.enabled', Value: 'false' },
          ...(delay === undefined
            ? []
            : [{ Key: 'deregistration_delay.timeout_seconds', Value: String(delay) }]),
        ],
      };
    });
    on(elbv2, DescribeTagsCommand, (input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((arn) => ({
        ResourceArn: arn,
        Tags: Object.entries(this.tags.get(arn) ?? {}).map(([Key, Value]) => ({ Key, Value })),
      })),
    }));
    on(
      elbv2,
      ModifyListenerCommand,
      (input: { ListenerArn: string; DefaultActions: { TargetGroupArn: string }[] }) => {
        const found = this.listeners.get(input.ListenerArn);
        if (!found)
          throw new ListenerNotFoundException({ message: 'One or more listeners not found', $metadata: {} });
        found.targetGroupArn = input.DefaultActions[0]?.TargetGroupArn ?? '';
        const name =
          input.ListenerArn === PROD_LISTENER_ARN
            ? 'prod'
            : input.ListenerArn === TEST_LISTENER_ARN
              ? 'test'
              : `:${found.port}`;
        this.record(`ModifyListener ${name} ${found.targetGroupArn === BLUE_TG ? 'blue' : 'green'}`);
        return {};
      },
    );
    on(elbv2, AddTagsCommand, (input: { ResourceArns: string[]; Tags: { Key: string; Value: string }[] }) => {
      for (const arn of input.ResourceArns) {
        this.tags.set(arn, {
          ...this.tags.get(arn),
          ...Object.fromEntries(input.Tags.map((t) => [t.Key, t.Value])),
        });
      }
      this.record('AddTags');
      return {};
    });
    on(elbv2, RemoveTagsCommand, (input: { ResourceArns: string[]; TagKeys: string[] }) => {
      for (const arn of input.ResourceArns) {
        const kept = { ...this.tags.get(arn) };
        for (const key of input.TagKeys) delete kept[key];
        this.tags.set(arn, kept);
      }
      this.record('RemoveTags');
      return {};
    });
    on(cloudwatch, DescribeAlarmsCommand, (input: { AlarmNames: string[] }) => ({
      MetricAlarms: input.AlarmNames.map((name) => ({
        AlarmName: name,
        StateValue: this.alarms.get(name) ?? 'OK',
      })),
    }));
    const autoScaling = aws.autoScaling as unknown as {
      on(command: unknown): { callsFake(fn: Handler): unknown };
    };
    const resourceId = `service/${CLUSTER}/${SERVICE}`;
    on(autoScaling, DescribeScalableTargetsCommand, (input: { ResourceIds?: string[] }) => ({
      ScalableTargets:
        this.scalableTarget && (input.ResourceIds ?? [resourceId]).includes(resourceId)
          ? [
              {
                ServiceNamespace: 'ecs',
                ResourceId: resourceId,
                ScalableDimension: 'ecs:service:DesiredCount',
                MinCapacity: 1,
                MaxCapacity: 10,
                SuspendedState: { ...this.scalableTarget.SuspendedState },
              },
            ]
          : [],
    }));
    on(
      autoScaling,
      RegisterScalableTargetCommand,
      (input: { ResourceId: string; SuspendedState?: Partial<FakeSuspendedState> }) => {
        if (!this.scalableTarget || input.ResourceId !== resourceId) throw new Error('no scalable target');
        const SuspendedState = { ...this.scalableTarget.SuspendedState, ...input.SuspendedState };
        this.scalableTarget = { SuspendedState };
        this.suspendedHistory.push(SuspendedState);
        this.record(`RegisterScalableTarget ${suspendedText(SuspendedState)}`);
        return {};
      },
    );
    return this;
  }

  /** The mutations only, without the tag calls (informational on groups; the controller's on task sets). */
  get changes(): string[] {
    return this.log.filter((entry) => !entry.endsWith('Tags') && !/^(Tag|Untag)Resource/.test(entry));
  }
}
