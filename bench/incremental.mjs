#!/usr/bin/env node
// The incremental mode (`build --incremental`): a rebuild after editing one
// file, with the parse cache in <specs>/.metafuse/ warm, against a build without
// the cache, on a copy of a generated corpus.
//
//   npm run bench:incremental                 # 10,000 datasets, 5 runs each
//   node bench/incremental.mjs --datasets 50000 --runs 3
//
// Each run is a fresh `metafuse build` process, wall time from spawn to exit.
// Cold: `build` without --incremental. Incremental: before each run, one dataset
// file's description is edited (a different file each run); the cache was
// filled by one untimed `build --incremental` first.
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bin, fail, fmtMs, generator, measure, outRoot, repeat } from './harness.mjs';

const { values } = parseArgs({ options: { datasets: { type: 'string', default: '10000' }, runs: { type: 'string', default: '5' } } });
const n = Number(values.datasets);
const runs = Number(values.runs);
if (!(n > 0) || !(runs > 0)) fail('usage: node bench/incremental.mjs [--datasets N] [--runs R]');

const corpus = path.join(outRoot, `specs-${n}`);
if (!existsSync(path.join(corpus, 'metafuse.yaml'))) {
  execFileSync(process.execPath, [generator, '--datasets', String(n), '--seed', '1', '--out', corpus, '--force'], { stdio: 'inherit' });
}
const specs = path.join(outRoot, `incremental-${n}`);
rmSync(specs, { recursive: true, force: true });
cpSync(corpus, specs, { recursive: true });
const out = path.join(outRoot, `incremental-${n}.db`);
const files = [];
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(path.join(d, e.name));
    else if (e.name.endsWith('.yaml') && d.includes('datasets')) files.push(path.join(d, e.name));
  }
};
walk(specs);
files.sort();

const build = [bin, 'build', '--specs', specs, '--out', out];
const cold = await repeat(`build ${n} (no cache)`, build, runs);
const filled = await measure([...build, '--incremental']);
if (filled.code !== 0) fail(`build --incremental exited with ${filled.code}:\n${filled.stderr}`);
process.stderr.write(`  build ${n} --incremental, empty cache: ${fmtMs(filled.ms)}\n`);
let edited = 0;
const samples = [];
for (let i = 0; i < runs; i++) {
  // A file whose description is a one-line plain scalar (not a | or > block).
  let k = (i * 997) % files.length;
  while (!/^description: [^|>\s]/m.test(readFileSync(files[k], 'utf8'))) k = (k + 1) % files.length;
  const f = files[k];
  writeFileSync(f, readFileSync(f, 'utf8').replace(/^description: ([^|>\s].*)$/m, `description: $1 (edit ${++edited})`));
  const r = await measure([...build, '--incremental']);
  if (r.code !== 0) fail(`build --incremental exited with ${r.code}:\n${r.stderr}`);
  samples.push(r.ms);
  process.stderr.write(`  build ${n} --incremental after editing ${path.relative(specs, f)}: ${fmtMs(r.ms)}\n`);
}
samples.sort((a, b) => a - b);
const med = samples[samples.length >> 1];
console.log(`| build, ${n.toLocaleString('en-US')} datasets | median | min | max |\n| --- | ---: | ---: | ---: |`);
console.log(`| no cache | ${fmtMs(cold.median)} | ${fmtMs(cold.min)} | ${fmtMs(cold.max)} |`);
console.log(`| \`--incremental\`, one file edited | ${fmtMs(med)} | ${fmtMs(samples[0])} | ${fmtMs(samples[samples.length - 1])} |`);
console.log(`\nincremental / cold = ${(med / cold.median).toFixed(2)} (cache file ${(readFileSync(path.join(specs, '.metafuse', 'parse-cache.json')).length / 1048576).toFixed(1)} MiB)`);
