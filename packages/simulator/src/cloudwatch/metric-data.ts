import {
  type GetMetricDataInput,
  type GetMetricDataOutput,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import type { SimContext } from '../context.js';

const meta = () => ({ $metadata: { httpStatusCode: 400 } });
const invalid = (message: string) => new InvalidParameterValueException({ message, ...meta() });

/** The NLB metric the simulator publishes: new flows per target group (namespace AWS/NetworkELB). */
export const NEW_FLOW_COUNT = { namespace: 'AWS/NetworkELB', metricName: 'NewFlowCount' } as const;

/** Periods CloudWatch accepts: 1, 5, 10, 20, 30 (high resolution) or a multiple of 60 seconds. */
function validPeriod(period: number): boolean {
  return Number.isInteger(period) && period > 0 && ([1, 5, 10, 20, 30].includes(period) || period % 60 === 0);
}

/** `net/<name>/<id>` of a load balancer ARN, `targetgroup/<name>/<id>` of a target group ARN. */
export function metricDimensionOf(arn: string): string {
  const resource = arn.slice(arn.lastIndexOf(':') + 1);
  return resource.startsWith('loadbalancer/') ? resource.slice('loadbalancer/'.length) : resource;
}

/**
 * GetMetricData for the one metric the simulator publishes: AWS/NetworkELB NewFlowCount with the
 * dimensions LoadBalancer (`net/<name>/<id>`) and TargetGroup (`targetgroup/<name>/<id>`), statistic
 * Sum, from the new flows the simulated clients opened, by target group. Each period from StartTime
 * (rounded down to the period) to EndTime that has ended by now is one datapoint, 0 where no flow
 * started; periods of 1 s are served although the real metric is published per minute. Any other
 * metric, or other dimensions, has no data (an empty result, as CloudWatch gives for a metric that
 * does not exist). Metric math (Expression), other statistics and pagination are not simulated.
 */
export function getMetricData(ctx: SimContext, input: GetMetricDataInput): GetMetricDataOutput {
  const queries = input.MetricDataQueries ?? [];
  if (queries.length === 0 || queries.length > 500)
    throw invalid('The parameter MetricDataQueries must contain between 1 and 500 queries.');
  const startMs = timeOf(input.StartTime);
  const endMs = timeOf(input.EndTime);
  if (Number.isNaN(startMs) || Number.isNaN(endMs))
    throw invalid('The parameters StartTime and EndTime are required.');
  if (startMs >= endMs) throw invalid('The parameter StartTime must be less than the parameter EndTime.');
  const descending = (input.ScanBy ?? 'TimestampDescending') === 'TimestampDescending';
  const results: MetricDataResult[] = [];
  for (const query of queries) {
    const result = answer(ctx, query, startMs, endMs);
    if (query.ReturnData === false) continue;
    if (descending) {
      result.Timestamps?.reverse();
      result.Values?.reverse();
    }
    results.push(result);
  }
  return { MetricDataResults: results, Messages: [] };
}

/** A Date from the SDK, or the ISO string / epoch number of a request that came over the wire. */
function timeOf(value: unknown): number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string' || typeof value === 'number') return new Date(value).getTime();
  return Number.NaN;
}

function answer(ctx: SimContext, query: MetricDataQuery, startMs: number, endMs: number): MetricDataResult {
  if (!query.Id || !/^[a-z][a-zA-Z0-9_]*$/.test(query.Id))
    throw invalid(`The value ${query.Id ?? ''} for parameter MetricDataQueries.member.Id is invalid.`);
  if (query.Expression !== undefined) {
    if (query.MetricStat)
      throw new InvalidParameterCombinationException({
        message: 'Exactly one of MetricStat and Expression must be set in a MetricDataQuery.',
        ...meta(),
      });
    throw invalid('The simulated CloudWatch does not evaluate metric math (Expression).');
  }
  const stat = query.MetricStat;
  if (!stat?.Metric)
    throw invalid('Exactly one of MetricStat and Expression must be set in a MetricDataQuery.');
  const period = stat.Period ?? 0;
  if (!validPeriod(period))
    throw invalid(
      `The parameter MetricStat.Period must be 1, 5, 10, 20, 30 or a multiple of 60, got ${period}.`,
    );
  if (stat.Stat !== 'Sum')
    throw invalid(`The simulated CloudWatch serves the statistic Sum only, got ${stat.Stat ?? 'none'}.`);
  const { Namespace, MetricName, Dimensions = [] } = stat.Metric;
  const label = query.Label ?? MetricName ?? query.Id;
  const empty: MetricDataResult = {
    Id: query.Id,
    Label: label,
    Timestamps: [],
    Values: [],
    StatusCode: 'Complete',
  };
  if (Namespace !== NEW_FLOW_COUNT.namespace || MetricName !== NEW_FLOW_COUNT.metricName) return empty;
  const names = new Set(Dimensions.map((d) => d.Name));
  if (Dimensions.length !== 2 || !names.has('LoadBalancer') || !names.has('TargetGroup')) return empty;
  const lbDimension = Dimensions.find((d) => d.Name === 'LoadBalancer')?.Value;
  const tgDimension = Dimensions.find((d) => d.Name === 'TargetGroup')?.Value;
  let bySecond: Map<number, number> | undefined;
  for (const [lbArn, byGroup] of ctx.metrics.newFlowsByTargetGroup) {
    if (metricDimensionOf(lbArn) !== lbDimension) continue;
    for (const [tgArn, perSecond] of byGroup)
      if (metricDimensionOf(tgArn) === tgDimension) bySecond = perSecond;
  }
  // A target group behind the load balancer that took no flow yet still has its metric, at 0.
  if (!bySecond && !knownPair(ctx, lbDimension, tgDimension)) return empty;

  const periodMs = period * 1000;
  const epochMs = ctx.clock.epochMs;
  const nowMs = ctx.clock.now();
  const timestamps: Date[] = [];
  const values: number[] = [];
  for (let p = Math.floor(startMs / periodMs) * periodMs; p < endMs && p + periodMs <= nowMs; p += periodMs) {
    // Simulated seconds (since the world started) whose start lies in [p, p + period).
    const first = Math.ceil((p - epochMs) / 1000);
    const last = Math.ceil((p + periodMs - epochMs) / 1000);
    let sum = 0;
    if (bySecond) for (let s = Math.max(first, 0); s < last; s++) sum += bySecond.get(s) ?? 0;
    timestamps.push(new Date(p));
    values.push(sum);
  }
  return { ...empty, Timestamps: timestamps, Values: values };
}

/** A target group of the simulated account that a listener of the named load balancer forwards to. */
function knownPair(
  ctx: SimContext,
  lbDimension: string | undefined,
  tgDimension: string | undefined,
): boolean {
  for (const group of ctx.elb.targetGroups.values()) {
    if (metricDimensionOf(group.arn) !== tgDimension) continue;
    return ctx.elb.loadBalancersOf(group).some((lb) => metricDimensionOf(lb.arn) === lbDimension);
  }
  return false;
}
