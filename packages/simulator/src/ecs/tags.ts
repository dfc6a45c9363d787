import {
  ClusterNotFoundException,
  InvalidParameterException,
  type ListTagsForResourceCommandInput,
  type ListTagsForResourceCommandOutput,
  ResourceNotFoundException,
  type Tag,
  type TagResourceCommandInput,
  type TagResourceCommandOutput,
  type UntagResourceCommandInput,
  type UntagResourceCommandOutput,
} from '@aws-sdk/client-ecs';
import type { SimContext } from '../context.js';
import type { SimService, SimTaskSet } from './model.js';

type Out<T> = Omit<T, '$metadata'>;
const meta = () => ({ $metadata: { httpStatusCode: 400 } });
const invalid = (message: string) => new InvalidParameterException({ message, ...meta() });

/** ECS's tag limits: 50 per resource (not counting `aws:` tags), keys 1-128 and values 0-256 characters. */
export const ECS_MAX_TAGS = 50;
const TAG_PATTERN = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const reserved = (text: string | undefined) => (text ?? '').toLowerCase().startsWith('aws:');

function checkKey(key: string | undefined): string {
  if (key === undefined || key.length < 1 || key.length > 128) {
    throw invalid('Tag keys must be between 1 and 128 characters.');
  }
  if (!TAG_PATTERN.test(key)) throw invalid(`The tag key ${key} contains characters that are not allowed.`);
  if (reserved(key)) throw invalid('Tag keys beginning with aws: are reserved for AWS use.');
  return key;
}

/**
 * Checks tags as ECS does for CreateService, CreateTaskSet and TagResource: key length and
 * characters, value length, the reserved `aws:` prefix. Returns copies.
 */
export function checkTags(tags: readonly Tag[]): Tag[] {
  return tags.map((tag) => {
    const key = checkKey(tag.key);
    const value = tag.value;
    if (value !== undefined && (value.length > 256 || !TAG_PATTERN.test(value))) {
      throw invalid('Tag values must be at most 256 characters of the allowed set.');
    }
    if (reserved(value)) throw invalid('Tag values beginning with aws: are reserved for AWS use.');
    return value === undefined ? { key } : { key, value };
  });
}

/** Merges `added` into `current` by key (a new value replaces the old one), enforcing the 50-tag limit. */
export function mergeTags(current: readonly Tag[], added: readonly Tag[]): Tag[] {
  const merged = new Map(current.map((t) => [t.key, { ...t }]));
  for (const tag of added) merged.set(tag.key, { ...tag });
  const counted = [...merged.values()].filter((t) => !reserved(t.key)).length;
  if (counted > ECS_MAX_TAGS) {
    throw invalid(`A resource can have at most ${ECS_MAX_TAGS} tags; this request would leave ${counted}.`);
  }
  return [...merged.values()];
}

/** The service or task set an ECS ARN names. */
type Taggable = { kind: 'service'; resource: SimService } | { kind: 'task-set'; resource: SimTaskSet };

/**
 * Resolves a tagging ARN: `service/<cluster>/<service>` or `task-set/<cluster>/<service>/<id>`.
 * A short service ARN (`service/<service>`) is refused as ECS refuses it; an unknown cluster is
 * ClusterNotFoundException; an unknown service or task set in a known cluster is `missing()`.
 */
function resolve(ctx: SimContext, arn: string | undefined, missing: () => Error): Taggable {
  if (!arn) throw invalid('resourceArn can not be blank.');
  const prefix = `arn:aws:ecs:${ctx.ecs.region}:${ctx.ecs.account}:`;
  if (!arn.startsWith(prefix)) throw invalid(`The ARN ${arn} is not valid.`);
  const [type, ...path] = arn.slice(prefix.length).split('/');
  if (type === 'service') {
    if (path.length === 1) throw invalid('Long arn format must be used for tagging operations');
    if (path.length !== 2) throw invalid(`The ARN ${arn} is not valid.`);
  } else if (type === 'task-set') {
    if (path.length < 3) throw invalid(`The ARN ${arn} is not valid.`);
  } else if (
    ['cluster', 'task-definition', 'task', 'container-instance', 'capacity-provider'].includes(type ?? '')
  ) {
    throw invalid(`The simulator keeps tags on services and task sets only, not on ${arn}.`);
  } else {
    throw invalid(`The ARN ${arn} is not valid.`);
  }
  const cluster = ctx.ecs.clusters.get(path[0] ?? '');
  if (!cluster) throw new ClusterNotFoundException({ message: 'Cluster not found.', ...meta() });
  const service = ctx.ecs.findService(cluster, path[1] ?? '');
  if (!service) throw missing();
  if (type === 'service') return { kind: 'service', resource: service };
  const taskSet = service.taskSets.find((ts) => ts.arn === arn);
  if (!taskSet) throw missing();
  return { kind: 'task-set', resource: taskSet };
}

const notFound = () =>
  new ResourceNotFoundException({ message: 'The specified resource wasn\u2019t found.', ...meta() });
/** ListTagsForResource's model has no ResourceNotFoundException: a missing resource is an invalid parameter. */
const invalidResource = () => invalid('The specified resource wasn\u2019t found.');

/** Adds or overwrites tags; tags not named in the request are left as they are. */
export function tagResource(ctx: SimContext, input: TagResourceCommandInput): Out<TagResourceCommandOutput> {
  const target = resolve(ctx, input.resourceArn, notFound);
  if (!input.tags) throw invalid('tags can not be null.');
  const tags = checkTags(input.tags);
  target.resource.tags = mergeTags(target.resource.tags, tags);
  return {};
}

/** Removes the named keys; keys the resource does not carry are ignored. */
export function untagResource(
  ctx: SimContext,
  input: UntagResourceCommandInput,
): Out<UntagResourceCommandOutput> {
  const target = resolve(ctx, input.resourceArn, notFound);
  if (!input.tagKeys) throw invalid('tagKeys can not be null.');
  const keys = new Set(input.tagKeys.map(checkKey));
  target.resource.tags = target.resource.tags.filter((t) => !keys.has(t.key ?? ''));
  return {};
}

export function listTagsForResource(
  ctx: SimContext,
  input: ListTagsForResourceCommandInput,
): Out<ListTagsForResourceCommandOutput> {
  const target = resolve(ctx, input.resourceArn, invalidResource);
  return { tags: structuredClone(target.resource.tags) };
}
