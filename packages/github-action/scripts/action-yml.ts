/**
 * action.yml, generated from the action's inputs (src/inputs.ts: core's field table, then the action's
 * own) and outputs, so that the manifest cannot drift from what the entry point reads.
 */
import { stringify } from 'yaml';
import { actionInputs, outputs } from '../src/inputs';

/**
 * node24: GitHub runs node20 actions on Node 24 from June 2026 and removes Node 20 from its runners in
 * September 2026. The bundle targets Node 20 syntax, so the same dist/ also runs on Node 20.
 */
export const runtime = 'node24';

export function buildActionYml(): string {
  const manifest = {
    name: 'ecs-taper deploy',
    description:
      'Tapered ECS deployment behind a Network Load Balancer: new connections move to the new version at once, old tasks retire a few at a time (no reconnection storm).',
    branding: { icon: 'layers', color: 'blue' },
    inputs: Object.fromEntries(
      actionInputs.map((input) => [
        input.name,
        {
          description: input.description,
          required: false,
          ...(input.default !== undefined && { default: input.default }),
        },
      ]),
    ),
    outputs: Object.fromEntries(
      Object.entries(outputs).map(([name, description]) => [name, { description }]),
    ),
    runs: { using: runtime, main: 'dist/index.mjs' },
  };
  const header =
    "# Generated from src/inputs.ts (the CLI flags of core's field table, then the action's own inputs):\n" +
    '# run `npm run action-yml -w @ecs-taper/github-action` after changing either; do not edit by hand.\n';
  return header + stringify(manifest, { lineWidth: 0 });
}
