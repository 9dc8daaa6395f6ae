/**
 * `report --format json`: the machine-readable twin of the page — the verdict, the chain, the findings,
 * a summary of the model and the capture's coverage. Numbers stay numbers in base units (bytes, seconds,
 * percent); schema: schemas/report.schema.json. Deterministic like the rest of the report.
 */
import type { SourceRef } from '../common/types.js';
import type { SeriesStats } from '../model/types.js';
import type { EvidenceLink } from './evidence.js';
import type { ReportInput, ReportView } from './view-model.js';

export const REPORT_SCHEMA_ID = 'https://perftriage.dev/schemas/report.schema.json';
export const REPORT_VERSION = '1.0.0';
const TOP = 10;

const refs = (links: readonly EvidenceLink[]): SourceRef[] => links.map((l) => ({ file: l.file, line: l.line }));

/** Only the keys whose value is defined: the schema forbids nulls for absent facts. */
function defined<T extends Record<string, unknown>>(o: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as Partial<T>;
}

const mean = (s: SeriesStats | undefined): number | undefined => s?.mean;
const max = (s: SeriesStats | undefined): number | undefined => s?.max;

export function buildReportJson(view: ReportView, input: ReportInput): Record<string, unknown> {
  const { model, timeline, analysis } = input;
  const v = view.verdict;
  const byWrites = <T extends { write_bytes_per_s?: SeriesStats }>(list: readonly T[]): T[] => [...list].sort((a, b) => (b.write_bytes_per_s?.total ?? 0) - (a.write_bytes_per_s?.total ?? 0) || (b.write_bytes_per_s?.mean ?? 0) - (a.write_bytes_per_s?.mean ?? 0));
  return defined({
    schema: REPORT_SCHEMA_ID,
    version: REPORT_VERSION,
    // Not the packing (folder, tar.gz, zip): the same capture gives the same report, byte for byte.
    bundle: { name: view.bundle.name },
    host: view.host,
    captured: view.captured,
    verdict: defined({
      headline: v.headline,
      text: v.text,
      disk_bottleneck: v.disk_bottleneck,
      device: v.device,
      pid: v.pid,
      command: v.command,
      tids: v.tids,
      pattern: v.pattern,
      mount: v.mount,
      evidence: refs(v.evidence),
    }),
    chain: view.chain.map((s) => ({
      role: s.role,
      label: s.label,
      detail: s.detail,
      links: s.links.map((l) => ({ relation: l.relation, says: l.says, confidence: l.confidence, via: l.via, evidence: refs(l.evidence) })),
    })),
    summary: analysis.summary,
    findings: analysis.findings,
    model: {
      counts: view.counts,
      processes: byWrites(model.processes.filter((p) => p.write_bytes_per_s || p.cpu_pct))
        .slice(0, TOP)
        .map((p) => defined({ pid: p.pid, command: p.command ?? p.comm, threads: p.tids.length, write_mean_bytes_per_s: mean(p.write_bytes_per_s), write_max_bytes_per_s: max(p.write_bytes_per_s), written_bytes: p.write_bytes_per_s?.total, cancelled_written_bytes: p.cancelled_write_bytes_per_s?.total, read_mean_bytes_per_s: mean(p.read_bytes_per_s), cpu_mean_pct: mean(p.cpu_pct) })),
      threads: byWrites(model.threads.filter((t) => t.write_bytes_per_s || t.cpu_pct))
        .slice(0, TOP)
        .map((t) => defined({ tid: t.tid, pid: t.pid, comm: t.comm, is_main: t.is_main, write_mean_bytes_per_s: mean(t.write_bytes_per_s), written_bytes: t.write_bytes_per_s?.total, cpu_mean_pct: mean(t.cpu_pct) })),
      devices: model.devices.map((d) => defined({ name: d.name, parallel: d.parallel, size_bytes: d.size_bytes, util_mean_pct: mean(d.util_pct), util_max_pct: max(d.util_pct), r_await_max_s: max(d.r_await_s), w_await_max_s: max(d.w_await_s), read_max_bytes_per_s: max(d.read_bytes_per_s), write_max_bytes_per_s: max(d.write_bytes_per_s) })),
      patterns: [...model.patterns]
        .sort((a, b) => b.written_bytes + b.read_bytes - (a.written_bytes + a.read_bytes) || b.opens - a.opens || (a.pattern < b.pattern ? -1 : 1))
        .slice(0, TOP)
        .map((p) => defined({ pattern: p.pattern, files: p.files, directories: p.directories, opens: p.opens, written_bytes: p.written_bytes, read_bytes: p.read_bytes, pids: p.pids, tids: p.tids, mount: p.mount })),
      io_balance: model.io_balance.map((b) => defined({ device: b.device, process_written_bytes: b.process_written_bytes, cancelled_written_bytes: b.cancelled_written_bytes, device_written_bytes: b.device_written_bytes, page_cache_absorbed: b.page_cache_absorbed, writeback_backlog: b.writeback_backlog, device_busy: b.device_busy })),
    },
    coverage: {
      files: timeline.files.map((f) => defined({ path: f.path, tool: f.tool, variant: f.variant, decided_by: f.decided_by, lines: f.coverage.lines, data: f.coverage.data, skipped: f.coverage.skipped, unparsed: f.coverage.unparsed, records: f.records, time_span: f.time_span })),
      skipped: timeline.skipped.map((s) => ({ path: s.path, reason: s.reason, lines: s.lines, bytes: s.bytes })),
      unparsed_lines: view.quality.unparsedLines,
      clock_notes: view.quality.clockNotes,
      rules: analysis.rules.map((r) => defined({ id: r.id, status: r.status, findings: r.findings, missing: r.missing, without: r.without, error: r.error })),
      charts: view.charts.map((c) => ({ id: c.id, title: c.title, note: c.note, series: c.series.map((s) => s.label) })),
      skipped_charts: view.skippedCharts,
    },
  });
}

export function renderJson(view: ReportView, input: ReportInput): string {
  return `${JSON.stringify(buildReportJson(view, input), null, 1)}\n`;
}
