/**
 * Deterministic generator of a multi-tool capture bundle FOLDER for the benchmark (issue #9): what an
 * engineer collects during a long incident on a busy service host, at a given total size.
 *
 * | file | command it imitates | line shapes copied from |
 * | --- | --- | --- |
 * | `strace-f-tt-T-y.txt` | `strace -f -tt -T -y -p 26246 > … 2>&1` | bench/gen-strace.ts (the popularity capture) |
 * | `top-b-d1.txt` | `top -b -d 1` (procps-ng 4.0) | ../shared/captures/popularity/top.txt |
 * | `opensnoop-T.txt` | `opensnoop-bpfcc -T` (bcc python) | corpus/opensnoop/bcc-example-2.txt, bcc tools/opensnoop.py |
 * | `pidstat-dt-h.txt` | `pidstat -dt -h 1` (sysstat 12) | captures/popularity/pidstat-dt.txt, test/fixtures/pidstat/perftriage-debian12-pidstat-ht-*.txt |
 * | `filetop-C.txt` | `filetop-bpfcc -C -r N 1` (bcc python) | corpus/filetop/bcc-example-4.txt (TID header) |
 * | `iostat-x-t.txt` | `iostat -x -t 1` (sysstat 12.6, extended columns) | captures/popularity/iostat-t.txt |
 * | `manifest.json` | what a collector writes (schemas/manifest.schema.json) | — |
 *
 * Size mix (BUNDLE_MIX, share of the bundle's bytes): strace 50 %, top 15 %, opensnoop 10 %, pidstat 10 %,
 * filetop 8 %, iostat 7 % — a long capture where a `strace -f` of the service dominates and the samplers
 * ran for hours.
 *
 * Time: every tool starts at BUNDLE_START (2026-11-26 17:35:25, where gen-strace's trace starts) and the
 * samplers print one sample per second, so the timeline lines them up. The capture's duration D follows
 * from the top file: a snapshot of TOP_TASKS tasks costs ~16 KB, so D = top's bytes / that (~2.7 h at
 * 1 GiB, ~11 h at 4 GiB: the 4 GiB bundle crosses midnight, which sysstat, top and filetop files must
 * roll over). Every other sampler runs D seconds too; its rows per sample (devices, tasks, files, opens
 * per second) are fitted so that its file gets its share of the bytes. The strace trace covers a
 * shorter window from the same start (gen-strace prints ~11 k calls per second of trace: ~6 min at
 * 1 GiB): as in real captures, strace runs for minutes while the samplers run for hours.
 *
 * Determinism: a seeded PRNG (mulberry32) per tool, derived from the seed; the same seed and size give
 * the same bytes. Fitting rows per sample runs the same generators on a throw-away counter, so it is
 * deterministic too. Writing is buffered (4 MiB strings, one writeSync each).
 */
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATOR_VERSION as STRACE_GENERATOR_VERSION, generateStraceTrace, mulberry32 } from './gen-strace.js';

/** Version of the generated bundle content: bump when a shape changes so cached bundles are regenerated. */
export const BUNDLE_GENERATOR_VERSION = `${2}.${STRACE_GENERATOR_VERSION}`;

export type BundleTool = 'strace' | 'top' | 'opensnoop' | 'pidstat' | 'filetop' | 'iostat';

/** Share of the bundle's bytes per tool (sums to 1). */
export const BUNDLE_MIX: Readonly<Record<BundleTool, number>> = Object.freeze({
  strace: 0.5,
  top: 0.15,
  opensnoop: 0.1,
  pidstat: 0.1,
  filetop: 0.08,
  iostat: 0.07,
});

/** Tasks in every top snapshot: sets the capture's duration (see the file comment). */
export const TOP_TASKS = 200;

/** File name and exact command line of each tool's file in the bundle. */
export const BUNDLE_FILES: Readonly<Record<BundleTool, { name: string; command: (rows: number) => string }>> = Object.freeze({
  strace: { name: 'strace-f-tt-T-y.txt', command: () => 'strace -f -tt -T -y -p 26246 > strace-f-tt-T-y.txt 2>&1' },
  top: { name: 'top-b-d1.txt', command: () => 'top -b -d 1 > top-b-d1.txt' },
  opensnoop: { name: 'opensnoop-T.txt', command: () => '/usr/sbin/opensnoop-bpfcc -T > opensnoop-T.txt' },
  pidstat: { name: 'pidstat-dt-h.txt', command: () => 'pidstat -dt -h 1 > pidstat-dt-h.txt' },
  filetop: { name: 'filetop-C.txt', command: (rows) => `/usr/sbin/filetop-bpfcc -C -r ${rows} 1 > filetop-C.txt` },
  iostat: { name: 'iostat-x-t.txt', command: () => 'iostat -x -t 1 > iostat-x-t.txt' },
});

/** Where every tool starts: the day and the second of the day (gen-strace's first call is at 17:35:25.96). */
export const BUNDLE_START = Object.freeze({ year: 2026, month: 11, day: 26, secondOfDay: 17 * 3600 + 35 * 60 + 25 });

