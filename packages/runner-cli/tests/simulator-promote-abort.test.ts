/**
 * Pauses, promote, abort and hooks with the built CLI against `ecs-taper simulator serve`, each command a
 * process of its own (a deploy killed at its pause, status and promote afterwards, a deploy still
 * waiting while another process promotes or aborts it).
 */
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import {
  cleanEnv,
  cli,
  collect,
  jsonLines,
  liveSets,
  runCli,
  type Simulator,
  startSimulator,
  waitForLine,
} from './helpers';

let simulator: Simulator | undefined;
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

/**
 * A small, quick deployment: 4 tasks, two scale-down steps 10 s apart, short settle and polls (the lease
 * after a SIGKILL runs about seven polls: 14 simulated seconds).
 */
// In the field table's order, the order a printed command line has.
const schedule = ['--decrement-tasks', '2', '--interval', '10', '--poll-interval', '2', '--settle', '5'];
const paused = (url: string) => ['--pause-before-scale-down', ...schedule, '--simulator', url];

async function quickSimulator(): Promise<Simulator> {
  simulator = await startSimulator(['--speed', '300', '--tasks', '4']);
  return simulator;
}

function startDeploy(args: string[]) {
  const child = spawn(process.execPath, [cli, 'deploy', ...args], { env: cleanEnv() });
  return { child, done: collect(child) };
}

interface StatusJson {
  deploymentInProgress?: { deploymentId: string; paused?: { step: number }; abortRequested?: true };
  taskSets: { status: string; taskDefinition: string }[];
  currentStep?: { number: number; of?: number; description?: string };
  pause?: { step: number; since: number; seconds: number };
  commands?: { promote: string; abort: string };
}

