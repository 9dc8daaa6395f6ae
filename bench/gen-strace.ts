/**
 * Deterministic generator of a large `strace -f -tt -T -y` trace for the benchmark.
 *
 * The line shapes are copied from real captures (../shared/captures/popularity/strace-f.txt, a Python
 * web app under `strace -f -tt -T -y -p`, and ../shared/captures/strace/{y,f_stderr,attach_f_p}.txt):
 * `[pid N] HH:MM:SS.uuuuuu name(args) = ret <secs>`, fds annotated `6</tmp/…/0.txt>`, `AT_FDCWD</tmp>`,
 * sockets `5<socket:[48162]>`, string arguments cut at `-s 32` (`"…"...`), `<unfinished ...>` and
 * `<... NAME resumed>` halves interleaved across threads, clone3 of short-lived worker threads and their
 * `+++ exited with 0 +++`. The mix follows the popularity capture: per request a file-write episode
 * (openat, newfstatat, ioctl ENOTTY, lseek ×2, write, close), plus reads of cached files, polls on the
 * listening socket, futex waits and wakes between threads.
 *
 * Seeded PRNG (mulberry32): the same size and seed always give the same bytes. Paths come from a
 * bounded set (as a real app reuses its directories), so the parser's per-path aggregates stay bounded.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Version of the generated content: bump when the shapes change so cached files are regenerated. */
export const GENERATOR_VERSION = 1;

/** Seeded PRNG (mulberry32): the generators' only source of randomness. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['chd', 'cwqbmj', 'xst', 'xdqy', 'upsmauhdcr', 'ggzlnbdlj', 'xbkvbgkjwa', 'wepsdvflf', 'word', 'dir', 'popularity', 'kq', 'lmno'];
const PY_MODULES = ['aliases', 'shutil', 'functools', 'subprocess', 'contextlib', 'signal', '_compression', 'selectors', 'threading', 'socket'];

interface GenThread {
  tid: number;
  /** A blocking call printed as `<unfinished ...>`, waiting for its resumed half. */
  pending: { name: string; rest: string; dur: number } | undefined;
  /** Queue of lines of the current episode not printed yet (without prefix and timestamp). */
  queue: string[];
  /** Requests left before a worker thread exits. */
  life: number;
  worker: boolean;
}

export interface GenerateOptions {
  bytes: number;
  seed?: number;
}

export interface GenerateResult {
  bytes: number;
  lines: number;
}

