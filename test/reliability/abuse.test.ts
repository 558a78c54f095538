// Load and abuse against a real `metafuse serve` process over a generated catalog
// (bench/generate.mjs): well-behaved clients search, show and draw lineage and
// check every answer byte for byte against the same queries run in this process,
// while abusive clients (abuse-clients.mjs, a process of its own) hit the same
// server with slowloris headers, slow bodies, idle and non-reading connections,
// oversized URLs and headers, FTS/SQL syntax, path traversal, random bytes,
// pipelined garbage, request-smuggling shapes, other methods, bodies, half-closed
// and reset connections. Three phases: good clients alone (baseline), good clients
// during the abuse, good clients after it; then every answer once more.
//
// Must hold: no wrong or failed answer to a good client, no crash, no 5xx and no
// internal error in the server log, no violation reported by the abusers (see
// abuse-clients.mjs), slow connections cut off within their timeouts, memory and
// open sockets back near where they started.
//
//   npx vitest run test/reliability/abuse.test.ts                       # CI size (~30 s of abuse)
//   METAFUSE_RELIABILITY=full npx vitest run test/reliability/abuse.test.ts   # ~3 minutes
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { lineage, listDatasets, searchDatasets, showDataset } from '../../src/catalog/queries.js';
import { BIN, ensureCompiledCli, REPO, removeTempDirs, tempDir } from '../catalog/support.js';
import { generatedCatalog } from '../server/support.js';
import { FULL, scale, suiteTimeout, writeReport } from './scale.js';

const DATASETS = scale(1_000, 10_000);
const BASELINE_S = scale(4, 20);
const ABUSE_S = scale(20, 150);
const AFTER_S = scale(4, 15);
const GOOD_CLIENTS = scale(6, 12);
const THINK_MS = 5;
const GOOD_TIMEOUT_MS = 10_000;
const WEB_ROOT = path.join(REPO, 'lib', 'web');

interface Expected {
  kind: 'search' | 'show' | 'lineage' | 'list';
  target: string;
  body: Buffer;
  etag: string;
}

let file: string;
let pool: Expected[] = [];
let server: ServerProcess;

// ---------------------------------------------------------------- the server process

interface ServerProcess {
  child: ChildProcess;
  url: string;
  pid: number;
  /** Access-log lines by status (requests the server answered itself). */
  served: Map<number, number>;
  internalErrors: string[];
  crashed: () => { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

function startServer(catalog: string): Promise<ServerProcess> {
  // --poll 0: the catalog does not change during the run. The access log (on stderr)
  // is counted line by line, not kept.
  const child = spawn(process.execPath, [BIN, 'serve', '--catalog', catalog, '--port', '0', '--poll', '0'], { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
  const served = new Map<number, number>();
  const internalErrors: string[] = [];
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let stopping = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  let head = '';
  let rest = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`metafuse serve did not start in 30 s:\n${head}`)), 30_000);
    child.stderr!.on('data', (c: Buffer) => {
      rest += c.toString('utf8');
      const lines = rest.split('\n');
      rest = lines.pop()!;
      for (const line of lines) {
        const m = / (\d{3}) \d+(?:\.\d+)?ms$/.exec(line);
        if (m) served.set(Number(m[1]), (served.get(Number(m[1])) ?? 0) + 1);
        else if (line.startsWith('internal error')) internalErrors.push(line);
        else if (head.length < 10_000) head += `${line}\n`;
        const url = / at (http:\/\/[^\s]+\/)/.exec(line);
        if (url) {
          clearTimeout(timer);
          resolve({
            child,
            url: url[1]!,
            pid: child.pid!,
            served,
            internalErrors,
            crashed: () => (stopping ? undefined : exit),
            async stop() {
              stopping = true;
              const t0 = Date.now();
              if (!exit) child.kill('SIGTERM');
              const r = await Promise.race([exited, new Promise<undefined>((r2) => setTimeout(() => r2(undefined), 20_000))]);
              if (!r) child.kill('SIGKILL');
              return { ...(r ?? (await exited)), ms: Date.now() - t0 };
            },
          });
        }
      }
    });
    void exited.then((e) => {
      clearTimeout(timer);
      if (!stopping) reject(new Error(`metafuse serve exited (${e.code ?? e.signal}) before serving:\n${head}`));
    });
  });
}

