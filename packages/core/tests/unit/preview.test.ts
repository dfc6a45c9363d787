import { describe, expect, it } from 'vitest';
import { deploy } from '../../src/deploy';
import { TopologyError } from '../../src/errors';
import { DeploymentEmitter } from '../../src/events';
import { previewDeployment } from '../../src/preview';
import { FakeAws, fakeClock } from './support/fake-aws';
import {
  type AwsMocks,
  BLUE_TG,
  caught,
  DEPLOYMENT_ID,
  expectNoMutations,
  fastRetry,
  GREEN_TG,
  mockAws,
  NEW_SET_ARN,
  OLD_SET_ARN,
  PROD_LISTENER_ARN,
  rawInput,
  TEST_LISTENER_ARN,
} from './support/fixtures';

const aws = mockAws();

/** Every command any mock received, by class name. */
function commandsSent(mocks: AwsMocks): string[] {
  return [mocks.ecs, mocks.elbv2, mocks.cloudwatch, mocks.autoScaling].flatMap((mock) =>
    mock.calls().map((call) => (call.args[0] as object).constructor.name),
  );
}

/** Only reads: the SDK names every read Describe*, List* or Get*. */
function expectOnlyReads(mocks: AwsMocks): void {
  const sent = commandsSent(mocks);
  expect(sent.length).toBeGreaterThan(0);
  expect(sent.filter((name) => !/^(Describe|List|Get)/.test(name))).toEqual([]);
  expectNoMutations(mocks);
}

function setup(overrides: Record<string, unknown> = {}) {
  const clock = fakeClock();
  const world = new FakeAws(clock).withOldSet().install(aws);
  const input = rawInput({ decrementPercent: 25, intervalSeconds: 60, settleSeconds: 60, ...overrides });
  return { clock, world, input, options: { clock, retry: fastRetry } };
}

describe('previewDeployment', () => {
  it('finds the topology and plans a new deployment, reading only', async () => {
    const { world, input, options } = setup({ connectionsPerTask: 100, reconnectSpreadSeconds: 5 });
    const preview = await previewDeployment(aws.clients, input, options);

    expect(preview.decision).toMatchObject({
      kind: 'deploy',
      deploymentId: DEPLOYMENT_ID,
      resumes: false,
      phase: 'create',
      topology: {
        productionListenerArns: [PROD_LISTENER_ARN],
        testListenerArn: TEST_LISTENER_ARN,
        oldTargetGroupArn: BLUE_TG,
        newTargetGroupArn: GREEN_TG,
        oldTaskSetArn: OLD_SET_ARN,
      },
    });
    expect(preview.found?.taskSets.map((set) => set.arn)).toEqual([OLD_SET_ARN]);
    // The plan deploy() would follow: 4 tasks, 25 % a step, with the predicted peak.
    expect(preview.plan).toMatchObject({ desiredCount: 4, oldTasks: 4 });
    expect(preview.plan?.plan.stepCount).toBe(4);
    expect(preview.plan?.plan.predictedPeakNewConnectionsPerSecond).toBeGreaterThan(0);
    expect(world.log).toEqual([]);
    expectOnlyReads(aws);
  });

  it('shows a resumed deployment under its own id, planned from the old set as it is now', async () => {
    const { world, input, options } = setup();
    const controller = new AbortController();
    const events = new DeploymentEmitter();
    events.on('event', (event) => {
      if (event.type === 'scale-step' && event.step === 2) controller.abort();
    });
    await caught(deploy(aws.clients, input, { ...options, events, signal: controller.signal }));
    const changes = [...world.log];
    aws.ecs.resetHistory();
    aws.elbv2.resetHistory();
    aws.autoScaling.resetHistory();
    aws.cloudwatch.resetHistory();

    const preview = await previewDeployment(aws.clients, { ...input, deploymentId: undefined }, options);
    expect(preview.decision).toMatchObject({
      kind: 'deploy',
      deploymentId: DEPLOYMENT_ID,
      resumes: true,
      newTaskSetArn: NEW_SET_ARN,
      phase: 'scaleDown',
    });
    expect(preview.plan).toMatchObject({ oldTasks: 2, desiredCount: 4 });
    expect(world.log).toEqual(changes);
    expectOnlyReads(aws);
  });

  it('returns what deploy() would refuse, with what it found, and changes nothing', async () => {
    const { world, input, options } = setup({ testListenerPort: 9999 });
    const preview = await previewDeployment(aws.clients, input, options);
    expect(preview.decision.kind).toBe('refused');
    const error = preview.decision.kind === 'refused' ? preview.decision.error : undefined;
    expect(error).toBeInstanceOf(TopologyError);
    expect(error?.message).toContain('no test listener');
    // The same error as deploy() throws for that input.
    const thrown = await caught(deploy(aws.clients, input, options));
    expect(thrown.message).toBe(error?.message);
    expect(preview.found?.listeners).toHaveLength(2);
    expect(preview.plan).toBeUndefined();
    expect(world.log).toEqual([]);
  });

  it('says when the service already runs the task definition', async () => {
    const { world, input, options } = setup();
    await deploy(aws.clients, input, options);
    const changes = [...world.log];
    const preview = await previewDeployment(aws.clients, { ...input, deploymentId: undefined }, options);
    expect(preview.decision).toMatchObject({ kind: 'already-deployed' });
    expect(preview.decision.kind === 'already-deployed' && preview.decision.detail).toContain('already runs');
    expect(world.log).toEqual(changes);
  });

  it('refuses before any call what deploy() refuses before any call (a hook it cannot run)', async () => {
    const { input, options } = setup({ hooks: { 'before-swap': { command: 'true' } } });
    const preview = await previewDeployment(aws.clients, input, options);
    expect(preview.decision.kind).toBe('refused');
    const thrown = await caught(deploy(aws.clients, input, options));
    expect(preview.decision.kind === 'refused' && preview.decision.error.message).toBe(thrown.message);
  });
});
