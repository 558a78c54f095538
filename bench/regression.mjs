#!/usr/bin/env node
// Build-time regression check for CI: the 1,000-dataset build, measured as a
// ratio to a fixed reference workload run in the same job (absolute times on
// shared runners are too noisy to compare across runs).
//
//   node bench/regression.mjs            # exit 1 when the ratio is over 2x bench/baseline.json
//   node bench/regression.mjs --update   # record the current ratio as the baseline
//
// Expects lib/ to be built (npm run build:ts).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure, reference, spread } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const corpus = path.join(root, 'bench', 'out', 'specs-1000');
const baselineFile = path.join(root, 'bench', 'baseline.json');
const RUNS = 5;
const LIMIT = 2;

const median = (xs) => spread(xs).median;

/** One build of the 1k corpus, a fresh process timed from spawn to exit (bench/harness.mjs, like bench/run.mjs). */
async function build() {
  const r = await measure([path.join(root, 'bin', 'metafuse.js'), 'build', '--specs', corpus, '--out', path.join(root, 'bench', 'out', 'regression.db')]);
  if (r.code !== 0) {
    console.error(`metafuse build exited with ${r.code}:\n${r.stderr}`);
    process.exit(1);
  }
  return r.ms;
}

if (!existsSync(corpus)) execFileSync(process.execPath, [path.join(root, 'bench', 'generate.mjs'), '--datasets', '1000', '--out', corpus], { stdio: 'inherit' });
const refs = [];
const builds = [];
for (let i = 0; i < RUNS; i++) {
  refs.push(reference());
  builds.push(await build());
}
const ratio = median(builds) / median(refs);
const summary = `build 1k median ${median(builds).toFixed(0)} ms, reference median ${median(refs).toFixed(0)} ms, ratio ${ratio.toFixed(2)}`;
if (process.argv.includes('--update')) {
  writeFileSync(baselineFile, `${JSON.stringify({ ratio: Number(ratio.toFixed(3)), recorded: summary, node: process.version }, null, 2)}\n`);
  console.log(`baseline recorded: ${summary}`);
} else {
  const baseline = JSON.parse(readFileSync(baselineFile, 'utf8'));
  const verdict = ratio <= LIMIT * baseline.ratio;
  console.log(`${summary}; baseline ratio ${baseline.ratio} (limit ${(LIMIT * baseline.ratio).toFixed(2)}): ${verdict ? 'ok' : 'REGRESSION'}`);
  if (!verdict) process.exit(1);
}