/** Resident memory (MiB) and open file descriptors of a process, from /proc. */
function procStats(pid: number): { rssMiB: number; fds: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return { rssMiB: kb / 1024, fds: readdirSync(`/proc/${pid}/fd`).length };
}

// ---------------------------------------------------------------- expected answers

function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** A deterministic sample of targets with the exact bytes the API must answer, computed from the catalog in this process. */
function expectedAnswers(catalog: string): Expected[] {
  const cat = openCatalog(catalog);
  try {
    const all = listDatasets(cat, {}).datasets;
    expect(all).toHaveLength(DATASETS);
    let x = 7;
    const next = () => ((x = (x * 1103515245 + 12345) % 2 ** 31), x);
    const some = (n: number) => Array.from({ length: n }, () => all[next() % all.length]!);
    const out: Expected[] = [];
    const add = (kind: Expected['kind'], target: string, value: unknown) => {
      const body = Buffer.from(JSON.stringify(value));
      out.push({ kind, target, body, etag: etagOf(body) });
    };
    for (const d of some(60)) add('show', `/api/v1/datasets/${encodeURIComponent(`${d.tenant}/${d.name}`)}`, showDataset(cat, `${d.tenant}/${d.name}`));
    for (const d of some(30)) add('lineage', `/api/v1/lineage/${encodeURIComponent(`${d.tenant}/${d.name}`)}?depth=2`, lineage(cat, `${d.tenant}/${d.name}`, 'both', 2, false));
    const words = new Set<string>();
    for (const d of some(40)) {
      const parts = d.name.split('_').filter((w) => w.length > 2);
      words.add(parts.slice(0, 1 + (next() % 2)).join(' '));
    }
    for (const q of ['customer', 'orders daily', 'revenue', 'email', 'sessions']) words.add(q);
    for (const q of words) add('search', `/api/v1/search?q=${encodeURIComponent(q)}`, searchDatasets(cat, q, 20));
    for (const offset of [0, 50, 500]) add('list', `/api/v1/datasets?offset=${offset}`, { total: DATASETS, limit: 50, offset, datasets: listDatasets(cat, { limit: 50, offset }).datasets });
    const domain = all[0]!.domain!;
    const l = listDatasets(cat, { domain, limit: 20, offset: 0 });
    add('list', `/api/v1/datasets?domain=${encodeURIComponent(domain)}&limit=20`, { total: l.total, limit: 20, offset: 0, datasets: l.datasets });
    return out;
  } finally {
    cat.close();
  }
}

// ---------------------------------------------------------------- good clients

interface GoodResult {
  requests: number;
  latenciesMs: number[];
  byKind: Record<string, number>;
  notModified: number;
  failures: string[];
}

