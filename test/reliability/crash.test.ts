// Crash safety (docs/reliability.md, section `crash`): `metafuse build`,
// `publish`, `pull` and `emit` run as real processes and are killed with
// SIGKILL at seeded random moments. Half the kills are spread over the whole
// run (start-up, reading, building, writing, exiting); the other half are aimed
// at the dangerous phase: build and pull while their temp file exists (the new
// file being written and renamed), local-folder publish/emit 0-3 ms after the
// lock appears (inside the critical section), S3 publish/emit between the start
// of the write protocol and the end of the run. After every kill:
//
// - build: the destination is the old or the new complete catalog (opens,
//   integrity_check ok, specs of one of the two builds), and nothing but the
//   catalog and dot-named temp files is in its folder;
// - publish / emit: the remote is the old or the new complete catalog (sha256 =
//   metadata, opens, integrity ok, version old or old + 1); every emit that was
//   acknowledged earlier is still there;
// - pull: the cache file and its entry agree (whenever the entry vouches for
//   the file, the file's sha256 is the entry's), the --out copy is absent, old
//   or new and complete, and the next pull works and leaves a valid cache;
// - a lock left by a killed writer is recovered by the next writer (timed);
// - the temp files of killed processes (beside the catalog, in the cache, and
//   the work folders in TMPDIR) are removed by the next run, and only those
//   (a live process's, another host's and foreign files are kept).
//
// Also the stale-lock takeover race: many processes contend for a lock whose
// owner was killed; only one may hold it at a time.
//
// CI: 5 trials per command on the local folder. Full: 50 per command on the
// local folder and 50 for publish and emit on S3 (radosgw).
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { openCatalog } from '../../src/catalog/open.js';
import { SCOPE } from '../../src/files/owned-temp.js';
import { FileStore } from '../../src/store/file-store.js';
import { openStoreTarget } from '../../src/store/open.js';
import { META } from '../../src/store/types.js';
import { radosgwInstalled } from '../servers/radosgw.js';
import { FULL, scale, suiteTimeout, writeReport } from './scale.js';
import { mulberry32 } from '../helpers/random.js';
import {
  catalogFacts,
  childEnv,
  cli,
  cliSnapshot,
  datasetYaml,
  fileBackend,
  jsonLine,
  removeTempDirs,
  runCli,
  s3Backend,
  sha256,
  sleep,
  spawnNode,
  tempDir,
  type Backend,
  type BackendName,
  type ProcResult,
  type Spawned,
} from '../store/support.js';

const TRIALS = scale(5, 50);
const SEED = Number(process.env.METAFUSE_CRASH_SEED ?? 20_261_125);
/** Datasets in the spec trees: enough that building and writing take a noticeable share of a run. */
const DATASETS = 120;
const S3 = FULL && radosgwInstalled();
const CONTENDERS = scale(6, 12);
const ROUNDS = scale(6, 25);
const CONTENDER = path.join(import.meta.dirname, 'fixtures', 'lock-contender.mjs');

const backends = new Map<BackendName, Backend>();
const rows: Row[] = [];
const notes: string[] = [];

interface Row {
  command: string;
  store: string;
  trials: number;
  killed: number;
  completed: number;
  old: number;
  new: number;
  locksLeft: number;
  recovered: number;
  maxRecoveryMs: number | null;
  broken: number;
}

beforeAll(async () => {
  cliSnapshot();
  for (const b of await Promise.all([fileBackend(), ...(S3 ? [s3Backend('crash-reliability')] : [])])) {
    backends.set(b.name, b);
    for (const [k, v] of Object.entries(b.env)) vi.stubEnv(k, v);
  }
}, 180_000);

afterAll(async () => {
  if (rows.length) {
    const file = writeReport('crash', report());
    console.log(`crash safety written to ${file}\n${table()}\n${notes.join('\n')}`);
  }
  vi.unstubAllEnvs();
  await Promise.all([...backends.values()].map((b) => b.stop()));
  removeTempDirs();
});


/** A spec tree of DATASETS datasets whose descriptions all end with "(salt)."; returns dir. */
function specTree(dir: string, salt: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'datasets'), { recursive: true });
  writeFileSync(path.join(dir, 'metafuse.yaml'), 'apiVersion: metafuse/v1\nkind: Catalog\nname: crashtest\ndefaults:\n  tenant: acme\n');
  for (let i = 0; i < DATASETS; i++) {
    const up = i === 0 ? [] : [`ds_${Math.floor(i / 2)}`];
    writeFileSync(path.join(dir, 'datasets', `ds_${i}.yaml`), datasetYaml(`ds_${i}`, salt, up));
  }
  return dir;
}

