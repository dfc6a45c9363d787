import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileDependency, packAll, publishablePackages, root, run } from './support/packages';

/**
 * Issue 16's Done when, as a user outside the repository gets it: every package packed (`npm pack`), a
 * scratch project in a temp dir that installs the tarballs (local file dependencies; everything else from
 * the registry, through npm's cache), then the installed CLI's --help, plan, simulate and deploy --dry-run
 * against `simulator serve`, every entry point imported as ESM and required as CJS, and a CDK app that
 * synthesizes the controller from @ecs-taper/cdk.
 */
const packages = publishablePackages();
const scratch = mkdtempSync(join(tmpdir(), 'ecs-taper-scratch-'));
const project = join(scratch, 'project');
const cliOnly = join(scratch, 'cli-only');
const bin = join(project, 'node_modules/.bin/ecs-taper');
const version = (name: string) =>
  (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
// The repository's own versions: already in npm's cache, so --prefer-offline installs them without a download.
const cdkLib = { 'aws-cdk-lib': version('aws-cdk-lib'), constructs: version('constructs') };

const npmInstall = (cwd: string) =>
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel', 'error'], {
    cwd,
    timeout: 120_000,
    maxBuffer: 16 * 1024 * 1024,
  });

/** The scratch project's environment: no repository paths, no colour, no AWS credentials or region. */
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^(AWS_|NODE_OPTIONS$|FORCE_COLOR$|VITEST|npm_)/.test(k)),
);
const cli = (args: string[]) =>
  run(bin, args, {
    cwd: project,
    env: { ...env, NO_COLOR: '1' },
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
  });

let tarballs: Map<string, string>;

beforeAll(async () => {
  tarballs = await packAll(packages, scratch);
  const dependencies = Object.fromEntries(
    [...tarballs].map(([name, tarball]) => [name, fileDependency(tarball)] as const),
  );
  mkdirSync(project);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'scratch',
      private: true,
      type: 'module',
      dependencies: { ...dependencies, ...cdkLib },
    }),
  );
  mkdirSync(cliOnly);
  writeFileSync(
    join(cliOnly, 'package.json'),
    JSON.stringify({
      name: 'scratch-cli',
      private: true,
      dependencies: { '@ecs-taper/runner-cli': dependencies['@ecs-taper/runner-cli'] },
    }),
  );
  await Promise.all([npmInstall(project), npmInstall(cliOnly)]);
}, 150_000);

// aws-cdk-lib is thousands of files: removing them takes seconds on a busy machine.
afterAll(() => rm(scratch, { recursive: true, force: true }), 60_000);

