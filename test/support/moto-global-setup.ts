/**
 * vitest globalSetup of the real-api project: ensures the Python venv, starts one moto server on a free
 * loopback port for the whole run, creates the network every fixture shares (VPC, two subnets, a security
 * group) with the venv's Python (moto_network.py), and hands the endpoint to the tests through `provide`
 * and the environment. Stops moto at teardown.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { ensurePythonTools, type Moto, repoRoot, startMoto } from './moto';
import { childEnvironment, type MotoContext, motoEnvironment } from './moto-context';

const region = 'us-east-1';

const run = promisify(execFile);

/** VPC, two subnets and a security group in moto's EC2 (see moto_network.py for why Python). */
async function createNetwork(bin: string, env: NodeJS.ProcessEnv) {
  const script = fileURLToPath(new URL('./moto_network.py', import.meta.url));
  const { stdout } = await run(join(bin, 'python'), [script], { encoding: 'utf8', env, timeout: 60_000 });
  return JSON.parse(stdout) as Pick<MotoContext, 'vpcId' | 'subnetIds' | 'securityGroupId' | 'motoVersion'>;
}

let moto: Moto | undefined;

export default async function setup(project: TestProject) {
  const started = Date.now();
  const bin = ensurePythonTools();
  const venvReady = Date.now();
  moto = await startMoto({ bin });
  const motoReady = Date.now();
  try {
    const target = { endpoint: moto.endpoint, region };
    const network = await createNetwork(bin, childEnvironment(target));
    const context: MotoContext = { endpoint: moto.endpoint, region, bin, ...network };
    project.provide('moto', context);
    // Test workers inherit this environment too: anything built without explicit options (the SDK's own
    // AWS_ENDPOINT_URL support, child processes) talks to moto, never to AWS.
    Object.assign(process.env, motoEnvironment(target));
    delete process.env.AWS_PROFILE;
    console.log(
      `real-api: moto ${network.motoVersion} at ${moto.endpoint}; venv ${venvReady - started} ms, moto start ${motoReady - venvReady} ms, ` +
        `network ${Date.now() - motoReady} ms`,
    );
  } catch (error) {
    await moto.stop();
    throw error;
  }
  return async () => {
    // Kept for debugging (moto prints the traceback of each 500 it answers): <repo>/.cache is gitignored.
    if (moto) {
      mkdirSync(join(repoRoot, '.cache'), { recursive: true });
      writeFileSync(join(repoRoot, '.cache', 'real-api-moto.log'), moto.log());
    }
    await moto?.stop();
    moto = undefined;
  };
}
