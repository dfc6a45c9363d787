import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const cli = fileURLToPath(new URL('../dist/cli.cjs', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: no colour settings or AWS configuration leaking in from the developer's shell. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8' };
  return { ...env, ...extra };
}

/** Runs the built CLI as a child process and collects its output. */
export function runCli(
  args: string[],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return collect(spawn(process.execPath, [cli, ...args], { env: cleanEnv(options.env) }), options.timeoutMs);
}

export function collect(child: ChildProcess, timeoutMs = 30_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => (stdout += chunk));
    child.stderr?.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out after ${timeoutMs} ms; stdout: ${stdout.slice(-2000)}; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Waits until `child`'s stdout has a line matching `pattern`; resolves with that line. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(
      () => reject(new Error(`no line matching ${pattern} in: ${buffer.slice(-2000)}`)),
      timeoutMs,
    );
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const line = buffer.split('\n').find((l) => pattern.test(l));
      if (line !== undefined) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve(line);
      }
    };
    child.stdout?.on('data', onData);
  });
}

export interface Simulator {
  url: string;
  stop(): Promise<void>;
  world(): Promise<{ mutations: Record<string, number>; taskDefinitions: { running: string; next: string } }>;
}

/** Starts `ecs-taper simulator serve` on a free port; stop() ends it. */
export async function startSimulator(args: string[] = []): Promise<Simulator> {
  const child = spawn(process.execPath, [cli, 'simulator', 'serve', '--port', '0', ...args], {
    env: cleanEnv(),
  });
  const line = await waitForLine(child, /listening on http/);
  const url = line.split(' ').at(-1) as string;
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('close', () => resolve());
        child.kill('SIGTERM');
      }),
    world: async () =>
      (await (await fetch(`${url}/world`)).json()) as Awaited<ReturnType<Simulator['world']>>,
  };
}

/** Parses stdout of a --json run: every line must be one JSON value. */
export function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Runs `command` under a pseudo-terminal (util-linux `script`), so the CLI sees a TTY. */
export function runInPty(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<CliResult> {
  const command = [process.execPath, cli, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return collect(
    spawn('script', ['-qec', command, '/dev/null'], {
      env: cleanEnv({ TERM: 'xterm-256color', COLUMNS: '100', ...env }),
    }),
    timeoutMs,
  );
}

export interface StatusJson {
  taskSets: { status: string; taskDefinition: string; desired: number }[];
  listeners: { role: string; targetGroupArns: string[] }[];
  deploymentInProgress?: { deploymentId: string };
  scaleDown?: { step?: number; steps: number };
}

/** `ecs-taper status --json` against a simulator backend. */
export async function status(url: string): Promise<StatusJson> {
  const result = await runCli(['status', '--simulator', url, '--json']);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as StatusJson;
}

/** Task sets that are not being deleted. */
export const liveSets = (s: StatusJson) => s.taskSets.filter((set) => set.status !== 'DRAINING');
