import { taskSetTag } from './task-set-tags';

// The reads that find owners live with the other AWS calls.
export { readAllTaskSetTags, readClusterServices } from './read';

/** A task set is ecs-taper's when it carries our mark; an externalId alone can be CodeDeploy's or anyone's. */
export function isOurs(tags: Record<string, string> | undefined): boolean {
  return tags?.[taskSetTag.deploymentId] !== undefined;
}

/** Who made a task set that is not ours, where the externalId tells. */
export function otherTool(externalId: string | undefined): string {
  if (externalId && /^d-[A-Z0-9]{9}$/.test(externalId)) return `CodeDeploy (deployment ${externalId})`;
  return externalId ? `another tool (externalId ${externalId})` : 'another tool (no externalId)';
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
