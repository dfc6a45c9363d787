/**
 * The action's inputs as the CLI's arguments. Values are not checked here beyond their form (a boolean is
 * true or false, a mode is local or state-machine): the CLI validates the deployment input, with the
 * ranges and hints of core's field table, and names the flag, which is also the input's name.
 */
import { type ActionInput, actionInputs, type Mode, modes } from './inputs';

/** A bad input of the action itself, found before anything ran. */
export class ActionInputError extends Error {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`input ${input}: ${message}`);
    this.name = 'ActionInputError';
  }
}

export interface ActionArgs {
  mode: Mode;
  /** `true` (start one), a URL, or undefined (AWS). */
  simulator: 'embedded' | { url: string } | undefined;
  /** The deployment input and backend as flags: shared by `plan` and `deploy`. */
  inputArgs: string[];
  /** deploy's own flags (--state-machine, --run-id, --take-over). */
  deployArgs: string[];
}

/** GitHub's boolean spellings (YAML 1.2 core schema), as @actions/core's getBooleanInput takes them. */
function booleanOf(input: ActionInput, text: string): boolean {
  if (['true', 'True', 'TRUE'].includes(text)) return true;
  if (['false', 'False', 'FALSE'].includes(text)) return false;
  throw new ActionInputError(input.name, `must be true or false, got ${JSON.stringify(text)}`);
}

/** `--flag=value` (never `--flag value`, so that a value such as "-3" reaches the CLI's validation). */
function flagArgs(input: ActionInput, text: string): string[] {
  if (text === '' || !input.flag) return [];
  switch (input.kind) {
    case 'boolean':
      return booleanOf(input, text) ? [`--${input.flag}`] : [];
    case 'lines':
      return text
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '')
        .map((line) => `--${input.flag}=${line}`);
    case 'value':
      return [`--${input.flag}=${text}`];
  }
}

const deployOnly = new Set(['state-machine-arn', 'run-id', 'take-over']);

/** Reads every input through `read` (the raw text, trimmed; '' when not set) and builds the CLI's arguments. */
export function actionArgs(read: (name: string) => string): ActionArgs {
  const text = (name: string) => read(name).trim();
  const modeText = text('mode') || 'local';
  if (!(modes as readonly string[]).includes(modeText)) {
    throw new ActionInputError('mode', `must be local or state-machine, got ${JSON.stringify(modeText)}`);
  }
  const mode = modeText as Mode;
  const arn = text('state-machine-arn');
  if (mode === 'state-machine' && arn === '') {
    throw new ActionInputError(
      'state-machine-arn',
      'is required with mode state-machine; pass the ARN of the ecs-taper state machine (arn:aws:states:REGION:ACCOUNT:stateMachine:NAME)',
    );
  }
  if (mode === 'local' && arn !== '') {
    throw new ActionInputError(
      'state-machine-arn',
      'is set but mode is local; set mode: state-machine to run the deployment in Step Functions, or drop state-machine-arn',
    );
  }
  const simulatorText = text('simulator');
  let simulator: ActionArgs['simulator'];
  if (simulatorText === '' || simulatorText === 'false') simulator = undefined;
  else if (simulatorText === 'true') simulator = 'embedded';
  else if (/^https?:\/\/\S+$/.test(simulatorText)) simulator = { url: simulatorText };
  else {
    throw new ActionInputError(
      'simulator',
      `must be true, false or the http:// URL of \`ecs-taper simulator serve\`, got ${JSON.stringify(simulatorText)}`,
    );
  }
  if (simulator && mode === 'state-machine') {
    throw new ActionInputError(
      'simulator',
      'runs the local loop against the simulator, and mode state-machine hands the deployment to Step Functions in AWS; pass one of them',
    );
  }

  const inputArgs: string[] = [];
  const deployArgs: string[] = [];
  for (const input of actionInputs) {
    const value = text(input.name);
    if (input.name === 'run-id' && mode === 'local') continue; // its default is always set
    (deployOnly.has(input.name) ? deployArgs : inputArgs).push(...flagArgs(input, value));
  }
  if (simulator && typeof simulator === 'object') inputArgs.push(`--simulator=${simulator.url}`);
  return { mode, simulator, inputArgs, deployArgs };
}
