import { afterEach, describe, expect, it } from 'vitest';
import { inputFromFlags } from '../src/input/input-flags';
import { runCli, type Simulator, startSimulator } from './helpers';

let simulator: Simulator | undefined;
afterEach(async () => {
  await simulator?.stop();
  simulator = undefined;
});

describe('deploy never takes over what is not its own', () => {
  it('--service with a typo is refused before any change, naming the real service', async () => {
    simulator = await startSimulator(['--speed', '0']);
    const before = (await simulator.world()).mutations;
    for (const extra of [[], ['--create-service']]) {
      const result = await runCli([
        'deploy',
        '--simulator',
        simulator.url,
        '--service',
        'sim-servce',
        ...extra,
      ]);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toContain('did you mean sim-service?');
      expect((await simulator.world()).mutations).toEqual(before);
    }
  });

  it('--create-service sets createService', () => {
    expect(inputFromFlags({ 'create-service': true })).toEqual({ createService: true });
  });
});
