// Failures of the place, not of MetaFuse: a folder that cannot be made, a file
// that cannot be written, a full disk. Node reports them as errors with an errno
// `code` and the `syscall` that failed; the CLI and the Action say them in words
// instead of calling them internal errors, and spec diagnostics say why a file
// could not be read (errnoText).

const VERB: Record<string, string> = {
  mkdir: 'cannot create the folder',
  open: 'cannot open',
  copyfile: 'cannot copy',
  rename: 'cannot move',
  stat: 'cannot read',
  lstat: 'cannot read',
  read: 'cannot read',
  scandir: 'cannot list the folder',
  write: 'cannot write',
  fsync: 'cannot write',
  unlink: 'cannot remove',
  rmdir: 'cannot remove',
  rm: 'cannot remove',
};

/** Errno codes in words; the first four are also what spec diagnostics say (`cannot read file: no such file`). */
const WHY: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a folder',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EEXIST: 'it already exists',
  EXDEV: 'not on the same file system',
  EMFILE: 'too many open files',
  EBUSY: 'busy',
  ENAMETOOLONG: 'the name is too long',
  ELOOP: 'too many levels of symbolic links',
};

/**
 * Why a file operation failed, for a message that names the file already: the
 * words for the commonest codes ("permission denied"), else the system's own
 * message, which names the operation.
 */
export function errnoText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'ENOENT' || code === 'EISDIR') return WHY[code]!;
  return e instanceof Error ? e.message : String(e);
}

/** The words for a system error of the file system ("cannot create the folder /x: permission denied (EACCES)"), or undefined for any other error. */
export function systemErrorText(e: unknown): string | undefined {
  const { code, syscall, path, dest } = (e ?? {}) as { code?: unknown; syscall?: unknown; path?: unknown; dest?: unknown };
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code) || typeof syscall !== 'string') return undefined;
  const verb = VERB[syscall];
  if (!verb || typeof path !== 'string') return e instanceof Error ? e.message : undefined;
  return `${verb} ${path}${typeof dest === 'string' ? ` to ${dest}` : ''}: ${WHY[code] ?? code} (${code})`;
}
