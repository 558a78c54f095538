// HTTP behaviour of `metafuse serve`: conditional requests, compression, CORS,
// the bearer token, security headers, HEAD and X-Catalog-Version, on real
// servers on loopback over the example catalog.
import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../catalog/support.js';
import { api, errorCode, exampleCatalog, expectStatus, FAKE_INDEX, rawExchange, request, serve, type Served } from './support.js';

let file: string;
const servers: Served[] = [];

async function start(o: Parameters<typeof serve>[1] = {}): Promise<string> {
  const s = await serve(file, o);
  servers.push(s);
  return s.url;
}

beforeAll(async () => {
  file = await exampleCatalog(tempDir('metafuse-serve-http-'));
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  removeTempDirs();
});

const API_PATHS = ['/api/v1/datasets', '/api/v1/datasets/sales_daily', '/api/v1/search?q=orders', '/api/v1/lineage/sales_daily', '/api/v1/glossary', '/api/v1/glossary/order', '/api/v1/stats', '/api/v1/openapi.json'];

describe('ETag and If-None-Match', () => {
  let base: string;
  beforeAll(async () => {
    base = await start();
  });

  it.each([...API_PATHS, '/health', '/', '/assets/app.js'])('%s: same ETag twice, 304 without a body when it matches', async (p) => {
    const a = await expectStatus(base, p, 200);
    const b = await expectStatus(base, p, 200);
    const etag = a.headers.etag!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(b.headers.etag).toBe(etag);
    for (const inm of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const c = await api(base, p, { headers: { 'If-None-Match': inm } });
      expect(c.status, inm).toBe(304);
      expect(c.raw.length).toBe(0);
      expect(c.headers.etag).toBe(etag);
      expect(c.headers['content-length']).toBeUndefined();
    }
    expect((await api(base, p, { headers: { 'If-None-Match': '"stale"' } })).status).toBe(200);
  });

  it('different content has a different ETag; errors are never 304', async () => {
    const a = await expectStatus(base, '/api/v1/datasets/sales_daily', 200);
    const b = await expectStatus(base, '/api/v1/datasets/orders_raw', 200);
    expect(a.headers.etag).not.toBe(b.headers.etag);
    const e = await expectStatus(base, '/api/v1/datasets/nope', 404);
    expect((await api(base, '/api/v1/datasets/nope', { headers: { 'If-None-Match': e.headers.etag! } })).status).toBe(404);
    expect((await api(base, '/api/v1/datasets/nope', { headers: { 'If-None-Match': '*' } })).status).toBe(404);
  });
});

