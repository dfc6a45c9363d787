import type { PhaseContext } from './aws/read';
import { afterPhase } from './controller/duties';
import { EcsTaperError } from './errors';
import type { PhaseName } from './events';
import { cleanup } from './phases/cleanup';
import { createTaskSet } from './phases/create-task-set';
import { type DiscoverOptions, discover } from './phases/discover';
import { rollback } from './phases/rollback';
import { scaleDown } from './phases/scale-down';
import { settle } from './phases/settle';
import { swapListener } from './phases/swap-listener';
import { waitDrained } from './phases/wait-drained';
import { waitReady } from './phases/wait-ready';
import type { DeploymentState, Next, PhaseResult } from './state';

/**
 * The deployment workflow, written once. Every runner interprets this table: `deploy()` as a local loop,
 * runner-lambda compiles it to Step Functions. A phase may only go to the phases listed here.
 */
export const transitions: Readonly<Record<PhaseName, readonly PhaseName[]>> = {
  discover: ['create', 'waitReady', 'swap', 'settle', 'scaleDown', 'waitDrained', 'cleanup'],
  create: ['waitReady'],
  waitReady: ['waitReady', 'swap', 'rollback'],
  swap: ['settle'],
  settle: ['settle', 'scaleDown', 'rollback'],
  scaleDown: ['scaleDown', 'waitDrained', 'cleanup', 'rollback'],
  waitDrained: ['waitDrained', 'cleanup', 'rollback'],
  cleanup: [],
  rollback: ['rollback'],
};

/** Phases that may end the workflow, and with which outcomes. */
export const endings: Readonly<
  Partial<Record<PhaseName, readonly ('succeeded' | 'rolled-back' | 'failed')[]>>
> = {
  discover: ['succeeded'],
  waitDrained: ['failed'],
  cleanup: ['succeeded'],
  rollback: ['rolled-back', 'failed'],
};

/**
 * A failure in these phases leads to rollback: the new task set may exist, so nothing is left half-done.
 * Before them nothing has changed; after them the new version already serves everything.
 */
export const rollbackOnFailure: ReadonlySet<PhaseName> = new Set<PhaseName>([
  'create',
  'waitReady',
  'swap',
  'settle',
  'scaleDown',
  'waitDrained',
]);

/**
 * Refusals: thrown before anything changed, so there is nothing to undo. Every runner treats them the
 * same way (the local loop rethrows them, the state machine catches them into `Refused`). In discover,
 * which only reads, every error is a refusal.
 */
export const refusalErrorNames: readonly string[] = ['InputValidationError', 'DeploymentLockedError'];

export function isRefusal(phase: PhaseName, error: unknown): boolean {
  if (phase === 'discover') return true;
  return error instanceof Error && refusalErrorNames.includes(error.name);
}

export type RunPhaseOptions = DiscoverOptions;

/**
 * Runs one phase: observe AWS, decide, make at most the missing mutations, return where to go next;
 * then the controller's duties that follow every phase (lease, Auto Scaling; see controller/duties.ts).
 */
export async function runPhase(
  phase: PhaseName,
  ctx: PhaseContext,
  state: DeploymentState,
  options: RunPhaseOptions,
): Promise<PhaseResult> {
  return afterPhase(phase, ctx, await dispatchPhase(phase, ctx, state, options));
}

function dispatchPhase(
  phase: PhaseName,
  ctx: PhaseContext,
  state: DeploymentState,
  options: RunPhaseOptions,
): Promise<PhaseResult> {
  switch (phase) {
    case 'discover':
      return discover(ctx, state, options);
    case 'create':
      return createTaskSet(ctx, state);
    case 'waitReady':
      return waitReady(ctx, state);
    case 'swap':
      return swapListener(ctx, state);
    case 'settle':
      return settle(ctx, state);
    case 'scaleDown':
      return scaleDown(ctx, state);
    case 'waitDrained':
      return waitDrained(ctx, state);
    case 'cleanup':
      return cleanup(ctx, state);
    case 'rollback':
      return rollback(ctx, state);
  }
}

/** Guards every interpreter: a phase may only go where the table says, or end as `endings` allows. */
export function assertTransition(phase: PhaseName, next: Next): void {
  if (next.kind === 'end') {
    if (!endings[phase]?.includes(next.outcome)) {
      throw new EcsTaperError(`internal: phase ${phase} may not end the deployment as ${next.outcome}`);
    }
  } else if (!transitions[phase].includes(next.phase)) {
    throw new EcsTaperError(`internal: phase ${phase} may not go to ${next.phase}`);
  }
}
