/**
 * What the tracker needs to know about each syscall: where its fd and path arguments are, whether it
 * moves bytes (and in which direction), and which calls create, duplicate or close fds.
 * Argument positions are x86_64 strace's printing order.
 */

export interface SyscallShape {
  /** Index of the fd argument (the first fd for two-fd calls). */
  fd?: number;
  /** Second fd (sendfile's in, copy_file_range's out, splice's out). */
  fd2?: number;
  /** Index of a dirfd argument that goes with `path`. */
  dirfd?: number;
  /** Index of the path argument. */
  path?: number;
  /** Second path (rename's new name, link's new name) with its dirfd. */
  path2?: number;
  dirfd2?: number;
  /** The return value is bytes read from `fd` / written to `fd`. */
  io?: 'read' | 'write';
  /** Two-fd copies: which fd the bytes come from and go to. */
  copy?: { from: 'fd' | 'fd2'; to: 'fd' | 'fd2' };
}

const shapes = new Map<string, SyscallShape>();

function def(names: string, shape: SyscallShape): void {
  // Every field present (undefined when absent): one hidden class for all shapes, read on every call.
  const full: SyscallShape = { fd: undefined, fd2: undefined, dirfd: undefined, path: undefined, path2: undefined, dirfd2: undefined, io: undefined, copy: undefined, ...shape };
  for (const n of names.split(' ')) shapes.set(n, full);
}

def('read pread64 readv preadv preadv2 recvfrom recvmsg recv', { fd: 0, io: 'read' });
def('write pwrite64 writev pwritev pwritev2 sendto sendmsg send', { fd: 0, io: 'write' });
def(
  'close lseek _llseek fstat fstat64 fstatfs fstatfs64 ioctl fcntl fcntl64 flock fsync fdatasync ftruncate ftruncate64 fallocate ' +
    'fadvise64 fadvise64_64 getdents getdents64 fchmod fchown fchdir connect bind listen accept accept4 getsockname getpeername ' +
    'setsockopt getsockopt shutdown syncfs sync_file_range readahead io_uring_enter io_uring_register epoll_wait epoll_pwait ' +
    'epoll_pwait2 fgetxattr fsetxattr flistxattr fremovexattr sendmmsg recvmmsg dup dup2 dup3 inotify_add_watch fanotify_mark ' +
    'vmsplice timerfd_settime timerfd_gettime signalfd signalfd4 fstatvfs',
  { fd: 0 },
);
def('epoll_ctl', { fd: 0 });
def('mmap mmap2', { fd: 4 });
def('sendfile sendfile64', { fd: 0, fd2: 1, copy: { from: 'fd2', to: 'fd' } });
def('copy_file_range splice', { fd: 0, fd2: 2, copy: { from: 'fd', to: 'fd2' } });
def('tee', { fd: 0, fd2: 1, copy: { from: 'fd', to: 'fd2' } });
def(
  'openat openat2 newfstatat fstatat64 statx unlinkat mkdirat mknodat fchmodat fchmodat2 fchownat faccessat faccessat2 ' +
    'utimensat readlinkat execveat futimesat name_to_handle_at open_tree',
  { dirfd: 0, path: 1 },
);
def('renameat renameat2 linkat', { dirfd: 0, path: 1, dirfd2: 2, path2: 3 });
def('symlinkat', { dirfd2: 1, path2: 2 });
def(
  'open creat stat lstat stat64 lstat64 access execve chdir mkdir rmdir unlink truncate truncate64 readlink chmod chown lchown ' +
    'statfs statfs64 utime utimes chroot mknod getxattr lgetxattr setxattr lsetxattr listxattr llistxattr removexattr ' +
    'lremovexattr swapon swapoff acct uselib',
  { path: 0 },
);
def('rename link', { path: 0, path2: 1 });
def('symlink', { path2: 1 });

export function shapeOf(name: string): SyscallShape | undefined {
  return shapes.get(name);
}

/** Calls whose return value is a new fd for an anonymous kernel object, and what strace -y calls it. */
export const ANON_FD_CALLS: ReadonlyMap<string, string> = new Map([
  ['eventfd', 'anon_inode:[eventfd]'],
  ['eventfd2', 'anon_inode:[eventfd]'],
  ['epoll_create', 'anon_inode:[eventpoll]'],
  ['epoll_create1', 'anon_inode:[eventpoll]'],
  ['signalfd', 'anon_inode:[signalfd]'],
  ['signalfd4', 'anon_inode:[signalfd]'],
  ['timerfd_create', 'anon_inode:[timerfd]'],
  ['inotify_init', 'anon_inode:inotify'],
  ['inotify_init1', 'anon_inode:inotify'],
  ['fanotify_init', 'anon_inode:[fanotify]'],
  ['userfaultfd', 'anon_inode:[userfaultfd]'],
  ['perf_event_open', 'anon_inode:[perf_event]'],
  ['io_uring_setup', 'anon_inode:[io_uring]'],
  ['pidfd_open', 'anon_inode:[pidfd]'],
  ['bpf', 'anon_inode:bpf'],
]);

export const OPEN_CALLS: ReadonlySet<string> = new Set(['open', 'openat', 'openat2', 'creat', 'open_by_handle_at']);
export const CLONE_CALLS: ReadonlySet<string> = new Set(['clone', 'clone3', 'fork', 'vfork']);
export const EXEC_CALLS: ReadonlySet<string> = new Set(['execve', 'execveat']);

