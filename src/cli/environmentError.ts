// Errors of the environment (permissions, read-only or full disks, paths in the way) as one line for people:
// what failed, on which path, what to do. Stack traces are for developers (`--json`, VELO_DEBUG=1).

const WHAT: Record<string, string> = {
  mkdir: 'create the folder', open: 'open', write: 'write', read: 'read', rename: 'rename', symlink: 'create the link',
  link: 'create', unlink: 'remove', rmdir: 'remove', rm: 'remove', scandir: 'list the folder', stat: 'read', lstat: 'read',
  readlink: 'read the link', copyfile: 'copy', mkdtemp: 'create a folder in', access: 'access', fsync: 'write', close: 'write',
};

const WHY: Record<string, string> = {
  EACCES: 'permission denied; check the permissions or choose another folder (--out)',
  EPERM: 'operation not permitted; check the permissions or choose another folder (--out)',
  EROFS: 'the file system is read-only; choose a writable folder (--out)',
  ENOSPC: 'no space left on the device; free some space or choose another folder (--out)',
  EDQUOT: 'disk quota exceeded; free some space or choose another folder (--out)',
  ENOTDIR: 'a part of the path is a file, not a folder; choose another path',
  EEXIST: 'something else is already there; move it away or choose another path',
  EISDIR: 'it is a folder, a file was expected; choose a file',
  ENOENT: 'no such file or folder; check the path',
  ENAMETOOLONG: 'the path is too long; choose a shorter one',
  ELOOP: 'too many symbolic links in the path (a link loop?); check the path',
  EMFILE: 'too many open files; close other programs or raise the limit (ulimit -n)',
  ENFILE: 'too many open files on the system; try again later',
  EIO: 'input/output error; the disk or network file system failed, check it',
  EBUSY: 'the resource is busy; try again when it is free',
  EXDEV: 'the paths are on different file systems; keep the output folder on one file system',
  ENOMEM: 'not enough memory; use fewer --workers or close other programs',
};

interface SystemError { code?: unknown; syscall?: unknown; path?: unknown; dest?: unknown }

/** One line for an error of the environment, or undefined when `e` is not one (a bug, or a known input error). */
export function environmentErrorMessage(e: unknown): string | undefined {
  const s = e as SystemError | undefined;
  if (!s || typeof s.code !== 'string' || !(s.code in WHY)) return undefined;
  const what = typeof s.syscall === 'string' ? WHAT[s.syscall] ?? s.syscall : 'access';
  const where = typeof s.path === 'string' ? ` ${s.path}${typeof s.dest === 'string' ? ` → ${s.dest}` : ''}` : '';
  return `cannot ${what}${where}: ${WHY[s.code]} (${s.code})`;
}

/** The stack of an error, for the logs of developers. */
export function stackOf(e: unknown): string | undefined {
  return e instanceof Error ? e.stack : undefined;
}
