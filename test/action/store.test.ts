// The bundled Action writing catalogs: publish to a real S3 server (Ceph radosgw
// on loopback) and emit to a local folder, under Node 24 with no node_modules.
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallSchemaBytes } from '../helpers/arrow.js';
import { radosgwInstalled, startRadosgw, type RadosgwServer } from '../servers/radosgw.js';
import { addCouponField, copyBundle, git, makeWorkspace, pushEvent, removeTemps, runAction, tempDir, type Workspace } from './support.js';

let bundle: string;
/** A pipeline started by hand (workflow_dispatch), as in docs/action.md. */
const DISPATCH = { inputs: {}, ref: 'refs/heads/main', workflow: '.github/workflows/orders-daily.yml', repository: { full_name: 'acme/specs' } };

beforeAll(() => {
  bundle = copyBundle();
});

afterAll(() => removeTemps());

describe.skipIf(!radosgwInstalled())('publish to S3 (radosgw) on a push to the default branch', () => {
  const Bucket = 'acme-catalog';
  let rgw: RadosgwServer;
  let s3: S3Client;
  let ws: Workspace;
  let env: Record<string, string>;

  beforeAll(async () => {
    rgw = await startRadosgw();
    s3 = new S3Client({
      endpoint: rgw.endpoint,
      region: rgw.region,
      forcePathStyle: true,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    await s3.send(new CreateBucketCommand({ Bucket }));
    // What aws-actions/configure-aws-credentials leaves in the job's environment, plus the endpoint.
    env = {
      AWS_ENDPOINT_URL_S3: rgw.endpoint,
      AWS_ACCESS_KEY_ID: rgw.accessKeyId,
      AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
      AWS_REGION: rgw.region,
    };
    ws = makeWorkspace();
  });

  afterAll(async () => {
    s3?.destroy();
    await rgw?.stop();
  });

  const push = () => runAction({ bundle, workspace: ws.dir, eventName: 'push', event: pushEvent(git(ws.dir, ['rev-parse', 'HEAD'])), env });

  it('publishes version 1 to publish.target of the Catalog spec (the default command on push)', async () => {
    // The example's publish.target is s3://acme-catalog/prod/catalog.db.
    const r = await push();
    expect(r.code).toBe(0);
    expect(r.errors).toEqual([]);
    expect(r.outputs).toEqual({ version: '1', published: 'true', datasets: '21', fields: '220' });
    expect(r.summary).toContain('Published **s3://acme-catalog/prod/catalog.db**: version 1');
    const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'prod/catalog.db' }));
    expect(head.ContentLength).toBeGreaterThan(0);
    const body = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket, Key: 'prod/catalog.db' }))).Body!.transformToByteArray());
    expect(body.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000');
  });

  it('a second run of the same commit changes nothing (published false, still version 1)', async () => {
    const r = await push();
    expect(r.code).toBe(0);
    expect(r.errors).toEqual([]);
    expect(r.outputs).toMatchObject({ version: '1', published: 'false' });
    expect(r.summary).toContain('Not published: already published: version 1');
  });

  it('a new commit publishes version 2', async () => {
    ws.commit('orders_raw: add coupon_code', addCouponField);
    const r = await push();
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ version: '2', published: 'true', fields: '221' });
  });

  it('wrong credentials fail the step with a message that says what to check, and no secret', async () => {
    const r = await runAction({ bundle, workspace: ws.dir, eventName: 'push', event: pushEvent(git(ws.dir, ['rev-parse', 'HEAD'])), env: { ...env, AWS_SECRET_ACCESS_KEY: 'not-the-secret' } });
    expect(r.code).toBe(1);
    const failure = r.errors.filter((e) => e.properties.file === undefined).map((e) => e.message);
    expect(failure).toHaveLength(1);
    expect(failure[0]).toMatch(/s3:\/\/acme-catalog\/prod\/catalog\.db was refused .*check the credentials/);
    expect(r.stdout + r.stderr).not.toContain(rgw.secretAccessKey);
  });
});

