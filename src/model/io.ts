/**
 * Process I/O against device throughput. pidstat -d counts bytes when a process dirties pages
 * (kB_wr/s) and when dirty data is deleted before writeback (kB_ccwr/s); iostat counts what reached the
 * disk. When processes dirty far more than the disk writes, the page cache absorbed the writes: the cost
 * is CPU and memory, not the disk. Rates are compared over each tool's own span (bytes / seconds).
 */
import type { SourceRef, TimelineRecord } from '../common/types.js';
import type { DeviceEntity, IoBalance } from './types.js';
import { isIntervalSample, num } from './series.js';
import { EvidenceList } from './evidence.js';

/** Below this many bytes/s of process writes, "the disk saw none of it" says nothing. */
const MIN_PROCESS_WRITE_RATE = 1024 * 1024;
/** Processes dirtying more than this many times what the disk wrote: the page cache absorbed it. */
const ABSORBED_FACTOR = 5;

interface Span {
  /** Sum over distinct interval samples (file, sample) of their interval, seconds. */
  seconds: number;
  seen: Set<string>;
}

function addSpan(span: Span, r: TimelineRecord): boolean {
  const interval = r.time?.interval_s;
  if (interval === undefined || interval <= 0) return false;
  const key = `${r.source.file}#${r.time?.sample ?? r.time?.iso ?? r.source.line}`;
  if (!span.seen.has(key)) {
    span.seen.add(key);
    span.seconds += interval;
  }
  return true;
}

export function buildIoBalance(records: readonly TimelineRecord[], devices: readonly DeviceEntity[]): IoBalance[] {
  const pidstatSpan: Span = { seconds: 0, seen: new Set() };
  const perPid = new Map<number, { written: number; cancelled: number }>();
  const processEvidence = new EvidenceList();
  let processWritten = 0;
  let cancelled = 0;
  let pidstatRows = 0;
  for (const r of records) {
    // Process rows only: thread rows (pidstat -t) split the same bytes again.
    if (r.kind !== 'pidstat.task' || r.tid !== undefined || !isIntervalSample(r)) continue;
    const wr = num(r, 'write_bytes_per_s');
    if (wr === undefined) continue;
    if (!addSpan(pidstatSpan, r)) continue;
    pidstatRows++;
    const interval = r.time!.interval_s!;
    const pid = num(r, 'pid')!;
    const entry = perPid.get(pid) ?? { written: 0, cancelled: 0 };
    entry.written += wr * interval;
    entry.cancelled += (num(r, 'cancelled_write_bytes_per_s') ?? 0) * interval;
    perPid.set(pid, entry);
    processWritten += wr * interval;
    cancelled += (num(r, 'cancelled_write_bytes_per_s') ?? 0) * interval;
    if (wr > 0) processEvidence.add(r.source);
  }
  if (pidstatRows === 0 || pidstatSpan.seconds === 0) return [];
  const processRate = processWritten / pidstatSpan.seconds;

  const balances: IoBalance[] = [];
  for (const d of devices) {
    const deviceRate = d.write_bytes_per_s?.mean;
    if (deviceRate === undefined) continue;
    const evidence = new EvidenceList();
    for (const ref of d.evidence) evidence.add(ref);
    for (const ref of processEvidence.list()) evidence.add(ref);
    const byProcess = [...perPid]
      .filter(([, v]) => v.written > 0)
      .sort((a, b) => b[1].written - a[1].written || a[0] - b[0])
      .map(([pid, v]) => {
        const rate = v.written / pidstatSpan.seconds;
        const entry: IoBalance['by_process'][number] = { pid, written_bytes: Math.round(v.written) };
        if (deviceRate > 0) entry.share_of_device = Math.min(1, round3(rate / deviceRate));
        return entry;
      });
    const balance: IoBalance = {
      device: d.id,
      process_written_bytes: Math.round(processWritten),
      cancelled_written_bytes: Math.round(cancelled),
      by_process: byProcess,
      page_cache_absorbed: processRate >= MIN_PROCESS_WRITE_RATE && processRate > ABSORBED_FACTOR * deviceRate,
      evidence: evidence.list() as SourceRef[],
    };
    if (d.write_bytes_per_s?.total !== undefined) balance.device_written_bytes = Math.round(d.write_bytes_per_s.total);
    balances.push(balance);
  }
  return balances;
}

function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
