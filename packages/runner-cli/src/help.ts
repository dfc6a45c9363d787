import { type CommandName, flagsHelp } from './input/command-flags';

const exitCodes = `Exit codes:
  0    success
  1    the deployment failed or was rolled back, or AWS refused (lock held, unsafe topology, API error)
  2    bad input: unknown flag, missing or invalid field (the message names it and the fix)
  130  stopped by Ctrl-C between two AWS calls; run the same command again to resume
       (deploy --state-machine: only the waiting stopped; the same command watches it again)`;

/**
 * The flag sections of a command that takes a deployment input (generated from the same declarations as
 * its parser: input/command-flags.ts), then AWS access.
 */
function inputHelp(command: CommandName): string {
  return flagsHelp(
    command,
    `Flags (the deployment input comes from flags, or from --input FILE holding our flat JSON input or
the seed sample's event JSON unchanged; flags override fields of the file, and a schedule flag such as
--over, --decrement-tasks or --max-new-connections-per-second replaces the file's schedule mode;
numbers are decimal digits, with a fraction where the field allows one; every problem is reported):`,
  );
}

export const mainHelp = `ecs-taper: deploy a new ECS task set behind a Network Load Balancer without a reconnection storm.
It health-gates the new task set, swaps the listener, then retires the old set a few tasks at a time.

Usage: ecs-taper <command> [flags]

Commands:
  simulate    a deployment against the built-in simulator, with a chart (no AWS account needed)
  deploy      deploy a new task definition (resumes an unfinished one)
  plan        show the scale-down schedule and the predicted reconnection peak; changes nothing
  status      listeners, target groups, task sets and a deployment in progress
  rollback    roll back a deployment in progress
  promote     continue a deployment waiting at a pause (--pause-before-scale-down, --pause-after-canary)
  abort       roll back a deployment in progress, also one driven by another process (marks it for that one)
  simulator   simulator serve: a simulated ECS + NLB for deploy/status/rollback --simulator URL

Run \`ecs-taper <command> --help\` for a command's flags and examples.

Examples:
  ecs-taper simulate
  ecs-taper plan --desired-count 12 --decrement-tasks 2 --interval 90
  ecs-taper deploy --input event.json --region eu-west-1
  ecs-taper status --cluster prod --service api --load-balancer arn:aws:elasticloadbalancing:...

  --version   print the version
  --help      print this help
  --no-color  no colour (any command; --color forces it). Else FORCE_COLOR (0 turns it off), NO_COLOR,
              and colour on a terminal only

${exitCodes}`;

export const deployHelp = `Usage: ecs-taper deploy [flags]

Deploys a new task definition: creates a task set on the standby target group, waits until every
target is healthy, swaps the production listener to it, then scales the old task set down step by
step and deletes it. Rolls back automatically on a failure or an alarm.

Progress: live on a terminal, plain log lines otherwise, one JSON event per line with --json.
Ctrl-C stops safely between two AWS calls; running the same command again resumes from the real
state of the service (it never creates a second task set).

Steps: --canary WEIGHT%:DURATION sends a share of new flows to the new version first (repeatable);
--pause-after-canary and --pause-before-scale-down wait until \`ecs-taper promote\` (the output prints
the exact promote and abort commands; this process may be stopped meanwhile). --hook STAGE=COMMAND
runs a shell command at a stage (its output is shown; a failure or --hook-timeout rolls back).

With --state-machine ARN the deployment runs in AWS Step Functions (the runner-lambda state machine)
instead of this process: the input is validated here, handed to a new execution, and its progress
shown as above until it ends, with the same exit codes. --run-id names the execution, so the same
command again (a retried CI job) joins it instead of starting another; an execution of that name
with a different input is refused (use a new run id). Ctrl-C stops waiting only: the deployment goes
on, and the same command with the same --run-id watches it again. Needs states:StartExecution on the
state machine, states:DescribeExecution and states:GetExecutionHistory on its executions.

${inputHelp('deploy')}

Examples:
  ecs-taper deploy --cluster prod --service api --task-definition api:42 \\
    --load-balancer arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/net/api/0123 \\
    --subnets subnet-1,subnet-2 --security-groups sg-1 --decrement-tasks 2 --interval 90
  ecs-taper deploy --input seed-event.json --region us-east-1
  ecs-taper deploy --input input.json --task-definition api:43 --json | tee events.jsonl
  ecs-taper deploy --simulator http://127.0.0.1:4510
  ecs-taper deploy --input input.json --canary 10%:5m --pause-after-canary \\
    --hook before-swap=./smoke-test.sh --hook-timeout 120
  ecs-taper deploy --input input.json --run-id "$GITHUB_RUN_ID" \\
    --state-machine arn:aws:states:eu-west-1:000000000000:stateMachine:ecs-taper

${exitCodes}`;

export const planHelp = `Usage: ecs-taper plan [flags]

Prints the scale-down schedule (time, scale %, tasks remaining, tasks removed) and the predicted
peak of reconnections, changing nothing. Offline with --desired-count N; otherwise it reads the
service's desiredCount (needs --cluster and --service, and AWS access or --simulator).

Takes the same input as deploy; only desiredCount and the schedule fields matter.

${inputHelp('plan')}

Examples:
  ecs-taper plan --desired-count 20
  ecs-taper plan --desired-count 12 --decrement-tasks 2 --interval 90 --connections-per-task 500 --reconnect-spread 10
  ecs-taper plan --desired-count 40 --connections-per-task 800 --reconnect-spread 30 --max-new-connections-per-second 200
  ecs-taper plan --input seed-event.json --desired-count 4 --json
  ecs-taper plan --input input.json --region eu-west-1

${exitCodes}`;