/** Syscalls `-e trace=file` (%file) shows: those that take a path. Used for the filter hint. */
export function takesPath(name: string): boolean {
  const s = shapes.get(name);
  return s !== undefined && (s.path !== undefined || s.path2 !== undefined);
}

/** What a successful call changes in the fd tables or the task set (see tracker.applyEffects). */
export type Effect =
  | 'none'
  | 'close'
  | 'open'
  | 'dup'
  | 'fcntl'
  | 'pipe'
  | 'socketpair'
  | 'socket'
  | 'memfd'
  | 'close_range'
  | 'chdir'
  | 'fchdir'
  | 'anon'
  | 'exec'
  | 'clone'
  | 'recvfds';

/** Everything the parser asks about a syscall name, computed once per name instead of once per call. */
export interface SyscallInfo {
  readonly name: string;
  readonly shape: SyscallShape | undefined;
  readonly effect: Effect;
  /** For 'anon' calls: what strace -y calls the new fd. */
  readonly anonPath: string | undefined;
  /** The return value is bytes read (read-family) or written (write-family). */
  readonly read: boolean;
  readonly write: boolean;
  readonly clone: boolean;
  /** The arguments must be looked at (fd/path positions or effects). */
  readonly needsArgs: boolean;
  /** What the call does to its path, for the per-path operation counters (PATH_OP_*; 0: nothing counted). */
  readonly pathOp: number;
}

/**
 * Path operations counted per (task, path) aggregate, so that the model and the rules can work from
 * aggregates instead of one record per call. The same classes as the model's path observations.
 */
export const PATH_OP_NONE = 0;
export const PATH_OP_OPEN = 1;
export const PATH_OP_READ = 2;
export const PATH_OP_WRITE = 3;
export const PATH_OP_UNLINK = 4;
export const PATH_OP_MKDIR = 5;
export const PATH_OP_RMDIR = 6;
export const PATH_OP_RENAME = 7;
const PATH_OPS: ReadonlyMap<string, number> = new Map([
  ...['open', 'openat', 'openat2', 'creat'].map((n) => [n, PATH_OP_OPEN] as const),
  ...['read', 'pread64', 'readv', 'preadv', 'preadv2'].map((n) => [n, PATH_OP_READ] as const),
  ...['write', 'pwrite64', 'writev', 'pwritev', 'pwritev2'].map((n) => [n, PATH_OP_WRITE] as const),
  ...['unlink', 'unlinkat'].map((n) => [n, PATH_OP_UNLINK] as const),
  ...['mkdir', 'mkdirat'].map((n) => [n, PATH_OP_MKDIR] as const),
  ['rmdir', PATH_OP_RMDIR] as const,
  ...['rename', 'renameat', 'renameat2'].map((n) => [n, PATH_OP_RENAME] as const),
]);

const READ_LIKE: ReadonlySet<string> = new Set(['read', 'pread64', 'readv', 'preadv', 'preadv2', 'recvfrom', 'recvmsg', 'recv']);
const WRITE_LIKE: ReadonlySet<string> = new Set(['write', 'pwrite64', 'writev', 'pwritev', 'pwritev2', 'sendto', 'sendmsg', 'send']);
const EFFECTS: ReadonlyMap<string, Effect> = new Map<string, Effect>([
  ['close', 'close'],
  ['dup', 'dup'],
  ['dup2', 'dup'],
  ['dup3', 'dup'],
  ['fcntl', 'fcntl'],
  ['fcntl64', 'fcntl'],
  ['pipe', 'pipe'],
  ['pipe2', 'pipe'],
  ['socketpair', 'socketpair'],
  ['socket', 'socket'],
  ['accept', 'socket'],
  ['accept4', 'socket'],
  ['memfd_create', 'memfd'],
  ['close_range', 'close_range'],
  ['chdir', 'chdir'],
  ['fchdir', 'fchdir'],
  // SCM_RIGHTS: the fds listed in the received control message are new fds of the receiver.
  ['recvmsg', 'recvfds'],
  ['recvmmsg', 'recvfds'],
]);
/** Calls whose effects need their arguments even without an fd/path shape. */
const EFFECT_ARG_CALLS: ReadonlySet<string> = new Set(['pipe', 'pipe2', 'socketpair', 'socket', 'memfd_create', 'close_range', 'clone', 'clone3', 'fork', 'vfork', ...ANON_FD_CALLS.keys()]);

export function isReadLike(name: string): boolean {
  return READ_LIKE.has(name);
}

export function isWriteLike(name: string): boolean {
  return WRITE_LIKE.has(name);
}

export function syscallInfo(name: string): SyscallInfo {
  const shape = shapes.get(name);
  let effect: Effect = EFFECTS.get(name) ?? 'none';
  // Same precedence as the checks in applyEffects: open calls, the switch, anon fds, exec, clone.
  if (OPEN_CALLS.has(name)) effect = 'open';
  else if (effect === 'none') {
    if (ANON_FD_CALLS.has(name)) effect = 'anon';
    else if (EXEC_CALLS.has(name)) effect = 'exec';
    else if (CLONE_CALLS.has(name)) effect = 'clone';
  }
  return {
    name,
    shape,
    effect,
    anonPath: ANON_FD_CALLS.get(name),
    read: READ_LIKE.has(name),
    write: WRITE_LIKE.has(name),
    clone: CLONE_CALLS.has(name),
    needsArgs: shape !== undefined || EFFECT_ARG_CALLS.has(name),
    pathOp: PATH_OPS.get(name) ?? PATH_OP_NONE,
  };
}
