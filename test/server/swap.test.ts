// Catalog swaps under a running server: a local file rebuilt or overwritten, a
// local folder store published to again, requests racing swaps, and broken new
// catalogs. (The graceful shutdown of `metafuse serve` is in cli.test.ts.)
import { copyFileSync, cpSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogStats, DatasetSummary } from '../../src/catalog/queries.js';
import { createApp } from '../../src/server/app.js';
import { CatalogSource } from '../../src/server/catalog-source.js';
import { buildCatalog, pinBuildEnv, removeTempDirs, run, tempDir } from '../catalog/support.js';
import { api, EXAMPLE_SPECS, expectStatus, request, serve, sleep, waitFor, type Served } from './support.js';

/** A copy of the example specs with one more dataset, so two builds differ visibly. */
function specsWith(dir: string, extra: string | undefined): string {
  const specs = path.join(dir, 'specs');
  cpSync(EXAMPLE_SPECS, specs, { recursive: true });
  if (extra) writeFileSync(path.join(specs, 'datasets', 'sales', `${extra}.yaml`), datasetYaml(extra));
  return specs;
}

function datasetYaml(name: string): string {
  return `apiVersion: metafuse/v1\nkind: Dataset\nname: ${name}\ndomain: sales\nowner: sales-data@acme.example\ndescription: Added while the server runs.\nupstream: [sales_daily]\nfields:\n  - {name: id, type: int64, nullable: false}\n`;
}

const statsOf = async (base: string) => (await expectStatus(base, '/api/v1/stats', 200)).json as CatalogStats;

let work: string;
let catA: string; // the example catalog
let catB: string; // the example catalog plus dataset swap_marker
let specsB: string;

beforeAll(async () => {
  work = tempDir('metafuse-serve-swap-');
  const a = path.join(work, 'a');
  const b = path.join(work, 'b');
  catA = path.join(work, 'a.db');
  catB = path.join(work, 'b.db');
  await buildCatalog(specsWith(a, undefined), catA);
  specsB = specsWith(b, 'swap_marker');
  await buildCatalog(specsB, catB);
});

afterAll(removeTempDirs);

describe('a local file', () => {
  let srv: Served;
  afterAll(async () => srv?.close());

  it('rebuilt over the served path: the new catalog is served within the poll interval', async () => {
    const dir = tempDir('metafuse-serve-file-');
    const served = path.join(dir, 'catalog.db');
    const specs = specsWith(path.join(dir, 'src'), undefined);
    await buildCatalog(specs, served);
    srv = await serve(served, { pollSeconds: 1 });
    const before = await statsOf(srv.url);
    await expectStatus(srv.url, '/api/v1/datasets/late_arrival', 404);

    writeFileSync(path.join(specs, 'datasets', 'sales', 'late_arrival.yaml'), datasetYaml('late_arrival'));
    await buildCatalog(specs, served);
    const waited = await waitFor(async () => (await request(srv.url, '/api/v1/datasets/late_arrival')).status === 200, 5_000, 'the rebuilt catalog');
    // One poll interval (1 s) plus the copy and open of the new file, with slack for a busy machine.
    expect(waited).toBeLessThan(3_000);
    const after = await statsOf(srv.url);
    expect(after.specHash).not.toBe(before.specHash);
    expect(after.datasets).toBe(before.datasets + 1);
    expect(srv.logs.some((l) => l.startsWith('catalog updated'))).toBe(true);
    // The lineage of its upstream now shows it.
    const lin = (await expectStatus(srv.url, '/api/v1/lineage/sales_daily?direction=down&depth=1', 200)).json as { nodes: Array<{ name: string }> };
    expect(lin.nodes.map((n) => n.name)).toContain('late_arrival');
  });

  it('copied over in place (same inode) while requests run: every answer is a whole old or a whole new catalog', async () => {
    const dir = tempDir('metafuse-serve-inplace-');
    const served = path.join(dir, 'catalog.db');
    copyFileSync(catA, served);
    const s = await serve(served, { pollSeconds: 1 });
    try {
      const a = await statsOf(s.url);
      const b = await statsOf((await serveOnce(catB)).url);
      let stop = false;
      const seen = new Set<string>();
      const hammer = (async () => {
        while (!stop) {
          const r = await api(s.url, '/api/v1/stats');
          expect(r.status).toBe(200);
          seen.add((r.json as CatalogStats).specHash!);
        }
      })();
      // cp-like: truncate and rewrite the same file, in pieces.
      const bytes = readFileSync(catB);
      writeFileSync(served, bytes.subarray(0, 4096));
      await sleep(300);
      writeFileSync(served, bytes);
      await waitFor(async () => (await statsOf(s.url)).specHash === b.specHash, 5_000, 'the copied catalog');
      stop = true;
      await hammer;
      expect([...seen].every((h) => h === a.specHash || h === b.specHash)).toBe(true);
    } finally {
      await s.close();
    }
  });
});

