import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildStateMachineDefinition, functionTimeoutSeconds } from '@ecs-taper/runner-lambda';
import { CfnParameter, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Cluster } from 'aws-cdk-lib/aws-ecs';
import { NetworkListener, NetworkTargetGroup } from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { PolicyStatement, Role } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { EcsTaperController } from '../src/index';
import { lambdaBundleDir } from '../src/lambda-bundle';
import {
  account,
  allFindings,
  arnProps,
  controllerStack,
  region,
  testApp,
  unacknowledgedFindings,
} from './support/controller-stack';

// One app, synthesized once for the whole file: a controller from ARNs (every optional prop), one from
// constructs (a cluster of the stack, imported listeners, target groups, roles, a function), and a minimal one.
const app = testApp();
const fromArns = controllerStack(app, 'FromArns', arnProps);
const fromConstructs = (() => {
  const stack = new Stack(app, 'FromConstructs', { env: { account: '111111111111', region: 'us-east-1' } });
  const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', { vpcId: 'vpc-0123', availabilityZones: ['us-east-1a'] });
  const cluster = new Cluster(stack, 'Cluster', { vpc });
  const elb = 'arn:aws:elasticloadbalancing:us-east-1:111111111111';
  const controller = new EcsTaperController(stack, 'Taper', {
    cluster,
    serviceName: 'api',
    listeners: [NetworkListener.fromNetworkListenerArn(stack, 'Prod', `${elb}:listener/net/api/1/2`)],
    targetGroups: [
      NetworkTargetGroup.fromTargetGroupAttributes(stack, 'A', { targetGroupArn: `${elb}:targetgroup/a/1` }),
      NetworkTargetGroup.fromTargetGroupAttributes(stack, 'B', { targetGroupArn: `${elb}:targetgroup/b/2` }),
    ],
    taskRoles: [Role.fromRoleArn(stack, 'TaskRole', 'arn:aws:iam::111111111111:role/api-task')],
    hookFunctions: [
      LambdaFunction.fromFunctionArn(stack, 'Hook', 'arn:aws:lambda:us-east-1:111111111111:function:check'),
    ],
  });
  return { stack, controller };
})();
const minimal = controllerStack(app, 'Minimal', {
  cluster: `arn:aws:ecs:us-west-2:222222222222:cluster/other`,
  serviceName: 'svc',
  listeners: arnProps.listeners.slice(0, 1),
  targetGroups: arnProps.targetGroups,
});
const assembly = app.synth();
const template = Template.fromStack(fromArns.stack);
const templateOf = (stack: Stack) => Template.fromStack(stack);

type Statement = { Sid?: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
/** The statements of the controller function's inline policy, by Sid, resolved. */
function functionStatements(t: Template): Record<string, Statement> {
  const roles = t.findResources('AWS::IAM::Role', {
    Properties: {
      AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] },
    },
  });
  const [role] = Object.values(roles) as {
    Properties: { Policies: { PolicyDocument: { Statement: Statement[] } }[] };
  }[];
  const statements = role?.Properties.Policies.flatMap((p) => p.PolicyDocument.Statement) ?? [];
  return Object.fromEntries(statements.map((s) => [s.Sid, s]));
}
const join_ = (...parts: unknown[]) => ({ 'Fn::Join': ['', parts] });

