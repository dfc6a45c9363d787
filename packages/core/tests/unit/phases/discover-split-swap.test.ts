/**
 * discover with the production listeners split between the two groups: a swap (or a swap back) that died
 * between two production listeners. Accepted only when the newest set with an externalId sits on one of
 * the two groups, and the other group is this service's too; that group is live, and the run resumes into
 * `swap` (a rollback then points every production listener back).
 */
import type { Listener } from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { TopologyError } from '../../../src/errors';
import { type DiscoverObservation, decide } from '../../../src/phases/discover';
import {
  BLUE_TG,
  DEPLOYMENT_ID,
  GREEN_TG,
  listener,
  NEW_SET_ARN,
  NLB_ARN,
  newSet,
  OLD_SET_ARN,
  oldSet,
  PROD_LISTENER_ARN,
  resolvedInput,
  service,
  TEST_LISTENER_ARN,
  targetGroup,
} from '../support/fixtures';

const PROD_443_ARN = `${NLB_ARN.replace(':loadbalancer/', ':listener/')}/0000000000000443`;
const FOREIGN_TG = NLB_ARN.replace(':loadbalancer/net/demo/50dc6c495c0c9188', ':targetgroup/other-app/0ccc');

const input = resolvedInput();
const tagsOf = (...arns: string[]) =>
  new Map(arns.map((arn) => [arn, { 'ecs-taper:deployment-id': DEPLOYMENT_ID }] as const));

/** Production on 80 (first moved) and 443 (not yet), test listener on `test`. */
function listeners(prod80: string, prod443: string, test: string): Listener[] {
  return [
    listener(PROD_LISTENER_ARN, 80, prod80),
    listener(PROD_443_ARN, 443, prod443),
    listener(TEST_LISTENER_ARN, 8080, test),
  ];
}

const seen = (overrides: Partial<DiscoverObservation> = {}): DiscoverObservation => ({
  // The old set still primary on blue, our new set on green.
  service: service([oldSet(), newSet()]),
  listeners: listeners(GREEN_TG, BLUE_TG, GREEN_TG),
  targetGroups: [targetGroup(BLUE_TG), targetGroup(GREEN_TG)],
  container: { containerName: 'web', containerPort: 8080 },
  taskSetTags: tagsOf(NEW_SET_ARN),
  ...overrides,
});

const expectedTopology = {
  productionListenerArns: [PROD_LISTENER_ARN, PROD_443_ARN],
  testListenerArn: TEST_LISTENER_ARN,
  oldTargetGroupArn: BLUE_TG,
  newTargetGroupArn: GREEN_TG,
  oldTaskSetArn: OLD_SET_ARN,
  containerName: 'web',
  containerPort: 8080,
};

