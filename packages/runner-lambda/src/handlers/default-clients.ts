import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { AwsClients } from '@ecs-taper/core';

let cached: AwsClients | undefined;

/** Created once per container and reused across invocations (connection reuse, no cold cost per call). */
export function defaultClients(): AwsClients {
  cached ??= {
    ecs: new ECSClient({}),
    elbv2: new ElasticLoadBalancingV2Client({}),
    cloudwatch: new CloudWatchClient({}),
    applicationAutoScaling: new ApplicationAutoScalingClient({}),
  };
  return cached;
}
