import {
  DescribeTargetGroupAttributesCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { World } from '../src/index.js';
import { smallWorld } from './helpers.js';

const attributesOf = async (
  clients: { elbv2: { send(c: DescribeTargetGroupAttributesCommand): Promise<{ Attributes?: unknown }> } },
  arn: string,
) => {
  const out = await clients.elbv2.send(new DescribeTargetGroupAttributesCommand({ TargetGroupArn: arn }));
  return Object.fromEntries(
    (out.Attributes as { Key: string; Value: string }[]).map((a) => [a.Key, a.Value]),
  ) as Record<string, string>;
};

describe('DescribeTargetGroupAttributes', () => {
  it("reports the group's deregistration delay and connection termination, and the NLB defaults", async () => {
    const { clients, refs } = smallWorld({ deregistrationDelaySeconds: 120 });
    const attributes = await attributesOf(clients, refs.blue.arn);
    expect(attributes).toEqual({
      'deregistration_delay.timeout_seconds': '120',
      'deregistration_delay.connection_termination.enabled': 'false',
      'stickiness.enabled': 'false',
      'stickiness.type': 'source_ip',
      'proxy_protocol_v2.enabled': 'false',
      'preserve_client_ip.enabled': 'false',
      'load_balancing.cross_zone.enabled': 'use_load_balancer_configuration',
      'target_group_health.dns_failover.minimum_healthy_targets.count': '1',
      'target_group_health.dns_failover.minimum_healthy_targets.percentage': 'off',
      'target_group_health.unhealthy_state_routing.minimum_healthy_targets.count': '1',
      'target_group_health.unhealthy_state_routing.minimum_healthy_targets.percentage': 'off',
      'target_health_state.unhealthy.connection_termination.enabled': 'true',
      'target_health_state.unhealthy.draining_interval_seconds': '0',
    });
  });

  it('defaults to 300 s, follows a changed group, and reads connection termination when on', async () => {
    const world = new World({ settings: { targetGroup: { connectionTermination: true } } });
    const group = world.addTargetGroup('tg', 8080, 'vpc-1');
    let attributes = await attributesOf(world.clients, group.arn);
    expect(attributes['deregistration_delay.timeout_seconds']).toBe('300');
    expect(attributes['deregistration_delay.connection_termination.enabled']).toBe('true');
    group.deregistrationDelaySeconds = 45;
    group.connectionTermination = false;
    attributes = await attributesOf(world.clients, group.arn);
    expect(attributes['deregistration_delay.timeout_seconds']).toBe('45');
    expect(attributes['deregistration_delay.connection_termination.enabled']).toBe('false');
  });

  it('returns every attribute as a {Key, Value} string pair, and is not a mutation', async () => {
    const { world, clients, refs } = smallWorld();
    const before = world.calls.length;
    const out = await clients.elbv2.send(
      new DescribeTargetGroupAttributesCommand({ TargetGroupArn: refs.green.arn }),
    );
    expect(out.$metadata.httpStatusCode).toBe(200);
    for (const attribute of out.Attributes ?? []) {
      expect(Object.keys(attribute).sort()).toEqual(['Key', 'Value']);
      expect(typeof attribute.Value).toBe('string');
    }
    expect(world.mutationCount(before)).toBe(0);
    expect(world.calls.at(-1)).toMatchObject({
      service: 'ELBv2',
      operation: 'DescribeTargetGroupAttributes',
    });
  });

  it('throws TargetGroupNotFoundException for an unknown group', async () => {
    const { clients, refs } = smallWorld();
    await expect(
      clients.elbv2.send(
        new DescribeTargetGroupAttributesCommand({
          TargetGroupArn: `${refs.blue.arn.slice(0, -16)}0000000000000000`,
        }),
      ),
    ).rejects.toBeInstanceOf(TargetGroupNotFoundException);
  });
});
