// The concurrency matrix (docs/reliability.md, section `concurrency`): for each
// store adapter (local folder, S3 on radosgw, GCS on the test double, Azure on
// Azurite) and N = 2, 8, 16 concurrent writer PROCESSES, each running M
// operations — a mix of `metafuse publish` (every publish a different spec tree,
// so every publish really writes) and `metafuse emit` (each with its own run id)
// through the compiled CLI — while two reader processes pull in a loop and
// check every copy they get.
//
// Nothing may be lost: every operation is acknowledged (exit 0, status
// written); the versions the writers were given are 2..1+N·M, each once; the
// final catalog's version is 1 + N·M; it holds exactly the acknowledged emits'
// run ids; its specs are those of the publish with the highest version. Every
// read is complete (sha256 = metadata, opens, integrity_check ok) and versions
// seen by a reader never go backwards. The figures (attempts, conflicts,
// retries, p50/p99 latency per operation) come from the commands' JSON output.
//
// CI: the local folder and Azurite, N = 2 and 8, M = 4. Full
// (`npm run reliability`): every adapter, N = 2, 8, 16, M = 10.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { radosgwInstalled } from '../servers/radosgw.js';
import { FULL, scale, suiteTimeout, writeReport } from './scale.js';
import {
  catalogFacts,
  childEnv,
  cli,
  cliSnapshot,
  jsonLine,
  removeTempDirs,
  spawnNode,
  STARTERS,
  tempDir,
  writeSpecs,
  type Backend,
  type BackendName,
} from '../store/support.js';

const ADAPTERS: BackendName[] = FULL ? (radosgwInstalled() ? ['file', 's3', 'gcs', 'azure'] : ['file', 'gcs', 'azure']) : ['file', 'azure'];
const WRITERS: number[] = scale([2, 8], [2, 8, 16]);
const OPS = scale(4, 10);
const READERS = 2;
/** Operation i of writer w is a publish when (w + i) % PUBLISH_EVERY === 0, else an emit. */
const PUBLISH_EVERY = 3;
const WRITER = path.join(import.meta.dirname, 'fixtures', 'mixed-writer.mjs');
const READER = path.join(import.meta.dirname, 'fixtures', 'reader.mjs');
/** Retry settings of the writers: enough attempts that no writer gives up at N = 16 (the default is 12), a 1 s backoff cap. */
const RETRY = { METAFUSE_MAX_ATTEMPTS: '200', METAFUSE_RETRY_BASE_MS: '100', METAFUSE_RETRY_MAX_MS: '1000' };

const backends = new Map<BackendName, Backend>();
const rows: Row[] = [];

interface OpLine {
  op: 'publish' | 'emit';
  id: string;
  code: number;
  ms: number;
  status?: string;
  version?: number;
  attempts?: number;
  conflicts?: number;
  stderr?: string;
}

interface ReaderSummary {
  reads: number;
  gets: number;
  pulls: number;
  notModified: number;
  corrupt: number;
  backwards: number;
  reasons: string[];
  minVersion: number;
  maxVersion: number;
}

interface Row {
  adapter: BackendName;
  writers: number;
  publishes: number;
  emits: number;
  attempts: number;
  conflicts: number;
  retries: number;
  maxAttempts: number;
  p50: number;
  p99: number;
  lost: number;
  reads: number;
  corrupt: number;
  wallS: number;
}

beforeAll(async () => {
  cliSnapshot();
  for (const b of await Promise.all(ADAPTERS.map((n) => STARTERS[n]()))) backends.set(b.name, b);
}, 180_000);

afterAll(async () => {
  if (rows.length) {
    const file = writeReport('concurrency', report());
    console.log(`concurrency matrix written to ${file}\n${table()}`);
  }
  await Promise.all([...backends.values()].map((b) => b.stop()));
  removeTempDirs();
});

/** Nearest-rank percentile. */
function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** The salt of the specs a catalog was built from (every declared dataset's description ends with "(salt)."; observed-only datasets have none). */
function specSalt(file: string): string[] {
  const cat = openCatalog(file);
  try {
    const rows = cat.db.prepare("SELECT description FROM datasets WHERE description LIKE 'Dataset %' ORDER BY name").all<{ description: string }>();
    return [...new Set(rows.map((r) => /\(([^)]*)\)\.$/.exec(r.description)?.[1] ?? ''))];
  } finally {
    cat.close();
  }
}

