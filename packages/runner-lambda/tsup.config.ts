import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base.ts';

export default defineConfig([
  libraryBuild,
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
    noExternal: [/.*/],
    splitting: false,
    outExtension: () => ({ js: '.js' }),
  },
]);
