import type { SFNClient } from '@aws-sdk/client-sfn';
import type { AwsClients } from '@ecs-taper/core';
import { awsClientConfig } from '@ecs-taper/core/workflow';

export interface AwsAccess {
  region?: string;
  profile?: string;
}

function prepareSdk(access: AwsAccess): void {
  if (access.profile) process.env.AWS_PROFILE = access.profile;
  // The SDK warns that its releases after January 2027 need Node 22. This file bundles a fixed SDK
  // version, so the warning is not actionable for someone running the CLI.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

const clientConfig = (access: AwsAccess) => ({
  ...awsClientConfig(),
  ...(access.region && { region: access.region }),
});

/**
 * Real SDK clients from the default credential chain (environment, shared config and credentials
 * files, SSO, web identity, container and instance roles). `--profile` selects a profile of the
 * shared files through AWS_PROFILE, which the chain reads; AWS_ENDPOINT_URL (and the per-service
 * AWS_ENDPOINT_URL_ECS, ...) is honoured by the SDK itself, for emulators. Loaded on demand: the SDK
 * is the heaviest part of the bundle. Every client makes one attempt per call, with request timeouts
 * (`awsClientConfig`): core's callAws is the one retry layer.
 */
export async function createAwsClients(access: AwsAccess): Promise<AwsClients> {
  prepareSdk(access);
  const [
    { ECSClient },
    { ElasticLoadBalancingV2Client },
    { CloudWatchClient },
    { ApplicationAutoScalingClient },
  ] = await Promise.all([
    import('@aws-sdk/client-ecs'),
    import('@aws-sdk/client-elastic-load-balancing-v2'),
    import('@aws-sdk/client-cloudwatch'),
    import('@aws-sdk/client-application-auto-scaling'),
  ]);
  const config = () => clientConfig(access);
  return {
    ecs: new ECSClient(config()),
    elbv2: new ElasticLoadBalancingV2Client(config()),
    cloudwatch: new CloudWatchClient(config()),
    // The service's scalable target is suspended for the deployment (unless --keep-autoscaling).
    applicationAutoScaling: new ApplicationAutoScalingClient(config()),
  };
}

/**
 * The Step Functions client of `deploy --state-machine` (StartExecution, DescribeExecution,
 * GetExecutionHistory), from the same credential chain and with the same one attempt per call.
 */
export async function createSfnClient(access: AwsAccess): Promise<SFNClient> {
  prepareSdk(access);
  const { SFNClient } = await import('@aws-sdk/client-sfn');
  return new SFNClient(clientConfig(access));
}
