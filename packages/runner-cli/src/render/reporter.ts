import type { DeploymentEmitter, DeploymentEvent } from '@ecs-taper/core';
import { LiveProgress } from './live-progress';
import { EventLog } from './progress';
import type { Terminal } from './terminal';

export type OutputMode = 'json' | 'live' | 'plain';

/** --json: one event per line; a TTY: live display; otherwise plain log lines. */
export function outputMode(json: boolean, term: Terminal): OutputMode {
  if (json) return 'json';
  return term.isTTY ? 'live' : 'plain';
}

export interface Reporter {
  /** Prints a line for people (not in --json mode, where stdout is events only). */
  note(line: string): void;
  stop(): void;
}

/** Subscribes the chosen display to a deployment's events. */
export function attachReporter(
  events: DeploymentEmitter,
  mode: OutputMode,
  term: Terminal,
  options: { now: () => number; title: string; command: string; extra?: () => string[] },
): Reporter {
  if (mode === 'json') {
    events.on('event', (event: DeploymentEvent) => term.write(`${JSON.stringify(event)}\n`));
    return { note: () => {}, stop: () => {} };
  }
  if (mode === 'plain') {
    const log = new EventLog(options.command);
    events.on('event', (event: DeploymentEvent) => {
      const line = log.line(event);
      if (line !== undefined) term.write(`${line}\n`);
    });
    return { note: (line) => term.write(`${line}\n`), stop: () => {} };
  }
  const live = new LiveProgress(term, options.now, options.title, options.extra, options.command);
  events.on('event', (event: DeploymentEvent) => live.onEvent(event));
  live.start();
  return { note: (line) => live.print(line), stop: () => live.stop() };
}
