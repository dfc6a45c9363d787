import type { CommandIo } from '../cli';
import { ExitCode, UsageError } from '../exit-codes';
import { collectInput, validated } from '../input/load-input';
import { attachReporter, outputMode } from '../render/reporter';
import {
  abortOnInterrupt,
  interruptMessages,
  onEachPause,
  pauseHint,
  printOutcome,
  sameCommand,
} from './shared';

/** The execution's page in the Step Functions console, for the partitions that have one we know. */
function consoleUrl(executionArn: string): string | undefined {
  const [, partition, , region] = executionArn.split(':');
  const host =
    partition === 'aws'
      ? `${region}.console.aws.amazon.com`
      : partition === 'aws-cn'
        ? `${region}.console.amazonaws.cn`
        : partition === 'aws-us-gov'
          ? 'console.amazonaws-us-gov.com'
          : undefined;
  return host && `https://${host}/states/home?region=${region}#/v2/executions/details/${executionArn}`;
}

/**
 * `ecs-taper deploy --state-machine ARN [--run-id ID]`: the same input, validated here, handed to the
 * Step Functions runner (runner-lambda's startDeployment), then its progress streamed like a local
 * deploy's (waitForDeployment emits the same events) and its outcome turned into the same exit codes.
 * Ctrl-C stops the waiting, never the execution.
 */
export async function runOnStateMachine(values: Record<string, unknown>, io: CommandIo): Promise<number> {
  const stateMachineArn = String(values['state-machine']);
  if (values.simulator !== undefined) {
    throw new UsageError(
      '--simulator runs the local loop against the simulator; --state-machine hands the deployment to Step Functions in AWS: pass one of them',
      'simulator',
    );
  }
  if (values['take-over'] === true) {
    throw new UsageError(
      "--take-over is for a local deploy: a Step Functions execution holds its deployment's lease itself; drop --take-over",
      'take-over',
    );
  }
  const [lambda, core] = await Promise.all([
    import('@ecs-taper/runner-lambda/client'),
    import('@ecs-taper/core'),
  ]);
  const region = stateMachineRegion(lambda, stateMachineArn, values.region);
  const runId = values['run-id'] as string | undefined;
  if (runId !== undefined && runId.trim() === '') {
    throw new UsageError(
      '--run-id must not be empty; pass the pipeline run id, e.g. --run-id "$GITHUB_RUN_ID"',
      'run-id',
    );
  }
  const sources = collectInput(values);
  const input = validated(sources, () => core.parseDeploymentInput(sources.merged));

  const { createSfnClient } = await import('../aws-clients');
  const client = await createSfnClient({ region, profile: values.profile as string | undefined });
  const events = new core.DeploymentEmitter();
  const mode = outputMode(values.json === true, io.stdout);
  const reporter = attachReporter(events, mode, io.stdout, {
    now: () => Date.now(),
    title: `deploy ${input.service}`,
    command: 'deploy',
  });
  // stdout carries only events with --json; what is said to people goes to stderr then.
  const say = mode === 'json' ? (line: string) => io.stderr.write(`${line}\n`) : reporter.note;
  // At a pause the execution polls the new task set for a mark: any machine sets it, --no-wait only marks.
  onEachPause(events, (deploymentId, { step, steps }) => {
    say(`deployment ${deploymentId} is paused at step ${step} of ${steps}:`);
    for (const line of pauseHint(values)) say(`${line} --no-wait`);
  });
  const controller = new AbortController();
  const release = abortOnInterrupt(controller, io, say, interruptMessages.durable);
  let execution: { arn: string; name: string } | undefined;
  try {
    const started = await lambda.startDeployment({
      client,
      stateMachineArn,
      input: sources.merged,
      ...(runId !== undefined && { runId }),
      signal: controller.signal,
    });
    execution = { arn: started.executionArn, name: started.name };
    say(
      started.started
        ? `started execution ${started.executionArn}`
        : `joined execution ${started.executionArn} (${started.status ?? 'status unknown'}, started ${started.startDate?.toISOString() ?? '?'})`,
    );
    const link = consoleUrl(started.executionArn);
    if (link) say(`console: ${link}`);
    say('Ctrl-C stops waiting only: the deployment goes on in Step Functions');
    const result = await lambda.waitForDeployment({
      client,
      executionArn: started.executionArn,
      events,
      signal: controller.signal,
      onExecution: (arn, index) => {
        if (index > 0) say(`the deployment continues in execution ${arn}`);
      },
    });
    reporter.stop();
    const ok = result.outcome === 'succeeded';
    if (mode !== 'json') printOutcome(io, ok, result.outcome, result.reason);
    const out = mode === 'json' ? io.stderr : io.stdout;
    out.write(`execution${result.executions.length > 1 ? 's' : ''}: ${result.executions.join(' -> ')}\n`);
    if (ok) return ExitCode.ok;
    // A refusal of the input itself is bad input, as when a local deploy refuses it.
    return result.outcome === 'refused' && result.errorName === 'InputValidationError'
      ? ExitCode.badInput
      : ExitCode.failed;
  } catch (error) {
    reporter.stop();
    if (error instanceof Error && error.name === 'WaitAbortedError') {
      const watched = (error as InstanceType<typeof lambda.WaitAbortedError>).executionArn;
      const again = runId === undefined && execution ? ` --run-id ${execution.name}` : '';
      const link = consoleUrl(watched);
      io.stderr.write(
        `stopped waiting. The deployment goes on in Step Functions: execution ${watched}\n` +
          (link ? `  console: ${link}\n` : '') +
          `To watch it again:\n  ${sameCommand('deploy')}${again}\n`,
      );
      return ExitCode.interrupted;
    }
    if (controller.signal.aborted && !execution) {
      // StartExecution may have gone through: with a run id, the same command joins what it started.
      io.stderr.write(
        `stopped before the execution was confirmed.\nRun the same command again${runId === undefined ? ' (with --run-id, so it joins an execution that did start)' : ''}:\n  ${sameCommand('deploy')}\n`,
      );
      return ExitCode.interrupted;
    }
    if (error instanceof Error && error.name === 'ExecutionNameTakenError') {
      io.stderr.write(`ecs-taper deploy: ${error.message} (--run-id)\n`);
      return ExitCode.failed;
    }
    throw error;
  } finally {
    release();
  }
}

/**
 * The region of --state-machine's ARN, where the deployment runs (a state machine lives in one region);
 * a different --region is refused rather than silently ignored.
 */
export function stateMachineRegion(
  lambda: Pick<typeof import('@ecs-taper/runner-lambda/client'), 'parseStateMachineArn'>,
  arn: string,
  regionFlag: unknown,
): string {
  let region: string;
  try {
    region = lambda.parseStateMachineArn(arn).region;
  } catch {
    throw new UsageError(
      `--state-machine must be a state machine ARN, arn:aws:states:REGION:ACCOUNT:stateMachine:NAME, got ${JSON.stringify(arn)}`,
      'state-machine',
    );
  }
  if (typeof regionFlag === 'string' && regionFlag !== region) {
    throw new UsageError(
      `--region ${regionFlag} differs from the region of --state-machine (${region}); drop --region`,
      'region',
    );
  }
  return region;
}
