import { createRequire } from 'node:module';
import type { Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base.ts';

/** The SDK packages core, the simulator, runner-lambda and the CLI import (a command class's name is its identity). */
const sdkPackages = [
  '@aws-sdk/client-ecs',
  '@aws-sdk/client-elastic-load-balancing-v2',
  '@aws-sdk/client-cloudwatch',
  '@aws-sdk/client-application-auto-scaling',
  // deploy --state-machine, through runner-lambda's startDeployment and waitForDeployment.
  '@aws-sdk/client-sfn',
  // Lambda function hooks (lifecycle hooks with functionName).
  '@aws-sdk/client-lambda',
] as const;

const namespace = 'lazy-aws-sdk';

/** `require` as seen from the importing file's directory (the SDK version it would get). */
function requireFrom(dir: string): NodeJS.Require {
  return createRequire(`${dir}/`);
}

/**
 * Puts the AWS SDK (90 % of the bundle) into dist/cli.cjs as a string that is compiled on first use.
 * Node parses every byte of a script at start-up, even code it never runs; a string costs almost
 * nothing. So `--help` and `plan` start without paying for the SDK, and the output is still one file.
 * The SDK is bundled once, so core, the simulator and the CLI share one copy of each command class.
 *
 * Each package becomes a module of getters, one per export name (read from the package at build
 * time): importing it costs nothing, and the first use of an export (e.g. `new
 * DescribeServicesCommand()`) compiles the SDK. Core's index imports every phase, and so the SDK, even
 * when a command only needs the planner; the getters keep that free.
 */
export function lazyAwsSdk(): Plugin {
  return {
    name: namespace,
    setup(build) {
      let blob: Promise<string> | undefined;
      const bundleSdk = async (resolveDir: string) => {
        const result = await build.esbuild.build({
          stdin: {
            contents: sdkPackages.map((name, i) => `export * as m${i} from '${name}';`).join('\n'),
            resolveDir,
            loader: 'js',
          },
          bundle: true,
          platform: 'node',
          format: 'cjs',
          target: 'node20',
          minify: true,
          // The simulator backend sends a command by its class name.
          keepNames: true,
          write: false,
          logLevel: 'error',
        });
        return result.outputFiles[0]?.text ?? '';
      };
      const filter = new RegExp(`^(${sdkPackages.map((p) => p.replace(/[/-]/g, '\\$&')).join('|')})$`);
      build.onResolve({ filter }, (args) => ({ path: args.path, namespace, pluginData: args.resolveDir }));
      build.onResolve({ filter: /^lazy-aws-sdk:blob$/ }, () => ({ path: 'blob', namespace }));
      build.onLoad({ filter: /.*/, namespace }, async (args) => {
        if (args.path === 'blob') {
          blob ??= bundleSdk(process.cwd());
          const code = JSON.stringify(await blob);
          return {
            loader: 'js',
            contents: `
const { compileFunction } = require('node:vm');
let sdk;
exports.load = function load() {
  if (!sdk) {
    const module = { exports: {} };
    const fn = compileFunction(${code}, ['exports', 'require', 'module', '__filename', '__dirname'], {
      filename: __filename + ' (aws-sdk)',
    });
    fn(module.exports, require, module, __filename, __dirname);
    sdk = module.exports;
  }
  return sdk;
};`,
          };
        }
        const index = sdkPackages.indexOf(args.path as (typeof sdkPackages)[number]);
        const names = Object.keys(requireFrom(args.pluginData as string)(args.path)).filter(
          (n) => n !== 'default',
        );
        return {
          loader: 'js',
          contents: `
const { load } = require('lazy-aws-sdk:blob');
for (const name of ${JSON.stringify(names)}) {
  Object.defineProperty(exports, name, { enumerable: true, get: () => load().m${index}[name] });
}`,
        };
      });
    },
  };
}

/**
 * One executable file, dist/cli.cjs, with every dependency inside (core, simulator, the AWS SDK):
 * `npx ecs-taper` needs nothing else installed. CJS because esbuild splits code only for ESM; the
 * commands and the simulator are loaded lazily inside the one file, and the SDK is compiled only when
 * a command needs it (lazyAwsSdk below, kept in this file so turbo's build inputs cover it), so `--help` and `plan` start fast. The workspace
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
