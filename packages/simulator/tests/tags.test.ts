import {
  ClusterNotFoundException,
  CreateTaskSetCommand,
  DeleteTaskSetCommand,
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  InvalidParameterException,
  ListTagsForResourceCommand,
  ResourceNotFoundException,
  TagResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-ecs';
import { describe, expect, it } from 'vitest';
import { MUTATING_OPERATIONS } from '../src/index.js';
import { advance, network, smallWorld } from './helpers.js';

function setup() {
  const built = smallWorld();
  const { clients, input, refs } = built;
  const base = { cluster: input.cluster, service: input.service };
  const createGreen = async (tags?: { key: string; value?: string }[]) => {
    const out = await clients.ecs.send(
      new CreateTaskSetCommand({
        ...base,
        taskDefinition: refs.v2.arn,
        networkConfiguration: network,
        launchType: 'FARGATE',
        loadBalancers: [{ targetGroupArn: refs.green.arn, containerName: 'webserver', containerPort: 8080 }],
        scale: { unit: 'PERCENT', value: 0 },
        tags,
      }),
    );
    return out.taskSet?.taskSetArn ?? '';
  };
  const listTags = async (resourceArn: string) =>
    (await clients.ecs.send(new ListTagsForResourceCommand({ resourceArn }))).tags;
  const describeSet = async (arn: string, include?: 'TAGS'[]) =>
    (await clients.ecs.send(new DescribeTaskSetsCommand({ ...base, taskSets: [arn], include })))
      .taskSets?.[0];
  return { ...built, base, createGreen, listTags, describeSet };
}

describe('ECS tags on task sets', () => {
  it('stores CreateTaskSet tags and shows them only with include TAGS', async () => {
    const { createGreen, listTags, describeSet } = setup();
    const arn = await createGreen([{ key: 'ecs-taper:owner', value: 'run-1' }]);
    expect(await listTags(arn)).toEqual([{ key: 'ecs-taper:owner', value: 'run-1' }]);
    expect((await describeSet(arn, ['TAGS']))?.tags).toEqual([{ key: 'ecs-taper:owner', value: 'run-1' }]);
    expect((await describeSet(arn))?.tags).toBeUndefined();
  });

  it('round-trips TagResource and UntagResource: adds, overwrites by key, removes, ignores unknown keys', async () => {
    const { clients, createGreen, listTags, describeSet } = setup();
    const arn = await createGreen([{ key: 'a', value: '1' }]);
    await clients.ecs.send(
      new TagResourceCommand({
        resourceArn: arn,
        tags: [
          { key: 'a', value: '2' },
          { key: 'b', value: 'x' },
          { key: 'c', value: '' },
        ],
      }),
    );
    expect(await listTags(arn)).toEqual([
      { key: 'a', value: '2' },
      { key: 'b', value: 'x' },
      { key: 'c', value: '' },
    ]);
    await clients.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['b', 'never-set'] }));
    expect(await listTags(arn)).toEqual([
      { key: 'a', value: '2' },
      { key: 'c', value: '' },
    ]);
    expect((await describeSet(arn, ['TAGS']))?.tags).toEqual([
      { key: 'a', value: '2' },
      { key: 'c', value: '' },
    ]);
  });

  it('keeps task-set tags out of the task sets DescribeServices embeds, even with include TAGS', async () => {
    const { clients, base, createGreen } = setup();
    const arn = await createGreen([{ key: 'lease', value: 'me' }]);
    const out = await clients.ecs.send(
      new DescribeServicesCommand({ cluster: base.cluster, services: [base.service], include: ['TAGS'] }),
    );
    const embedded = out.services?.[0]?.taskSets?.find((ts) => ts.taskSetArn === arn);
    expect(embedded).toBeDefined();
    expect(embedded?.tags).toBeUndefined();
    expect(out.services?.[0]?.tags).toEqual([]);
  });

  it('tags the service itself, seen by DescribeServices include TAGS and not by the task sets', async () => {
    const { clients, base, refs, listTags, describeSet } = setup();
    await clients.ecs.send(
      new TagResourceCommand({ resourceArn: refs.service.arn, tags: [{ key: 'team', value: 'edge' }] }),
    );
    expect(await listTags(refs.service.arn)).toEqual([{ key: 'team', value: 'edge' }]);
    const out = await clients.ecs.send(
      new DescribeServicesCommand({ cluster: base.cluster, services: [base.service], include: ['TAGS'] }),
    );
    expect(out.services?.[0]?.tags).toEqual([{ key: 'team', value: 'edge' }]);
    expect((await describeSet(refs.initialTaskSet.arn, ['TAGS']))?.tags).toEqual([]);
  });

  it('counts TagResource and UntagResource as mutations', async () => {
    const { world, clients, createGreen } = setup();
    expect(MUTATING_OPERATIONS.has('TagResource')).toBe(true);
    expect(MUTATING_OPERATIONS.has('UntagResource')).toBe(true);
    const arn = await createGreen();
    const before = world.calls.length;
    await clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k', value: 'v' }] }));
    await clients.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }));
    await clients.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['k'] }));
    expect(world.mutationCount(before)).toBe(2);
    expect(world.calls.slice(before).map((c) => [c.operation, c.mutating])).toEqual([
      ['TagResource', true],
      ['ListTagsForResource', false],
      ['UntagResource', true],
    ]);
  });

  it('forgets the tags with the task set once a deleted set is gone', async () => {
    const { world, clients, base, refs, createGreen, listTags } = setup();
    const arn = await createGreen([{ key: 'k', value: 'v' }]);
    await clients.ecs.send(new DeleteTaskSetCommand({ ...base, taskSet: arn }));
    // DRAINING: still there, still tagged.
    expect(await listTags(arn)).toEqual([{ key: 'k', value: 'v' }]);
    advance(world, 60);
    expect(refs.service.taskSets.some((ts) => ts.arn === arn)).toBe(false);
    await expect(
      clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k', value: 'w' }] })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    await expect(listTags(arn)).rejects.toBeInstanceOf(InvalidParameterException);
  });
});