const HOST = 'bench-host';
const KERNEL = '6.1.0-27-amd64';
const CPUS = 16;
/** The traced service of gen-strace: its PID and first threads, reused so that the tools agree. */
const APP_PID = 26246;
const APP_THREADS = [26246, 26415, 26416, 26417];
/** gen-strace's temp directories (`/tmp/<uuid>/<n>.txt`). */
const APP_DIRS = Array.from({ length: 16 }, (_, i) => `/tmp/c470cb76-e9bf-11f1-b792-02fc0000${String(i).padStart(4, '0')}`);
const JOIN_CHARS = 64 << 10;
const WRITE_BYTES = 4 << 20;

// ---- primitives ---------------------------------------------------------------------------------------

export type Rng = () => number;


/** Independent stream per tool: the seed mixed with the tool's name (FNV-1a). */
function toolSeed(seed: number, tool: string): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < tool.length; i++) h = Math.imul(h ^ tool.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const int = (rnd: Rng, n: number): number => Math.floor(rnd() * n);
const pick = <T>(rnd: Rng, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/**
 * Lines out, buffered: every JOIN_CHARS the pending lines are joined into one flat string (so the many
 * short strings die young: holding megabytes of them made the generator spend 60 % of its time in GC),
 * copied into a WRITE_BYTES buffer, and the buffer is written with one writeSync when full. With no
 * file descriptor it only counts (used to fit rows per sample). Every generated line is ASCII, so
 * characters are bytes.
 */
class Out {
  bytes = 0;
  lines = 0;
  private parts: string[] = [];
  private pending = 0;
  private readonly buffer: Buffer | null;
  private used = 0;

  constructor(private readonly fd: number | null) {
    this.buffer = fd === null ? null : Buffer.allocUnsafe(WRITE_BYTES);
  }

  line(text: string): void {
    this.parts.push(text);
    this.pending += text.length + 1;
    this.lines++;
    if (this.pending >= JOIN_CHARS) this.spill();
  }

  /** Write everything still held. */
  flush(): void {
    this.spill();
    this.writeBuffer();
  }

  private spill(): void {
    if (this.parts.length === 0) return;
    this.parts.push('');
    const text = this.parts.join('\n');
    this.parts = [];
    this.pending = 0;
    this.bytes += text.length;
    if (!this.buffer) return;
    if (this.used + text.length > this.buffer.length) this.writeBuffer();
    if (text.length > this.buffer.length) writeSync(this.fd!, text, null, 'latin1');
    else this.used += this.buffer.write(text, this.used, 'latin1');
  }

  private writeBuffer(): void {
    if (this.used === 0) return;
    writeSync(this.fd!, this.buffer!, 0, this.used);
    this.used = 0;
  }
}

const two = (n: number): string => (n < 10 ? `0${n}` : String(n));

/** `HH:MM:SS` of a second counted from the start day's midnight (wraps at 24 h, as the tools print it). */
function hms(second: number): string {
  const s = second % 86400;
  return `${two(Math.floor(s / 3600))}:${two(Math.floor(s / 60) % 60)}:${two(s % 60)}`;
}

/** sysstat's C-locale date `MM/DD/YY` of the day `second` falls in. */
function mdyy(second: number): string {
  const d = new Date(Date.UTC(BUNDLE_START.year, BUNDLE_START.month - 1, BUNDLE_START.day) + Math.floor(second / 86400) * 86400000);
  return `${two(d.getUTCMonth() + 1)}/${two(d.getUTCDate())}/${two(d.getUTCFullYear() % 100)}`;
}

function isoOf(second: number): string {
  return new Date(Date.UTC(BUNDLE_START.year, BUNDLE_START.month - 1, BUNDLE_START.day) + second * 1000).toISOString().replace('.000Z', 'Z');
}

function sysstatBanner(second: number): string {
  return `Linux ${KERNEL} (${HOST}) \t${mdyy(second)} \t_x86_64_\t(${CPUS} CPU)`;
}

/** End column of each title in a header line: sysstat right-aligns a value under the end of its title. */
function titleEnds(header: string, from: number): number[] {
  const ends: number[] = [];
  const re = /\S+/g;
  re.lastIndex = from;
  for (let m = re.exec(header); m; m = re.exec(header)) ends.push(m.index + m[0].length);
  return ends;
}

/** Values right-aligned to the given end columns, after a left part `lead` (one space at least between). */
function alignRight(lead: string, ends: readonly number[], values: readonly string[]): string {
  let s = lead;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const pad = ends[i]! - s.length - v.length;
    s += ' '.repeat(pad > 0 ? pad : 1) + v;
  }
  return s;
}

const f1 = (x: number): string => x.toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

/** What every sampler generator gets: the first sample's second (from the start day's midnight), how many samples, how many rows per sample. */
interface Plan {
  startSecond: number;
  samples: number;
  rows: number;
}

type Sampler = (out: Out, rnd: Rng, plan: Plan) => void;

// ---- iostat -x -t (sysstat 12.6) ----------------------------------------------------------------------

const IOSTAT_CPU_HEADER = 'avg-cpu:  %user   %nice %system %iowait  %steal   %idle';
const IOSTAT_DEVICE_HEADER =
  'Device            r/s     rkB/s   rrqm/s  %rrqm r_await rareq-sz     w/s     wkB/s   wrqm/s  %wrqm w_await wareq-sz     d/s     dkB/s   drqm/s  %drqm d_await dareq-sz     f/s f_await  aqu-sz  %util';
const IOSTAT_CPU_ENDS = titleEnds(IOSTAT_CPU_HEADER, 'avg-cpu:'.length);
const IOSTAT_DEVICE_ENDS = titleEnds(IOSTAT_DEVICE_HEADER, 'Device'.length);

/** Device names of a host with virtio, NVMe, device-mapper and SCSI disks; more are named sdaa, sdab, … */
function deviceName(i: number): string {
  if (i < 2) return ['vda', 'vdb'][i]!;
  if (i < 10) return `nvme${i - 2}n1`;
  if (i < 22) return `dm-${i - 10}`;
  const k = i - 22;
  return k < 26 ? `sd${String.fromCharCode(97 + k)}` : `sd${String.fromCharCode(97 + Math.floor(k / 26) - 1)}${String.fromCharCode(97 + (k % 26))}`;
}

/** One direction's columns (ops/s, kB/s, merges/s, %merged, await ms, request size kB). */
function ioColumns(rnd: Rng, busy: number): string[] {
  const ops = rnd() < 0.3 * (1 - busy) ? 0 : rnd() * 800 * busy;
  const size = 4 + rnd() * 124;
  const merges = ops > 0 ? rnd() * ops * 0.2 : 0;
  return [f2(ops), f2(ops * size), f2(merges), f2(ops + merges > 0 ? (100 * merges) / (ops + merges) : 0), f2(ops > 0 ? 0.05 + rnd() * 8 : 0), f2(ops > 0 ? size : 0)];
}

const iostatSampler: Sampler = (out, rnd, plan) => {
  const busy = Array.from({ length: plan.rows }, (_, i) => (i === 0 ? 0.9 : rnd() < 0.2 ? 0.3 + rnd() * 0.6 : rnd() * 0.05));
  out.line(sysstatBanner(plan.startSecond));
  out.line('');
  for (let s = 0; s < plan.samples; s++) {
    const second = plan.startSecond + s;
    out.line(`${mdyy(second)} ${hms(second)}`);
    out.line(IOSTAT_CPU_HEADER);
    const user = 20 + rnd() * 50;
    const sys = 3 + rnd() * 15;
    const iowait = rnd() * 10;
    const steal = rnd() * 0.2;
    const idle = Math.max(0, 100 - user - sys - iowait - steal);
    out.line(alignRight('', IOSTAT_CPU_ENDS, [f2(user), '0.00', f2(sys), f2(iowait), f2(steal), f2(idle)]));
    out.line('');
    out.line(IOSTAT_DEVICE_HEADER);
    for (let d = 0; d < plan.rows; d++) {
      const b = busy[d]!;
      const r = ioColumns(rnd, b);
      const w = ioColumns(rnd, b);
      const discard = rnd() < 0.9 ? ['0.00', '0.00', '0.00', '0.00', '0.00', '0.00'] : ioColumns(rnd, 0.05);
      const flushes = rnd() < 0.7 ? 0 : rnd() * 20;
      const util = Math.min(100, b * 100 * (0.5 + rnd() * 0.5));
      const values = [...r, ...w, ...discard, f2(flushes), f2(flushes > 0 ? rnd() * 2 : 0), f2(b * rnd() * 4), f2(util)];
      out.line(alignRight(deviceName(d).padEnd(13), IOSTAT_DEVICE_ENDS, values));
    }
    out.line('');
    out.line('');
  }
};

// ---- pidstat -dt -h (sysstat 12) ----------------------------------------------------------------------

const PIDSTAT_HEADER = '# Time        UID      TGID       TID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command';

interface PidstatGroup {
  uid: number;
  tgid: number;
  comm: string;
  threads: { tid: number; comm: string }[];
  /** Typical kB/s of each thread: most write little. */
  rate: number;
}

const SERVICE_PROCS: ReadonlyArray<{ comm: string; uid: number; threads: readonly string[] }> = [
  { comm: 'postgres', uid: 105, threads: ['postgres'] },
  { comm: 'java', uid: 1001, threads: ['java', 'VM Thread', 'GC Thread#0', 'GC Thread#1', 'C2 CompilerThre', 'C1 CompilerThre', 'Signal Dispatch', 'Finalizer', 'Reference Handl', 'http-nio-8080-e', 'http-nio-8080-e', 'http-nio-8080-e', 'http-nio-8080-e', 'pool-2-thread-1', 'pool-2-thread-2', 'Log4j2-TF-1-Asy'] },
  { comm: 'nginx', uid: 33, threads: ['nginx'] },
  { comm: 'rsyslogd', uid: 0, threads: ['rsyslogd', 'in:imuxsock', 'in:imklog', 'rs:main Q:Reg'] },
  { comm: 'systemd-journal', uid: 0, threads: ['systemd-journal'] },
  { comm: 'containerd', uid: 0, threads: ['containerd', 'containerd', 'containerd', 'containerd', 'containerd', 'containerd'] },
  { comm: 'node', uid: 1000, threads: ['node', 'node', 'node', 'node', 'node', 'node', 'libuv-worker', 'libuv-worker'] },
  { comm: 'dockerd', uid: 0, threads: ['dockerd', 'dockerd', 'dockerd', 'dockerd'] },
  { comm: 'redis-server', uid: 106, threads: ['redis-server', 'bio_close_file', 'bio_aof', 'bio_lazy_free'] },
];

function pidstatGroups(rnd: Rng, rows: number): PidstatGroup[] {
  const groups: PidstatGroup[] = [{ uid: 0, tgid: APP_PID, comm: 'python3', threads: APP_THREADS.map((tid) => ({ tid, comm: 'python3' })), rate: 60000 }];
  let used = 1 + APP_THREADS.length;
  let lastId = 1200;
  while (used < rows) {
    const proc = pick(rnd, SERVICE_PROCS);
    const tgid = (lastId += 1 + int(rnd, 400));
    const want = Math.min(proc.threads.length, rows - used - 1);
    // Thread ids follow the process id, increasing (the kernel hands them out in order).
    const threads = proc.threads.slice(0, Math.max(1, want)).map((comm, i) => ({ tid: i === 0 ? tgid : (lastId += 1 + int(rnd, 3)), comm }));
    groups.push({ uid: proc.uid, tgid, comm: proc.comm, threads, rate: rnd() < 0.2 ? 2000 + rnd() * 20000 : rnd() * 200 });
    used += 1 + threads.length;
  }
  return groups;
}

const pidstatRow = (time: string, uid: number, tgid: string, tid: string, rd: number, wr: number, cc: number, delay: number, comm: string): string =>
  `${time.padEnd(11)} ${String(uid).padStart(5)} ${tgid.padStart(9)} ${tid.padStart(9)} ${f2(rd).padStart(9)} ${f2(wr).padStart(9)} ${f2(cc).padStart(9)} ${String(delay).padStart(7)}  ${comm}`;

const pidstatSampler: Sampler = (out, rnd, plan) => {
  const groups = pidstatGroups(rnd, plan.rows);
  out.line(sysstatBanner(plan.startSecond));
  for (let s = 0; s < plan.samples; s++) {
    const time = hms(plan.startSecond + 1 + s); // a row's time is the end of its interval
    out.line('');
    out.line(PIDSTAT_HEADER);
    let printed = 0;
    for (const g of groups) {
      if (printed >= plan.rows) break;
      const per = g.threads.map((t) => {
        // The app's main thread only accepts connections (as in the popularity capture); its workers write.
        const rate = t.tid === APP_PID ? 0 : g.rate;
        const active = rnd() < 0.4;
        return [active && rnd() < 0.1 ? rnd() * rate * 0.2 : 0, active ? rnd() * rate : 0, rnd() < 0.02 ? rnd() * rate * 5 : 0, rnd() < 0.1 ? int(rnd, 40) : 0] as const;
      });
      const sum = (k: 0 | 1 | 2 | 3): number => per.reduce((acc, p) => acc + p[k], 0);
      out.line(pidstatRow(time, g.uid, String(g.tgid), '-', sum(0), sum(1), sum(2), sum(3), g.comm));
      printed++;
      for (let i = 0; i < g.threads.length && printed < plan.rows; i++) {
        const t = g.threads[i]!;
        const p = per[i]!;
        out.line(pidstatRow(time, g.uid, '-', String(t.tid), p[0], p[1], p[2], p[3], `|__${t.comm}`));
        printed++;
      }
    }
  }
};

// ---- top -b -d 1 (procps-ng 4.0) ----------------------------------------------------------------------

const TOP_HEADER = '  PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND';
const MEM_TOTAL_MIB = 64213.6;

interface TopTask {
  pid: number;
  user: string;
  pr: string;
  ni: number;
  virt: number;
  res: number;
  shr: number;
  state: string;
  /** Typical %CPU: the app spins, the rest mostly idle. */
  cpu: number;
  centis: number;
  command: string;
  /** The columns up to SHR as printed, and %MEM: recomputed only when RES changes (the generator's hot loop). */
  head: string;
  mem: string;
}

function renderTopHead(t: TopTask): void {
  t.head = `${String(t.pid).padStart(5)} ${t.user.padEnd(8)} ${t.pr.padStart(3)} ${String(t.ni).padStart(3)} ${String(t.virt).padStart(7)} ${String(t.res).padStart(6)} ${String(t.shr).padStart(6)}`;
  t.mem = f1((t.res / (MEM_TOTAL_MIB * 1024)) * 100).padStart(5);
}

const KERNEL_THREADS = ['kworker/0:1-events', 'kworker/u32:2-flush-254:0', 'ksoftirqd/3', 'migration/5', 'rcu_preempt', 'kthreadd', 'jbd2/vda1-8', 'kcompactd0', 'khugepaged', 'kswapd0', 'xfsaild/dm-3', 'kdamond.0', 'cpuhp/7', 'idle_inject/2'];
const USER_COMMANDS = ['sshd', 'bash', 'cron', 'systemd', 'systemd-udevd', 'dbus-daemon', 'polkitd', 'agetty', 'chronyd', 'rsyslogd', 'postgres', 'nginx', 'java', 'node', 'containerd-shim', 'redis-server', 'unattended-upgr', 'multipathd', 'snmpd', 'qemu-ga'];
const USERS = ['root', 'root', 'root', 'postgres', 'www-data', 'app', 'redis', 'systemd+'];

function topTasks(rnd: Rng, count: number): TopTask[] {
  const tasks: TopTask[] = [];
  const appIndex = Math.floor(count * 0.7);
  let pid = 1;
  for (let i = 0; i < count; i++) {
    // The traced app sits among the user processes (later pids keep increasing from it).
    if (i === appIndex) pid = Math.max(pid, APP_PID);
    const isApp = i === appIndex;
    const kernel = i > 0 && i < count * 0.45;
    const command = i === 0 ? 'systemd' : isApp ? 'python3' : kernel ? pick(rnd, KERNEL_THREADS) : pick(rnd, USER_COMMANDS);
    // Kernel threads: `rt` (migration), PR 0 / NI -20 (the kworker/R pools) or the default 20 / 0.
    const prio = kernel ? rnd() : 1;
    tasks.push({
      pid,
      user: kernel || i === 0 || isApp ? 'root' : pick(rnd, USERS),
      pr: prio < 0.1 ? 'rt' : prio < 0.35 ? '0' : '20',
      ni: prio >= 0.1 && prio < 0.35 ? -20 : 0,
      virt: kernel ? 0 : 2000 + int(rnd, 3_000_000),
      res: kernel ? 0 : 1000 + int(rnd, 300_000),
      shr: kernel ? 0 : 500 + int(rnd, 60_000),
      state: kernel && rnd() < 0.5 ? 'I' : 'S',
      cpu: isApp ? 95 : rnd() < 0.1 ? rnd() * 30 : 0,
      centis: int(rnd, 2_000_000),
      command: topCommand(command),
      head: '',
      mem: '',
    });
    renderTopHead(tasks[tasks.length - 1]!);
    pid += 1 + int(rnd, kernel ? 3 : 300);
  }
  return tasks;
}

/** procps-ng's uptime text: `up 5 days,  3:12,` / `up 1 day, 12 min,`. */
function uptimeText(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor(seconds / 3600) % 24;
  const minutes = Math.floor(seconds / 60) % 60;
  const d = days > 0 ? `${days} ${days > 1 ? 'days' : 'day'}, ` : '';
  return hours > 0 ? `${d}${String(hours).padStart(2)}:${two(minutes)}, ` : `${d}${minutes} min, `;
}

/** TIME+ as top prints it: `M:SS.hh`. */
function timePlus(centis: number): string {
  const minutes = Math.floor(centis / 6000);
  return `${minutes}:${two(Math.floor(centis / 100) % 60)}.${two(centis % 100)}`;
}

/** COMMAND in an 80-column batch screen: 10 characters, longer names cut with `+`. */
const topCommand = (c: string): string => (c.length > 10 ? `${c.slice(0, 9)}+` : c);


const topSampler: Sampler = (out, rnd, plan) => {
  const tasks = topTasks(rnd, plan.rows);
  const upAtStart = 5 * 86400 + 3 * 3600 + 12 * 60;
  const cpuNow = new Float64Array(tasks.length);
  const order = tasks.map((_, i) => i);
  let load = [3.1, 2.8, 2.5];
  for (let s = 0; s < plan.samples; s++) {
    const second = plan.startSecond + s;
    let running = 0;
    for (let i = 0; i < tasks.length; i++) {
      const t = tasks[i]!;
      const cpu = t.cpu > 0 && rnd() < 0.8 ? t.cpu * (0.7 + rnd() * 0.6) : rnd() < 0.03 ? rnd() * 2 : 0;
      cpuNow[i] = Math.round(cpu * 10) / 10;
      t.centis += Math.round(cpuNow[i]!);
      t.state = cpuNow[i]! > 50 ? 'R' : t.state === 'R' ? 'S' : t.state;
      if (t.state === 'R') running++;
      if (t.virt > 0 && rnd() < 0.05) {
        t.res = Math.min(999_999, Math.max(1000, t.res + int(rnd, 2001) - 1000));
        renderTopHead(t);
      }
    }
    load = load.map((l, k) => Math.max(0, l + (rnd() - 0.5) * (0.3 / (k + 1))));
    const us = 20 + rnd() * 50;
    const sy = 3 + rnd() * 15;
    const wa = rnd() * 8;
    const id = Math.max(0, 100 - us - sy - wa - 0.4);
    const free = 20000 + rnd() * 1000;
    const cache = 30000 + rnd() * 500;
    out.line(`top - ${hms(second)} up ${uptimeText(upAtStart + s)} 1 user,  load average: ${load.map((l) => l.toFixed(2)).join(', ')}`);
    out.line(`Tasks: ${String(tasks.length).padStart(3)} total, ${String(running).padStart(3)} running, ${String(tasks.length - running).padStart(3)} sleeping,   0 stopped,   0 zombie`);
    out.line(`%Cpu(s):${f1(us).padStart(5)} us,${f1(sy).padStart(5)} sy,  0.0 ni,${f1(id).padStart(5)} id,${f1(wa).padStart(5)} wa,  0.0 hi,${f1(0.3).padStart(5)} si,${f1(0.1).padStart(5)} st `);
    out.line(`MiB Mem :${f1(MEM_TOTAL_MIB).padStart(9)} total,${f1(free).padStart(9)} free,${f1(MEM_TOTAL_MIB - free - cache).padStart(9)} used,${f1(cache).padStart(9)} buff/cache     `);
    out.line(`MiB Swap:${f1(8192).padStart(9)} total,${f1(8100.5).padStart(9)} free,${f1(91.5).padStart(9)} used.${f1(free + cache * 0.8).padStart(9)} avail Mem `);
    out.line('');
    out.line(TOP_HEADER);
    // top's default sort: %CPU, highest first; equal %CPU keep the process-list (pid) order.
    order.sort((a, b) => cpuNow[b]! - cpuNow[a]! || a - b);
    for (const i of order) {
      const t = tasks[i]!;
      out.line(`${t.head} ${t.state} ${f1(cpuNow[i]!).padStart(5)} ${t.mem} ${timePlus(t.centis).padStart(9)} ${t.command}`);
    }
    if (s < plan.samples - 1) out.line('');
  }
};

// ---- filetop -C -r N 1 (bcc python) -------------------------------------------------------------------

const FILETOP_HEADER = 'TID     COMM             READS  WRITES R_Kb    W_Kb    T FILE';

interface FiletopRow {
  tid: number;
  comm: string;
  reads: number;
  writes: number;
  rKb: number;
  wKb: number;
  type: string;
  file: string;
}

const FILETOP_OTHERS: ReadonlyArray<{ comm: string; type: string; files: readonly string[] }> = [
  { comm: 'postgres', type: 'R', files: ['2619', '2840', '16397', '16402_fsm', '1259', 'pg_internal.init', '000000010000000000000042'] },
  { comm: 'java', type: 'R', files: ['gc.log', 'app.log', 'catalina.out', 'rt.jar', 'access_log.2026-11-26.txt'] },
  { comm: 'nginx', type: 'R', files: ['access.log', 'error.log', 'index.html', 'app.js'] },
  { comm: 'rs:main Q:Reg', type: 'R', files: ['syslog', 'auth.log', 'kern.log'] },
  { comm: 'systemd-journal', type: 'R', files: ['system.journal', 'user-1000.journal'] },
  { comm: 'sshd', type: 'O', files: ['ptmx', 'null'] },
  { comm: 'bash', type: 'O', files: ['1', 'tty'] },
  { comm: 'python3', type: 'R', files: ['shutil.cpython-311.pyc', 'functools.cpython-311.pyc', 'popularity_app.py'] },
];

const filetopSampler: Sampler = (out, rnd, plan) => {
  const rows: FiletopRow[] = [];
  // The other threads doing file I/O: a stable set, as on a real host; each (thread, file) pair at most
  // once per interval, as filetop prints them (it sums per pair).
  const others = Array.from({ length: 128 }, () => ({ tid: 1000 + int(rnd, 60000), ...pick(rnd, FILETOP_OTHERS) }));
  const pairs = others.flatMap((o) => o.files.map((file) => ({ o, file })));
  let lastPid = 30000;
  out.line('Tracing... Output every 1 secs. Hit Ctrl-C to end');
  out.line('');
  for (let s = 0; s < plan.samples; s++) {
    lastPid += int(rnd, 20);
    out.line(`${hms(plan.startSecond + 1 + s)} loadavg: ${(2 + rnd()).toFixed(2)} ${(2.5 + rnd() * 0.3).toFixed(2)} ${(2.4 + rnd() * 0.2).toFixed(2)} ${1 + int(rnd, 6)}/${900 + int(rnd, 80)} ${lastPid}`);
    out.line('');
    out.line(FILETOP_HEADER);
    rows.length = 0;
    // The app's worker threads: one write per temp file, as in the popularity capture.
    const appRows = Math.min(plan.rows, Math.max(1, Math.round(plan.rows * 0.4)));
    // Consecutive file numbers from a random one: each thread's names differ within an interval.
    const firstFile = int(rnd, 1000);
    for (let i = 0; i < appRows; i++) {
      const wKb = 150 + int(rnd, 1900);
      rows.push({ tid: APP_THREADS[1 + (i % 3)]!, comm: 'python3', reads: 0, writes: 1 + int(rnd, 2), rKb: 0, wKb, type: 'R', file: `${(firstFile + Math.floor(i / 3)) % 1000}.txt` });
    }
    // A partial shuffle of the pairs: distinct pairs while there are enough of them.
    for (let i = 0; rows.length < plan.rows; i++) {
      const k = i % pairs.length;
      const j = k + int(rnd, pairs.length - k);
      [pairs[k], pairs[j]] = [pairs[j]!, pairs[k]!];
      const { o, file } = pairs[k]!;
      const reads = rnd() < 0.7 ? 1 + int(rnd, 5000) : 0;
      const writes = reads === 0 || rnd() < 0.3 ? 1 + int(rnd, 300) : 0;
      rows.push({ tid: o.tid, comm: o.comm, reads, writes, rKb: Math.floor((reads * (1 + int(rnd, 64))) / 4), wKb: Math.floor((writes * (1 + int(rnd, 16))) / 4), type: o.type, file });
    }
    // bcc's default sort (`all`): reads + writes + bytes read + bytes written, highest first.
    rows.sort((a, b) => b.reads + b.writes + b.rKb + b.wKb - (a.reads + a.writes + a.rKb + a.wKb));
    for (const r of rows) {
      out.line(`${String(r.tid).padEnd(7)} ${r.comm.padEnd(16)} ${String(r.reads).padEnd(6)} ${String(r.writes).padEnd(6)} ${String(r.rKb).padEnd(7)} ${String(r.wKb).padEnd(7)} ${r.type} ${r.file}`);
    }
    out.line('');
  }
};

// ---- opensnoop -T (bcc python) ------------------------------------------------------------------------

const OPENSNOOP_HEADER = 'TIME(s)       PID    COMM               FD ERR PATH';

const OPENSNOOP_OTHERS: ReadonlyArray<{ pid: number; comm: string; paths: readonly string[] }> = [
  { pid: 612, comm: 'systemd-journal', paths: ['/proc/26246/cgroup', '/proc/26246/comm', '/proc/26246/cmdline', '/run/log/journal/7f2c/system.journal'] },
  { pid: 1187, comm: 'snmpd', paths: ['/proc/net/dev', '/proc/net/if_inet6', '/proc/sys/net/ipv4/neigh/eth0/retrans_time_ms', '/proc/diskstats', '/proc/stat'] },
  { pid: 1402, comm: 'postgres', paths: ['base/16384/2619', 'base/16384/16397', 'pg_wal/000000010000000000000042', 'global/pg_control'] },
  { pid: 2210, comm: 'java', paths: ['/opt/app/logs/gc.log', '/opt/app/conf/application.yml', '/proc/self/mountinfo', '/sys/fs/cgroup/cpu.max'] },
  { pid: 933, comm: 'nginx', paths: ['/var/www/html/index.html', '/var/www/html/app.js', '/var/log/nginx/access.log'] },
  { pid: 30211, comm: 'cron', paths: ['/etc/passwd', '/etc/group', '/etc/localtime', '/etc/pam.d/cron'] },
];

const ENOENT_PATHS = ['/usr/lib/python3.11/lib-dynload/_json.cpython-311-x86_64-linux-gnu.so', '/etc/ld.so.preload', '/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libffi.so.8', '/etc/app/conf.d/local.yml'];

const opensnoopSampler: Sampler = (out, rnd, plan) => {
  out.line(OPENSNOOP_HEADER);
  const perSecond = plan.rows;
  const fracs: number[] = [];
  let first = -1;
  for (let s = 0; s < plan.samples; s++) {
    fracs.length = 0;
    for (let i = 0; i < perSecond; i++) fracs.push(int(rnd, 1_000_000_000));
    fracs.sort((a, b) => a - b);
    for (const frac of fracs) {
      // bcc prints the delta since the first event with `%-14.9f`: past 1000 s the 14 columns are full and
      // the PID follows without a space (`1000.0000000001956  …`), as real long captures show.
      const ns = s * 1_000_000_000 + frac;
      if (first < 0) first = ns;
      const rel = ns - first;
      const time = `${Math.floor(rel / 1e9)}.${String(rel % 1e9).padStart(9, '0')}`.padEnd(14);
      const r = rnd();
      let pid: number;
      let comm: string;
      let fd: number;
      let err = 0;
      let path: string;
      if (r < 0.45) {
        pid = APP_PID;
        comm = 'python3';
        fd = 6 + int(rnd, 3);
        path = `${pick(rnd, APP_DIRS)}/${int(rnd, 64)}.txt`;
      } else if (r < 0.55) {
        pid = APP_PID;
        comm = 'python3';
        fd = 3;
        path = `/usr/lib/python3.11/__pycache__/${pick(rnd, ['shutil', 'functools', 'subprocess', 'selectors'])}.cpython-311.pyc`;
      } else if (r < 0.6) {
        pid = r < 0.58 ? APP_PID : 30211;
        comm = pid === APP_PID ? 'python3' : 'cron';
        fd = -1;
        err = 2;
        path = pick(rnd, ENOENT_PATHS);
      } else {
        const o = pick(rnd, OPENSNOOP_OTHERS);
        pid = o.pid;
        comm = o.comm;
        fd = 3 + int(rnd, 40);
        path = pick(rnd, o.paths);
      }
      out.line(`${time}${String(pid).padEnd(6)} ${comm.padEnd(16)} ${String(fd).padStart(4)} ${String(err).padStart(3)} ${path}`);
    }
  }
};

// ---- the bundle ---------------------------------------------------------------------------------------

const SAMPLERS: Readonly<Record<Exclude<BundleTool, 'strace'>, Sampler>> = {
  top: topSampler,
  opensnoop: opensnoopSampler,
  pidstat: pidstatSampler,
  filetop: filetopSampler,
  iostat: iostatSampler,
};

/** Bytes per sample of a sampler at `rows` rows (mean over a few samples, on a counter: nothing written). */
function bytesPerSample(sampler: Sampler, seed: number, rows: number): number {
  const out = new Out(null);
  const samples = 6;
  sampler(out, mulberry32(seed), { startSecond: BUNDLE_START.secondOfDay, samples, rows });
  out.flush();
  return out.bytes / samples;
}

/** Rows per sample for which `samples` samples of `sampler` come closest to `bytes` (linear in rows). */
function fitRows(sampler: Sampler, seed: number, bytes: number, samples: number): number {
  const lo = 10;
  const hi = 110;
  const bLo = bytesPerSample(sampler, seed, lo);
  const bHi = bytesPerSample(sampler, seed, hi);
  const perRow = (bHi - bLo) / (hi - lo);
  const fixed = bLo - perRow * lo;
  return Math.max(1, Math.round((bytes / samples - fixed) / perRow));
}

export interface BundleFile {
  tool: BundleTool;
  /** File name inside the bundle folder. */
  name: string;
  bytes: number;
  lines: number;
  /** Rows per sample (devices, tasks, files, opens per second); 0 for strace. */
  rows_per_sample: number;
  command: string;
}

export interface BundleResult {
  dir: string;
  bytes: number;
  /** Samples per sampler = seconds the samplers cover. */
  seconds: number;
  files: BundleFile[];
}

export interface GenerateBundleOptions {
  /** Total size of the bundle's capture files (manifest.json not counted). */
  bytes: number;
  seed?: number;
  /**
   * Second of the start day's midnight where the samplers start (default BUNDLE_START.secondOfDay).
   * For tests of midnight rollover: the strace trace always starts at 17:35:25.
   */
  startSecond?: number;
}

function writeWith(file: string, fill: (out: Out) => void): { bytes: number; lines: number } {
  const fd = openSync(file, 'w');
  try {
    const out = new Out(fd);
    fill(out);
    out.flush();
    return { bytes: out.bytes, lines: out.lines };
  } finally {
    closeSync(fd);
  }
}

/**
 * Write the bundle's files into `dir` (created if needed). The samplers first, each for the same number
 * of seconds; the strace trace then takes whatever is left of `bytes`, so the total is `bytes` give or
 * take the last strace lines.
 */
export function generateBundle(dir: string, options: GenerateBundleOptions): BundleResult {
  const seed = options.seed ?? 0x5eed;
  if (!(options.bytes >= 64 * 1024)) throw new Error('a bundle needs at least 64 KiB');
  const startSecond = options.startSecond ?? BUNDLE_START.secondOfDay;
  mkdirSync(dir, { recursive: true });
  const topSeed = toolSeed(seed, 'top');
  const seconds = Math.max(3, Math.round((options.bytes * BUNDLE_MIX.top) / bytesPerSample(topSampler, topSeed, TOP_TASKS)));
  const files: BundleFile[] = [];
  let samplerBytes = 0;
  for (const tool of ['top', 'opensnoop', 'pidstat', 'filetop', 'iostat'] as const) {
    const sampler = SAMPLERS[tool];
    const s = toolSeed(seed, tool);
    const rows = tool === 'top' ? TOP_TASKS : fitRows(sampler, s, options.bytes * BUNDLE_MIX[tool], seconds);
    const { name, command } = BUNDLE_FILES[tool];
    const r = writeWith(join(dir, name), (out) => sampler(out, mulberry32(s), { startSecond, samples: seconds, rows }));
    files.push({ tool, name, bytes: r.bytes, lines: r.lines, rows_per_sample: rows, command: command(rows) });
    samplerBytes += r.bytes;
  }
  const straceName = BUNDLE_FILES.strace.name;
  const strace = generateStraceTrace(join(dir, straceName), { bytes: Math.max(64 * 1024, options.bytes - samplerBytes), seed: toolSeed(seed, 'strace') });
  files.unshift({ tool: 'strace', name: straceName, bytes: strace.bytes, lines: strace.lines, rows_per_sample: 0, command: BUNDLE_FILES.strace.command(0) });
  writeManifest(dir, files, startSecond, seconds);
  return { dir, bytes: samplerBytes + strace.bytes, seconds, files };
}

/**
 * manifest.json (schemas/manifest.schema.json): commands and start times, zone UTC. No `tool` field:
 * the tools are sniffed, as they would be in a bundle without a manifest.
 */
function writeManifest(dir: string, files: readonly BundleFile[], samplersStart: number, seconds: number): void {
  const straceStart = BUNDLE_START.secondOfDay;
  const manifest = {
    version: '1.0',
    host: HOST,
    kernel: KERNEL,
    timezone: 'UTC',
    collected_at: isoOf(Math.min(straceStart, samplersStart)),
    collector: `perftriage bench/gen-bundle.ts ${BUNDLE_GENERATOR_VERSION}`,
    cpus: CPUS,
    files: files.map((f) =>
      f.tool === 'strace'
        ? { path: f.name, command: f.command, started_at: isoOf(straceStart) }
        : { path: f.name, command: f.command, started_at: isoOf(samplersStart), ended_at: isoOf(samplersStart + seconds) },
    ),
  };
  writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

/**
 * A standalone `iostat -x -t 1` file of about `bytes` bytes (the jc comparison's ~100 MB file), with the
 * device count the bundle generator would fit for an iostat file of that size.
 */
export function generateIostatFile(file: string, options: GenerateBundleOptions & { devices?: number }): { bytes: number; lines: number; devices: number; samples: number } {
  const seed = toolSeed(options.seed ?? 0x5eed, 'iostat');
  const devices = options.devices ?? 36;
  const samples = Math.max(1, Math.round(options.bytes / bytesPerSample(iostatSampler, seed, devices)));
  const r = writeWith(file, (out) => iostatSampler(out, mulberry32(seed), { startSecond: BUNDLE_START.secondOfDay, samples, rows: devices }));
  return { ...r, devices, samples };
}
