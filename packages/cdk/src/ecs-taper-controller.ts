import { buildStateMachineDefinition, functionTimeoutSeconds } from '@ecs-taper/runner-lambda';
import { ArnFormat, Duration, Names, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { type Alarm, ComparisonOperator, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { Policy, PolicyDocument, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import {
  ApplicationLogLevel,
  Architecture,
  Code,
  Function as LambdaFunction,
  LoggingFormat,
  Runtime,
  SystemLogLevel,
  type Version,
} from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DefinitionBody, LogLevel, StateMachine, StateMachineType } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct, type IConstruct } from 'constructs';
import { type ControllerScope, controllerStatements, wildcardReasons } from './controller-policy';
import type { EcsTaperControllerProps } from './controller-props';
import { lambdaBundleDir } from './lambda-bundle';
import { acknowledge, wildcardResource } from './nag-suppressions';
import { ControllerPropsError, clusterArnPattern, propProblems } from './validate-props';

/**
 * The ecs-taper controller in your stack: the same resources as examples/cloudformation/controller.yaml. One
 * Lambda function (runner-lambda's bundle; the router dispatches on the event's phase), the Step Functions
 * state machine that runs a tapered deployment and invokes a published version of it, their log groups, an
 * alarm on executions that did not succeed, and roles scoped to the given cluster, service, listeners, target
 * groups, task roles and hook functions.
 */
export class EcsTaperController extends Construct {
  /** Start deployments here (its ARN is the CLI's `--state-machine`). */
  readonly stateMachine: StateMachine;
  readonly function: LambdaFunction;
  /** The published version the state machine invokes: a new one for every change of code or configuration. */
  readonly functionVersion: Version;
  readonly functionRole: Role;
  readonly stateMachineRole: Role;
  readonly functionLogGroup: LogGroup;
  readonly stateMachineLogGroup: LogGroup;
  /** In ALARM for a minute after an execution failed, timed out or was aborted. Add actions to be told. */
  readonly failedExecutionsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: EcsTaperControllerProps) {
    super(scope, id);
    // Every problem at once, before any resource exists.
    const problems = propProblems(props);
    if (problems.length > 0) throw new ControllerPropsError(this.node.path, problems);

    const retention = props.logRetention ?? RetentionDays.ONE_MONTH;
    this.functionLogGroup = new LogGroup(this, 'FunctionLogGroup', {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const arns = this.scopeOf(props);
    this.functionRole = new Role(this, 'FunctionRole', {
      description: 'ecs-taper controller function: scoped to one service, its listeners and target groups',
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      inlinePolicies: {
        'ecs-taper-controller': new PolicyDocument({
          statements: controllerStatements(arns),
        }),
      },
    });

    const applicationLogLevel = props.applicationLogLevel ?? ApplicationLogLevel.INFO;
    this.function = new LambdaFunction(this, 'Function', {
      description: "ecs-taper controller (one handler; the router dispatches on the event's phase)",
      // The bundle is built for node22 (runner-lambda's tsup target) and uses the runtime's AWS SDK v3 for
      // the Lambda client of function hooks.
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      architecture: Architecture.ARM_64,
      memorySize: 256,
      // The handler sizes one invocation's AWS calls to end within this, and the state machine's Task
      // TimeoutSeconds is derived from it: never a prop. Waits happen in the state machine, not here.
      timeout: Duration.seconds(functionTimeoutSeconds),
      code: Code.fromAsset(lambdaBundleDir()),
      role: this.functionRole,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: applicationLogLevel,
      // WARN leaves out the platform's INFO records (START and REPORT of every invocation); durations and
      // errors are in the function's metrics.
      systemLogLevelV2: SystemLogLevel.WARN,
      logGroup: this.functionLogGroup,
    });
    // A version is a snapshot of code and configuration, and CDK publishes a new one whenever either changes
    // (its logical id is their hash). Retained on replacement, so an execution that started before a redeploy
    // keeps invoking the code it started with; an alias would switch it half-way through.
    this.functionVersion = this.function.currentVersion;

    this.stateMachineRole = new Role(this, 'StateMachineRole', {
      description: 'ecs-taper state machine: invokes the controller function versions, delivers its logs',
      assumedBy: new ServicePrincipal('states.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Stack.of(this).account } },
      }),
      inlinePolicies: {
        'ecs-taper-state-machine': new PolicyDocument({
          statements: [
            // Versions of this one function only (qualified ARNs): executions that started before a redeploy
            // still invoke their retained version.
            new PolicyStatement({
              sid: 'InvokeControllerVersions',
              actions: ['lambda:InvokeFunction'],
              resources: [`${this.function.functionArn}:*`],
            }),
          ],
        }),
      },
    });

    // Step Functions writes through CloudWatch Logs' vended-log delivery, which adds the group to the account's
    // CloudWatch Logs resource policy (at most 5120 characters); names under /aws/vendedlogs/ keep it from
    // filling up (Step Functions developer guide).
    this.stateMachineLogGroup = new LogGroup(this, 'StateMachineLogGroup', {
      logGroupName: `/aws/vendedlogs/states/${Names.uniqueResourceName(this, { maxLength: 200 })}`,
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.stateMachine = new StateMachine(this, 'StateMachine', {
      stateMachineType: StateMachineType.STANDARD,
      role: this.stateMachineRole,
      // runner-lambda's definition with its `${EcsTaperFunctionArn}` placeholder, as controller.yaml uses it.
      definitionBody: DefinitionBody.fromString(JSON.stringify(buildStateMachineDefinition())),
      definitionSubstitutions: { EcsTaperFunctionArn: this.functionVersion.functionArn },
      // Failed states and executions with their error and cause, without input and output: the deployment's
      // state is in the execution history already. (CDK adds the log-delivery permissions to the role.)
      logs: { destination: this.stateMachineLogGroup, level: LogLevel.ERROR, includeExecutionData: false },
    });

    // A long deployment continues in a new execution of this same state machine (the "Hand over" Task). A
    // policy of its own, outside the role: the state machine needs the role first, so the role's own policies
    // cannot name the state machine without a circular dependency.
    new Policy(this, 'HandOverPolicy', {
      roles: [this.stateMachineRole],
      statements: [
        new PolicyStatement({
          sid: 'StartExecutionOfItself',
          actions: ['states:StartExecution'],
          resources: [this.stateMachine.stateMachineArn],
        }),
      ],
    });

    this.failedExecutionsAlarm = this.createFailedExecutionsAlarm();
    this.acknowledgeJustifiedFindings(arns);
  }

  /**
   * cdk-nag's AwsSolutions findings that are this design, each with its reason. Only these exact findings: a
   * new wildcard or another rule's finding stays reported.
   */
  private acknowledgeJustifiedFindings(arns: ControllerScope): void {
    // On the roles' own resources, never on the Role constructs: their children include the DefaultPolicy,
    // where a later grant (role.addToPolicy) must still be reported.
    const role = this.functionRole.node.defaultChild as IConstruct;
    const machineRole = this.stateMachineRole.node.defaultChild as IConstruct;
    // CDK's log-delivery statement for the LoggingConfiguration, the only statement of this DefaultPolicy.
    const logDelivery = this.stateMachineRole.node.findChild('DefaultPolicy').node.defaultChild as IConstruct;
    acknowledge([
      wildcardResource(
        role,
        '*',
        Object.entries(wildcardReasons)
          .map(([sid, why]) => `${sid}: ${why}`)
          .join(' '),
      ),
      wildcardResource(
        role,
        arns.taskSetArns,
        "ECS assigns a task set's id when CreateTaskSet runs, so no ARN can name it beforehand: " +
          'task-set/<cluster>/<service>/* is exactly the task sets of this one service, and the tag actions on ' +
          'it are limited to ecs-taper:* keys.',
      ),
      wildcardResource(
        role,
        arns.taskArns,
        "Read-only ecs:DescribeTasks of this cluster's tasks (budget mode: when the old tasks stopped); a task's " +
          'id is assigned when it starts, so task/<cluster>/* is the narrowest ARN.',
      ),
      wildcardResource(
        role,
        arns.scalableTargetArns,
        "A scalable target's ARN ends in an id Application Auto Scaling assigns at registration, and no " +
          'condition key names its resource id: the statement is limited by condition to the DesiredCount of ' +
          'ECS services in this account and region, the tightest scope the Service Authorization Reference allows.',
      ),
      wildcardResource(
        machineRole,
        `${this.function.functionArn}:*`,
        'Published versions of this one function (qualified ARNs): a redeploy publishes a new version, and ' +
          'executions that started before it keep invoking the version they started with.',
      ),
      wildcardResource(
        logDelivery,
        '*',
        "The state machine's log delivery (added by CDK for its LoggingConfiguration): the CloudWatch Logs " +
          'log-delivery actions support no resource-level permissions (Step Functions developer guide, "IAM ' +
          'policies for logging to CloudWatch Logs"), and none reads or writes log events.',
      ),
      {
        construct: this.function,
        id: 'AwsSolutions-L1',
        reason:
          "nodejs22.x on purpose: runner-lambda's bundle is built and tested for Node.js 22 (its tsup target) " +
          "and loads the runtime's AWS SDK for the hooks' Lambda client; controller.yaml uses the same runtime.",
      },
      {
        construct: this.stateMachine,
        id: 'AwsSolutions-SF1',
        reason:
          'Logs ERROR (failed states and executions, with error and cause) on purpose: the execution history ' +
          "already holds every state's input and output, and ALL would write each of a long deployment's " +
          'thousands of events again.',
      },
      {
        construct: this.stateMachine,
        id: 'AwsSolutions-SF2',
        reason:
          'No X-Ray: every Task invokes the one controller function, whose JSON logs and the execution history ' +
          'trace a deployment step by step; tracing would add cost and xray:* grants on "*" for no answer they lack.',
      },
    ]);
  }

  /**
   * One alarm for "a deployment did not succeed": an execution failed (rolled back, refused, failed), timed out
   * or was aborted. A hand-over ends SUCCEEDED, so it never counts. Step Functions publishes these metrics only
   * when such an execution ends; FILL(..., 0) makes a quiet minute 0, so the alarm returns to OK by itself.
   */
  private createFailedExecutionsAlarm(): Alarm {
    const sum = { period: Duration.minutes(1), statistic: 'Sum' };
    return new MathExpression({
      expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
      label: 'Failed, timed-out and aborted executions',
      period: Duration.minutes(1),
      usingMetrics: {
        failed: this.stateMachine.metricFailed(sum),
        timedOut: this.stateMachine.metricTimedOut(sum),
        aborted: this.stateMachine.metricAborted(sum),
      },
    }).createAlarm(this, 'FailedExecutionsAlarm', {
      alarmDescription:
        `An ecs-taper deployment did not succeed (state machine ${this.stateMachine.stateMachineName}): see ` +
        `the failed execution's error and cause, and the log group ${this.stateMachineLogGroup.logGroupName}.`,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      threshold: 1,
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
  }

  /** The ARNs of what the function may change, in the cluster's partition, region and account. */
  private scopeOf(props: EcsTaperControllerProps): ControllerScope {
    const stack = Stack.of(this);
    let clusterName: string;
    let clusterArn: string | undefined;
    let env: { partition?: string; region?: string; account?: string } = {};
    if (typeof props.cluster === 'string') {
      const arn = clusterArnPattern.exec(props.cluster);
      // A token (a parameter, an import) is taken as the cluster's name.
      if (arn) {
        env = { partition: arn[1], region: arn[2], account: arn[3] };
        clusterName = arn[4] as string;
        clusterArn = props.cluster;
      } else clusterName = props.cluster;
    } else {
      clusterName = props.cluster.clusterName;
      clusterArn = props.cluster.clusterArn;
      env = { region: props.cluster.env.region, account: props.cluster.env.account };
    }
    const ecsArn = (resource: string, resourceName: string) =>
      stack.formatArn({
        ...env,
        service: 'ecs',
        resource,
        resourceName,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      });
    const arnOf = <T>(value: T | string, attribute: (v: T) => string) =>
      typeof value === 'string' ? value : attribute(value);
    return {
      clusterArn: clusterArn ?? ecsArn('cluster', clusterName),
      serviceArn: ecsArn('service', `${clusterName}/${props.serviceName}`),
      taskArns: ecsArn('task', `${clusterName}/*`),
      taskSetArns: ecsArn('task-set', `${clusterName}/${props.serviceName}/*`),
      scalableTargetArns: stack.formatArn({
        ...env,
        service: 'application-autoscaling',
        resource: 'scalable-target',
        resourceName: '*',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      }),
      listenerArns: props.listeners.map((l) => arnOf(l, (c) => c.listenerArn)),
      targetGroupArns: props.targetGroups.map((g) => arnOf(g, (c) => c.targetGroupArn)),
      taskRoleArns: (props.taskRoles ?? []).map((r) => arnOf(r, (c) => c.roleArn)),
      hookFunctionArns: (props.hookFunctions ?? []).map((f) => arnOf(f, (c) => c.functionArn)),
      logGroupArn: this.functionLogGroup.logGroupArn,
    };
  }
}