describe('discover: production listeners split between the two groups', () => {
  it('a forward swap that died after the first production listener resumes into swap, green live', () => {
    const decision = decide(seen(), input, DEPLOYMENT_ID, { resume: false });
    expect(decision).toEqual({
      kind: 'continue',
      deploymentId: DEPLOYMENT_ID,
      topology: expectedTopology,
      newTaskSetArn: NEW_SET_ARN,
      newTaskSetCreatedAt: newSet().createdAt?.getTime(),
      phase: 'swap',
      detail: 'listener swapped, swap not finished',
    });
  });

  it('does not depend on which production listener moved first', () => {
    const decision = decide(
      seen({ listeners: listeners(BLUE_TG, GREEN_TG, GREEN_TG) }),
      input,
      DEPLOYMENT_ID,
      { resume: false },
    );
    expect(decision).toMatchObject({ phase: 'swap', topology: expectedTopology });
  });

  it('resumes into swap even when the new set is already primary (a swap back that died half-way)', () => {
    // Rollback points production first: 80 back on blue, 443 still on green, test listener still on blue.
    const decision = decide(
      seen({
        service: service([oldSet({ status: 'ACTIVE' }), newSet({ status: 'PRIMARY' })]),
        listeners: listeners(BLUE_TG, GREEN_TG, BLUE_TG),
      }),
      input,
      DEPLOYMENT_ID,
      { resume: false },
    );
    expect(decision).toMatchObject({ kind: 'continue', phase: 'swap', topology: expectedTopology });
  });

  it('without the NLB’s groups (explicit listeners) accepts the split when both groups carry a task set', () => {
    const decision = decide(
      seen({ targetGroups: undefined }),
      resolvedInput({
        loadBalancerArn: undefined,
        productionListenerArns: [PROD_LISTENER_ARN, PROD_443_ARN],
        testListenerArn: TEST_LISTENER_ARN,
      }),
      DEPLOYMENT_ID,
      { resume: false },
    );
    expect(decision).toMatchObject({ phase: 'swap', topology: expectedTopology });
  });

  it('treats the group of the newest set with an externalId as live, whichever group that is', () => {
    // Here the set on blue is the newer one: blue is where the swap was going, green is the old group.
    const decision = decide(
      seen({
        service: service([
          oldSet({ externalId: DEPLOYMENT_ID, createdAt: new Date('2025-06-01T11:59:30Z') }),
          newSet({ externalId: 'taper-unit-0000', createdAt: new Date('2025-06-01T11:00:00Z') }),
        ]),
        listeners: listeners(GREEN_TG, BLUE_TG, BLUE_TG),
        taskSetTags: tagsOf(OLD_SET_ARN),
      }),
      input,
      DEPLOYMENT_ID,
      { resume: false },
    );
    expect(decision).toMatchObject({
      phase: 'swap',
      newTaskSetArn: OLD_SET_ARN,
      topology: {
        oldTargetGroupArn: GREEN_TG,
        newTargetGroupArn: BLUE_TG,
        oldTaskSetArn: NEW_SET_ARN,
      },
    });
  });

  it('ignores a newer set without an externalId when choosing the live group', () => {
    const decision = decide(
      seen({
        service: service([
          oldSet({ externalId: undefined, createdAt: new Date('2025-06-01T11:59:59Z') }),
          newSet(),
        ]),
      }),
      input,
      DEPLOYMENT_ID,
      { resume: false },
    );
    expect(decision).toMatchObject({ phase: 'swap', topology: { newTargetGroupArn: GREEN_TG } });
  });

  it('refuses a split when no set on either group has an externalId: not a swap of ecs-taper’s', () => {
    const svc = service([oldSet({ externalId: undefined }), newSet({ externalId: undefined })]);
    expect(() => decide(seen({ service: svc }), input, DEPLOYMENT_ID, { resume: false })).toThrow(
      new TopologyError(
        `production listeners on ${NLB_ARN} forward to 2 different target groups; pass productionListenerArns to choose`,
      ),
    );
  });

  it('refuses a production listener on a group that is not this service’s: it is never repointed', () => {
    // Explicit listeners: the 443 one forwards to another application's group, which no task set uses.
    const explicit = resolvedInput({
      loadBalancerArn: undefined,
      productionListenerArns: [PROD_LISTENER_ARN, PROD_443_ARN],
      testListenerArn: TEST_LISTENER_ARN,
    });
    const observation = seen({
      service: service([oldSet()]),
      listeners: listeners(BLUE_TG, FOREIGN_TG, GREEN_TG),
      targetGroups: undefined,
      taskSetTags: new Map(),
    });
    expect(() => decide(observation, explicit, DEPLOYMENT_ID, { resume: false })).toThrow(
      new TopologyError(
        `production listeners on ${PROD_LISTENER_ARN}, ${PROD_443_ARN} forward to 2 different target groups; pass productionListenerArns to choose`,
      ),
    );
    // Even with our new set on that group's sibling: the foreign group carries nothing of this service.
    const withOurs = seen({
      listeners: listeners(GREEN_TG, FOREIGN_TG, BLUE_TG),
      targetGroups: undefined,
    });
    expect(() => decide(withOurs, explicit, DEPLOYMENT_ID, { resume: false })).toThrow(
      /2 different target groups/,
    );
  });

  it('refuses production listeners on three groups', () => {
    const observation = seen({
      listeners: [
        ...listeners(GREEN_TG, BLUE_TG, GREEN_TG),
        listener(`${PROD_443_ARN}-9443`, 9443, FOREIGN_TG),
      ],
    });
    expect(() => decide(observation, input, DEPLOYMENT_ID, { resume: false })).toThrow(
      /forward to 3 different target groups/,
    );
  });

  it('still refuses a weighted production listener that no deployment of ours made', () => {
    const weighted: Listener = {
      ...listener(PROD_443_ARN, 443, BLUE_TG),
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: BLUE_TG, Weight: 1 },
              { TargetGroupArn: GREEN_TG, Weight: 1 },
            ],
          },
        },
      ],
    };
    const observation = seen({
      listeners: [
        listener(PROD_LISTENER_ARN, 80, GREEN_TG),
        weighted,
        listener(TEST_LISTENER_ARN, 8080, GREEN_TG),
      ],
    });
    expect(() => decide(observation, input, DEPLOYMENT_ID, { resume: false })).toThrow(
      /splits new flows between .* and no ecs-taper deployment of this task definition made that split/,
    );
  });
});
