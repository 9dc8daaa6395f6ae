/**
 * io-heavy-process: the processes (and, inside them, the threads) that explain most of what was written
 * to a device, or to the page cache when the device stayed idle.
 *
 * pidstat -d counts a process's writes when it dirties pages (kB_wr/s), so it measures what the process
 * asked for, not what reached the disk. The model's I/O balance sets each process against the device its
 * files live on (iostat). A process is named when it wrote at least `min_rate_bytes_per_s` on average over
 * pidstat's samples and explains at least `min_share` of the device's writes — or, when the device wrote
 * (almost) nothing, of what all processes dirtied. Inside the process, the threads that wrote are found in
 * pidstat -dt, iotop, filetop (per-thread bytes per base name, joined to paths by the model) and strace
 * path aggregates, and the files they wrote folded into the model's path patterns.
 *
 * The helpers `processWrites`, `writingThreads` and `commandOf` are shared with page-cache-absorbed and
 * strace-missed-threads.
 */
import type { SourceRef, TimelineRecord } from '../../common/types.js';
import { endEpoch, isIntervalSample, num, peakValue, str } from '../../model/series.js';
import type { IoBalance, Model } from '../../model/types.js';
import type { FindingDraft, RuleContext, RuleModule } from '../types.js';
import { at, bytes, list, pct, rate, span } from '../format.js';
import { processIdOf } from '../system.js';

export interface IoHeavyProcessOptions {
  /** Average write rate (bytes/s, over pidstat's samples) below which a process is never named. */
  min_rate_bytes_per_s: number;
  /** Share of the device's writes (or of all processes' writes, when the device wrote nothing) it must explain. */
  min_share: number;
}

const defaults: IoHeavyProcessOptions = { min_rate_bytes_per_s: 1024 * 1024, min_share: 0.25 };

/** A device that wrote less than this (bytes/s on average) is idle: shares are taken of the page cache's traffic. */
const IDLE_DEVICE_RATE = 64 * 1024;

// ---------------------------------------------------------------------------------------------------
// Shared helpers (also used by page-cache-absorbed and strace-missed-threads)
// ---------------------------------------------------------------------------------------------------

/** What pidstat -d says one process wrote, summed over interval samples (rate × interval). */
export interface ProcessWrites {
  pid: number;
  written_bytes: number;
  cancelled_bytes: number;
  /** The sample with the highest kB_wr/s, and with the highest kB_ccwr/s (when any was above zero). */
  peak?: TimelineRecord;
  cancelled_peak?: TimelineRecord;
  /** First and last samples in which it wrote (kB_wr/s above zero). */
  first?: TimelineRecord;
  last?: TimelineRecord;
  /** Interval samples that show the process. */
  samples: number;
}

export interface PidstatWrites {
  byPid: Map<number, ProcessWrites>;
  /** Seconds covered by pidstat -d's interval samples (each (file, sample) counted once). */
  seconds: number;
  /** Bytes dirtied by all processes. */
  total_bytes: number;
}

/** Seconds by which two pidstat files' whole-second labels can disagree about the same interval. */
const CLOCK_SLACK_S = 1;

interface PidstatRow {
  r: TimelineRecord;
  wr: number;
  cc: number;
  interval: number;
  /** End of the interval (epoch seconds), when the record has an absolute time. */
  end?: number;
}

interface Range {
  start: number;
  end: number;
}

function rangeOf(rows: readonly PidstatRow[]): Range | undefined {
  let start = Infinity;
  let end = -Infinity;
  for (const row of rows) {
    if (row.end === undefined) continue;
    start = Math.min(start, row.end - row.interval);
    end = Math.max(end, row.end);
  }
  return start < end ? { start, end } : undefined;
}

