import type { DeploymentSnapshot, DeploymentStep } from '@ecs-taper/core';
import { parseCommandArgs } from '../args';
import { prepareBackend } from '../backend';
import type { CommandIo } from '../cli';
import { ExitCode } from '../exit-codes';
import { collectInput, type InputSources, pick, validatedAsync } from '../input/load-input';
import { renderStatus } from '../render/status-view';
import { commandLine, namesSteps, statusFields } from './shared';

/** Where the old task set is in the scale-down schedule, when a deployment is under way. */
export interface ScaleDownProgress {
  desiredCount: number;
  oldTasks: number;
  /** Set when the old set's count is a step of the plan from the input's schedule. */
  step: number | undefined;
  steps: number;
}

/** `ecs-taper status`: a read-only snapshot of the service, its listeners and task sets. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('status', args);
  const backend = await prepareBackend(values);
  const [core, { scheduleOptions }] = await Promise.all([
    import('@ecs-taper/core'),
    import('@ecs-taper/core/workflow'),
  ]);
  const sources = collectInput(values, backend.defaults);
  const { clients, clock } = await backend.open(sources.merged);
  const snapshot = await validatedAsync(sources, () =>
    core.describeDeployment(clients, pick(sources.merged, statusFields) as never),
  );
  const scaleDown = scaleDownProgress(snapshot, scheduleOptions(sources.merged), core.planScaledown);
  const control = controlView(snapshot, sources, values, clock.now(), core);
  if (values.json === true) io.stdout.write(`${JSON.stringify({ ...snapshot, scaleDown, ...control })}\n`);
  else io.stdout.write(renderStatus(snapshot, scaleDown, io.stdout, { ...control, now: clock.now() }));
  return ExitCode.ok;
}

/** The step the deployment is in, a pause and how to act on it (status's additions to core's snapshot). */
export interface ControlView {
  /** The step of the list last entered (1-based); `of` and `description` when status was given the steps. */
  currentStep?: { number: number; of?: number; description?: string; enteredAt: number };
  /** Waiting at a pause: since when, for how long (by the backend's clock), and the commands that act on it. */
  pause?: { step: number; since: number; seconds: number };
  /** The commands that continue (`promote`) or roll back (`abort`) the deployment in progress. */
  commands?: { promote: string; abort: string };
  /** The deployment records steps, and status was given none: promote needs the deploy's step flags added. */
  stepsUnknown?: true;
}

function controlView(
  snapshot: DeploymentSnapshot,
  sources: InputSources,
  values: Record<string, unknown>,
  now: number,
  core: typeof import('@ecs-taper/core'),
): ControlView {
  const progress = snapshot.deploymentInProgress;
  if (!progress) return {};
  const newSet = snapshot.taskSets.find((set) => set.arn === progress.taskSetArn);
  const steps = stepsOf(sources, newSet?.taskDefinition, core);
  const view: ControlView = {};
  if (progress.step) {
    const step = steps?.[progress.step.index];
    view.currentStep = {
      number: progress.step.index + 1,
      ...(steps ? { of: steps.length } : {}),
      ...(step ? { description: core.describeStep(step) } : {}),
      enteredAt: progress.step.enteredAt,
    };
  }
  if (progress.paused) {
    const { step, since } = progress.paused;
    view.pause = { step: step + 1, since, seconds: Math.max(0, Math.round((now - since) / 1000)) };
  }
  // The deployment's task definition, for a status run that named only the service and listeners.
  const extra =
    sources.merged.taskDefinition === undefined && newSet ? { 'task-definition': newSet.taskDefinition } : {};
  view.commands = {
    promote: commandLine('promote', values, extra),
    abort: commandLine('abort', values, extra),
  };
  // Without the deploy's steps, promote would continue the default list: the text view says so.
  if (!namesSteps(values) && progress.step) view.stepsUnknown = true;
  return view;
}

/**
 * The steps status was given (--input FILE or the step flags), resolved by core with the deployment's task
 * definition when status was not given one; else the raw list as given, if every step of it describes.
 */
function stepsOf(
  sources: InputSources,
  taskDefinition: string | undefined,
  core: typeof import('@ecs-taper/core'),
): readonly DeploymentStep[] | undefined {
  const raw = sources.merged.steps;
  if (raw === undefined) return undefined;
  try {
    return core.parseDeploymentInput({ taskDefinition, ...sources.merged }).steps;
  } catch {
    // A partial input (status needs only where the service is) does not resolve.
  }
  if (!Array.isArray(raw)) return undefined;
  try {
    for (const step of raw) core.describeStep(step);
    return raw as DeploymentStep[];
  } catch {
    return undefined;
  }
}

function scaleDownProgress(
  snapshot: DeploymentSnapshot,
  schedule: Record<string, unknown>,
  planScaledown: typeof import('@ecs-taper/core').planScaledown,
): ScaleDownProgress | undefined {
  const progress = snapshot.deploymentInProgress;
  const desiredCount = snapshot.service?.desiredCount;
  if (!progress || !desiredCount) return undefined;
  const old = snapshot.taskSets.find((set) => set.arn !== progress.taskSetArn && set.status !== 'DRAINING');
  if (!old) return undefined;
  let plan: ReturnType<typeof planScaledown>;
  try {
    plan = planScaledown({ desiredCount, ...schedule });
  } catch {
    return undefined; // a schedule that does not plan (e.g. from a partial input) names no step
  }
  const index = plan.steps.findIndex((step) => step.remainingTasks === old.desired);
  return {
    desiredCount,
    oldTasks: old.desired,
    step: index < 0 ? undefined : index + 1,
    steps: plan.steps.length,
  };
}
