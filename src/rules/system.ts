/**
 * What the system-level rules (cpu-iowait, cpu-saturation, memory-pressure, d-state-threads) read the same
 * way: CPU shares from whichever tool printed them, the CPU count, tasks in uninterruptible sleep, the
 * busiest devices and how to name a process. Pure functions over the rule context; no rule logic here.
 */
import type { SourceRef, TimelineRecord } from '../common/types.js';
import { downsampledOf, dStateSamples, isIntervalSample, num, presentSamples, stateSamples, str } from '../model/series.js';
import type { DeviceEntity, Model, ProcessEntity } from '../model/types.js';
import type { InputNeed, RuleContext } from './types.js';
import { pct, seconds } from './format.js';

/** The input of the rules that read CPU shares (cpu-iowait, cpu-saturation): any tool that prints them. */
export const CPU_SHARES_NEED: InputNeed = {
  label: 'top, vmstat, mpstat or iostat -c',
  kinds: ['top.summary', 'top.cpu', 'vmstat.sample', 'mpstat.cpu', 'iostat.cpu'],
  collect: 'vmstat -t 1 30 > vmstat.txt   (or: top -b -d 1 -n 30 > top.txt)',
};

/** One all-CPU sample: shares in percent of all CPUs; `busy` = everything but idle and iowait. */
export interface CpuSample {
  r: TimelineRecord;
  iowait: number;
  idle: number;
  busy: number;
  user?: number;
  system?: number;
  steal?: number;
  /** The busiest CPU for iowait in this sample, when the tool printed per-CPU lines. */
  maxIowaitCpu?: HotCpu;
}

/** A CPU's iowait in one sample, with the line that shows it. */
export interface HotCpu {
  cpu: string;
  iowait: number;
  line: SourceRef;
}

/** The CPU samples of one file: one tool's view of the capture's window. */
export interface CpuSource {
  file: string;
  /** What the support engineer calls it: `top`, `iostat -c`, `vmstat`, `mpstat`. */
  label: string;
  samples: CpuSample[];
}

const PREFERENCE: Record<string, number> = { top: 0, vmstat: 1, mpstat: 2, 'iostat -c': 3 };

function sample(r: TimelineRecord, idle: number | undefined, iowait: number | undefined, extra: Omit<CpuSample, 'r' | 'iowait' | 'idle' | 'busy'>): CpuSample | undefined {
  if (idle === undefined || iowait === undefined) return undefined;
  return { r, idle, iowait, busy: Math.max(0, 100 - idle - iowait), ...extra };
}

function defined<T extends object>(o: T): T {
  for (const k of Object.keys(o) as (keyof T)[]) if (o[k] === undefined) delete o[k];
  return o;
}

function sum(...vs: (number | undefined)[]): number | undefined {
  let total: number | undefined;
  for (const v of vs) if (v !== undefined) total = (total ?? 0) + v;
  return total;
}

function groupByFile(records: readonly TimelineRecord[]): Map<string, TimelineRecord[]> {
  const byFile = new Map<string, TimelineRecord[]>();
  for (const r of records) {
    if (!isIntervalSample(r)) continue;
    const list = byFile.get(r.source.file);
    if (list) list.push(r);
    else byFile.set(r.source.file, [r]);
  }
  return byFile;
}

/** top: the `%Cpu(s)` summary, or the mean of the per-CPU lines of a snapshot when only those were printed. */
function topSources(ctx: RuleContext): CpuSource[] {
  const perCpu = new Map<string, TimelineRecord[]>();
  for (const r of ctx.records('top.cpu')) {
    if (!isIntervalSample(r) || r.node !== undefined) continue;
    const key = `${r.source.file}#${r.time?.sample ?? 0}`;
    const list = perCpu.get(key);
    if (list) list.push(r);
    else perCpu.set(key, [r]);
  }
  const out: CpuSource[] = [];
  for (const [file, rows] of groupByFile(ctx.records('top.summary'))) {
    const samples: CpuSample[] = [];
    for (const r of rows) {
      const cpus = perCpu.get(`${file}#${r.time?.sample ?? 0}`) ?? [];
      const hottest = hottestCpu(cpus);
      const fromSummary = sample(r, num(r, 'cpu_id_pct'), num(r, 'cpu_wa_pct'), defined({ user: sum(num(r, 'cpu_us_pct'), num(r, 'cpu_ni_pct')), system: sum(num(r, 'cpu_sy_pct'), num(r, 'cpu_hi_pct'), num(r, 'cpu_si_pct')), steal: num(r, 'cpu_st_pct'), maxIowaitCpu: hottest }));
      const s = fromSummary ?? meanOfCpus(r, cpus, hottest);
      if (s) samples.push(s);
    }
    if (samples.length > 0) out.push({ file, label: 'top', samples });
  }
  return out;
}

