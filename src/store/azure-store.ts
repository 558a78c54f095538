// Azure Blob backend (az://container/path) with @azure/storage-blob, loaded only
// when used. Conditional writes: ifNoneMatch '*' to create, ifMatch <etag> to replace.
// The account comes from AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT
// with AZURE_STORAGE_KEY, or AZURE_STORAGE_ACCOUNT with the standard credential chain
// (@azure/identity's DefaultAzureCredential: environment, workload identity, managed identity, Azure CLI).
import type { ContainerClient } from '@azure/storage-blob';
import { idleAbort, parseRetryAfter, requestTimeoutMs } from './timeouts.js';
import { readBody } from './body.js';
import { AmbiguousStoreError, StoreError, type GetOptions, type GetResult, type ObjectInfo, type ObjectStore, type PutOptions, type PutResult } from './types.js';

interface AzureError {
  statusCode?: number;
  response?: { headers?: { get(name: string): string | undefined } };
  code?: string;
  details?: { errorCode?: string };
  message?: string;
}

export class AzureStore implements ObjectStore {
  readonly name: string;
  private containerRef: Promise<ContainerClient> | undefined;

  constructor(readonly container: string) {
    this.name = `az://${container}`;
  }

  private connect(): Promise<ContainerClient> {
    return (this.containerRef ??= (async () => {
      const blob = await import('@azure/storage-blob');
      const timeout = requestTimeoutMs();
      // Retries are MetaFuse's (after reading back), so the client must not repeat a conditional write.
      const pipeline = { retryOptions: { maxTries: 1, tryTimeoutInMs: timeout } };
      const conn = process.env.AZURE_STORAGE_CONNECTION_STRING;
      if (conn) return blob.BlobServiceClient.fromConnectionString(conn, pipeline).getContainerClient(this.container);
      const account = process.env.AZURE_STORAGE_ACCOUNT;
      if (!account) {
        throw new StoreError('az:// needs an account: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT (with AZURE_STORAGE_KEY, or credentials for the standard Azure credential chain)');
      }
      const url = process.env.AZURE_STORAGE_BLOB_ENDPOINT ?? `https://${account}.blob.core.windows.net`;
      const key = process.env.AZURE_STORAGE_KEY;
      let credential;
      if (key) {
        credential = new blob.StorageSharedKeyCredential(account, key);
      } else {
        let identity;
        try {
          identity = await import('@azure/identity');
        } catch {
          throw new StoreError('az:// with AZURE_STORAGE_ACCOUNT alone needs the @azure/identity package for the standard credential chain; install it, or set AZURE_STORAGE_KEY or AZURE_STORAGE_CONNECTION_STRING');
        }
        credential = new identity.DefaultAzureCredential();
      }
      return new blob.BlobServiceClient(url, credential, pipeline).getContainerClient(this.container);
    })());
  }

  private fail(e: unknown, what: string, key: string): never {
    if (e instanceof StoreError) throw e;
    const x = e as AzureError;
    const code = x?.statusCode;
    const name = x?.details?.errorCode ?? x?.code ?? '';
    if (code === 401 || code === 403) {
      throw new StoreError(`${what} az://${this.container}/${key} was refused (${name || code}): check AZURE_STORAGE_CONNECTION_STRING / AZURE_STORAGE_KEY or the identity's Storage Blob Data role`);
    }
    if (name === 'ContainerNotFound') throw new StoreError(`container "${this.container}" does not exist`);
    if (/CredentialUnavailable|AuthenticationRequired/i.test(`${name} ${x?.message ?? ''}`)) {
      throw new StoreError(`no Azure credentials found for az://${this.container}: ${x?.message?.split('\n')[0] ?? ''}`);
    }
    const retryAfterMs = parseRetryAfter(x?.response?.headers?.get('retry-after'));
    throw new AmbiguousStoreError(`${what} az://${this.container}/${key} failed${code ? ` (HTTP ${code}${name ? ` ${name}` : ''})` : ''}: ${x?.message?.split('\n')[0] ?? String(e)}`, e, { retryAfterMs });
  }