/** Opens a catalog file and returns its version and the salt of its specs (throws if it is not a complete catalog). */
function inspect(file: string): { version: number; salt: string; sha: string } {
  const facts = catalogFacts(file);
  if (facts.integrity !== 'ok') throw new Error(`integrity_check: ${facts.integrity}`);
  const cat = openCatalog(file);
  try {
    const d = cat.db.prepare("SELECT description FROM datasets WHERE description LIKE 'Dataset %'").all<{ description: string }>();
    const salts = new Set(d.map((r) => /\(([^)]*)\)\.$/.exec(r.description)?.[1] ?? ''));
    if (salts.size !== 1) throw new Error(`specs of ${salts.size} builds in one catalog`);
    return { version: facts.version, salt: [...salts][0]!, sha: sha256(readFileSync(file)) };
  } finally {
    cat.close();
  }
}

interface Remote {
  version: number;
  salt: string;
  sha: string;
  runIds: Set<string>;
}

/** Reads the remote catalog as a new reader would and checks that it is complete. */
async function remote(url: string): Promise<Remote> {
  const t = await openStoreTarget(url);
  const got = await t.store.get(t.key);
  if (got.status !== 'ok') throw new Error(`remote ${url} is ${got.status}`);
  const sha = sha256(got.body);
  if (got.info.metadata[META.sha256] !== sha) throw new Error(`remote body sha256 ${sha.slice(0, 12)} is not its metadata's`);
  const dir = tempDir('metafuse-crash-read-');
  const file = path.join(dir, 'c.db');
  writeFileSync(file, got.body);
  const st = inspect(file);
  if (got.info.metadata[META.version] !== String(st.version)) throw new Error(`remote version ${st.version}, metadata ${got.info.metadata[META.version]}`);
  const runIds = new Set(catalogFacts(file).observations.map((o) => o.run_id ?? ''));
  rmSync(dir, { recursive: true, force: true });
  return { version: st.version, salt: st.salt, sha, runIds };
}

/** Resolves with the time (ms since t0) at which `probe()` first holds (polled on every turn of the event loop), or undefined when `until` settles first or after timeoutMs. */
async function whenSeen(probe: () => boolean, until: Promise<unknown>, timeoutMs: number, t0 = Date.now()): Promise<number | undefined> {
  let settled = false;
  void until.finally(() => (settled = true));
  while (!settled && Date.now() - t0 < timeoutMs) {
    if (probe()) return Date.now() - t0;
    await new Promise((r) => setImmediate(r));
  }
  return undefined;
}

/**
 * When to kill: after `delay` ms, or `windowMs · random()` after `probe` first holds (a phase of
 * the run: the lock appeared, the temp file of the write appeared, the work folder appeared).
 */
type Plan = { delay: number } | { probe: () => boolean; windowMs: number };

/** Kills `child` as `plan` says (unless it exits first). */
async function killAt(child: Spawned, plan: Plan, random: () => number): Promise<{ r: ProcResult; killed: boolean }> {
  const timer =
    'delay' in plan
      ? sleep(plan.delay).then(() => true)
      : whenSeen(plan.probe, child.done, 60_000).then(async (seen) => {
          if (seen === undefined) return false;
          await sleep(random() * plan.windowMs);
          return true;
        });
  const finished = await Promise.race([child.done.then(() => 'done' as const), timer.then((fire) => (fire ? ('kill' as const) : ('done' as const)))]);
  if (finished === 'kill') child.kill('SIGKILL');
  const r = await child.done;
  return { r, killed: r.signal === 'SIGKILL' };
}

/**
 * A complete run of `args` that also notes when `probe` first held: the run's length, and how long
 * it has left from that moment (the window a targeted kill is spread over).
 */
async function calibrate(args: string[], env: NodeJS.ProcessEnv, probe: (pid: number) => boolean): Promise<{ full: number; window: number }> {
  const t0 = Date.now();
  const child = spawnNode(args, env);
  const seen = await whenSeen(() => probe(child.pid), child.done, 60_000, t0);
  const r = await child.done;
  expect(r.code, r.stderr).toBe(0);
  return { full: r.ms, window: seen === undefined ? r.ms * 0.3 : Math.max(3, r.ms - seen) };
}

