// publish ordering and storage errors, on real servers.
//
// Ordering: a publish never replaces a catalog built from a newer commit
// ("not replaced", exit 0); the same specs and commit again is "unchanged";
// git ancestry decides when both commits are in the local repository, the
// commit times otherwise (a catalog file published with --catalog, or a clone
// that lacks the remote's commit).
//
// Errors: wrong S3 credentials, no credentials, a missing bucket or container,
// and credentials inside a URL give exit 1 and a message that names what to
// fix and never prints a secret. These run as child processes so that
// everything the process prints is checked.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { openStoreTarget } from '../../src/store/open.js';
import { META } from '../../src/store/types.js';
import { radosgwInstalled } from '../servers/radosgw.js';
import {
  azureBackend,
  catalogFacts,
  childEnv,
  cli,
  cliSnapshot,
  fileBackend,
  gcsBackend,
  jsonLine,
  removeTempDirs,
  runCli,
  s3Backend,
  tempDir,
  writeSpecs,
  type Backend,
  type BackendName,
} from './support.js';

const HAVE_RGW = radosgwInstalled();
const ORDER_NAMES: BackendName[] = HAVE_RGW ? ['file', 's3'] : ['file'];
const backends = new Map<BackendName, Backend>();

beforeAll(async () => {
  cliSnapshot();
  const started = await Promise.all([fileBackend(), ...(HAVE_RGW ? [s3Backend('publish')] : []), gcsBackend('publish'), azureBackend('publish')]);
  for (const b of started) {
    backends.set(b.name, b);
    for (const [k, v] of Object.entries(b.env)) vi.stubEnv(k, v);
  }
}, 120_000);

afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([...backends.values()].map((b) => b.stop()));
  removeTempDirs();
});

function git(cwd: string, args: string[], date?: string): string {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.com', ...(date ? { GIT_AUTHOR_DATE: date, GIT_COMMITTER_DATE: date } : {}) };
  delete env.GIT_DIR;
  return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** Writes specs with `salt` into the repository and commits them at `date`; returns the commit. */
function commit(repo: string, salt: string, date: string): string {
  writeSpecs(path.join(repo, 'specs'), salt);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '-m', salt], date);
  return git(repo, ['rev-parse', 'HEAD']);
}

function newRepo(): string {
  const repo = path.join(tempDir('metafuse-git-'), 'repo');
  mkdirSync(repo);
  git(repo, ['init', '-q', '-b', 'main']);
  return repo;
}

/** The publish environment: no GITHUB_SHA / GIT_DIR from outside, a private cache. */
const publishEnv = (): Record<string, string | undefined> => ({ METAFUSE_CACHE_DIR: tempDir('metafuse-cache-'), GITHUB_SHA: undefined, GIT_DIR: undefined, SOURCE_DATE_EPOCH: undefined });

async function remoteCommit(url: string): Promise<{ version: number; commit: string | null }> {
  const t = await openStoreTarget(url);
  const got = await t.store.get(t.key);
  if (got.status !== 'ok') throw new Error('no remote catalog');
  const facts = catalogFacts(got.body);
  expect(got.info.metadata[META.commit]).toBe(facts.sourceCommit ?? '');
  return { version: facts.version, commit: facts.sourceCommit };
}

