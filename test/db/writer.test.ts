// The catalog write on a worker thread (src/db/writer.ts, src/db/write-worker.ts).
// The worker is the compiled one under lib/ (from TypeScript sources there is none,
// and writes run on the calling thread), so these tests load the compiled modules.
// Whether the write runs on a thread must change nothing: not a byte of the file,
// not an error, not what is left on disk after a failure.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { compileCatalog as CompileCatalog } from '../../src/catalog/compile.js';
import type { openDatabase as OpenDatabase } from '../../src/db/index.js';
import type { openWriter as OpenWriter, prepareWriter as PrepareWriter } from '../../src/db/writer.js';
import type { loadSpecs as LoadSpecs, Model } from '../../src/spec/index.js';
import { ensureCompiledCli, REPO } from '../catalog/support.js';
import { cleanupSpecTrees, datasetYaml, specTree, termYaml } from '../helpers/fixtures.js';

let compileCatalog: typeof CompileCatalog;
let openWriter: typeof OpenWriter;
let prepareWriter: typeof PrepareWriter;
let openDatabase: typeof OpenDatabase;
let loadSpecs: typeof LoadSpecs;

const lib = (p: string) => import(pathToFileURL(path.join(REPO, 'lib', p)).href);
const INFO = { version: 3, sourceCommit: 'abc123', builtAt: '2026-01-01T00:00:00Z' };
const saved = process.env.METAFUSE_WRITE_THREAD;

beforeAll(async () => {
  ensureCompiledCli();
  ({ compileCatalog } = await lib('catalog/compile.js'));
  ({ openWriter, prepareWriter } = await lib('db/writer.js'));
  ({ openDatabase } = await lib('db/index.js'));
  ({ loadSpecs } = await lib('spec/index.js'));
});
afterEach(() => {
  if (saved === undefined) delete process.env.METAFUSE_WRITE_THREAD;
  else process.env.METAFUSE_WRITE_THREAD = saved;
});
afterAll(() => cleanupSpecTrees());

/** A tree of `n` datasets with tags, terms, upstream, column lineage and a deprecation, plus glossary terms. */
function tree(n: number): string {
  const files: Record<string, string> = {
    'glossary/terms.yaml': [termYaml('revenue'), termYaml('customer', 'related: [revenue]\n')].join('---\n'),
  };
  for (let i = 0; i < n; i++) {
    const name = `ds_${String(i).padStart(4, '0')}`;
    const up = i > 0 ? `ds_${String(Math.floor(i / 2)).padStart(4, '0')}` : undefined;
    files[`datasets/d${i % 9}/${name}.yaml`] = datasetYaml(
      name,
      (up ? `upstream: [${up}]\n` : '') +
        `tags: [t${i % 5}, shared]\nterms: [revenue]\n` +
        (i % 50 === 7 ? `deprecated:\n  since: "2026-01-01"\n  reason: old\n  replacement: ds_0000\n` : '') +
        `properties: {tier: "gold", n: "${i}"}\n` +
        `fields:\n  - name: id\n    type: int64\n    nullable: false\n` +
        `  - name: amount\n    type: decimal(12,2)\n    description: Amount ${i}\n    tags: [pii]\n    terms: [customer]\n` +
        (up ? `    from: ["${up}:amount"]\n` : '') +
        `  - name: address\n    type: "struct<city: string, zip: string>"\n`,
    );
  }
  return specTree(files);
}

async function model(dir: string): Promise<Model> {
  const r = await loadSpecs(dir);
  expect(r.errors).toBe(0);
  return r.model;
}

/** Files in the folder of `file` other than it: a failed write must leave none. */
function debris(file: string): string[] {
  return readdirSync(path.dirname(file)).filter((n) => n !== path.basename(file) && n.endsWith('.tmp'));
}

