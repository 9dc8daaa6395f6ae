/**
 * page-cache-absorbed: processes wrote heavily while the disk under their files stayed idle. pidstat -d
 * counts a write when the page is dirtied (kB_wr/s) and counts dirty data deleted or truncated before
 * writeback (kB_ccwr/s); iostat counts what reached the disk. When the first is far above the second on
 * an idle device (the model's `io_balance.page_cache_absorbed`), the data lived and died in the page
 * cache: the cost is the writer's CPU time and memory, not the disk, and tuning the disk will not help.
 *
 * Not the same as a writeback backlog (the model's `writeback_backlog`): there the device is busy and the
 * dirty pages wait for it — that is disk-saturation's case, and this rule says nothing.
 */
import type { SourceRef, TimelineRecord } from '../../common/types.js';
import { isIntervalSample, lowValue, num, peakValue } from '../../model/series.js';
import type { DeviceEntity, IoBalance } from '../../model/types.js';
import type { FindingDraft, RuleContext, RuleModule } from '../types.js';
import { at, bytes, list, pct, rate, span } from '../format.js';
import { busiestDeviceRow, commandOf, processWrites, writingThreads, writtenTargets, type PidstatWrites, type ProcessWrites } from './io-heavy-process.js';

export interface PageCacheAbsorbedOptions {
  /** Average rate (bytes/s over pidstat -d's samples) at which a writer is named. */
  min_rate_bytes_per_s: number;
  /** Bytes the named writers must have dirtied together over the capture. */
  min_written_bytes: number;
}

const defaults: PageCacheAbsorbedOptions = { min_rate_bytes_per_s: 1024 * 1024, min_written_bytes: 16 * 1024 * 1024 };

interface Writer {
  pid: number;
  command: string;
  w: ProcessWrites;
}

function writersOf(b: IoBalance, writes: PidstatWrites, o: PageCacheAbsorbedOptions, ctx: RuleContext): Writer[] {
  // Only processes known to write on this device (by their files, or because it is the only device):
  // a writer of unknown files on a host with several disks proves nothing about this one.
  const candidates = b.by_process.filter((p) => p.placement !== 'unknown');
  const out: Writer[] = [];
  for (const p of candidates) {
    const w = writes.byPid.get(p.pid);
    if (!w || w.written_bytes / writes.seconds < o.min_rate_bytes_per_s) continue;
    out.push({ pid: p.pid, command: commandOf(ctx.model, p.pid, w.peak), w });
  }
  return out.sort((a, b) => b.w.written_bytes - a.w.written_bytes || a.pid - b.pid);
}

/** The memory side of the cost, from top's summary: how big the page cache got, how low available memory went. */
function memoryText(ctx: RuleContext): { text: string; evidence?: SourceRef } {
  let cacheMax: TimelineRecord | undefined;
  let availMin: number | undefined;
  let total: number | undefined;
  for (const r of ctx.records('top.summary')) {
    const cache = num(r, 'mem_buff_cache_bytes');
    if (cache !== undefined && (!cacheMax || cache > (num(cacheMax, 'mem_buff_cache_bytes') ?? 0))) cacheMax = r;
    const avail = lowValue(r, 'avail_mem_bytes');
    if (avail !== undefined && (availMin === undefined || avail < availMin)) availMin = avail;
    total ??= num(r, 'mem_total_bytes');
  }
  const parts: string[] = [];
  if (cacheMax) parts.push(`buff/cache up to ${bytes(num(cacheMax, 'mem_buff_cache_bytes')!)}${total ? ` of ${bytes(total)}` : ''}`);
  if (cacheMax && availMin !== undefined) parts.push(`available memory at least ${bytes(availMin)}`);
  // /proc/meminfo's Dirty is the data still waiting in the cache: the writes the disk has not been asked for yet.
  const dirty = dirtiest(ctx);
  if (dirty) parts.push(`Dirty up to ${bytes(num(dirty, 'dirty_bytes')!)} with ${bytes(num(dirty, 'writeback_bytes') ?? 0)} in Writeback, per /proc/meminfo`);
  if (parts.length === 0) return { text: '' };
  return { text: ` (${parts.join(', ')})`, evidence: (cacheMax ?? dirty)!.source };
}

