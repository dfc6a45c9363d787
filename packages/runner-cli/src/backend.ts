import type { AwsClients, Clock } from '@ecs-taper/core';
import type { RemoteWorld } from './simulator/remote-world';

export interface Backend {
  /** Input fields the backend suggests (the simulator's ready-made input); flags and files override them. */
  defaults: Record<string, unknown>;
  /**
   * Clients and clock; for AWS the SDK is loaded only now, after the input was validated. `input` (the
   * merged deployment input): its ARNs name the region when nothing else does.
   */
  open(input?: Record<string, unknown>): Promise<{ clients: AwsClients; clock: Clock }>;
  remote: RemoteWorld | undefined;
}

/** AWS (default chain, --region, --profile) or the simulator backend (--simulator URL). */
export async function prepareBackend(values: {
  region?: string;
  profile?: string;
  simulator?: string;
}): Promise<Backend> {
  if (values.simulator) {
    const { RemoteWorld } = await import('./simulator/remote-world');
    const remote = await RemoteWorld.connect(values.simulator);
    return {
      defaults: remote.info.input,
      remote,
      open: async () => ({ clients: remote.clients(), clock: remote.clock }),
    };
  }
  return {
    defaults: {},
    remote: undefined,
    open: async (input = {}) => {
      const [{ createAwsClients }, { systemClock }] = await Promise.all([
        import('./aws-clients'),
        import('@ecs-taper/core'),
      ]);
      const arns = [
        input.loadBalancerArn,
        input.productionListenerArns,
        input.testListenerArn,
        input.cluster,
      ];
      return { clients: await createAwsClients({ ...values, arns }), clock: systemClock };
    },
  };
}