  /** An inactivity timeout for one request: this SDK applies none on the client side (its tryTimeoutInMs only becomes the server's ?timeout=). */
  private idle(): ReturnType<typeof idleAbort> {
    return idleAbort(requestTimeoutMs());
  }

  async head(key: string): Promise<ObjectInfo | null> {
    const container = await this.connect();
    const idle = this.idle();
    try {
      const p = await container.getBlobClient(key).getProperties({ abortSignal: idle.signal });
      return { token: p.etag ?? '', size: p.contentLength ?? 0, metadata: p.metadata ?? {} };
    } catch (e) {
      if ((e as AzureError).statusCode === 404 && (e as AzureError).details?.errorCode !== 'ContainerNotFound') return null;
      return this.fail(idle.why(e), 'reading', key);
    } finally {
      idle.done();
    }
  }

  async get(key: string, options: GetOptions = {}): Promise<GetResult> {
    const container = await this.connect();
    const idle = this.idle();
    try {
      const client = container.getBlobClient(key);
      const r = await client.download(0, undefined, { abortSignal: idle.signal, onProgress: () => idle.touch(), ...(options.ifNoneMatch ? { conditions: { ifNoneMatch: options.ifNoneMatch } } : {}) });
      const body = await readBody(r.readableStreamBody! as AsyncIterable<Buffer | string>, r.contentLength, options.onProgress);
      return { status: 'ok', info: { token: r.etag ?? '', size: body.length, metadata: r.metadata ?? {} }, body };
    } catch (e) {
      const x = e as AzureError;
      if (x.statusCode === 304) {
        const info = await this.head(key);
        return info ? { status: 'not-modified', info } : { status: 'absent' };
      }
      if (x.statusCode === 404 && x.details?.errorCode !== 'ContainerNotFound') return { status: 'absent' };
      return this.fail(idle.why(e), 'reading', key);
    } finally {
      idle.done();
    }
  }

  async put(key: string, body: Buffer, options: PutOptions): Promise<PutResult> {
    const container = await this.connect();
    const idle = this.idle();
    try {
      const r = await container.getBlockBlobClient(key).upload(body, body.length, {
        abortSignal: idle.signal,
        onProgress: () => idle.touch(),
        metadata: options.metadata,
        blobHTTPHeaders: { blobContentType: 'application/vnd.sqlite3' },
        conditions: options.ifMatch === null ? { ifNoneMatch: '*' } : { ifMatch: options.ifMatch },
      });
      return { status: 'ok', token: r.etag ?? '' };
    } catch (e) {
      const x = e as AzureError;
      const name = x.details?.errorCode ?? x.code;
      if (x.statusCode === 412 || (x.statusCode === 409 && name === 'BlobAlreadyExists') || (options.ifMatch !== null && x.statusCode === 404 && name === 'BlobNotFound')) {
        return { status: 'conflict' };
      }
      return this.fail(idle.why(e), 'writing', key);
    } finally {
      idle.done();
    }
  }

  async list(prefix: string): Promise<string[]> {
    const container = await this.connect();
    const keys: string[] = [];
    const idle = this.idle();
    try {
      for await (const b of container.listBlobsFlat({ prefix, abortSignal: idle.signal })) {
        keys.push(b.name);
        idle.touch();
      }
    } catch (e) {
      return this.fail(idle.why(e), 'reading', prefix);
    } finally {
      idle.done();
    }
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    const container = await this.connect();
    const idle = this.idle();
    try {
      await container.getBlobClient(key).deleteIfExists({ abortSignal: idle.signal });
    } catch (e) {
      this.fail(idle.why(e), 'writing', key);
    } finally {
      idle.done();
    }
  }
}
