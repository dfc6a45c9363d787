import type { DeploymentSnapshot } from '@ecs-taper/core';
import { parseCommandArgs } from '../args';
import { prepareBackend } from '../backend';
import type { CommandIo } from '../cli';
import { ExitCode } from '../exit-codes';
import { collectInput, pick, validatedAsync } from '../input/load-input';
import { renderStatus } from '../render/status-view';

const statusFields = [
  'cluster',
  'service',
  'loadBalancerArn',
  'productionListenerArns',
  'testListenerArn',
  'testListenerPort',
] as const;

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
  const { clients } = await backend.open();
  const snapshot = await validatedAsync(sources, () =>
    core.describeDeployment(clients, pick(sources.merged, statusFields) as never),
  );
  const scaleDown = scaleDownProgress(snapshot, scheduleOptions(sources.merged), core.planScaledown);
  if (values.json === true) io.stdout.write(`${JSON.stringify({ ...snapshot, scaleDown })}\n`);
  else io.stdout.write(renderStatus(snapshot, scaleDown, io.stdout));
  return ExitCode.ok;
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
