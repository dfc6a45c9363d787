import { taskSetTag } from '../aws/task-set-tags';
import { tagTaskSet, untagTaskSet } from '../aws/write';
import { encodeStepMark } from './advance';
import type { StepDefinition } from './step-types';
import type { DeploymentStep } from './types';

type PauseStep = Extract<DeploymentStep, { type: 'pause' }>;

/**
 * A pause waits for time, or for `ecs-taper promote` to mark the new set with the pause's index (a mark in
 * AWS, so any process, a Step Functions execution included, sees it; the waiting process may be stopped).
 */
export const pauseStep: StepDefinition<PauseStep> = {
  describe: (step) =>
    step.untilPromoted ? 'pause until promoted' : `pause for ${step.seconds} s (or until promoted)`,
  async run(ctx, state, step, { index, tags }) {
    const arn = state.newTaskSetArn;
    const since = state.stepEnteredAt ?? ctx.now;
    const promoted = tags[taskSetTag.promote] === String(index);
    const leftMs = step.seconds === undefined ? undefined : since + step.seconds * 1000 - ctx.now;
    if (promoted || (leftMs !== undefined && leftMs <= 0)) {
      const marks = [taskSetTag.paused, taskSetTag.promote].filter((key) => tags[key] !== undefined);
      if (arn && marks.length > 0) await untagTaskSet(ctx, arn, marks);
      return { kind: 'done', detail: promoted ? 'promoted' : `paused ${step.seconds} s` };
    }
    // `<step index>:<paused since>`, as the step mark: what `status` shows.
    const mark = encodeStepMark(index, since);
    if (arn && tags[taskSetTag.paused] !== mark) await tagTaskSet(ctx, arn, { [taskSetTag.paused]: mark });
    const poll = state.input.pollIntervalSeconds;
    const until = leftMs === undefined ? '' : ` for ${Math.ceil(leftMs / 1000)} s more`;
    return {
      kind: 'wait',
      paused: true,
      seconds: leftMs === undefined ? poll : Math.min(poll, Math.ceil(leftMs / 1000)),
      detail:
        `paused${until}: \`ecs-taper promote\` continues, \`ecs-taper abort\` rolls back ` +
        `(same input flags; this process may be stopped meanwhile)`,
    };
  },
};
