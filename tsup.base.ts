import type { Options } from 'tsup';

/** Shared library build: ESM + CJS + d.ts, one entry per package unless told. */
export const libraryBuild: Options = {
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  platform: 'node',
  // Keep class names: the simulator dispatches on SDK command classes by name.
  keepNames: true,
};