describe.each(ORDER_NAMES)('%s: out-of-order publish', (name) => {
  test('git repository: newer then older commit → "not replaced" (exit 0); the same commit again → "unchanged"; ancestry beats the clock', async () => {
    const b = backends.get(name)!;
    const url = b.url('order/git/catalog.db');
    const env = publishEnv();
    const repo = newRepo();
    const c1 = commit(repo, 'first', '2026-01-01T00:00:00Z');
    const c2 = commit(repo, 'second', '2026-02-01T00:00:00Z');
    const specs = path.join(repo, 'specs');
    const publish = () => runCli(['publish', '--specs', specs, '--to', url], env);

    git(repo, ['checkout', '-q', c2]);
    const newer = await publish();
    expect(newer.code, newer.stderr).toBe(0);
    expect(jsonLine(newer.stdout)).toMatchObject({ status: 'written', version: 1 });

    git(repo, ['checkout', '-q', c1]);
    const older = await publish();
    expect(older.code, older.stderr).toBe(0);
    expect(jsonLine(older.stdout)).toMatchObject({ status: 'stale', version: 1 });
    expect(older.stderr).toMatch(new RegExp(`not published: not replaced: version 1 was built from commit ${c2.slice(0, 12)} .*newer than ${c1.slice(0, 12)}`));
    expect(await remoteCommit(url)).toEqual({ version: 1, commit: c2 });

    git(repo, ['checkout', '-q', c2]);
    const again = await publish();
    expect(again.code, again.stderr).toBe(0);
    expect(jsonLine(again.stdout)).toMatchObject({ status: 'unchanged', version: 1 });
    expect(again.stderr).toMatch(/^unchanged: already published: version 1/m);
    expect(await remoteCommit(url)).toEqual({ version: 1, commit: c2 });

    // c3 follows c2 but its clock is behind (committed with an older date): ancestry decides.
    git(repo, ['checkout', '-q', 'main']);
    const c3 = commit(repo, 'third', '2025-12-01T00:00:00Z');
    const third = await publish();
    expect(jsonLine(third.stdout)).toMatchObject({ status: 'written', version: 2 });
    git(repo, ['checkout', '-q', c2]);
    const back = await publish();
    expect(back.code, back.stderr).toBe(0);
    expect(jsonLine(back.stdout)).toMatchObject({ status: 'stale', version: 2 });
    expect(await remoteCommit(url)).toEqual({ version: 2, commit: c3 });
  });

  test('catalog files (no git to ask): the commit time decides', async () => {
    const b = backends.get(name)!;
    const repo = newRepo();
    commit(repo, 'old', '2026-01-01T00:00:00Z');
    const oldDb = path.join(tempDir(), 'old.db');
    expect((await runCli(['build', '--specs', path.join(repo, 'specs'), '--out', oldDb], publishEnv())).code).toBe(0);
    const c2 = commit(repo, 'new', '2026-03-01T00:00:00Z');
    const newDb = path.join(tempDir(), 'new.db');
    expect((await runCli(['build', '--specs', path.join(repo, 'specs'), '--out', newDb], publishEnv())).code).toBe(0);

    // Newer first: the older file is refused.
    const url = b.url('order/files/catalog.db');
    const env = publishEnv();
    expect(jsonLine((await runCli(['publish', '--catalog', newDb, '--to', url], env)).stdout)).toMatchObject({ status: 'written', version: 1 });
    const older = await runCli(['publish', '--catalog', oldDb, '--to', url], env);
    expect(older.code, older.stderr).toBe(0);
    expect(jsonLine(older.stdout)).toMatchObject({ status: 'stale', version: 1 });
    expect(older.stderr).toMatch(/not replaced: .*\(2026-03-01T00:00:00Z\), newer than .*\(2026-01-01T00:00:00Z\)/);
    expect(await remoteCommit(url)).toEqual({ version: 1, commit: c2 });
    expect(jsonLine((await runCli(['publish', '--catalog', newDb, '--to', url], env)).stdout)).toMatchObject({ status: 'unchanged', version: 1 });

    // Older first: the newer one replaces it.
    const url2 = b.url('order/files2/catalog.db');
    expect(jsonLine((await runCli(['publish', '--catalog', oldDb, '--to', url2], env)).stdout)).toMatchObject({ status: 'written', version: 1 });
    expect(jsonLine((await runCli(['publish', '--catalog', newDb, '--to', url2], env)).stdout)).toMatchObject({ status: 'written', version: 2 });
    expect(await remoteCommit(url2)).toEqual({ version: 2, commit: c2 });
  });

  test("a clone that lacks the remote's commit falls back to the commit times", async () => {
    const b = backends.get(name)!;
    const url = b.url('order/clone/catalog.db');
    const env = publishEnv();
    const first = newRepo();
    const remote = commit(first, 'published elsewhere', '2026-06-01T00:00:00Z');
    expect(jsonLine((await runCli(['publish', '--specs', path.join(first, 'specs'), '--to', url], env)).stdout)).toMatchObject({ status: 'written', version: 1 });

    const other = newRepo(); // unrelated history: git cannot order the two commits
    commit(other, 'older unrelated', '2026-05-01T00:00:00Z');
    const older = await runCli(['publish', '--specs', path.join(other, 'specs'), '--to', url], env);
    expect(jsonLine(older.stdout)).toMatchObject({ status: 'stale', version: 1 });
    expect(await remoteCommit(url)).toEqual({ version: 1, commit: remote });

    const newer = commit(other, 'newer unrelated', '2026-07-01T00:00:00Z');
    expect(jsonLine((await runCli(['publish', '--specs', path.join(other, 'specs'), '--to', url], env)).stdout)).toMatchObject({ status: 'written', version: 2 });
    expect(await remoteCommit(url)).toEqual({ version: 2, commit: newer });
  });
});

