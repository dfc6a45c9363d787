import type { ICluster } from 'aws-cdk-lib/aws-ecs';
import type { INetworkListener, INetworkTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IRole } from 'aws-cdk-lib/aws-iam';
import type { ApplicationLogLevel, IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';

/** What the controller may act on, and how it logs. Every resource is a construct or its ARN (or name). */
export interface EcsTaperControllerProps {
  /** The cluster of the service: a construct, or its name or ARN. */
  readonly cluster: ICluster | string;
  /** The service ecs-taper deploys (EXTERNAL deployment controller), by name. */
  readonly serviceName: string;
  /**
   * Every listener the controller swaps: the production listener(s) and the test listener that serves the
   * standby target group (at least one). ecs-taper calls ModifyListener on these and no others.
   */
  readonly listeners: readonly (INetworkListener | string)[];
  /** The two target groups the listeners swap between (one live, one standby). */
  readonly targetGroups: readonly (INetworkTargetGroup | string)[];
  /**
   * The task execution role and task role of the task definitions ecs-taper deploys: CreateTaskSet passes
   * them to ECS (iam:PassRole, to ecs-tasks.amazonaws.com only). Default: none, which suits only task
   * definitions without roles.
   */
  readonly taskRoles?: readonly (IRole | string)[];
  /**
   * The Lambda functions that the deployment input's hooks name (functionName), qualified when a hook names
   * a version or alias. The controller may invoke exactly these. Default: none (URL hooks need no permission).
   */
  readonly hookFunctions?: readonly (IFunction | string)[];
  /** Retention of the function's and the state machine's log groups. Default: one month. */
  readonly logRetention?: RetentionDays;
  /**
   * The controller's log level: Lambda drops the handler's JSON log lines below it and sets
   * AWS_LAMBDA_LOG_LEVEL, which the handler's logger honours. Default: INFO.
   */
  readonly applicationLogLevel?: ApplicationLogLevel;
}
