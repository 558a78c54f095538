// A test double of the Google Cloud Storage JSON API on a loopback port
// (node:http), for tests that drive the real @google-cloud/storage 7 client
// through STORAGE_EMULATOR_HOST. See docs/testing.md.
//
// Why a double: nothing installable here honours GCS preconditions
// (ENVIRONMENT.md: firebase-tools' storage emulator ignores every
// precondition and needs Java 21; fake-gcs-server is on neither npm nor
// Debian). This server implements only what our adapter (src/store/gcs-store.ts)
// uses, following Google's documented semantics
// (https://cloud.google.com/storage/docs/json_api/v1/objects and
// https://cloud.google.com/storage/docs/request-preconditions):
//
// - objects.get metadata  GET    /storage/v1/b/{bucket}/o/{object}
// - objects.get media     GET    /storage/v1/b/{bucket}/o/{object}?alt=media[&generation=N]
// - objects.insert        POST   /upload/storage/v1/b/{bucket}/o?uploadType=multipart|media&name=…
// - objects.list          GET    /storage/v1/b/{bucket}/o?prefix=…[&pageToken=…&maxResults=…]
// - objects.delete        DELETE /storage/v1/b/{bucket}/o/{object}[?generation=N]
// - buckets.get / insert  GET /storage/v1/b/{bucket}, POST /storage/v1/b
//
// The `/storage/v1` prefix is optional: with STORAGE_EMULATOR_HOST the client
// sends JSON-API requests to `${STORAGE_EMULATOR_HOST}/b/…` (its base URL is
// the variable itself) but uploads to `${STORAGE_EMULATOR_HOST}/upload/storage/v1/b/…`.
// With an emulator host the client sends no credentials (customEndpoint without
// useAuthWithCustomEndpoint), so the double checks none.
//
// Semantics kept from GCS:
// - every write gets a new generation, strictly increasing (microseconds since
//   the epoch, like GCS, bumped by one when two writes share a microsecond);
//   metageneration starts at 1; no object versioning, so an overwritten or
//   deleted generation is gone (reading it pinned answers 404);
// - preconditions `ifGenerationMatch` (0 = no live object may exist),
//   `ifGenerationNotMatch`, `ifMetagenerationMatch`, `ifMetagenerationNotMatch`:
//   a failed one answers 412 conditionNotMet; on reads a failed
//   `ifGenerationNotMatch`/`ifMetagenerationNotMatch` answers 304 Not Modified;
// - the custom `metadata` map of an upload is kept (string values; null drops a key)
//   and returned with the object resource; md5Hash and crc32c are computed;
// - errors are JSON `{error: {code, message, errors: [{reason, …}]}}`.
//
// Concurrency: the whole compare-and-set of a write (precondition check, new
// generation, store) runs synchronously in one event-loop turn after the body
// has been received completely, so concurrent requests are serialised exactly
// as GCS serialises them: of two writes with the same ifGenerationMatch, one
// wins and the other gets 412.
//
// Not implemented (the adapter does not use them): resumable uploads, Range
// reads, ACLs, patch/rewrite/compose, versioned buckets, gzip transcoding.
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CRC32C } from '@google-cloud/storage';

interface StoredObject {
  name: string;
  bucket: string;
  data: Buffer;
  generation: bigint;
  metageneration: number;
  contentType: string;
  metadata: Record<string, string>;
  md5: string;
  crc32c: string;
  created: string;
}

interface StoredBucket {
  name: string;
  created: string;
  objects: Map<string, StoredObject>;
}

/** A failure injected into the next matching write (to test ambiguous outcomes). */
export interface InjectedFault {
  /** HTTP status to answer, e.g. 503. */
  status: number;
  /** 'after-commit': the write happens, then the error is answered. 'before-commit': nothing is written. */
  when: 'before-commit' | 'after-commit';
  /** Only uploads of this object name (default: any). */
  object?: string;
}

export interface GcsDoubleStats {
  requests: number;
  writes: number;
  /** Writes refused with 412 (failed ifGenerationMatch and friends). */
  preconditionFailures: number;
  notModified: number;
  /** Media (alt=media) downloads answered with the object's bytes. */
  mediaDownloads: number;
}

export interface GcsDouble {
  /** e.g. http://127.0.0.1:41234 — the value for STORAGE_EMULATOR_HOST. */
  endpoint: string;
  createBucket(name: string): void;
  /** Raw object bytes and metadata, for assertions (undefined when absent). */
  peek(bucket: string, name: string): { data: Buffer; generation: string; metadata: Record<string, string> } | undefined;
  /** Replaces an object's bytes without a new generation: a corrupted object, for tests. */
  corrupt(bucket: string, name: string, data: Buffer): void;
  injectFault(fault: InjectedFault): void;
  readonly stats: GcsDoubleStats;
  stop(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly reason: string,
  ) {
    super(message);
  }
}

