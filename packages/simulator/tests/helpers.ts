import { type BuildWorldOptions, buildWorld } from '../src/index.js';

/** A small world: 4 tasks x 10 clients, unless told otherwise. */
export function smallWorld(options: BuildWorldOptions = {}) {
  return buildWorld({ tasks: 4, connectionsPerTask: 10, ...options });
}

export const network = {
  awsvpcConfiguration: { subnets: ['subnet-0a1b2c3d4e5f60001'], securityGroups: ['sg-0a1b2c3d4e5f60003'] },
};

/** Advance simulated time without awaiting (events only). */
export function advance(world: { clock: { advanceBy(ms: number): void } }, seconds: number): void {
  world.clock.advanceBy(seconds * 1000);
}
