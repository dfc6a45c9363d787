import { spawnSync } from 'node:child_process';
import { pythonToolsEnv } from './python-tools';

export interface LintFinding {
  Filename: string;
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Rule: { Id: string };
  Location: { Start: { LineNumber: number } };
}

/** cfn-lint from PyPI (installed into .venv by scripts/python-tools.sh), JSON output. */
export function cfnLint(bin: string, files: string[]): { status: number | null; findings: LintFinding[] } {
  const run = spawnSync(`${bin}/cfn-lint`, ['--format', 'json', '--', ...files], {
    encoding: 'utf8',
    env: pythonToolsEnv(bin),
    timeout: 120_000,
  });
  if (run.error) throw run.error;
  try {
    return { status: run.status, findings: JSON.parse(run.stdout || '[]') as LintFinding[] };
  } catch {
    throw new Error(`cfn-lint (exit ${run.status}) printed no JSON:\n${run.stdout}\n${run.stderr}`);
  }
}

export const showLintFinding = (f: LintFinding) =>
  `${f.Level} ${f.Rule.Id} ${f.Filename}:${f.Location.Start.LineNumber} ${f.Message}`;
