// Shared helpers for the storage tests: the four backends (local folder, S3 on
// radosgw, GCS on the test double, Azure on Azurite) behind one interface,
// spawning the compiled CLI and writer scripts as child processes, small spec
// trees, and checks of a downloaded catalog (sha256, integrity, version).
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { BlobServiceClient } from '@azure/storage-blob';
import { openCatalog } from '../../src/catalog/open.js';
import { bufferIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { ensureCompiledCli, REPO } from '../catalog/support.js';
import { startAzurite, type AzuriteServer } from '../servers/azurite.js';
import { startGcsDouble, type GcsDouble } from '../servers/gcs.js';
import { radosgwInstalled, startRadosgw, type RadosgwServer } from '../servers/radosgw.js';

export { REPO };

/**
 * The compiled CLI the child processes run: a private copy of lib/ taken once
 * per test file (after compiling src/ when it is newer). Other test runs on the
 * same checkout may recompile lib/ while these long tests run; a copy keeps
 * the children from loading a half-written lib/.
 */
export interface CliSnapshot {
  /** bin/metafuse.js of the copy. */
  bin: string;
  /** lib/ of the copy (the writer scripts import from it). */
  lib: string;
}

let snapshot: CliSnapshot | undefined;

export function cliSnapshot(): CliSnapshot {
  if (snapshot) return snapshot;
  ensureCompiledCli();
  for (let attempt = 1; ; attempt++) {
    const root = tempDir('metafuse-cli-');
    cpSync(path.join(REPO, 'lib'), path.join(root, 'lib'), { recursive: true });
    mkdirSync(path.join(root, 'bin'));
    cpSync(path.join(REPO, 'bin', 'metafuse.js'), path.join(root, 'bin', 'metafuse.js'));
    cpSync(path.join(REPO, 'package.json'), path.join(root, 'package.json'));
    for (const d of ['node_modules', 'schemas', 'templates']) symlinkSync(path.join(REPO, d), path.join(root, d));
    const bin = path.join(root, 'bin', 'metafuse.js');
    try {
      // Every module of the CLI loads (a copy taken during someone's compile would not).
      execFileSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(path.join(root, 'lib', 'cli', 'main.js'))}); await import(${JSON.stringify(path.join(root, 'lib', 'store', 'publish.js'))});`], { stdio: 'pipe' });
      snapshot = { bin, lib: path.join(root, 'lib') };
      return snapshot;
    } catch (e) {
      if (attempt >= 5) throw new Error(`the compiled CLI in lib/ does not load: ${String((e as { stderr?: Buffer }).stderr ?? e)}`);
      execFileSync('sleep', ['2']);
    }
  }
}

// In this process too: the AWS SDK's warning that its 2027 releases need Node 22 is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export type BackendName = 'file' | 's3' | 'gcs' | 'azure';

/** Every backend that can run here: S3 needs radosgw (the test command installs it; without it S3 cases are left out). */
export function allBackends(): BackendName[] {
  return radosgwInstalled() ? ['file', 's3', 'gcs', 'azure'] : ['file', 'gcs', 'azure'];
}

/** One storage backend as the tests see it. */
export interface Backend {
  name: BackendName;
  /** Environment a process needs to reach the backend (endpoint, credentials). */
  env: Record<string, string>;
  /** The store URL of `key` (a path for the local folder). */
  url(key: string): string;
  /** The bucket / container / folder. */
  bucket: string;
  stop(): Promise<void>;
}

/** Variables of the cloud SDKs' credential chains: removed from child environments so that nothing outside the test leaks in. */
const CLOUD_VARS = /^(AWS_|AZURE_|GOOGLE_|GCLOUD_|CLOUDSDK_|STORAGE_EMULATOR_HOST$|METAFUSE_)/;

const dirs: string[] = [];

/** A fresh temp folder, removed by removeTempDirs(). */
export function tempDir(prefix = 'metafuse-store-'): string {
  const d = mkdtempSync(path.join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export async function fileBackend(): Promise<Backend> {
  const root = tempDir('metafuse-filestore-');
  return { name: 'file', env: {}, bucket: root, url: (key) => path.join(root, ...key.split('/')), stop: async () => undefined };
}

export async function s3Backend(bucket = 'metafuse-test', existing?: RadosgwServer): Promise<Backend & { rgw: RadosgwServer; client: S3Client }> {
  const rgw = existing ?? (await startRadosgw());
  const client = new S3Client({
    endpoint: rgw.endpoint,
    region: rgw.region,
    forcePathStyle: true,
    credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    name: 's3',
    rgw,
    client,
    bucket,
    env: { AWS_ENDPOINT_URL_S3: rgw.endpoint, AWS_ACCESS_KEY_ID: rgw.accessKeyId, AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey, AWS_REGION: rgw.region },
    url: (key) => `s3://${bucket}/${key}`,
    stop: async () => {
      client.destroy();
      if (!existing) await rgw.stop();
    },
  };
}

export async function gcsBackend(bucket = 'metafuse-test'): Promise<Backend & { gcs: GcsDouble }> {
  const gcs = await startGcsDouble({ buckets: [bucket] });
  return { name: 'gcs', gcs, bucket, env: { STORAGE_EMULATOR_HOST: gcs.endpoint }, url: (key) => `gs://${bucket}/${key}`, stop: () => gcs.stop() };
}

export async function azureBackend(container = 'metafuse-test'): Promise<Backend & { azurite: AzuriteServer; blobs: BlobServiceClient }> {
  const azurite = await startAzurite();
  const blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  await blobs.getContainerClient(container).create();
  return {
    name: 'azure',
    azurite,
    blobs,
    bucket: container,
    env: { AZURE_STORAGE_CONNECTION_STRING: azurite.connectionString },
    url: (key) => `az://${container}/${key}`,
    stop: () => azurite.stop(),
  };
}

