import {
  CloudWatchServiceException,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandOutput,
  GetMetricDataCommand,
  type GetMetricDataCommandOutput,
} from '@aws-sdk/client-cloudwatch';
import type { CloudWatchPort } from '@ecs-taper/core/workflow';
import type { SimContext } from '../context.js';
import { type ApiCall, Dispatcher } from '../dispatch.js';
import { getMetricData } from './metric-data.js';

/** A stand-in for `CloudWatchClient` serving DescribeAlarms and GetMetricData (the NLB's NewFlowCount). */
export class SimulatedCloudWatchClient implements CloudWatchPort {
  private readonly dispatcher: Dispatcher;

  constructor(ctx: SimContext, report: (call: ApiCall) => void) {
    this.dispatcher = new Dispatcher('CloudWatch', ctx, (o) => new CloudWatchServiceException(o), report)
      .on(DescribeAlarmsCommand, (i) => ctx.alarms.describe(i))
      .on(GetMetricDataCommand, (i) => getMetricData(ctx, i));
  }

  send(command: DescribeAlarmsCommand): Promise<DescribeAlarmsCommandOutput>;
  send(command: GetMetricDataCommand): Promise<GetMetricDataCommandOutput>;
  send(command: { input?: unknown }): Promise<unknown> {
    return this.dispatcher.send(command);
  }
}