function cpuName(r: TimelineRecord): string {
  const cpu = r.cpu;
  if (typeof cpu === 'number') return `CPU${cpu}`;
  return `CPU${String(r.cpu_first)}-${String(r.cpu_last)}`;
}

/** How many CPUs a top.cpu line stands for (`%Cpu0-3` is four). */
function weightOf(r: TimelineRecord): number {
  const first = num(r, 'cpu_first');
  const last = num(r, 'cpu_last');
  return first !== undefined && last !== undefined && last >= first ? last - first + 1 : 1;
}

function hottestCpu(cpus: readonly TimelineRecord[]): HotCpu | undefined {
  let best: HotCpu | undefined;
  for (const c of cpus) {
    const wa = num(c, 'cpu_wa_pct');
    if (wa !== undefined && (!best || wa > best.iowait)) best = { cpu: cpuName(c), iowait: wa, line: c.source };
  }
  return best;
}

/** A snapshot with per-CPU lines only: the all-CPU shares are their mean, weighted by CPUs per line. */
function meanOfCpus(summary: TimelineRecord, cpus: readonly TimelineRecord[], hottest: HotCpu | undefined): CpuSample | undefined {
  let weight = 0;
  const acc = { id: 0, wa: 0, user: 0, system: 0, steal: 0 };
  for (const c of cpus) {
    const id = num(c, 'cpu_id_pct');
    const wa = num(c, 'cpu_wa_pct');
    if (id === undefined || wa === undefined) continue;
    const w = weightOf(c);
    weight += w;
    acc.id += id * w;
    acc.wa += wa * w;
    acc.user += ((num(c, 'cpu_us_pct') ?? 0) + (num(c, 'cpu_ni_pct') ?? 0)) * w;
    acc.system += ((num(c, 'cpu_sy_pct') ?? 0) + (num(c, 'cpu_hi_pct') ?? 0) + (num(c, 'cpu_si_pct') ?? 0)) * w;
    acc.steal += (num(c, 'cpu_st_pct') ?? 0) * w;
  }
  if (weight === 0) return undefined;
  return sample(summary, acc.id / weight, acc.wa / weight, defined({ user: acc.user / weight, system: acc.system / weight, steal: acc.steal / weight, maxIowaitCpu: hottest }));
}

function iostatSources(ctx: RuleContext): CpuSource[] {
  const out: CpuSource[] = [];
  for (const [file, rows] of groupByFile(ctx.records('iostat.cpu'))) {
    const samples = rows
      .map((r) => sample(r, num(r, 'idle_pct'), num(r, 'iowait_pct'), defined({ user: sum(num(r, 'user_pct'), num(r, 'nice_pct')), system: num(r, 'system_pct'), steal: num(r, 'steal_pct') })))
      .filter((s): s is CpuSample => s !== undefined);
    if (samples.length > 0) out.push({ file, label: 'iostat -c', samples });
  }
  return out;
}

function vmstatSources(ctx: RuleContext): CpuSource[] {
  const out: CpuSource[] = [];
  for (const [file, rows] of groupByFile(ctx.records('vmstat.sample'))) {
    const samples = rows
      .map((r) => sample(r, num(r, 'idle_pct'), num(r, 'iowait_pct'), defined({ user: num(r, 'user_pct'), system: num(r, 'system_pct'), steal: num(r, 'steal_pct') })))
      .filter((s): s is CpuSample => s !== undefined);
    if (samples.length > 0) out.push({ file, label: 'vmstat', samples });
  }
  return out;
}

