/**
 * The shipped CLI (packages/runner-cli/dist/cli.cjs) as a child process against moto: the environment has
 * AWS_ENDPOINT_URL and dummy credentials, which the SDK inside the bundle honours, so the same binary that
 * talks to AWS talks to moto here. The flags are the CLI's (e.g. --load-balancer, not --load-balancer-arn).
 *
 * deploy meets moto alone: the test cannot play ECS inside another process (moto leaves the task-set counts
 * out of its answers, and only an SDK middleware in this process could fill them in), so the new task set
 * never passes the health gate. What is real, and asserted: the CLI creates the task set, waits, times out at
 * --ready-timeout, rolls back (deletes the new set, production never moved) and exits 1.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, inject, it } from 'vitest';
import { repoRoot } from '../support/moto';
import { childEnvironment } from '../support/moto-context';
import {
  createStack,
  discoverAndCreate,
  motoClients,
  readForwards,
  readTaskSets,
  type Stack,
} from '../support/real-aws';

const cliPath = join(repoRoot, 'packages', 'runner-cli', 'dist', 'cli.cjs');
const built = existsSync(cliPath);
const run = promisify(execFile);
const clients = motoClients();

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[]): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, [cliPath, ...args], {
      env: { ...childEnvironment(inject('moto')), NO_COLOR: '1' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw error;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

const where = (stack: Stack) => [
  '--cluster',
  stack.cluster,
  '--service',
  stack.service,
  '--load-balancer',
  stack.loadBalancerArn,
];

// Built by `npm test` (turbo builds before testing). Run alone before a build, the suite is reported as
// skipped, with this warning, rather than failing on a missing file.
if (!built)
  console.warn(`real-api: ${cliPath} is missing; run \`npm run build\` to test the CLI against moto`);
describe.runIf(built)('ecs-taper CLI against moto (child processes, AWS_ENDPOINT_URL)', () => {
  it('status --json: the snapshot of listeners, groups and task sets as moto stores them', async () => {
    const stack = await createStack(clients);
    const result = await cli(['status', ...where(stack), '--json']);
    expect(result.code, result.stderr).toBe(0);
    const snapshot = JSON.parse(result.stdout);
    expect(snapshot.service).toEqual({ name: 'web', status: 'ACTIVE', desiredCount: 3 });
    expect(snapshot.listeners.map((l: { port: number; role: string }) => [l.port, l.role])).toEqual([
      [80, 'production'],
      [8080, 'test'],
    ]);
    expect(snapshot.taskSets).toHaveLength(1);
    expect(snapshot.taskSets[0]).toMatchObject({ arn: stack.initialTaskSetArn, status: 'PRIMARY' });
    expect(snapshot.deploymentInProgress).toBeUndefined();
  });

  it('status --json names a deployment in progress', async () => {
    const stack = await createStack(clients);
    const state = await discoverAndCreate(clients, stack, { deploymentId: 'dep-cli-status' });
    const snapshot = JSON.parse((await cli(['status', ...where(stack), '--json'])).stdout);
    // The lease holder comes from the set's tags; the service has no scalable target, so nothing is suspended.
    expect(snapshot.deploymentInProgress).toEqual({
      deploymentId: 'dep-cli-status',
      taskSetArn: state.newTaskSetArn,
      controller: { id: state.controllerId, leaseExpiresAt: state.lease?.expiresAt },
      autoScalingSuspended: false,
    });
  });

  it('status on an unknown cluster exits 1 with the AWS error name', async () => {
    const stack = await createStack(clients);
    const result = await cli(['status', ...where({ ...stack, cluster: 'no-such-cluster' }), '--json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('ClusterNotFoundException');
  });

  it('plan reads desiredCount from the service on moto and prints the schedule', async () => {
    const stack = await createStack(clients);
    const result = await cli([
      'plan',
      '--cluster',
      stack.cluster,
      '--service',
      stack.service,
      '--decrement-tasks',
      '1',
      '--interval',
      '30',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout);
    expect(plan.steps.map((step: { remainingTasks: number }) => step.remainingTasks)).toEqual([2, 1, 0]);
    expect(plan.intervalSeconds).toBe(30);

    const text = await cli(['plan', '--cluster', stack.cluster, '--service', stack.service]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(`service web in ${stack.cluster}`);
  });

  it('deploy against moto alone: creates the set, times out at the health gate, rolls back, exits 1', async () => {
    const stack = await createStack(clients);
    const { subnetIds, securityGroupId } = inject('moto');
    const result = await cli([
      'deploy',
      ...where(stack),
      '--task-definition',
      stack.newTaskDefinition,
      '--subnets',
      subnetIds.join(','),
      '--security-groups',
      securityGroupId,
      '--deployment-id',
      'dep-cli',
      '--ready-timeout',
      '2',
      '--poll-interval',
      '1',
      '--json',
    ]);
    expect(result.code, result.stderr).toBe(1);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const phases = events.filter((e) => e.type === 'phase-started').map((e) => e.phase);
    expect(phases.slice(0, 3)).toEqual(['discover', 'create', 'waitReady']);
    expect(phases).toContain('rollback');
    expect(events.at(-1)).toMatchObject({
      type: 'deployment-finished',
      deploymentId: 'dep-cli',
      outcome: 'rolled-back',
      reason:
        'new task set not ready by the deadline: 0/0 running, 0 pending, STEADY_STATE; targets: 0 healthy',
    });
    // moto after the child exited: the new set is gone, production never left blue.
    expect((await readTaskSets(clients, stack)).map((set) => set.taskSetArn)).toEqual([
      stack.initialTaskSetArn,
    ]);
    expect(await readForwards(clients, stack)).toEqual({
      80: [stack.blueTargetGroupArn],
      8080: [stack.greenTargetGroupArn],
    });
  });

  it('deploy with bad input exits 2 before any AWS call', async () => {
    const stack = await createStack(clients);
    // Leaving --subnets out is fine (the old set's are kept); an empty list is not.
    const result = await cli([
      'deploy',
      ...where(stack),
      '--task-definition',
      stack.newTaskDefinition,
      '--subnets',
      '',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('subnets');
    expect(await readTaskSets(clients, stack)).toHaveLength(1);
  });
});
