// Hostile input against a real server: path traversal on the static files,
// oversized URLs, FTS and SQL syntax in every parameter, slow clients, and
// errors that never show a stack trace. The page is a tiny fake web root
// (support.ts: fakeWebRoot) with a secret file beside it, because lib/web exists
// only after `npm run build:web`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/server/app.js';
import { CatalogSource } from '../../src/server/catalog-source.js';
import { removeTempDirs, tempDir } from '../catalog/support.js';
import { api, checkOpenApi, exampleCatalog, expectStatus, FAKE_APP_JS, FAKE_INDEX, fakeWebRoot, rawExchange, REPO, request, SECRET, serve, sleep, type Served } from './support.js';

let file: string;
let srv: Served;
let base: string;

beforeAll(async () => {
  file = await exampleCatalog(tempDir('metafuse-serve-hard-'));
  srv = await serve(file);
  base = srv.url;
});

afterAll(async () => {
  await srv?.close();
  removeTempDirs();
});

const PACKAGE_JSON = readFileSync(path.join(REPO, 'package.json'), 'utf8');

/** Nothing but the page's own files, the API's JSON, or a JSON error ever comes back. */
function assertNoLeak(target: string, status: number, body: string): void {
  expect(body, target).not.toContain(SECRET);
  expect(body, target).not.toContain('"name": "metafuse"');
  expect(body, target).not.toContain(PACKAGE_JSON.slice(0, 60));
  expect(body, target).not.toMatch(/root:.*:0:0:/);
  if (status === 200) expect([FAKE_INDEX, FAKE_APP_JS], target).toContain(body);
}

describe('path traversal on the static files', () => {
  const attempts = [
    '/../package.json',
    '/../../package.json',
    '/../secret.txt',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/%2e%2e/secret.txt',
    '/%2E%2E/secret.txt',
    '/.%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/assets/..%2f..%2fpackage.json',
    '/assets/..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/../../secret.txt',
    '/assets\\..\\..\\package.json',
    '/assets\\..\\secret.txt',
    '/..\\secret.txt',
    '/%5c..%5csecret.txt',
    '/assets/..%5c..%5csecret.txt',
    '/%252e%252e/secret.txt',
    '/..%252fsecret.txt',
    '/....//....//secret.txt',
    '/..;/secret.txt',
    '/%c0%ae%c0%ae/secret.txt',
    '/%00/../secret.txt',
    '/index.html%00.js',
    '/assets/app.js%00',
    '/assets/app.js/',
    '/assets/app.js/..',
    '//etc/passwd',
    '///secret.txt',
    '/etc/passwd',
    '/secret.txt',
    '/web/index.html',
    '/./index.html',
    '/%2findex.html',
    `/${fakeWebRoot()}/index.html`,
    `/${path.join(fakeWebRoot(), '..', 'secret.txt')}`,
    '/api/v1/datasets/..%2f..%2f..%2fpackage.json',
    '/api/v1/glossary/..%2f..%2fsecret.txt',
  ];

  it.each(attempts)('GET %s leaks no file', async (target) => {
    const r = await api(base, target);
    expect([200, 400, 404], target).toContain(r.status);
    assertNoLeak(target, r.status, r.text);
  });

  it.each(['GET ../package.json HTTP/1.1', 'GET ..\\secret.txt HTTP/1.1', 'GET http://x/../../package.json HTTP/1.1', 'GET * HTTP/1.1', 'GET /assets/../../../../../../etc/passwd HTTP/1.0'])('raw request line %s leaks no file', async (line) => {
    const reply = await rawExchange(base, `${line}\r\nHost: x\r\nConnection: close\r\n\r\n`);
    const status = Number(reply.split(' ')[1]);
    expect(status).toBeGreaterThanOrEqual(200);
    expect(status).toBeLessThan(500);
    assertNoLeak(line, status, reply.slice(reply.indexOf('\r\n\r\n') + 4));
  });

  it('serves the two real files by their exact names', async () => {
    expect((await expectStatus(base, '/index.html', 200)).text).toBe(FAKE_INDEX);
    expect((await expectStatus(base, '/assets/app.js', 200)).text).toBe(FAKE_APP_JS);
    expect((await expectStatus(base, '/assets/%61pp.js', 200)).text).toBe(FAKE_APP_JS);
  });
});

