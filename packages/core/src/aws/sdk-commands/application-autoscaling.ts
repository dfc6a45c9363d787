// The Application Auto Scaling commands core sends: loaded through sdk.ts on first use, and a bundler keeps only these.
export {
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
