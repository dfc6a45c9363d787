import { describe, expect, it } from 'vitest';
import { ActionInputError, actionArgs } from '../src/args';

/** GitHub sets every input: its default, or empty. */
const defaults: Record<string, string> = { mode: 'local', 'run-id': '1234567890' };
const args = (inputs: Record<string, string>) => actionArgs((name) => inputs[name] ?? defaults[name] ?? '');

describe('actionArgs', () => {
  it("maps inputs to the CLI's flags of the same names, as --flag=value", () => {
    const result = args({
      cluster: 'prod',
      service: 'api',
      'task-definition': 'api:42',
      'desired-count': '-3',
      interval: '30',
      'input-file': 'deploy/input.json',
      region: 'eu-west-1',
    });
    expect(result.mode).toBe('local');
    expect(result.simulator).toBeUndefined();
    // "-3" reaches the CLI's validation as a value (as `--desired-count -3` would not).
    expect(result.inputArgs).toEqual([
      '--cluster=prod',
      '--service=api',
      '--task-definition=api:42',
      '--desired-count=-3',
      '--interval=30',
      '--input=deploy/input.json',
      '--region=eu-west-1',
    ]);
    // run-id names a Step Functions execution: a local deploy does not take it.
    expect(result.deployArgs).toEqual([]);
  });

  it('passes a list or repeatable input once per line, and a true boolean as its flag', () => {
    const result = args({
      subnets: 'subnet-1\nsubnet-2, subnet-3\n',
      canary: '10%:5m\n25%:1m',
      alarm: 'api-5xx',
      'keep-autoscaling': 'true',
      'assign-public-ip': 'false',
      'take-over': 'True',
    });
    expect(result.inputArgs).toEqual([
      '--subnets=subnet-1',
      '--subnets=subnet-2, subnet-3',
      '--keep-autoscaling',
      '--alarm=api-5xx',
      '--canary=10%:5m',
      '--canary=25%:1m',
    ]);
    expect(result.deployArgs).toEqual(['--take-over']);
  });

  it('hands the deployment to Step Functions with mode state-machine, naming the execution by the run id', () => {
    const arn = 'arn:aws:states:eu-west-1:000000000000:stateMachine:ecs-taper';
    const result = args({ mode: 'state-machine', 'state-machine-arn': arn });
    expect(result.deployArgs).toEqual([`--state-machine=${arn}`, '--run-id=1234567890']);
  });

  it('takes the simulator as true (start one) or a URL', () => {
    expect(args({ simulator: 'true' }).simulator).toBe('embedded');
    const remote = args({ simulator: 'http://127.0.0.1:4510' });
    expect(remote.simulator).toEqual({ url: 'http://127.0.0.1:4510' });
    expect(remote.inputArgs).toEqual(['--simulator=http://127.0.0.1:4510']);
    expect(args({ simulator: 'false' }).simulator).toBeUndefined();
  });

  it.each([
    [{ mode: 'canary' }, 'mode', 'must be local or state-machine, got "canary"'],
    [{ mode: 'state-machine' }, 'state-machine-arn', 'is required with mode state-machine'],
    [{ 'state-machine-arn': 'arn:aws:states:x' }, 'state-machine-arn', 'but mode is local'],
    [{ simulator: 'yes' }, 'simulator', 'must be true, false or the http:// URL'],
    [
      { simulator: 'true', mode: 'state-machine', 'state-machine-arn': 'arn:aws:states:x' },
      'simulator',
      'pass one of them',
    ],
    [{ 'create-service': 'yes' }, 'create-service', 'must be true or false, got "yes"'],
  ])('refuses %j, naming the input %s', (inputs, input, message) => {
    let error: unknown;
    try {
      args(inputs);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ActionInputError);
    expect((error as ActionInputError).input).toBe(input);
    expect((error as Error).message).toContain(`input ${input}: `);
    expect((error as Error).message).toContain(message);
  });
});
