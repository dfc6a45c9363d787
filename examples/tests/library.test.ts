import { describe, expect, it } from 'vitest';
import { deployWithProgress, previewSchedule, swapByHand } from '../library/tapered-deploy';

describe('the library example', () => {
  it('previews a schedule that retires 10 tasks in 4 steps, 2 minutes apart', () => {
    const plan = previewSchedule();
    expect(plan.steps.map((s) => s.remainingTasks)).toEqual([8, 5, 3, 0]);
    expect(plan.totalSeconds).toBe(360);
  });

  it('deploys against the simulator and reports progress events', async () => {
    const { result, seen } = await deployWithProgress();
    expect(result.outcome).toBe('succeeded');
    expect(seen.filter((type) => type === 'scale-step')).toHaveLength(3);
    expect(seen.at(-1)).toBe('deployment-finished');
  });

  it('drives phases by hand, and a repeated swap changes nothing', async () => {
    const { first, second, mutationsInSecond } = await swapByHand();
    expect(first).toMatch(/^swapped/);
    expect(second).toBe('already swapped');
    expect(mutationsInSecond).toBe(0);
  });
});
