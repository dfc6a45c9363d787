import {
  type DescribeScalableTargetsCommandInput,
  type DescribeScalableTargetsCommandOutput,
  InvalidNextTokenException,
  type RegisterScalableTargetCommandInput,
  type RegisterScalableTargetCommandOutput,
  type ScalableTarget,
  ServiceNamespace,
  ValidationException,
} from '@aws-sdk/client-application-auto-scaling';
import type { SimContext } from '../context.js';
import { ECS_DESIRED_COUNT, type SimScalableTarget } from './model.js';

type Out<T> = Omit<T, '$metadata'>;
const meta = () => ({ $metadata: { httpStatusCode: 400 } });
const invalid = (message: string) => new ValidationException({ message, ...meta() });
const NAMESPACES: ReadonlySet<string> = new Set(Object.values(ServiceNamespace));

function checkNamespace(namespace: string | undefined): string {
  if (!namespace || !NAMESPACES.has(namespace)) {
    throw invalid(
      `1 validation error detected: Value '${namespace ?? 'null'}' at 'serviceNamespace' failed to satisfy constraint: Member must satisfy enum value set: [${[...NAMESPACES].join(', ')}]`,
    );
  }
  return namespace;
}

function targetView(ctx: SimContext, target: SimScalableTarget): ScalableTarget {
  return {
    ServiceNamespace: 'ecs',
    ResourceId: target.resourceId,
    ScalableDimension: ECS_DESIRED_COUNT,
    MinCapacity: target.minCapacity,
    MaxCapacity: target.maxCapacity,
    RoleARN: target.roleArn,
    CreationTime: new Date(ctx.clock.epochMs + target.createdAt),
    SuspendedState: { ...target.suspendedState },
    ScalableTargetARN: target.arn,
  };
}

/**
 * Targets of the namespace, filtered by ResourceIds and ScalableDimension (which needs ResourceIds),
 * up to MaxResults (1-50, default 50) a page with a NextToken. Unknown resource ids are left out.
 * Only ECS services are modelled: another namespace has no targets.
 */
export function describeScalableTargets(
  ctx: SimContext,
  input: DescribeScalableTargetsCommandInput,
): Out<DescribeScalableTargetsCommandOutput> {
  const namespace = checkNamespace(input.ServiceNamespace);
  if (input.ScalableDimension && !input.ResourceIds?.length) {
    throw invalid('If you specify a scalable dimension, you must also specify a resource ID.');
  }
  const pageSize = input.MaxResults ?? 50;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 50) {
    throw invalid('MaxResults must be between 1 and 50.');
  }
  let targets = namespace === 'ecs' ? [...ctx.autoScaling.targets.values()] : [];
  if (input.ResourceIds?.length) {
    const wanted = new Set(input.ResourceIds);
    targets = targets.filter((t) => wanted.has(t.resourceId));
  }
  if (input.ScalableDimension && input.ScalableDimension !== ECS_DESIRED_COUNT) targets = [];
  let start = 0;
  if (input.NextToken !== undefined) {
    start = Number(input.NextToken);
    if (!Number.isInteger(start) || start < 0 || start > targets.length) {
      throw new InvalidNextTokenException({ message: 'Invalid token', ...meta() });
    }
  }
  const page = targets.slice(start, start + pageSize);
  const next = start + page.length;
  return {
    ScalableTargets: page.map((t) => targetView(ctx, t)),
    NextToken: next < targets.length ? String(next) : undefined,
  };
}

/**
 * Registers (MinCapacity and MaxCapacity required) or updates a target; on update every field left
 * out keeps its value, each SuspendedState flag included. A capacity in the request moves the
 * service's desiredCount into the range. The ECS service must exist.
 */
export function registerScalableTarget(
  ctx: SimContext,
  input: RegisterScalableTargetCommandInput,
): Out<RegisterScalableTargetCommandOutput> {
  const namespace = checkNamespace(input.ServiceNamespace);
  const unsupported = () => invalid('Unsupported service namespace, resource type or scalable dimension');
  if (namespace !== 'ecs') {
    throw invalid(`The simulator models ECS services only, not the ${namespace} namespace.`);
  }
  if (input.ScalableDimension !== ECS_DESIRED_COUNT) throw unsupported();
  const match = /^service\/([^/]+)\/([^/]+)$/.exec(input.ResourceId ?? '');
  if (!match) throw unsupported();
  const cluster = ctx.ecs.clusters.get(match[1] ?? '');
  const service = cluster ? ctx.ecs.findService(cluster, match[2] ?? '') : undefined;
  if (!service) throw invalid(`ECS service doesn't exist: ${input.ResourceId}`);
  const target = ctx.autoScaling.register(
    service,
    {
      minCapacity: input.MinCapacity,
      maxCapacity: input.MaxCapacity,
      suspendedState: input.SuspendedState,
      tags: input.Tags,
    },
    invalid,
  );
  return { ScalableTargetARN: target.arn };
}
