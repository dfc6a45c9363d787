import {
  type DescribeServicesCommandInput,
  type DescribeServicesCommandOutput,
  type DescribeTaskDefinitionCommandInput,
  type DescribeTaskDefinitionCommandOutput,
  type DescribeTaskSetsCommandInput,
  type DescribeTaskSetsCommandOutput,
  type Failure,
  InvalidParameterException,
  type ListServicesCommandInput,
  type ListServicesCommandOutput,
} from '@aws-sdk/client-ecs';
import type { SimContext } from '../context.js';
import { serviceView, taskDefinitionView, taskSetView } from './views.js';

type Out<T> = Omit<T, '$metadata'>;
const invalid = (message: string) =>
  new InvalidParameterException({ message, $metadata: { httpStatusCode: 400 } });

/** Missing services are reported in `failures` with reason MISSING; DescribeServices does not throw for them. */
export function describeServices(
  ctx: SimContext,
  input: DescribeServicesCommandInput,
): Out<DescribeServicesCommandOutput> {
  const cluster = ctx.ecs.cluster(input.cluster);
  const refs = input.services ?? [];
  if (refs.length === 0) throw invalid('Services cannot be empty.');
  if (refs.length > 10) throw invalid('A maximum of 10 services can be described at a time.');
  const includeTags = input.include?.includes('TAGS') ?? false;
  const services = [];
  const failures: Failure[] = [];
  for (const ref of refs) {
    const service = ctx.ecs.findService(cluster, ref);
    if (service) services.push(serviceView(service, ctx.clock.epochMs, ctx.clock.elapsedMs, includeTags));
    else {
      const arn = ref.startsWith('arn:') ? ref : ctx.ecs.arn(`service/${cluster.name}/${ref}`);
      failures.push({ arn, reason: 'MISSING' });
    }
  }
  return { services, failures };
}

/** Missing task sets are reported in `failures` with reason MISSING; a missing service throws. */
export function describeTaskSets(
  ctx: SimContext,
  input: DescribeTaskSetsCommandInput,
): Out<DescribeTaskSetsCommandOutput> {
  const cluster = ctx.ecs.cluster(input.cluster);
  const service = ctx.ecs.service(cluster, input.service);
  if (service.deploymentController !== 'EXTERNAL') {
    throw invalid(
      'DescribeTaskSets is only supported for services using the EXTERNAL deployment controller.',
    );
  }
  const includeTags = input.include?.includes('TAGS') ?? false;
  const view = (ts: (typeof service.taskSets)[number]) =>
    taskSetView(ts, ctx.clock.epochMs, ctx.clock.elapsedMs, includeTags);
  if (!input.taskSets || input.taskSets.length === 0)
    return { taskSets: service.taskSets.map(view), failures: [] };
  const taskSets = [];
  const failures: Failure[] = [];
  for (const ref of input.taskSets) {
    const ts = ctx.ecs.findTaskSet(service, ref);
    if (ts) taskSets.push(view(ts));
    else {
      const arn = ref.startsWith('arn:')
        ? ref
        : ctx.ecs.arn(`task-set/${cluster.name}/${service.name}/${ref}`);
      failures.push({ arn, reason: 'MISSING' });
    }
  }
  return { taskSets, failures };
}

export function describeTaskDefinition(
  ctx: SimContext,
  input: DescribeTaskDefinitionCommandInput,
): Out<DescribeTaskDefinitionCommandOutput> {
  const def = ctx.ecs.taskDefinition(input.taskDefinition);
  return {
    taskDefinition: taskDefinitionView(def, ctx.clock.epochMs),
    tags: input.include?.includes('TAGS') ? [] : undefined,
  };
}

/** Service ARNs of a cluster, 10 a page by default (maxResults up to 100), with nextToken. */
export function listServices(
  ctx: SimContext,
  input: ListServicesCommandInput,
): Out<ListServicesCommandOutput> {
  const cluster = ctx.ecs.cluster(input.cluster);
  const arns = [...cluster.services.values()].filter((s) => s.status !== 'INACTIVE').map((s) => s.arn);
  const start = input.nextToken ? Number(input.nextToken) : 0;
  const size = Math.min(100, Math.max(1, input.maxResults ?? 10));
  const page = arns.slice(start, start + size);
  return {
    serviceArns: page,
    ...(start + size < arns.length ? { nextToken: String(start + size) } : {}),
  };
}
