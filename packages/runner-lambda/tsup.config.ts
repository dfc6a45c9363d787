import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base.ts';

const entries = { index: 'src/index.ts', client: 'src/client/index.ts' };

export default defineConfig([
  {
    ...libraryBuild,
    entry: entries,
    // One copy of each module shared by both entries, in CJS too (tsup splits only ESM by default): an
    // error class such as WaitAbortedError must be the same whichever entry it is imported from.
    splitting: true,
    dts: false,
  },
  // Declarations per entry, each self-contained (one dts build of both would move them into a shared chunk).
  ...Object.entries(entries).map(([name, file]) => ({
    ...libraryBuild,
    entry: { [name]: file },
    dts: { only: true },
    clean: false,
  })),
  {
    // The deployable Lambda bundle: one CommonJS file with core and the SDK clients inlined and
    // tree-shaken, so nothing but the handler's needs is loaded on a cold start.
    entry: { index: 'src/lambda.ts' },
    outDir: 'dist/lambda',
    format: ['cjs'],
    platform: 'node',
    target: 'node22',
    minify: true,
    sourcemap: false,
    dts: false,
    clean: false,
    keepNames: true,
    // Everything but the Lambda client of function hooks, which only a deployment with such a hook loads:
    // the nodejs22.x runtime provides it (AWS SDK for JavaScript v3), and bundled it would add ~330 KiB.
    noExternal: [/^(?!@aws-sdk\/client-lambda$)/],
    external: ['@aws-sdk/client-lambda'],
    splitting: false,
    outExtension: () => ({ js: '.js' }),
    esbuildPlugins: [
      {
        // Core loads the SDK lazily (aws/sdk.ts) so importing it loads none; the handler loads it anyway,
        // and a lazily loaded module is not tree-shaken: take the static twin, which keeps only the
        // commands core sends (the bundle is about 180 KiB smaller).
        name: 'eager-aws-sdk',
        setup(build) {
          build.onResolve({ filter: /^\.\/sdk$/ }, (args) =>
            /[\\/]core[\\/]src[\\/]aws$/.test(args.resolveDir)
              ? { path: join(dirname(`${args.resolveDir}/x`), 'sdk-eager.ts') }
              : undefined,
          );
        },
      },
    ],
  },
]);
