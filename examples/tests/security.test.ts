import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadTemplate, type Resource, type Template } from './support/cfn-template';
import { repoRoot } from './support/python-tools';
import {
  broadManagedPolicies,
  notActionOrResource,
  openTaskIngress,
  policyStatements,
  securityFindings,
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

/** The controller role's statement with this Sid, in a deep copy of the template that the test may break. */
function brokenController(sid: string, mutate: (statement: Record<string, unknown>) => void): Template {
  const copy = structuredClone(controller);
  const found = policyStatements(copy).find(
    ({ resource: r, statement }) => r === 'ControllerFunctionRole' && statement.Sid === sid,
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
      'ControllerFunctionRole/ManageTaskSetsOfThisService',
      'ControllerFunctionRole/TagTaskSetsOfThisService',
      'ControllerFunctionRole/PromoteTaskSetOfThisService',
      'ControllerFunctionRole/SwapListenersOfThisLoadBalancer',
      'ControllerFunctionRole/TagTargetGroupsOfThisLoadBalancer',
      'ControllerFunctionRole/SuspendAutoScalingOfEcsServices',
      'ControllerFunctionRole/PassTaskRolesToEcsTasksOnly',
      'ControllerFunctionRole/WriteOwnLogs',
      'StateMachineRole/InvokeControllerVersions',
    ]);
  });

  it('gives "*" only to read-only actions and to ecr:GetAuthorizationToken', () => {
    const star = [infrastructure, controller].flatMap((t) =>
      policyStatements(t)
        .filter(({ statement }) => [statement.Resource].flat().includes('*'))
        .flatMap(({ statement }) => [statement.Action].flat()),
    );
    expect(star.sort()).toEqual(
      [
        'application-autoscaling:DescribeScalableTargets',
        'cloudwatch:DescribeAlarms',
        'ecr:GetAuthorizationToken',
        'ecs:DescribeServices',
        'ecs:DescribeTaskDefinition',
        'ecs:DescribeTaskSets',
        'ecs:ListServices',
        'elasticloadbalancing:DescribeListeners',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTargetGroupAttributes',
        'elasticloadbalancing:DescribeTargetGroups',
        'elasticloadbalancing:DescribeTargetHealth',
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
  ])('parameter %s accepts a real value and rejects wildcards', (name, valid) => {
    const pattern = new RegExp(String(controller.Parameters?.[name]?.AllowedPattern));
    expect(pattern.test(valid)).toBe(true);
    expect(pattern.test('*')).toBe(false);
    expect(pattern.test(`${valid.replace(/[^/:]+$/, '')}*`)).toBe(false);
  });

  it('lets the state machine invoke only versions of the controller function', () => {
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
    ]);
  });

  it('admits task traffic only from the NLB security group', () => {
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
};

/** The IAM actions of every SDK command imported by the code the Lambda bundle is built from. */
function actionsTheControllerSends(): Set<string> {
  const actions = new Set<string>();
  const dirs = ['packages/core/src', 'packages/runner-lambda/src'].map((d) => join(repoRoot, d));
  for (const dir of dirs) {
    for (const file of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const source = readFileSync(join(dir, file), 'utf8');
      for (const [, names = '', client = ''] of source.matchAll(
        /import\s+(?:type\s+)?\{([^}]*)\}\s+from\s+'@aws-sdk\/([\w-]+)'/g,
      )) {
        for (const name of names.match(/\b[A-Z]\w*Command\b/g) ?? []) {
          const prefix = iamPrefixes[client];
          if (!prefix)
            throw new Error(`${file} sends ${name} through @aws-sdk/${client}: add its IAM action`);
          actions.add(`${prefix}:${name.replace(/Command$/, '')}`);
        }
      }
    }
  }
  return actions;
}

describe('the controller role against the code', () => {
  it('grants exactly the AWS calls the controller code makes (no more, no fewer)', () => {
    const granted = policyStatements(controller)
      .filter(({ resource: r }) => r === 'ControllerFunctionRole')
      .flatMap(({ statement }) => [statement.Action].flat() as string[])
      .filter((action) => !action.startsWith('logs:') && action !== 'iam:PassRole');
    const sent = [...actionsTheControllerSends()];
    expect(sent.length).toBeGreaterThan(10);
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

  it('task set without a security group (nothing left to check is a finding)', () => {
    const broken = structuredClone(infrastructure);
    const net = resource(broken, 'InitialTaskSet').Properties!.NetworkConfiguration as {
      AwsVpcConfiguration: Record<string, unknown>;
    };
    delete net.AwsVpcConfiguration.SecurityGroups;
    expect(openTaskIngress(broken)).toEqual([
      { rule: 'open-task-ingress', resource: '(template)', detail: 'no security group on the task set' },
    ]);
  });
});
