#!/usr/bin/env node
// The abusive clients of test/reliability/abuse.test.ts, in a process of their
// own so that their event loop does not slow down the well-behaved clients'.
//
//   node test/reliability/abuse-clients.mjs --url http://127.0.0.1:PORT/ --seconds 20 \
//        [--web-root lib/web] [--size short|full] [--seed 1]
//
// Every attack runs in a loop against the server until --seconds have passed,
// then every socket is destroyed and one JSON object is printed on stdout:
// { attacks: { <kind>: { attempts, statuses, noResponse, keptOpen, lifetimesMs, violations } } }.
// A violation is anything the server must never do: a 5xx, a status outside
// what the attack allows, a stack trace or a file from outside the web root in
// a body, a slow connection held past its timeout, a wrong answer to a valid
// request sent alongside garbage. Loopback only; bounded in time.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    seconds: { type: 'string', default: '20' },
    'web-root': { type: 'string' },
    size: { type: 'string', default: 'short' },
    seed: { type: 'string', default: '1' },
  },
});
const base = new URL(values.url);
if (!['127.0.0.1', 'localhost', '[::1]'].includes(base.hostname)) throw new Error('loopback only');
const PORT = Number(base.port);
const HOST = base.hostname;
const deadline = Date.now() + Number(values.seconds) * 1000;
const FULL = values.size === 'full';
// Hard stop, whatever happens.
setTimeout(() => {
  process.stderr.write('abuse-clients: hard stop\n');
  process.exit(3);
}, Number(values.seconds) * 1000 + 30_000).unref();

// The server's limits (src/server/app.ts), with room for a loaded machine.
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 30_000;
// A response the client does not read: the socket timeout (30 s) fires once the
// writes stop making progress; Node suppresses the first expiry while a write is
// queued, so such a connection goes after 30-60 s.
const STALLED_WRITE_MS = 60_000;
// Timeouts are checked every second, and the machine is shared: room for both.
const SLACK_MS = 6_000;

let seed = Number(values.seed) >>> 0;
function rand() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (a) => a[Math.floor(rand() * a.length)];
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const running = () => Date.now() < deadline;

// Bodies a 200 may carry for a path outside the API: the page's own files.
const pageFiles = new Set();
if (values['web-root']) {
  const walk = (dir) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else pageFiles.add(sha1(readFileSync(p)));
    }
  };
  try {
    walk(values['web-root']);
  } catch {
    // No built page: the server answers 404 outside the API.
  }
}
function sha1(b) {
  return createHash('sha1').update(b).digest('hex');
}

const stats = {};
function stat(kind) {
  return (stats[kind] ??= { attempts: 0, statuses: {}, noResponse: 0, keptOpen: 0, lifetimesMs: [], violations: [] });
}
function violation(kind, msg) {
  const s = stat(kind);
  s.violationCount = (s.violationCount ?? 0) + 1;
  if (s.violations.length < 20) s.violations.push(msg.slice(0, 300));
}

const sockets = new Set();

/** Splits raw bytes into responses: [{status, headers, body}] (Content-Length framed; the server never chunks). */
function parseResponses(buf) {
  const out = [];
  let at = 0;
  while (at < buf.length) {
    const headEnd = buf.indexOf('\r\n\r\n', at, 'latin1');
    if (headEnd < 0) break;
    const head = buf.subarray(at, headEnd).toString('latin1');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!m) break;
    const len = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
    const bodyStart = headEnd + 4;
    out.push({ status: Number(m[1]), head, body: buf.subarray(bodyStart, bodyStart + len), headOnly: false });
    at = bodyStart + len;
  }
  return out;
}

/**
 * Opens a connection, writes `parts` (strings or buffers; a number waits that many
 * ms), optionally half-closes, and collects bytes until the server closes or
 * `waitMs` passes. Returns {responses, closedByServer, ms}.
 */
