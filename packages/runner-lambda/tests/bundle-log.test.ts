import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { deploymentIdForExecution } from '../src/handlers/run-phase';

const bundle = fileURLToPath(new URL('../dist/lambda/index.js', import.meta.url));
const run = promisify(execFile);

/**
 * The deployable bundle, loaded the way the Lambda runtime loads it (a fresh Node process), invoked
 * against an endpoint that refuses connections: its log lines must be JSON objects whose fields
 * (deploymentId, phase, executionArn, request id) are at the top level, where Logs Insights filters.
 */
describe('the Lambda bundle', () => {
  it('keeps only the SDK commands core sends (core/src/aws/sdk-eager.ts in place of the lazy sdk.ts)', () => {
    expect(existsSync(bundle), 'build it first: npm run build -w @ecs-taper/runner-lambda').toBe(true);
    const code = readFileSync(bundle, 'utf8');
    for (const sent of [
      'DescribeServicesCommand',
      'ModifyListenerCommand',
      'DescribeAlarmsCommand',
      // Budget mode: the old set's stopped tasks, and with measureFlows the new group's NewFlowCount.
      'ListTasksCommand',
      'DescribeTasksCommand',
      'GetMetricDataCommand',
    ]) {
      expect(code).toContain(sent);
    }
    // Commands of the same clients that core never sends: a lazily loaded client would bring them all.
    for (const unsent of [
      'CreateCapacityProviderCommand',
      'PutMetricAlarmCommand',
      'CreateLoadBalancerCommand',
    ]) {
      expect(code).not.toContain(unsent);
    }
    // The hooks' Lambda client comes from the runtime's SDK, when a function hook runs.
    expect(code).not.toContain('InvokeWithResponseStreamCommand');
  });

  it('logs JSON lines with deploymentId and phase at the top level', async () => {
    expect(existsSync(bundle), 'build it first: npm run build -w @ecs-taper/runner-lambda').toBe(true);
    const executionId = 'arn:aws:states:us-east-1:000000000000:execution:ecs-taper:ci-1';
    const event = {
      phase: 'discover',
      executionId,
      executionName: 'ci-1',
      retryCount: 0,
      input: {
        cluster: 'demo',
        service: 'web',
        taskDefinition: 'web:2',
        loadBalancerArn: 'arn:aws:elasticloadbalancing:us-east-1:000000000000:loadbalancer/net/demo/1',
        subnets: ['subnet-a'],
        securityGroups: ['sg-a'],
      },
    };
    const script = `
      const { handler } = require(${JSON.stringify(bundle)});
      const context = { getRemainingTimeInMillis: () => 11000, awsRequestId: 'req-9', functionName: 'ecs-taper' };
      handler(${JSON.stringify(event)}, context).then(
        () => process.exit(3),
        (error) => process.stderr.write('surfaced ' + error.name),
      );`;
    const { stdout, stderr } = await run(process.execPath, ['-e', script], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        // The discard port: nothing listens, every call is refused at once.
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        AWS_LAMBDA_LOG_LEVEL: 'INFO',
        // What the runtime sets for an on-demand instance: the first invocation is a cold start.
        AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      },
      timeout: 30_000,
    });
    expect(stderr).toMatch(/surfaced (HandlerDeadlineExceeded|TransientAwsError)/);
    // ERROR lines go to stderr, the others to stdout; Lambda sends both to the function's log group.
    const records = `${stdout}\n${stderr}`
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'phase failed',
        deploymentId: deploymentIdForExecution(executionId),
        phase: 'discover',
        executionArn: executionId,
        function_request_id: 'req-9',
        cold_start: true,
        error: expect.stringMatching(/HandlerDeadlineExceeded|TransientAwsError/),
        errorMessage: expect.any(String),
      }),
    );
    // Nothing was dropped for clashing with the logger's own keys.
    expect(records.filter((r) => r.level === 'WARN')).toEqual([]);
  }, 40_000);
});
