import type { DeploymentSnapshot } from '@ecs-taper/core';
import type { ControlView, ScaleDownProgress } from '../commands/status';
import { formatDuration, paint, shortArn, type Terminal, visibleText } from './terminal';

/** Rows as columns two spaces apart, by visible width (the last column unpadded). */
export function table(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, visible(cell).length);
    });
  return rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visible(cell).length),
      )
      .join('  ')
      .trimEnd(),
  );
}

const visible = visibleText;

/** The text form of `ecs-taper status`. */
export function renderStatus(
  snapshot: DeploymentSnapshot,
  scaleDown: ScaleDownProgress | undefined,
  term: Pick<Terminal, 'color'>,
  control: ControlView & { now: number } = { now: Date.now() },
): string {
  const out: string[] = [];
  const service = snapshot.service;
  out.push(
    service
      ? `${paint(term, 'bold', `service ${service.name}`)}  ${service.status}, desiredCount ${service.desiredCount}`
      : paint(term, 'yellow', 'service not found (deploy creates it)'),
  );
  const health = new Map(snapshot.targetGroups.map((tg) => [tg.arn, tg]));
  const healthText = (arn: string) => {
    const tg = health.get(arn);
    if (!tg) return '';
    const others = Object.entries(tg.notHealthy).map(([state, n]) => `${n} ${state}`);
    return [`${tg.healthy} healthy`, ...others].join(', ');
  };

  out.push('', paint(term, 'bold', 'listeners'));
  out.push(
    ...table(
      snapshot.listeners.map((l) => [
        `  :${l.port ?? '?'}`,
        l.role,
        `-> ${forwards(l) || '(no forward)'}`,
        l.targetGroupArns.map(healthText).join('; '),
      ]),
    ),
  );

  const inProgress = snapshot.deploymentInProgress;
  out.push('', paint(term, 'bold', 'task sets'));
  if (snapshot.taskSets.length === 0) out.push('  none');
  out.push(
    ...table(
      snapshot.taskSets.map((set) => [
        `  ${set.id}`,
        set.status,
        shortArn(set.taskDefinition),
        `tg ${shortArn(set.targetGroupArn)}`,
        `scale ${set.scalePercent ?? '?'}%`,
        `${set.running}/${set.desired} running${set.pending ? `, ${set.pending} pending` : ''}`,
        set.stabilityStatus === 'STEADY_STATE'
          ? paint(term, 'green', 'STEADY_STATE')
          : paint(term, 'yellow', set.stabilityStatus ?? '?'),
        set.arn === inProgress?.taskSetArn ? paint(term, 'cyan', `new (${inProgress.deploymentId})`) : '',
      ]),
    ),
  );
  if (inProgress?.controller) {
    const { id, leaseExpiresAt } = inProgress.controller;
    const live = leaseExpiresAt > control.now;
    out.push(
      `  driven by ${id}, lease ${live ? 'until' : 'expired at'} ${new Date(leaseExpiresAt).toISOString()}` +
        (live ? ' (another deploy is refused until then; --take-over if that process is gone)' : ''),
    );
  }
  if (inProgress?.autoScalingSuspended) out.push('  Application Auto Scaling suspended for the deployment');

  out.push('');
  if (!inProgress) {
    out.push('no deployment in progress');
  } else {
    let where = control.currentStep
      ? 'scale-down not started'
      : 'scale-down not started (new task set starting, or waiting to swap or settle)';
    if (scaleDown && scaleDown.oldTasks < scaleDown.desiredCount) {
      where = scaleDown.step
        ? `scale-down step ${scaleDown.step} of ${scaleDown.steps}: ${scaleDown.oldTasks} of ${scaleDown.desiredCount} old tasks left`
        : `scale-down under way: ${scaleDown.oldTasks} of ${scaleDown.desiredCount} old tasks left`;
    }
    out.push(`${paint(term, 'cyan', 'deployment in progress')}: ${inProgress.deploymentId}, ${where}`);
    out.push(...controlLines(control, term, inProgress.abortRequested === true));
  }
  return `${out.join('\n')}\n`;
}

/** A listener's target groups, with their weights while it splits new flows (a canary). */
function forwards(listener: DeploymentSnapshot['listeners'][number]): string {
  const weights = listener.weights;
  return listener.targetGroupArns
    .map((arn) => (weights ? `${shortArn(arn)} ${weights[arn] ?? 0}%` : shortArn(arn)))
    .join(', ');
}

/** The current step, a pause (how long, and the commands that act on it), an abort requested. */
function controlLines(
  control: ControlView,
  term: Pick<Terminal, 'color'>,
  abortRequested: boolean,
): string[] {
  const out: string[] = [];
  const step = control.currentStep;
  if (step) {
    const of = step.of === undefined ? '' : ` of ${step.of}`;
    out.push(
      step.description
        ? `  step ${step.number}${of}: ${step.description}`
        : `  step ${step.number} of the deploy's steps (give status the deploy's --input or step flags to name it)`,
    );
  }
  if (abortRequested) {
    out.push(`  ${paint(term, 'yellow', 'abort requested')}: its controller rolls back at its next look`);
  }
  const commands = control.commands;
  if (control.pause && !abortRequested) {
    const { step: at, since, seconds } = control.pause;
    out.push(
      `  ${paint(term, 'yellow', `paused at step ${at}`)} for ${formatDuration(seconds)} (since ${new Date(since).toISOString()})`,
    );
    if (commands) {
      out.push(`  continue:   ${commands.promote}`, `  roll back:  ${commands.abort}`);
      if (control.stepsUnknown) {
        out.push(
          "  (add the deploy's step, hook and schedule flags to promote, or its --input: it runs the same steps)",
        );
      }
    }
    return out;
  }
  out.push('  resume it with `ecs-taper deploy` and the same input, or undo it with `ecs-taper rollback`');
  if (commands && !abortRequested) out.push(`  roll back:  ${commands.abort}`);
  return out;
}
