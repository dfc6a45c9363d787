import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const pkg = fileURLToPath(new URL('..', import.meta.url));
export const entry = join(pkg, 'dist', 'index.mjs');
export const cli = join(pkg, 'dist', 'cli.cjs');

interface Manifest {
  inputs: Record<string, { default?: string }>;
  outputs: Record<string, unknown>;
  runs: { using: string; main: string };
}

export const manifest = parse(readFileSync(join(pkg, 'action.yml'), 'utf8')) as Manifest;

/** GitHub's name for an input's variable: INPUT_ + the name upper-cased, spaces to _, hyphens kept. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** GITHUB_OUTPUT's `name<<DELIMITER\nvalue\nDELIMITER` blocks (what @actions/core writes). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const block = /^([^\n<]+)<<(\S+)\n([\s\S]*?)\n\2$/gm;
  for (const match of text.matchAll(block)) outputs[match[1] as string] = match[3] as string;
  return outputs;
}

/**
 * Runs dist/index.mjs as the runner does: every input of action.yml set (its default, or empty), the
 * given ones overridden, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY pointing at fresh files, no AWS settings.
 */
export async function runAction(inputs: Record<string, string>, timeoutMs = 55_000): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'ecs-taper-action-'));
  const outputFile = join(dir, 'output');
  const summaryFile = join(dir, 'summary');
  writeFileSync(outputFile, '');
  writeFileSync(summaryFile, '');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LANG: 'C.UTF-8',
    GITHUB_ACTIONS: 'true',
    GITHUB_RUN_ID: '1234567890',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
  };
  for (const [name, spec] of Object.entries(manifest.inputs)) {
    // The runner substitutes expressions in defaults; ${{ github.run_id }} is the only one.
    env[inputVariable(name)] = (spec.default ?? '').replace('${{ github.run_id }}', '1234567890');
  }
  for (const [name, value] of Object.entries(inputs)) {
    if (!(name in manifest.inputs)) throw new Error(`action.yml has no input ${name}`);
    env[inputVariable(name)] = value;
  }
  try {
    const result = await collect(spawn(process.execPath, [entry], { env }), timeoutMs);
    return {
      ...result,
      outputs: parseOutputs(readFileSync(outputFile, 'utf8')),
      summary: readFileSync(summaryFile, 'utf8'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function collect(
  child: ChildProcess,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
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
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface Simulator {
  url: string;
  mutations(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** `ecs-taper simulator serve` from the action's own CLI bundle, on a free port, instant time. */
export function startSimulator(args: string[] = []): Promise<Simulator> {
  const child = spawn(process.execPath, [cli, 'simulator', 'serve', '--port', '0', '--speed', '0', ...args]);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulator did not start: ${out}`)), 15_000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({
        url,
        mutations: async () =>
          ((await (await fetch(`${url}/world`)).json()) as { mutations: Record<string, number> }).mutations,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.once('close', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
