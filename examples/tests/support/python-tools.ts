import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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

/** Generous: a fresh .venv downloads cfn-lint, moto and awscli from PyPI. */
export const pythonToolsTimeout = 600_000;
