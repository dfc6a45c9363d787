import { availableParallelism } from 'node:os';
import { mergeConfig } from 'vitest/config';
import base from '../vitest.base.ts';

/**
 * At least two test files at a time, even on a 2-CPU machine (where vitest's default, CPUs - 1, runs one): the
 * moto and deploy.sh files spend much of their time waiting for child processes (the aws CLI, moto, Wait states),
 * and each uses its own moto server (free port), temporary directory and stack prefix.
 */
export default mergeConfig(base, {
  test: { maxWorkers: Math.max(2, availableParallelism() - 1) },
});
