import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * The bin directory of <repo>/.venv with cfn-lint, moto_server and aws, created on first use by
 * scripts/python-tools.sh (a no-op when CI already ran it). Takes about a minute the very first time.
 */
export function pythonToolsBin(): string {
  const bin = execFileSync('bash', [`${repoRoot}scripts/python-tools.sh`], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 600_000,
  }).trim();
  for (const tool of ['cfn-lint', 'moto_server', 'aws', 'shellcheck', 'python']) {
    if (!existsSync(`${bin}/${tool}`)) throw new Error(`scripts/python-tools.sh left no ${tool} in ${bin}`);
  }
  return bin;
}

/**
 * `base` (default: this process's environment) for running the venv's Python tools with a bytecode cache: the
 * compiled modules go to <venv>/.pycache (PYTHONPYCACHEPREFIX), never next to any source. Without it, a machine
 * that sets PYTHONDONTWRITEBYTECODE (or a venv that uv installed without bytecode) recompiles awscli, botocore and
 * moto on every start: about 1.5 s per `aws` call instead of 0.5 s, and the moto tests make hundreds of them.
 * Only the speed changes: Python checks every cached module against its source.
 */
export function pythonToolsEnv(bin: string, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base, PYTHONPYCACHEPREFIX: join(bin, '..', '.pycache') };
  delete env.PYTHONDONTWRITEBYTECODE;
  return env;
}

/** Generous: a fresh .venv downloads cfn-lint, moto and awscli from PyPI. */
export const pythonToolsTimeout = 600_000;