const PRECONDITION_FAILED = (): HttpError => new HttpError(412, 'At least one of the pre-conditions you specified did not hold.', 'conditionNotMet');

function crc32cOf(data: Buffer): string {
  const c = new CRC32C();
  c.update(data);
  return c.toString();
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** A non-negative integer query parameter, or undefined; 400 when malformed. */
function intParam(q: URLSearchParams, name: string): bigint | undefined {
  const v = q.get(name);
  if (v === null) return undefined;
  if (!/^[0-9]+$/.test(v)) throw new HttpError(400, `Invalid argument for ${name}: "${v}"`, 'invalid');
  return BigInt(v);
}

interface Preconditions {
  ifGenerationMatch?: bigint;
  ifGenerationNotMatch?: bigint;
  ifMetagenerationMatch?: bigint;
  ifMetagenerationNotMatch?: bigint;
}

function preconditions(q: URLSearchParams): Preconditions {
  return {
    ifGenerationMatch: intParam(q, 'ifGenerationMatch'),
    ifGenerationNotMatch: intParam(q, 'ifGenerationNotMatch'),
    ifMetagenerationMatch: intParam(q, 'ifMetagenerationMatch'),
    ifMetagenerationNotMatch: intParam(q, 'ifMetagenerationNotMatch'),
  };
}

/**
 * Checks preconditions against the live object. For reads, a failed "NotMatch"
 * condition is 304 (returned as 'not-modified'); everything else that fails is 412.
 */
function checkPreconditions(p: Preconditions, live: StoredObject | undefined, kind: 'read' | 'write'): 'ok' | 'not-modified' {
  const gen = live?.generation ?? 0n;
  if (p.ifGenerationMatch !== undefined && p.ifGenerationMatch !== gen) throw PRECONDITION_FAILED();
  if (p.ifMetagenerationMatch !== undefined && (!live || BigInt(live.metageneration) !== p.ifMetagenerationMatch)) throw PRECONDITION_FAILED();
  const genHit = p.ifGenerationNotMatch !== undefined && p.ifGenerationNotMatch === gen;
  const metaHit = p.ifMetagenerationNotMatch !== undefined && live !== undefined && BigInt(live.metageneration) === p.ifMetagenerationNotMatch;
  if (genHit || metaHit) {
    if (kind === 'read') return 'not-modified';
    throw PRECONDITION_FAILED();
  }
  return 'ok';
}

/** Splits a multipart/related body into its parts (headers, content). */
function parseMultipart(body: Buffer, boundary: string): Array<{ headers: Record<string, string>; content: Buffer }> {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Array<{ headers: Record<string, string>; content: Buffer }> = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw new HttpError(400, 'multipart body without its boundary', 'invalid');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') break; // closing delimiter
    if (body.subarray(pos, pos + 2).toString() === '\r\n') pos += 2;
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), pos);
    if (next < 0) throw new HttpError(400, 'unterminated multipart body', 'invalid');
    const part = body.subarray(pos, next);
    const split = part.indexOf('\r\n\r\n');
    if (split < 0) throw new HttpError(400, 'multipart part without headers', 'invalid');
    const headers: Record<string, string> = {};
    for (const line of part.subarray(0, split).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    parts.push({ headers, content: part.subarray(split + 4) });
    pos = next + 2;
  }
  return parts;
}

