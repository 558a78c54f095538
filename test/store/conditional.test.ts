// The ObjectStore contract (src/store/types.ts), one table of tests run against
// every adapter on a real server: the local folder, S3 on Ceph radosgw, GCS on
// the JSON-API test double (test/servers/gcs.ts) and Azure Blob on Azurite.
// The adapters are used in this process through openStoreTarget(url), with
// the standard SDK environment variables pointing at the loopback servers.
// Then the GCS double itself: Google's documented precondition semantics,
// driven through the real client, and the ambiguous-failure read-back.
import { Storage } from '@google-cloud/storage';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/spec/model.js';
import { openStoreTarget } from '../../src/store/open.js';
import { publish } from '../../src/store/publish.js';
import { META, type ObjectStore } from '../../src/store/types.js';
import type { GcsDouble } from '../servers/gcs.js';
import { allBackends, azureBackend, fileBackend, gcsBackend, removeTempDirs, s3Backend, sha256, type Backend, type BackendName } from './support.js';

const NAMES = allBackends();
const backends = new Map<BackendName, Backend>();

beforeAll(async () => {
  const started = await Promise.all([fileBackend(), ...(NAMES.includes('s3') ? [s3Backend('conditional')] : []), gcsBackend('conditional'), azureBackend('conditional')]);
  for (const b of started) {
    backends.set(b.name, b);
    for (const [k, v] of Object.entries(b.env)) vi.stubEnv(k, v);
  }
}, 120_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([...backends.values()].map((b) => b.stop()));
  removeTempDirs();
});

/** A fresh store (new SDK client) for `key` on backend `name`. */
async function storeFor(name: BackendName, key: string): Promise<{ store: ObjectStore; key: string }> {
  const t = await openStoreTarget(backends.get(name)!.url(key));
  return { store: t.store, key: t.key };
}

const meta = (body: Buffer, version: number): Record<string, string> => ({
  [META.version]: String(version),
  [META.sha256]: sha256(body),
  [META.specHash]: 'spec-hash',
  [META.commit]: 'c0ffee',
  [META.commitTime]: '2026-01-01T00:00:00Z',
});

