import type { NetworkMode } from '@aws-sdk/client-ecs';
import type { Lease } from './aws/task-set-tags';
import type { AutoScalingRecord } from './controller/autoscaling';
import { newControllerId } from './controller/lease';
import type { DeploymentOutcome, DeploymentStatus, PhaseName } from './events';
import type { ResolvedInput } from './input';

/** ARNs resolved once by discover; fixed for the life of a deployment. */
export interface Topology {
  productionListenerArns: string[];
  testListenerArn: string;
  /** Serves production when the deployment starts; the old task set lives here. */
  oldTargetGroupArn: string;
  /** The standby group the new task set is created on. */
  newTargetGroupArn: string;
  /** Absent when the service had no task set yet (first deployment). */
  oldTaskSetArn?: string;
  containerName: string;
  containerPort: number;
  /**
   * The new task definition's network mode, read with its container port (ECS's default, bridge, when it
   * names none). Absent when discover took the container from the input: the create phase reads it then.
   */
  networkMode?: NetworkMode;
}

/**
 * The counts a scale-down's plan was computed from (`planFor`'s arguments), fixed at its first step so that
 * `stepsApplied` keeps indexing the same schedule however the old set's count moves afterwards.
 */
export interface PlanBasis {
  /** The service's desiredCount when the plan was made. */
  desiredCount: number;
  /** The old set's task count when the plan was made. */
  currentTasks: number;
}

/**
 * What budget mode's scale-down has seen of the old tasks' drops (aggregates, never a list): the lag of a
 * task is its drop (containers exited) minus when ECS began stopping it; their spread is how close two
 * steps' drops can come beyond their interval.
 */
export interface DropLags {
  /** Smallest lag seen, ms. */
  minMs: number;
  /** Largest lag seen, ms. */
  maxMs: number;
  /** Most stopped old tasks one observation saw (a sample of at most 100). */
  tasks: number;
}

/** Budget mode with measureFlows: the last NewFlowCount minute read and what it did to the pace. */
export interface FlowMeasurement {
  /** Start of the minute read, epoch ms. */
  minuteAt: number;
  /** Its new flows per second (the minute's Sum / 60). */
  perSecond: number;
  /** The factor the next interval was stretched by (1: the planned pace). */
  stretch: number;
}

/**
 * Everything carried between phases: JSON-serialisable, and of a size that does not grow with the plan or
 * with time (counts, indexes and times, never a list that gets appended to), because Step Functions passes
 * it between Lambda invocations (256 KiB at most; a plan of 100,000 steps alone is 9.6 MB) and the CLI
 * prints it. Times are epoch milliseconds.
 */
export interface DeploymentState {
  deploymentId: string;
  input: ResolvedInput;
  phase: PhaseName;
  startedAt: number;
  /** Who drives this deployment: the holder named in the lease (a CLI run, a Step Functions execution). */
  controllerId: string;
  /** The lease this controller last wrote on the new task set. */
  lease?: Lease;
  /** The controller whose unexpired lease this one took over (`takeOver`): its lease is not a refusal. */
  takenOverFrom?: string;
  topology?: Topology;
  newTaskSetArn?: string;
  /** The new task set's createdAt plus readyTimeoutSeconds: a resumed run keeps the same deadline. */
  readyDeadline?: number;
  /** First production listener change (also tagged on the new set, so a resumed run still settles). */
  swappedAt?: number;
  /** Set by scale-down's first invocation; the plan is recomputed from it (`planOf`), never carried. */
  planBasis?: PlanBasis;
  /** The step of the input's list the deployment is in (`advance` moves it; see steps/advance.ts). */
  stepIndex?: number;
  /** When the current step was entered (also tagged on the new set when the list has generic steps). */
  stepEnteredAt?: number;
  /** Set by discover: the step a previous controller was in, re-entered with its original time. */
  resumeStep?: { index: number; enteredAt: number };
  /** A canary's last weight change: its window is judged from this plus the propagation wait. */
  weightChangedAt?: number;
  /** The on-rollback hook has run (it runs once per rollback). */
  rollbackHookRan?: boolean;
  /** Steps of that plan already applied. */
  stepsApplied: number;
  /** When the last step was applied (also tagged on the new set): the next one is an interval later. */
  lastStepAt?: number;
  /** Budget mode: the drop lags observed so far (their spread widens the slack between steps). */
  dropLags?: DropLags;
  /** Budget mode with measureFlows: the last measured minute of new flows. */
  flows?: FlowMeasurement;
  /** Since when scale-down has been held because the new task set is not steady. */
  holdingSince?: number;
  /** When the last hold ended: the next step waits a full interval from then too. */
  holdEndedAt?: number;
  /** Since when the new group has had too few healthy targets (health guard, after the swap). */
  unhealthySince?: number;
  /** Auto Scaling suspended by this deployment, to restore at its end. */
  autoScaling?: AutoScalingRecord;
  drainDeadline?: number;
  /** When the old set was first seen with no tasks and no draining targets (its tasks may still be stopping). */
  drainQuietSince?: number;
  /** The old task definition's stop timeout: how long a stopping task may keep its connections. */
  stopTimeoutSeconds?: number;
  rollbackReason?: string;
  rollbackDeadline?: number;
  /** When rollback pointed production back at the old group: the new set is retired from then on. */
  swappedBackAt?: number;
  /** The last step that retired part of the new set during rollback. */
  rollbackLastStepAt?: number;
}

/** Where the workflow goes after a phase: another phase (maybe after a wait), or the end. */
export type Next =
  | { kind: 'go'; phase: PhaseName; afterSeconds: number; detail: string }
  | { kind: 'end'; outcome: DeploymentOutcome; detail: string };

export interface PhaseResult {
  state: DeploymentState;
  next: Next;
  /** What was observed, for progress displays. */
  status?: DeploymentStatus;
  /** Set while the deployment waits at a pause step: which one (1-based) of how many. */
  paused?: { step: number; steps: number };
  /** Set when this invocation applied a scale-down step. */
  appliedStep?: {
    step: number;
    steps: number;
    scalePercent: number;
    remainingTasks: number;
    removedTasks: number;
  };
}

/** A fresh id, usable as ECS clientToken and externalId (at most 36 characters). */
export function newDeploymentId(now: number, random: () => number = Math.random): string {
  const suffix = Math.floor(random() * 36 ** 6)
    .toString(36)
    .padStart(6, '0');
  return `taper-${now.toString(36)}-${suffix}`;
}

export function initialState(input: ResolvedInput, now: number, controllerId?: string): DeploymentState {
  return {
    deploymentId: input.deploymentId ?? newDeploymentId(now),
    input,
    phase: 'discover',
    startedAt: now,
    controllerId: controllerId ?? newControllerId(),
    stepsApplied: 0,
  };
}

/** Waits are whole seconds: Step Functions' Wait SecondsPath takes integers. */
export const go = (phase: PhaseName, detail: string, afterSeconds = 0): Next => ({
  kind: 'go',
  phase,
  afterSeconds: Math.max(0, Math.ceil(afterSeconds)),
  detail,
});

export const end = (outcome: DeploymentOutcome, detail: string): Next => ({ kind: 'end', outcome, detail });