const onceServers: Served[] = [];
afterAll(async () => Promise.all(onceServers.map((s) => s.close())));
async function serveOnce(file: string): Promise<Served> {
  const s = await serve(file);
  onceServers.push(s);
  return s;
}

describe('a local folder store', () => {
  it('after a new publish, the new version is served (file:// URL, folder name with a space)', async () => {
    const dir = tempDir('metafuse-serve-store-');
    const store = path.join(dir, 'my store', 'catalog.db');
    const publish = async (specs: string) => {
      const restore = pinBuildEnv();
      try {
        const r = await run(['publish', '--specs', specs, '--to', store]);
        expect(r.code, r.stderr).toBe(0);
      } finally {
        restore();
      }
    };
    await publish(specsWith(path.join(dir, 'a'), undefined));
    const url = pathToFileURL(store).href;
    expect(url).toContain('%20');
    const s = await serve(url, { pollSeconds: 1 });
    try {
      const v1 = (await expectStatus(s.url, '/health', 200)).json as { catalogVersion: number };
      expect(v1.catalogVersion).toBe(1);
      expect(s.version).toBe(1);
      await publish(specsB);
      await waitFor(async () => ((await request(s.url, '/health')).json as { catalogVersion: number }).catalogVersion === 2, 5_000, 'version 2');
      const r = await expectStatus(s.url, '/api/v1/datasets/swap_marker', 200);
      expect(r.headers['x-catalog-version']).toBe('2');
      expect(s.logs).toContain('catalog updated: version 2');
    } finally {
      await s.close();
    }
  });
});

describe('requests racing swaps', () => {
  it('200 concurrent requests while the catalog is swapped several times: all 200 OK, each from one version', async () => {
    const dir = tempDir('metafuse-serve-race-');
    const served = path.join(dir, 'catalog.db');
    copyFileSync(catA, served);
    const swaps: number[] = [];
    const source = new CatalogSource({ location: served, pollSeconds: 0, onSwap: (v) => swaps.push(v) });
    await source.start();
    const server = createApp({ source });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    const fdsBefore = openSnapshots();
    try {
      const targets = ['/api/v1/datasets?limit=1000', '/api/v1/stats', '/api/v1/lineage/sales_daily?direction=down', '/api/v1/search?q=swap_marker', '/api/v1/datasets/sales_daily'];
      // Swap A → B → A → ... by renaming prepared copies into place, refreshing as each request batch is in flight.
      let flip = 0;
      const swapper = (async () => {
        for (let i = 0; i < 8; i++) {
          await sleep(15);
          const next = path.join(dir, `next-${i}.db`);
          copyFileSync(++flip % 2 ? catB : catA, next);
          renameSync(next, served);
          await source.refresh();
        }
      })();
      const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => api(base, targets[i % targets.length]!)));
      await swapper;
      expect(replies.map((r) => r.status)).toEqual(replies.map(() => 200));
      expect(swaps.length).toBe(8);
      for (const r of replies) {
        const body = r.json as Record<string, unknown>;
        if ('datasets' in body && Array.isArray(body.datasets)) {
          const l = body as { total: number; datasets: DatasetSummary[] };
          const hasMarker = l.datasets.some((d) => d.name === 'swap_marker');
          expect(l.total).toBe(hasMarker ? 22 : 21);
          expect(l.datasets).toHaveLength(l.total);
        } else if ('specHash' in body) {
          const st = body as unknown as CatalogStats;
          expect(st.datasets).toBe(st.lineageEdges > 26 ? 22 : 21);
        } else if ('nodes' in body) {
          const g = body as { nodes: Array<{ name: string }>; edges: Array<{ to: string }> };
          expect(g.nodes.some((n) => n.name === 'swap_marker')).toBe(g.edges.some((e) => e.to === 'swap_marker'));
        }
      }
      // Retired catalogs are closed: at most the current snapshot stays open.
      if (fdsBefore !== undefined) expect(openSnapshots()).toBeLessThanOrEqual(fdsBefore);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      source.close();
    }
    if (fdsBefore !== undefined) expect(openSnapshots()).toBeLessThan(fdsBefore + 1);
  });
});

