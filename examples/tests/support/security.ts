import type { Template } from './cfn-template';

/** One violated security property, with where and why. An empty list means the template passes. */
export interface Finding {
  rule: SecurityRule;
  resource: string;
  detail: string;
}

export type SecurityRule =
  | 'wildcard-action'
  | 'not-action-or-resource'
  | 'unscoped-mutation'
  | 'unrestricted-pass-role'
  | 'unrestricted-tagging'
  | 'unconditioned-autoscaling'
  | 'broad-managed-policy'
  | 'open-task-ingress'
  | 'foreign-start-execution'
  | 'mutating-action-on-any-resource';

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asArray = (value: unknown): unknown[] =>
  Array.isArray(value) ? value : value === undefined ? [] : [value];
const strings = (value: unknown): string[] =>
  asArray(value).filter((v): v is string => typeof v === 'string');

/** Every identity-policy statement in the template (trust policies are not permissions and are skipped). */
export function policyStatements(template: Template): { resource: string; statement: Statement }[] {
  return grantedStatements(template).map(({ resource, statement }) => ({ resource, statement }));
}

/**
 * policyStatements with the principals each statement applies to: the logical ids of the roles, users or groups
 * that hold it (the resource itself for an inline policy, Roles/Users/Groups or RoleName/... for a policy resource).
 */
export function grantedStatements(
  template: Template,
): { resource: string; statement: Statement; principals: string[] }[] {
  const found: { resource: string; statement: Statement; principals: string[] }[] = [];
  const add = (resource: string, document: unknown, principals: string[]) => {
    const statements = (document as { Statement?: unknown } | undefined)?.Statement;
    for (const statement of asArray(statements))
      found.push({ resource, statement: statement as Statement, principals });
  };
  for (const [id, r] of Object.entries(template.Resources)) {
    const props = r.Properties ?? {};
    if (['AWS::IAM::Role', 'AWS::IAM::User', 'AWS::IAM::Group'].includes(r.Type)) {
      for (const policy of asArray(props.Policies))
        add(id, (policy as { PolicyDocument?: unknown }).PolicyDocument, [id]);
    }
    if (['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::RolePolicy'].includes(r.Type)) {
      const holders = ['Roles', 'Users', 'Groups', 'RoleName', 'UserName', 'GroupName'].flatMap((key) =>
        asArray(props[key]).map((p) => refTo(p) ?? JSON.stringify(p)),
      );
      add(id, props.PolicyDocument, holders);
    }
  }
  return found;
}

const label = (resource: string, s: Statement) => (s.Sid ? `${resource}/${s.Sid}` : resource);

/** The services whose resources the controller changes: their mutating actions must be scoped. */
const scopedServices = new Set(['ecs', 'elasticloadbalancing', 'application-autoscaling']);

/** Mutating = every ECS, ELBv2 or Application Auto Scaling action that is not a Describe/List/Get. */
export function isMutatingAction(action: string): boolean {
  const [service = '', name = ''] = action.split(':');
  return scopedServices.has(service) && !/^(Describe|List|Get)/.test(name);
}

/** "*" or an ARN whose resource part is only "*" (arn:aws:ecs:*:*:*) grants every resource of the service. */
function isUnscoped(resource: unknown): boolean {
  return (
    typeof resource === 'string' && (resource === '*' || /^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/.test(resource))
  );
}

export function wildcardActions(template: Template): Finding[] {
  return policyStatements(template).flatMap(({ resource, statement }) =>
    strings(statement.Action)
      .filter((action) => action.includes('*'))
      .map((action) => ({
        rule: 'wildcard-action' as const,
        resource: label(resource, statement),
        detail: action,
      })),
  );
}

export function notActionOrResource(template: Template): Finding[] {
  return policyStatements(template)
    .filter(({ statement }) => statement.NotAction !== undefined || statement.NotResource !== undefined)
    .map(({ resource, statement }) => ({
      rule: 'not-action-or-resource' as const,
      resource: label(resource, statement),
      detail: 'NotAction/NotResource grants everything not listed',
    }));
}

export function unscopedMutations(template: Template): Finding[] {
  return policyStatements(template).flatMap(({ resource, statement }) => {
    if (statement.Effect !== 'Allow') return [];
    const mutating = strings(statement.Action).filter(isMutatingAction);
    const unscoped = asArray(statement.Resource).filter(isUnscoped);
    if (mutating.length === 0 || unscoped.length === 0) return [];
    return [
      {
        rule: 'unscoped-mutation' as const,
        resource: label(resource, statement),
        detail: `${mutating.join(', ')} on ${unscoped.join(', ')}`,
      },
    ];
  });
}

