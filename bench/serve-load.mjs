#!/usr/bin/env node
// Load benchmark of `metafuse serve` over a generated catalog.
//
//   npm run bench:serve                          # 10,000 datasets; tables on stdout
//   npm run bench:serve -- --write               # also rewrite the serve section of docs/benchmarks.md
//
// Options: --datasets N     corpus size (default 10000)
//          --seed S         generator seed (default 1)
//          --duration S     seconds per endpoint mix (default 10)
//          --connections N  concurrent connections (default 50)
//          --catalog FILE   serve this catalog instead of building one
//          --only a,b       run only these mixes (search, "search, uncached", show, lineage, list, search+show; separate with ;)
//          --rate N         requests per second of the last run of the search+show mix,
//                           at random arrival times (default 1000; 0 skips it)
//          --cpu-prof DIR   run the server under `node --cpu-prof` and leave the profile in DIR
//          --json FILE      also write the measured rows (per mix: req/s, p50, p90, p99,
//                           max, errors; loaded and 1 connection) as JSON to FILE
//                           (bench/run.mjs --serve uses this)
//          --write          replace the section between <!-- bench:serve:start --> and
//                           <!-- bench:serve:end --> in docs/benchmarks.md (appended if missing)
//
// The corpus is generated with bench/generate.mjs into bench/out/specs-<N>/ (kept
// between runs: the generator is deterministic) and built with the current code
// into bench/out/serve-catalog-<N>.db. The server is `node bin/metafuse.js serve
// --quiet` in a child process on 127.0.0.1; autocannon drives it from this process
// with keep-alive connections, each sending its next request when the previous
// answer arrived (a closed loop: latency includes the time a request waits behind
// the others). Latencies are taken from every response (autocannon's own
// histogram has 1 ms steps). Each mix first runs with one connection for a few
// seconds, which shows the time one request costs without queueing.
// Expects lib/ to be built (`npm run bench:serve` runs `npm run build:ts` first).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { rng } from './harness.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outRoot = path.join(root, 'bench', 'out');
const bin = path.join(root, 'bin', 'metafuse.js');
const docPath = path.join(root, 'docs', 'benchmarks.md');
const START = '<!-- bench:serve:start -->';
const END = '<!-- bench:serve:end -->';
const MIXES = ['search', 'search, uncached', 'show', 'lineage', 'list', 'search+show'];

