/**
 * The action: reads its inputs, runs `ecs-taper plan --json` (the plan for the summary; bad schedule input
 * stops here) and `ecs-taper deploy --json` with the same flags, then writes the job summary and the
 * outputs from the CLI's events, and fails the step unless the deployment succeeded. The deployment
 * itself, its validation and its messages are all the CLI's.
 */
import * as core from '@actions/core';
import type { DeploymentEvent } from '@ecs-taper/core';
import { type ActionArgs, ActionInputError, actionArgs } from './args';
import { type DeploymentReport, parseEvents, reportOf } from './outcome';
import { cliMessage, runCli } from './run-cli';
import { newFlowsPerSecond, type RunningSimulator, startSimulator, worldInput } from './simulator';
import { type PlanJson, renderSummary, type SummaryInput } from './summary';

/** A progress line for the job's log per event that says something new (polls that repeat are left out). */
function logger(): (event: DeploymentEvent) => string | undefined {
  let lastDetail = '';
  return (event) => {
    switch (event.type) {
      case 'deployment-started':
        return `deployment ${event.deploymentId} ${event.resumed ? 'resumed from the real state' : 'started'}`;
      case 'phase-finished': {
        const shape = `${event.phase} ${event.detail.replace(/\d+/g, '#')}`;
        if (shape === lastDetail) return undefined;
        lastDetail = shape;
        return `${event.phase}: ${event.detail}`;
      }
      case 'scale-step':
        return `scale-down step ${event.step} of ${event.steps}: ${event.remainingTasks} old tasks remain (${event.removedTasks} stopped)`;
      case 'rollback-started':
        return `rolling back: ${event.reason}`;
      case 'deployment-finished':
        return `deployment ${event.deploymentId} ${event.outcome}${event.reason ? `: ${event.reason}` : ''}`;
      default:
        return undefined;
    }
  };
}

function runnerName(args: ActionArgs): string {
  if (args.mode === 'state-machine') return `Step Functions (\`${core.getInput('state-machine-arn')}\`)`;
  if (args.simulator === 'embedded') return 'local loop, against a fresh simulator';
  if (args.simulator) return `local loop, against the simulator at ${args.simulator.url}`;
  return 'local loop (this job)';
}

function refusedBeforeStart(reason: string): DeploymentReport {
  return {
    outcome: 'refused',
    reason,
    deploymentId: undefined,
    resumed: false,
    startedAt: undefined,
    finishedAt: undefined,
    steps: [],
    rollbackReason: undefined,
  };
}

async function finish(summary: SummaryInput): Promise<void> {
  const { report } = summary;
  core.setOutput('deployment-id', report.deploymentId ?? '');
  core.setOutput('outcome', report.outcome);
  core.setOutput('reason', report.reason);
  core.setOutput('steps', String(report.steps.at(-1)?.step ?? 0));
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(renderSummary(summary)).write();
  if (report.outcome !== 'succeeded') core.setFailed(`ecs-taper deploy ${report.outcome}: ${report.reason}`);
}

/** The plan for the summary; a refusal of the input ends the run here, before any deploy. */
async function readPlan(inputArgs: string[]): Promise<{ plan?: PlanJson; note?: string; refused?: string }> {
  const run = await runCli(['plan', '--json', ...inputArgs]);
  const message = cliMessage(run.stderr) ?? `ecs-taper plan exited with code ${run.code}`;
  if (run.code === 2) return { refused: message };
  if (run.code !== 0) return { note: `No plan: ${message}` };
  try {
    return { plan: JSON.parse(run.lines.join('\n')) as PlanJson };
  } catch (error) {
    return { note: `No plan: ecs-taper plan --json printed no JSON (${(error as Error).message})` };
  }
}

export async function run(): Promise<void> {
  let args: ActionArgs;
  try {
    args = actionArgs((name) => core.getInput(name));
  } catch (error) {
    if (!(error instanceof ActionInputError)) throw error;
    return finish({ report: refusedBeforeStart(error.message), runner: '-' });
  }
  let simulator: RunningSimulator | undefined;
  try {
    let url = typeof args.simulator === 'object' ? args.simulator.url : undefined;
    if (args.simulator === 'embedded') {
      simulator = await startSimulator();
      url = simulator.url;
      args.inputArgs.push(`--simulator=${url}`);
      core.info(`started the simulator at ${url}`);
    }
    const world = url ? await worldInput(url).catch(() => ({}) as Record<string, unknown>) : {};
    const named = (input: string, field: string) =>
      core.getInput(input) || (typeof world[field] === 'string' ? (world[field] as string) : undefined);
    const base = {
      runner: runnerName(args),
      service: named('service', 'service'),
      cluster: named('cluster', 'cluster'),
    };

    const planned = await readPlan(args.inputArgs);
    if (planned.refused) return finish({ ...base, report: refusedBeforeStart(planned.refused) });

    const log = logger();
    const deploy = await runCli(['deploy', '--json', ...args.inputArgs, ...args.deployArgs], {
      onLine: (line) => {
        const [event] = parseEvents([line]);
        const text = event ? log(event) : line;
        if (text !== undefined) core.info(text);
      },
      onError: (line) => core.info(line),
    });
    const report = reportOf(deploy.code, parseEvents(deploy.lines), deploy.stderr);

    let flows: SummaryInput['flows'];
    let chartNote: string | undefined;
    const loadBalancerArn = named('load-balancer', 'loadBalancerArn');
    if (!url) {
      chartNote =
        "The chart is drawn in simulator mode, from the simulator's NewFlowCount per second; on AWS, the NLB's NewFlowCount metric in CloudWatch (AWS/NetworkELB, per minute) shows the same.";
    } else if (report.startedAt === undefined || report.finishedAt === undefined || !loadBalancerArn) {
      chartNote = 'No chart: the deployment did not run to an end.';
    } else {
      try {
        flows = await newFlowsPerSecond(url, loadBalancerArn, report.startedAt, report.finishedAt);
      } catch (error) {
        chartNote = `No chart: ${(error as Error).message}`;
      }
    }
    await finish({ ...base, report, plan: planned.plan, planNote: planned.note, flows, chartNote });
  } finally {
    await simulator?.stop();
  }
}
