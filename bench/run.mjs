#!/usr/bin/env node
// Benchmarks `metafuse validate` and `metafuse build` on synthetic corpora.
//
//   npm run bench                                   # sizes 1000,10000; table on stdout
//   npm run bench -- --sizes 1000,10000,50000 --write   # also rewrite docs/benchmarks.md
//
// Options: --sizes N,N,...  corpus sizes in datasets (default 1000,10000)
//          --runs N         runs per measurement (default 5)
//          --seed S         generator seed (default 1)
//          --write          replace the section between <!-- bench:start --> and
//                           <!-- bench:end --> in docs/benchmarks.md (created if missing)
//
// Every measurement is a fresh `node` process: wall time from spawn to exit, and the
// peak RSS from `/usr/bin/time -v` when it exists, else from the child's own
// process.resourceUsage().maxRSS reported by bench/child.mjs. Expects lib/ to be
// built (`npm run bench` runs `npm run build:ts` first).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outRoot = path.join(root, 'bench', 'out');
const bin = path.join(root, 'bin', 'metafuse.js');
const generator = path.join(root, 'bench', 'generate.mjs');
const childWrapper = path.join(root, 'bench', 'child.mjs');
const docPath = path.join(root, 'docs', 'benchmarks.md');
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,10000' },
    runs: { type: 'string', default: '5' },
    seed: { type: 'string', default: '1' },
    write: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  process.stdout.write('Usage: node bench/run.mjs [--sizes 1000,10000] [--runs 5] [--seed 1] [--write]\n');
  process.exit(0);
}
const sizes = values.sizes.split(',').map((s) => Number(s.trim()));
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) fail('--sizes takes positive integers separated by commas');
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1) fail('--runs takes a positive integer');
const seed = Number(values.seed);
if (!existsSync(path.join(root, 'lib', 'cli', 'main.js'))) fail('lib/ is not built; run "npm run build:ts" (npm run bench does it for you)');

const useTime = (() => {
  if (process.env.BENCH_NO_TIME) return false; // force the bench/child.mjs fallback
  try {
    return statSync('/usr/bin/time').isFile();
  } catch {
    return false;
  }
})();

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(1);
}

/** Runs `node <args>` once; resolves {ms, cpuMs, rssKiB, code, stdout, stderr}. */
function measure(args, env = {}) {
  return new Promise((resolve, reject) => {
    const cmd = useTime ? '/usr/bin/time' : process.execPath;
    const argv = useTime ? ['-v', process.execPath, ...args] : [childWrapper, ...args];
    const started = process.hrtime.bigint();
    const child = spawn(cmd, argv, { cwd: root, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = [];
    const err = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      let stderr = Buffer.concat(err).toString('utf8');
      let rssKiB = null;
      let cpuMs = null;
      if (useTime) {
        const user = /User time \(seconds\): ([0-9.]+)/.exec(stderr);
        const sys = /System time \(seconds\): ([0-9.]+)/.exec(stderr);
        if (user && sys) cpuMs = (Number(user[1]) + Number(sys[1])) * 1000;
      } else {
        const c = /^bench-cpu-us: (\d+)$/m.exec(stderr);
        if (c) (cpuMs = Number(c[1]) / 1000), (stderr = stderr.replace(c[0], ''));
      }
      const m = useTime ? /Maximum resident set size \(kbytes\): (\d+)/.exec(stderr) : /^bench-maxrss-kib: (\d+)$/m.exec(stderr);
      if (m) {
        rssKiB = Number(m[1]);
        stderr = useTime ? stderr.slice(0, stderr.lastIndexOf('\tCommand being timed:')) : stderr.replace(m[0], '');
      }
      resolve({ ms, cpuMs, rssKiB, code, stdout: Buffer.concat(out).toString('utf8'), stderr: stderr.trim() });
    });
  });
}

async function repeat(label, args, n, check) {
  const samples = [];
  for (let i = 0; i < n; i++) {
    const r = await measure(args);
    if (r.code !== 0) fail(`${label} exited with ${r.code}:\n${r.stderr}\n${r.stdout}`);
    check?.(r);
    samples.push(r);
    process.stderr.write(`  ${label} run ${i + 1}/${n}: ${fmtMs(r.ms)} wall, ${r.cpuMs === null ? 'n/a' : fmtMs(r.cpuMs)} CPU, ${fmtRss(r.rssKiB)}\n`);
  }
  const times = samples.map((s) => s.ms).sort((a, b) => a - b);
  const rss = samples.map((s) => s.rssKiB).filter((x) => x !== null);
  const cpu = samples.map((s) => s.cpuMs).filter((x) => x !== null).sort((a, b) => a - b);
  return {
    median: median(times),
    min: times[0],
    max: times[times.length - 1],
    cpuMs: cpu.length ? median(cpu) : null,
    rssKiB: rss.length ? Math.max(...rss) : null,
    last: samples[samples.length - 1],
  };
}

