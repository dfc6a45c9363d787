import { extname } from 'node:path';
import { UsageError } from '../exit-codes';
import { formatNumber, type Mark, niceStep, type Run, timeStep, totalClients } from './series';
import { formatDuration } from './terminal';

const runColors = ['#1a7f37', '#cf222e', '#8250df', '#0969da'];
const setColors = { old: '#bf8700', new: '#0969da' };
const WIDTH = 960;
const PLOT = { left: 70, right: 20 };

/** .svg or .html, from the file name; anything else is a UsageError (exit 2). */
export function reportFormat(path: string): 'svg' | 'html' {
  const ext = extname(path).toLowerCase();
  if (ext === '.svg') return 'svg';
  if (ext === '.html' || ext === '.htm') return 'html';
  throw new UsageError(`--report ${path}: the file name must end in .svg or .html`, 'report');
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);
}

interface Line {
  values: readonly number[];
  color: string;
  label: string;
  dash?: boolean;
}

/**
 * The y-axis ticks: round values, and the top of the scale (the peak) always labelled, so the height of
 * a spike reads off the axis. A round tick too close below the top gives way to it.
 */
export function yTicks(yMax: number): number[] {
  const step = niceStep(yMax, 4);
  const ticks: number[] = [];
  for (let v = 0; v < yMax - step / 4; v += step) ticks.push(v);
  ticks.push(yMax);
  return ticks;
}

/**
 * The swap and every step as vertical lines across a panel: the delay between a step and the spike of
 * reconnections it causes (the deregistration delay, then the clients' reconnect spread) can be seen.
 * Step numbers are written while they have room (about 24 px each), else the first and the last.
 */
function markLines(marks: readonly Mark[], x: (t: number) => number, y0: number, h: number): string[] {
  const steps = marks.filter((m) => m.kind === 'step');
  const roomy = steps.length < 2 || x(steps[1]?.atSeconds ?? 0) - x(steps[0]?.atSeconds ?? 0) >= 24;
  const out: string[] = [];
  for (const mark of marks) {
    const at = x(mark.atSeconds).toFixed(1);
    if (mark.kind === 'swap') {
      out.push(
        `<line x1="${at}" x2="${at}" y1="${y0}" y2="${y0 + h}" class="mark swap" stroke="#1f2328" stroke-width="1.5"/>`,
        `<text x="${at}" y="${y0 - 3}" class="tick" text-anchor="middle">swap</text>`,
      );
      continue;
    }
    out.push(
      `<line x1="${at}" x2="${at}" y1="${y0}" y2="${y0 + h}" class="mark step" stroke="#8c959f" stroke-dasharray="2 3"/>`,
    );
    const edge = mark === steps[0] || mark === steps.at(-1);
    if (roomy || edge) {
      out.push(
        `<text x="${at}" y="${y0 + 10}" class="tick" text-anchor="middle">${edge && !roomy && mark === steps[0] ? 'step ' : ''}${mark.step ?? ''}</text>`,
      );
    }
  }
  return out;
}

