import { EcsTaperController } from '@ecs-taper/cdk';
import { CfnOutput, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

export interface ControllerStackProps extends StackProps {
  /**
   * The infrastructure stack (examples/cloudformation/infrastructure.yaml, as deploy.sh names it:
   * `<prefix>-infra`), whose exports name the cluster, service, listeners, target groups and task roles.
   */
  readonly infraStackName: string;
}

/** The ecs-taper controller for the example service: the CDK twin of controller.yaml. */
export class ControllerStack extends Stack {
  readonly controller: EcsTaperController;

  constructor(scope: Construct, id: string, props: ControllerStackProps) {
    super(scope, id, props);
    const output = (name: string) => Fn.importValue(`${props.infraStackName}-${name}`);
    this.controller = new EcsTaperController(this, 'Controller', {
      cluster: output('ClusterName'),
      serviceName: output('ServiceName'),
      listeners: [output('ProductionListenerArn'), output('TestListenerArn')],
      targetGroups: [output('TargetGroupAArn'), output('TargetGroupBArn')],
      taskRoles: [output('TaskExecutionRoleArn'), output('TaskRoleArn')],
      logRetention: RetentionDays.ONE_MONTH,
    });
    // Start a deployment with the CLI: ecs-taper deploy --state-machine <StateMachineArn> ...
    new CfnOutput(this, 'StateMachineArn', { value: this.controller.stateMachine.stateMachineArn });
    new CfnOutput(this, 'FunctionName', { value: this.controller.function.functionName });
    new CfnOutput(this, 'FailedExecutionsAlarmName', {
      value: this.controller.failedExecutionsAlarm.alarmName,
    });
  }
}
