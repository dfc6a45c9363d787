import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cfnLint, showLintFinding } from './support/cfn-lint';
import { templateNames, templatesDir } from './support/cfn-template';
import { pythonToolsBin, pythonToolsTimeout } from './support/python-tools';

describe('cfn-lint', () => {
  let bin = '';
  let work = '';
  let result: ReturnType<typeof cfnLint>;
  const broken = () => join(work, 'controller-nodejs14.yaml');

  beforeAll(() => {
    bin = pythonToolsBin();
    work = mkdtempSync(join(tmpdir(), 'ecs-taper-lint-'));
    // The seed's runtime, to prove that the lint run reports what it finds (one run lints all files: ~3 s).
    const controller = readFileSync(join(templatesDir, 'controller.yaml'), 'utf8');
    writeFileSync(broken(), controller.replace('Runtime: nodejs22.x', 'Runtime: nodejs14.x'));
    result = cfnLint(bin, [...templateNames.map((name) => join(templatesDir, name)), broken()]);
  }, pythonToolsTimeout);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it.each(templateNames)('reports no error and no warning on %s', (name) => {
    const mine = result.findings.filter(
      (f) => f.Filename.endsWith(`/${name}`) && f.Level !== 'Informational',
    );
    expect(mine.map(showLintFinding)).toEqual([]);
  });

  it('reports an error on a deliberately broken copy (the retired nodejs14.x runtime)', () => {
    const theirs = result.findings.filter((f) => f.Filename === broken());
    expect(theirs.map((f) => [f.Level, f.Rule.Id])).toEqual([['Error', 'E2531']]);
    expect(result.status).toBe(2); // cfn-lint's exit code: errors only; no warning anywhere
  });
});
