// A throwaway single-node Ceph cluster with radosgw on 127.0.0.1, for tests
// that need a real S3 server honouring conditional PUTs (If-Match /
// If-None-Match). See docs/testing.md.
//
// Layout: one monitor (v1 messenger only), one OSD on memstore (RAM), pool
// size 1, cephx on, radosgw with the beast frontend. Everything (conf,
// keyring, monmap, daemon data, logs, admin sockets) lives in one temp folder
// that stop() removes. Each start uses its own fsid, ports and folder, so
// several clusters can run on one machine at the same time.
//
// Needs the Debian packages ceph-mon, ceph-osd and radosgw (installed by
// scripts/install-test-deps.sh, which `npm test` runs first).
import { randomBytes, randomUUID } from 'node:crypto';
import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  acceptsTcp,
  answersHttp,
  freePorts,
  killChild,
  makeStateDir,
  reapStale,
  recordDaemonPids,
  run,
  spawnDaemon,
  tailLogs,
  waitFor,
} from './util.js';

export interface RadosgwServer {
  /** e.g. http://127.0.0.1:41234 — use with `forcePathStyle: true`. */
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Any region works for SigV4 against radosgw; this is what clients should use. */
  region: string;
  /** The temp folder holding state and logs (removed by stop()). */
  dir: string;
  /** How long the start took, per phase and in total (milliseconds). */
  timings: Record<string, number>;
  /** Kill every daemon and remove the temp folder. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartRadosgwOptions {
  /** Overall deadline for the start, default 90 s. */
  timeoutMs?: number;
  /** Keep the temp folder after stop() (for debugging). Also: METAFUSE_KEEP_RGW=1. */
  keepDir?: boolean;
}

const DIR_PREFIX = 'metafuse-rgw-';
const BINARIES = ['ceph-mon', 'ceph-osd', 'radosgw', 'radosgw-admin', 'monmaptool', 'ceph'];

/** True when the Ceph binaries the harness needs are installed. */
export function radosgwInstalled(): boolean {
  return BINARIES.every((b) => existsSync(`/usr/bin/${b}`));
}

/** A cephx secret in the keyring format (CryptoKey: type AES, created, 16 random bytes). */
function cephxKey(): string {
  const buf = Buffer.alloc(2 + 4 + 4 + 2 + 16);
  buf.writeUInt16LE(1, 0); // CEPH_CRYPTO_AES
  buf.writeUInt32LE(Math.floor(Date.now() / 1000), 2);
  buf.writeUInt32LE(0, 6);
  buf.writeUInt16LE(16, 10);
  randomBytes(16).copy(buf, 12);
  return buf.toString('base64');
}

function randomAlnum(n: number, alphabet: string): string {
  const bytes = randomBytes(n);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[bytes[i]! % alphabet.length];
  return s;
}

function cephConf(dir: string, fsid: string, monPort: number, rgwPort: number): string {
  return `[global]
fsid = ${fsid}
mon initial members = a
mon host = [v1:127.0.0.1:${monPort}]
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr2 = false
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = ${dir}/keyring
run dir = ${dir}/run
crash dir = ${dir}/crash
log file = ${dir}/log/$name.log
mon cluster log file = ${dir}/log/cluster.log
log to stderr = false
err to stderr = true
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
mon max pg per osd = 1000
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
# Every map change (pool create, application enable, OSD boot) waits for the
# next Paxos proposal, 1 s apart by default: that alone made the start ~12 s.
paxos propose interval = 0.05
paxos min wait = 0.01
# A client op sent before the OSD is up waits "homeless" until the objecter's
# next tick asks for a newer map: 5 s by default, which made 1 start in ~5
# take 6-7 s instead of ~2 s.
objecter tick interval = 0.5

[mon]
mon data = ${dir}/mon/$id
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid

[osd]
osd data = ${dir}/osd/$id
osd objectstore = memstore
memstore device bytes = 4294967296
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid

[client.rgw.gw]
rgw frontends = beast endpoint=127.0.0.1:${rgwPort}
rgw data = ${dir}/rgw
rgw dns name = 127.0.0.1
admin socket = ${dir}/run/$name.asok
pid file = ${dir}/run/$name.pid
`;
}