/** Length of the union of ranges. */
function unionLength(ranges: readonly Range[]): number {
  const sorted = [...ranges].sort((a, b) => a.start - b.start);
  let total = 0;
  let cur: Range | undefined;
  for (const r of sorted) {
    if (cur && r.start <= cur.end) cur.end = Math.max(cur.end, r.end);
    else {
      if (cur) total += cur.end - cur.start;
      cur = { ...r };
    }
  }
  return total + (cur ? cur.end - cur.start : 0);
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

/**
 * A process's rows with overlapping files removed: a bundle often holds pidstat -d for the whole capture
 * and pidstat -dt -p PID for part of it, and adding both would count the same bytes twice. Files are taken
 * longest first; a row of a later file is kept only outside the time the earlier files cover.
 */
function withoutOverlaps(rows: readonly PidstatRow[]): PidstatRow[] {
  const files = [...groupBy(rows, (row) => row.r.source.file)].map(([file, list]) => ({ file, list, range: rangeOf(list) }));
  files.sort((a, b) => (b.range ? b.range.end - b.range.start : 0) - (a.range ? a.range.end - a.range.start : 0) || (a.file < b.file ? -1 : 1));
  const covered: Range[] = [];
  const kept: PidstatRow[] = [];
  for (const f of files) {
    const mine = f.list.filter((row) => row.end === undefined || !covered.some((c) => row.end! - row.interval < c.end + CLOCK_SLACK_S && row.end! > c.start - CLOCK_SLACK_S));
    kept.push(...mine);
    const range = rangeOf(mine);
    if (range) covered.push(range);
  }
  return kept;
}

/**
 * pidstat -d process rows (not -t thread rows, which split the same bytes again), interval samples only;
 * files that overlap in time are counted once (see withoutOverlaps).
 */
export function processWrites(ctx: RuleContext): PidstatWrites {
  const perPid = new Map<number, PidstatRow[]>();
  const untimed = new Set<string>();
  let untimedSeconds = 0;
  const all: PidstatRow[] = [];
  for (const r of ctx.records('pidstat.task')) {
    if (r.tid !== undefined || !isIntervalSample(r)) continue;
    const wr = num(r, 'write_bytes_per_s');
    const pid = num(r, 'pid');
    const interval = r.time?.interval_s;
    if (wr === undefined || pid === undefined || interval === undefined || interval <= 0) continue;
    const row: PidstatRow = { r, wr, cc: num(r, 'cancelled_write_bytes_per_s') ?? 0, interval };
    const end = endEpoch(r);
    if (end !== undefined) row.end = end;
    else {
      const key = `${r.source.file}#${r.time?.sample ?? r.time?.iso ?? r.source.line}`;
      if (!untimed.has(key)) {
        untimed.add(key);
        untimedSeconds += interval;
      }
    }
    all.push(row);
    const list = perPid.get(pid);
    if (list) list.push(row);
    else perPid.set(pid, [row]);
  }
  const fileRanges = [...groupBy(all, (row) => row.r.source.file).values()].map(rangeOf).filter((x): x is Range => x !== undefined);
  const seconds = unionLength(fileRanges) + untimedSeconds;

  const byPid = new Map<number, ProcessWrites>();
  let total = 0;
  for (const [pid, rows] of perPid) {
    const w: ProcessWrites = { pid, written_bytes: 0, cancelled_bytes: 0, samples: 0 };
    for (const { r, wr, cc, interval } of withoutOverlaps(rows)) {
      w.samples++;
      w.written_bytes += wr * interval;
      w.cancelled_bytes += cc * interval;
      if (wr > 0 && (!w.peak || peakValue(r, 'write_bytes_per_s')! > (peakValue(w.peak, 'write_bytes_per_s') ?? 0))) w.peak = r;
      if (wr > 0 && (!w.first || isoOf(r) < isoOf(w.first))) w.first = r;
      if (wr > 0 && (!w.last || isoOf(r) > isoOf(w.last))) w.last = r;
      if (cc > 0 && (!w.cancelled_peak || peakValue(r, 'cancelled_write_bytes_per_s')! > (peakValue(w.cancelled_peak, 'cancelled_write_bytes_per_s') ?? 0))) w.cancelled_peak = r;
    }
    total += w.written_bytes;
    byPid.set(pid, w);
  }
  return { byPid, seconds, total_bytes: total };
}

function isoOf(r: TimelineRecord): string {
  return r.time?.iso ?? '';
}

/** The device's iostat interval sample with the most bytes written: the line that shows what reached it. */
export function busiestDeviceRow(ctx: RuleContext, deviceId: string): TimelineRecord | undefined {
  let best: TimelineRecord | undefined;
  for (const r of ctx.records('iostat.device')) {
    if (r.entities?.device !== deviceId || !isIntervalSample(r)) continue;
    if (!best || (peakValue(r, 'write_bytes_per_s') ?? 0) > (peakValue(best, 'write_bytes_per_s') ?? 0)) best = r;
  }
  return best;
}

export type ThreadTool = 'pidstat -dt' | 'iotop' | 'filetop' | 'strace';

/** Bytes one tool says a thread wrote, and the row that shows the most. */
export interface ThreadSource {
  tool: ThreadTool;
  /** The tool, or for strace the capture's file name (`strace-f.txt`). */
  label: string;
  bytes: number;
  evidence: SourceRef;
}

export interface ThreadWrites {
  tid: number;
  pid: number;
  sources: ThreadSource[];
  /** Pattern (or path, for a file in no pattern) → bytes, the largest source per key. */
  targets: Map<string, number>;
  /** The largest byte count any one tool gives: tools overlap in time, so they are never added. */
  bytes: number;
}

/** A path a thread writes to that is a file, not a socket, pipe, terminal or kernel interface. */
function isFilePath(path: string): boolean {
  return path.startsWith('/') && !path.startsWith('/dev/') && !path.startsWith('/proc/') && !path.startsWith('/sys/');
}


class ThreadTally {
  private readonly perTid = new Map<number, { sources: Map<string, ThreadSource & { max: number }>; targets: Map<string, Map<string, number>> }>();

  add(tid: number, tool: ThreadTool, label: string, amount: number, r: TimelineRecord, rowWeight: number, target?: string): void {
    if (amount <= 0) return;
    let t = this.perTid.get(tid);
    if (!t) {
      t = { sources: new Map(), targets: new Map() };
      this.perTid.set(tid, t);
    }
    const s = t.sources.get(label);
    if (!s) t.sources.set(label, { tool, label, bytes: amount, evidence: r.source, max: rowWeight });
    else {
      s.bytes += amount;
      if (rowWeight > s.max) {
        s.max = rowWeight;
        s.evidence = r.source;
      }
    }
    if (target) {
      const byLabel = t.targets.get(label) ?? new Map<string, number>();
      byLabel.set(target, (byLabel.get(target) ?? 0) + amount);
      t.targets.set(label, byLabel);
    }
  }

  result(pid: number, minBytes: number): ThreadWrites[] {
    const out: ThreadWrites[] = [];
    for (const [tid, t] of this.perTid) {
      const sources = [...t.sources.values()].map(({ tool, label, bytes: b, evidence }) => ({ tool, label, bytes: b, evidence })).sort((a, b) => b.bytes - a.bytes || (a.label < b.label ? -1 : 1));
      const best = sources[0]?.bytes ?? 0;
      if (best < minBytes) continue;
      const targets = new Map<string, number>();
      for (const byLabel of t.targets.values()) for (const [k, v] of byLabel) targets.set(k, Math.max(targets.get(k) ?? 0, v));
      out.push({ tid, pid, sources, targets, bytes: best });
    }
    return out.sort((a, b) => b.bytes - a.bytes || a.tid - b.tid);
  }
}

/**
 * The threads of `pid` that wrote, by every tool that tells threads apart: pidstat -dt (kB_wr/s ×
 * interval), iotop (DISK WRITE × interval), filetop (bytes written per base name, joined to a path or
 * pattern by the model) and strace path aggregates (bytes of write calls on files). Sorted by bytes.
 */
export function writingThreads(ctx: RuleContext, pid: number, minBytes = 1): ThreadWrites[] {
  const tally = new ThreadTally();
  const patternOfPath = new Map(ctx.model.files.filter((f) => f.pattern).map((f) => [f.path, f.pattern!.slice('pattern:'.length)]));
  for (const r of ctx.records('pidstat.task')) {
    const tid = num(r, 'tid');
    if (tid === undefined || !isIntervalSample(r) || processIdOf(r) !== pid) continue;
    const wr = num(r, 'write_bytes_per_s') ?? 0;
    tally.add(tid, 'pidstat -dt', 'pidstat -dt', wr * (r.time?.interval_s ?? 1), r, wr);
  }
  for (const r of ctx.records('iotop.task')) {
    const tid = num(r, 'tid');
    if (tid === undefined || processIdOf(r) !== pid) continue;
    const wr = num(r, 'written_bytes_per_s');
    if (wr !== undefined) tally.add(tid, 'iotop', 'iotop', wr * (r.time?.interval_s ?? 1), r, wr);
  }
  for (const r of ctx.records('filetop.file')) {
    const tid = num(r, 'tid');
    // Regular files only: filetop -a also lists sockets and other types, which are not file I/O.
    if (tid === undefined || processIdOf(r) !== pid || (r.type !== undefined && r.type !== 'R')) continue;
    const wb = num(r, 'written_bytes') ?? 0;
    const target = r.entities?.file?.slice('file:'.length) ?? r.entities?.pattern?.slice('pattern:'.length);
    const path = target ?? str(r, 'file');
    tally.add(tid, 'filetop', 'filetop', wb, r, wb, path);
  }
  for (const r of ctx.records('strace.aggregate')) {
    const tid = num(r, 'tid');
    const path = str(r, 'path');
    if (r.scope !== 'path' || tid === undefined || !path || !isFilePath(path) || num(r, 'pid') !== pid) continue;
    const wb = num(r, 'written_bytes') ?? 0;
    tally.add(tid, 'strace', r.source.file, wb, r, wb, patternOfPath.get(path) ?? path);
  }
  return tally.result(pid, minBytes);
}

/** The fullest name of a process: its command line, else its comm, else what pidstat printed. */
export function commandOf(model: Model, pid: number, fallback?: TimelineRecord): string {
  const p = model.processes.find((x) => x.pid === pid);
  return p?.command ?? p?.comm ?? (fallback ? str(fallback, 'command') : undefined) ?? '?';
}

/** "26415 (pidstat -dt 216 MiB, filetop 78 MiB)". */
export function describeThread(t: ThreadWrites): string {
  return `${t.tid} (${t.sources.map((s) => `${s.label} ${bytes(s.bytes)}`).join(', ')})`;
}

/** What a process wrote to: its patterns and loose files with written bytes, largest first. */
export function writtenTargets(model: Model, pid: number, threads: readonly ThreadWrites[]): { name: string; bytes: number; pattern: boolean }[] {
  const byName = new Map<string, { bytes: number; pattern: boolean }>();
  const put = (name: string, b: number, pattern: boolean): void => {
    const prev = byName.get(name);
    if (!prev || b > prev.bytes) byName.set(name, { bytes: b, pattern });
  };
  for (const p of model.patterns) if (p.pids.includes(pid) && p.written_bytes > 0) put(p.pattern, p.written_bytes, true);
  for (const f of model.files) if (!f.pattern && f.pids.includes(pid) && (f.written_bytes ?? 0) > 0 && isFilePath(f.path)) put(f.path, f.written_bytes!, false);
  // Per-thread targets (filetop joins the model made) cover what the process-level tables may not.
  const patternNames = new Set(model.patterns.map((p) => p.pattern));
  const summed = new Map<string, number>();
  for (const t of threads) for (const [k, v] of t.targets) summed.set(k, (summed.get(k) ?? 0) + v);
  for (const [k, v] of summed) if (isFilePath(k)) put(k, v, patternNames.has(k));
  const all = [...byName].map(([name, v]) => ({ name, ...v })).sort((a, b) => b.bytes - a.bytes || (a.name < b.name ? -1 : 1));
  const top = all[0]?.bytes ?? 0;
  return all.filter((t) => t.bytes >= top / 100).slice(0, 4);
}

// ---------------------------------------------------------------------------------------------------
// The rule
// ---------------------------------------------------------------------------------------------------

interface Placement {
  balance: IoBalance;
  name: string;
  /** Share of the device's writes, or of the processes' writes when the device was idle. */
  share: number;
  /** `device`: share of what the device wrote; `page-cache`: of what processes dirtied (device idle). */
  of: 'device' | 'page-cache';
  deviceRate?: number;
}

function placementsOf(ctx: RuleContext, pid: number, writes: PidstatWrites): Placement[] {
  const written = writes.byPid.get(pid)?.written_bytes ?? 0;
  const out: Placement[] = [];
  for (const b of ctx.model.io_balance) {
    const entry = b.by_process.find((p) => p.pid === pid);
    if (!entry || entry.placement === 'unknown') continue;
    const device = ctx.model.devices.find((d) => d.id === b.device);
    const name = device?.name ?? b.device.slice('device:'.length);
    const deviceRate = device?.write_bytes_per_s?.mean;
    const idle = deviceRate === undefined || deviceRate < IDLE_DEVICE_RATE;
    const p: Placement = idle || entry.share_of_device === undefined
      ? { balance: b, name, share: shareOfPlaced(b, written, writes), of: 'page-cache' }
      : { balance: b, name, share: entry.share_of_device, of: 'device' };
    if (deviceRate !== undefined) p.deviceRate = deviceRate;
    out.push(p);
  }
  return out.sort((a, b) => b.share - a.share || (a.name < b.name ? -1 : 1));
}

/** The process's share of what all processes placed on the balance's device dirtied (same counting as its own bytes). */
function shareOfPlaced(b: IoBalance, written: number, writes: PidstatWrites): number {
  const all = b.by_process.reduce((sum, p) => sum + (writes.byPid.get(p.pid)?.written_bytes ?? 0), 0);
  return all > 0 ? written / all : 0;
}

function shareText(p: Placement, processRate: number): string {
  if (p.of === 'page-cache') {
    return `${pct(p.share * 100)} of what processes wrote to files on ${p.name}; ${p.name} itself wrote ${rate(p.deviceRate ?? 0)} on average, so the page cache took these writes${p.balance.page_cache_absorbed ? ' (see page-cache-absorbed)' : ''}`;
  }
  const device = p.deviceRate ?? 0;
  if (processRate >= device) return `more than ${p.name} wrote (${rate(device)} on average): it explains all of ${p.name}'s writes${p.balance.writeback_backlog ? ', and dirty pages piled up behind the disk' : ''}`;
  return `${pct(p.share * 100)} of ${p.name}'s writes (${rate(device)} on average)`;
}

function evaluate(ctx: RuleContext, o: IoHeavyProcessOptions): FindingDraft[] {
  const writes = processWrites(ctx);
  if (writes.seconds === 0 || writes.total_bytes === 0) return [];
  const findings: FindingDraft[] = [];
  const pids = [...writes.byPid.values()].sort((a, b) => b.written_bytes - a.written_bytes || a.pid - b.pid);
  for (const w of pids) {
    const processRate = w.written_bytes / writes.seconds;
    if (processRate < o.min_rate_bytes_per_s) continue;
    const placements = placementsOf(ctx, w.pid, writes);
    const unplacedShare = w.written_bytes / writes.total_bytes;
    const best = placements[0];
    if ((best ? best.share : unplacedShare) < o.min_share) continue;

    const command = commandOf(ctx.model, w.pid, w.peak);
    const threads = writingThreads(ctx, w.pid).filter((t) => t.bytes >= w.written_bytes / 1000 || t.bytes >= 1024 * 1024);
    const targets = writtenTargets(ctx.model, w.pid, threads);
    const peakRate = w.peak ? peakValue(w.peak, 'write_bytes_per_s') ?? 0 : 0;
    const peakAt = w.peak ? at(w.peak) : undefined;
    const where = best
      ? placements.map((p) => shareText(p, processRate)).join('; ')
      : ctx.model.io_balance.length === 0
        ? `${pct(unplacedShare * 100)} of what all processes wrote; without iostat, which device took it is not known`
        : `${pct(unplacedShare * 100)} of what all processes wrote; no file of it is known, so which device took it is not known`;
    const threadText = threads.length > 0
      ? ` Writing thread${threads.length > 1 ? 's' : ''}: ${list(threads.map(describeThread), 5)}.`
      : ' No tool here tells its threads apart (pidstat -dt, iotop, filetop or strace -f would).';
    const targetText = targets.length > 0 ? ` It wrote to ${list(targets.map((t) => `${t.name} (${bytes(t.bytes)} seen)`), 4)}.` : '';
    const devices = placements.map((p) => p.name);
    const patterns = targets.filter((t) => t.pattern).map((t) => t.name);
    const paths = targets.filter((t) => !t.pattern).map((t) => t.name);

    const evidence: SourceRef[] = [];
    if (w.peak) evidence.push(w.peak.source);
    for (const t of threads.slice(0, 4)) for (const s of t.sources.slice(0, 2)) evidence.push(s.evidence);
    for (const p of placements) {
      const row = busiestDeviceRow(ctx, p.balance.device);
      if (row) evidence.push(row.source);
    }

    const finding: FindingDraft = {
      title: `${command} (pid ${w.pid}) does most of the writing${best ? ` on ${best.name}` : ''}`,
      message: `pid ${w.pid} (${command}) wrote ${bytes(w.written_bytes)} in pidstat -d's samples, ${rate(processRate)} on average and up to ${rate(peakRate)}${peakAt ? ` at ${peakAt}` : ''}: ${where}.${threadText}${targetText}`,
      entities: {
        pids: [w.pid],
        ...(threads.length > 0 ? { tids: threads.map((t) => t.tid) } : {}),
        ...(paths.length > 0 ? { paths } : {}),
        ...(patterns.length > 0 ? { patterns } : {}),
        ...(devices.length > 0 ? { devices } : {}),
      },
      evidence,
      recommendation: recommendationFor(command, patterns[0] ?? paths[0], best),
      identity: [command, patterns[0] ?? paths[0] ?? '', ...devices],
      collect: collectFor(ctx, threads.length > 0, targets.length > 0, w.pid),
    };
    const when = span([w.first, w.last].filter((r): r is TimelineRecord => r !== undefined));
    if (when) finding.when = when;
    findings.push(finding);
  }
  return findings;
}

function recommendationFor(command: string, target: string | undefined, p: Placement | undefined): string {
  const what = target ? `its writes to ${target}` : 'its writes';
  if (p?.of === 'page-cache') {
    return `${command} dirties the page cache much faster than ${p.name} writes: the cost is CPU time and memory in the process. Check whether ${what} are needed at all (temporary data can stay in memory), or batch them into fewer, larger writes.`;
  }
  return `Reduce ${what} at the source (keep temporary data in memory, lower a log level, batch small writes), or move that traffic to a separate or faster device${p ? ` than ${p.name}` : ''}.`;
}

function collectFor(ctx: RuleContext, haveThreads: boolean, haveFiles: boolean, pid: number): string[] {
  const out: string[] = [];
  if (!haveThreads) out.push(`pidstat -dt -p ${pid} 1 30 > pidstat-dt.txt   (which threads write)`);
  if (!haveFiles) out.push(`strace -f -tt -T -y -p ${pid} -o strace-f.txt   (which files; or opensnoop and filetop)`);
  if (ctx.records('iostat.device').length === 0) out.push('iostat -dxt 1 30 > iostat.txt   (what reached the disk)');
  return out;
}

export const rule: RuleModule<IoHeavyProcessOptions> = {
  meta: {
    id: 'io-heavy-process',
    title: 'I/O-heavy process',
    description: "The processes, and their threads, that explain most of a device's (or the page cache's) write traffic, with the files they write.",
    defaultSeverity: 'warning',
    requires: [{ label: 'pidstat -d', kinds: ['pidstat.task'], fields: ['write_bytes_per_s'], collect: 'pidstat -d 1 30 > pidstat-d.txt' }],
    uses: [
      { label: 'iostat -x', kinds: ['iostat.device'], collect: 'iostat -dxt 1 30 > iostat.txt' },
      { label: 'per-thread I/O (pidstat -dt, iotop, filetop or strace -f)', kinds: ['pidstat.task', 'iotop.task', 'filetop.file', 'strace.aggregate'], fields: ['tid'], collect: 'pidstat -dt -p PID 1 30 > pidstat-dt.txt' },
      { label: 'file paths (opensnoop, lsof or strace -y)', kinds: ['opensnoop.open', 'lsof.fd', 'strace.aggregate'], collect: 'opensnoop -T -d 30 > opensnoop.txt' },
      { label: 'df or findmnt', kinds: ['df.filesystem', 'findmnt.mount'], collect: 'df -T > df.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min_rate_bytes_per_s: { type: 'number', minimum: 0 },
        min_share: { type: 'number', minimum: 0, maximum: 1 },
      },
    },
    defaults,
    docs: 'docs/rules/io-heavy-process.md',
  },
  evaluate,
};
