import { afterEach, describe, expect, it } from 'vitest';
import { jsonLines, runCli, type Simulator, startSimulator } from './helpers';

let simulator: Simulator | undefined;
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

describe('deploy through the CLI keeps its pacing', () => {
  it('under heavy throttling (calls retried with backoff), every two scale-down steps are at least the interval apart', async () => {
    simulator = await startSimulator(['--speed', '0', '--throttle-rate', '0.1', '--tasks', '6']);
    const result = await runCli([
      'deploy',
      '--simulator',
      simulator.url,
      '--json',
      '--decrement-tasks',
      '1',
      '--interval',
      '30',
    ]);
    expect(result.code, result.stderr).toBe(0);
    const steps = jsonLines(result.stdout).filter((e) => e.type === 'scale-step');
    expect(steps).toHaveLength(6);
    const times = steps.map((e) => Number(e.at));
    for (let i = 1; i < times.length; i++) {
      expect(((times[i] as number) - (times[i - 1] as number)) / 1000).toBeGreaterThanOrEqual(30);
    }
    const world = await simulator.world();
    expect(world.mutations.CreateTaskSet).toBe(1);
  }, 90_000);
});
