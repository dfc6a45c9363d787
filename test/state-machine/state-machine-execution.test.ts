import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * The generated state machine, executed by aws-local-stepfunctions with its Task states bound to the
 * real Lambda handler over the simulator. aws-local-stepfunctions needs Node >= 22, so the execution
 * runs under Node 24 (the npm `node@24` package) in a child process; see run-execution.mjs.
 */
const runner = fileURLToPath(new URL('./run-execution.mjs', import.meta.url));
const run = promisify(execFile);

interface Execution {
  scenario: string;
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  cause?: string;
  visited: string[];
  taskSets: { status: string; taskDefinition: string; scale: number; running: number; externalId?: string }[];
  productionTargetGroup: string;
  blue: string;
  green: string;
  v1: string;
  v2: string;
  localLoop?: { phases: string[]; outcome: string };
}

async function execute(scenario: string): Promise<Execution> {
  const { stdout } = await run('npx', ['-y', '-p', 'node@24', 'node', runner, scenario], {
    maxBuffer: 32 * 1024 * 1024,
    timeout: 120_000,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Execution;
}

const live = (e: Execution) => e.taskSets.filter((set) => set.status !== 'DRAINING');

describe('the state machine executed locally against the simulator', () => {
  const results: Record<string, Execution> = {};
  beforeAll(async () => {
    const scenarios = ['success', 'bad-version', 'alarm', 'handler-failure'];
    const done = await Promise.all(scenarios.map(execute));
    for (const result of done) results[result.scenario] = result;
  }, 240_000);

  it('runs a full deployment to success: new version primary and live, old set deleted', () => {
    const e = results.success as Execution;
    expect(e.status).toBe('SUCCEEDED');
    expect(live(e)).toEqual([
      expect.objectContaining({ status: 'PRIMARY', taskDefinition: e.v2, scale: 100 }),
    ]);
    expect(e.productionTargetGroup).toBe(e.green);
    const order = [...new Set(e.visited)];
    expect(order).toEqual([
      'Discover',
      'Check and create',
      'Wait until ready',
      'Swap listener',
      'Settle',
      'Scale-down step',
      'Drained?',
      'Cleanup',
    ]);
  });

  it('visits exactly the phases the local loop visits on an identical world', () => {
    const e = results.success as Execution;
    expect(e.localLoop?.outcome).toBe('succeeded');
    expect(e.visited).toEqual(e.localLoop?.phases);
  });

  it('rolls a bad version back to Fail without ever swapping, the old set untouched', () => {
    const e = results['bad-version'] as Execution;
    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('DeploymentRolledBack');
    expect(e.cause).toContain('not ready by the deadline');
    expect(e.visited).not.toContain('Swap listener');
    expect(e.visited).toContain('Rollback');
    expect(live(e)).toEqual([
      expect.objectContaining({ status: 'PRIMARY', taskDefinition: e.v1, scale: 100, running: 4 }),
    ]);
    expect(e.productionTargetGroup).toBe(e.blue);
  });

  it('rolls back when an alarm fires mid scale-down, restoring the old capacity and the listener', () => {
    const e = results.alarm as Execution;
    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('DeploymentRolledBack');
    expect(e.cause).toContain('in ALARM');
    expect(e.visited).toContain('Scale-down step');
    expect(live(e)).toEqual([
      expect.objectContaining({ status: 'PRIMARY', taskDefinition: e.v1, scale: 100, running: 4 }),
    ]);
    expect(e.productionTargetGroup).toBe(e.blue);
  });

  it('retries a handler failure and still succeeds with exactly one new task set', () => {
    const e = results['handler-failure'] as Execution;
    expect(e.status).toBe('SUCCEEDED');
    expect(e.visited.filter((state) => state === 'Check and create')).toHaveLength(2);
    expect(e.taskSets.filter((set) => set.taskDefinition === e.v2)).toHaveLength(1);
    expect(live(e)).toEqual([expect.objectContaining({ status: 'PRIMARY', taskDefinition: e.v2 })]);
  });
});
