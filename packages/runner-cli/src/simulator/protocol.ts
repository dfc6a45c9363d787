/**
 * The simulator backend's wire format: JSON over HTTP on loopback. SDK outputs carry Date objects
 * (createdAt, updatedAt...), which JSON would flatten to strings; they travel as {"$date": epochMs}.
 */

/** The keys of core's AwsClients (and of the simulator's clients), one per simulated service. */
export type ServiceKey = 'ecs' | 'elbv2' | 'cloudwatch' | 'applicationAutoScaling';

export interface SendRequest {
  service: ServiceKey;
  /** The SDK command's class name, e.g. DescribeServicesCommand. */
  command: string;
  input: unknown;
}

export interface SerializedError {
  name: string;
  message: string;
  $fault?: string;
  $metadata?: Record<string, unknown>;
}

/** Every answer carries the world's time, so a remote clock's now() stays synchronous. */
export type SendResponse = { now: number; output: unknown } | { now: number; error: SerializedError };

export interface WorldInfo {
  now: number;
  /** Simulated seconds per real second (0: as fast as possible). */
  speed: number;
  /** A ready-made deployment input for the world's service (v1 running, deploys v2). */
  input: Record<string, unknown>;
  taskDefinitions: { running: string; next: string };
  /** Successful mutating calls by operation (CreateTaskSet, UpdateTaskSet, ModifyListener...). */
  mutations: Record<string, number>;
}

export function encode(value: unknown): string {
  return JSON.stringify(value, function (this: Record<string, unknown>, key, item) {
    const raw = this[key];
    return raw instanceof Date ? { $date: raw.getTime() } : item;
  });
}

export function decode<T>(text: string): T {
  return JSON.parse(text, (_key, item) => {
    if (item && typeof item === 'object' && !Array.isArray(item)) {
      const keys = Object.keys(item);
      if (keys.length === 1 && keys[0] === '$date' && typeof item.$date === 'number')
        return new Date(item.$date);
    }
    return item;
  }) as T;
}
