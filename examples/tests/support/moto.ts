import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pythonToolsEnv } from './python-tools';

/** The moto launcher with the change-set shims (see moto_server.py). */
export const motoLauncher = fileURLToPath(new URL('./moto_server.py', import.meta.url));

/** The shims moto_server.py applies, by name; the smoke test and the README name them. */
export const motoServerShims = {
  outputs: 'resolve Outputs after a change set is executed (moto leaves a change-set stack without Outputs)',
  'empty-changeset':
    'answer an unchanged CreateChangeSet with a FAILED change set, as CloudFormation does, instead of an error',
} as const;

/** The fake account every ARN in the smoke run carries. */
export const fakeAccountId = '000000000000';

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

/** Starts moto (through the launcher) on 127.0.0.1 and waits until it answers; its output goes to `logFile`. */
export async function startMoto(bin: string, logFile: string): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const log = openSync(logFile, 'a');
  const child: ChildProcess = spawn(`${bin}/python`, [motoLauncher, '-H', '127.0.0.1', '-p', String(port)], {
    env: pythonToolsEnv(bin, { ...process.env, MOTO_ACCOUNT_ID: fakeAccountId }),
    stdio: ['ignore', log, log],
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto exited with ${child.exitCode}:\n${readFileSync(logFile, 'utf8')}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`);
      if (response.ok) return { endpoint, stop };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  await stop();
  throw new Error(`moto did not answer on ${endpoint} within 30 s:\n${readFileSync(logFile, 'utf8')}`);
}

/**
 * The CloudFormation resource types moto's CloudFormation can create, asked from the installed moto. Importing
 * all of moto takes seconds, so this runs in the background while the server starts.
 */
export function motoCloudFormationTypes(bin: string): Promise<Set<string>> {
  const script =
    'import json; from moto.cloudformation.parsing import get_model_map; print(json.dumps(sorted(get_model_map())))';
  return new Promise((resolve, reject) => {
    execFile(
      `${bin}/python`,
      ['-c', script],
      { encoding: 'utf8', env: pythonToolsEnv(bin), timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`cannot ask moto for its CloudFormation types:\n${stderr}`));
        else resolve(new Set(JSON.parse(stdout) as string[]));
      },
    );
  });
}

/**
 * The environment for the aws CLI (and deploy.sh) against a moto server: the machine's own AWS_*
 * settings, profiles and config never leak in, only the emulator and dummy keys. `work` holds the
 * (absent) config and credential files.
 */
export function motoCliEnv(
  bin: string,
  moto: Pick<MotoServer, 'endpoint'>,
  region: string,
  work: string,
): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_')));
  return {
    ...pythonToolsEnv(bin, base),
    PATH: `${bin}:${process.env.PATH}`,
    AWS_ENDPOINT_URL: moto.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: region,
    AWS_CONFIG_FILE: join(work, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(work, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
}
