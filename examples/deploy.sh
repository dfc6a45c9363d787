#!/usr/bin/env bash
# Deploys the ecs-taper example into an AWS account (or an emulator: AWS_ENDPOINT_URL is honoured by the aws CLI)
# and prints the Step Functions input for a tapered deployment.
#
#   1. builds the Lambda bundle (npm run build -w @ecs-taper/runner-lambda)
#   2. `aws cloudformation package` + `deploy` for cloudformation/infrastructure.yaml  -> stack <prefix>-infra
#   3. `aws cloudformation package` + `deploy` for cloudformation/controller.yaml      -> stack <prefix>-controller
#   4. prints the deployment input (JSON, on stdout; everything else goes to stderr)
#   5. with --start, starts an execution of the state machine with that input, named after the pipeline run, so
#      that a retried job joins it instead of starting another; with --wait, follows it (and every execution it
#      hands the deployment over to) to its end
#
# Running it again is safe: unchanged stacks are left alone (--no-fail-on-empty-changeset), artifacts are uploaded
# under content-hashed keys, and a new function version is published only when the bundle, the controller template
# or a controller parameter changed.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: examples/deploy.sh --prefix NAME --bucket BUCKET [--region REGION] [options]

Required (flags or environment):
  --prefix NAME          stack name prefix; creates NAME-infra and NAME-controller   (ECS_TAPER_STACK_PREFIX)
  --bucket BUCKET        existing S3 bucket in REGION for the packaged artifacts      (ECS_TAPER_BUCKET)
  --region REGION        AWS region                                   (AWS_REGION or AWS_DEFAULT_REGION)

Options:
  --task-definition ARN  the task definition to deploy; default: the stack's TaskDefinitionArn (the first one)
  --start                start a Step Functions execution with the printed input (or join the one of this run)
  --run-id ID            with --start: the pipeline run that names the execution; the same ID joins the same
                         execution. Default: $GITHUB_RUN_ID, $CI_PIPELINE_ID or $BUILD_ID, else a timestamp
  --wait                 with --start: follow the execution and its hand-overs until the deployment ends
  --poll-seconds N       with --wait: seconds between two looks at the execution (default 10; fractions too, e.g. 0.5)
  --input-only           deploy nothing; print the input from the existing stacks (and --start if given)
  --skip-build           use the existing packages/runner-lambda/dist (no npm build)
  --infra-param K=V      extra parameter for infrastructure.yaml (repeatable), e.g. DesiredCount=4
  --controller-param K=V extra parameter for controller.yaml (repeatable), e.g. ApplicationLogLevel=DEBUG
  --packaged-dir DIR     keep the packaged templates in DIR (to review them or run cfn-lint on them)
  -h, --help             this text

Needs: aws (CLI v1 or v2), jq, and node + npm unless --skip-build or --input-only.

Exit codes: 0 done (with --wait: the deployment succeeded); 1 the deployment failed, timed out or was stopped
(--wait), or a stack or AWS call failed; 2 a usage error (a flag, or a --run-id taken by another deployment).
EOF
}

