import { type DeploymentEmitter, deploy } from '@ecs-taper/core';
import { errorMessage, type StrategyContext, type StrategyResult } from './common.js';

export interface TaperOptions {
  events?: DeploymentEmitter;
  signal?: AbortSignal;
}

/**
 * ecs-taper itself: the real `deploy()` from @ecs-taper/core against the simulated clients and the
 * virtual clock (never a second model of its logic). Retries of throttled calls take no simulated time.
 */
export async function taper(
  ctx: StrategyContext,
  options: TaperOptions = {},
): Promise<StrategyResult & { deploymentId?: string }> {
  try {
    // A deployment id from the seed (core would derive one from the clock and Math.random): same seed, same run.
    const input = { deploymentId: `sim-${ctx.world.settings.randomSeed}`, ...ctx.input };
    const result = await deploy(ctx.clients, input, {
      clock: ctx.clock,
      events: options.events,
      signal: options.signal,
      retry: { retries: 10, minTimeoutMs: 0, maxTimeoutMs: 0 },
    });
    return { outcome: result.outcome, reason: result.reason, deploymentId: result.deploymentId };
  } catch (error) {
    return { outcome: 'failed', reason: errorMessage(error) };
  }
}
