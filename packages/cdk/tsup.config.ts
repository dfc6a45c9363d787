import { defineConfig } from 'tsup';
import { libraryBuild } from '../../tsup.base';

// shims: the CommonJS build gets an import.meta.url, from which lambda-bundle.ts resolves runner-lambda's bundle.
export default defineConfig({ ...libraryBuild, shims: true });
