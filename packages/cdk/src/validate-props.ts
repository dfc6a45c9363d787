import { Token } from 'aws-cdk-lib';
import { ApplicationLogLevel } from 'aws-cdk-lib/aws-lambda';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { EcsTaperControllerProps } from './controller-props';

/** One prop that cannot work, named as the caller wrote it (`targetGroups[1]`). */
export interface PropProblem {
  readonly prop: string;
  readonly message: string;
}

/** Props of an EcsTaperController that cannot work; `problems` lists every one, not only the first. */
export class ControllerPropsError extends Error {
  readonly problems: readonly PropProblem[];
  constructor(construct: string, problems: readonly PropProblem[]) {
    super(
      `EcsTaperController ${construct}: ${problems.length === 1 ? 'a prop is' : `${problems.length} props are`} ` +
        `invalid:\n${problems.map((p) => `  - ${p.prop}: ${p.message}`).join('\n')}`,
    );
    this.name = 'ControllerPropsError';
    this.problems = problems;
  }
}

// The shapes controller.yaml's parameters allow. No "*" anywhere: each value becomes an IAM Resource.
const name = /^[A-Za-z0-9_-]{1,255}$/;
export const clusterArnPattern =
  /^arn:(aws[a-z-]*):ecs:([a-z0-9-]+):(\d{12}):cluster\/([A-Za-z0-9_-]{1,255})$/;
const listenerArn = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:listener\/net\/[^*]+$/;
const targetGroupArn = /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[^*]+$/;
const roleArn = /^arn:aws[a-z-]*:iam::\d{12}:role\/[^*]+$/;
const functionArn =
  /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$/;

const shown = (value: unknown) => (typeof value === 'string' ? `'${value}'` : String(value));
/** A value known only at deploy time (a parameter, an import, a construct's attribute) cannot be checked here. */
const checkable = (value: string) => !Token.isUnresolved(value);

/** Every problem with the props, in prop order; empty when they can work. Nothing is created before this passes. */
export function propProblems(props: EcsTaperControllerProps): PropProblem[] {
  const problems: PropProblem[] = [];
  const add = (prop: string, message: string) => problems.push({ prop, message });

  const cluster: unknown = props.cluster;
  if (typeof cluster === 'string') {
    if (checkable(cluster) && !name.test(cluster) && !clusterArnPattern.test(cluster)) {
      add(
        'cluster',
        `${shown(cluster)} is neither a cluster name (1-255 letters, digits, - and _) nor a cluster ARN ` +
          '(arn:aws:ecs:<region>:<account>:cluster/<name>); pass one of them or an ICluster.',
      );
    }
  } else if (!cluster || typeof cluster !== 'object' || !('clusterName' in cluster)) {
    add('cluster', `is ${shown(cluster)}; pass an ICluster, or the cluster's name or ARN.`);
  }

  const service: unknown = props.serviceName;
  if (typeof service !== 'string' || (checkable(service) && !name.test(service))) {
    add(
      'serviceName',
      `${shown(service)} is not a service name (1-255 letters, digits, - and _); pass the name, not the ARN.`,
    );
  }

  const list = (
    prop: string,
    values: readonly unknown[] | undefined,
    pattern: RegExp,
    arnShape: string,
    attribute: string,
    construct: string,
  ): string[] => {
    if (values !== undefined && !Array.isArray(values)) {
      add(prop, `is ${shown(values)}; pass an array.`);
      return [];
    }
    const strings: string[] = [];
    (values ?? []).forEach((value, i) => {
      if (typeof value === 'string') {
        if (checkable(value) && !pattern.test(value)) {
          add(`${prop}[${i}]`, `${shown(value)} is not ${arnShape}; pass the ARN or ${construct}.`);
        } else strings.push(value);
      } else if (!value || typeof value !== 'object' || !(attribute in value)) {
        add(`${prop}[${i}]`, `is ${shown(value)}; pass the ARN or ${construct}.`);
      }
    });
    const seen = new Set<string>();
    for (const value of strings.filter(checkable)) {
      if (seen.has(value)) add(prop, `names ${shown(value)} twice; list each once.`);
      seen.add(value);
    }
    return strings;
  };

  const listenerShape =
    'an NLB listener ARN (arn:aws:elasticloadbalancing:<region>:<account>:listener/net/...)';
  list('listeners', props.listeners, listenerArn, listenerShape, 'listenerArn', 'an INetworkListener');
  if (Array.isArray(props.listeners) && props.listeners.length === 0) {
    add(
      'listeners',
      'is empty; list the production listener(s) and the test listener the controller swaps (at least one).',
    );
  }
  if (props.listeners === undefined) add('listeners', 'is missing; list the listeners the controller swaps.');

  const groupShape = 'a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/...)';
  list(
    'targetGroups',
    props.targetGroups,
    targetGroupArn,
    groupShape,
    'targetGroupArn',
    'an INetworkTargetGroup',
  );
  const groups = Array.isArray(props.targetGroups) ? props.targetGroups.length : undefined;
  if (groups !== 2) {
    add(
      'targetGroups',
      `has ${groups ?? 'no'} entr${groups === 1 ? 'y' : 'ies'}; list exactly the two target groups the listeners ` +
        'swap between (one live, one standby).',
    );
  }

  list(
    'taskRoles',
    props.taskRoles,
    roleArn,
    'an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
    'roleArn',
    'an IRole',
  );
  list(
    'hookFunctions',
    props.hookFunctions,
    functionArn,
    'a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>[:<version or alias>])',
    'functionArn',
    'an IFunction',
  );

  const retention: unknown = props.logRetention;
  if (retention !== undefined && !(Object.values(RetentionDays) as unknown[]).includes(retention)) {
    add(
      'logRetention',
      `${shown(retention)} is not a CloudWatch Logs retention; use a RetentionDays value (e.g. RetentionDays.ONE_MONTH).`,
    );
  }
  const level: unknown = props.applicationLogLevel;
  if (level !== undefined && !(Object.values(ApplicationLogLevel) as unknown[]).includes(level)) {
    add(
      'applicationLogLevel',
      `${shown(level)} is not one of ${Object.values(ApplicationLogLevel).join(', ')}; use an ApplicationLogLevel value.`,
    );
  }
  return problems;
}
