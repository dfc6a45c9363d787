import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PackageJson, packAll, publishablePackages, root, run } from './support/packages';

/**
 * What `npm publish` would upload, checked as a user would get it: every publishable package packed, then
 * publint and @arethetypeswrong/cli on the tarball's files (both must report nothing), the metadata the
 * registry shows, the LICENSE, and the dependencies against what the shipped code actually loads.
 */
const packages = publishablePackages();
const scratch = mkdtempSync(join(tmpdir(), 'ecs-taper-published-'));
const unpacked = new Map<string, { dir: string; manifest: PackageJson; tarball: string }>();

/**
 * Loaded by the AWS SDK inside a try/catch only when a request needs SigV4a (multi-region access points),
 * which no ecs-taper call does: inlined SDK code names them without needing them.
 */
const optionalSdkModules = new Set(['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a']);
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/** The package names the shipped JavaScript imports or requires (bare specifiers, not builtins). */
function loadedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of filesUnder(dir).filter((f) => /\.[cm]?js$/.test(f))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(
      /(?:\brequire\(|\bimport\(|\bfrom\s*|\bimport\s+)["']([^"'\s]+)["']/g,
    )) {
      const specifier = match[1] ?? '';
      if (specifier.startsWith('.') || specifier.startsWith('/') || builtins.has(specifier)) continue;
      const parts = specifier.split('/');
      names.add(specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier));
    }
  }
  return names;
}

beforeAll(async () => {
  const tarballs = await packAll(packages, scratch);
  await Promise.all(
    packages.map(async (p) => {
      const tarball = tarballs.get(p.manifest.name) ?? '';
      const dir = join(scratch, p.dir);
      mkdirSync(dir);
      await run('tar', ['-xzf', tarball, '-C', dir]);
      const packageDir = join(dir, 'package');
      const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as PackageJson;
      unpacked.set(p.manifest.name, { dir: packageDir, manifest, tarball });
    }),
  );
}, 60_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const published = (name: string) => {
  const entry = unpacked.get(name);
  if (!entry) throw new Error(`${name} was not packed`);
  return entry;
};

it('finds the publishable packages', () => {
  expect(packages.map((p) => p.manifest.name).sort()).toEqual(
    expect.arrayContaining([
      '@ecs-taper/core',
      '@ecs-taper/runner-cli',
      '@ecs-taper/runner-lambda',
      '@ecs-taper/simulator',
    ]),
  );
});

describe.each(packages.map((p) => [p.manifest.name, p.dir] as const))('%s', (name, dir) => {
  it('ships the Apache-2.0 LICENSE and says so', () => {
    const { dir: packageDir, manifest } = published(name);
    expect(readFileSync(join(packageDir, 'LICENSE'), 'utf8')).toBe(
      readFileSync(join(root, 'LICENSE'), 'utf8'),
    );
    expect(readFileSync(join(root, 'LICENSE'), 'utf8')).toContain(
      'Apache License\n                           Version 2.0',
    );
    expect(manifest.license).toBe('Apache-2.0');
  });

  it('has the metadata the registry shows: repository, homepage, bugs, keywords, public access, engines', () => {
    const { manifest } = published(name);
    expect(manifest.repository).toEqual({
      type: 'git',
      url: 'git+https://github.com/ecs-taper/ecs-taper.git',
      directory: `packages/${dir}`,
    });
    expect(manifest.homepage).toBe(`https://github.com/ecs-taper/ecs-taper/tree/main/packages/${dir}#readme`);
    expect(manifest.bugs).toEqual({ url: 'https://github.com/ecs-taper/ecs-taper/issues' });
    expect(manifest.keywords?.length).toBeGreaterThan(2);
    expect(manifest.publishConfig).toEqual({ access: 'public' });
    expect(manifest.engines?.node).toBe('>=20');
  });

  it('publint reports nothing (suggestions included, warnings as errors)', async () => {
    const { dir: packageDir } = published(name);
    // pack: false, since the directory holds exactly the tarball's files.
    const { messages, pkg } = await publint({
      pkgDir: packageDir,
      pack: false,
      level: 'suggestion',
      strict: true,
    });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false })}`)).toEqual([]);
  });

  it('@arethetypeswrong/cli reports nothing', async () => {
    const { tarball, manifest } = published(name);
    const attw = join(root, 'node_modules/.bin/attw');
    // attw exits non-zero when it finds a problem: keep its JSON either way, to show what it found.
    const { stdout } = await run(attw, [tarball, '--format', 'json'], { maxBuffer: 64 * 1024 * 1024 }).catch(
      (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
    );
    const report = JSON.parse(stdout) as {
      analysis: { types: unknown };
      problems?: Record<string, unknown[]>;
    };
    if (manifest.types === undefined && manifest.exports === undefined) {
      // A command only (runner-cli): nothing to import, so no types to check.
      expect(manifest.bin).toBeDefined();
      expect(report.analysis.types).toBe(false);
    } else {
      expect(report.analysis.types).not.toBe(false);
      expect(report.problems ?? {}).toEqual({});
    }
  });

  it('declares exactly what its shipped code loads: nothing inlined declared, nothing loaded undeclared', () => {
    const { dir: packageDir, manifest } = published(name);
    const declared = new Set([
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]);
    const loaded = loadedPackages(packageDir);
    const undeclared = [...loaded].filter((n) => !declared.has(n) && !optionalSdkModules.has(n));
    const unused = [...declared].filter((n) => !loaded.has(n));
    expect({ undeclared, unused }).toEqual({ undeclared: [], unused: [] });
  });
});

it('runner-cli has no runtime dependencies: its bundle holds core, the simulator and the SDK', () => {
  const { manifest, dir } = published('@ecs-taper/runner-cli');
  expect(manifest.dependencies ?? {}).toEqual({});
  expect(manifest.peerDependencies ?? {}).toEqual({});
  expect(
    filesUnder(dir)
      .map((f) => relative(dir, f))
      .sort(),
  ).toEqual(['LICENSE', 'README.md', 'bin/ecs-taper.cjs', 'dist/cli.cjs', 'package.json']);
});

it('one AWS SDK range across every package (one copy of the SDK in an install of several)', () => {
  const ranges = new Map<string, Set<string>>();
  for (const p of publishablePackages()) {
    for (const section of [
      p.manifest.dependencies,
      p.manifest.devDependencies,
      p.manifest.peerDependencies,
    ]) {
      for (const [dep, range] of Object.entries(section ?? {})) {
        if (!dep.startsWith('@aws-sdk/')) continue;
        ranges.set(range, (ranges.get(range) ?? new Set()).add(`${p.dir}:${dep}`));
      }
    }
  }
  expect([...ranges.keys()]).toHaveLength(1);
});