describe('EcsTaperController resources', () => {
  it('runs the bundle on nodejs22.x with runner-lambda timeout, arm64, JSON logs into its own log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: functionTimeoutSeconds,
      LoggingConfig: {
        LogFormat: 'JSON',
        ApplicationLogLevel: 'INFO',
        SystemLogLevel: 'WARN',
        LogGroup: { Ref: Match.stringLikeRegexp('^TaperFunctionLogGroup') },
      },
    });
    template.resourceCountIs('AWS::Lambda::Version', 1);
  });

  it("packages runner-lambda's dist/lambda byte for byte as the function's code", () => {
    // The function's S3Key is the asset's hash; the stack's asset manifest says which staged directory it is.
    const [fn] = Object.values(template.findResources('AWS::Lambda::Function'));
    const key = fn?.Properties.Code.S3Key as string;
    const manifest = JSON.parse(readFileSync(join(assembly.directory, 'FromArns.assets.json'), 'utf8')) as {
      files: Record<string, { source: { path: string; packaging: string } }>;
    };
    const asset = manifest.files[key.replace(/\.zip$/, '')]?.source;
    expect(asset?.packaging).toBe('zip');
    const staged = join(assembly.directory, asset?.path ?? 'missing');
    const bundle = lambdaBundleDir();
    expect(readFileSync(join(staged, 'index.js')).equals(readFileSync(join(bundle, 'index.js')))).toBe(true);
    // The bundle stays CommonJS wherever Lambda loads it from.
    expect(JSON.parse(readFileSync(join(staged, 'package.json'), 'utf8'))).toEqual({ type: 'commonjs' });
  });

  it("runs runner-lambda's state machine definition, invoking the published version", () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineType: 'STANDARD',
      DefinitionString: JSON.stringify(buildStateMachineDefinition()),
      DefinitionSubstitutions: {
        EcsTaperFunctionArn: { Ref: Match.stringLikeRegexp('^TaperFunctionCurrentVersion') },
      },
      LoggingConfiguration: {
        Level: 'ERROR',
        IncludeExecutionData: false,
        Destinations: [
          {
            CloudWatchLogsLogGroup: {
              LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TaperStateMachineLogGroup'), 'Arn'] },
            },
          },
        ],
      },
    });
    expect(JSON.stringify(buildStateMachineDefinition())).toContain('${EcsTaperFunctionArn}');
  });

  it('keeps both log groups for a month by default, the state machine one under /aws/vendedlogs/states/', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 2);
    template.hasResource('AWS::Logs::LogGroup', {
      Properties: { RetentionInDays: 30 },
      DeletionPolicy: 'Delete',
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: Match.stringLikeRegexp('^/aws/vendedlogs/states/'),
      RetentionInDays: 30,
    });
    // Two controllers in one app never share a group name.
    const names = [fromArns.stack, fromConstructs.stack, minimal.stack].map((s) =>
      Object.values(templateOf(s).findResources('AWS::Logs::LogGroup'))
        .map((r) => r.Properties.LogGroupName)
        .find(Boolean),
    );
    expect(new Set(names).size).toBe(3);
  });

  it('alarms on the first failed, timed-out or aborted execution, and returns to OK when quiet', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Threshold: 1,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      TreatMissingData: 'notBreaching',
      Metrics: Match.arrayWith([
        Match.objectLike({
          Expression: 'FILL(failed, 0) + FILL(timedOut, 0) + FILL(aborted, 0)',
          ReturnData: true,
        }),
        ...['ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted'].map((name) =>
          Match.objectLike({
            ReturnData: false,
            MetricStat: {
              Metric: {
                Namespace: 'AWS/States',
                MetricName: name,
                Dimensions: [
                  { Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp('^TaperStateMachine') } },
                ],
              },
              Period: 60,
              Stat: 'Sum',
            },
          }),
        ),
      ]),
    });
    expect(fromArns.controller.failedExecutionsAlarm.alarmArn).toBeTruthy();
  });

  it('leaves no CDK warning or error on any stack', () => {
    for (const { stack } of [fromArns, fromConstructs, minimal]) {
      expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
      expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
    }
  });
});

