import {
  CreateServiceCommand,
  type CreateServiceCommandOutput,
  CreateTaskSetCommand,
  type CreateTaskSetCommandOutput,
  DeleteTaskSetCommand,
  type DeleteTaskSetCommandOutput,
  DescribeServicesCommand,
  type DescribeServicesCommandOutput,
  DescribeTaskDefinitionCommand,
  type DescribeTaskDefinitionCommandOutput,
  DescribeTaskSetsCommand,
  type DescribeTaskSetsCommandOutput,
  DescribeTasksCommand,
  type DescribeTasksCommandOutput,
  ECSServiceException,
  ListServicesCommand,
  type ListServicesCommandOutput,
  ListTagsForResourceCommand,
  type ListTagsForResourceCommandOutput,
  ListTasksCommand,
  type ListTasksCommandOutput,
  TagResourceCommand,
  type TagResourceCommandOutput,
  UntagResourceCommand,
  type UntagResourceCommandOutput,
  UpdateServicePrimaryTaskSetCommand,
  type UpdateServicePrimaryTaskSetCommandOutput,
  UpdateTaskSetCommand,
  type UpdateTaskSetCommandOutput,
} from '@aws-sdk/client-ecs';
import type { EcsPort } from '@ecs-taper/core/workflow';
import type { SimContext } from '../context.js';
import { type ApiCall, Dispatcher } from '../dispatch.js';
import { describeServices, describeTaskDefinition, describeTaskSets, listServices } from './describe.js';
import {
  createService,
  createTaskSet,
  deleteTaskSet,
  updateServicePrimaryTaskSet,
  updateTaskSet,
} from './mutate.js';
import { listTagsForResource, tagResource, untagResource } from './tags.js';
import { describeTasks, listTasks } from './tasks.js';

/** A stand-in for `ECSClient` that serves the commands core sends, from the simulated world. */
export class SimulatedEcsClient implements EcsPort {
  private readonly dispatcher: Dispatcher;

  constructor(ctx: SimContext, report: (call: ApiCall) => void) {
    this.dispatcher = new Dispatcher('ECS', ctx, (o) => new ECSServiceException(o), report)
      .on(DescribeServicesCommand, (i) => describeServices(ctx, i))
      .on(DescribeTaskSetsCommand, (i) => describeTaskSets(ctx, i))
      .on(ListServicesCommand, (i) => listServices(ctx, i))
      .on(DescribeTaskDefinitionCommand, (i) => describeTaskDefinition(ctx, i))
      .on(CreateServiceCommand, (i) => createService(ctx, i))
      .on(CreateTaskSetCommand, (i) => createTaskSet(ctx, i))
      .on(UpdateTaskSetCommand, (i) => updateTaskSet(ctx, i))
      .on(UpdateServicePrimaryTaskSetCommand, (i) => updateServicePrimaryTaskSet(ctx, i))
      .on(DeleteTaskSetCommand, (i) => deleteTaskSet(ctx, i))
      .on(TagResourceCommand, (i) => tagResource(ctx, i))
      .on(UntagResourceCommand, (i) => untagResource(ctx, i))
      .on(ListTagsForResourceCommand, (i) => listTagsForResource(ctx, i))
      .on(ListTasksCommand, (i) => listTasks(ctx, i))
      .on(DescribeTasksCommand, (i) => describeTasks(ctx, i));
  }

  send(command: DescribeServicesCommand): Promise<DescribeServicesCommandOutput>;
  send(command: DescribeTaskSetsCommand): Promise<DescribeTaskSetsCommandOutput>;
  send(command: ListServicesCommand): Promise<ListServicesCommandOutput>;
  send(command: DescribeTaskDefinitionCommand): Promise<DescribeTaskDefinitionCommandOutput>;
  send(command: CreateServiceCommand): Promise<CreateServiceCommandOutput>;
  send(command: CreateTaskSetCommand): Promise<CreateTaskSetCommandOutput>;
  send(command: UpdateTaskSetCommand): Promise<UpdateTaskSetCommandOutput>;
  send(command: UpdateServicePrimaryTaskSetCommand): Promise<UpdateServicePrimaryTaskSetCommandOutput>;
  send(command: DeleteTaskSetCommand): Promise<DeleteTaskSetCommandOutput>;
  send(command: TagResourceCommand): Promise<TagResourceCommandOutput>;
  send(command: UntagResourceCommand): Promise<UntagResourceCommandOutput>;
  send(command: ListTagsForResourceCommand): Promise<ListTagsForResourceCommandOutput>;
  send(command: ListTasksCommand): Promise<ListTasksCommandOutput>;
  send(command: DescribeTasksCommand): Promise<DescribeTasksCommandOutput>;
  send(command: { input?: unknown }): Promise<unknown> {
    return this.dispatcher.send(command);
  }
}
