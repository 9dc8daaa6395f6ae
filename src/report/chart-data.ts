/**
 * The series the report draws, taken from the timeline's records: CPU (us/sy/wa), per-device
 * utilization/latency/throughput (iostat), per-process and per-thread write/read rates (pidstat), opens
 * per second per path pattern (opensnoop, joined by the model). Interval samples only: since-boot reports
 * and averages are not points in time. When several files hold the same kind (iostat.txt and
 * iostat-t.txt), one chart reads one file — the one with real times and the most samples — and says which.
 */
import type { TimelineRecord } from '../common/types.js';
import type { Timeline } from '../timeline/build.js';
import type { Model } from '../model/types.js';
import { downsampledOf, presentSamples } from '../model/series.js';
import type { Unit } from './format.js';
import { clockLabel } from './format.js';
import { psiIntervals } from '../rules/system.js';
import type { ChartSeries, ChartSpec, XAxis } from './charts.js';

export interface ChartData extends ChartSpec {
  /** Where the points come from and what was left out, in plain words (our text, bundle names inside). */
  note: string;
}

export interface SkippedChart {
  title: string;
  reason: string;
}

/** Series per chart at most: the largest ones; the rest is named in the note. */
export const MAX_SERIES = 6;

interface Value {
  key: string;
  label: string;
  value: number;
  /** What the series is about (a device, a task): a group whose series are all zero is not drawn. */
  group: string;
}