/** iam:PassRole must name roles (no wildcard) and be limited to ecs-tasks.amazonaws.com. */
export function unrestrictedPassRole(template: Template): Finding[] {
  return policyStatements(template).flatMap(({ resource, statement }) => {
    if (
      statement.Effect !== 'Allow' ||
      !strings(statement.Action).some((a) => a.toLowerCase() === 'iam:passrole')
    ) {
      return [];
    }
    const problems: string[] = [];
    const wildcards = asArray(statement.Resource).filter((r) => typeof r === 'string' && r.includes('*'));
    if (asArray(statement.Resource).length === 0) problems.push('no Resource');
    if (wildcards.length > 0) problems.push(`wildcard Resource ${wildcards.join(', ')}`);
    const passedTo = statement.Condition?.StringEquals?.['iam:PassedToService'];
    const services = strings(passedTo);
    if (services.length === 0 || services.some((s) => s !== 'ecs-tasks.amazonaws.com')) {
      problems.push(`iam:PassedToService is ${JSON.stringify(passedTo)}, not ecs-tasks.amazonaws.com`);
    }
    return problems.map((detail) => ({
      rule: 'unrestricted-pass-role' as const,
      resource: label(resource, statement),
      detail,
    }));
  });
}

/** The text of an ARN as written: a plain string or the template of a Fn::Sub. */
const arnText = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  const sub = (value as { 'Fn::Sub'?: unknown } | undefined)?.['Fn::Sub'];
  if (typeof sub === 'string') return sub;
  return Array.isArray(sub) && typeof sub[0] === 'string' ? sub[0] : undefined;
};

/** ecs-taper's tag keys on its own task set (core's taskSetTag): the only keys the controller may set or remove. */
export const controllerTagPrefix = 'ecs-taper:';

/**
 * ecs:TagResource / UntagResource (CreateTaskSet's tags are authorized as ecs:TagResource too) only on task
 * sets, and only for ecs-taper's own keys: aws:TagKeys limited with ForAllValues to `ecs-taper:` patterns,
 * and present (`Null` false), since ForAllValues alone is true for a request without tag keys.
 */
export function unrestrictedTagging(template: Template): Finding[] {
  return policyStatements(template).flatMap(({ resource, statement }) => {
    const actions = strings(statement.Action).filter((a) => /^ecs:(Tag|Untag)Resource$/i.test(a));
    if (statement.Effect !== 'Allow' || actions.length === 0) return [];
    const problems: string[] = [];
    const resources = asArray(statement.Resource);
    if (resources.length === 0) problems.push('no Resource');
    for (const r of resources) {
      const arn = arnText(r);
      if (!arn || !/:task-set\/[^*]/.test(arn))
        problems.push(`Resource ${JSON.stringify(r)} is not a task-set ARN`);
    }
    const condition = statement.Condition ?? {};
    const keys = strings(
      condition['ForAllValues:StringLike']?.['aws:TagKeys'] ??
        condition['ForAllValues:StringEquals']?.['aws:TagKeys'],
    );
    if (keys.length === 0 || keys.some((k) => !k.startsWith(controllerTagPrefix))) {
      problems.push(`aws:TagKeys is ${JSON.stringify(keys)}, not limited to ${controllerTagPrefix}*`);
    }
    if (String(condition.Null?.['aws:TagKeys']) !== 'false') {
      problems.push('aws:TagKeys may be absent (no "Null": {"aws:TagKeys": "false"})');
    }
    return problems.map((detail) => ({
      rule: 'unrestricted-tagging' as const,
      resource: label(resource, statement),
      detail,
    }));
  });
}

/**
 * A scalable target's ARN ends in an id assigned at registration, so a mutating Application Auto Scaling
 * call cannot be scoped by Resource to one service: it must at least be limited to ECS services' desired
 * count with the service's condition keys.
 */
export function unconditionedAutoScaling(template: Template): Finding[] {
  const wanted = {
    'application-autoscaling:service-namespace': 'ecs',
    'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
  };
  return policyStatements(template).flatMap(({ resource, statement }) => {
    const actions = strings(statement.Action).filter(
      (a) => a.startsWith('application-autoscaling:') && isMutatingAction(a),
    );
    if (statement.Effect !== 'Allow' || actions.length === 0) return [];
    const equals = statement.Condition?.StringEquals ?? {};
    return Object.entries(wanted)
      .filter(([key, value]) => strings(equals[key]).join() !== value)
      .map(([key, value]) => ({
        rule: 'unconditioned-autoscaling' as const,
        resource: label(resource, statement),
        detail: `${actions.join(', ')} without StringEquals ${key} = ${value} (is ${JSON.stringify(equals[key])})`,
      }));
  });
}

