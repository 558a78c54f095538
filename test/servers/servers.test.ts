// Proves the loopback object-storage harness works and pins down the
// conditional-request behaviour of the real servers the storage tests use.
// See docs/testing.md.
import { existsSync } from 'node:fs';
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
  type S3ServiceException,
} from '@aws-sdk/client-s3';
import { BlobServiceClient, type RestError } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startAzurite, type AzuriteServer } from './azurite.js';
import { radosgwInstalled, startRadosgw, type RadosgwServer } from './radosgw.js';

/** Await a promise that must reject; return the error. */
async function rejection<E = unknown>(p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (e) {
    return e as E;
  }
  throw new Error('expected the request to fail, but it succeeded');
}

/** What the AWS SDK surfaces for a failed request. */
function s3Failure(e: unknown): { name: string; status: number | undefined } {
  const err = e as S3ServiceException;
  return { name: err.name, status: err.$metadata?.httpStatusCode };
}

/** What @azure/storage-blob surfaces for a failed request. */
function azureFailure(e: unknown): { name: string; status: number | undefined; errorCode: unknown } {
  const err = e as RestError & { details?: { errorCode?: string } };
  return { name: err.name, status: err.statusCode, errorCode: err.details?.errorCode };
}

const unquote = (etag: string): string => etag.replace(/^"(.*)"$/, '$1');

describe.skipIf(!radosgwInstalled())('radosgw (Ceph, single node on loopback)', () => {
  let rgw: RadosgwServer;
  let s3: S3Client;
  const Bucket = 'harness-test';

  beforeAll(async () => {
    rgw = await startRadosgw();
    console.log(`radosgw started in ${rgw.timings.total} ms ${JSON.stringify(rgw.timings)}`);
    s3 = new S3Client({
      endpoint: rgw.endpoint,
      region: rgw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      // The SDK's default (WHEN_SUPPORTED) makes streaming PUTs that radosgw
      // answers with 411 Length Required.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.send(new CreateBucketCommand({ Bucket }));
  });

  afterAll(async () => {
    s3?.destroy();
    await rgw?.stop();
    if (rgw) expect(existsSync(rgw.dir)).toBe(false);
  });

  test('PutObject If-None-Match: * creates once, then 412 PreconditionFailed', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket, Key: 'inm', Body: 'one', IfNoneMatch: '*' }));
    expect(first.ETag).toMatch(/^"[0-9a-f]{32}"$/);

    const err = await rejection(s3.send(new PutObjectCommand({ Bucket, Key: 'inm', Body: 'two', IfNoneMatch: '*' })));
    expect(s3Failure(err)).toEqual({ name: 'PreconditionFailed', status: 412 });
  });

  test('PutObject If-Match: radosgw compares the ETag WITHOUT quotes', async () => {
    const Key = 'im';
    const v1 = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'v1' }));
    const etag1 = v1.ETag!; // quoted, as S3 returns it: "5b…"

    // Quirk: the current ETag exactly as the SDK returned it (quoted) is
    // refused with 412, although it is current.
    const quoted = await rejection(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'v2', IfMatch: etag1 })));
    expect(s3Failure(quoted)).toEqual({ name: 'PreconditionFailed', status: 412 });

    // The same ETag without the quotes succeeds.
    const v2 = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'v2', IfMatch: unquote(etag1) }));
    expect(v2.ETag).not.toBe(etag1);

    // A stale ETag gets 412, quoted or not.
    for (const stale of [unquote(etag1), etag1]) {
      const err = await rejection(s3.send(new PutObjectCommand({ Bucket, Key, Body: 'v3', IfMatch: stale })));
      expect(s3Failure(err)).toEqual({ name: 'PreconditionFailed', status: 412 });
    }

    // If-Match: * succeeds on an existing key.
    await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'v4', IfMatch: '*' }));
  });

  test('PutObject If-Match on a missing key: 412 (AWS S3 answers 404)', async () => {
    for (const IfMatch of ['0123456789abcdef0123456789abcdef', '*']) {
      const err = await rejection(s3.send(new PutObjectCommand({ Bucket, Key: 'missing', Body: 'x', IfMatch })));
      expect(s3Failure(err)).toEqual({ name: 'PreconditionFailed', status: 412 });
    }
  });

  test('GetObject If-None-Match current ETag: 304; If-Match works quoted on GET', async () => {
    const Key = 'get';
    const put = await s3.send(new PutObjectCommand({ Bucket, Key, Body: 'body' }));
    const etag = put.ETag!;

    // 304 surfaces as an error without an S3 error code: name "Unknown".
    for (const IfNoneMatch of [etag, unquote(etag)]) {
      const err = await rejection(s3.send(new GetObjectCommand({ Bucket, Key, IfNoneMatch })));
      expect(s3Failure(err).status).toBe(304);
    }

    // On GET, unlike PUT, the quoted ETag matches.
    const got = await s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: etag }));
    expect(await got.Body!.transformToString()).toBe('body');
    const stale = await rejection(
      s3.send(new GetObjectCommand({ Bucket, Key, IfMatch: '"0123456789abcdef0123456789abcdef"' })),
    );
    expect(s3Failure(stale)).toEqual({ name: 'PreconditionFailed', status: 412 });
  });

  test('a second cluster runs side by side (own ports, fsid, folder) and stops cleanly', async () => {
    const other = await startRadosgw();
    try {
      expect(other.endpoint).not.toBe(rgw.endpoint);
      expect(other.dir).not.toBe(rgw.dir);
      expect((await fetch(other.endpoint)).status).toBe(200);
      expect((await fetch(rgw.endpoint)).status).toBe(200);
    } finally {
      await other.stop();
    }
    expect(existsSync(other.dir)).toBe(false);
    expect((await fetch(rgw.endpoint)).status).toBe(200);
  }, 120_000);
});