const { values } = parseArgs({
  options: {
    datasets: { type: 'string', default: '10000' },
    seed: { type: 'string', default: '1' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rate: { type: 'string', default: '1000' },
    catalog: { type: 'string' },
    only: { type: 'string' },
    'cpu-prof': { type: 'string' },
    json: { type: 'string' },
    write: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: node bench/serve-load.mjs [--datasets 10000] [--duration 10] [--connections 50] [--catalog FILE] [--only "search;show"] [--cpu-prof DIR] [--json FILE] [--write]\n');
  process.exit(0);
}
const datasets = positiveInt('datasets');
const duration = positiveInt('duration');
const connections = positiveInt('connections');
const seed = Number(values.seed);
const rate = Number(values.rate);
if (!Number.isInteger(rate) || rate < 0) fail('--rate takes a whole number (0 skips the rate-limited run)');
const mixes = values.only ? values.only.split(';').map((s) => s.trim()) : MIXES;
for (const m of mixes) if (!MIXES.includes(m)) fail(`--only: unknown mix "${m}" (${MIXES.join(', ')})`);
if (!existsSync(path.join(root, 'lib', 'cli', 'main.js'))) fail('lib/ is not built; run "npm run build:ts" (npm run bench:serve does it for you)');

function positiveInt(name) {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 1) fail(`--${name} takes a positive integer`);
  return n;
}

function fail(message) {
  process.stderr.write(`serve-load: ${message}\n`);
  process.exit(2);
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

// ---------------------------------------------------------------- the catalog

function prepareCatalog() {
  if (values.catalog) return path.resolve(values.catalog);
  mkdirSync(outRoot, { recursive: true });
  const specs = path.join(outRoot, `specs-${datasets}`);
  if (!existsSync(path.join(specs, 'metafuse.yaml'))) {
    log(`generating ${datasets} datasets into ${path.relative(root, specs)} ...`);
    const g = spawnSync(process.execPath, [path.join(root, 'bench', 'generate.mjs'), '--datasets', String(datasets), '--out', specs, '--seed', String(seed), '--force'], { stdio: 'inherit' });
    if (g.status !== 0) fail('generate.mjs failed');
  }
  const file = path.join(outRoot, `serve-catalog-${datasets}.db`);
  log(`building ${path.relative(root, file)} ...`);
  const b = spawnSync(process.execPath, [bin, 'build', '--specs', specs, '--out', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (b.status !== 0) fail(`metafuse build failed:\n${b.stderr}`);
  return file;
}


/** The request targets of each mix, from the catalog's own names. */
async function requestPools(file) {
  const { openCatalog } = await import(pathToFileURL(path.join(root, 'lib', 'catalog', 'open.js')).href);
  const { listDatasets, stats } = await import(pathToFileURL(path.join(root, 'lib', 'catalog', 'queries.js')).href);
  const cat = openCatalog(file);
  try {
    const all = listDatasets(cat).datasets;
    const st = stats(cat);
    const random = rng(seed);
    const pick = (list) => list[Math.floor(random() * list.length)];
    const ref = (d) => encodeURIComponent(`${d.tenant}/${d.name}`);
    // More distinct targets than the server's answer cache holds (2,000), asked in a
    // cycle: every show, lineage and list request is a cache miss.
    const sample = Array.from({ length: 5000 }, () => pick(all));
    // What people type: whole words, names, field names, phrases, and the prefixes a
    // search box sends while typing.
    const words = ['orders', 'customer', 'revenue', 'shipments', 'payments', 'refunds', 'fx rates', 'campaigns', 'tickets', 'churn', 'stock levels', 'fraud',
      'page views', 'customer_id', 'order_id', 'email', 'country', 'amount', 'created_at', 'currency', '"daily snapshot"', 'raw extract', 'mart', 'pii', 'gdpr',
      'kpi', 'the erp', 'kafka', 'monthly reporting', 'sales daily', 'order items', 'sessions', 'inventory', 'suppliers', 'invoices'];
    const typed = ['ord', 'orde', 'order', 'cust', 'custo', 'pay', 'paym', 'ship', 'rev', 'fx', 'camp', 'ref', 'tick'];
    const names = sample.slice(0, 40).map((d) => d.name);
    const queries = [...words, ...typed, ...names];
    const tags = ['pii', 'mart', 'certified', 'daily', 'kpi', 'raw'];
    const domains = st.domains.map((d) => d.domain).filter(Boolean);
    // The same popular queries over and over: after the first round, answered from the cache.
    const search = queries.map((q) => `/api/v1/search?q=${encodeURIComponent(q)}&limit=20`);
    // The same queries with limits 11-40: 2,640 distinct requests in a cycle, every one a cache miss.
    const searchUncached = Array.from({ length: 30 }, (_, k) => queries.map((q) => `/api/v1/search?q=${encodeURIComponent(q)}&limit=${11 + k}`)).flat();
    const show = sample.map((d) => `/api/v1/datasets/${ref(d)}`);
    // The lineage page's default view: both directions, depth 2, no columns.
    const lineage = sample.map((d) => `/api/v1/lineage/${ref(d)}?direction=both&depth=2&columns=0`);
    const list = Array.from({ length: 3000 }, (_, i) => {
      const offset = Math.floor(random() * 200) * 50;
      const limit = 41 + (i % 20);
      if (i % 3 === 0) return `/api/v1/datasets?limit=${limit}&offset=${offset}`;
      if (i % 3 === 1) return `/api/v1/datasets?domain=${encodeURIComponent(pick(domains))}&limit=${limit}&offset=${offset % 800}`;
      return `/api/v1/datasets?tag=${pick(tags)}&tenant=acme&limit=${limit}&offset=${offset % 400}`;
    });
    return {
      search,
      'search, uncached': searchUncached,
      show,
      lineage,
      list,
      'search+show': interleave(search, show),
      catalog: { datasets: st.datasets, fields: st.fields, lineageEdges: st.lineageEdges },
    };
  } finally {
    cat.close();
  }
}

/** A search, then a dataset page: what someone using the page does. */
function interleave(a, b) {
  const out = [];
  for (let i = 0; i < Math.max(a.length, b.length) * 2; i++) out.push(i % 2 ? b[(i >> 1) % b.length] : a[(i >> 1) % a.length]);
  return out;
}

// ---------------------------------------------------------------- the server

function startServer(file) {
  const args = [];
  if (values['cpu-prof']) {
    mkdirSync(values['cpu-prof'], { recursive: true });
    args.push('--cpu-prof', '--cpu-prof-dir', path.resolve(values['cpu-prof']));
  }
  args.push(bin, 'serve', '--catalog', file, '--port', '0', '--quiet', '--poll', '0');
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, METAFUSE_API_TOKEN: '', NO_COLOR: '1' } });
  let err = '';
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (c) => {
      err += c;
      const m = / at (http:\/\/\S+\/)/.exec(err);
      if (m) resolve({ child, url: m[1], exited, stderr: () => err });
    });
    void exited.then(({ code }) => reject(new Error(`metafuse serve exited (${code}):\n${err}`)));
  });
}

