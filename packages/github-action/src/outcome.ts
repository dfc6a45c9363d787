/**
 * What a run of `ecs-taper deploy --json` came to, folded from its events and exit code. The outcome and
 * reason are the CLI's (core's `deployment-finished`); only a run that ended without one (refused before
 * it started, stopped, or crashed) is named here, from the exit code and how far the events got.
 */
import type { DeploymentEvent } from '@ecs-taper/core';
import { cliMessage } from './run-cli';

export type Outcome = 'succeeded' | 'rolled-back' | 'refused' | 'failed';

export interface AppliedStep {
  step: number;
  steps: number;
  at: number;
  remainingTasks: number;
  removedTasks: number;
}

export interface DeploymentReport {
  outcome: Outcome;
  reason: string;
  deploymentId: string | undefined;
  resumed: boolean;
  startedAt: number | undefined;
  finishedAt: number | undefined;
  /** Scale-down steps this run applied (a resumed run reports only its own). */
  steps: AppliedStep[];
  rollbackReason: string | undefined;
}

/** The CLI's exit codes (runner-cli's exit-codes.ts). */
const BAD_INPUT = 2;
const INTERRUPTED = 130;

/** The events among stdout's lines (a line that is not an event is ignored). */
export function parseEvents(lines: readonly string[]): DeploymentEvent[] {
  const events: DeploymentEvent[] = [];
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    try {
      const value = JSON.parse(line) as DeploymentEvent;
      if (typeof value?.type === 'string') events.push(value);
    } catch {
      // Not an event: the CLI prints only events on stdout with --json, so this is someone else's.
    }
  }
  return events;
}

export function reportOf(code: number, events: readonly DeploymentEvent[], stderr: string): DeploymentReport {
  let deploymentId: string | undefined;
  let resumed = false;
  let startedAt: number | undefined;
  let rollbackReason: string | undefined;
  let changing = false;
  let finished: Extract<DeploymentEvent, { type: 'deployment-finished' }> | undefined;
  const steps: AppliedStep[] = [];
  for (const event of events) {
    deploymentId = event.deploymentId;
    switch (event.type) {
      case 'deployment-started':
        startedAt ??= event.at;
        resumed ||= event.resumed;
        break;
      case 'phase-started':
        // discover only reads: a run that stopped in it (or before) changed nothing.
        if (event.phase !== 'discover') changing = true;
        break;
      case 'scale-step':
        steps.push({
          step: event.step,
          steps: event.steps,
          at: event.at,
          remainingTasks: event.remainingTasks,
          removedTasks: event.removedTasks,
        });
        break;
      case 'rollback-started':
        rollbackReason = event.reason;
        break;
      case 'deployment-finished':
        finished = event;
        break;
    }
  }
  const message = cliMessage(stderr);
  const base = { deploymentId, resumed, startedAt, steps, rollbackReason };
  if (finished) {
    const reason = finished.reason ?? message ?? finished.outcome;
    // The Step Functions runner reports a refused execution as failed with a "refused: " reason.
    if (finished.outcome === 'failed' && reason.startsWith('refused: ')) {
      return {
        ...base,
        outcome: 'refused',
        reason: reason.slice('refused: '.length),
        finishedAt: finished.at,
      };
    }
    const outcome = finished.outcome === 'succeeded' && code !== 0 ? 'failed' : finished.outcome;
    return { ...base, outcome, reason, finishedAt: finished.at };
  }
  if (code === INTERRUPTED) {
    return {
      ...base,
      outcome: 'failed',
      reason: `stopped before the end (the job was cancelled): running the workflow again resumes the deployment${message ? `; ${message}` : ''}`,
      finishedAt: undefined,
    };
  }
  const reason = message ?? `ecs-taper exited with code ${code}`;
  if (code === 0) return { ...base, outcome: 'succeeded', reason, finishedAt: undefined };
  return {
    ...base,
    outcome: code === BAD_INPUT || !changing ? 'refused' : 'failed',
    reason,
    finishedAt: undefined,
  };
}
