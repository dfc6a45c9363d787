// The requests that read and write these tags live with the other AWS calls.
export { readTaskSetTags } from './read';
export { tagTaskSet, untagTaskSet } from './write';

/**
 * Tags on ecs-taper's own new task set. They hold what AWS has no field for and a fresh process (a
 * restarted CLI, the next Lambda) must know: when the swap and the last step happened, which controller
 * drives the deployment, and the Auto Scaling state to restore. ECS tag values allow letters, digits,
 * spaces and `_ . : / = + - @`, so values are plain numbers and space-separated words.
 */
export const taskSetTag = {
  /** Marks the set as ecs-taper's; the value is the deployment id (also the set's externalId). */
  deploymentId: 'ecs-taper:deployment-id',
  /** `<expiresAt epoch ms> <controller id>`: the controller that drives the deployment. */
  lease: 'ecs-taper:lease',
  /** Epoch ms of the first production listener change. */
  swappedAt: 'ecs-taper:swapped-at',
  /** Epoch ms of the last scale-down step, written before the step is applied. */
  lastStepAt: 'ecs-taper:last-step-at',
  /** The scalable target's SuspendedState before the deployment suspended it (see autoscaling.ts). */
  autoScaling: 'ecs-taper:autoscaling',
  /** `<step index>:<epoch ms>`: the step of the list entered last (only for lists with canary, pause or hook steps). */
  step: 'ecs-taper:step',
  /** `<step index>:<epoch ms>` while a pause step waits (what `status` shows). */
  paused: 'ecs-taper:paused',
  /** `<step index>`: `ecs-taper promote` ends the pause at that step. */
  promote: 'ecs-taper:promote',
  /** Set by `ecs-taper abort`: the controller rolls back at its next look. */
  abort: 'ecs-taper:abort',
} as const;

export interface Lease {
  owner: string;
  expiresAt: number;
}

export function encodeLease(lease: Lease): string {
  return `${lease.expiresAt} ${lease.owner}`;
}

export function decodeLease(value: string | undefined): Lease | undefined {
  const match = value === undefined ? null : /^(\d+) (\S+)$/.exec(value);
  if (!match) return undefined;
  return { expiresAt: Number(match[1]), owner: match[2] as string };
}

export function decodeTime(value: string | undefined): number | undefined {
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}
