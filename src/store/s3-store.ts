// S3 backend (s3://bucket/key) with @aws-sdk/client-s3, loaded only when used.
// Conditional writes: If-None-Match: * to create, If-Match: <etag> to replace.
// Credentials, region and endpoint come from the SDK's standard chain
// (AWS_PROFILE, AWS_ACCESS_KEY_ID, roles, AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_S3, ...).
import type { S3Client } from '@aws-sdk/client-s3';
import { readBody } from './body.js';
import { AmbiguousStoreError, StoreError, type GetOptions, type GetResult, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult } from './types.js';
import { parseRetryAfter, requestTimeoutMs } from './timeouts.js';

type S3Module = typeof import('@aws-sdk/client-s3');

interface SdkError {
  name?: string;
  Code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
  $response?: { statusCode?: number; headers?: Record<string, string | undefined> };
  code?: string;
}

function status(e: unknown): number | undefined {
  const x = e as SdkError;
  return x?.$metadata?.httpStatusCode ?? x?.$response?.statusCode;
}

function errName(e: unknown): string {
  const x = e as SdkError;
  return x?.name ?? x?.Code ?? x?.code ?? '';
}

/**
 * Object metadata as written: Ceph radosgw answers `x-amz-meta-metafuse_version`
 * as `metafuse-version` (underscores turned into dashes), so map our keys back.
 */
function metadataOf(m: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m ?? {})) {
    const key = /^metafuse-/.test(k) ? k.replace(/-/g, '_') : k;
    if (!(key in out) || key === k) out[key] = v;
  }
  return out;
}

const AUTH_ERRORS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken', 'CredentialsProviderError', 'InvalidToken', 'Forbidden']);

export class S3Store implements ObjectStore {
  readonly name: string;
  private client: Promise<{ s3: S3Client; mod: S3Module }> | undefined;
  /** Some S3-compatible servers (Ceph radosgw) compare If-Match without the ETag's quotes; learned on the first spurious 412. */
  private unquotedIfMatch = false;

  constructor(readonly bucket: string) {
    this.name = `s3://${bucket}`;
  }

  private connect(): Promise<{ s3: S3Client; mod: S3Module }> {
    return (this.client ??= (async () => {
      // The SDK warns on every command under Node 20 about its future Node 22 requirement; MetaFuse pins a release that supports Node 20.
      process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
      const mod = await import('@aws-sdk/client-s3');
      const endpoint = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
      const forcePathStyle = /^(1|true|yes)$/i.test(process.env.AWS_S3_FORCE_PATH_STYLE ?? '') || Boolean(endpoint);
      const timeout = requestTimeoutMs();
      const s3 = new mod.S3Client({
        forcePathStyle,
        // An S3-compatible endpoint without a configured region still needs one to sign.
        ...(endpoint && !process.env.AWS_REGION && !process.env.AWS_DEFAULT_REGION ? { region: 'us-east-1' } : {}),
        // Checksums only where S3 requires them: compatible servers reject the streaming variant (411).
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
        // MetaFuse retries writes itself (after reading back), so the SDK must not repeat a conditional PUT.
        maxAttempts: 1,
        // The timeout is one of inactivity (socketTimeout): no answer, or a body that stalls midway, for that long.
        // (This SDK's requestTimeout only logs a warning unless throwOnRequestTimeout is set, and it would also
        // cut a large upload that is making progress.)
        requestHandler: { connectionTimeout: Math.min(timeout, 10_000), socketTimeout: timeout },
      });
      return { s3, mod };
    })());
  }

