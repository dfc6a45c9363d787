/**
 * Runs the bundled CLI (dist/cli.cjs, runner-cli's one-file bundle copied beside the action) as a child
 * process, as a workflow step would run `ecs-taper`: the action adds no deployment logic of its own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The CLI bundle beside this file (both live in dist/). */
export const cliPath = fileURLToPath(new URL('./cli.cjs', import.meta.url));

export interface CliRun {
  code: number;
  /** stdout split into lines (with --json, one event per line). */
  lines: string[];
  stderr: string;
}

export interface CliOptions {
  /** Each stdout line as it comes (live progress in the job's log). */
  onLine?: (line: string) => void;
  /** Each stderr line as it comes. */
  onError?: (line: string) => void;
  /** Environment for the CLI (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** Calls `each` for every complete line of a stream, and for the rest at its end. */
function splitLines(stream: NodeJS.ReadableStream, each: (line: string) => void): void {
  let buffer = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buffer += chunk;
    let newline = buffer.indexOf('\n');
    while (newline >= 0) {
      each(buffer.slice(0, newline));
      buffer = buffer.slice(newline + 1);
      newline = buffer.indexOf('\n');
    }
  });
  stream.on('end', () => {
    if (buffer !== '') each(buffer);
  });
}

/**
 * `node cli.cjs ...args`. GitHub cancels a job with SIGINT, then SIGTERM: both are passed on, so a local
 * deploy stops between two AWS calls and gives its lease back (the next run resumes), and a state
 * machine deploy stops only its waiting.
 */
export function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliRun> {
  if (!existsSync(cliPath)) {
    return Promise.reject(
      new Error(`the CLI bundle ${cliPath} is missing: build the action (npm run build) before running it`),
    );
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: string[] = [];
    let stderr = '';
    const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
    const onInt = forward('SIGINT');
    const onTerm = forward('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    splitLines(child.stdout, (line) => {
      lines.push(line);
      options.onLine?.(line);
    });
    splitLines(child.stderr, (line) => {
      stderr += `${line}\n`;
      options.onError?.(line);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve({ code: code ?? (signal === 'SIGINT' ? 130 : 1), lines, stderr });
    });
  });
}

/** The CLI's own last word on stderr (from its last `ecs-taper deploy: ...` line on, with its hints), else its last line. */
export function cliMessage(stderr: string): string | undefined {
  const lines = stderr
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const own = lines.findLastIndex((line) => /^ecs-taper [a-z]+: /.test(line));
  return own >= 0 ? lines.slice(own).join(' ') : lines.at(-1);
}
