/**
 * Writes action.yml from src/inputs.ts. Run `npm run action-yml -w @ecs-taper/github-action` after a
 * change to core's field table or the action's inputs; tests/action-yml.test.ts fails while the
 * committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildActionYml } from './action-yml';

const target = resolve(process.argv[2] ?? 'action.yml');
writeFileSync(target, buildActionYml());
process.stdout.write(`wrote ${target}\n`);
