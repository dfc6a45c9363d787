import type { PhaseContext } from './aws/read';
import { afterPhase } from './controller/duties';
import { EcsTaperError, errorDisposition, refusalErrorNames } from './errors';
import type { DeploymentOutcome } from './events';
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
import { runStep } from './steps/run-step';

export type RunPhaseOptions = DiscoverOptions;

interface PhaseDefinition<Name extends string> {
  run: (ctx: PhaseContext, state: DeploymentState, options: RunPhaseOptions) => Promise<PhaseResult>;
  /** Where it may go next. */
  goesTo: readonly Name[];
  /** How it may end the deployment. */
  endsAs?: readonly DeploymentOutcome[];
  /** A failure rolls back: the new task set may exist, so nothing is left half-done. */
  rollsBackOnFailure: boolean;
  /** It only reads AWS, so whatever it throws is a refusal (nothing changed). */
  onlyReads?: boolean;
  /** Shown by the CLI's progress and status. */
  label: string;
  /** The Step Functions state that runs it. */
  stateName: string;
}

/** Checks that every `goesTo` names a phase of the registry, at compile time. */
function definePhases<const T extends { [Name in keyof T]: PhaseDefinition<Extract<keyof T, string>> }>(
  definitions: T,
): T {
  return definitions;
}

/**
 * Where the step list may continue once a step (or the readiness gate before the first) is done: `advance`
 * (steps/advance.ts) picks one. swap and scaleDown keep phases of their own (their resume rules and
 * their states in the state machine were there first); every other step type runs in `step`. The step
 * list's own rules (one swap, scaleDown after it) are checked with the input (steps/parse-steps.ts).
 */
const beforeSwap = ['step', 'swap'] as const;
const afterSwap = ['step', 'scaleDown', 'cleanup'] as const;

/**
 * The deployment workflow, each phase defined once: every runner interprets this registry (`deploy()` as a
 * local loop, runner-lambda compiles it to Step Functions), and PhaseName, the transition table, the
 * dispatcher, the CLI's labels and the state machine's state names all come from it.
 */
export const phases = definePhases({
  discover: {
    run: discover,
    goesTo: ['create', 'waitReady', 'swap', 'settle', 'scaleDown', 'waitDrained', 'cleanup', 'step'],
    endsAs: ['succeeded'],
    rollsBackOnFailure: false,
    onlyReads: true,
    label: 'discover',
    stateName: 'Discover',
  },
  create: {
    run: (ctx, state) => createTaskSet(ctx, state),
    goesTo: ['waitReady'],
    rollsBackOnFailure: true,
    label: 'create',
    stateName: 'Check and create',
  },
  waitReady: {
    run: (ctx, state) => waitReady(ctx, state),
    goesTo: ['waitReady', ...beforeSwap, 'rollback'],
    rollsBackOnFailure: true,
    label: 'wait-ready',
    stateName: 'Wait until ready',
  },
  step: {
    run: (ctx, state) => runStep(ctx, state),
    goesTo: ['step', 'swap', 'scaleDown', 'cleanup', 'rollback'],
    rollsBackOnFailure: true,
    label: 'step',
    stateName: 'Step',
  },
  swap: {
    run: (ctx, state) => swapListener(ctx, state),
    goesTo: ['settle'],
    rollsBackOnFailure: true,
    label: 'swap',
    stateName: 'Swap listener',
  },
  settle: {
    run: (ctx, state) => settle(ctx, state),
    goesTo: ['settle', ...afterSwap, 'rollback'],
    rollsBackOnFailure: true,
    label: 'settle',
    stateName: 'Settle',
  },
  scaleDown: {
    run: (ctx, state) => scaleDown(ctx, state),
    goesTo: ['scaleDown', 'waitDrained', 'step', 'cleanup', 'rollback'],
    rollsBackOnFailure: true,
    label: 'scale-down',
    stateName: 'Scale-down step',
  },
  waitDrained: {
    run: (ctx, state) => waitDrained(ctx, state),
    goesTo: ['waitDrained', 'step', 'cleanup', 'rollback'],
    endsAs: ['failed'],
    rollsBackOnFailure: true,
    label: 'wait-drained',
    stateName: 'Drained?',
  },
  cleanup: {
    run: (ctx, state) => cleanup(ctx, state),
    goesTo: [],
    endsAs: ['succeeded'],
    // After it the new version already serves everything: nothing to roll back to.
    rollsBackOnFailure: false,
    label: 'cleanup',
    stateName: 'Cleanup',
  },
  rollback: {
    run: (ctx, state) => rollback(ctx, state),
    goesTo: ['rollback'],
    endsAs: ['rolled-back', 'failed'],
    rollsBackOnFailure: false,
    label: 'rollback',
    stateName: 'Rollback',
  },
});

