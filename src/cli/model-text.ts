/** The model as a short terminal summary: the joins a support engineer reads first. */
import type { Model, SeriesStats } from '../model/types.js';
import type { SourceRef } from '../common/types.js';
import { forTerminal } from '../common/escape.js';

const MIB = 1024 * 1024;

function rate(s: SeriesStats | undefined): string {
  return s ? `${(s.mean / MIB).toFixed(1)} MiB/s mean, ${(s.max / MIB).toFixed(1)} max` : '-';
}

function refs(evidence: SourceRef[], n = 2): string {
  return evidence.slice(0, n).map((e) => `${e.file}:${e.line}`).join(', ');
}

export function formatModelText(m: Model): string {
  const out: string[] = [];
  const busy = [...m.processes]
    .filter((p) => (p.write_bytes_per_s?.max ?? 0) > 0 || (p.read_bytes_per_s?.max ?? 0) > 0)
    .sort((a, b) => (b.write_bytes_per_s?.total ?? b.write_bytes_per_s?.mean ?? 0) - (a.write_bytes_per_s?.total ?? a.write_bytes_per_s?.mean ?? 0) || a.pid - b.pid);
  out.push(`Processes: ${m.processes.length}, threads: ${m.threads.length}, files: ${m.files.length}, patterns: ${m.patterns.length}, mounts: ${m.mounts.length}, devices: ${m.devices.length}`);
  if (busy.length > 0) {
    out.push('', 'Processes doing I/O (pidstat -d):');
    for (const p of busy.slice(0, 10)) {
      const workers = m.threads.filter((t) => t.pid === p.pid && !t.is_main && (t.write_bytes_per_s?.max ?? 0) > 0).map((t) => t.tid);
      out.push(`  ${p.pid} ${p.command ?? p.comm ?? '?'}: write ${rate(p.write_bytes_per_s)}; read ${rate(p.read_bytes_per_s)}${workers.length ? `; writing threads ${workers.join(', ')}` : ''}  [${refs(p.evidence)}]`);
    }
  }
  if (m.patterns.length > 0) {
    out.push('', 'Path patterns:');
    for (const p of m.patterns.slice(0, 10)) {
      out.push(`  ${p.pattern}: ${p.files} files in ${p.directories} dir(s) (${p.files_per_directory.median} per dir), pids ${p.pids.join(', ') || '-'}, tids ${p.tids.join(', ') || '-'}${p.mount ? `, on ${p.mount.slice('mount:'.length)}` : ''}  [${refs(p.evidence)}]`);
    }
  }
  if (m.mounts.length > 0) {
    out.push('', 'Mounts on block devices:');
    for (const mt of m.mounts.filter((x) => x.device)) out.push(`  ${mt.target} ← ${mt.source} (${mt.fstype ?? '?'}) → ${mt.device!.slice('device:'.length)}  [${refs(mt.evidence)}]`);
  }
  if (m.devices.length > 0) {
    out.push('', 'Devices (iostat):');
    for (const d of m.devices.filter((x) => x.util_pct)) {
      out.push(`  ${d.name}: util ${d.util_pct!.mean.toFixed(1)}% mean, ${d.util_pct!.max.toFixed(1)}% max; write ${rate(d.write_bytes_per_s)}; w_await max ${d.w_await_s ? `${d.w_await_s.max.toFixed(3)} s` : '-'}${d.parallel ? ' (serves requests in parallel: %util misleads)' : ''}  [${refs(d.evidence)}]`);
    }
  }
  for (const b of m.io_balance) {
    out.push('', `I/O balance for ${b.device.slice('device:'.length)}: processes dirtied ${((b.process_written_bytes ?? 0) / MIB).toFixed(1)} MiB${b.device_written_bytes !== undefined ? `, the device wrote ${(b.device_written_bytes / MIB).toFixed(1)} MiB` : ''}, ${((b.cancelled_written_bytes ?? 0) / MIB).toFixed(1)} MiB deleted before writeback${b.page_cache_absorbed ? ' — the page cache absorbed the writes' : ''}${b.writeback_backlog ? ' — the disk cannot keep up: dirty pages pile up' : ''}`);
  }
  if (m.diagnostics.length > 0) {
    out.push('', 'Notes:');
    for (const d of m.diagnostics) out.push(`  ${d.code}: ${d.message}  [${refs(d.evidence)}]`);
  }
  // Escaped line by line: bundle text cannot add lines or move the cursor.
  return `${out.map(forTerminal).join('\n')}\n`;
}
