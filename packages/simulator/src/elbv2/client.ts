import {
  AddTagsCommand,
  type AddTagsCommandOutput,
  DescribeListenersCommand,
  type DescribeListenersCommandOutput,
  DescribeLoadBalancersCommand,
  type DescribeLoadBalancersCommandOutput,
  DescribeTagsCommand,
  type DescribeTagsCommandOutput,
  DescribeTargetGroupAttributesCommand,
  type DescribeTargetGroupAttributesCommandOutput,
  DescribeTargetGroupsCommand,
  type DescribeTargetGroupsCommandOutput,
  DescribeTargetHealthCommand,
  type DescribeTargetHealthCommandOutput,
  ElasticLoadBalancingV2ServiceException,
  ModifyListenerCommand,
  type ModifyListenerCommandOutput,
  RemoveTagsCommand,
  type RemoveTagsCommandOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import type { Elbv2Port } from '@ecs-taper/core/workflow';
import type { SimContext } from '../context.js';
import { type ApiCall, Dispatcher } from '../dispatch.js';
import {
  addTags,
  describeListeners,
  describeLoadBalancers,
  describeTags,
  describeTargetGroupAttributes,
  describeTargetGroups,
  describeTargetHealth,
  modifyListener,
  removeTags,
} from './handlers.js';

/** A stand-in for `ElasticLoadBalancingV2Client` serving the commands core sends. */
export class SimulatedElbv2Client implements Elbv2Port {
  private readonly dispatcher: Dispatcher;

  constructor(ctx: SimContext, report: (call: ApiCall) => void) {
    this.dispatcher = new Dispatcher(
      'ELBv2',
      ctx,
      (o) => new ElasticLoadBalancingV2ServiceException(o),
      report,
    )
      .on(DescribeListenersCommand, (i) => describeListeners(ctx, i))
      .on(DescribeLoadBalancersCommand, (i) => describeLoadBalancers(ctx, i))
      .on(DescribeTargetGroupsCommand, (i) => describeTargetGroups(ctx, i))
      .on(DescribeTargetHealthCommand, (i) => describeTargetHealth(ctx, i))
      .on(DescribeTagsCommand, (i) => describeTags(ctx, i))
      .on(DescribeTargetGroupAttributesCommand, (i) => describeTargetGroupAttributes(ctx, i))
      .on(ModifyListenerCommand, (i) => modifyListener(ctx, i))
      .on(AddTagsCommand, (i) => addTags(ctx, i))
      .on(RemoveTagsCommand, (i) => removeTags(ctx, i));
  }

  send(command: DescribeListenersCommand): Promise<DescribeListenersCommandOutput>;
  send(command: DescribeLoadBalancersCommand): Promise<DescribeLoadBalancersCommandOutput>;
  send(command: DescribeTargetGroupsCommand): Promise<DescribeTargetGroupsCommandOutput>;
  send(command: DescribeTargetHealthCommand): Promise<DescribeTargetHealthCommandOutput>;
  send(command: DescribeTagsCommand): Promise<DescribeTagsCommandOutput>;
  send(command: DescribeTargetGroupAttributesCommand): Promise<DescribeTargetGroupAttributesCommandOutput>;
  send(command: ModifyListenerCommand): Promise<ModifyListenerCommandOutput>;
  send(command: AddTagsCommand): Promise<AddTagsCommandOutput>;
  send(command: RemoveTagsCommand): Promise<RemoveTagsCommandOutput>;
  send(command: { input?: unknown }): Promise<unknown> {
    return this.dispatcher.send(command);
  }
}
