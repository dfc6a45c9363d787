#!/usr/bin/env node
// The `ecs-taper` command that npm links into node_modules/.bin. npm links a bin only if its file
// exists at install time, and dist/ exists only after a build; this launcher is committed, so
// `npm ci` links it in a fresh clone and it runs the bundle, dist/cli.cjs, once built.
'use strict';
let cli;
try {
  cli = require('../dist/cli.cjs');
} catch (error) {
  if (error && error.code === 'MODULE_NOT_FOUND' && String(error.message).includes('cli.cjs')) {
    process.stderr.write(
      'ecs-taper is not built yet: run `npm run build` (or `npm start`) at the repository root first\n',
    );
    process.exit(1);
  }
  throw error;
}
cli.runAsCommand();
