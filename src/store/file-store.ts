// Local folder backend (a path or file://). An object is a file plus a
// `<file>.meta.json` beside it; writes are compared and committed under an
// exclusive lock directory, and the data is replaced by rename so a reader
// never sees a partial file. A small journal (`.meta.pending.json`) makes the
// two renames recoverable after a crash. See docs/storage.md.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fsyncDir, fsyncFile, makeDirs } from '../files/durable.js';
import { ownedByDeadProcess, ownedTag, processAlive, removeDeadTemps, SCOPE } from '../files/owned-temp.js';
import { readBody } from './body.js';
import { StoreError, type GetOptions, type GetResult, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult } from './types.js';

interface MetaFile {
  token: string;
  sha256: string;
  size: number;
  metadata: Record<string, string>;
}

interface LockOwner {
  id: string;
  pid: number;
  host: string;
  /** Host and pid namespace (owned-temp.ts): pids are judged only within the same scope. Absent in older locks. */
  scope?: string;
  createdAt: number;
}

export interface FileStoreOptions {
  /** A lock older than this is considered abandoned (default 30 s; writers hold it for milliseconds). */
  staleLockMs?: number;
  /** How long to wait for a lock before giving up (default 60 s). */
  lockTimeoutMs?: number;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FileStore implements ObjectStore {
  readonly name: string;
  private readonly staleLockMs: number;
  private readonly lockTimeoutMs: number;

  constructor(
    readonly root: string,
    options: FileStoreOptions = {},
  ) {
    this.name = `file://${root}`;
    this.staleLockMs = options.staleLockMs ?? 30_000;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 60_000;
  }

  private paths(key: string) {
    const file = path.join(this.root, ...key.split('/'));
    return { file, meta: `${file}.meta.json`, pending: `${file}.meta.pending.json`, lock: `${file}.lock` };
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const p = this.paths(key);
    const meta = await readMeta(p.meta);
    if (meta) return { token: meta.token, size: meta.size, metadata: meta.metadata };
    // A file put there by hand (no metadata): its content hash is its version.
    const body = await readFile(p.file).catch(() => undefined);
    return body ? { token: `sha256-${sha256(body)}`, size: body.length, metadata: {} } : null;
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const p = this.paths(key);
    for (let attempt = 0; ; attempt++) {
      const meta = await readMeta(p.meta);
      if (meta && options.ifNoneMatch === meta.token) return { status: 'not-modified', info: infoOf(meta) };
      const body = await readWhole(p.file, options.onProgress).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT') return undefined;
        throw new StoreError(`cannot read ${p.file}: ${e.message}`);
      });
      if (!body) {
        if (!meta) return { status: 'absent' };
      } else if (!meta) {
        const token = `sha256-${sha256(body)}`;
        if (options.ifNoneMatch === token) return { status: 'not-modified', info: { token, size: body.length, metadata: {} } };
        return { status: 'ok', info: { token, size: body.length, metadata: {} }, body };
      } else if (sha256(body) === meta.sha256) {
        return { status: 'ok', info: infoOf(meta), body };
      }
      // Data and metadata disagree: a writer is between its two renames, or crashed there.
      if (attempt === 40) {
        await this.withLock(p.lock, () => this.recover(p));
      } else if (attempt > 41) {
        throw new StoreError(`${p.file} and its metadata disagree and could not be recovered`);
      }
      await sleep(25);
    }
  }

  async put(key: string, body: Buffer, options: PutOptions): Promise<PutResult> {
    const p = this.paths(key);
    makeDirs(path.dirname(p.file));
    // Debris of writers that were killed here: their temp files and half-made locks (their process is gone).
    removeDeadTemps(path.dirname(p.file), path.basename(p.file));
    const id = randomBytes(8).toString('hex');
    const tmp = path.join(path.dirname(p.file), `.${path.basename(p.file)}.${ownedTag()}.tmp`);
    const meta: MetaFile = { token: id, sha256: sha256(body), size: body.length, metadata: options.metadata };
    // The data is written and synced before taking the lock: the lock is held for renames only.
    await writeSynced(tmp, body);
    try {
      return await this.withLock(p.lock, async () => {
        await this.recover(p);
        const current = await this.head(key);
        if (options.ifMatch === null ? current !== null : current?.token !== options.ifMatch) return { status: 'conflict' } as const;
        await writeSynced(p.pending, Buffer.from(JSON.stringify(meta)));
        await rename(tmp, p.file);
        await rename(p.pending, p.meta);
        fsyncDir(path.dirname(p.file));
        return { status: 'ok', token: id } as const;
      });
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = path.join(this.root, ...prefix.split('/').slice(0, -1));
    const base = prefix.split('/').slice(0, -1).join('/');
    const names = await readdir(dir).catch(() => [] as string[]);
    const start = prefix.split('/').pop() ?? '';
    return names
      .filter((n) => n.startsWith(start) && !n.startsWith('.') && !/\.(meta\.json|meta\.pending\.json|lock|tmp)$/.test(n))
      .map((n) => (base ? `${base}/${n}` : n))
      .sort();
  }

  async delete(key: string): Promise<void> {
    const p = this.paths(key);
    await this.withLock(p.lock, async () => {
      await rm(p.meta, { force: true });
      await rm(p.file, { force: true });
    });
  }

  /** Finishes or undoes a write that crashed between its renames. Call under the lock. */
  private async recover(p: ReturnType<FileStore['paths']>): Promise<void> {
    const pending = await readMeta(p.pending);
    if (!pending) {
      await rm(p.pending, { force: true });
      return;
    }
    const body = await readFile(p.file).catch(() => undefined);
    if (body && sha256(body) === pending.sha256) await rename(p.pending, p.meta);
    else await rm(p.pending, { force: true });
  }

  private async withLock<T>(lock: string, fn: () => Promise<T>): Promise<T> {
    const owner: LockOwner = { id: randomBytes(8).toString('hex'), pid: process.pid, host: hostname(), scope: SCOPE, createdAt: Date.now() };
    const deadline = Date.now() + this.lockTimeoutMs;
    const dir = path.dirname(lock);
    const base = path.basename(lock);
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      // The lock appears with its owner record in one step (a private directory renamed into place):
      // a writer killed between creating the lock and recording its owner would otherwise leave an
      // ownerless lock that blocks every writer until it is 30 s old.
      const staged = path.join(dir, `.${base}.${ownedTag()}.tmp`);
      try {
        await mkdir(staged);
        await writeFile(path.join(staged, 'owner.json'), JSON.stringify(owner));
        await rename(staged, lock);
        break;
      } catch (e) {
        await rm(staged, { recursive: true, force: true });
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'EEXIST' && code !== 'ENOTEMPTY') throw new StoreError(`cannot create lock ${lock}: ${(e as Error).message}`);
      }
      const stale = await this.staleOwner(lock);
      if (stale) {
        await this.takeOver(lock, stale);
        continue;
      }
      if (Date.now() > deadline) {
        const held = await readOwner(lock);
        throw new StoreError(`timed out after ${this.lockTimeoutMs} ms waiting for the lock ${lock}${held ? ` (held by pid ${held.pid} on ${held.host})` : ''}`);
      }
      await sleep(wait + Math.random() * wait);
    }
    try {
      return await fn();
    } finally {
      // A contender that judged an older lock stale may have moved this owner record aside for a
      // moment (takeOver) and is putting it back: look again briefly before concluding it is not ours.
      for (let look = 0; look < 20; look++) {
        const held = await readOwner(lock);
        if (held?.id === owner.id) {
          // Renamed away first: removing it in place would leave an empty directory for a moment,
          // which a new owner's rename could replace and which this removal would then delete.
          const released = path.join(dir, `.${base}.${ownedTag()}.released`);
          await rename(lock, released).then(() => rm(released, { recursive: true, force: true }), () => undefined);
          break;
        }
        if (held || !(await stat(lock).catch(() => undefined))) break;
        await sleep(5);
      }
    }
  }

  /** The owner record of `lock` if the lock is abandoned (its owner is gone, or it is older than staleLockMs). */
  private async staleOwner(lock: string): Promise<LockOwner | undefined> {
    const held = await readOwner(lock);
    if (!held) {
      // No owner record: a contender has moved it to claim the lock (see takeOver) and is about to
      // remove the lock, or died first, or the lock was made by hand. A claim names its contender:
      // when that process is gone, the lock is abandoned now; else judge by the folder's age (its
      // mtime changed when the record was moved).
      const names = await readdir(lock).catch(() => [] as string[]);
      if (!names.some((n) => n.startsWith('claim.') && ownedByDeadProcess(n))) {
        const st = await stat(lock).catch(() => undefined);
        if (st === undefined || Date.now() - st.mtimeMs <= this.staleLockMs) return undefined;
      }
      // Give it an owner record that is stale at once, so that the takeover below has something to claim.
      const record: LockOwner = { id: `ownerless-${randomBytes(8).toString('hex')}`, pid: 0, host: '', createdAt: 0 };
      const wrote = await writeFile(path.join(lock, 'owner.json'), JSON.stringify(record), { flag: 'wx' }).then(
        () => true,
        () => false,
      );
      return wrote ? record : undefined;
    }
    const sameScope = held.scope !== undefined ? held.scope === SCOPE : held.host === hostname();
    if (sameScope && held.pid > 0 && !processAlive(held.pid)) return held;
    return Date.now() - held.createdAt > this.staleLockMs ? held : undefined;
  }

  /**
   * Removes the abandoned lock of `stale`, if it is still that lock. Contenders that judge the same
   * lock stale at the same time race here, and so do contenders whose judgement is out of date (the
   * lock was taken over and taken again meanwhile). The claim is a rename of the owner record inside
   * the lock: it exists once, so exactly one contender moves it. The winner checks that the record it
   * moved is the stale one; then nobody else can claim this lock (it has no record now, and its
   * folder has just been modified), and it removes it. A contender that moved a live owner's record
   * puts it back untouched.
   */
  private async takeOver(lock: string, stale: LockOwner): Promise<void> {
    const record = path.join(lock, 'owner.json');
    const claim = path.join(lock, `claim.${ownedTag()}.json`);
    try {
      await rename(record, claim);
    } catch {
      return; // another contender claimed it first, or the lock is gone
    }
    const moved = await readOwnerFile(claim);
    if (moved?.id !== stale.id) {
      await rename(claim, record).catch(() => undefined);
      return;
    }
    const aside = path.join(path.dirname(lock), `.${path.basename(lock)}.${ownedTag()}.stale`);
    await rename(lock, aside).then(() => rm(aside, { recursive: true, force: true }), () => undefined);
  }
}

function infoOf(m: MetaFile): ObjectInfo {
  return { token: m.token, size: m.size, metadata: m.metadata };
}

async function readMeta(file: string): Promise<MetaFile | undefined> {
  try {
    const m = JSON.parse(await readFile(file, 'utf8')) as MetaFile;
    return typeof m.token === 'string' && typeof m.sha256 === 'string' ? m : undefined;
  } catch {
    return undefined;
  }
}

async function readOwner(lock: string): Promise<LockOwner | undefined> {
  return readOwnerFile(path.join(lock, 'owner.json'));
}

async function readOwnerFile(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/** The whole file, through one open file (a rename meanwhile does not mix versions), read as the other adapters read a body. */
async function readWhole(file: string, onProgress?: GetOptions['onProgress']): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const total = (await fh.stat()).size;
    return await readBody(fh.createReadStream({ highWaterMark: 1 << 20, autoClose: false }), total, onProgress);
  } finally {
    await fh.close();
  }
}

async function writeSynced(file: string, data: Buffer): Promise<void> {
  await writeFile(file, data);
  fsyncFile(file);
}