export const STARTERS: Record<BackendName, () => Promise<Backend>> = { file: fileBackend, s3: () => s3Backend(), gcs: () => gcsBackend(), azure: () => azureBackend() };

let childTmp: string | undefined;

/**
 * process.env without cloud credentials or MetaFuse settings, plus `extra`.
 * TMPDIR is a folder of this test file: the temp folders of killed processes end up there and go with it.
 */
export function childEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!CLOUD_VARS.test(k) && v !== undefined) env[k] = v;
  if (!childTmp || !existsSync(childTmp)) childTmp = tempDir('metafuse-child-tmp-');
  env.TMPDIR = childTmp;
  env.NO_COLOR = '1';
  // The AWS SDK warns on stderr that its 2027 releases need Node 22; keep stderr to MetaFuse's own messages.
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

export interface ProcResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface Spawned {
  pid: number;
  done: Promise<ProcResult>;
  kill(signal?: NodeJS.Signals): void;
}

/** Starts `node args…` asynchronously (the GCS double lives in this process: never block the event loop). */
export function spawnNode(args: string[], env: NodeJS.ProcessEnv, cwd = REPO): Spawned {
  const t0 = Date.now();
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ProcResult>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 }));
  });
  return { pid: child.pid!, done, kill: (signal = 'SIGKILL') => void child.kill(signal) };
}

/** Runs the compiled CLI (bin/metafuse.js of the snapshot) as a child process. */
export function cli(args: string[], env: NodeJS.ProcessEnv, cwd = REPO): Promise<ProcResult> {
  return spawnNode([cliSnapshot().bin, ...args], env, cwd).done;
}

/**
 * Runs `metafuse argv…` in this process (much cheaper than a child process) with
 * `env` set for the duration of the call. For the tests that do not need a
 * separate process: those that kill, race or count processes spawn them.
 */
export async function runCli(argv: string[], env: Record<string, string | undefined> = {}): Promise<ProcResult> {
  const saved = Object.keys(env).map((k) => [k, process.env[k]] as const);
  const set = (k: string, v: string | undefined): void => {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  for (const [k, v] of Object.entries(env)) set(k, v);
  const t0 = Date.now();
  try {
    const io = bufferIo();
    const code = await main(argv, io);
    return { code, signal: null, stdout: io.stdout(), stderr: io.stderr(), ms: Date.now() - t0 };
  } finally {
    for (const [k, v] of saved) set(k, v);
  }
}

export function sha256(b: Buffer | string): string {
  return createHash('sha256').update(b).digest('hex');
}

/** A dataset spec; `salt` changes its description (and so the spec hash). */
export function datasetYaml(name: string, salt = '', upstream: string[] = []): string {
  return [
    'apiVersion: metafuse/v1',
    'kind: Dataset',
    `name: ${name}`,
    'owner: data-team@example.com',
    `description: Dataset ${name} for the storage tests${salt ? ` (${salt})` : ''}.`,
    `upstream: [${upstream.join(', ')}]`,
    'fields:',
    '  - name: id',
    '    type: int64',
    '    description: Identifier.',
    '  - name: amount',
    '    type: decimal(12,2)',
    '  - name: created_at',
    '    type: timestamptz',
    '',
  ].join('\n');
}

/** Writes a small spec tree into `dir` (replacing what is there); returns dir. */
export function writeSpecs(dir: string, salt = ''): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'datasets'), { recursive: true });
  writeFileSync(path.join(dir, 'metafuse.yaml'), 'apiVersion: metafuse/v1\nkind: Catalog\nname: storetest\ndefaults:\n  tenant: acme\n');
  writeFileSync(path.join(dir, 'datasets', 'orders_raw.yaml'), datasetYaml('orders_raw', salt));
  writeFileSync(path.join(dir, 'datasets', 'orders_daily.yaml'), datasetYaml('orders_daily', salt, ['orders_raw']));
  return dir;
}

export interface CatalogFacts {
  version: number;
  specHash: string | null;
  sourceCommit: string | null;
  integrity: string;
  observations: Array<{ uid: string; dataset: string; run_id: string | null; row_count: number | null }>;
}

/** Opens catalog bytes as a MetaFuse catalog (throws if it is not one) and reads what the tests check. */
export function catalogFacts(body: Buffer | string): CatalogFacts {
  let file: string;
  let dir: string | undefined;
  if (typeof body === 'string') file = body;
  else {
    dir = mkdtempSync(path.join(tmpdir(), 'metafuse-facts-'));
    file = path.join(dir, 'c.db');
    writeFileSync(file, body);
  }
  try {
    const cat = openCatalog(file);
    try {
      const integrity = cat.db.prepare('PRAGMA integrity_check').all<{ integrity_check: string }>().map((r) => r.integrity_check).join('; ');
      const observations = cat.db
        .prepare('SELECT uid, dataset, run_id, row_count FROM observations ORDER BY id')
        .all<{ uid: string; dataset: string; run_id: string | null; row_count: number | null }>();
      return { version: cat.meta.version, specHash: cat.meta.specHash, sourceCommit: cat.meta.sourceCommit, integrity, observations };
    } finally {
      cat.close();
    }
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

/** The last JSON line a command printed on stdout. */
export function jsonLine<T = Record<string, unknown>>(stdout: string): T {
  const lines = stdout.trim().split('\n').filter((l) => l.startsWith('{'));
  if (!lines.length) throw new Error(`no JSON line in stdout: ${JSON.stringify(stdout)}`);
  return JSON.parse(lines[lines.length - 1]!) as T;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
