import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { createAwsClients } from '../src/aws-clients';

describe('createAwsClients', () => {
  it('creates every client a deployment talks to, Application Auto Scaling included, in the region', async () => {
    const clients = await createAwsClients({ region: 'eu-west-1' });
    expect(clients.ecs).toBeInstanceOf(ECSClient);
    expect(clients.elbv2).toBeInstanceOf(ElasticLoadBalancingV2Client);
    expect(clients.cloudwatch).toBeInstanceOf(CloudWatchClient);
    expect(clients.applicationAutoScaling).toBeInstanceOf(ApplicationAutoScalingClient);
    const autoScaling = clients.applicationAutoScaling as ApplicationAutoScalingClient;
    expect(await autoScaling.config.region()).toBe('eu-west-1');
  });
});
