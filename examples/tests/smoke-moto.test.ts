/**
 * Smoke run of examples/deploy.sh end-to-end against moto server (from PyPI, in .venv): package and deploy both
 * stacks, print the deployment input, start an execution, run it again, redeploy a changed bundle.
 *
 * What moto cannot do is named here, never skipped silently:
 * - resource types its CloudFormation cannot create (motoUnsupportedTypes) are removed from a moto variant of
 *   each template, and property adaptations are made (motoVariant); the test asserts that exact list;
 * - two change-set behaviours `aws cloudformation deploy` relies on are shimmed in the launcher
 *   (motoServerShims, support/moto_server.py);
 * - not emulated, so not asserted: the NLB's TCP listeners (moto makes an ALB), task sets and their tasks, Lambda
 *   invocations (the execution only starts; moto runs no state machine), the state machine definition
 *   (moto ignores DefinitionS3Location and DefinitionSubstitutions), publishing a new function version when
 *   AWS::Lambda::Version is replaced, and IAM evaluation (moto accepts every call).
 * The bundle and the state machine file are the built ones when packages/runner-lambda/dist has them; otherwise
 * stand-ins are written inside the temporary directory, never into packages/.
 */
import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStateMachineDefinition } from '@ecs-taper/runner-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfnLint, showLintFinding } from './support/cfn-lint';
import { loadTemplate, parseTemplate, templateNames } from './support/cfn-template';
import {
  fakeAccountId,
  type MotoServer,
  motoCliEnv,
  motoCloudFormationTypes,
  motoServerShims,
  startMoto,
} from './support/moto';
import { motoUnsupportedTypes, motoVariant } from './support/moto-variant';
import { pythonToolsBin, pythonToolsTimeout, repoRoot } from './support/python-tools';

const region = 'us-east-1';
const prefix = 'smoke';
const bucket = 'ecs-taper-smoke-artifacts';
const inputFields = [
  'cluster',
  'service',
  'taskDefinition',
  'loadBalancerArn',
  'subnets',
  'securityGroups',
  'containerName',
  'containerPort',
];

let bin = '';
let work = '';
let moto: MotoServer | undefined;
let env: NodeJS.ProcessEnv = {};
let first: { stdout: string; facts: Facts } | undefined;
let supportedTypes = new Set<string>();
const infraStack = `${prefix}-infra`;
const controllerStack = `${prefix}-controller`;
const factsScript = fileURLToPath(new URL('./support/moto_facts.py', import.meta.url));
const layout = {
  deploy: () => join(work, 'examples/deploy.sh'),
  templates: () => join(work, 'examples/cloudformation'),
  lambda: () => join(work, 'packages/runner-lambda/dist/lambda'),
  asl: () => join(work, 'packages/runner-lambda/dist/state-machine.asl.json'),
};

function run(command: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const result = spawnSync(command, args, {
    encoding: 'utf8',
    env: { ...env, ...extraEnv },
    timeout: 120_000,
  });
  if (result.error) throw result.error;
  return result;
}

function aws<T = Record<string, unknown>>(...args: string[]): T {
  const result = run(`${bin}/aws`, [...args, '--region', region, '--output', 'json']);
  if (result.status !== 0) throw new Error(`aws ${args.join(' ')} failed:\n${result.stderr}`);
  return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as T;
}

const deploy = (...args: string[]) => run('bash', [layout.deploy(), ...args]);
const deployArgs = ['--prefix', prefix, '--bucket', bucket, '--region', region, '--skip-build'];

interface Facts {
  stacks: Record<
    string,
    {
      status: string;
      outputs: Record<string, string>;
      parameters: Record<string, string>;
      resources: Record<string, string>;
    }
  >;
  function: { runtime: string; handler: string; timeout: number; codeSha256: string; versions: string[] };
  controllerPolicy: { Statement: { Sid: string; Resource: unknown }[] };
  handOverPolicy: { Statement: { Sid: string; Action: unknown; Resource: unknown }[] };
  objects: Record<string, string>;
  executions: { arn: string; input: unknown }[];
}

/** What moto holds after a run, read in one Python process (support/moto_facts.py). */
function readFacts(): Facts {
  const result = run(`${bin}/python`, [factsScript, prefix, bucket, region]);
  if (result.status !== 0) throw new Error(`moto_facts.py failed:\n${result.stderr}\n${motoLogTail()}`);
  return JSON.parse(result.stdout) as Facts;
}

