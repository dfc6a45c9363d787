import type { SuspendedState } from '@aws-sdk/client-application-auto-scaling';
import type { SimContext } from '../context.js';
import type { SimService } from '../ecs/model.js';

/** The one scalable dimension the simulator models: an ECS service's desired count. */
export const ECS_DESIRED_COUNT = 'ecs:service:DesiredCount';

/** SuspendedState with every flag present (DescribeScalableTargets always shows all three). */
export type FullSuspendedState = Required<{ [K in keyof SuspendedState]: boolean }>;

export interface SimScalableTarget {
  arn: string;
  /** `service/<cluster>/<service>`. */
  resourceId: string;
  service: SimService;
  minCapacity: number;
  maxCapacity: number;
  suspendedState: FullSuspendedState;
  roleArn: string;
  tags: Record<string, string>;
  /** Simulated ms since the world started. */
  createdAt: number;
}

/** A scaling policy (dynamic) or a scheduled action; `register` is RegisterScalableTarget moving the count into a new range. */
export type ScalingKind = 'dynamic' | 'scheduled';

export type ScalingSkipReason =
  | 'DynamicScalingOutSuspended'
  | 'DynamicScalingInSuspended'
  | 'ScheduledScalingSuspended'
  | 'NoScalableTarget';

/** One scaling activity, applied or skipped. */
export interface ScalingActivity {
  /** Simulated ms since the world started. */
  at: number;
  kind: ScalingKind | 'register';
  resourceId: string;
  /** The desired count asked for (for `register`, the count being moved into the range). */
  requested: number;
  /** The service desiredCount before. */
  from: number;
  /** The count it goes to: `requested` clamped to [min, max]; what it would have gone to when skipped. */
  to: number;
  /** Why it did not happen; absent when applied. */
  skipped?: ScalingSkipReason;
}

/** What a test or `buildWorld` gives to create a scalable target. */
export interface ScalableTargetOptions {
  minCapacity: number;
  maxCapacity: number;
  /** Omitted flags are false. */
  suspendedState?: SuspendedState;
}

/** A scaling activity to run at a simulated time. */
export interface ScheduledScaling {
  /** Simulated seconds since the world started. */
  atSeconds: number;
  desiredCount: number;
  /** `'dynamic'`: a target tracking or step scaling policy; `'scheduled'`: a scheduled action. */
  kind: ScalingKind;
}

export const resourceIdOf = (service: SimService) => `service/${service.cluster.name}/${service.name}`;
const clamp = (n: number, min: number, max: number) => Math.min(Math.max(n, min), max);

/**
 * Application Auto Scaling for ECS services: scalable targets (min, max, SuspendedState) and the
 * scaling activities that change a service's desiredCount within them. Every activity, applied or
 * skipped, is kept in `activities`.
 */
export class AutoScalingState {
  readonly targets = new Map<string, SimScalableTarget>();
  readonly activities: ScalingActivity[] = [];

  constructor(private readonly ctx: SimContext) {}

  arn(resource: string): string {
    return `arn:aws:application-autoscaling:${this.ctx.settings.region}:${this.ctx.settings.account}:${resource}`;
  }

  target(service: SimService): SimScalableTarget | undefined {
    return this.targets.get(resourceIdOf(service));
  }

  /**
   * RegisterScalableTarget: creates the target (min and max required) or updates it, where every
   * field left out keeps its value, each SuspendedState flag included. When the request sets a
   * capacity, the service's desiredCount is moved into the range, as AWS does.
   */
  register(
    service: SimService,
    request: {
      minCapacity?: number;
      maxCapacity?: number;
      suspendedState?: SuspendedState;
      tags?: Record<string, string>;
    },
    fail: (message: string) => Error = (message) => new Error(message),
  ): SimScalableTarget {
    const resourceId = resourceIdOf(service);
    let target = this.targets.get(resourceId);
    for (const [name, value] of [
      ['MinCapacity', request.minCapacity],
      ['MaxCapacity', request.maxCapacity],
    ] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
        throw fail(`${name} must be an integer of at least 0 for an ECS service.`);
      }
    }
    const min = request.minCapacity ?? target?.minCapacity;
    const max = request.maxCapacity ?? target?.maxCapacity;
    if (min === undefined || max === undefined) {
      throw fail('MinCapacity and MaxCapacity are required when registering a new scalable target.');
    }
    if (min > max) throw fail(`Minimum capacity ${min} cannot be greater than maximum capacity ${max}.`);
    const previous = target?.suspendedState;
    const flag = (key: keyof FullSuspendedState) => request.suspendedState?.[key] ?? previous?.[key] ?? false;
    const suspendedState: FullSuspendedState = {
      DynamicScalingInSuspended: flag('DynamicScalingInSuspended'),
      DynamicScalingOutSuspended: flag('DynamicScalingOutSuspended'),
      ScheduledScalingSuspended: flag('ScheduledScalingSuspended'),
    };
    if (target) {
      target.minCapacity = min;
      target.maxCapacity = max;
      target.suspendedState = suspendedState;
    } else {
      target = {
        arn: this.arn(`scalable-target/${this.ctx.rng.ids.hex(36)}`),
        resourceId,
        service,
        minCapacity: min,
        maxCapacity: max,
        suspendedState,
        roleArn: `arn:aws:iam::${this.ctx.settings.account}:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService`,
        tags: { ...request.tags },
        createdAt: this.ctx.clock.elapsedMs,
      };
      this.targets.set(resourceId, target);
    }
    if (request.minCapacity !== undefined || request.maxCapacity !== undefined) {
      const from = service.desiredCount;
      const to = clamp(from, min, max);
      if (to !== from) {
        this.ctx.scheduler.setDesiredCount(service, to);
        this.record({ kind: 'register', resourceId, requested: from, from, to });
      }
    }
    return target;
  }

  /**
   * A scaling activity now: a dynamic scale-out is skipped while DynamicScalingOutSuspended, a dynamic
   * scale-in while DynamicScalingInSuspended, a scheduled one while ScheduledScalingSuspended;
   * otherwise the service's desiredCount becomes `desiredCount` clamped to [min, max] and every task
   * set follows (as after UpdateService).
   */
  scale(service: SimService, desiredCount: number, kind: ScalingKind): ScalingActivity {
    const resourceId = resourceIdOf(service);
    const from = service.desiredCount;
    const target = this.targets.get(resourceId);
    if (!target) {
      return this.record({
        kind,
        resourceId,
        requested: desiredCount,
        from,
        to: from,
        skipped: 'NoScalableTarget',
      });
    }
    const to = clamp(desiredCount, target.minCapacity, target.maxCapacity);
    const state = target.suspendedState;
    let skipped: ScalingSkipReason | undefined;
    if (kind === 'scheduled') {
      if (state.ScheduledScalingSuspended) skipped = 'ScheduledScalingSuspended';
    } else if (to > from && state.DynamicScalingOutSuspended) skipped = 'DynamicScalingOutSuspended';
    else if (to < from && state.DynamicScalingInSuspended) skipped = 'DynamicScalingInSuspended';
    if (!skipped && to !== from) this.ctx.scheduler.setDesiredCount(service, to);
    return this.record({
      kind,
      resourceId,
      requested: desiredCount,
      from,
      to,
      ...(skipped ? { skipped } : {}),
    });
  }

  private record(activity: Omit<ScalingActivity, 'at'>): ScalingActivity {
    const entry = { at: this.ctx.clock.elapsedMs, ...activity };
    this.activities.push(entry);
    return entry;
  }
}
