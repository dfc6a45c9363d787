import type { Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { forwardTargetGroups, readListeners } from '../aws/read';
import { taskSetTag } from '../aws/task-set-tags';
import { modifyListenerForward, modifyListenerWeighted, tagTaskSet, type WeightedTarget } from '../aws/write';
import { EcsTaperError } from '../errors';
import type { StepDefinition } from './step-types';
import type { DeploymentStep } from './types';

type CanaryStep = Extract<DeploymentStep, { type: 'canary' }>;

/** The weights a listener forwards with, by target group (a plain forward is weight 1 to its one group). */
export function listenerWeights(listener: Listener): Map<string, number> {
  const forward = (listener.DefaultActions ?? []).find((action) => action.Type === 'forward');
  const weights = new Map<string, number>();
  const groups = forward?.ForwardConfig?.TargetGroups ?? [];
  if (groups.length > 0) {
    for (const group of groups)
      if (group.TargetGroupArn) weights.set(group.TargetGroupArn, group.Weight ?? 1);
  } else if (forward?.TargetGroupArn) {
    weights.set(forward.TargetGroupArn, 1);
  }
  return weights;
}

function splitsAs(listener: Listener | undefined, wanted: WeightedTarget[]): boolean {
  if (!listener) return false;
  const weights = listenerWeights(listener);
  const positive = [...weights].filter(([, weight]) => weight > 0);
  const wantedPositive = wanted.filter((target) => target.weight > 0);
  return (
    positive.length === wantedPositive.length &&
    wantedPositive.every((target) => weights.get(target.targetGroupArn) === target.weight)
  );
}

/**
 * A canary of new flows: every production listener forwards `weightPercent` of new flows to the new group
 * and the rest to the old one, for `seconds`, judged only once the NLB has applied the weights. ModifyListener
 * returns before every NLB node forwards with the new action and AWS documents no bound, so the window
 * starts `settleSeconds` after the change (the same wait as after a swap; ECS's own NLB canary waits 10
 * minutes per shift). Existing flows never move: an NLB keeps a flow on the target it started on.
 */
export const canaryStep: StepDefinition<CanaryStep> = {
  describe: (step) => `canary: ${step.weightPercent} % of new flows to the new version for ${step.seconds} s`,
  async run(ctx, state, step) {
    const topology = state.topology;
    if (!topology) throw new EcsTaperError('internal: canary before discover resolved the topology');
    const wanted: WeightedTarget[] = [
      { targetGroupArn: topology.oldTargetGroupArn, weight: 100 - step.weightPercent },
      { targetGroupArn: topology.newTargetGroupArn, weight: step.weightPercent },
    ];
    const listeners = await readListeners(ctx, { listenerArns: topology.productionListenerArns });
    const byArn = new Map(listeners.map((listener) => [listener.ListenerArn, listener]));
    let changedAt = state.weightChangedAt ?? state.stepEnteredAt ?? ctx.now;
    let swappedAt = state.swappedAt;
    for (const arn of topology.productionListenerArns) {
      if (splitsAs(byArn.get(arn), wanted)) continue;
      // The first production change: from now clients join the new set, so a rollback retires it at the
      // plan's pace after the propagation window (rollback.ts), as after a swap. Recorded before the change.
      if (swappedAt === undefined && state.newTaskSetArn) {
        await tagTaskSet(ctx, state.newTaskSetArn, { [taskSetTag.swappedAt]: String(ctx.now) });
        swappedAt = ctx.now;
      }
      const changed = await modifyListenerWeighted(ctx, arn, wanted);
      if (changed && !splitsAs(changed, wanted)) {
        throw new EcsTaperError(`listener ${arn} does not split new flows as asked after ModifyListener`);
      }
      changedAt = ctx.now;
    }
    const next = { ...state, weightChangedAt: changedAt, ...(swappedAt === undefined ? {} : { swappedAt }) };
    const judgedFrom = changedAt + state.input.settleSeconds * 1000;
    const endsAt = judgedFrom + step.seconds * 1000;
    if (ctx.now >= endsAt) {
      return {
        kind: 'done',
        detail: `canary at ${step.weightPercent} % passed (${step.seconds} s)`,
        state: next,
      };
    }
    const leftSeconds = Math.ceil((endsAt - ctx.now) / 1000);
    const phase =
      ctx.now < judgedFrom
        ? `waiting ${Math.ceil((judgedFrom - ctx.now) / 1000)} s for the NLB to apply the weights, then ${step.seconds} s`
        : `${leftSeconds} s left`;
    return {
      kind: 'wait',
      seconds: Math.min(state.input.pollIntervalSeconds, leftSeconds),
      detail: `canary at ${step.weightPercent} % of new flows: ${phase}`,
      state: next,
    };
  },
  /** All new flows back to the old group before anything else of the rollback: the canary's own change undone. */
  async beforeRollback(ctx, state) {
    const topology = state.topology;
    if (!topology) return;
    const listeners = await readListeners(ctx, { listenerArns: topology.productionListenerArns });
    for (const listener of listeners) {
      const groups = forwardTargetGroups(listener);
      if (groups.length === 1 && groups[0] === topology.oldTargetGroupArn) continue;
      await modifyListenerForward(ctx, listener.ListenerArn as string, topology.oldTargetGroupArn);
    }
  },
};
