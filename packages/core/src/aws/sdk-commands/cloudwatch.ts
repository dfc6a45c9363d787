// The CloudWatch commands core sends: loaded through sdk.ts on first use, and a bundler keeps only these.
export { DescribeAlarmsCommand, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