  private fail(e: unknown, what: string, key: string): never {
    const name = errName(e);
    const code = status(e);
    // Checked first: CredentialsProviderError means nothing was sent, not that the server refused it.
    if (/Could not load credentials|CredentialsProviderError/.test(`${name} ${(e as SdkError)?.message}`)) {
      throw new StoreError(`no AWS credentials found for s3://${this.bucket}: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run where a role is attached`);
    }
    if (AUTH_ERRORS.has(name) || code === 403 || code === 401) {
      throw new StoreError(`${what} s3://${this.bucket}/${key} was refused (${name || code}): check the credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, the role) and that they may ${what === 'reading' ? 's3:GetObject' : 's3:PutObject'} on this bucket`);
    }
    if (name === 'NoSuchBucket') throw new StoreError(`bucket "${this.bucket}" does not exist (or is in another region/endpoint)`);
    if (name === 'Region' || /region/i.test((e as SdkError)?.message ?? '')) throw new StoreError(`S3 needs a region: set AWS_REGION (${(e as SdkError).message ?? ''})`);
    const retryAfterMs = parseRetryAfter((e as SdkError)?.$response?.headers?.['retry-after']);
    throw new AmbiguousStoreError(`${what} s3://${this.bucket}/${key} failed: ${name || 'error'}${code ? ` (HTTP ${code})` : ''}: ${(e as SdkError)?.message ?? String(e)}`, e, { retryAfterMs });
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const { s3, mod } = await this.connect();
    try {
      const r = await s3.send(new mod.HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return { token: r.ETag ?? '', size: r.ContentLength ?? 0, metadata: metadataOf(r.Metadata) };
    } catch (e) {
      if (status(e) === 404 || errName(e) === 'NotFound' || errName(e) === 'NoSuchKey') return null;
      return this.fail(e, 'reading', key);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const { s3, mod } = await this.connect();
    try {
      const r = await s3.send(new mod.GetObjectCommand({ Bucket: this.bucket, Key: key, ...(options.ifNoneMatch ? { IfNoneMatch: options.ifNoneMatch } : {}) }));
      // In Node the Body is the response stream (an async iterable): read it chunk by chunk to report progress.
      const body = await readBody(r.Body as unknown as AsyncIterable<Uint8Array>, r.ContentLength, options.onProgress);
      return { status: 'ok', info: { token: r.ETag ?? '', size: body.length, metadata: metadataOf(r.Metadata) }, body };
    } catch (e) {
      if (status(e) === 304) {
        const info = await this.head(key);
        return info ? { status: 'not-modified', info } : { status: 'absent' };
      }
      // A missing bucket is a 404 too; only a missing key means "no catalog yet".
      if (errName(e) !== 'NoSuchBucket' && (status(e) === 404 || errName(e) === 'NoSuchKey')) return { status: 'absent' };
      return this.fail(e, 'reading', key);
    }
  }

  async put(key: string, body: Buffer, options: PutOptions): Promise<PutResult> {
    const { s3, mod } = await this.connect();
    const send = (ifMatch: string | null) =>
      s3.send(
        new mod.PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentLength: body.length,
          ContentType: 'application/vnd.sqlite3',
          Metadata: options.metadata,
          ...(ifMatch === null ? { IfNoneMatch: '*' } : { IfMatch: ifMatch }),
        }),
      );
    const quoted = options.ifMatch;
    const unquoted = quoted?.replace(/^"(.*)"$/, '$1') ?? null;
    try {
      const r = await send(this.unquotedIfMatch ? unquoted : quoted);
      return { status: 'ok', token: r.ETag ?? '' };
    } catch (e) {
      const code = status(e);
      const name = errName(e);
      const conflict = code === 412 || name === 'PreconditionFailed' || (code === 409 && name === 'ConditionalRequestConflict') || (quoted !== null && (code === 404 || name === 'NoSuchKey'));
      if (!conflict) return this.fail(e, 'writing', key);
      // A 412 although the object still carries the ETag we sent: the server wants it unquoted.
      if (quoted !== null && quoted !== unquoted && !this.unquotedIfMatch && code === 412) {
        const now = await this.head(key);
        if (now?.token === quoted) {
          this.unquotedIfMatch = true;
          return this.put(key, body, options);
        }
      }
      return { status: 'conflict' };
    }
  }

  async list(prefix: string): Promise<string[]> {
    const { s3, mod } = await this.connect();
    const keys: string[] = [];
    let token: string | undefined;
    try {
      do {
        const r = await s3.send(new mod.ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of r.Contents ?? []) if (o.Key) keys.push(o.Key);
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      return this.fail(e, 'reading', prefix);
    }
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    const { s3, mod } = await this.connect();
    try {
      await s3.send(new mod.DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
    } catch (e) {
      this.fail(e, 'writing', key);
    }
  }
}
