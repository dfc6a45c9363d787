import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '@ecs-taper/core';
import { awsClientConfig } from '@ecs-taper/core/workflow';

let cached: AwsClients | undefined;

/**
 * Created once per container and reused across invocations (connection reuse, no cold cost per call).
 * One attempt per call, with request timeouts (`awsClientConfig`): core's callAws retries, and the
 * state machine's Retry above it.
 */
export function defaultClients(): AwsClients {
  cached ??= {
    ecs: new ECSClient(awsClientConfig()),
    elbv2: new ElasticLoadBalancingV2Client(awsClientConfig()),
    cloudwatch: new CloudWatchClient(awsClientConfig()),
    applicationAutoScaling: new ApplicationAutoScalingClient(awsClientConfig()),
  };
  return cached;
}
