import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildStateMachineDefinition } from '@ecs-taper/runner-lambda';
import { describe, expect, it } from 'vitest';
import { loadTemplate, type Resource, type Template } from './support/cfn-template';
import { repoRoot } from './support/python-tools';
import {
  broadManagedPolicies,
  foreignStartExecution,
  grantedStatements,
  logDeliveryActions,
  mutatingActionsOnAnyResource,
  notActionOrResource,
  openTaskIngress,
  policyStatements,
  securityFindings,
  taskSecurityGroupOutput,
  unconditionedAutoScaling,
  unrestrictedPassRole,
  unrestrictedTagging,
  unscopedMutations,
  wildcardActions,
} from './support/security';

const infrastructure = loadTemplate('infrastructure.yaml');
const controller = loadTemplate('controller.yaml');

function resource(template: Template, id: string): Resource {
  const r = template.Resources[id];
  if (!r) throw new Error(`no resource ${id}`);
  return r;
}
const props = (template: Template, id: string) => resource(template, id).Properties ?? {};

interface AslState {
  Resource?: string;
  Parameters?: Record<string, unknown>;
}

/** The statement with this Sid (of the controller role unless `holder` says), in a deep copy the test may break. */
function brokenController(
  sid: string,
  mutate: (statement: Record<string, unknown>) => void,
  holder = 'ControllerFunctionRole',
): Template {
  const copy = structuredClone(controller);
  const found = policyStatements(copy).find(
    ({ resource: r, statement }) => r === holder && statement.Sid === sid,
  );
  if (!found) throw new Error(`no statement ${sid}`);
  mutate(found.statement as Record<string, unknown>);
  return copy;
}

