/**
 * The published shape of @ecs-taper/core: the built dist, resolved through the package's `exports` map
 * from the repository root (node_modules/@ecs-taper/core links to packages/core), from ESM, from CJS,
 * and for TypeScript's node16 resolution in both module kinds. Builds dist first when it is missing or older than src.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = join(packageDir, '..', '..');
const dist = join(packageDir, 'dist');
const outputs = ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts'].map((file) => join(dist, file));
const exported = ['planScaledown', 'swapListener', 'deploy'] as const;

function newestSource(): number {
  const sources = readdirSync(join(packageDir, 'src'), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
  return Math.max(...[...sources, join(packageDir, 'package.json')].map((file) => statSync(file).mtimeMs));
}

function distIsFresh(): boolean {
  if (!outputs.every((file) => existsSync(file))) return false;
  return Math.min(...outputs.map((file) => statSync(file).mtimeMs)) >= newestSource();
}

/** Waits (up to 15 s) while another process in the same checkout rebuilds dist (tsup cleans it first). */
function waitForOutputs(): void {
  const until = Date.now() + 15_000;
  while (!outputs.every((file) => existsSync(file)) && Date.now() < until) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
}

/** Runs node from the repository root, as a consumer of the workspace package would. */
function node(args: string[]): string {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return execFileSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' }).trim();
    } catch (error) {
      if (attempt === 3 || outputs.every((file) => existsSync(file))) throw error;
      waitForOutputs();
    }
  }
}

const probe = `{ ${exported.map((name) => `${name}: typeof ${name}`).join(', ')} }`;

beforeAll(() => {
  if (!distIsFresh()) {
    execFileSync(process.execPath, [join(repoRoot, 'node_modules', 'tsup', 'dist', 'cli-default.js')], {
      cwd: packageDir,
      stdio: 'pipe',
    });
  }
}, 180_000);

describe('@ecs-taper/core as a built package', () => {
  it('points its exports map at files that exist, types first in each condition', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    const root = manifest.exports['.'];
    expect(Object.keys(root.import)[0]).toBe('types');
    expect(Object.keys(root.require)[0]).toBe('types');
    for (const target of [root.import.types, root.import.default, root.require.types, root.require.default]) {
      expect(existsSync(join(packageDir, target))).toBe(true);
    }
  });

  it('imports from ESM', () => {
    const out = node([
      '--input-type=module',
      '-e',
      `import { ${exported.join(', ')} } from '@ecs-taper/core'; console.log(JSON.stringify(${probe}));`,
    ]);
    expect(JSON.parse(out)).toEqual({
      planScaledown: 'function',
      swapListener: 'function',
      deploy: 'function',
    });
  });

  it('requires from CommonJS', () => {
    const out = node([
      '-e',
      `const { ${exported.join(', ')} } = require('@ecs-taper/core'); console.log(JSON.stringify(${probe}));`,
    ]);
    expect(JSON.parse(out)).toEqual({
      planScaledown: 'function',
      swapListener: 'function',
      deploy: 'function',
    });
  });

  it('loads the ESM build for import and the CJS build for require', () => {
    const esm = node(['--input-type=module', '-e', `console.log(import.meta.resolve('@ecs-taper/core'))`]);
    const cjs = node(['-e', `console.log(require.resolve('@ecs-taper/core'))`]);
    expect(esm).toMatch(/\/dist\/index\.js$/);
    expect(cjs).toMatch(/[/\\]dist[/\\]index\.cjs$/);
  });

  it('computes a plan from the built code (not just exports a name)', () => {
    const out = node([
      '-e',
      `const { planScaledown } = require('@ecs-taper/core');
       console.log(JSON.stringify(planScaledown({ desiredCount: 3, decrementTasks: 1 }).steps.map((s) => s.remainingTasks)));`,
    ]);
    expect(JSON.parse(out)).toEqual([2, 1, 0]);
  });

  it('keeps error class names through the bundle', () => {
    const out = node([
      '-e',
      `const { InputValidationError } = require('@ecs-taper/core'); console.log(new InputValidationError('f', 'm').name);`,
    ]);
    expect(out).toBe('InputValidationError');
  });

  it.each(['index.d.ts', 'index.d.cts'])('%s declares the three functions', (file) => {
    const text = readFileSync(join(dist, file), 'utf8');
    for (const name of exported) {
      expect(text).toMatch(new RegExp(`declare function ${name}\\(`));
      expect(text).toMatch(new RegExp(`export \\{[^}]*\\b${name}\\b[^}]*\\}`));
    }
  });

  it.each<[string, ts.ResolutionMode, string, string]>([
    ['import', ts.ModuleKind.ESNext, 'consumer.mts', 'index.d.ts'],
    ['require', ts.ModuleKind.CommonJS, 'consumer.cts', 'index.d.cts'],
  ])(
    'gives TypeScript (node16 resolution) the right declarations for %s',
    (_label, mode, consumer, expected) => {
      const options = { module: ts.ModuleKind.Node16, moduleResolution: ts.ModuleResolutionKind.Node16 };
      const { resolvedModule } = ts.resolveModuleName(
        '@ecs-taper/core',
        join(repoRoot, consumer),
        options,
        ts.sys,
        undefined,
        undefined,
        mode,
      );
      expect(resolvedModule?.resolvedFileName).toBe(join(dist, expected));
      expect(resolvedModule?.extension).toBe(expected.endsWith('.cts') ? '.d.cts' : '.d.ts');
    },
  );

  it('declares real signatures, not any', () => {
    const text = readFileSync(join(dist, 'index.d.ts'), 'utf8');
    expect(text).toMatch(/declare function planScaledown\(options: PlanScaledownOptions\): ScaledownPlan;/);
    expect(text).toMatch(
      /declare function deploy\(clients: AwsClients, input: unknown, options\?: DeployOptions\): Promise<DeploymentResult>;/,
    );
    expect(text).toMatch(
      /declare function swapListener\(ctx: PhaseContext, state: DeploymentState\): Promise<PhaseResult>;/,
    );
  });
});
