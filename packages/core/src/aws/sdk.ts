import type * as ApplicationAutoScaling from './sdk-commands/application-autoscaling';
import type * as CloudWatch from './sdk-commands/cloudwatch';
import type * as Ecs from './sdk-commands/ecs';
import type * as Elbv2 from './sdk-commands/elbv2';

/**
 * The SDK commands core sends, loaded on first use and cached: importing core (the planner, the types)
 * loads no `@aws-sdk` module. Only read.ts and write.ts construct commands, and only through these. They
 * come through sdk-commands/*, which name each command, so a bundle (the Lambda's) keeps only those
 * instead of every command of four clients.
 * A dynamic import resolves to the same module instance as a static one (the CJS build turns it into
 * `require`), so aws-sdk-client-mock's match by command class and the simulator's dispatch still hold.
 */
function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

export const ecsSdk: () => Promise<typeof Ecs> = once(() => import('./sdk-commands/ecs'));
export const elbv2Sdk: () => Promise<typeof Elbv2> = once(() => import('./sdk-commands/elbv2'));
export const cloudWatchSdk: () => Promise<typeof CloudWatch> = once(
  () => import('./sdk-commands/cloudwatch'),
);
export const applicationAutoScalingSdk: () => Promise<typeof ApplicationAutoScaling> = once(
  () => import('./sdk-commands/application-autoscaling'),
);
