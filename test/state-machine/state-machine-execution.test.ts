import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { estimateExecutions } from '@ecs-taper/runner-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureNode24Dependencies } from './node24/install';

/**
 * The generated state machine, executed by aws-local-stepfunctions with its Task states bound to the
 * real Lambda handler over the simulator. aws-local-stepfunctions needs Node >= 22, so the execution
 * runs under Node 24 (the npm `node@24` package) in a child process, with aws-local-stepfunctions installed
 * under Node 24 in ./node24 (node24/install.ts); see run-execution.mjs.
 */
const runner = fileURLToPath(new URL('./run-execution.mjs', import.meta.url));
const run = promisify(execFile);

interface Execution {
  scenario: string;
  status: 'SUCCEEDED' | 'FAILED';
  error?: string;
  cause?: string;
  /** Every execution of the chain, with its history events counted from the local event log. */
  executions: {
    name: string;
    status: string;
    events: number;
    countedByHandler?: number;
    handedOverTo?: string;
    error?: string;
  }[];
  payloadBytes: { maxIn: number; maxOut: number; maxExecutionInput: number };
  injected: { state: string; fault: string }[];
  visited: string[];
  visitedCount: number;
  taskSets: { status: string; taskDefinition: string; scale: number; running: number; externalId?: string }[];
  productionTargetGroup: string;
  suspendedAtCleanup?: Record<string, boolean>;
  suspendedAtEnd?: Record<string, boolean>;
  blue: string;
  green: string;
  v1: string;
  v2: string;
  localLoop?: { phases: string[]; outcome: string };
  realMs: number;
  // The step scenarios (issue 14) only; simulated times in ms since the world started.
  productionChanges?: { at: number; actions: unknown[] }[];
  scaleDownSteps?: number[];
  mutatingCalls?: number;
  /** Old-version connections dropped, after the world settled (simulator metrics.dropWindow for v1). */
  oldDrops?: number;
  alarmAt?: number;
  pausedAt?: number;
  mark?: { step?: number; at: number; result?: unknown };
  markError?: string;
  hookRequests?: { method: string; atRealMs: number }[];
}

