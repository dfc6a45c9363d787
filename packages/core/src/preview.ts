import { defaultRetryPolicy, type RetryPolicy } from './aws/call-aws';
import type { AwsClients } from './aws/ports';
import { phaseContext } from './aws/read';
import { type Clock, systemClock } from './clock';
import { assertRunnable } from './deploy';
import { type DeploymentSnapshot, describeDeployment } from './describe-deployment';
import type { PhaseName } from './events';
import { discover } from './phases/discover';
import { planFor, planOptionsFor } from './phases/scale-down';
import type { PlanScaledownOptions, ScaledownPlan } from './plan/plan-scaledown';
import { initialState, type Topology } from './state';
import type { HookRunner } from './steps/hook-port';
import { parseDeploymentInput } from './validate-input';
import { isRefusal } from './workflow';

export interface PreviewOptions {
  clock?: Clock;
  retry?: Partial<RetryPolicy>;
  /** The runner's hooks: an input whose hooks it cannot run is refused, as deploy() refuses it. */
  hooks?: HookRunner;
  /** As deploy()'s takeOver: a live lease of another controller is then not a refusal. */
  takeOver?: boolean;
  /** Names this controller, as deploy()'s controllerId (a lease it holds itself is no refusal). */
  controllerId?: string;
}

/** What deploy() would do with the input, found by reading only. */
export type PreviewDecision =
  /** deploy() would throw this before changing anything (its discover phase, or the checks before it). */
  | { kind: 'refused'; error: Error }
  | { kind: 'already-deployed'; detail: string }
  | {
      kind: 'deploy';
      /** The id the deployment would carry: the input's, a fresh one, or the unfinished one it adopts. */
      deploymentId: string;
      /** An unfinished deployment (its new task set exists) would be continued. */
      resumes: boolean;
      /** The phase it would go to after discover, and discover's reason. */
      phase: PhaseName;
      detail: string;
      topology: Topology;
      newTaskSetArn?: string;
    };

export interface DeploymentPreview {
  decision: PreviewDecision;
  /**
   * The service, listeners, target groups and task sets as read (what `status` shows); undefined when
   * they could not be read (then the decision is a refusal that says why).
   */
  found: DeploymentSnapshot | undefined;
  /**
   * The scale-down plan deploy() would follow from the counts now (the service's desiredCount, the old
   * set's tasks): the same `planFor` scaleDown calls. Undefined when there is nothing to scale down.
   */
  plan?: { options: PlanScaledownOptions; plan: ScaledownPlan; desiredCount: number; oldTasks: number };
}

/**
 * A dry run of deploy(): the checks deploy() makes before any AWS call, then its discover phase, which
 * only reads (the phase function itself, not runPhase: the controller's duties after a phase renew the
 * lease and suspend Auto Scaling, which are writes), then the plan from the counts found. Sends no
 * mutating call. Bad input throws (InputValidationError), as deploy() does; whatever deploy() would refuse
 * after that is returned as the decision, with what was found, so a runner can show both.
 */
export async function previewDeployment(
  clients: AwsClients,
  input: unknown,
  options: PreviewOptions = {},
): Promise<DeploymentPreview> {
  const resolved = parseDeploymentInput(input);
  const clock = options.clock ?? systemClock;
  const retry = { ...defaultRetryPolicy, ...options.retry };
  const state = initialState(resolved, clock.now(), options.controllerId);
  let decision: PreviewDecision;
  try {
    assertRunnable(clients, state, options.hooks);
    const ctx = phaseContext(clients, retry, clock.now(), undefined, options.hooks);
    const result = await discover(ctx, state, { resume: true, takeOver: options.takeOver ?? false });
    const found = result.state;
    decision =
      result.next.kind === 'end'
        ? { kind: 'already-deployed', detail: result.next.detail }
        : {
            kind: 'deploy',
            deploymentId: found.deploymentId,
            resumes: found.newTaskSetArn !== undefined,
            phase: result.next.phase,
            detail: result.next.detail,
            topology: found.topology as Topology,
            ...(found.newTaskSetArn ? { newTaskSetArn: found.newTaskSetArn } : {}),
          };
  } catch (error) {
    // Everything discover throws is a refusal (it only reads); so are the checks before it.
    if (!isRefusal('discover', error)) throw error;
    decision = { kind: 'refused', error: error instanceof Error ? error : new Error(String(error)) };
  }
  const found = await describeDeployment(clients, resolved, retry as RetryPolicy).catch((error: unknown) => {
    // Unreadable (a mistyped load balancer): the refusal already says why; otherwise it is a real failure.
    if (decision.kind === 'refused') return undefined;
    throw error;
  });
  return { decision, found, ...planOf(decision, found, resolved) };
}

function planOf(
  decision: PreviewDecision,
  found: DeploymentSnapshot | undefined,
  input: ReturnType<typeof parseDeploymentInput>,
): Pick<DeploymentPreview, 'plan'> {
  if (decision.kind !== 'deploy' || !found?.service) return {};
  const old = found.taskSets.find((set) => set.arn === decision.topology.oldTaskSetArn);
  if (!old || old.desired === 0) return {};
  const desiredCount = found.service.desiredCount;
  const plan = planFor(input, desiredCount, old.desired);
  const options = planOptionsFor(input, desiredCount, old.desired);
  return { plan: { options, plan, desiredCount, oldTasks: old.desired } };
}
