/** What the real-api global setup hands to every test file (vitest `provide` / `inject`). */
export interface MotoContext {
  endpoint: string;
  region: string;
  /** The venv's bin directory (moto_server, aws). */
  bin: string;
  /** Made in moto's EC2 by support/moto_network.py (boto3 from the venv): no EC2 client in this repo. */
  vpcId: string;
  /** Two subnets in two AZs (an NLB needs at least one; two is what the seed uses). */
  subnetIds: [string, string];
  securityGroupId: string;
  /** The moto release the suite runs against (scripts/python-tools.sh installs the latest). */
  motoVersion: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    moto: MotoContext;
  }
}

/** Dummy credentials: moto accepts anything, the SDK only needs something to sign with. */
export const dummyCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** The environment a child process (the CLI) needs to talk to moto. */
export function motoEnvironment(moto: Pick<MotoContext, 'endpoint' | 'region'>): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: dummyCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: dummyCredentials.secretAccessKey,
    AWS_REGION: moto.region,
    AWS_DEFAULT_REGION: moto.region,
    // Never read a developer's ~/.aws files or reach the instance metadata service (AWS_PROFILE is
    // removed by the callers: an empty one makes the awscli fail).
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
}

/** process.env for a child that must talk to moto only. */
export function childEnvironment(moto: Pick<MotoContext, 'endpoint' | 'region'>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...motoEnvironment(moto) };
  delete env.AWS_PROFILE;
  delete env.AWS_SESSION_TOKEN;
  return env;
}
