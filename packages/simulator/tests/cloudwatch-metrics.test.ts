import {
  GetMetricDataCommand,
  type GetMetricDataInput,
  InvalidParameterValueException,
} from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { metricDimensionOf } from '../src/cloudwatch/metric-data.js';
import { advance, smallWorld } from './helpers.js';

function setup() {
  const built = smallWorld({ tasks: 4, connectionsPerTask: 50 });
  const { world, refs } = built;
  advance(world, 100);
  // One task's 50 clients drop at 100 s and reconnect through the production listener (blue) within 5 s.
  const task = [...world.ecs.allTasks()][0];
  if (!task) throw new Error('no task');
  world.population.dropTask(task, 'task-stopped');
  advance(world, 200);
  const dimensions = (group = refs.blue) => [
    { Name: 'LoadBalancer', Value: metricDimensionOf(refs.loadBalancer.arn) },
    { Name: 'TargetGroup', Value: metricDimensionOf(group.arn) },
  ];
  const at = (second: number) => new Date(world.clock.epochMs + second * 1000);
  const query = (
    overrides: Partial<GetMetricDataInput> = {},
    period = 1,
    group = refs.blue,
  ): GetMetricDataInput => ({
    MetricDataQueries: [
      {
        Id: 'flows',
        MetricStat: {
          Metric: { Namespace: 'AWS/NetworkELB', MetricName: 'NewFlowCount', Dimensions: dimensions(group) },
          Period: period,
          Stat: 'Sum',
        },
      },
    ],
    StartTime: at(0),
    EndTime: at(300),
    ...overrides,
  });
  const send = (input: GetMetricDataInput) => world.clients.cloudwatch.send(new GetMetricDataCommand(input));
  return { ...built, at, query, send, dimensions };
}

describe('CloudWatch GetMetricData: the NLB target group metric NewFlowCount', () => {
  it('names the load balancer net/<name>/<id> and the target group targetgroup/<name>/<id>', () => {
    const { refs } = setup();
    expect(metricDimensionOf(refs.loadBalancer.arn)).toMatch(/^net\/[\w-]+\/[0-9a-f]{16}$/);
    expect(metricDimensionOf(refs.blue.arn)).toMatch(/^targetgroup\/blue\/[0-9a-f]{16}$/);
  });

  it('serves Sum per second from the simulated new flows, newest first by default', async () => {
    const { world, query, send, at } = setup();
    const out = await send(query());
    expect(out.$metadata.httpStatusCode).toBe(200);
    const [result] = out.MetricDataResults ?? [];
    expect(result).toMatchObject({ Id: 'flows', Label: 'NewFlowCount', StatusCode: 'Complete' });
    expect(result?.Timestamps).toHaveLength(300);
    expect(result?.Values).toHaveLength(300);
    expect(result?.Timestamps?.[0]).toEqual(at(299));
    expect(result?.Timestamps?.at(-1)).toEqual(at(0));
    const ascending = [...(result?.Values ?? [])].reverse();
    expect(ascending.reduce((a, b) => a + b, 0)).toBe(50);
    // Second by second what the simulator counted, and only in the 5 s after the drop.
    for (let s = 0; s < 300; s++) expect(ascending[s]).toBe(world.metrics.newConnectionsPerSecond[s] ?? 0);
    expect(ascending.findIndex((v) => v > 0)).toBeGreaterThanOrEqual(100);
    expect(ascending.findLastIndex((v) => v > 0)).toBeLessThanOrEqual(105);
  });

  it('sums per minute with Period 60, oldest first with ScanBy TimestampAscending', async () => {
    const { query, send, at } = setup();
    const out = await send(query({ ScanBy: 'TimestampAscending', StartTime: at(30) }, 60));
    const [result] = out.MetricDataResults ?? [];
    // StartTime is rounded down to the period; the minute 300-360 s has not ended yet.
    expect(result?.Timestamps).toEqual([at(0), at(60), at(120), at(180), at(240)]);
    expect(result?.Values).toEqual([0, 50, 0, 0, 0]);
  });

  it('gives zeros for a group that took no flow, nothing for another metric, omits ReturnData false', async () => {
    const { refs, query, send, dimensions } = setup();
    const green = await send(query({}, 60, refs.green));
    expect(green.MetricDataResults?.[0]?.Values).toEqual([0, 0, 0, 0, 0]);
    const other = await send(
      query({
        MetricDataQueries: [
          {
            Id: 'bytes',
            MetricStat: {
              Metric: { Namespace: 'AWS/NetworkELB', MetricName: 'ProcessedBytes', Dimensions: dimensions() },
              Period: 60,
              Stat: 'Sum',
            },
          },
          {
            Id: 'hidden',
            ReturnData: false,
            MetricStat: {
              Metric: { Namespace: 'AWS/NetworkELB', MetricName: 'NewFlowCount', Dimensions: dimensions() },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    expect(other.MetricDataResults).toEqual([
      { Id: 'bytes', Label: 'ProcessedBytes', Timestamps: [], Values: [], StatusCode: 'Complete' },
    ]);
  });

  it('refuses what CloudWatch refuses, and what the simulator does not serve, as InvalidParameterValue', async () => {
    const { query, send, at } = setup();
    const stat = (Stat: string, Period = 60) => {
      const input = query();
      const metricStat = input.MetricDataQueries?.[0]?.MetricStat;
      if (metricStat) Object.assign(metricStat, { Stat, Period });
      return input;
    };
    await expect(send(stat('Sum', 7))).rejects.toBeInstanceOf(InvalidParameterValueException);
    await expect(send(stat('Average'))).rejects.toThrow(/Sum only/);
    await expect(send(query({ StartTime: at(10), EndTime: at(10) }))).rejects.toThrow(/StartTime/);
    await expect(send(query({ MetricDataQueries: [] }))).rejects.toThrow(/MetricDataQueries/);
  });
});
