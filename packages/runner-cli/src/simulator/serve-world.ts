import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as applicationAutoScaling from '@aws-sdk/client-application-auto-scaling';
import * as cloudwatch from '@aws-sdk/client-cloudwatch';
import * as ecs from '@aws-sdk/client-ecs';
import * as elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  type BuiltWorld,
  buildWorld,
  type ScalableTargetOptions,
  simulateDefaults,
} from '@ecs-taper/simulator';
import { pacedSleep } from './pace';
import {
  decode,
  encode,
  type SendRequest,
  type SendResponse,
  type SerializedError,
  type ServiceKey,
  type WorldInfo,
} from './protocol';

export interface ServeOptions {
  host: string;
  port: number;
  /** Simulated seconds per real second; 0 runs waits as fast as possible. */
  speed: number;
  tasks: number;
  connectionsPerTask: number;
  randomSeed: number;
  badVersion?: 'unhealthy' | 'crash';
  throttleRate?: number;
  /** Register the service as an Application Auto Scaling scalable target (none by default). */
  scalableTarget?: ScalableTargetOptions;
  /** Called for every successful or failed mutating call. */
  onMutation?: (line: string) => void;
}

/** The SDK module of each service, where a command is found by its class name. */
const commandModules: Record<ServiceKey, Record<string, unknown>> = {
  ecs,
  elbv2,
  cloudwatch,
  applicationAutoScaling,
};

/**
 * One simulated world behind a loopback JSON-over-HTTP API, so that separate CLI processes (deploy,
 * status, rollback, a deploy killed and started again) act on the same ECS service and NLB:
 * - GET  /world  -> WorldInfo (time, speed, a ready-made input, mutation counts)
 * - POST /send   {service, command, input} -> {now, output} | {now, error}  (SDK command by class name)
 * - POST /sleep  {ms} -> {now}  (advances the world; paced by `speed`)
 * Time moves only while a client sleeps, as in the in-process simulator.
 */
export function serveWorld(options: ServeOptions): { server: Server; built: BuiltWorld } {
  const built = buildWorld({
    tasks: options.tasks,
    connectionsPerTask: options.connectionsPerTask,
    randomSeed: options.randomSeed,
    deregistrationDelaySeconds: simulateDefaults.deregistrationDelaySeconds,
    reconnect: { kind: 'jitter', maxSeconds: simulateDefaults.reconnectJitterSeconds },
    scalableTarget: options.scalableTarget,
  });
  const { world, refs, clock } = built;
  if (options.badVersion) world.faults.badVersion = { taskDefinition: refs.v2.arn, mode: options.badVersion };
  if (options.throttleRate) world.faults.throttle = { rate: options.throttleRate };
  // Start a little after the world's creation, as `simulate` does: a task set created by a deployment
  // then never shares its createdAt with the initial one (both would be the epoch).
  clock.advanceBy(simulateDefaults.leadInSeconds * 1000);
  const mutations: Record<string, number> = {};
  world.onApiCall((call) => {
    if (!call.mutating) return;
    if (call.ok) mutations[call.operation] = (mutations[call.operation] ?? 0) + 1;
    const at = `+${(call.at / 1000).toFixed(0)}s`;
    options.onMutation?.(
      `${at} ${call.service} ${call.operation} ${call.ok ? 'ok' : (call.error?.name ?? 'failed')}`,
    );
  });

  const info = (): WorldInfo => ({
    now: clock.now(),
    speed: options.speed,
    input: { ...built.input },
    taskDefinitions: { running: refs.v1.arn, next: refs.v2.arn },
    mutations: { ...mutations },
  });

  async function send(request: SendRequest): Promise<SendResponse> {
    const module = Object.hasOwn(commandModules, request.service)
      ? commandModules[request.service]
      : undefined;
    const Command =
      module && /^[A-Z][A-Za-z0-9]*Command$/.test(request.command) ? module[request.command] : undefined;
    if (!module || typeof Command !== 'function') {
      const error = {
        name: 'UnsupportedCommandError',
        message: `unknown command ${request.service}.${request.command}`,
      };
      return { now: clock.now(), error };
    }
    const client = world.clients[request.service] as unknown as { send(command: unknown): Promise<unknown> };
    try {
      const output = await client.send(new (Command as new (input: unknown) => unknown)(request.input));
      return { now: clock.now(), output };
    } catch (error) {
      return { now: clock.now(), error: serializeError(error) };
    }
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => reply(res, 500, { error: serializeError(error) }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET' && req.url === '/world') return reply(res, 200, info());
    if (req.method !== 'POST')
      return reply(res, 404, { error: { name: 'NotFound', message: `${req.method} ${req.url}` } });
    const body = decode<Record<string, unknown>>(await readBody(req));
    if (req.url === '/send') return reply(res, 200, await send(body as unknown as SendRequest));
    if (req.url === '/sleep') {
      let gone = false;
      res.on('close', () => {
        gone = true;
      });
      await pacedSleep(clock, Number(body.ms) || 0, options.speed, undefined, () => gone);
      return reply(res, 200, { now: clock.now() });
    }
    reply(res, 404, { error: { name: 'NotFound', message: `POST ${req.url}` } });
  }
  server.listen(options.port, options.host);
  return { server, built };
}

function serializeError(error: unknown): SerializedError {
  if (!(error instanceof Error)) return { name: 'Error', message: String(error) };
  const e = error as Error & { $fault?: string; $metadata?: Record<string, unknown> };
  return { name: e.name, message: e.message, $fault: e.$fault, $metadata: e.$metadata };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function reply(res: ServerResponse, status: number, body: unknown): void {
  const text = encode(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
