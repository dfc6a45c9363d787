import type { Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { forwardTargetGroups, type PhaseContext, readListeners, readService, readTags } from '../aws/read';
import { taskSetTag } from '../aws/task-set-tags';
import {
  modifyListenerForward,
  tagTargetGroup,
  tagTaskSet,
  untagTargetGroup,
  updateServicePrimaryTaskSet,
} from '../aws/write';
import { EcsTaperError } from '../errors';
import type { ResolvedInput } from '../input';
import { type DeploymentState, go, type PhaseResult, type Topology } from '../state';

/** Informational tags on the target groups; the listeners' default actions are the truth. */
export const roleTag = 'ecs-taper:role';
export const deploymentTag = taskSetTag.deploymentId;

export interface SwapObservation {
  listeners: Listener[];
  tags: Map<string, Record<string, string>>;
  primaryTaskSetArn: string | undefined;
}

/** Which way to point things: forward (to the new version) or back (rollback). */
export interface SwapTarget {
  liveTargetGroupArn: string;
  standbyTargetGroupArn: string;
  primaryTaskSetArn: string | undefined;
  /** Recorded on the live group when moving forward; absent on rollback. */
  deploymentId?: string;
}

export type SwapAction =
  | { kind: 'modify-listener'; listenerArn: string; targetGroupArn: string }
  | { kind: 'add-tags'; targetGroupArn: string; tags: Record<string, string> }
  | { kind: 'remove-tags'; targetGroupArn: string; keys: string[] }
  | { kind: 'set-primary'; taskSetArn: string };

export async function observe(
  ctx: PhaseContext,
  input: ResolvedInput,
  topology: Topology,
): Promise<SwapObservation> {
  const listeners = await readListeners(ctx, {
    listenerArns: [...topology.productionListenerArns, topology.testListenerArn],
  });
  const tags = await readTags(ctx, [topology.oldTargetGroupArn, topology.newTargetGroupArn]);
  const service = await readService(ctx, input.cluster, input.service);
  const primary = service?.taskSets?.find((set) => set.status === 'PRIMARY');
  return { listeners, tags, primaryTaskSetArn: primary?.taskSetArn };
}

function forwardsOnlyTo(listener: Listener | undefined, targetGroupArn: string): boolean {
  const groups = listener ? forwardTargetGroups(listener) : [];
  return groups.length === 1 && groups[0] === targetGroupArn;
}

/** Pure: the mutations still missing, in order (listeners first: they are what moves traffic). An empty list is done. */
export function decide(seen: SwapObservation, topology: Topology, target: SwapTarget): SwapAction[] {
  const actions: SwapAction[] = [];
  const byArn = new Map(seen.listeners.map((l) => [l.ListenerArn, l]));
  for (const arn of topology.productionListenerArns) {
    if (!forwardsOnlyTo(byArn.get(arn), target.liveTargetGroupArn)) {
      actions.push({ kind: 'modify-listener', listenerArn: arn, targetGroupArn: target.liveTargetGroupArn });
    }
  }
  if (!forwardsOnlyTo(byArn.get(topology.testListenerArn), target.standbyTargetGroupArn)) {
    actions.push({
      kind: 'modify-listener',
      listenerArn: topology.testListenerArn,
      targetGroupArn: target.standbyTargetGroupArn,
    });
  }
  const liveTags = seen.tags.get(target.liveTargetGroupArn) ?? {};
  if (
    liveTags[roleTag] !== 'live' ||
    (target.deploymentId && liveTags[deploymentTag] !== target.deploymentId)
  ) {
    actions.push({
      kind: 'add-tags',
      targetGroupArn: target.liveTargetGroupArn,
      tags: { [roleTag]: 'live', ...(target.deploymentId ? { [deploymentTag]: target.deploymentId } : {}) },
    });
  }
  const standbyTags = seen.tags.get(target.standbyTargetGroupArn) ?? {};
  if (standbyTags[roleTag] !== 'standby') {
    actions.push({
      kind: 'add-tags',
      targetGroupArn: target.standbyTargetGroupArn,
      tags: { [roleTag]: 'standby' },
    });
  }
  if (deploymentTag in standbyTags) {
    actions.push({
      kind: 'remove-tags',
      targetGroupArn: target.standbyTargetGroupArn,
      keys: [deploymentTag],
    });
  }
  if (target.primaryTaskSetArn && seen.primaryTaskSetArn !== target.primaryTaskSetArn) {
    actions.push({ kind: 'set-primary', taskSetArn: target.primaryTaskSetArn });
  }
  return actions;
}

/** Returns, for a listener change, the listener as ModifyListener's response describes it. */
export async function act(
  ctx: PhaseContext,
  input: ResolvedInput,
  action: SwapAction,
): Promise<Listener | undefined> {
  switch (action.kind) {
    case 'modify-listener':
      return modifyListenerForward(ctx, action.listenerArn, action.targetGroupArn);
    case 'add-tags':
      await tagTargetGroup(ctx, action.targetGroupArn, action.tags);
      return;
    case 'remove-tags':
      await untagTargetGroup(ctx, action.targetGroupArn, action.keys);
      return;
    case 'set-primary':
      await updateServicePrimaryTaskSet(ctx, input, action.taskSetArn);
      return;
  }
}

/**
 * Points the listeners (and tags, and the primary task set) at `target`, then reads the listeners back:
 * a swap is confirmed by what DescribeListeners says, never assumed from a 200.
 */
export async function pointListeners(
  ctx: PhaseContext,
  input: ResolvedInput,
  topology: Topology,
  target: SwapTarget,
  beforeProductionChange?: () => Promise<void>,
): Promise<SwapAction[]> {
  const actions = decide(await observe(ctx, input, topology), topology, target);
  const production = new Set(topology.productionListenerArns);
  if (
    beforeProductionChange &&
    actions.some((a) => a.kind === 'modify-listener' && production.has(a.listenerArn))
  ) {
    await beforeProductionChange();
  }
  // ELBv2 is eventually consistent too: a listener that ModifyListener's own response shows as changed
  // counts as changed even if the read-back still shows the old action.
  const confirmedByResponse = new Set<string>();
  for (const action of actions) {
    const changed = await act(ctx, input, action);
    if (changed && forwardsOnlyTo(changed, target.liveTargetGroupArn))
      confirmedByResponse.add(changed.ListenerArn ?? '');
  }
  if (actions.some((action) => action.kind === 'modify-listener')) {
    const confirm = await readListeners(ctx, { listenerArns: topology.productionListenerArns });
    const stray = confirm.find(
      (l) => !forwardsOnlyTo(l, target.liveTargetGroupArn) && !confirmedByResponse.has(l.ListenerArn ?? ''),
    );
    if (stray) {
      throw new EcsTaperError(
        `listener ${stray.ListenerArn} still forwards to ${forwardTargetGroups(stray).join(', ')} after ModifyListener`,
      );
    }
  }
  return actions;
}

/** Phase: production listeners to the new target group, test listener to the old one, new set primary. */
export async function swapListener(ctx: PhaseContext, state: DeploymentState): Promise<PhaseResult> {
  const topology = state.topology;
  if (!topology) throw new EcsTaperError('internal: swap before discover resolved the topology');
  let swappedAt = state.swappedAt;
  const newTaskSetArn = state.newTaskSetArn;
  // The swap time goes on the new set before production moves, so a controller restarted at any point
  // after the swap still waits the settle time from it (at worst from a few seconds before it).
  const recordSwapTime = async () => {
    swappedAt = ctx.now;
    if (newTaskSetArn) await tagTaskSet(ctx, newTaskSetArn, { [taskSetTag.swappedAt]: String(ctx.now) });
  };
  const actions = await pointListeners(
    ctx,
    state.input,
    topology,
    {
      liveTargetGroupArn: topology.newTargetGroupArn,
      standbyTargetGroupArn: topology.oldTargetGroupArn,
      primaryTaskSetArn: newTaskSetArn,
      deploymentId: state.deploymentId,
    },
    recordSwapTime,
  );
  const detail =
    actions.length === 0 ? 'already swapped' : `swapped (${actions.map((a) => a.kind).join(', ')})`;
  return { state: { ...state, swappedAt: swappedAt ?? ctx.now }, next: go('settle', detail) };
}
