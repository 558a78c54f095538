// The write protocol of PRODUCT.md section 5, shared by publish and emit: read the
// remote catalog and its version token, build the next catalog from it, write only
// if the token still matches, and on conflict re-read and redo with jittered
// backoff. An ambiguous failure is resolved by reading the object back.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileCatalog, writeError, type BuildInfo } from '../catalog/compile.js';
import type { ObservationRow } from '../catalog/observations.js';
import { CatalogError, openCatalog } from '../catalog/open.js';
import { readModel, readObservations } from '../catalog/read-model.js';
import { ownedTag, removeDeadTempDirs } from '../files/owned-temp.js';
import type { Model } from '../spec/model.js';
import type { StoreTarget } from './open.js';
import { AmbiguousStoreError, META, StoreError, type ObjectInfo } from './types.js';

export class ConflictError extends Error {}

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export function retryPolicy(env: NodeJS.ProcessEnv = process.env): RetryPolicy {
  const n = (v: string | undefined, d: number) => (v && /^[0-9]+$/.test(v) && Number(v) > 0 ? Number(v) : d);
  return { maxAttempts: n(env.METAFUSE_MAX_ATTEMPTS, 12), baseDelayMs: n(env.METAFUSE_RETRY_BASE_MS, 100), maxDelayMs: n(env.METAFUSE_RETRY_MAX_MS, 3000) };
}

/** Full jitter: a random delay up to base·2^attempt, capped. */
export function backoffMs(attempt: number, p: RetryPolicy): number {
  return Math.random() * Math.min(p.maxDelayMs, p.baseDelayMs * 2 ** attempt);
}

/**
 * The wait before retrying after `e`: the jittered backoff, but at least the
 * server's Retry-After when it sent one — capped at the policy's largest delay
 * (METAFUSE_RETRY_MAX_MS), so that a server asking for minutes cannot stall a
 * pipeline; the attempt limit still applies.
 */
export function retryDelayMs(attempt: number, p: RetryPolicy, e?: unknown): number {
  const backoff = backoffMs(attempt, p);
  const hint = e instanceof AmbiguousStoreError ? e.retryAfterMs : undefined;
  return hint === undefined ? backoff : Math.max(backoff, Math.min(hint, p.maxDelayMs));
}

/** The final error of a retry loop: what failed, after how many attempts, and what raises the limit. */
function gaveUp(e: AmbiguousStoreError, attempts: number): AmbiguousStoreError {
  return new AmbiguousStoreError(`${e.message} (gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}; METAFUSE_MAX_ATTEMPTS raises the number of attempts, METAFUSE_TIMEOUT_MS the timeout of each request)`, e.cause, { attempts });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The remote catalog as read at the start of an attempt. */
export interface RemoteCatalog {
  info: ObjectInfo | null;
  /** Declared metadata (null when there is no remote catalog yet). */
  model: Model | null;
  observations: ObservationRow[];
  version: number;
  sourceCommit: string | null;
  commitTime: string | null;
  builtAt: string | null;
}

export type Decision =
  | { write: true; model: Model; observations: ObservationRow[]; build: Omit<BuildInfo, 'version' | 'observations'>; /** Idempotency: the write is done if the remote already shows this. */ alreadyDone?: (r: RemoteCatalog) => boolean }
  | { write: false; reason: 'unchanged' | 'stale'; message: string };

export interface WriteOutcome {
  status: 'written' | 'unchanged' | 'stale';
  message: string;
  version: number;
  attempts: number;
  conflicts: number;
  sha256?: string;
}

export interface ProtocolHooks {
  /** Called before each retry (for progress messages). */
  onRetry?: (attempt: number, why: string) => void;
  /** Test hook: called after the new catalog is built, before it is written. */
  beforeWrite?: () => Promise<void> | void;
  /** Called once the write succeeded, with the bytes written (publish keeps history copies here). */
  afterWrite?: (body: Buffer, version: number, metadata: Record<string, string>) => Promise<void>;
}

export async function readRemote(target: StoreTarget, policy: RetryPolicy = retryPolicy()): Promise<RemoteCatalog> {
  const got = await withReadRetries(async () => {
    const r = await target.store.get(target.key);
    // A body cut short (or of another write than its metadata) is read again, never built upon.
    const expected = r.status === 'ok' ? r.info.metadata[META.sha256] : undefined;
    if (r.status === 'ok' && expected && createHash('sha256').update(r.body).digest('hex') !== expected) {
      throw new AmbiguousStoreError(`reading ${target.url}: the body (${r.body.length} bytes) does not match the sha256 in its metadata`);
    }
    return r;
  }, policy);
  if (got.status !== 'ok') return { info: null, model: null, observations: [], version: 0, sourceCommit: null, commitTime: null, builtAt: null };
  const dir = workFolder('remote');
  try {
    const file = path.join(dir, 'remote.db');
    onTheDisk(file, () => writeFileSync(file, got.body));
    let cat;
    try {
      cat = openCatalog(file);
    } catch (e) {
      if (e instanceof CatalogError) {
        throw new StoreError(`${target.url} exists but is not a readable MetaFuse catalog (${e.message.replace(/"[^"]*remote\.db"/, 'it')}); refusing to overwrite it`);
      }
      throw e;
    }
    try {
      const meta = Object.fromEntries(cat.db.prepare('SELECT key, value FROM catalog_meta').all<{ key: string; value: string | null }>().map((r) => [r.key, r.value]));
      return {
        info: got.info,
        model: readModel(cat),
        observations: readObservations(cat),
        version: cat.meta.version,
        sourceCommit: cat.meta.sourceCommit,
        commitTime: meta.source_commit_time ?? null,
        builtAt: cat.meta.builtAt,
      };
    } finally {
      cat.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Reads are idempotent: retry ambiguous failures with backoff. */
export async function withReadRetries<T>(fn: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof AmbiguousStoreError)) throw e;
      if (attempt + 1 >= policy.maxAttempts) throw e.attempts ? e : gaveUp(e, attempt + 1);
      await sleep(retryDelayMs(attempt, policy, e));
    }
  }
}

