import { defineConfig, mergeConfig } from 'vitest/config';
import base from '../../vitest.base.ts';

export default mergeConfig(
  base,
  defineConfig({
    test: {
      // The tests run the built entry point (dist/index.mjs and the CLI bundle beside it) as a child process.
      globalSetup: ['./tests/global-setup.ts'],
      // A deployment against the simulator takes about 10 s; a loaded CI machine may need several times that.
      testTimeout: 60_000,
    },
  }),
);