/** Open file descriptors of this process on the server's private catalog copies (Linux), else undefined. */
function openSnapshots(): number | undefined {
  if (!existsSync('/proc/self/fd')) return undefined;
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes(`metafuse-serve-${process.pid}-`)) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

describe('a broken new catalog', () => {
  it.each([
    ['garbage written over it in place', (f: string) => writeFileSync(f, 'this is not a catalog\n'.repeat(500)), 'not a MetaFuse catalog', true],
    ['garbage renamed over it', (f: string) => (writeFileSync(`${f}.tmp`, Buffer.alloc(8192, 7)), renameSync(`${f}.tmp`, f)), 'not a MetaFuse catalog', false],
    ['a truncated copy', (f: string) => writeFileSync(f, readFileSync(catB).subarray(0, 20_000)), 'truncated', false],
    ['another SQLite file', (f: string) => writeFileSync(f, readFileSync(catB).subarray(0, 100).fill(0, 68, 72)), 'not', false],
    ['the file deleted', (f: string) => rmSync(f), 'does not exist', false],
  ])('%s: the old catalog stays served and the error is logged', async (_what, breakIt, message, checkOnce) => {
    const dir = tempDir('metafuse-serve-broken-');
    const served = path.join(dir, 'catalog.db');
    copyFileSync(catA, served);
    const s = await serve(served, { pollSeconds: 1 });
    try {
      const before = await statsOf(s.url);
      breakIt(served);
      await waitFor(() => s.logs.some((l) => l.includes('catalog refresh failed')), 5_000, 'the error in the log');
      expect(s.logs.find((l) => l.includes('catalog refresh failed'))).toContain(message);
      for (const p of ['/api/v1/stats', '/api/v1/datasets/sales_daily', '/api/v1/search?q=orders', '/api/v1/lineage/sales_daily', '/api/v1/glossary']) await expectStatus(s.url, p, 200);
      expect((await statsOf(s.url)).specHash).toBe(before.specHash);
      expect((await expectStatus(s.url, '/health/ready', 200)).json).toMatchObject({ status: 'ok' });
      if (checkOnce) {
        // The same failure is not logged again at every poll.
        await sleep(2_200);
        expect(s.logs.filter((l) => l.includes('catalog refresh failed'))).toHaveLength(1);
      }
      // A good catalog afterwards is picked up.
      copyFileSync(catB, `${served}.tmp`);
      renameSync(`${served}.tmp`, served);
      await waitFor(async () => (await request(s.url, '/api/v1/datasets/swap_marker')).status === 200, 5_000, 'the good catalog');
    } finally {
      await s.close();
    }
  });
});

describe('memory-mapped reads', () => {
  it('the served catalog is read through a memory map of its private copy: overwriting the file in place does not reach it', async () => {
    const dir = tempDir('metafuse-serve-mmap-');
    const served = path.join(dir, 'catalog.db');
    copyFileSync(catA, served);
    const source = new CatalogSource({ location: served, pollSeconds: 0 });
    await source.start();
    const server = createApp({ source });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      expect(source.use((cat) => cat.db.prepare('PRAGMA mmap_size').get<{ mmap_size: number }>()!.mmap_size)).toBeGreaterThan(0);
      // It keeps its lock between requests too (no lock and change check per read transaction).
      expect(source.use((cat) => cat.db.prepare('PRAGMA locking_mode').get<{ locking_mode: string }>()!.locking_mode)).toBe('exclusive');
      const before = await api(base, '/api/v1/datasets/sales_daily');
      expect(before.status).toBe(200);
      // Cut short and overwritten in place (not renamed): a map of this very file would
      // now fault on pages past its end; the server maps its own copy instead.
      writeFileSync(served, Buffer.alloc(4096, 0x41));
      const after = await api(base, '/api/v1/datasets/sales_daily');
      expect(after.status).toBe(200);
      expect(after.json).toEqual(before.json);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      source.close();
    }
  });
});
