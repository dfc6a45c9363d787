// The action's entry point (action.yml runs dist/index.mjs). A crash of the action itself (not a
// deployment outcome, which run() reports) still fails the step with its message.
import * as core from '@actions/core';
import { run } from './main';

run().catch((error: unknown) => {
  core.setFailed(error instanceof Error ? error.message : String(error));
});
