/**
 * action.yml: generated from src/inputs.ts (scripts/action-yml.ts), committed. Its inputs must be the CLI's
 * deployment-input flags of core's field table, then the action's own, so a new field becomes an input
 * by regenerating the file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inputFieldEntries } from '@ecs-taper/core/workflow';
import { describe, expect, it } from 'vitest';
import { buildActionYml } from '../scripts/action-yml';
import { ownInputs } from '../src/inputs';
import { manifest } from './helpers';

const pkg = fileURLToPath(new URL('..', import.meta.url));

describe('action.yml', () => {
  it('is what scripts/action-yml.ts generates (run `npm run action-yml -w @ecs-taper/github-action`)', () => {
    expect(readFileSync(join(pkg, 'action.yml'), 'utf8')).toBe(buildActionYml());
  });

  it("has one input per flag of core's field table, then the action's own", () => {
    const fieldFlags = inputFieldEntries.flatMap(([, spec]) => (spec.flags ?? []).map((flag) => flag.name));
    expect(fieldFlags).toContain('task-definition');
    expect(fieldFlags).toContain('canary');
    expect(Object.keys(manifest.inputs)).toEqual([...fieldFlags, ...ownInputs.map((input) => input.name)]);
    for (const own of ['input-file', 'mode', 'state-machine-arn', 'simulator', 'region'])
      expect(manifest.inputs).toHaveProperty(own);
  });

  it('requires no input (the CLI says what is missing; the simulator needs none) and runs the bundle on node24', () => {
    for (const [name, spec] of Object.entries(manifest.inputs))
      expect((spec as { required?: boolean }).required, name).toBe(false);
    expect(manifest.runs).toEqual({ using: 'node24', main: 'dist/index.mjs' });
    expect(existsSync(join(pkg, manifest.runs.main))).toBe(true);
    expect(existsSync(join(pkg, 'dist', 'cli.cjs'))).toBe(true);
    expect(Object.keys(manifest.outputs)).toEqual(['deployment-id', 'outcome', 'reason', 'steps']);
  });

  it('bundles no part of core or the AWS SDK into the entry point (the CLI bundle beside it has them)', () => {
    const bundle = readFileSync(join(pkg, 'dist', 'index.mjs'), 'utf8');
    expect(bundle).not.toMatch(/@aws-sdk|DescribeServicesCommand/);
    expect(bundle).toContain('"task-definition"');
  });
});
