// Temp names that say which process owns them, so that the debris of a killed
// process (a temp file beside a catalog, a half-made lock folder, a work folder
// in the system temp dir) can be removed by the next run without touching the
// temp files of processes still running. A name carries `<scope>~<pid>~<random>`:
// scope is a hash of the host name and the pid namespace (two containers with
// the same host name but their own pids never judge each other's pids), pid the
// owner's process id. Debris is removed only when its scope is ours and its pid
// is not running; a reused pid keeps it (the safe side).
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';

function pidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

/** This host and pid namespace, as 8 hex digits. */
export const SCOPE = createHash('sha256').update(`${hostname()}\0${pidNamespace()}`).digest('hex').slice(0, 8);

/** `<scope>~<pid>~<random>`: unique, and tells whose it is. */
export function ownedTag(): string {
  return `${SCOPE}~${process.pid}~${randomBytes(4).toString('hex')}`;
}

const TAG = /([0-9a-f]{8})~(\d+)~[0-9a-f]+/;

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether `name` carries an owner tag of this scope whose process is gone. */
export function ownedByDeadProcess(name: string): boolean {
  const m = TAG.exec(name);
  if (!m || m[1] !== SCOPE) return false;
  const pid = Number(m[2]);
  return pid !== process.pid && !processAlive(pid);
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Removes from `dir` the temp entries of `base` (`.<base>.<tag>.tmp`, and the lock's
 * `.<base>.lock.<tag>.{tmp,released,stale}`) left by dead processes. Best effort:
 * returns how many were removed and never throws.
 */
export function removeDeadTemps(dir: string, base: string): number {
  const pattern = new RegExp(`^\\.${escape(base)}(\\.lock)?\\.${TAG.source}\\.(tmp|released|stale)$`);
  return removeMatching(dir, (n) => pattern.test(n));
}

/** Removes from `dir` the folders `<prefix><tag>…` (mkdtemp work folders) left by dead processes. */
export function removeDeadTempDirs(dir: string, prefix: string): number {
  const pattern = new RegExp(`^${escape(prefix)}${TAG.source}`);
  return removeMatching(dir, (n) => pattern.test(n));
}

function removeMatching(dir: string, match: (name: string) => boolean): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const n of names) {
    if (!match(n) || !ownedByDeadProcess(n)) continue;
    try {
      rmSync(path.join(dir, n), { recursive: true, force: true });
      removed++;
    } catch {
      // Someone else removed it, or it cannot be removed: it is only debris.
    }
  }
  return removed;
}
