import type { DeploymentEvent, DeploymentOutcome, DeploymentStatus, PhaseName } from '@ecs-taper/core';
import { phaseLabels } from '@ecs-taper/core/workflow';
import { formatDuration } from './terminal';

/** What a progress display knows about a deployment, folded from core's events. */
export interface ProgressState {
  deploymentId?: string;
  startedAt?: number;
  resumed?: boolean;
  phase?: PhaseName;
  step?: { step: number; steps: number; scalePercent: number; remainingTasks: number };
  status?: DeploymentStatus;
  waiting?: { phase: PhaseName; until: number; reason: string };
  rollbackReason?: string;
  finished?: { outcome: DeploymentOutcome; reason?: string };
}

/** The CLI's names for the phases: core's registry. */
export { phaseLabels };

export function reduceProgress(state: ProgressState, event: DeploymentEvent): ProgressState {
  switch (event.type) {
    case 'deployment-started':
      return { ...state, deploymentId: event.deploymentId, startedAt: event.at, resumed: event.resumed };
    case 'phase-started':
      return { ...state, phase: event.phase, waiting: undefined };
    case 'phase-finished':
      return state;
    case 'waiting':
      return { ...state, waiting: { phase: event.phase, until: event.until, reason: event.reason } };
    case 'scale-step':
      return {
        ...state,
        step: {
          step: event.step,
          steps: event.steps,
          scalePercent: event.scalePercent,
          remainingTasks: event.remainingTasks,
        },
      };
    case 'status':
      return { ...state, status: event.status };
    case 'rollback-started':
      return { ...state, rollbackReason: event.reason };
    case 'deployment-finished':
      return { ...state, waiting: undefined, finished: { outcome: event.outcome, reason: event.reason } };
  }
}

function counts(set: DeploymentStatus['oldTasks']): string {
  if (!set) return 'none';
  const pending = set.pending > 0 ? `, ${set.pending} pending` : '';
  const wanted = set.running + set.pending === set.desired ? '' : ` (want ${set.desired})`;
  return `${set.running} running${pending}${wanted}`;
}

/** One line of task counts: old and new sets, healthy targets of the new set. */
export function statusLine(status: DeploymentStatus): string {
  const health =
    status.healthyNewTargets === undefined ? '' : ` · ${status.healthyNewTargets} healthy new targets`;
  return `old set ${counts(status.oldTasks)} · new set ${counts(status.newTasks)}${health}`;
}

/** A detail with its numbers blanked: consecutive "settle (55 s left)", "settle (50 s left)" are one line. */
function shape(text: string): string {
  return text.replace(/\d+(\.\d+)?/g, '#');
}

/**
 * Turns events into log lines for people: one line when something happens, not one per poll.
 * Used for plain (non-TTY) output and above the live display on a TTY.
 */
export class EventLog {
  private lastShape = new Map<string, string>();
  /** The scale-step just shown, until the phase that applied it finishes. */
  private lastStep: Extract<DeploymentEvent, { type: 'scale-step' }> | undefined;
  private startedAt: number | undefined;

  /** `rollback`, `abort` and `promote` name their start differently: they continue a deployment. */
  constructor(private readonly command: string = 'deploy') {}

  line(event: DeploymentEvent): string | undefined {
    const text = this.text(event);
    if (text === undefined) return undefined;
    const elapsed = this.startedAt === undefined ? 0 : (event.at - this.startedAt) / 1000;
    return `${`+${formatDuration(elapsed)}`.padStart(6)}  ${text}`;
  }

  private once(key: string, text: string, exact = false): string | undefined {
    const s = exact ? text : shape(text);
    if (this.lastShape.get(key) === s) return undefined;
    this.lastShape.set(key, s);
    return text;
  }

  private text(event: DeploymentEvent): string | undefined {
    switch (event.type) {
      case 'deployment-started':
        this.startedAt ??= event.at;
        if (this.command === 'rollback' || this.command === 'abort')
          return `rolling back deployment ${event.deploymentId}`;
        if (this.command === 'promote') return `continuing deployment ${event.deploymentId} past its pause`;
        return `deployment ${event.deploymentId} ${event.resumed ? 'resumed from the real state' : 'started'}`;
      case 'phase-finished': {
        // A scale-down phase that applied a step reports it twice: its scale-step event (scale, tasks
        // stopped), then its detail "step k of n: r old tasks remain ...". The step is shown once, from
        // the event; only what the detail adds (a slower pace) gets a line.
        const step = this.lastStep;
        this.lastStep = undefined;
        const prefix = step && `step ${step.step} of ${step.steps}: ${step.remainingTasks} old tasks remain`;
        let detail = event.detail;
        if (event.phase === 'scaleDown' && step?.at === event.at && prefix && detail.startsWith(prefix)) {
          detail = detail
            .slice(prefix.length)
            .trim()
            .replace(/^\((.*)\)$/, '$1');
          if (detail === '') return undefined;
        }
        return this.once('phase', `${phaseLabels[event.phase].padEnd(12)} ${detail}`);
      }
      case 'scale-step':
        this.lastStep = event;
        return `${'scale-down'.padEnd(12)} step ${event.step} of ${event.steps}: scale ${round(event.scalePercent)}%, ${event.remainingTasks} old tasks remain (${event.removedTasks} stopped)`;
      case 'status':
        return this.once('status', `${''.padEnd(12)} ${statusLine(event.status)}`, true);
      case 'rollback-started':
        return `${'rollback'.padEnd(12)} rolling back: ${event.reason}`;
      case 'deployment-finished':
        return `deployment ${event.deploymentId} ${event.outcome}${event.reason ? `: ${event.reason}` : ''}`;
      default:
        return undefined;
    }
  }
}

export function round(value: number, digits = 2): string {
  return String(Number(value.toFixed(digits)));
}
