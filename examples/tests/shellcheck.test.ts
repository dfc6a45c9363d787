import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pythonToolsBin, pythonToolsTimeout, repoRoot } from './support/python-tools';

const scripts = ['examples/deploy.sh', 'scripts/python-tools.sh'];

describe('shellcheck', () => {
  let bin = '';
  beforeAll(() => {
    bin = pythonToolsBin();
  }, pythonToolsTimeout);

  it.each(scripts)('finds nothing in %s (all severities)', (script) => {
    const run = spawnSync(`${bin}/shellcheck`, ['--severity=style', '--format=gcc', join(repoRoot, script)], {
      encoding: 'utf8',
    });
    expect(run.stdout).toBe('');
    expect(run.status).toBe(0);
  });

  it('reports a deliberately broken script', () => {
    const run = spawnSync(`${bin}/shellcheck`, ['--format=gcc', '-'], {
      encoding: 'utf8',
      input: '#!/usr/bin/env bash\nrm -rf $1/\n',
    });
    expect(run.stdout).toContain('SC2086');
    expect(run.status).toBe(1);
  });
});
