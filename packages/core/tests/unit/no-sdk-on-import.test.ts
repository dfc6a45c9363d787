/**
 * Importing the planner loads no AWS SDK: only aws/read.ts and aws/write.ts use the SDK at run time, and
 * they load it on first use (aws/sdk.ts). Checked on the BUILT package, from a fresh Node process, for
 * `require` (what is in require.cache) and for `import` (every URL a resolve hook saw).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, repoRoot } from './support/built-package';

const sdk = /[\\/]node_modules[\\/]@(aws-sdk|smithy)[\\/]/;
const scratch = mkdtempSync(join(tmpdir(), 'ecs-taper-no-sdk-'));

/** A first call that needs the SDK: describeDeployment with a stub client that keeps the command it gets. */
const firstRead = `
  let sent;
  const stub = { send: async (command) => { sent = command; return { services: [], failures: [{ reason: 'MISSING' }] }; } };
  await core.describeDeployment({ ecs: stub, elbv2: { send: async () => ({ Listeners: [] }) } },
    { cluster: 'c', service: 's', loadBalancerArn: 'arn:lb' });`;

function node(args: string[], env: Record<string, string> = {}): string {
  return execFileSync(process.execPath, args, {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: 'pipe',
    env: { ...process.env, ...env },
  }).trim();
}

/** Runs `body` as CommonJS; returns every module in require.cache, then what `body` printed. */
function requireProbe(body: string): { loaded: string[]; out: unknown } {
  const script = `(async () => { const out = await (async () => { ${body} })();
    console.log(JSON.stringify({ loaded: Object.keys(require.cache), out })); })();`;
  return JSON.parse(node(['-e', script]));
}

/**
 * Runs `body` as an ES module; returns every URL resolved (by a hook registered first), then what it
 * printed. The record so far is in the file named by RESOLVED_RECORD (a hook has written a URL before
 * its import returns).
 */
function importProbe(body: string): { loaded: string[]; out: unknown } {
  const record = join(scratch, `resolved-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(record, '');
  const hooks = join(scratch, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
     let file;
     export function initialize(data) { file = data.file; }
     export async function resolve(specifier, context, next) {
       const result = await next(specifier, context);
       appendFileSync(file, result.url + '\\n');
       return result;
     }`,
  );
  const register = join(scratch, `register-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    register,
    `import { register } from 'node:module';
     register(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { file: ${JSON.stringify(record)} } });`,
  );
  const printed = node(['--import', pathToFileURL(register).href, '--input-type=module', '-e', body], {
    RESOLVED_RECORD: record,
  });
  return { loaded: readFileSync(record, 'utf8').split('\n').filter(Boolean), out: JSON.parse(printed) };
}

beforeAll(ensureBuilt, 180_000);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('importing planScaledown from the built package', () => {
  it('with require, loads no @aws-sdk or @smithy module', () => {
    const { loaded, out } = requireProbe(
      `const { planScaledown } = require('@ecs-taper/core'); return planScaledown({ desiredCount: 4 }).steps.length;`,
    );
    expect(out).toBe(4);
    expect(loaded.some((file) => /packages[\\/]core[\\/]dist[\\/]index\.cjs$/.test(file))).toBe(true);
    expect(loaded.filter((file) => sdk.test(file))).toEqual([]);
  });

  it('with import, loads no @aws-sdk or @smithy module', () => {
    const { loaded, out } = importProbe(
      `import { planScaledown } from '@ecs-taper/core'; console.log(planScaledown({ desiredCount: 4 }).steps.length);`,
    );
    expect(out).toBe(4);
    expect(loaded.some((url) => /packages\/core\/dist\/index\.js$/.test(url))).toBe(true);
    expect(loaded.filter((url) => sdk.test(url))).toEqual([]);
  });
});

describe('the first AWS call from the built package', () => {
  // The SDK a lazy load gets must be the caller's own copy: mocks and the simulator match commands by class.
  it('with require, loads the SDK then, and sends an instance of the class require gives the caller', () => {
    const { out } = requireProbe(
      `const core = require('@ecs-taper/core'); ${firstRead}
       const loaded = Object.keys(require.cache).some((file) => ${sdk}.test(file));
       return { loaded, sameClass: sent instanceof require('@aws-sdk/client-ecs').DescribeServicesCommand };`,
    );
    expect(out).toEqual({ loaded: true, sameClass: true });
  });

  it('with import, loads the SDK then, and sends an instance of the class import gives the caller', () => {
    const { out } = importProbe(
      `import { readFileSync } from 'node:fs';
       const core = await import('@ecs-taper/core'); ${firstRead}
       const loaded = readFileSync(process.env.RESOLVED_RECORD, 'utf8').split('\\n').some((url) => ${sdk}.test(url));
       const { DescribeServicesCommand } = await import('@aws-sdk/client-ecs');
       console.log(JSON.stringify({ loaded, sameClass: sent instanceof DescribeServicesCommand }));`,
    );
    expect(out).toEqual({ loaded: true, sameClass: true });
  });
});
