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

  it('makes one attempt per call (callAws retries, not the SDK too), with request timeouts', async () => {
    const clients = defaultClients();
    const made = [clients.ecs, clients.elbv2, clients.cloudwatch, clients.applicationAutoScaling] as (
      | ECSClient
      | ElasticLoadBalancingV2Client
      | CloudWatchClient
      | ApplicationAutoScalingClient
    )[];
    for (const client of made) {
      expect(await client.config.maxAttempts()).toBe(1);
      // The handler is built from awsClientConfig's options; it reports them once it has resolved them.
      const handler = client.config.requestHandler as unknown as {
        handle(request: unknown, options?: unknown): Promise<unknown>;
        httpHandlerConfigs(): Record<string, unknown>;
      };
      await handler
        .handle({ protocol: 'http:', hostname: '127.0.0.1' }, { abortSignal: AbortSignal.abort() })
        .catch(() => undefined);
      expect(handler.httpHandlerConfigs()).toMatchObject({
        connectionTimeout: 3_000,
        requestTimeout: 10_000,
        throwOnRequestTimeout: true,
      });
    }
  });
});
