import { defineConfig, type Options } from 'tsup';
import { libraryBuild } from '../../tsup.base.ts';

const entries = { index: 'src/index.ts', workflow: 'src/workflow-entry.ts' };

const core: Options = {
  ...libraryBuild,
  // p-retry is ESM-only: inline it so `require('@ecs-taper/core')` works on every Node >= 20.
  noExternal: ['p-retry', 'is-network-error'],
  esbuildOptions(options, { format }) {
    // The SDK is loaded on first use (aws/sdk.ts). In the CJS build that must be `require`, not
    // `import()`: import() would load the SDK's ESM copy beside the CJS one a CJS caller has, and
    // commands would no longer be instances of the classes its mocks and clients know.
    if (format === 'cjs') options.supported = { ...options.supported, 'dynamic-import': false };
  },
};

export default defineConfig([
  {
    ...core,
    entry: entries,
    // One copy of each module shared by both entries, in CJS too (tsup splits only ESM by default): a
    // class such as EcsTaperError must be the same whichever entry it is imported from.
    splitting: true,
    dts: false,
  },
  // Declarations per entry, each self-contained: one dts build of both would move them into a shared chunk.
  ...Object.entries(entries).map(([name, file]) => ({
    ...core,
    entry: { [name]: file },
    dts: { only: true },
    clean: false,
  })),
]);