interface LockEntry {
  version?: string;
  resolved?: string;
  link?: boolean;
}
const installed = (dir: string) =>
  (
    JSON.parse(readFileSync(join(dir, 'node_modules/.package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    }
  ).packages;

it('installs our packages from the tarballs, never from the registry (an unscoped or other ecs-taper is not ours)', () => {
  const entries = installed(project);
  for (const [name, tarball] of tarballs) {
    // npm records a file dependency relative to the project.
    expect(entries[`node_modules/${name}`], name).toMatchObject({
      resolved: `file:${relative(project, tarball)}`,
    });
  }
  const ours = Object.keys(entries).filter((path) => /(^|\/)node_modules\/@ecs-taper\//.test(path));
  expect(ours.sort()).toEqual([...tarballs.keys()].map((name) => `node_modules/${name}`).sort());
});

it('the CLI installs alone as one package: no runtime dependencies', () => {
  expect(Object.keys(installed(cliOnly))).toEqual(['node_modules/@ecs-taper/runner-cli']);
});

describe('the installed ecs-taper command', () => {
  it('--help and --version', async () => {
    const help = await cli(['--help']);
    expect(help.stdout).toContain('Usage: ecs-taper <command> [flags]');
    expect(help.stdout).toMatch(/^\s+deploy\s/m);
    expect((await cli(['--version'])).stdout.trim()).toBe(
      JSON.parse(readFileSync(join(root, 'packages/runner-cli/package.json'), 'utf8')).version,
    );
  });

  it('plan, offline', async () => {
    const { stdout } = await cli([
      'plan',
      '--desired-count',
      '12',
      '--decrement',
      '25',
      '--interval',
      '120',
      '--json',
    ]);
    const plan = JSON.parse(stdout) as { steps: { remainingTasks: number }[]; totalSeconds: number };
    expect(plan.steps.map((s) => s.remainingTasks)).toEqual([9, 6, 3, 0]);
    expect(plan.totalSeconds).toBe(360);
  });

  it('simulate, short', async () => {
    const { stdout } = await cli(['simulate', '--tasks', '4', '--connections-per-task', '20', '--json']);
    expect(JSON.parse(stdout)).toMatchObject({
      strategy: 'taper',
      outcome: 'succeeded',
      clientsDisconnectedTwice: 0,
    });
  });

  it('deploy --dry-run --simulator: prints what it found and would do, changes nothing', async () => {
    const server = spawn(
      bin,
      ['simulator', 'serve', '--port', '0', '--tasks', '4', '--connections-per-task', '20', '--speed', '0'],
      { cwd: project, env: { ...env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      const url = await listeningUrl(server);
      const status = async () =>
        JSON.parse((await cli(['status', '--simulator', url, '--json'])).stdout) as unknown;
      const before = await status();
      const dry = await cli(['deploy', '--dry-run', '--simulator', url, '--json']);
      expect(JSON.parse(dry.stdout)).toMatchObject({
        dryRun: true,
        decision: { kind: 'deploy', resumes: false },
      });
      const text = await cli(['deploy', '--dry-run', '--simulator', url]);
      expect(text.stdout).toContain('nothing was changed');
      expect(await status()).toEqual(before);
    } finally {
      server.kill('SIGKILL');
    }
  });
});

/** The URL `simulator serve` prints once it listens. */
function listeningUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`simulator serve did not start: ${out}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (url) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`simulator serve exited (${code}): ${out}`)));
  });
}

it('every entry point imports as ESM and requires as CJS, and a class is one class across entries', async () => {
  const entries = {
    '@ecs-taper/core': 'planScaledown',
    '@ecs-taper/core/workflow': 'callAws',
    '@ecs-taper/simulator': 'buildWorld',
    '@ecs-taper/runner-lambda': 'createPhaseHandler',
    '@ecs-taper/runner-lambda/client': 'startDeployment',
    '@ecs-taper/cdk': 'EcsTaperController',
  };
  const probe = `
    const entries = ${JSON.stringify(entries)};
    const out = {};
    for (const [entry, name] of Object.entries(entries)) {
      out[entry] = [typeof require(entry)[name], typeof (await import(entry))[name]];
    }
    const sameClass = (m) => m['@ecs-taper/runner-lambda'].WaitAbortedError === m['@ecs-taper/runner-lambda/client'].WaitAbortedError;
    out.sameClass = [
      sameClass({ '@ecs-taper/runner-lambda': require('@ecs-taper/runner-lambda'), '@ecs-taper/runner-lambda/client': require('@ecs-taper/runner-lambda/client') }),
      sameClass({ '@ecs-taper/runner-lambda': await import('@ecs-taper/runner-lambda'), '@ecs-taper/runner-lambda/client': await import('@ecs-taper/runner-lambda/client') }),
    ];
    console.log(JSON.stringify(out));`;
  writeFileSync(
    join(project, 'probe.cjs'),
    `(async () => {${probe}})().catch((e) => { console.error(e); process.exit(1); });`,
  );
  const { stdout } = await run(process.execPath, ['probe.cjs'], { cwd: project, env, timeout: 60_000 });
  const result = JSON.parse(stdout) as Record<string, unknown>;
  const expected: Record<string, unknown> = { sameClass: [true, true] };
  for (const entry of Object.keys(entries)) expected[entry] = ['function', 'function'];
  expect(result).toEqual(expected);
});

it('a CDK app synthesizes the controller from @ecs-taper/cdk, with runner-lambda’s bundle as its code', async () => {
  writeFileSync(
    join(project, 'app.mjs'),
    `import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { EcsTaperController } from '@ecs-taper/cdk';
const region = 'eu-west-1';
const account = '000000000000';
const elb = \`arn:aws:elasticloadbalancing:\${region}:\${account}\`;
// Without the built-in CloudFormation schema validation (about 15 s a synth; packages/cdk's tests run it).
const app = new App({ outdir: 'cdk.out', builtinCloudFormationValidation: false });
const stack = new Stack(app, 'Controller', { env: { account, region } });
new EcsTaperController(stack, 'Taper', {
  cluster: 'web',
  serviceName: 'web-service',
  listeners: [\`\${elb}:listener/net/web/0123/4567\`, \`\${elb}:listener/net/web/0123/89ab\`],
  targetGroups: [\`\${elb}:targetgroup/web-a/0123\`, \`\${elb}:targetgroup/web-b/4567\`],
});
const assembly = app.synth();
const template = assembly.getStackByName('Controller').template;
const types = {};
for (const r of Object.values(template.Resources)) types[r.Type] = (types[r.Type] ?? 0) + 1;
const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
// The code asset is staged in the assembly as asset.<hash>, the hash its S3 key names.
const asset = \`asset.\${fn.Properties.Code.S3Key.replace(/\\.zip$/, '')}\`;
const code = readFileSync(join(assembly.directory, asset, 'index.js'), 'utf8');
console.log(JSON.stringify({ types, handler: fn.Properties.Handler, code }));
`,
  );
  const { stdout } = await run(process.execPath, ['app.mjs'], {
    cwd: project,
    env,
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const synth = JSON.parse(stdout) as { types: Record<string, number>; handler: string; code: string };
  expect(synth.types).toMatchObject({
    'AWS::Lambda::Function': 1,
    'AWS::StepFunctions::StateMachine': 1,
    'AWS::CloudWatch::Alarm': 1,
  });
  expect(synth.handler).toBe('index.handler');
  expect(synth.code).toBe(
    readFileSync(join(project, 'node_modules/@ecs-taper/runner-lambda/dist/lambda/index.js'), 'utf8'),
  );
}, 60_000);
