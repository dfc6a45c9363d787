import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/**
 * aws-local-stepfunctions needs Node >= 22, the machine and the root install are Node 20: installed by the
 * root `npm ci`, it printed EBADENGINE. So it lives in this directory, with its own lockfile, installed
 * under Node 24 (the npm `node@24` package, as the executions themselves run) the first time a test needs
 * it, and again only when the lockfile changes (a stamp of its hash in node_modules).
 */
export const node24Dir = fileURLToPath(new URL('.', import.meta.url));
const stamp = `${node24Dir}node_modules/.installed-lockfile-sha256`;
const run = promisify(execFile);

export function lockfileHash(): string {
  return createHash('sha256')
    .update(readFileSync(`${node24Dir}package-lock.json`))
    .digest('hex');
}

export function isInstalled(): boolean {
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === lockfileHash();
}

/** Installs this directory's lockfile under Node 24 unless that exact lockfile is installed already. */
export async function ensureNode24Dependencies(): Promise<'cached' | 'installed'> {
  if (isInstalled()) return 'cached';
  try {
    await run(
      'npx',
      [
        '-y',
        '-p',
        'node@24',
        'npm',
        'ci',
        '--prefix',
        node24Dir,
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
      ],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (error) {
    const { stderr } = error as { stderr?: string };
    throw new Error(
      `installing aws-local-stepfunctions under Node 24 failed (npx -y -p node@24 npm ci --prefix ${node24Dir}): ${stderr ?? error}`,
    );
  }
  writeFileSync(stamp, `${lockfileHash()}\n`);
  return 'installed';
}
