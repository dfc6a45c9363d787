import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildStateMachineDefinition } from '@ecs-taper/runner-lambda';
import { describe, expect, it } from 'vitest';
import { loadTemplate, type Resource, type Template, templatesDir } from './support/cfn-template';
import { referencesIn } from './support/moto-variant';
import { repoRoot } from './support/python-tools';

const infrastructure = loadTemplate('infrastructure.yaml');
const controller = loadTemplate('controller.yaml');

function resource(template: Template, id: string): Resource {
  const r = template.Resources[id];
  if (!r) throw new Error(`no resource ${id}`);
  return r;
}
const props = (template: Template, id: string) => resource(template, id).Properties ?? {};

describe('infrastructure.yaml', () => {
  it('runs the service with the EXTERNAL deployment controller and no task set: ecs-taper creates every one', () => {
    expect(props(infrastructure, 'Service')).toEqual({
      Cluster: { Ref: 'Cluster' },
      DesiredCount: { Ref: 'DesiredCount' },
      DeploymentController: { Type: 'EXTERNAL' },
    });
    // No stack update can then create, replace or delete a task set, on the live target group or any other.
    const types = Object.values(infrastructure.Resources).map((r) => r.Type);
    expect(types.filter((type) => /^AWS::ECS::(TaskSet|PrimaryTaskSet)$/.test(type))).toEqual([]);
  });

  it("keeps the first deployment's task definition as an output, and a replaced revision registered", () => {
    expect(infrastructure.Outputs?.TaskDefinitionArn?.Value).toEqual({ Ref: 'TaskDefinition' });
    expect(resource(infrastructure, 'TaskDefinition')).toMatchObject({
      UpdateReplacePolicy: 'Retain',
      Properties: { RequiresCompatibilities: ['FARGATE'], NetworkMode: 'awsvpc' },
    });
  });

  it('has an internet-facing NLB with a security group, production and test listeners on 80 and 8080', () => {
    expect(props(infrastructure, 'LoadBalancer')).toMatchObject({
      Type: 'network',
      Scheme: 'internet-facing',
      SecurityGroups: [{ Ref: 'NlbSecurityGroup' }],
    });
    expect(infrastructure.Parameters?.ProductionListenerPort?.Default).toBe(80);
    expect(infrastructure.Parameters?.TestListenerPort?.Default).toBe(8080);
    expect(props(infrastructure, 'ProductionListener').DefaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: { Ref: 'TargetGroupA' } },
    ]);
    expect(props(infrastructure, 'TestListener').DefaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: { Ref: 'TargetGroupB' } },
    ]);
  });

  it.each(['TargetGroupA', 'TargetGroupB'])(
    '%s is an ip/TCP target group with a deliberate deregistration delay and health check',
    (id) => {
      expect(props(infrastructure, id)).toMatchObject({
        TargetType: 'ip',
        Protocol: 'TCP',
        HealthCheckIntervalSeconds: 10,
        HealthyThresholdCount: 3,
      });
      expect(props(infrastructure, id).TargetGroupAttributes).toContainEqual({
        Key: 'deregistration_delay.timeout_seconds',
        Value: { Ref: 'DeregistrationDelaySeconds' },
      });
      expect(infrastructure.Parameters?.DeregistrationDelaySeconds?.Default).toBe(120);
    },
  );

  it('logs the container with awslogs and gives the execution role no managed policy', () => {
    const [container] = props(infrastructure, 'TaskDefinition').ContainerDefinitions as Record<
      string,
      unknown
    >[];
    expect(container).toMatchObject({ LogConfiguration: { LogDriver: 'awslogs' } });
    expect(props(infrastructure, 'TaskExecutionRole').ManagedPolicyArns).toBeUndefined();
  });

  it('outputs everything deploy.sh and a deployment need', () => {
    expect(Object.keys(infrastructure.Outputs ?? {})).toEqual(
      expect.arrayContaining([
        'ClusterName',
        'ServiceName',
        'LoadBalancerArn',
        'ProductionListenerArn',
        'TestListenerArn',
        'TargetGroupAArn',
        'TargetGroupBArn',
        'PrivateSubnets',
        'TaskSecurityGroupId',
        'TaskDefinitionArn',
        'TaskExecutionRoleArn',
        'TaskRoleArn',
        'ContainerName',
        'ContainerPort',
      ]),
    );
  });
});

