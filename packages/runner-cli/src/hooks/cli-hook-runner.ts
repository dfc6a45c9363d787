import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import {
  type HookContext,
  type HookResult,
  type HookRunner,
  type HookSpec,
  type HookStage,
  hookEnvironment,
  hookTimeoutDefaultSeconds,
} from '@ecs-taper/core';
import { httpHook, httpHookUnsupported } from '@ecs-taper/core/workflow';

export interface HookOutputInfo {
  stage: HookStage;
  stream: 'stdout' | 'stderr';
  /** The line as the hook wrote it, without the prefix. */
  text: string;
}

export interface CliHookRunnerOptions {
  /** Every line a command hook writes (stdout and stderr), as `[stage] text`. */
  onOutput?: (line: string, info: HookOutputInfo) => void;
  /**
   * Runs `functionName` hooks: the CLI passes runner-lambda's `lambdaHookRunner` with a Lambda client
   * and core's `hookTimeoutMaxSeconds`. Without it a function hook is unsupported.
   */
  functionHooks?: HookRunner;
  /** The environment a command starts from; the context's ECS_TAPER_* variables are added. Default `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Default `/bin/sh`. */
  shell?: string;
  /** After SIGTERM, how long a command's process group has before SIGKILL. Default 5. */
  killGraceSeconds?: number;
}

/** How many of the last output lines go into a failing hook's detail, and how long each may be there. */
const tailLines = 3;
const tailLineChars = 200;
/** A longer line is passed on in pieces of this size (memory stays bounded without newlines). */
const maxLineChars = 8192;

/**
 * Hooks for the CLI. A `command` runs as `/bin/sh -c command` in its own process group, with the
 * context only in its environment (`hookEnvironment`: ECS_TAPER_DEPLOYMENT_ID, ..., ECS_TAPER_CONTEXT),
 * never in the command line, so no context value is ever parsed by the shell. It passes with exit code 0.
 *
 * When it times out or the run is aborted, the whole group gets SIGTERM, and SIGKILL `killGraceSeconds`
 * later: a command that ignores SIGTERM or left children behind does not outlive its hook. The same
 * happens to what a command leaves running after it exits (background jobs are the hook's, and end with
 * it); only a process that leaves the group (`setsid`) survives. A `url` is POSTed to (core's
 * `httpHook`); a `functionName` goes to `functionHooks`.
 */
