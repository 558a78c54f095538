// A publisher killed with SIGKILL at a random moment never leaves a broken
// catalog behind: the remote object is always the old catalog or the new one,
// complete (its sha256 matches its metadata, it opens, PRAGMA integrity_check
// is ok) and its version is old or old + 1. Local folder and S3 (radosgw),
// 20 trials each, with a changed spec every time.
//
// For the local folder also: a lock left by a killed process is taken over by
// the next writer, and a crash between the data rename and the metadata rename
// (a `.meta.pending.json` journal) is repaired by the next reader or writer.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { SCOPE } from '../../src/files/owned-temp.js';
import { FileStore } from '../../src/store/file-store.js';
import { openStoreTarget } from '../../src/store/open.js';
import { META, StoreError } from '../../src/store/types.js';
import { radosgwInstalled } from '../servers/radosgw.js';
import {
  catalogFacts,
  childEnv,
  cli,
  cliSnapshot,
  fileBackend,
  jsonLine,
  removeTempDirs,
  runCli,
  s3Backend,
  sha256,
  sleep,
  spawnNode,
  tempDir,
  writeSpecs,
  type Backend,
  type BackendName,
} from './support.js';

const TRIALS = 20;
const NAMES: BackendName[] = radosgwInstalled() ? ['file', 's3'] : ['file'];
const backends = new Map<BackendName, Backend>();
const summary: string[] = [];

beforeAll(async () => {
  cliSnapshot();
  for (const b of await Promise.all([fileBackend(), ...(NAMES.includes('s3') ? [s3Backend('crash')] : [])])) {
    backends.set(b.name, b);
    for (const [k, v] of Object.entries(b.env)) vi.stubEnv(k, v);
  }
}, 120_000);

afterAll(async () => {
  if (summary.length) console.log(`crash trials:\n${summary.join('\n')}`);
  vi.unstubAllEnvs();
  await Promise.all([...backends.values()].map((b) => b.stop()));
  removeTempDirs();
});

/** Resolves when `lock` exists (polled on every turn of the event loop), when `until` settles, or after timeoutMs. */
async function lockAppears(lock: string, until: Promise<unknown>, timeoutMs: number): Promise<void> {
  let settled = false;
  void until.finally(() => (settled = true));
  const t0 = Date.now();
  while (!settled && !existsSync(lock) && Date.now() - t0 < timeoutMs) await new Promise((r) => setImmediate(r));
}

type CutMode = 'mid-upload' | 'after-response';

/**
 * A TCP proxy in front of radosgw that kills the publisher at a chosen point of
 * its PUT of `keyPath`: 'mid-upload' forwards the headers and half of the body,
 * then kills the client and drops the connection (radosgw gets a truncated
 * upload); 'after-response' lets the PUT through and kills the client as the
 * 200 comes back (the write landed, the publisher never learns it).
 */
