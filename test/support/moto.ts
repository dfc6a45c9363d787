/**
 * Starts moto (an independent AWS emulator) as a real HTTP server on a free loopback port.
 * Reusable by any suite: `const moto = await startMoto(); ...; await moto.stop();`.
 * The Python tools come from scripts/python-tools.sh (a gitignored .venv at the repo root, created on
 * first use), so a fresh machine needs only python3.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs scripts/python-tools.sh (idempotent; installs moto[server] and awscli when missing) and returns the venv's bin. */
export function ensurePythonTools(): string {
  const script = join(repoRoot, 'scripts', 'python-tools.sh');
  const bin = execFileSync('bash', [script], {
    encoding: 'utf8',
    // pip output goes to stderr; show it, a first install takes a minute.
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  }).trim();
  if (!existsSync(join(bin, 'moto_server'))) {
    throw new Error(`scripts/python-tools.sh printed ${bin}, which has no moto_server`);
  }
  return bin;
}

/** A port nobody listens on right now (the OS picks it; moto binds it a moment later, so callers retry on a clash). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('no port from the OS'));
      });
    });
  });
}

export interface Moto {
  /** http://127.0.0.1:PORT, for AWS_ENDPOINT_URL or a client's `endpoint`. */
  endpoint: string;
  port: number;
  /** Everything moto printed (requests, tracebacks of its 500s): useful when a test fails. */
  log(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 3 s). Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartMotoOptions {
  /** The venv bin with moto_server; default: whatever scripts/python-tools.sh provides. */
  bin?: string;
  /** How long to wait for moto to answer. Default 30 s. */
  timeoutMs?: number;
  /** Extra environment for moto (e.g. MOTO_ECS_SERVICE_RUNNING). */
  env?: Record<string, string>;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

async function startOnce(bin: string, options: StartMotoOptions): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(join(bin, 'moto_server'), ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 2_000_000) output = output.slice(-1_000_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited(child);
    clearTimeout(timer);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `moto_server on port ${port} exited (${child.exitCode ?? child.signalCode}):\n${output}`,
      );
    }
    if (await answers(endpoint)) return { endpoint, port, log: () => output, stop };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await stop();
  throw new Error(
    `moto_server on port ${port} did not answer within ${options.timeoutMs ?? 30_000} ms:\n${output}`,
  );
}

/** Spawns `moto_server -H 127.0.0.1 -p PORT` on a free port and resolves once it answers HTTP. */
export async function startMoto(options: StartMotoOptions = {}): Promise<Moto> {
  const bin = options.bin ?? ensurePythonTools();
  let lastError: unknown;
  // The port is free when chosen but could be taken before moto binds it: try a few ports.
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce(bin, options);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}
