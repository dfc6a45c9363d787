// After tsup: the state machine with CloudFormation placeholders for the controller stack, and a
// package.json that makes the Lambda bundle's index.js CommonJS wherever it is loaded from.
import { writeFileSync } from 'node:fs';
import { buildStateMachineDefinition } from '../dist/index.js';

const asl = new URL('../dist/state-machine.asl.json', import.meta.url);
writeFileSync(asl, `${JSON.stringify(buildStateMachineDefinition(), null, 2)}\n`);
writeFileSync(new URL('../dist/lambda/package.json', import.meta.url), '{ "type": "commonjs" }\n');
console.log(`wrote ${asl.pathname} and dist/lambda/package.json`);