describe('ECS tag errors', () => {
  it('answers an unknown task set or service with ResourceNotFoundException, an unknown cluster with ClusterNotFoundException', async () => {
    const { clients, refs } = setup();
    const setArn = refs.initialTaskSet.arn;
    const tags = [{ key: 'k', value: 'v' }];
    const missingSet = setArn.replace(/\d+$/, '1234567890123456789');
    await expect(
      clients.ecs.send(new TagResourceCommand({ resourceArn: missingSet, tags })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException', $fault: 'client' });
    await expect(
      clients.ecs.send(new UntagResourceCommand({ resourceArn: `${refs.service.arn}-nope`, tagKeys: ['k'] })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
    const otherCluster = refs.service.arn.replace('service/sim-cluster/', 'service/other-cluster/');
    await expect(
      clients.ecs.send(new TagResourceCommand({ resourceArn: otherCluster, tags })),
    ).rejects.toBeInstanceOf(ClusterNotFoundException);
  });

  it('refuses short service ARNs, foreign ARNs and reserved or oversized tags with InvalidParameterException', async () => {
    const { clients, refs, createGreen } = setup();
    const short = refs.service.arn.replace('service/sim-cluster/', 'service/');
    const send = (resourceArn: string, tags: { key: string; value?: string }[]) =>
      clients.ecs.send(new TagResourceCommand({ resourceArn, tags }));
    await expect(send(short, [{ key: 'k', value: 'v' }])).rejects.toThrow(/Long arn format/);
    await expect(send(refs.blue.arn, [{ key: 'k', value: 'v' }])).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    const arn = await createGreen();
    await expect(send(arn, [{ key: 'aws:owner', value: 'v' }])).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(send(arn, [{ key: 'k'.repeat(129), value: 'v' }])).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(send(arn, [{ key: 'k', value: 'v'.repeat(257) }])).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
    await expect(
      clients.ecs.send(new UntagResourceCommand({ resourceArn: arn, tagKeys: ['AWS:thing'] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
  });

  it('allows 50 tags on a resource and refuses the 51st, counting the tags it already has', async () => {
    const { clients, createGreen, listTags } = setup();
    const fifty = Array.from({ length: 50 }, (_, i) => ({ key: `k${i}`, value: String(i) }));
    const arn = await createGreen(fifty.slice(0, 30));
    await clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: fifty.slice(30) }));
    // Overwriting an existing key does not add one.
    await clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k0', value: 'new' }] }));
    expect(await listTags(arn)).toHaveLength(50);
    await expect(
      clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k50', value: 'x' }] })),
    ).rejects.toBeInstanceOf(InvalidParameterException);
    expect(await listTags(arn)).toHaveLength(50);
    await expect(createGreen([...fifty, { key: 'k50', value: 'x' }])).rejects.toBeInstanceOf(
      InvalidParameterException,
    );
  });

  it('injects faults into the tag commands like any other', async () => {
    const { world, clients, createGreen } = setup();
    const arn = await createGreen();
    world.faults.throttle = { rate: 1, commands: ['TagResourceCommand'] };
    await expect(
      clients.ecs.send(new TagResourceCommand({ resourceArn: arn, tags: [{ key: 'k', value: 'v' }] })),
    ).rejects.toMatchObject({ name: 'ThrottlingException', $retryable: { throttling: true } });
    expect(await clients.ecs.send(new ListTagsForResourceCommand({ resourceArn: arn }))).toMatchObject({
      tags: [],
    });
  });
});