/** Write a trace of at least `bytes` bytes to `file`. */
export function generateStraceTrace(file: string, options: GenerateOptions): GenerateResult {
  const rnd = mulberry32(options.seed ?? 0x5eed);
  const int = (n: number): number => Math.floor(rnd() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const dur = (maxMicros: number): string => (int(maxMicros) / 1e6 + 0.000005).toFixed(6);
  const str32 = (): string => {
    let s = '';
    while (s.length < 32) s += `${pick(WORDS)} `;
    return s.slice(0, 32);
  };

  const pid = 26246;
  let nextTid = 26415;
  let nextSocketInode = 49404;
  const dirs = Array.from({ length: 16 }, (_, i) => `/tmp/c470cb76-e9bf-11f1-b792-02fc0000${String(i).padStart(4, '0')}`);
  const threads: GenThread[] = [{ tid: pid, pending: undefined, queue: [], life: Infinity, worker: false }];
  for (let k = 0; k < 3; k++) threads.push({ tid: nextTid++, pending: undefined, queue: [], life: Infinity, worker: false });

  let micros = (17 * 3600 + 35 * 60 + 25) * 1e6 + 955486;
  const stamp = (): string => {
    micros += 1 + int(180);
    const total = Math.floor(micros / 1e6);
    const h = Math.floor(total / 3600) % 24;
    const m = Math.floor(total / 60) % 60;
    const s = total % 60;
    const us = micros % 1e6;
    return `${h < 10 ? '0' : ''}${h}:${m < 10 ? '0' : ''}${m}:${s < 10 ? '0' : ''}${s}.${String(us).padStart(6, '0')}`;
  };

  const writeEpisode = (t: GenThread): void => {
    const dir = pick(dirs);
    const f = `${dir}/${int(64)}.txt`;
    const fd = 6 + int(3);
    const a = `${fd}<${f}>`;
    const n = 1000 + int(500000);
    t.queue.push(
      `openat(AT_FDCWD</tmp>, "${f}", O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC, 0666) = ${a} <${dur(300)}>`,
      `newfstatat(${a}, "", {st_mode=S_IFREG|0644, st_size=0, ...}, AT_EMPTY_PATH) = 0 <${dur(20)}>`,
      `ioctl(${a}, TCGETS, 0x7ffaf416d000) = -1 ENOTTY (Inappropriate ioctl for device) <${dur(15)}>`,
      `lseek(${a}, 0, SEEK_CUR) = 0 <${dur(12)}>`,
      `lseek(${a}, 0, SEEK_CUR) = 0 <${dur(12)}>`,
      `write(${a}, "${str32()}"..., ${n}) = ${n} <${dur(400)}>`,
      `close(${a}) = 0 <${dur(15)}>`,
    );
  };

  const readEpisode = (t: GenThread): void => {
    const mod = pick(PY_MODULES);
    const f = `/usr/lib/python3.11/__pycache__/${mod}.cpython-311.pyc`;
    const a = `3<${f}>`;
    const size = 2000 + int(80000);
    t.queue.push(
      `openat(AT_FDCWD</tmp/stracework.8tRKFW>, "${f}", O_RDONLY|O_CLOEXEC) = ${a} <${dur(60)}>`,
      `newfstatat(${a}, "", {st_mode=S_IFREG|0644, st_size=${size}, ...}, AT_EMPTY_PATH) = 0 <${dur(15)}>`,
      `ioctl(${a}, TCGETS, 0x7ffc8b1e2a10) = -1 ENOTTY (Inappropriate ioctl for device) <${dur(10)}>`,
      `lseek(${a}, 0, SEEK_CUR) = 0 <${dur(10)}>`,
      `read(${a}, "\\247\\r\\r\\n\\0\\0\\0\\0\\244\\214\\17h\\362N\\1\\0\\343\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\0\\5\\0\\0"..., ${size + 1}) = ${size} <${dur(90)}>`,
      `read(${a}, "", 1) = 0 <${dur(10)}>`,
      `close(${a}) = 0 <${dur(12)}>`,
    );
  };

  const requestEpisode = (t: GenThread): void => {
    const inode = nextSocketInode++;
    const s = `4<socket:[${inode}]>`;
    t.queue.push(
      `accept4(5<socket:[48162]>, {sa_family=AF_INET, sin_port=htons(${30000 + int(30000)}), sin_addr=inet_addr("127.0.0.1")}, [16], SOCK_CLOEXEC) = ${s} <${dur(30)}>`,
      `getsockname(${s}, {sa_family=AF_INET, sin_port=htons(10000), sin_addr=inet_addr("127.0.0.1")}, [128 => 16]) = 0 <${dur(10)}>`,
      `recvfrom(${s}, "GET /popularity/word HTTP/1.1\\r\\nH"..., 8192, 0, NULL, NULL) = ${80 + int(40)} <${dur(40)}>`,
      `getpid() = ${pid} <${dur(8)}>`,
      `write(1</tmp/popularity-app.out>, "{\\"word\\": \\"word\\", \\"dir\\": \\"/tmp/c4"..., 225) = 225 <${dur(25)}>`,
      `sendto(${s}, "HTTP/1.0 200 OK\\r\\nServer: BaseHTTP"..., ${150 + int(100)}, 0, NULL, 0) = ${150 + int(100)} <${dur(30)}>`,
      `shutdown(${s}, SHUT_WR) = 0 <${dur(10)}>`,
      `close(${s}) = 0 <${dur(12)}>`,
    );
  };

  // Blocking calls: printed unfinished, resumed later (possibly after other threads' lines).
  const blocking = (t: GenThread): void => {
    const r = rnd();
    if (r < 0.45) {
      const addr = `0x${(0xa5b8f4 + 4 * int(8)).toString(16)}`;
      t.pending = { name: 'futex', rest: `) = 0 <${dur(3000)}>`, dur: 0 };
      t.queue.push(`futex(${addr}, FUTEX_WAIT_BITSET_PRIVATE, 0, {tv_sec=1370, tv_nsec=${int(999999999)}}, FUTEX_BITSET_MATCH_ANY <unfinished ...>`);
    } else if (r < 0.7) {
      t.pending = { name: 'futex', rest: `) = -1 EAGAIN (Resource temporarily unavailable) <${dur(50)}>`, dur: 0 };
      t.queue.push(`futex(0x2c9e9610, FUTEX_WAIT_BITSET_PRIVATE|FUTEX_CLOCK_REALTIME, 0, NULL, FUTEX_BITSET_MATCH_ANY <unfinished ...>`);
    } else if (r < 0.9) {
      t.pending = { name: 'poll', rest: rnd() < 0.5 ? `) = 0 (Timeout) <0.500${String(100 + int(800)).padStart(3, '0')}>` : `) = 1 ([{fd=5, revents=POLLIN}]) <${dur(400000)}>`, dur: 0 };
      t.queue.push(`poll([{fd=5<socket:[48162]>, events=POLLIN}], 1, 500 <unfinished ...>`);
    } else {
      t.pending = { name: 'read', rest: `"${str32()}"..., 65536) = ${1 + int(65536)} <${dur(2000)}>`, dur: 0 };
      t.queue.push(`read(0</dev/pts/3>,  <unfinished ...>`);
    }
  };

  const fdOut = openSync(file, 'w');
  const parts: string[] = [];
  let partBytes = 0;
  let written = 0;
  let lines = 0;
  const flush = (): void => {
    if (parts.length === 0) return;
    const buf = Buffer.from(parts.join(''), 'utf8');
    writeSync(fdOut, buf);
    written += buf.length;
    parts.length = 0;
    partBytes = 0;
  };
  const out = (line: string): void => {
    parts.push(line, '\n');
    partBytes += line.length + 1;
    lines++;
    if (partBytes >= 4 << 20) flush();
  };
  // strace pads the call to column 40 before ` = ` (`gettid()                = 26246`).
  const prefixed = (t: GenThread, body: string): void => {
    const head = `[pid ${t.tid}] ${stamp()} `;
    const eq = body.indexOf(') = ');
    if (eq > 0 && head.length + eq + 1 < 40) out(`${head}${body.slice(0, eq + 1)}${' '.repeat(40 - head.length - eq - 2)} ${body.slice(eq + 2)}`);
    else out(head + body);
  };

  out(`strace: Process ${pid} attached with ${threads.length} threads`);
  try {
    while (written + partBytes < options.bytes) {
      const t = pick(threads);
      if (t.queue.length > 0) {
        prefixed(t, t.queue.shift()!);
        continue;
      }
      if (t.pending) {
        // Wake: another thread's futex wake often comes first, as in the capture.
        if (t.pending.name === 'futex' && rnd() < 0.5) {
          const waker = pick(threads);
          if (waker !== t && !waker.pending && waker.queue.length === 0) prefixed(waker, `futex(0xa5b8f4, FUTEX_WAKE_PRIVATE, 1) = 1 <${dur(50)}>`);
        }
        prefixed(t, `<... ${t.pending.name} resumed>${t.pending.rest}`);
        t.pending = undefined;
        continue;
      }
      if (t.worker && --t.life <= 0) {
        prefixed(t, `madvise(0x7ffaf396e000, 8368128, MADV_DONTNEED) = 0 <${dur(30)}>`);
        prefixed(t, 'exit(0) = ?');
        out(`[pid ${t.tid}] ${stamp()} +++ exited with 0 +++`);
        threads.splice(threads.indexOf(t), 1);
        continue;
      }
      const r = rnd();
      if (r < 0.5) writeEpisode(t);
      else if (r < 0.65) readEpisode(t);
      else if (r < 0.75) requestEpisode(t);
      else if (r < 0.995 || threads.length >= 8) blocking(t);
      else {
        // A short-lived worker thread, cloned as in the capture (clone3 unfinished while the child starts).
        const child: GenThread = { tid: nextTid++, pending: undefined, queue: [], life: 20 + int(200), worker: true };
        if (nextTid > 4194000) nextTid = 26415;
        const flags = 'CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID';
        prefixed(t, `clone3({flags=${flags}, child_tid=0x7ffaf416e990, parent_tid=0x7ffaf416e990, exit_signal=0, stack=0x7ffaf396e000, stack_size=0x7fff80, tls=0x7ffaf416e6c0} <unfinished ...>`);
        prefixed(child, `rseq(0x7ffaf416efe0, 0x20, 0, 0x53053053) = 0 <${dur(40)}>`);
        prefixed(t, `<... clone3 resumed> => {parent_tid=[${child.tid}]}, 88) = ${child.tid} <${dur(200)}>`);
        prefixed(child, `set_robust_list(0x7ffaf416e9a0, 24) = 0 <${dur(30)}>`);
        prefixed(child, `rt_sigprocmask(SIG_SETMASK, [], NULL, 8) = 0 <${dur(30)}>`);
        prefixed(child, `gettid() = ${child.tid} <${dur(20)}>`);
        threads.push(child);
      }
    }
    // Finish what is in flight so the file ends cleanly.
    for (const t of threads) {
      for (const q of t.queue) prefixed(t, q);
      if (t.pending) prefixed(t, `<... ${t.pending.name} resumed>${t.pending.rest}`);
    }
    out(`strace: Process ${pid} detached`);
    flush();
  } finally {
    closeSync(fdOut);
  }
  return { bytes: written, lines };
}