log() { echo "deploy.sh: $*" >&2; }
die() {
  echo "deploy.sh: error: $*" >&2
  exit 1
}
usage_error() {
  echo "deploy.sh: error: $*" >&2
  echo "Run 'examples/deploy.sh --help' for usage." >&2
  exit 2
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
templates="$here/cloudformation"
lambda_dir="$root/packages/runner-lambda/dist/lambda"
asl_file="$root/packages/runner-lambda/dist/state-machine.asl.json"

prefix="${ECS_TAPER_STACK_PREFIX:-}"
bucket="${ECS_TAPER_BUCKET:-}"
region="${AWS_REGION:-${AWS_DEFAULT_REGION:-}}"
task_definition=""
start=false
wait=false
run_id=""
poll_seconds=10
poll_seconds_given=false
input_only=false
build=true
infra_params=()
controller_params=()
packaged_dir=""

need_value() { [[ $# -ge 2 && -n "$2" && "$2" != --* ]] || usage_error "$1 needs a value"; }
while [[ $# -gt 0 ]]; do
  case "$1" in
  --prefix) need_value "$@" && prefix="$2" && shift 2 ;;
  --bucket) need_value "$@" && bucket="$2" && shift 2 ;;
  --region) need_value "$@" && region="$2" && shift 2 ;;
  --task-definition) need_value "$@" && task_definition="$2" && shift 2 ;;
  --infra-param) need_value "$@" && infra_params+=("$2") && shift 2 ;;
  --controller-param) need_value "$@" && controller_params+=("$2") && shift 2 ;;
  --packaged-dir) need_value "$@" && packaged_dir="$2" && shift 2 ;;
  --run-id) need_value "$@" && run_id="$2" && shift 2 ;;
  --poll-seconds) need_value "$@" && poll_seconds="$2" && poll_seconds_given=true && shift 2 ;;
  --start) start=true && shift ;;
  --wait) wait=true && shift ;;
  --input-only) input_only=true && shift ;;
  --skip-build) build=false && shift ;;
  -h | --help) usage && exit 0 ;;
  *) usage_error "unknown argument: $1" ;;
  esac
done

# ------------------------------------------------------------------ checks
tools=(aws jq)
if ! $input_only && $build; then tools+=(node npm); fi
missing=()
for tool in "${tools[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
  die "missing tool(s): ${missing[*]}. Install them (aws: https://aws.amazon.com/cli/ or 'pip install awscli'; \
jq: your package manager; node/npm: Node.js 20+) and make sure they are on PATH. \
scripts/python-tools.sh installs the aws CLI into .venv/bin."
fi

[[ -n "$prefix" ]] || usage_error "the stack prefix is missing: pass --prefix NAME or set ECS_TAPER_STACK_PREFIX"
[[ "$prefix" =~ ^[A-Za-z][A-Za-z0-9-]{0,100}$ ]] ||
  usage_error "--prefix '$prefix' is not a valid stack name prefix (letters, digits, '-'; starts with a letter)"
[[ -n "$region" ]] || usage_error "the region is missing: pass --region REGION or set AWS_REGION"
[[ "$region" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || usage_error "--region '$region' does not look like an AWS region"
if ! $input_only; then
  [[ -n "$bucket" ]] || usage_error "the S3 bucket is missing: pass --bucket BUCKET or set ECS_TAPER_BUCKET"
  [[ "$bucket" =~ ^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$ ]] || usage_error "--bucket '$bucket' is not a valid S3 bucket name"
fi
if ! $start; then
  [[ -z "$run_id" ]] || usage_error "--run-id names the execution that --start starts; add --start"
  ! $wait || usage_error "--wait follows the execution that --start starts or joins; add --start"
fi
! $poll_seconds_given || $wait || usage_error "--poll-seconds sets how often --wait looks at the execution; add --wait"
# Whole or fractional seconds (sleep takes both): 10, 2.5, 0.05 (an emulator that answers at once, as in the tests).
[[ "$poll_seconds" =~ ^(0|[1-9][0-9]{0,3})(\.[0-9]{1,3})?$ && "$poll_seconds" =~ [1-9] ]] ||
  usage_error "--poll-seconds '$poll_seconds' is not a number of seconds from 0.001 to 9999 (e.g. 10 or 0.5)"
for kv in ${infra_params[@]+"${infra_params[@]}"}; do
  [[ "$kv" =~ ^[A-Za-z0-9]+=.*$ ]] || usage_error "--infra-param '$kv' is not KEY=VALUE"
done
# The controller's other parameters come from the infrastructure stack's outputs (and VersionHash from the content).
derived_controller_params=" ClusterName ServiceName ProductionListenerArn TestListenerArn TargetGroupArns TaskRoleArns VersionHash "
for kv in ${controller_params[@]+"${controller_params[@]}"}; do
  [[ "$kv" =~ ^[A-Za-z0-9]+=.*$ ]] || usage_error "--controller-param '$kv' is not KEY=VALUE"
  [[ "$derived_controller_params" != *" ${kv%%=*} "* ]] ||
    usage_error "--controller-param ${kv%%=*} is set by deploy.sh itself (from the infrastructure stack or the content); \
leave it out"
done

infra_stack="$prefix-infra"
controller_stack="$prefix-controller"
aws_() { aws --region "$region" "$@"; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
if [[ -n "$packaged_dir" ]]; then
  mkdir -p "$packaged_dir" || die "cannot create --packaged-dir $packaged_dir"
else
  packaged_dir="$work"
fi

stack_status() {
  aws_ cloudformation describe-stacks --stack-name "$1" --query 'Stacks[0].StackStatus' --output text 2>/dev/null ||
    echo NONE
}

# After a failed deploy: say what state the stack is in and what to do, instead of leaving only the CLI's error.
explain_failure() {
  local status
  status="$(stack_status "$1")"
  case "$status" in
  ROLLBACK_COMPLETE | ROLLBACK_FAILED | DELETE_FAILED)
    die "stack $1 is in $status (its creation failed; see its events). Delete it, then run this again:
  aws --region $region cloudformation describe-stack-events --stack-name $1
  aws --region $region cloudformation delete-stack --stack-name $1" ;;
  REVIEW_IN_PROGRESS) die "creating stack $1 failed; see the error above" ;;
  *_IN_PROGRESS) die "stack $1 is busy ($status); wait until it is done, then run this again" ;;
  *) die "deploying stack $1 failed (status $status); see the error above and:
  aws --region $region cloudformation describe-stack-events --stack-name $1" ;;
  esac
}

