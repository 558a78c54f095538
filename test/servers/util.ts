// Shared helpers for the loopback object-storage servers used by tests.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../../src/files/owned-temp.js';

/**
 * Ask the kernel for a free TCP port on 127.0.0.1. The port is released
 * before it is returned, so another process could grab it in between; the
 * callers retry a start that fails to bind.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      if (addr === null || typeof addr === 'string') {
        srv.close();
        reject(new Error('could not get a free port'));
        return;
      }
      const port = addr.port;
      srv.close(() => resolve(port));
    });
  });
}

/** Several distinct free ports. */
export async function freePorts(n: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const hasSetpriv = existsSync('/usr/bin/setpriv');

/**
 * `[file, args]` that run `cmd` under `setpriv --pdeathsig SIGKILL` (util-linux,
 * which execs in place, so the pid is the command's) when available: the
 * command then dies with the Node process even when that process is killed
 * without running its exit handlers.
 */
function dieWithParent(cmd: string, args: string[]): [string, string[]] {
  return hasSetpriv ? ['/usr/bin/setpriv', ['--pdeathsig', 'SIGKILL', '--', cmd, ...args]] : [cmd, args];
}

/** Spawn a long-running daemon (stdout/stderr piped) that dies with this process. */
export function spawnDaemon(cmd: string, args: string[], opts: SpawnOptions): ChildProcess {
  const [file, argv] = dieWithParent(cmd, args);
  return spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
}

/** Run a command to completion; reject with its output on failure. */
export function run(
  cmd: string,
  args: string[],
  opts: SpawnOptions & { timeoutMs?: number; input?: string } = {},
): Promise<string> {
  const { timeoutMs = 60_000, input, ...spawnOpts } = opts;
  return new Promise((resolve, reject) => {
    // `signal` (if given) kills the command when the caller gives up.
    const [file, argv] = dieWithParent(cmd, args);
    const child = spawn(file, argv, { stdio: ['pipe', 'pipe', 'pipe'], killSignal: 'SIGKILL', ...spawnOpts });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms\n${err.slice(-3_000)}${out.slice(-3_000)}`));
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else
        reject(
          new Error(
            `${cmd} ${args.join(' ')} exited with ${code ?? signal}\n` +
              `--- stderr ---\n${err.slice(-3_000)}--- stdout ---\n${out.slice(-3_000)}`,
          ),
        );
    });
    child.stdin?.end(input ?? '');
  });
}

/** Kill a child: SIGTERM, then SIGKILL after `graceMs`. Resolves once it has exited. */
export function killChild(child: ChildProcess, graceMs = 3_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    child.once('exit', done);
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.kill('SIGTERM');
  });
}

/** Last `lines` lines of every *.log file in `dir` (for error messages). */
export function tailLogs(dir: string, lines = 30): string {
  if (!existsSync(dir)) return '(no log folder)';
  const parts: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name);
    if (!statSync(file).isFile()) continue;
    let text = readFileSync(file, 'utf8');
    // Ceph appends a dump of its in-memory debug log on a crash; the cause is
    // just before it.
    const dump = text.indexOf('--- begin dump of recent events ---');
    if (dump >= 0) text = text.slice(0, dump);
    const tail = text.split('\n').slice(-lines - 1).join('\n');
    parts.push(`--- ${name} (last ${lines} lines) ---\n${tail}`);
  }
  return parts.join('\n') || '(no logs)';
}

/** Poll `probe` until it returns true or `timeoutMs` passes. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; failFast?: () => string | undefined; onTimeout?: () => string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const fatal = opts.failFast?.();
    if (fatal) throw new Error(`${what}: ${fatal}${opts.onTimeout ? `\n${opts.onTimeout()}` : ''}`);
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(
        `${what}: not ready after ${opts.timeoutMs / 1000} s${opts.onTimeout ? `\n${opts.onTimeout()}` : ''}`,
      );
    }
    await sleep(opts.intervalMs ?? 250);
  }
}

/**
 * True when something answers HTTP at `url` (any status code) and, if
 * `bodyIncludes` is given, its body contains that text.
 */
export async function answersHttp(url: string, bodyIncludes?: string): Promise<boolean> {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), 2_000);
  try {
    const res = await fetch(url, { signal: ctl.signal });
    const body = await res.text();
    return bodyIncludes === undefined || body.includes(bodyIncludes);
  } catch {
    return false;
  } finally {
    clearTimeout(t);
  }
}


/** True when something accepts TCP connections on 127.0.0.1:port. */
export function acceptsTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(1_000, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/**
 * A fresh temp folder `<tmpdir>/<prefix>XXXXXX` that records its owner
 * (owner.pid), so that reapStale() can clean up after a process that died.
 */
export function makeStateDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, 'owner.pid'), String(process.pid));
  return dir;
}

/** Record the pids of a state folder's daemons, for reapStale(). */
export function recordDaemonPids(dir: string, pids: (number | undefined)[]): void {
  writeFileSync(join(dir, 'daemons.pid'), pids.filter((p) => p !== undefined).join('\n') + '\n');
}

/**
 * Kill the daemons and remove the folders left behind by harness processes
 * that died without cleaning up (e.g. a test worker killed by vitest). The
 * setpriv pdeathsig wrapper normally kills the daemons already; this mostly
 * removes folders. Only folders whose owner process is gone are touched, and
 * only processes whose command line names the folder, or that run in it, are
 * killed.
 */
export function reapStale(prefix: string): void {
  const base = tmpdir();
  let names: string[];
  try {
    names = readdirSync(base).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const name of names) {
    const dir = join(base, name);
    try {
      const owner = Number(readFileSync(join(dir, 'owner.pid'), 'utf8'));
      if (!Number.isInteger(owner) || owner <= 0 || processAlive(owner)) continue;
      const pidsFile = join(dir, 'daemons.pid');
      const pids = existsSync(pidsFile)
        ? readFileSync(pidsFile, 'utf8').split('\n').filter(Boolean).map(Number)
        : [];
      for (const pid of pids) {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (cmdline.includes(dir) || readlinkSync(`/proc/${pid}/cwd`) === dir) process.kill(pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    } catch {
      /* no owner.pid yet (being created right now), or not ours */
    }
  }
}
