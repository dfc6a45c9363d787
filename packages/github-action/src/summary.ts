/**
 * The job summary (GITHUB_STEP_SUMMARY, Markdown): the outcome, the plan, the steps applied and, when the
 * new connections per second are known (simulator mode), the reconnection chart as a Mermaid xychart
 * (GitHub renders it) with the same numbers as a table under it. Pure: the caller writes it.
 */
import type { AppliedStep, DeploymentReport } from './outcome';
import type { FlowSeries } from './simulator';

/** `ecs-taper plan --json`: planScaledown's result. */
export interface PlanJson {
  steps: {
    index: number;
    atSeconds: number;
    scalePercent: number;
    remainingTasks: number;
    removedTasks: number;
  }[];
  totalSeconds: number;
  intervalSeconds: number;
  predictedPeakNewConnectionsPerSecond?: number;
}

export interface SummaryInput {
  report: DeploymentReport;
  /** Where the deployment ran: "local loop", "Step Functions (arn)", "simulator". */
  runner: string;
  service?: string;
  cluster?: string;
  plan?: PlanJson;
  /** Why there is no plan (plan failed), when there is none. */
  planNote?: string;
  flows?: FlowSeries;
  /** Why there is no chart, when there is none. */
  chartNote?: string;
}

const icons: Record<DeploymentReport['outcome'], string> = {
  succeeded: '✅',
  'rolled-back': '↩️',
  refused: '⛔',
  failed: '❌',
};

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.round(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Table cells are one line and must not open a new column. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(head: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const line = (cells: readonly (string | number)[]) =>
    `| ${cells.map((c) => cell(String(c))).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** At most `max` rows: the first ones, a gap, the last few. */
function elide<T>(rows: readonly T[], max: number, gap: (skipped: number) => T): T[] {
  if (rows.length <= max) return [...rows];
  const tail = 5;
  const head = rows.slice(0, max - tail - 1);
  return [...head, gap(rows.length - head.length - tail), ...rows.slice(-tail)];
}

function details(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

function planSection(plan: PlanJson): string {
  const count = plan.steps.length;
  const lines = [
    '### Plan',
    '',
    `${count} scale-down step${count === 1 ? '' : 's'}, ${plan.intervalSeconds} s apart, ${formatDuration(plan.totalSeconds)} from the first step to the last.`,
  ];
  if (plan.predictedPeakNewConnectionsPerSecond !== undefined) {
    lines.push(
      `Predicted peak of reconnections: ${Math.round(plan.predictedPeakNewConnectionsPerSecond)}/s.`,
    );
  }
  const rows = elide(
    plan.steps.map((s) => [
      s.index,
      `+${formatDuration(s.atSeconds)}`,
      `${s.scalePercent}%`,
      s.remainingTasks,
      s.removedTasks,
    ]),
    25,
    (skipped) => ['…', `${skipped} more`, '', '', ''],
  );
  lines.push('', details('Planned steps', table(['step', 'at', 'scale', 'old tasks left', 'stopped'], rows)));
  return lines.join('\n');
}

function stepsSection(steps: readonly AppliedStep[], startedAt: number | undefined): string {
  const origin = startedAt ?? steps[0]?.at ?? 0;
  const rows = elide(
    steps.map((s) => [
      `${s.step} of ${s.steps}`,
      `+${formatDuration((s.at - origin) / 1000)}`,
      s.remainingTasks,
      s.removedTasks,
    ]),
    25,
    (skipped) => ['…', `${skipped} more`, '', ''],
  );
  return [
    '### Scale-down steps applied',
    '',
    details(
      `${steps.length} step${steps.length === 1 ? '' : 's'}`,
      table(['step', 'at', 'old tasks left', 'stopped'], rows),
    ),
  ].join('\n');
}

/** Seconds per bar: the smallest round size that keeps the chart within `maxBars`. */
export function bucketSeconds(seconds: number, maxBars = 60): number {
  const sizes = [1, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
  return sizes.find((size) => Math.ceil(seconds / size) <= maxBars) ?? Math.ceil(seconds / maxBars);
}

export interface Bucket {
  /** Seconds since the start of the deployment. */
  from: number;
  total: number;
  busiestSecond: number;
  /** Scale-down steps applied in it. */
  steps: number[];
}

/** The per-second series in buckets of `size` seconds, each with its busiest second and the steps taken in it. */
export function bucketFlows(flows: FlowSeries, size: number, steps: readonly AppliedStep[]): Bucket[] {
  const buckets: Bucket[] = [];
  for (let from = 0; from < flows.perSecond.length; from += size) {
    const slice = flows.perSecond.slice(from, from + size);
    buckets.push({
      from,
      total: slice.reduce((a, b) => a + b, 0),
      busiestSecond: Math.max(0, ...slice),
      steps: steps
        .filter((s) => {
          const at = (s.at - flows.startMs) / 1000;
          return at >= from && at < from + size;
        })
        .map((s) => s.step),
    });
  }
  return buckets;
}

function chartSection(
  flows: FlowSeries,
  steps: readonly AppliedStep[],
  predictedPeak: number | undefined,
): string {
  const size = bucketSeconds(flows.perSecond.length);
  const buckets = bucketFlows(flows, size, steps);
  const peak = Math.max(0, ...flows.perSecond);
  const peakAt = flows.perSecond.indexOf(peak);
  const total = flows.perSecond.reduce((a, b) => a + b, 0);
  const top = Math.max(peak, predictedPeak ?? 0, 1);
  const labels = buckets.map((b) => `"${formatDuration(b.from)}"`).join(', ');
  const chart = [
    '```mermaid',
    'xychart-beta',
    `  title "New connections: the busiest second of every ${size} s"`,
    `  x-axis "time since the deployment started" [${labels}]`,
    `  y-axis "new connections per second" 0 --> ${Math.ceil(top * 1.1)}`,
    `  bar [${buckets.map((b) => b.busiestSecond).join(', ')}]`,
    ...(predictedPeak === undefined
      ? []
      : [`  line [${buckets.map(() => Math.round(predictedPeak)).join(', ')}]`]),
    '```',
  ].join('\n');
  const rows = buckets.map((b) => [
    `+${formatDuration(b.from)}`,
    b.total,
    b.busiestSecond,
    b.steps.length === 0 ? '' : b.steps.join(', '),
  ]);
  return [
    '### Reconnections',
    '',
    `Peak: **${peak} new connections in one second**, at +${formatDuration(Math.max(0, peakAt))}` +
      (predictedPeak === undefined ? '' : ` (predicted ${Math.round(predictedPeak)}/s, the line)`) +
      `; ${total} new connections in all.`,
    '',
    chart,
    '',
    details(
      `New connections per ${size} s`,
      table([`from`, `new connections`, 'busiest second', 'scale-down steps'], rows),
    ),
  ].join('\n');
}

