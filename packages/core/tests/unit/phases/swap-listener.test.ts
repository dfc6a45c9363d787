import {
  DescribeServicesCommand,
  TagResourceCommand,
  UpdateServicePrimaryTaskSetCommand,
} from '@aws-sdk/client-ecs';
import {
  AddTagsCommand,
  DescribeListenersCommand,
  DescribeTagsCommand,
  type Listener,
  ModifyListenerCommand,
  RemoveTagsCommand,
  TargetGroupNotFoundException,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { describe, expect, it } from 'vitest';
import { AwsCallError, EcsTaperError } from '../../../src/errors';
import {
  decide,
  deploymentTag,
  roleTag,
  type SwapObservation,
  swapListener,
} from '../../../src/phases/swap-listener';
import {
  BLUE_TG,
  caught,
  DEPLOYMENT_ID,
  deploymentState,
  ecsError,
  elbv2Throttled,
  expectNoMutations,
  GREEN_TG,
  listener,
  listenersAfterSwap,
  listenersBeforeSwap,
  mockAws,
  NEW_SET_ARN,
  NOW,
  newSet,
  OLD_SET_ARN,
  oldSet,
  PREVIOUS_DEPLOYMENT_ID,
  PROD_LISTENER_ARN,
  service,
  servicesOutput,
  TEST_LISTENER_ARN,
  topology,
} from '../support/fixtures';

const aws = mockAws();

const forward = {
  liveTargetGroupArn: GREEN_TG,
  standbyTargetGroupArn: BLUE_TG,
  primaryTaskSetArn: NEW_SET_ARN,
};

/** Tags as a finished earlier deployment left them: blue live with its id, green standby. */
const tagsBefore = () =>
  new Map<string, Record<string, string>>([
    [BLUE_TG, { [roleTag]: 'live', [deploymentTag]: PREVIOUS_DEPLOYMENT_ID }],
    [GREEN_TG, { [roleTag]: 'standby' }],
  ]);
const tagsAfter = () =>
  new Map<string, Record<string, string>>([
    [GREEN_TG, { [roleTag]: 'live', [deploymentTag]: DEPLOYMENT_ID }],
    [BLUE_TG, { [roleTag]: 'standby' }],
  ]);

describe('swap decide (pure)', () => {
  const seen = (overrides: Partial<SwapObservation> = {}): SwapObservation => ({
    listeners: listenersBeforeSwap(),
    tags: tagsBefore(),
    primaryTaskSetArn: OLD_SET_ARN,
    ...overrides,
  });

  it('moves production to the new group, test to the old, then tags, then the primary set', () => {
    expect(decide(seen(), topology(), { ...forward, deploymentId: DEPLOYMENT_ID })).toEqual([
      { kind: 'modify-listener', listenerArn: PROD_LISTENER_ARN, targetGroupArn: GREEN_TG },
      { kind: 'modify-listener', listenerArn: TEST_LISTENER_ARN, targetGroupArn: BLUE_TG },
      {
        kind: 'add-tags',
        targetGroupArn: GREEN_TG,
        tags: { [roleTag]: 'live', [deploymentTag]: DEPLOYMENT_ID },
      },
      { kind: 'add-tags', targetGroupArn: BLUE_TG, tags: { [roleTag]: 'standby' } },
      { kind: 'remove-tags', targetGroupArn: BLUE_TG, keys: [deploymentTag] },
      { kind: 'set-primary', taskSetArn: NEW_SET_ARN },
    ]);
  });

  it('has nothing to do when everything already points at the new version', () => {
    const done = seen({ listeners: listenersAfterSwap(), tags: tagsAfter(), primaryTaskSetArn: NEW_SET_ARN });
    expect(decide(done, topology(), { ...forward, deploymentId: DEPLOYMENT_ID })).toEqual([]);
  });

  it('finishes a half-done swap: only the steps still missing', () => {
    const half = seen({
      listeners: [listener(PROD_LISTENER_ARN, 80, GREEN_TG), listener(TEST_LISTENER_ARN, 8080, GREEN_TG)],
    });
    const actions = decide(half, topology(), { ...forward, deploymentId: DEPLOYMENT_ID });
    expect(actions.filter((a) => a.kind === 'modify-listener')).toEqual([
      { kind: 'modify-listener', listenerArn: TEST_LISTENER_ARN, targetGroupArn: BLUE_TG },
    ]);
    expect(actions.at(-1)).toEqual({ kind: 'set-primary', taskSetArn: NEW_SET_ARN });
  });

  it('rewrites a listener that still has a weighted forward to both groups', () => {
    const weighted: Listener = {
      ListenerArn: PROD_LISTENER_ARN,
      DefaultActions: [
        {
          Type: 'forward',
          ForwardConfig: {
            TargetGroups: [
              { TargetGroupArn: GREEN_TG, Weight: 50 },
              { TargetGroupArn: BLUE_TG, Weight: 50 },
            ],
          },
        },
      ],
    };
    const actions = decide(
      seen({
        listeners: [weighted, listener(TEST_LISTENER_ARN, 8080, BLUE_TG)],
        tags: tagsAfter(),
        primaryTaskSetArn: NEW_SET_ARN,
      }),
      topology(),
      { ...forward, deploymentId: DEPLOYMENT_ID },
    );
    expect(actions).toEqual([
      { kind: 'modify-listener', listenerArn: PROD_LISTENER_ARN, targetGroupArn: GREEN_TG },
    ]);
  });

  it('points every production listener', () => {
    const second = `${PROD_LISTENER_ARN}-443`;
    const actions = decide(
      seen({ listeners: [...listenersBeforeSwap(), listener(second, 443, BLUE_TG)] }),
      topology({ productionListenerArns: [PROD_LISTENER_ARN, second] }),
      forward,
    );
    expect(
      actions
        .filter((a) => a.kind === 'modify-listener')
        .map((a) => a.kind === 'modify-listener' && a.listenerArn),
    ).toEqual([PROD_LISTENER_ARN, second, TEST_LISTENER_ARN]);
  });

  it('does not set a primary when none is asked for', () => {
    const actions = decide(seen(), topology(), { ...forward, primaryTaskSetArn: undefined });
    expect(actions.some((a) => a.kind === 'set-primary')).toBe(false);
  });
});

describe('swapListener', () => {
  const state = () => deploymentState({ phase: 'swap' });

  /** Answers reads from a tiny world that the mutations change, so read-backs see their effect. */
  function world(options: { listeners?: Listener[]; primary?: string; ignoreModify?: boolean } = {}) {
    const listeners = new Map((options.listeners ?? listenersBeforeSwap()).map((l) => [l.ListenerArn, l]));
    const tags = tagsBefore();
    let primary = options.primary ?? OLD_SET_ARN;
    aws.elbv2.on(DescribeListenersCommand).callsFake((input: { ListenerArns: string[] }) => ({
      Listeners: input.ListenerArns.map((arn) => listeners.get(arn)),
    }));
    aws.elbv2
      .on(ModifyListenerCommand)
      .callsFake((input: { ListenerArn: string; DefaultActions: { TargetGroupArn: string }[] }) => {
        const current = listeners.get(input.ListenerArn);
        const tg = input.DefaultActions[0]?.TargetGroupArn ?? '';
        if (!options.ignoreModify && current)
          listeners.set(input.ListenerArn, listener(input.ListenerArn, current.Port ?? 0, tg));
        return {};
      });
    aws.elbv2.on(DescribeTagsCommand).callsFake((input: { ResourceArns: string[] }) => ({
      TagDescriptions: input.ResourceArns.map((arn) => ({
        ResourceArn: arn,
        Tags: Object.entries(tags.get(arn) ?? {}).map(([Key, Value]) => ({ Key, Value })),
      })),
    }));
    aws.elbv2
      .on(AddTagsCommand)
      .callsFake((input: { ResourceArns: string[]; Tags: { Key: string; Value: string }[] }) => {
        for (const arn of input.ResourceArns) {
          tags.set(arn, { ...tags.get(arn), ...Object.fromEntries(input.Tags.map((t) => [t.Key, t.Value])) });
        }
        return {};
      });
    aws.elbv2.on(RemoveTagsCommand).callsFake((input: { ResourceArns: string[]; TagKeys: string[] }) => {
      for (const arn of input.ResourceArns) {
        const kept = { ...tags.get(arn) };
        for (const key of input.TagKeys) delete kept[key];
        tags.set(arn, kept);
      }
      return {};
    });
    aws.ecs
      .on(DescribeServicesCommand)
      .callsFake(() =>
        servicesOutput(
          service([
            oldSet({ status: primary === OLD_SET_ARN ? 'PRIMARY' : 'ACTIVE' }),
            newSet({ status: primary === NEW_SET_ARN ? 'PRIMARY' : 'ACTIVE' }),
          ]),
        ),
      );
    aws.ecs.on(UpdateServicePrimaryTaskSetCommand).callsFake((input: { primaryTaskSet: string }) => {
      primary = input.primaryTaskSet;
      return {};
    });
    return { listeners, tags };
  }

  it('points production at the new group and test at the old, moves tags, makes the new set primary', async () => {
    const seen = world();
    const result = await swapListener(aws.context(), state());
    expect(aws.elbv2).toHaveReceivedNthCommandWith(ModifyListenerCommand, 1, {
      ListenerArn: PROD_LISTENER_ARN,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: GREEN_TG }],
    });
    expect(aws.elbv2).toHaveReceivedNthCommandWith(ModifyListenerCommand, 2, {
      ListenerArn: TEST_LISTENER_ARN,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: BLUE_TG }],
    });
    expect(aws.elbv2).toHaveReceivedCommandWith(AddTagsCommand, {
      ResourceArns: [GREEN_TG],
      Tags: [
        { Key: roleTag, Value: 'live' },
        { Key: deploymentTag, Value: DEPLOYMENT_ID },
      ],
    });
    expect(aws.elbv2).toHaveReceivedCommandWith(RemoveTagsCommand, {
      ResourceArns: [BLUE_TG],
      TagKeys: [deploymentTag],
    });
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(UpdateServicePrimaryTaskSetCommand, {
      cluster: 'demo',
      service: 'web',
      primaryTaskSet: NEW_SET_ARN,
    });
    expect(seen.tags.get(BLUE_TG)).toEqual({ [roleTag]: 'standby' });
    expect(result.state.swappedAt).toBe(NOW);
    expect(result.next).toMatchObject({ kind: 'go', phase: 'settle' });
    // Confirmed by reading the listeners back: observe, then the read-back.
    expect(aws.elbv2).toHaveReceivedCommandTimes(DescribeListenersCommand, 2);
  });

  it('tags the swap time on the new set before the first production ModifyListener, once', async () => {
    world();
    const result = await swapListener(aws.context(), state());
    expect(aws.ecs).toHaveReceivedCommandExactlyOnceWith(TagResourceCommand, {
      resourceArn: NEW_SET_ARN,
      tags: [{ key: 'ecs-taper:swapped-at', value: String(NOW) }],
    });
    const [tag] = aws.ecs.commandCalls(TagResourceCommand);
    const [firstModify] = aws.elbv2.commandCalls(ModifyListenerCommand);
    expect(tag?.calledBefore(firstModify!)).toBe(true);
    expect(result.state.swappedAt).toBe(NOW);
  });

  it('does not move production when the swap time cannot be stored', async () => {
    world();
    aws.ecs
      .on(TagResourceCommand)
      .rejects(ecsError('AccessDeniedException', 'not authorized to ecs:TagResource'));
    const error = await caught(swapListener(aws.context(), state()));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.message).toContain(`tagging task set ${NEW_SET_ARN} (ecs-taper:swapped-at)`);
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 0);
  });

  it('keeps the stored swap time when only the test listener is left to move (an interrupted swap)', async () => {
    world({
      listeners: [listener(PROD_LISTENER_ARN, 80, GREEN_TG), listener(TEST_LISTENER_ARN, 8080, GREEN_TG)],
    });
    const result = await swapListener(aws.context(), { ...state(), swappedAt: NOW - 30_000 });
    expect(aws.elbv2).toHaveReceivedCommandExactlyOnceWith(ModifyListenerCommand, {
      ListenerArn: TEST_LISTENER_ARN,
      DefaultActions: [{ Type: 'forward', TargetGroupArn: BLUE_TG }],
    });
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
    expect(result.state.swappedAt).toBe(NOW - 30_000);
  });

  it('changes the listeners before the primary task set', async () => {
    world();
    await swapListener(aws.context(), state());
    const modifies = aws.elbv2.commandCalls(ModifyListenerCommand);
    const [primary] = aws.ecs.commandCalls(UpdateServicePrimaryTaskSetCommand);
    expect(modifies).toHaveLength(2);
    for (const modify of modifies) expect(modify.calledBefore(primary!)).toBe(true);
  });

  it('makes no mutation when called again after a swap', async () => {
    world();
    const first = await swapListener(aws.context(), state());
    aws.ecs.resetHistory();
    aws.elbv2.resetHistory();
    const second = await swapListener(aws.context(NOW + 5_000), first.state);
    expectNoMutations(aws);
    expect(aws.ecs).toHaveReceivedCommandTimes(TagResourceCommand, 0);
    expect(second.next.detail).toBe('already swapped');
    expect(second.state.swappedAt).toBe(NOW);
  });

  it('makes no mutation when it finds everything already swapped', async () => {
    const seen = world({ listeners: listenersAfterSwap(), primary: NEW_SET_ARN });
    seen.tags.clear();
    for (const [arn, tags] of tagsAfter()) seen.tags.set(arn, tags);
    const result = await swapListener(aws.context(), state());
    expectNoMutations(aws);
    expect(result.next).toMatchObject({ phase: 'settle', detail: 'already swapped' });
  });

  it('fails when the read-back shows the listener still on the old group', async () => {
    world({ ignoreModify: true });
    const error = await caught(swapListener(aws.context(), state()));
    expect(error).toBeInstanceOf(EcsTaperError);
    expect(error.message).toBe(
      `listener ${PROD_LISTENER_ARN} still forwards to ${BLUE_TG} after ModifyListener`,
    );
  });

  it('keeps TargetGroupNotFoundException from ModifyListener in the error, without retrying', async () => {
    world();
    aws.elbv2
      .on(ModifyListenerCommand)
      .rejects(
        new TargetGroupNotFoundException({ message: 'One or more target groups not found', $metadata: {} }),
      );
    const error = await caught(swapListener(aws.context(), state()));
    expect(error).toBeInstanceOf(AwsCallError);
    expect(error.awsErrorName).toBe('TargetGroupNotFoundException');
    expect(error.message).toBe(
      `pointing listener ${PROD_LISTENER_ARN} at ${GREEN_TG}: One or more target groups not found (TargetGroupNotFoundException)`,
    );
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 1);
    expect(aws.ecs).toHaveReceivedCommandTimes(UpdateServicePrimaryTaskSetCommand, 0);
  });

  it('retries a throttled ModifyListener, then succeeds', async () => {
    const seen = world();
    aws.elbv2
      .on(ModifyListenerCommand)
      .rejectsOnce(elbv2Throttled())
      .callsFake((input: { ListenerArn: string; DefaultActions: { TargetGroupArn: string }[] }) => {
        const port = seen.listeners.get(input.ListenerArn)?.Port ?? 0;
        seen.listeners.set(
          input.ListenerArn,
          listener(input.ListenerArn, port, input.DefaultActions[0]?.TargetGroupArn ?? ''),
        );
        return {};
      });
    const result = await swapListener(aws.context(), state());
    expect(result.next).toMatchObject({ phase: 'settle' });
    expect(aws.elbv2).toHaveReceivedCommandTimes(ModifyListenerCommand, 3);
  });

  it('refuses to run before discover', async () => {
    const error = await caught(swapListener(aws.context(), { ...state(), topology: undefined }));
    expect(error.message).toContain('before discover');
  });
});
