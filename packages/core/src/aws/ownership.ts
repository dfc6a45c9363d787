import {
  DescribeServicesCommand,
  DescribeTaskSetsCommand,
  ListServicesCommand,
  type Service,
} from '@aws-sdk/client-ecs';
import type { ResolvedInput } from '../input';
import { callAws } from './call-aws';
import type { PhaseContext } from './read';
import { taskSetTag } from './task-set-tags';

/** Tags of every task set of the service, by ARN (one DescribeTaskSets call). */
export async function readAllTaskSetTags(
  ctx: PhaseContext,
  input: Pick<ResolvedInput, 'cluster' | 'service'>,
): Promise<Map<string, Record<string, string>>> {
  const output = await callAws(
    `reading the task sets of service ${input.service}`,
    () =>
      ctx.aws.ecs.send(
        new DescribeTaskSetsCommand({ cluster: input.cluster, service: input.service, include: ['TAGS'] }),
      ),
    ctx.retry,
  );
  const tags = new Map<string, Record<string, string>>();
  for (const set of output.taskSets ?? []) {
    tags.set(
      set.taskSetArn ?? '',
      Object.fromEntries((set.tags ?? []).map((t) => [t.key ?? '', t.value ?? ''])),
    );
  }
  return tags;
}

/** A task set is ecs-taper's when it carries our mark; an externalId alone can be CodeDeploy's or anyone's. */
export function isOurs(tags: Record<string, string> | undefined): boolean {
  return tags?.[taskSetTag.deploymentId] !== undefined;
}

/** Who made a task set that is not ours, where the externalId tells. */
export function otherTool(externalId: string | undefined): string {
  if (externalId && /^d-[A-Z0-9]{9}$/.test(externalId)) return `CodeDeploy (deployment ${externalId})`;
  return externalId ? `another tool (externalId ${externalId})` : 'another tool (no externalId)';
}

/** The cluster's active services, with their task sets (ListServices, then DescribeServices 10 at a time). */
export async function readClusterServices(ctx: PhaseContext, cluster: string): Promise<Service[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await callAws(
      `listing the services of cluster ${cluster}`,
      () => ctx.aws.ecs.send(new ListServicesCommand({ cluster, nextToken, maxResults: 100 })),
      ctx.retry,
    );
    arns.push(...(page.serviceArns ?? []));
    nextToken = page.nextToken;
  } while (nextToken && arns.length < 1000);
  const services: Service[] = [];
  for (let i = 0; i < arns.length; i += 10) {
    const batch = arns.slice(i, i + 10);
    const output = await callAws(
      `describing services of cluster ${cluster}`,
      () => ctx.aws.ecs.send(new DescribeServicesCommand({ cluster, services: batch })),
      ctx.retry,
    );
    services.push(...(output.services ?? []).filter((s) => s.status !== 'INACTIVE'));
  }
  return services;
}

/** Levenshtein distance, for "did you mean". */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}

/** The closest of `names` to `wanted` within a third of its length, if any. */
export function didYouMean(wanted: string, names: string[]): string | undefined {
  const scored = names
    .filter((n) => n !== wanted)
    .map((name) => ({ name, d: distance(wanted.toLowerCase(), name.toLowerCase()) }))
    .sort((a, b) => a.d - b.d);
  const best = scored[0];
  return best && best.d <= Math.max(2, Math.floor(wanted.length / 3)) ? best.name : undefined;
}
