// No lost update, per adapter: 8 writer PROCESSES each record 25 observations
// (emit) into one catalog published first. Every emit must land: the final
// catalog holds all 200 observations (each run id once) and its version is
// 1 (the publish) + 200. The writers run the compiled write protocol
// (test/store/fixtures/emit-writer.mjs imports lib/store/publish.js) against
// real servers: the local folder, radosgw, the GCS double and Azurite.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  allBackends,
  azureBackend,
  catalogFacts,
  childEnv,
  cli,
  cliSnapshot,
  fileBackend,
  gcsBackend,
  jsonLine,
  removeTempDirs,
  s3Backend,
  spawnNode,
  tempDir,
  writeSpecs,
  type Backend,
  type BackendName,
} from './support.js';

const WRITERS = 8;
const EMITS = 25;
const WRITER = path.join(import.meta.dirname, 'fixtures', 'emit-writer.mjs');
const NAMES = allBackends();
const backends = new Map<BackendName, Backend>();
const summary: string[] = [];

beforeAll(async () => {
  cliSnapshot();
  const started = await Promise.all([fileBackend(), ...(NAMES.includes('s3') ? [s3Backend('lost-update')] : []), gcsBackend('lost-update'), azureBackend('lost-update')]);
  for (const b of started) backends.set(b.name, b);
}, 120_000);

afterAll(async () => {
  if (summary.length) console.log(`lost-update (${WRITERS} processes x ${EMITS} emits):\n${summary.join('\n')}`);
  await Promise.all([...backends.values()].map((b) => b.stop()));
  removeTempDirs();
});

interface EmitLine {
  runId: string;
  status: string;
  version: number;
  attempts: number;
  conflicts: number;
  ms: number;
}

