/**
 * The action's inputs. Every deployment-input flag of the CLI is an input of the same name (field-inputs.ts,
 * from core's field table, the table the CLI's own flags come from), so a new field needs no change here:
 * `npm run action-yml -w @ecs-taper/github-action` regenerates action.yml and a test fails while the
 * committed file differs. The inputs below are the action's own: where the input comes from, which
 * runner drives the deployment, and which backend it talks to.
 */
import { type ActionInput, fieldInputs } from './field-inputs';

export type { ActionInput, InputKind } from './field-inputs';

export const modes = ['local', 'state-machine'] as const;
export type Mode = (typeof modes)[number];

/** The action's own inputs: the input file, the runner, the backend. */
export const ownInputs: readonly ActionInput[] = [
  {
    name: 'input-file',
    flag: 'input',
    kind: 'value',
    description:
      "JSON file with the deployment input (our flat input or the seed's event), relative to the workspace; the other inputs override its fields (--input)",
  },
  {
    name: 'mode',
    kind: 'value',
    default: 'local',
    description:
      'local: this job drives the deployment (a re-run resumes it); state-machine: the Step Functions runner drives it (state-machine-arn) and this job follows it to its end',
  },
  {
    name: 'state-machine-arn',
    flag: 'state-machine',
    kind: 'value',
    description:
      'with mode state-machine: the ecs-taper state machine to run the deployment in (--state-machine)',
  },
  {
    name: 'run-id',
    flag: 'run-id',
    kind: 'value',
    default: '${{ github.run_id }}',
    description:
      'with mode state-machine: names the execution, so a re-run of this workflow run joins it instead of starting a second one; give each deployment of one run its own (--run-id)',
  },
  {
    name: 'simulator',
    kind: 'value',
    description:
      'run against the simulator instead of AWS: true starts a fresh simulated service (no account needed), or the URL of a running `ecs-taper simulator serve` (--simulator)',
  },
  {
    name: 'region',
    flag: 'region',
    kind: 'value',
    description:
      "AWS region (default: the SDK's chain, e.g. AWS_REGION from aws-actions/configure-aws-credentials) (--region)",
  },
  {
    name: 'take-over',
    flag: 'take-over',
    kind: 'boolean',
    description:
      "take the deployment's lease even if another controller's is unexpired, e.g. after a cancelled run (true passes --take-over)",
  },
];

/** Every input of action.yml, in its order. */
export const actionInputs: readonly ActionInput[] = (() => {
  const all = [...fieldInputs, ...ownInputs];
  const seen = new Set<string>();
  for (const input of all) {
    if (seen.has(input.name)) throw new Error(`action input ${input.name} is declared twice`);
    seen.add(input.name);
  }
  return all;
})();

export const outputs = {
  'deployment-id': 'the deployment id (empty when it was refused before one was chosen)',
  outcome: 'succeeded, rolled-back, refused (nothing was changed) or failed',
  reason: 'why the deployment ended as it did',
  steps: 'the number of the last scale-down step this run applied (0 when it applied none)',
} as const;
