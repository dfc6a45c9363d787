import type { DeploymentPreview, DeploymentSnapshot, ResolvedInput } from '@ecs-taper/core';
import { phaseLabels } from '@ecs-taper/core/workflow';
import { renderPlan } from './plan-view';
import { table } from './status-view';
import { paint, shortArn, type Terminal } from './terminal';

/** Which group is live and which is standby: discover's topology when it got that far, else the listeners. */
function groupRoles(preview: DeploymentPreview, found: DeploymentSnapshot): Map<string, string> {
  const roles = new Map<string, string>();
  const decision = preview.decision;
  if (decision.kind === 'deploy') {
    const { topology } = decision;
    // After the swap (a resumed deployment) the new group is the live one.
    const liveIsNew = found.listeners.some(
      (l) => l.role === 'production' && l.targetGroupArns.includes(topology.newTargetGroupArn),
    );
    roles.set(topology.oldTargetGroupArn, liveIsNew ? 'old, standby' : 'live (old version)');
    roles.set(topology.newTargetGroupArn, liveIsNew ? 'live (new version)' : 'standby (new version)');
    return roles;
  }
  for (const group of found.targetGroups) roles.set(group.arn, group.role);
  return roles;
}

/** The topology as read: listeners, target groups (which is live), task sets. */
function renderFound(preview: DeploymentPreview, found: DeploymentSnapshot, term: Pick<Terminal, 'color'>) {
  const out: string[] = [];
  const service = found.service;
  out.push(
    service
      ? `${paint(term, 'bold', `service ${service.name}`)}  ${service.status}, desiredCount ${service.desiredCount}`
      : paint(term, 'yellow', 'service not found'),
  );
  const roles = groupRoles(preview, found);
  const health = new Map(found.targetGroups.map((group) => [group.arn, group]));
  out.push('', paint(term, 'bold', 'listeners'));
  out.push(
    ...table(
      found.listeners.map((l) => [
        `  :${l.port ?? '?'}`,
        l.role,
        `-> ${l.targetGroupArns.map((arn) => (l.weights ? `${shortArn(arn)} ${l.weights[arn] ?? 0}%` : shortArn(arn))).join(', ') || '(no forward)'}`,
        shortArn(l.arn),
      ]),
    ),
  );
  out.push('', paint(term, 'bold', 'target groups'));
  out.push(
    ...table(
      [...roles.keys(), ...found.targetGroups.map((g) => g.arn).filter((arn) => !roles.has(arn))].map(
        (arn) => {
          const group = health.get(arn);
          const others = Object.entries(group?.notHealthy ?? {}).map(([state, n]) => `${n} ${state}`);
          return [
            `  ${shortArn(arn)}`,
            roles.get(arn) ?? 'unknown',
            group ? [`${group.healthy} healthy`, ...others].join(', ') : '',
          ];
        },
      ),
    ),
  );
  out.push('', paint(term, 'bold', 'task sets'));
  if (found.taskSets.length === 0) out.push('  none');
  const decision = preview.decision;
  const role = (arn: string) =>
    decision.kind !== 'deploy'
      ? ''
      : arn === decision.newTaskSetArn
        ? `new (deployment ${decision.deploymentId})`
        : arn === decision.topology.oldTaskSetArn
          ? 'old'
          : '';
  out.push(
    ...table(
      found.taskSets.map((set) => [
        `  ${set.id}`,
        set.status,
        shortArn(set.taskDefinition),
        `tg ${shortArn(set.targetGroupArn)}`,
        `${set.running}/${set.desired} running`,
        set.stabilityStatus ?? '?',
        role(set.arn),
      ]),
    ),
  );
  return out;
}

/** What deploy would do, in one line. */
function renderDecision(preview: DeploymentPreview, input: ResolvedInput, term: Pick<Terminal, 'color'>) {
  const decision = preview.decision;
  switch (decision.kind) {
    case 'already-deployed':
      return [`${paint(term, 'green', 'nothing to do')}: ${decision.detail}`];
    case 'refused':
      return [
        `${paint(term, 'red', 'deploy would be refused')} (${decision.error.name}): ${decision.error.message}`,
      ];
    case 'deploy': {
      const what = decision.resumes
        ? `would resume deployment ${decision.deploymentId} at ${phaseLabels[decision.phase]}`
        : `would deploy ${shortArn(input.taskDefinition)} as deployment ${decision.deploymentId}: a new task set on ${shortArn(decision.topology.newTargetGroupArn)}`;
      return [`${paint(term, 'cyan', 'deploy')} ${what} (${decision.detail})`];
    }
  }
}

/**
 * The text of `ecs-taper deploy --dry-run`: what was found (core's previewDeployment), what deploy would do
 * or why it would refuse, and the scale-down plan it would follow (the plan view of `ecs-taper plan`).
 */
export function renderPreview(
  preview: DeploymentPreview,
  input: ResolvedInput,
  term: Pick<Terminal, 'color'>,
  /** Executions under the Step Functions runner (with --state-machine). */
  executions?: number,
): string {
  const out = [paint(term, 'bold', 'Dry run: read only, nothing was changed'), ''];
  if (preview.found) out.push(...renderFound(preview, preview.found, term), '');
  out.push(...renderDecision(preview, input, term));
  let text = `${out.join('\n')}\n`;
  const plan = preview.plan;
  if (plan) {
    const source = `service ${input.service}, ${plan.oldTasks} old tasks now`;
    text += `\n${renderPlan(plan.plan, plan.options, source, term, executions)}`;
  } else if (preview.decision.kind === 'deploy') {
    text += '\nNo scale-down step left: the old task set has no tasks.\n';
  }
  return text;
}
