// Measures the deployable Lambda bundle: size (raw and gzip) and cold import time in fresh Node
// processes, against importing the unbundled SDK clients the same way. Prints a table; `--json` prints
// the figures for the benchmark report. Run after `npm run build -w @ecs-taper/runner-lambda`.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const bundle = fileURLToPath(new URL('../dist/lambda/index.js', import.meta.url));
const runs = Number(process.env.RUNS ?? 10);

function coldImportMs(code) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, ['-e', code], { encoding: 'utf8' });
    samples.push(Number(out.trim()));
  }
  samples.sort((a, b) => a - b);
  return { medianMs: samples[Math.floor(samples.length / 2)], minMs: samples[0], maxMs: samples.at(-1) };
}

const timed = (body) =>
  `const t=process.hrtime.bigint();${body};process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6))`;

const raw = statSync(bundle).size;
const gzip = gzipSync(readFileSync(bundle)).length;
const bundled = coldImportMs(timed(`require(${JSON.stringify(bundle)})`));
const unbundled = coldImportMs(
  timed(
    "require('@aws-sdk/client-ecs');require('@aws-sdk/client-elastic-load-balancing-v2');require('@aws-sdk/client-cloudwatch');require('@aws-sdk/client-application-auto-scaling')",
  ),
);
const figures = {
  runs,
  node: process.version,
  bundleBytes: raw,
  bundleGzipBytes: gzip,
  bundled,
  unbundledSdkClients: unbundled,
};
if (process.argv.includes('--json')) {
  console.log(JSON.stringify(figures));
} else {
  console.log(`Lambda bundle: ${(raw / 1024).toFixed(1)} KiB raw, ${(gzip / 1024).toFixed(1)} KiB gzip`);
  console.log(`cold import (median of ${runs}, ${process.version}):`);
  console.log(
    `  bundled handler          ${bundled.medianMs.toFixed(1)} ms (min ${bundled.minMs.toFixed(1)}, max ${bundled.maxMs.toFixed(1)})`,
  );
  console.log(
    `  unbundled SDK clients    ${unbundled.medianMs.toFixed(1)} ms (min ${unbundled.minMs.toFixed(1)}, max ${unbundled.maxMs.toFixed(1)})`,
  );
}
