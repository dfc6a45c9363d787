// The CloudWatch command core sends: loaded through sdk.ts on first use, and a bundler keeps only it.
export { DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
