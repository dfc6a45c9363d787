import {
  ApplicationAutoScalingServiceException,
  DescribeScalableTargetsCommand,
  type DescribeScalableTargetsCommandOutput,
  RegisterScalableTargetCommand,
  type RegisterScalableTargetCommandOutput,
} from '@aws-sdk/client-application-auto-scaling';
import type { ApplicationAutoScalingPort } from '@ecs-taper/core/workflow';
import type { SimContext } from '../context.js';
import { type ApiCall, Dispatcher } from '../dispatch.js';
import { describeScalableTargets, registerScalableTarget } from './handlers.js';

/** A stand-in for `ApplicationAutoScalingClient` serving the commands core sends, for ECS services. */
export class SimulatedApplicationAutoScalingClient implements ApplicationAutoScalingPort {
  private readonly dispatcher: Dispatcher;

  constructor(ctx: SimContext, report: (call: ApiCall) => void) {
    this.dispatcher = new Dispatcher(
      'ApplicationAutoScaling',
      ctx,
      (o) => new ApplicationAutoScalingServiceException(o),
      report,
    )
      .on(DescribeScalableTargetsCommand, (i) => describeScalableTargets(ctx, i))
      .on(RegisterScalableTargetCommand, (i) => registerScalableTarget(ctx, i));
  }

  send(command: DescribeScalableTargetsCommand): Promise<DescribeScalableTargetsCommandOutput>;
  send(command: RegisterScalableTargetCommand): Promise<RegisterScalableTargetCommandOutput>;
  send(command: { input?: unknown }): Promise<unknown> {
    return this.dispatcher.send(command);
  }
}
