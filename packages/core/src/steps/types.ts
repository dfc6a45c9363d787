/**
 * A deployment is a list of steps (the Argo Rollouts model). The default list, `[swap, scaleDown]`, is
 * what ecs-taper always did; canaries, pauses and hooks are placed around it.
 */

/** Lifecycle stages a hook can run at. */
export const hookStages = [
  /** The new set is healthy behind the test listener; production unchanged. */
  'after-test-traffic',
  'before-swap',
  /** After the swap and its settle time, before the first scale-down step. */
  'after-swap',
  /** Before every scale-down step (not a step of the list: scaleDown runs it). */
  'before-scale-down-step',
  /** The old set drained, before cleanup. */
  'after-deploy',
  /** When a rollback has ended (not a step of the list: a hook never delays putting production back). */
  'on-rollback',
] as const;

export type HookStage = (typeof hookStages)[number];

/** Stages that are a position in the step list (the others are run by a phase at each occasion). */
export const hookStepStages = ['after-test-traffic', 'before-swap', 'after-swap', 'after-deploy'] as const;

/** What a hook runs: exactly one of a shell command (CLI), a Lambda function or an HTTP(S) URL. */
export interface HookSpec {
  command?: string;
  functionName?: string;
  url?: string;
  /** Seconds the hook may take before it counts as failed. Default 300. */
  timeoutSeconds?: number;
}

export type Hooks = Partial<Record<HookStage, HookSpec>>;

export type DeploymentStep =
  /** New flows: `weightPercent` to the new group for `seconds` (after the NLB applied it), alarms watched. */
  | { type: 'canary'; weightPercent: number; seconds: number }
  /** All production listeners to the new group, then settleSeconds. */
  | { type: 'swap' }
  /** Wait `seconds`, or until `ecs-taper promote` marks the set. */
  | { type: 'pause'; seconds?: number; untilPromoted?: boolean }
  | { type: 'hook'; stage: HookStage }
  /** Retire the old set on the planned schedule (the input's schedule fields), then wait for it to drain. */
  | { type: 'scaleDown' };

export type StepType = DeploymentStep['type'];

/** What ecs-taper always did: swap, then the tapered scale-down. */
export const defaultSteps: readonly DeploymentStep[] = [{ type: 'swap' }, { type: 'scaleDown' }];
