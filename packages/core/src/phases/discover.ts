import type { Service, TaskSet } from '@aws-sdk/client-ecs';
import type { Listener, TargetGroup } from '@aws-sdk/client-elastic-load-balancing-v2';
import { isOurs, otherTool, readAllTaskSetTags, readClusterServices } from '../aws/ownership';
import {
  forwardTargetGroups,
  liveTaskSets,
  type PhaseContext,
  readContainerPort,
  readListeners,
  readService,
  readTargetGroups,
  readTargetHealth,
  targetGroupOf,
} from '../aws/read';
import { decodeLease, decodeTime, taskSetTag } from '../aws/task-set-tags';
import { sameTaskDefinition, taskCounts } from '../aws/task-sets';
import { decodeSuspendedState } from '../controller/autoscaling';
import { assertLeaseFree } from '../controller/lease';
import { closestName } from '../did-you-mean';
import { DeploymentLockedError, InputValidationError, TopologyError } from '../errors';
import type { PhaseName } from '../events';
import type { ResolvedInput } from '../input';
import { type DeploymentState, end, go, type PhaseResult, type Topology } from '../state';
import { decodeStepMark, phaseOfStep, stepsOf } from '../steps/advance';
import type { DeploymentStep } from '../steps/types';

export interface DiscoverObservation {
  service: Service | undefined;
  listeners: Listener[];
  /** Target groups of the NLB; undefined when listeners were given explicitly. */
  targetGroups: TargetGroup[] | undefined;
  container: { containerName: string; containerPort: number };
  /** Tags of the service's task sets by ARN: only a set with ecs-taper's mark is ever ours. */
  taskSetTags: Map<string, Record<string, string>>;
}

export interface DiscoverOptions {
  /** Adopt an unfinished deployment of the same task definition instead of refusing it (CLI resume). */
  resume: boolean;
  /** Take over a deployment whose controller's lease has not expired (the operator knows it is gone). */
  takeOver?: boolean;
}

export type DiscoverDecision =
  | { kind: 'already-deployed'; detail: string }
  | {
      kind: 'continue';
      deploymentId: string;
      topology: Topology;
      newTaskSetArn?: string;
      newTaskSetCreatedAt?: number;
      phase: PhaseName;
      detail: string;
    };

export async function observe(ctx: PhaseContext, input: ResolvedInput): Promise<DiscoverObservation> {
  const service = await readService(ctx, input.cluster, input.service);
  const listeners = input.productionListenerArns
    ? await readListeners(ctx, {
        listenerArns: [
          ...input.productionListenerArns,
          ...(input.testListenerArn ? [input.testListenerArn] : []),
        ],
      })
    : await readListeners(ctx, { loadBalancerArn: input.loadBalancerArn as string });
  const targetGroups =
    input.productionListenerArns || !input.loadBalancerArn
      ? undefined
      : await readTargetGroups(ctx, input.loadBalancerArn);
  const container =
    input.containerName && input.containerPort
      ? { containerName: input.containerName, containerPort: input.containerPort }
      : await readContainerPort(ctx, input.taskDefinition);
  const taskSetTags = service
    ? await readAllTaskSetTags(ctx, input)
    : new Map<string, Record<string, string>>();
  return { service, listeners, targetGroups, container, taskSetTags };
}

interface ListenerRoles {
  production: Listener[];
  test: Listener;
  liveTargetGroupArn: string;
  standbyTargetGroupArn: string;
  /** The test listener forwards to the live group: a swap was interrupted half-way. */
  testListenerMisplaced: boolean;
  /** Production listeners forward to both groups: a swap was interrupted between two of them. */
  productionSplit: boolean;
  /** A production listener splits new flows by weight between the live and the standby group (a canary). */
  canarySplit: boolean;
}

function singleForward(listener: Listener, role: string): string {
  const groups = forwardTargetGroups(listener);
  if (groups.length !== 1 || !groups[0]) {
    throw new TopologyError(
      `${role} listener ${listener.ListenerArn} forwards to ${groups.length} target groups; ecs-taper needs exactly one ` +
        '(finish or undo any weighted shift, then retry)',
    );
  }
  return groups[0];
}

