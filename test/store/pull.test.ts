// pull, per adapter on real servers: the cache is keyed by URL, an unchanged
// catalog is not downloaded again (conditional GET) and the cached file is not
// rewritten, --out copies atomically, a corrupted or non-catalog object is
// refused without touching the cache, read commands accept a store URL, and
// pulls running while publishes replace the catalog only ever yield complete,
// verified catalogs.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { openStoreTarget } from '../../src/store/open.js';
import { cachePath } from '../../src/store/pull.js';
import { META } from '../../src/store/types.js';
import type { GcsDouble } from '../servers/gcs.js';
import {
  allBackends,
  azureBackend,
  catalogFacts,
  childEnv,
  cli,
  cliSnapshot,
  fileBackend,
  gcsBackend,
  removeTempDirs,
  runCli,
  s3Backend,
  sha256,
  sleep,
  tempDir,
  writeSpecs,
  type Backend,
  type BackendName,
  type ProcResult,
} from './support.js';

const PUBLISHES = 4;
const NAMES = allBackends();
const backends = new Map<BackendName, Backend>();
const summary: string[] = [];

beforeAll(async () => {
  cliSnapshot();
  const started = await Promise.all([fileBackend(), ...(NAMES.includes('s3') ? [s3Backend('pull')] : []), gcsBackend('pull'), azureBackend('pull')]);
  for (const b of started) {
    backends.set(b.name, b);
    for (const [k, v] of Object.entries(b.env)) vi.stubEnv(k, v);
  }
}, 120_000);

afterAll(async () => {
  if (summary.length) console.log(`pull during publish:\n${summary.join('\n')}`);
  vi.unstubAllEnvs();
  await Promise.all([...backends.values()].map((b) => b.stop()));
  removeTempDirs();
});

interface Ctx {
  b: Backend;
  /** Settings for in-process runs (the backend's variables are stubbed for the whole file). */
  env: Record<string, string>;
  /** The environment of child processes. */
  childEnv: NodeJS.ProcessEnv;
  cache: string;
  specs: string;
}

function context(name: BackendName, extra: Record<string, string> = {}): Ctx {
  const b = backends.get(name)!;
  const cache = tempDir('metafuse-cache-');
  const env = { METAFUSE_CACHE_DIR: cache, ...extra };
  return { b, env, childEnv: childEnv({ ...b.env, ...env }), cache, specs: path.join(tempDir(), 'specs') };
}