interface Source {
  kinds: readonly string[];
  accept?: (r: TimelineRecord) => boolean;
  values: (r: TimelineRecord) => Value[];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function isIntervalSample(r: TimelineRecord): boolean {
  return !r.time?.since_boot && r.average !== true;
}

/** Per file: which axis its records can use, and per series the values at each x (averaged). */
interface FileSeries {
  file: string;
  axis: XAxis;
  xs: Set<number>;
  series: Map<string, { label: string; group: string; at: Map<number, { sum: number; n: number }> }>;
  /** Most samples behind one point: over 1 when analysis merged the file's samples into buckets. */
  perPoint: number;
}

function collect(records: readonly TimelineRecord[], source: Source): FileSeries[] {
  const byFile = new Map<string, { records: TimelineRecord[] }>();
  for (const r of records) {
    if (!source.kinds.includes(r.kind) || !isIntervalSample(r)) continue;
    if (source.accept && !source.accept(r)) continue;
    let entry = byFile.get(r.source.file);
    if (!entry) byFile.set(r.source.file, (entry = { records: [] }));
    entry.records.push(r);
  }
  const out: FileSeries[] = [];
  for (const [file, { records: list }] of byFile) {
    const axis: XAxis | undefined = list.every((r) => num(r.time?.epoch) !== undefined && r.time?.clock !== 'ordinal') ? 'time' : list.every((r) => num(r.time?.sample) !== undefined) ? 'sample' : undefined;
    if (!axis) continue;
    const fs: FileSeries = { file, axis, xs: new Set(), series: new Map(), perPoint: 1 };
    for (const r of list) {
      fs.perPoint = Math.max(fs.perPoint, downsampledOf(r)?.samples ?? 1);
      const x = axis === 'time' ? r.time!.epoch! : r.time!.sample!;
      fs.xs.add(x);
      for (const v of source.values(r)) {
        let s = fs.series.get(v.key);
        if (!s) fs.series.set(v.key, (s = { label: v.label, group: v.group, at: new Map() }));
        const cell = s.at.get(x);
        if (cell) {
          cell.sum += v.value;
          cell.n++;
        } else s.at.set(x, { sum: v.value, n: 1 });
      }
    }
    if (fs.series.size > 0) out.push(fs);
  }
  return out;
}

/**
 * Real times beat sample numbers (they line up with the other charts) unless the untimed file has more
 * than twice the samples; then more samples; then the file name (deterministic).
 */
function bestFile(candidates: readonly FileSeries[]): FileSeries | undefined {
  const weight = (f: FileSeries): number => f.xs.size * (f.axis === 'time' ? 2 : 1);
  return [...candidates].sort((a, b) => weight(b) - weight(a) || (a.axis === b.axis ? 0 : a.axis === 'time' ? -1 : 1) || b.xs.size - a.xs.size || (a.file < b.file ? -1 : 1))[0];
}

interface Built {
  spec?: ChartData;
  skipped?: SkippedChart;
}

/** The records of the given kinds, in timeline order. */
type RecordsOfKinds = (kinds: readonly string[]) => readonly TimelineRecord[];

/**
 * Each chart reads a few kinds of a timeline of ~10^5 records (a 1 GiB bundle): an index of positions by
 * kind, made once, spares each source a scan of all of them (~0.1 s of that report's serial tail).
 * Positions keep the timeline's order, also across the kinds of one source.
 */
function indexByKind(records: readonly TimelineRecord[]): RecordsOfKinds {
  const positions = new Map<string, number[]>();
  records.forEach((r, i) => {
    const list = positions.get(r.kind);
    if (list) list.push(i);
    else positions.set(r.kind, [i]);
  });
  return (kinds) => {
    const unique = [...new Set(kinds)];
    const at = unique.flatMap((k) => positions.get(k) ?? []);
    if (unique.length > 1) at.sort((a, b) => a - b);
    return at.map((i) => records[i]!);
  };
}

/**
 * One chart from the best file of a source. Series are ranked (largest first) and MAX_SERIES are kept;
 * a device or task whose series are all zero throughout is dropped when others are not (an idle loop
 * device, a sleeping process), but a zero series of a drawn device stays: "vda wrote nothing" is the point.
 */
function build(id: string, title: string, unit: Unit, recordsOf: RecordsOfKinds, sources: readonly Source[], missing: string, keepOrder = false): Built {
  const candidates = sources.flatMap((s) => collect(recordsOf(s.kinds), s));
  const best = bestFile(candidates);
  if (!best) return { skipped: { title, reason: missing } };
  // keepOrder: the sources' keys give the order (`1-us`, `2-sy`…), whatever order the lines came in.
  const entries = [...best.series.entries()];
  if (keepOrder) entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let series: (ChartSeries & { total: number; peak: number; group: string })[] = entries.map(([, s]) => {
    const points = [...s.at.entries()].map(([x, c]) => ({ x, y: c.sum / c.n })).sort((a, b) => a.x - b.x);
    return { label: s.label, group: s.group, points, total: points.reduce((t, p) => t + p.y, 0), peak: Math.max(...points.map((p) => p.y)) };
  });
  const liveGroups = new Set(series.filter((s) => s.peak > 0).map((s) => s.group));
  const kept = series.filter((s) => liveGroups.has(s.group));
  const droppedZero = liveGroups.size > 0 ? series.length - kept.length : 0;
  if (liveGroups.size > 0) series = kept;
  if (!keepOrder) series.sort((a, b) => b.total - a.total || (a.label < b.label ? -1 : 1));
  const cut = series.length - MAX_SERIES;
  series = series.slice(0, MAX_SERIES);
  const others = candidates.filter((c) => c !== best).map((c) => c.file);
  const points = best.perPoint > 1 ? `${best.xs.size} points, each the mean of up to ${best.perPoint} consecutive samples (analysis merged the file's samples; findings still use each bucket's peak)` : `${best.xs.size} interval sample(s)`;
  const notes: string[] = [`From ${best.file}, ${points}${best.axis === 'sample' ? ' (the file prints no times: x is the sample number)' : ''}.`];
  if (others.length > 0) notes.push(`Also in ${[...new Set(others)].sort().join(', ')} (not drawn).`);
  if (cut > 0) notes.push(`${cut} smaller series not drawn.`);
  if (droppedZero > 0) notes.push(`${droppedZero} series at zero throughout (idle) not drawn.`);
  if (best.xs.size < 2) notes.push('A single sample: shown as a point.');
  return { spec: { id, title, unit, xAxis: best.axis, series: series.map(({ label, points }) => ({ label, points })), note: notes.join(' ') } };
}

const CPU_SOURCES: readonly Source[] = [
  {
    kinds: ['top.summary'],
    accept: (r) => num(r.cpu_us_pct) !== undefined,
    values: (r) => cpuValues(r.cpu_us_pct, r.cpu_sy_pct, r.cpu_wa_pct),
  },
  // Per-CPU lines of top (`1` toggled): their mean per snapshot.
  { kinds: ['top.cpu'], values: (r) => cpuValues(r.cpu_us_pct, r.cpu_sy_pct, r.cpu_wa_pct) },
  { kinds: ['iostat.cpu'], values: (r) => cpuValues(r.user_pct, r.system_pct, r.iowait_pct) },
  { kinds: ['vmstat.sample'], values: (r) => cpuValues(r.user_pct, r.system_pct, r.iowait_pct) },
  { kinds: ['mpstat.cpu'], accept: (r) => r.cpu === 'all' || r.cpu === -1, values: (r) => cpuValues(r.usr_pct, r.sys_pct, r.iowait_pct) },
];

function cpuValues(user: unknown, system: unknown, iowait: unknown): Value[] {
  const out: Value[] = [];
  const u = num(user);
  const s = num(system);
  const w = num(iowait);
  if (u !== undefined) out.push({ key: '1-us', label: 'user (us)', value: u, group: 'cpu' });
  if (s !== undefined) out.push({ key: '2-sy', label: 'system (sy)', value: s, group: 'cpu' });
  if (w !== undefined) out.push({ key: '3-wa', label: 'iowait (wa)', value: w, group: 'cpu' });
  return out;
}

const deviceName = (r: TimelineRecord): string => String(r.device ?? '?');

function deviceSource(fields: readonly [string, string][]): Source {
  return {
    kinds: ['iostat.device'],
    values: (r) =>
      fields.flatMap(([field, what]) => {
        const v = num(r[field]);
        return v === undefined ? [] : [{ key: `${deviceName(r)}\u0000${field}`, label: what ? `${deviceName(r)} ${what}` : deviceName(r), value: v, group: deviceName(r) }];
      }),
  };
}

/** Series labels of tasks: `PID 12280 /usr/local/bin/python /app.py`, `TID 514 of 12280 …`. Processes indexed once. */
function taskLabeller(model: Model): (pid: number | undefined, tid: number | undefined, fallback: unknown) => string {
  const names = new Map(model.processes.map((p) => [p.pid, p.command ?? p.comm ?? '']));
  return (pid, tid, fallback) => {
    const name = (pid === undefined ? undefined : names.get(pid)) || (typeof fallback === 'string' ? fallback : '');
    const short = name.length > 48 ? `${name.slice(0, 47)}…` : name;
    return tid !== undefined ? `TID ${tid} of ${pid ?? '?'} ${short}` : `PID ${pid ?? '?'} ${short}`;
  };
}

function taskSource(label: ReturnType<typeof taskLabeller>, field: string, threads: boolean): Source {
  return {
    kinds: ['pidstat.task'],
    accept: (r) => (threads ? r.is_thread === true && num(r.tid) !== undefined : r.is_thread !== true) && num(r[field]) !== undefined,
    values: (r) => {
      const pid = num(r.pid);
      const tid = threads ? num(r.tid) : undefined;
      const key = String(threads ? tid : pid);
      return [{ key, label: label(pid, tid, r.command), value: num(r[field])!, group: key }];
    },
  };
}

/** An ISO time as epoch seconds; one without a zone is a wall-clock time read as UTC, like the timeline's `local` epochs. */
function epochOf(iso: string): number | undefined {
  const ms = Date.parse(/(?:[zZ]|[+-]\d\d:?\d\d)$/.test(iso) ? iso : `${iso}Z`);
  return Number.isNaN(ms) ? undefined : ms / 1000;
}

/** Opens in a list of opensnoop records: a record of merged identical opens (downsampling) counts them all. */
function countOpens(records: readonly TimelineRecord[]): number {
  let n = 0;
  for (const r of records) n += presentSamples(r);
  return n;
}

/**
 * Opens per second per pattern. With per-record times: one-second buckets. Without (opensnoop prints no
 * time unless -T): the file's run window, when the manifest gives one, spreads the opens evenly — an
 * average rate, said so in the note. Otherwise the chart is skipped.
 */
function opensChart(timeline: Timeline, model: Model): Built {
  const title = 'Opens per second per path pattern';
  const opens = timeline.records.filter((r) => r.kind === 'opensnoop.open' && r.entities?.pattern);
  if (opens.length === 0) return { skipped: { title, reason: 'no opensnoop opens fold into a path pattern (collect: opensnoop -T for 10 s while the problem happens)' } };
  const patternName = (id: string): string => model.patterns.find((p) => p.id === id)?.pattern ?? id.replace(/^pattern:/, '');
  const timed = opens.filter((r) => num(r.time?.epoch) !== undefined && r.time?.clock !== 'ordinal');
  // opensnoop -T of bcc prints seconds since it started: one file's own clock, bucketed the same way.
  const relative = timed.length > 0 ? [] : opens.filter((r) => num(r.time?.rel) !== undefined);
  const relativeFile = relative.length > 0 ? [...new Set(relative.map((r) => r.source.file))].sort()[0]! : undefined;
  const perPattern = new Map<string, Map<number, number>>();
  let note: string;
  let axis: XAxis = 'time';
  if (timed.length > 0 || relativeFile !== undefined) {
    const list = timed.length > 0 ? timed : relative.filter((r) => r.source.file === relativeFile);
    const at = (r: TimelineRecord): number => (timed.length > 0 ? r.time!.epoch! : r.time!.rel!);
    for (const r of list) {
      const key = r.entities!.pattern!;
      const bucket = Math.floor(at(r));
      let m = perPattern.get(key);
      if (!m) perPattern.set(key, (m = new Map()));
      // A record of merged identical opens (timeline downsampling) counts them all, at its first second.
      m.set(bucket, (m.get(bucket) ?? 0) + presentSamples(r));
    }
    // Fill the seconds in between with zeros so a quiet second shows as a dip, not as a straight line.
    let first = Infinity;
    let last = -Infinity;
    for (const m of perPattern.values()) for (const b of m.keys()) ((first = Math.min(first, b)), (last = Math.max(last, b)));
    if (last - first <= 3600) for (const m of perPattern.values()) for (let b = first; b <= last; b++) if (!m.has(b)) m.set(b, 0);
    if (timed.length > 0) note = `One-second buckets of ${countOpens(timed)} timed open(s) from opensnoop.`;
    else {
      axis = 'relative';
      note = `One-second buckets of ${countOpens(list)} open(s) from ${relativeFile}, which times them from its own start (TIME(s)).`;
    }
  } else {
    const windows = new Map(timeline.files.filter((f) => f.time_span).map((f) => [f.path, f.time_span!]));
    const byFile = new Map<string, TimelineRecord[]>();
    for (const r of opens) {
      if (!windows.has(r.source.file)) continue;
      const list = byFile.get(r.source.file) ?? [];
      list.push(r);
      byFile.set(r.source.file, list);
    }
    const file = [...byFile.keys()].sort((a, b) => countOpens(byFile.get(b)!) - countOpens(byFile.get(a)!) || (a < b ? -1 : 1))[0];
    if (!file) return { skipped: { title, reason: `the opens carry no time and no manifest gives their files' run window (collect: opensnoop -T, or record started_at/ended_at in manifest.json)` } };
    const span = windows.get(file)!;
    const start = epochOf(span.first);
    const end = epochOf(span.last);
    if (start === undefined || end === undefined) return { skipped: { title, reason: `the run window of ${file} is not a readable time` } };
    const seconds = Math.max(1, end - start);
    for (const r of byFile.get(file)!) {
      const key = r.entities!.pattern!;
      let m = perPattern.get(key);
      if (!m) perPattern.set(key, (m = new Map()));
      m.set(start, (m.get(start) ?? 0) + presentSamples(r));
    }
    for (const m of perPattern.values()) {
      const count = m.get(start)!;
      m.clear();
      m.set(start, count / seconds);
      m.set(start + seconds, count / seconds);
    }
    note = `${file} prints no time per open: the average rate over its run window (${clockLabel(start)}–${clockLabel(start + seconds)}, from the manifest).`;
  }
  let series = [...perPattern.entries()].map(([key, m]) => ({
    label: patternName(key),
    points: [...m.entries()].map(([x, y]) => ({ x, y })).sort((a, b) => a.x - b.x),
    total: [...m.values()].reduce((t, v) => t + v, 0),
  }));
  series.sort((a, b) => b.total - a.total || (a.label < b.label ? -1 : 1));
  const cut = series.length - MAX_SERIES;
  series = series.slice(0, MAX_SERIES);
  if (cut > 0) note += ` ${cut} smaller pattern(s) not drawn.`;
  return { spec: { id: 'chart-opens', title, unit: 'per_s', xAxis: axis, series: series.map(({ label, points }) => ({ label, points })), note } };
}

/** The PSI series drawn: time every task lost on I/O or memory, some task waiting for a CPU, some on I/O. */
const PSI_SERIES: ReadonlyArray<{ resource: string; scope: string; key: string; label: string }> = [
  { resource: 'io', scope: 'full', key: '1-io-full', label: 'I/O, every task (io full)' },
  { resource: 'memory', scope: 'full', key: '2-memory-full', label: 'memory, every task (memory full)' },
  { resource: 'cpu', scope: 'some', key: '3-cpu-some', label: 'a CPU, some task (cpu some)' },
  { resource: 'io', scope: 'some', key: '4-io-some', label: 'I/O, some task (io some)' },
];

/**
 * Each timed PSI snapshot's share of the interval before it, from the growth of its total stall time (exact;
 * the kernel's averages lag). The system's own files only: a cgroup's pressure is its own series.
 */
function pressureShares(records: readonly TimelineRecord[]): Map<TimelineRecord, number> {
  const series = new Map<string, TimelineRecord[]>();
  for (const r of records) {
    if (r.kind !== 'pressure.stall' || r.cgroup !== undefined) continue;
    const key = `${r.source.file}\u0000${String(r.resource)}\u0000${String(r.scope)}`;
    const list = series.get(key);
    if (list) list.push(r);
    else series.set(key, [r]);
  }
  const shares = new Map<TimelineRecord, number>();
  for (const list of series.values()) for (const i of psiIntervals(list)) shares.set(i.to, i.share);
  return shares;
}

function pressureSource(records: readonly TimelineRecord[]): Source {
  const shares = pressureShares(records);
  const timed = shares.size > 0;
  return {
    kinds: ['pressure.stall'],
    accept: (r) => r.cgroup === undefined && PSI_SERIES.some((p) => p.resource === r.resource && p.scope === r.scope) && (!timed || shares.has(r)),
    values: (r) => {
      const p = PSI_SERIES.find((q) => q.resource === r.resource && q.scope === r.scope)!;
      // Untimed snapshots: the kernel's 10-second average is the closest to a sample.
      const value = timed ? shares.get(r) : num(r.avg10);
      return value === undefined ? [] : [{ key: p.key, label: p.label, value, group: p.key }];
    },
  };
}

/** Every chart the timeline has data for, in reading order, and the ones skipped with why. */
export function buildCharts(timeline: Timeline, model: Model): { charts: ChartData[]; skipped: SkippedChart[] } {
  const records = timeline.records;
  const recordsOf = indexByKind(records);
  const label = taskLabeller(model);
  const built: Built[] = [
    build('chart-cpu', 'CPU: user, system and iowait', 'pct', recordsOf, CPU_SOURCES, 'no CPU samples (collect: top -b -d 1 -n 30, vmstat 1 30 or iostat -c 1 30)', true),
    build('chart-util', 'Device utilization (%util)', 'pct', recordsOf, [deviceSource([['util_pct', '']])], 'no iostat -x device samples (collect: iostat -d -x -t 1 30)'),
    build('chart-await', 'Device request latency (r_await, w_await)', 's', recordsOf, [deviceSource([['w_await_s', 'write'], ['r_await_s', 'read'], ['await_s', '']])], 'no iostat -x latency columns (collect: iostat -d -x -t 1 30)'),
    build('chart-throughput', 'Device throughput', 'bytes_per_s', recordsOf, [deviceSource([['write_bytes_per_s', 'write'], ['read_bytes_per_s', 'read']])], 'no iostat device samples (collect: iostat -d -x -t 1 30)'),
    build('chart-proc-write', 'Write rate per process (pidstat -d)', 'bytes_per_s', recordsOf, [taskSource(label, 'write_bytes_per_s', false)], 'no pidstat -d samples (collect: pidstat -d 1 30)'),
    build('chart-proc-read', 'Read rate per process (pidstat -d)', 'bytes_per_s', recordsOf, [taskSource(label, 'read_bytes_per_s', false)], 'no pidstat -d samples (collect: pidstat -d 1 30)'),
    build('chart-thread-write', 'Write rate per thread (pidstat -d -t)', 'bytes_per_s', recordsOf, [taskSource(label, 'write_bytes_per_s', true)], 'no per-thread I/O samples (collect: pidstat -d -t -p PID 1 30)'),
    opensChart(timeline, model),
    build('chart-pressure', 'Time stalled waiting (PSI)', 'pct', recordsOf, [pressureSource(records)], 'no PSI snapshots (collect: for i in $(seq 30); do date -Is; grep -H . /proc/pressure/*; sleep 1; done)', true),
  ];
  const charts: ChartData[] = [];
  const skipped: SkippedChart[] = [];
  for (const b of built) {
    if (b.skipped) skipped.push(b.skipped);
    else if (b.spec && b.spec.series.every((s) => s.points.every((p) => p.y === 0)) && b.spec.id === 'chart-proc-read') skipped.push({ title: b.spec.title, reason: 'every process read 0 B/s' });
    else if (b.spec) charts.push(b.spec);
  }
  return { charts, skipped };
}
