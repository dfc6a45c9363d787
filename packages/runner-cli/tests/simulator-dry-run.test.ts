import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  cli,
  collect,
  runCli,
  type Simulator,
  startSimulator,
  status,
  waitForLine,
} from './helpers';

let simulator: Simulator | undefined;
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

const STATE_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:ecs-taper';

describe('deploy --dry-run (built CLI against `simulator serve`)', () => {
  it('prints the topology, what deploy would do and the plan with its peak and executions; 0 mutations', async () => {
    simulator = await startSimulator(['--speed', '0', '--tasks', '6']);
    const before = (await simulator.world()).mutations;
    const result = await runCli([
      'deploy',
      '--dry-run',
      '--simulator',
      simulator.url,
      '--connections-per-task',
      '500',
      '--reconnect-spread',
      '5',
      '--state-machine',
      STATE_MACHINE,
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toContain('Dry run: read only, nothing was changed');
    expect(out).toMatch(/:80 +production +-> blue/);
    expect(out).toMatch(/:8080 +test +-> green/);
    expect(out).toMatch(/blue +live \(old version\) +6 healthy/);
    expect(out).toMatch(/green +standby \(new version\)/);
    expect(out).toMatch(/ecs-svc\/\d+ +PRIMARY +sim-app:1 +tg blue +6\/6 running +STEADY_STATE +old/);
    expect(out).toMatch(/deploy would deploy sim-app:2 as deployment \S+: a new task set on green/);
    expect(out).toContain('Scale-down plan for 6 tasks');
    expect(out).toMatch(/Predicted peak of reconnections: [\d.]+\/s/);
    expect(out).toContain('Under Step Functions: 1 execution.');
    expect((await simulator.world()).mutations).toEqual(before);
    expect(before).toEqual({});
  });

  it('shows an unfinished deployment it would resume, under its id, and still changes nothing', async () => {
    simulator = await startSimulator(['--speed', '300', '--tasks', '6']);
    const child = spawn(process.execPath, [cli, 'deploy', '--simulator', simulator.url, '--json'], {
      env: cleanEnv(),
    });
    const done = collect(child);
    await waitForLine(child, /"type":"scale-step"/);
    child.kill('SIGINT'); // a clean stop: the lease is given back, so a dry run is no refusal
    expect((await done).code).toBe(130);
    const id = (await status(simulator.url)).deploymentInProgress?.deploymentId as string;
    expect(id).toBeTruthy();
    const before = (await simulator.world()).mutations;

    const result = await runCli(['deploy', '--dry-run', '--simulator', simulator.url]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`deploy would resume deployment ${id} at scale-down`);
    expect(result.stdout).toContain(`new (deployment ${id})`);
    expect(result.stdout).toMatch(/green +live \(new version\)/);
    expect((await simulator.world()).mutations).toEqual(before);
  });

  it.each([
    ['a mistyped service', ['--service', 'sim-servce'], /did you mean sim-service\?/],
    ['a test listener that is not there', ['--test-listener-port', '9090'], /no test listener .*port 9090/],
  ])('prints the refusal for %s, exits as deploy would, 0 mutations', async (_name, flags, message) => {
    simulator = await startSimulator(['--speed', '0', '--tasks', '4']);
    const dry = await runCli(['deploy', '--dry-run', '--simulator', simulator.url, ...flags]);
    expect(dry.stdout).toContain('listeners');
    expect(dry.stdout).toMatch(/deploy would be refused \(TopologyError\)/);
    expect(dry.stdout).toMatch(message);
    expect(dry.stderr).toMatch(message);
    // The same refusal, code and message as the deploy itself (which changes nothing either).
    const real = await runCli(['deploy', '--simulator', simulator.url, ...flags]);
    expect(real.code).toBe(1);
    expect(dry.code).toBe(real.code);
    expect(dry.stderr).toBe(real.stderr);
    expect((await simulator.world()).mutations).toEqual({});
  });

  it('--json prints the preview as one JSON object', async () => {
    simulator = await startSimulator(['--speed', '0', '--tasks', '4']);
    const result = await runCli(['deploy', '--dry-run', '--simulator', simulator.url, '--json']);
    expect(result.code).toBe(0);
    const preview = JSON.parse(result.stdout) as {
      dryRun: boolean;
      decision: { kind: string; resumes: boolean };
      plan: { stepCount: number; oldTasks: number };
    };
    expect(preview).toMatchObject({ dryRun: true, decision: { kind: 'deploy', resumes: false } });
    expect(preview.plan).toMatchObject({ stepCount: 4, oldTasks: 4 });
  });

  it('refuses a malformed --state-machine, or a --region that is not its region, before any call', async () => {
    simulator = await startSimulator(['--speed', '0', '--tasks', '4']);
    const base = ['deploy', '--dry-run', '--simulator', simulator.url];
    const before = await status(simulator.url);
    const bad = await runCli([...base, '--state-machine', 'ecs-taper']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--state-machine must be a state machine ARN');
    const elsewhere = await runCli([...base, '--state-machine', STATE_MACHINE, '--region', 'eu-west-1']);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain(
      '--region eu-west-1 differs from the region of --state-machine (us-east-1)',
    );
    expect(await status(simulator.url)).toEqual(before);
  });
});