/** AWS-managed FullAccess (and administrator) policies, however the ARN is written. */
export function broadManagedPolicies(template: Template): Finding[] {
  const findings: Finding[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    const text = JSON.stringify(r);
    for (const m of text.matchAll(
      /iam::aws:policy\/[\w+=,.@/-]*?(FullAccess|AdministratorAccess|PowerUserAccess)/g,
    )) {
      findings.push({ rule: 'broad-managed-policy', resource: id, detail: m[0] });
    }
  }
  return findings;
}

const refTo = (value: unknown): string | undefined =>
  value && typeof value === 'object' && typeof (value as { Ref?: unknown }).Ref === 'string'
    ? (value as { Ref: string }).Ref
    : undefined;

/**
 * The output naming the security group of the tasks that ecs-taper creates: the template has no task set (every
 * one is ecs-taper's), and deploy.sh hands this output to it as the deployment input's securityGroups.
 */
export const taskSecurityGroupOutput = 'TaskSecurityGroupId';

/**
 * Security groups of the tasks (in task sets' or services' network configuration, or named by the output above)
 * and of load balancers, by logical id.
 */
export function securityGroupRoles(template: Template): { task: Set<string>; loadBalancer: Set<string> } {
  const task = new Set<string>();
  const loadBalancer = new Set<string>();
  const output = refTo(template.Outputs?.[taskSecurityGroupOutput]?.Value);
  if (output) task.add(output);
  for (const r of Object.values(template.Resources)) {
    const props = r.Properties ?? {};
    if (r.Type === 'AWS::ECS::TaskSet' || r.Type === 'AWS::ECS::Service') {
      const awsvpc = (props.NetworkConfiguration as { AwsVpcConfiguration?: { SecurityGroups?: unknown } })
        ?.AwsVpcConfiguration;
      for (const sg of asArray(awsvpc?.SecurityGroups)) {
        const id = refTo(sg);
        if (id) task.add(id);
      }
    }
    if (r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') {
      for (const sg of asArray(props.SecurityGroups)) {
        const id = refTo(sg);
        if (id) loadBalancer.add(id);
      }
    }
  }
  return { task, loadBalancer };
}

/**
 * Tasks admit traffic only from the load balancer's security group: any CIDR rule (0.0.0.0/0, ::/0 or other)
 * or any other source on a task security group is a finding. A template with an ECS service or task set but no
 * task security group is a finding too, so that the check cannot pass by finding nothing to check.
 */
export function openTaskIngress(template: Template): Finding[] {
  const { task, loadBalancer } = securityGroupRoles(template);
  const hasTasks = Object.values(template.Resources).some((r) =>
    ['AWS::ECS::TaskSet', 'AWS::ECS::Service'].includes(r.Type),
  );
  if (hasTasks && task.size === 0) {
    return [
      {
        rule: 'open-task-ingress',
        resource: '(template)',
        detail: `no security group for the tasks (no network configuration, no ${taskSecurityGroupOutput} output)`,
      },
    ];
  }
  const rules: { resource: string; rule: Record<string, unknown> }[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type === 'AWS::EC2::SecurityGroup' && task.has(id)) {
      for (const rule of asArray(r.Properties?.SecurityGroupIngress)) {
        rules.push({ resource: id, rule: rule as Record<string, unknown> });
      }
    }
    if (r.Type === 'AWS::EC2::SecurityGroupIngress') {
      const target = refTo(r.Properties?.GroupId);
      if (target && task.has(target)) rules.push({ resource: id, rule: r.Properties ?? {} });
    }
  }
  const findings: Finding[] = [];
  for (const { resource, rule } of rules) {
    const world = [rule.CidrIp, rule.CidrIpv6].filter((c) => c === '0.0.0.0/0' || c === '::/0');
    const source = refTo(rule.SourceSecurityGroupId);
    if (world.length > 0) {
      findings.push({ rule: 'open-task-ingress', resource, detail: `ingress from ${world.join(', ')}` });
    } else if (!source || !loadBalancer.has(source)) {
      findings.push({
        rule: 'open-task-ingress',
        resource,
        detail: `ingress from ${JSON.stringify(rule.CidrIp ?? rule.CidrIpv6 ?? rule.SourceSecurityGroupId ?? rule.SourcePrefixListId)}, not the load balancer's security group`,
      });
    }
  }
  return findings;
}

