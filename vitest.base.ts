import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

/**
 * Tests import workspace packages from source, so a test run never depends on a stale build.
 * The packaging itself (exports map, ESM + CJS) is tested separately against dist.
 */
export const workspaceAliases = {
  // Before '@ecs-taper/core', which as a prefix would also take the subpath.
  '@ecs-taper/core/workflow': fileURLToPath(
    new URL('./packages/core/src/workflow-entry.ts', import.meta.url),
  ),
  '@ecs-taper/core': src('core'),
  '@ecs-taper/simulator': src('simulator'),
  '@ecs-taper/runner-lambda/client': fileURLToPath(
    new URL('./packages/runner-lambda/src/client/index.ts', import.meta.url),
  ),
  '@ecs-taper/runner-lambda': src('runner-lambda'),
  '@ecs-taper/cdk': src('cdk'),
};

export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    include: ['tests/**/*.test.ts', '**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 20_000,
  },
});
