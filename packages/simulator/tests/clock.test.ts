import { scalePercentForTasks } from '@ecs-taper/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../src/event-queue.js';
import { ceilTasks, createRng, scaleForCount, VirtualClock } from '../src/index.js';

describe('EventQueue', () => {
  it('runs events in time order, ties in insertion order', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { maxLength: 200 }), (times) => {
        const queue = new EventQueue();
        const ran: [number, number][] = [];
        for (const [i, t] of times.entries()) queue.schedule(t, () => ran.push([queue.now, i]));
        queue.runUntil(1000);
        const expected = times
          .map((t, i) => [t, i] as [number, number])
          .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
        expect(ran).toEqual(expected);
      }),
    );
  });

  it('skips cancelled events', () => {
    const queue = new EventQueue();
    const ran: string[] = [];
    queue.schedule(10, () => ran.push('a'));
    queue.schedule(20, () => ran.push('b')).cancel();
    queue.runUntil(30);
    expect(ran).toEqual(['a']);
    expect(queue.now).toBe(30);
  });
});

describe('VirtualClock', () => {
  it('advances simulated time on sleep and runs what falls due, without real waiting', async () => {
    const clock = new VirtualClock(0);
    const seen: number[] = [];
    clock.schedule(1000, () => seen.push(clock.now()));
    clock.schedule(90 * 60_000, () => seen.push(clock.now()));
    const wall = performance.now();
    await clock.sleep(2 * 3600_000);
    expect(performance.now() - wall).toBeLessThan(200);
    expect(seen).toEqual([1000, 5_400_000]);
    expect(clock.now()).toBe(7_200_000);
  });

  it('wakes concurrent sleepers in time order', async () => {
    const clock = new VirtualClock(0);
    const order: string[] = [];
    await Promise.all([
      clock.sleep(300).then(() => order.push(`a@${clock.now()}`)),
      clock.sleep(100).then(async () => {
        order.push(`b@${clock.now()}`);
        await clock.sleep(100);
        order.push(`b2@${clock.now()}`);
      }),
    ]);
    expect(order).toEqual(['b@100', 'b2@200', 'a@300']);
  });

  it('rejects with the signal reason when aborted', async () => {
    const clock = new VirtualClock(0);
    const controller = new AbortController();
    const sleeping = clock.sleep(10_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    await expect(clock.sleep(1, controller.signal)).rejects.toThrow('stop');
  });
});

describe('random streams', () => {
  it('repeats the same sequence for the same seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    expect(Array.from({ length: 5 }, () => a.next())).toEqual(Array.from({ length: 5 }, () => b.next()));
  });
});

describe('scale and task counts', () => {
  it('scaleForCount yields exactly the wanted count under ECS round-up', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (desired, share) => {
          const count = Math.round(desired * share);
          expect(ceilTasks(desired, scaleForCount(desired, count))).toBe(count);
        },
      ),
    );
  });

  it("agrees with core's scalePercentForTasks for every count of small services", () => {
    for (let desired = 1; desired <= 60; desired++) {
      for (let tasks = 0; tasks <= desired; tasks++) {
        expect(ceilTasks(desired, scalePercentForTasks(desired, tasks))).toBe(tasks);
      }
    }
  });

  it('rounds the exact decimal up where JS floating point happens to land on an integer', () => {
    expect((3 * 66.66666666666667) / 100).toBe(2);
    expect(ceilTasks(3, 66.66666666666667)).toBe(3);
    expect(ceilTasks(3, 66)).toBe(2);
  });
});