describe('emit from a pipeline job to a shared folder', () => {
  it('records observations; each emit increments the version', async () => {
    const ws = makeWorkspace();
    const shared = tempDir('metafuse-shared-');
    const target = path.join(shared, 'prod', 'catalog.db');
    // The catalog exists once the specs are published there.
    const published = await runAction({ bundle, workspace: ws.dir, eventName: 'push', event: pushEvent(ws.base), inputs: { command: 'publish', target } });
    expect(published.code).toBe(0);
    expect(published.outputs).toMatchObject({ version: '1', published: 'true' });

    const arrow = path.join(ws.dir, 'orders_daily.arrow');
    writeFileSync(arrow, smallSchemaBytes('file'));
    const emit = (inputs: Record<string, string>) =>
      runAction({ bundle, workspace: ws.dir, eventName: 'workflow_dispatch', event: DISPATCH, inputs: { command: 'emit', target, ...inputs } });

    const first = await emit({ dataset: 'orders_daily', arrow: 'orders_daily.arrow', 'row-count': '182340', 'size-bytes': '48213904', upstream: 'orders_raw, partner/partner_orders' });
    expect(first.code).toBe(0);
    expect(first.errors).toEqual([]);
    expect(first.outputs).toEqual({ version: '2', published: 'true' });
    expect(first.summary).toContain(`Recorded **acme/orders_daily** in file://${target}: version 2.`);

    expect(first.warnings).toEqual([]);

    // An upstream the catalog does not know (a typo) is recorded, with a warning.
    const second = await emit({ dataset: 'scratch/ad_hoc_export', 'row-count': '7', 'run-id': 'nightly-2026-05-12', upstream: 'acme/orders_daly' });
    expect(second.code).toBe(0);
    expect(second.outputs).toEqual({ version: '3', published: 'true' });
    expect(second.summary).toContain('version 3 (observed only: no spec declares it)');
    expect(second.warnings.map((w) => w.message)).toEqual(['upstream "acme/orders_daly" is not in the catalog (a typo?): recorded, and linked once declared in a spec or emitted']);

    // A name that no spec could declare fails the step before anything is written.
    const bad = await emit({ dataset: 'ad hoc export', 'row-count': '1' });
    expect(bad.code).toBe(1);
    expect(bad.errors.map((e) => e.message)).toEqual(['input dataset "ad hoc export" is not a dataset name ("name" or "tenant/name")']);

    expect(existsSync(`${target}.meta.json`)).toBe(true);
    const db = new Database(target, { readonly: true });
    try {
      const rows = db.prepare('SELECT tenant, dataset, run_id, row_count, size_bytes, schema IS NOT NULL AS has_schema, upstream FROM observations ORDER BY id').all();
      expect(rows).toEqual([
        { tenant: 'acme', dataset: 'orders_daily', run_id: '9876543210', row_count: 182340, size_bytes: 48213904, has_schema: 1, upstream: '["orders_raw","partner/partner_orders"]' },
        { tenant: 'scratch', dataset: 'ad_hoc_export', run_id: 'nightly-2026-05-12', row_count: 7, size_bytes: null, has_schema: 0, upstream: '["acme/orders_daly"]' },
      ]);
      expect(db.prepare("SELECT value FROM catalog_meta WHERE key = 'version'").get()).toEqual({ value: '3' });
    } finally {
      db.close();
    }
  });

  it('a missing or corrupt Arrow file fails the step with one message naming the input', async () => {
    const ws = makeWorkspace();
    const target = path.join(tempDir('metafuse-shared-'), 'catalog.db');
    const emit = (arrow: string) => runAction({ bundle, workspace: ws.dir, eventName: 'workflow_dispatch', event: DISPATCH, inputs: { command: 'emit', target, dataset: 'orders_daily', arrow } });
    const missing = await emit('missing.arrow');
    expect(missing.code).toBe(1);
    expect(missing.errors.map((e) => e.message)).toEqual(['input arrow missing.arrow: cannot read (ENOENT)']);
    writeFileSync(path.join(ws.dir, 'corrupt.arrow'), 'ARROW1\u0000\u0000 not really');
    const corrupt = await emit('corrupt.arrow');
    expect(corrupt.code).toBe(1);
    expect(corrupt.errors).toHaveLength(1);
    expect(corrupt.errors[0]!.message).toMatch(/^input arrow corrupt\.arrow: /);
    expect(corrupt.errors[0]!.message).not.toContain('internal error');
    expect(existsSync(target)).toBe(false);
  });
});