function listenerRoles(seen: DiscoverObservation, input: ResolvedInput): ListenerRoles {
  const where = input.loadBalancerArn ?? input.productionListenerArns?.join(', ');
  if (seen.listeners.length === 0)
    throw new TopologyError(`no listener found on ${where}; create a production listener`);
  const test = input.testListenerArn
    ? seen.listeners.find((l) => l.ListenerArn === input.testListenerArn)
    : seen.listeners.find((l) => l.Port === input.testListenerPort);
  if (!test) {
    throw new TopologyError(
      `no test listener on ${where} (looked for ${input.testListenerArn ?? `port ${input.testListenerPort}`}): the standby ` +
        'target group must be attached to a listener so its targets are health-checked before they take traffic; ' +
        'add one or pass testListenerArn / testListenerPort',
    );
  }
  const production = seen.listeners.filter((l) => l !== test);
  if (production.length === 0)
    throw new TopologyError(`no production listener on ${where} besides the test listener`);
  const testGroup = singleForward(test, 'test');
  const canarySplit = production.some((l) => canaryLiveGroup(l, testGroup) !== undefined);
  const live = new Set(
    production.map((l) => canaryLiveGroup(l, testGroup) ?? singleForward(l, 'production')),
  );
  const liveTargetGroupArn = live.size === 2 ? splitSwapTarget(seen, live) : [...live][0];
  if (live.size > 2 || !liveTargetGroupArn) {
    throw new TopologyError(
      `production listeners on ${where} forward to ${live.size} different target groups; pass productionListenerArns to choose`,
    );
  }
  const productionSplit = live.size === 2;
  let standbyTargetGroupArn = testGroup;
  const testListenerMisplaced = standbyTargetGroupArn === liveTargetGroupArn;
  if (testListenerMisplaced) {
    // An interrupted swap (or swap back) moved the production listeners but not yet the test listener.
    // The standby group is then the only other group in play; the swap phase puts the test listener right.
    const others = new Set(
      [
        ...(seen.targetGroups ?? []).map((g) => g.TargetGroupArn),
        ...liveTaskSets(seen.service).map(targetGroupOf),
      ].filter((arn): arn is string => Boolean(arn) && arn !== liveTargetGroupArn),
    );
    const [other] = [...others];
    if (others.size !== 1 || !other) {
      throw new TopologyError(
        `the test listener ${test.ListenerArn} forwards to the live target group; point it at the standby group`,
      );
    }
    standbyTargetGroupArn = other;
  }
  if (seen.targetGroups && seen.targetGroups.length > 2) {
    throw new TopologyError(
      `${input.loadBalancerArn} has ${seen.targetGroups.length} target groups; ecs-taper swaps between exactly two. ` +
        'Pass productionListenerArns and testListenerArn to name the pair',
    );
  }
  return {
    production,
    test,
    liveTargetGroupArn,
    standbyTargetGroupArn,
    testListenerMisplaced,
    productionSplit,
    canarySplit,
  };
}

/**
 * A production listener that splits new flows between two groups, one of them the test listener's (the
 * new version's): a canary. The live group is the other one. Whether the canary is ours is decided with
 * the task sets (decide); anything else weighted is refused by singleForward.
 */
function canaryLiveGroup(listener: Listener, testGroup: string): string | undefined {
  const groups = forwardTargetGroups(listener);
  if (groups.length !== 2 || !groups.includes(testGroup)) return undefined;
  return groups.find((group) => group !== testGroup);
}

/**
 * Production listeners split between two groups: a swap (or a swap back) died between two production
 * listeners. It is ours to finish or undo only when the newest task set is an ecs-taper one on one of
 * the two groups; that group is where the swap was going.
 */
function splitSwapTarget(seen: DiscoverObservation, groups: Set<string>): string | undefined {
  const sets = liveTaskSets(seen.service).filter(
    (set) => set.externalId && groups.has(targetGroupOf(set) ?? ''),
  );
  const created = (set: TaskSet) => set.createdAt?.getTime() ?? 0;
  const newest = [...sets].sort((a, b) => created(b) - created(a))[0];
  const target = newest ? targetGroupOf(newest) : undefined;
  // The other group must be this service's too (a task set on it, or the NLB's other group): a listener
  // that forwards to a group of something else is not half of our swap, and is never repointed.
  const other = [...groups].find((group) => group !== target);
  const ours = (group: string | undefined) =>
    liveTaskSets(seen.service).some((set) => targetGroupOf(set) === group) ||
    (seen.targetGroups ?? []).some((g) => g.TargetGroupArn === group);
  return target && ours(other) ? target : undefined;
}

function describeSet(set: TaskSet): string {
  return `${set.id ?? set.taskSetArn} (${set.externalId ? `deployment ${set.externalId}, ` : ''}${set.taskDefinition})`;
}

