import { EventEmitter } from 'eventemitter3';

import type { PhaseName } from './workflow';

export type { PhaseName };

export type DeploymentOutcome = 'succeeded' | 'rolled-back' | 'failed';

/** Progress of a deployment, emitted by the interpreter (never by phases themselves). */
export type DeploymentEvent =
  | { type: 'deployment-started'; deploymentId: string; at: number; resumed: boolean }
  | { type: 'phase-started'; deploymentId: string; at: number; phase: PhaseName }
  | { type: 'phase-finished'; deploymentId: string; at: number; phase: PhaseName; detail: string }
  | {
      type: 'waiting';
      deploymentId: string;
      at: number;
      phase: PhaseName;
      until: number;
      reason: string;
      /** Waiting at a pause step (1-based) until promoted or its time is up: say how to continue. */
      paused?: { step: number; steps: number };
    }
  | {
      type: 'scale-step';
      deploymentId: string;
      at: number;
      step: number;
      steps: number;
      scalePercent: number;
      remainingTasks: number;
      removedTasks: number;
    }
  | { type: 'status'; deploymentId: string; at: number; status: DeploymentStatus }
  | { type: 'rollback-started'; deploymentId: string; at: number; reason: string }
  | {
      type: 'deployment-finished';
      deploymentId: string;
      at: number;
      outcome: DeploymentOutcome;
      reason?: string;
    };

/** A snapshot of what was last observed, for live progress displays. */
export interface DeploymentStatus {
  oldTasks: { running: number; pending: number; desired: number } | undefined;
  newTasks: { running: number; pending: number; desired: number } | undefined;
  /** Known only when the phase read the new target group's health (while waiting for readiness). */
  healthyNewTargets: number | undefined;
}

export interface DeploymentEventMap {
  event: [DeploymentEvent];
}

/** Subscribe with `emitter.on('event', e => ...)`; the union is discriminated on `type`. */
export class DeploymentEmitter extends EventEmitter<DeploymentEventMap> {}
