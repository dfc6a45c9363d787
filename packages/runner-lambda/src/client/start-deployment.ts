import { randomUUID } from 'node:crypto';
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  type ExecutionStatus,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { InputValidationError, parseDeploymentInput } from '@ecs-taper/core';
import { canonicalJson, executionArnFor, executionNameForRun, isExecutionName } from './execution-name';
import { awsErrorName, ExecutionNameTakenError, type SfnCallOptions, sfnCall } from './sfn';

export interface StartDeploymentOptions extends SfnCallOptions {
  stateMachineArn: string;
  /** The deployment input (ours or the seed's event JSON), validated here before any call. */
  input: unknown;
  /** The execution name, used as it is (1-80 of A-Z a-z 0-9 - _). */
  name?: string;
  /** A pipeline's run id: the execution name is derived from it (`executionNameForRun`). */
  runId?: string;
}

export interface StartedDeployment {
  executionArn: string;
  name: string;
  /** False when an execution of this name and input existed already and this call joined it. */
  started: boolean;
  /** RUNNING for a fresh start; a joined execution may have ended already. */
  status: ExecutionStatus | undefined;
  startDate: Date | undefined;
}

/**
 * Hands a deployment to the durable runner: starts an execution of the state machine with `input`, or
 * joins the one a previous attempt of the same run started. Step Functions treats a repeated
 * StartExecution with the same name and input as the same execution while it runs, and refuses the name
 * (ExecutionAlreadyExists) once it ended or for another input; so an existing execution is looked up
 * first (DescribeExecution on the name's ARN): the same input is joined, another input is refused with
 * ExecutionNameTakenError, and StartExecution is sent only for a free name. A race with another
 * attempt (ExecutionAlreadyExists after all) is settled the same way.
 *
 * Without `name` or `runId` a fresh random name is used: still one execution however often the call
 * is retried, but no later attempt can join it.
 */
export async function startDeployment(options: StartDeploymentOptions): Promise<StartedDeployment> {
  parseDeploymentInput(options.input);
  const named = options.name !== undefined || options.runId !== undefined;
  const name = executionName(options);
  const executionArn = executionArnFor(options.stateMachineArn, name);
  const input = canonicalJson(options.input);

  if (named) {
    const existing = await describeIfExists(options, executionArn);
    if (existing) return join(existing, executionArn, name, input);
  }
  try {
    const started = await sfnCall(
      options,
      `starting execution ${name} of ${options.stateMachineArn}`,
      (c, s) =>
        c.send(new StartExecutionCommand({ stateMachineArn: options.stateMachineArn, name, input }), {
          abortSignal: s,
        }),
    );
    return {
      executionArn: started.executionArn ?? executionArn,
      name,
      started: true,
      status: 'RUNNING',
      startDate: started.startDate,
    };
  } catch (error) {
    if (awsErrorName(error) !== 'ExecutionAlreadyExists') throw error;
    // Started by another attempt between our look-up and our start.
    const existing = await describeIfExists(options, executionArn);
    if (!existing) throw error;
    return join(existing, executionArn, name, input);
  }
}

function executionName(options: StartDeploymentOptions): string {
  if (options.name !== undefined) {
    if (!isExecutionName(options.name)) {
      throw new InputValidationError(
        'name',
        `must be 1-80 characters of letters, digits, '-' and '_', got ${JSON.stringify(options.name)}; or pass runId, which is cleaned up`,
      );
    }
    return options.name;
  }
  if (options.runId !== undefined) return executionNameForRun(options.runId);
  return `ecs-taper-${randomUUID()}`;
}

async function describeIfExists(
  options: SfnCallOptions,
  executionArn: string,
): Promise<DescribeExecutionOutput | undefined> {
  try {
    return await sfnCall(options, `looking up execution ${executionArn}`, (c, s) =>
      c.send(new DescribeExecutionCommand({ executionArn }), { abortSignal: s }),
    );
  } catch (error) {
    if (awsErrorName(error) === 'ExecutionDoesNotExist') return undefined;
    throw error;
  }
}

function sameInput(existing: string | undefined, ours: string): boolean {
  if (existing === undefined) return false;
  try {
    return canonicalJson(JSON.parse(existing)) === ours;
  } catch {
    return false;
  }
}

function join(
  existing: DescribeExecutionOutput,
  executionArn: string,
  name: string,
  input: string,
): StartedDeployment {
  if (!sameInput(existing.input, input)) {
    const status = existing.status ?? 'unknown status';
    throw new ExecutionNameTakenError(
      executionArn,
      `execution ${name} (${status}) already exists with a different deployment input: its name belongs to ` +
        'that deployment. Give this deployment a new run id (or name) to start it; ' +
        'rerun with the original input to watch the existing one',
    );
  }
  return {
    executionArn: existing.executionArn ?? executionArn,
    name,
    started: false,
    status: existing.status,
    startDate: existing.startDate,
  };
}
