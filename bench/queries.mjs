#!/usr/bin/env node
// In-process latency of the catalog queries behind `metafuse search`, `show` and
// `lineage`, through the library (lib/catalog/open.js and lib/catalog/queries.js).
// bench/run.mjs runs it as a fresh process per run; on its own:
//
//   node bench/queries.mjs --catalog bench/out/catalog-10000.db [--seed 1]
//        [--calls 2000] [--lineage-calls 200] [--budget 5] [--warmup 1]
//        [--no-search-index]
//
// The catalog's in-memory search index is prepared first, as `metafuse serve`
// prepares it for every catalog it opens (its build time is searchIndexMs);
// --no-search-index leaves it out, so that searches rank on FTS5 alone.
//
// Prints one JSON object on stdout: for search, show and lineage, the number of
// timed calls and their p50, p95 and max in ms.
//
// - search: single words drawn (seeded, with replacement) from the corpus vocabulary:
//   the words of dataset names and descriptions and field names and descriptions
//   in the catalog; searchDatasets(cat, word) with its default limit (20).
// - show: showDataset(cat, "tenant/name") of datasets picked at random.
// - lineage: lineage(cat, "tenant/name", 'both', MAX_LINEAGE_DEPTH) of datasets
//   picked at random: both directions, full depth, no column lineage.
//
// Each call runs in one read transaction, as `metafuse serve` runs a request
// (src/server/catalog-source.ts), and is timed alone with performance.now().
// Before timing, each kind is warmed up (--warmup seconds, at least 5 calls, on
// other picks of the same generator) so that statements are prepared, the pages
// in SQLite's cache and the JIT warm. Timing stops after --calls calls (lineage:
// --lineage-calls) or after --budget seconds per kind, whichever comes first,
// but never before 20 calls.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { fail, percentile, rng, root } from './harness.mjs';

const { values } = parseArgs({
  options: {
    catalog: { type: 'string' },
    seed: { type: 'string', default: '1' },
    calls: { type: 'string', default: '2000' },
    'lineage-calls': { type: 'string', default: '200' },
    'no-search-index': { type: 'boolean', default: false },
    budget: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
  },
});
if (!values.catalog) fail('queries.mjs: --catalog FILE is required');
const num = (name, min) => {
  const n = Number(values[name]);
  if (!Number.isFinite(n) || n < min) fail(`queries.mjs: --${name} takes a number ≥ ${min}`);
  return n;
};
const seed = num('seed', 0);
const calls = num('calls', 1);
const lineageCalls = num('lineage-calls', 1);
const budgetMs = num('budget', 0.1) * 1000;
const warmupMs = num('warmup', 0) * 1000;

const lib = (p) => import(pathToFileURL(path.join(root, 'lib', 'catalog', p)).href);
const { openCatalog } = await lib('open.js');
const { lineage, listDatasets, MAX_LINEAGE_DEPTH, prepareSearch, searchDatasets, showDataset } = await lib('queries.js');

const cat = openCatalog(path.resolve(values.catalog));
// As `metafuse serve` does for every catalog it opens: searches rank on the in-memory
// index (without it, on FTS5; --no-search-index measures that). Its build time is reported.
const indexStart = performance.now();
if (!values['no-search-index']) await prepareSearch(cat);
const searchIndexMs = values['no-search-index'] ? null : performance.now() - indexStart;
const random = rng(seed);
const pick = (list) => list[Math.floor(random() * list.length)];

const refs = listDatasets(cat).datasets.map((d) => `${d.tenant}/${d.name}`);
const vocabulary = new Set();
const addWords = (text) => {
  for (const w of (text ?? '').toLowerCase().match(/[a-z][a-z0-9]{2,}/g) ?? []) vocabulary.add(w);
};
for (const r of cat.db.prepare('SELECT name, description FROM datasets').all()) addWords(`${r.name} ${r.description ?? ''}`);
for (const r of cat.db.prepare('SELECT path, description FROM fields').all()) addWords(`${r.path} ${r.description ?? ''}`);
const words = [...vocabulary].sort();
if (refs.length === 0 || words.length === 0) fail('queries.mjs: the catalog has no datasets');

const kinds = {
  search: { max: calls, next: () => pick(words), run: (w) => searchDatasets(cat, w) },
  show: { max: calls, next: () => pick(refs), run: (ref) => showDataset(cat, ref) },
  lineage: { max: lineageCalls, next: () => pick(refs), run: (ref) => lineage(cat, ref, 'both', MAX_LINEAGE_DEPTH) },
};

const result = { catalog: values.catalog, datasets: refs.length, vocabulary: words.length, searchIndexMs };
for (const [kind, k] of Object.entries(kinds)) {
  const call = (arg) => cat.db.transaction(() => k.run(arg));
  const warmEnd = performance.now() + warmupMs;
  for (let i = 0; i < 5 || performance.now() < warmEnd; i++) call(k.next());
  const times = [];
  const end = performance.now() + budgetMs;
  let sink = 0;
  while (times.length < k.max && (times.length < 20 || performance.now() < end)) {
    const arg = k.next();
    const t = performance.now();
    const out = call(arg);
    times.push(performance.now() - t);
    sink += out ? 1 : 0;
  }
  if (sink !== times.length) fail(`queries.mjs: ${kind} returned nothing`);
  times.sort((a, b) => a - b);
  result[kind] = { calls: times.length, p50: percentile(times, 50), p95: percentile(times, 95), max: times[times.length - 1] };
}
cat.close();
process.stdout.write(`${JSON.stringify(result)}\n`);
