import type {
  DescribeScalableTargetsCommand,
  DescribeScalableTargetsCommandOutput,
  RegisterScalableTargetCommand,
  RegisterScalableTargetCommandOutput,
} from '@aws-sdk/client-application-auto-scaling';
import type {
  DescribeAlarmsCommand,
  DescribeAlarmsCommandOutput,
  GetMetricDataCommand,
  GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import type {
  CreateServiceCommand,
  CreateServiceCommandOutput,
  CreateTaskSetCommand,
  CreateTaskSetCommandOutput,
  DeleteTaskSetCommand,
  DeleteTaskSetCommandOutput,
  DescribeServicesCommand,
  DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommand,
  DescribeTaskDefinitionCommandOutput,
  DescribeTaskSetsCommand,
  DescribeTaskSetsCommandOutput,
  DescribeTasksCommand,
  DescribeTasksCommandOutput,
  ListServicesCommand,
  ListServicesCommandOutput,
  ListTasksCommand,
  ListTasksCommandOutput,
  TagResourceCommand,
  TagResourceCommandOutput,
  UntagResourceCommand,
  UntagResourceCommandOutput,
  UpdateServicePrimaryTaskSetCommand,
  UpdateServicePrimaryTaskSetCommandOutput,
  UpdateTaskSetCommand,
  UpdateTaskSetCommandOutput,
} from '@aws-sdk/client-ecs';
import type {
  AddTagsCommand,
  AddTagsCommandOutput,
  DescribeListenersCommand,
  DescribeListenersCommandOutput,
  DescribeLoadBalancersCommand,
  DescribeLoadBalancersCommandOutput,
  DescribeTagsCommand,
  DescribeTagsCommandOutput,
  DescribeTargetGroupAttributesCommand,
  DescribeTargetGroupAttributesCommandOutput,
  DescribeTargetGroupsCommand,
  DescribeTargetGroupsCommandOutput,
  DescribeTargetHealthCommand,
  DescribeTargetHealthCommandOutput,
  ModifyListenerCommand,
  ModifyListenerCommandOutput,
  RemoveTagsCommand,
  RemoveTagsCommandOutput,
} from '@aws-sdk/client-elastic-load-balancing-v2';

/**
 * Narrow ports: exactly the commands core sends. A real `ECSClient`, `ElasticLoadBalancingV2Client`
 * or `CloudWatchClient` satisfies them without a cast, and so does the simulator.
 */
export interface EcsPort {
  send(command: DescribeServicesCommand): Promise<DescribeServicesCommandOutput>;
  send(command: DescribeTaskSetsCommand): Promise<DescribeTaskSetsCommandOutput>;
  /** Only to name the service that really owns a target group, when the input names another. */
  send(command: ListServicesCommand): Promise<ListServicesCommandOutput>;
  send(command: DescribeTaskDefinitionCommand): Promise<DescribeTaskDefinitionCommandOutput>;
  /** Budget mode only: the old set's stopped tasks, whose stop times show the drop-lag spread. */
  send(command: ListTasksCommand): Promise<ListTasksCommandOutput>;
  send(command: DescribeTasksCommand): Promise<DescribeTasksCommandOutput>;
  send(command: CreateServiceCommand): Promise<CreateServiceCommandOutput>;
  send(command: CreateTaskSetCommand): Promise<CreateTaskSetCommandOutput>;
  send(command: UpdateTaskSetCommand): Promise<UpdateTaskSetCommandOutput>;
  send(command: UpdateServicePrimaryTaskSetCommand): Promise<UpdateServicePrimaryTaskSetCommandOutput>;
  send(command: DeleteTaskSetCommand): Promise<DeleteTaskSetCommandOutput>;
  /** Tags on our own task set carry the times and the lease that must survive a restart. */
  send(command: TagResourceCommand): Promise<TagResourceCommandOutput>;
  send(command: UntagResourceCommand): Promise<UntagResourceCommandOutput>;
}

export interface Elbv2Port {
  send(command: DescribeListenersCommand): Promise<DescribeListenersCommandOutput>;
  send(command: DescribeTargetGroupsCommand): Promise<DescribeTargetGroupsCommandOutput>;
  send(command: DescribeTargetHealthCommand): Promise<DescribeTargetHealthCommandOutput>;
  send(command: DescribeTargetGroupAttributesCommand): Promise<DescribeTargetGroupAttributesCommandOutput>;
  send(command: DescribeTagsCommand): Promise<DescribeTagsCommandOutput>;
  /** Only for a hook's context: the load balancer's DNS name. */
  send(command: DescribeLoadBalancersCommand): Promise<DescribeLoadBalancersCommandOutput>;
  send(command: ModifyListenerCommand): Promise<ModifyListenerCommandOutput>;
  send(command: AddTagsCommand): Promise<AddTagsCommandOutput>;
  send(command: RemoveTagsCommand): Promise<RemoveTagsCommandOutput>;
}

export interface CloudWatchPort {
  send(command: DescribeAlarmsCommand): Promise<DescribeAlarmsCommandOutput>;
  /** Only with measureFlows: the new target group's NewFlowCount. */
  send(command: GetMetricDataCommand): Promise<GetMetricDataCommandOutput>;
}

/** Application Auto Scaling: the service's scalable target is suspended for the deployment. */
export interface ApplicationAutoScalingPort {
  send(command: DescribeScalableTargetsCommand): Promise<DescribeScalableTargetsCommandOutput>;
  send(command: RegisterScalableTargetCommand): Promise<RegisterScalableTargetCommandOutput>;
}

/**
 * The AWS clients a deployment talks to. CloudWatch is needed only when alarms are named in the input
 * or measureFlows is set;
 * Application Auto Scaling unless the input sets `suspendAutoScaling: false`.
 */
export interface AwsClients {
  ecs: EcsPort;
  elbv2: Elbv2Port;
  cloudwatch?: CloudWatchPort;
  applicationAutoScaling?: ApplicationAutoScalingPort;
}
