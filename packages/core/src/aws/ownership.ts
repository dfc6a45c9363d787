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
