/**
 * The CLI's deployment-input flags as action inputs of the same names, derived from core's field table
 * (input-fields.ts). The bundle gets this list as data, computed at build time (tsup.config.ts): importing
 * core at run time would bring the lazy AWS SDK chunks of its phases into dist/.
 */
import { type CliValue, inputFieldEntries } from '@ecs-taper/core/workflow';

/** How an input's text becomes CLI arguments. */
export type InputKind =
  /** One `--flag=value` when not empty. */
  | 'value'
  /** true: `--flag`; false or empty: nothing (the CLI's default). */
  | 'boolean'
  /** One `--flag=line` per non-empty line (a list flag also splits each line on commas). */
  | 'lines';

export interface ActionInput {
  name: string;
  description: string;
  kind: InputKind;
  /** The CLI flag it becomes (without dashes); none for the inputs the action reads itself. */
  flag?: string;
  /** The default action.yml states (GitHub substitutes expressions such as `${{ github.run_id }}`). */
  default?: string;
}

function kindOf(value: CliValue, repeatable: boolean | undefined): InputKind {
  if (value === 'boolean') return 'boolean';
  if (value === 'list' || repeatable) return 'lines';
  return 'value';
}

function describe(help: string, flag: string, kind: InputKind): string {
  const how =
    kind === 'boolean'
      ? `true passes --${flag}; false or empty leaves it out`
      : kind === 'lines'
        ? `--${flag}; one value per line`
        : `--${flag}`;
  return `${help} (${how})`;
}

/** The CLI's deployment-input flags, in the table's order (shorthands such as --canary included). */
export const fieldInputs: readonly ActionInput[] = inputFieldEntries.flatMap(([, spec]) =>
  (spec.flags ?? []).map((flag): ActionInput => {
    const kind = kindOf(flag.value, flag.repeatable);
    return {
      name: flag.name,
      flag: flag.name,
      kind,
      description: describe(flag.help ?? spec.help, flag.name, kind),
    };
  }),
);
