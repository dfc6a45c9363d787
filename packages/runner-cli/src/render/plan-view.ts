import type { PlanScaledownOptions, ScaledownPlan, ScaledownStep } from '@ecs-taper/core';
import { round } from './progress';
import { formatDuration, paint, type Terminal } from './terminal';

/** The text form of `ecs-taper plan`. */
export function renderPlan(
  plan: ScaledownPlan,
  options: PlanScaledownOptions,
  source: string,
  term: Pick<Terminal, 'color'>,
  /** Executions the deployment takes under the Step Functions runner (estimateExecutions). */
  executions?: number,
): string {
  const n = plan.stepCount;
  const out = [
    `${paint(term, 'bold', `Scale-down plan for ${options.desiredCount} tasks`)} (desiredCount from ${source})`,
    `${n} step${n === 1 ? '' : 's'}, ${plan.intervalSeconds} s apart, ${formatDuration(plan.totalSeconds)} from the first step to the last`,
    '(the first step comes after the new task set is healthy, the listener is swapped and a settle wait)',
    '',
  ];
  const rows = [
    ['step', 'at', 'scale', 'old tasks left', 'stopped'],
    ...Array.from({ length: n }, (_, i) => {
      const s = plan.step(i + 1) as ScaledownStep;
      return [
        String(s.index),
        `+${formatDuration(s.atSeconds)}`,
        `${round(s.scalePercent, 4)}%`,
        String(s.remainingTasks),
        String(s.removedTasks),
      ];
    }),
  ];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  rows.forEach((row, r) => {
    const line = `  ${row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   ')}`;
    out.push(r === 0 ? paint(term, 'dim', line) : line);
  });
  out.push('');
  const peak = plan.predictedPeakNewConnectionsPerSecond;
  if (peak !== undefined && options.connectionsPerTask && options.reconnectSpreadSeconds) {
    const allAtOnce = (options.desiredCount * options.connectionsPerTask) / options.reconnectSpreadSeconds;
    out.push(
      `Predicted peak of reconnections: ${paint(term, 'bold', `${round(peak, 1)}/s`)} ` +
        `(all at once: ${round(allAtOnce, 1)}/s), with ${options.connectionsPerTask} connections per task ` +
        `reconnecting over ${options.reconnectSpreadSeconds} s`,
    );
  } else {
    out.push('Pass --connections-per-task and --reconnect-spread to predict the peak of reconnections.');
  }
  const chance = plan.chanceOfExceedingBudget;
  if (chance !== undefined && options.maxNewConnectionsPerSecond !== undefined) {
    const confidence = options.budgetConfidence ?? 0.05;
    const perTask = options.connectionsPerTaskP95 ?? (options.connectionsPerTask ?? 0) * 1.5;
    const source =
      options.connectionsPerTaskP95 === undefined ? 'connectionsPerTask x 1.5' : 'connectionsPerTaskP95';
    out.push(
      `Budget ${options.maxNewConnectionsPerSecond}/s, planned with ${round(perTask, 1)} connections per task (${source}): ` +
        `chance that any second exceeds it ${paint(term, 'bold', chance < 0.0001 ? '< 0.01 %' : `${round(100 * chance, 2)} %`)} (allowed ${round(100 * confidence, 2)} %), ` +
        `p99 busiest second ${plan.predictedP99NewConnectionsPerSecond}/s`,
    );
    const slack = plan.dropLagSlackSeconds ?? 0;
    if (slack > 0) {
      out.push(
        `Steps ${round(plan.intervalSeconds - slack, 2)} s apart for the budget, plus ${round(slack, 2)} s for tasks that drop late ` +
          '(--drop-lag-spread; 0 if your tasks stop evenly; the controller widens it when it sees more)',
      );
    }
    if (plan.drainSeconds !== undefined) {
      const old = plan.expectedRateDrainSeconds;
      const cost = slack > 0 ? 'the confidence and the drop-lag slack cost' : 'the confidence costs';
      out.push(
        `Drain time ${formatDuration(plan.drainSeconds)} from the first step to the last reconnection` +
          (old === undefined
            ? ''
            : ` (the schedule whose average rate just meets the budget: ${formatDuration(old)}; ${cost} ${formatDuration(Math.max(0, plan.drainSeconds - old))})`),
      );
    }
  }
  if (executions !== undefined) {
    out.push(
      executions === 1
        ? 'Under Step Functions: 1 execution.'
        : `Under Step Functions: up to ${executions} executions (each hands over to the next before 25,000 history events or its timeout).`,
    );
  }
  return `${out.join('\n')}\n`;
}
