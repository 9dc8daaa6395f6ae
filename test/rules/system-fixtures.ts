/**
 * Small synthetic captures for the system-level rules (cpu-iowait, cpu-saturation, memory-pressure,
 * d-state-threads): vmstat, top -b (processes or -H threads), iostat -c and ps -eLo outputs, written the
 * way the tools print them.
 */

export interface VmstatRow {
  r?: number;
  b?: number;
  swpdKiB?: number;
  freeKiB?: number;
  buffKiB?: number;
  cacheKiB?: number;
  siKiB?: number;
  soKiB?: number;
  us?: number;
  sy?: number;
  id?: number;
  wa?: number;
  st?: number;
}

/** `vmstat 1 N` (procps-ng, KiB): the first row is since boot, as vmstat prints it. */
export function vmstat(rows: readonly VmstatRow[]): string {
  const head = 'procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n';
  const line = (x: VmstatRow): string => {
    const cells = [x.r ?? 0, x.b ?? 0, x.swpdKiB ?? 0, x.freeKiB ?? 4000000, x.buffKiB ?? 100000, x.cacheKiB ?? 2000000, x.siKiB ?? 0, x.soKiB ?? 0, 10, 20, 300, 600, x.us ?? 2, x.sy ?? 1, x.id ?? 97, x.wa ?? 0, x.st ?? 0];
    const widths = [2, 2, 6, 6, 6, 6, 4, 4, 5, 5, 4, 4, 2, 2, 2, 2, 2];
    return cells.map((c, i) => String(c).padStart(widths[i]!)).join(' ');
  };
  return head + rows.map(line).join('\n') + '\n';
}

export interface TopTask {
  id: number;
  state: string;
  cpu?: number;
  resKiB?: number;
  command: string;
}

export interface TopSnapshot {
  time: string;
  load1?: number;
  running?: number;
  dsleep?: number;
  us?: number;
  sy?: number;
  id?: number;
  wa?: number;
  st?: number;
  totalMiB?: number;
  availMiB?: number;
  swapTotalMiB?: number;
  swapUsedMiB?: number;
  tasks?: readonly TopTask[];
}

const f1 = (v: number): string => v.toFixed(1);
/** RES as top prints it: KiB, or scaled with a suffix when the number does not fit its 6 columns. */
const res = (kib: number): string => (String(kib).length <= 6 ? String(kib) : `${(kib / 1048576).toFixed(1)}g`);

/** `top -b` (procps-ng 3.3.10+ layout, MiB); `threads` prints `Threads:` as under `-H`. */
export function top(snapshots: readonly TopSnapshot[], threads = false): string {
  return snapshots
    .map((s) => {
      const total = s.totalMiB ?? 7859.5;
      const avail = s.availMiB ?? 5000;
      const swapTotal = s.swapTotalMiB ?? 2048;
      const swapUsed = s.swapUsedMiB ?? 0;
      const load = s.load1 ?? 0.5;
      const tasks = s.tasks ?? [];
      const head = [
        `top - ${s.time} up 1 day,  2:03,  1 user,  load average: ${load.toFixed(2)}, ${load.toFixed(2)}, ${load.toFixed(2)}`,
        `${threads ? 'Threads' : 'Tasks'}: 120 total,   ${s.running ?? 1} running, 119 sleeping,   0 stopped,   0 zombie`,
        `%Cpu(s): ${f1(s.us ?? 2)} us, ${f1(s.sy ?? 1)} sy,  0.0 ni, ${f1(s.id ?? 97)} id, ${f1(s.wa ?? 0)} wa,  0.0 hi,  0.0 si, ${f1(s.st ?? 0)} st`,
        `MiB Mem : ${f1(total).padStart(8)} total, ${f1(avail / 2).padStart(8)} free, ${f1(total - avail).padStart(8)} used, ${f1(avail / 2).padStart(8)} buff/cache`,
        `MiB Swap: ${f1(swapTotal).padStart(8)} total, ${f1(swapTotal - swapUsed).padStart(8)} free, ${f1(swapUsed).padStart(8)} used. ${f1(avail).padStart(8)} avail Mem`,
        '',
        '    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND',
      ];
      const rows = tasks.map((t) => `${String(t.id).padStart(7)} app       20   0  903304 ${res(t.resKiB ?? 28824).padStart(6)}   7276 ${t.state} ${f1(t.cpu ?? 0).padStart(5)}   0.4   0:08.77 ${t.command}`);
      return [...head, ...rows, ''].join('\n');
    })
    .join('\n');
}

/** `iostat -c 1` with its banner: the first report is since boot. */
export function iostatCpu(cpus: number, reports: readonly { user: number; system: number; iowait: number; steal?: number; idle: number }[]): string {
  const banner = `Linux 6.1.0 (host) \t01/02/24 \t_x86_64_\t(${cpus} CPU)\n\n`;
  return (
    banner +
    reports
      .map((r) => `avg-cpu:  %user   %nice %system %iowait  %steal   %idle\n          ${[r.user, 0, r.system, r.iowait, r.steal ?? 0, r.idle].map((v) => v.toFixed(2).padStart(6)).join('  ')}\n\n`)
      .join('')
  );
}

/** `ps -eLo pid,tid,stat,wchan:32,comm`, one snapshot. */
export function psThreads(rows: readonly { pid: number; tid: number; stat: string; wchan?: string; comm: string }[]): string {
  return (
    '    PID     TID STAT WCHAN                            COMMAND\n' +
    rows.map((r) => `${String(r.pid).padStart(7)} ${String(r.tid).padStart(7)} ${r.stat.padEnd(4)} ${(r.wchan ?? '-').padEnd(32)} ${r.comm}`).join('\n') +
    '\n'
  );
}

/** `mpstat -P ALL 1` with its banner: an `all` row and one row per CPU in each report, then `Average:`. */
export function mpstat(cpus: number, reports: readonly { usr: number; sys: number; iowait?: number; steal?: number; idle: number }[]): string {
  const banner = `Linux 6.1.0 (host) \t01/02/24 \t_x86_64_\t(${cpus} CPU)\n\n`;
  const header = (t: string): string => `${t}     CPU    %usr   %nice    %sys %iowait    %irq   %soft  %steal  %guest  %gnice   %idle\n`;
  const row = (t: string, cpu: string, r: { usr: number; sys: number; iowait?: number; steal?: number; idle: number }): string =>
    `${t}     ${cpu.padStart(3)} ${[r.usr, 0, r.sys, r.iowait ?? 0, 0, 0, r.steal ?? 0, 0, 0, r.idle].map((v) => v.toFixed(2).padStart(7)).join(' ')}\n`;
  let out = banner;
  reports.forEach((r, i) => {
    const prev = `10:00:${String(i).padStart(2, '0')}`;
    const t = `10:00:${String(i + 1).padStart(2, '0')}`;
    out += header(prev) + row(t, 'all', r);
    for (let c = 0; c < cpus; c++) out += row(t, String(c), r);
    out += '\n';
  });
  return out;
}
