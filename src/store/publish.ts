// publish and emit: the two writers of the protocol. publish replaces the declared
// metadata (keeping observations); emit adds one observation (keeping the rest).
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { ObservationRow, ObservedField } from '../catalog/observations.js';
import { isAncestor } from '../git/git.js';
import { datasetKey, DEFAULT_CONFIG, parseDatasetRef, type Model } from '../spec/model.js';
import type { StoreTarget } from './open.js';
import { conditionalUpdate, retryPolicy, type ProtocolHooks, type RemoteCatalog, type RetryPolicy, type WriteOutcome } from './protocol.js';

export interface PublishOptions {
  model: Model;
  sourceCommit: string | null;
  commitTime: string | null;
  builtAt: string | null;
  /** A directory inside the git checkout, to order commits by ancestry. */
  gitDir?: string;
  /** Also keep immutable copies at <dir>/versions/<version>.db, and only the newest N. */
  keepHistory?: number;
}

export async function publish(target: StoreTarget, o: PublishOptions, policy: RetryPolicy = retryPolicy(), hooks: ProtocolHooks = {}): Promise<WriteOutcome> {
  return conditionalUpdate(
    target,
    (remote) => {
      if (remote.model && remote.model.specHash === o.model.specHash && remote.sourceCommit === o.sourceCommit) {
        return { write: false, reason: 'unchanged', message: `already published: version ${remote.version} has the same specs (spec hash ${o.model.specHash.slice(0, 12)}) and commit` };
      }
      if (isRemoteNewer(remote, o)) {
        return {
          write: false,
          reason: 'stale',
          message: `not replaced: version ${remote.version} was built from commit ${short(remote.sourceCommit)}${remote.commitTime ? ` (${remote.commitTime})` : ''}, newer than ${short(o.sourceCommit)}${o.commitTime ? ` (${o.commitTime})` : ''}`,
        };
      }
      return { write: true, model: o.model, observations: remote.observations, build: { sourceCommit: o.sourceCommit, builtAt: o.builtAt, commitTime: o.commitTime } };
    },
    policy,
    {
      ...hooks,
      afterWrite: async (body, version, metadata) => {
        if (o.keepHistory) await keepHistory(target, body, version, metadata, o.keepHistory);
        await hooks.afterWrite?.(body, version, metadata);
      },
    },
  );
}

function short(sha: string | null): string {
  return sha ? sha.slice(0, 12) : '(unknown)';
}

/** Ancestry first (when both commits are in the local repository), then commit time. */
function isRemoteNewer(remote: RemoteCatalog, o: PublishOptions): boolean {
  if (!remote.sourceCommit || !o.sourceCommit || remote.sourceCommit === o.sourceCommit) return false;
  if (o.gitDir) {
    const oursIsOlder = isAncestor(o.gitDir, o.sourceCommit, remote.sourceCommit);
    if (oursIsOlder === true) return true;
    const remoteIsOlder = isAncestor(o.gitDir, remote.sourceCommit, o.sourceCommit);
    if (remoteIsOlder === true) return false;
  }
  return Boolean(remote.commitTime && o.commitTime && remote.commitTime > o.commitTime);
}

function historyPrefix(target: StoreTarget): string {
  const dir = path.posix.dirname(target.key);
  return dir === '.' ? 'versions/' : `${dir}/versions/`;
}

async function keepHistory(target: StoreTarget, body: Buffer, version: number, metadata: Record<string, string>, keep: number): Promise<void> {
  const prefix = historyPrefix(target);
  // Create-only: an existing copy of this version is never overwritten.
  await target.store.put(`${prefix}${version}.db`, body, { ifMatch: null, metadata });
  const versions = (await target.store.list(prefix))
    .map((k) => ({ k, v: Number(/(\d+)\.db$/.exec(k)?.[1]) }))
    .filter((x) => Number.isFinite(x.v))
    .sort((a, b) => b.v - a.v);
  for (const old of versions.slice(keep)) await target.store.delete(old.k);
}

export interface EmitOptions {
  /** "name" or "tenant/name". */
  dataset: string;
  schema?: ObservedField[];
  rowCount?: number;
  sizeBytes?: number;
  upstream?: string[];
  runId?: string;
  /** ISO 8601; default now. */
  observedAt?: string;
}

