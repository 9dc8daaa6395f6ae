/**
 * Process I/O against device throughput. pidstat -d counts bytes when a process dirties pages
 * (kB_wr/s) and when dirty data is deleted before writeback (kB_ccwr/s); iostat counts what reached the
 * disk. When processes dirty far more than the disk writes, the page cache absorbed the writes: the cost
 * is CPU and memory, not the disk. Rates are compared over each tool's own span (bytes / seconds).
 */
import type { SourceRef, TimelineRecord } from '../common/types.js';
import type { DeviceEntity, FileEntity, IoBalance, MountEntity } from './types.js';
import { CountedSamples, CoveredSeconds, coveredRange, isIntervalSample, newShare, num, sampleKey } from './series.js';
import { EvidenceList } from './evidence.js';

/** Below this many bytes/s of process writes, "the disk saw none of it" says nothing. */
const MIN_PROCESS_WRITE_RATE = 1024 * 1024;
/** Processes dirtying more than this many times what the disk wrote: the page cache absorbed it. */
const ABSORBED_FACTOR = 5;

interface Span {
  /** Sum over distinct interval samples of their interval, seconds (samples with no absolute time). */
  seconds: number;
  seen: Set<string>;
  /** Whole epoch seconds covered by samples with an absolute time. */
  covered: CoveredSeconds;
}

function addSpan(span: Span, r: TimelineRecord, range: readonly [number, number] | undefined): boolean {
  const interval = r.time?.interval_s;
  if (interval === undefined || interval <= 0) return false;
  if (range) {
    span.covered.add(range[0], range[1]);
    return true;
  }
  const key = sampleKey(r);
  if (!span.seen.has(key)) {
    span.seen.add(key);
    span.seconds += interval;
  }
  return true;
}

/**
 * Which devices each process is known to use: the devices under the files it opened, read or wrote
 * (files on virtual mounts such as /proc count for nothing). A process absent from the map has no
 * known file and could be writing to any device.
 */
export function devicesByProcess(files: readonly FileEntity[], mounts: readonly MountEntity[]): Map<number, Set<string>> {
  const deviceOfMount = new Map<string, string>();
  for (const m of mounts) if (m.device) deviceOfMount.set(m.id, m.device);
  const byPid = new Map<number, Set<string>>();
  for (const f of files) {
    const device = f.mount ? deviceOfMount.get(f.mount) : undefined;
    if (!device) continue;
    for (const pid of f.pids) {
      const set = byPid.get(pid) ?? new Set<string>();
      set.add(device);
      byPid.set(pid, set);
    }
  }
  return byPid;
}

/**
 * `placement` says how a process was put against a device: `files` (its files are on this device),
 * `only-device` (the capture shows one device, so everything lands there), `unknown` (no file of the
 * process is known: it is counted against every device, as a candidate).
 */
export function buildIoBalance(records: readonly TimelineRecord[], devices: readonly DeviceEntity[], processDevices: ReadonlyMap<number, ReadonlySet<string>> = new Map()): IoBalance[] {
  const pidstatSpan: Span = { seconds: 0, seen: new Set(), covered: new CoveredSeconds() };
  const perPid = new Map<number, { written: number; cancelled: number; evidence: SourceRef[]; seen: CountedSamples }>();
  let pidstatRows = 0;
  for (const r of records) {
    // Process rows only: thread rows (pidstat -t) split the same bytes again.
    if (r.kind !== 'pidstat.task' || r.tid !== undefined || !isIntervalSample(r)) continue;
    const wr = num(r, 'write_bytes_per_s');
    if (wr === undefined) continue;
    const pid = num(r, 'pid')!;
    const range = coveredRange(r);
    if (!addSpan(pidstatSpan, r, range)) continue;
    const entry = perPid.get(pid) ?? { written: 0, cancelled: 0, evidence: [], seen: new CountedSamples() };
    perPid.set(pid, entry);
    const share = newShare(entry.seen, r, range);
    if (share === 0) continue;
    pidstatRows++;
    const interval = r.time!.interval_s! * share;
    entry.written += wr * interval;
    entry.cancelled += (num(r, 'cancelled_write_bytes_per_s') ?? 0) * interval;
    if (wr > 0 && entry.evidence.length < 2) entry.evidence.push(r.source);
  }
  pidstatSpan.seconds += pidstatSpan.covered.size;
  if (pidstatRows === 0 || pidstatSpan.seconds === 0) return [];

  const measured = devices.filter((d) => d.write_bytes_per_s?.mean !== undefined);
  const balances: IoBalance[] = [];
  for (const d of measured) {
    const deviceRate = d.write_bytes_per_s!.mean;
    const placed = [...perPid]
      .filter(([, v]) => v.written > 0)
      .map(([pid, v]) => ({ pid, v, placement: placementOf(pid, d.id, measured.length, processDevices) }))
      .filter((p) => p.placement !== undefined)
      .sort((a, b) => b.v.written - a.v.written || a.pid - b.pid);
    let processWritten = 0;
    let cancelled = 0;
    const evidence = new EvidenceList();
    for (const ref of d.evidence) evidence.add(ref);
    const byProcess = placed.map(({ pid, v, placement }) => {
      processWritten += v.written;
      cancelled += v.cancelled;
      for (const ref of v.evidence) evidence.add(ref);
      const rate = v.written / pidstatSpan.seconds;
      const entry: IoBalance['by_process'][number] = { pid, written_bytes: Math.round(v.written), placement: placement! };
      if (deviceRate > 0) entry.share_of_device = Math.min(1, round3(rate / deviceRate));
      return entry;
    });
    const processRate = processWritten / pidstatSpan.seconds;
    const outpaced = processRate >= MIN_PROCESS_WRITE_RATE && processRate > ABSORBED_FACTOR * deviceRate;
    const busy = deviceBusy(d);
    const balance: IoBalance = {
      device: d.id,
      process_written_bytes: Math.round(processWritten),
      cancelled_written_bytes: Math.round(cancelled),
      by_process: byProcess,
      // Dirtying far more than the disk writes means two opposite things: an idle disk (the data was
      // deleted or overwritten before writeback) or a disk that cannot keep up (dirty pages pile up).
      page_cache_absorbed: outpaced && !busy,
      writeback_backlog: outpaced && busy,
      device_busy: busy,
      evidence: evidence.list() as SourceRef[],
    };
    if (d.write_bytes_per_s?.total !== undefined) balance.device_written_bytes = Math.round(d.write_bytes_per_s.total);
    balances.push(balance);
  }
  return balances;
}

/** Write latency at which a device is plainly not keeping up, whatever its %util says. */
const BUSY_W_AWAIT_S = 0.1;
/** %util at which a device that serves one request at a time is busy. */
const BUSY_UTIL_PCT = 60;

/**
 * Busy: a serial disk (sd, hd, mmcblk) at high %util, or any disk whose write latency is high. %util
 * alone says nothing for parallel devices (NVMe, virtio): they are judged by latency only.
 */
export function deviceBusy(d: DeviceEntity): boolean {
  if ((d.w_await_s?.mean ?? 0) >= BUSY_W_AWAIT_S) return true;
  return !d.parallel && (d.util_pct?.mean ?? 0) >= BUSY_UTIL_PCT;
}

function placementOf(pid: number, device: string, measuredDevices: number, processDevices: ReadonlyMap<number, ReadonlySet<string>>): IoBalance['by_process'][number]['placement'] | undefined {
  const known = processDevices.get(pid);
  if (known && known.size > 0) return known.has(device) ? 'files' : undefined;
  return measuredDevices === 1 ? 'only-device' : 'unknown';
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
