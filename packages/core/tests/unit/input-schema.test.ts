/**
 * input.schema.json: generated from the field table (scripts/input-schema.ts), committed, published.
 * It must equal what the table generates, accept every documented example input and the seed's event,
 * and refuse what parseDeploymentInput refuses for the rules a schema can state.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { buildInputSchema } from '../../scripts/input-schema';
import { parseDeploymentInput } from '../../src/validate-input';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');
const schemaFile = join(packageDir, 'input.schema.json');
const committed = JSON.parse(readFileSync(schemaFile, 'utf8'));

// strictRequired off: the rules between fields (allOf) name properties declared by the object itself.
const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
const validate = ajv.compile(committed);

/** The JSON code blocks of a Markdown file that hold a deployment input. */
function jsonInputs(file: string): [string, unknown][] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/```json\n([\s\S]*?)```/g)]
    .map((match) => match[1] as string)
    .filter((block) => block.includes('"taskDefinition"'))
    .map((block, index) => [`${file.slice(repoRoot.length + 1)} #${index + 1}`, JSON.parse(block)]);
}

/** The seed sample's event, from its README (<pre> block) in ../shared/seed when that checkout exists. */
function seedEvents(): [string, unknown][] {
  const dir = join(repoRoot, '..', 'shared', 'seed');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const text = readFileSync(join(dir, name), 'utf8');
    return [...text.matchAll(/<pre>\s*(\{[\s\S]*?\})\s*<\/pre>/g)].map((match, index): [string, unknown] => [
      `seed ${name} #${index + 1}`,
      JSON.parse(match[1] as string),
    ]);
  });
}

/** The event the seed's README documents, as a copy (the seed checkout is not always next to ours). */
const seedEvent = {
  cluster: 'sample-infra-Cluster-Wzpt4JQYWfAb',
  nlb: 'arn:aws:elasticloadbalancing:us-east-1:555555555555:loadbalancer/net/sample-LoadB-1234567890abc/1234567890abcdef',
  task_sg: 'sg-1234567890abcdef0',
  subnets: ['subnet-1234567890abcdef0', 'subnet-1234567890abcdef1'],
  serviceName: 'sample-external-deployment',
  taskDefinition:
    'arn:aws:ecs:us-east-1:555555555555:task-definition/sample-infra-TaskDefinition-1234567890ab:1',
  waitForService: 60,
  scaledown_decrement: 25,
  scaledown_wait: 60,
};

const minimal = { cluster: 'c', service: 's', taskDefinition: 't:1', loadBalancerArn: 'arn:nlb' };

const examples: [string, unknown][] = [
  ...jsonInputs(join(repoRoot, 'examples', 'README.md')),
  ...jsonInputs(join(repoRoot, 'packages', 'runner-lambda', 'README.md')),
  ...seedEvents(),
  ['the seed README event (copy)', seedEvent],
  ['the minimal input', minimal],
  [
    'every step kind with hooks',
    {
      ...minimal,
      steps: [
        { type: 'canary', weightPercent: 10, seconds: 300 },
        { type: 'canary', weightPercent: 5, seconds: 0 },
        { type: 'pause', untilPromoted: true },
        { type: 'hook', stage: 'before-swap' },
        { type: 'swap' },
        { type: 'pause', seconds: 60 },
        { type: 'scaleDown' },
      ],
      hooks: {
        'before-swap': { command: './smoke.sh', timeoutSeconds: 120 },
        'after-deploy': { url: 'https://ci.example.com/done' },
        'on-rollback': { functionName: 'notify' },
      },
    },
  ],
  [
    'budget mode with a capacity provider strategy',
    {
      ...minimal,
      maxNewConnectionsPerSecond: 200,
      connectionsPerTask: 800,
      reconnectSpreadSeconds: 30,
      capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 2, base: 1 }],
      alarmNames: [],
      deploymentId: 'run-42_a',
    },
  ],
  [
    'explicit listeners instead of the NLB',
    { cluster: 'c', service: 's', taskDefinition: 't', productionListenerArns: ['arn:l'] },
  ],
];

