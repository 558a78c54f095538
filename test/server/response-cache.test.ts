// The in-memory cache of API answers: least recently used out, bounded by
// entries and bytes, emptied when the catalog changes; and over HTTP, a cached
// answer is byte for byte the answer computed afresh.
import { afterAll, describe, expect, it } from 'vitest';
import { ResponseCache, type CachedAnswer } from '../../src/server/response-cache.js';
import { removeTempDirs, tempDir } from '../catalog/support.js';
import { exampleCatalog, expectStatus, request, serve } from './support.js';

afterAll(removeTempDirs);

const answer = (text: string): CachedAnswer => ({ body: Buffer.from(text), etag: `"${text.length}"`, version: 1, encoded: new Map() });

describe('ResponseCache', () => {
  it('drops the least recently used entry first', () => {
    const c = new ResponseCache({ maxEntries: 2 });
    c.set('A', 'a', answer('1'));
    c.set('A', 'b', answer('2'));
    expect(c.get('A', 'a')?.body.toString()).toBe('1'); // a is now the most recent
    c.set('A', 'c', answer('3'));
    expect(c.get('A', 'b')).toBeUndefined();
    expect(c.get('A', 'a')?.body.toString()).toBe('1');
    expect(c.get('A', 'c')?.body.toString()).toBe('3');
    expect(c.size).toBe(2);
  });

  it('keeps the bodies under maxBytes and skips answers over maxEntryBytes', () => {
    const c = new ResponseCache({ maxBytes: 10, maxEntryBytes: 6 });
    c.set('A', 'big', answer('x'.repeat(7)));
    expect(c.get('A', 'big')).toBeUndefined();
    c.set('A', 'a', answer('x'.repeat(6)));
    c.set('A', 'b', answer('y'.repeat(4)));
    expect(c.size).toBe(2);
    c.set('A', 'c', answer('z'));
    expect(c.get('A', 'a')).toBeUndefined();
    expect(c.size).toBe(2);
    // Replacing an entry does not count it twice.
    c.set('A', 'b', answer('w'.repeat(4)));
    c.set('A', 'b', answer('v'.repeat(4)));
    expect(c.get('A', 'c')).toBeDefined();
  });

  it('forgets everything when asked about another catalog', () => {
    const c = new ResponseCache();
    c.set('A', 'a', answer('1'));
    expect(c.get('B', 'a')).toBeUndefined();
    expect(c.get('A', 'a')).toBeUndefined();
    expect(c.size).toBe(0);
  });

  it('maxEntries 0 keeps nothing', () => {
    const c = new ResponseCache({ maxEntries: 0 });
    c.set('A', 'a', answer('1'));
    expect(c.get('A', 'a')).toBeUndefined();
  });
});

describe('cached answers over HTTP', () => {
  it('are identical to fresh ones, headers and compressed bodies included', async () => {
    const file = await exampleCatalog(tempDir('metafuse-serve-cache-'));
    const cached = await serve(file);
    const fresh = await serve(file, { pollSeconds: 0 });
    try {
      for (const p of ['/api/v1/datasets/sales_daily', '/api/v1/search?q=orders', '/api/v1/lineage/sales_daily?columns=true', '/api/v1/glossary', '/api/v1/datasets?limit=3']) {
        const first = await expectStatus(cached.url, p, 200);
        const second = await expectStatus(cached.url, p, 200);
        const other = await expectStatus(fresh.url, p, 200);
        expect(second.raw.equals(first.raw)).toBe(true);
        expect(other.raw.equals(first.raw)).toBe(true);
        for (const h of ['etag', 'x-catalog-version', 'content-type', 'cache-control', 'content-length']) expect(second.headers[h], h).toBe(first.headers[h]);
        for (const enc of ['gzip', 'br']) {
          const a = await request(cached.url, p, { headers: { 'Accept-Encoding': enc } });
          const b = await request(cached.url, p, { headers: { 'Accept-Encoding': enc } });
          expect(b.text).toBe(a.text);
          expect(b.text).toBe(first.text);
          expect(b.headers['content-encoding']).toBe(a.headers['content-encoding']);
        }
      }
      // Errors are not cached, and neither turn into one another.
      await expectStatus(cached.url, '/api/v1/datasets/nope', 404);
      await expectStatus(cached.url, '/api/v1/datasets/nope', 404);
    } finally {
      await cached.close();
      await fresh.close();
    }
  });
});
