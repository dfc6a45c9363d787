import { copyFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base.ts';
import { fieldInputs } from './src/field-inputs.ts';

const cli = fileURLToPath(new URL('../runner-cli/dist/cli.cjs', import.meta.url));

/**
 * src/field-inputs.ts, as data: the inputs it derives from core's field table, computed here (the config
 * runs against core's build). The bundle then holds no part of core, whose entry would bring the lazy
 * AWS SDK chunks of its phases into dist/.
 */
function fieldInputsAsData(): Plugin {
  return {
    name: 'field-inputs-as-data',
    setup(build) {
      build.onLoad({ filter: /[\\/]src[\\/]field-inputs\.ts$/ }, () => ({
        contents: `export const fieldInputs = ${JSON.stringify(fieldInputs)};`,
        loader: 'js',
      }));
    },
  };
}

/**
 * dist/index.mjs: the action with @actions/core inside, ESM (@actions/core 3 is ESM-only; .mjs, so it is
 * ESM without a package.json beside it). dist/cli.cjs: runner-cli's one-file bundle, copied, so that
 * action.yml and dist/ are the whole action (a published action has no node_modules).
 */
export default defineConfig({
  ...libraryBuild,
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  outExtension: () => ({ js: '.mjs' }),
  dts: false,
  sourcemap: false,
  noExternal: [/.*/],
  splitting: false,
  // @actions/core's CommonJS dependencies (tunnel, undici) call require(): give the ESM bundle one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  esbuildPlugins: [fieldInputsAsData()],
  onSuccess: async () => {
    if (!existsSync(cli)) throw new Error(`${cli} is missing: build @ecs-taper/runner-cli first`);
    copyFileSync(cli, 'dist/cli.cjs');
  },
});
