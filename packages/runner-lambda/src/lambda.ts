import { defaultClients } from './handlers/default-clients';
import { createPhaseHandler } from './handlers/run-phase';
import { lambdaHookRunner } from './hooks/lambda-hook-runner';

/** The deployed Lambda entry point (`index.handler`): one function, routed on `event.phase`. */
export const handler = createPhaseHandler({ clients: defaultClients, hooks: lambdaHookRunner() });
