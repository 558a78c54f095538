// The write protocol of PRODUCT.md section 5, shared by publish and emit: read the
// remote catalog and its version token, build the next catalog from it, write only
// if the token still matches, and on conflict re-read and redo with jittered
// backoff. An ambiguous failure is resolved by reading the object back.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { compileCatalog, type BuildInfo } from '../catalog/compile.js';
import type { ObservationRow } from '../catalog/observations.js';
import { CatalogError, openCatalog } from '../catalog/open.js';
import { readModel, readObservations } from '../catalog/read-model.js';
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
  const got = await withReadRetries(() => target.store.get(target.key), policy);
  if (got.status !== 'ok') return { info: null, model: null, observations: [], version: 0, sourceCommit: null, commitTime: null, builtAt: null };
  const dir = mkdtempSync(path.join(tmpdir(), 'metafuse-remote-'));
  try {
    const file = path.join(dir, 'remote.db');
    writeFileSync(file, got.body);
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
      if (!(e instanceof AmbiguousStoreError) || attempt + 1 >= policy.maxAttempts) throw e;
      await sleep(backoffMs(attempt, policy));
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
  const work = mkdtempSync(path.join(tmpdir(), 'metafuse-write-'));
  try {
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      const remote = await readRemote(target, policy);
      const decision = decide(remote);
      if (!decision.write) return { status: decision.reason, message: decision.message, version: remote.version, attempts: attempt, conflicts };
      if (decision.alreadyDone?.(remote)) return { status: 'written', message: 'already recorded', version: remote.version, attempts: attempt, conflicts };
      const version = remote.version + 1;
      const file = path.join(work, `${randomBytes(6).toString('hex')}.db`);
      compileCatalog(decision.model, file, { ...decision.build, version, observations: decision.observations });
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
      let outcome: 'ok' | 'conflict';
      try {
        outcome = (await target.store.put(target.key, body, { ifMatch: remote.info?.token ?? null, metadata })).status;
      } catch (e) {
        if (!(e instanceof AmbiguousStoreError)) throw e;
        // The write may have happened: the object's own checksum says whether it is ours.
        const now = await withReadRetries(() => target.store.head(target.key), policy).catch(() => null);
        outcome = now?.metadata[META.sha256] === sha256 ? 'ok' : 'conflict';
        if (outcome === 'conflict') hooks.onRetry?.(attempt, e.message);
      }
      if (outcome === 'ok') {
        await hooks.afterWrite?.(body, version, metadata);
        return { status: 'written', message: `version ${version}`, version, attempts: attempt, conflicts, sha256 };
      }
      conflicts++;
      hooks.onRetry?.(attempt, 'the remote catalog changed since it was read');
      if (attempt < policy.maxAttempts) await sleep(backoffMs(attempt, policy));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  throw new ConflictError(`${target.url} kept changing: the write still conflicted after ${policy.maxAttempts} attempts (METAFUSE_MAX_ATTEMPTS raises the limit)`);
}
