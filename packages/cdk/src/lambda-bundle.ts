import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The controller's Lambda bundle: runner-lambda's `dist/lambda/` (one CommonJS `index.js` with core and the
 * SDK clients inlined, and a package.json that keeps it CommonJS). Found through Node's own resolution of
 * the installed package, so it is the same directory in this monorepo (a workspace symlink) and in a
 * project that installed the packed tarballs (node_modules/@ecs-taper/runner-lambda).
 */
export function lambdaBundleDir(): string {
  let packageJson: string;
  try {
    packageJson = createRequire(import.meta.url).resolve('@ecs-taper/runner-lambda/package.json');
  } catch (cause) {
    throw new Error(
      '@ecs-taper/cdk: cannot find the package @ecs-taper/runner-lambda, whose dist/lambda/ is the ' +
        "controller's code. It is a dependency of @ecs-taper/cdk: reinstall (npm install @ecs-taper/cdk).",
      { cause },
    );
  }
  const dir = join(dirname(packageJson), 'dist', 'lambda');
  if (!existsSync(join(dir, 'index.js'))) {
    throw new Error(
      `@ecs-taper/cdk: the Lambda bundle ${join(dir, 'index.js')} is missing. In the ecs-taper repository, ` +
        'build it first: npm run build -w @ecs-taper/core -w @ecs-taper/runner-lambda.',
    );
  }
  return dir;
}