package_and_deploy() { # template stack [parameter overrides...]
  local template="$1" stack="$2"
  shift 2
  local packaged
  packaged="$packaged_dir/$(basename "$template" .yaml).packaged.yaml"
  log "packaging $(basename "$template")"
  aws_ cloudformation package --template-file "$template" --s3-bucket "$bucket" --s3-prefix "$prefix" \
    --output-template-file "$packaged" >&2
  log "deploying stack $stack"
  local extra=()
  if [[ $# -gt 0 ]]; then extra+=(--parameter-overrides "$@"); fi
  # CloudFormation takes a template body of up to 51,200 bytes inline; only a larger one goes through S3.
  if (($(wc -c <"$packaged") > 51200)); then extra+=(--s3-bucket "$bucket" --s3-prefix "$prefix"); fi
  aws_ cloudformation deploy --template-file "$packaged" --stack-name "$stack" --capabilities CAPABILITY_IAM \
    --no-fail-on-empty-changeset ${extra[@]+"${extra[@]}"} >&2 || explain_failure "$stack"
}

# VersionHash: a content hash of everything a function version is made of: the bundle (file names and bytes, not
# timestamps), the controller template (memory, timeout, logging...) and the parameter values passed to it. Any change
# publishes a new version that new executions use; an unchanged re-run publishes none.
version_hash() { # bundle-dir template [parameter...]
  local dir="$1" template="$2" sum
  shift 2
  if command -v sha256sum >/dev/null 2>&1; then sum=(sha256sum); else sum=(shasum -a 256); fi
  {
    (cd "$dir" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 "${sum[@]}")
    "${sum[@]}" <"$template"
    printf '%s\n' "$@"
  } | "${sum[@]}" | cut -c1-32
}

# ------------------------------------------------------------------ stack outputs
# The outputs of stack $1 as lines of KEY<tab>VALUE (jq's @tsv: a tab, line break or backslash in a value is
# escaped), read with one jq run for all of them: `output` looks them up in bash, without starting jq again.
outputs_of() { # stack
  local outputs
  outputs="$(aws_ cloudformation describe-stacks --stack-name "$1" --query 'Stacks[0].Outputs' --output json \
    2>"$work/err")" || die "cannot read the outputs of stack $1: $(cat "$work/err")"
  jq -r '(. // [])[] | [.OutputKey, (.OutputValue | tostring)] | @tsv' <<<"$outputs"
}
output() { # outputs (from outputs_of) key
  local line value=""
  while IFS= read -r line; do
    if [[ "${line%%$'\t'*}" == "$2" ]]; then
      value="${line#*$'\t'}"
      break
    fi
  done <<<"$1"
  [[ -n "$value" && "$value" != null ]] ||
    die "stack output $2 is missing; is the stack up to date? (run without --input-only)"
  printf '%b' "$value" # undoes @tsv's escapes (every backslash of the value comes doubled)
}

# ------------------------------------------------------------------ build and deploy
if ! $input_only; then
  if $build; then
    log "building the Lambda bundle (npm run build -w @ecs-taper/runner-lambda)"
    (cd "$root" && npm run build -w @ecs-taper/runner-lambda) >&2
  fi
  compgen -G "$lambda_dir/index.*" >/dev/null ||
    die "no Lambda bundle at $lambda_dir (expected index.js/.mjs/.cjs); build it: npm run build -w @ecs-taper/runner-lambda"
  [[ -f "$asl_file" ]] || die "no state machine definition at $asl_file; build it: npm run build -w @ecs-taper/runner-lambda"

  package_and_deploy "$templates/infrastructure.yaml" "$infra_stack" ${infra_params[@]+"${infra_params[@]}"}
fi

# Plain assignments, so that a missing output stops the script (set -e) instead of passing an empty value on.
infra_outputs="$(outputs_of "$infra_stack")"
cluster="$(output "$infra_outputs" ClusterName)"
service="$(output "$infra_outputs" ServiceName)"
production_listener="$(output "$infra_outputs" ProductionListenerArn)"
test_listener="$(output "$infra_outputs" TestListenerArn)"
target_group_a="$(output "$infra_outputs" TargetGroupAArn)"
target_group_b="$(output "$infra_outputs" TargetGroupBArn)"
execution_role="$(output "$infra_outputs" TaskExecutionRoleArn)"
task_role="$(output "$infra_outputs" TaskRoleArn)"
load_balancer="$(output "$infra_outputs" LoadBalancerArn)"
subnets="$(output "$infra_outputs" PrivateSubnets)"
task_security_group="$(output "$infra_outputs" TaskSecurityGroupId)"
container_name="$(output "$infra_outputs" ContainerName)"
container_port="$(output "$infra_outputs" ContainerPort)"
first_task_definition="$(output "$infra_outputs" TaskDefinitionArn)"
test_listener_port="$(output "$infra_outputs" TestListenerPort)"

if ! $input_only; then
  controller_overrides=(
    "ClusterName=$cluster" "ServiceName=$service"
    "ProductionListenerArn=$production_listener" "TestListenerArn=$test_listener"
    "TargetGroupArns=$target_group_a,$target_group_b" "TaskRoleArns=$execution_role,$task_role"
    ${controller_params[@]+"${controller_params[@]}"}
  )
  hash="$(version_hash "$lambda_dir" "$templates/controller.yaml" "${controller_overrides[@]}")"
  package_and_deploy "$templates/controller.yaml" "$controller_stack" "${controller_overrides[@]}" "VersionHash=$hash"
fi

# ------------------------------------------------------------------ the deployment input
controller_outputs="$(outputs_of "$controller_stack")"
state_machine="$(output "$controller_outputs" StateMachineArn)"
[[ "$container_port" =~ ^[0-9]+$ ]] || die "stack output ContainerPort is not a number: $container_port"
[[ "$test_listener_port" =~ ^[0-9]+$ ]] || die "stack output TestListenerPort is not a number: $test_listener_port"
input="$(jq -n \
  --arg cluster "$cluster" \
  --arg service "$service" \
  --arg taskDefinition "${task_definition:-$first_task_definition}" \
  --arg loadBalancerArn "$load_balancer" \
  --arg subnets "$subnets" \
  --arg securityGroup "$task_security_group" \
  --arg containerName "$container_name" \
  --argjson containerPort "$container_port" \
  --argjson testListenerPort "$test_listener_port" \
  '{cluster: $cluster, service: $service, taskDefinition: $taskDefinition, loadBalancerArn: $loadBalancerArn,
    subnets: ($subnets | split(",")), securityGroups: [$securityGroup],
    containerName: $containerName, containerPort: $containerPort}
   # The listeners are discovered by port; name the test listener port only when it is not the default 8080.
   + (if $testListenerPort == 8080 then {} else {testListenerPort: $testListenerPort} end)')"

log "deployment input (stdout):"
echo "$input"

# ------------------------------------------------------------------ start, join and follow an execution
# Step Functions execution names: 1-80 characters of letters, digits, '-' and '_'.
valid_name='^[A-Za-z0-9_-]{1,80}$'

# The execution name of a pipeline run, exactly as runner-lambda's executionNameForRun derives it (the CLI's
# --run-id), so deploy.sh and `ecs-taper deploy --state-machine` join each other's execution of a run: a valid
# name as it is; anything else cut to letters, digits, '-' and '_' plus a hash of the whole id, so that two ids
# that clean up alike still name two executions.
execution_name_for_run() { # run-id
  local hash cleaned
  if [[ "$1" =~ $valid_name ]]; then
    printf '%s' "$1"
    return
  fi
  hash="$(printf '%s' "$1" | sha256 | cut -c1-10)"
  cleaned="$(jq -rn --arg id "$1" '$id | gsub("[^A-Za-z0-9_-]+"; "-") | sub("^-+"; "") | sub("-+$"; "") | .[0:69]')"
  if [[ -n "$cleaned" ]]; then printf '%s-%s' "$cleaned" "$hash"; else printf '%s' "$hash"; fi
}
sha256() { if command -v sha256sum >/dev/null 2>&1; then sha256sum; else shasum -a 256; fi; }

# arn:<partition>:states:<region>:<account>:execution:<state machine>:<name>; a version or alias qualifier of the
# state machine ARN is dropped (executions are named under the state machine itself).
execution_arn() { # state-machine-arn name
  local arn="$1"
  [[ "$arn" =~ ^(arn:[^:]+:states:[^:]+:[^:]+:)stateMachine:([^:]+)(:[^:]+)?$ ]] ||
    die "not a state machine ARN: $arn"
  printf '%sexecution:%s:%s' "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}" "$2"
}

# Joins execution $2 (ARN $3) that StartExecution refused as existing: only if it runs this deployment's input.
join_existing() { # input name arn
  local described status existing
  described="$(aws_ stepfunctions describe-execution --execution-arn "$3" --output json 2>"$work/err")" ||
    die "an execution named $2 exists already, and looking it up failed: $(cat "$work/err")"
  status="$(jq -r '.status' <<<"$described")"
  existing="$(jq -r '.input // "null"' <<<"$described" | jq -cS . 2>/dev/null || true)"
  if [[ "$existing" != "$1" ]]; then
    usage_error "execution $2 ($status) already exists with a different deployment input: its name belongs to \
that deployment. Pass another --run-id to start this one, or the original input (--task-definition) to watch it."
  fi
  log "execution $2 exists already with this input ($status): joining it instead of starting another"
}

# The state the execution entered last, from a page of its newest history events (the highest event id, whatever
# order the page comes in); empty when none is found. Progress only: an error (e.g. no states:GetExecutionHistory)
# leaves it empty, and the status is still followed.
latest_state() { # execution-arn
  aws_ stepfunctions get-execution-history --execution-arn "$1" --reverse-order --max-items 10 --page-size 10 \
    --output json 2>/dev/null |
    jq -r '[.events[]? | select(.stateEnteredEventDetails.name)] | max_by(.id) | .stateEnteredEventDetails.name // empty' \
      2>/dev/null || true
}

# Follows the deployment from execution $1 to its end, through every hand-over: an execution that ends SUCCEEDED
# with output {"deploymentId": ..., "handedOverTo": NAME} continues in execution NAME of the same state machine.
# Returns 0 when the deployment succeeded, 1 when its last execution failed, timed out or was aborted.
follow() { # execution-arn
  local arn="$1" followed=" " described status shown state shown_state name lookups output next deployment
  while :; do
    [[ "$followed" != *" $arn "* ]] || die "execution $arn was handed over to itself: cannot follow the deployment"
    followed+="$arn "
    following="$arn"
    name="${arn##*:}"
    shown=""
    shown_state=""
    lookups=0
    while :; do
      if ! described="$(aws_ stepfunctions describe-execution --execution-arn "$arn" --output json 2>"$work/err")"; then
        # A successor is started before its predecessor ends, but may take a moment to be visible.
        if grep -q ExecutionDoesNotExist "$work/err" && ((++lookups < 6)); then
          sleep "$poll_seconds"
          continue
        fi
        die "cannot describe execution $arn: $(cat "$work/err")
The deployment goes on without this script; run the same command again to follow it again."
      fi
      status="$(jq -r '.status' <<<"$described")"
      if [[ "$status" != "$shown" ]]; then
        log "execution $name: $status"
        shown="$status"
      fi
      [[ "$status" == RUNNING || "$status" == PENDING_REDRIVE ]] || break
      state="$(latest_state "$arn")"
      if [[ -n "$state" && "$state" != "$shown_state" ]]; then
        log "execution $name: in state '$state'"
        shown_state="$state"
      fi
      sleep "$poll_seconds"
    done
    case "$status" in
    SUCCEEDED)
      output="$(jq -r '.output // "{}"' <<<"$described")"
      next="$(jq -r '.handedOverTo // empty' <<<"$output" 2>/dev/null || true)"
      deployment="$(jq -r '.deploymentId // empty' <<<"$output" 2>/dev/null || true)"
      if [[ -n "$next" ]]; then
        [[ "$next" =~ $valid_name ]] || die "execution $name handed over to '$next', which is not an execution name"
        log "execution $name handed deployment ${deployment:-?} over to execution $next"
        arn="$(execution_arn "$(jq -r '.stateMachineArn' <<<"$described")" "$next")" || exit 1
        continue
      fi
      log "deployment ${deployment:-?} succeeded (execution $name)"
      return 0
      ;;
    FAILED | TIMED_OUT | ABORTED)
      log "deployment failed: execution $name ended $status: $(jq -r '[.error, .cause] | map(select(. != null and . != "")) | if length == 0 then "no error or cause given" else join(": ") end' <<<"$described")"
      log "details: aws --region $region stepfunctions get-execution-history --execution-arn $arn --reverse-order --max-items 20"
      return 1
      ;;
    *) die "execution $name has status '$status', which this script does not know" ;;
    esac
  done
}

