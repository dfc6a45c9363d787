import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const packages = join(pkg, '..');

function newest(path: string): number {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

/**
 * The tests run dist/index.mjs and dist/cli.cjs. Rebuild the CLI bundle when a source it bundles is newer
 * (as runner-cli's own tests do), then the action when it or the CLI bundle is newer than its dist.
 */
export default function setup(): void {
  const cliPkg = join(packages, 'runner-cli');
  const cli = join(cliPkg, 'dist', 'cli.cjs');
  const cliSources = Math.max(
    ...['src', 'tsup.config.ts', 'package.json'].map((p) => newest(join(cliPkg, p))),
    ...['core', 'simulator', 'runner-lambda'].map((p) => newest(join(packages, p, 'src'))),
  );
  if (newest(cli) < cliSources) execFileSync('npx', ['tsup'], { cwd: cliPkg, stdio: 'ignore' });
  const built = Math.min(newest(join(pkg, 'dist', 'index.mjs')), newest(join(pkg, 'dist', 'cli.cjs')));
  const sources = Math.max(
    ...['src', 'tsup.config.ts', 'package.json'].map((p) => newest(join(pkg, p))),
    newest(cli),
    newest(join(packages, 'core', 'src', 'input-fields.ts')),
  );
  if (built >= sources) return;
  execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'ignore' });
}