export interface EmitOutcome extends WriteOutcome {
  dataset: string;
  declared: boolean;
  /**
   * The upstream datasets, as given, that the catalog neither declares nor has seen
   * emitted: recorded all the same (lineage links them once they exist), and most
   * often a typo worth telling the caller about.
   */
  unknownUpstream: string[];
}

/** "name" or "tenant/name" in the characters spec names may use (schemas/dataset.schema.json, datasetRef). */
const DATASET_REF = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,99}\/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$/;

/**
 * An emit's dataset or upstream is not a dataset name: the caller's mistake, found
 * before the store is read. The message starts with the input's name (dataset,
 * upstream), which callers prefix as their users spell it (--dataset, input dataset).
 */
export class EmitInputError extends Error {}

/** The warning for EmitOutcome.unknownUpstream. */
export function unknownUpstreamText(names: readonly string[]): string {
  const list = names.map((n) => `"${n}"`).join(', ');
  return `upstream ${list} ${names.length === 1 ? 'is' : 'are'} not in the catalog (a typo?): recorded, and linked once declared in a spec or emitted`;
}

function checkNames(o: EmitOptions): void {
  if (!DATASET_REF.test(o.dataset)) throw new EmitInputError(`dataset "${o.dataset}" is not a dataset name ("name" or "tenant/name")`);
  const bad = (o.upstream ?? []).filter((u) => !DATASET_REF.test(u));
  if (bad.length) throw new EmitInputError(`upstream ${bad.map((u) => `"${u}"`).join(', ')} ${bad.length === 1 ? 'is not a dataset name' : 'are not dataset names'} ("name" or "tenant/name")`);
}

export async function emit(target: StoreTarget, o: EmitOptions, policy: RetryPolicy = retryPolicy(), hooks: ProtocolHooks = {}): Promise<EmitOutcome> {
  checkNames(o);
  const uid = randomBytes(12).toString('hex');
  const observedAt = o.observedAt ?? new Date().toISOString();
  let resolved = { tenant: '', name: o.dataset, declared: false };
  let unknownUpstream: string[] = [];
  const outcome = await conditionalUpdate(
    target,
    (remote) => {
      const model = remote.model ?? emptyModel();
      const ref = parseDatasetRef(o.dataset, model.config.defaultTenant);
      const known = model.datasets.find((d) => datasetKey(d) === datasetKey(ref));
      resolved = { tenant: known?.tenant ?? ref.tenant, name: known?.name ?? ref.name, declared: known !== undefined };
      if (o.upstream?.length) {
        // Relative to the dataset's tenant, as the build resolves an observation's upstream.
        const exists = new Set([...model.datasets.map(datasetKey), ...remote.observations.map((r) => datasetKey({ tenant: r.tenant, name: r.dataset })), datasetKey(resolved)]);
        unknownUpstream = o.upstream.filter((u) => !exists.has(datasetKey(parseDatasetRef(u, resolved.tenant))));
      }
      const row: ObservationRow = {
        uid,
        tenant: resolved.tenant,
        dataset: resolved.name,
        observed_at: observedAt,
        run_id: o.runId ?? null,
        row_count: o.rowCount ?? null,
        size_bytes: o.sizeBytes ?? null,
        schema: o.schema ? JSON.stringify(o.schema) : null,
        upstream: o.upstream?.length ? JSON.stringify(o.upstream) : null,
      };
      return {
        write: true,
        model,
        observations: [...remote.observations, row],
        build: { sourceCommit: remote.sourceCommit, builtAt: remote.builtAt, commitTime: remote.commitTime },
        alreadyDone: (r) => r.observations.some((x) => x.uid === uid),
      };
    },
    policy,
    hooks,
  );
  return { ...outcome, dataset: resolved.tenant === '' ? o.dataset : `${resolved.tenant}/${resolved.name}`, declared: resolved.declared, unknownUpstream };
}

function emptyModel(): Model {
  return { config: DEFAULT_CONFIG, datasets: [], terms: [], specHash: '' };
}
