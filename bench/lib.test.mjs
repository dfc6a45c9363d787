// The benchmark's pure helpers, checked with Node's own test runner (no build, no packages):
// `node --test bench/lib.test.mjs`, run first by `npm run bench`.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  formatMinMedianMax,
  markdownTable,
  median,
  minMedianMax,
  nearestRank,
  newConnectionPeak,
  peakLowerBound,
  reconnectWindowSeconds,
  scheduleSlack,
  simulateCommand,
} from './lib.mjs';

describe('bench helpers', () => {
  it('bounds the peak by the old connections spread evenly over drain plus jitter', () => {
    // all-at-once: no drain window, so the 5 s jitter alone spreads 10,000 clients.
    assert.equal(peakLowerBound(10_000, reconnectWindowSeconds(0, 5)), 2_000);
    assert.equal(peakLowerBound(10_000, reconnectWindowSeconds(195, 5)), 50);
    assert.throws(() => peakLowerBound(10, 0), /window must be > 0/);
  });

  it('measures schedule slack from the first simulated step', () => {
    const slack = scheduleSlack([0, 60, 120], [5_000, 65_000, 127_000]);
    assert.deepEqual(slack.slackSeconds, [0, 0, 2]);
    assert.equal(slack.maxSeconds, 2);
    assert.ok(Math.abs(slack.meanSeconds - 2 / 3) < 1e-12);
  });

  it('sums new connections per second over the chosen tasks only, from the start second', () => {
    const byTask = new Map([
      [
        'old',
        new Map([
          [9, 50],
          [10, 7],
        ]),
      ],
      [
        'new-1',
        new Map([
          [9, 40],
          [10, 3],
          [11, 4],
        ]),
      ],
      ['new-2', new Map([[10, 5]])],
    ]);
    const peak = newConnectionPeak(byTask, (arn) => arn.startsWith('new'), 10);
    assert.equal(peak.peak, 8);
    assert.equal(peak.total, 12);
  });

  it('takes the lower middle as the median and pads tables, numbers to the right', () => {
    assert.equal(median([4, 1, 3, 2]), 2);
    assert.equal(
      markdownTable(
        ['name', 'n'],
        [
          ['a', 1.25],
          ['bb', 10],
        ],
      ),
      ['| name |   n |', '| ---- | --: |', '| a    | 1.3 |', '| bb   |  10 |'].join('\n'),
    );
  });

  it('gives min / median / max over seeds, one number when they print the same', () => {
    const spread = minMedianMax([128, 117, 121, 119]);
    assert.deepEqual(spread, { min: 117, median: 119, max: 128 });
    assert.equal(formatMinMedianMax(spread), '117 / 119 / 128');
    assert.equal(formatMinMedianMax(minMedianMax([4.99, 5.01]), 1), '5.0');
    assert.equal(formatMinMedianMax(minMedianMax([0.0571, 0.0625]), 3, 'x'), '0.057x / 0.057x / 0.063x');
    assert.throws(() => minMedianMax([]), /no values/);
  });

  it('takes the nearest rank: the largest of 20 values is their 99th percentile', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i);
    assert.equal(nearestRank(values, 0.99), 20);
    assert.equal(nearestRank(values, 0.95), 19);
    assert.equal(nearestRank(values, 0.5), 10);
    assert.throws(() => nearestRank(values, 0), /q must be in/);
  });

  it('prints the simulate command of a run, and names the options no flag sets', () => {
    const { args, command, missing } = simulateCommand({
      strategy: 'taper',
      tasks: 20,
      maxNewConnectionsPerSecond: 200,
      stopJitterSeconds: 5,
      connectionImbalance: 0.5,
      decrementTasks: undefined,
      randomSeed: 3,
    });
    assert.equal(
      command,
      'ecs-taper simulate --strategy taper --tasks 20 --max-new-connections-per-second 200 --stop-jitter 5 --connection-imbalance 0.5 --seed 3 --baseline none --json',
    );
    assert.deepEqual(args.slice(0, 3), ['simulate', '--strategy', 'taper']);
    assert.deepEqual(missing, []);
    assert.deepEqual(simulateCommand({ strategy: 'taper', dropLagSpreadSeconds: 5 }).missing, [
      'dropLagSpreadSeconds',
    ]);
    // Deployment input fields go through `input`, with their own flags.
    const viaInput = simulateCommand({
      strategy: 'taper',
      input: { dropLagSpreadSeconds: 0, measureFlows: true },
    });
    assert.equal(
      viaInput.command,
      'ecs-taper simulate --strategy taper --drop-lag-spread 0 --baseline none --json',
    );
    assert.deepEqual(viaInput.missing, ['measureFlows']);
  });
});
