import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { planScaledown } from '@ecs-taper/core';
import { describe, expect, it } from 'vitest';
import packageJson from '../package.json';
import { collect, runCli } from './helpers';

const commands = ['deploy', 'plan', 'status', 'rollback', 'simulate', 'simulator'];
const complete = [
  '--cluster',
  'prod',
  '--task-definition',
  'api:42',
  '--load-balancer',
  'arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/net/api/0123',
  '--subnets',
  'subnet-1,subnet-2',
  '--security-groups',
  'sg-1',
];

describe('ecs-taper help and version', () => {
  it('prints the main help and every command with exit 0', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    for (const command of commands) expect(result.stdout).toContain(command);
  });

  it.each(commands)('prints help with examples for %s', async (command) => {
    const result = await runCli([command, '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: ecs-taper');
    expect(result.stdout).toContain('Examples:');
  });

  it('prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result.stdout.trim()).toBe(packageJson.version);
  });

  it('runs through the bin launcher that npm links', async () => {
    const launcher = fileURLToPath(new URL('../bin/ecs-taper.cjs', import.meta.url));
    const result = await collect(
      spawn(process.execPath, [launcher, 'plan', '--desired-count', '2', '--json']),
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(planScaledown({ desiredCount: 2 }));
  });

  it('rejects an unknown command with exit 2', async () => {
    const result = await runCli(['deploi']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "deploi"');
  });
});

describe('bad input exits 2 with a message naming the field', () => {
  it('names service when it is missing', async () => {
    const result = await runCli(['deploy', ...complete]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('service (--service): is required');
    expect(result.stdout).toBe('');
  });

  it('names the decrement when it is 0', async () => {
    const result = await runCli(['deploy', ...complete, '--service', 'api', '--decrement', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /--decrement \(decrementPercent\): must be a number in \(0, 100\], got 0; use e\.g\. 25/,
    );
  });

  it('names an unknown flag', async () => {
    const result = await runCli(['deploy', ...complete, '--service', 'api', '--bogus', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown flag --bogus');
    expect(result.stderr).toContain('ecs-taper deploy --help');
  });

  it('names a flag whose value is missing', async () => {
    const result = await runCli(['status', '--cluster']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--cluster needs a value');
  });

  it("names the seed event's own field when its file is wrong", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-taper-'));
    const file = join(dir, 'event.json');
    writeFileSync(
      file,
      JSON.stringify({
        cluster: 'prod',
        nlb: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/net/x/y',
        task_sg: 'sg-1',
        subnets: ['subnet-1'],
        serviceName: 'api',
        taskDefinition: 'api:7',
        scaledown_decrement: 0,
      }),
    );
    const result = await runCli(['plan', '--input', file, '--desired-count', '4']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`scaledown_decrement (our decrementPercent) in ${file} (or --decrement)`);
    const fixed = await runCli([
      'plan',
      '--input',
      file,
      '--desired-count',
      '4',
      '--decrement',
      '50',
      '--json',
    ]);
    expect(fixed.code).toBe(0);
  });

  it('rejects an input file that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ecs-taper-'));
    const file = join(dir, 'input.json');
    writeFileSync(file, '{ nope');
    const result = await runCli(['deploy', '--input', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('not valid JSON');
  });
});

describe('every time and count flag is bounded (exit 2, naming the flag, the range and the fix)', () => {
  const deploy = (...flags: string[]) => runCli(['deploy', ...complete, '--service', 'api', ...flags]);

  it('refuses --interval 1e308 (no exponents: decimal digits), naming the flag, the field and the range', async () => {
    const result = await deploy('--interval', '1e308');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      '--interval (intervalSeconds): must be a number >= 0 and <= 3600, written in decimal (like 90 or 2.5), got "1e308"',
    );
    const above = await deploy('--interval', '3601');
    expect(above.stderr).toContain(
      '--interval (intervalSeconds): must be a finite number >= 0 and <= 3600 (1 h), got 3601; use e.g. 60',
    );
    expect(result.stdout).toBe('');
  });

  it.each([
    ['--interval', '3601', 'intervalSeconds', '<= 3600'],
    ['--interval', 'Infinity', 'intervalSeconds', 'got "Infinity"'],
    ['--settle', '3601', 'settleSeconds', '<= 3600'],
    ['--poll-interval', '3e6', 'pollIntervalSeconds', '<= 3600'],
    ['--reconnect-spread', '3601', 'reconnectSpreadSeconds', '<= 3600'],
    ['--ready-timeout', '86401', 'readyTimeoutSeconds', '<= 86400'],
    ['--drain-timeout', '1e308', 'drainTimeoutSeconds', '<= 86400'],
    [
      '--desired-count',
      '3e6',
      'desiredCount',
      'ECS runs at most 5000 tasks per service (its tasks-per-service quota)',
    ],
    ['--connections-per-task', '1e308', 'connectionsPerTask', '<= 10000000'],
    ['--max-new-connections-per-second', '3e9', 'maxNewConnectionsPerSecond', '<= 1000000000'],
  ])('refuses %s %s', async (flag, value, field, fragment) => {
    const result = await deploy(flag, value);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`invalid input: ${flag} (${field}): must be `);
    expect(result.stderr).toContain(fragment);
  });

  it('accepts the bounds themselves', async () => {
    const result = await deploy(
      ...['--interval', '3600', '--settle', '3600', '--poll-interval', '3600'],
      ...['--ready-timeout', '86400', '--drain-timeout', '86400', '--desired-count', '5000'],
      ...['--connections-per-task', '10000000', '--reconnect-spread', '3600'],
      ...['--container-port', '0'],
    );
    // Core checks the container port after every bounded field: only it is refused.
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('invalid input: --container-port (containerPort): must be');
  });

  it('plans up to a million tasks offline, but no more', async () => {
    expect((await runCli(['plan', '--desired-count', '100000', '--json'])).code).toBe(0);
    const result = await runCli(['plan', '--desired-count', '3000000']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--desired-count (desiredCount): must be an integer in [1, 1000000]');
    const interval = await runCli(['plan', '--desired-count', '4', '--interval', '3601']);
    expect(interval.code).toBe(2);
    expect(interval.stderr).toContain(
      '--interval (intervalSeconds): must be a finite number >= 0 and <= 3600',
    );
  });
});

describe('--keep-autoscaling and --take-over', () => {
  it('are in the help of deploy and rollback', async () => {
    for (const command of ['deploy', 'rollback']) {
      const result = await runCli([command, '--help']);
      expect(result.stdout).toMatch(
        /--take-over\s+take the deployment's lease now, even if another controller's lease is unexpired \(only when you know the other process is gone\)/,
      );
      expect(result.stdout).toMatch(
        /--keep-autoscaling\s+keep the service's Application Auto Scaling active/,
      );
    }
  });

  it('are accepted by deploy and rollback (the input is still validated)', async () => {
    for (const command of ['deploy', 'rollback']) {
      // rollback takes no network flags: it creates no task set.
      const flags = command === 'rollback' ? complete.slice(0, 6) : complete;
      const result = await runCli([command, ...flags, '--keep-autoscaling', '--take-over']);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('service (--service): is required');
    }
  });

  it('--take-over is not a flag of status, which takes no lease', async () => {
    const result = await runCli(['status', ...complete.slice(0, 6), '--service', 'api', '--take-over']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown flag --take-over');
  });

  it('--keep-autoscaling takes no value', async () => {
    const result = await runCli(['deploy', ...complete, '--service', 'api', '--keep-autoscaling=yes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--keep-autoscaling');
  });
});

describe('ecs-taper plan', () => {
  it('prints exactly planScaledown’s result with --json', async () => {
    const args = ['--desired-count', '7', '--decrement-tasks', '2', '--interval', '45'];
    const more = ['--connections-per-task', '300', '--reconnect-spread', '20'];
    const result = await runCli(['plan', ...args, ...more, '--json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(
      planScaledown({
        desiredCount: 7,
        decrementTasks: 2,
        intervalSeconds: 45,
        connectionsPerTask: 300,
        reconnectSpreadSeconds: 20,
      }),
    );
  });

  it('uses the defaults for a bare --desired-count, in budget mode too', async () => {
    const plain = await runCli(['plan', '--desired-count', '2', '--json']);
    expect(JSON.parse(plain.stdout)).toEqual(planScaledown({ desiredCount: 2 }));
    const budget = [
      '--connections-per-task',
      '800',
      '--reconnect-spread',
      '30',
      '--max-new-connections-per-second',
      '200',
    ];
    const result = await runCli(['plan', '--desired-count', '40', ...budget, '--json']);
    expect(JSON.parse(result.stdout)).toEqual(
      planScaledown({
        desiredCount: 40,
        connectionsPerTask: 800,
        reconnectSpreadSeconds: 30,
        maxNewConnectionsPerSecond: 200,
      }),
    );
  });

  it('prints the schedule and the predicted peak as a table', async () => {
    const result = await runCli([
      'plan',
      ...['--desired-count', '20', '--connections-per-task', '500', '--reconnect-spread', '10'],
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Scale-down plan for 20 tasks');
    // The default: one task per step over the 25 %/60 s plan's 180 s (20 steps, 9 s apart).
    expect(result.stdout).toContain('20 steps, 9 s apart, 2:51 from the first step to the last');
    expect(result.stdout).toMatch(/1\s+\+0:00\s+95%\s+19\s+1/);
    expect(result.stdout).toContain('Predicted peak of reconnections: 100/s (all at once: 1000/s)');
  });

  it('--over DURATION spreads the termination over a window (3m, 90s or plain seconds), refused with --decrement', async () => {
    for (const over of ['3m', '180s', '180']) {
      const result = await runCli(['plan', '--desired-count', '10', '--over', over]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('10 steps, 20 s apart, 3:00 from the first step to the last');
    }
    const both = await runCli(['plan', '--desired-count', '10', '--over', '90s', '--decrement', '25']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('cannot be combined with decrementPercent');
    const bad = await runCli(['plan', '--desired-count', '10', '--over', 'soon']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('terminationWindowSeconds');
  });

  it('asks for --desired-count or a service when it has neither', async () => {
    const result = await runCli(['plan']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('desiredCount: pass --desired-count N');
  });
});