async function statusJson(args: string[]): Promise<StatusJson> {
  const result = await runCli(['status', ...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as StatusJson;
}

/** `ecs-taper promote --a b ...` as printed -> its arguments (the test's values need no shell quoting). */
function argsOf(commandLine: string): string[] {
  const [program, ...args] = commandLine.trim().split(/\s+/);
  expect(program).toBe('ecs-taper');
  return args;
}

describe('pause, promote and abort against the simulator backend', () => {
  it('a deploy killed at its pause: status shows the pause, promote (another process) finishes it', async () => {
    const { url } = await quickSimulator();
    const deploy = startDeploy(paused(url));
    await waitForLine(deploy.child, /roll back:\s+ecs-taper abort/);
    deploy.child.kill('SIGKILL');
    const killed = await deploy.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.stdout).toMatch(/is paused at step 2 of 3/);
    const promote = /continue:\s+(ecs-taper promote .*)$/m.exec(killed.stdout)?.[1] ?? '';
    const same = `${schedule.join(' ')} --pause-before-scale-down --simulator ${url}`;
    expect(promote).toBe(`ecs-taper promote ${same}`);
    expect(killed.stdout).toMatch(/roll back:\s+ecs-taper abort (.*)$/m);
    expect(killed.stdout).toContain(`ecs-taper abort ${same}`);

    const seen = await statusJson(paused(url));
    expect(seen.deploymentInProgress?.paused).toEqual({ step: 1, since: expect.any(Number) });
    expect(seen.currentStep).toMatchObject({ number: 2, of: 3, description: 'pause until promoted' });
    expect(seen.pause).toMatchObject({ step: 2, seconds: expect.any(Number) });
    expect(seen.commands?.promote).toBe(promote);
    const text = await runCli(['status', ...paused(url)]);
    expect(text.stdout).toContain('step 2 of 3: pause until promoted');
    expect(text.stdout).toMatch(/paused at step 2 for \d+:\d\d/);
    expect(text.stdout).toContain(`continue:   ${promote}`);

    // The command the deploy printed, as printed. It waits for the killed controller's lease to end.
    const promoted = await runCli(argsOf(promote));
    expect(promoted.code, promoted.stderr).toBe(0);
    expect(promoted.stdout).toMatch(/deployment \S+: pause at step 2 promoted/);
    expect(promoted.stdout).toMatch(/controller \S+ holds the lease until/);
    expect(promoted.stdout.match(/continuing deployment/g)).toHaveLength(1);
    expect(promoted.stdout).toContain('step 2 of 3: promoted');
    expect(promoted.stdout).toMatch(/^succeeded: /m);

    const after = await statusJson(['--simulator', url]);
    expect(after.deploymentInProgress).toBeUndefined();
    const world = await simulator?.world();
    expect(liveSets(after as never)).toEqual([
      expect.objectContaining({ taskDefinition: world?.taskDefinitions.next }),
    ]);
    expect(world?.mutations.CreateTaskSet).toBe(1);
  });

  it('promote --no-wait marks the pause, and the deploy still waiting there finishes it (--json stays JSON)', async () => {
    const { url } = await quickSimulator();
    const deploy = startDeploy([...paused(url), '--json']);
    await waitForLine(deploy.child, /"type":"waiting".*"reason":"step 2 of 3: paused/);

    const marked = await runCli(['promote', ...paused(url), '--no-wait']);
    expect(marked.code, marked.stderr).toBe(0);
    expect(marked.stdout).toMatch(/deployment \S+: pause at step 2 promoted/);
    expect(marked.stdout).toMatch(/controller ctl-\S+ holds the lease .* and continues it/);

    const finished = await deploy.done;
    expect(finished.code, finished.stderr).toBe(0);
    const events = jsonLines(finished.stdout);
    expect(events.at(-1)).toMatchObject({ type: 'deployment-finished', outcome: 'succeeded' });
    expect(events).toContainEqual(expect.objectContaining({ detail: 'step 2 of 3: promoted' }));
    // The way on from the pause goes to stderr with --json.
    expect(finished.stderr).toContain(`continue:   ecs-taper promote`);

    const notPaused = await runCli(['promote', ...paused(url), '--no-wait']);
    expect(notPaused.code).toBe(1);
    expect(notPaused.stderr).toContain('in progress');
  });

  it('abort while a deploy waits at the pause: abort rolls back (exit 0), the deploy stops (exit 1) saying so', async () => {
    const { url } = await quickSimulator();
    const deploy = startDeploy(paused(url));
    await waitForLine(deploy.child, /roll back:\s+ecs-taper abort/);

    const aborted = await runCli(['abort', ...paused(url), '--reason', 'canary errors']);
    expect(aborted.code, aborted.stderr).toBe(0);
    expect(aborted.stdout).toMatch(/deployment \S+: abort requested, rolling back here/);
    expect(aborted.stdout).toMatch(/^rolled-back: canary errors/m);

    const stopped = await deploy.done;
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/was aborted \(`ecs-taper abort`\): that process took it over/);

    const after = await statusJson(['--simulator', url]);
    expect(after.deploymentInProgress).toBeUndefined();
    const world = await simulator?.world();
    expect(liveSets(after as never)).toEqual([
      expect.objectContaining({ status: 'PRIMARY', taskDefinition: world?.taskDefinitions.running }),
    ]);
  });
});

describe('hooks from the CLI against the simulator backend', () => {
  it('a before-swap hook exiting 3 rolls back before any listener changes', async () => {
    const { url } = await quickSimulator();
    const result = await runCli([
      'deploy',
      '--simulator',
      url,
      ...schedule,
      '--hook',
      'before-swap=echo smoke test; exit 3',
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('[before-swap] smoke test');
    expect(result.stdout).toMatch(/^rolled-back: hook before-swap failed: exit code 3/m);
    const world = await simulator?.world();
    expect(world?.mutations.ModifyListener ?? 0).toBe(0);
    const after = await statusJson(['--simulator', url]);
    expect(liveSets(after as never)).toEqual([
      expect.objectContaining({ taskDefinition: world?.taskDefinitions.running }),
    ]);
  });

  it('a hook that outlives --hook-timeout 1 is stopped after about a second and rolls back', async () => {
    const { url } = await quickSimulator();
    const deploy = startDeploy([
      '--simulator',
      url,
      ...schedule,
      '--hook',
      'before-swap=sleep 600',
      '--hook-timeout',
      '1',
      '--json',
    ]);
    await waitForLine(deploy.child, /new task set ready/);
    const ready = Date.now();
    const result = await deploy.done;
    const seconds = (Date.now() - ready) / 1000;
    expect(result.code).toBe(1);
    expect(jsonLines(result.stdout).at(-1)).toMatchObject({
      type: 'deployment-finished',
      outcome: 'rolled-back',
      reason: 'hook before-swap failed: timed out after 1 s',
    });
    expect(seconds).toBeGreaterThanOrEqual(0.9);
    expect(seconds).toBeLessThan(6);
    expect((await simulator?.world())?.mutations.ModifyListener ?? 0).toBe(0);
  });
});