export function cliHookRunner(options: CliHookRunnerOptions = {}): HookRunner {
  const shell = options.shell ?? '/bin/sh';
  const graceMs = (options.killGraceSeconds ?? 5) * 1000;

  function unsupported(spec: HookSpec): string | undefined {
    if (spec.command !== undefined) {
      if (!spec.command.trim()) return 'the hook command is empty';
      if (process.platform === 'win32')
        return `a hook command runs through ${shell}, which Windows does not have`;
      return undefined;
    }
    if (spec.url !== undefined) return httpHookUnsupported(spec.url);
    if (spec.functionName !== undefined) {
      if (!options.functionHooks) {
        return 'this CLI runner cannot invoke a Lambda function; use a command or a url hook, or the Step Functions runner';
      }
      return options.functionHooks.unsupported(spec);
    }
    return 'a hook needs one of command, functionName or url';
  }

  async function run(spec: HookSpec, context: HookContext, signal?: AbortSignal): Promise<HookResult> {
    const reason = unsupported(spec);
    if (reason) return { ok: false, detail: reason };
    const timeoutSeconds = spec.timeoutSeconds ?? hookTimeoutDefaultSeconds;
    if (spec.url !== undefined) return httpHook(spec.url, context, { timeoutSeconds, signal });
    if (spec.functionName !== undefined && options.functionHooks) {
      return options.functionHooks.run(spec, context, signal);
    }
    return runCommand(spec.command as string, context, timeoutSeconds, signal);
  }

  function runCommand(
    command: string,
    context: HookContext,
    timeoutSeconds: number,
    signal: AbortSignal | undefined,
  ): Promise<HookResult> {
    if (signal?.aborted) return Promise.resolve({ ok: false, detail: 'aborted' });
    let pid: number | undefined;
    return new Promise((resolve) => {
      const tail = new OutputTail(tailLines);
      const emit = (stream: 'stdout' | 'stderr') => (text: string) => {
        tail.push(text);
        options.onOutput?.(`[${context.stage}] ${text}`, { stage: context.stage, stream, text });
      };
      const child = spawn(shell, ['-c', command], {
        env: { ...(options.env ?? process.env), ...hookEnvironment(context) },
        stdio: ['ignore', 'pipe', 'pipe'],
        // Its own process group: the group id is its pid, and `kill(-pid)` reaches every process in it.
        detached: true,
      });
      pid = child.pid;
      const out = new LineSplitter(emit('stdout'));
      const err = new LineSplitter(emit('stderr'));
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk));

      let stopped: 'timeout' | 'abort' | undefined;
      let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
      let killTimer: NodeJS.Timeout | undefined;
      let startError: Error | undefined;

      const signalGroup = (name: NodeJS.Signals) => {
        if (pid === undefined) return;
        try {
          process.kill(-pid, name);
        } catch {
          // ESRCH: nothing left in the group.
        }
      };
      const endGroup = () => {
        if (killTimer) return;
        signalGroup('SIGTERM');
        killTimer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      };
      const stop = (why: 'timeout' | 'abort') => {
        if (exited || stopped) return;
        stopped = why;
        endGroup();
      };
      const timer = setTimeout(() => stop('timeout'), timeoutSeconds * 1000);
      const onAbort = () => stop('abort');
      signal?.addEventListener('abort', onAbort, { once: true });

      child.on('error', (error) => {
        startError = error;
      });
      child.on('exit', (code, exitSignal) => {
        exited = { code, signal: exitSignal };
        clearTimeout(timer);
        // What it left running in its group (background jobs) ends with it.
        endGroup();
      });
      child.on('close', (code, closeSignal) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        out.end();
        err.end();
        const seen = exited ?? { code, signal: closeSignal };
        // Its pipes are closed; a process that redirected its output may still be in the group. It has
        // had SIGTERM and gets SIGKILL at the end of the grace time: wait for it (bounded, in case a
        // member cannot be signalled).
        endGroup();
        const giveUpAt = Date.now() + graceMs + 1000;
        const settle = () => {
          if (groupAlive() && Date.now() < giveUpAt) {
            setTimeout(settle, 50);
            return;
          }
          clearTimeout(killTimer);
          signalGroup('SIGKILL');
          resolve(result(seen, stopped, startError, timeoutSeconds, tail.lines()));
        };
        settle();
      });
    });

    function groupAlive(): boolean {
      return pid !== undefined && groupHasLiveMember(pid);
    }
  }

  return { unsupported, run };

  function result(
    exit: { code: number | null; signal: NodeJS.Signals | null },
    stopped: 'timeout' | 'abort' | undefined,
    startError: Error | undefined,
    timeoutSeconds: number,
    lines: string[],
  ): HookResult {
    const withTail = (what: string) => (lines.length > 0 ? `${what}: ${lines.join(' | ')}` : what);
    if (startError) return { ok: false, detail: `could not start ${shell}: ${startError.message}` };
    if (stopped === 'timeout') return { ok: false, detail: withTail(`timed out after ${timeoutSeconds} s`) };
    if (stopped === 'abort') return { ok: false, detail: withTail('aborted') };
    if (exit.code === 0) return { ok: true, detail: 'exit code 0' };
    if (exit.code !== null) return { ok: false, detail: withTail(`exit code ${exit.code}`) };
    return { ok: false, detail: withTail(`killed by ${exit.signal ?? 'a signal'}`) };
  }
}

/**
 * Whether a process of group `pgid` still runs. `kill(-pgid, 0)` alone also counts zombies, and the
 * orphans of a killed hook are zombies until PID 1 reaps them, which a container's PID 1 may do late
 * or never; on Linux, /proc tells them apart.
 */
function groupHasLiveMember(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (pgrp === String(pgid) && state !== 'Z' && state !== 'X') return true;
  }
  return false;
}

/** Splits a stream into lines; a line longer than `maxLineChars` is passed on in pieces. */
class LineSplitter {
  private pending = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string): void {
    this.pending += chunk;
    let newline = this.pending.indexOf('\n');
    while (newline >= 0) {
      this.onLine(this.pending.slice(0, newline).replace(/\r$/, ''));
      this.pending = this.pending.slice(newline + 1);
      newline = this.pending.indexOf('\n');
    }
    while (this.pending.length > maxLineChars) {
      this.onLine(this.pending.slice(0, maxLineChars));
      this.pending = this.pending.slice(maxLineChars);
    }
  }

  end(): void {
    if (this.pending) this.onLine(this.pending.replace(/\r$/, ''));
    this.pending = '';
  }
}

/** The last few non-blank lines, each made one short line: only these are kept, whatever the output. */
class OutputTail {
  private readonly kept: string[] = [];
  constructor(private readonly size: number) {}

  push(line: string): void {
    const text = line
      .replace(/\p{Cc}+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    if (!text) return;
    this.kept.push(text.length > tailLineChars ? `${text.slice(0, tailLineChars)} ...` : text);
    if (this.kept.length > this.size) this.kept.shift();
  }

  lines(): string[] {
    return [...this.kept];
  }
}
