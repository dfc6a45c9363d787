import type { DeploymentSnapshot } from '@ecs-taper/core';
import type { ScaleDownProgress } from '../commands/status';
import { paint, shortArn, type Terminal, visibleText } from './terminal';

function table(rows: string[][]): string[] {
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
        `-> ${l.targetGroupArns.map(shortArn).join(', ') || '(no forward)'}`,
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
    const live = leaseExpiresAt > Date.now();
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
    let where = 'scale-down not started (new task set starting, or waiting to swap or settle)';
    if (scaleDown && scaleDown.oldTasks < scaleDown.desiredCount) {
      where = scaleDown.step
        ? `scale-down step ${scaleDown.step} of ${scaleDown.steps}: ${scaleDown.oldTasks} of ${scaleDown.desiredCount} old tasks left`
        : `scale-down under way: ${scaleDown.oldTasks} of ${scaleDown.desiredCount} old tasks left`;
    }
    out.push(`${paint(term, 'cyan', 'deployment in progress')}: ${inProgress.deploymentId}, ${where}`);
    out.push('  resume it with `ecs-taper deploy` and the same input, or undo it with `ecs-taper rollback`');
  }
  return `${out.join('\n')}\n`;
}