describe('security properties of the templates', () => {
  it.each([
    ['infrastructure.yaml', infrastructure],
    ['controller.yaml', controller],
  ])('%s has no finding', (_name, template) => {
    expect(securityFindings(template)).toEqual([]);
  });

  it('finds the controller role and checks every statement of it', () => {
    const sids = policyStatements(controller).map(({ resource: r, statement }) => `${r}/${statement.Sid}`);
    expect(sids).toEqual([
      'ControllerFunctionRole/ObserveDeployment',
      'ControllerFunctionRole/ListServicesOfThisCluster',
      'ControllerFunctionRole/ListTasksOfThisCluster',
      'ControllerFunctionRole/DescribeTasksOfThisCluster',
      'ControllerFunctionRole/ManageTaskSetsOfThisService',
      'ControllerFunctionRole/TagTaskSetsOfThisService',
      'ControllerFunctionRole/PromoteTaskSetOfThisService',
      'ControllerFunctionRole/SwapListenersOfThisLoadBalancer',
      'ControllerFunctionRole/TagTargetGroupsOfThisLoadBalancer',
      'ControllerFunctionRole/SuspendAutoScalingOfEcsServices',
      'ControllerFunctionRole/PassTaskRolesToEcsTasksOnly',
      'ControllerFunctionRole/WriteOwnLogs',
      'HookFunctionsPolicy/InvokeHookFunctions',
      'StateMachineRole/InvokeControllerVersions',
      'StateMachineRole/DeliverExecutionLogs',
      'StateMachineHandOverPolicy/StartExecutionOfItself',
    ]);
  });

  it('gives "*" only to read-only actions, ecr:GetAuthorizationToken and the log delivery of the state machine', () => {
    const star = [infrastructure, controller].flatMap((t) =>
      policyStatements(t)
        .filter(({ statement }) => [statement.Resource].flat().includes('*'))
        .flatMap(({ statement }) => [statement.Action].flat()),
    );
    expect(star.sort()).toEqual(
      [
        'application-autoscaling:DescribeScalableTargets',
        'cloudwatch:DescribeAlarms',
        // No resource-level permissions for GetMetricData.
        'cloudwatch:GetMetricData',
        'ecr:GetAuthorizationToken',
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
        // Step Functions developer guide, "IAM policies for logging to CloudWatch Logs": no resource-level permissions.
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

  it('scopes each mutating call to the cluster/service, listeners, target groups or task roles', () => {
    const scopes = Object.fromEntries(
      policyStatements(controller).map(({ statement }) => [statement.Sid, statement.Resource]),
    );
    expect(scopes.ManageTaskSetsOfThisService).toEqual({
      'Fn::Sub':
        'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:task-set/${ClusterName}/${ServiceName}/*',
    });
    expect(scopes.PromoteTaskSetOfThisService).toEqual({
      'Fn::Sub':
        'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/${ClusterName}/${ServiceName}',
    });
    expect(scopes.SwapListenersOfThisLoadBalancer).toEqual([
      { Ref: 'ProductionListenerArn' },
      { Ref: 'TestListenerArn' },
    ]);
    expect(scopes.TagTargetGroupsOfThisLoadBalancer).toEqual({ Ref: 'TargetGroupArns' });
    expect(scopes.PassTaskRolesToEcsTasksOnly).toEqual({ Ref: 'TaskRoleArns' });
    // ListServices has no resource type: the ecs:cluster condition keeps it to this cluster.
    const listing = policyStatements(controller).find(
      ({ statement }) => statement.Sid === 'ListServicesOfThisCluster',
    )?.statement;
    expect(listing?.Condition).toEqual({
      ArnEquals: {
        'ecs:cluster': {
          'Fn::Sub': 'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:cluster/${ClusterName}',
        },
      },
    });
    // Tags only on this service's task sets, the same ARNs as the task-set calls.
    expect(scopes.TagTaskSetsOfThisService).toEqual(scopes.ManageTaskSetsOfThisService);
    expect(scopes.SuspendAutoScalingOfEcsServices).toEqual({
      'Fn::Sub':
        'arn:${AWS::Partition}:application-autoscaling:${AWS::Region}:${AWS::AccountId}:scalable-target/*',
    });
  });

  it('lets the controller set and remove only its own tags (ecs-taper:*), on creation too', () => {
    const tagging = policyStatements(controller).find(
      ({ statement }) => statement.Sid === 'TagTaskSetsOfThisService',
    )?.statement;
    expect(tagging?.Action).toEqual(['ecs:TagResource', 'ecs:UntagResource']);
    expect(tagging?.Condition).toEqual({
      'ForAllValues:StringLike': { 'aws:TagKeys': 'ecs-taper:*' },
      Null: { 'aws:TagKeys': 'false' },
    });
    // The keys core writes all match: ownership, lease, swap and step times, the Auto Scaling record.
    const source = readFileSync(join(repoRoot, 'packages/core/src/aws/task-set-tags.ts'), 'utf8');
    const keys = [...source.matchAll(/^\s+\w+: '([^']+)',$/gm)].map((m) => m[1]);
    expect(keys.length).toBeGreaterThanOrEqual(5);
    expect(keys.filter((key) => !key?.startsWith('ecs-taper:'))).toEqual([]);
  });

  it("limits RegisterScalableTarget to ECS services' desired count, with no role to pass or create", () => {
    const statements = policyStatements(controller).filter(({ statement }) =>
      [statement.Action].flat().some((a) => String(a).startsWith('application-autoscaling:')),
    );
    expect(statements.map(({ statement }) => [statement.Sid, statement.Condition])).toEqual([
      ['ObserveDeployment', undefined],
      [
        'SuspendAutoScalingOfEcsServices',
        {
          StringEquals: {
            'application-autoscaling:service-namespace': 'ecs',
            'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
          },
        },
      ],
    ]);
    // Core sends no RoleARN (ECS uses the service-linked role) and only updates a target that exists.
    const actions = policyStatements(controller).flatMap(({ statement }) => [statement.Action].flat());
    expect(actions).not.toContain('iam:CreateServiceLinkedRole');
    const passRole = policyStatements(controller).filter(({ statement }) =>
      [statement.Action].flat().includes('iam:PassRole'),
    );
    expect(passRole.map(({ statement }) => statement.Condition)).toEqual([
      { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
    ]);
  });

  // The parameters that become IAM resources must not let a wildcard in.
  it.each([
    [
      'ProductionListenerArn',
      'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/net/web/0123/4567',
    ],
    ['TestListenerArn', 'arn:aws:elasticloadbalancing:us-east-1:000000000000:listener/net/web/0123/89ab'],
    ['TargetGroupArns', 'arn:aws:elasticloadbalancing:us-east-1:000000000000:targetgroup/web-a/0123'],
    ['TaskRoleArns', 'arn:aws:iam::000000000000:role/web-task'],
    ['ClusterName', 'example-Cluster-ABC'],
    ['ServiceName', 'example-Service-DEF'],
    ['HookFunctionArns', 'arn:aws:lambda:us-east-1:000000000000:function:smoke-test'],
  ])('parameter %s accepts a real value and rejects wildcards', (name, valid) => {
    const pattern = new RegExp(String(controller.Parameters?.[name]?.AllowedPattern));
    expect(pattern.test(valid)).toBe(true);
    expect(pattern.test('*')).toBe(false);
    expect(pattern.test(`${valid.replace(/[^/:]+$/, '')}*`)).toBe(false);
  });

  it('lets the state machine invoke only versions of the controller function, and deliver its logs', () => {
    expect(policyStatements(controller).filter(({ resource: r }) => r === 'StateMachineRole')).toEqual([
      {
        resource: 'StateMachineRole',
        statement: {
          Sid: 'InvokeControllerVersions',
          Effect: 'Allow',
          Action: 'lambda:InvokeFunction',
          Resource: { 'Fn::Sub': '${ControllerFunction.Arn}:*' },
        },
      },
      {
        resource: 'StateMachineRole',
        statement: {
          Sid: 'DeliverExecutionLogs',
          Effect: 'Allow',
          Action: [
            'logs:CreateLogDelivery',
            'logs:GetLogDelivery',
            'logs:UpdateLogDelivery',
            'logs:DeleteLogDelivery',
            'logs:ListLogDeliveries',
            'logs:PutResourcePolicy',
            'logs:DescribeResourcePolicies',
            'logs:DescribeLogGroups',
          ],
          Resource: '*',
        },
      },
    ]);
    // The mutating ones among them are exactly the exceptions the "*" check allows.
    const delivery = policyStatements(controller).find(
      ({ statement }) => statement.Sid === 'DeliverExecutionLogs',
    );
    expect(
      [delivery?.statement.Action]
        .flat()
        .filter((a) => !/:(Describe|List|Get)/.test(String(a)))
        .sort(),
    ).toEqual([...logDeliveryActions].sort());
  });

  it('lets the state machine start new executions of itself only (the hand-over), through its own role', () => {
    const starts = policyStatements(controller).filter(({ statement }) =>
      [statement.Action].flat().some((a) => String(a).startsWith('states:')),
    );
    expect(starts).toEqual([
      {
        resource: 'StateMachineHandOverPolicy',
        statement: {
          Sid: 'StartExecutionOfItself',
          Effect: 'Allow',
          Action: 'states:StartExecution',
          Resource: { Ref: 'StateMachine' },
        },
      },
    ]);
    expect(resource(controller, 'StateMachineHandOverPolicy')).toMatchObject({
      Type: 'AWS::IAM::Policy',
      Properties: { Roles: [{ Ref: 'StateMachineRole' }] },
    });
    expect(props(controller, 'StateMachine').RoleArn).toEqual({ 'Fn::GetAtt': ['StateMachineRole', 'Arn'] });
    // The generated state machine starts exactly its own executions: $$.StateMachine.Id, fire-and-forget.
    const handOvers = Object.values(buildStateMachineDefinition().States as Record<string, AslState>).filter(
      (state) => String(state.Resource).startsWith('arn:aws:states:::states:'),
    );
    expect(handOvers.map((state) => [state.Resource, state.Parameters?.['StateMachineArn.$']])).toEqual([
      ['arn:aws:states:::states:startExecution', '$$.StateMachine.Id'],
    ]);
  });

  it('admits task traffic only from the NLB security group', () => {
    // The tasks' group is the one deploy.sh hands to ecs-taper: the template has no task set of its own.
    expect(infrastructure.Outputs?.[taskSecurityGroupOutput]?.Value).toEqual({ Ref: 'TaskSecurityGroup' });
    expect(readFileSync(join(repoRoot, 'examples/deploy.sh'), 'utf8')).toContain(
      `task_security_group="$(output "$infra_outputs" ${taskSecurityGroupOutput})"`,
    );
    const ingress = resource(infrastructure, 'TaskSecurityGroup').Properties?.SecurityGroupIngress;
    expect(ingress).toEqual([
      expect.objectContaining({ SourceSecurityGroupId: { Ref: 'NlbSecurityGroup' }, IpProtocol: 'tcp' }),
    ]);
    expect(resource(infrastructure, 'LoadBalancer').Properties?.SecurityGroups).toEqual([
      { Ref: 'NlbSecurityGroup' },
    ]);
  });
});

/** IAM prefix of each SDK client the controller may import; a client not listed here needs an IAM review. */
const iamPrefixes: Record<string, string> = {
  'client-ecs': 'ecs',
  'client-elastic-load-balancing-v2': 'elasticloadbalancing',
  'client-cloudwatch': 'cloudwatch',
  'client-application-auto-scaling': 'application-autoscaling',
  'client-lambda': 'lambda',
};

/** Commands whose IAM action is not the command's name (Lambda's InvokeCommand is authorized as lambda:InvokeFunction). */
const iamActionOfCommand: Record<string, string> = { 'lambda:Invoke': 'lambda:InvokeFunction' };

/**
 * The source files the Lambda bundle is built from: the import graph of its entry point (src/lambda.ts), through
 * relative imports and the workspace packages. Code of runner-lambda that the bundle never imports (its
 * Step Functions client for the CLI) is not the controller's and needs none of its permissions.
 */
function bundleSources(): string[] {
  const entry = join(repoRoot, 'packages/runner-lambda/src/lambda.ts');
  const seen = new Set<string>();
  const pending = [entry];
  const resolveSpecifier = (from: string, specifier: string): string | undefined => {
    if (specifier === '@ecs-taper/core/workflow')
      return join(repoRoot, 'packages/core/src/workflow-entry.ts');
    const workspace = /^@ecs-taper\/([\w-]+)$/.exec(specifier);
    if (workspace) return join(repoRoot, `packages/${workspace[1]}/src/index.ts`);
    if (!specifier.startsWith('.')) return undefined; // node: builtins and npm packages
    const base = join(dirname(from), specifier);
    const found = [`${base}.ts`, join(base, 'index.ts'), base].find(
      (f) => existsSync(f) && f.endsWith('.ts'),
    );
    if (!found) throw new Error(`${from} imports ${specifier}, which resolves to no .ts file`);
    return found;
  };
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    for (const [, specifier = ''] of source.matchAll(/\b(?:import|export)\b[^;]*?\bfrom\s+'([^']+)'/g)) {
      const next = resolveSpecifier(file, specifier);
      if (next) pending.push(next);
    }
  }
  return [...seen];
}

/** The IAM actions of every SDK command imported by the code the Lambda bundle is built from. */
function actionsTheControllerSends(): Set<string> {
  const actions = new Set<string>();
  for (const file of bundleSources()) {
    const source = readFileSync(file, 'utf8');
    for (const [, names = '', client = ''] of source.matchAll(
      /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'@aws-sdk\/([\w-]+)'/g,
    )) {
      for (const name of names.match(/\b[A-Z]\w*Command\b/g) ?? []) {
        const prefix = iamPrefixes[client];
        if (!prefix) throw new Error(`${file} sends ${name} through @aws-sdk/${client}: add its IAM action`);
        const action = `${prefix}:${name.replace(/Command$/, '')}`;
        actions.add(iamActionOfCommand[action] ?? action);
      }
    }
  }
  return actions;
}

describe('the controller role against the code', () => {
  it('grants exactly the AWS calls the controller code makes (no more, no fewer)', () => {
    // The role's inline policy and the policies attached to it (HookFunctionsPolicy, when hooks name functions).
    const granted = grantedStatements(controller)
      .filter(({ principals }) => principals.includes('ControllerFunctionRole'))
      .flatMap(({ statement }) => [statement.Action].flat() as string[])
      .filter((action) => !action.startsWith('logs:') && action !== 'iam:PassRole');
    const sent = [...actionsTheControllerSends()];
    expect(sent.length).toBeGreaterThan(10);
    // The walk reaches core's AWS calls through the workspace import, not only runner-lambda's own files.
    expect(bundleSources().some((file) => file.includes('/packages/core/src/phases/'))).toBe(true);
    expect(granted.sort()).toEqual(sent.sort());
  });
});

describe('each security check fails on a deliberately broken copy', () => {
  it('wildcard action', () => {
    const broken = brokenController('ManageTaskSetsOfThisService', (s) => {
      s.Action = ['ecs:*'];
    });
    expect(wildcardActions(broken)).toEqual([
      {
        rule: 'wildcard-action',
        resource: 'ControllerFunctionRole/ManageTaskSetsOfThisService',
        detail: 'ecs:*',
      },
    ]);
  });

  it('NotAction', () => {
    const broken = brokenController('ObserveDeployment', (s) => {
      s.NotAction = s.Action;
      delete s.Action;
    });
    expect(notActionOrResource(broken)).toHaveLength(1);
  });

  it.each([
    ['SwapListenersOfThisLoadBalancer', '*'],
    ['ManageTaskSetsOfThisService', '*'],
    ['PromoteTaskSetOfThisService', 'arn:aws:ecs:*:*:*'],
    ['TagTargetGroupsOfThisLoadBalancer', ['*']],
    ['TagTaskSetsOfThisService', '*'],
    ['SuspendAutoScalingOfEcsServices', '*'],
  ])('mutating ECS/ELBv2/Application Auto Scaling call on "*" (%s)', (sid, wildcard) => {
    const broken = brokenController(sid, (s) => {
      s.Resource = wildcard;
    });
    expect(unscopedMutations(broken)).toEqual([
      expect.objectContaining({ rule: 'unscoped-mutation', resource: `ControllerFunctionRole/${sid}` }),
    ]);
  });

  it('mutating ECS call added to the read-only "*" statement', () => {
    const broken = brokenController('ObserveDeployment', (s) => {
      s.Action = [...(s.Action as string[]), 'ecs:UpdateService'];
    });
    expect(unscopedMutations(broken)).toEqual([
      expect.objectContaining({ detail: 'ecs:UpdateService on *' }),
    ]);
  });

  it.each([
    [
      'any tag key',
      (s: Record<string, unknown>) => {
        s.Condition = { 'ForAllValues:StringLike': { 'aws:TagKeys': '*' }, Null: { 'aws:TagKeys': 'false' } };
      },
      ['aws:TagKeys is ["*"], not limited to ecs-taper:*'],
    ],
    [
      'no condition',
      (s: Record<string, unknown>) => {
        delete s.Condition;
      },
      [
        'aws:TagKeys is [], not limited to ecs-taper:*',
        'aws:TagKeys may be absent (no "Null": {"aws:TagKeys": "false"})',
      ],
    ],
    [
      'tag keys may be absent',
      (s: Record<string, unknown>) => {
        delete (s.Condition as Record<string, unknown>).Null;
      },
      ['aws:TagKeys may be absent (no "Null": {"aws:TagKeys": "false"})'],
    ],
    [
      'the service instead of its task sets',
      (s: Record<string, unknown>) => {
        s.Resource = {
          'Fn::Sub':
            'arn:${AWS::Partition}:ecs:${AWS::Region}:${AWS::AccountId}:service/${ClusterName}/${ServiceName}',
        };
      },
      [expect.stringMatching(/is not a task-set ARN$/)],
    ],
  ])('ecs:TagResource / UntagResource: %s', (_name, mutate, details) => {
    const broken = brokenController('TagTaskSetsOfThisService', mutate);
    expect(unrestrictedTagging(broken)).toEqual(
      details.map((detail) => ({
        rule: 'unrestricted-tagging',
        resource: 'ControllerFunctionRole/TagTaskSetsOfThisService',
        detail,
      })),
    );
  });

  it('ecs:TagResource smuggled into the read-only "*" statement', () => {
    const broken = brokenController('ObserveDeployment', (s) => {
      s.Action = [...(s.Action as string[]), 'ecs:TagResource'];
    });
    expect(unrestrictedTagging(broken).map((f) => f.detail)).toEqual([
      'Resource "*" is not a task-set ARN',
      'aws:TagKeys is [], not limited to ecs-taper:*',
      'aws:TagKeys may be absent (no "Null": {"aws:TagKeys": "false"})',
    ]);
  });

  it.each([
    [
      'no condition',
      (s: Record<string, unknown>) => {
        delete s.Condition;
      },
      2,
    ],
    [
      'another service namespace',
      (s: Record<string, unknown>) => {
        (s.Condition as { StringEquals: Record<string, string> }).StringEquals[
          'application-autoscaling:service-namespace'
        ] = 'dynamodb';
      },
      1,
    ],
  ])('RegisterScalableTarget: %s', (_name, mutate, count) => {
    const broken = brokenController('SuspendAutoScalingOfEcsServices', mutate);
    const findings = unconditionedAutoScaling(broken);
    expect(findings).toHaveLength(count);
    expect(findings[0]).toMatchObject({
      rule: 'unconditioned-autoscaling',
      resource: 'ControllerFunctionRole/SuspendAutoScalingOfEcsServices',
    });
  });

  it.each([
    ['on "*"', '*'],
    [
      'on every state machine of the account',
      { 'Fn::Sub': 'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:*' },
    ],
    ['on another state machine', 'arn:aws:states:us-east-1:000000000000:stateMachine:someone-else'],
    ['on the function instead', { Ref: 'ControllerFunction' }],
  ])('states:StartExecution %s', (_name, wildcard) => {
    const broken = brokenController(
      'StartExecutionOfItself',
      (s) => {
        s.Resource = wildcard;
      },
      'StateMachineHandOverPolicy',
    );
    expect(foreignStartExecution(broken)).toEqual([
      expect.objectContaining({
        rule: 'foreign-start-execution',
        resource: 'StateMachineHandOverPolicy/StartExecutionOfItself',
        detail: expect.stringContaining("not !Ref of this template's state machine"),
      }),
    ]);
  });

  it('states:StartExecution of the state machine granted to the controller function too', () => {
    const broken = structuredClone(controller);
    (props(broken, 'StateMachineHandOverPolicy').Roles as unknown[]).push({ Ref: 'ControllerFunctionRole' });
    expect(foreignStartExecution(broken)).toEqual([
      expect.objectContaining({
        detail:
          'states:StartExecution on StateMachine granted to ["StateMachineRole","ControllerFunctionRole"], not only to its own role StateMachineRole',
      }),
    ]);
  });

  it.each(['states:Start*', 'STATES:startexecution'])(
    'states:StartExecution written as %s, smuggled into the controller role on "*"',
    (action) => {
      const broken = brokenController('WriteOwnLogs', (s) => {
        s.Action = [...(s.Action as string[]), action];
        s.Resource = '*';
      });
      expect(foreignStartExecution(broken)).toEqual([
        expect.objectContaining({ resource: 'ControllerFunctionRole/WriteOwnLogs' }),
      ]);
    },
  );

  it.each([
    [
      'a mutating logs call beside the log delivery',
      'DeliverExecutionLogs',
      'StateMachineRole',
      'logs:DeleteLogGroup',
    ],
    ['a write of another service on "*"', 'ObserveDeployment', 'ControllerFunctionRole', 's3:PutObject'],
    [
      'the log delivery in the controller function role',
      'ObserveDeployment',
      'ControllerFunctionRole',
      'logs:CreateLogDelivery',
    ],
  ])('%s', (_name, sid, holder, action) => {
    const broken = brokenController(
      sid,
      (s) => {
        s.Action = [...[s.Action].flat(), action];
      },
      holder,
    );
    expect(mutatingActionsOnAnyResource(broken)).toEqual([
      {
        rule: 'mutating-action-on-any-resource',
        resource: `${holder}/${sid}`,
        detail: `${action} on *`,
      },
    ]);
  });

  it('iam:PassRole on every role', () => {
    const broken = brokenController('PassTaskRolesToEcsTasksOnly', (s) => {
      s.Resource = '*';
    });
    expect(unrestrictedPassRole(broken)).toEqual([
      expect.objectContaining({ detail: 'wildcard Resource *' }),
    ]);
  });

  it('iam:PassRole to any service', () => {
    const broken = brokenController('PassTaskRolesToEcsTasksOnly', (s) => {
      delete s.Condition;
    });
    expect(unrestrictedPassRole(broken)).toEqual([
      expect.objectContaining({ detail: 'iam:PassedToService is undefined, not ecs-tasks.amazonaws.com' }),
    ]);
  });

  it('iam:PassRole smuggled into another statement', () => {
    const broken = brokenController('WriteOwnLogs', (s) => {
      s.Action = [...(s.Action as string[]), 'iam:PassRole'];
    });
    expect(unrestrictedPassRole(broken)).toHaveLength(1);
  });

  it.each([
    'arn:aws:iam::aws:policy/AmazonECS_FullAccess',
    { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/ElasticLoadBalancingFullAccess' },
    'arn:aws:iam::aws:policy/AdministratorAccess',
  ])('AWS-managed broad policy %j', (arn) => {
    const broken = structuredClone(controller);
    resource(broken, 'ControllerFunctionRole').Properties!.ManagedPolicyArns = [arn];
    expect(broadManagedPolicies(broken)).toEqual([
      expect.objectContaining({ rule: 'broad-managed-policy', resource: 'ControllerFunctionRole' }),
    ]);
  });

  it.each([
    [{ CidrIp: '0.0.0.0/0' }, 'ingress from 0.0.0.0/0'],
    [{ CidrIpv6: '::/0' }, 'ingress from ::/0'],
    [{ CidrIp: '10.20.0.0/16' }, 'ingress from "10.20.0.0/16", not the load balancer\'s security group'],
  ])('task port opened to %j (inline rule)', (source, detail) => {
    const broken = structuredClone(infrastructure);
    (resource(broken, 'TaskSecurityGroup').Properties!.SecurityGroupIngress as unknown[]).push({
      IpProtocol: 'tcp',
      FromPort: 80,
      ToPort: 80,
      ...source,
    });
    expect(openTaskIngress(broken)).toEqual([
      { rule: 'open-task-ingress', resource: 'TaskSecurityGroup', detail },
    ]);
  });

  it('task port opened to the world by a separate AWS::EC2::SecurityGroupIngress', () => {
    const broken = structuredClone(infrastructure);
    broken.Resources.WorldToTasks = {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: { GroupId: { Ref: 'TaskSecurityGroup' }, IpProtocol: '-1', CidrIp: '0.0.0.0/0' },
    };
    expect(openTaskIngress(broken)).toEqual([
      { rule: 'open-task-ingress', resource: 'WorldToTasks', detail: 'ingress from 0.0.0.0/0' },
    ]);
  });

  it('no security group left for the tasks (nothing left to check is a finding)', () => {
    const broken = structuredClone(infrastructure);
    delete broken.Outputs?.[taskSecurityGroupOutput];
    expect(openTaskIngress(broken)).toEqual([
      {
        rule: 'open-task-ingress',
        resource: '(template)',
        detail: 'no security group for the tasks (no network configuration, no TaskSecurityGroupId output)',
      },
    ]);
  });
});