/** Spread: the i-th of TRIALS kills lands at a random moment of its slice of [0.15, 1.3] x a full run. */
function delayFor(i: number, full: number, random: () => number): number {
  return Math.round((0.15 + (1.15 * (i + random())) / TRIALS) * full);
}

/** Whether `dir` holds a dot-named temp file whose name starts with `.${base}.` (a write in progress). */
function tempIn(dir: string, base: string, pid?: number): boolean {
  try {
    return readdirSync(dir).some((n) => n.startsWith(`.${base}.`) && n.endsWith('.tmp') && (pid === undefined || n.includes(`~${pid}~`)));
  } catch {
    return false;
  }
}

/** Dot-named debris beside `file` (temp files, half-made or aside locks), and everything else that is not the catalog or its metadata. */
function besides(file: string): { debris: string[]; visible: string[] } {
  const base = path.basename(file);
  const names = readdirSync(path.dirname(file));
  return {
    debris: names.filter((n) => n.startsWith(`.${base}.`)),
    visible: names.filter((n) => !n.startsWith('.') && ![base, `${base}.meta.json`, `${base}.meta.pending.json`, `${base}.lock`].includes(n)),
  };
}

/** Work folders of the write protocol in the children's TMPDIR. */
function workDirs(env: NodeJS.ProcessEnv): string[] {
  return readdirSync(env.TMPDIR!).filter((n) => /^metafuse-(write|remote)-/.test(n));
}

/** Times a writer's pass through the lock of a local-folder catalog: a put with a token that cannot match (answers conflict, changes nothing). */
async function lockPass(file: string): Promise<number> {
  const store = new FileStore(path.dirname(file));
  const t0 = performance.now();
  const r = await store.put(path.basename(file), Buffer.from('probe'), { ifMatch: 'no-such-version', metadata: {} });
  expect(r.status).toBe('conflict');
  return performance.now() - t0;
}

function row(command: string, store: string): Row {
  const r: Row = { command, store, trials: TRIALS, killed: 0, completed: 0, old: 0, new: 0, locksLeft: 0, recovered: 0, maxRecoveryMs: null, broken: 0 };
  rows.push(r);
  return r;
}

/** Runs `check`; a throw counts as broken and is re-thrown after the row is updated (the test fails). */
function judged<T>(r: Row, check: () => T): T {
  try {
    return check();
  } catch (e) {
    r.broken++;
    throw e;
  }
}

describe('build killed with SIGKILL', () => {
  test(`${TRIALS} trials: the destination is always the old or the new complete catalog`, async () => {
    const random = mulberry32(SEED + 1);
    const r = row('build', 'local file');
    const dir = tempDir('metafuse-crash-build-');
    const dest = path.join(dir, 'out', 'catalog.db');
    const specs = path.join(dir, 'specs');
    const env = childEnv();
    specTree(specs, 'start');
    const writing = (pid: number): boolean => tempIn(path.dirname(dest), 'catalog.db', pid);
    const cal = await calibrate([cliSnapshot().bin, 'build', '--specs', specs, '--out', dest], env, writing);
    let full = cal.full;
    let state = inspect(dest);
    let left = 0;
    for (let i = 0; i < TRIALS; i++) {
      const salt = `build ${i}`;
      specTree(specs, salt);
      const child = spawnNode([cliSnapshot().bin, 'build', '--specs', specs, '--out', dest], env);
      // Every other kill lands while the new catalog is being written (its temp file exists).
      const plan: Plan = i % 2 === 1 ? { probe: () => writing(child.pid), windowMs: cal.window } : { delay: delayFor(i, full, random) };
      const { r: res, killed } = await killAt(child, plan, random);
      if (killed) r.killed++;
      else {
        expect(res.code, res.stderr).toBe(0);
        r.completed++;
        full = Math.max(full, res.ms);
      }
      const now = judged(r, () => {
        const { visible } = besides(dest);
        if (visible.length) throw new Error(`visible beside the catalog: ${visible.join(', ')}`);
        const st = inspect(dest);
        if (st.salt !== state.salt && st.salt !== salt) throw new Error(`catalog of specs "${st.salt}", neither old "${state.salt}" nor new "${salt}"`);
        if (!killed && st.salt !== salt) throw new Error('a completed build left the old catalog');
        return st;
      });
      if (now.salt === salt) r.new++;
      else r.old++;
      state = now;
      // Each run removes the debris of the killed ones before it: count what this one left.
      left += besides(dest).debris.length;
    }
    specTree(specs, 'after');
    const last = await cli(['build', '--specs', specs, '--out', dest], env);
    expect(last.code, last.stderr).toBe(0);
    expect(inspect(dest).salt).toBe('after');
    const after = besides(dest).debris;
    notes.push(`build: the killed builds left ${left} temp file(s) beside the catalog in all (each run removes those of killed runs before it); after the last build: ${after.length}.`);
    expect(after).toEqual([]);
    expect(r.broken).toBe(0);
    expect(r.old + r.new).toBe(TRIALS);
  }, suiteTimeout(120_000, 600_000));
});