const bad: [string, unknown][] = [
  ['no cluster', { service: 's', taskDefinition: 't', loadBalancerArn: 'arn' }],
  ['neither the NLB nor listeners', { cluster: 'c', service: 's', taskDefinition: 't' }],
  ['a blank service', { ...minimal, service: ' ' }],
  ['an unknown field', { ...minimal, clusterName: 'c' }],
  ['decrementPercent 0', { ...minimal, decrementPercent: 0 }],
  ['decrementPercent as text', { ...minimal, decrementPercent: '25' }],
  ['both decrement forms', { ...minimal, decrementPercent: 25, decrementTasks: 1 }],
  ['budget mode without the model', { ...minimal, maxNewConnectionsPerSecond: 100 }],
  [
    'budget mode with an interval',
    {
      ...minimal,
      maxNewConnectionsPerSecond: 1e3,
      connectionsPerTask: 1,
      reconnectSpreadSeconds: 1,
      intervalSeconds: 5,
    },
  ],
  ['a fractional desiredCount', { ...minimal, desiredCount: 2.5 }],
  ['desiredCount above the quota', { ...minimal, desiredCount: 5001 }],
  ['settleSeconds above an hour', { ...minimal, settleSeconds: 3601 }],
  ['readyTimeoutSeconds 0', { ...minimal, readyTimeoutSeconds: 0 }],
  ['an empty subnet list', { ...minimal, subnets: [] }],
  [
    'a launch type and a strategy',
    { ...minimal, launchType: 'FARGATE', capacityProviderStrategy: [{ capacityProvider: 'FARGATE' }] },
  ],
  ['an unknown launch type', { ...minimal, launchType: 'LAMBDA' }],
  [
    'a strategy item with an unknown key',
    { ...minimal, capacityProviderStrategy: [{ capacityProvider: 'F', wieght: 1 }] },
  ],
  ['a deploymentId with a dot', { ...minimal, deploymentId: 'v1.2' }],
  ['steps without a swap', { ...minimal, steps: [{ type: 'scaleDown' }] }],
  ['two swaps', { ...minimal, steps: [{ type: 'swap' }, { type: 'swap' }, { type: 'scaleDown' }] }],
  [
    'a canary of 100 %',
    {
      ...minimal,
      steps: [{ type: 'canary', weightPercent: 100, seconds: 1 }, { type: 'swap' }, { type: 'scaleDown' }],
    },
  ],
  [
    'a pause with neither',
    { ...minimal, steps: [{ type: 'pause' }, { type: 'swap' }, { type: 'scaleDown' }] },
  ],
  [
    'a hook step at before-scale-down-step',
    {
      ...minimal,
      steps: [{ type: 'swap' }, { type: 'hook', stage: 'before-scale-down-step' }, { type: 'scaleDown' }],
    },
  ],
  [
    'an unknown step type',
    { ...minimal, steps: [{ type: 'canery' }, { type: 'swap' }, { type: 'scaleDown' }] },
  ],
  ['a hook at an unknown stage', { ...minimal, hooks: { 'befor-swap': { command: 'x' } } }],
  ['a hook with two targets', { ...minimal, hooks: { 'before-swap': { command: 'x', url: 'https://x' } } }],
  ['a hook with an ftp url', { ...minimal, hooks: { 'before-swap': { url: 'ftp://x' } } }],
  [
    'a hook timeout above an hour',
    { ...minimal, hooks: { 'before-swap': { command: 'x', timeoutSeconds: 3601 } } },
  ],
  ['a seed event without serviceName', { ...seedEvent, serviceName: undefined }],
  ['a seed event with scaledown_decrement 0', { ...seedEvent, scaledown_decrement: 0 }],
  ['a seed event with an empty task_sg', { ...seedEvent, task_sg: '' }],
];

/** JSON as a Lambda receives it: `undefined` members dropped. */
const asJson = (value: unknown) => JSON.parse(JSON.stringify(value));

describe('input.schema.json', () => {
  it('is what the field table generates (run `npm run schema -w @ecs-taper/core` after changing it)', () => {
    expect(committed).toEqual(buildInputSchema());
  });

  it('is a draft 2020-12 schema that ships with the package', () => {
    expect(committed.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    expect(manifest.files).toContain('input.schema.json');
    expect(manifest.exports['./input.schema.json']).toBe('./input.schema.json');
  });

  it('finds the documented inputs (examples/README.md, runner-lambda/README.md)', () => {
    expect(examples.filter(([name]) => name.endsWith('.md #1'))).toHaveLength(2);
  });

  it.each(examples)('accepts %s, as parseDeploymentInput does', (_name, input) => {
    const ok = validate(asJson(input));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(() => parseDeploymentInput(asJson(input))).not.toThrow();
  });

  it.each(bad)('refuses %s, as parseDeploymentInput does', (_name, input) => {
    expect(validate(asJson(input))).toBe(false);
    expect(() => parseDeploymentInput(asJson(input))).toThrow();
  });

  it('lets an input file name the schema ($schema), which the parser ignores', () => {
    const [, documented] = examples[0] as [string, unknown];
    const input = { $schema: './node_modules/@ecs-taper/core/input.schema.json', ...asJson(documented) };
    expect(validate(input)).toBe(true);
    expect(parseDeploymentInput(input)).toEqual(parseDeploymentInput(asJson(documented)));
    expect(parseDeploymentInput(input)).not.toHaveProperty('$schema');
  });

  it('describes every field with its help text', () => {
    for (const [name, schema] of Object.entries(
      committed.$defs as Record<string, { description?: string }>,
    )) {
      expect(schema.description, name).toMatch(/\w/);
    }
  });
});
