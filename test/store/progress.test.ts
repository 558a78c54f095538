// Download progress, per adapter on real servers (radosgw, the GCS double, Azurite,
// real files): pull() of a 12 MiB catalog reports received byte counts that rise
// to the full size, and a not-modified pull reports none. The CLI, run as a real
// process under a pseudo-terminal (util-linux `script`), draws a progress line on
// stderr when stderr is a terminal, and nothing extra when it is not, with
// METAFUSE_NO_PROGRESS=1, for JSON output, or for a small catalog.
// The throttle and the "slow transfer" rule are checked on transferProgress with
// an injected clock (waiting out real seconds would only make the test slow).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import type { Io } from '../../src/cli/io.js';
import { PROGRESS_MIN_BYTES, transferProgress } from '../../src/cli/progress.js';
import { openDatabase } from '../../src/db/index.js';
import { openStoreTarget } from '../../src/store/open.js';
import { pull } from '../../src/store/pull.js';
import { META } from '../../src/store/types.js';
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
  tempDir,
  writeSpecs,
  type Backend,
  type BackendName,
} from './support.js';

const NAMES = allBackends();
const PAD = 12 * 1024 * 1024;
/** util-linux `script` (Debian's essential bsdutils package) gives the CLI a pseudo-terminal. */
const HAVE_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

const backends = new Map<BackendName, Backend>();
/** The 12 MiB catalog and the 0.1 MiB one it was made from, with their object metadata. */
let big: { body: Buffer; metadata: Record<string, string> };
let small: { body: Buffer; metadata: Record<string, string> };

beforeAll(async () => {
  cliSnapshot();
  const started = await Promise.all([fileBackend(), ...(NAMES.includes('s3') ? [s3Backend('progress')] : []), gcsBackend('progress'), azureBackend('progress')]);
  for (const b of started) backends.set(b.name, b);

  // A real catalog, published to a local folder, then grown with a table of random bytes (opening
  // it as a catalog ignores tables it does not know): the product has no quick way to make 12 MiB.
  const dir = tempDir();
  const local = path.join(dir, 'store', 'catalog.db');
  const r = await runCli(['publish', '--specs', writeSpecs(path.join(dir, 'specs')), '--to', local]);
  expect(r.code, r.stderr).toBe(0);
  const t = await openStoreTarget(local);
  const info = (await t.store.head(t.key))!;
  small = { body: readFileSync(local), metadata: info.metadata };
  const padded = path.join(dir, 'big.db');
  writeFileSync(padded, small.body);
  const grow = openDatabase(padded);
  grow.exec('CREATE TABLE test_padding (b BLOB)');
  grow.prepare('INSERT INTO test_padding VALUES (randomblob(?))').run(PAD);
  grow.close();
  const body = readFileSync(padded);
  big = { body, metadata: { ...info.metadata, [META.sha256]: sha256(body) } };
  expect(catalogFacts(body)).toMatchObject({ version: 1, integrity: 'ok' });
}, 180_000);

afterAll(async () => {
  await Promise.all([...backends.values()].map((b) => b.stop()));
  removeTempDirs();
});

/** Writes bytes as the object at key (create-only) with the given metadata; returns the URL. */
async function place(b: Backend, key: string, obj: { body: Buffer; metadata: Record<string, string> }): Promise<string> {
  const url = b.url(key);
  const t = await withEnv(b.env, () => openStoreTarget(url));
  const put = await withEnv(b.env, () => t.store.put(t.key, obj.body, { ifMatch: null, metadata: obj.metadata }));
  expect(put.status).toBe('ok');
  return url;
}

/** Runs fn with the backend's variables set (the SDK clients read them when they connect). */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  try {
    return await fn();
  } finally {
    vi.unstubAllEnvs();
  }
}