describe('controller.yaml', () => {
  it('runs the bundle on nodejs22.x from a local path that `aws cloudformation package` uploads', () => {
    expect(props(controller, 'ControllerFunction')).toMatchObject({
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Code: '../../packages/runner-lambda/dist/lambda/',
    });
    expect(resolve(templatesDir, '../../packages/runner-lambda/dist/lambda/')).toBe(
      resolve(repoRoot, 'packages/runner-lambda/dist/lambda'),
    );
  });

  it("times the function out at runner-lambda's functionTimeoutSeconds, as built", async () => {
    // The built package, not the source alias: dist is what deploy.sh packages. CI builds before testing.
    const built = join(repoRoot, 'packages/runner-lambda/dist/index.js');
    expect(existsSync(built), `${built} is missing: npm run build -w @ecs-taper/runner-lambda`).toBe(true);
    const { functionTimeoutSeconds } = (await import(pathToFileURL(built).href)) as {
      functionTimeoutSeconds?: unknown;
    };
    expect(typeof functionTimeoutSeconds).toBe('number');
    expect(props(controller, 'ControllerFunction').Timeout).toBe(functionTimeoutSeconds);
    expect(controller.Parameters).not.toHaveProperty('FunctionTimeoutSeconds');
  });

  it('logs JSON at a chosen application level, platform records from WARN, with no NODE_OPTIONS', () => {
    const fn = props(controller, 'ControllerFunction');
    expect(fn.LoggingConfig).toEqual({
      LogFormat: 'JSON',
      ApplicationLogLevel: { Ref: 'ApplicationLogLevel' },
      SystemLogLevel: 'WARN',
      LogGroup: { Ref: 'FunctionLogGroup' },
    });
    expect(controller.Parameters?.ApplicationLogLevel).toMatchObject({
      Default: 'INFO',
      AllowedValues: ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'],
    });
    expect(JSON.stringify(fn)).not.toContain('NODE_OPTIONS');
  });

  it('publishes a version per VersionHash, keeps old ones for running executions, and invokes that version', () => {
    const version = resource(controller, 'ControllerFunctionVersion');
    expect(version.Type).toBe('AWS::Lambda::Version');
    expect(version.UpdateReplacePolicy).toBe('Retain');
    expect(version.Properties?.FunctionName).toEqual({ Ref: 'ControllerFunction' });
    expect(version.Properties?.Description).toEqual({
      'Fn::Sub': 'ecs-taper ${VersionHash}, application log level ${ApplicationLogLevel}',
    });
    expect(props(controller, 'StateMachine')).toMatchObject({
      DefinitionS3Location: '../../packages/runner-lambda/dist/state-machine.asl.json',
      DefinitionSubstitutions: { EcsTaperFunctionArn: { Ref: 'ControllerFunctionVersion' } },
    });
  });

  // A version snapshots the function's configuration, and only a new Description publishes one: a parameter that
  // configures the function but is missing from the Description would change $LATEST and never reach executions.
  it("names every parameter of the function's configuration in the version's Description", () => {
    const parameters = new Set(Object.keys(controller.Parameters ?? {}));
    const configuring = [...referencesIn({ Resources: { F: resource(controller, 'ControllerFunction') } })]
      .filter((ref) => parameters.has(ref))
      .sort();
    expect(configuring).toEqual(['ApplicationLogLevel']);
    const description = String(
      (props(controller, 'ControllerFunctionVersion').Description as { 'Fn::Sub': string })['Fn::Sub'],
    );
    for (const name of [...configuring, 'VersionHash']) expect(description).toContain(`\${${name}}`);
  });

  it('substitutes every placeholder of the state machine definition that runner-lambda builds', () => {
    const substitutions = props(controller, 'StateMachine').DefinitionSubstitutions as Record<
      string,
      unknown
    >;
    const placeholders = (asl: string) => [
      ...new Set([...asl.matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((m) => m[1])),
    ];
    expect(placeholders(JSON.stringify(buildStateMachineDefinition()))).toEqual(Object.keys(substitutions));
    // The built file too, when there is one (CI builds before testing).
    const built = resolve(repoRoot, 'packages/runner-lambda/dist/state-machine.asl.json');
    if (existsSync(built))
      expect(placeholders(readFileSync(built, 'utf8'))).toEqual(Object.keys(substitutions));
  });
});