describe('EcsTaperController IAM', () => {
  const partition = { Ref: 'AWS::Partition' };

  it('scopes every mutating call to the given cluster/service, listeners, target groups, roles and hooks', () => {
    const s = functionStatements(template);
    const taskSets = join_('arn:', partition, `:ecs:${region}:${account}:task-set/web/web-service/*`);
    expect(s.ManageTaskSetsOfThisService?.Resource).toEqual(taskSets);
    expect(s.TagTaskSetsOfThisService?.Resource).toEqual(taskSets);
    expect(s.TagTaskSetsOfThisService?.Condition).toEqual({
      'ForAllValues:StringLike': { 'aws:TagKeys': 'ecs-taper:*' },
      Null: { 'aws:TagKeys': 'false' },
    });
    expect(s.PromoteTaskSetOfThisService?.Resource).toEqual(
      join_('arn:', partition, `:ecs:${region}:${account}:service/web/web-service`),
    );
    expect(s.ListServicesOfThisCluster?.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': join_('arn:', partition, `:ecs:${region}:${account}:cluster/web`) },
    });
    expect(s.SwapListenersOfThisLoadBalancer?.Resource).toEqual(arnProps.listeners);
    expect(s.TagTargetGroupsOfThisLoadBalancer?.Resource).toEqual(arnProps.targetGroups);
    expect(s.PassTaskRolesToEcsTasksOnly).toMatchObject({
      Resource: arnProps.taskRoles,
      Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    });
    expect(s.InvokeHookFunctions?.Resource).toEqual(arnProps.hookFunctions[0]);
    expect(s.SuspendAutoScalingOfEcsServices).toMatchObject({
      Resource: join_('arn:', partition, `:application-autoscaling:${region}:${account}:scalable-target/*`),
      Condition: {
        StringEquals: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
        },
      },
    });
    expect(s.WriteOwnLogs?.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/^TaperFunctionLogGroup/), 'Arn'],
    });
  });

  it("builds a cluster ARN's service and task-set ARNs in that cluster's region and account", () => {
    const s = functionStatements(templateOf(minimal.stack));
    // In the ARN's own partition too.
    expect(s.ManageTaskSetsOfThisService?.Resource).toBe(
      'arn:aws:ecs:us-west-2:222222222222:task-set/other/svc/*',
    );
    expect(s.ListServicesOfThisCluster?.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': 'arn:aws:ecs:us-west-2:222222222222:cluster/other' },
    });
    // Nothing to pass and no hook to invoke: no statement at all, never "*".
    expect(s.PassTaskRolesToEcsTasksOnly).toBeUndefined();
    expect(s.InvokeHookFunctions).toBeUndefined();
  });

  it('takes the names and ARNs of constructs', () => {
    const s = functionStatements(templateOf(fromConstructs.stack));
    const cluster = { Ref: expect.stringMatching(/^Cluster/) };
    expect(s.ManageTaskSetsOfThisService?.Resource).toEqual(
      join_('arn:', partition, ':ecs:us-east-1:111111111111:task-set/', cluster, '/api/*'),
    );
    expect(s.ListServicesOfThisCluster?.Condition).toEqual({
      ArnEquals: { 'ecs:cluster': { 'Fn::GetAtt': [expect.stringMatching(/^Cluster/), 'Arn'] } },
    });
    expect(s.SwapListenersOfThisLoadBalancer?.Resource).toBe(
      'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/net/api/1/2',
    );
    expect(s.PassTaskRolesToEcsTasksOnly?.Resource).toBe('arn:aws:iam::111111111111:role/api-task');
    expect(s.InvokeHookFunctions?.Resource).toBe('arn:aws:lambda:us-east-1:111111111111:function:check');
  });

  it('grants "*" only to read-only actions that allow nothing narrower, and to the log delivery', () => {
    const star = Object.values(
      template.toJSON().Resources as Record<
        string,
        {
          Type: string;
          Properties: {
            Policies?: { PolicyDocument: { Statement: Statement[] } }[];
            PolicyDocument?: { Statement: Statement[] };
          };
        }
      >,
    )
      .filter((r) => r.Type.startsWith('AWS::IAM::'))
      .flatMap((r) => [
        ...(r.Properties.Policies ?? []).flatMap((p) => p.PolicyDocument.Statement),
        ...(r.Properties.PolicyDocument?.Statement ?? []),
      ])
      .filter((s) => [s.Resource].flat().includes('*'))
      .flatMap((s) => [s.Action].flat());
    expect(star.sort()).toEqual(
      [
        'application-autoscaling:DescribeScalableTargets',
        'cloudwatch:DescribeAlarms',
        'cloudwatch:GetMetricData',
        'ecs:DescribeServices',
        'ecs:DescribeTaskDefinition',
        'ecs:DescribeTaskSets',
        'ecs:ListServices',
        'ecs:ListTasks',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeLoadBalancers',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth',
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:DescribeLogGroups',
        'logs:DescribeResourcePolicies',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'logs:PutResourcePolicy',
        'logs:UpdateLogDelivery',
      ].sort(),
    );
  });

  it('lets the state machine invoke versions of its function and start executions of itself only', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Principal: { Service: 'states.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': account } },
          },
        ],
      },
      Policies: [
        {
          PolicyDocument: {
            Statement: [
              {
                Sid: 'InvokeControllerVersions',
                Action: 'lambda:InvokeFunction',
                Resource: join_({ 'Fn::GetAtt': [Match.stringLikeRegexp('^TaperFunction'), 'Arn'] }, ':*'),
              },
            ],
          },
        },
      ],
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: [
          {
            Sid: 'StartExecutionOfItself',
            Action: 'states:StartExecution',
            Resource: { Ref: Match.stringLikeRegexp('^TaperStateMachine') },
          },
        ],
      },
      Roles: [{ Ref: Match.stringLikeRegexp('^TaperStateMachineRole') }],
    });
  });
});

