/**
 * Library usage: plan a schedule, run a whole deployment, and drive one phase by hand.
 * Runs against the simulator here; pass real SDK clients (ECSClient, ElasticLoadBalancingV2Client,
 * CloudWatchClient) and drop `clock` to run it against AWS.
 */
import {
  createTaskSet,
  DeploymentEmitter,
  type DeploymentEvent,
  deploy,
  discover,
  parseDeploymentInput,
  planScaledown,
  swapListener,
  waitReady,
} from '@ecs-taper/core';
import { initialState } from '@ecs-taper/core/workflow';
import { buildWorld } from '@ecs-taper/simulator';

/** 1. The schedule alone: pure, no AWS. */
export function previewSchedule() {
  return planScaledown({ desiredCount: 10, decrementPercent: 25, intervalSeconds: 120 });
}

/** 2. A whole deployment, with progress events. */
export async function deployWithProgress() {
  const { clients, clock, input } = buildWorld({ tasks: 6, connectionsPerTask: 100 });
  const events = new DeploymentEmitter();
  const seen: DeploymentEvent['type'][] = [];
  events.on('event', (event) => {
    seen.push(event.type);
    if (event.type === 'scale-step') {
      console.log(`step ${event.step}/${event.steps}: ${event.remainingTasks} old tasks left`);
    }
  });
  const result = await deploy(
    clients,
    { ...input, decrementTasks: 2, intervalSeconds: 90 },
    { clock, events },
  );
  return { result, seen };
}

/**
 * 3. Phases by hand, as a runner would drive them: create the new task set, poll until it is healthy,
 * then swap. Every phase observes AWS first, so calling swapListener a second time is harmless: it
 * finds the listeners already swapped and changes nothing.
 */
export async function swapByHand() {
  const { clients, clock, input, world } = buildWorld({ tasks: 2 });
  const ctx = () => ({
    aws: clients,
    retry: { retries: 3, minTimeoutMs: 1, maxTimeoutMs: 5 },
    now: clock.now(),
  });
  let { state } = await discover(ctx(), initialState(parseDeploymentInput(input), clock.now()), {
    resume: true,
  });
  ({ state } = await createTaskSet(ctx(), state));
  for (;;) {
    const polled = await waitReady(ctx(), state);
    state = polled.state;
    if (polled.next.kind !== 'go' || polled.next.phase !== 'waitReady') break;
    await clock.sleep(polled.next.afterSeconds * 1000);
  }
  const first = await swapListener(ctx(), state);
  const callsAfterFirst = world.calls.length;
  const second = await swapListener(ctx(), first.state);
  const mutationsInSecond = world.calls.slice(callsAfterFirst).filter((call) => call.mutating).length;
  return { first: first.next.detail, second: second.next.detail, mutationsInSecond };
}