describe('oversized requests', () => {
  it.each([4097, 8000, 15_000])('a query string of %i characters is a JSON 414', async (n) => {
    const target = `/api/v1/datasets?tag=${'t'.repeat(n)}`;
    await expectStatus(base, target, 414);
  });

  it.each([20_000, 100_000, 1_000_000])('a request line of %i characters is refused by the HTTP parser (4xx), and the server goes on', async (n) => {
    const reply = await rawExchange(base, `GET /api/v1/search?q=${'q'.repeat(n)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    const status = Number(reply.split(' ')[1]);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    await expectStatus(base, '/health', 200);
  });

  it('many parameters, repeated parameters and huge headers are handled', async () => {
    const many = `/api/v1/datasets?${Array.from({ length: 400 }, (_, i) => `p${i}=${i}`).join('&')}`;
    expect(many.length).toBeLessThan(4096);
    await expectStatus(base, many, 200);
    // The first of repeated parameters counts.
    expect(((await expectStatus(base, '/api/v1/datasets?limit=2&limit=x', 200)).json as { limit: number }).limit).toBe(2);
    await expectStatus(base, '/api/v1/datasets?limit=x&limit=2', 400);
    const big = await rawExchange(base, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(40_000)}\r\n\r\n`);
    expect(big).toMatch(/^HTTP\/1\.1 431 /);
    for (const [h, v] of [['If-None-Match', `"${'e'.repeat(3000)}", ${'"x",'.repeat(500)} *x`], ['Accept-Encoding', `${'gzip;q=0.5, '.repeat(300)}br`], ['Origin', 'x'.repeat(3000)], ['Authorization', `Bearer ${'a'.repeat(8000)}`]] as const) {
      await expectStatus(base, '/api/v1/glossary', 200, { headers: { [h]: v } });
    }
  });
});

describe('FTS and SQL syntax in every parameter', () => {
  const payloads = [
    '"', '"*"', '*', 'a*b', '^x', 'NEAR(a b, 3)', 'a OR b', 'a AND NOT b', 'x:y', '{name}:x', '- x', '(', ')', '\'', "'; DROP TABLE datasets; --",
    '%', '_', '\\', '%00', '\u0000', '\u001f', '1; SELECT 1', 'rank', 'bm25(dataset_search)', 'dataset_search MATCH \'a\'', '-1', '1e9', '999999999999',
    'NULL', 'true', '[]', '{}', '😀', 'ﬁ', 'İ', '\u202e', '..', '/', '//', '%2F', 'a'.repeat(1000),
  ];
  const params = ['q', 'tenant', 'domain', 'tag', 'owner', 'term', 'limit', 'offset', 'direction', 'depth', 'columns'];
  const endpoints = ['/api/v1/datasets', '/api/v1/search', '/api/v1/lineage/sales_daily', '/api/v1/datasets/sales_daily', '/api/v1/glossary', '/api/v1/stats'];

  it.each(payloads.map((p) => [JSON.stringify(p).slice(0, 30), p]))('%s: any parameter on any endpoint is 200 or a JSON 4xx', async (_label, payload) => {
    const v = encodeURIComponent(payload);
    const targets = [
      ...endpoints.flatMap((e) => params.map((p) => `${e}?${p}=${v}${e.endsWith('search') && p !== 'q' ? '&q=x' : ''}`)),
      `/api/v1/datasets/${v}`,
      `/api/v1/lineage/${v}`,
      `/api/v1/lineage/${v}?columns=true`,
      `/api/v1/glossary/${v}`,
      `/api/v1/datasets/acme%2F${v}`,
    ];
    for (const t of targets) {
      const r = await api(base, t);
      expect([200, 400, 404], t).toContain(r.status);
    }
  });
});