function median(sorted) {
  const m = sorted.length >> 1;
  return sorted.length % 2 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
}

function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

function fmtRss(kib) {
  return kib === null ? 'n/a' : `${Math.round(kib / 1024)} MiB`;
}

function fmtBytes(n) {
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Files, bytes and a content hash of a tree (sorted walk). */
function treeStats(dir) {
  const hash = createHash('sha256');
  const stats = { yamlFiles: 0, yamlBytes: 0, arrowFiles: 0, arrowBytes: 0 };
  const walk = (d) => {
    for (const name of readdirSync(d).sort()) {
      const p = path.join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else {
        const bytes = readFileSync(p);
        hash.update(path.relative(dir, p)).update('\0').update(bytes);
        if (name.endsWith('.yaml')) (stats.yamlFiles++, (stats.yamlBytes += st.size));
        else if (name.endsWith('.arrow')) (stats.arrowFiles++, (stats.arrowBytes += st.size));
      }
    }
  };
  walk(dir);
  return { ...stats, hash: hash.digest('hex') };
}

const rows = [];
const corpora = [];
const loadBefore = os.loadavg()[0];
mkdirSync(outRoot, { recursive: true });
for (const size of sizes) {
  const specs = path.join(outRoot, `specs-${size}`);
  const catalog = path.join(outRoot, `catalog-${size}.db`);
  const rel = (p) => path.relative(root, p);
  process.stderr.write(`corpus of ${size} datasets → ${rel(specs)}\n`);

  // Generation, repeated like the rest; every run must give the same tree.
  let firstHash;
  const gen = await repeat(`generate ${size}`, [generator, '--datasets', String(size), '--seed', String(seed), '--out', specs], runs, () => {
    const h = treeStats(specs).hash;
    if (firstHash !== undefined && h !== firstHash) fail(`generator is not deterministic: tree hash changed between runs at size ${size}`);
    firstHash = h;
  });
  const tree = treeStats(specs);

  const validate = await repeat(`validate ${size}`, [bin, 'validate', '--specs', rel(specs)], runs, (r) => {
    if (!/^ok: 0 errors/m.test(r.stderr)) fail(`validate did not report "ok: 0 errors":\n${r.stderr}`);
  });
  const warnings = /ok: 0 errors, (\d+) warnings?/.exec(validate.last.stderr)?.[1] ?? '?';

  rmSync(catalog, { force: true });
  const build = await repeat(`build ${size}`, [bin, 'build', '--specs', rel(specs), '--out', rel(catalog)], runs);
  const built = /: (\d+) datasets, (\d+) fields, (\d+) lineage edges/.exec(build.last.stderr);
  const catalogBytes = statSync(catalog).size;

  rows.push({ what: 'generate corpus', size, ...gen });
  rows.push({ what: '`metafuse validate`', size, ...validate });
  rows.push({ what: '`metafuse build`', size, ...build });
  corpora.push({
    size,
    terms: Math.max(20, Math.round(size / 100)),
    ...tree,
    fields: built ? Number(built[2]) : null,
    lineageEdges: built ? Number(built[3]) : null,
    warnings,
    catalogBytes,
  });
}

const timingTable = [
  '| what | datasets | median | min | max | CPU (user+sys, median) | peak RSS |',
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.what} | ${r.size.toLocaleString('en-US')} | ${fmtMs(r.median)} | ${fmtMs(r.min)} | ${fmtMs(r.max)} | ${r.cpuMs === null ? 'n/a' : fmtMs(r.cpuMs)} | ${fmtRss(r.rssKiB)} |`,
  ),
].join('\n');

const corpusTable = [
  '| datasets | glossary terms | YAML files | YAML size | Arrow files | fields (incl. nested) | dataset lineage edges | validate warnings | catalog file |',
  '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ...corpora.map(
    (c) =>
      `| ${c.size.toLocaleString('en-US')} | ${c.terms} | ${c.yamlFiles.toLocaleString('en-US')} | ${fmtBytes(c.yamlBytes)} | ${c.arrowFiles} | ${c.fields?.toLocaleString('en-US') ?? '?'} | ${c.lineageEdges?.toLocaleString('en-US') ?? '?'} | ${c.warnings} | ${fmtBytes(c.catalogBytes)} |`,
  ),
].join('\n');

const cpu = os.cpus()[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown CPU';
const machine = `${os.availableParallelism()} CPUs (${cpu}), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB memory, ${os.type()} ${os.release()} ${os.arch()}, Node ${process.version}`;
const section = `${START}
Measured ${new Date().toISOString().slice(0, 10)} on ${machine}.
1-minute load average ${loadBefore.toFixed(2)} before and ${os.loadavg()[0].toFixed(2)} after the runs (other work
on the machine inflates wall times more than CPU times). ${runs} runs per row, each a fresh process;
wall times from process start to exit, CPU = user + system time; peak RSS is the largest of the
runs (${useTime ? '`/usr/bin/time -v`' : '`process.resourceUsage()`'}). Corpus seed ${seed}.

${timingTable}

Corpora and outputs:

${corpusTable}
${END}`;

process.stdout.write(`${machine}; load ${loadBefore.toFixed(2)} → ${os.loadavg()[0].toFixed(2)}\n\n${timingTable}\n\n${corpusTable}\n`);

if (values.write) {
  let doc;
  if (existsSync(docPath)) {
    doc = readFileSync(docPath, 'utf8');
    const a = doc.indexOf(START);
    const b = doc.indexOf(END);
    if (a < 0 || b < a) fail(`${path.relative(root, docPath)} has no ${START} … ${END} section to replace`);
    doc = doc.slice(0, a) + section + doc.slice(b + END.length);
  } else {
    doc = `${intro()}\n${section}\n`;
  }
  mkdirSync(path.dirname(docPath), { recursive: true });
  writeFileSync(docPath, doc);
  process.stderr.write(`wrote ${path.relative(root, docPath)}\n`);
}

/** Used only when docs/benchmarks.md does not exist yet; afterwards only the marked section is rewritten. */
function intro() {
  return `# Benchmarks

How long \`metafuse validate\` and \`metafuse build\` take, and how much memory they
use, on synthetic spec trees of growing size.

## How to run

\`\`\`sh
npm ci
npm run bench                                        # 1,000 and 10,000 datasets, prints the tables
npm run bench -- --sizes 1000,10000,50000 --write    # also rewrites the results below
\`\`\`

\`npm run bench\` compiles \`src/\` (\`npm run build:ts\`), then \`bench/run.mjs\` generates
each corpus into \`bench/out/specs-<N>/\` with \`bench/generate.mjs\` and times every
command \`--runs\` times (default 5) as a fresh \`node\` process: wall time from
process start to exit (Node start-up included), median, min and max; the median
CPU time (user + system), which other load on the machine disturbs less than the
wall time; and the largest peak RSS of the runs (from \`/usr/bin/time -v\`, else
from the child's \`process.resourceUsage()\` via \`bench/child.mjs\`). The spec files
are in the page cache (they were just written), so disk reads are not measured.
The catalog is written to \`bench/out/catalog-<N>.db\`. A corpus can also be made
on its own:

\`\`\`sh
node bench/generate.mjs --datasets 10000 --out /tmp/specs --seed 1
node bin/metafuse.js validate --specs /tmp/specs
\`\`\`

## The corpus

\`bench/generate.mjs\` is deterministic: the same \`--datasets\` and \`--seed\` give a
byte-identical tree (\`run.mjs\` checks this on every repeated generation). For N
datasets it writes:

- \`metafuse.yaml\`: a Catalog with \`defaults.tenant: acme\` and \`requireOwner: true\`;
- \`datasets/<domain>/<name>.yaml\`: one Dataset per file, spread over 12 domains;
  90 % in tenant \`acme\`, 10 % in tenant \`partner\`;
- about 10 fields per dataset, in canonical spellings and aliases (\`bigint\`,
  \`varchar(3)\`, \`timestamptz\`, \`decimal(12,2)\`, \`numeric(12,2)\`, \`date\`, ...) and
  nested types (\`"struct<a: int64, b: string>"\`, \`list<string>\`, \`map<string, int64>\`);
- about 5 upstream edges per dataset, always to datasets generated earlier (no
  cycles), mostly recent ones of the same tenant, a few \`tenant/name\` references
  across tenants;
- column lineage (\`from: ["<upstream>:<field path>"]\`) on about 30 % of the fields,
  always naming a listed upstream and a field (sometimes nested) it has;
- tags, owners, one- or two-sentence descriptions (some multi-paragraph Markdown),
  locations, formats, partition keys and properties;
- \`glossary/<domain>.yaml\`: max(20, N/100) GlossaryTerms with parent chains (a
  parent is always an earlier term: no cycles), synonyms and related terms; every
  term is used by some dataset or field;
- \`schemas/<name>.arrow\` for 10 % of the datasets: an Arrow IPC file (schema only)
  with about 10 fields including a struct, field and schema \`description\` metadata,
  annotated by the dataset's \`fields:\` entries;
- a few deprecated datasets (with a replacement) that nothing reads any more.

The corpus validates with 0 errors and 0 warnings.

## Results
`;
}