describe('Azurite (Blob service on loopback)', () => {
  let azurite: AzuriteServer;
  let blobs: BlobServiceClient;

  beforeAll(async () => {
    azurite = await startAzurite();
    console.log(`azurite started in ${azurite.startMs} ms at ${azurite.blobEndpoint}`);
    blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  test('ifNoneMatch * creates once, then 409 BlobAlreadyExists; stale ifMatch 412', async () => {
    const container = blobs.getContainerClient('harness-test');
    await container.create();
    const blob = container.getBlockBlobClient('a/b.txt');

    const first = await blob.upload('one', 3, { conditions: { ifNoneMatch: '*' } });
    const etag1 = first.etag!;

    // Not 412: Azure answers 409 for an existing blob with If-None-Match: *.
    const exists = await rejection(blob.upload('two', 3, { conditions: { ifNoneMatch: '*' } }));
    expect(azureFailure(exists)).toEqual({ name: 'RestError', status: 409, errorCode: 'BlobAlreadyExists' });

    // ifMatch with the current ETag (as returned: quoted) succeeds...
    const second = await blob.upload('two', 3, { conditions: { ifMatch: etag1 } });
    expect(second.etag).not.toBe(etag1);

    // ...and with a stale one gets 412 ConditionNotMet.
    const stale = await rejection(blob.upload('three', 5, { conditions: { ifMatch: etag1 } }));
    expect(azureFailure(stale)).toEqual({ name: 'RestError', status: 412, errorCode: 'ConditionNotMet' });

    // ifMatch on a missing blob: 412 as well.
    const missing = await rejection(
      container.getBlockBlobClient('missing').upload('x', 1, { conditions: { ifMatch: etag1 } }),
    );
    expect(azureFailure(missing)).toEqual({ name: 'RestError', status: 412, errorCode: 'ConditionNotMet' });

    // Download with ifNoneMatch of the current ETag: 304.
    const notModified = await rejection(blob.download(0, undefined, { conditions: { ifNoneMatch: second.etag! } }));
    expect(azureFailure(notModified).status).toBe(304);
  });
});