if $start; then
  # A retried CI job runs with the same run id, so it asks for the same execution name and input.
  run_source="--run-id"
  if [[ -z "$run_id" ]]; then
    for variable in GITHUB_RUN_ID CI_PIPELINE_ID BUILD_ID; do
      if [[ -n "${!variable:-}" ]]; then
        run_id="${!variable}"
        run_source="\$$variable"
        break
      fi
    done
  fi
  if [[ -n "$run_id" ]]; then
    name="$(execution_name_for_run "$run_id")"
    log "execution name $name (from $run_source)"
  else
    name="ecs-taper-$(date -u +%Y%m%dT%H%M%SZ)"
  fi
  # StartExecution compares the input byte for byte: always the same bytes for the same deployment.
  execution_input="$(jq -cS . <<<"$input")"
  if execution="$(aws_ stepfunctions start-execution --state-machine-arn "$state_machine" --name "$name" \
    --input "$execution_input" --query executionArn --output text 2>"$work/err")"; then
    # Also when an execution of this name and input is still running: StartExecution then returns that one.
    log "started execution: $execution"
  elif grep -q ExecutionAlreadyExists "$work/err"; then
    # The name is taken by an execution that ended, or that runs another input: join it only if it is ours.
    execution="$(execution_arn "$state_machine" "$name")"
    join_existing "$execution_input" "$name" "$execution"
  else
    die "cannot start an execution of $state_machine: $(cat "$work/err")"
  fi
  if $wait; then
    following="$execution"
    trap 'log "stopped waiting; the deployment goes on in execution $following. Run the same command again to follow it."; exit 130' INT TERM
    follow "$execution" || exit 1
  else
    log "watch it:  aws --region $region stepfunctions describe-execution --execution-arn $execution"
  fi
else
  log "start a deployment with: examples/deploy.sh --prefix $prefix --region $region --input-only --start \
[--task-definition NEW_TASK_DEFINITION_ARN] [--wait]"
fi