function keyring(): string {
  return `[mon.]
\tkey = ${cephxKey()}
\tcaps mon = "allow *"
[client.admin]
\tkey = ${cephxKey()}
\tcaps mds = "allow *"
\tcaps mgr = "allow *"
\tcaps mon = "allow *"
\tcaps osd = "allow *"
[osd.0]
\tkey = ${cephxKey()}
\tcaps mgr = "allow profile osd"
\tcaps mon = "allow profile osd"
\tcaps osd = "allow *"
[client.rgw.gw]
\tkey = ${cephxKey()}
\tcaps mon = "allow rw"
\tcaps osd = "allow rwx"
`;
}

async function startOnce(opts: StartRadosgwOptions): Promise<RadosgwServer> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (phase: string, since: number): void => {
    timings[phase] = Date.now() - since;
  };
  const timeoutMs = opts.timeoutMs ?? 90_000;
  const deadline = t0 + timeoutMs;
  const remaining = (): number => {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${timeoutMs / 1000} s`);
    return left;
  };

  const dir = makeStateDir(DIR_PREFIX);
  for (const sub of ['run', 'log', 'crash', 'mon', 'osd/0', 'rgw']) mkdirSync(join(dir, sub), { recursive: true });
  const logDir = join(dir, 'log');

  const [monPort, rgwPort] = (await freePorts(2)) as [number, number];
  const fsid = randomUUID();
  const osdUuid = randomUUID();
  const conf = join(dir, 'ceph.conf');
  writeFileSync(conf, cephConf(dir, fsid, monPort, rgwPort));
  writeFileSync(join(dir, 'keyring'), keyring(), { mode: 0o600 });

  const children: ChildProcess[] = [];
  // Aborted by stop(): kills one-shot commands (ceph, radosgw-admin) still running.
  const abort = new AbortController();
  const signal = abort.signal;
  const exited = new Map<string, string>();
  const stderrTail = new Map<string, string>();
  let stopped = false;

  const keep = opts.keepDir ?? process.env.METAFUSE_KEEP_RGW === '1';
  // If the process exits without stop() (a test forgot it, or failed before
  // afterAll), still kill the daemons and remove the folder.
  const killAllSync = (): void => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (!keep) rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  };
  process.once('exit', killAllSync);

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killAllSync);
    abort.abort();
    // radosgw first (it talks to the cluster), then the OSD, then the monitor.
    for (const c of [...children].reverse()) await killChild(c, 2_000);
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };

  const daemon = (name: string, cmd: string, args: string[]): ChildProcess => {
    const child = spawnDaemon(cmd, args, { cwd: dir });
    children.push(child);
    recordDaemonPids(dir, children.map((c) => c.pid));
    child.stderr?.on('data', (d: Buffer) => {
      const s = (stderrTail.get(name) ?? '') + d.toString();
      stderrTail.set(name, s.slice(-4_000));
    });
    child.stdout?.on('data', () => {});
    child.on('exit', (code, signal) => {
      if (!stopped) exited.set(name, `${name} exited with ${code ?? signal}`);
    });
    return child;
  };

  const diagnostics = (): string => {
    const err = [...stderrTail].map(([n, s]) => `--- ${n} stderr ---\n${s}`).join('\n');
    const kept = keep ? '' : ' (removed on failure; set METAFUSE_KEEP_RGW=1 to keep it)';
    return `state folder: ${dir}${kept}\n${err}\n${tailLogs(logDir)}`;
  };
  const failFast = (): string | undefined => (exited.size ? [...exited.values()].join('; ') : undefined);
  const ceph = (args: string[]): Promise<string> =>
    run('ceph', ['-c', conf, '--connect-timeout', String(Math.ceil(remaining() / 1000)), ...args], {
      timeoutMs: remaining(),
      cwd: dir,
      signal,
    });

  try {
    // 1. Monitor.
    let t = Date.now();
    await run(
      'monmaptool',
      ['--create', '--fsid', fsid, '--addv', 'a', `[v1:127.0.0.1:${monPort}]`, join(dir, 'monmap')],
      { cwd: dir, signal },
    );
    await run(
      'ceph-mon',
      ['-c', conf, '--mkfs', '-i', 'a', '--monmap', join(dir, 'monmap'), '--keyring', join(dir, 'keyring')],
      { cwd: dir, signal },
    );
    daemon('mon.a', 'ceph-mon', ['-f', '-c', conf, '-i', 'a']);
    // A client that finds the monitor not yet listening retries only after
    // `mon client hunt interval` (3 s): wait for the port first.
    await waitFor('ceph-mon', () => acceptsTcp(monPort), {
      timeoutMs: remaining(),
      intervalMs: 20,
      failFast,
      onTimeout: diagnostics,
    });
    mark('mon', t);

    // 2. OSD: register it with the monitor while its memstore is created.
    t = Date.now();
    const [osdId] = await Promise.all([
      ceph(['osd', 'new', osdUuid, '0']),
      run('ceph-osd', ['-c', conf, '-i', '0', '--mkfs', '--osd-uuid', osdUuid], {
        cwd: dir,
        timeoutMs: remaining(),
        signal,
      }),
    ]);
    if (osdId.trim() !== '0') throw new Error(`expected osd id 0, got ${JSON.stringify(osdId)}`);
    daemon('osd.0', 'ceph-osd', ['-f', '-c', conf, '-i', '0']);
    mark('osd', t);

    // 3. radosgw. It creates its pools on start and blocks until the OSD is
    //    up and the placement groups are active, then opens the HTTP port.
    t = Date.now();
    daemon('rgw', 'radosgw', ['-f', '-c', conf, '-n', 'client.rgw.gw']);
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    // Anonymous GET / is ListAllMyBuckets: checking the body makes sure it is
    // our radosgw answering and not whoever might have grabbed the port.
    await waitFor('radosgw', () => answersHttp(endpoint + '/', 'ListAllMyBucketsResult'), {
      timeoutMs: remaining(),
      intervalMs: 200,
      failFast,
      onTimeout: diagnostics,
    });
    mark('rgw', t);

    // 4. An S3 user with known keys.
    t = Date.now();
    const accessKeyId = randomAlnum(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
    const secretAccessKey = randomAlnum(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
    await run(
      'radosgw-admin',
      [
        '-c', conf, '-n', 'client.admin',
        'user', 'create', '--uid', 'test', '--display-name', 'test',
        '--access-key', accessKeyId, '--secret-key', secretAccessKey,
      ],
      { cwd: dir, timeoutMs: remaining(), signal },
    );
    mark('user', t);
    timings.total = Date.now() - t0;

    return { endpoint, accessKeyId, secretAccessKey, region: 'us-east-1', dir, timings, stop };
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const wrapped = new Error(
      `startRadosgw failed after ${((Date.now() - t0) / 1000).toFixed(1)} s: ${msg}` +
        (msg.includes('state folder:') ? '' : `\n${diagnostics()}`),
    );
    await stop();
    throw wrapped;
  }
}

/**
 * Start a single-node Ceph cluster with radosgw on free loopback ports and
 * create an S3 user. Takes about 2 s (up to ~4 s with several starting at
 * once on 2 cores). Call stop() when done (in afterAll).
 */
export async function startRadosgw(opts: StartRadosgwOptions = {}): Promise<RadosgwServer> {
  if (!radosgwInstalled()) {
    throw new Error(
      `startRadosgw: Ceph is not installed (need ${BINARIES.join(', ')}); run scripts/install-test-deps.sh`,
    );
  }
  reapStale(DIR_PREFIX);
  // A free port can be taken by someone else between probing and binding;
  // retry the whole start once in that case.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      if (attempt < 2 && /Address already in use|EADDRINUSE|bind.*failed|unable to bind/i.test(msg)) continue;
      throw e;
    }
  }
}