/**
 * The set of a deployment in progress, if any: with sets on both groups it is the newer one, on the standby
 * group before its swap and on the live group after it (a re-run after the swap must find it there too).
 */
function inProgressSet(sets: TaskSet[], onStandby: TaskSet[]): TaskSet | undefined {
  if (sets.length < 2 || onStandby.length === 0) return onStandby[0];
  const created = (set: TaskSet) => set.createdAt?.getTime() ?? 0;
  return [...sets].sort(
    (a, b) => created(b) - created(a) || Number(onStandby.includes(b)) - Number(onStandby.includes(a)),
  )[0];
}

/** Pure: where the deployment stands, from what AWS says now. Throws when it is not safe to go on. */
export function decide(
  seen: DiscoverObservation,
  input: ResolvedInput,
  deploymentId: string,
  options: DiscoverOptions,
): DiscoverDecision {
  const roles = listenerRoles(seen, input);
  const sets = liveTaskSets(seen.service);
  const pair = new Set([roles.liveTargetGroupArn, roles.standbyTargetGroupArn]);
  for (const set of sets) {
    const group = targetGroupOf(set);
    if (!group || !pair.has(group)) {
      throw new TopologyError(
        `task set ${describeSet(set)} is not attached to ${[...pair].join(' or ')}; ecs-taper cannot tell which version it is`,
      );
    }
  }

  let ours = sets.find((set) => set.externalId === deploymentId);
  let adoptedId = deploymentId;
  if (!ours) {
    const onStandby = sets.filter((set) => targetGroupOf(set) === roles.standbyTargetGroupArn);
    const other = inProgressSet(sets, onStandby);
    // Re-running the same command resumes: the one set that ecs-taper created (it has an externalId)
    // for this very task definition, while another set still exists, is that unfinished deployment.
    const resumable = sets.filter(
      (set) =>
        isOurs(seen.taskSetTags.get(set.taskSetArn ?? '')) &&
        sameTaskDefinition(set.taskDefinition, input.taskDefinition),
    );
    // An explicit deploymentId names one deployment: it never adopts another (a second pipeline is refused).
    const adoptable =
      options.resume && !input.deploymentId && other && resumable.length === 1 ? resumable[0] : undefined;
    if (adoptable) {
      ours = adoptable;
      adoptedId = adoptable.externalId as string;
    } else if (other && !isOurs(seen.taskSetTags.get(other.taskSetArn ?? '')) && other.externalId) {
      // An externalId is not ours alone (CodeDeploy writes its deployment id there): never adopt such a
      // set, nor wait for it as if it were our lock.
      throw new TopologyError(
        `service ${input.service} has task set ${describeSet(other)} made by ${otherTool(other.externalId)}, not by ` +
          'ecs-taper; finish or remove that deployment with the tool that made it, then run again',
      );
    } else if (other?.externalId) {
      throw new DeploymentLockedError(
        other.externalId,
        `service ${input.service} has deployment ${other.externalId} in progress (task set ${describeSet(other)} on the ` +
          `${onStandby.includes(other) ? 'standby' : 'live'} target group); wait for it to finish, or roll it back ` +
          'with `ecs-taper rollback`',
      );
    } else if (other) {
      const where = onStandby.includes(other)
        ? `the standby target group ${roles.standbyTargetGroupArn} still serves`
        : `the live target group ${roles.liveTargetGroupArn} serves the newer`;
      throw new TopologyError(
        `${where} task set ${describeSet(other)} of another deployment; delete it or finish that deployment first`,
      );
    }
  }

  if (roles.canarySplit && !(ours && targetGroupOf(ours) === roles.standbyTargetGroupArn)) {
    throw new TopologyError(
      `a production listener splits new flows between ${roles.liveTargetGroupArn} and ${roles.standbyTargetGroupArn}, ` +
        'and no ecs-taper deployment of this task definition made that split; finish or undo that weighted shift ' +
        '(point the listener at one target group), then run again',
    );
  }
  if (roles.testListenerMisplaced && !ours) {
    // Not an interrupted swap of a deployment we can resume: the standby group would never be health-checked.
    throw new TopologyError(
      `the test listener ${roles.test.ListenerArn} forwards to the live target group; point it at the standby group`,
    );
  }
  const newTargetGroupArn = ours ? (targetGroupOf(ours) as string) : roles.standbyTargetGroupArn;
  const oldTargetGroupArn =
    newTargetGroupArn === roles.liveTargetGroupArn ? roles.standbyTargetGroupArn : roles.liveTargetGroupArn;
  const oldSets = sets.filter((set) => set !== ours && targetGroupOf(set) === oldTargetGroupArn);
  if (oldSets.length > 1) {
    throw new TopologyError(
      `${oldSets.length} task sets serve ${oldTargetGroupArn} (${oldSets.map(describeSet).join('; ')}); expected one`,
    );
  }
  const oldSet = oldSets[0];
  const topology: Topology = {
    productionListenerArns: roles.production.map((l) => l.ListenerArn as string),
    testListenerArn: roles.test.ListenerArn as string,
    oldTargetGroupArn,
    newTargetGroupArn,
    ...(oldSet?.taskSetArn ? { oldTaskSetArn: oldSet.taskSetArn } : {}),
    ...seen.container,
  };

  if (!ours) {
    if (oldSet && sameTaskDefinition(oldSet.taskDefinition, input.taskDefinition)) {
      return {
        kind: 'already-deployed',
        detail: `service ${input.service} already runs ${input.taskDefinition}`,
      };
    }
    return { kind: 'continue', deploymentId, topology, phase: 'create', detail: 'new task set to create' };
  }
  const base = {
    kind: 'continue' as const,
    deploymentId: adoptedId,
    topology,
    newTaskSetArn: ours.taskSetArn as string,
    newTaskSetCreatedAt: ours.createdAt?.getTime(),
  };
  const resumed = adoptedId !== deploymentId ? ` (resuming deployment ${adoptedId})` : '';
  if (roles.liveTargetGroupArn !== newTargetGroupArn) {
    return { ...base, phase: 'waitReady', detail: `new task set exists, not yet live${resumed}` };
  }
  const primary = seen.service?.taskSets?.find((set) => set.status === 'PRIMARY');
  if (primary?.taskSetArn !== ours.taskSetArn || roles.testListenerMisplaced || roles.productionSplit) {
    return { ...base, phase: 'swap', detail: `listener swapped, swap not finished${resumed}` };
  }
  const old = taskCounts(oldSet);
  if (!old) return { ...base, phase: 'cleanup', detail: `old task set gone${resumed}` };
  if (old.desired > 0)
    return { ...base, phase: 'scaleDown', detail: `old task set still has ${old.desired} tasks${resumed}` };
  if (old.running + old.pending > 0)
    return { ...base, phase: 'waitDrained', detail: `old task set draining${resumed}` };
  return { ...base, phase: 'cleanup', detail: `old task set drained${resumed}` };
}