/** mpstat: the `all` row of each report; the per-CPU rows of the same report give the hottest CPU. */
function mpstatSources(ctx: RuleContext): CpuSource[] {
  const perCpu = new Map<string, HotCpu>();
  for (const r of ctx.records('mpstat.cpu')) {
    if (!isIntervalSample(r) || typeof r.cpu !== 'number') continue;
    const wa = num(r, 'iowait_pct');
    if (wa === undefined) continue;
    const key = `${r.source.file}#${r.time?.sample ?? 0}`;
    const best = perCpu.get(key);
    if (!best || wa > best.iowait) perCpu.set(key, { cpu: `CPU${r.cpu}`, iowait: wa, line: r.source });
  }
  const out: CpuSource[] = [];
  const all = ctx.records('mpstat.cpu').filter((r) => r.cpu === 'all');
  for (const [file, rows] of groupByFile(all)) {
    const samples = rows
      .map((r) =>
        sample(
          r,
          num(r, 'idle_pct'),
          num(r, 'iowait_pct'),
          defined({ user: sum(num(r, 'usr_pct'), num(r, 'nice_pct')), system: sum(num(r, 'sys_pct'), num(r, 'irq_pct'), num(r, 'soft_pct')), steal: num(r, 'steal_pct'), maxIowaitCpu: perCpu.get(`${file}#${r.time?.sample ?? 0}`) }),
        ),
      )
      .filter((s): s is CpuSample => s !== undefined);
    if (samples.length > 0) out.push({ file, label: 'mpstat', samples });
  }
  return out;
}

/** Every file that gives all-CPU shares, one source each, in a stable order (top first, then by file). */
export function cpuSources(ctx: RuleContext): CpuSource[] {
  return [...topSources(ctx), ...vmstatSources(ctx), ...mpstatSources(ctx), ...iostatSources(ctx)].sort(
    (a, b) => (PREFERENCE[a.label] ?? 9) - (PREFERENCE[b.label] ?? 9) || (a.file < b.file ? -1 : a.file > b.file ? 1 : 0),
  );
}

/** The source to report: the one with the most qualifying samples, then the most samples, then preference order. */
export function bestSource<T extends { source: CpuSource; hot: readonly { r: TimelineRecord }[] }>(candidates: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const c of candidates) {
    if (!best || countSamples(c.hot) > countSamples(best.hot) || (countSamples(c.hot) === countSamples(best.hot) && countSamples(c.source.samples) > countSamples(best.source.samples))) best = c;
  }
  return best;
}

export interface SustainOptions {
  min_samples: number;
  min_fraction: number;
}

/**
 * How many samples a list of samples stands for: a bucket merged by the timeline's downsampling counts
 * its samples, or `samples` when the item says how many of them qualified (samplesWhere).
 */
export function countSamples(items: readonly { r: TimelineRecord; samples?: number }[]): number {
  let n = 0;
  for (const s of items) n += s.samples ?? downsampledOf(s.r)?.samples ?? 1;
  return n;
}

/**
 * The samples of a record whose counter `field` (= `value` when not merged) passes `test`: a merged
 * record counts them from the values it counted (SeriesSpec.states), else from its mean.
 */
export function samplesWhere(r: TimelineRecord, field: string, value: number, test: (v: number) => boolean): number {
  const d = downsampledOf(r);
  if (!d) return test(value) ? 1 : 0;
  if (!d.states?.[field]) return test(value) ? d.present : 0;
  return stateSamples(r, field, (v) => test(Number(v)));
}

export function sustained(hot: number, of: number, o: SustainOptions): boolean {
  return of > 0 && hot >= o.min_samples && hot >= o.min_fraction * of;
}

export function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The CPU count: a sysstat banner (`(4 CPU)`), else the per-CPU lines top or mpstat printed. */
export function cpuCount(ctx: RuleContext): { cpus: number; from: string } | undefined {
  let banner = 0;
  for (const r of ctx.records('host.info')) banner = Math.max(banner, num(r, 'cpus') ?? 0);
  if (banner > 0) return { cpus: banner, from: 'sysstat banner' };
  const ids = new Set<number>();
  for (const r of ctx.records('top.cpu')) {
    const first = num(r, 'cpu_first') ?? num(r, 'cpu');
    const last = num(r, 'cpu_last') ?? first;
    if (first === undefined || last === undefined) continue;
    for (let c = first; c <= last && c - first < 4096; c++) ids.add(c);
  }
  if (ids.size > 0) return { cpus: ids.size, from: "top's per-CPU lines" };
  for (const r of ctx.records('mpstat.cpu')) if (typeof r.cpu === 'number') ids.add(r.cpu);
  if (ids.size > 0) return { cpus: ids.size, from: "mpstat's per-CPU rows" };
  return undefined;
}

/** `12280 (/usr/local/bin/python /app.py)`: the pid and the fullest name the model has. */
/** A record's process: its own `pid`, else the one the model joined it to (a thread's, a kernel task's). */
export function processIdOf(r: TimelineRecord): number | undefined {
  const p = num(r, 'pid');
  if (p !== undefined) return p;
  const id = r.entities?.process;
  return id ? Number(id.slice('process:'.length)) : undefined;
}

