#!/usr/bin/env node
// A scripted stand-in for the `aws` CLI, for the calls deploy.sh makes with --input-only --start [--wait]. It reads
// $FAKE_AWS_DIR/scenario.json, appends every call to calls.jsonl and keeps its place in each script in state.json.
//
// scenario.json: {
//   "stacks": { "<stack>": { "<OutputKey>": "<OutputValue>", ... } },
//   "start": "ok" | "ExecutionAlreadyExists" | "<other error code>",
//   "executions": { "<name>": [ <describe-execution answer> | { "apiError": "<code>", "message"? }, ... ] },
//                 (the last answer repeats; "state" in an answer is the state the history shows as entered last)
//   "history": "error" | absent (then: one stateEntered event per describe answer that names "state")
// }
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.FAKE_AWS_DIR;
const scenario = JSON.parse(readFileSync(join(dir, 'scenario.json'), 'utf8'));
const statePath = join(dir, 'state.json');
const state = existsSync(statePath) ? JSON.parse(readFileSync(statePath, 'utf8')) : {};

// `aws [--region R] <service> <operation> [--option value | --flag]...`
const args = process.argv.slice(2);
const positional = [];
const options = {};
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (!arg.startsWith('--')) positional.push(arg);
  else if (i + 1 < args.length && !args[i + 1].startsWith('--')) options[arg.slice(2)] = args[++i];
  else options[arg.slice(2)] = true;
}
const [service, operation] = positional;
appendFileSync(join(dir, 'calls.jsonl'), `${JSON.stringify({ service, operation, options })}\n`);

const fail = (code, message) => {
  process.stderr.write(`\nAn error occurred (${code}) when calling the ${operation} operation: ${message}\n`);
  process.exit(254);
};
const print = (value) =>
  process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`);
const nameOf = (arn) => arn.split(':').at(-1);
const machineOf = (arn) => arn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, '');

/** The next answer of execution `name`'s script (the last one repeats). */
function nextAnswer(name) {
  const script = scenario.executions?.[name];
  if (!script) fail('ExecutionDoesNotExist', `Execution Does Not Exist: '${name}'`);
  const index = Math.min(state[name] ?? 0, script.length - 1);
  state[name] = index + 1;
  writeFileSync(statePath, JSON.stringify(state));
  return script[index];
}

if (service === 'cloudformation' && operation === 'describe-stacks') {
  const outputs = scenario.stacks?.[options['stack-name']];
  if (!outputs) fail('ValidationError', `Stack with id ${options['stack-name']} does not exist`);
  print(Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })));
} else if (service === 'stepfunctions' && operation === 'start-execution') {
  const machine = options['state-machine-arn'];
  const arn = `${machine.replace(':stateMachine:', ':execution:')}:${options.name}`;
  const start = scenario.start ?? 'ok';
  if (start !== 'ok') fail(start, `Execution Already Exists: '${arn}'`);
  print(options.query === 'executionArn' ? arn : { executionArn: arn, startDate: 1767225600 });
} else if (service === 'stepfunctions' && operation === 'describe-execution') {
  const arn = options['execution-arn'];
  const answer = nextAnswer(nameOf(arn));
  if (answer.apiError) fail(answer.apiError, answer.message ?? `${answer.apiError} for ${arn}`);
  state[`${nameOf(arn)}:state`] = answer.state;
  writeFileSync(statePath, JSON.stringify(state));
  const { state: _state, ...described } = answer;
  print({ executionArn: arn, stateMachineArn: machineOf(arn), name: nameOf(arn), ...described });
} else if (service === 'stepfunctions' && operation === 'get-execution-history') {
  if (scenario.history === 'error')
    fail('AccessDeniedException', 'not authorized to perform states:GetExecutionHistory');
  const entered = state[`${nameOf(options['execution-arn'])}:state`];
  print({
    events: entered
      ? [
          { id: 7, type: 'TaskStateEntered', stateEnteredEventDetails: { name: entered } },
          { id: 6, type: 'Other' },
        ]
      : [],
  });
} else {
  fail('FakeAwsUnknownCall', `the fake aws has no answer for: ${args.join(' ')}`);
}