export async function discover(
  ctx: PhaseContext,
  state: DeploymentState,
  options: DiscoverOptions,
): Promise<PhaseResult> {
  const seen = await observe(ctx, state.input);
  await assertOwnsProduction(ctx, seen, state.input);
  const decision = decide(seen, state.input, state.deploymentId, options);
  if (decision.kind === 'already-deployed') return { state, next: end('succeeded', decision.detail) };
  let next: DeploymentState = {
    ...state,
    deploymentId: decision.deploymentId,
    topology: decision.topology,
  };
  let phase = decision.phase;
  if (decision.newTaskSetArn) {
    const tags = seen.taskSetTags.get(decision.newTaskSetArn) ?? {};
    const held = decodeLease(tags[taskSetTag.lease]);
    assertLeaseFree(held, next, decision.deploymentId, ctx.now, options.takeOver ?? false);
    next = { ...next, newTaskSetArn: decision.newTaskSetArn, ...storedProgress(tags, state.input, decision) };
    if (held && held.owner !== next.controllerId && held.expiresAt > ctx.now) next.takenOverFrom = held.owner;
    // Resumed after the swap but before any step: the settle time still counts from the swap.
    if (phase === 'scaleDown' && next.lastStepAt === undefined) phase = 'settle';
    const placed = placeInSteps(phase, decodeStepMark(tags[taskSetTag.step]), stepsOf(state.input));
    phase = placed.phase;
    next = { ...next, ...placed.state };
    if (phase === 'settle' || phase === 'step') next.swappedAt ??= ctx.now;
  }
  return { state: next, next: go(phase, decision.detail) };
}

/**
 * Where in the step list a resumed deployment is, from the phase AWS shows and the step the previous
 * controller recorded entering (only lists with canary, pause or hook steps record one). Before the swap
 * the readiness gate runs again and then re-enters the recorded step; a generic step after the swap
 * (before the first scale-down step, or after the drain) is re-entered where it was; otherwise the phase
 * AWS shows is the step's.
 */