export function processLabel(model: Model, pid: number, fallback?: string): string {
  return `${pid} (${processName(model, pid) ?? fallback ?? '?'})`;
}

export function processName(model: Model, pid: number): string | undefined {
  const p = processOf(model, pid);
  return p?.command ?? p?.comm;
}

const processIndex = new WeakMap<Model, Map<number, ProcessEntity>>();

export function processOf(model: Model, pid: number): ProcessEntity | undefined {
  let index = processIndex.get(model);
  if (!index) {
    index = new Map(model.processes.map((p) => [p.pid, p]));
    processIndex.set(model, index);
  }
  return index.get(pid);
}

/** Devices by how busy iostat saw them: highest %util, then longest wait. */
export function busiestDevices(model: Model, max = 2): DeviceEntity[] {
  const waitOf = (d: DeviceEntity): number => Math.max(d.r_await_s?.max ?? 0, d.w_await_s?.max ?? 0);
  return model.devices
    .filter((d) => d.util_pct !== undefined)
    .sort((a, b) => (b.util_pct?.max ?? 0) - (a.util_pct?.max ?? 0) || waitOf(b) - waitOf(a) || (a.name < b.name ? -1 : 1))
    .slice(0, max);
}

/** `sda (%util up to 98%, waits up to 18.1 s)` */
export function describeDevice(d: DeviceEntity): string {
  const wait = Math.max(d.r_await_s?.max ?? 0, d.w_await_s?.max ?? 0);
  return `${d.name} (%util up to ${pct(d.util_pct?.max ?? 0)}${wait > 0 ? `, requests waited up to ${seconds(wait)}` : ''}${d.parallel ? ', serves requests in parallel' : ''})`;
}

