import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ControllerStack } from './controller-stack';

/**
 * The example app: one controller stack, checked by cdk-nag's AwsSolutions pack on every synth (a finding
 * nothing acknowledged fails `cdk synth`). Context `infraStack` names the infrastructure stack
 * (default taper-demo-infra, what `examples/deploy.sh --prefix taper-demo` deploys).
 */
export function createApp(props: AppProps = {}): { app: App; stack: ControllerStack } {
  const app = new App(props);
  const infraStackName = String(app.node.tryGetContext('infraStack') ?? 'taper-demo-infra');
  const stack = new ControllerStack(
    app,
    String(app.node.tryGetContext('stackName') ?? 'taper-demo-cdk-controller'),
    {
      infraStackName,
      env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    },
  );
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