/** An IAM action pattern (with * and ? wildcards, case-insensitive, as IAM matches them) matches `action`. */
function actionMatches(pattern: string, action: string): boolean {
  const regex = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${regex}$`, 'i').test(action);
}

/** The state machines of the template and the role each runs as (RoleArn: !GetAtt Role.Arn), by logical id. */
function stateMachineRoles(template: Template): Map<string, string | undefined> {
  const roles = new Map<string, string | undefined>();
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
    const getAtt = (r.Properties?.RoleArn as { 'Fn::GetAtt'?: unknown[] } | undefined)?.['Fn::GetAtt'];
    roles.set(id, typeof getAtt?.[0] === 'string' ? getAtt[0] : undefined);
  }
  return roles;
}

/**
 * states:StartExecution (however the action is written) only for the hand-over: a state machine starting a new
 * execution of itself. The Resource must be exactly `!Ref` of a state machine of this template, and the statement
 * must belong to that state machine's own role, nobody else's.
 */
export function foreignStartExecution(template: Template): Finding[] {
  const machines = stateMachineRoles(template);
  return grantedStatements(template).flatMap(({ resource, statement, principals }) => {
    if (statement.Effect !== 'Allow') return [];
    if (!strings(statement.Action).some((a) => actionMatches(a, 'states:StartExecution'))) return [];
    const problems: string[] = [];
    const resources = asArray(statement.Resource);
    if (resources.length === 0) problems.push('no Resource');
    for (const r of resources) {
      const machine = refTo(r);
      if (!machine || !machines.has(machine)) {
        problems.push(
          `states:StartExecution on ${JSON.stringify(r)}, not !Ref of this template's state machine`,
        );
      } else if (principals.length === 0 || principals.some((p) => p !== machines.get(machine))) {
        problems.push(
          `states:StartExecution on ${machine} granted to ${JSON.stringify(principals)}, not only to its own role ${machines.get(machine)}`,
        );
      }
    }
    return problems.map((detail) => ({
      rule: 'foreign-start-execution' as const,
      resource: label(resource, statement),
      detail,
    }));
  });
}

/**
 * The only mutating actions that may be granted on every resource ("*"): the CloudWatch Logs log-delivery calls
 * that Step Functions needs to set up a state machine's LoggingConfiguration (they support no resource-level
 * permissions), and only to a role that a state machine of this template runs as.
 */
export const logDeliveryActions = [
  'logs:CreateLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:PutResourcePolicy',
] as const;

const isReadOnlyAction = (action: string) => /^[\w-]+:(Describe|List|Get)[A-Za-z]/.test(action);

/**
 * Every action granted on "*" (or an ARN whose resource part is "*") is read-only (Describe/List/Get), or a
 * log-delivery call held by a state machine's role. This covers every service, not only the ones the controller
 * changes (unscopedMutations): a new "*" grant that writes anything is a finding.
 */
export function mutatingActionsOnAnyResource(template: Template): Finding[] {
  const machineRoles = new Set([...stateMachineRoles(template).values()].filter((r) => r !== undefined));
  return grantedStatements(template).flatMap(({ resource, statement, principals }) => {
    if (statement.Effect !== 'Allow') return [];
    const unscoped = asArray(statement.Resource).filter(isUnscoped);
    if (unscoped.length === 0) return [];
    const forMachines = principals.length > 0 && principals.every((p) => machineRoles.has(p));
    const allowed = (action: string) =>
      (isReadOnlyAction(action) && !action.includes('*')) ||
      (forMachines && (logDeliveryActions as readonly string[]).includes(action));
    const mutating = strings(statement.Action).filter((action) => !allowed(action));
    if (mutating.length === 0) return [];
    return [
      {
        rule: 'mutating-action-on-any-resource' as const,
        resource: label(resource, statement),
        detail: `${mutating.join(', ')} on ${unscoped.join(', ')}`,
      },
    ];
  });
}

export const securityChecks = {
  'wildcard-action': wildcardActions,
  'not-action-or-resource': notActionOrResource,
  'unscoped-mutation': unscopedMutations,
  'unrestricted-pass-role': unrestrictedPassRole,
  'unrestricted-tagging': unrestrictedTagging,
  'unconditioned-autoscaling': unconditionedAutoScaling,
  'broad-managed-policy': broadManagedPolicies,
  'open-task-ingress': openTaskIngress,
  'foreign-start-execution': foreignStartExecution,
  'mutating-action-on-any-resource': mutatingActionsOnAnyResource,
} satisfies Record<SecurityRule, (t: Template) => Finding[]>;

export function securityFindings(template: Template): Finding[] {
  return Object.values(securityChecks).flatMap((check) => check(template));
}
