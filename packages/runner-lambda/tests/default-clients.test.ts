import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { defaultClients } from '../src/handlers/default-clients';

describe('defaultClients', () => {
  it('creates every client a deployment talks to, Application Auto Scaling included, once', () => {
    const clients = defaultClients();
    expect(clients.ecs).toBeInstanceOf(ECSClient);
    expect(clients.elbv2).toBeInstanceOf(ElasticLoadBalancingV2Client);
    expect(clients.cloudwatch).toBeInstanceOf(CloudWatchClient);
    expect(clients.applicationAutoScaling).toBeInstanceOf(ApplicationAutoScalingClient);
    expect(defaultClients()).toBe(clients);
  });
});
