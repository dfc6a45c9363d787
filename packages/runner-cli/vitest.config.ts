import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.base.ts';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      // The tests run the built CLI as a child process; build it once if any source is newer.
      globalSetup: ['./tests/global-setup.ts'],
      testTimeout: 30_000,
      // The tests mostly wait for child processes; run the files side by side even on two cores.
      maxWorkers: 3,
    },
  }),
);
