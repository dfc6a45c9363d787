import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base.ts';
import { lazyAwsSdk } from './build/lazy-aws-sdk.ts';

/**
 * One executable file, dist/cli.cjs, with every dependency inside (core, simulator, the AWS SDK):
 * `npx ecs-taper` needs nothing else installed. CJS because esbuild splits code only for ESM; the
 * commands and the simulator are loaded lazily inside the one file, and the SDK is compiled only when
 * a command needs it (build/lazy-aws-sdk.ts), so `--help` and `plan` start fast. The workspace
 * packages are bundled from source through tsconfig `paths`.
 */
export default defineConfig({
  ...libraryBuild,
  entry: { cli: 'src/cli.ts' },
  format: ['cjs'],
  outExtension: () => ({ js: '.cjs' }),
  dts: false,
  sourcemap: false,
  noExternal: [/.*/],
  banner: { js: '#!/usr/bin/env node' },
  minify: true,
  esbuildPlugins: [lazyAwsSdk()],
});