describe('catalog writer thread', () => {
  it('the compiled writer runs on a thread unless METAFUSE_WRITE_THREAD=0', async () => {
    const dir = specTree({});
    const on = openWriter(path.join(dir, 'on.db'));
    process.env.METAFUSE_WRITE_THREAD = '0';
    const off = openWriter(path.join(dir, 'off.db'));
    expect(on.onThread).toBe(true);
    expect(off.onThread).toBe(false);
    await Promise.all([on.finish(), off.finish()]);
  });

  it('writes byte-identical catalogs on a thread and on the calling thread, observations included', async () => {
    const dir = tree(1200);
    const m = await model(dir);
    const observations = [
      { uid: 'u1', tenant: m.datasets[3]!.tenant, dataset: m.datasets[3]!.name, observed_at: '2026-02-01T00:00:00Z', run_id: 'r1', row_count: 10, size_bytes: 100, schema: JSON.stringify([{ name: 'id', type: 'int64', nullable: false }, { name: 'extra', type: 'string', nullable: true }]), upstream: null },
      { uid: 'u2', tenant: m.datasets[0]!.tenant, dataset: 'only_observed', observed_at: '2026-02-02T00:00:00Z', run_id: null, row_count: null, size_bytes: null, schema: JSON.stringify([{ name: 'a', type: 'string', nullable: true }]), upstream: JSON.stringify([m.datasets[5]!.name]) },
    ];
    const threaded = path.join(dir, 'threaded.db');
    const inline = path.join(dir, 'inline.db');
    const a = await compileCatalog(m, threaded, { ...INFO, observations });
    process.env.METAFUSE_WRITE_THREAD = '0';
    const b = await compileCatalog(m, inline, { ...INFO, observations });
    expect(a.datasets).toBe(1200);
    expect({ ...a, path: '' }).toEqual({ ...b, path: '' });
    expect(readFileSync(threaded).equals(readFileSync(inline))).toBe(true);
    const db = openDatabase(threaded, { readonly: true });
    try {
      const count = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
      expect(count('SELECT count(*) AS n FROM datasets WHERE declared = 0')).toBe(1); // the dataset only a pipeline has seen
      expect(count('SELECT count(*) AS n FROM fields')).toBe(1200 * 5 + 1);
      expect(count('SELECT count(*) AS n FROM observations')).toBe(2);
      expect(count('SELECT count(*) AS n FROM column_lineage')).toBe(1199);
      expect(count("SELECT count(*) AS n FROM dataset_search WHERE dataset_search MATCH 'shared'")).toBe(1200);
      expect((db.prepare("SELECT value FROM catalog_meta WHERE key = 'spec_hash'").get() as { value: string }).value).toBe(m.specHash);
    } finally {
      db.close();
    }
    expect(debris(threaded)).toEqual([]);
  });

  it('a thread started ahead (prepareWriter) writes the same bytes, and does not keep a process alive', async () => {
    const dir = tree(300);
    const m = await model(dir);
    prepareWriter();
    const ahead = path.join(dir, 'ahead.db');
    const fresh = path.join(dir, 'fresh.db');
    await compileCatalog(m, ahead, INFO); // takes the spare thread
    await compileCatalog(m, fresh, INFO); // starts its own
    expect(readFileSync(ahead).equals(readFileSync(fresh))).toBe(true);
    // A build that stops before writing (errors in the specs) must still exit: the spare is unref'd.
    const script = `import(${JSON.stringify(pathToFileURL(path.join(REPO, 'lib', 'db', 'writer.js')).href)}).then((w) => { w.prepareWriter(); console.log('started'); })`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(r.error).toBeUndefined(); // no timeout: the process ended by itself
    expect(r.stdout.trim()).toBe('started');
    expect(r.status).toBe(0);
  });

  it('a statement that fails on the thread rejects with SQLite error and code; the old catalog stays and no temp file is left', async () => {
    const dir = tree(300);
    const target = path.join(dir, 'catalog.db');
    writeFileSync(target, 'the previous catalog');
    const m = await model(dir);
    // Two fields with one path violate the unique index built after the load.
    const ds = m.datasets[10]!;
    ds.fields.push({ ...ds.fields[0]!, position: ds.fields.length });
    const failure = await compileCatalog(m, target, INFO).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/UNIQUE constraint failed: fields\.dataset_id, fields\.path/);
    expect((failure as NodeJS.ErrnoException).code).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(readFileSync(target, 'utf8')).toBe('the previous catalog');
    expect(debris(target)).toEqual([]);
  });

  it('an exception on the calling thread mid-write is the one reported, and nothing is left behind', async () => {
    const dir = tree(300);
    const target = path.join(dir, 'catalog.db');
    const m = await model(dir);
    // A dataset the writer cannot read, late in the model: rows before it are already on the thread.
    (m.datasets[250] as unknown as { fields: unknown }).fields = 42;
    await expect(compileCatalog(m, target, INFO)).rejects.toThrow(TypeError);
    expect(existsSync(target)).toBe(false);
    expect(debris(target)).toEqual([]);
  });

  it('a database that cannot be opened rejects with the driver error', async () => {
    const w = openWriter('/proc/sys/metafuse-cannot-be-here.db');
    expect(w.onThread).toBe(true);
    w.exec('CREATE TABLE t (a)');
    await expect(w.finish()).rejects.toThrow(/unable to open database file/);
  });

  it('keeps order across batches, fills waits with other work, and rolls back a failed transaction', async () => {
    const dir = specTree({});
    const file = path.join(dir, 'rows.db');
    let steps = 0;
    let left = 1_000_000;
    const w = openWriter(file, { meanwhile: () => (steps++, --left > 0) });
    expect(w.onThread).toBe(true);
    w.exec('CREATE TABLE t (i INTEGER PRIMARY KEY, s TEXT)');
    const ins = w.prepare('INSERT INTO t (i, s) VALUES (?, ?)');
    w.transaction(() => {
      for (let i = 1; i <= 20_000; i++) ins.run(i, `row ${i}`);
      // Order matters: an update queued after the inserts sees them.
      w.prepare('UPDATE t SET s = ? WHERE i = ?').run('changed', 20_000);
    });
    expect(() =>
      w.transaction(() => {
        ins.run(20_001, 'rolled back');
        throw new Error('stop');
      }),
    ).toThrow('stop');
    // Outside any transaction again: kept only if the failed one was rolled back (else it is still open, and closing discards it).
    ins.run(30_000, 'after');
    await w.finish();
    // 20,000 single-row statements outrun the thread: the waits were filled.
    expect(steps).toBeGreaterThan(0);
    const db = openDatabase(file, { readonly: true });
    try {
      expect(db.prepare('SELECT count(*) AS n, sum(i) AS total FROM t WHERE i <= 20000').get()).toEqual({ n: 20_000, total: (20_000 * 20_001) / 2 });
      expect(db.prepare('SELECT i, s FROM t WHERE i > 20000').all()).toEqual([{ i: 30_000, s: 'after' }]);
      expect(db.prepare('SELECT s FROM t WHERE i = 20000').get()).toEqual({ s: 'changed' });
      expect(db.prepare('SELECT s FROM t WHERE i = 19999').get()).toEqual({ s: 'row 19999' });
    } finally {
      db.close();
    }
  });
});