/** The meminfo snapshot with the most dirty data. */
function dirtiest(ctx: RuleContext): TimelineRecord | undefined {
  let best: TimelineRecord | undefined;
  for (const r of ctx.records('meminfo.snapshot')) if (num(r, 'dirty_bytes') !== undefined && (!best || num(r, 'dirty_bytes')! > num(best, 'dirty_bytes')!)) best = r;
  return best;
}

function cpuText(ctx: RuleContext, pid: number): string {
  const cpu = ctx.model.processes.find((p) => p.pid === pid)?.cpu_pct;
  return cpu ? ` (${pct(cpu.mean)} CPU on average, up to ${pct(cpu.max)})` : '';
}

function deviceText(d: DeviceEntity | undefined, name: string, b: IoBalance): string {
  const wrote = b.device_written_bytes !== undefined ? bytes(b.device_written_bytes) : `${rate(d?.write_bytes_per_s?.mean ?? 0)} on average`;
  const util = d?.util_pct ? `, %util at most ${pct(d.util_pct.max)}` : '';
  return `${name} wrote ${wrote} over its iostat samples${util}`;
}

function cancelledText(writers: readonly Writer[]): string {
  const cancelled = writers.reduce((sum, w) => sum + w.w.cancelled_bytes, 0);
  if (cancelled <= 0) return 'none of it shows as cancelled in pidstat (kB_ccwr/s 0): it was overwritten in place, or was still dirty when the capture ended';
  const peak = writers.map((w) => w.w.cancelled_peak).find((r) => r !== undefined);
  const peakText = peak ? `, up to ${rate(peakValue(peak, 'cancelled_write_bytes_per_s') ?? 0)}${at(peak) ? ` at ${at(peak)}` : ''}` : '';
  return `${bytes(cancelled)} of dirty data was deleted or truncated before writeback (pidstat kB_ccwr/s${peakText})`;
}