export async function startGcsDouble(opts: { buckets?: string[] } = {}): Promise<GcsDouble> {
  const buckets = new Map<string, StoredBucket>();
  const faults: InjectedFault[] = [];
  const stats: GcsDoubleStats = { requests: 0, writes: 0, preconditionFailures: 0, notModified: 0, mediaDownloads: 0 };
  let lastGeneration = 0n;
  let endpoint = '';

  const createBucket = (name: string): void => {
    if (!buckets.has(name)) buckets.set(name, { name, created: new Date().toISOString(), objects: new Map() });
  };
  for (const b of opts.buckets ?? []) createBucket(b);

  const nextGeneration = (): bigint => {
    const now = BigInt(Date.now()) * 1000n;
    lastGeneration = now > lastGeneration ? now : lastGeneration + 1n;
    return lastGeneration;
  };

  const bucketOf = (name: string): StoredBucket => {
    const b = buckets.get(name);
    if (!b) throw new HttpError(404, 'The specified bucket does not exist.', 'notFound');
    return b;
  };

  const resource = (o: StoredObject): Record<string, unknown> => {
    const enc = encodeURIComponent(o.name);
    const gen = o.generation.toString();
    return {
      kind: 'storage#object',
      id: `${o.bucket}/${o.name}/${gen}`,
      selfLink: `${endpoint}/storage/v1/b/${o.bucket}/o/${enc}`,
      mediaLink: `${endpoint}/download/storage/v1/b/${o.bucket}/o/${enc}?generation=${gen}&alt=media`,
      name: o.name,
      bucket: o.bucket,
      generation: gen,
      metageneration: String(o.metageneration),
      contentType: o.contentType,
      storageClass: 'STANDARD',
      size: String(o.data.length),
      md5Hash: o.md5,
      crc32c: o.crc32c,
      etag: Buffer.from(`${gen}/${o.metageneration}`).toString('base64'),
      timeCreated: o.created,
      updated: o.created,
      timeStorageClassUpdated: o.created,
      ...(Object.keys(o.metadata).length ? { metadata: o.metadata } : {}),
    };
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown): void => {
    const text = JSON.stringify(body);
    // Exactly this content type: the client parses upload responses as JSON only then.
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const sendError = (res: ServerResponse, e: HttpError): void => {
    sendJson(res, e.status, { error: { code: e.status, message: e.message, errors: [{ message: e.message, domain: 'global', reason: e.reason }] } });
  };

  /** The live object, or the pinned generation when `generation=` is given (404 when it is not live). */
  const lookup = (b: StoredBucket, name: string, q: URLSearchParams): StoredObject => {
    const live = b.objects.get(name);
    const pinned = intParam(q, 'generation');
    if (!live || (pinned !== undefined && pinned !== live.generation)) {
      throw new HttpError(404, `No such object: ${b.name}/${name}`, 'notFound');
    }
    return live;
  };

  const upload = async (req: IncomingMessage, res: ServerResponse, bucketName: string, q: URLSearchParams): Promise<void> => {
    const body = await readBody(req);
    // Everything below runs synchronously: the compare-and-set is atomic.
    const b = bucketOf(bucketName);
    const type = q.get('uploadType');
    let meta: { name?: string; contentType?: string; metadata?: Record<string, unknown> | null } = {};
    let data: Buffer;
    let contentType = req.headers['content-type'] ?? 'application/octet-stream';
    if (type === 'multipart') {
      const m = /boundary="?([^";]+)"?/.exec(contentType);
      if (!/^multipart\/related/i.test(contentType) || !m) throw new HttpError(400, 'uploadType=multipart needs a multipart/related body', 'invalid');
      const parts = parseMultipart(body, m[1]!);
      if (parts.length !== 2) throw new HttpError(400, `multipart upload needs 2 parts, got ${parts.length}`, 'invalid');
      try {
        meta = JSON.parse(parts[0]!.content.toString('utf8')) as typeof meta;
      } catch {
        throw new HttpError(400, 'the metadata part is not JSON', 'parseError');
      }
      data = parts[1]!.content;
      contentType = meta.contentType ?? parts[1]!.headers['content-type'] ?? 'application/octet-stream';
    } else if (type === 'media') {
      data = body;
    } else {
      throw new HttpError(400, `uploadType=${type ?? '(none)'} is not supported by this test double`, 'invalid');
    }
    const name = q.get('name') ?? meta.name;
    if (!name) throw new HttpError(400, 'Required object name', 'required');
    const fault = faults.findIndex((f) => !f.object || f.object === name);
    const injected = fault >= 0 ? faults.splice(fault, 1)[0] : undefined;
    if (injected?.when === 'before-commit') throw new HttpError(injected.status, 'injected failure (nothing written)', 'backendError');
    const live = b.objects.get(name);
    try {
      checkPreconditions(preconditions(q), live, 'write');
    } catch (e) {
      stats.preconditionFailures++;
      throw e;
    }
    const metadata: Record<string, string> = {};
    for (const [k, v] of Object.entries(meta.metadata ?? {})) if (v !== null && v !== undefined) metadata[k] = String(v);
    const obj: StoredObject = {
      name,
      bucket: b.name,
      data: Buffer.from(data),
      generation: nextGeneration(),
      metageneration: 1,
      contentType,
      metadata,
      md5: createHash('md5').update(data).digest('base64'),
      crc32c: crc32cOf(data),
      created: new Date().toISOString(),
    };
    b.objects.set(name, obj);
    stats.writes++;
    if (injected) throw new HttpError(injected.status, 'injected failure (after the write)', 'backendError');
    sendJson(res, 200, resource(obj));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    stats.requests++;
    const url = new URL(req.url ?? '/', 'http://double');
    const q = url.searchParams;
    const method = req.method ?? 'GET';
    let m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
    if (m) {
      if (method !== 'POST') throw new HttpError(405, `${method} not allowed`, 'invalid');
      return upload(req, res, decodeURIComponent(m[1]!), q);
    }
    const p = url.pathname.replace(/^\/storage\/v1(?=\/)/, '');
    if (p === '/b' && method === 'POST') {
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { name?: string };
      if (!body.name) throw new HttpError(400, 'Required bucket name', 'required');
      if (buckets.has(body.name)) throw new HttpError(409, 'Your previous request to create the named bucket succeeded and you already own it.', 'conflict');
      createBucket(body.name);
      return sendJson(res, 200, { kind: 'storage#bucket', name: body.name, id: body.name });
    }
    m = /^\/b\/([^/]+)$/.exec(p);
    if (m && method === 'GET') {
      const b = bucketOf(decodeURIComponent(m[1]!));
      return sendJson(res, 200, { kind: 'storage#bucket', id: b.name, name: b.name, timeCreated: b.created, storageClass: 'STANDARD' });
    }
    m = /^\/b\/([^/]+)\/o$/.exec(p);
    if (m && method === 'GET') {
      const b = bucketOf(decodeURIComponent(m[1]!));
      const prefix = q.get('prefix') ?? '';
      const max = Math.min(Number(intParam(q, 'maxResults') ?? 1000n), 1000) || 1000;
      const names = [...b.objects.keys()].filter((n) => n.startsWith(prefix)).sort();
      const after = q.get('pageToken');
      const start = after ? names.findIndex((n) => n > after) : 0;
      const page = start < 0 ? [] : names.slice(start, start + max);
      const more = start >= 0 && start + max < names.length;
      return sendJson(res, 200, {
        kind: 'storage#objects',
        items: page.map((n) => resource(b.objects.get(n)!)),
        ...(more ? { nextPageToken: page[page.length - 1] } : {}),
      });
    }
    m = /^\/b\/([^/]+)\/o\/(.+)$/.exec(p);
    if (m) {
      const b = bucketOf(decodeURIComponent(m[1]!));
      const name = decodeURIComponent(m[2]!);
      if (method === 'GET') {
        const o = lookup(b, name, q);
        if (checkPreconditions(preconditions(q), o, 'read') === 'not-modified') {
          stats.notModified++;
          res.writeHead(304, { 'x-goog-generation': o.generation.toString() });
          return void res.end();
        }
        if (q.get('alt') !== 'media') return sendJson(res, 200, resource(o));
        stats.mediaDownloads++;
        res.writeHead(200, {
          'content-type': o.contentType,
          'content-length': o.data.length,
          'x-goog-generation': o.generation.toString(),
          'x-goog-metageneration': String(o.metageneration),
          'x-goog-stored-content-length': o.data.length,
          'x-goog-stored-content-encoding': 'identity',
          'x-goog-hash': `crc32c=${o.crc32c},md5=${o.md5}`,
          etag: `"${resource(o).etag as string}"`,
        });
        return void res.end(o.data);
      }
      if (method === 'DELETE') {
        const o = lookup(b, name, q);
        checkPreconditions(preconditions(q), o, 'write');
        b.objects.delete(name);
        res.writeHead(204);
        return void res.end();
      }
    }
    throw new HttpError(404, `Not Found: ${method} ${url.pathname} is not implemented by this test double`, 'notFound');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (e instanceof HttpError) return sendError(res, e);
      sendError(res, new HttpError(500, `test double failed: ${e instanceof Error ? e.message : String(e)}`, 'backendError'));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let stopped = false;
  return {
    endpoint,
    createBucket,
    peek(bucket, name) {
      const o = buckets.get(bucket)?.objects.get(name);
      return o ? { data: o.data, generation: o.generation.toString(), metadata: { ...o.metadata } } : undefined;
    },
    corrupt(bucket, name, data) {
      const o = buckets.get(bucket)?.objects.get(name);
      if (!o) throw new Error(`corrupt: no object ${bucket}/${name}`);
      o.data = Buffer.from(data);
    },
    injectFault(fault) {
      faults.push(fault);
    },
    stats,
    async stop() {
      if (stopped) return;
      stopped = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