/** The end of moto's log, for failure messages: moto answers a crash in its handlers with a bare 500. */
function motoLogTail(): string {
  const log = join(work, 'moto.log');
  if (!existsSync(log)) return '';
  const lines = readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => !line.startsWith('127.0.0.1 - -'));
  return `moto.log (end):\n${lines.slice(-30).join('\n')}`;
}

const versionHash = (facts: Facts | undefined) => facts?.stacks[controllerStack]?.parameters.VersionHash;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

/** The copy of examples/ that the smoke run deploys: the moto variants of the two templates, deploy.sh as is. */
function writeLayout(): { realBundle: boolean } {
  mkdirSync(layout.templates(), { recursive: true });
  cpSync(join(repoRoot, 'examples/deploy.sh'), layout.deploy());
  // JSON is YAML: `aws cloudformation package` reads it under the name deploy.sh expects (and resolves the
  // controller's local paths relative to it, as for the original).
  for (const name of templateNames) {
    const variant = motoVariant(loadTemplate(name)).template;
    writeFileSync(join(layout.templates(), name), JSON.stringify(variant, null, 2));
  }

  const builtLambda = join(repoRoot, 'packages/runner-lambda/dist/lambda');
  const builtAsl = join(repoRoot, 'packages/runner-lambda/dist/state-machine.asl.json');
  const realBundle = existsSync(join(builtLambda, 'index.js')) && existsSync(builtAsl);
  if (realBundle) {
    cpSync(builtLambda, layout.lambda(), { recursive: true });
    cpSync(builtAsl, layout.asl());
  } else {
    mkdirSync(layout.lambda(), { recursive: true });
    writeFileSync(join(layout.lambda(), 'index.js'), 'exports.handler = async () => ({});\n');
    writeFileSync(layout.asl(), `${JSON.stringify(buildStateMachineDefinition(), null, 2)}\n`);
  }
  return { realBundle };
}