function evaluate(ctx: RuleContext, o: PageCacheAbsorbedOptions): FindingDraft[] {
  const writes = processWrites(ctx);
  if (writes.seconds === 0) return [];
  const findings: FindingDraft[] = [];
  for (const b of ctx.model.io_balance) {
    if (!b.page_cache_absorbed) continue;
    const writers = writersOf(b, writes, o, ctx);
    const written = writers.reduce((s, w) => s + w.w.written_bytes, 0);
    if (writers.length === 0 || written < o.min_written_bytes) continue;
    const device = ctx.model.devices.find((d) => d.id === b.device);
    const name = device?.name ?? b.device.slice('device:'.length);
    const top = writers[0]!;
    const threads = writingThreads(ctx, top.pid).filter((t) => t.bytes >= 1024 * 1024);
    const targets = writtenTargets(ctx.model, top.pid, threads);
    const patterns = targets.filter((t) => t.pattern).map((t) => t.name);
    const paths = targets.filter((t) => !t.pattern).map((t) => t.name);
    const memory = memoryText(ctx);

    const who = writers.slice(0, 3).map((w) => `pid ${w.pid} (${w.command}) dirtied ${bytes(w.w.written_bytes)} (${rate(w.w.written_bytes / writes.seconds)} on average)`);
    const how = [
      threads.length > 0 ? `by thread${threads.length > 1 ? 's' : ''} ${list(threads.map((t) => t.tid))}` : '',
      targets.length > 0 ? `into ${list(targets.map((t) => t.name), 3)}` : '',
    ].filter((s) => s !== '').join(' ');
    const cancelled = cancelledText(writers);
    const message =
      `${list(who, 3)} in file pages on ${name}${how ? `, ${how}` : ''}; ${deviceText(device, name, b)}. ` +
      `${cancelled.charAt(0).toUpperCase()}${cancelled.slice(1)}. ` +
      `The page cache absorbed these writes: they cost CPU time in the writer${cpuText(ctx, top.pid)} and memory${memory.text}, not disk time.`;

    const evidence: SourceRef[] = [];
    const cancelledPeak = writers.map((w) => w.w.cancelled_peak).find((r) => r !== undefined);
    if (cancelledPeak) evidence.push(cancelledPeak.source);
    if (top.w.peak) evidence.push(top.w.peak.source);
    const deviceRow = busiestDeviceRow(ctx, b.device) ?? idleDeviceRow(ctx, b.device);
    if (deviceRow) evidence.push(deviceRow.source);
    for (const t of threads.slice(0, 3)) evidence.push(t.sources[0]!.evidence);
    if (memory.evidence) evidence.push(memory.evidence);

    const finding: FindingDraft = {
      title: `The page cache absorbed ${top.command}'s writes; ${name} stayed idle`,
      message,
      entities: {
        pids: writers.slice(0, 3).map((w) => w.pid),
        ...(threads.length > 0 ? { tids: threads.map((t) => t.tid) } : {}),
        ...(paths.length > 0 ? { paths } : {}),
        ...(patterns.length > 0 ? { patterns } : {}),
        devices: [name],
      },
      evidence,
      recommendation:
        `${name} is not the bottleneck for these writes: do not tune or replace it for them. The cost is ${top.command}'s CPU time (${targets.length > 0 ? `writing ${targets[0]!.name}` : 'the write calls'}) and page-cache memory. ` +
        `If the data is temporary, keep it in memory instead of files (see temp-file-churn). Expect the disk to become the bottleneck when memory gets short or the dirty limits are reached (vm.dirty_background_ratio, vm.dirty_ratio), as in the classic case where the same program saturates the disk.`,
      identity: [name, top.command, patterns[0] ?? paths[0] ?? ''],
    };
    const when = span(writers.flatMap((w) => [w.w.first, w.w.last]).filter((r): r is TimelineRecord => r !== undefined));
    if (when) finding.when = when;
    findings.push(finding);
  }
  return findings;
}

/** An idle device's busiest row is any of its samples; the first one shows the idleness as well as any. */
function idleDeviceRow(ctx: RuleContext, deviceId: string): TimelineRecord | undefined {
  return ctx.records('iostat.device').find((r) => r.entities?.device === deviceId && isIntervalSample(r));
}

export const rule: RuleModule<PageCacheAbsorbedOptions> = {
  meta: {
    id: 'page-cache-absorbed',
    title: 'Writes absorbed by the page cache',
    description: 'Processes dirtied far more than the (idle) device under their files wrote: the data was deleted or overwritten before writeback, so the cost is CPU and memory, not the disk.',
    defaultSeverity: 'note',
    requires: [
      { label: 'pidstat -d', kinds: ['pidstat.task'], fields: ['write_bytes_per_s'], collect: 'pidstat -d 1 30 > pidstat-d.txt' },
      { label: 'iostat -x', kinds: ['iostat.device'], collect: 'iostat -dxt 1 30 > iostat.txt' },
    ],
    uses: [
      { label: 'df or findmnt', kinds: ['df.filesystem', 'findmnt.mount'], collect: 'df -T > df.txt' },
      { label: 'top (memory)', kinds: ['top.summary'], collect: 'top -b -d 1 -n 30 > top.txt' },
      { label: '/proc/meminfo (Dirty, Writeback)', kinds: ['meminfo.snapshot'], collect: 'for i in $(seq 30); do date -Is; cat /proc/meminfo; sleep 1; done > meminfo.txt' },
      { label: 'per-thread I/O (pidstat -dt, iotop, filetop or strace -f)', kinds: ['pidstat.task', 'iotop.task', 'filetop.file', 'strace.aggregate'], fields: ['tid'], collect: 'pidstat -dt -p PID 1 30 > pidstat-dt.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min_rate_bytes_per_s: { type: 'number', minimum: 0 },
        min_written_bytes: { type: 'number', minimum: 0 },
      },
    },
    defaults,
    docs: 'docs/rules/page-cache-absorbed.md',
  },
  evaluate,
};