describe.each(NAMES)('%s adapter: conditional writes', (name) => {
  test('create-only (ifMatch null) succeeds on an absent object and conflicts on a present one', async () => {
    const { store, key } = await storeFor(name, 'c/create.db');
    expect(await store.head(key)).toBeNull();
    expect(await store.get(key)).toEqual({ status: 'absent' });

    const one = Buffer.from('one');
    const first = await store.put(key, one, { ifMatch: null, metadata: meta(one, 1) });
    expect(first.status).toBe('ok');
    const second = await store.put(key, Buffer.from('two'), { ifMatch: null, metadata: meta(Buffer.from('two'), 1) });
    expect(second).toEqual({ status: 'conflict' });

    const got = await store.get(key);
    expect(got.status).toBe('ok');
    if (got.status === 'ok') expect(got.body.toString()).toBe('one');
  });

  test('replace: a stale token conflicts, the current token succeeds, and the returned token chains', async () => {
    const { store, key } = await storeFor(name, 'c/replace.db');
    const v1 = Buffer.from('version 1');
    const r1 = await store.put(key, v1, { ifMatch: null, metadata: meta(v1, 1) });
    if (r1.status !== 'ok') throw new Error('create failed');
    const head1 = await store.head(key);
    expect(head1?.token).toBe(r1.token);

    const v2 = Buffer.from('version 2');
    const r2 = await store.put(key, v2, { ifMatch: r1.token, metadata: meta(v2, 2) });
    if (r2.status !== 'ok') throw new Error(`replace with the current token failed: ${JSON.stringify(r2)}`);
    expect(r2.token).not.toBe(r1.token);

    // r1's token is stale now.
    const v3 = Buffer.from('version 3 (lost)');
    expect(await store.put(key, v3, { ifMatch: r1.token, metadata: meta(v3, 3) })).toEqual({ status: 'conflict' });

    // The token put() returned is the one to use next, twice in a row.
    const v4 = Buffer.from('version 4');
    const r4 = await store.put(key, v4, { ifMatch: r2.token, metadata: meta(v4, 3) });
    expect(r4.status).toBe('ok');
    if (r4.status !== 'ok') return;
    const v5 = Buffer.from('version 5');
    const r5 = await store.put(key, v5, { ifMatch: r4.token, metadata: meta(v5, 4) });
    expect(r5.status).toBe('ok');

    // A second client (fresh SDK state) sees the same object and token.
    const other = await storeFor(name, 'c/replace.db');
    const got = await other.store.get(other.key);
    expect(got.status).toBe('ok');
    if (got.status !== 'ok' || r5.status !== 'ok') return;
    expect(got.body.toString()).toBe('version 5');
    expect(got.info.token).toBe(r5.token);
    expect(got.info.metadata[META.version]).toBe('4');
  });

  test('a token from a fresh head() is accepted by a fresh client', async () => {
    const { store, key } = await storeFor(name, 'c/fresh.db');
    const v1 = Buffer.from('v1');
    await store.put(key, v1, { ifMatch: null, metadata: meta(v1, 1) });
    const other = await storeFor(name, 'c/fresh.db');
    const info = await other.store.head(other.key);
    const v2 = Buffer.from('v2');
    expect((await other.store.put(other.key, v2, { ifMatch: info!.token, metadata: meta(v2, 2) })).status).toBe('ok');
  });

  test('head and get return the metadata, size and token written', async () => {
    const { store, key } = await storeFor(name, 'c/meta.db');
    const body = Buffer.from('x'.repeat(1000) + 'catalog bytes');
    const m = meta(body, 7);
    const put = await store.put(key, body, { ifMatch: null, metadata: m });
    if (put.status !== 'ok') throw new Error('put failed');
    const head = await store.head(key);
    expect(head).not.toBeNull();
    expect(head!.size).toBe(body.length);
    expect(head!.token).toBe(put.token);
    for (const [k, v] of Object.entries(m)) expect(head!.metadata[k]).toBe(v);
    const got = await store.get(key);
    expect(got.status).toBe('ok');
    if (got.status !== 'ok') return;
    expect(got.body.equals(body)).toBe(true);
    expect(got.info.size).toBe(body.length);
    expect(got.info.token).toBe(put.token);
    expect(got.info.metadata[META.sha256]).toBe(sha256(body));
  });

  test('get with ifNoneMatch: the current token answers not-modified, a stale one the body', async () => {
    const { store, key } = await storeFor(name, 'c/nm.db');
    const v1 = Buffer.from('first');
    const r1 = await store.put(key, v1, { ifMatch: null, metadata: meta(v1, 1) });
    if (r1.status !== 'ok') throw new Error('put failed');
    const nm = await store.get(key, { ifNoneMatch: r1.token });
    expect(nm.status).toBe('not-modified');
    if (nm.status === 'not-modified') {
      expect(nm.info.token).toBe(r1.token);
      expect(nm.info.metadata[META.version]).toBe('1');
    }
    const v2 = Buffer.from('second');
    const r2 = await store.put(key, v2, { ifMatch: r1.token, metadata: meta(v2, 2) });
    expect(r2.status).toBe('ok');
    const changed = await store.get(key, { ifNoneMatch: r1.token });
    expect(changed.status).toBe('ok');
    if (changed.status === 'ok') {
      expect(changed.body.toString()).toBe('second');
      expect(changed.info.metadata[META.version]).toBe('2');
    }
  });

  test('replace with a token of a deleted object conflicts; list and delete', async () => {
    const { store } = await storeFor(name, 'l/x.db');
    const keys = ['l/versions/1.db', 'l/versions/2.db', 'l/versions/10.db', 'l/other.db'];
    const tokens: string[] = [];
    for (const k of keys) {
      const b = Buffer.from(k);
      const r = await store.put(k, b, { ifMatch: null, metadata: meta(b, 1) });
      if (r.status !== 'ok') throw new Error(`put ${k} failed`);
      tokens.push(r.token);
    }
    expect(await store.list('l/versions/')).toEqual(['l/versions/1.db', 'l/versions/10.db', 'l/versions/2.db']);
    expect(await store.list('l/versions/1')).toEqual(['l/versions/1.db', 'l/versions/10.db']);
    expect(await store.list('l/nothing-here/')).toEqual([]);

    await store.delete('l/versions/2.db');
    expect(await store.head('l/versions/2.db')).toBeNull();
    expect(await store.get('l/versions/2.db')).toEqual({ status: 'absent' });
    expect(await store.list('l/versions/')).toEqual(['l/versions/1.db', 'l/versions/10.db']);
    await store.delete('l/versions/2.db'); // deleting an absent object is not an error

    const b = Buffer.from('again');
    expect(await store.put('l/versions/2.db', b, { ifMatch: tokens[1]!, metadata: meta(b, 2) })).toEqual({ status: 'conflict' });
    expect(await store.head('l/versions/2.db')).toBeNull();
  });

  test('racing writers with the same token: exactly one wins', async () => {
    const { store, key } = await storeFor(name, 'c/race.db');
    const v0 = Buffer.from('base');
    const r0 = await store.put(key, v0, { ifMatch: null, metadata: meta(v0, 1) });
    if (r0.status !== 'ok') throw new Error('put failed');
    // Separate clients, as separate writers would have.
    const writers = await Promise.all(Array.from({ length: 6 }, () => storeFor(name, 'c/race.db')));
    const results = await Promise.all(
      writers.map(async (w, i) => {
        const b = Buffer.from(`writer ${i}`);
        try {
          return (await w.store.put(w.key, b, { ifMatch: r0.token, metadata: meta(b, 2) })).status;
        } catch (e) {
          // An ambiguous failure (radosgw sometimes answers a losing PUT with 500): the protocol reads back.
          const now = await w.store.head(w.key);
          return now?.metadata[META.sha256] === sha256(b) ? 'ok' : 'conflict';
        }
      }),
    );
    expect(results.filter((s) => s === 'ok')).toHaveLength(1);
    const winner = results.indexOf('ok');
    const got = await store.get(key);
    if (got.status !== 'ok') throw new Error('object vanished');
    expect(got.body.toString()).toBe(`writer ${winner}`);
  });

  test('racing creators (ifMatch null): exactly one wins', async () => {
    const writers = await Promise.all(Array.from({ length: 6 }, () => storeFor(name, 'c/race-create.db')));
    const results = await Promise.all(
      writers.map(async (w, i) => {
        const b = Buffer.from(`creator ${i}`);
        try {
          return (await w.store.put(w.key, b, { ifMatch: null, metadata: meta(b, 1) })).status;
        } catch {
          const now = await w.store.head(w.key);
          return now?.metadata[META.sha256] === sha256(b) ? 'ok' : 'conflict';
        }
      }),
    );
    expect(results.filter((s) => s === 'ok')).toHaveLength(1);
  });
});

