import { type PhaseContext, readListeners, readLoadBalancerDnsName } from '../aws/read';
import { EcsTaperError, InputValidationError } from '../errors';
import type { DeploymentState } from '../state';
import type { HookContext, HookResult, HookRunner } from './hook-port';
import type { StepDefinition } from './step-types';
import type { DeploymentStep, HookStage, Hooks } from './types';

type HookStep = Extract<DeploymentStep, { type: 'hook' }>;

/**
 * Refuses, before anything changes, a hook the runner cannot run (a shell command under Step Functions,
 * any hook without a runner).
 */
export function assertHooksRunnable(hooks: Hooks | undefined, runner: HookRunner | undefined): void {
  for (const [stage, spec] of Object.entries(hooks ?? {})) {
    if (!spec) continue;
    const reason = runner
      ? runner.unsupported(spec)
      : 'this runner runs no hooks (pass a HookRunner as options.hooks)';
    if (reason) throw new InputValidationError(`hooks.${stage}`, reason);
  }
}

async function hookContext(
  ctx: PhaseContext,
  state: DeploymentState,
  stage: HookStage,
  extra: Partial<HookContext>,
): Promise<HookContext> {
  const topology = state.topology;
  if (!topology) throw new EcsTaperError(`internal: hook ${stage} before discover resolved the topology`);
  const [test] = await readListeners(ctx, { listenerArns: [topology.testListenerArn] });
  const loadBalancerArn = state.input.loadBalancerArn ?? test?.LoadBalancerArn;
  return {
    deploymentId: state.deploymentId,
    stage,
    cluster: state.input.cluster,
    service: state.input.service,
    taskDefinition: state.input.taskDefinition,
    loadBalancerArn,
    loadBalancerDnsName: loadBalancerArn ? await readLoadBalancerDnsName(ctx, loadBalancerArn) : undefined,
    testListenerPort: test?.Port,
    testListenerArn: topology.testListenerArn,
    productionListenerArns: topology.productionListenerArns,
    oldTargetGroupArn: topology.oldTargetGroupArn,
    newTargetGroupArn: topology.newTargetGroupArn,
    oldTaskSetArn: topology.oldTaskSetArn,
    newTaskSetArn: state.newTaskSetArn,
    ...extra,
  };
}

/**
 * Runs the hook configured for `stage`, if any (undefined when none is). Phases call it at their stages
 * (scale-down before each step, rollback when it starts); the `hook` step at the list's.
 */
export async function runHook(
  ctx: PhaseContext,
  state: DeploymentState,
  stage: HookStage,
  extra: Partial<HookContext> = {},
): Promise<HookResult | undefined> {
  const spec = state.input.hooks?.[stage];
  if (!spec) return undefined;
  assertHooksRunnable({ [stage]: spec }, ctx.hooks);
  const runner = ctx.hooks as HookRunner;
  return runner.run(spec, await hookContext(ctx, state, stage, extra), ctx.signal);
}

/** A hook at a position of the step list; failing or timing out, it rolls back. */
export const hookStep: StepDefinition<HookStep> = {
  describe: (step) => `hook ${step.stage}`,
  async run(ctx, state, step) {
    const result = await runHook(ctx, state, step.stage);
    if (!result) throw new EcsTaperError(`internal: no hook configured for the hook step ${step.stage}`);
    return result.ok
      ? { kind: 'done', detail: `hook ${step.stage} passed: ${result.detail}` }
      : { kind: 'rollback', reason: `hook ${step.stage} failed: ${result.detail}` };
  },
};
