import type { DeploymentEvent } from '@ecs-taper/core';
import { EventLog, type ProgressState, phaseLabels, reduceProgress, round, statusLine } from './progress';
import { formatDuration, paint, type Terminal, visibleText } from './terminal';

const spinner = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const REDRAW_MS = 200;

/**
 * The TTY display: log lines scroll above a footer of a few lines that is redrawn in place (phase,
 * step k of n, old and new task counts, healthy targets, time to the next step).
 */
export class LiveProgress {
  private state: ProgressState = {};
  private readonly log: EventLog;
  /** The footer last drawn (what is visible of each line), to clear it before the next draw. */
  private footer: string[] = [];
  private frame = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopResize: (() => void) | undefined;

  constructor(
    private readonly term: Terminal,
    private readonly now: () => number,
    private readonly title: string,
    /** More footer lines (the simulator's client counts). */
    private readonly extra: () => string[] = () => [],
    command = 'deploy',
  ) {
    this.log = new EventLog(command);
  }

  start(): void {
    this.term.write('\u001b[?25l'); // hide the cursor while redrawing
    process.once('exit', () => this.term.write('\u001b[?25h')); // and show it again, however we exit
    this.timer = setInterval(() => this.redraw(), REDRAW_MS);
    this.timer.unref();
    // A resized terminal gets its footer again at the new width at once (not at the next tick), and the
    // old one is cleared by the rows it takes now: narrower, its lines wrap.
    this.stopResize = this.term.onResize?.(() => this.redraw());
    this.redraw();
  }

  onEvent(event: DeploymentEvent): void {
    this.state = reduceProgress(this.state, event);
    const line = this.log.line(event);
    this.redraw(line === undefined ? [] : [line]);
  }

  /** Prints a line above the footer. */
  print(line: string): void {
    this.redraw([line]);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stopResize?.();
    this.stopResize = undefined;
    this.redraw([], true);
    this.term.write('\u001b[?25h');
  }

  private redraw(lines: string[] = [], final = false): void {
    let out = '';
    const rows = this.rowsOf(this.footer);
    if (rows > 0) out += `\u001b[${rows}F\u001b[J`;
    for (const line of lines) out += `${line}\n`;
    const footer = this.footerText(final);
    for (const line of footer) out += `${line}\n`;
    this.footer = footer.map(visibleText);
    this.frame++;
    this.term.write(out);
  }

  /** Terminal rows that `lines` take at the width now (a line wider than the terminal wraps). */
  private rowsOf(lines: readonly string[]): number {
    const columns = Math.max(1, this.term.columns);
    return lines.reduce((rows, line) => rows + Math.max(1, Math.ceil(line.length / columns)), 0);
  }

  private footerText(final: boolean): string[] {
    const s = this.state;
    const t = this.term;
    const now = this.now();
    const elapsed = s.startedAt === undefined ? '' : `+${formatDuration((now - s.startedAt) / 1000)}`;
    const mark = final ? ' ' : paint(t, 'cyan', spinner[this.frame % spinner.length] ?? '*');
    const phase = s.phase ? phaseLabels[s.phase] : 'starting';
    const head = `${mark} ${paint(t, 'bold', this.title)} ${paint(t, 'dim', s.deploymentId ?? '')}  ${phase}  ${paint(t, 'dim', elapsed)}`;
    const lines = [this.trim(head)];
    if (s.step) {
      const { step, steps, scalePercent, remainingTasks } = s.step;
      lines.push(
        `  step    ${paint(t, 'bold', `${step} of ${steps}`)} · old set scale ${round(scalePercent)}% · ${remainingTasks} old tasks to keep`,
      );
    }
    if (s.status) lines.push(`  tasks   ${statusLine(s.status)}`);
    if (s.waiting && !final) {
      const left = Math.max(0, (s.waiting.until - now) / 1000);
      const next =
        s.waiting.phase === 'scaleDown' && s.step
          ? `step ${s.step.step + 1} of ${s.step.steps}`
          : `${phaseLabels[s.waiting.phase]} check`;
      lines.push(
        `  next    ${next} in ${paint(t, 'bold', formatDuration(left))} ${paint(t, 'dim', `(${s.waiting.reason})`)}`,
      );
    }
    if (s.rollbackReason) lines.push(`  ${paint(t, 'yellow', `rolling back: ${s.rollbackReason}`)}`);
    for (const line of this.extra()) lines.push(`  ${line}`);
    return lines.map((line) => this.trim(line));
  }

  /** Lines must not wrap, or the in-place redraw would miss them. */
  private trim(line: string): string {
    const visible = visibleText(line);
    if (visible.length < this.term.columns) return line;
    // Drop colour and cut: a cut through an escape sequence would leak it.
    return `${visible.slice(0, Math.max(10, this.term.columns - 2))}…`;
  }
}
