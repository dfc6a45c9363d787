import type {
  DescribeAlarmsCommandInput,
  DescribeAlarmsCommandOutput,
  MetricAlarm,
  StateValue,
} from '@aws-sdk/client-cloudwatch';

interface SimAlarm {
  name: string;
  state: StateValue;
  reason: string;
  updatedAt: number;
}

/** CloudWatch metric alarms whose state the world sets (e.g. going to ALARM at a chosen time). */
export class AlarmState {
  readonly alarms = new Map<string, SimAlarm>();

  constructor(
    private readonly account: string,
    private readonly region: string,
    private readonly epochMs: number,
    private readonly nowMs: () => number,
  ) {}

  put(name: string, state: StateValue = 'OK', reason = 'Threshold Crossed: simulated'): void {
    this.alarms.set(name, { name, state, reason, updatedAt: this.nowMs() });
  }

  /** Unknown names are left out of the answer, as CloudWatch does. */
  describe(input: DescribeAlarmsCommandInput): Omit<DescribeAlarmsCommandOutput, '$metadata'> {
    const types = input.AlarmTypes ?? ['MetricAlarm'];
    if (!types.includes('MetricAlarm')) return { MetricAlarms: [], CompositeAlarms: [] };
    let alarms = [...this.alarms.values()];
    if (input.AlarmNames?.length) alarms = alarms.filter((a) => input.AlarmNames?.includes(a.name));
    if (input.AlarmNamePrefix) alarms = alarms.filter((a) => a.name.startsWith(input.AlarmNamePrefix ?? ''));
    if (input.StateValue) alarms = alarms.filter((a) => a.state === input.StateValue);
    const view = (a: SimAlarm): MetricAlarm => ({
      AlarmName: a.name,
      AlarmArn: `arn:aws:cloudwatch:${this.region}:${this.account}:alarm:${a.name}`,
      StateValue: a.state,
      StateReason: a.reason,
      StateUpdatedTimestamp: new Date(this.epochMs + a.updatedAt),
      ActionsEnabled: true,
      MetricName: 'SimulatedErrors',
      Namespace: 'EcsTaper/Simulator',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    return { MetricAlarms: alarms.map(view), CompositeAlarms: [] };
  }
}
