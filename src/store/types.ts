// The object-store contract every backend (local folder, S3, GCS, Azure Blob)
// implements: versioned reads and writes that succeed only if the version the
// writer saw is still current. See docs/storage.md.

export interface ObjectInfo {
  /** Opaque version token: S3/Azure ETag, GCS generation, local folder write id. */
  token: string;
  size: number;
  /** Object metadata written with the object (keys without any provider prefix). */
  metadata: Record<string, string>;
}

export type GetResult =
  | { status: 'absent' }
  | { status: 'not-modified'; info: ObjectInfo }
  | { status: 'ok'; info: ObjectInfo; body: Buffer };

export type PutResult = { status: 'ok'; token: string } | { status: 'conflict' };

export interface PutOptions {
  /** The token the writer read; null = the object must not exist yet. */
  ifMatch: string | null;
  metadata: Record<string, string>;
}

export interface GetOptions {
  /** A current object (same token) answers not-modified without its body. */
  ifNoneMatch?: string;
  /**
   * Called as the body arrives: bytes received so far and the object's size when known.
   * Counts restart from 0 if an adapter reads the body again. Not called for absent or not-modified.
   */
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface ObjectStore {
  /** For messages: the scheme and bucket, e.g. "s3://bucket". Never holds credentials. */
  readonly name: string;
  head(key: string): Promise<ObjectInfo | null>;
  /** With ifNoneMatch, a current object answers not-modified without its body. */
  get(key: string, options?: GetOptions): Promise<GetResult>;
  /** Conditional write: 'conflict' when the token no longer matches (or the object exists for ifMatch null). */
  put(key: string, body: Buffer, options: PutOptions): Promise<PutResult>;
  /** Keys under a prefix. */
  list(prefix: string): Promise<string[]>;
  delete(key: string): Promise<void>;
}

/**
 * A failure whose outcome is unknown (timeout, 5xx, connection reset after the
 * body was sent): the write may or may not have happened. Callers resolve it by
 * reading the object back.
 */
export class AmbiguousStoreError extends Error {
  /** The server's Retry-After (HTTP 429/503 and friends), in milliseconds, when it sent one. */
  readonly retryAfterMs?: number;
  /** How many attempts were made before giving up (set by the retry loops). */
  readonly attempts?: number;
  constructor(message: string, override readonly cause?: unknown, extra: { retryAfterMs?: number; attempts?: number } = {}) {
    super(message);
    if (extra.retryAfterMs !== undefined) this.retryAfterMs = extra.retryAfterMs;
    if (extra.attempts !== undefined) this.attempts = extra.attempts;
  }
}

/** A failure the user must fix (credentials, missing bucket, permissions): retrying does not help. */
export class StoreError extends Error {}

/** Object metadata keys MetaFuse writes (valid for S3, GCS and Azure: lowercase, underscores). */
export const META = {
  version: 'metafuse_version',
  sha256: 'metafuse_sha256',
  specHash: 'metafuse_spec_hash',
  commit: 'metafuse_commit',
  commitTime: 'metafuse_commit_time',
} as const;
