import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base';

// A second entry builds the reconnection benchmark into dist/bench (run: npm run bench:reconnect).
export default defineConfig({
  ...libraryBuild,
  entry: { index: 'src/index.ts', 'bench/reconnect': 'bench/reconnect.ts' },
  dts: { entry: { index: 'src/index.ts' } },
});
