import type * as Lazy from './sdk';
import * as ApplicationAutoScaling from './sdk-commands/application-autoscaling';
import * as CloudWatch from './sdk-commands/cloudwatch';
import * as Ecs from './sdk-commands/ecs';
import * as Elbv2 from './sdk-commands/elbv2';

/**
 * sdk.ts for a bundle that loads the SDK anyway (the Lambda handler: runner-lambda's build substitutes
 * this file). A bundler cannot tree-shake a module it must load lazily, so there the four clients came
 * whole; imported statically, only the commands sdk-commands/* name are kept.
 */
export const ecsSdk: typeof Lazy.ecsSdk = async () => Ecs;
export const elbv2Sdk: typeof Lazy.elbv2Sdk = async () => Elbv2;
export const cloudWatchSdk: typeof Lazy.cloudWatchSdk = async () => CloudWatch;
export const applicationAutoScalingSdk: typeof Lazy.applicationAutoScalingSdk = async () =>
  ApplicationAutoScaling;
