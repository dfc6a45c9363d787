import type { PhaseContext } from '../aws/read';
import { taskSetTag } from '../aws/task-set-tags';
import { tagTaskSet } from '../aws/write';
import type { ResolvedInput } from '../input';
import { type DeploymentState, go, type PhaseResult } from '../state';
import type { PhaseName } from '../workflow';
import { stepDefinition } from './step-types';
import { type DeploymentStep, defaultSteps } from './types';

/** The input's step list (an input resolved before steps existed, carried by a running execution: the default). */
export function stepsOf(input: Pick<ResolvedInput, 'steps'>): readonly DeploymentStep[] {
  return input.steps ?? defaultSteps;
}

/**
 * A list with steps of the generic `step` phase records the step it enters on the new task set, so a
 * resumed run knows where it was; the default list needs no record (discover reads its position from AWS),
 * so it makes exactly the calls it always made.
 */
export function recordsSteps(steps: readonly DeploymentStep[]): boolean {
  return steps.some((step) => stepDefinition(step).phase === undefined);
}

/** The phase a step runs in. */
export function phaseOfStep(step: DeploymentStep): PhaseName {
  return stepDefinition(step).phase ?? 'step';
}

/**
 * The step the deployment is in. A state from before steps (no `stepIndex`) is placed by its phase: the
 * swap and settle are the swap step, scaleDown and waitDrained the scaleDown step, earlier phases before
 * the first step.
 */
export function currentStepIndex(state: DeploymentState): number {
  if (state.stepIndex !== undefined) return state.stepIndex;
  const steps = stepsOf(state.input);
  const type =
    state.phase === 'swap' || state.phase === 'settle'
      ? 'swap'
      : state.phase === 'scaleDown' || state.phase === 'waitDrained'
        ? 'scaleDown'
        : undefined;
  return type ? steps.findIndex((step) => step.type === type) : -1;
}

/** `<index>:<epoch ms entered>`, the value of the new set's step tag. */
export function encodeStepMark(index: number, enteredAt: number): string {
  return `${index}:${enteredAt}`;
}

export function decodeStepMark(value: string | undefined): { index: number; enteredAt: number } | undefined {
  const match = value === undefined ? null : /^(\d+):(\d+)$/.exec(value);
  return match ? { index: Number(match[1]), enteredAt: Number(match[2]) } : undefined;
}

/**
 * The current step is done: go to the next one, or to cleanup after the last. The one place where the
 * step list is walked; every phase that finishes a step ends with it.
 */
export async function advance(
  ctx: PhaseContext,
  state: DeploymentState,
  detail: string,
): Promise<PhaseResult> {
  const steps = stepsOf(state.input);
  const index = currentStepIndex(state) + 1;
  const step = steps[index];
  if (!step) return { state: { ...state, stepIndex: steps.length }, next: go('cleanup', detail) };
  // A resumed run re-enters the step it was in with the time it first entered it (a pause keeps its
  // start, a canary its window); otherwise the step starts now, recorded before anything of it happens.
  const resumed = state.resumeStep?.index === index ? state.resumeStep.enteredAt : undefined;
  const enteredAt = resumed ?? ctx.now;
  if (resumed === undefined && recordsSteps(steps) && state.newTaskSetArn) {
    await tagTaskSet(ctx, state.newTaskSetArn, { [taskSetTag.step]: encodeStepMark(index, enteredAt) });
  }
  const { resumeStep: _used, weightChangedAt: _previousStep, ...rest } = state;
  return {
    state: { ...rest, stepIndex: index, stepEnteredAt: enteredAt },
    next: go(phaseOfStep(step), detail),
  };
}
