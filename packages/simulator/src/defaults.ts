/**
 * Every default of the simulated world in one place. Each value matches AWS documentation or commonly
 * observed behaviour; the README explains where each comes from.
 */
export const simulatorDefaults = {
  /** Fake account and region used in every ARN (never a real account). */
  account: '000000000000',
  region: 'us-east-1',
  /** PRNG seed when none is given. */
  randomSeed: 1,
  ecs: {
    /** PROVISIONING -> PENDING: Fargate attaches the task's ENI. */
    provisioningSeconds: 10,
    /** PENDING -> RUNNING: image pull and container start. */
    pendingSeconds: 30,
    /** Delay before the ECS scheduler acts on a new desired count (scale change, desiredCount, deletion). */
    schedulerDelaySeconds: 2,
    /** SIGTERM -> process exit for a healthy app that closes its connections when told to stop (Fargate stopTimeout is 30 s by default, at most 120 s). */
    shutdownSeconds: 2,
    /** Delay before ECS replaces a task that failed to start, crashed, or failed its load balancer health checks. */
    replacementDelaySeconds: 10,
    /** ECS stops tasks that the load balancer reports unhealthy and starts replacements. */
    replaceUnhealthyTasks: true,
    /**
     * Extra delay, uniform in [0, this] seconds and drawn per task, between the end of a target's
     * deregistration delay and what follows it: the NLB closing its flows (connection termination) and
     * ECS stopping the task. On AWS tasks do not all drop exactly a deregistration delay after their
     * step; 0 (the default) keeps them exact.
     */
    stopJitterSeconds: 0,
    /** "N deployments exist on the service. Unable to create new TaskSet since this exceeds the maximum limit." */
    maxTaskSetsPerService: 5,
  },
  targetGroup: {
    /** NLB TCP target group defaults (CreateTargetGroup): interval 30 s, healthy 5, unhealthy 2, timeout 10 s. */
    healthCheckIntervalSeconds: 30,
    healthyThresholdCount: 5,
    unhealthyThresholdCount: 2,
    healthCheckTimeoutSeconds: 10,
    /** `initial` with `Elb.RegistrationInProgress` before health checks start. */
    registrationSeconds: 0,
    /** deregistration_delay.timeout_seconds: AWS default 300 (range 0-3600). */
    deregistrationDelaySeconds: 300,
    /** deregistration_delay.connection_termination.enabled: AWS default false. */
    connectionTermination: false,
  },
  listener: {
    /** After ModifyListener, new flows may still reach the old target group; the chance falls linearly to 0 over this window (~60-75 s reported). */
    propagationSeconds: 60,
  },
  clients: {
    /** How a dropped client waits before reconnecting. */
    reconnect: { kind: 'jitter', maxSeconds: 5 } as ReconnectPolicy,
    /**
     * A connection attempt that fails (no target, or a broken task) is retried after
     * max(policy delay, min(maxRetrySeconds, minRetrySeconds x 2^(failures - 1))): clients back off.
     */
    minRetrySeconds: 1,
    maxRetrySeconds: 60,
    /**
     * Mean length (s) of a client's session: when one ends the client opens a new flow at once, through
     * whatever the listener sends new flows to then (exponentially distributed, so new flows arrive at
     * population / sessionSeconds per second). Absent: sessions never end on their own, the only new
     * flows are reconnects after a drop.
     */
    sessionSeconds: undefined as number | undefined,
    /**
     * 0-1: the clients the world starts with are spread unevenly over the tasks, each task's count
     * uniform in perTask x (1 +/- this), scaled so that the total stays tasks x perTask. 0 (the
     * default): every task holds exactly perTask.
     */
    connectionImbalance: 0,
  },
  faults: {
    /** A 'crash' bad version exits this long after reaching RUNNING. */
    crashAfterSeconds: 20,
  },
} as const;

/** How a client waits before reconnecting after a drop; `attempt` counts failed attempts since the drop. */
export type ReconnectPolicy =
  | { kind: 'immediate' }
  | { kind: 'jitter'; maxSeconds: number }
  | { kind: 'exponential'; baseSeconds: number; capSeconds: number };

type Widen<T> = T extends number ? number : T extends boolean ? boolean : T extends string ? string : T;
/** The resolved settings of one world: `simulatorDefaults` with overrides applied. */
export type SimulatorSettings = {
  -readonly [K in keyof typeof simulatorDefaults]: (typeof simulatorDefaults)[K] extends object
    ? { -readonly [P in keyof (typeof simulatorDefaults)[K]]: Widen<(typeof simulatorDefaults)[K][P]> }
    : Widen<(typeof simulatorDefaults)[K]>;
};

/** Overrides accepted by `World` and `buildWorld`. */
export type SettingsOverrides = {
  [K in keyof SimulatorSettings]?: SimulatorSettings[K] extends object
    ? Partial<SimulatorSettings[K]>
    : SimulatorSettings[K];
};

export function resolveSettings(overrides: SettingsOverrides = {}): SimulatorSettings {
  return {
    account: overrides.account ?? simulatorDefaults.account,
    region: overrides.region ?? simulatorDefaults.region,
    randomSeed: overrides.randomSeed ?? simulatorDefaults.randomSeed,
    ecs: { ...simulatorDefaults.ecs, ...overrides.ecs },
    targetGroup: { ...simulatorDefaults.targetGroup, ...overrides.targetGroup },
    listener: { ...simulatorDefaults.listener, ...overrides.listener },
    clients: { ...simulatorDefaults.clients, ...overrides.clients },
    faults: { ...simulatorDefaults.faults, ...overrides.faults },
  };
}
