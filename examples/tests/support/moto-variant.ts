import type { Template } from './cfn-template';

/**
 * What the smoke run changes in a template before deploying it to moto, resource by resource, with the reason.
 * Nothing is skipped silently: the smoke test asserts that exactly these adaptations were made, and the
 * README lists them. Everything else in the templates is created by moto's CloudFormation as written.
 */
export interface MotoAdaptation {
  /** Logical id in the template. */
  resource: string;
  type: string;
  change: string;
  reason: string;
}

/** Resource types moto's CloudFormation cannot create (moto 5.x has no model for them). */
export const motoUnsupportedTypes: Record<string, string> = {
  'AWS::CloudWatch::Alarm':
    "moto's CloudFormation has no AWS::CloudWatch::Alarm (moto's CloudWatch API has PutMetricAlarm)",
};

type Adapter = (template: Template, id: string) => MotoAdaptation | undefined;

/** Property changes moto needs, per resource type. Each returns what it changed, or nothing. */
const propertyAdapters: Record<string, Adapter> = {
  'AWS::ECS::Service': (template, id) => {
    const props = template.Resources[id]!.Properties ?? {};
    if ('TaskDefinition' in props) return undefined;
    const taskDefinition = Object.entries(template.Resources).find(
      ([, r]) => r.Type === 'AWS::ECS::TaskDefinition',
    )?.[0];
    if (!taskDefinition) return undefined;
    props.TaskDefinition = { Ref: taskDefinition };
    return {
      resource: id,
      type: 'AWS::ECS::Service',
      change: `TaskDefinition: !Ref ${taskDefinition} added`,
      reason:
        "moto's AWS::ECS::Service handler requires TaskDefinition and ignores DeploymentController; with " +
        'EXTERNAL the real service takes its task definition from the task set',
    };
  },
  'AWS::ElasticLoadBalancingV2::Listener': (template, id) => {
    const props = template.Resources[id]!.Properties ?? {};
    if (props.Protocol !== 'TCP') return undefined;
    props.Protocol = 'HTTP';
    return {
      resource: id,
      type: 'AWS::ElasticLoadBalancingV2::Listener',
      change: 'Protocol: TCP -> HTTP',
      reason:
        "moto's AWS::ElasticLoadBalancingV2::LoadBalancer handler ignores Type: network and creates an " +
        'application load balancer, which rejects TCP listeners',
    };
  },
};

/** A deep copy of `template` that moto's CloudFormation can create, and the list of what was changed. */
export function motoVariant(template: Template): { template: Template; adaptations: MotoAdaptation[] } {
  const copy = structuredClone(template);
  const adaptations: MotoAdaptation[] = [];
  for (const [id, resource] of Object.entries(copy.Resources)) {
    const reason = motoUnsupportedTypes[resource.Type];
    if (reason) {
      delete copy.Resources[id];
      adaptations.push({ resource: id, type: resource.Type, change: 'removed', reason });
    }
  }
  for (const [id, resource] of Object.entries(copy.Resources)) {
    const adaptation = propertyAdapters[resource.Type]?.(copy, id);
    if (adaptation) adaptations.push(adaptation);
  }
  for (const [id, resource] of Object.entries(copy.Resources)) {
    // Only IAM policies: their moto update handler runs for a resource never created and fails; moto skips the
    // types it has no update handler for (infrastructure.yaml's NlbTestListenerIngress stays).
    if (resource.Condition === undefined || resource.Type !== 'AWS::IAM::Policy') continue;
    delete copy.Resources[id];
    adaptations.push({
      resource: id,
      type: resource.Type,
      change: 'removed',
      reason:
        `moto's stack update ignores a resource's Condition and fails updating one it never created; the smoke ` +
        `run passes no parameter that makes ${resource.Condition} true`,
    });
  }
  const removed = new Set(adaptations.filter((a) => a.change === 'removed').map((a) => a.resource));
  const dangling = [...referencesIn(copy)].filter((ref) => removed.has(ref));
  if (dangling.length > 0) {
    throw new Error(`the moto variant still references removed resources: ${dangling.join(', ')}`);
  }
  return { template: copy, adaptations };
}

/** Logical ids referenced by Ref, Fn::GetAtt, DependsOn or ${Name} inside Fn::Sub. */
export function referencesIn(template: Template): Set<string> {
  const refs = new Set<string>();
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(walk);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'Ref' && typeof value === 'string') refs.add(value);
      else if (key === 'Fn::GetAtt' && Array.isArray(value) && typeof value[0] === 'string')
        refs.add(value[0]);
      else if (key === 'Fn::Sub') {
        const text = Array.isArray(value) ? value[0] : value;
        if (typeof text === 'string') {
          for (const m of text.matchAll(/\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}/g)) refs.add(m[1]!);
        }
      }
      walk(value);
    }
  };
  walk(template.Resources);
  walk(template.Outputs);
  for (const resource of Object.values(template.Resources)) {
    const deps = resource.DependsOn;
    for (const dep of Array.isArray(deps) ? deps : deps ? [deps] : []) refs.add(dep);
  }
  return refs;
}
