import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base.ts';

export default defineConfig({
  ...libraryBuild,
  // p-retry is ESM-only: inline it so `require('@ecs-taper/core')` works on every Node >= 20.
  noExternal: ['p-retry', 'is-network-error'],
});
