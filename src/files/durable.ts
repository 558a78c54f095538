// Durable file replacement shared by build, pull and the local-folder store:
// write beside the target, fsync, rename over it, fsync the folder. A reader
// sees the old file or the new one; a crash leaves at most a dot-named temp file,
// which names its process and is removed by the next replace once that process is gone.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { ownedTag, removeDeadTemps } from './owned-temp.js';

export function fsyncFile(file: string): void {
  const fd = openSync(file, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export function fsyncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Folders cannot be opened for fsync on every platform (Windows); the rename is still atomic.
  }
}

/** A unique dot-named temp path in the target's folder (same file system, so rename is atomic): `.<name>.<scope>~<pid>~<random>.tmp`. */
export function tempBeside(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${ownedTag()}.tmp`);
}

/** Has `write` fill a temp file beside `target`, then makes it durable and renames it into place. */
export function replaceAtomically<T>(target: string, write: (tmp: string) => T): T {
  const tmp = startReplace(target);
  try {
    const result = write(tmp);
    finishReplace(tmp, target);
    return result;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** replaceAtomically for a `write` that finishes later. */
export async function replaceAtomicallyAsync<T>(target: string, write: (tmp: string) => Promise<T>): Promise<T> {
  const tmp = startReplace(target);
  try {
    const result = await write(tmp);
    finishReplace(tmp, target);
    return result;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

function startReplace(target: string): string {
  // The temp files of earlier runs of the target that were killed (their process is gone).
  removeDeadTemps(path.dirname(target), path.basename(target));
  return tempBeside(target);
}

function finishReplace(tmp: string, target: string): void {
  fsyncFile(tmp);
  renameSync(tmp, target);
  fsyncDir(path.dirname(target));
}

/**
 * `mkdir -p`: makes `dir` and its missing parents. Node's own (`recursive: true`)
 * never returns for a path under /proc: procfs answers ENOENT for the child and
 * EEXIST for its parent, and Node's loop goes back and forth between the two at
 * 100 % CPU (seen with `publish --to /proc/x/catalog.db`). Here a folder that
 * cannot be made although its parent exists is an error (the errno error of that
 * mkdir), as is a part of the path that is not a folder (ENOTDIR).
 */
export function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; ) {
    const st = statSync(d, { throwIfNoEntry: false });
    if (st) {
      if (!st.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${d}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: d });
      break;
    }
    missing.push(d);
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const d of missing.reverse()) {
    try {
      mkdirSync(d);
    } catch (e) {
      // Made meanwhile by another process: fine, if it is a folder.
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || !statSync(d).isDirectory()) throw e;
    }
  }
}