describe.each(NAMES)('%s adapter', (name) => {
  test(`${WRITERS} writer processes x ${EMITS} emits: all ${WRITERS * EMITS} observations kept, version = 1 + ${WRITERS * EMITS}`, async () => {
    const b = backends.get(name)!;
    const url = b.url('lost-update/catalog.db');
    const env = childEnv({
      ...b.env,
      // Attempts high enough that no writer gives up. A short backoff cap keeps the run short, but not
      // too short: with 8 processes on 2 cores a 200 ms cap made ~4 attempts per write and the GCS run
      // took ~50 s; 1 s gave ~2 per write and ~22-40 s (measured here, under varying machine load).
      METAFUSE_MAX_ATTEMPTS: '200',
      METAFUSE_RETRY_BASE_MS: '100',
      METAFUSE_RETRY_MAX_MS: '1000',
      METAFUSE_CACHE_DIR: tempDir('metafuse-cache-'),
    });
    const specs = writeSpecs(path.join(tempDir(), 'specs'));
    const pub = await cli(['publish', '--specs', specs, '--to', url], env);
    expect(pub.stderr).toMatch(/published/);
    expect(pub.code).toBe(0);
    expect(jsonLine(pub.stdout)).toMatchObject({ status: 'written', version: 1 });

    const t0 = Date.now();
    const writers = Array.from({ length: WRITERS }, (_, w) => spawnNode([WRITER, cliSnapshot().lib, url, String(w), String(EMITS)], env));
    const results = await Promise.all(writers.map((w) => w.done));
    const elapsed = Date.now() - t0;
    for (const r of results) expect(r.stderr).toBe('');
    expect(results.map((r) => r.code)).toEqual(Array(WRITERS).fill(0));

    const lines = results.flatMap((r) => r.stdout.trim().split('\n').map((l) => JSON.parse(l) as EmitLine));
    expect(lines).toHaveLength(WRITERS * EMITS);
    expect(lines.every((l) => l.status === 'written')).toBe(true);
    // Every successful write was based on the version it replaced: the versions are 2..201, each once.
    expect(lines.map((l) => l.version).sort((x, y) => x - y)).toEqual(Array.from({ length: WRITERS * EMITS }, (_, i) => i + 2));

    const out = path.join(tempDir(), 'final.db');
    const pulled = await cli(['pull', '--from', url, '--out', out], env);
    expect(pulled.code).toBe(0);
    const facts = catalogFacts(out);
    expect(facts.integrity).toBe('ok');
    expect(facts.version).toBe(1 + WRITERS * EMITS);
    expect(facts.observations).toHaveLength(WRITERS * EMITS);
    expect(new Set(facts.observations.map((o) => o.uid)).size).toBe(WRITERS * EMITS);
    const expected = Array.from({ length: WRITERS }, (_, w) => Array.from({ length: EMITS }, (_, i) => `w${w}-${i}`)).flat().sort();
    expect(facts.observations.map((o) => o.run_id).sort()).toEqual(expected);
    for (const o of facts.observations) expect(o.dataset).toBe(`ds${o.run_id!.slice(1, o.run_id!.indexOf('-'))}`);
    for (const o of facts.observations) expect(o.row_count).toBe(Number(o.run_id!.split('-')[1]));

    const conflicts = lines.reduce((s, l) => s + l.conflicts, 0);
    const attempts = lines.reduce((s, l) => s + l.attempts, 0);
    const maxAttempts = Math.max(...lines.map((l) => l.attempts));
    summary.push(
      `  ${name.padEnd(5)} ${(elapsed / 1000).toFixed(1)} s, ${attempts} attempts for ${lines.length} writes (${conflicts} conflicts, at most ${maxAttempts} attempts for one emit)` +
        ('gcs' in b ? `; double saw ${(b as Backend & { gcs: { stats: { preconditionFailures: number } } }).gcs.stats.preconditionFailures} failed preconditions` : ''),
    );
    // The target is well under a minute per adapter; this bound only catches a livelock.
    expect(elapsed).toBeLessThan(100_000);
  }, 120_000);

  test('the CLI: 4 concurrent `metafuse emit` processes on the same catalog all land', async () => {
    const b = backends.get(name)!;
    const url = b.url('lost-update/catalog.db');
    const env = childEnv({ ...b.env, METAFUSE_MAX_ATTEMPTS: '50', METAFUSE_RETRY_MAX_MS: '500', METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
    const before = catalogFacts((await readCatalog(url, env)).file);
    const datasets = ['orders_daily', 'acme/orders_raw', 'partner/feed', 'fresh_table'];
    const runs = await Promise.all(
      datasets.map((dataset, i) =>
        cli(['emit', '--to', url, '--dataset', dataset, '--row-count', String(100 + i), '--size-bytes', '2048', '--upstream', 'orders_raw', '--run-id', `cli-${i}`], env),
      ),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const outs = runs.map((r) => jsonLine<{ status: string; dataset: string; declared: boolean }>(r.stdout));
    expect(outs.map((o) => [o.status, o.dataset, o.declared])).toEqual([
      ['written', 'acme/orders_daily', true],
      ['written', 'acme/orders_raw', true],
      ['written', 'partner/feed', false],
      ['written', 'acme/fresh_table', false],
    ]);
    const after = catalogFacts((await readCatalog(url, env)).file);
    expect(after.version).toBe(before.version + datasets.length);
    expect(after.observations.filter((o) => o.run_id?.startsWith('cli-')).map((o) => o.run_id).sort()).toEqual(['cli-0', 'cli-1', 'cli-2', 'cli-3']);
    expect(after.observations).toHaveLength(before.observations.length + datasets.length);
  }, 60_000);
});

/** Pulls `url` with the CLI into a temp file. */
async function readCatalog(url: string, env: NodeJS.ProcessEnv): Promise<{ file: string }> {
  const file = path.join(tempDir(), 'catalog.db');
  const r = await cli(['pull', '--from', url, '--out', file], env);
  expect(r.code, r.stderr).toBe(0);
  return { file };
}
