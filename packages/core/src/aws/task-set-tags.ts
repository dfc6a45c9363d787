import { DescribeTaskSetsCommand, TagResourceCommand, UntagResourceCommand } from '@aws-sdk/client-ecs';
import type { ResolvedInput } from '../input';
import { callAws } from './call-aws';
import type { PhaseContext } from './read';

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

/** The set's tags, or undefined when ECS no longer has the set (deleted, or DRAINING). */
export async function readTaskSetTags(
  ctx: PhaseContext,
  input: Pick<ResolvedInput, 'cluster' | 'service'>,
  taskSetArn: string,
): Promise<Record<string, string> | undefined> {
  const output = await callAws(
    `reading tags of task set ${taskSetArn}`,
    () =>
      ctx.aws.ecs.send(
        new DescribeTaskSetsCommand({
          cluster: input.cluster,
          service: input.service,
          taskSets: [taskSetArn],
          include: ['TAGS'],
        }),
      ),
    ctx.retry,
  );
  const set = output.taskSets?.find((s) => s.taskSetArn === taskSetArn && s.status !== 'DRAINING');
  if (!set) return undefined;
  return Object.fromEntries((set.tags ?? []).map((tag) => [tag.key ?? '', tag.value ?? '']));
}

export async function tagTaskSet(
  ctx: PhaseContext,
  taskSetArn: string,
  tags: Record<string, string>,
): Promise<void> {
  await callAws(
    `tagging task set ${taskSetArn} (${Object.keys(tags).join(', ')})`,
    () =>
      ctx.aws.ecs.send(
        new TagResourceCommand({
          resourceArn: taskSetArn,
          tags: Object.entries(tags).map(([key, value]) => ({ key, value })),
        }),
      ),
    ctx.retry,
  );
}

export async function untagTaskSet(ctx: PhaseContext, taskSetArn: string, keys: string[]): Promise<void> {
  await callAws(
    `removing tags ${keys.join(', ')} from task set ${taskSetArn}`,
    () => ctx.aws.ecs.send(new UntagResourceCommand({ resourceArn: taskSetArn, tagKeys: keys })),
    ctx.retry,
  );
}
