import { defineConfig } from 'vitest/config';
import base, { workspaceAliases } from '../vitest.base.ts';

const shared = base.test ?? {};

/**
 * Two projects on the shared defaults of ../vitest.base.ts: `real-api` runs against a moto server that its
 * globalSetup starts (only when a real-api test file is selected); `tests` is everything else here.
 * Written out rather than `extends: true`, which would merge (not replace) the base include list.
 */
export default defineConfig({
  resolve: { alias: workspaceAliases },
  test: {
    projects: [
      {
        resolve: { alias: workspaceAliases },
        test: {
          name: 'real-api',
          include: ['real-api/**/*.test.ts'],
          exclude: shared.exclude,
          globalSetup: ['./support/moto-global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          // The tests mostly wait on moto over HTTP: more files at once than CPUs keeps the run short.
          maxWorkers: 4,
        },
      },
      {
        resolve: { alias: workspaceAliases },
        test: {
          name: 'tests',
          include: shared.include,
          exclude: [...(shared.exclude ?? []), 'real-api/**'],
          testTimeout: shared.testTimeout,
        },
      },
    ],
  },
});
