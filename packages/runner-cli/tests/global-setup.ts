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

/** The tests run the built dist/cli.cjs; rebuild it once when any source it bundles is newer. */
export default function setup(): void {
  const built = newest(join(pkg, 'dist', 'cli.cjs'));
  const sources = Math.max(
    ...['src', 'tsup.config.ts', 'package.json'].map((p) => newest(join(pkg, p))),
    newest(join(packages, 'core', 'src')),
    newest(join(packages, 'simulator', 'src')),
  );
  if (built >= sources) return;
  execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'ignore' });
}
