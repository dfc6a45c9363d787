import type { TaskSet } from '@aws-sdk/client-ecs';

/** ECS stores full ARNs; the input may say `family:revision` or a full ARN. */
export function sameTaskDefinition(stored: string | undefined, wanted: string): boolean {
  if (!stored) return false;
  return stored === wanted || stored.endsWith(`:task-definition/${wanted}`) || stored.endsWith(`/${wanted}`);
}

export function taskCounts(set: TaskSet | undefined) {
  return set
    ? {
        running: set.runningCount ?? 0,
        pending: set.pendingCount ?? 0,
        desired: set.computedDesiredCount ?? 0,
      }
    : undefined;
}

/**
 * When two deployments create task sets on the same standby group at the same moment, both compute the
 * same winner: the set ECS created first, ties broken by id. The loser backs out; the winner goes on.
 */
export function lockWinner(sets: TaskSet[]): TaskSet | undefined {
  return [...sets].sort((a, b) => {
    const byTime = (a.createdAt?.getTime() ?? 0) - (b.createdAt?.getTime() ?? 0);
    if (byTime !== 0) return byTime;
    // Code-unit order, not localeCompare: every runner (any locale, any ICU build) must pick the same winner.
    const idA = a.externalId ?? a.id ?? '';
    const idB = b.externalId ?? b.id ?? '';
    return idA < idB ? -1 : idA > idB ? 1 : 0;
  })[0];
}
