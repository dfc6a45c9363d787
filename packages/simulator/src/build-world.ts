import type { DeploymentInput } from '@ecs-taper/core';
import type {
  ScalableTargetOptions,
  ScheduledScaling,
  SimScalableTarget,
} from './application-autoscaling/model.js';
import type { VirtualClock } from './clock.js';
import type { ReconnectPolicy } from './defaults.js';
import type { SimService, SimTaskDefinition, SimTaskSet } from './ecs/model.js';
import type { SimListener, SimLoadBalancer, SimTargetGroup } from './elbv2/model.js';
import { type SimulatedClients, World, type WorldOptions } from './world.js';

export interface BuildWorldOptions extends WorldOptions {
  /** Service desiredCount: tasks of the initial task set. Default 20. */
  tasks?: number;
  /** Clients connected to each initial task. Default 500. */
  connectionsPerTask?: number;
  /** How dropped clients reconnect. Default `simulatorDefaults.clients.reconnect` (uniform jitter over 5 s). */
  reconnect?: ReconnectPolicy;
  /** deregistration_delay.timeout_seconds of both target groups. Default `simulatorDefaults.targetGroup`. */
  deregistrationDelaySeconds?: number;
  /** PRNG seed (same seed, same world and same run). */
  randomSeed?: number;
  /**
   * Register the service as an Application Auto Scaling scalable target (ecs:service:DesiredCount)
   * with this range and SuspendedState; `tasks` is moved into the range. None by default.
   */
  scalableTarget?: ScalableTargetOptions;
  /** Scaling activities on the service at given simulated times (needs `scalableTarget` to apply). */
  scaling?: ScheduledScaling[];
}

/** Names and objects of the starting point, for tests and strategies. */
export interface WorldRefs {
  service: SimService;
  initialTaskSet: SimTaskSet;
  v1: SimTaskDefinition;
  v2: SimTaskDefinition;
  loadBalancer: SimLoadBalancer;
  blue: SimTargetGroup;
  green: SimTargetGroup;
  productionListener: SimListener;
  testListener: SimListener;
  alarmName: string;
  /** The service's scalable target, when `scalableTarget` was given. */
  scalableTarget: SimScalableTarget | undefined;
}

export interface BuiltWorld {
  world: World;
  clients: SimulatedClients;
  clock: VirtualClock;
  /** A ready-made core input that deploys v2. */
  input: DeploymentInput;
  refs: WorldRefs;
}

export const worldNames = {
  cluster: 'sim-cluster',
  service: 'sim-service',
  family: 'sim-app',
  container: 'webserver',
  containerPort: 8080,
  loadBalancer: 'sim-nlb',
  vpc: 'vpc-0a1b2c3d4e5f67890',
  subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
  securityGroups: ['sg-0a1b2c3d4e5f60003'],
  alarm: 'sim-app-errors',
} as const;

/** The window over which dropped clients come back, as core's reconnection model wants it (> 0). */
export function reconnectSpread(policy: ReconnectPolicy): number {
  if (policy.kind === 'jitter') return Math.max(policy.maxSeconds, 0.001);
  if (policy.kind === 'exponential') return Math.max(policy.baseSeconds, 0.001);
  return 0.001;
}

/**
 * A realistic starting point: a cluster, an EXTERNAL service with desiredCount = tasks, a PRIMARY task
 * set of v1 on target group "blue" with every task running, healthy and holding its clients, an NLB
 * with a production listener on port 80 -> blue and a test listener on 8080 -> "green", task
 * definitions v1 and v2 with one port mapping each, and an alarm in OK. Blue carries the seed sample's
 * tags (isProduction, serviceName, taskSetId) and the seed's hard-coded container name and port
 * (webserver:8080) so the seed baseline can run too.
 */
export function buildWorld(options: BuildWorldOptions = {}): BuiltWorld {
  const tasks = options.tasks ?? 20;
  const perTask = options.connectionsPerTask ?? 500;
  const settings = {
    ...options.settings,
    randomSeed: options.randomSeed ?? options.settings?.randomSeed,
    targetGroup: {
      ...options.settings?.targetGroup,
      ...(options.deregistrationDelaySeconds === undefined
        ? {}
        : { deregistrationDelaySeconds: options.deregistrationDelaySeconds }),
    },
  };
  const world = new World({ ...options, settings });
  const n = worldNames;
  const cluster = world.addCluster(n.cluster);
  const container = {
    name: n.container,
    image: 'public.ecr.aws/docker/library/nginx:latest',
    essential: true,
    portMappings: [{ containerPort: n.containerPort, protocol: 'tcp' as const }],
  };
  const v1 = world.registerTaskDefinition(n.family, [container]);
  const v2 = world.registerTaskDefinition(n.family, [
    { ...container, image: `${container.image.split(':')[0]}:v2` },
  ]);
  const lb = world.addLoadBalancer(n.loadBalancer, n.vpc);
  const blue = world.addTargetGroup('blue', n.containerPort, n.vpc);
  const green = world.addTargetGroup('green', n.containerPort, n.vpc);
  const productionListener = world.addListener(lb, 80, blue);
  const testListener = world.addListener(lb, 8080, green);
  const network = {
    awsvpcConfiguration: {
      subnets: [...n.subnets],
      securityGroups: [...n.securityGroups],
      assignPublicIp: 'DISABLED' as const,
    },
  };
  const service = world.addExternalService(cluster, n.service, tasks, network);
  const initialTaskSet = world.addRunningTaskSet(service, v1, {
    targetGroupArn: blue.arn,
    containerName: n.container,
    containerPort: n.containerPort,
  });
  world.elb.tags.set(blue.arn, [
    { Key: 'isProduction', Value: 'true' },
    { Key: 'serviceName', Value: n.service },
    { Key: 'taskSetId', Value: initialTaskSet.id },
  ]);
  world.elb.tags.set(green.arn, [{ Key: 'serviceName', Value: n.service }]);
  world.alarms.put(n.alarm, 'OK', 'Threshold Crossed: no datapoints were breaching');
  world.connectClients(productionListener, perTask, options.reconnect);
  const scalableTarget = options.scalableTarget
    ? world.addScalableTarget(service, options.scalableTarget)
    : undefined;
  for (const scaling of options.scaling ?? []) world.scheduleScaling({ ...scaling, service });
  const input: DeploymentInput = {
    cluster: n.cluster,
    service: n.service,
    taskDefinition: v2.arn,
    loadBalancerArn: lb.arn,
    subnets: [...n.subnets],
    securityGroups: [...n.securityGroups],
    testListenerPort: 8080,
    pollIntervalSeconds: 5,
    connectionsPerTask: perTask,
    reconnectSpreadSeconds: reconnectSpread(world.population.policy),
  };
  return {
    world,
    clients: world.clients,
    clock: world.clock,
    input,
    refs: {
      service,
      initialTaskSet,
      v1,
      v2,
      loadBalancer: lb,
      blue,
      green,
      productionListener,
      testListener,
      alarmName: n.alarm,
      scalableTarget,
    },
  };
}
