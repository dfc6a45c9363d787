import { bucket, formatNumber, type Mark, type Run, timeStep, totalClients } from './series';
import { formatDuration, paint, type Style, type Terminal } from './terminal';

const blocks = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const runStyles: Style[] = ['green', 'red', 'magenta', 'blue'];
const GUTTER = 20;

/** The table of results under a simulation, one column per run. */
export function renderComparison(runs: readonly Run[], term: Pick<Terminal, 'color'>): string {
  const rows: [string, (r: Run) => string][] = [
    ['outcome', (r) => r.summary.outcome],
    ['peak new connections/s', (r) => formatNumber(r.summary.peakNewConnectionsPerSecond)],
    [
      'old connections dropped',
      (r) => (r.summary.drainSeconds > 0 ? `over ${formatDuration(r.summary.drainSeconds)}` : 'at once'),
    ],
    ['deployment time', (r) => formatDuration(r.summary.totalSeconds)],
    ['clients dropped twice', (r) => formatNumber(r.summary.clientsDisconnectedTwice)],
    ['seconds with no healthy target', (r) => String(r.summary.zeroHealthySeconds)],
    ['AWS API calls', (r) => formatNumber(r.summary.apiCallsTotal)],
  ];
  const width = Math.max(...rows.map(([name]) => name.length)) + 2;
  const col = Math.max(14, ...runs.map((r) => r.label.length + 2));
  const head = `${''.padEnd(width)}${runs.map((r, i) => paint(term, runStyles[i] ?? 'bold', r.label.padEnd(col))).join('')}`;
  const lines = [head.trimEnd()];
  for (const [name, value] of rows)
    lines.push(`${name.padEnd(width)}${runs.map((r) => value(r).padEnd(col)).join('')}`.trimEnd());
  const reason = runs[0]?.summary.reason;
  if (runs[0] && runs[0].summary.outcome !== 'succeeded' && reason) lines.push(`${runs[0].label}: ${reason}`);
  return `${lines.join('\n')}\n`;
}

/** Cells of a bar chart `rows` high: each column's value as blocks, 8 levels per row. */
function bars(values: readonly number[], max: number, rows: number): string[] {
  const out: string[] = [];
  for (let row = rows - 1; row >= 0; row--) {
    let line = '';
    for (const value of values) {
      if (Number.isNaN(value)) {
        line += ' ';
        continue;
      }
      let level = max > 0 ? (value / max) * rows * 8 : 0;
      if (value > 0 && level < 1) level = 1; // anything above zero shows
      const fill = Math.max(0, Math.min(8, Math.round(level - row * 8)));
      line += fill === 0 ? ' ' : (blocks[fill - 1] ?? '█');
    }
    out.push(line);
  }
  return out;
}

/**
 * Charts for the terminal: new connections per second of each run on one scale (bars, 8 levels a
 * row), then connections held by the old and the new task set. Unicode blocks; colour only when the
 * terminal allows it (NO_COLOR, non-TTY).
 */
