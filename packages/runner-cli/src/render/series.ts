import type { DeploymentEmitter } from '@ecs-taper/core';
import type { SimulationSummary } from '@ecs-taper/simulator';

/** A moment of the deployment to mark on a chart: the listener swap, or a scale-down step (its number). */
export interface Mark {
  kind: 'swap' | 'step';
  /** Seconds from the start of the deployment. */
  atSeconds: number;
  step?: number;
}

/** One simulated run, as charts and reports show it. */
export interface Run {
  label: string;
  summary: SimulationSummary;
  /** The swap and every step, from the run's events (ecs-taper's own strategy emits them). */
  marks?: readonly Mark[];
}

/**
 * Collects the marks of a deployment from its events: the swap (the swap phase finished) and each
 * scale-down step (scale-step), in seconds from deployment-started. Returns what has been seen so far.
 */
export function collectMarks(events: DeploymentEmitter): () => Mark[] {
  const marks: Mark[] = [];
  let startedAt: number | undefined;
  events.on('event', (event) => {
    if (event.type === 'deployment-started') startedAt ??= event.at;
    if (startedAt === undefined) return;
    const atSeconds = (event.at - startedAt) / 1000;
    if (event.type === 'phase-finished' && event.phase === 'swap') marks.push({ kind: 'swap', atSeconds });
    if (event.type === 'scale-step') marks.push({ kind: 'step', atSeconds, step: event.step });
  });
  return () => [...marks];
}

/** A round step for axis ticks: 1, 2 or 5 times a power of ten, about max / count. */
export function niceStep(max: number, count = 5): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/** A round step for time axes, in seconds: 10 s, 15 s, 30 s, 1, 2, 5, 10... minutes; about total / count. */
export function timeStep(totalSeconds: number, count: number): number {
  const steps = [5, 10, 15, 30, 60, 120, 180, 300, 600, 900, 1800, 3600, 7200];
  const wanted = totalSeconds / Math.max(1, count);
  return steps.find((step) => step >= wanted) ?? Math.ceil(wanted / 3600) * 3600;
}

/** Reduces `values` to `columns` buckets of `size` samples, each by `pick` (max for peaks, last for levels). */
export function bucket(
  values: readonly number[],
  size: number,
  columns: number,
  pick: 'max' | 'last',
): number[] {
  const out: number[] = [];
  for (let c = 0; c < columns; c++) {
    const slice = values.slice(c * size, (c + 1) * size);
    if (slice.length === 0) out.push(Number.NaN);
    else out.push(pick === 'max' ? Math.max(...slice) : (slice.at(-1) ?? 0));
  }
  return out;
}

/** Total clients of a run (for the connections scale). */
export function totalClients(summary: SimulationSummary): number {
  let max = 0;
  const s = summary.series;
  for (let i = 0; i < s.time.length; i++) {
    max = Math.max(max, (s.oldSetConnections[i] ?? 0) + (s.newSetConnections[i] ?? 0));
  }
  return max;
}

export function formatNumber(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
