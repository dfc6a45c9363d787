import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const run = promisify(execFile);
export const root = fileURLToPath(new URL('../../..', import.meta.url));

export interface PackageJson {
  name: string;
  version: string;
  private?: boolean;
  license?: string;
  keywords?: string[];
  homepage?: string;
  bugs?: { url?: string };
  repository?: { type?: string; url?: string; directory?: string };
  publishConfig?: { access?: string };
  engines?: { node?: string };
  types?: string;
  exports?: Record<string, unknown>;
  bin?: Record<string, string>;
  files?: string[];
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

export interface Workspace {
  /** The directory name under packages/ (core, runner-cli, ...). */
  dir: string;
  path: string;
  manifest: PackageJson;
}

/** Every package under packages/ that is published (not private), read from its package.json. */
export function publishablePackages(): Workspace[] {
  return readdirSync(join(root, 'packages'))
    .filter((dir) => existsSync(join(root, 'packages', dir, 'package.json')))
    .map((dir) => {
      const path = join(root, 'packages', dir);
      return {
        dir,
        path,
        manifest: JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as PackageJson,
      };
    })
    .filter((p) => p.manifest.private !== true);
}

/** `npm pack` of each package into `dest`, concurrently; returns the tarball path of each, by name. */
export async function packAll(packages: Workspace[], dest: string): Promise<Map<string, string>> {
  const unbuilt = packages.filter((p) => !existsSync(join(p.path, 'dist')));
  if (unbuilt.length > 0) {
    throw new Error(
      `${unbuilt.map((p) => p.manifest.name).join(', ')} not built (no dist/): run \`npm run build\` at the repository root first`,
    );
  }
  const tarballs = await Promise.all(
    packages.map(async (p) => {
      const { stdout } = await run('npm', ['pack', p.path, '--pack-destination', dest, '--json'], {
        cwd: dest,
        maxBuffer: 16 * 1024 * 1024,
      });
      const [info] = JSON.parse(stdout) as { filename: string }[];
      if (!info) throw new Error(`npm pack ${p.path} printed no result`);
      return [p.manifest.name, join(dest, info.filename)] as const;
    }),
  );
  return new Map(tarballs);
}

/** The scratch project's dependency on a packed tarball (relative paths would depend on the project's place). */
export const fileDependency = (tarball: string) => `file:${tarball}`;