export function renderChart(runs: readonly Run[], term: Pick<Terminal, 'color' | 'columns'>): string {
  const seconds = Math.max(...runs.map((r) => r.summary.series.time.length));
  const padded = runs.map((run) => ({
    ...run,
    summary: { ...run.summary, series: padSeries(run, seconds) },
  }));
  const columns = Math.max(20, Math.min(term.columns - GUTTER - 2, 100));
  const size = Math.max(1, Math.ceil(seconds / columns));
  const used = Math.ceil(seconds / size);
  const peak = Math.max(...runs.map((r) => r.summary.peakNewConnectionsPerSecond), 1);
  const out: string[] = [];
  const axisPad = ''.padEnd(GUTTER);

  out.push(paint(term, 'bold', `New connections per second (one scale; a column is ${size} s)`));
  padded.forEach((run, i) => {
    const values = bucket(run.summary.series.newConnectionsPerSecond, size, used, 'max');
    const rows = bars(values, peak, 6);
    rows.forEach((cells, r) => {
      const own = `peak ${formatNumber(run.summary.peakNewConnectionsPerSecond)}/s`;
      const label = r === 0 ? run.label : r === 1 ? own : '';
      const y = r === 0 ? formatNumber(peak) : r === rows.length - 1 ? '0' : '';
      const axis = r === 0 ? '┤' : '│';
      out.push(
        `${label.padEnd(GUTTER - 8)}${y.padStart(7)} ${axis}${paint(term, runStyles[i] ?? 'bold', cells)}`,
      );
    });
    out.push(`${axisPad}└${'─'.repeat(used)}`);
    if (run.marks?.length) out.push(markRow(run.marks, used, size));
  });
  out.push(timeAxis(used, size));

  out.push('', paint(term, 'bold', 'Connections per task set (old version, new version)'));
  const clients = Math.max(...runs.map((r) => totalClients(r.summary)), 1);
  for (const run of padded) {
    const series = run.summary.series;
    const sets: [string, readonly number[], Style][] = [
      ['old', series.oldSetConnections, 'yellow'],
      ['new', series.newSetConnections, 'cyan'],
    ];
    sets.forEach(([name, data, style], s) => {
      const values = bucket(data, size, used, 'last');
      const rows = bars(values, clients, 3);
      rows.forEach((cells, r) => {
        const label = s === 0 && r === 0 ? run.label : '';
        const tag = r === 0 ? name : '';
        out.push(`${label.padEnd(GUTTER - 5)}${tag.padStart(4)} │${paint(term, style, cells)}`);
      });
    });
    out.push(`${axisPad}└${'─'.repeat(used)}`);
  }
  out.push(timeAxis(used, size));
  out.push(
    paint(
      term,
      'dim',
      `(bars reach ${formatNumber(clients)} clients; time from the start of the deployment)`,
    ),
  );
  return `${out.join('\n')}\n`;
}

/**
 * A run's series extended to `seconds`: a shorter run is over, so no new connections, and its task
 * sets keep the connections they had at its end.
 */
function padSeries(run: Run, seconds: number): Run['summary']['series'] {
  const s = run.summary.series;
  const extend = (values: number[], fill: number) => [
    ...values,
    ...new Array(Math.max(0, seconds - values.length)).fill(fill),
  ];
  return {
    ...s,
    newConnectionsPerSecond: extend(s.newConnectionsPerSecond, 0),
    oldSetConnections: extend(s.oldSetConnections, s.oldSetConnections.at(-1) ?? 0),
    newSetConnections: extend(s.newSetConnections, s.newSetConnections.at(-1) ?? 0),
  };
}

/** The swap (S) and every step (^) under a chart, in the column of their second (the swap wins a shared one). */
export function markRow(marks: readonly Mark[], columns: number, size: number): string {
  const cells = new Array<string>(columns).fill(' ');
  for (const mark of [...marks].sort((a, b) => Number(a.kind === 'swap') - Number(b.kind === 'swap'))) {
    const at = Math.min(columns - 1, Math.max(0, Math.floor(mark.atSeconds / size)));
    cells[at] = mark.kind === 'swap' ? 'S' : '^';
  }
  return `${'swap S, steps ^'.padStart(GUTTER)} ${cells.join('')}`.trimEnd();
}

/** Time labels under a chart at round times (every 1, 2, 5... minutes), about every 12 columns. */
function timeAxis(columns: number, size: number): string {
  const step = timeStep(columns * size, columns / 12);
  const cells = new Array<string>(columns + 8).fill(' ');
  for (let t = 0; t / size < columns; t += step) {
    const at = Math.round(t / size);
    const label = formatDuration(t);
    if (cells.slice(Math.max(0, at - 1), at + label.length + 1).some((c) => c !== ' ')) continue;
    for (let i = 0; i < label.length; i++) cells[at + i] = label[i] ?? ' ';
  }
  return `${''.padEnd(GUTTER + 1)}${cells.join('')}`.trimEnd();
}