describe('GCS double (test/servers/gcs.ts) with the real @google-cloud/storage client', () => {
  const gcs = (): GcsDouble => (backends.get('gcs') as Backend & { gcs: GcsDouble }).gcs;
  const bucket = () => new Storage({ retryOptions: { autoRetry: false } }).bucket('conditional');
  const code = async (p: Promise<unknown>): Promise<number | undefined> =>
    p.then(
      () => undefined,
      (e: { code?: number }) => e.code,
    );

  test('ifGenerationMatch: 0 = must not exist; a stale generation gets 412; generations increase; custom metadata kept', async () => {
    const f = bucket().file('double/a.txt');
    await f.save('one', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 }, metadata: { metadata: { k: 'v', drop: 'x' } } });
    const g1 = String(f.metadata.generation);
    expect(await code(bucket().file('double/a.txt').save('again', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } }))).toBe(412);
    const f2 = bucket().file('double/a.txt');
    await f2.save('two', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(g1) }, metadata: { metadata: { k: 'v2', drop: null } } });
    const g2 = String(f2.metadata.generation);
    expect(BigInt(g2) > BigInt(g1)).toBe(true);
    expect(await code(bucket().file('double/a.txt').save('three', { resumable: false, preconditionOpts: { ifGenerationMatch: Number(g1) } }))).toBe(412);
    const [meta] = await bucket().file('double/a.txt').getMetadata();
    expect(meta).toMatchObject({ generation: g2, size: '3', metadata: { k: 'v2' } });
    expect(meta.metadata).not.toHaveProperty('drop');
    const [body] = await bucket().file('double/a.txt', { generation: Number(g2) }).download();
    expect(body.toString()).toBe('two');
    // No versioning: the overwritten generation is gone.
    expect(await code(bucket().file('double/a.txt', { generation: Number(g1) }).download())).toBe(404);
  });

  test('concurrent writes with the same ifGenerationMatch: the server lets exactly one through', async () => {
    const f = bucket().file('double/race.txt');
    await f.save('base', { resumable: false, preconditionOpts: { ifGenerationMatch: 0 } });
    const g = Number(f.metadata.generation);
    const before = gcs().stats.preconditionFailures;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => code(bucket().file('double/race.txt').save(`w${i}`, { resumable: false, preconditionOpts: { ifGenerationMatch: g } }))));
    expect(results.filter((c) => c === undefined)).toHaveLength(1);
    expect(results.filter((c) => c === 412)).toHaveLength(19);
    expect(gcs().stats.preconditionFailures - before).toBe(19);
  });

  test('raw JSON API: media upload, list pages, ifGenerationNotMatch → 304, conditional delete, missing bucket', async () => {
    const base = gcs().endpoint;
    const up = await fetch(`${base}/upload/storage/v1/b/conditional/o?uploadType=media&name=${encodeURIComponent('double/list/1')}&ifGenerationMatch=0`, { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } });
    expect(up.status).toBe(200);
    const res = (await up.json()) as { generation: string; contentType: string };
    expect(res.contentType).toBe('text/plain');
    for (const n of ['2', '3']) await bucket().file(`double/list/${n}`).save(n, { resumable: false });
    const page1 = (await (await fetch(`${base}/storage/v1/b/conditional/o?prefix=double/list/&maxResults=2`)).json()) as { items: Array<{ name: string }>; nextPageToken?: string };
    expect(page1.items.map((i) => i.name)).toEqual(['double/list/1', 'double/list/2']);
    const page2 = (await (await fetch(`${base}/storage/v1/b/conditional/o?prefix=double/list/&maxResults=2&pageToken=${page1.nextPageToken}`)).json()) as { items: Array<{ name: string }>; nextPageToken?: string };
    expect(page2.items.map((i) => i.name)).toEqual(['double/list/3']);
    expect(page2.nextPageToken).toBeUndefined();
    const [files] = await bucket().getFiles({ prefix: 'double/list/' });
    expect(files.map((f) => f.name)).toEqual(['double/list/1', 'double/list/2', 'double/list/3']);
    const [firstPage, next] = await bucket().getFiles({ prefix: 'double/list/', maxResults: 2, autoPaginate: false });
    expect(firstPage.map((f) => f.name)).toEqual(['double/list/1', 'double/list/2']);
    expect(next).toMatchObject({ pageToken: 'double/list/2' });

    const obj = `${base}/storage/v1/b/conditional/o/${encodeURIComponent('double/list/1')}`;
    expect((await fetch(`${obj}?alt=media&ifGenerationNotMatch=${res.generation}`)).status).toBe(304);
    expect((await fetch(`${obj}?alt=media&ifGenerationNotMatch=1`)).status).toBe(200);
    expect((await fetch(`${obj}?ifGenerationMatch=1`, { method: 'DELETE' })).status).toBe(412);
    expect((await fetch(`${obj}?ifGenerationMatch=${res.generation}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(obj)).status).toBe(404);

    const missing = await fetch(`${base}/storage/v1/b/no-such-bucket/o/x`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toBe('The specified bucket does not exist.');
  });

  test('an ambiguous failure is resolved by reading back: a 503 after the write is our write, a 503 before it a retry', async () => {
    const t = await openStoreTarget('gs://conditional/double/ambiguous.db');
    const model = { config: DEFAULT_CONFIG, datasets: [], terms: [], specHash: 'h1' };
    const policy = { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 5 };
    gcs().injectFault({ status: 503, when: 'after-commit', object: 'double/ambiguous.db' });
    const first = await publish(t, { model, sourceCommit: 'a', commitTime: null, builtAt: null }, policy);
    expect(first).toMatchObject({ status: 'written', version: 1, attempts: 1, conflicts: 0 });
    gcs().injectFault({ status: 503, when: 'before-commit', object: 'double/ambiguous.db' });
    const second = await publish(t, { model: { ...model, specHash: 'h2' }, sourceCommit: 'b', commitTime: null, builtAt: null }, policy);
    expect(second).toMatchObject({ status: 'written', version: 2, attempts: 2, conflicts: 1 });
    expect(gcs().peek('conditional', 'double/ambiguous.db')!.metadata[META.version]).toBe('2');
  });
});
