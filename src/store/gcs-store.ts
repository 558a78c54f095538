// Google Cloud Storage backend (gs://bucket/key) with @google-cloud/storage,
// loaded only when used. Conditional writes use ifGenerationMatch (0 = create).
// Credentials come from Application Default Credentials; STORAGE_EMULATOR_HOST
// points the client at an emulator.
import type { Bucket } from '@google-cloud/storage';
import { idleAbort, parseRetryAfter, requestTimeoutMs } from './timeouts.js';
import { readBody } from './body.js';
import { AmbiguousStoreError, StoreError, type GetOptions, type GetResult, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult } from './types.js';

interface GcsError {
  code?: number | string;
  message?: string;
  response?: { headers?: Record<string, string | undefined> };
}

export class GcsStore implements ObjectStore {
  readonly name: string;
  private bucketRef: Promise<Bucket> | undefined;

  constructor(readonly bucket: string) {
    this.name = `gs://${bucket}`;
  }

  private connect(): Promise<Bucket> {
    return (this.bucketRef ??= (async () => {
      const { Storage } = await import('@google-cloud/storage');
      // Retries are MetaFuse's (after reading back), so the client must not repeat a conditional write.
      const storage = new Storage({ retryOptions: { autoRetry: false }, timeout: requestTimeoutMs() } as ConstructorParameters<typeof Storage>[0]);
      return storage.bucket(this.bucket);
    })());
  }

  private fail(e: unknown, what: string, key: string): never {
    const x = e as GcsError;
    const code = Number(x?.code);
    if (code === 401 || code === 403) {
      throw new StoreError(`${what} gs://${this.bucket}/${key} was refused (HTTP ${code}): check GOOGLE_APPLICATION_CREDENTIALS or the workload identity, and its storage.objects permissions`);
    }
    if (/Could not load the default credentials/i.test(x?.message ?? '')) {
      throw new StoreError(`no Google Cloud credentials found for gs://${this.bucket}: set GOOGLE_APPLICATION_CREDENTIALS or run gcloud auth application-default login`);
    }
    if (code === 404) throw new StoreError(`bucket "${this.bucket}" does not exist`);
    throw new AmbiguousStoreError(`${what} gs://${this.bucket}/${key} failed${code ? ` (HTTP ${code})` : ''}: ${x?.message ?? String(e)}`, e, { retryAfterMs: parseRetryAfter(x?.response?.headers?.['retry-after']) });
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const bucket = await this.connect();
    try {
      const [m] = await bucket.file(key).getMetadata();
      return { token: String(m.generation), size: Number(m.size ?? 0), metadata: stringMap(m.metadata) };
    } catch (e) {
      // GCS answers a missing bucket with 404 "The specified bucket does not exist." too.
      if (Number((e as GcsError).code) === 404 && !/bucket does not exist/i.test((e as GcsError).message ?? '')) return null;
      return this.fail(e, 'reading', key);
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const info = await this.head(key);
    if (!info) return { status: 'absent' };
    if (options.ifNoneMatch === info.token) return { status: 'not-modified', info };
    const bucket = await this.connect();
    try {
      // Pin the generation just read so body and metadata belong together.
      const file = bucket.file(key, { generation: Number(info.token) });
      // download() is createReadStream() collected into a Buffer; read the same stream ourselves to report progress,
      // and to time it out: the client's `timeout` covers the JSON API calls, not this media download (a body
      // that stalls midway would hang for ever), so it gets an inactivity timeout of its own.
      const stream = file.createReadStream({ validation: false });
      const idle = idleAbort(requestTimeoutMs());
      idle.signal.addEventListener('abort', () => stream.destroy(idle.signal.reason as Error), { once: true });
      let body: Buffer;
      try {
        body = await readBody(stream, info.size, (received, total) => {
          idle.touch();
          options.onProgress?.(received, total);
        });
      } catch (e) {
        throw idle.why(e);
      } finally {
        idle.done();
      }
      return { status: 'ok', info: { ...info, size: body.length }, body };
    } catch (e) {
      if (Number((e as GcsError).code) === 404) return this.get(key, options); // replaced meanwhile: read the new one
      return this.fail(e, 'reading', key);
    }
  }

  async put(key: string, body: Buffer, options: PutOptions): Promise<PutResult> {
    const bucket = await this.connect();
    const file = bucket.file(key);
    try {
      await file.save(body, {
        resumable: false,
        validation: false,
        metadata: { contentType: 'application/vnd.sqlite3', metadata: options.metadata },
        preconditionOpts: { ifGenerationMatch: options.ifMatch === null ? 0 : Number(options.ifMatch) },
      });
      // save() leaves the object resource of this write in file.metadata.
      return { status: 'ok', token: String(file.metadata.generation) };
    } catch (e) {
      if (Number((e as GcsError).code) === 412) return { status: 'conflict' };
      return this.fail(e, 'writing', key);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const bucket = await this.connect();
    try {
      const [files] = await bucket.getFiles({ prefix });
      return files.map((f) => f.name).sort();
    } catch (e) {
      return this.fail(e, 'reading', prefix);
    }
  }

  async delete(key: string): Promise<void> {
    const bucket = await this.connect();
    try {
      await bucket.file(key).delete({ ignoreNotFound: true });
    } catch (e) {
      this.fail(e, 'writing', key);
    }
  }
}

function stringMap(m: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (m && typeof m === 'object') for (const [k, v] of Object.entries(m)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}
