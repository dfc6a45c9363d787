import type { PhaseContext } from '../aws/read';
import type { DeploymentState } from '../state';
import { canaryStep } from './canary';
import { hookStep } from './hook';
import { pauseStep } from './pause';
import type { DeploymentStep, StepType } from './types';

/** What a step of the generic `step` phase decided this time. */
export type StepOutcome =
  | { kind: 'done'; detail: string; state?: DeploymentState }
  | { kind: 'wait'; seconds: number; detail: string; state?: DeploymentState; paused?: true }
  | { kind: 'rollback'; reason: string; state?: DeploymentState };

export interface StepRun {
  /** The step's position in the list (0-based). */
  index: number;
  /** The new task set's tags, read once per invocation (marks: promote, abort). */
  tags: Record<string, string>;
}

export interface StepDefinition<Step extends DeploymentStep> {
  /** A step type run by a phase of its own (swap, scaleDown); every other type runs in the `step` phase. */
  phase?: 'swap' | 'scaleDown';
  /** One observation of the step: observe, make the missing change, say whether it is done. */
  run?: (ctx: PhaseContext, state: DeploymentState, step: Step, run: StepRun) => Promise<StepOutcome>;
  /** Before this step hands over to rollback (alarm, abort, health guard, its own failure). */
  beforeRollback?: (ctx: PhaseContext, state: DeploymentState, step: Step) => Promise<void>;
  /** One line for progress and status. */
  describe: (step: Step) => string;
}

type StepDefinitions = { [Type in StepType]: StepDefinition<Extract<DeploymentStep, { type: Type }>> };

/** Every step type, defined once; a new one is a module and a line here (and its rules in parse-steps.ts). */
export const stepTypes: StepDefinitions = {
  canary: canaryStep,
  swap: { phase: 'swap', describe: () => 'swap the production listeners to the new version' },
  pause: pauseStep,
  hook: hookStep,
  scaleDown: { phase: 'scaleDown', describe: () => 'retire the old task set on the planned schedule' },
};

export function stepDefinition<Step extends DeploymentStep>(step: Step): StepDefinition<Step> {
  return stepTypes[step.type] as unknown as StepDefinition<Step>;
}

export function describeStep(step: DeploymentStep): string {
  return stepDefinition(step).describe(step);
}