/** Devices the model's I/O balance calls busy (high %util on a serial disk, or long write waits). */
export function busyDevices(model: Model): DeviceEntity[] {
  const busy = new Set(model.io_balance.filter((b) => b.device_busy).map((b) => b.device));
  return model.devices.filter((d) => busy.has(d.id)).sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** One task's states across the capture's snapshots (top iterations, ps files). */
export interface TaskStates {
  /** TID for thread rows, PID for process rows (a process row's state is its main thread's). */
  id: number;
  pid?: number;
  isThread: boolean;
  name?: string;
  snapshots: number;
  dSnapshots: number;
  wchans: string[];
  /** The D rows, in file/line order. */
  dRows: SourceRef[];
  firstD?: TimelineRecord;
  lastD?: TimelineRecord;
}

const STATE_KINDS = ['top.task', 'ps.thread', 'ps.process'] as const;

/** The one-letter state of a row: top's `S`, ps's `S` or the first letter of `STAT`. */
export function stateOf(r: TimelineRecord): string | undefined {
  return (str(r, 'state') ?? str(r, 'stat'))?.charAt(0);
}

/**
 * States per task over every snapshot that shows states. A snapshot is a top iteration or a ps file;
 * top's first iteration counts (its since-boot flag is about CPU shares only; states are instantaneous).
 * Tasks are keyed by TID when the row names a thread, else by PID.
 */
export function taskStates(ctx: RuleContext): { tasks: TaskStates[]; snapshots: number } {
  const tasks = new Map<number, TaskStates>();
  // Snapshot → the samples it stands for (several for a bucket of the timeline's downsampling).
  const seen = new Map<string, number>();
  const counted = new Set<string>();
  for (const kind of STATE_KINDS) {
    for (const r of ctx.records(kind)) {
      const state = stateOf(r);
      if (!state) continue;
      const snapshot = `${r.source.file}#${r.time?.sample ?? 0}`;
      seen.set(snapshot, Math.max(seen.get(snapshot) ?? 1, downsampledOf(r)?.samples ?? 1));
      const tid = num(r, 'tid');
      const pid = num(r, 'pid');
      const id = tid ?? pid;
      if (id === undefined) continue;
      // One vote per task per snapshot: `ps -efT` style files list a thread once, but be safe.
      const key = `${snapshot}>${id}`;
      if (counted.has(key)) continue;
      counted.add(key);
      let t = tasks.get(id);
      if (!t) {
        t = { id, isThread: false, snapshots: 0, dSnapshots: 0, wchans: [], dRows: [] };
        tasks.set(id, t);
      }
      if (tid !== undefined && (pid === undefined || pid !== tid || r.is_thread === true)) t.isThread = true;
      if (t.pid === undefined && pid !== undefined) t.pid = pid;
      const name = str(r, 'command');
      if (name && !t.name) t.name = name;
      t.snapshots += presentSamples(r);
      const dSamples = dStateSamples(r);
      if (dSamples === 0) continue;
      t.dSnapshots += dSamples;
      t.dRows.push(r.source);
      const wchan = str(r, 'wchan');
      if (wchan && !t.wchans.includes(wchan)) t.wchans.push(wchan);
      if (!t.firstD || replaces(r, t.firstD, -1)) t.firstD = r;
      if (!t.lastD || replaces(r, t.lastD, 1)) t.lastD = r;
    }
  }
  // A TID the rows did not tie to a process: the model's thread-of link may.
  const threadPid = new Map<number, number>();
  for (const x of ctx.model.threads) if (x.pid !== undefined) threadPid.set(x.tid, x.pid);
  for (const t of tasks.values()) if (t.pid === undefined && threadPid.has(t.id)) t.pid = threadPid.get(t.id);
  let snapshots = 0;
  for (const n of seen.values()) snapshots += n;
  return { tasks: [...tasks.values()].sort((a, b) => a.id - b.id), snapshots };
}

/**
 * Whether row `r` should replace `current` as the earliest (`direction` -1) or latest (+1) D row. A row
 * with a clock time beats one with only a sample number (a ps file has no time), so a message never mixes
 * "sample 1" with "10:00:03"; two rows without one go by sample.
 */
function replaces(r: TimelineRecord, current: TimelineRecord, direction: -1 | 1): boolean {
  const ri = r.time?.iso;
  const ci = current.time?.iso;
  if (ri !== undefined && ci !== undefined) return direction < 0 ? ri < ci : ri > ci;
  if (ri !== undefined || ci !== undefined) return ri !== undefined;
  const rs = r.time?.sample ?? 0;
  const cs = current.time?.sample ?? 0;
  return direction < 0 ? rs < cs : rs > cs;
}

/** One interval between two PSI snapshots of a series: its stalled share (%), from the totals. */
export interface PsiInterval {
  from: TimelineRecord;
  to: TimelineRecord;
  share: number;
}

/** Intervals between consecutive timed snapshots of one PSI series whose total grew (a reset or no time: skipped). */
export function psiIntervals(records: readonly TimelineRecord[]): PsiInterval[] {
  const out: PsiInterval[] = [];
  for (let k = 1; k < records.length; k++) {
    const from = records[k - 1]!;
    const to = records[k]!;
    const seconds = (to.time?.epoch ?? NaN) - (from.time?.epoch ?? NaN);
    const stalled = Number(to.total_us) - Number(from.total_us);
    if (!(seconds > 0) || stalled < 0) continue;
    // The snapshot is read a little after its timestamp: the share can pass 100 % by a hair.
    out.push({ from, to, share: Math.min(100, stalled / (seconds * 1e4)) });
  }
  return out;
}

/**
 * The system's peak PSI share for one resource and scope (its /proc/pressure, not a cgroup's): from the totals
 * of timed snapshots when a file has them, else the largest `avg60`. The file with the highest peak.
 */
export function psiPeak(ctx: RuleContext, resource: string, scope: 'some' | 'full'): { share: number; via: 'totals' | 'avg60'; file: string; line: SourceRef } | undefined {
  const byFile = new Map<string, TimelineRecord[]>();
  for (const r of ctx.records('pressure.stall')) {
    if (r.resource !== resource || r.scope !== scope || r.cgroup !== undefined) continue;
    const list = byFile.get(r.source.file);
    if (list) list.push(r);
    else byFile.set(r.source.file, [r]);
  }
  let best: { share: number; via: 'totals' | 'avg60'; file: string; line: SourceRef } | undefined;
  for (const [file, records] of [...byFile].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const timed = psiIntervals(records);
    const found = timed.length > 0
      ? timed.reduce((a, b) => (b.share > a.share ? b : a))
      : undefined;
    const candidate = found
      ? { share: found.share, via: 'totals' as const, file, line: found.to.source }
      : (() => {
          const r = records.reduce((a, b) => (Number(b.avg60) > Number(a.avg60) ? b : a));
          return { share: Number(r.avg60), via: 'avg60' as const, file, line: r.source };
        })();
    if (!best || candidate.share > best.share) best = candidate;
  }
  return best;
}