/** Names of the workflow's phases. */
export type PhaseName = keyof typeof phases;

export const phaseNames = Object.keys(phases) as PhaseName[];

const definitionOf = (name: PhaseName): PhaseDefinition<PhaseName> => phases[name];

function derive<T>(pick: (definition: PhaseDefinition<PhaseName>) => T): Readonly<Record<PhaseName, T>> {
  return Object.fromEntries(phaseNames.map((name) => [name, pick(definitionOf(name))])) as Record<
    PhaseName,
    T
  >;
}

/** Where each phase may go (from the registry). */
export const transitions: Readonly<Record<PhaseName, readonly PhaseName[]>> = derive((p) => p.goesTo);

/** Phases that may end the workflow, and with which outcomes. */
export const endings: Readonly<Partial<Record<PhaseName, readonly DeploymentOutcome[]>>> = Object.fromEntries(
  phaseNames.flatMap((name) => {
    const endsAs = definitionOf(name).endsAs;
    return endsAs ? [[name, endsAs]] : [];
  }),
);

/** Phases whose failure leads to rollback. */
export const rollbackOnFailure: ReadonlySet<PhaseName> = new Set(
  phaseNames.filter((name) => definitionOf(name).rollsBackOnFailure),
);

/** Phases that only read AWS: whatever they throw is a refusal. */
export const readOnlyPhases: ReadonlySet<PhaseName> = new Set(
  phaseNames.filter((name) => definitionOf(name).onlyReads === true),
);

export const phaseLabels: Readonly<Record<PhaseName, string>> = derive((p) => p.label);
export const phaseStateNames: Readonly<Record<PhaseName, string>> = derive((p) => p.stateName);

export function isPhaseName(value: unknown): value is PhaseName {
  return typeof value === 'string' && Object.hasOwn(phases, value);
}

/**
 * A refusal: nothing changed, so nothing to undo and nothing to retry. Every runner asks this one
 * function (the local loop rethrows a refusal, the state machine's handler surfaces it as `Refused`):
 * the error says so itself (`errorDisposition`), or the phase only reads.
 */
export function isRefusal(phase: PhaseName, error: unknown): boolean {
  return readOnlyPhases.has(phase) || errorDisposition(error) === 'refusal';
}

/** `isRefusal` for a runner that has only the error's name (a state machine's history). */
export function isRefusalName(phase: PhaseName, errorName: string): boolean {
  return readOnlyPhases.has(phase) || refusalErrorNames.includes(errorName);
}

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
  return afterPhase(phase, ctx, await definitionOf(phase).run(ctx, state, options));
}

/** Guards every interpreter: a phase may only go where the registry says, or end as it allows. */
export function assertTransition(phase: PhaseName, next: Next): void {
  if (next.kind === 'end') {
    if (!endings[phase]?.includes(next.outcome)) {
      throw new EcsTaperError(`internal: phase ${phase} may not end the deployment as ${next.outcome}`);
    }
  } else if (!transitions[phase].includes(next.phase)) {
    throw new EcsTaperError(`internal: phase ${phase} may not go to ${next.phase}`);
  }
}
