/**
 * memory-pressure: the system ran short of memory — little memory available over most snapshots, or pages
 * moved to and from swap (vmstat si/so, or swap use growing between top snapshots).
 *
 * "Available" is top's `avail Mem` or /proc/meminfo's MemAvailable (free memory plus what can be reclaimed
 * without swapping) against the total. vmstat has no total and no MemAvailable: free + buff + cache is
 * used against top's total when both ran, and is an upper bound (not all cache can be dropped). Memory
 * levels are instantaneous, so top's first iteration and vmstat's first row count; swap rates are per
 * interval, so vmstat's since-boot row does not.
 */
import type { SourceRef, TimelineRecord } from '../../common/types.js';
import { isIntervalSample, lowValue, num, peakValue } from '../../model/series.js';
import { type FindingDraft, type RuleContext, type RuleModule, SUSTAINED_OPTIONS } from '../types.js';
import { bytes, kernelMoment, list, pct, rate, span, window } from '../format.js';
import { processLabel, countSamples, sustained } from '../system.js';

export interface MemoryPressureOptions {
  /** Available memory (percent of total) below which a snapshot counts as low. */
  avail_pct: number;
  /** Swap-in plus swap-out (bytes/s) above which a vmstat sample counts as swapping. */
  swap_bytes_per_s: number;
  /** Growth of swap in use between top's first and last snapshot that counts as swapping out. */
  swap_growth_bytes: number;
  /** Snapshots (or samples) that must count, and the share of them. */
  min_samples: number;
  min_fraction: number;
}

const MIB = 1024 * 1024;
const defaults: MemoryPressureOptions = { avail_pct: 10, swap_bytes_per_s: 0, swap_growth_bytes: 64 * MIB, min_samples: 2, min_fraction: 0.5 };

interface Level {
  r: TimelineRecord;
  avail: number;
  /** The lowest it went: below `avail` for a bucket of merged samples (timeline downsampling). */
  lowest: number;
  total: number;
}

/** Available memory per snapshot, from the file that shows the most snapshots (top first, then vmstat). */
function levels(ctx: RuleContext): { file: string; label: string; rows: Level[] } | undefined {
  const byFile = new Map<string, { label: string; rows: Level[] }>();
  const add = (r: TimelineRecord, avail: number | undefined, total: number | undefined, label: string, lowest = avail): void => {
    if (avail === undefined || total === undefined || total <= 0) return;
    const entry = byFile.get(r.source.file) ?? { label, rows: [] };
    entry.rows.push({ r, avail, lowest: Math.min(avail, lowest ?? avail), total });
    byFile.set(r.source.file, entry);
  };
  let topTotal: number | undefined;
  for (const r of ctx.records('top.summary')) {
    const total = num(r, 'mem_total_bytes');
    if (total !== undefined) topTotal = Math.max(topTotal ?? 0, total);
    add(r, num(r, 'avail_mem_bytes'), total, "top's avail Mem", lowValue(r, 'avail_mem_bytes'));
  }
  // /proc/meminfo: MemAvailable against MemTotal, the kernel's own figures (what top's avail Mem prints).
  for (const r of ctx.records('meminfo.snapshot')) add(r, num(r, 'mem_available_bytes'), num(r, 'mem_total_bytes'), "/proc/meminfo's MemAvailable");
  for (const r of ctx.records('vmstat.sample')) {
    const free = num(r, 'free_bytes');
    if (free === undefined) continue;
    const lowest = (lowValue(r, 'free_bytes') ?? 0) + (lowValue(r, 'buff_bytes') ?? 0) + (lowValue(r, 'cache_bytes') ?? 0);
    add(r, free + (num(r, 'buff_bytes') ?? 0) + (num(r, 'cache_bytes') ?? 0), topTotal, "vmstat's free+buff+cache", lowest);
  }
  let best: { file: string; label: string; rows: Level[] } | undefined;
  for (const [file, e] of [...byFile].sort((a, b) => (a[0] < b[0] ? -1 : 1))) if (!best || countSamples(e.rows) > countSamples(best.rows)) best = { file, ...e };
  return best;
}

interface SwapSample {
  r: TimelineRecord;
  rate: number;
}

function swapping(ctx: RuleContext, o: MemoryPressureOptions): { file: string; rows: SwapSample[]; hot: SwapSample[] } | undefined {
  const byFile = new Map<string, SwapSample[]>();
  for (const r of ctx.records('vmstat.sample')) {
    if (!isIntervalSample(r)) continue;
    const si = num(r, 'swap_in_bytes_per_s');
    const so = num(r, 'swap_out_bytes_per_s');
    if (si === undefined && so === undefined) continue;
    const list = byFile.get(r.source.file) ?? [];
    list.push({ r, rate: (si ?? 0) + (so ?? 0) });
    byFile.set(r.source.file, list);
  }
  let best: { file: string; rows: SwapSample[]; hot: SwapSample[] } | undefined;
  for (const [file, rows] of [...byFile].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const hot = rows.filter((s) => s.rate > o.swap_bytes_per_s);
    if (!sustained(countSamples(hot), countSamples(rows), o)) continue;
    if (!best || countSamples(hot) > countSamples(best.hot)) best = { file, rows, hot };
  }
  return best;
}

