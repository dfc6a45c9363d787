import type { DeploymentEvent } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { parseEvents, reportOf } from '../src/outcome';
import { bucketFlows, bucketSeconds, renderSummary } from '../src/summary';

const id = 'taper-1';
const at = 1_735_689_600_000;
const started: DeploymentEvent = { type: 'deployment-started', deploymentId: id, at, resumed: false };
const phase = (name: 'discover' | 'create'): DeploymentEvent => ({
  type: 'phase-started',
  deploymentId: id,
  at,
  phase: name,
});

describe('reportOf', () => {
  it("takes the outcome and reason of the CLI's deployment-finished", () => {
    const report = reportOf(
      1,
      [
        started,
        phase('create'),
        { type: 'rollback-started', deploymentId: id, at: at + 1000, reason: 'alarm api-5xx' },
        {
          type: 'deployment-finished',
          deploymentId: id,
          at: at + 5000,
          outcome: 'rolled-back',
          reason: 'alarm api-5xx',
        },
      ],
      '',
    );
    expect(report).toMatchObject({ outcome: 'rolled-back', reason: 'alarm api-5xx', deploymentId: id });
    expect(report.finishedAt! - report.startedAt!).toBe(5000);
  });

  it('names a refused Step Functions execution refused', () => {
    const finished: DeploymentEvent = {
      type: 'deployment-finished',
      deploymentId: id,
      at,
      outcome: 'failed',
      reason: 'refused: deployment taper-0 holds the standby target group',
    };
    expect(reportOf(1, [started, finished], '')).toMatchObject({
      outcome: 'refused',
      reason: 'deployment taper-0 holds the standby target group',
    });
  });

  it('is refused when the CLI stopped before a phase that changes AWS, failed after one', () => {
    const stderr = 'ecs-taper deploy: deployment taper-0 is driven by controller x\n';
    expect(reportOf(1, [started, phase('discover')], stderr)).toMatchObject({
      outcome: 'refused',
      reason: 'ecs-taper deploy: deployment taper-0 is driven by controller x',
    });
    expect(reportOf(1, [started, phase('discover'), phase('create')], stderr).outcome).toBe('failed');
    expect(reportOf(2, [], 'ecs-taper deploy: invalid input: --cluster\n').outcome).toBe('refused');
    expect(reportOf(130, [started, phase('create')], '').reason).toContain('resumes the deployment');
  });

  it('ignores stdout lines that are not events', () => {
    expect(parseEvents(['{"type":"deployment-started"}', 'hello', '{broken'])).toHaveLength(1);
  });
});

describe('the reconnection chart', () => {
  it('keeps to at most 60 bars of round sizes', () => {
    expect(bucketSeconds(60)).toBe(1);
    expect(bucketSeconds(581)).toBe(10);
    expect(bucketSeconds(3601)).toBe(120);
  });

  it("buckets the per-second series with each bucket's busiest second and the steps applied in it", () => {
    const flows = { startMs: at, perSecond: [0, 5, 1, 0, 9, 2, 0] };
    const steps = [{ step: 1, steps: 2, at: at + 4000, remainingTasks: 1, removedTasks: 1 }];
    expect(bucketFlows(flows, 5, steps)).toEqual([
      { from: 0, total: 15, busiestSecond: 9, steps: [1] },
      { from: 5, total: 2, busiestSecond: 2, steps: [] },
    ]);
  });

  it('escapes a reason that would break the table', () => {
    const summary = renderSummary({
      report: {
        outcome: 'failed',
        reason: 'a | b\nc',
        deploymentId: undefined,
        resumed: false,
        startedAt: undefined,
        finishedAt: undefined,
        steps: [],
        rollbackReason: undefined,
      },
      runner: 'local loop (this job)',
    });
    expect(summary).toContain('| Outcome | ❌ **failed**: a \\| b c |');
  });
});