async function startCutProxy(upstreamPort: number, keyPath: string): Promise<{ endpoint: string; arm(mode: CutMode, kill: () => Promise<void>): void; fired(): CutMode | undefined; stop(): Promise<void> }> {
  let armed: { mode: CutMode; kill: () => Promise<void> } | undefined;
  let fired: CutMode | undefined;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let lastRequest = '';
    let cutting: { left: number } | undefined;
    const fire = (mode: CutMode, then: () => void): void => {
      fired = mode;
      client.pause();
      const kill = armed!.kill;
      armed = undefined;
      void kill().then(then);
    };
    client.on('data', (chunk: Buffer) => {
      if (cutting) {
        const n = Math.min(chunk.length, cutting.left);
        upstream.write(chunk.subarray(0, n));
        cutting.left -= n;
        if (cutting.left <= 0) {
          cutting = undefined;
          fire('mid-upload', () => upstream.destroy());
        }
        return;
      }
      const head = chunk.toString('latin1', 0, Math.min(chunk.length, 4096));
      const line = /^([A-Z]+) (\S+) HTTP\/1\.1\r\n/.exec(head);
      if (line) lastRequest = `${line[1]} ${line[2]}`;
      if (line && armed?.mode === 'mid-upload' && line[1] === 'PUT' && line[2]!.startsWith(keyPath)) {
        const headerEnd = chunk.indexOf('\r\n\r\n') + 4;
        const half = Math.floor(Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0) / 2);
        const n = Math.min(chunk.length - headerEnd, half);
        upstream.write(chunk.subarray(0, headerEnd + n));
        if (half - n <= 0) fire('mid-upload', () => upstream.destroy());
        else cutting = { left: half - n };
        return;
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (armed?.mode === 'after-response' && lastRequest.startsWith(`PUT ${keyPath}`) && chunk.toString('latin1', 0, 12) === 'HTTP/1.1 200') {
        fire('after-response', () => client.destroy());
        return;
      }
      client.write(chunk);
    });
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arm(mode, kill) {
      armed = { mode, kill };
      fired = undefined;
    },
    fired: () => fired,
    stop: async () => {
      for (const sock of sockets) sock.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface RemoteState {
  version: number;
  sha: string;
  /** The salt of the specs it was built from (in every dataset description). */
  salt: string;
}

/** Reads the remote catalog as a reader would (a fresh client) and checks that it is complete. */
async function remoteState(url: string): Promise<RemoteState> {
  const t = await openStoreTarget(url);
  const got = await t.store.get(t.key);
  if (got.status !== 'ok') throw new Error(`remote ${url} is ${got.status}`);
  const sha = sha256(got.body);
  expect(got.info.metadata[META.sha256]).toBe(sha);
  const facts = catalogFacts(got.body);
  expect(facts.integrity).toBe('ok');
  expect(got.info.metadata[META.version]).toBe(String(facts.version));
  const dir = tempDir('metafuse-crash-read-');
  writeFileSync(path.join(dir, 'c.db'), got.body);
  const { openCatalog } = await import('../../src/catalog/open.js');
  const cat = openCatalog(path.join(dir, 'c.db'));
  try {
    const descriptions = cat.db.prepare('SELECT description FROM datasets ORDER BY name').all<{ description: string }>();
    const salts = new Set(descriptions.map((d) => /\(([^)]*)\)\.$/.exec(d.description)?.[1] ?? ''));
    expect(salts.size).toBe(1);
    return { version: facts.version, sha, salt: [...salts][0]! };
  } finally {
    cat.close();
  }
}

describe.each(NAMES)('%s: publisher killed with SIGKILL', (name) => {
  test(`${TRIALS} trials: the remote is always the old or the new complete catalog`, async () => {
    const b = backends.get(name)!;
    const url = b.url('crash/catalog.db');
    const env = childEnv({ ...b.env, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
    const specs = path.join(tempDir(), 'specs');

    // Calibration: complete publishes, to know how long one that replaces a catalog takes here
    // (the first, which creates it, is quicker: it has no catalog to read).
    writeSpecs(specs, 'start');
    const first = await cli(['publish', '--specs', specs, '--to', url], env);
    expect(first.code, first.stderr).toBe(0);
    writeSpecs(specs, 'calibration');
    const second = await cli(['publish', '--specs', specs, '--to', url], env);
    expect(second.code, second.stderr).toBe(0);
    let full = second.ms;
    let state = await remoteState(url);
    expect(state).toMatchObject({ version: 2, salt: 'calibration' });

    // S3: every other trial goes through a proxy that kills the publisher in the middle of its upload
    // or just as the write's 200 comes back; the others (and all local ones) are killed by a timer.
    const proxy = name === 's3' ? await startCutProxy(Number(new URL(b.env.AWS_ENDPOINT_URL_S3!).port), `/${b.bucket}/crash/catalog.db`) : undefined;
    const outcomes = { old: 0, new: 0, completed: 0, midWrite: 0, cutMidUpload: 0, cutAfterResponse: 0 };
    for (let i = 0; i < TRIALS; i++) {
      const salt = `trial ${i}`;
      writeSpecs(specs, salt);
      // Spread the kills over the run after Node's start-up (reading, building, writing, exiting)
      // and beyond it, each at a random moment within its slice.
      const delay = Math.round((0.3 + (1.2 * (i + Math.random())) / TRIALS) * full);
      const cut: CutMode | undefined = proxy && i % 2 === 1 ? (i % 4 === 1 ? 'mid-upload' : 'after-response') : undefined;
      const child = spawnNode([cliSnapshot().bin, 'publish', '--specs', specs, '--to', url], cut ? { ...env, AWS_ENDPOINT_URL_S3: proxy!.endpoint } : env);
      let finished: boolean;
      if (cut) {
        proxy!.arm(cut, async () => {
          child.kill('SIGKILL');
          await child.done;
        });
        await child.done;
        finished = proxy!.fired() === undefined;
      } else if (name === 'file' && i % 2 === 1) {
        // Every other local trial is killed inside the critical section: 0-3 ms after its lock appears.
        finished = await Promise.race([child.done.then(() => true), lockAppears(`${url}.lock`, child.done, full * 3).then(() => sleep(Math.random() * 3)).then(() => false)]);
      } else {
        finished = await Promise.race([child.done.then(() => true), sleep(delay).then(() => false)]);
      }
      if (!finished) child.kill('SIGKILL');
      const r = await child.done;
      const fired = cut ? proxy!.fired() : undefined;
      if (fired === 'mid-upload') outcomes.cutMidUpload++;
      if (fired === 'after-response') outcomes.cutAfterResponse++;
      if (r.signal !== 'SIGKILL') {
        expect(r.code, r.stderr).toBe(0);
        outcomes.completed++;
        if (!cut) full = Math.max(full, r.ms); // the machine got slower: keep the kills spread over a whole run
      }
      const now = await remoteState(url);
      if (now.version === state.version) {
        expect(now.sha).toBe(state.sha);
        expect(now.salt).toBe(state.salt);
        outcomes.old++;
      } else {
        expect(now.version).toBe(state.version + 1);
        expect(now.salt).toBe(salt);
        outcomes.new++;
        if (r.signal === 'SIGKILL') outcomes.midWrite++;
      }
      if (r.signal !== 'SIGKILL') expect(now.salt).toBe(salt);
      if (fired === 'mid-upload') expect(now.version, 'a truncated upload must not replace the catalog').toBe(state.version);
      if (fired === 'after-response') expect(now.version, 'a write acknowledged by the server is there').toBe(state.version + 1);
      state = now;
    }
    await proxy?.stop();
    // The next publish after all that works (no lock or debris in the way) and takes the next version.
    writeSpecs(specs, 'after');
    const last = await cli(['publish', '--specs', specs, '--to', url], env);
    expect(last.code, last.stderr).toBe(0);
    expect(jsonLine(last.stdout)).toMatchObject({ status: 'written', version: state.version + 1 });
    expect(last.ms).toBeLessThan(full * 5 + 5_000);
    summary.push(`  ${name.padEnd(4)} ${TRIALS} kills over runs of ${second.ms}-${full} ms: ${outcomes.old} left the old catalog, ${outcomes.new} the new one (${outcomes.completed} finished before the kill, ${outcomes.midWrite} killed after the write landed${proxy ? `; by the proxy: ${outcomes.cutMidUpload} mid-upload, ${outcomes.cutAfterResponse} as the 200 came back` : ''})`);
    expect(outcomes.old).toBeGreaterThan(0);
    // Both outcomes are certain only where the proxy chooses the moment; elsewhere they are reported.
    if (proxy) expect(outcomes.cutMidUpload + outcomes.cutAfterResponse).toBe(TRIALS / 2);
  }, 180_000);
});

describe('local folder: locks and the rename journal after a crash', () => {
  /** Publishes `salt` specs to a fresh folder; returns the catalog path. */
  // The writers and readers here run in this process (runCli), except the publishers that get killed.
  async function published(salt: string, file?: string): Promise<{ file: string; env: Record<string, string>; childEnv: NodeJS.ProcessEnv; specs: string }> {
    const dir = tempDir('metafuse-crashfs-');
    const target = file ?? path.join(dir, 'store', 'catalog.db');
    const specs = writeSpecs(path.join(dir, 'specs'), salt);
    const env = { METAFUSE_CACHE_DIR: path.join(dir, 'cache') };
    const r = await runCli(['publish', '--specs', specs, '--to', target], env);
    expect(r.code, r.stderr).toBe(0);
    return { file: target, env, childEnv: childEnv(env), specs };
  }

  /** A pid that certainly belonged to a process that is gone now (killed with SIGKILL). */
  async function deadPid(): Promise<number> {
    const child = spawnNode(['-e', 'setInterval(() => {}, 1000)'], childEnv());
    await sleep(50);
    child.kill('SIGKILL');
    await child.done;
    return child.pid;
  }

  test('a lock left by a killed process is taken over by the next writer at once', async () => {
    const { file, env, specs } = await published('one');
    const lock = `${file}.lock`;
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ id: 'deadbeef', pid: await deadPid(), host: hostname(), createdAt: Date.now() }));
    writeSpecs(specs, 'two');
    const r = await runCli(['publish', '--specs', specs, '--to', file], env);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLine(r.stdout)).toMatchObject({ status: 'written', version: 2 });
    expect(r.ms).toBeLessThan(10_000); // not the 30 s stale-lock age
    expect(existsSync(lock)).toBe(false);
    expect(readdirSync(path.dirname(file)).filter((n) => n.includes('.lock'))).toEqual([]);
  });

  test('a lock whose claimant died in the middle of a takeover (owner record moved, lock not yet removed) is taken at once', async () => {
    const { file, env, specs } = await published('one');
    const lock = `${file}.lock`;
    mkdirSync(lock);
    // What takeOver leaves when killed between its renames: the stale owner's record, moved to a claim that names the claimant.
    const claimant = await deadPid();
    writeFileSync(path.join(lock, `claim.${SCOPE}~${claimant}~0badc0de.json`), JSON.stringify({ id: 'deadbeef', pid: await deadPid(), host: hostname(), createdAt: Date.now() }));
    writeSpecs(specs, 'two');
    const r = await runCli(['publish', '--specs', specs, '--to', file], env);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLine(r.stdout)).toMatchObject({ status: 'written', version: 2 });
    expect(r.ms).toBeLessThan(10_000); // not the 30 s age of an ownerless lock
    expect(existsSync(lock)).toBe(false);
  });

  test('an ownerless lock whose claimant is alive is waited for', async () => {
    const { file } = await published('claimed');
    const lock = `${file}.lock`;
    const store = new FileStore(path.dirname(file), { lockTimeoutMs: 300 });
    const info = await store.head('catalog.db');
    mkdirSync(lock);
    writeFileSync(path.join(lock, `claim.${SCOPE}~${process.pid}~0badc0de.json`), JSON.stringify({ id: 'deadbeef', pid: 1, host: hostname(), createdAt: 0 }));
    const err = await store.put('catalog.db', Buffer.from('x'), { ifMatch: info!.token, metadata: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(/timed out after 300 ms waiting for the lock/);
    expect(existsSync(lock)).toBe(true);
  });

  test('a real publisher killed while it holds the lock: the next writer proceeds', async () => {
    // Kill publishers until one dies holding the lock (the window is milliseconds), at most 40 tries;
    // when none is caught the takeover is still proven by the test above.
    const { file, env, specs } = await published('base');
    const lock = `${file}.lock`;
    let caught = false;
    for (let i = 0; i < 40 && !caught; i++) {
      writeSpecs(specs, `lock ${i}`);
      const child = spawnNode([cliSnapshot().bin, 'publish', '--specs', specs, '--to', file], childEnv(env));
      // Poll for the lock directory and kill the moment it appears.
      const t0 = Date.now();
      while (Date.now() - t0 < 5_000) {
        if (existsSync(lock)) {
          child.kill('SIGKILL');
          break;
        }
        await sleep(0);
      }
      const r = await child.done;
      caught = r.signal === 'SIGKILL' && existsSync(lock);
    }
    writeSpecs(specs, 'after the kill');
    const r = await runCli(['publish', '--specs', specs, '--to', file], env);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLine(r.stdout).status).toBe('written');
    expect(existsSync(lock)).toBe(false);
    const st = await remoteState(file);
    expect(st.salt).toBe('after the kill');
    console.log(`lock held by a killed publisher caught: ${caught}`);
  }, 120_000);

  test('a live lock younger than 30 s is waited for; one older than 30 s is taken over', async () => {
    const { file } = await published('live');
    const lock = `${file}.lock`;
    const store = new FileStore(path.dirname(file), { lockTimeoutMs: 300 });
    const info = await store.head('catalog.db');
    mkdirSync(lock);
    writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ id: 'live', pid: process.pid, host: hostname(), createdAt: Date.now() }));
    const body = Buffer.from('x');
    const err = await store.put('catalog.db', body, { ifMatch: info!.token, metadata: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as Error).message).toMatch(new RegExp(`waiting for the lock .*held by pid ${process.pid}`));
    // The same owner, but 31 s old: abandoned.
    writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ id: 'live', pid: process.pid, host: hostname(), createdAt: Date.now() - 31_000 }));
    const cat = readFileSync(file);
    expect((await store.put('catalog.db', cat, { ifMatch: info!.token, metadata: { [META.sha256]: sha256(cat) } })).status).toBe('ok');
    expect(existsSync(lock)).toBe(false);
  });

  /** Sets up the state of a writer that died between its two renames: v2's data, v1's metadata, v2's journal. */
  async function crashedBetweenRenames(): Promise<{ file: string; env: Record<string, string>; specs: string; v1: Buffer; v2: Buffer; v1meta: string; v2meta: string }> {
    const p = await published('v1');
    const v1 = readFileSync(p.file);
    const v1meta = readFileSync(`${p.file}.meta.json`, 'utf8');
    writeSpecs(p.specs, 'v2');
    const r = await runCli(['publish', '--specs', p.specs, '--to', p.file], p.env);
    expect(r.code, r.stderr).toBe(0);
    const v2 = readFileSync(p.file);
    const v2meta = readFileSync(`${p.file}.meta.json`, 'utf8');
    expect(JSON.parse(v2meta).metadata[META.version]).toBe('2');
    // Roll the metadata back and leave v2's journal: the data rename happened, the metadata rename did not.
    writeFileSync(`${p.file}.meta.json`, v1meta);
    writeFileSync(`${p.file}.meta.pending.json`, v2meta);
    return { ...p, v1, v2, v1meta, v2meta };
  }

  test('crash between the renames: a reader (pull) completes the journal', async () => {
    const s = await crashedBetweenRenames();
    const out = path.join(tempDir(), 'pulled.db');
    const r = await runCli(['pull', '--from', s.file, '--out', out], s.env);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out).equals(s.v2)).toBe(true);
    expect(catalogFacts(out).version).toBe(2);
    expect(readFileSync(`${s.file}.meta.json`, 'utf8')).toBe(s.v2meta);
    expect(existsSync(`${s.file}.meta.pending.json`)).toBe(false);
  });

  test('crash between the renames: the next writer completes the journal and builds on it', async () => {
    const s = await crashedBetweenRenames();
    writeSpecs(s.specs, 'v3');
    const r = await runCli(['publish', '--specs', s.specs, '--to', s.file], s.env);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLine(r.stdout)).toMatchObject({ status: 'written', version: 3 });
    expect(existsSync(`${s.file}.meta.pending.json`)).toBe(false);
    const st = await remoteState(s.file);
    expect(st).toMatchObject({ version: 3, salt: 'v3' });
  });

  test('crash before the data rename: the journal is dropped and the old catalog stays', async () => {
    const p = await published('kept');
    const v1 = readFileSync(p.file);
    // A journal for data that never arrived (the writer died before renaming it), plus its temp file.
    const pending = { token: 'feedface', sha256: sha256('never arrived'), size: 13, metadata: { [META.version]: '2' } };
    writeFileSync(`${p.file}.meta.pending.json`, JSON.stringify(pending));
    writeFileSync(path.join(path.dirname(p.file), '.catalog.db.feedface.tmp'), 'never arrived');
    const st = await remoteState(p.file);
    expect(st).toMatchObject({ version: 1, salt: 'kept', sha: sha256(v1) });
    writeSpecs(p.specs, 'next');
    const r = await runCli(['publish', '--specs', p.specs, '--to', p.file], p.env);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLine(r.stdout)).toMatchObject({ status: 'written', version: 2 });
    expect(existsSync(`${p.file}.meta.pending.json`)).toBe(false);
  });

  test('a catalog copied into the folder by hand (no metadata) is a valid object and is replaced conditionally', async () => {
    const p = await published('by hand');
    const target = path.join(tempDir(), 'hand', 'catalog.db');
    mkdirSync(path.dirname(target));
    copyFileSync(p.file, target);
    const pulled = await runCli(['pull', '--from', target], p.env);
    expect(pulled.code, pulled.stderr).toBe(0);
    writeSpecs(p.specs, 'over the copy');
    const r = await runCli(['publish', '--specs', p.specs, '--to', target], p.env);
    expect(r.code, r.stderr).toBe(0);
    expect(jsonLine(r.stdout)).toMatchObject({ status: 'written', version: 2 });
    expect((await remoteState(target)).version).toBe(2);
  });
});