/** Swap in use per top file: first and last snapshot, when it grew by at least the option. */
function swapGrowth(ctx: RuleContext, o: MemoryPressureOptions): { first: TimelineRecord; last: TimelineRecord; grew: number } | undefined {
  const byFile = new Map<string, TimelineRecord[]>();
  for (const r of ctx.records('top.summary')) {
    if (num(r, 'swap_used_bytes') === undefined) continue;
    const rows = byFile.get(r.source.file);
    if (rows) rows.push(r);
    else byFile.set(r.source.file, [r]);
  }
  let best: { first: TimelineRecord; last: TimelineRecord; grew: number } | undefined;
  for (const [, rows] of [...byFile].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const first = rows[0]!;
    const last = rows[rows.length - 1]!;
    const grew = num(last, 'swap_used_bytes')! - num(first, 'swap_used_bytes')!;
    if (grew >= o.swap_growth_bytes && grew > 0 && (!best || grew > best.grew)) best = { first, last, grew };
  }
  return best;
}

/** The largest resident sets: top's RES, pidstat -r RSS, ps RSS; the largest value per process. */
function largestRss(ctx: RuleContext): { text: string; pids: number[]; evidence: SourceRef[] } {
  const best = new Map<number, { bytes: number; r: TimelineRecord }>();
  for (const kind of ['top.task', 'pidstat.task', 'ps.process']) {
    for (const r of ctx.records(kind)) {
      if (r.is_thread === true || r.tid !== undefined) continue;
      const pid = num(r, 'pid');
      const rss = peakValue(r, 'res_bytes') ?? peakValue(r, 'rss_bytes');
      if (pid === undefined || rss === undefined) continue;
      const cur = best.get(pid);
      if (!cur || rss > cur.bytes) best.set(pid, { bytes: rss, r });
    }
  }
  const ranked = [...best].filter(([, v]) => v.bytes > 0).sort((a, b) => b[1].bytes - a[1].bytes || a[0] - b[0]).slice(0, 3);
  if (ranked.length === 0) return { text: '', pids: [], evidence: [] };
  return {
    text: `; the largest resident sets: ${list(ranked.map(([pid, v]) => `${processLabel(ctx.model, pid, typeof v.r.command === 'string' ? v.r.command : undefined)} ${bytes(v.bytes)}`))}`,
    pids: ranked.map(([pid]) => pid),
    evidence: ranked.map(([, v]) => v.r.source),
  };
}

function swapInUse(ctx: RuleContext): string {
  let used: number | undefined;
  let total: number | undefined;
  for (const r of ctx.records('top.summary')) {
    used = num(r, 'swap_used_bytes') ?? used;
    total = num(r, 'swap_total_bytes') ?? total;
  }
  if (used === undefined) {
    for (const r of ctx.records('meminfo.snapshot')) {
      const swapTotal = num(r, 'swap_total_bytes');
      const swapFree = num(r, 'swap_free_bytes');
      if (swapTotal === undefined || swapFree === undefined) continue;
      used = swapTotal - swapFree;
      total = swapTotal;
    }
  }
  if (used === undefined) for (const r of ctx.records('vmstat.sample')) used = num(r, 'swpd_bytes') ?? used;
  if (used === undefined) return '';
  if (total === 0) return '; no swap is configured';
  return `; swap in use at the end: ${bytes(used)}${total !== undefined ? ` of ${bytes(total)}` : ''}`;
}

/**
 * The kernel's OOM kills (dmesg `Out of memory: Killed process 4242 (java)`): memory ran out, whatever the
 * snapshots caught. A memory cgroup's kill (the parser's `cgroup`: `Memory cgroup out of memory: …`) is its limit, not the host's.
 */
function oomKills(ctx: RuleContext): { text: string; records: TimelineRecord[]; pids: number[] } | undefined {
  const records = ctx.records('dmesg.message').filter((r) => r.event === 'oom-kill');
  if (records.length === 0) return undefined;
  const killed = (r: TimelineRecord): string => `${String(r.comm)} (pid ${String(r.pid)})${r.cgroup === true ? " at its memory cgroup's limit" : ''}`;
  const moment = kernelMoment(records[0]!.time);
  const when = moment ? `, first ${moment}` : '';
  const pids = [...new Set(records.map((r) => num(r, 'pid')).filter((p): p is number => p !== undefined))].sort((a, b) => a - b);
  return { text: `the kernel's OOM killer killed ${list([...new Set(records.map(killed))], 4)} (dmesg${when})`, records, pids };
}

