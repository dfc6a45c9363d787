import { PolicyStatement } from 'aws-cdk-lib/aws-iam';

/** The ARNs the controller function may act on, resolved from the props. */
export interface ControllerScope {
  readonly clusterArn: string;
  readonly serviceArn: string;
  /** task/<cluster>/*: the cluster's tasks (DescribeTasks, read-only). */
  readonly taskArns: string;
  /** task-set/<cluster>/<service>/*: the service's task sets (their ids are ECS's). */
  readonly taskSetArns: string;
  /** scalable-target/*: see SuspendAutoScalingOfEcsServices. */
  readonly scalableTargetArns: string;
  readonly listenerArns: readonly string[];
  readonly targetGroupArns: readonly string[];
  readonly taskRoleArns: readonly string[];
  readonly hookFunctionArns: readonly string[];
  readonly logGroupArn: string;
}

/**
 * The Sids of the read-only statements on "*", and why each cannot be narrower. The construct's cdk-nag
 * suppressions and its tests read these, so a new "*" grant needs a reason here first.
 */
export const wildcardReasons = {
  ObserveDeployment:
    'Read-only Describe calls: the ELBv2 Describe* calls, ecs:DescribeTaskDefinition and ' +
    'application-autoscaling:DescribeScalableTargets support no resource-level permissions, and ' +
    'cloudwatch:DescribeAlarms must be allowed on "*" to return composite alarms (CloudWatch API reference), ' +
    "which a deployment may watch; cloudwatch:GetMetricData (the NLB target group's NewFlowCount in budget " +
    'mode) has no resource type at all. None of them changes anything.',
  ListServicesOfThisCluster:
    'ecs:ListServices has no resource type; the ecs:cluster condition limits it to this cluster.',
  ListTasksOfThisCluster:
    "ecs:ListTasks (budget mode: the old tasks' stop times) has no resource type of its own; the ecs:cluster " +
    'condition limits it to this cluster.',
} as const;

/**
 * The controller function's permissions, statement for statement those of examples/cloudformation/controller.yaml
 * (same Sids; examples/tests/cdk-app.test.ts compares the two). Every mutating call is scoped as tightly as the
 * Service Authorization Reference allows; "*" only for reads that allow nothing narrower (wildcardReasons).
 */
export function controllerStatements(scope: ControllerScope): PolicyStatement[] {
  const statements = [
    new PolicyStatement({
      sid: 'ObserveDeployment',
      actions: [
        'ecs:DescribeServices',
        'ecs:DescribeTaskSets',
        'ecs:DescribeTaskDefinition',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'elasticloadbalancing:DescribeTags',
        // The NLB's DNS name for a hook's context (read only when a hook runs).
        'elasticloadbalancing:DescribeLoadBalancers',
        'cloudwatch:DescribeAlarms',
        // Budget mode with measureFlows: the new target group's NewFlowCount. GetMetricData has no
        // resource-level permissions (the Service Authorization Reference lists no resource type).
        'cloudwatch:GetMetricData',
        'application-autoscaling:DescribeScalableTargets',
      ],
      resources: ['*'],
    }),
    // Discover names the service that really owns a target group when the input names another.
    new PolicyStatement({
      sid: 'ListServicesOfThisCluster',
      actions: ['ecs:ListServices'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ecs:cluster': scope.clusterArn } },
    }),
    // Budget mode reads when the old set's tasks stopped (stoppingAt, executionStoppedAt) to see the spread of
    // their drops. ListTasks has no resource type of its own; ecs:cluster limits it.
    new PolicyStatement({
      sid: 'ListTasksOfThisCluster',
      actions: ['ecs:ListTasks'],
      resources: ['*'],
      conditions: { ArnEquals: { 'ecs:cluster': scope.clusterArn } },
    }),
    new PolicyStatement({
      sid: 'DescribeTasksOfThisCluster',
      actions: ['ecs:DescribeTasks'],
      resources: [scope.taskArns],
    }),
    new PolicyStatement({
      sid: 'ManageTaskSetsOfThisService',
      actions: ['ecs:CreateTaskSet', 'ecs:UpdateTaskSet', 'ecs:DeleteTaskSet'],
      resources: [scope.taskSetArns],
    }),
    // The new task set carries the deployment's state as tags, written by CreateTaskSet (tag on create is
    // authorized as ecs:TagResource), TagResource and UntagResource. Only ecs-taper's own keys: the controller
    // cannot change or remove anyone else's tags. "Null" makes a request without tag keys fail closed.
    new PolicyStatement({
      sid: 'TagTaskSetsOfThisService',
      actions: ['ecs:TagResource', 'ecs:UntagResource'],
      resources: [scope.taskSetArns],
      conditions: {
        'ForAllValues:StringLike': { 'aws:TagKeys': 'ecs-taper:*' },
        Null: { 'aws:TagKeys': 'false' },
      },
    }),
    new PolicyStatement({
      sid: 'PromoteTaskSetOfThisService',
      actions: ['ecs:UpdateServicePrimaryTaskSet', 'ecs:CreateService'],
      resources: [scope.serviceArn],
    }),
    new PolicyStatement({
      sid: 'SwapListenersOfThisLoadBalancer',
      actions: ['elasticloadbalancing:ModifyListener'],
      resources: [...scope.listenerArns],
    }),
    new PolicyStatement({
      sid: 'TagTargetGroupsOfThisLoadBalancer',
      actions: ['elasticloadbalancing:AddTags', 'elasticloadbalancing:RemoveTags'],
      resources: [...scope.targetGroupArns],
    }),
    // Suspends the service's Auto Scaling for the deployment and restores it. A scalable target's ARN ends in an
    // id assigned at registration and no condition key names the resource id, so this is the tightest scope
    // allowed: DesiredCount targets of ECS services in this account and region. No iam:PassRole (no RoleARN is
    // sent) and no iam:CreateServiceLinkedRole (only an existing target is updated).
    new PolicyStatement({
      sid: 'SuspendAutoScalingOfEcsServices',
      actions: ['application-autoscaling:RegisterScalableTarget'],
      resources: [scope.scalableTargetArns],
      conditions: {
        StringEquals: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
        },
      },
    }),
  ];
  if (scope.taskRoleArns.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'PassTaskRolesToEcsTasksOnly',
        actions: ['iam:PassRole'],
        resources: [...scope.taskRoleArns],
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
    );
  }
  statements.push(
    new PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [scope.logGroupArn],
    }),
  );
  // Function hooks are invoked synchronously by the controller: exactly the given functions, nothing when none.
  if (scope.hookFunctionArns.length > 0) {
    statements.push(
      new PolicyStatement({
        sid: 'InvokeHookFunctions',
        actions: ['lambda:InvokeFunction'],
        resources: [...scope.hookFunctionArns],
      }),
    );
  }
  return statements;
}
