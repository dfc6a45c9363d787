import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** For tests of the built package, run from the repository root (node_modules/@ecs-taper/core links here). */
export const packageDir = fileURLToPath(new URL('../../..', import.meta.url));
export const repoRoot = join(packageDir, '..', '..');
const outputs = ['index.js', 'index.cjs', 'workflow.js', 'workflow.cjs'].map((file) =>
  join(packageDir, 'dist', file),
);

function newestSource(): number {
  const sources = readdirSync(join(packageDir, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  return Math.max(
    ...[...sources, join(packageDir, 'package.json'), join(packageDir, 'tsup.config.ts')].map(
      (file) => statSync(file).mtimeMs,
    ),
  );
}

const built = () => outputs.every((file) => existsSync(file));

/**
 * Builds dist when it is missing or older than src. Another test file may be rebuilding it at the same
 * time (tsup cleans dist first), so a failed or concurrent build is waited for (up to 60 s) rather than
 * failed on.
 */
export function ensureBuilt(): void {
  if (built() && Math.min(...outputs.map((file) => statSync(file).mtimeMs)) >= newestSource()) return;
  try {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js')], {
      cwd: packageDir,
      stdio: 'pipe',
    });
  } catch (error) {
    const until = Date.now() + 60_000;
    while (!built() && Date.now() < until) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
    if (!built()) throw error;
  }
}
