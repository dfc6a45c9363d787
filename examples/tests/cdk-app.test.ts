import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildStateMachineDefinition, functionTimeoutSeconds } from '@ecs-taper/runner-lambda';
import { Template } from 'aws-cdk-lib/assertions';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../cdk/lib/app';
import { type Template as CfnTemplate, loadTemplate } from './support/cfn-template';
import { grantedStatements, securityFindings } from './support/security';

// One synth of the example app for the file, as `cdk synth` runs it: cdk-nag's AwsSolutions pack registered as
// a validation plugin. (CDK's built-in CloudFormation schema validation is off: it takes about 20 s.)
const outdir = mkdtempSync(join(tmpdir(), 'ecs-taper-cdk-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));
const { app, stack } = createApp({ outdir, builtinCloudFormationValidation: false });
// Throws on any cdk-nag finding that nothing acknowledged (the Validations plugin).
app.synth();
const cdk = subsFromJoins(Template.fromStack(stack).toJSON()) as CfnTemplate;
const yaml = loadTemplate('controller.yaml');

/**
 * CDK writes an ARN as Fn::Join of strings and references; controller.yaml and the security checks read
 * Fn::Sub. The same ARN as one Fn::Sub string (Ref X as ${X}, an import as ${Import:name}).
 */
function subsFromJoins(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(subsFromJoins);
  if (!value || typeof value !== 'object') return value;
  const join = (value as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join && join[0] === '') {
    const parts = join[1].map((part) => {
      if (typeof part === 'string') return part;
      const p = part as { Ref?: string; 'Fn::ImportValue'?: string };
      if (p.Ref) return `\${${p.Ref}}`;
      if (p['Fn::ImportValue']) return `\${Import:${p['Fn::ImportValue']}}`;
      return undefined;
    });
    if (parts.every((p) => p !== undefined)) return { 'Fn::Sub': parts.join('') };
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, subsFromJoins(v)]));
}

const resourceOfType = (template: CfnTemplate, type: string) => {
  const found = Object.values(template.Resources).filter((r) => r.Type === type);
  expect(found).toHaveLength(1);
  return found[0]?.Properties ?? {};
};

/** The actions granted to the controller function's role (inline and attached policies). */
function functionActions(template: CfnTemplate, role: string): string[] {
  const actions = grantedStatements(template)
    .filter(({ principals }) => principals.includes(role))
    .flatMap(({ statement }) => [statement.Action].flat() as string[]);
  return [...new Set(actions)].sort();
}
const functionRoleOf = (template: CfnTemplate) => {
  const role = (resourceOfType(template, 'AWS::Lambda::Function').Role as { 'Fn::GetAtt': string[] })[
    'Fn::GetAtt'
  ][0];
  if (!role) throw new Error('no function role');
  return role;
};

describe('examples/cdk synthesizes the controller', () => {
  it('passes cdk-nag AwsSolutions with nothing unacknowledged', () => {
    // The synth above ran the pack as a plugin and did not throw; the pack's own report says why.
    expect(new AwsSolutionsChecks(app).validateScope(app)).toEqual({ success: true, violations: [] });
  });

  it('fails the synth on a finding nothing acknowledged', () => {
    const broken = createApp({ outdir: join(outdir, 'broken'), builtinCloudFormationValidation: false });
    broken.stack.controller.functionRole.addToPrincipalPolicy(
      new PolicyStatement({ actions: ['ecs:UpdateService'], resources: ['*'] }),
    );
    expect(() => broken.app.synth()).toThrow(
      /FunctionRole\/DefaultPolicy\/Resource[\s\S]*AwsSolutions-IAM5\[Resource::\*\]/,
    );
  });

  it('has no finding of the security checks that controller.yaml passes', () => {
    expect(securityFindings(cdk)).toEqual([]);
    expect(securityFindings(yaml)).toEqual([]);
  });

  it("grants the function exactly controller.yaml's actions (GetMetricData for the NLB's NewFlowCount included)", () => {
    // Without hooks in the example, so without lambda:InvokeFunction (controller.yaml's conditional policy).
    const fromYaml = functionActions(yaml, 'ControllerFunctionRole').filter(
      (a) => a !== 'lambda:InvokeFunction',
    );
    expect(fromYaml).toContain('cloudwatch:GetMetricData');
    expect(functionActions(cdk, functionRoleOf(cdk))).toEqual(fromYaml);
  });

  it('configures the function and the state machine as controller.yaml does', () => {
    const fn = resourceOfType(cdk, 'AWS::Lambda::Function');
    const yamlFn = resourceOfType(yaml, 'AWS::Lambda::Function');
    for (const key of ['Runtime', 'Handler', 'Architectures', 'MemorySize', 'Timeout']) {
      expect([key, fn[key]]).toEqual([key, yamlFn[key]]);
    }
    expect(fn.Timeout).toBe(functionTimeoutSeconds);
    expect(fn.LoggingConfig).toMatchObject({
      LogFormat: 'JSON',
      SystemLogLevel: 'WARN',
      ApplicationLogLevel: 'INFO',
    });
    const machine = resourceOfType(cdk, 'AWS::StepFunctions::StateMachine');
    expect(JSON.parse(String(machine.DefinitionString))).toEqual(buildStateMachineDefinition());
    expect(Object.keys(machine.DefinitionSubstitutions as object)).toEqual(
      Object.keys(resourceOfType(yaml, 'AWS::StepFunctions::StateMachine').DefinitionSubstitutions as object),
    );
    expect(machine.LoggingConfiguration).toMatchObject({ Level: 'ERROR', IncludeExecutionData: false });
  });

  it("points the controller at the infrastructure stack's exports", () => {
    const text = JSON.stringify(Template.fromStack(stack).toJSON());
    for (const name of [
      'ClusterName',
      'ServiceName',
      'ProductionListenerArn',
      'TestListenerArn',
      'TargetGroupAArn',
      'TargetGroupBArn',
      'TaskExecutionRoleArn',
      'TaskRoleArn',
    ]) {
      expect(text).toContain(`taper-demo-infra-${name}`);
    }
    expect(Object.keys(cdk.Outputs ?? {})).toEqual(
      expect.arrayContaining(['StateMachineArn', 'FunctionName', 'FailedExecutionsAlarmName']),
    );
  });
});
