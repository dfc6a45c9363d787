import type { DeploymentPreview } from '@ecs-taper/core';
import type { CommandIo } from '../cli';
import { ExitCode } from '../exit-codes';
import { renderPreview } from '../render/preview-view';
import { stateMachineRegion as regionOfStateMachine } from './deploy-state-machine';
import { hookRunnerFor, prepareRun } from './run-deployment';

/**
 * `ecs-taper deploy --dry-run`: core's previewDeployment (the checks before any call, discover, the plan;
 * reads only) against the same account and input a deploy would use, rendered. What deploy would refuse
 * is printed, then thrown, so the command ends with the message and exit code that deploy would.
 * With --state-machine the execution estimate is added; Step Functions itself is never called.
 */
export async function runDryRun(args: string[], io: CommandIo): Promise<number> {
  let stateMachineRegion: string | undefined;
  const lambda = await import('@ecs-taper/runner-lambda/client');
  const prepared = await prepareRun('deploy', args, (values) => {
    const arn = values['state-machine'];
    if (typeof arn !== 'string') return values;
    stateMachineRegion = regionOfStateMachine(lambda, arn, values.region);
    // The deployment would run in the state machine's region: discover there.
    return { region: stateMachineRegion, ...values };
  });
  const { core, values, backend, input, resolved, clients, clock } = prepared;
  const say = (line: string) => io.stderr.write(`${line}\n`);
  const hooks = await hookRunnerFor(resolved, backend, values, say, core.hookTimeoutMaxSeconds);
  const preview = await core.previewDeployment(clients, input, {
    clock,
    hooks,
    takeOver: values['take-over'] === true,
  });
  const executions =
    stateMachineRegion !== undefined && preview.plan
      ? lambda.estimateExecutions({
          steps: preview.plan.plan.stepCount,
          intervalSeconds: preview.plan.plan.intervalSeconds,
          pollIntervalSeconds: resolved.pollIntervalSeconds,
          readyTimeoutSeconds: resolved.readyTimeoutSeconds,
          settleSeconds: resolved.settleSeconds,
          drainTimeoutSeconds: resolved.drainTimeoutSeconds,
        }).executions
      : undefined;
  if (values.json === true) io.stdout.write(`${JSON.stringify(previewJson(preview, executions), null, 2)}\n`);
  else io.stdout.write(renderPreview(preview, resolved, io.stdout, executions));
  if (preview.decision.kind === 'refused') throw preview.decision.error;
  return ExitCode.ok;
}

/** The preview as JSON: the plan as planScaledown's JSON (its steps listed), the refusal by name and message. */
function previewJson(preview: DeploymentPreview, executions: number | undefined) {
  const { decision } = preview;
  return {
    dryRun: true,
    decision:
      decision.kind === 'refused'
        ? { kind: 'refused', error: { name: decision.error.name, message: decision.error.message } }
        : decision,
    found: preview.found,
    ...(preview.plan && {
      plan: {
        desiredCount: preview.plan.desiredCount,
        oldTasks: preview.plan.oldTasks,
        // A compact plan's figures are getters: spelt out, then its own JSON (the steps listed).
        stepCount: preview.plan.plan.stepCount,
        intervalSeconds: preview.plan.plan.intervalSeconds,
        totalSeconds: preview.plan.plan.totalSeconds,
        ...JSON.parse(JSON.stringify(preview.plan.plan)),
      },
    }),
    ...(executions !== undefined && { stepFunctionsExecutions: executions }),
  };
}
