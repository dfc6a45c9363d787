import type * as ApplicationAutoScaling from '@aws-sdk/client-application-auto-scaling';
import type * as CloudWatch from '@aws-sdk/client-cloudwatch';
import type * as Ecs from '@aws-sdk/client-ecs';
import type * as Elbv2 from '@aws-sdk/client-elastic-load-balancing-v2';

/**
 * The SDK clients' modules, loaded on first use and cached: importing core (the planner, the types)
 * loads no `@aws-sdk` module. Only read.ts and write.ts construct commands, and only through these.
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

export const ecsSdk: () => Promise<typeof Ecs> = once(() => import('@aws-sdk/client-ecs'));
export const elbv2Sdk: () => Promise<typeof Elbv2> = once(
  () => import('@aws-sdk/client-elastic-load-balancing-v2'),
);
export const cloudWatchSdk: () => Promise<typeof CloudWatch> = once(
  () => import('@aws-sdk/client-cloudwatch'),
);
export const applicationAutoScalingSdk: () => Promise<typeof ApplicationAutoScaling> = once(
  () => import('@aws-sdk/client-application-auto-scaling'),
);