describe.each(NAMES)('%s adapter', (name) => {
  test('pull reports progress in rising byte counts that end at the full size; a not-modified pull reports none', async () => {
    const b = backends.get(name)!;
    const url = await place(b, 'progress/adapter/catalog.db', big);
    const cache = tempDir('metafuse-cache-');
    await withEnv({ ...b.env, METAFUSE_CACHE_DIR: cache }, async () => {
      const target = await openStoreTarget(url);
      const calls: Array<[number, number | undefined]> = [];
      const outcome = await pull(target, { onProgress: (r, t) => calls.push([r, t]) });
      expect(outcome).toMatchObject({ status: 'downloaded', version: 1, bytes: big.body.length });
      expect(readFileSync(outcome.path).equals(big.body)).toBe(true);
      // Several chunks, each count above the last, the last one the whole object, the total known throughout.
      expect(calls.length).toBeGreaterThan(2);
      for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThan(calls[i - 1]![0]);
      expect(calls.at(-1)![0]).toBe(big.body.length);
      expect(calls.every(([, t]) => t === big.body.length)).toBe(true);

      const again: unknown[] = [];
      const second = await pull(target, { onProgress: (...a) => again.push(a) });
      expect(second.status).toBe('not-modified');
      expect(again).toEqual([]);

      // Without onProgress the adapter's original path still answers the same bytes.
      const plain = await target.store.get(target.key);
      expect(plain.status === 'ok' && plain.body.equals(big.body)).toBe(true);
    });
  });
});

// --- the CLI, as a real process ---

/** Quotes one word for sh -c. */
const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * Runs `sh -c line` under a pseudo-terminal: stdin, stdout and stderr of the command are the
 * terminal unless the line redirects them. Returns everything the terminal showed.
 * Asynchronous: the GCS double answers from this process.
 */
function underTerminal(line: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qfec', line, '/dev/null'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.on('data', (d: Buffer) => (screen += d.toString()));
    child.stderr.on('data', (d: Buffer) => (screen += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, screen }));
  });
}

const metafuse = (...args: string[]): string => [process.execPath, cliSnapshot().bin, ...args].map(q).join(' ');