function exchange(parts, { waitMs = 5_000, end = false, reset = false } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const sock = connect(PORT, HOST);
    sockets.add(sock);
    const chunks = [];
    let done = false;
    let timer;
    const finish = (closedByServer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sockets.delete(sock);
      if (!closedByServer) sock.destroy();
      resolve({ responses: parseResponses(Buffer.concat(chunks)), raw: Buffer.concat(chunks), closedByServer, ms: Date.now() - started });
    };
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', () => finish(true));
    sock.on('close', () => finish(true));
    sock.on('connect', async () => {
      for (const p of parts) {
        if (done) return;
        if (typeof p === 'number') await sleep(p);
        else if (typeof p === 'object' && !Buffer.isBuffer(p)) {
          // {responses: n}: wait (at most 5 s) until n complete answers have arrived.
          const until = Date.now() + 5_000;
          while (!done && parseResponses(Buffer.concat(chunks)).length < p.responses && Date.now() < until) await sleep(10);
        } else if (!sock.destroyed) sock.write(p);
      }
      if (reset && !sock.destroyed) {
        sock.resetAndDestroy();
        return;
      }
      if (end && !sock.destroyed) sock.end();
      timer = setTimeout(() => finish(false), waitMs);
    });
  });
}

const LEAKS = [/root:.*:0:0:/, /"name": "metafuse"/, /\n\s+at .+\(.+:\d+:\d+\)/, /node:internal/, /\/work\//, /SqliteError|SQLITE_[A-Z]+|better-sqlite3/];

/** Records an exchange: statuses, and the violations common to every attack. */
function record(kind, r, allowed) {
  const s = stat(kind);
  s.attempts++;
  if (r.responses.length === 0) {
    if (r.closedByServer) s.noResponse++;
    else s.keptOpen++;
  }
  for (const res of r.responses) {
    s.statuses[res.status] = (s.statuses[res.status] ?? 0) + 1;
    // 505 (HTTP Version Not Supported) is Node's answer to HTTP/9.9, allowed where listed.
    if (res.status >= 500 && !allowed?.includes(res.status)) violation(kind, `${res.status}: ${res.head.split('\r\n')[0]} ${res.body.toString('latin1').slice(0, 200)}`);
    else if (allowed && !allowed.includes(res.status) && res.status < 500) violation(kind, `unexpected ${res.status} (allowed ${allowed.join(',')})`);
    const text = res.body.toString('latin1');
    for (const re of LEAKS) if (re.test(text)) violation(kind, `body matches ${re}: ${text.slice(0, 200)}`);
  }
}

// ---------------------------------------------------------------- request-style attacks

const PAYLOADS = [
  '"', '"*"', '*', 'a*b', '^x', 'NEAR(a b, 3)', 'a OR b', 'a AND NOT b', 'x:y', '{name}:x', '- x', '(', ')', "'", "'; DROP TABLE datasets; --",
  "' OR '1'='1", '1 UNION SELECT sql FROM sqlite_master', '%', '_', '\\', '\u0000', '\u001f', 'rank', 'bm25(dataset_search)', "dataset_search MATCH 'a'",
  '-1', '1e9', '999999999999', 'NULL', '[]', '{}', '😀', 'İ', '\u202e', '..', '/', '//', '../../../../etc/passwd', 'a'.repeat(1500), 'customer" OR "x', 'order*',
];
const PARAMS = ['q', 'tenant', 'domain', 'tag', 'owner', 'term', 'limit', 'offset', 'direction', 'depth', 'columns'];
const ENDPOINTS = ['/api/v1/datasets', '/api/v1/search', '/api/v1/lineage/', '/api/v1/datasets/', '/api/v1/glossary', '/api/v1/glossary/', '/api/v1/stats'];

function get(target, extra = '') {
  return `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n${extra}\r\n`;
}

const ATTACKS = {
  async injection() {
    const e = pick(ENDPOINTS);
    const v = encodeURIComponent(pick(PAYLOADS));
    const target = e.endsWith('/') ? `${e}${v}${rand() < 0.5 ? `?${pick(PARAMS)}=${v}` : ''}` : `${e}?${pick(PARAMS)}=${v}${e.endsWith('search') ? `&q=${v}` : ''}`;
    record('injection', await exchange([get(target)]), [200, 400, 404, 414]);
  },

  async traversal() {
    const target = pick([
      '/../package.json', '/../../../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/%2e%2e%2f%2e%2e%2fetc%2fpasswd', '/assets/..%2f..%2fpackage.json',
      '/assets/%2e%2e/%2e%2e/package.json', '/assets\\..\\..\\package.json', '/%5c..%5c..%5cpackage.json', '/%252e%252e/package.json', '/....//....//package.json',
      '/..;/package.json', '/%c0%ae%c0%ae/package.json', '/%00/../package.json', '/index.html%00.js', '//etc/passwd', '/etc/passwd', '/lib/cli/main.js',
      '/api/v1/datasets/..%2f..%2f..%2fpackage.json', '/api/v1/glossary/..%2f..%2fpackage.json', '/assets/../../../../../../etc/passwd', '/.git/config', '/.env',
      '../package.json', 'http://x/../../package.json', '*',
    ]);
    const r = await exchange([get(target)]);
    record('traversal', r, [200, 400, 404]);
    for (const res of r.responses) {
      if (res.status !== 200) continue;
      // A 200 outside the API is one of the page's own files (index.html for deep links).
      if (!/content-type: application\/json/i.test(res.head) && !pageFiles.has(sha1(res.body))) violation('traversal', `${target}: 200 with a body that is not a file of the page`);
    }
  },

  async oversized() {
    const kind = pick(['url', 'line', 'header', 'headers']);
    if (kind === 'url') {
      const n = 4097 + Math.floor(rand() * 8000);
      const r = await exchange([get(`/api/v1/search?q=${'q'.repeat(n)}`)]);
      record('oversized', r, [414]);
    } else if (kind === 'line') {
      record('oversized', await exchange([get(`/api/v1/search?q=${'q'.repeat(20_000 + Math.floor(rand() * 200_000))}`)]), [431]);
    } else if (kind === 'header') {
      record('oversized', await exchange([get('/health', `X-Big: ${'b'.repeat(20_000 + Math.floor(rand() * 100_000))}\r\n`)]), [431]);
    } else {
      const many = Array.from({ length: 3000 }, (_, i) => `X-H${i}: ${'v'.repeat(10)}\r\n`).join('');
      record('oversized', await exchange([get('/health', many)]), [431]);
    }
  },

  async methods() {
    const method = pick(['POST', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND', 'OPTIONS', 'FOO']);
    const body = rand() < 0.5 ? 'x'.repeat(Math.floor(rand() * 50_000)) : '';
    const declared = rand() < 0.2 ? 1_000_000_000 : body.length;
    const r = await exchange([`${method} ${pick(['/api/v1/stats', '/', '/api/v1/datasets', '/health'])} HTTP/1.1\r\nHost: x\r\nContent-Length: ${declared}\r\nConnection: close\r\n\r\n`, body]);
    // FOO and PROPFIND are not methods Node's parser knows: 400.
    record('methods', r, [400, 405, 413]);
  },

  async bodies() {
    // GET with a body: small (ignored), over the limit (413), chunked without end (answered, closed).
    const kind = pick(['small', 'big', 'chunked']);
    if (kind === 'small') record('bodies', await exchange([`GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello`]), [200]);
    else if (kind === 'big') record('bodies', await exchange([`GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: ${20_000 + Math.floor(rand() * 1e9)}\r\n\r\n`, 'partial']), [413]);
    else {
      const chunk = `400\r\n${'z'.repeat(0x400)}\r\n`;
      const parts = [`GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n`];
      for (let i = 0; i < 200; i++) parts.push(chunk, 5);
      const r = await exchange(parts, { waitMs: 3_000 });
      record('bodies', r, [200]);
      if (!r.closedByServer) violation('bodies', 'a never-ending chunked body kept the connection open');
    }
  },

  async 'random-bytes'() {
    const r = await exchange([randomBytes(1 + Math.floor(rand() * 8192))], { end: rand() < 0.5, waitMs: 3_000 });
    record('random-bytes', r, [400, 405, 413, 414, 431]);
  },

  async 'pipelined-garbage'() {
    // Two valid requests and garbage on one keep-alive connection, in the same write
    // or once both answers have arrived. Every answer that comes back must be right.
    // In the same write Node may close the connection at the garbage before the
    // second answer is written (RFC 9112 lets a server close on a parse error; the
    // client retries what was not answered), so only the first is required there.
    const valid = 'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n';
    const garbage = randomBytes(1 + Math.floor(rand() * 2048)).toString('latin1');
    const paused = rand() < 0.5;
    const r = await exchange(paused ? [valid, { responses: 2 }, garbage] : [valid + garbage], { waitMs: 3_000 });
    record('pipelined-garbage', r, [200, 400, 405, 413, 414, 431]);
    const [a, b] = r.responses;
    if (a?.status !== 200 || !/"datasets":\d+/.test(a.body.toString())) violation('pipelined-garbage', `first pipelined request answered ${a?.status}`);
    if ((paused || b) && (b?.status !== 200 || !b.body.toString().includes('"status":"ok"'))) violation('pipelined-garbage', `second pipelined request answered ${b?.status} (${paused ? 'after a pause' : 'same write'})`);
  },

  async smuggling() {
    const req = pick([
      'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\nabcde',
      'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n',
      'GET /api/v1/stats HTTP/1.1\r\nHost : x\r\n\r\n',
      'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
      'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nX-Nul: a\u0000b\r\n\r\n',
      'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n',
      'GET /api/v1/stats HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /api/v1/stats\r\n\r\n',
      'GET /api/v1/stats HTTP/1.1\nHost: x\n\n',
      'GET\t/api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
      'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n',
      'GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n',
      'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n',
    ]);
    record('smuggling', await exchange([req], { waitMs: 3_000, end: rand() < 0.5 }), [200, 400, 413, 505]);
  },

  async 'half-close'() {
    // A complete request and an immediate FIN: the answer still arrives.
    const r = await exchange([`GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n\r\n`], { end: true });
    record('half-close', r, [200]);
    if (r.responses[0]?.status !== 200) violation('half-close', `no answer after a half-close (${r.responses[0]?.status})`);
  },

  async 'connect-drop'() {
    // Connect and drop at once (RST), or after half a request.
    const parts = rand() < 0.5 ? [] : ['GET /api/v1/search?q=cust'];
    record('connect-drop', await exchange(parts, { reset: true }), []);
    await sleep(2);
  },
};

// ---------------------------------------------------------------- connection-holding attacks

/** Keeps `n` connections of one kind open, reopening each when the server closes it. */
async function hold(kind, n, open, limitMs) {
  const one = async () => {
    while (running()) {
      const r = await open();
      const s = stat(kind);
      s.attempts++;
      for (const res of r.responses) {
        s.statuses[res.status] = (s.statuses[res.status] ?? 0) + 1;
        if (res.status >= 500) violation(kind, `${res.status}`);
      }
      if (r.closedByServer) {
        s.lifetimesMs.push(r.ms);
        if (r.ms > limitMs) violation(kind, `held open ${r.ms} ms (limit ${limitMs} ms)`);
      } else {
        s.keptOpen++;
        if (r.heldMs !== undefined && r.heldMs >= limitMs) violation(kind, `not cut off after ${r.heldMs} ms without reading (${r.answered} answers delivered)`);
      }
    }
  };
  await Promise.all(Array.from({ length: n }, (_, i) => sleep(i * 20).then(one)));
}

/** Trickles `parts` (string pieces with delays between) until the server closes or the run ends. */
function trickle(head, piece, everyMs) {
  const parts = [head];
  const remaining = deadline - Date.now();
  for (let t = 0; t < remaining; t += everyMs) parts.push(everyMs, piece);
  return exchange(parts, { waitMs: 0 });
}

const HOLDS = [
  // Headers one line a second: cut off by headersTimeout with a 408.
  ['slowloris', FULL ? 200 : 40, () => trickle('GET /api/v1/stats HTTP/1.1\r\nHost: x\r\n', 'X-a: b\r\n', 1_000), HEADERS_TIMEOUT_MS + SLACK_MS],
  // A body one byte a second after complete headers: answered, then cut off by requestTimeout.
  ['slow-body', FULL ? 40 : 10, () => trickle('GET /api/v1/stats HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n', 'x', 1_000), REQUEST_TIMEOUT_MS + SLACK_MS],
  // Connect and send nothing.
  // Connect and send nothing: headersTimeout runs from the connection (408).
  ['idle', FULL ? 100 : 20, () => exchange([], { waitMs: deadline - Date.now() }), HEADERS_TIMEOUT_MS + SLACK_MS],
  // Ask for 50 big answers, pipelined, and do not read them. A paused socket does not
  // see the server close it, so the client holds still for STALLED_WRITE_MS + slack
  // (or until the run ends), then reads: a connection the server cut off ends after
  // the few answers that fitted in the socket buffers; one it kept delivers all 50.
  ['no-read', FULL ? 20 : 5, () => new Promise((resolve) => {
    const started = Date.now();
    const sock = connect(PORT, HOST);
    sockets.add(sock);
    const chunks = [];
    sock.on('connect', () => {
      sock.pause();
      sock.write('GET /api/v1/datasets?limit=1000 HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(50));
    });
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', () => undefined);
    const holdMs = Math.max(0, Math.min(STALLED_WRITE_MS + SLACK_MS, deadline - Date.now()));
    const finish = (closed) => {
      clearTimeout(giveUp);
      sockets.delete(sock);
      sock.destroy();
      const n = parseResponses(Buffer.concat(chunks)).length;
      // Cut off by the server: closed before all 50 answers were sent.
      const cut = closed && n < 50;
      // The close happened at some point during the hold: holdMs is its upper bound.
      resolve({ responses: [], closedByServer: cut, ms: cut ? holdMs : Date.now() - started, answered: n, heldMs: holdMs });
    };
    const giveUp = setTimeout(() => finish(false), holdMs + 10_000);
    setTimeout(() => {
      sock.on('close', () => finish(true));
      sock.resume();
    }, holdMs);
  }), STALLED_WRITE_MS + SLACK_MS],
];

// ---------------------------------------------------------------- run

const CONCURRENCY = 2;
const loops = [];
for (const [kind, attack] of Object.entries(ATTACKS)) {
  for (let i = 0; i < CONCURRENCY; i++) {
    loops.push(
      (async () => {
        while (running()) {
          try {
            await attack();
          } catch (e) {
            violation(kind, `client error: ${e && e.message}`);
          }
        }
      })(),
    );
  }
}
for (const [kind, n, open, limit] of HOLDS) loops.push(hold(kind, n, open, limit));

const stopAll = setTimeout(() => {
  for (const s of sockets) s.destroy();
}, Math.max(0, deadline - Date.now()) + 6_000);
await Promise.all(loops);
clearTimeout(stopAll);
for (const s of sockets) s.destroy();

for (const s of Object.values(stats)) {
  s.violationCount ??= 0;
  const l = s.lifetimesMs.sort((a, b) => a - b);
  s.lifetime = l.length ? { n: l.length, min: l[0], median: l[Math.floor(l.length / 2)], max: l[l.length - 1] } : undefined;
  delete s.lifetimesMs;
}
process.stdout.write(`${JSON.stringify({ seconds: Number(values.seconds), attacks: stats })}\n`);
process.exit(0);