describe.each(ADAPTERS)('%s adapter', (name) => {
  test.each(WRITERS)(
    `%i writer processes x ${OPS} operations (publish and emit mixed) with ${READERS} readers: nothing lost, nothing corrupt`,
    async (n) => {
      const b = backends.get(name)!;
      const url = b.url(`concurrency/n${n}/catalog.db`);
      const env = childEnv({ ...b.env, ...RETRY, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
      const work = tempDir('metafuse-conc-');

      // One spec tree per publish, each with its own salt: a publish never finds its specs already there.
      const specsRoot = path.join(work, 'specs');
      for (let w = 0; w < n; w++) for (let i = 0; i < OPS; i++) if ((w + i) % PUBLISH_EVERY === 0) writeSpecs(path.join(specsRoot, `w${w}-${i}`), `w${w}-${i}`);
      const first = await cli(['publish', '--specs', writeSpecs(path.join(work, 'base'), 'base'), '--to', url], env);
      expect(first.code, first.stderr).toBe(0);
      expect(jsonLine(first.stdout)).toMatchObject({ status: 'written', version: 1 });

      const stop = path.join(work, 'stop');
      const readers = Array.from({ length: READERS }, (_, r) => {
        const dir = path.join(work, `reader${r}`);
        mkdirSync(dir);
        return spawnNode([READER, cliSnapshot().lib, url, stop, dir], env);
      });
      const t0 = Date.now();
      const writers = Array.from({ length: n }, (_, w) => spawnNode([WRITER, cliSnapshot().lib, url, String(w), String(OPS), specsRoot, String(PUBLISH_EVERY)], env));
      const results = await Promise.all(writers.map((w) => w.done));
      const wallS = (Date.now() - t0) / 1000;
      writeFileSync(stop, '');
      const readResults = await Promise.all(readers.map((r) => r.done));

      for (const r of results) expect(r.stderr).toBe('');
      expect(results.map((r) => r.code)).toEqual(Array(n).fill(0));
      const lines = results.flatMap((r) => r.stdout.trim().split('\n').map((l) => JSON.parse(l) as OpLine));
      expect(lines).toHaveLength(n * OPS);
      for (const l of lines) expect(l, l.stderr).toMatchObject({ code: 0, status: 'written' });
      const emits = lines.filter((l) => l.op === 'emit');
      const publishes = lines.filter((l) => l.op === 'publish');

      // The final catalog, as a new reader gets it.
      const out = path.join(work, 'final.db');
      const pulled = await cli(['pull', '--from', url, '--out', out], env);
      expect(pulled.code, pulled.stderr).toBe(0);
      const facts = catalogFacts(out);
      const kept = new Set(facts.observations.map((o) => o.run_id));
      const missing = emits.filter((e) => !kept.has(e.id)).length;
      const lastPublish = publishes.sort((x, y) => y.version! - x.version!)[0];
      const salts = specSalt(out);
      const wrongSpecs = lastPublish && (salts.length !== 1 || salts[0] !== lastPublish.id) ? 1 : 0;
      // A write that vanished: two acknowledged writes given the same version (one replaced the other
      // without building on it), or a version count short of the writes.
      const versionsShort = n * OPS - (facts.version - 1);
      const duplicateVersions = lines.length - new Set(lines.map((l) => l.version)).size;
      const lost = missing + wrongSpecs + Math.max(0, versionsShort) + duplicateVersions;

      const summaries = readResults.map((r) => {
        expect(r.code, r.stderr).toBe(0);
        return jsonLine<ReaderSummary>(r.stdout);
      });
      const attempts = lines.reduce((s, l) => s + l.attempts!, 0);
      rows.push({
        adapter: name,
        writers: n,
        publishes: publishes.length,
        emits: emits.length,
        attempts,
        conflicts: lines.reduce((s, l) => s + l.conflicts!, 0),
        retries: attempts - lines.length,
        maxAttempts: Math.max(...lines.map((l) => l.attempts!)),
        p50: percentile(lines.map((l) => l.ms), 50),
        p99: percentile(lines.map((l) => l.ms), 99),
        lost,
        reads: summaries.reduce((s, r) => s + r.reads, 0),
        corrupt: summaries.reduce((s, r) => s + r.corrupt + r.backwards, 0),
        wallS,
      });

      expect(facts.integrity).toBe('ok');
      expect(lines.map((l) => l.version!).sort((x, y) => x - y)).toEqual(Array.from({ length: n * OPS }, (_, i) => i + 2));
      expect(facts.version).toBe(1 + n * OPS);
      expect(facts.observations.map((o) => o.run_id).sort()).toEqual(emits.map((e) => e.id).sort());
      if (lastPublish) expect(salts).toEqual([lastPublish.id]);
      expect(lost).toBe(0);
      for (const s of summaries) {
        expect(s.reasons).toEqual([]);
        expect(s.corrupt).toBe(0);
        expect(s.backwards).toBe(0);
        expect(s.reads).toBeGreaterThan(0);
        expect(s.maxVersion).toBeLessThanOrEqual(facts.version);
      }
      // The writes really interleaved with each other: at N >= 8 at least one had to retry.
      if (n >= 8) expect(rows.at(-1)!.conflicts).toBeGreaterThan(0);
    },
    suiteTimeout(120_000, 600_000),
  );
});

function table(): string {
  const head = '| adapter | writers | ops (publish + emit) | attempts | conflicts | retries | max attempts / op | p50 ms | p99 ms | lost updates | reads | corrupt reads | wall s |';
  const sep = '|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const label: Record<BackendName, string> = { file: 'local folder', s3: 'S3 (radosgw)', gcs: 'GCS (double)', azure: 'Azure (Azurite)' };
  const body = rows.map(
    (r) =>
      `| ${label[r.adapter]} | ${r.writers} | ${r.publishes + r.emits} (${r.publishes} + ${r.emits}) | ${r.attempts} | ${r.conflicts} | ${r.retries} | ${r.maxAttempts} | ${Math.round(r.p50)} | ${Math.round(r.p99)} | ${r.lost} | ${r.reads} | ${r.corrupt} | ${r.wallS.toFixed(1)} |`,
  );
  return [head, sep, ...body].join('\n');
}

function report(): string {
  return [
    `Concurrency matrix, ${new Date().toISOString().slice(0, 10)}, ${FULL ? 'full' : 'CI'} size: ${OPS} operations per writer process, every ${PUBLISH_EVERY}rd a publish of a new spec tree, the rest emits; ${READERS} reader processes pulling throughout; METAFUSE_MAX_ATTEMPTS=${RETRY.METAFUSE_MAX_ATTEMPTS}, METAFUSE_RETRY_BASE_MS=${RETRY.METAFUSE_RETRY_BASE_MS}, METAFUSE_RETRY_MAX_MS=${RETRY.METAFUSE_RETRY_MAX_MS}.`,
    '',
    table(),
    '',
  ].join('\n');
}