export function renderSummary(input: SummaryInput): string {
  const { report } = input;
  const rows: [string, string][] = [
    ['Outcome', `${icons[report.outcome]} **${report.outcome}**: ${report.reason}`],
    [
      'Deployment',
      report.deploymentId ? `\`${report.deploymentId}\`${report.resumed ? ' (resumed)' : ''}` : '-',
    ],
  ];
  if (input.service) rows.push(['Service', `${input.service}${input.cluster ? ` in ${input.cluster}` : ''}`]);
  rows.push(['Runner', input.runner]);
  if (report.startedAt !== undefined && report.finishedAt !== undefined) {
    rows.push(['Duration', formatDuration((report.finishedAt - report.startedAt) / 1000)]);
  }
  const last = report.steps.at(-1);
  if (last) rows.push(['Scale-down', `${last.step} of ${last.steps} steps`]);
  if (report.rollbackReason && report.outcome !== 'succeeded')
    rows.push(['Rolled back because', report.rollbackReason]);

  const sections = [
    `## ecs-taper deploy: ${icons[report.outcome]} ${report.outcome}`,
    '',
    table(['', ''], rows),
  ];
  if (input.plan) sections.push('', planSection(input.plan));
  else if (input.planNote) sections.push('', '### Plan', '', input.planNote);
  if (report.steps.length > 0) sections.push('', stepsSection(report.steps, report.startedAt));
  if (input.flows)
    sections.push(
      '',
      chartSection(input.flows, report.steps, input.plan?.predictedPeakNewConnectionsPerSecond),
    );
  else if (input.chartNote) sections.push('', '### Reconnections', '', input.chartNote);
  return `${sections.join('\n')}\n`;
}
