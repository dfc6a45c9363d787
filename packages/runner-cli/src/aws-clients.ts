import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { AwsClients } from '@ecs-taper/core';
import { awsClientConfig } from '@ecs-taper/core/workflow';
import { UsageError } from './exit-codes';

export interface AwsAccess {
  region?: string;
  profile?: string;
  /** ARNs of the input (load balancer, listeners...): their region is the last resort. */
  arns?: readonly unknown[];
}

type Env = Readonly<Record<string, string | undefined>>;

/** The shared config and credentials files, where the SDK reads them (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE). */
function sharedFiles(env: Env): { config: string; credentials: string } {
  const home = env.HOME ?? homedir();
  return {
    config: env.AWS_CONFIG_FILE ?? join(home, '.aws', 'config'),
    credentials: env.AWS_SHARED_CREDENTIALS_FILE ?? join(home, '.aws', 'credentials'),
  };
}

/** The sections of an INI file (`[profile x]`, `[x]`), each with its `key = value` lines. */
function iniSections(path: string): Map<string, Record<string, string>> {
  const sections = new Map<string, Record<string, string>>();
  if (!existsSync(path)) return sections;
  let current: Record<string, string> | undefined;
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s*(?:[#;].*)?$/g, '');
    const section = /^\[\s*([^\]]+?)\s*\]$/.exec(line);
    if (section) {
      current = {};
      sections.set(section[1] as string, current);
    } else if (current) {
      const pair = /^([^=]+?)\s*=\s*(.*)$/.exec(line);
      if (pair) current[(pair[1] as string).toLowerCase()] = pair[2] as string;
    }
  }
  return sections;
}

/** The profile's section of the config file (`[profile x]`, or `[default]`), if any. */
function profileConfig(profile: string, env: Env): Record<string, string> | undefined {
  const config = iniSections(sharedFiles(env).config);
  return config.get(`profile ${profile}`) ?? (profile === 'default' ? config.get('default') : undefined);
}

/**
 * Refuses a `--profile` that neither shared file has, before the SDK would fail at its first call with
 * "Region is missing" or "Could not load credentials" and no word of the profile.
 */
export function checkProfile(profile: string | undefined, env: Env = process.env): void {
  if (profile === undefined) return;
  const files = sharedFiles(env);
  const inCredentials = iniSections(files.credentials).has(profile);
  if (profileConfig(profile, env) || inCredentials) return;
  throw new UsageError(
    `profile ${profile} is not in ${files.config} or ${files.credentials}; pass a profile they define (\`aws configure list-profiles\`), or leave out --profile to use the default chain`,
    'profile',
  );
}

/** The region of an ARN (`arn:aws:elasticloadbalancing:eu-west-1:...`), if it is one with a region. */
function arnRegion(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const [arn, , , region] = value.split(':');
  return arn === 'arn' && region ? region : undefined;
}

/**
 * The region to talk to: --region, AWS_REGION, AWS_DEFAULT_REGION (which the SDK v3 ignores, the AWS CLI
 * does not), the profile's `region` in the config file, else the region of the input's ARNs (the load
 * balancer's names it: a deployment talks to that region). Undefined when nothing names one.
 */
export function resolveRegion(
  access: AwsAccess,
  env: Env = process.env,
): { region: string; from: string } | undefined {
  if (access.region) return { region: access.region, from: '--region' };
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION'] as const) {
    const value = env[name]?.trim();
    if (value) return { region: value, from: name };
  }
  const profile = access.profile ?? env.AWS_PROFILE ?? 'default';
  const fromProfile = profileConfig(profile, env)?.region;
  if (fromProfile) return { region: fromProfile, from: `profile ${profile}` };
  for (const arn of (access.arns ?? []).flat()) {
    const region = arnRegion(arn);
    if (region) return { region, from: String(arn) };
  }
  return undefined;
}

function prepareSdk(access: AwsAccess): AwsAccess {
  checkProfile(access.profile);
  if (access.profile) process.env.AWS_PROFILE = access.profile;
  // The SDK warns that its releases after January 2027 need Node 22. This file bundles a fixed SDK
  // version, so the warning is not actionable for someone running the CLI.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const region = resolveRegion(access)?.region;
  if (!region) {
    throw new UsageError(
      'no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION, give the profile a region, or pass the load balancer ARN (its region is used); --simulator URL uses the simulator',
      'region',
    );
  }
  return { ...access, region };
}

const clientConfig = (access: AwsAccess) => ({
  ...awsClientConfig(),
  ...(access.region && { region: access.region }),
});

/**
 * Real SDK clients from the default credential chain (environment, shared config and credentials
 * files, SSO, web identity, container and instance roles), in resolveRegion's region. `--profile`
 * selects a profile of the shared files through AWS_PROFILE, which the chain reads (refused at once
 * when neither file has it); AWS_ENDPOINT_URL (and the per-service
 * AWS_ENDPOINT_URL_ECS, ...) is honoured by the SDK itself, for emulators. Loaded on demand: the SDK
 * is the heaviest part of the bundle. Every client makes one attempt per call, with request timeouts
 * (`awsClientConfig`): core's callAws is the one retry layer.
 */
export async function createAwsClients(given: AwsAccess): Promise<AwsClients> {
  const access = prepareSdk(given);
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
export async function createSfnClient(given: AwsAccess): Promise<SFNClient> {
  const access = prepareSdk(given);
  const { SFNClient } = await import('@aws-sdk/client-sfn');
  return new SFNClient(clientConfig(access));
}