async function execute(scenario: string): Promise<Execution> {
  const { stdout } = await run('npx', ['-y', '-p', 'node@24', 'node', runner, scenario], {
    maxBuffer: 32 * 1024 * 1024,
    timeout: 240_000,
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(last) as Execution;
}

const live = (e: Execution) => e.taskSets.filter((set) => set.status !== 'DRAINING');

/** The step list through the state machine: the scenarios of the simulator's tests/taper/steps.test.ts. */
const stepScenarios = [
  'canary-alarm',
  'canary-pass',
  'pause-promote',
  'pause-abort',
  'hook-fails',
  'hook-hangs',
  'hook-command-refused',
];

const poll = 10_000; // run-execution.mjs: the scenarios' pollIntervalSeconds, in ms
const weighted = (e: Execution, oldWeight: number, newWeight: number) => [
  {
    Type: 'forward',
    ForwardConfig: {
      TargetGroups: [
        { TargetGroupArn: e.blue, Weight: oldWeight },
        { TargetGroupArn: e.green, Weight: newWeight },
      ],
      TargetGroupStickinessConfig: { Enabled: false },
    },
  },
];
const forwardTo = (arn: string) => [{ Type: 'forward', TargetGroupArn: arn }];

/** The old version alone again, at full capacity, production on it, the new set removed. */
function expectRestored(e: Execution): void {
  expect(live(e)).toEqual([
    expect.objectContaining({ status: 'PRIMARY', taskDefinition: e.v1, scale: 100, running: 4 }),
  ]);
  expect(e.productionTargetGroup).toBe(e.blue);
}

describe('the state machine executed locally against the simulator', () => {
  const results: Record<string, Execution> = {};
  beforeAll(async () => {
    await ensureNode24Dependencies();
    const scenarios = [
      'long',
      'success',
      'bad-version',
      'alarm',
      'handler-failure',
      'faults-success',
      'faults-alarm',
      'faults-bad-version',
      'cleanup-denied',
      ...stepScenarios,
    ];
    const done = await Promise.all(scenarios.map(execute));
    for (const result of done) results[result.scenario] = result;
  }, 300_000);

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

  it('runs 1,000 tasks, one per step, with alarms at 60 s and 15 s polls through hand-overs, each history under 25,000 events', () => {
    const e = results.long as Execution;
    expect(e.status).toBe('SUCCEEDED');
    expect(e.executions.length).toBeGreaterThanOrEqual(2);
    for (const [i, execution] of e.executions.entries()) {
      expect(execution.status).toBe('SUCCEEDED');
      expect(execution.events).toBeLessThan(25_000);
      const following = e.executions[i + 1];
      expect(execution.handedOverTo).toBe(following?.name);
    }
    // What `ecs-taper plan` predicts for this schedule (run-execution.mjs, scenario long).
    const predicted = estimateExecutions({
      steps: 1000,
      intervalSeconds: 60,
      pollIntervalSeconds: 15,
      readyTimeoutSeconds: 1800,
      settleSeconds: 60,
      drainTimeoutSeconds: 900,
    });
    expect(e.executions).toHaveLength(predicted.executions);
    // Without hand-overs the history would have been one execution's: far past the limit.
    expect(e.executions.reduce((sum, x) => sum + x.events, 0)).toBeGreaterThan(25_000);
    expect(live(e)).toEqual([
      expect.objectContaining({ status: 'PRIMARY', taskDefinition: e.v2, scale: 100, running: 1000 }),
    ]);
    expect(e.productionTargetGroup).toBe(e.green);
  });

  it('keeps every payload and every execution input under 8 KiB, whatever the plan', () => {
    for (const e of Object.values(results)) {
      expect(e.payloadBytes.maxIn).toBeGreaterThan(0);
      expect(e.payloadBytes.maxIn).toBeLessThan(8192);
      expect(e.payloadBytes.maxOut).toBeLessThan(8192);
      expect(e.payloadBytes.maxExecutionInput).toBeLessThan(8192);
    }
    // 1,000 steps carry no more than 4: the plan is recomputed, never carried.
    expect(results.long?.payloadBytes.maxOut).toBeLessThan((results.success?.payloadBytes.maxOut ?? 0) + 256);
  });

  it("counts each execution's history events as the local event log does, short only of its ending", () => {
    for (const e of Object.values(results)) {
      for (const execution of e.executions) {
        // Not counted by the handler: what follows its last phase Task (Hand over 5 + Handed over 2; or a
        // caught failure 2 + Restore after failure 5 + Fail 2; or Succeed/Fail 2) and the
        // ExecutionSucceeded/Failed event. A Wait it counted may not run.
        if (execution.countedByHandler === undefined) {
          // No Task returned: refused by its first (discover). ExecutionStarted, Start, the failed Task and
          // its catch, Refused and ExecutionFailed.
          expect(e.visitedCount, e.scenario).toBe(1);
          expect(execution.events, `${e.scenario} ${execution.name}`).toBeLessThanOrEqual(16);
          continue;
        }
        const unseen = execution.events - execution.countedByHandler;
        expect(unseen, `${e.scenario} ${execution.name}`).toBeGreaterThanOrEqual(-2);
        expect(unseen, `${e.scenario} ${execution.name}`).toBeLessThanOrEqual(
          e.scenario === 'cleanup-denied' ? 16 : 8,
        );
      }
    }
  });

  const allFaults = [
    'Sandbox.Timedout',
    'Lambda.ClientExecutionTimeoutException',
    'ThrottlingException',
    'ServiceUnavailableException',
    'Throttling',
    'ServiceUnavailable',
    'ServerException',
    'InternalFailure',
    'States.Timeout',
  ];
  const faultedStates = (e: Execution) => new Set(e.injected.map((i) => i.state));

  it('ends a deployment with Lambda timeouts, throttling and 5xx injected into every phase as it ends without them', () => {
    const e = results['faults-success'] as Execution;
    const clean = results.success as Execution;
    expect(new Set(e.injected.map((i) => i.fault))).toEqual(new Set(allFaults));
    expect(faultedStates(e)).toEqual(new Set(clean.visited));
    expect(e.status).toBe('SUCCEEDED');
    // The same sets, but the deployment id (externalId) comes from each execution's own ARN.
    const withoutId = (x: Execution) => live(x).map(({ externalId: _id, ...set }) => set);
    expect(withoutId(e)).toEqual(withoutId(clean));
    expect(e.taskSets.filter((set) => set.taskDefinition === e.v1)).toEqual([
      expect.objectContaining({ status: 'DRAINING', scale: 0 }),
    ]);
    expect(e.productionTargetGroup).toBe(clean.productionTargetGroup);
    // Retried in place: the same phases in the same order, no rollback.
    expect([...new Set(e.visited)]).toEqual([...new Set(clean.visited)]);
    expect(e.visited).not.toContain('Rollback after failure');
  });

  it('finishes a rollback with every kind of fault injected into it, like the rollback without them', () => {
    for (const [faulty, clean] of [
      ['faults-alarm', 'alarm'],
      ['faults-bad-version', 'bad-version'],
    ] as const) {
      const e = results[faulty] as Execution;
      const reference = results[clean] as Execution;
      expect(e.status).toBe('FAILED');
      expect(e.error).toBe('DeploymentRolledBack');
      expect(e.cause).toBe(reference.cause);
      expect(live(e)).toEqual(live(reference));
      expect(e.productionTargetGroup).toBe(e.blue);
      expect(faultedStates(e)).toContain('Rollback');
    }
    const rollbackFaults = (results['faults-alarm'] as Execution).injected.filter(
      (i) => i.state === 'Rollback',
    );
    expect(new Set(rollbackFaults.map((i) => i.fault))).toEqual(new Set(allFaults));
  });

  it('gives Auto Scaling back when a phase that does not roll back fails for good (cleanup denied)', () => {
    const e = results['cleanup-denied'] as Execution;
    expect(e.status).toBe('FAILED');
    expect(e.error).toBe('DeploymentFailed');
    expect(e.cause).toContain('AccessDeniedException');
    expect(e.visited.slice(-2)).toEqual(['Cleanup', 'Restore after failure']);
    const none = {
      DynamicScalingInSuspended: false,
      DynamicScalingOutSuspended: false,
      ScheduledScalingSuspended: false,
    };
    const all = {
      DynamicScalingInSuspended: true,
      DynamicScalingOutSuspended: true,
      ScheduledScalingSuspended: true,
    };
    // Suspended for the deployment, as it was before it afterwards.
    expect(e.suspendedAtCleanup).toEqual(all);
    expect(e.suspendedAtEnd).toEqual(none);
  });

  describe('the step list (issue 14)', () => {
    it('canary 10 % with an alarm 120 s after the weighted change: new flows back to the old group within one poll, rolled back, 0 old connections dropped', () => {
      const e = results['canary-alarm'] as Execution;
      expect(e.status).toBe('FAILED');
      expect(e.error).toBe('DeploymentRolledBack');
      expect(e.cause).toMatch(/alarm .* in ALARM/);
      expect(e.visited).toContain('Step');
      expect(e.visited).not.toContain('Swap listener');
      const changes = e.productionChanges ?? [];
      expect(changes.map((c) => c.actions)).toEqual([weighted(e, 90, 10), forwardTo(e.blue)]);
      const [first, back] = changes.map((c) => c.at) as [number, number];
      expect(e.alarmAt).toBe(first + 120_000);
      expect(back - (e.alarmAt as number)).toBeGreaterThanOrEqual(0);
      expect(back - (e.alarmAt as number)).toBeLessThanOrEqual(poll);
      expectRestored(e);
      expect(e.taskSets.filter((set) => set.taskDefinition === e.v2)).toEqual([
        expect.objectContaining({ status: 'DRAINING' }),
      ]);
      expect(e.oldDrops).toBe(0);
    });

    it('a canary that passes continues into the tapered scale-down: 90/10, then forward to the new group', () => {
      const e = results['canary-pass'] as Execution;
      expect(e.status).toBe('SUCCEEDED');
      const changes = e.productionChanges ?? [];
      expect(changes.map((c) => c.actions)).toEqual([weighted(e, 90, 10), forwardTo(e.green)]);
      // Judged after the propagation wait (settleSeconds 30) plus its own 60 s.
      const [canaryAt, swapAt] = changes.map((c) => c.at) as [number, number];
      expect(swapAt - canaryAt).toBeGreaterThanOrEqual((30 + 60) * 1000);
      const steps = e.scaleDownSteps ?? [];
      expect(steps.length).toBeGreaterThan(1);
      expect(steps[0]).toBeGreaterThan(swapAt);
      for (const [i, at] of steps.slice(1).entries())
        expect(at - (steps[i] as number)).toBeGreaterThanOrEqual(30_000);
      expect(live(e)).toEqual([
        expect.objectContaining({ status: 'PRIMARY', taskDefinition: e.v2, scale: 100, running: 4 }),
      ]);
      expect(e.productionTargetGroup).toBe(e.green);
    });

    it('waits at the pause until another process promotes it (mark only), then completes', () => {
      const e = results['pause-promote'] as Execution;
      expect(e.markError).toBeUndefined();
      expect(e.pausedAt).toBeGreaterThan(0);
      expect(e.mark).toMatchObject({ step: 1 });
      expect(e.mark?.result).toBeUndefined();
      expect(e.status).toBe('SUCCEEDED');
      // Nothing scaled down before the mark; the poll after it continued.
      const steps = e.scaleDownSteps ?? [];
      expect(steps.length).toBeGreaterThan(0);
      expect(steps[0]).toBeGreaterThanOrEqual(e.mark?.at as number);
      expect(steps[0] as number).toBeLessThanOrEqual((e.mark?.at as number) + poll);
      expect(live(e)).toEqual([
        expect.objectContaining({ status: 'PRIMARY', taskDefinition: e.v2, scale: 100, running: 4 }),
      ]);
      expect(e.productionTargetGroup).toBe(e.green);
    });

    it('rolls back when another process aborts at the pause (mark only)', () => {
      const e = results['pause-abort'] as Execution;
      expect(e.markError).toBeUndefined();
      expect(e.pausedAt).toBeGreaterThan(0);
      expect(e.status).toBe('FAILED');
      expect(e.error).toBe('DeploymentRolledBack');
      expect(e.cause).toMatch(/aborted at step 2/);
      expect(e.scaleDownSteps).toEqual([]);
      const changes = e.productionChanges ?? [];
      expect(changes.map((c) => c.actions)).toEqual([forwardTo(e.green), forwardTo(e.blue)]);
      expect((changes[1]?.at as number) - (e.mark?.at as number)).toBeLessThanOrEqual(poll);
      expectRestored(e);
      expect(e.oldDrops).toBe(0);
    });

    it('a before-swap URL hook answering 500 rolls back with 0 ModifyListener calls on production', () => {
      const e = results['hook-fails'] as Execution;
      expect(e.hookRequests).toEqual([expect.objectContaining({ method: 'POST' })]);
      expect(e.status).toBe('FAILED');
      expect(e.error).toBe('DeploymentRolledBack');
      expect(e.cause).toBe('hook before-swap failed: HTTP 500 Internal Server Error: boom');
      expect(e.visited).not.toContain('Swap listener');
      expect(e.productionChanges).toEqual([]);
      expectRestored(e);
    });

    it('a before-swap URL hook that never answers fails after its 2 s timeout and rolls back', () => {
      const e = results['hook-hangs'] as Execution;
      expect(e.hookRequests).toHaveLength(1);
      expect(e.status).toBe('FAILED');
      expect(e.error).toBe('DeploymentRolledBack');
      expect(e.cause).toBe('hook before-swap failed: timed out after 2 s');
      expect(e.realMs).toBeGreaterThanOrEqual(2000);
      expect(e.productionChanges).toEqual([]);
      expectRestored(e);
    });

    it('refuses a command hook in discover, before any change', () => {
      const e = results['hook-command-refused'] as Execution;
      expect(e.status).toBe('FAILED');
      expect(e.error).toBe('DeploymentRefused');
      expect(e.cause).toMatch(/hooks\.before-swap: a shell command needs the CLI runner/);
      expect(e.visited).toEqual(['Discover']);
      expect(e.mutatingCalls).toBe(0);
    });
  });
});