export const statusHelp = `Usage: ecs-taper status [flags]

Shows the live topology: which target group each listener serves (with the weights during a
canary), the task sets with their counts and stability, target health, and a deployment in progress:
its step, a pause (since when, and the promote and abort commands), an abort requested, its
scale-down step. Read-only. Takes the deploy's --input file or the flags below, all but those that
only create the task set (only cluster, service and the load balancer or listeners are needed; the
schedule fields, when given, let it name the scale-down step, the steps, from --input or the step
flags, let it describe the current step, and the rest goes into the promote and abort commands it
prints).

${inputHelp('status')}

Examples:
  ecs-taper status --cluster prod --service api --load-balancer arn:aws:elasticloadbalancing:...
  ecs-taper status --input input.json --json
  ecs-taper status --simulator http://127.0.0.1:4510

${exitCodes}`;

export const rollbackHelp = `Usage: ecs-taper rollback [flags]

Rolls back the unfinished deployment of the input's task definition: restores the old task set to
full size, points production back to it, and deletes the new task set. Takes the --input file of the
deploy it undoes, or the flags below: where the deployment is, its waits and its on-rollback hook (not
the network or the schedule of the new task set, which a rollback never uses). Exits 0 once rolled
back, 1 when there is nothing to roll back or it fails.

${inputHelp('rollback')}

Examples:
  ecs-taper rollback --input input.json --region eu-west-1
  ecs-taper rollback --input seed-event.json --reason "errors in canary"
  ecs-taper rollback --simulator http://127.0.0.1:4510

${exitCodes}`;

export const promoteHelp = `Usage: ecs-taper promote [flags]

Continues a deployment waiting at a pause step (--pause-before-scale-down, --pause-after-canary, or a
pause in the input's steps): marks its new task set so that the controller waiting there goes on, then
drives the rest of the deployment in this process like a resumed deploy, with the same progress and
exit codes. Give it the same input as the deploy (the same --input and flags: its steps, hooks and
schedule); the paused deploy prints this command ready to copy.

If another controller still holds the deployment's lease (the deploy that paused is still running, or
a Step Functions execution), that one continues, and this process waits until the lease ends (when
the deployment finishes, or a lease after that process died; --take-over: at once). With --no-wait it
only marks and exits 0, naming the controller that continues. A deployment that is not paused: exit 1.

${inputHelp('promote')}

Examples:
  ecs-taper promote --input input.json --pause-before-scale-down --region eu-west-1
  ecs-taper promote --input input.json --pause-before-scale-down --no-wait
  ecs-taper promote --simulator http://127.0.0.1:4510 --pause-before-scale-down

${exitCodes}`;

export const abortHelp = `Usage: ecs-taper abort [flags]

Rolls back a deployment in progress: marks its new task set aborted (a controller that is still
running, a waiting deploy or a Step Functions execution, stops driving it), then takes its lease and
rolls back in this process: old task set restored to full size, production back to it, new task set
deleted. Exits 0 once rolled back (what was asked for), 1 if the rollback fails. With --no-wait it
only marks and exits 0: the deployment's controller rolls back at its next look. Takes the same input
as the deploy.

${inputHelp('abort')}

Examples:
  ecs-taper abort --input input.json --pause-before-scale-down --region eu-west-1
  ecs-taper abort --input input.json --reason "errors in canary" --no-wait
  ecs-taper abort --simulator http://127.0.0.1:4510

${exitCodes}`;

export const simulateHelp = `Usage: ecs-taper simulate [flags]

Runs a deployment against the built-in simulator (ECS task sets, an NLB, and thousands of clients
with long-lived connections) with time compressed, shows the same live progress as deploy, and
ends with a chart of new connections per second and connections per task set over time: the
chosen strategy against a baseline (all-at-once, as CodeDeploy does on an NLB). No AWS needed.

${flagsHelp('simulate')}

Examples:
  ecs-taper simulate
  ecs-taper simulate --tasks 40 --connections-per-task 1000 --decrement-tasks 4 --report report.html
  ecs-taper simulate --strategy seed --baseline taper
  ecs-taper simulate --bad-version unhealthy
  ecs-taper simulate --json | jq .peakNewConnectionsPerSecond

${exitCodes}`;

export const simulatorHelp = `Usage: ecs-taper simulator serve [flags]

Serves one simulated world (an EXTERNAL ECS service with a task set of v1, an NLB with listeners on
80 and 8080, clients holding connections) on loopback, so separate processes (deploy, status,
rollback, a deploy killed and started again) act on the same service. Pass --simulator URL to those
commands; deploy then needs no other flag: the server suggests an input that deploys v2. Simulated
time passes only while a command waits, at --speed simulated seconds per real second.

${flagsHelp('simulator')}

Examples:
  ecs-taper simulator serve --port 4510 &
  ecs-taper deploy --simulator http://127.0.0.1:4510
  ecs-taper status --simulator http://127.0.0.1:4510
  ecs-taper rollback --simulator http://127.0.0.1:4510

${exitCodes}`;

/** Each command's help, by name (cli.ts can look a command's help up here). */
export const commandHelp: Record<CommandName, string> = {
  deploy: deployHelp,
  plan: planHelp,
  status: statusHelp,
  rollback: rollbackHelp,
  promote: promoteHelp,
  abort: abortHelp,
  simulate: simulateHelp,
  simulator: simulatorHelp,
};