/** The drawn progress line: carriage return, the text, erase-to-end-of-line. */
const LINE = /\rpulling \S+catalog\.db {2}\d+\.\d \/ \d+\.\d MiB {2}\d+% {2}\d+\.\d MiB\/s\u001b\[K/g;
const FINAL = /\rpulling \S+catalog\.db {2}12\.\d \/ 12\.\d MiB {2}100% {2}\d+\.\d MiB\/s\u001b\[K\r?\n/;

describe.runIf(HAVE_SCRIPT)('the CLI on a terminal', () => {
  test.each(NAMES)('%s: pull draws a progress line on stderr ending at 100 percent and a newline', async (name) => {
    const b = backends.get(name)!;
    const url = await place(b, 'progress/cli/catalog.db', big);
    const env = childEnv({ ...b.env, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
    const r = await underTerminal(metafuse('pull', '--from', url), env);
    expect(r.code, r.screen).toBe(0);
    expect(r.screen).toMatch(FINAL);
    // At most ~10 redraws a second, and the final line is drawn once.
    const drawn = r.screen.match(LINE) ?? [];
    expect(drawn.length).toBeGreaterThanOrEqual(1);
    expect(r.screen.match(/100%/g)).toHaveLength(1);
    // The summary follows on its own line, then the path.
    expect(r.screen).toMatch(/\r?\ndownloaded: version 1, \d+ bytes\r?\n\S+\.db\r?\n$/);
  });

  test('the line is on stderr only: stdout redirected holds just the path; stderr redirected gets no line', async () => {
    const b = backends.get(NAMES.includes('s3') ? 's3' : 'azure')!;
    const url = await place(b, 'progress/streams/catalog.db', big);
    const dir = tempDir();

    const out = path.join(dir, 'out.txt');
    const a = await underTerminal(`${metafuse('pull', '--from', url)} > ${q(out)}`, childEnv({ ...b.env, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') }));
    expect(a.code, a.screen).toBe(0);
    expect(a.screen).toMatch(FINAL);
    expect(readFileSync(out, 'utf8')).toMatch(/^\S+\.db\n$/);

    const err = path.join(dir, 'err.txt');
    const c = await underTerminal(`${metafuse('pull', '--from', url)} 2> ${q(err)}`, childEnv({ ...b.env, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') }));
    expect(c.code, c.screen).toBe(0);
    expect(readFileSync(err, 'utf8')).toBe(`downloaded: version 1, ${big.body.length} bytes\n`);
    expect(c.screen).not.toMatch(/pulling|MiB/);
    expect(c.screen).toMatch(/^\S+\.db\r?\n$/);

    // No terminal at all (pipes): stderr holds the summary only.
    const d = await cli(['pull', '--from', url], childEnv({ ...b.env, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') }));
    expect(d.code, d.stderr).toBe(0);
    expect(d.stderr).toBe(`downloaded: version 1, ${big.body.length} bytes\n`);
  });

  test('read commands given a URL show it too, except with --json, METAFUSE_NO_PROGRESS=1, or a small catalog', async () => {
    const b = backends.get(NAMES.includes('s3') ? 's3' : 'azure')!;
    const url = await place(b, 'progress/read/catalog.db', big);
    const run = (args: string[], extra: Record<string, string> = {}) => underTerminal(metafuse(...args), childEnv({ ...b.env, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-'), ...extra }));

    const list = await run(['list', '--catalog', url]);
    expect(list.code, list.screen).toBe(0);
    expect(list.screen).toMatch(FINAL);
    expect(list.screen).toMatch(/orders_daily/);

    const json = await run(['list', '--catalog', url, '--json']);
    expect(json.code, json.screen).toBe(0);
    expect(json.screen).not.toMatch(/pulling|MiB/);
    expect(JSON.parse(json.screen)).toMatchObject({ total: 2 });

    const off = await run(['pull', '--from', url], { METAFUSE_NO_PROGRESS: '1' });
    expect(off.code, off.screen).toBe(0);
    expect(off.screen).not.toMatch(/pulling|MiB/);
    expect(off.screen).toMatch(/^downloaded: version 1, \d+ bytes\r?\n/);

    const smallUrl = await place(b, 'progress/small/catalog.db', small);
    expect(small.body.length).toBeLessThan(PROGRESS_MIN_BYTES / 8);
    const quick = await run(['pull', '--from', smallUrl]);
    expect(quick.code, quick.screen).toBe(0);
    expect(quick.screen).not.toMatch(/pulling|MiB/);
  });
});

describe('transferProgress (injected clock)', () => {
  function fakeIo(): Io & { text: () => string } {
    let e = '';
    return { out: () => undefined, err: (t) => void (e += t), color: false, errIsTTY: true, text: () => e };
  }

  test('a small object shows nothing until the transfer has lasted a second; then at most 10 redraws a second', () => {
    let now = 0;
    const io = fakeIo();
    const p = transferProgress(io, 'pulling', 'gs://b/catalog.db', { now: () => now });
    const total = 2 * 1024 * 1024;
    // 1 KiB every 10 ms for 999 ms: no line.
    for (let i = 1; now < 999; i++, now += 10) p.onProgress(i * 1024, total);
    expect(io.text()).toBe('');
    // Then 1,000 more chunks over the next 2 s: about 20 redraws, not 1,000.
    for (let i = 0; i < 1000; i++, now += 2) p.onProgress(Math.min(100_000 + i * 1000, total), total);
    const draws = io.text().split('\r').length - 1;
    expect(draws).toBeGreaterThanOrEqual(15);
    expect(draws).toBeLessThanOrEqual(21);
    p.done();
    expect(io.text()).toMatch(/\rpulling gs:\/\/b\/catalog\.db {2}1\.0 \/ 2\.0 MiB {2}52% {2}0\.\d MiB\/s\u001b\[K\n$/);
  });

  test('a small, fast transfer leaves no trace; a long URL is cut at its start to fit one row; an unknown size shows bytes only', () => {
    let now = 0;
    const quiet = fakeIo();
    const p = transferProgress(quiet, 'pulling', 's3://b/k', { now: () => now });
    p.onProgress(1000, 1000);
    now = 50;
    p.done();
    expect(quiet.text()).toBe('');

    const io = fakeIo();
    const long = `s3://bucket/${'very-long-folder/'.repeat(10)}catalog.db`;
    const l = transferProgress(io, 'pulling', long, { now: () => now, columns: 60 });
    l.onProgress(10 * 1024 * 1024, undefined);
    now = 1100;
    l.onProgress(20 * 1024 * 1024, undefined);
    l.done();
    const last = io.text().split('\r').filter(Boolean).at(-1)!.replace('\u001b[K\n', '');
    expect(last.length).toBeLessThanOrEqual(59);
    expect(last).toMatch(/^pulling …\S*catalog\.db {2}20\.0 MiB {2}\d+\.\d MiB\/s$/);
  });
});
