import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import type { SimContext } from '../context.js';
import {
  type RoutingIndex,
  type SimListener,
  type SimTarget,
  type SimTargetGroup,
  weightedTargetGroups,
} from './model.js';

/**
 * The NLB data plane: where a new flow arriving on a listener goes. Existing flows never move.
 * After ModifyListener, a new flow still follows the previous actions with a probability that falls
 * linearly from 1 to 0 over `listener.propagationSeconds`.
 */
export class Routing {
  constructor(private readonly ctx: SimContext) {}

  modify(listener: SimListener, actions: Action[]): void {
    const now = this.ctx.clock.elapsedMs;
    listener.previous = { actions: listener.defaultActions, changedAt: now };
    listener.defaultActions = actions;
    this.ctx.health.refreshUsage();
  }

  /** The actions a new flow follows right now. */
  effectiveActions(listener: SimListener): Action[] {
    const previous = listener.previous;
    if (!previous) return listener.defaultActions;
    const windowMs = this.ctx.settings.listener.propagationSeconds * 1000;
    const age = this.ctx.clock.elapsedMs - previous.changedAt;
    if (age >= windowMs) return listener.defaultActions;
    const oldShare = 1 - age / windowMs;
    return this.ctx.rng.routing.next() < oldShare ? previous.actions : listener.defaultActions;
  }

  /** Picks the target group for a new flow by weight. */
  chooseGroup(listener: SimListener): SimTargetGroup | undefined {
    const groups = this.resolve(this.effectiveActions(listener));
    if (groups.length === 1) return groups[0]?.group;
    let total = 0;
    for (const g of groups) total += g.weight;
    let roll = this.ctx.rng.routing.next() * total;
    for (const g of groups) {
      roll -= g.weight;
      if (roll < 0) return g.group;
    }
    return groups[groups.length - 1]?.group;
  }

  /**
   * How `chooseTarget` finds its target: `indexed` (the default) keeps per group the arrays of healthy
   * and routable targets, rebuilt only after a change, so a new flow costs O(1) amortised; `scan`, the
   * earlier implementation, walks every target twice per new flow (kept for the benchmark). Both draw
   * the same random number and map it to the same target.
   */
  implementation: 'indexed' | 'scan' = 'indexed';

  /** A random healthy target; fails open to every registered (non-draining) target when none is healthy. */
  chooseTarget(group: SimTargetGroup): SimTarget | undefined {
    if (this.implementation === 'scan') return this.chooseTargetByScan(group);
    const index = group.routingIndex ?? this.buildIndex(group);
    const pool = index.healthy.length === 0 ? index.routable : index.healthy;
    // One draw even when the pool is empty, as the scan does, so the random stream stays the same.
    return pool[this.ctx.rng.routing.int(pool.length)];
  }

  /** The healthy and the routable targets of the group, in the order of its map (the scan's order). */
  private buildIndex(group: SimTargetGroup): RoutingIndex {
    const index: RoutingIndex = { healthy: [], routable: [] };
    for (const target of group.targets.values()) {
      if (target.state === 'draining') continue;
      index.routable.push(target);
      if (target.state === 'healthy') index.healthy.push(target);
    }
    group.routingIndex = index;
    return index;
  }

  private chooseTargetByScan(group: SimTargetGroup): SimTarget | undefined {
    let healthy = 0;
    let routable = 0;
    for (const target of group.targets.values()) {
      if (target.state === 'draining') continue;
      routable++;
      if (target.state === 'healthy') healthy++;
    }
    const failOpen = healthy === 0;
    let index = this.ctx.rng.routing.int(failOpen ? routable : healthy);
    if (routable === 0) return undefined;
    for (const target of group.targets.values()) {
      if (target.state === 'draining' || (!failOpen && target.state !== 'healthy')) continue;
      if (index-- === 0) return target;
    }
    return undefined;
  }

  /** Weighted target groups of a list of actions, cached per actions array (they never change in place). */
  private resolve(actions: Action[]): { group: SimTargetGroup; weight: number }[] {
    let resolved = this.cache.get(actions);
    if (!resolved) {
      resolved = [];
      for (const { arn, weight } of weightedTargetGroups(actions)) {
        const group = this.ctx.elb.targetGroups.get(arn);
        if (group) resolved.push({ group, weight });
      }
      this.cache.set(actions, resolved);
    }
    return resolved;
  }

  private readonly cache = new WeakMap<Action[], { group: SimTargetGroup; weight: number }[]>();

  /** Where a new flow on `listener` lands now, if anywhere. */
  route(listener: SimListener): SimTarget | undefined {
    const group = this.chooseGroup(listener);
    return group ? this.chooseTarget(group) : undefined;
  }

  /** Healthy targets behind the listener's current actions (what a health dashboard would show). */
  healthyBehind(listener: SimListener): number {
    let count = 0;
    for (const g of weightedTargetGroups(listener.defaultActions)) {
      const group = this.ctx.elb.targetGroups.get(g.arn);
      if (group) count += (group.routingIndex ?? this.buildIndex(group)).healthy.length;
    }
    return count;
  }
}
