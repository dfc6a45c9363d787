/**
 * The built entry point (dist/index.mjs) run as GitHub runs it: INPUT_* variables for every input of
 * action.yml, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, against the simulator.
 */
import { describe, expect, it } from 'vitest';
import { runAction, type Simulator, startSimulator } from './helpers';

/** Runs `test` with a simulator of its own (the tests run side by side), stopped whatever happens. */
async function withSimulator(args: string[], test: (simulator: Simulator) => Promise<void>): Promise<void> {
  const simulator = await startSimulator(args);
  try {
    await test(simulator);
  } finally {
    await simulator.stop();
  }
}

// Each test waits on child processes only: side by side, the file takes as long as its slowest test.
describe.concurrent('the action against the simulator', () => {
  it('deploys to a fresh simulator, sets the outputs and writes the summary with the plan and the chart', async () => {
    const run = await runAction({ simulator: 'true' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.outputs.outcome).toBe('succeeded');
    expect(run.outputs['deployment-id']).toMatch(/^taper-[a-z0-9-]+$/);
    // The simulator's service has 20 tasks; the default removes one per step.
    expect(run.outputs.steps).toBe('20');
    expect(run.outputs.reason).toContain('deleted old task set');
    expect(run.stdout).not.toContain('::error::');

    const summary = run.summary;
    expect(summary).toContain('## ecs-taper deploy: ✅ succeeded');
    expect(summary).toContain(`\`${run.outputs['deployment-id']}\``);
    expect(summary).toContain('| Service | sim-service in sim-cluster |');
    expect(summary).toMatch(/20 scale-down steps, \d+ s apart/);
    expect(summary).toContain('Predicted peak of reconnections: ');
    expect(summary).toContain('| 20 of 20 |');
    expect(summary).toContain('```mermaid\nxychart-beta');
    // Every client of the old set (20 tasks x 500) reconnected once, and the chart's table counts them.
    const peak = /Peak: \*\*(\d+) new connections in one second\*\*.*; (\d+) new connections in all/.exec(
      summary,
    );
    expect(Number(peak?.[2])).toBe(10_000);
    // Tapered: far below the 10,000 that all at once would bring within a few seconds.
    expect(Number(peak?.[1])).toBeGreaterThan(0);
    expect(Number(peak?.[1])).toBeLessThan(500);
  });

  it('exits non-zero with outcome rolled-back when the new version never gets healthy', () =>
    withSimulator(['--bad-version', 'unhealthy', '--tasks', '4'], async (simulator) => {
      const run = await runAction({ simulator: simulator.url, 'ready-timeout': '300' });
      expect(run.code).not.toBe(0);
      expect(run.outputs.outcome).toBe('rolled-back');
      expect(run.outputs.reason).toContain('not ready by the deadline');
      expect(run.outputs['deployment-id']).toMatch(/^taper-/);
      expect(run.stdout).toContain(
        '::error::ecs-taper deploy rolled-back: new task set not ready by the deadline',
      );
      expect(run.summary).toContain('## ecs-taper deploy: ↩️ rolled-back');
      expect(run.summary).toContain('| Rolled back because | new task set not ready by the deadline');
      // The rollback removed what the deployment created.
      const mutations = await simulator.mutations();
      expect(mutations.CreateTaskSet).toBe(1);
      expect(mutations.DeleteTaskSet).toBe(1);
      expect(mutations.ModifyListener).toBeUndefined();
    }));

  it('refuses a bad deployment input before any deploy, naming the input and its range', () =>
    withSimulator(['--tasks', '4'], async (simulator) => {
      const run = await runAction({ simulator: simulator.url, decrement: '150' });
      expect(run.code).not.toBe(0);
      expect(run.outputs.outcome).toBe('refused');
      expect(run.outputs['deployment-id']).toBe('');
      expect(run.outputs.reason).toContain(
        '--decrement (decrementPercent): must be a number in (0, 100], got 150',
      );
      expect(run.stdout).toContain('::error::ecs-taper deploy refused:');
      expect(run.summary).toContain('## ecs-taper deploy: ⛔ refused');
      expect(await simulator.mutations()).toEqual({});
    }));

  it('refuses input that only deploy checks (the deployment id), with nothing changed', () =>
    withSimulator(['--tasks', '4'], async (simulator) => {
      const run = await runAction({ simulator: simulator.url, 'deployment-id': 'not a token!' });
      expect(run.code).not.toBe(0);
      expect(run.outputs.outcome).toBe('refused');
      expect(run.outputs.reason).toContain('--deployment-id (deploymentId)');
      expect(await simulator.mutations()).toEqual({});
    }));

  it("refuses a bad input of the action's own before it runs the CLI", async () => {
    const run = await runAction({ mode: 'state-machine' });
    expect(run.code).not.toBe(0);
    expect(run.outputs.outcome).toBe('refused');
    expect(run.outputs.reason).toMatch(/^input state-machine-arn: is required with mode state-machine/);
    expect(run.summary).toContain('⛔ **refused**: input state-machine-arn');
  });
});