// ---------------------------------------------------------------- load

/** Runs one autocannon load and measures every response. */
async function load(url, targets, { connections: conns, seconds }) {
  let i = 0;
  const latencies = [];
  const statuses = new Map();
  const instance = autocannon({
    url,
    connections: conns,
    duration: seconds,
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: targets[i++ % targets.length] }) }],
  });
  instance.on('response', (_client, status, _bytes, ms) => {
    latencies.push(ms);
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  });
  const result = await instance;
  return summary(latencies, statuses, seconds, result.errors, result.timeouts);
}

function summary(latencies, statuses, seconds, errors, timeouts) {
  latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))] ?? NaN;
  const non2xx = [...statuses].filter(([s]) => s < 200 || s > 299).reduce((n, [, c]) => n + c, 0);
  return {
    requests: latencies.length,
    rps: latencies.length / seconds,
    p50: q(50),
    p90: q(90),
    p99: q(99),
    max: latencies[latencies.length - 1] ?? NaN,
    errors,
    timeouts,
    non2xx,
    statuses: Object.fromEntries(statuses),
  };
}

/**
 * Requests at random (Poisson) arrival times, `rate` per second on average, over a pool
 * of up to `connections` keep-alive connections: how busy users arrive, unlike
 * autocannon's rate limit, which fires every connection in the same instant. Latency
 * counts from the moment a request was due, so a late send counts against the server.
 */
async function paced(url, targets, { connections: conns, seconds, rate: perSecond }) {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: conns });
  const random = rng(seed + 1);
  const latencies = [];
  const statuses = new Map();
  let errors = 0;
  let i = 0;
  const pending = new Set();
  const start = performance.now();
  const end = start + seconds * 1000;
  let due = start;
  await new Promise((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (; due <= now && due < end; due += (-Math.log(1 - random()) * 1000) / perSecond) {
        const at = due;
        const done = new Promise((settle) => {
          const req = http.get({ host: u.hostname, port: u.port, path: targets[i++ % targets.length], agent }, (res) => {
            res.resume();
            res.on('end', () => {
              latencies.push(performance.now() - at);
              statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
              settle();
            });
          });
          req.on('error', () => {
            errors++;
            settle();
          });
        });
        pending.add(done);
        void done.then(() => pending.delete(done));
      }
      if (due >= end) void Promise.all(pending).then(resolve);
      else setTimeout(tick, Math.max(0, due - performance.now()));
    };
    tick();
  });
  agent.destroy();
  return summary(latencies, statuses, seconds, errors, 0);
}

// ---------------------------------------------------------------- report

