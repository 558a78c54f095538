// Local folder backend (a path or file://). An object is a file plus a
// `<file>.meta.json` beside it; writes are compared and committed under an
// exclusive lock directory, and the data is replaced by rename so a reader
// never sees a partial file. A small journal (`.meta.pending.json`) makes the
// two renames recoverable after a crash. See docs/storage.md.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { fsyncDir, fsyncFile } from '../files/durable.js';
import { StoreError, type GetResult, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult } from './types.js';

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

  async get(key: string, options: { ifNoneMatch?: string } = {}): Promise<GetResult> {
    const p = this.paths(key);
    for (let attempt = 0; ; attempt++) {
      const meta = await readMeta(p.meta);
      if (meta && options.ifNoneMatch === meta.token) return { status: 'not-modified', info: infoOf(meta) };
      const body = await readFile(p.file).catch((e: NodeJS.ErrnoException) => {
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
    await mkdir(path.dirname(p.file), { recursive: true });
    const id = randomBytes(8).toString('hex');
    const tmp = path.join(path.dirname(p.file), `.${path.basename(p.file)}.${id}.tmp`);
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
    const owner: LockOwner = { id: randomBytes(8).toString('hex'), pid: process.pid, host: hostname(), createdAt: Date.now() };
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let wait = 5; ; wait = Math.min(wait * 2, 200)) {
      // The lock appears with its owner record in one step (a private directory renamed into place):
      // a writer killed between creating the lock and recording its owner would otherwise leave an
      // ownerless lock that blocks every writer until it is 30 s old.
      const staged = path.join(path.dirname(lock), `.${path.basename(lock)}.${owner.id}.tmp`);
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
      if (await this.isStale(lock)) {
        // Move it aside first so that only one process removes this particular stale lock.
        const aside = `${lock}.stale.${owner.id}`;
        await rename(lock, aside).then(() => rm(aside, { recursive: true, force: true }), () => undefined);
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
      const held = await readOwner(lock);
      if (held?.id === owner.id) {
        // Renamed away first: removing it in place would leave an empty directory for a moment,
        // which a new owner's rename could replace and which this removal would then delete.
        const released = path.join(path.dirname(lock), `.${path.basename(lock)}.${owner.id}.released`);
        await rename(lock, released).then(() => rm(released, { recursive: true, force: true }), () => undefined);
      }
    }
  }

  private async isStale(lock: string): Promise<boolean> {
    const held = await readOwner(lock);
    if (!held) {
      // Owner file not written yet (lock just taken) or lost in a crash: judge by the directory's age.
      const st = await stat(lock).catch(() => undefined);
      return st !== undefined && Date.now() - st.mtimeMs > this.staleLockMs;
    }
    if (held.host === hostname() && !processAlive(held.pid)) return true;
    return Date.now() - held.createdAt > this.staleLockMs;
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
  try {
    return JSON.parse(await readFile(path.join(lock, 'owner.json'), 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function writeSynced(file: string, data: Buffer): Promise<void> {
  await writeFile(file, data);
  fsyncFile(file);
}
