/**
 * Writes input.schema.json (the package's published JSON Schema of the deployment input) from the field
 * table. Run `npm run schema -w @ecs-taper/core` after changing src/input-fields.ts or steps/parse-steps.ts;
 * tests/unit/input-schema.test.ts fails while the committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildInputSchema } from './input-schema';

const target = resolve(process.argv[2] ?? 'input.schema.json');
writeFileSync(target, `${JSON.stringify(buildInputSchema(), null, 2)}\n`);
process.stdout.write(`wrote ${target}\n`);