const ms = (v) => (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const int = (v) => Math.round(v).toLocaleString('en-US');

function table(rows) {
  const head = `| mix | req/s | p50 ms | p90 ms | p99 ms | max ms | requests | errors | non-2xx | 1 connection: p50 / p99 ms |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`;
  const lines = rows.map(
    (r) => `| ${r.mix} | ${int(r.loaded.rps)} | ${ms(r.loaded.p50)} | ${ms(r.loaded.p90)} | ${ms(r.loaded.p99)} | ${ms(r.loaded.max)} | ${int(r.loaded.requests)} | ${r.loaded.errors + r.loaded.timeouts} | ${r.loaded.non2xx} | ${ms(r.single.p50)} / ${ms(r.single.p99)} |`,
  );
  return [head, ...lines].join('\n');
}

async function main() {
  const loadBefore = os.loadavg()[0];
  const file = prepareCatalog();
  const pools = await requestPools(file);
  const server = await startServer(file);
  log(`serving ${path.relative(root, file) || file} at ${server.url}`);
  const rows = [];
  try {
    // Warm up: every statement prepared, the file in the page cache, the JIT warm.
    log('warming up (3 s) ...');
    await load(server.url, [...pools['search+show'], ...pools.lineage.slice(0, 200), ...pools.list.slice(0, 100)], { connections: 10, seconds: 3 });
    for (const mix of mixes) {
      log(`${mix}: 1 connection for 3 s, then ${connections} connections for ${duration} s ...`);
      const single = await load(server.url, pools[mix], { connections: 1, seconds: 3 });
      const loaded = await load(server.url, pools[mix], { connections, seconds: duration });
      rows.push({ mix, single, loaded });
      log(`  ${int(loaded.rps)} req/s, p50 ${ms(loaded.p50)} ms, p99 ${ms(loaded.p99)} ms, errors ${loaded.errors + loaded.timeouts}, non-2xx ${loaded.non2xx}`);
    }
    if (rate > 0 && mixes.includes('search+show')) {
      const mix = `search+show at ${int(rate)} req/s`;
      log(`${mix}: random arrivals over up to ${connections} connections for ${duration} s ...`);
      const loaded = await paced(server.url, pools['search+show'], { connections, seconds: duration, rate });
      rows.push({ mix, single: rows.find((r) => r.mix === 'search+show').single, loaded });
      log(`  ${int(loaded.rps)} req/s, p50 ${ms(loaded.p50)} ms, p99 ${ms(loaded.p99)} ms`);
    }
  } finally {
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    if (exit.code !== 0) log(`warning: the server exited with ${exit.code ?? exit.signal}`);
  }
  const loadAfter = os.loadavg()[0];
  const cpus = os.cpus();
  const machine = `${cpus.length} CPUs (${cpus[0]?.model.trim() ?? 'unknown'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB memory, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}`;
  const searchShow = rows.find((r) => r.mix === 'search+show');
  const pacedRow = rows.find((r) => r.mix.startsWith('search+show at'));
  const verdict = searchShow
    ? `Target (issue 8): p99 ≤ 10 ms for the search+show mix at 10k datasets — with ${connections} connections as fast as the server answers, ${searchShow.loaded.p99 <= 10 ? 'met' : 'not met'} (p99 ${ms(searchShow.loaded.p99)} ms)` +
      (pacedRow ? `; at ${int(rate)} requests/s arriving at random, ${pacedRow.loaded.p99 <= 10 ? 'met' : 'not met'} (p99 ${ms(pacedRow.loaded.p99)} ms).` : '.')
    : '';
  const section = [
    START,
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine}; 1-minute load average ${loadBefore.toFixed(2)} before and ${loadAfter.toFixed(2)} after (the load generator and the server share these CPUs).`,
    `Catalog: ${int(pools.catalog.datasets)} datasets, ${int(pools.catalog.fields)} fields, ${int(pools.catalog.lineageEdges)} lineage edges (corpus seed ${seed}). ${connections} keep-alive connections for ${duration} s per mix, each sending its next request as soon as it has an answer, after a 3 s warm-up; the last row instead sends ${int(rate)} requests/s at random (Poisson) times over up to ${connections} connections, latency counted from when each request was due; the last column is the mix with one connection for 3 s.`,
    '',
    table(rows),
    '',
    'Mixes: **search** — 88 queries (35 words, names and phrases, 13 prefixes as typed, 40 dataset names; `limit=20`) asked over and over, so answered from the server\'s cache of recent answers after the first round; **search, uncached** — the same queries with `limit` 11 to 40, every request a cache miss; **show** — 5,000 random datasets by `tenant%2Fname`, every request a cache miss; **lineage** — the same datasets, `direction=both&depth=2` (the lineage page\'s default), cache misses; **list** — pages of 41 to 60 with and without domain, tag and tenant filters, cache misses; **search+show** — a popular search, then a dataset page, alternately.',
    verdict,
    END,
  ].join('\n');
  process.stdout.write(`${section}\n`);
  if (values.json) {
    writeFileSync(values.json, `${JSON.stringify({ connections, duration, loadBefore, loadAfter, catalog: pools.catalog, rows }, null, 2)}\n`);
  }
  if (values.write) {
    const doc = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '# Benchmarks\n';
    const start = doc.indexOf(START);
    const end = doc.indexOf(END);
    const next = start >= 0 && end > start ? `${doc.slice(0, start)}${section}${doc.slice(end + END.length)}` : `${doc.trimEnd()}\n\n## Serving: \`metafuse serve\` under load\n\n${section}\n`;
    writeFileSync(docPath, next);
    log(`wrote ${path.relative(root, docPath)}`);
  }
}

main().catch((e) => {
  process.stderr.write(`serve-load: ${e.stack ?? e}\n`);
  process.exit(1);
});
