import { type IResolvable, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * The text cdk-nag puts in a finding's id for an IAM Resource (its flattenCfnReference): Fn::Join joined,
 * Ref as `<Id>`, Fn::GetAtt as `<Id.Attr>`. cdk-nag v3 acknowledges each finding by its exact id
 * (`AwsSolutions-IAM5[Resource::...]`), with no prefix matching, so the construct computes the ids of the
 * wildcards it grants on purpose, and nothing else is acknowledged.
 */
export function nagResourceText(scope: IConstruct, resource: string | IResolvable): string {
  const visit = (node: unknown): string => {
    if (node === undefined) return '';
    if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/}/g, '>');
    const object = node as Record<string, unknown>;
    if (object['Fn::Join']) {
      const [delimiter, items] = object['Fn::Join'] as [string, unknown[]];
      return items.map(visit).join(delimiter);
    }
    if (object['Fn::Sub']) return visit(object['Fn::Sub']);
    if (object['Fn::GetAtt']) {
      const [id, attribute] = object['Fn::GetAtt'] as [unknown, unknown];
      return `<${visit(id)}.${visit(attribute)}>`;
    }
    if (object['Fn::ImportValue']) return visit(object['Fn::ImportValue']);
    if (object.Ref) return `<${visit(object.Ref)}>`;
    return JSON.stringify(node);
  };
  return visit(Stack.of(scope).resolve(resource));
}

/** One acknowledged cdk-nag (AwsSolutions pack) finding on a construct and its children, with the reason. */
export interface JustifiedFinding {
  readonly construct: IConstruct;
  readonly id: string;
  readonly reason: string;
}

/** A wildcard IAM Resource granted on purpose: AwsSolutions-IAM5 for exactly that resource text. */
export function wildcardResource(construct: IConstruct, resource: string, reason: string): JustifiedFinding {
  return { construct, id: `AwsSolutions-IAM5[Resource::${nagResourceText(construct, resource)}]`, reason };
}

/**
 * Records each acknowledgment where cdk-nag v3 reads it (Validations metadata, on the construct and its
 * children). A finding the construct did not foresee stays reported.
 */
export function acknowledge(findings: readonly JustifiedFinding[]): void {
  for (const { construct, id, reason } of findings) Validations.of(construct).acknowledge({ id, reason });
}