/** The optimistic-concurrency loop: decide → build → conditional write, retried on conflict. */
export async function conditionalUpdate(
  target: StoreTarget,
  decide: (remote: RemoteCatalog) => Decision,
  policy: RetryPolicy = retryPolicy(),
  hooks: ProtocolHooks = {},
): Promise<WriteOutcome> {
  let conflicts = 0;
  /** Why the last attempt's write failed, when it was an error rather than a conflict. */
  let failure: AmbiguousStoreError | undefined;
  // Work folders name their process; those of killed writers are removed here.
  for (const prefix of ['metafuse-write-', 'metafuse-remote-']) removeDeadTempDirs(tmpdir(), prefix);
  const work = workFolder('write');
  try {
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      const remote = await readRemote(target, policy);
      const decision = decide(remote);
      if (!decision.write) return { status: decision.reason, message: decision.message, version: remote.version, attempts: attempt, conflicts };
      if (decision.alreadyDone?.(remote)) return { status: 'written', message: 'already recorded', version: remote.version, attempts: attempt, conflicts };
      const version = remote.version + 1;
      const file = path.join(work, `${randomBytes(6).toString('hex')}.db`);
      await compileCatalog(decision.model, file, { ...decision.build, version, observations: decision.observations });
      const body = readFileSync(file);
      rmSync(file, { force: true });
      const sha256 = createHash('sha256').update(body).digest('hex');
      const metadata: Record<string, string> = {
        [META.version]: String(version),
        [META.sha256]: sha256,
        [META.specHash]: decision.model.specHash,
        [META.commit]: decision.build.sourceCommit ?? '',
        [META.commitTime]: decision.build.commitTime ?? '',
      };
      await hooks.beforeWrite?.();
      let outcome: 'ok' | 'conflict' | 'failed';
      failure = undefined;
      try {
        outcome = (await target.store.put(target.key, body, { ifMatch: remote.info?.token ?? null, metadata })).status;
      } catch (e) {
        if (!(e instanceof AmbiguousStoreError)) throw e;
        failure = e;
        // Wait first (the server may have asked for it with Retry-After), then ask whether the write
        // happened: the object's own checksum says whether it is ours.
        await sleep(retryDelayMs(attempt, policy, e));
        const now = await withReadRetries(() => target.store.head(target.key), policy).catch(() => null);
        outcome = now?.metadata[META.sha256] === sha256 ? 'ok' : 'failed';
        if (outcome === 'failed') hooks.onRetry?.(attempt, e.message);
      }
      if (outcome === 'ok') {
        await hooks.afterWrite?.(body, version, metadata);
        return { status: 'written', message: `version ${version}`, version, attempts: attempt, conflicts, sha256 };
      }
      // A write that did not land counts as a conflict (docs/storage.md), whether refused (412) or failed.
      conflicts++;
      if (outcome === 'conflict') {
        hooks.onRetry?.(attempt, 'the remote catalog changed since it was read');
        if (attempt < policy.maxAttempts) await sleep(backoffMs(attempt, policy));
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  // The last attempt failed with an error (5xx, reset, timeout), not a conflict: say so (exit 1, not 4).
  if (failure) throw gaveUp(failure, policy.maxAttempts);
  throw new ConflictError(`${target.url} kept changing: the write still conflicted after ${policy.maxAttempts} attempts (METAFUSE_MAX_ATTEMPTS raises the limit)`);
}

/**
 * A private folder for the catalogs a publish reads and builds, under the system's
 * temporary folder (TMPDIR); that it cannot be made is the place's fault, not a bug.
 */
function workFolder(kind: 'remote' | 'write'): string {
  const prefix = path.join(tmpdir(), `metafuse-${kind}-${ownedTag()}-`);
  return onTheDisk(prefix, () => mkdtempSync(prefix));
}

/** Runs `fn`, which writes `file`; a failure of the place or the disk becomes a CatalogWriteError. */
function onTheDisk<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw writeError(file, e);
  }
}