export function placeInSteps(
  phase: PhaseName,
  mark: { index: number; enteredAt: number } | undefined,
  steps: readonly DeploymentStep[],
): { phase: PhaseName; state: Partial<DeploymentState> } {
  const swapIndex = steps.findIndex((step) => step.type === 'swap');
  const scaleDownIndex = steps.findIndex((step) => step.type === 'scaleDown');
  const marked = mark && mark.index < steps.length ? mark : undefined;
  const resume = marked ? { resumeStep: marked } : {};
  if (phase === 'create' || phase === 'waitReady') {
    return marked && marked.index <= swapIndex
      ? { phase, state: { stepIndex: marked.index - 1, ...resume } }
      : { phase, state: {} };
  }
  if (phase === 'swap') return { phase, state: { stepIndex: swapIndex } };
  const generic = marked && phaseOfStep(steps[marked.index] as DeploymentStep) === 'step';
  const inGenericStep =
    generic &&
    ((phase === 'settle' && marked.index > swapIndex && marked.index < scaleDownIndex) ||
      (phase === 'cleanup' && marked.index > scaleDownIndex));
  if (inGenericStep) {
    return { phase: 'step', state: { stepIndex: marked.index, stepEnteredAt: marked.enteredAt } };
  }
  if (phase === 'settle') return { phase, state: { stepIndex: swapIndex } };
  // Drained, but steps after scaleDown (an after-deploy hook) not yet entered: confirm the drain, then go on.
  if (phase === 'cleanup' && scaleDownIndex < steps.length - 1) {
    return { phase: 'waitDrained', state: { stepIndex: scaleDownIndex } };
  }
  if (phase === 'scaleDown' || phase === 'waitDrained')
    return { phase, state: { stepIndex: scaleDownIndex } };
  return { phase, state: {} };
}

/** What a previous controller stored on the set: times that a resumed run must keep counting from. */
function storedProgress(
  tags: Record<string, string>,
  input: ResolvedInput,
  decision: Extract<DiscoverDecision, { kind: 'continue' }>,
): Partial<DeploymentState> {
  const progress: Partial<DeploymentState> = {};
  const swappedAt = decodeTime(tags[taskSetTag.swappedAt]);
  const lastStepAt = decodeTime(tags[taskSetTag.lastStepAt]);
  const previous = decodeSuspendedState(tags[taskSetTag.autoScaling]);
  if (swappedAt !== undefined) progress.swappedAt = swappedAt;
  if (lastStepAt !== undefined) progress.lastStepAt = lastStepAt;
  if (previous) progress.autoScaling = { previous, suspended: false, restored: false };
  if (decision.newTaskSetCreatedAt !== undefined) {
    progress.readyDeadline = decision.newTaskSetCreatedAt + input.readyTimeoutSeconds * 1000;
  }
  return progress;
}

/**
 * Never take over what is not ours. The named service must own the production target group's targets:
 * if none of its task sets is on the live group and the group has registered targets, they are another
 * service's (a mistyped --service), and nothing is changed. A missing service is created only when asked.
 */
async function assertOwnsProduction(ctx: PhaseContext, seen: DiscoverObservation, input: ResolvedInput) {
  const live = listenerRoles(seen, input).liveTargetGroupArn;
  if (liveTaskSets(seen.service).some((set) => targetGroupOf(set) === live)) return;
  const registered = (await readTargetHealth(ctx, live)).filter((t) => t.TargetHealth?.State !== 'draining');
  if (registered.length === 0 && (seen.service || input.createService)) return;
  const services = await readClusterServices(ctx, input.cluster);
  const names = services.map((s) => s.serviceName ?? '').filter(Boolean);
  if (registered.length === 0) {
    const guess = closestName(input.service, names);
    throw new InputValidationError(
      'service',
      `${input.service} is not a service of cluster ${input.cluster}${guess ? `; did you mean ${guess}?` : '.'} ` +
        'To create it (EXTERNAL deployment controller), pass createService: true (--create-service)',
    );
  }
  const owner = services.find(
    (s) =>
      s.serviceName !== input.service &&
      ((s.taskSets ?? []).some((set) => targetGroupOf(set) === live) ||
        (s.loadBalancers ?? []).some((lb) => lb.targetGroupArn === live)),
  );
  const guess = owner?.serviceName ?? closestName(input.service, names);
  throw new TopologyError(
    `the production target group ${live} has ${registered.length} registered targets that belong to no task set of ` +
      `service ${input.service}${owner ? `: they are service ${owner.serviceName}'s` : ''}. ecs-taper changes nothing ` +
      `it does not own${guess ? `; did you mean ${guess}?` : ''}`,
  );
}
