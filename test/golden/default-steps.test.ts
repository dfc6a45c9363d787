import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

/**
 * Issue 14: the default step list makes the same phases, events and AWS calls as the code before the
 * step refactor (commit 75c0a58) on seeded simulator scenarios. `record-default-steps.mjs` records them
 * from the BUILT packages (run `npm run build -w @ecs-taper/core -w @ecs-taper/simulator` first); it runs
 * in a child process so that plain Node resolves them (this project's aliases point at the sources).
 * The state is not compared: the refactored code carries fields (stepIndex, ...) that did not exist.
 * How to regenerate the golden file: the comment at the top of the script.
 */
interface Call {
  at: number;
  client: string;
  command: string;
  input: unknown;
  error?: string;
}
interface Event {
  type: string;
  at: number;
  phase?: string;
  [key: string]: unknown;
}
interface ScenarioRecord {
  results: unknown[];
  events: Event[];
  calls: Call[];
  end: unknown;
}
interface GoldenFile {
  base: string;
  scenarios: Record<string, ScenarioRecord>;
}

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const golden = JSON.parse(readFileSync(`${here}default-steps.golden.json`, 'utf8')) as GoldenFile;
const run = promisify(execFile);

let actual: GoldenFile;
beforeAll(async () => {
  const { stdout } = await run(process.execPath, [`${here}record-default-steps.mjs`, '--root', root], {
    maxBuffer: 64 * 1024 * 1024,
    timeout: 110_000,
  });
  actual = JSON.parse(stdout) as GoldenFile;
}, 120_000);

const show = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

/** The first index where the two lists differ (as JSON), or -1. */
function firstDivergence(expected: unknown[], got: unknown[]): number {
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) if (show(expected[i]) !== show(got[i])) return i;
  return -1;
}

/** The phase running at simulated time `at` (the last phase-started at or before it). */
function phaseAt(events: Event[], at: number): string {
  const started = events.filter((e) => e.type === 'phase-started' && e.at <= at);
  return started.at(-1)?.phase ?? '(before discover)';
}

/** A readable report of the first divergence of each part, or '' when the scenario matches. */
function divergences(name: string, expected: ScenarioRecord, got: ScenarioRecord): string {
  const lines: string[] = [];
  const phases = (r: ScenarioRecord) =>
    r.events.filter((e) => e.type === 'phase-started').map((e) => e.phase);
  const parts: [string, unknown[], unknown[]][] = [
    ['phase sequence', phases(expected), phases(got)],
    ['events', expected.events, got.events],
    ['AWS calls', expected.calls, got.calls],
    ['results', expected.results, got.results],
    ['end state', [expected.end], [got.end]],
  ];
  for (const [part, want, have] of parts) {
    const i = firstDivergence(want, have);
    if (i === -1) continue;
    lines.push(`${name}: ${part} differ at index ${i} (expected ${want.length}, got ${have.length} entries)`);
    if (part === 'AWS calls') {
      const call = (want[i] ?? have[i]) as Call;
      lines.push(`  during phase ${phaseAt(expected.events, call.at)} at ${call.at / 1000} s`);
      if (i > 0) lines.push(`  previous:  ${show(want[i - 1])}`);
    }
    lines.push(`  expected:  ${show(want[i])}`, `  actual:    ${show(have[i])}`);
  }
  return lines.join('\n');
}

describe(`the default step list against the record of ${golden.base}`, () => {
  it('records the same scenarios', () => {
    expect(Object.keys(actual.scenarios)).toEqual(Object.keys(golden.scenarios));
  });

  it.each(Object.keys(golden.scenarios))(
    '%s: the same phases, events and AWS calls (command and input, in order, at the same simulated time)',
    (name) => {
      const expected = golden.scenarios[name] as ScenarioRecord;
      const got = actual.scenarios[name];
      expect(got, `scenario ${name} was not recorded`).toBeDefined();
      const report = divergences(name, expected, got as ScenarioRecord);
      if (report) expect.fail(report);
    },
  );
});
