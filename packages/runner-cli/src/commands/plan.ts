import { planScaledown } from '@ecs-taper/core';
import { inputDefaults, scheduleOptions } from '@ecs-taper/core/workflow';
import { estimateExecutions } from '@ecs-taper/runner-lambda/client';
import { parseCommandArgs } from '../args';
import { prepareBackend } from '../backend';
import type { CommandIo } from '../cli';
import { ExitCode, UsageError } from '../exit-codes';
import { collectInput, type InputSources, validated } from '../input/load-input';
import { renderPlan } from '../render/plan-view';

/** `ecs-taper plan`: the schedule, offline with --desired-count, else from the service. Changes nothing. */
export async function run(args: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('plan', args);
  const offline = values['desired-count'] !== undefined;
  const backend = offline ? undefined : await prepareBackend(values);
  const sources = collectInput(values, backend?.defaults);
  const desired = offline
    ? { count: sources.merged.desiredCount, source: 'offline' }
    : await readDesiredCount(sources, backend);
  const options = { ...scheduleOptions(sources.merged), desiredCount: desired.count } as Parameters<
    typeof planScaledown
  >[0];
  const plan = validated(sources, () => planScaledown(options));
  if (values.json === true) io.stdout.write(`${JSON.stringify(plan, null, 2)}\n`);
  else {
    const merged = { ...inputDefaults, ...sources.merged } as typeof inputDefaults;
    const executions = estimateExecutions({
      steps: plan.stepCount,
      intervalSeconds: plan.intervalSeconds,
      pollIntervalSeconds: merged.pollIntervalSeconds,
      readyTimeoutSeconds: merged.readyTimeoutSeconds,
      settleSeconds: merged.settleSeconds,
      drainTimeoutSeconds: merged.drainTimeoutSeconds,
    }).executions;
    io.stdout.write(renderPlan(plan, options, desired.source, io.stdout, executions));
  }
  return ExitCode.ok;
}

/** desiredCount read from the service (or the input's, for a service that deploy would create). */
async function readDesiredCount(
  sources: InputSources,
  backend: Awaited<ReturnType<typeof prepareBackend>> | undefined,
): Promise<{ count: unknown; source: string }> {
  const { cluster, service } = sources.merged;
  if (typeof cluster !== 'string' || typeof service !== 'string' || !backend) {
    if (sources.merged.desiredCount !== undefined)
      return { count: sources.merged.desiredCount, source: 'input' };
    throw new UsageError(
      'desiredCount: pass --desired-count N to plan offline, or --cluster and --service (with AWS access or --simulator) to read it from the service',
      'desiredCount',
    );
  }
  const [{ clients }, { DescribeServicesCommand }] = await Promise.all([
    backend.open(sources.merged),
    import('@aws-sdk/client-ecs'),
  ]);
  const output = await clients.ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  const found = output.services?.find((s) => s.status !== 'INACTIVE');
  if (found?.desiredCount !== undefined) {
    return { count: found.desiredCount, source: `service ${service} in ${cluster}` };
  }
  return {
    count: sources.merged.desiredCount ?? 2,
    source: `service ${service} not found: the desiredCount deploy would create it with`,
  };
}
