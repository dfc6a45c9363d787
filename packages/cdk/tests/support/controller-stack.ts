import { App, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { EcsTaperController, type EcsTaperControllerProps } from '../../src/index';

export const region = 'eu-west-1';
export const account = '000000000000';
const elb = `arn:aws:elasticloadbalancing:${region}:${account}`;

/** Props as ARNs and names: every optional prop given. */
export const arnProps = {
  cluster: 'web',
  serviceName: 'web-service',
  listeners: [`${elb}:listener/net/web/0123/4567`, `${elb}:listener/net/web/0123/89ab`],
  targetGroups: [`${elb}:targetgroup/web-a/0123`, `${elb}:targetgroup/web-b/4567`],
  taskRoles: [`arn:aws:iam::${account}:role/web-execution`, `arn:aws:iam::${account}:role/web-task`],
  hookFunctions: [`arn:aws:lambda:${region}:${account}:function:smoke-test:live`],
} satisfies EcsTaperControllerProps;

/**
 * A test app: no built-in CloudFormation validation, which takes about 20 s per synth and checks the
 * resource schemas, not this construct (the example app's cdk synth runs it).
 */
export function testApp(): App {
  return new App({ builtinCloudFormationValidation: false });
}

export function controllerStack(app: App, id: string, props: EcsTaperControllerProps) {
  const stack = new Stack(app, id, { env: { account, region } });
  const controller = new EcsTaperController(stack, 'Taper', props);
  return { stack, controller };
}

/** cdk-nag's AwsSolutions findings on `scope` that nothing acknowledged: rule ids with the construct paths. */
export function unacknowledgedFindings(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks(scope).validateScope(scope);
  return report.violations.flatMap((v) =>
    v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`),
  );
}

/** The same findings as if nothing were acknowledged (the pack's acknowledgment lookup turned off). */
export function allFindings(scope: IConstruct): string[] {
  const pack = new AwsSolutionsChecks(scope);
  // Test only: isAcknowledged is private; every finding is reported, acknowledged or not.
  (pack as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return pack
    .validateScope(scope)
    .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`));
}