/** Every acknowledgment recorded under `scope`: rule id and reason, by construct path. */
function acknowledgments(scope: IConstruct): { path: string; id: string; reason: string }[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id: id.replace(/^annotation::/i, ''),
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['from ARNs', fromArns],
    ['from constructs', fromConstructs],
    ['minimal', minimal],
  ])('reports nothing unacknowledged on the controller %s', (_name, { controller }) => {
    expect(unacknowledgedFindings(controller)).toEqual([]);
  });

  it('acknowledges only findings that occur, each with its own reason', () => {
    const acks = acknowledgments(fromArns.controller);
    const found = allFindings(fromArns.controller);
    expect(found.length).toBeGreaterThan(0);
    // Each acknowledgment matches a finding on its construct or below: none is stale.
    for (const ack of acks) {
      expect(found.some((f) => f.startsWith(`${ack.id} at ${ack.path}`))).toBe(true);
    }
    expect(acks.map((a) => a.id).sort()).toEqual(
      [
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::<TaperFunctionBB64AE69.Arn>:*]',
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:application-autoscaling:${region}:${account}:scalable-target/*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${region}:${account}:task-set/web/web-service/*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ecs:${region}:${account}:task/web/*]`,
        'AwsSolutions-L1',
        'AwsSolutions-SF1',
        'AwsSolutions-SF2',
      ].sort(),
    );
    for (const { reason } of acks) expect(reason.length).toBeGreaterThan(80);
    expect(new Set(acks.map((a) => a.reason)).size).toBe(acks.length);
  });

  it('still reports a wildcard the construct did not justify', () => {
    const extra = controllerStack(testApp(), 'Extra', arnProps);
    extra.controller.functionRole.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['ecs:UpdateService'],
        resources: ['arn:aws:ecs:eu-west-1:000000000000:service/web/*'],
      }),
    );
    // "*" is acknowledged on the role's own policy, not on what is added to it later.
    extra.controller.functionRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ecs:DescribeClusters'], resources: ['*'] }),
    );
    extra.controller.stateMachine.role.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['s3:*'], resources: ['arn:aws:s3:::bucket'] }),
    );
    expect(unacknowledgedFindings(extra.controller).sort()).toEqual([
      'AwsSolutions-IAM5[Action::s3:*] at Extra/Taper/StateMachineRole/DefaultPolicy/Resource',
      'AwsSolutions-IAM5[Resource::*] at Extra/Taper/FunctionRole/DefaultPolicy/Resource',
      'AwsSolutions-IAM5[Resource::arn:aws:ecs:eu-west-1:000000000000:service/web/*] at Extra/Taper/FunctionRole/DefaultPolicy/Resource',
    ]);
  });
});

describe('EcsTaperController accepts deploy-time values', () => {
  it('takes tokens (parameters, imports) unchecked: only CloudFormation knows their values', () => {
    const stack = new Stack(testApp(), 'Tokens');
    const parameter = (id: string) => new CfnParameter(stack, id).valueAsString;
    const controller = new EcsTaperController(stack, 'Taper', {
      cluster: parameter('Cluster'),
      serviceName: parameter('Service'),
      listeners: [parameter('Listener')],
      targetGroups: [parameter('A'), parameter('B')],
      taskRoles: [parameter('TaskRole')],
    });
    expect(controller.stateMachine.stateMachineArn).toBeTruthy();
  });
});
