import { describe, expect, it } from 'vitest';
import { imbalancedCounts } from '../src/clients-population.js';
import { buildWorld, createRng, simulateDeployment } from '../src/index.js';
import type { World } from '../src/world.js';

/** Seconds (since the world started) in which the old version's connections dropped, and how many. */
async function drops(stopJitterSeconds?: number) {
  let world: World | undefined;
  const summary = await simulateDeployment({
    strategy: 'all-at-once',
    tasks: 40,
    connectionsPerTask: 50,
    deregistrationDelaySeconds: 30,
    stopJitterSeconds,
    onWorld: (w) => {
      world = w;
    },
  });
  const metrics = (world as World).metrics;
  const seconds: number[] = [];
  metrics.dropsPerSecond.forEach((n, second) => {
    if (n) seconds.push(second);
  });
  const window = metrics.dropWindow.get([...metrics.dropWindow.keys()][0] as string);
  return { summary, seconds, window, total: metrics.dropsPerSecond.reduce((a, b) => a + (b ?? 0), 0) };
}

describe('stopJitterSeconds: tasks drop over a window after their deregistration', () => {
  it('without it every task of one step drops in the same instant', async () => {
    const exact = await drops();
    expect(exact.window && exact.window.lastMs - exact.window.firstMs).toBe(0);
    expect(exact.seconds).toHaveLength(1);
    expect(exact.total).toBe(2000);
  });

  it('spreads the drops of one step over [0, N] s after the exact drop, one draw per task', async () => {
    const exact = await drops();
    const jittered = await drops(10);
    const window = jittered.window as { firstMs: number; lastMs: number };
    const exactMs = exact.window?.firstMs as number;
    expect(window.firstMs).toBeGreaterThanOrEqual(exactMs);
    expect(window.lastMs).toBeLessThanOrEqual(exactMs + 10_000);
    // 40 uniform draws over 10 s: the spread covers most of the window, in many distinct seconds.
    expect(window.lastMs - window.firstMs).toBeGreaterThan(8_000);
    expect(jittered.seconds.length).toBeGreaterThanOrEqual(8);
    expect(jittered.total).toBe(2000);
    expect(jittered.summary.outcome).toBe('succeeded');
  });

  it('0 (or absent) changes nothing: same summary as without the option', async () => {
    expect((await drops(0)).summary).toEqual((await drops()).summary);
  });
});

describe('connectionImbalance: uneven tasks, the same total', () => {
  const counts = (connectionImbalance?: number) => {
    const { world } = buildWorld({
      tasks: 200,
      connectionsPerTask: 500,
      settings: connectionImbalance === undefined ? undefined : { clients: { connectionImbalance } },
    });
    return [...world.ecs.allTasks()].map((t) => t.connections.size);
  };

  it('absent or 0: every task holds exactly connectionsPerTask', () => {
    expect(new Set(counts())).toEqual(new Set([500]));
    expect(new Set(counts(0))).toEqual(new Set([500]));
  });

  it('0.5: per-task counts spread over 500 x (1 +/- 0.5), uniform, total kept exactly', () => {
    const c = counts(0.5);
    expect(c.reduce((a, b) => a + b, 0)).toBe(200 * 500);
    const min = Math.min(...c);
    const max = Math.max(...c);
    // Scaled to keep the total, so the bounds move by at most the scale factor (a few percent at 200 tasks).
    expect(min).toBeGreaterThanOrEqual(250 * 0.95);
    expect(min).toBeLessThan(300);
    expect(max).toBeLessThanOrEqual(750 * 1.05);
    expect(max).toBeGreaterThan(700);
    // A uniform distribution over [250, 750] has a standard deviation of 500 / sqrt(12) = 144.
    const sd = Math.sqrt(c.reduce((a, b) => a + (b - 500) ** 2, 0) / c.length);
    expect(sd).toBeGreaterThan(144 * 0.85);
    expect(sd).toBeLessThan(144 * 1.15);
  });

  it('imbalancedCounts keeps the total for any size and refuses values outside 0-1', () => {
    for (const [tasks, perTask] of [
      [1, 7],
      [3, 1],
      [17, 333],
    ] as const) {
      const c = imbalancedCounts(tasks, perTask, 1, createRng(3));
      expect(c.reduce((a, b) => a + b, 0)).toBe(tasks * perTask);
      expect(Math.min(...c)).toBeGreaterThanOrEqual(0);
    }
    expect(() => imbalancedCounts(4, 10, 1.5, createRng(1))).toThrow(RangeError);
  });

  it('simulateDeployment passes it on; the deployment still moves every client', async () => {
    const s = await simulateDeployment({
      strategy: 'taper',
      tasks: 10,
      connectionsPerTask: 100,
      deregistrationDelaySeconds: 30,
      connectionImbalance: 0.5,
      stopJitterSeconds: 5,
    });
    expect(s.outcome).toBe('succeeded');
    expect(s.series.newSetConnections.at(-1)).toBe(1000);
    expect(s.series.oldSetConnections.at(-1)).toBe(0);
  });
});
