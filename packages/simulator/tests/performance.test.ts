import { describe, expect, it } from 'vitest';
import { simulateDeployment } from '../src/index.js';

describe('performance', () => {
  it('runs a ~30-minute deployment of 20 tasks x 500 connections in well under a second of CPU time', async () => {
    // Warm the JIT once, as a long-lived process (the CLI, a test run) would be.
    await simulateDeployment({ strategy: 'all-at-once', tasks: 4, connectionsPerTask: 10 });
    const cpu = process.cpuUsage();
    const wall = performance.now();
    const summary = await simulateDeployment({ strategy: 'taper', decrementTasks: 1, intervalSeconds: 90 });
    const wallMs = performance.now() - wall;
    const used = process.cpuUsage(cpu);
    const cpuMs = (used.user + used.system) / 1000;
    expect(summary.outcome).toBe('succeeded');
    expect(summary.totalSeconds).toBeGreaterThan(25 * 60);
    // CPU time is what the simulator costs; wall time also depends on the machine's load.
    expect(cpuMs).toBeLessThan(1000);
    console.log(
      `20 x 500, ${Math.round(summary.totalSeconds)} s simulated: ${Math.round(wallMs)} ms wall, ${Math.round(cpuMs)} ms CPU`,
    );
  });
});
