// pull: download a catalog into a local cache with a conditional GET, verify its
// sha256 against the object metadata, and replace the local file atomically.
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { CatalogError, openCatalog } from '../catalog/open.js';
import { makeDirs, replaceAtomically } from '../files/durable.js';
import type { StoreTarget } from './open.js';
import { retryPolicy, withReadRetries, type RetryPolicy } from './protocol.js';
import { META, StoreError, type GetOptions } from './types.js';

export interface PullOutcome {
  /** The local catalog file. */
  path: string;
  status: 'downloaded' | 'not-modified';
  version: number;
  bytes: number;
}

interface CacheEntry {
  url: string;
  token: string;
  sha256: string;
  size: number;
  mtimeMs: number;
  version: number;
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.METAFUSE_CACHE_DIR) return env.METAFUSE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || (process.platform === 'win32' ? env.LOCALAPPDATA : undefined) || path.join(homedir(), '.cache');
  return path.join(base ?? path.join(homedir(), '.cache'), 'metafuse');
}

/** The cache file for a URL: one per full URL. */
export function cachePath(url: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), `${createHash('sha256').update(url).digest('hex').slice(0, 32)}.db`);
}

function readEntry(file: string): CacheEntry | undefined {
  try {
    return JSON.parse(readFileSync(`${file}.json`, 'utf8')) as CacheEntry;
  } catch {
    return undefined;
  }
}

export interface PullOptions {
  /** Also copy the catalog to this file (atomically). */
  out?: string;
  policy?: RetryPolicy;
  /** Called as the body arrives (not for a not-modified answer); counts restart at 0 when a read is retried. */
  onProgress?: GetOptions['onProgress'];
}

export async function pull(target: StoreTarget, options: PullOptions = {}): Promise<PullOutcome> {
  const policy = options.policy ?? retryPolicy();
  const cached = cachePath(target.url);
  makeDirs(path.dirname(cached));
  const entry = readEntry(cached);
  // Trust the cache only if the file is the one the entry describes (same size and mtime).
  const st = statSync(cached, { throwIfNoEntry: false });
  const valid = entry && st && entry.url === target.url && entry.size === st.size && entry.mtimeMs === st.mtimeMs;

  let status: PullOutcome['status'] = 'not-modified';
  let version = entry?.version ?? 0;
  for (let attempt = 0; ; attempt++) {
    const got = await withReadRetries(() => target.store.get(target.key, { ...(valid ? { ifNoneMatch: entry.token } : {}), onProgress: options.onProgress }), policy);
    if (got.status === 'absent') throw new StoreError(`no catalog at ${target.url} (publish one first with "metafuse publish")`);
    if (got.status === 'not-modified') break;
    const sha = createHash('sha256').update(got.body).digest('hex');
    const expected = got.info.metadata[META.sha256];
    if (expected && expected !== sha) {
      // Body and metadata of different writes: read again.
      if (attempt + 1 < policy.maxAttempts) continue;
      throw new StoreError(`${target.url}: downloaded ${got.body.length} bytes with sha256 ${sha.slice(0, 12)}…, but the object says ${expected.slice(0, 12)}…; not used`);
    }
    // Checked before it replaces the cached file: a non-catalog object must not destroy a good cached
    // catalog, nor be seen for a moment by readers of the cache path.
    replaceAtomically(cached, (tmp) => {
      writeFileSync(tmp, got.body);
      try {
        const cat = openCatalog(tmp);
        version = cat.meta.version;
        cat.close();
      } catch (e) {
        if (e instanceof CatalogError) throw new StoreError(`${target.url} is not a MetaFuse catalog: ${e.message.replace(/"[^"]*"/, 'the file')}`);
        throw e;
      }
    });
    const now = statSync(cached);
    const next: CacheEntry = { url: target.url, token: got.info.token, sha256: sha, size: now.size, mtimeMs: now.mtimeMs, version };
    replaceAtomically(`${cached}.json`, (tmp) => writeFileSync(tmp, JSON.stringify(next)));
    status = 'downloaded';
    break;
  }
  let result = cached;
  if (options.out) {
    const out = path.resolve(options.out);
    makeDirs(path.dirname(out));
    replaceAtomically(out, (tmp) => copyFileSync(cached, tmp));
    result = out;
  }
  return { path: result, status, version, bytes: statSync(result).size };
}
