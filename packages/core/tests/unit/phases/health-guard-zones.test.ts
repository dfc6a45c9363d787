import { describe, expect, it } from 'vitest';
import { belowBar, zonesWithoutHealthy } from '../../../src/phases/health-guard';

const target = (zone: string | undefined, state: string) => ({
  Target: { Id: `10.0.0.${Math.random()}`, Port: 8080, AvailabilityZone: zone },
  TargetHealth: { State: state as 'healthy' },
});

describe('health guard bar', () => {
  it('fewer than half the new set healthy is below the bar; exactly half is not', () => {
    expect(belowBar(0, 1)).toBe(true);
    expect(belowBar(1, 1)).toBe(false);
    expect(belowBar(1, 4)).toBe(true);
    expect(belowBar(2, 4)).toBe(false);
    expect(belowBar(4, 9)).toBe(true);
    expect(belowBar(5, 9)).toBe(false);
    expect(belowBar(0, 0)).toBe(false);
  });

  it('names a zone whose targets fail their checks with none healthy, even when the total is above the bar', () => {
    const targets = [
      target('us-east-1a', 'healthy'),
      target('us-east-1a', 'healthy'),
      target('us-east-1b', 'unhealthy'),
      target('us-east-1c', 'healthy'),
    ];
    expect(belowBar(3, 4)).toBe(false);
    expect(zonesWithoutHealthy(targets)).toEqual(['us-east-1b']);
  });

  it('ignores zones with a healthy target, targets still initial or draining, and targets without a zone', () => {
    expect(
      zonesWithoutHealthy([
        target('us-east-1a', 'unhealthy'),
        target('us-east-1a', 'healthy'),
        target('us-east-1b', 'initial'),
        target('us-east-1c', 'draining'),
        target(undefined, 'unhealthy'),
        target('all', 'unhealthy'),
      ]),
    ).toEqual([]);
  });
});
