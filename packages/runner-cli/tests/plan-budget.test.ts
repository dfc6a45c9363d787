import { describe, expect, it } from 'vitest';
import { runCli } from './helpers';

/** `plan` in budget mode states the figures the budget is chosen by, the drop-lag slack and their cost. */
describe('ecs-taper plan in budget mode', () => {
  const budget = [
    'plan',
    '--desired-count',
    '20',
    '--max-new-connections-per-second',
    '200',
    '--connections-per-task',
    '500',
    '--reconnect-spread',
    '5',
  ];

  it('prints the chance, the p99 second, the slack for late drops and the drain time with its cost', async () => {
    const result = await runCli(budget);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('20 steps, 10 s apart');
    expect(result.stdout).toMatch(
      /chance that any second exceeds it [\d.]+ % \(allowed 5 %\), p99 busiest second \d+\/s/,
    );
    expect(result.stdout).toContain('Steps 5 s apart for the budget, plus 5 s for tasks that drop late');
    expect(result.stdout).toMatch(/Drain time 3:15 .*the confidence and the drop-lag slack cost 2:25/);
    const json = JSON.parse((await runCli([...budget, '--json'])).stdout);
    expect(json).toMatchObject({ intervalSeconds: 10, dropLagSlackSeconds: 5, drainSeconds: 195 });
    expect(json.chanceOfExceedingBudget).toBeLessThanOrEqual(0.05);
  });

  it('without the slack, steps are the budget own spacing and only the confidence has a cost', async () => {
    const result = await runCli([...budget, '--drop-lag-spread', '0']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('20 steps, 5 s apart');
    expect(result.stdout).not.toContain('tasks that drop late');
    expect(result.stdout).toMatch(/Drain time 1:40 .*the confidence costs 0:50/);
  });
});
