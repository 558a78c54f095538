// Failures of the place, not of MetaFuse: a folder that cannot be made, a file
// that cannot be written, a full disk. Node reports them as errors with an errno
// `code` and the `syscall` that failed; the CLI and the Action say them in words
// instead of calling them internal errors.

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

const WHY: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
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

/** The words for a system error of the file system ("cannot create the folder /x: permission denied (EACCES)"), or undefined for any other error. */
export function systemErrorText(e: unknown): string | undefined {
  const { code, syscall, path, dest } = (e ?? {}) as { code?: unknown; syscall?: unknown; path?: unknown; dest?: unknown };
  if (typeof code !== 'string' || !/^E[A-Z]+$/.test(code) || typeof syscall !== 'string') return undefined;
  const verb = VERB[syscall];
  if (!verb || typeof path !== 'string') return e instanceof Error ? e.message : undefined;
  return `${verb} ${path}${typeof dest === 'string' ? ` to ${dest}` : ''}: ${WHY[code] ?? code} (${code})`;
}