describe('deploy.sh against moto server', () => {
  beforeAll(async () => {
    bin = pythonToolsBin();
    work = mkdtempSync(join(tmpdir(), 'ecs-taper-smoke-'));
    const { realBundle } = writeLayout();
    console.info(`smoke run with the ${realBundle ? 'built' : 'stand-in'} Lambda bundle, in ${work}`);
    const types = motoCloudFormationTypes(bin);
    moto = await startMoto(bin, join(work, 'moto.log'));
    supportedTypes = await types;
    // No credentials, profile or config of the machine may leak in: only the emulator and dummy keys.
    env = motoCliEnv(bin, moto, region, work);
    aws('s3api', 'create-bucket', '--bucket', bucket);
  }, pythonToolsTimeout);

  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('names exactly what moto cannot create and what the moto variant changes', () => {
    const supported = supportedTypes;
    const used = new Set(
      templateNames.flatMap((name) => Object.values(loadTemplate(name).Resources).map((r) => r.Type)),
    );
    expect([...used].filter((type) => !supported.has(type)).sort()).toEqual(
      Object.keys(motoUnsupportedTypes).sort(),
    );

    expect(
      motoVariant(loadTemplate('controller.yaml')).adaptations.map((a) => `${a.resource}: ${a.change}`),
    ).toEqual(['DeploymentFailedAlarm: removed', 'HookFunctionsPolicy: removed']);
    expect(
      motoVariant(loadTemplate('infrastructure.yaml')).adaptations.map((a) => `${a.resource}: ${a.change}`),
    ).toEqual([
      'ProductionListener: Protocol: TCP -> HTTP',
      'TestListener: Protocol: TCP -> HTTP',
      'Service: TaskDefinition: !Ref TaskDefinition added',
    ]);
    expect(Object.keys(motoServerShims)).toEqual(['outputs', 'empty-changeset']);
  });

  it('deploys both stacks, prints the input from their outputs and starts an execution', () => {
    const result = deploy(...deployArgs, '--start', '--packaged-dir', join(work, 'packaged'));
    expect(result.status, `${result.stderr}\n${motoLogTail()}`).toBe(0);
    const facts = readFacts();
    first = { stdout: result.stdout, facts };

    expect(facts.stacks[infraStack]?.status).toBe('CREATE_COMPLETE');
    expect(facts.stacks[controllerStack]?.status).toBe('CREATE_COMPLETE');
    const variant = motoVariant(loadTemplate('infrastructure.yaml')).template;
    const unconditional = Object.entries(variant.Resources).filter(([, r]) => !r.Condition);
    expect(Object.keys(facts.stacks[infraStack]?.resources ?? {}).sort()).toEqual(
      unconditional.map(([id]) => id).sort(),
    );
    expect(Object.keys(facts.stacks[controllerStack]?.resources ?? {}).sort()).toEqual(
      Object.keys(motoVariant(loadTemplate('controller.yaml')).template.Resources).sort(),
    );

    const infra = facts.stacks[infraStack]!.outputs;
    const input = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(Object.keys(input)).toEqual(inputFields);
    expect(input).toEqual({
      cluster: infra.ClusterName,
      service: infra.ServiceName,
      taskDefinition: infra.TaskDefinitionArn,
      loadBalancerArn: infra.LoadBalancerArn,
      subnets: infra.PrivateSubnets?.split(','),
      securityGroups: [infra.TaskSecurityGroupId],
      containerName: 'web',
      containerPort: 80,
    });
    expect(input.taskDefinition).toMatch(`arn:aws:ecs:${region}:${fakeAccountId}:task-definition/`);

    const started = /started execution: (arn:aws:states:\S+)/.exec(result.stderr)?.[1];
    expect(facts.executions).toEqual([{ arn: started, input }]);
  }, 120_000);

  it('creates the function from the packaged bundle on nodejs22.x, with its first version', () => {
    expect(first?.facts.function).toMatchObject({
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      timeout: 120,
      versions: ['$LATEST', '1'],
    });
  });

  it('uploads the bundle and the state machine definition that was built', () => {
    expect(Object.values(first?.facts.objects ?? {})).toContain(sha256(layout.asl()));
    expect(Object.keys(first?.facts.objects ?? {})).toHaveLength(2);
  });

  it('scopes the controller role, as deployed, to the ARNs of the infrastructure stack', () => {
    const infra = first!.facts.stacks[infraStack]!.outputs;
    const resources = Object.fromEntries(
      first!.facts.controllerPolicy.Statement.map((s) => [s.Sid, s.Resource]),
    );
    const ecs = `arn:aws:ecs:${region}:${fakeAccountId}`;
    expect(resources).toMatchObject({
      ManageTaskSetsOfThisService: `${ecs}:task-set/${infra.ClusterName}/${infra.ServiceName}/*`,
      PromoteTaskSetOfThisService: `${ecs}:service/${infra.ClusterName}/${infra.ServiceName}`,
      SwapListenersOfThisLoadBalancer: [infra.ProductionListenerArn, infra.TestListenerArn],
      TagTargetGroupsOfThisLoadBalancer: [infra.TargetGroupAArn, infra.TargetGroupBArn],
      PassTaskRolesToEcsTasksOnly: [infra.TaskExecutionRoleArn, infra.TaskRoleArn],
    });
  });

  it("lets the state machine's role start executions of that one state machine, as deployed", () => {
    const machine = first!.facts.stacks[controllerStack]!.outputs.StateMachineArn;
    expect(machine).toMatch(`arn:aws:states:${region}:${fakeAccountId}:stateMachine:`);
    expect(first!.facts.handOverPolicy.Statement).toEqual([
      { Sid: 'StartExecutionOfItself', Effect: 'Allow', Action: 'states:StartExecution', Resource: machine },
    ]);
  });

  it('leaves a packaged controller template that lints clean without the W3002 exception', () => {
    const template = parseTemplate(readFileSync(join(work, 'packaged/controller.packaged.yaml'), 'utf8'));
    expect(template.Resources.ControllerFunction?.Properties?.Code).toEqual({
      S3Bucket: bucket,
      S3Key: expect.stringMatching(new RegExp(`^${prefix}/[0-9a-f]{32}$`)),
    });
    // deploy.sh packaged the moto variant: put back what the variant removed (none of it has a local path that
    // `package` rewrites), so that this is the packaged controller.yaml as AWS would get it.
    const original = loadTemplate('controller.yaml');
    for (const { resource } of motoVariant(original).adaptations)
      template.Resources[resource] = structuredClone(original.Resources[resource]!);
    expect(Object.keys(template.Resources).sort()).toEqual(Object.keys(original.Resources).sort());
    for (const resource of Object.values(template.Resources)) delete resource.Metadata;
    const bare = join(work, 'controller.packaged.json');
    writeFileSync(bare, JSON.stringify(template));
    expect(cfnLint(bin, [bare]).findings.map(showLintFinding)).toEqual([]);
  }, 60_000);

  it('changes nothing when run again', () => {
    const again = deploy(...deployArgs);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain(`No changes to deploy. Stack ${infraStack} is up to date`);
    expect(again.stderr).toContain(`No changes to deploy. Stack ${controllerStack} is up to date`);
    expect(again.stdout).toBe(first?.stdout);
    const facts = readFacts();
    expect(facts.function).toEqual(first?.facts.function);
    expect(facts.stacks).toEqual(first?.facts.stacks);
  }, 120_000);

  it('really updates the function when the bundle changed', () => {
    appendFileSync(join(layout.lambda(), 'index.js'), '\n// a new build\n');
    const result = deploy(...deployArgs);
    expect(result.status, `${result.stderr}\n${motoLogTail()}`).toBe(0);
    const facts = readFacts();
    expect(facts.stacks[controllerStack]?.status).toBe('UPDATE_COMPLETE');
    expect(facts.function.codeSha256).not.toBe(first?.facts.function.codeSha256);
    // A new VersionHash replaces the AWS::Lambda::Version, so CloudFormation publishes version 2 and points the
    // state machine at it; moto does not emulate the replacement, so only the hash is checked here.
    expect(versionHash(facts)).toMatch(/^[0-9a-f]{32}$/);
    expect(versionHash(facts)).not.toBe(versionHash(first?.facts));
  }, 120_000);

  // A version snapshots the configuration too: a change that leaves the bundle alone must publish one as well.
  it('publishes a new version for a changed controller parameter alone', () => {
    const before = readFacts();
    const result = deploy(...deployArgs, '--controller-param', 'ApplicationLogLevel=DEBUG');
    expect(result.status, `${result.stderr}\n${motoLogTail()}`).toBe(0);
    const after = readFacts();
    expect(after.stacks[controllerStack]?.parameters.ApplicationLogLevel).toBe('DEBUG');
    expect(after.function.codeSha256).toBe(before.function.codeSha256);
    expect(versionHash(after)).toMatch(/^[0-9a-f]{32}$/);
    expect(versionHash(after)).not.toBe(versionHash(before));
  }, 120_000);

  it('publishes a new version for a changed controller template alone', () => {
    const before = readFacts();
    const file = join(layout.templates(), 'controller.yaml');
    const edited = JSON.parse(readFileSync(file, 'utf8')) as { Description: string };
    edited.Description += ' (edited)';
    writeFileSync(file, JSON.stringify(edited, null, 2));
    const result = deploy(...deployArgs, '--controller-param', 'ApplicationLogLevel=DEBUG');
    expect(result.status, `${result.stderr}\n${motoLogTail()}`).toBe(0);
    const after = readFacts();
    expect(after.function.codeSha256).toBe(before.function.codeSha256);
    expect(versionHash(after)).not.toBe(versionHash(before));
  }, 120_000);

  describe('clear errors', () => {
    it('for a missing parameter', () => {
      const result = deploy('--prefix', prefix, '--region', region);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain(
        'the S3 bucket is missing: pass --bucket BUCKET or set ECS_TAPER_BUCKET',
      );
    });

    it('for a controller parameter that deploy.sh derives itself', () => {
      const result = deploy(...deployArgs, '--controller-param', 'ClusterName=other');
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('--controller-param ClusterName is set by deploy.sh itself');
    });

    it('for an unknown argument', () => {
      const result = deploy(...deployArgs, '--force');
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('unknown argument: --force');
    });

    it('for missing tools', () => {
      const emptyBin = join(work, 'empty-bin');
      mkdirSync(emptyBin, { recursive: true });
      const result = spawnSync(
        '/bin/bash',
        [layout.deploy(), ...deployArgs.filter((a) => a !== '--skip-build')],
        {
          encoding: 'utf8',
          env: { ...env, PATH: emptyBin },
        },
      );
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('missing tool(s): aws jq node npm');
    });

    it('for a stack that does not exist', () => {
      const result = deploy('--prefix', 'nothing-here', '--region', region, '--input-only');
      expect(result.status).toBe(1);
      expect(result.stderr).toContain('cannot read the outputs of stack nothing-here-infra');
    });
  });
});
