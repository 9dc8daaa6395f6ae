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
  for (const n of names.split(' ')) shapes.set(n, shape);
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
