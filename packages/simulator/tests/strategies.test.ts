import { describe, expect, it } from 'vitest';
import { simulateDeployment, type World } from '../src/index.js';

const total = 20 * 500;

describe('baseline strategies on the default world (20 tasks x 500 connections, jitter 5 s)', () => {
  it('all-at-once: every client reconnects within the jitter window', async () => {
    const s = await simulateDeployment({ strategy: 'all-at-once' });
    expect(s.outcome).toBe('succeeded');
    // 10 000 clients spread uniformly over 5 s: about 2 000 new connections per second.
    expect(s.peakNewConnectionsPerSecond).toBeGreaterThan((total / 5) * 0.85);
    expect(s.peakNewConnectionsPerSecond).toBeLessThan((total / 5) * 1.25);
    expect(s.drainSeconds).toBeLessThan(1);
    expect(s.clientsDisconnectedTwice).toBe(0);
    expect(s.zeroHealthySeconds).toBe(0);
    expect(s.series.newSetConnections.at(-1)).toBe(total);
    expect(s.series.oldSetConnections.at(-1)).toBe(0);
  });

  it('seed: swaps after a fixed wait without a health gate, then removes 25 points a minute', async () => {
    const s = await simulateDeployment({ strategy: 'seed' });
    // 60 s of waiting, but new targets need ~190 s to be healthy: production has none for a while.
    expect(s.zeroHealthySeconds).toBeGreaterThan(100);
    // 20 -> 15 -> 10 -> 5 -> 0: four drops, one a minute.
    expect(s.drainSeconds).toBe(180);
    expect(s.peakNewConnectionsPerSecond).toBeLessThan(5 * 500 * 0.3);
    expect(s.apiCalls.UpdateTaskSet).toBe(4);
    // Reads the count before updating it, so it loops once more and deletes twice (ScaleDown, then Cleanup).
    expect(s.apiCalls.DeleteTaskSet).toBe(2);
    expect(s.apiCalls.UpdateServicePrimaryTaskSet).toBeUndefined();
    expect(s.apiCalls.CreateTaskSet).toBe(1);
  });

  it('seed: Cleanup re-reads the task set ScaleDown deleted; if it is gone, the Lambda fails', async () => {
    // 30 s deregistration: the deleted set has no task left and is gone when Cleanup describes it.
    const s = await simulateDeployment({
      strategy: 'seed',
      tasks: 4,
      connectionsPerTask: 10,
      deregistrationDelaySeconds: 30,
    });
    expect(s.outcome).toBe('failed');
    expect(s.reason).toMatch(/Cleanup Lambda failed: TypeError/);
    // The deployment itself went through: every client is on the new version.
    expect(s.series.newSetConnections.at(-1)).toBe(40);
  });

  it('seed with desiredCount 2 and 25 %: 2, 2, 1, 1, 0 tasks', async () => {
    let world: World | undefined;
    await simulateDeployment({
      strategy: 'seed',
      tasks: 2,
      connectionsPerTask: 10,
      onWorld: (w) => (world = w),
    });
    const scales = (world?.calls ?? [])
      .filter((c) => c.operation === 'UpdateTaskSet')
      .map((c) => (c.input as { scale: { value: number } }).scale.value);
    expect(scales).toEqual([75, 50, 25, 0]);
  });

  it('rolling: reconnecting clients land on old tasks that are replaced later, so some drop twice', async () => {
    const s = await simulateDeployment({ strategy: 'rolling' });
    expect(s.outcome).toBe('succeeded');
    expect(s.clientsDisconnectedTwice).toBeGreaterThan(1000);
    expect(s.zeroHealthySeconds).toBe(0);
    expect(s.series.newSetConnections.at(-1)).toBe(total);
  });

  it('all-at-once and rolling roll back a version that never becomes healthy', async () => {
    for (const strategy of ['all-at-once', 'rolling'] as const) {
      const s = await simulateDeployment({
        strategy,
        badVersion: 'unhealthy',
        tasks: 4,
        connectionsPerTask: 10,
      });
      expect(s.outcome).toBe('rolled-back');
      expect(s.peakNewConnectionsPerSecond).toBe(0);
    }
  });
});

describe('simulateDeployment', () => {
  it('gives the same summary for the same seed', async () => {
    for (const strategy of ['all-at-once', 'seed', 'rolling', 'taper'] as const) {
      const options = { strategy, tasks: 6, connectionsPerTask: 50, throttleRate: 0.1, randomSeed: 7 };
      const a = await simulateDeployment(options);
      const b = await simulateDeployment(options);
      expect(b).toEqual(a);
    }
  });

  it('gives per-second series from the start of the deployment, and calls onTick every second', async () => {
    let ticks = 0;
    const s = await simulateDeployment({
      strategy: 'all-at-once',
      tasks: 4,
      connectionsPerTask: 10,
      onTick: () => {
        ticks++;
      },
    });
    expect(s.series.time[0]).toBe(0);
    expect(s.series.time[1]).toBe(1);
    const n = s.series.time.length;
    for (const column of Object.values(s.series)) expect(column).toHaveLength(n);
    expect(ticks).toBeGreaterThan(n);
    expect(s.series.oldSetConnections[0]).toBe(40);
  });
});
