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
          // moto's server is not thread-safe (concurrent requests from parallel files made it fail with
          // "OrderedDict mutated during iteration"): the files run one at a time, in one worker that keeps
          // the SDK and core loaded between files. A project with its own maxWorkers runs as its own group.
          maxWorkers: 1,
          isolate: false,
          sequence: { groupOrder: 1 },
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
