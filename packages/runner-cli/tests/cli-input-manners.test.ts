/**
 * The CLI's input manners (issue 16), through the built binary: numbers in decimal with their range,
 * every problem at once, "did you mean", flags that replace the file's schedule mode, commands that take
 * only the flags they use, and the region and profile resolved (or refused) before any AWS call. AWS is
 * a local HTTP server that records each request's signing region and refuses it (ClientException), so
 * nothing leaves the machine and a run ends at its first call.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planScaledown } from '@ecs-taper/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers';

const lb = 'arn:aws:elasticloadbalancing:eu-west-3:000000000000:loadbalancer/net/api/0123';
const place = ['--cluster', 'prod', '--service', 'api', '--task-definition', 'api:42', '--load-balancer', lb];
const errorLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('invalid input:'));

function inputFile(content: unknown): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ecs-taper-input-')), 'input.json');
  writeFileSync(file, JSON.stringify(content));
  return file;
}

describe('numbers are decimal, with the range in the error', () => {
  it.each([
    ['--interval', '0x10', 'intervalSeconds', 'must be a number >= 0 and <= 3600, written in decimal'],
    ['--interval', '1e3', 'intervalSeconds', 'got "1e3"'],
    ['--interval', '', 'intervalSeconds', 'got ""'],
    ['--poll-interval', '12abc', 'pollIntervalSeconds', 'must be a number > 0 and <= 3600'],
    ['--ready-timeout', 'Infinity', 'readyTimeoutSeconds', 'got "Infinity"'],
    ['--settle', 'NaN', 'settleSeconds', 'got "NaN"'],
    ['--poll-interval', '0', 'pollIntervalSeconds', 'must be a number > 0 and <= 3600, got 0'],
    [
      '--desired-count',
      '2.5',
      'desiredCount',
      'must be an integer >= 1 and <= 5000, written in decimal digits',
    ],
    ['--desired-count', '-3', 'desiredCount', 'must be an integer >= 1 and <= 5000, got -3'],
    ['--decrement-tasks', '-1', 'decrementTasks', 'must be an integer >= 1 and <= 1000000, got -1'],
  ])('deploy %s %j is refused naming the flag and the range', async (flag, value, field, fragment) => {
    const result = await runCli(['deploy', ...place, flag, value]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`invalid input: ${flag} (${field}): `);
    expect(result.stderr).toContain(fragment);
    expect(result.stderr).not.toContain('needs a value');
    expect(result.stdout).toBe('');
  });

  it('takes decimals where the field allows them, and the bounds', async () => {
    const result = await runCli([
      'plan',
      '--desired-count',
      '8',
      '--decrement',
      '12.5',
      '--interval',
      '0',
      '--json',
    ]);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(
      planScaledown({ desiredCount: 8, decrementPercent: 12.5, intervalSeconds: 0 }),
    );
  });

  it("a command's own number flags read decimal only too", async () => {
    const result = await runCli(['simulate', '--tasks', '0x10']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--tasks must be an integer >= 1, got "0x10"');
  });

  it("an input file's numbers are JSON numbers under the same ranges; a quoted number is refused", async () => {
    const file = inputFile({
      cluster: 'prod',
      service: 'api',
      taskDefinition: 'api:42',
      loadBalancerArn: lb,
      intervalSeconds: 3601,
      desiredCount: '10',
    });
    const result = await runCli(['deploy', '--input', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `invalid input: desiredCount in ${file} (or --desired-count): must be an integer >= 1 and <= 5000, got the string "10"; write 10 without the quotes`,
    );
    const fromFlag = await runCli(['deploy', ...place, '--interval', '3601']);
    const flagMessage = /--interval \(intervalSeconds\): (.*)/.exec(fromFlag.stderr)?.[1];
    expect(flagMessage).toContain('<= 3600');
    expect(result.stderr).toContain(`intervalSeconds in ${file} (or --interval): ${flagMessage}`);
  });
});

describe('every input problem at once, one per line', () => {
  it('lists the problems of the flags and of core, exit 2, nothing on stdout', async () => {
    const result = await runCli([
      'deploy',
      ...['--cluster', 'prod', '--task-definition', 'api:42', '--load-balancer', lb],
      ...['--interval', '0x10', '--desired-count', '-3', '--settle', '4000', '--launch-type', 'FARGAT'],
    ]);
    expect(result.code).toBe(2);
    const lines = errorLines(result.stderr);
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).toMatch(/^ecs-taper deploy: invalid input: /);
    const joined = lines.join('\n');
    expect(joined).toContain('--interval (intervalSeconds): must be a number >= 0 and <= 3600');
    expect(joined).toContain('--desired-count (desiredCount): must be an integer >= 1 and <= 5000, got -3');
    expect(joined).toContain('--settle (settleSeconds): must be a number >= 0 and <= 3600, got 4000');
    expect(joined).toContain(
      '--launch-type (launchType): must be FARGATE, EC2 or EXTERNAL, got "FARGAT" (did you mean FARGATE?)',
    );
    expect(joined).toContain('service (--service): is required');
    expect(result.stdout).toBe('');
  });

  it('lists several problems of the schedule, which the planner checks', async () => {
    const result = await runCli([
      'deploy',
      ...place,
      '--decrement',
      '0',
      '--reconnect-spread',
      '4000',
      '--connections-per-task',
      '10',
    ]);
    expect(result.code).toBe(2);
    const joined = errorLines(result.stderr).join('\n');
    expect(joined).toContain('--decrement (decrementPercent): must be a number in (0, 100]');
    expect(joined).toContain(
      '--reconnect-spread (reconnectSpreadSeconds): must be a finite number > 0 and <= 3600',
    );
  });
});

describe('did you mean', () => {
  it('names the field an input file key meant, also for status, which reads a part of the input', async () => {
    const file = inputFile({ cluster: 'prod', service: 'api', taskDefinition: 'api:42', loadBalancer: lb });
    for (const command of ['deploy', 'status']) {
      const result = await runCli([command, '--input', file, '--region', 'eu-west-1'], {
        env: { AWS_ENDPOINT_URL: 'http://127.0.0.1:9' },
      });
      expect(result.code, command).toBe(2);
      expect(result.stderr).toContain(
        `loadBalancer in ${file}: is not a known input field (did you mean loadBalancerArn?)`,
      );
    }
  });

  it('names the flag and the command', async () => {
    const flag = await runCli(['deploy', ...place, '--intervl', '30']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('unknown flag --intervl (did you mean --interval?)');
    const command = await runCli(['plna']);
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('unknown command "plna" (did you mean plan?)');
  });

  it("says when a flag is another command's", async () => {
    const result = await runCli(['status', ...place.slice(0, 4), '--subnets', 'subnet-1']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown flag --subnets (status does not use it; it is a flag of deploy');
  });
});

describe("flags replace the file's schedule mode", () => {
  const file = () =>
    inputFile({
      cluster: 'prod',
      service: 'api',
      taskDefinition: 'api:42',
      loadBalancerArn: lb,
      decrementPercent: 25,
      intervalSeconds: 60,
      connectionsPerTask: 500,
      reconnectSpreadSeconds: 10,
    });
  const model = { connectionsPerTask: 500, reconnectSpreadSeconds: 10 };

  it.each([
    [['--over', '3m'], { terminationWindowSeconds: 180 }],
    [['--max-new-connections-per-second', '200'], { maxNewConnectionsPerSecond: 200 }],
    // Task mode has an interval: the file's is kept, its percent replaced.
    [['--decrement-tasks', '2'], { decrementTasks: 2, intervalSeconds: 60 }],
    // A field of the same mode overrides only itself.
    [['--interval', '30'], { decrementPercent: 25, intervalSeconds: 30 }],
  ])('plan --input FILE %j', async (flags, schedule) => {
    const result = await runCli(['plan', '--input', file(), '--desired-count', '12', ...flags, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(planScaledown({ desiredCount: 12, ...model, ...schedule }));
  });

  it('flags that contradict each other are still refused', async () => {
    const result = await runCli([
      'plan',
      '--input',
      file(),
      '--desired-count',
      '12',
      '--over',
      '3m',
      '--decrement',
      '10',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('cannot be combined with decrementPercent');
  });
});

describe('a fake AWS endpoint (no network)', () => {
  let server: Server;
  let endpoint: string;
  const regions: string[] = [];
  const targets: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      const auth = String(request.headers.authorization ?? '');
      regions.push(/Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(auth)?.[1] ?? '?');
      targets.push(String(request.headers['x-amz-target'] ?? request.url));
      request.resume();
      request.on('end', () => {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': 'fake' });
        response.end(JSON.stringify({ __type: 'ClientException', message: 'refused by the test endpoint' }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Runs the CLI against the fake endpoint with fake keys and an empty home; returns the regions it signed for. */
  async function run(args: string[], env: Record<string, string> = {}) {
    const home = mkdtempSync(join(tmpdir(), 'ecs-taper-home-'));
    regions.length = 0;
    targets.length = 0;
    const result = await runCli(args, {
      env: {
        HOME: home,
        AWS_ENDPOINT_URL: endpoint,
        AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'fake-secret-for-the-test-endpoint',
        AWS_EC2_METADATA_DISABLED: 'true',
        ...env,
      },
    });
    return { ...result, regions: [...new Set(regions)], calls: targets.length, home };
  }

  describe('every command asks only for what it uses', () => {
    it('rollback needs no --subnets: it gets to AWS with the place alone', async () => {
      const result = await run(['rollback', ...place]);
      expect(result.stderr).not.toMatch(/subnets/i);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('refused by the test endpoint');
      expect(result.calls).toBeGreaterThan(0);
    });

    it('status --help and rollback --help list no flag of the deploy only', async () => {
      const status = (await runCli(['status', '--help'])).stdout;
      const rollback = (await runCli(['rollback', '--help'])).stdout;
      for (const flag of [
        '--subnets',
        '--security-groups',
        '--launch-type',
        '--desired-count',
        '--assign-public-ip',
        '--create-service',
      ]) {
        expect(status).not.toContain(`${flag} `);
        expect(rollback).not.toContain(`${flag} `);
      }
      // status passes the deploy's alarms and hooks on to the promote command it prints; rollback has none.
      expect(status).toContain('--alarm NAME');
      expect(rollback).not.toContain('--alarm ');
      for (const flag of ['--decrement', '--over', '--interval', '--canary'])
        expect(rollback).not.toContain(`${flag} `);
      for (const flag of ['--cluster', '--load-balancer', '--over', '--canary', '--json'])
        expect(status).toContain(`${flag} `);
      for (const flag of ['--keep-autoscaling', '--hook ', '--drain-timeout', '--take-over', '--reason'])
        expect(rollback).toContain(flag);
    });

    it("deploy with a file's schedule and a flag's mode gets past validation to AWS", async () => {
      const file = inputFile({
        cluster: 'prod',
        service: 'api',
        taskDefinition: 'api:42',
        loadBalancerArn: lb,
        decrementPercent: 25,
        intervalSeconds: 60,
      });
      const result = await run(['deploy', '--input', file, '--over', '3m', '--json']);
      expect(result.stderr).not.toContain('cannot be combined');
      expect(result.code).toBe(1);
      expect(result.calls).toBeGreaterThan(0);
    });
  });

  describe('the region', () => {
    it("is the load balancer ARN's when nothing else names one", async () => {
      const result = await run(['status', ...place]);
      expect(result.code).toBe(1);
      expect(result.regions).toEqual(['eu-west-3']);
    });

    it('is AWS_DEFAULT_REGION before the ARN, AWS_REGION before that, --region before all', async () => {
      expect((await run(['status', ...place], { AWS_DEFAULT_REGION: 'ap-south-1' })).regions).toEqual([
        'ap-south-1',
      ]);
      const both = { AWS_DEFAULT_REGION: 'ap-south-1', AWS_REGION: 'us-west-2' };
      expect((await run(['status', ...place], both)).regions).toEqual(['us-west-2']);
      expect((await run(['status', ...place, '--region', 'sa-east-1'], both)).regions).toEqual(['sa-east-1']);
    });

    it("is the profile's, from AWS_CONFIG_FILE, before the ARN", async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ecs-taper-aws-'));
      const config = join(dir, 'config');
      const credentials = join(dir, 'credentials');
      writeFileSync(
        config,
        '[default]\nregion = eu-north-1\n\n[profile ci]\nregion = ca-central-1 ; comment\n',
      );
      const keys = 'aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = fake\n';
      writeFileSync(credentials, `[default]\n${keys}\n[ci]\n${keys}`);
      // The keys come from the profiles here (the SDK prefers AWS_PROFILE to keys in the environment).
      const env = {
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: credentials,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
      };
      expect((await run(['status', ...place, '--profile', 'ci'], env)).regions).toEqual(['ca-central-1']);
      expect((await run(['status', ...place], env)).regions).toEqual(['eu-north-1']);
    });

    it('is asked for, before any call, when nothing names one', async () => {
      const result = await run([
        'status',
        '--cluster',
        'prod',
        '--service',
        'api',
        '--production-listener',
        'listener-1',
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('no AWS region: pass --region, set AWS_REGION or AWS_DEFAULT_REGION');
      expect(result.calls).toBe(0);
    });
  });

  describe('an unknown profile', () => {
    it('is named with the files looked in, before any AWS call', async () => {
      const result = await run(['status', ...place, '--profile', 'nosuch']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(
        `profile nosuch is not in ${join(result.home, '.aws', 'config')} or ${join(result.home, '.aws', 'credentials')}`,
      );
      expect(result.calls).toBe(0);
    });

    it('is looked up in AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'ecs-taper-aws-'));
      const config = join(dir, 'my-config');
      const credentials = join(dir, 'my-credentials');
      writeFileSync(config, '[profile other]\nregion = eu-west-1\n');
      writeFileSync(
        credentials,
        '[keys]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = fake\n',
      );
      const env = { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials };
      const missing = await run(['deploy', ...place, '--profile', 'nosuch'], env);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(`profile nosuch is not in ${config} or ${credentials}`);
      expect(missing.calls).toBe(0);
      // A profile of the credentials file only is known: the run gets to AWS (the ARN's region).
      const known = await run(['status', ...place, '--profile', 'keys'], env);
      expect(known.code).toBe(1);
      expect(known.regions).toEqual(['eu-west-3']);
    });
  });
});
