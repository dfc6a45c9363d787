import type { DeploymentEvent } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import { LiveProgress } from '../src/render/live-progress';
import { type Terminal, visibleText } from '../src/render/terminal';

const ESC = String.fromCharCode(27);

/** A terminal whose width can change, with a resize signal as a TTY stream gives one (SIGWINCH). */
function fakeTerminal(columns: number) {
  const listeners = new Set<() => void>();
  const writes: string[] = [];
  const term: Terminal & { resize(columns: number): void } = {
    isTTY: true,
    color: false,
    get columns() {
      return columns;
    },
    write: (text) => writes.push(text),
    onResize: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    resize: (to) => {
      columns = to;
      for (const listener of listeners) listener();
    },
  };
  return { term, writes, listeners };
}

/** The footer lines of one redraw: what follows the clear sequence, line by line. */
function footerOf(write: string): string[] {
  const cleared = write.split(`${ESC}[J`).at(-1) ?? write;
  return cleared.split('\n').filter((line) => line !== '');
}

const at = 1_000_000;
const events: DeploymentEvent[] = [
  { type: 'deployment-started', deploymentId: 'taper-resize-test-with-a-long-id', at, resumed: false },
  { type: 'phase-started', deploymentId: 'taper-resize-test-with-a-long-id', at, phase: 'scaleDown' },
  {
    type: 'scale-step',
    deploymentId: 'taper-resize-test-with-a-long-id',
    at,
    step: 3,
    steps: 20,
    scalePercent: 85,
    remainingTasks: 17,
    removedTasks: 1,
  },
];

describe('the live view on a resize', () => {
  it('redraws at once at the new width, clearing the old footer by the rows it wraps to', () => {
    const { term, writes, listeners } = fakeTerminal(120);
    const live = new LiveProgress(term, () => at, 'deploy a-service-with-a-rather-long-name');
    live.start();
    for (const event of events) live.onEvent(event);
    term.resize(120); // a redraw of the footer alone (the last one carried the step's log line too)
    const wide = footerOf(writes.at(-1) as string);
    expect(wide.some((line) => line.includes('step    3 of 20'))).toBe(true);
    expect(Math.max(...wide.map((line) => visibleText(line).length))).toBeGreaterThan(40);

    const before = writes.length;
    term.resize(40);
    expect(writes.length).toBe(before + 1);
    const redraw = writes.at(-1) as string;
    // The wide footer's lines wrap at 40 columns: the cursor goes up by the rows they take now.
    const rows = wide.reduce((sum, line) => sum + Math.max(1, Math.ceil(visibleText(line).length / 40)), 0);
    expect(rows).toBeGreaterThan(wide.length);
    expect(redraw.startsWith(`${ESC}[${rows}F${ESC}[J`)).toBe(true);
    // Every line of the new footer fits the new width.
    for (const line of footerOf(redraw)) expect(visibleText(line).length).toBeLessThan(40);

    live.stop();
    expect(listeners.size).toBe(0);
  });
});