async function publish(c: Ctx, url: string, salt: string): Promise<ProcResult> {
  writeSpecs(c.specs, salt);
  const r = await runCli(['publish', '--specs', c.specs, '--to', url], c.env);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** Publishes in a child process (for the race test). */
async function publishProcess(c: Ctx, url: string, salt: string): Promise<ProcResult> {
  writeSpecs(c.specs, salt);
  const r = await cli(['publish', '--specs', c.specs, '--to', url], c.childEnv);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/** The URL exactly as the store normalises it (the cache key). */
async function normalized(url: string): Promise<string> {
  return (await openStoreTarget(url)).url;
}

/** Names in dir that look like temp files of an atomic replace. */
const debris = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

describe.each(NAMES)('%s adapter', (name) => {
  test('the cache is keyed by URL; a second pull is not-modified and leaves the file alone; --out copies', async () => {
    const c = context(name);
    const urlA = c.b.url('pull/a/catalog.db');
    const urlB = c.b.url('pull/b/catalog.db');
    await publish(c, urlA, 'a1');
    await publish(c, urlB, 'b1');

    const first = await runCli(['pull', '--from', urlA], c.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/^downloaded: version 1, \d+ bytes/);
    const cached = first.stdout.trim();
    expect(cached).toBe(cachePath(await normalized(urlA), { METAFUSE_CACHE_DIR: c.cache }));
    const before = statSync(cached);
    const bytes = readFileSync(cached);
    expect(catalogFacts(cached)).toMatchObject({ version: 1, integrity: 'ok' });

    // Another URL: another cache file.
    const other = await runCli(['pull', '--from', urlB], c.env);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout.trim()).not.toBe(cached);
    expect(readFileSync(other.stdout.trim()).equals(bytes)).toBe(false);

    // Unchanged: conditional GET, nothing downloaded, the file not rewritten.
    const downloadsBefore = name === 'gcs' ? (c.b as Backend & { gcs: GcsDouble }).gcs.stats.mediaDownloads : 0;
    await sleep(30);
    const second = await runCli(['pull', '--from', urlA], c.env);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(/^up to date: version 1/);
    expect(second.stdout.trim()).toBe(cached);
    const after = statSync(cached);
    expect(after.mtimeMs).toBe(before.mtimeMs);
    expect(after.ino).toBe(before.ino);
    expect(readFileSync(cached).equals(bytes)).toBe(true);
    if (name === 'gcs') expect((c.b as Backend & { gcs: GcsDouble }).gcs.stats.mediaDownloads).toBe(downloadsBefore);

    // --out: a verified copy, replaced by rename (a new inode), no temp files left.
    const outDir = path.join(tempDir(), 'nested', 'dir');
    const out = path.join(outDir, 'copy.db');
    const r1 = await runCli(['pull', '--from', urlA, '--out', out], c.env);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.stdout.trim()).toBe(out);
    expect(readFileSync(out).equals(bytes)).toBe(true);
    const outIno = statSync(out).ino;
    await publish(c, urlA, 'a2');
    const r2 = await runCli(['pull', '--from', urlA, '--out', out], c.env);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/^downloaded: version 2/);
    expect(catalogFacts(out)).toMatchObject({ version: 2, integrity: 'ok' });
    expect(statSync(out).ino).not.toBe(outIno);
    expect(readFileSync(out).equals(readFileSync(cached))).toBe(true);
    expect(debris(outDir)).toEqual([]);
    expect(debris(c.cache)).toEqual([]);
  });

  test('a corrupted object (metadata sha256 wrong) is refused and the cache keeps the good catalog', async () => {
    const c = context(name, { METAFUSE_MAX_ATTEMPTS: '3' });
    const url = c.b.url('pull/corrupt/catalog.db');
    await publish(c, url, 'good');
    const good = await runCli(['pull', '--from', url], c.env);
    expect(good.code, good.stderr).toBe(0);
    const cached = good.stdout.trim();
    const goodBytes = readFileSync(cached);

    // A new version (another valid catalog) whose metadata promises a different sha256 than its bytes have.
    const elsewhere = path.join(tempDir(), 'elsewhere.db');
    await publish(c, elsewhere, 'other bytes');
    const t = await openStoreTarget(url);
    const info = await t.store.head(t.key);
    const put = await t.store.put(t.key, readFileSync(elsewhere), { ifMatch: info!.token, metadata: { ...info!.metadata, [META.sha256]: 'f'.repeat(64), [META.version]: '2' } });
    expect(put.status).toBe('ok');

    const r = await runCli(['pull', '--from', url], c.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/sha256 [0-9a-f]{12}…, but the object says ffffffffffff…; not used/);
    expect(readFileSync(cached).equals(goodBytes)).toBe(true);
    if (name !== 'file') {
      // (a path is opened in place, not pulled)
      const list = await runCli(['list', '--catalog', url], c.env);
      expect(list.code).toBe(1);
      expect(list.stderr).toMatch(/not used/);
    }
  });

  test.runIf(name === 'file' || name === 'gcs')('bytes changed under unchanged metadata are refused', async () => {
    const c = context(name, { METAFUSE_MAX_ATTEMPTS: '3' });
    const url = c.b.url('pull/bitrot/catalog.db');
    await publish(c, url, 'good');
    const good = await runCli(['pull', '--from', url], c.env);
    expect(good.code, good.stderr).toBe(0);
    const goodBytes = readFileSync(good.stdout.trim());
    const rotten = Buffer.from(goodBytes);
    rotten[rotten.length - 100] = rotten[rotten.length - 100]! ^ 0xff;
    if (name === 'gcs') (c.b as Backend & { gcs: GcsDouble }).gcs.corrupt(c.b.bucket, 'pull/bitrot/catalog.db', rotten);
    else writeFileSync(url, rotten);
    // The cached copy is current (same token), so a conditional GET rightly skips the download:
    // pull into an empty cache to fetch the rotten bytes.
    const fresh = tempDir('metafuse-cache-');
    const r = await runCli(['pull', '--from', url], { ...c.env, METAFUSE_CACHE_DIR: fresh });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(name === 'gcs' ? /but the object says [0-9a-f]{12}…; not used/ : /and its metadata disagree and could not be recovered/);
    expect(readdirSync(fresh).filter((n) => n.endsWith('.db'))).toEqual([]);
    expect(readFileSync(good.stdout.trim()).equals(goodBytes)).toBe(true);
  });

  test('a non-catalog object is refused and the cache keeps the good catalog', async () => {
    const c = context(name, { METAFUSE_MAX_ATTEMPTS: '3' });
    const url = c.b.url('pull/notcat/catalog.db');
    await publish(c, url, 'good');
    const good = await runCli(['pull', '--from', url], c.env);
    expect(good.code, good.stderr).toBe(0);
    const cached = good.stdout.trim();
    const goodBytes = readFileSync(cached);

    const t = await openStoreTarget(url);
    const info = await t.store.head(t.key);
    const junk = Buffer.from('this is not an SQLite file, just some text someone uploaded\n'.repeat(10));
    expect((await t.store.put(t.key, junk, { ifMatch: info!.token, metadata: { [META.sha256]: sha256(junk) } })).status).toBe('ok');

    const r = await runCli(['pull', '--from', url], c.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not a MetaFuse catalog/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // a message, not a stack trace
    expect(existsSync(cached)).toBe(true);
    expect(readFileSync(cached).equals(goodBytes)).toBe(true);
    expect(debris(c.cache)).toEqual([]);

    // publish refuses to overwrite it too.
    writeSpecs(c.specs, 'over junk');
    const p = await runCli(['publish', '--specs', c.specs, '--to', url], c.env);
    expect(p.code).toBe(1);
    expect(p.stderr).toMatch(/not a readable MetaFuse catalog.*refusing to overwrite it/);
  });

  test('read commands accept the store URL (show, list, search, stats)', async () => {
    const c = context(name);
    const url = c.b.url('pull/read/catalog.db');
    await publish(c, url, 'readable');
    const show = await runCli(['show', 'orders_daily', '--catalog', url], c.env);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toMatch(/orders_daily/);
    expect(show.stdout).toMatch(/readable/);
    const list = await runCli(['list', '--catalog', url, '--json'], c.env);
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.stringify(JSON.parse(list.stdout))).toMatch(/orders_raw/);
    const search = await runCli(['search', 'orders', '--catalog', url], c.env);
    expect(search.code, search.stderr).toBe(0);
    const stats = await runCli(['stats', '--catalog', url], c.env);
    expect(stats.code, stats.stderr).toBe(0);
  });

  test('pulls while publishes replace the catalog: every pulled file is a complete, verified catalog', async () => {
    const c = context(name);
    const url = c.b.url('pull/race/catalog.db');
    await publish(c, url, 'race 0');
    const t = await openStoreTarget(url);
    const published = new Set<string>([(await t.store.head(t.key))!.metadata[META.sha256]!]);
    const cacheFile = cachePath(t.url, { METAFUSE_CACHE_DIR: c.cache });

    let publishing = true;
    const publisher = (async () => {
      for (let i = 1; i <= PUBLISHES; i++) {
        await publishProcess(c, url, `race ${i}`);
        published.add((await t.store.head(t.key))!.metadata[META.sha256]!);
      }
      publishing = false;
    })().finally(() => (publishing = false));

    const pulled: Array<{ loop: number; sha: string; version: number }> = [];
    const failures: string[] = [];
    const outDir = tempDir('metafuse-pulls-');
    // Two pull loops sharing one cache (concurrent pulls of the same URL), each copying out every result.
    const pullLoop = async (loop: number): Promise<void> => {
      // At least two pulls each, and one that starts after the last publish has finished.
      for (let k = 0; ; k++) {
        const last = !publishing && k >= 2;
        const out = path.join(outDir, `loop${loop}-${k}.db`);
        const r = await cli(['pull', '--from', url, '--out', out], c.childEnv);
        if (r.code !== 0) {
          failures.push(r.stderr);
          if (last) break;
          continue;
        }
        const facts = catalogFacts(out);
        if (facts.integrity !== 'ok') failures.push(`${out}: integrity ${facts.integrity}`);
        pulled.push({ loop, sha: sha256(readFileSync(out)), version: facts.version });
        if (last) break;
      }
    };
    // And a reader of the cache file itself, as a running `serve` would read it.
    const cacheReads: string[] = [];
    const reader = (async () => {
      while (publishing) {
        if (existsSync(cacheFile)) {
          try {
            cacheReads.push(sha256(readFileSync(cacheFile)));
          } catch (e) {
            failures.push(`reading the cache: ${String(e)}`);
          }
        }
        await sleep(15);
      }
    })();
    await Promise.all([publisher, pullLoop(1), pullLoop(2), reader]);

    expect(failures).toEqual([]);
    expect(pulled.length).toBeGreaterThanOrEqual(4);
    for (const p of pulled) expect(published.has(p.sha)).toBe(true);
    for (const sha of cacheReads) expect(published.has(sha)).toBe(true);
    for (const loop of [1, 2]) {
      const versions = pulled.filter((p) => p.loop === loop).map((p) => p.version);
      expect(versions).toEqual([...versions].sort((x, y) => x - y)); // never goes back
    }
    for (const loop of [1, 2]) expect(pulled.filter((p) => p.loop === loop).at(-1)?.version).toBe(PUBLISHES + 1);
    summary.push(`  ${name.padEnd(5)} ${pulled.length} pulls and ${cacheReads.length} cache reads during ${PUBLISHES} publishes, versions seen: ${[...new Set(pulled.map((p) => p.version))].sort((x, y) => x - y).join(',')}`);
    writeFileSync(path.join(outDir, 'done'), '');
  }, 120_000);
});
