import type { DescribeAlarmsCommand, DescribeAlarmsCommandOutput } from '@aws-sdk/client-cloudwatch';
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
  DescribeTagsCommand,
  DescribeTagsCommandOutput,
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
  send(command: DescribeTaskDefinitionCommand): Promise<DescribeTaskDefinitionCommandOutput>;
  send(command: CreateServiceCommand): Promise<CreateServiceCommandOutput>;
  send(command: CreateTaskSetCommand): Promise<CreateTaskSetCommandOutput>;
  send(command: UpdateTaskSetCommand): Promise<UpdateTaskSetCommandOutput>;
  send(command: UpdateServicePrimaryTaskSetCommand): Promise<UpdateServicePrimaryTaskSetCommandOutput>;
  send(command: DeleteTaskSetCommand): Promise<DeleteTaskSetCommandOutput>;
}

export interface Elbv2Port {
  send(command: DescribeListenersCommand): Promise<DescribeListenersCommandOutput>;
  send(command: DescribeTargetGroupsCommand): Promise<DescribeTargetGroupsCommandOutput>;
  send(command: DescribeTargetHealthCommand): Promise<DescribeTargetHealthCommandOutput>;
  send(command: DescribeTagsCommand): Promise<DescribeTagsCommandOutput>;
  send(command: ModifyListenerCommand): Promise<ModifyListenerCommandOutput>;
  send(command: AddTagsCommand): Promise<AddTagsCommandOutput>;
  send(command: RemoveTagsCommand): Promise<RemoveTagsCommandOutput>;
}

export interface CloudWatchPort {
  send(command: DescribeAlarmsCommand): Promise<DescribeAlarmsCommandOutput>;
}

/** The AWS clients a deployment talks to. CloudWatch is needed only when alarms are named in the input. */
export interface AwsClients {
  ecs: EcsPort;
  elbv2: Elbv2Port;
  cloudwatch?: CloudWatchPort;
}