describe('slow clients', () => {
  it('the server created by createApp limits how long headers and requests may take', () => {
    const source = new CatalogSource({ location: file });
    const server = createApp({ source });
    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(30_000);
    expect(server.keepAliveTimeout).toBe(5_000);
    expect(server.timeout).toBe(30_000);
    expect(server.headersTimeout).toBeLessThanOrEqual(server.requestTimeout);
  });

  async function shortTimeoutServer(): Promise<{ base: string; close: () => Promise<void> }> {
    const source = new CatalogSource({ location: file });
    await source.start();
    const server = createApp({ source });
    server.headersTimeout = 500;
    server.requestTimeout = 800;
    server.timeout = 800;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    return {
      base: `http://127.0.0.1:${port}/`,
      close: () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => (source.close(), resolve()));
        }),
    };
  }

  it('a client that sends its headers byte by byte, slower than headersTimeout, is cut off with 408', async () => {
    const s = await shortTimeoutServer();
    try {
      const url = new URL(s.base);
      const sock = connect(Number(url.port), url.hostname);
      sock.on('error', () => undefined);
      let reply = '';
      sock.on('data', (c: Buffer) => (reply += c.toString('latin1')));
      const started = Date.now();
      const request = `GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nX-Slow: ${'s'.repeat(100)}\r\n\r\n`;
      let sent = 0;
      const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
      const drip = setInterval(() => {
        if (sent < request.length && !sock.destroyed) sock.write(request[sent++]!);
      }, 50);
      await closed;
      clearInterval(drip);
      const elapsed = Date.now() - started;
      expect(sent).toBeLessThan(request.length);
      // headersTimeout is checked every second (connectionsCheckingInterval).
      expect(elapsed).toBeLessThan(4_000);
      expect(reply).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await s.close();
    }
  });

  it('a client that connects and sends nothing is disconnected', async () => {
    const s = await shortTimeoutServer();
    try {
      const url = new URL(s.base);
      const sock = connect(Number(url.port), url.hostname);
      sock.on('error', () => undefined);
      const started = Date.now();
      await new Promise<void>((resolve) => sock.on('close', () => resolve()));
      expect(Date.now() - started).toBeLessThan(4_000);
      // The server still answers others.
      expect((await request(s.base, '/health')).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('errors never show a stack trace', () => {
  it('an internal failure is a generic JSON 500; the stack goes to the log only', async () => {
    const logs: string[] = [];
    const source = new CatalogSource({ location: file });
    await source.start();
    const server = createApp({ source, log: (l) => logs.push(l) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const b = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
    try {
      // Break the open catalog underneath the server: every query now throws.
      source.use((cat) => cat).db.close();
      const r = await request(b, '/api/v1/datasets/sales_daily');
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ error: { code: 'internal', message: 'internal error; the server log has the details' } });
      expect(r.text).not.toMatch(/ at |\.ts|\.js|sqlite|database/i);
      expect(logs.some((l) => l.startsWith('internal error:') && / at /.test(l))).toBe(true);
      // The process stays up: /health does not touch the catalog.
      expect((await request(b, '/health')).status).toBe(200);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('no error body from any bad request contains a stack, a file path or SQL', async () => {
    const bad = ['/api/v1/datasets?limit=x', '/api/v1/search', '/api/v1/lineage/x?direction=x', '/api/v1/datasets/%ZZ', '/api/v1/nothing', '/nothing.png', `/api/v1/search?q=${'x'.repeat(5000)}`, '/api/v1/datasets/nope', '/api/v1/glossary/nope'];
    for (const t of bad) {
      const r = checkOpenApi(t, await request(base, t));
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.text).not.toMatch(/ at |node_modules|\/work\/|SELECT |sqlite/i);
    }
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'CONNECT_X']) {
      const r = await request(base, '/api/v1/stats', { method });
      expect(r.status, method).toBeGreaterThanOrEqual(400);
      expect(r.status, method).toBeLessThan(500);
      expect(r.text).not.toMatch(/ at |node_modules/);
    }
  });
});

describe('request bodies', () => {
  it('a GET with a body is answered without reading it as anything', async () => {
    const reply = await rawExchange(base, `GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`);
    expect(reply).toMatch(/^HTTP\/1\.1 200 /);
  });

  /** Opens a raw socket, writes `head`, and collects the reply until the server closes the socket. */
  function streamTo(head: string): { sock: Socket; reply: () => string; closed: Promise<number> } {
    const url = new URL(base);
    const sock = connect(Number(url.port), url.hostname);
    sock.on('error', () => undefined);
    let reply = '';
    sock.on('data', (c: Buffer) => (reply += c.toString('latin1')));
    const started = Date.now();
    const closed = new Promise<number>((resolve) => sock.on('close', () => resolve(Date.now() - started)));
    sock.write(head);
    return { sock, reply: () => reply, closed };
  }

  it('a body declared over 16 KiB is a 413 and the connection is closed without waiting for the body', async () => {
    const { reply, closed } = streamTo('GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n');
    const ms = await closed;
    expect(reply()).toMatch(/^HTTP\/1\.1 413 /);
    expect(reply()).toMatch(/\r\nConnection: close\r\n/i);
    expect(reply()).toContain('"payload-too-large"');
    expect(ms).toBeLessThan(3_000);
  });

  it('a chunked body that never ends is not read: the answer closes the connection at once', async () => {
    const { sock, reply, closed } = streamTo('GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n');
    let sent = 0;
    const chunk = `400\r\n${'z'.repeat(0x400)}\r\n`;
    const pump = setInterval(() => {
      if (!sock.destroyed) sent += sock.write(chunk) ? chunk.length : 0;
    }, 5);
    const ms = await closed;
    clearInterval(pump);
    expect(reply()).toMatch(/^HTTP\/1\.1 200 /);
    expect(reply()).toMatch(/\r\nConnection: close\r\n/i);
    // Without the close the server drained the body until requestTimeout (30 s).
    expect(ms).toBeLessThan(3_000);
    expect(sent).toBeLessThan(10 * 1024 * 1024);
  });

  it('a small body is ignored and the keep-alive connection goes on', async () => {
    const reply = await rawExchange(base, `GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(reply.match(/HTTP\/1\.1 200 /g)).toHaveLength(2);
    expect(reply).toContain('"status":"ok"');
  });

  it('a POST with a large body is a 405 and the connection is not left hanging', async () => {
    const reply = await rawExchange(base, `POST /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\nConnection: close\r\n\r\n${'x'.repeat(100_000)}`);
    expect(reply).toMatch(/^HTTP\/1\.1 405 /);
    await sleep(10);
  });
});