function get(agent: http.Agent, base: URL, target: string, headers: http.OutgoingHttpHeaders): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, path: target, agent, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(GOOD_TIMEOUT_MS, () => req.destroy(new Error(`no answer in ${GOOD_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

/** One well-behaved client: keep-alive, a mix of encodings and conditional requests, every answer checked. */
async function goodClient(seed: number, until: () => boolean, out: GoodResult): Promise<void> {
  const base = new URL(server.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let x = seed;
  const next = () => ((x = (x * 1103515245 + 12345) % 2 ** 31), x);
  try {
    while (until()) {
      // search 40 %, show 35 %, lineage 20 %, list 5 %.
      const r = next() % 100;
      const kind: Expected['kind'] = r < 40 ? 'search' : r < 75 ? 'show' : r < 95 ? 'lineage' : 'list';
      const candidates = pool.filter((e) => e.kind === kind);
      const e = candidates[next() % candidates.length]!;
      const mode = next() % 5; // 0 plain, 1 gzip, 2 br, 3 conditional, 4 plain
      const headers: http.OutgoingHttpHeaders = mode === 1 ? { 'Accept-Encoding': 'gzip' } : mode === 2 ? { 'Accept-Encoding': 'br' } : mode === 3 ? { 'If-None-Match': e.etag } : {};
      const t0 = performance.now();
      try {
        const res = await get(agent, base, e.target, headers);
        out.latenciesMs.push(performance.now() - t0);
        out.requests++;
        out.byKind[kind] = (out.byKind[kind] ?? 0) + 1;
        if (mode === 3) {
          if (res.status !== 304 || res.body.length !== 0) out.failures.push(`${e.target}: conditional GET answered ${res.status}`);
          else out.notModified++;
        } else {
          const enc = res.headers['content-encoding'];
          const body = enc === 'gzip' ? gunzipSync(res.body) : enc === 'br' ? brotliDecompressSync(res.body) : res.body;
          if (res.status !== 200) out.failures.push(`${e.target}: ${res.status} ${body.toString().slice(0, 200)}`);
          else if (!body.equals(e.body)) out.failures.push(`${e.target}: the answer differs from the catalog's (${body.length} vs ${e.body.length} bytes)`);
          else if (res.headers.etag !== e.etag) out.failures.push(`${e.target}: ETag ${res.headers.etag}, expected ${e.etag}`);
        }
      } catch (err) {
        out.requests++;
        out.failures.push(`${e.target}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, THINK_MS));
    }
  } finally {
    agent.destroy();
  }
}

async function goodPhase(seconds: number, alsoUntil?: Promise<unknown>): Promise<GoodResult> {
  const out: GoodResult = { requests: 0, latenciesMs: [], byKind: {}, notModified: 0, failures: [] };
  const end = Date.now() + seconds * 1000;
  let other = false;
  void alsoUntil?.then(() => (other = true));
  // With alsoUntil, the phase lasts until that settles (the abusers' run), bounded by `seconds` + 60 s.
  const until = alsoUntil ? () => !other && Date.now() < end + 60_000 : () => Date.now() < end;
  await Promise.all(Array.from({ length: GOOD_CLIENTS }, (_, i) => goodClient(1000 + i * 7919 + seconds, until, out)));
  return out;
}

/** Math.max without spreading (a full run has more values than the call stack takes arguments). */
function maxOf(values: number[]): number {
  return values.reduce((m, v) => (v > m ? v : m), -Infinity);
}

function pct(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

// ---------------------------------------------------------------- the abusers

interface AttackStats {
  attempts: number;
  statuses: Record<string, number>;
  noResponse: number;
  keptOpen: number;
  violationCount: number;
  violations: string[];
  lifetime?: { n: number; min: number; median: number; max: number };
}

function runAbusers(seconds: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const args = [path.join(REPO, 'test', 'reliability', 'abuse-clients.mjs'), '--url', server.url, '--seconds', String(seconds), '--size', FULL ? 'full' : 'short'];
  if (existsSync(path.join(WEB_ROOT, 'index.html'))) args.push('--web-root', WEB_ROOT);
  const child = spawn(process.execPath, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

// ---------------------------------------------------------------- the run

beforeAll(async () => {
  ensureCompiledCli();
  file = await generatedCatalog(tempDir('metafuse-abuse-'), DATASETS);
  pool = expectedAnswers(file);
  server = await startServer(file);
}, 300_000);

afterAll(async () => {
  if (server && !server.crashed()) await server.stop();
  removeTempDirs();
});

describe(`metafuse serve under load and abuse (${DATASETS} datasets, ${ABUSE_S} s of abuse)`, () => {
  it('answers every good client correctly while abusive clients hammer it, and neither crashes nor leaks', { timeout: suiteTimeout(300_000, 900_000) }, async () => {
    const rss: number[] = [];
    const sampler = setInterval(() => {
      try {
        rss.push(procStats(server.pid).rssMiB);
      } catch {
        // The process is gone: reported as a crash below.
      }
    }, 250);
    try {
      // Warm up (first queries, response cache), then the baseline.
      await goodPhase(1);
      const before = procStats(server.pid);
      const baseline = await goodPhase(BASELINE_S);
      const atStart = procStats(server.pid);

      rss.length = 0;
      const t0 = Date.now();
      const abusers = runAbusers(ABUSE_S);
      const during = await goodPhase(ABUSE_S, abusers);
      const abuse = await abusers;
      const abuseSeconds = (Date.now() - t0) / 1000;
      const peakRss = maxOf(rss);
      const crashDuring = server.crashed();

      const after = await goodPhase(AFTER_S);
      // Every expected answer once more, sequentially, after the abuse.
      const sweep: GoodResult = { requests: 0, latenciesMs: [], byKind: {}, notModified: 0, failures: [] };
      {
        const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
        for (const e of pool) {
          const res = await get(agent, new URL(server.url), e.target, {}).catch((err: Error) => ({ status: 0, headers: {}, body: Buffer.from(err.message) }));
          sweep.requests++;
          if (res.status !== 200 || !res.body.equals(e.body)) sweep.failures.push(`${e.target}: ${res.status}`);
        }
        agent.destroy();
      }
      const end = procStats(server.pid);
      const served = new Map(server.served);
      const internalErrors = [...server.internalErrors];
      const crashed = server.crashed();
      const stopped = await server.stop();

      expect(abuse.code, `abuse-clients.mjs failed:\n${abuse.stderr}`).toBe(0);
      const attacks = (JSON.parse(abuse.stdout) as { attacks: Record<string, AttackStats> }).attacks;

      // ------------------------------------------------------------ report
      const servedTotal = [...served.values()].reduce((a, b) => a + b, 0);
      const abusiveAttempts = Object.values(attacks).reduce((a, s) => a + s.attempts, 0);
      const clientStatuses = new Map<string, number>();
      for (const s of Object.values(attacks)) for (const [k, v] of Object.entries(s.statuses)) clientStatuses.set(k, (clientStatuses.get(k) ?? 0) + v);
      const fmt = (n: number, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');
      const lat = (r: GoodResult) => `| ${r.requests} | ${fmt(pct(r.latenciesMs, 50))} | ${fmt(pct(r.latenciesMs, 95))} | ${fmt(pct(r.latenciesMs, 99))} | ${fmt(maxOf(r.latenciesMs))} | ${r.failures.length} |`;
      const goodTotal = baseline.requests + during.requests + after.requests + sweep.requests;
      const goodFailures = baseline.failures.length + during.failures.length + after.failures.length + sweep.failures.length;
      const report = [
        `### Load and abuse run (${FULL ? 'full' : 'CI size'})`,
        '',
        `${new Date().toISOString().slice(0, 10)}, ${os.availableParallelism()} cores, Node ${process.version}; other work was running on the machine at the same time (load average ${os.loadavg().map((l) => l.toFixed(1)).join(', ')} at the end).`,
        `Catalog: ${DATASETS.toLocaleString('en-US')} generated datasets (bench/generate.mjs, seed 1). ${GOOD_CLIENTS} good clients (keep-alive, ${THINK_MS} ms between requests); abuse for ${fmt(abuseSeconds, 0)} s.`,
        '',
        '| | |',
        '|---|---:|',
        `| requests the server answered (access log) | ${servedTotal.toLocaleString('en-US')} |`,
        `| good-client requests (all phases and the final sweep) | ${goodTotal.toLocaleString('en-US')} |`,
        `| abusive connections and requests | ${abusiveAttempts.toLocaleString('en-US')} |`,
        `| good-client failures (wrong answer, error, timeout) | ${goodFailures} |`,
        `| abuser-reported violations | ${Object.values(attacks).reduce((a, s) => a + s.violationCount, 0)} |`,
        `| server crashes | ${crashed || crashDuring ? 1 : 0} |`,
        `| internal errors (500) in the server log | ${internalErrors.length} |`,
        `| server RSS: before / start of abuse / peak during / after (MiB) | ${fmt(before.rssMiB, 0)} / ${fmt(atStart.rssMiB, 0)} / ${fmt(peakRss, 0)} / ${fmt(end.rssMiB, 0)} |`,
        `| server open file descriptors: start of abuse / after | ${atStart.fds} / ${end.fds} |`,
        `| graceful stop (SIGTERM) after the run | exit ${stopped.code ?? stopped.signal} in ${stopped.ms} ms |`,
        '',
        'Good clients (latency in ms, measured by the client):',
        '',
        '| phase | requests | p50 | p95 | p99 | max | failures |',
        '|---|---:|---:|---:|---:|---:|---:|',
        `| alone (baseline, ${BASELINE_S} s) ${lat(baseline)}`,
        `| during the abuse ${lat(during)}`,
        `| after the abuse (${AFTER_S} s) ${lat(after)}`,
        `| final sweep (each answer once) ${lat(sweep)}`,
        '',
        'Answers by status, as counted by the server (access log: requests that reached the handler) and by the abusive clients (including what Node\'s HTTP parser answers itself: 400, 408, 431, 505):',
        '',
        '| status | server log | seen by abusers |',
        '|---|---:|---:|',
        ...[...new Set([...[...served.keys()].map(String), ...clientStatuses.keys()])].sort().map((k) => `| ${k} | ${served.get(Number(k)) ?? 0} | ${clientStatuses.get(k) ?? 0} |`),
        '',
        'Attacks (attempts are connections or requests; "closed, no answer" = the server closed without a response; "open at end" = still open when the run stopped):',
        '',
        '| attack | attempts | statuses | closed, no answer | open at end | cut off after (median / max ms) | violations |',
        '|---|---:|---|---:|---:|---|---:|',
        ...Object.entries(attacks).map(
          ([k, s]) =>
            `| ${k} | ${s.attempts} | ${Object.entries(s.statuses).map(([c, n]) => `${c}×${n}`).join(' ') || '–'} | ${s.noResponse} | ${s.keptOpen} | ${s.lifetime ? `${s.lifetime.median} / ${s.lifetime.max} (n=${s.lifetime.n})` : '–'} | ${s.violationCount} |`,
        ),
        '',
      ].join('\n');
      const reportFile = writeReport('api', report);
      console.log(`${report}\n(written to ${reportFile})`);

      // ------------------------------------------------------------ verdict
      expect(crashDuring, 'the server exited during the abuse').toBeUndefined();
      expect(crashed, 'the server exited').toBeUndefined();
      expect(stopped.code, 'graceful stop').toBe(0);
      expect([...baseline.failures, ...during.failures, ...after.failures, ...sweep.failures].slice(0, 20)).toEqual([]);
      const violations = Object.entries(attacks).flatMap(([k, s]) => s.violations.map((v) => `${k}: ${v}`));
      expect(violations).toEqual([]);
      expect(internalErrors).toEqual([]);
      expect([...served.keys()].filter((s) => s >= 500)).toEqual([]);
      // The good clients really ran during the abuse, and the abusers really abused.
      expect(during.requests).toBeGreaterThan(ABUSE_S * 5);
      for (const kind of ['injection', 'traversal', 'oversized', 'methods', 'bodies', 'random-bytes', 'pipelined-garbage', 'smuggling', 'half-close', 'connect-drop', 'slowloris', 'idle', 'no-read', 'slow-body']) {
        expect(attacks[kind]?.attempts ?? 0, kind).toBeGreaterThan(0);
      }
      // Slowloris connections were cut off by the server (headersTimeout 10 s) within the run.
      expect(attacks.slowloris!.lifetime?.n ?? 0).toBeGreaterThan(0);
      expect(attacks.slowloris!.statuses['408'] ?? 0).toBeGreaterThan(0);
      if (FULL) {
        // Long enough for the slower limits too: slow bodies (requestTimeout 30 s) and
        // clients that do not read (socket timeout, 30-60 s) were cut off.
        expect(attacks['slow-body']!.lifetime?.n ?? 0).toBeGreaterThan(0);
        expect(attacks['no-read']!.lifetime?.n ?? 0).toBeGreaterThan(0);
      }
      // Memory is bounded and connections are released.
      expect(peakRss).toBeLessThan(1024);
      expect(end.rssMiB).toBeLessThan(atStart.rssMiB + 256);
      expect(end.fds).toBeLessThanOrEqual(atStart.fds + 10);
    } finally {
      clearInterval(sampler);
    }
  });
});
