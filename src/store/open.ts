// Store URLs: a path or file://…, s3://bucket/key, gs://bucket/key, az://container/path.
// Each backend's SDK is imported only when its scheme is used.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileStore } from './file-store.js';
import type { ObjectStore } from './types.js';

export interface StoreTarget {
  store: ObjectStore;
  /** Key of the catalog object within the store. */
  key: string;
  /** The URL as given, normalised (never holds credentials). */
  url: string;
}

export class StoreUrlError extends Error {}

const SCHEMES = ['s3', 'gs', 'az', 'file'];

export function isStoreUrl(s: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(s);
}

/** The URL for messages: without user information or query (either may hold a secret). */
function shown(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, '$1…@').replace(/[?#].*$/s, '?…');
}

export async function openStoreTarget(url: string): Promise<StoreTarget> {
  // Before anything that echoes the URL: credentials in it are refused, whatever the scheme.
  const given = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i.exec(url);
  if (given && given[2]!.includes('@')) {
    throw new StoreUrlError(`"${given[1]!.toLowerCase()}://…" URLs must not hold credentials; use the SDK's standard credential chain`);
  }
  if (!isStoreUrl(url) || url.startsWith('file://')) {
    let file: string;
    try {
      file = url.startsWith('file://') ? fileURLToPath(url) : path.resolve(url);
    } catch (e) {
      throw new StoreUrlError(`"${shown(url)}" is not a usable file:// URL (${(e as Error).message}); use file:///absolute/path or a plain path`);
    }
    if (file.endsWith(path.sep)) throw new StoreUrlError(`"${url}" names a folder; name the catalog file, e.g. ${path.join(file, 'catalog.db')}`);
    return { store: new FileStore(path.dirname(file)), key: path.basename(file), url: `file://${file}` };
  }
  const m = /^([a-z0-9]+):\/\/([^/?#]+)\/([^?#]+)$/i.exec(url);
  const scheme = m?.[1]?.toLowerCase();
  if (!m || !scheme || !SCHEMES.includes(scheme)) {
    throw new StoreUrlError(`unsupported store URL "${shown(url)}": use a path, file://…, s3://bucket/key, gs://bucket/key or az://container/path`);
  }
  const [, , bucket, key] = m as unknown as [string, string, string, string];
  if (key.endsWith('/')) throw new StoreUrlError(`"${url}" names a folder; name the catalog object, e.g. ${url}catalog.db`);
  if (bucket.includes('@') || bucket.includes(':')) throw new StoreUrlError(`"${scheme}://…" URLs must not hold credentials; use the SDK's standard credential chain`);
  const normalized = `${scheme}://${bucket}/${key}`;
  if (scheme === 's3') return { store: new (await import('./s3-store.js')).S3Store(bucket), key, url: normalized };
  if (scheme === 'gs') return { store: new (await import('./gcs-store.js')).GcsStore(bucket), key, url: normalized };
  return { store: new (await import('./azure-store.js')).AzureStore(bucket), key, url: normalized };
}
