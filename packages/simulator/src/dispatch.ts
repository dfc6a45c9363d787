import type { SimContext } from './context.js';
import { injectedFault, operationName, type ServiceErrorFactory } from './faults.js';

/** Thrown (as a rejected promise) for a command the simulated client does not implement. */
export class UnsupportedCommandError extends Error {
  readonly commandName: string;
  readonly service: string;
  constructor(service: string, commandName: string, supported: readonly string[]) {
    super(
      `The simulated ${service} client does not support ${commandName}. Supported commands: ${supported.join(', ')}.`,
    );
    this.name = 'UnsupportedCommandError';
    this.service = service;
    this.commandName = commandName;
  }
}

/** One API call as the simulator saw it. */
export interface ApiCall {
  service: 'ECS' | 'ELBv2' | 'CloudWatch' | 'ApplicationAutoScaling';
  /** Operation name without the `Command` suffix, e.g. `UpdateTaskSet`. */
  operation: string;
  input: unknown;
  /** Simulated ms since the world started. */
  at: number;
  mutating: boolean;
  ok: boolean;
  error: Error | undefined;
}

export const MUTATING_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateService',
  'CreateTaskSet',
  'UpdateTaskSet',
  'UpdateServicePrimaryTaskSet',
  'DeleteTaskSet',
  'ModifyListener',
  'AddTags',
  'RemoveTags',
  'TagResource',
  'UntagResource',
  'RegisterScalableTarget',
]);

const REQUEST_ID_PREFIX: Record<ApiCall['service'], string> = {
  ECS: '0ec5',
  ELBv2: '0e1b',
  CloudWatch: '0c1d',
  ApplicationAutoScaling: '0a55',
};

type AnyHandler = (input: never) => object;
// biome-ignore lint/suspicious/noExplicitAny: SDK command constructors have many shapes; only identity matters here.
type CommandConstructor = abstract new (...args: any[]) => unknown;

/**
 * Routes `send(command)` to a handler by the command's class (falling back to the class name, so a
 * second bundled copy of the SDK still works), counts the call, injects faults, and reports every
 * call to the world's listeners. API calls take no simulated time.
 */
export class Dispatcher {
  private readonly byClass = new Map<unknown, { operation: string; handler: AnyHandler }>();
  private readonly byName = new Map<string, { operation: string; handler: AnyHandler }>();
  private requestCounter = 0;

  constructor(
    private readonly service: ApiCall['service'],
    private readonly ctx: SimContext,
    private readonly makeError: ServiceErrorFactory,
    private readonly report: (call: ApiCall) => void,
  ) {}

  on<C extends abstract new (...args: never[]) => { input: unknown }>(
    command: C,
    handler: (input: NonNullable<InstanceType<C>['input']>) => object,
  ): this {
    const entry = { operation: operationName(command.name), handler: handler as AnyHandler };
    this.byClass.set(command, entry);
    this.byName.set(command.name, entry);
    return this;
  }

  async send(command: { input?: unknown }): Promise<never> {
    const ctor = (command as { constructor?: CommandConstructor }).constructor;
    const entry = this.byClass.get(ctor) ?? (ctor ? this.byName.get(ctor.name) : undefined);
    if (!entry) {
      const supported = [...this.byName.keys()];
      throw new UnsupportedCommandError(this.service, ctor?.name ?? typeof command, supported);
    }
    const { operation } = entry;
    const call: ApiCall = {
      service: this.service,
      operation,
      input: command.input,
      at: this.ctx.clock.elapsedMs,
      mutating: MUTATING_OPERATIONS.has(operation),
      ok: false,
      error: undefined,
    };
    const requestId = this.nextRequestId();
    try {
      const fault = injectedFault(
        this.ctx.faults,
        operation,
        this.ctx.rng.faults,
        this.makeError,
        this.service,
      );
      if (fault) throw fault;
      const output = entry.handler((command.input ?? {}) as never);
      call.ok = true;
      return {
        ...output,
        $metadata: { httpStatusCode: 200, requestId, attempts: 1, totalRetryDelay: 0 },
      } as never;
    } catch (error) {
      call.error = error as Error;
      const metadata = (error as { $metadata?: Record<string, unknown> }).$metadata;
      if (metadata && typeof metadata === 'object') metadata.requestId = requestId;
      throw error;
    } finally {
      this.ctx.metrics.recordApiCall(operation, call.error?.name);
      this.report(call);
    }
  }

  private nextRequestId(): string {
    const n = (this.requestCounter++).toString(16).padStart(12, '0');
    const prefix = REQUEST_ID_PREFIX[this.service];
    return `${prefix}0000-0000-4000-8000-${n}`;
  }
}