describe('compression', () => {
  let base: string;
  beforeAll(async () => {
    base = await start();
  });

  it.each(['/api/v1/glossary', '/api/v1/datasets', '/api/v1/datasets/web_events', '/api/v1/openapi.json', '/assets/app.js'])('%s: gzip and br decompress to the identity body', async (p) => {
    const plain = await expectStatus(base, p, 200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.raw.length).toBeGreaterThanOrEqual(1024);
    expect(plain.headers.vary).toContain('Accept-Encoding');
    const gz = await request(base, p, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(Number(gz.headers['content-length'])).toBe(gz.raw.length);
    expect(gunzipSync(gz.raw).equals(plain.raw)).toBe(true);
    expect(gz.raw.length).toBeLessThan(plain.raw.length);
    // The second time the compressed body comes from memory: the same bytes.
    const again = await request(base, p, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(again.raw.equals(gz.raw)).toBe(true);
    const br = await request(base, p, { headers: { 'Accept-Encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.raw).equals(plain.raw)).toBe(true);
    expect(br.headers.etag).toBe(plain.headers.etag);
    expect(br.headers.vary).toContain('Accept-Encoding');
  });

  it('leaves small bodies and unknown encodings alone', async () => {
    const small = await request(base, '/health', { headers: { 'Accept-Encoding': 'gzip, br' } });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.raw.toString())).toMatchObject({ status: 'ok' });
    const other = await request(base, '/api/v1/glossary', { headers: { 'Accept-Encoding': 'deflate, zstd' } });
    expect(other.headers['content-encoding']).toBeUndefined();
    // "brotli" is not "br".
    const notBr = await request(base, '/api/v1/glossary', { headers: { 'Accept-Encoding': 'brotli' } });
    expect(notBr.headers['content-encoding']).toBeUndefined();
  });

  it('compresses error bodies too, when large enough, and they stay JSON', async () => {
    const r = await request(base, `/api/v1/datasets/${'q'.repeat(2000)}`, { headers: { 'Accept-Encoding': 'gzip' } });
    expect(r.status).toBe(404);
    const body = r.headers['content-encoding'] === 'gzip' ? gunzipSync(r.raw) : r.raw;
    expect(JSON.parse(body.toString())).toMatchObject({ error: { code: 'not-found' } });
  });
});

describe('CORS', () => {
  it('sends no CORS headers by default, and OPTIONS is then a 405', async () => {
    const base = await start();
    const r = await expectStatus(base, '/api/v1/stats', 200, { headers: { Origin: 'https://app.example' } });
    expect(Object.keys(r.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    const pre = await api(base, '/api/v1/stats', { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' } });
    expect(pre.status).toBe(405);
  });

  it('echoes an allowed origin, with Vary: Origin, and answers its preflight with 204', async () => {
    const base = await start({ corsOrigins: ['https://app.example', 'https://other.example'] });
    const r = await expectStatus(base, '/api/v1/stats', 200, { headers: { Origin: 'https://app.example' } });
    expect(r.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(r.headers['access-control-expose-headers']).toContain('X-Catalog-Version');
    expect(r.headers.vary).toMatch(/Origin/);
    expect(r.headers.vary).toMatch(/Accept-Encoding/);
    const pre = await request(base, '/api/v1/datasets/sales_daily', { method: 'OPTIONS', headers: { Origin: 'https://other.example', 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' } });
    expect(pre.status).toBe(204);
    expect(pre.raw.length).toBe(0);
    expect(pre.headers['access-control-allow-origin']).toBe('https://other.example');
    expect(pre.headers['access-control-allow-methods']).toBe('GET, HEAD, OPTIONS');
    expect(pre.headers['access-control-allow-headers']).toMatch(/Authorization/);
    expect(pre.headers['access-control-max-age']).toBe('600');
    // Errors carry the CORS headers as well, so a browser can read them.
    const err = await expectStatus(base, '/api/v1/datasets/nope', 404, { headers: { Origin: 'https://app.example' } });
    expect(err.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('does not echo an origin that is not allowed, but still says the answer varies by Origin', async () => {
    const base = await start({ corsOrigins: ['https://app.example'] });
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'null', 'https://APP.example']) {
      const r = await expectStatus(base, '/api/v1/stats', 200, { headers: { Origin: origin } });
      expect(r.headers['access-control-allow-origin'], origin).toBeUndefined();
      expect(r.headers.vary).toMatch(/Origin/);
      expect((await api(base, '/api/v1/stats', { method: 'OPTIONS', headers: { Origin: origin } })).status).toBe(405);
    }
    const none = await expectStatus(base, '/api/v1/stats', 200);
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    expect(none.headers.vary).toMatch(/Origin/);
  });

  it('allows any origin with *, answering * without Vary: Origin', async () => {
    const base = await start({ corsOrigins: ['*'] });
    const r = await expectStatus(base, '/api/v1/stats', 200, { headers: { Origin: 'https://anything.example' } });
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers.vary).not.toMatch(/Origin/);
    const pre = await request(base, '/api/v1/stats', { method: 'OPTIONS', headers: { Origin: 'https://x.example' } });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
  });
});

describe('bearer token', () => {
  const TOKEN = 's3cr3t-token-value';
  let base: string;
  beforeAll(async () => {
    base = await start({ token: TOKEN, corsOrigins: ['https://app.example'] });
  });

  it.each([
    ['no Authorization', undefined],
    ['a wrong token', `Bearer ${TOKEN}x`],
    ['a shorter token', 'Bearer s3cr3t'],
    ['a much longer token', `Bearer ${TOKEN.repeat(50)}`],
    ['an empty token', 'Bearer '],
    ['another scheme', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`],
    ['the bare token', TOKEN],
  ])('answers 401 with WWW-Authenticate for %s', async (_what, auth) => {
    for (const p of API_PATHS) {
      const r = await expectStatus(base, p, 401, { headers: auth === undefined ? {} : { Authorization: auth } });
      expect(r.headers['www-authenticate']).toBe('Bearer');
      expect(errorCode(r)).toBe('unauthorized');
      expect(r.text).not.toContain(TOKEN);
    }
    // Not even the existence of a dataset leaks.
    expect((await api(base, '/api/v1/datasets/nope', { headers: auth === undefined ? {} : { Authorization: auth } })).status).toBe(401);
  });

  it('answers 200 with the right token, whatever the case of "Bearer"', async () => {
    for (const p of API_PATHS) await expectStatus(base, p, 200, { headers: { Authorization: `Bearer ${TOKEN}` } });
    await expectStatus(base, '/api/v1/stats', 200, { headers: { Authorization: `bearer ${TOKEN}` } });
    await expectStatus(base, '/api/v1/stats', 200, { headers: { Authorization: `BEARER  ${TOKEN}` } });
  });

  it('leaves /health, /health/ready, the page and CORS preflights open', async () => {
    await expectStatus(base, '/health', 200);
    await expectStatus(base, '/health/ready', 200);
    const page = await expectStatus(base, '/', 200);
    expect(page.text).toBe(FAKE_INDEX);
    await expectStatus(base, '/assets/app.js', 200);
    const pre = await request(base, '/api/v1/stats', { method: 'OPTIONS', headers: { Origin: 'https://app.example', 'Access-Control-Request-Headers': 'authorization' } });
    expect(pre.status).toBe(204);
  });

  it('checks the token before anything else under /api: unknown paths and bad parameters are 401 too', async () => {
    for (const p of ['/api/v1/nothing', '/api/v1/datasets?limit=0', '/api/v1/search', '/api/v1/lineage/x?direction=no']) {
      expect((await api(base, p)).status, p).toBe(401);
    }
  });
});

describe('security headers, HEAD and X-Catalog-Version', () => {
  let base: string;
  beforeAll(async () => {
    base = await start();
  });

  const SECURITY = { 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'x-frame-options': 'DENY', 'cross-origin-opener-policy': 'same-origin', 'cross-origin-resource-policy': 'same-origin' };

  it.each([...API_PATHS, '/health', '/api/v1/datasets/nope', '/api/v1/datasets?limit=x', '/api/v1/nothing', '/', '/datasets/sales_daily', '/assets/app.js', '/missing.png'])('%s carries the security headers', async (p) => {
    const r = await api(base, p);
    expect(r.headers).toMatchObject(SECURITY);
    expect(r.headers['content-security-policy']).toBeDefined();
    if (String(r.headers['content-type']).startsWith('application/json')) expect(r.headers['content-security-policy']).toContain("default-src 'none'");
    if (String(r.headers['content-type']).startsWith('text/html')) expect(r.headers['content-security-policy']).toContain("script-src 'self'");
  });

  it('405, 413 and 414 carry them too', async () => {
    expect((await api(base, '/api/v1/stats', { method: 'POST' })).headers).toMatchObject(SECURITY);
    expect((await api(base, `/api/v1/search?q=${'x'.repeat(5000)}`)).headers).toMatchObject(SECURITY);
    const big = await rawExchange(base, 'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n');
    expect(big).toMatch(/^HTTP\/1\.1 413 /);
    for (const [h, v] of Object.entries(SECURITY)) expect(big.toLowerCase()).toContain(`\r\n${h}: ${v.toLowerCase()}\r\n`);
  });

  it('the page policy is strict: no unsafe-inline or unsafe-eval, no data: or remote sources, one hashed inline style (cytoscape\'s)', async () => {
    const csp = String((await request(base, '/')).headers['content-security-policy']);
    const directives = new Map(csp.split(/;\s*/).map((d) => [d.split(' ')[0]!, d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    const hash = `'sha256-${createHash('sha256').update('.__________cytoscape_container { position: relative; }').digest('base64')}'`;
    expect(directives.get('style-src')).toEqual(["'self'", hash]);
    for (const d of ['object-src', 'base-uri', 'frame-ancestors']) expect(directives.get(d), d).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-|data:|https?:|\*/);
    // The same policy on every file of the page, HTML or not.
    expect((await request(base, '/assets/app.js')).headers['content-security-policy']).toBe(csp);
    expect((await request(base, '/datasets/sales_daily')).headers['content-security-policy']).toBe(csp);
  });

  it.each([...API_PATHS, '/health', '/', '/assets/app.js', '/api/v1/datasets/nope'])('HEAD %s: same status and headers as GET, no body', async (p) => {
    const g = await api(base, p);
    const h = await api(base, p, { method: 'HEAD' });
    expect(h.status).toBe(g.status);
    expect(h.raw.length).toBe(0);
    expect(h.headers['content-length']).toBe(String(g.raw.length));
    expect(h.headers.etag).toBe(g.headers.etag);
    expect(h.headers['content-type']).toBe(g.headers['content-type']);
    // HEAD honours compression negotiation and If-None-Match like GET.
    const hz = await request(base, p, { method: 'HEAD', headers: { 'Accept-Encoding': 'gzip' } });
    expect(hz.raw.length).toBe(0);
    if (g.status === 200) expect((await request(base, p, { method: 'HEAD', headers: { 'If-None-Match': g.headers.etag! } })).status).toBe(304);
  });

  it('X-Catalog-Version is the catalog version on API data, not on health or the page', async () => {
    const stats = (await expectStatus(base, '/api/v1/stats', 200)).json as { version: number };
    for (const p of API_PATHS.filter((x) => !x.endsWith('openapi.json'))) {
      expect((await request(base, p)).headers['x-catalog-version'], p).toBe(String(stats.version));
    }
    expect((await request(base, '/')).headers['x-catalog-version']).toBeUndefined();
  });

  it('API data is no-cache (revalidate with the ETag), health and errors no-store, assets immutable', async () => {
    expect((await request(base, '/api/v1/stats')).headers['cache-control']).toBe('no-cache');
    expect((await request(base, '/health')).headers['cache-control']).toBe('no-store');
    expect((await request(base, '/api/v1/datasets/nope')).headers['cache-control']).toBe('no-store');
    expect((await request(base, '/assets/app.js')).headers['cache-control']).toContain('immutable');
    expect((await request(base, '/')).headers['cache-control']).toBe('no-cache');
  });
});

describe('the web page', () => {
  it('serves index.html at / and for deep links, files by exact name, 404 for missing files', async () => {
    const base = await start();
    for (const p of ['/', '/index.html', '/datasets/sales_daily', '/datasets/partner%2Fpartner_orders', '/glossary/order', '/lineage/sales_daily', '/search', '/datasets/report.v2']) {
      const r = await expectStatus(base, p, 200);
      expect(r.text, p).toBe(FAKE_INDEX);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    }
    const js = await expectStatus(base, '/assets/app.js', 200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    for (const p of ['/missing.js', '/assets/missing.css', '/favicon.ico']) expect(errorCode(await expectStatus(base, p, 404))).toBe('not-found');
  });

  it('serves the built page from lib/web by default when it exists', async () => {
    const { existsSync } = await import('node:fs');
    const { DEFAULT_WEB_ROOT } = await import('../../src/server/index.js');
    const s = await serve(file, { webRoot: undefined });
    servers.push(s);
    const r = await request(s.url, '/');
    if (existsSync(`${DEFAULT_WEB_ROOT}index.html`)) {
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    } else {
      expect(r.status).toBe(404);
      expect(s.logs.join('\n')).toContain('not built');
    }
  });
});
