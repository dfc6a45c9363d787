import { CfnResource, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { ControllerPropsError, EcsTaperController, type EcsTaperControllerProps } from '../src/index';
import { propProblems } from '../src/validate-props';
import { arnProps, testApp } from './support/controller-stack';

const props = (change: Record<string, unknown>) => ({ ...arnProps, ...change }) as EcsTaperControllerProps;
const problemsOf = (change: Record<string, unknown>) => propProblems(props(change)).map((p) => p.prop);

describe('EcsTaperController props', () => {
  it('accepts the valid props, cluster names and cluster ARNs', () => {
    expect(propProblems(arnProps)).toEqual([]);
    expect(problemsOf({ cluster: 'arn:aws:ecs:eu-west-1:000000000000:cluster/web' })).toEqual([]);
    expect(problemsOf({ cluster: 'arn:aws-cn:ecs:cn-north-1:000000000000:cluster/web' })).toEqual([]);
  });

  it.each([
    ['an empty listener list', { listeners: [] }, ['listeners']],
    ['a missing listener list', { listeners: undefined }, ['listeners']],
    [
      'a wildcard listener',
      { listeners: ['arn:aws:elasticloadbalancing:eu-west-1:000000000000:listener/net/*'] },
      ['listeners[0]'],
    ],
    [
      'an ALB listener',
      { listeners: ['arn:aws:elasticloadbalancing:eu-west-1:000000000000:listener/app/web/1/2'] },
      ['listeners[0]'],
    ],
    ['a listener named twice', { listeners: [arnProps.listeners[0], arnProps.listeners[0]] }, ['listeners']],
    ['one target group', { targetGroups: [arnProps.targetGroups[0]] }, ['targetGroups']],
    [
      'a target group that is a listener',
      { targetGroups: [arnProps.targetGroups[0], arnProps.listeners[0]] },
      ['targetGroups[1]'],
    ],
    [
      'a cluster ARN with a wildcard',
      { cluster: 'arn:aws:ecs:eu-west-1:000000000000:cluster/*' },
      ['cluster'],
    ],
    [
      'a service ARN for the name',
      { serviceName: 'arn:aws:ecs:eu-west-1:000000000000:service/web/svc' },
      ['serviceName'],
    ],
    ['an empty service name', { serviceName: '' }, ['serviceName']],
    ['a user instead of a role', { taskRoles: ['arn:aws:iam::000000000000:user/bob'] }, ['taskRoles[0]']],
    ['a role wildcard', { taskRoles: ['arn:aws:iam::000000000000:role/*'] }, ['taskRoles[0]']],
    [
      'a hook function wildcard',
      { hookFunctions: ['arn:aws:lambda:eu-west-1:000000000000:function:*'] },
      ['hookFunctions[0]'],
    ],
    ['a retention CloudWatch does not offer', { logRetention: 42 }, ['logRetention']],
    ['an unknown log level', { applicationLogLevel: 'VERBOSE' }, ['applicationLogLevel']],
    ['no cluster', { cluster: undefined }, ['cluster']],
  ])('rejects %s, naming the prop', (_name, change, expected) => {
    expect(problemsOf(change)).toEqual(expected);
  });

  it('throws every problem at once, naming each prop, the shape it needs and the fix, before creating anything', () => {
    const stack = new Stack(testApp(), 'Broken');
    const broken = props({ listeners: [], targetGroups: ['not-an-arn'], serviceName: 'a/b' });
    let error: unknown;
    try {
      new EcsTaperController(stack, 'Taper', broken);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ControllerPropsError);
    const { message, problems } = error as ControllerPropsError;
    expect(problems.map((p) => p.prop)).toEqual([
      'serviceName',
      'listeners',
      'targetGroups[0]',
      'targetGroups',
    ]);
    expect(message).toContain('EcsTaperController Broken/Taper: 4 props are invalid');
    expect(message).toContain(
      "targetGroups[0]: 'not-an-arn' is not a target group ARN (arn:aws:elasticloadbalancing:<region>:<account>:targetgroup/...); pass the ARN or an INetworkTargetGroup.",
    );
    expect(message).toContain('listeners: is empty; list the production listener(s) and the test listener');
    expect(stack.node.findAll().filter((c) => c instanceof CfnResource)).toEqual([]);
  });
});