function evaluate(ctx: RuleContext, o: MemoryPressureOptions): FindingDraft[] {
  const level = levels(ctx);
  const low = level ? level.rows.filter((l) => (100 * l.avail) / l.total < o.avail_pct) : [];
  const lowHolds = level !== undefined && sustained(countSamples(low), countSamples(level.rows), o);
  const swap = swapping(ctx, o);
  const growth = swapGrowth(ctx, o);
  const oom = oomKills(ctx);
  if (!lowHolds && !swap && !growth && !oom) return [];

  const parts: string[] = [];
  const evidence: SourceRef[] = [];
  const hotRecords: TimelineRecord[] = [];
  if (lowHolds && level) {
    const worst = low.reduce((a, b) => (b.lowest / b.total < a.lowest / a.total ? b : a));
    const when = window(low.map((l) => l.r));
    parts.push(
      `available memory was below ${pct(o.avail_pct)} of the total in ${countSamples(low)} of ${countSamples(level.rows)} snapshots of ${level.file} (${level.label}${when ? `, ${when}` : ''}): down to ${bytes(worst.lowest)} of ${bytes(worst.total)} (${pct((100 * worst.lowest) / worst.total)})`,
    );
    evidence.push(worst.r.source, ...low.filter((l) => l !== worst).slice(0, 2).map((l) => l.r.source));
    hotRecords.push(...low.map((l) => l.r));
  }
  if (swap) {
    const peak = swap.hot.reduce((a, b) => (b.rate > a.rate ? b : a));
    const when = window(swap.hot.map((s) => s.r));
    parts.push(`the system swapped (vmstat si+so) in ${countSamples(swap.hot)} of ${countSamples(swap.rows)} interval samples of ${swap.file}${when ? ` (${when})` : ''}, up to ${rate(peak.rate)}`);
    evidence.push(peak.r.source, ...swap.hot.filter((s) => s !== peak).slice(0, 2).map((s) => s.r.source));
    hotRecords.push(...swap.hot.map((s) => s.r));
  }
  if (growth) {
    parts.push(`swap in use grew by ${bytes(growth.grew)} between ${describeAt(growth.first)} and ${describeAt(growth.last)} (${growth.first.source.file}): pages were swapped out`);
    evidence.push(growth.last.source, growth.first.source);
    hotRecords.push(growth.first, growth.last);
  }
  if (oom) {
    parts.push(oom.text);
    evidence.push(...oom.records.slice(0, 3).map((r) => r.source));
  }
  const rss = largestRss(ctx);
  evidence.push(...rss.evidence);
  const message = `${parts.join('; ').replace(/^./, (c) => c.toUpperCase())}${swapInUse(ctx)}${rss.text}.`;
  const collect: string[] = [];
  if (ctx.records('vmstat.sample').length === 0) collect.push('vmstat -t 1 30 > vmstat.txt   (si/so: is it swapping now)');
  if (!ctx.records('pidstat.task').some((r) => r.rss_bytes !== undefined)) collect.push('pidstat -r 1 30 > pidstat-r.txt   (RSS and major faults per process)');
  collect.push('cat /proc/meminfo > meminfo.txt; cat /proc/pressure/memory > psi-memory.txt   (what holds the memory; how long tasks stalled on it)');
  const finding: FindingDraft = {
    title: 'Memory pressure',
    message,
    // The largest resident sets first, then the processes the OOM killer killed.
    entities: rss.pids.length > 0 || oom ? { pids: [...new Set([...rss.pids, ...(oom?.pids ?? [])])] } : {},
    evidence,
    recommendation:
      'Reclaim and swapping turn memory shortage into disk I/O and stalls. Find which process grows (pidstat -r, the largest resident sets above) and cap or fix it, or add memory; keep swap for emergencies, not for the working set.',
    identity: ['memory'],
    collect,
  };
  const when = span(hotRecords);
  if (when) finding.when = when;
  return [finding];
}

function describeAt(r: TimelineRecord): string {
  const iso = r.time?.iso;
  const m = iso ? /(\d{2}:\d{2}:\d{2})/.exec(iso) : null;
  return m ? m[1]! : `sample ${(r.time?.sample ?? 0) + 1}`;
}

export const rule: RuleModule<MemoryPressureOptions> = {
  meta: {
    id: 'memory-pressure',
    title: 'Memory pressure',
    description: 'Little memory was available over most snapshots, or the system swapped.',
    defaultSeverity: 'warning',
    requires: [
      {
        label: "top, vmstat, /proc/meminfo or the kernel's OOM kills (dmesg)",
        kinds: ['top.summary', 'vmstat.sample', 'meminfo.snapshot', 'dmesg.message'],
        collect: 'vmstat -t 1 30 > vmstat.txt   (and: top -b -d 1 -n 30 > top.txt for available memory)',
      },
    ],
    uses: [
      { label: "top's avail Mem", kinds: ['top.summary'], fields: ['avail_mem_bytes'], collect: 'top -b -d 1 -n 30 > top.txt' },
      { label: 'vmstat si/so', kinds: ['vmstat.sample'], fields: ['swap_in_bytes_per_s'], collect: 'vmstat -t 1 30 > vmstat.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        avail_pct: { type: 'number', minimum: 0, maximum: 100 },
        swap_bytes_per_s: { type: 'number', minimum: 0 },
        swap_growth_bytes: { type: 'number', minimum: 1 },
        ...SUSTAINED_OPTIONS,
      },
    },
    defaults,
    docs: 'docs/rules/memory-pressure.md',
  },
  evaluate,
};
