import type { AwsClients, Clock } from '@ecs-taper/core';
import { UsageError } from '../exit-codes';
import {
  decode,
  encode,
  type SendRequest,
  type SendResponse,
  type ServiceKey,
  type WorldInfo,
} from './protocol';

/** An AWS error rebuilt from the simulator's answer; core recognises it by `name`, like any SDK error. */
export class SimulatedServiceError extends Error {
  readonly $fault: string | undefined;
  readonly $metadata: Record<string, unknown>;
  constructor(
    name: string,
    message: string,
    fault: string | undefined,
    metadata: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = name;
    this.$fault = fault;
    this.$metadata = metadata;
  }
}

/** Real milliseconds per sleep call to a paced world: a live countdown moves about 10 times a second. */
const SLEEP_CALL_REAL_MS = 100;

/**
 * The CLI's side of `ecs-taper simulator serve`: thin clients whose send(command) posts the command's
 * class name and input, and a clock whose sleep advances the server's world.
 */
export class RemoteWorld {
  private nowMs: number;

  private constructor(
    readonly url: string,
    readonly info: WorldInfo,
  ) {
    this.nowMs = info.now;
  }

  static async connect(url: string): Promise<RemoteWorld> {
    const base = url.replace(/\/+$/, '');
    let info: WorldInfo;
    try {
      info = await getJson<WorldInfo>(`${base}/world`);
    } catch (error) {
      throw new UsageError(
        `--simulator ${url}: no simulator answers there (${(error as Error).message}); start one with \`ecs-taper simulator serve\``,
        'simulator',
      );
    }
    return new RemoteWorld(base, info);
  }

  /** Fresh world facts (mutation counts, time). */
  refresh(): Promise<WorldInfo> {
    return getJson<WorldInfo>(`${this.url}/world`);
  }

  readonly clock: Clock = {
    now: () => this.nowMs,
    sleep: async (ms, signal) => {
      let left = Number.isFinite(ms) ? Math.max(0, ms) : 0;
      do {
        if (signal?.aborted) throw signal.reason;
        // A paced world's waits are cut into short calls, so now() (and a live countdown) keeps moving;
        // an instant world (speed 0) sleeps in one call.
        const speed = this.info.speed;
        const step = speed > 0 ? Math.min(Math.max(1000, speed * SLEEP_CALL_REAL_MS), left) : left;
        const answer = await this.post<{ now: number }>('/sleep', { ms: step }, signal);
        this.nowMs = answer.now;
        left -= step;
      } while (left > 0);
    },
  };

  clients(): AwsClients {
    const client = (service: ServiceKey) => ({
      send: (command: { input?: unknown }): Promise<never> => this.send(service, command),
    });
    return {
      ecs: client('ecs'),
      elbv2: client('elbv2'),
      cloudwatch: client('cloudwatch'),
      applicationAutoScaling: client('applicationAutoScaling'),
    };
  }

  private async send(service: ServiceKey, command: { input?: unknown }): Promise<never> {
    const request: SendRequest = { service, command: command.constructor.name, input: command.input ?? {} };
    const answer = await this.post<SendResponse>('/send', request);
    this.nowMs = answer.now;
    if ('error' in answer) {
      const e = answer.error;
      throw new SimulatedServiceError(e.name, e.message, e.$fault, e.$metadata);
    }
    return answer.output as never;
  }

  private async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    const response = await fetch(`${this.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: encode(body),
      signal,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`simulator ${path}: HTTP ${response.status}: ${text}`);
    return decode<T>(text);
  }
}

async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  const text = await response.text();
  if (!response.ok) throw new Error(`HTTP ${response.status}: ${text}`);
  return decode<T>(text);
}