const WRITE_STORES: BackendName[] = S3 ? ['file', 's3'] : ['file'];

describe.each(WRITE_STORES)('%s: publish and emit killed with SIGKILL', (name) => {
  for (const command of ['publish', 'emit'] as const) {
    test(`${command}, ${TRIALS} trials: the remote is always the old or the new complete catalog${command === 'emit' ? ', acknowledged emits kept' : ''}`, async () => {
      const random = mulberry32(SEED + (command === 'publish' ? 2 : 3) + (name === 's3' ? 10 : 0));
      const b = backends.get(name)!;
      const r = row(command, name === 'file' ? 'local folder' : 'S3 (radosgw)');
      const url = b.url(`crash-${command}/catalog.db`);
      const env = childEnv({ ...b.env, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
      const specs = path.join(tempDir(), 'specs');
      const acknowledged = new Set<string>();
      const run = (i: number): string[] =>
        command === 'publish'
          ? ['publish', '--specs', specTree(specs, `${command} ${i}`), '--to', url]
          : ['emit', '--to', url, '--dataset', 'ds_1', '--row-count', String(i + 1), '--run-id', `t${i}`];

      specTree(specs, 'start');
      const first = await cli(['publish', '--specs', specs, '--to', url], env);
      expect(first.code, first.stderr).toBe(0);
      // Calibration: one complete run that replaces the catalog (and how long it has left once its work folder appears).
      const working = (pid: number): boolean => workDirs(env).some((n) => n.includes(`~${pid}~`));
      const cal = await calibrate([cliSnapshot().bin, ...run(-1)], env, working);
      if (command === 'emit') acknowledged.add('t-1');
      let full = cal.full;
      let state = await remote(url);
      const recoveries: number[] = [];
      let debrisLeft = 0;
      let workLeft = 0;
      for (let i = 0; i < TRIALS; i++) {
        const targeted = i % 2 === 1;
        const child = spawnNode([cliSnapshot().bin, ...run(i)], env);
        // Every other kill is aimed: local folder, 0-3 ms after the lock appears (inside the critical
        // section); S3, anywhere between the start of the write protocol and the end of the run.
        const plan: Plan = !targeted
          ? { delay: delayFor(i, full, random) }
          : name === 'file'
            ? { probe: () => existsSync(`${url}.lock`), windowMs: 3 }
            : { probe: () => working(child.pid), windowMs: cal.window };
        const { r: res, killed } = await killAt(child, plan, random);
        if (killed) r.killed++;
        else {
          expect(res.code, res.stderr).toBe(0);
          expect(jsonLine(res.stdout).status).toBe('written');
          r.completed++;
          if (!targeted) full = Math.max(full, res.ms);
          if (command === 'emit') acknowledged.add(`t${i}`);
        }
        // Each run removes the debris of killed runs before it: count what this one left.
        workLeft += workDirs(env).length;
        if (name === 'file') debrisLeft += besides(url).debris.length;
        if (name === 'file' && existsSync(`${url}.lock`)) {
          // A lock left by the killed writer: the next writer must get through at once (its owner is dead).
          r.locksLeft++;
          const ms = await lockPass(url);
          recoveries.push(ms);
          expect(existsSync(`${url}.lock`)).toBe(false);
          r.recovered++;
        }
        const now = await judgedAsync(r, async () => {
          const st = await remote(url);
          if (st.version === state.version) {
            if (st.sha !== state.sha) throw new Error(`version ${st.version} with different bytes`);
          } else if (st.version !== state.version + 1) throw new Error(`version ${st.version} after ${state.version}`);
          if (command === 'publish' && st.version === state.version + 1 && st.salt !== `${command} ${i}`) throw new Error(`new version with specs "${st.salt}"`);
          if (command === 'emit' && (st.version === state.version + 1) !== st.runIds.has(`t${i}`)) throw new Error(`version ${st.version} but emit t${i} ${st.runIds.has(`t${i}`) ? 'present' : 'absent'}`);
          const lost = [...acknowledged].filter((id) => !st.runIds.has(id));
          if (lost.length) throw new Error(`acknowledged emits lost: ${lost.join(', ')}`);
          if (!killed && st.version !== state.version + 1) throw new Error('a completed run left the old catalog');
          return st;
        });
        if (now.version === state.version) r.old++;
        else r.new++;
        state = now;
      }
      r.maxRecoveryMs = recoveries.length ? Math.round(Math.max(...recoveries)) : null;
      // Debris of the killed runs, then one more complete run: it works, takes the next version and clears the debris.
      const last = await cli(run(TRIALS), env);
      expect(last.code, last.stderr).toBe(0);
      expect(jsonLine(last.stdout)).toMatchObject({ status: 'written', version: state.version + 1 });
      if (command === 'emit') acknowledged.add(`t${TRIALS}`);
      const final = await remote(url);
      expect([...acknowledged].filter((id) => !final.runIds.has(id))).toEqual([]);
      const debrisAfter = name === 'file' ? besides(url).debris : [];
      const workAfter = workDirs(env);
      notes.push(
        `${command} (${r.store}): the killed runs left ${workLeft} work folder(s) in TMPDIR` +
          (name === 'file' ? ` and ${debrisLeft} temp file(s) beside the catalog` : '') +
          ` in all; after the last ${command}: ${workAfter.length}${name === 'file' ? ` and ${debrisAfter.length}` : ''}.` +
          (name === 'file' ? ` Lock passes after a kill took ${recoveries.map((x) => Math.round(x)).join(', ') || '-'} ms.` : ''),
      );
      expect(debrisAfter).toEqual([]);
      expect(workAfter).toEqual([]);
      expect(r.broken).toBe(0);
      expect(r.old + r.new).toBe(TRIALS);
      expect(r.killed).toBeGreaterThan(0);
    }, suiteTimeout(120_000, 600_000));
  }
});

async function judgedAsync<T>(r: Row, check: () => Promise<T>): Promise<T> {
  try {
    return await check();
  } catch (e) {
    r.broken++;
    throw e;
  }
}

describe('pull killed with SIGKILL', () => {
  test(`${TRIALS} trials: the cache stays valid and the next pull works`, async () => {
    const random = mulberry32(SEED + 4);
    const r = row('pull', 'local folder');
    const b = backends.get('file')!;
    const url = b.url('crash-pull/catalog.db');
    const cacheDir = tempDir('metafuse-cache-');
    const env = { METAFUSE_CACHE_DIR: cacheDir };
    const cenv = childEnv(env);
    const specs = path.join(tempDir(), 'specs');
    const out = path.join(tempDir('metafuse-crash-pull-'), 'copy', 'catalog.db');
    const publishVersion = async (salt: string): Promise<void> => {
      const p = await runCli(['publish', '--specs', specTree(specs, salt), '--to', url], env);
      expect(p.code, p.stderr).toBe(0);
    };
    await publishVersion('pull start');
    const writing = (pid: number): boolean => readdirSync(cacheDir).some((n) => n.startsWith('.') && n.includes(`~${pid}~`));
    const cal = await calibrate([cliSnapshot().bin, 'pull', '--from', url, '--out', out], cenv, writing);
    let full = cal.full;
    let version = inspect(out).version;
    let debris = 0;
    const cacheFile = (): string => {
      const dbs = readdirSync(cacheDir).filter((n) => n.endsWith('.db'));
      expect(dbs).toHaveLength(1);
      return path.join(cacheDir, dbs[0]!);
    };
    for (let i = 0; i < TRIALS; i++) {
      await publishVersion(`pull ${i}`);
      const child = spawnNode([cliSnapshot().bin, 'pull', '--from', url, '--out', out], cenv);
      // Every other kill lands while the cache is being replaced (a temp file of this pull exists).
      const plan: Plan = i % 2 === 1 ? { probe: () => writing(child.pid), windowMs: cal.window } : { delay: delayFor(i, full, random) };
      const { r: res, killed } = await killAt(child, plan, random);
      if (killed) r.killed++;
      else {
        expect(res.code, res.stderr).toBe(0);
        r.completed++;
        full = Math.max(full, res.ms);
      }
      const cached = judged(r, () => {
        const file = cacheFile();
        const st = inspect(file);
        if (st.version !== version && st.version !== version + 1) throw new Error(`cache holds version ${st.version}, neither ${version} nor ${version + 1}`);
        // The entry vouches for the file when its size and mtime match: then the file must be the one it names.
        const entry = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { sha256: string; size: number; mtimeMs: number; version: number };
        const fst = statSync(file);
        if (entry.size === fst.size && entry.mtimeMs === fst.mtimeMs && (entry.sha256 !== st.sha || entry.version !== st.version)) throw new Error('the cache entry vouches for a different file');
        if (existsSync(out)) {
          const o = inspect(out);
          if (o.version !== version && o.version !== version + 1) throw new Error(`--out holds version ${o.version}`);
        }
        if (besides(file).visible.some((n) => !n.endsWith('.db') && !n.endsWith('.db.json'))) throw new Error(`stray files in the cache: ${besides(file).visible.join(', ')}`);
        return st;
      });
      if (cached.version === version) r.old++;
      else r.new++;
      debris += readdirSync(cacheDir).filter((n) => n.startsWith('.')).length;
      // The next pull works and leaves a cache that passes its own checks.
      const next = await runCli(['pull', '--from', url, '--out', out], env);
      judged(r, () => {
        if (next.code !== 0) throw new Error(`the next pull failed: ${next.stderr}`);
        const file = cacheFile();
        const st = inspect(file);
        const entry = JSON.parse(readFileSync(`${file}.json`, 'utf8')) as { sha256: string; version: number };
        if (st.version !== version + 1 || entry.sha256 !== st.sha || entry.version !== st.version) throw new Error('the cache after the next pull is not the current catalog');
        if (inspect(out).sha !== st.sha) throw new Error('--out is not the cached catalog');
      });
      version++;
    }
    await publishVersion('pull after');
    const last = await runCli(['pull', '--from', url], env);
    expect(last.code, last.stderr).toBe(0);
    const after = readdirSync(cacheDir).filter((n) => n.startsWith('.'));
    notes.push(`pull: the killed pulls left ${debris} temp file(s) in the cache in all; after the last download: ${after.length}.`);
    expect(after).toEqual([]);
    expect(r.broken).toBe(0);
  }, suiteTimeout(120_000, 600_000));
});

describe('debris cleanup', () => {
  test('the next write removes only temp files of dead processes of this host: live ones and other hosts\' are kept', async () => {
    const dir = tempDir('metafuse-crash-debris-');
    const file = path.join(dir, 'store', 'catalog.db');
    const specs = path.join(dir, 'specs');
    const env = { METAFUSE_CACHE_DIR: path.join(dir, 'cache') };
    expect((await runCli(['publish', '--specs', specTree(specs, 'one'), '--to', file], env)).code).toBe(0);
    const live = spawnNode(['-e', 'setInterval(() => {}, 1000)'], childEnv());
    const dead = spawnNode(['-e', '0'], childEnv());
    await dead.done;
    const other = SCOPE === '00000000' ? '11111111' : '00000000';
    const names = {
      dead: `.catalog.db.${SCOPE}~${dead.pid}~0a0b0c0d.tmp`,
      deadLock: `.catalog.db.lock.${SCOPE}~${dead.pid}~0a0b0c0e.released`,
      live: `.catalog.db.${SCOPE}~${live.pid}~0a0b0c0f.tmp`,
      otherHost: `.catalog.db.${other}~${dead.pid}~0a0b0c10.tmp`,
      notOurs: `.catalog.db.backup.tmp`,
    };
    for (const n of Object.values(names)) writeFileSync(path.join(path.dirname(file), n), 'debris');
    try {
      expect((await runCli(['publish', '--specs', specTree(specs, 'two'), '--to', file], env)).code).toBe(0);
      const left = readdirSync(path.dirname(file)).filter((n) => n.startsWith('.'));
      expect(left.sort()).toEqual([names.live, names.otherHost, names.notOurs].sort());
    } finally {
      live.kill('SIGKILL');
      await live.done;
    }
  });
});

describe('local folder: the stale-lock takeover race', () => {
  test(`${CONTENDERS} processes x ${ROUNDS} rounds contend for a lock whose owner was killed: one holder at a time`, async () => {
    const root = tempDir('metafuse-lockrace-');
    const dead = spawnNode(['-e', 'setInterval(() => {}, 1000)'], childEnv());
    await sleep(100);
    dead.kill('SIGKILL');
    await dead.done;
    const procs = Array.from({ length: CONTENDERS }, (_, w) => spawnNode([CONTENDER, cliSnapshot().lib, root, String(w), String(ROUNDS), '30'], childEnv()));
    const t0 = Date.now();
    while (readdirSync(root).filter((n) => n.startsWith('ready-')).length < CONTENDERS) {
      if (Date.now() - t0 > 60_000) throw new Error('contenders did not start');
      await sleep(20);
    }
    let overlaps = 0;
    let maxWait = 0;
    const lock = path.join(root, 'catalog.db.lock');
    for (let round = 0; round < ROUNDS; round++) {
      // The lock of a killed owner, then every contender at once.
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'owner.json'), JSON.stringify({ id: `dead-${round}`, pid: dead.pid, host: hostname(), createdAt: Date.now() }));
      writeFileSync(path.join(root, `go-${round}`), '');
      const t1 = Date.now();
      for (;;) {
        const done = readdirSync(root).filter((n) => n.startsWith(`done-${round}-`));
        if (done.length === CONTENDERS) {
          for (const n of done) {
            const d = JSON.parse(readFileSync(path.join(root, n), 'utf8')) as { overlaps: number; waitedMs: number };
            overlaps += d.overlaps;
            maxWait = Math.max(maxWait, d.waitedMs);
          }
          break;
        }
        if (Date.now() - t1 > 60_000) throw new Error(`round ${round} did not finish`);
        await sleep(10);
      }
      expect(existsSync(lock)).toBe(false);
    }
    const results = await Promise.all(procs.map((p) => p.done));
    for (const res of results) expect(res.code, res.stderr).toBe(0);
    const debris = readdirSync(root).filter((n) => n.startsWith('.'));
    notes.push(
      `stale-lock race: ${CONTENDERS} processes x ${ROUNDS} rounds (each holds the lock 30 ms): ${overlaps} overlapping holders, ` +
        `the last contender of a round got the lock after at most ${maxWait} ms, ${debris.length} debris left.`,
    );
    rows.push({ command: 'lock takeover race', store: 'local folder', trials: ROUNDS * CONTENDERS, killed: 0, completed: ROUNDS * CONTENDERS, old: 0, new: 0, locksLeft: ROUNDS, recovered: ROUNDS, maxRecoveryMs: null, broken: overlaps });
    expect(overlaps).toBe(0);
    expect(debris).toEqual([]);
  }, suiteTimeout(120_000, 300_000));
});

function table(): string {
  const head = '| command | store | trials | killed | finished before the kill | left old | left new | of which killed after the write landed | lock left → recovered | slowest recovery ms | broken |';
  const sep = '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|';
  const body = rows.map(
    (r) =>
      `| ${r.command} | ${r.store} | ${r.trials} | ${r.killed} | ${r.completed} | ${r.command.startsWith('lock') ? '-' : r.old} | ${r.command.startsWith('lock') ? '-' : r.new} | ${r.command.startsWith('lock') ? '-' : r.new - r.completed} | ${r.locksLeft ? `${r.locksLeft} → ${r.recovered}` : '-'} | ${r.maxRecoveryMs ?? '-'} | ${r.broken} |`,
  );
  return [head, sep, ...body].join('\n');
}

function report(): string {
  return [
    `Crash safety, ${new Date().toISOString().slice(0, 10)}, ${FULL ? 'full' : 'CI'} size: ${TRIALS} kills per command and store, seed ${SEED} (METAFUSE_CRASH_SEED), spec trees of ${DATASETS} datasets.`,
    '',
    table(),
    '',
    ...notes.map((n) => `- ${n}`),
    '',
  ].join('\n');
}