describe('errors', () => {
  const SECRET_MARK = 'NeverPrintThisSecret';

  /** Runs the CLI as a child; checks that nothing it printed holds a secret. */
  async function run(args: string[], env: NodeJS.ProcessEnv, secrets: string[]): Promise<{ code: number | null; stderr: string }> {
    const r = await cli(args, env);
    for (const s of secrets) {
      expect(r.stderr).not.toContain(s);
      expect(r.stdout).not.toContain(s);
    }
    expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    return { code: r.code, stderr: r.stderr };
  }

  test.runIf(HAVE_RGW)('wrong S3 credentials: exit 1, the credential variables named, no secret printed', async () => {
    const b = backends.get('s3')! as Backend & { rgw: { secretAccessKey: string; accessKeyId: string } };
    const specs = writeSpecs(path.join(tempDir(), 'specs'), 'creds');
    const url = b.url('errors/catalog.db');
    const wrongSecret = `${SECRET_MARK}${'x'.repeat(20)}`;
    const secrets = [wrongSecret, b.rgw.secretAccessKey];
    const cases: Array<[string, Record<string, string>]> = [
      ['wrong secret', { AWS_SECRET_ACCESS_KEY: wrongSecret }],
      ['unknown access key', { AWS_ACCESS_KEY_ID: 'AKIANOSUCHKEY0000000', AWS_SECRET_ACCESS_KEY: wrongSecret }],
    ];
    for (const [what, override] of cases) {
      const env = childEnv({ ...b.env, ...override, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
      for (const args of [
        ['publish', '--specs', specs, '--to', url],
        ['pull', '--from', url],
        ['emit', '--to', url, '--dataset', 'x', '--row-count', '1'],
        ['show', 'orders_daily', '--catalog', url],
      ]) {
        const r = await run(args, env, secrets);
        expect(r.code, `${what}: ${args[0]}`).toBe(1);
        expect(r.stderr, `${what}: ${args[0]}`).toMatch(/was refused \((SignatureDoesNotMatch|InvalidAccessKeyId|AccessDenied|403)\): check the credentials \(AWS_PROFILE, AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY, the role\)/);
      }
    }
  }, 60_000);

  test.runIf(HAVE_RGW)('no S3 credentials at all: exit 1, says which variables to set', async () => {
    const b = backends.get('s3')!;
    const home = tempDir('metafuse-home-'); // no ~/.aws here
    const env = childEnv({ AWS_ENDPOINT_URL_S3: b.env.AWS_ENDPOINT_URL_S3, AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true', HOME: home, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
    const r = await run(['pull', '--from', b.url('errors/catalog.db')], env, []);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no AWS credentials found for s3:\/\/publish: set AWS_PROFILE or AWS_ACCESS_KEY_ID\/AWS_SECRET_ACCESS_KEY/);
  });

  test('a missing bucket or container: exit 1 with a clear message (pull, publish)', async () => {
    const specs = writeSpecs(path.join(tempDir(), 'specs'), 'missing');
    const cases: Array<[BackendName, string, RegExp]> = [
      ...(HAVE_RGW ? ([['s3', 's3://no-such-bucket/catalog.db', /bucket "no-such-bucket" does not exist/]] as Array<[BackendName, string, RegExp]>) : []),
      ['gcs', 'gs://no-such-bucket/catalog.db', /bucket "no-such-bucket" does not exist/],
      ['azure', 'az://no-such-container/catalog.db', /container "no-such-container" does not exist/],
    ];
    for (const [name, url, message] of cases) {
      const b = backends.get(name)!;
      const env = childEnv({ ...b.env, METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
      const secrets = Object.entries(b.env).filter(([k]) => /SECRET|CONNECTION_STRING/.test(k)).map(([, v]) => v);
      if (name === 'azure') secrets.push(b.env.AZURE_STORAGE_CONNECTION_STRING!.match(/AccountKey=([^;]+)/)![1]!);
      for (const args of [['pull', '--from', url], ['publish', '--specs', specs, '--to', url]]) {
        const r = await run(args, env, secrets);
        expect(r.code, `${name} ${args[0]}: ${r.stderr}`).toBe(1);
        expect(r.stderr, `${name} ${args[0]}`).toMatch(message);
      }
    }
  }, 60_000);

  test('emit: a name no spec could declare is a usage error before the store is read; an unknown upstream is recorded with a warning', async () => {
    const env = childEnv({ METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
    const url = backends.get('file')!.url('emit-names/catalog.db');
    const specs = writeSpecs(path.join(tempDir(), 'specs'), 'emit-names');
    expect((await run(['publish', '--specs', specs, '--to', url], env, [])).code).toBe(0);
    for (const [args, message] of [
      [['--dataset', 'orders daily'], '--dataset "orders daily" is not a dataset name ("name" or "tenant/name")'],
      [['--dataset', 'orders_daily', '--upstream', 'orders_raw,a b,/x'], '--upstream "a b", "/x" are not dataset names ("name" or "tenant/name")'],
    ] as const) {
      const r = await run(['emit', '--to', url, ...args], env, []);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`metafuse emit: ${message}\n`);
    }
    expect((await catalogFacts(url)).version).toBe(1);
    // Upstreams are resolved in the dataset's tenant (acme): orders_raw is declared, ad_hoc_export emitted below.
    const first = await run(['emit', '--to', url, '--dataset', 'ad_hoc_export', '--row-count', '1'], env, []);
    expect(first.code).toBe(0);
    expect(first.stderr).not.toContain('warning');
    const r = await run(['emit', '--to', url, '--dataset', 'orders_daily', '--upstream', 'orders_raw,ad_hoc_export,ordres_raw,other/orders_raw'], env, []);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('warning: upstream "ordres_raw", "other/orders_raw" are not in the catalog (a typo?): recorded, and linked once declared in a spec or emitted\n');
    expect((await catalogFacts(url)).version).toBe(3);
  });

  test('a URL with credentials in it is refused without echoing them', async () => {
    const env = childEnv({ METAFUSE_CACHE_DIR: tempDir('metafuse-cache-') });
    const urls = [
      `s3://AKIAEXAMPLE:${SECRET_MARK}1@bucket/catalog.db`,
      `s3://AKIAEXAMPLE:${SECRET_MARK}2@bucket/folder/`,
      `gs://user:${SECRET_MARK}3@bucket/catalog.db`,
      `az://account:${SECRET_MARK}4@container/catalog.db`,
      `file://user:${SECRET_MARK}5@host/tmp/catalog.db`,
      `https://user:${SECRET_MARK}6@example.com/catalog.db`,
    ];
    for (const url of urls) {
      const r = await run(['pull', '--from', url], env, [SECRET_MARK]);
      expect(r.code, url).toBe(1);
      expect(r.stderr, url).toMatch(/URLs must not hold credentials; use the SDK's standard credential chain/);
    }
    // A query string (a presigned URL's signature) is not echoed either.
    const signed = await run(['pull', '--from', `s3://bucket/catalog.db?X-Amz-Signature=${SECRET_MARK}7`], env, [SECRET_MARK]);
    expect(signed.code).toBe(1);
    expect(signed.stderr).toMatch(/unsupported store URL "s3:\/\/bucket\/catalog\.db\?…"/);
  }, 60_000);
});
