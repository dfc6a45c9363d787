import { describe, expect, it } from 'vitest';
import { runCli } from './helpers';

/** `plan` says how many Step Functions executions a deployment takes (one, plus its hand-overs). */
describe('ecs-taper plan under Step Functions', () => {
  it('says one execution for a small deployment', async () => {
    const result = await runCli(['plan', '--desired-count', '4']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Under Step Functions: 1 execution.');
  });

  it('says how many executions 1,000 one-task steps 60 s apart with 15 s polls take', async () => {
    const args = [
      '--desired-count',
      '1000',
      '--decrement-tasks',
      '1',
      '--interval',
      '60',
      '--poll-interval',
      '15',
    ];
    const result = await runCli(['plan', ...args]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Under Step Functions: up to 2 executions');
    // The JSON stays exactly the plan.
    const json = await runCli(['plan', ...args, '--json']);
    expect(JSON.parse(json.stdout)).not.toHaveProperty('executions');
  });
});