/** One panel: axes with round ticks, then a polyline per series. */
function panel(
  title: string,
  top: number,
  height: number,
  seconds: number,
  yMax: number,
  lines: Line[],
  unit: string,
  marks: readonly Mark[] = [],
): string {
  const w = WIDTH - PLOT.left - PLOT.right;
  const h = height - 50;
  const y0 = top + 30;
  const x = (t: number) => PLOT.left + (t / Math.max(1, seconds)) * w;
  const y = (v: number) => y0 + h - (v / Math.max(1, yMax)) * h;
  const parts = [`<text x="${PLOT.left}" y="${top + 18}" class="title">${escapeXml(title)}</text>`];
  for (const v of yTicks(yMax)) {
    parts.push(`<line x1="${PLOT.left}" x2="${PLOT.left + w}" y1="${y(v)}" y2="${y(v)}" class="grid"/>`);
    parts.push(
      `<text x="${PLOT.left - 6}" y="${y(v) + 4}" class="tick" text-anchor="end">${formatNumber(v)}</text>`,
    );
  }
  parts.push(...markLines(marks, x, y0, h));
  const tStep = timeStep(seconds, 8);
  for (let t = 0; t <= seconds; t += tStep) {
    parts.push(
      `<text x="${x(t)}" y="${y0 + h + 16}" class="tick" text-anchor="middle">${formatDuration(t)}</text>`,
    );
  }
  parts.push(
    `<text x="14" y="${y0 + h / 2}" class="tick" transform="rotate(-90 14 ${y0 + h / 2})" text-anchor="middle">${escapeXml(unit)}</text>`,
  );
  let legendX = PLOT.left + w;
  for (const line of [...lines].reverse()) {
    const points = line.values.map((v, t) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    parts.push(
      `<polyline points="${points}" fill="none" stroke="${line.color}" stroke-width="1.5"${line.dash ? ' stroke-dasharray="5 3"' : ''}/>`,
    );
    legendX -= line.label.length * 7 + 30;
    parts.push(
      `<line x1="${legendX}" x2="${legendX + 16}" y1="${top + 14}" y2="${top + 14}" stroke="${line.color}" stroke-width="3"${line.dash ? ' stroke-dasharray="5 3"' : ''}/>`,
      `<text x="${legendX + 20}" y="${top + 18}" class="tick">${escapeXml(line.label)}</text>`,
    );
  }
  return parts.join('\n');
}

/** A self-contained SVG: new connections per second of every run, then connections per task set. */
export function renderSvg(runs: readonly Run[]): string {
  const seconds = Math.max(...runs.map((r) => r.summary.series.time.length));
  const peak = Math.max(...runs.map((r) => r.summary.peakNewConnectionsPerSecond), 1);
  const clients = Math.max(...runs.map((r) => totalClients(r.summary)), 1);
  const panels: string[] = [];
  let top = 10;
  panels.push(
    panel(
      'New connections per second',
      top,
      280,
      seconds,
      peak,
      runs.map((r, i) => ({
        values: r.summary.series.newConnectionsPerSecond,
        color: runColors[i] ?? '#000',
        label: r.label,
      })),
      'connections / s',
      // The marks of the first run (ecs-taper's; a baseline has no steps).
      runs[0]?.marks,
    ),
  );
  top += 290;
  for (const run of runs) {
    panels.push(
      panel(
        `Connections per task set: ${run.label}`,
        top,
        220,
        seconds,
        clients,
        [
          { values: run.summary.series.oldSetConnections, color: setColors.old, label: 'old task set' },
          {
            values: run.summary.series.newSetConnections,
            color: setColors.new,
            label: 'new task set',
            dash: true,
          },
        ],
        'connections',
        run.marks,
      ),
    );
    top += 230;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 10}" viewBox="0 0 ${WIDTH} ${top + 10}" font-family="system-ui, sans-serif">`,
    '<style>.title{font-size:14px;font-weight:600}.tick{font-size:11px;fill:#57606a}.grid{stroke:#d0d7de;stroke-width:1}</style>',
    `<rect width="100%" height="100%" fill="#fff"/>`,
    ...panels,
    '</svg>',
  ].join('\n');
}

/** A self-contained HTML page: the summary table and the SVG charts, no external resources. */
export function renderHtml(
  runs: readonly Run[],
  settings: { tasks: number; connectionsPerTask: number },
): string {
  const rows: [string, (r: Run) => string][] = [
    ['Outcome', (r) => r.summary.outcome],
    ['Peak new connections per second', (r) => formatNumber(r.summary.peakNewConnectionsPerSecond)],
    ['Old connections dropped over', (r) => formatDuration(r.summary.drainSeconds)],
    ['Deployment time', (r) => formatDuration(r.summary.totalSeconds)],
    ['Clients disconnected twice', (r) => formatNumber(r.summary.clientsDisconnectedTwice)],
    ['Seconds with no healthy target', (r) => String(r.summary.zeroHealthySeconds)],
    ['AWS API calls', (r) => formatNumber(r.summary.apiCallsTotal)],
  ];
  const table = [
    `<tr><th></th>${runs.map((r) => `<th>${escapeXml(r.label)}</th>`).join('')}</tr>`,
    ...rows.map(
      ([name, value]) =>
        `<tr><td>${escapeXml(name)}</td>${runs.map((r) => `<td>${escapeXml(value(r))}</td>`).join('')}</tr>`,
    ),
  ].join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ecs-taper simulation</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#1f2328}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #d0d7de;padding:4px 10px;text-align:right}td:first-child{text-align:left}</style>
</head><body>
<h1>ecs-taper simulation</h1>
<p>${settings.tasks} tasks with ${formatNumber(settings.connectionsPerTask)} long-lived connections each, behind a Network Load Balancer. Time is from the start of the deployment.</p>
<table>
${table}
</table>
${renderSvg(runs)}
</body></html>
`;
}

export function writeReport(
  path: string,
  runs: readonly Run[],
  settings: { tasks: number; connectionsPerTask: number },
): string {
  return reportFormat(path) === 'svg' ? renderSvg(runs) : renderHtml(runs, settings);
}
