// `metafuse serve` as a child process: options and environment, the access log,
// clear start-up failures, and a graceful shutdown on SIGTERM and SIGINT.
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCompiledCli, removeTempDirs, tempDir } from '../catalog/support.js';
import { api, BIN, exampleCatalog, expectStatus, request, runNode, serveChild, sleep, waitFor, type ServeChild } from './support.js';

let file: string;
const children: ServeChild[] = [];

beforeAll(async () => {
  ensureCompiledCli();
  file = await exampleCatalog(tempDir('metafuse-serve-cli-'));
}, 120_000);

afterAll(async () => {
  for (const c of children) {
    c.child.kill('SIGTERM');
    await c.exited;
  }
  removeTempDirs();
});

async function start(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServeChild> {
  const c = await serveChild(args, { METAFUSE_API_TOKEN: '', ...env });
  children.push(c);
  return c;
}

describe('metafuse serve', () => {
  it('serves the API with an access log line per request', async () => {
    const c = await start(['--catalog', file]);
    expect(c.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    for (const p of ['/health', '/api/v1/stats', '/api/v1/datasets?limit=3', '/api/v1/datasets/partner%2Fpartner_orders', '/api/v1/search?q=orders', '/api/v1/lineage/sales_daily?depth=1', '/api/v1/glossary/order']) {
      await expectStatus(c.url, p, 200);
    }
    await expectStatus(c.url, '/api/v1/datasets/nope', 404);
    await waitFor(() => c.stderr().includes('GET /api/v1/datasets/nope 404'), 5_000, 'the access log');
    expect(c.stderr()).toMatch(/GET \/api\/v1\/stats 200 \d+\.\dms/);
  });

  it('--quiet logs no requests; the catalog comes from $METAFUSE_CATALOG', async () => {
    const c = await start(['--quiet'], { METAFUSE_CATALOG: file });
    await expectStatus(c.url, '/api/v1/stats', 200);
    expect(c.stderr()).toContain(`serving ${file}`);
    expect(c.stderr()).not.toContain('GET /');
  });

  it('--cors and --token, and $METAFUSE_API_TOKEN', async () => {
    const c = await start(['--catalog', file, '--cors', 'https://a.example, https://b.example', '--token', 'tok-1']);
    const r = await expectStatus(c.url, '/api/v1/stats', 200, { headers: { Origin: 'https://b.example', Authorization: 'Bearer tok-1' } });
    expect(r.headers['access-control-allow-origin']).toBe('https://b.example');
    const denied = await expectStatus(c.url, '/api/v1/stats', 401, { headers: { Origin: 'https://a.example' } });
    expect(denied.headers['www-authenticate']).toBe('Bearer');
    expect(denied.headers['access-control-allow-origin']).toBe('https://a.example');
    const e = await start(['--catalog', file], { METAFUSE_API_TOKEN: 'from-env' });
    await expectStatus(e.url, '/api/v1/stats', 401);
    await expectStatus(e.url, '/api/v1/stats', 200, { headers: { Authorization: 'Bearer from-env' } });
    await expectStatus(e.url, '/health', 200);
  });

  it('fails clearly when the catalog is missing or not a catalog', async () => {
    const missing = await runNode([BIN, 'serve', '--catalog', path.join(path.dirname(file), 'nope.db'), '--port', '0']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
    const junk = path.join(path.dirname(file), 'junk.db');
    writeFileSync(junk, 'junk'.repeat(100));
    const bad = await runNode([BIN, 'serve', '--catalog', junk, '--port', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('not a MetaFuse catalog');
  });

  it('fails clearly when the port is taken or not a port', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runNode([BIN, 'serve', '--catalog', file, '--port', String(port)]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`port ${port} is in use`);
    } finally {
      blocker.close();
    }
    const usage = await runNode([BIN, 'serve', '--catalog', file, '--port', 'eighty']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('--port');
  });

  it('fails clearly when --host is not an address of this machine or not a host name', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737), never assigned to a real interface; .invalid never resolves (RFC 6761).
    for (const [host, message] of [
      ['192.0.2.1', '--host 192.0.2.1 is not an address of this machine; use 127.0.0.1 (this machine only) or 0.0.0.0 (every network interface)'],
      ['no-such-host.invalid', '--host no-such-host.invalid: no such host name'],
    ]) {
      const r = await runNode([BIN, 'serve', '--catalog', file, '--host', host, '--port', '0']);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
      expect(r.stderr).toContain(`metafuse serve: ${message}`);
      expect(r.code).toBe(1);
    }
  });

  it('answers every error as JSON when run from the CLI too', async () => {
    const c = await start(['--catalog', file, '--quiet']);
    for (const [p, status, method] of [['/api/v1/x', 404, 'GET'], ['/api/v1/stats', 405, 'DELETE'], ['/api/v1/search', 400, 'GET'], [`/api/v1/search?q=${'z'.repeat(4100)}`, 414, 'GET']] as const) {
      const r = await api(c.url, p, { method });
      expect(r.status).toBe(status);
    }
  });
});

describe('graceful shutdown of metafuse serve', () => {
  it('SIGTERM while a slow client is mid-request: the request completes, then the process exits 0', async () => {
    const srv = await serveChild(['--catalog', file], { METAFUSE_API_TOKEN: '' });
    const url = new URL(srv.url);
    const sock = connect(Number(url.port), url.hostname);
    let reply = '';
    sock.on('data', (c: Buffer) => (reply += c.toString('latin1')));
    const closed = new Promise<void>((resolve) => sock.on('close', () => resolve()));
    await new Promise<void>((resolve) => sock.on('connect', () => resolve()));
    sock.write('GET /api/v1/datasets/sales_daily HTTP/1.1\r\nHost: x\r\n');
    await sleep(200);
    srv.child.kill('SIGTERM');
    await waitFor(() => srv.stderr().includes('shutting down'), 5_000, '"shutting down"');
    // New connections are refused once it is shutting down.
    await expect(request(srv.url, '/health')).rejects.toThrow();
    // The slow client finishes its request after the signal.
    await sleep(300);
    sock.write('Accept: application/json\r\n\r\n');
    const exit = await srv.exited;
    await closed;
    expect(exit).toEqual({ code: 0, signal: null });
    expect(reply.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { name: string };
    expect(body.name).toBe('sales_daily');
    expect(srv.stderr()).toContain('GET /api/v1/datasets/sales_daily 200');
  });

  it('SIGINT stops an idle server at once with exit 0', async () => {
    const srv = await serveChild(['--catalog', file, '--quiet'], { METAFUSE_API_TOKEN: '' });
    await expectStatus(srv.url, '/health', 200);
    const started = Date.now();
    srv.child.kill('SIGINT');
    expect(await srv.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
