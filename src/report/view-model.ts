/**
 * The report's one view model, built from the pipeline's {timeline, model, analysis}: the verdict in
 * plain words, the causal chain (device ← process ← thread ← files/pattern ← mount) with the evidence of
 * each join, the findings by severity, the charts, the tables and the capture's quality. The HTML, the
 * Markdown and the JSON reports are all rendered from it, so they never disagree.
 *
 * Pure and deterministic: no clock of 'now', no local paths, sorted everything. Strings here are plain
 * text (bundle text included, unescaped): each renderer escapes for its target. The one exception is
 * `ChartView.svg`, markup built by charts.ts, which escapes its labels itself.
 */
import type { SourceRef, TimelineRecord } from '../common/types.js';
import type { Timeline } from '../timeline/build.js';
import type { DeviceEntity, IoBalance, Link, Model, MountEntity, PatternEntity, ProcessEntity, SeriesStats, ThreadEntity } from '../model/types.js';
import type { Analysis, Finding } from '../rules/index.js';
import { renderLineChart } from './charts.js';
import { buildCharts, type SkippedChart } from './chart-data.js';
import { EvidenceRegistry, type AppendixBlock, type EvidenceLink } from './evidence.js';
import type { Excerpts } from './excerpts.js';
import { formatBytes, formatCount, formatPct, formatRate, formatSeconds, isoLabel, joinWords, joinWordsCapped, plural, shortNumber } from './format.js';

export interface ReportInput {
  timeline: Timeline;
  model: Model;
  analysis: Analysis;
}

/** A piece of a sentence; `code` pieces are names from the capture (device, command, path, pattern). */
export interface Segment {
  text: string;
  code?: boolean;
}

export type Bottleneck = 'yes' | 'no' | 'unknown';

export interface Verdict {
  headline: string;
  /** Sentences, each a list of segments; plain text is `text`. */
  sentences: Segment[][];
  text: string;
  disk_bottleneck: Bottleneck;
  device?: string;
  pid?: number;
  command?: string;
  tids: number[];
  pattern?: string;
  mount?: string;
  evidence: EvidenceLink[];
}

export interface ChainLinkView {
  relation: string;
  /** What the join says, in words: `thread 514 belongs to process 12280`. */
  says: string;
  confidence: string;
  via: string;
  evidence: EvidenceLink[];
}

export interface ChainStep {
  role: 'device' | 'process' | 'thread' | 'pattern' | 'file' | 'mount';
  label: string;
  detail: string;
  /** The joins that put this step in the chain (to the step before it). */
  links: ChainLinkView[];
}

export interface FindingView {
  rule: string;
  severity: Finding['severity'];
  title: string;
  message: string;
  /** Markdown prose of the rule (ours); renderers harden it (no raw HTML, no links). */
  recommendation: string;
  entities: { label: string; values: string }[];
  evidence: EvidenceLink[];
  collect: string[];
  when?: string;
  fingerprint: string;
  docs?: string;
}

export interface SeverityGroup {
  severity: Finding['severity'];
  label: string;
  findings: FindingView[];
}

export interface Cell {
  text: string;
  num?: boolean;
  evidence?: EvidenceLink[];
}

export interface TableView {
  id: string;
  title: string;
  columns: { label: string; num?: boolean }[];
  rows: Cell[][];
  /** Rows left out (the table shows the largest). */
  more: number;
  note?: string;
}

export interface ChartView {
  id: string;
  title: string;
  note: string;
  svg: string;
  /** Per series: min/mean/max in the chart's unit, for the Markdown report and the JSON. */
  series: { label: string; points: number; mean: string; max: string }[];
}

export interface Quality {
  files: TableView;
  skipped: TableView;
  unparsedLines: number;
  unparsed: { message: string; evidence?: EvidenceLink; hint?: string }[];
  clockNotes: { file?: string; note: string }[];
  diagnostics: { severity: string; code: string; message: string; evidence?: EvidenceLink }[];
  skippedRules: { id: string; title: string; missing: { label: string; collect: string }[] }[];
  limitedRules: { id: string; title: string; without: { label: string; collect: string }[] }[];
  failedRules: { id: string; error: string }[];
  modelNotes: { code: string; message: string; evidence: EvidenceLink[] }[];
}

export interface ReportView {
  title: string;
  bundle: { name: string; kind: string };
  /** When the capture ran (from its records), never when the report was made. */
  captured?: { first: string; last: string };
  host?: string;
  summary: Analysis['summary'];
  verdict: Verdict;
  chain: ChainStep[];
  groups: SeverityGroup[];
  charts: ChartView[];
  skippedCharts: SkippedChart[];
  tables: TableView[];
  quality: Quality;
  appendix: AppendixBlock[];
  /** Why the appendix is empty or partial, when it is. */
  appendixNote?: string;
  counts: { processes: number; threads: number; files: number; patterns: number; mounts: number; devices: number; records: number };
}

const SEVERITY_LABEL = { error: 'Errors', warning: 'Warnings', note: 'Notes' } as const;
const MAX_ROWS = { processes: 15, threads: 15, patterns: 12, files: 20, devices: 12, mounts: 12 } as const;
const ROW_EVIDENCE = 2;
const LINK_EVIDENCE = 4;

const deviceNameOf = (id: string | undefined): string | undefined => id?.replace(/^device:/, '');
const total = (s: SeriesStats | undefined): number => s?.total ?? (s ? s.mean * s.samples : 0);
const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function processName(p: ProcessEntity | undefined): string | undefined {
  return p?.command ?? p?.comm;
}

// ---------------------------------------------------------------- picking the culprits

/** The device the report is about: what the top findings name, else where the writes went, else the busiest. */
function primaryDevice(model: Model, analysis: Analysis): DeviceEntity | undefined {
  for (const f of analysis.findings) {
    for (const name of f.entities.devices ?? []) {
      const d = model.devices.find((x) => x.name === name || x.id === name || x.partitions.includes(name));
      if (d) return d;
    }
  }
  const balances = [...model.io_balance].filter((b) => (b.process_written_bytes ?? 0) > 0).sort((a, b) => (b.process_written_bytes ?? 0) - (a.process_written_bytes ?? 0) || cmp(a.device, b.device));
  const fromBalance = balances[0] && model.devices.find((d) => d.id === balances[0]!.device);
  if (fromBalance) return fromBalance;
  return [...model.devices].filter((d) => d.util_pct).sort((a, b) => b.util_pct!.max - a.util_pct!.max || cmp(a.name, b.name))[0];
}

function primaryProcess(model: Model, analysis: Analysis, balance: IoBalance | undefined): ProcessEntity | undefined {
  const byPid = (pid: number): ProcessEntity | undefined => model.processes.find((p) => p.pid === pid);
  const top = balance && [...balance.by_process].sort((a, b) => b.written_bytes - a.written_bytes || a.pid - b.pid)[0];
  if (top && top.written_bytes > 0 && byPid(top.pid)) return byPid(top.pid);
  for (const f of analysis.findings) for (const pid of f.entities.pids ?? []) if (byPid(pid)) return byPid(pid);
  return [...model.processes].filter((p) => total(p.write_bytes_per_s) > 0).sort((a, b) => total(b.write_bytes_per_s) - total(a.write_bytes_per_s) || a.pid - b.pid)[0];
}

function primaryPattern(model: Model, analysis: Analysis, process: ProcessEntity | undefined): PatternEntity | undefined {
  for (const f of analysis.findings) for (const name of f.entities.patterns ?? []) {
    const p = model.patterns.find((x) => x.pattern === name || x.id === name);
    if (p && (!process || p.pids.includes(process.pid))) return p;
  }
  if (!process) return undefined;
  return [...model.patterns].filter((p) => p.pids.includes(process.pid)).sort((a, b) => b.written_bytes + b.read_bytes - (a.written_bytes + a.read_bytes) || b.opens - a.opens || cmp(a.pattern, b.pattern))[0];
}

/** Threads of the process that did the work: they wrote (pidstat -t), touched the pattern, or a finding names them. */
function workerThreads(model: Model, analysis: Analysis, process: ProcessEntity | undefined, pattern: PatternEntity | undefined): ThreadEntity[] {
  if (!process) return [];
  const named = new Set<number>();
  for (const f of analysis.findings) if (!f.entities.pids || f.entities.pids.includes(process.pid)) for (const tid of f.entities.tids ?? []) named.add(tid);
  const touchesPattern = new Set<string>();
  if (pattern) for (const l of model.links) if ((l.relation === 'basename-of' || l.relation === 'accessed') && l.to === pattern.id) touchesPattern.add(l.from);
  const fileOfPattern = new Set(pattern ? model.files.filter((f) => f.pattern === pattern.id).map((f) => f.id) : []);
  for (const l of model.links) if (l.relation === 'basename-of' && fileOfPattern.has(l.to)) touchesPattern.add(l.from);
  const workers = model.threads.filter(
    (t) => t.pid === process.pid && (total(t.write_bytes_per_s) > 0 || named.has(t.tid) || pattern?.tids.includes(t.tid) || touchesPattern.has(t.id)),
  );
  // The main thread is only a worker when nothing else is.
  const others = workers.filter((t) => !t.is_main);
  return (others.length > 0 ? others : workers).sort((a, b) => total(b.write_bytes_per_s) - total(a.write_bytes_per_s) || a.tid - b.tid);
}

function mountOf(model: Model, pattern: PatternEntity | undefined, device: DeviceEntity | undefined): MountEntity | undefined {
  if (pattern?.mount) return model.mounts.find((m) => m.id === pattern.mount);
  if (!device) return undefined;
  return [...model.mounts].filter((m) => m.device === device.id).sort((a, b) => a.target.length - b.target.length || cmp(a.target, b.target))[0];
}

// ---------------------------------------------------------------- verdict

function sentence(...parts: (string | Segment | undefined | false)[]): Segment[] {
  return parts.filter((p): p is string | Segment => typeof p === 'string' || (typeof p === 'object' && p !== null)).map((p) => (typeof p === 'string' ? { text: p } : p));
}
const code = (text: string): Segment => ({ text, code: true });

function bottleneckOf(device: DeviceEntity | undefined, balance: IoBalance | undefined): Bottleneck {
  if (!device) return 'unknown';
  if (balance?.page_cache_absorbed) return 'no';
  if (balance?.device_busy || balance?.writeback_backlog) return 'yes';
  const util = device.util_pct?.max;
  const wait = Math.max(device.w_await_s?.max ?? 0, device.r_await_s?.max ?? 0);
  if (util === undefined) return 'unknown';
  if ((!device.parallel && util >= 90) || wait >= 0.1) return 'yes';
  if (util < 50 && wait < 0.05) return 'no';
  return 'unknown';
}

function deviceSentence(device: DeviceEntity, balance: IoBalance | undefined, verdict: Bottleneck): Segment[] {
  const util = device.util_pct ? `${formatPct(device.util_pct.max)}` : undefined;
  const wait = Math.max(device.w_await_s?.max ?? 0, device.r_await_s?.max ?? 0);
  const writes = device.write_bytes_per_s ? formatRate(device.write_bytes_per_s.max) : undefined;
  if (verdict === 'no' && balance?.page_cache_absorbed) {
    const dirtied = balance.process_written_bytes !== undefined ? formatBytes(balance.process_written_bytes) : 'data';
    const deleted = balance.cancelled_written_bytes ? ` (${formatBytes(balance.cancelled_written_bytes)} of writes cancelled: deleted or truncated before writeback)` : '';
    const maxWrite = device.write_bytes_per_s?.max;
    const wrote =
      balance.device_written_bytes !== undefined ? formatBytes(balance.device_written_bytes) : maxWrite === 0 ? 'nothing (0 B/s in every sample)' : writes ? `at most ${writes}` : 'next to nothing';
    return sentence(
      'The disk was not the bottleneck: processes dirtied ',
      dirtied,
      deleted,
      ' while ',
      code(device.name),
      ` wrote ${wrote}`,
      util ? `, busy at most ${util} of the time` : '',
      '. The page cache absorbed the writes: the cost is CPU and memory, not disk time.',
    );
  }
  if (verdict === 'no') {
    return sentence('The disk was not the bottleneck: ', code(device.name), util ? ` was busy at most ${util} of the time` : ' was idle', wait > 0 ? ` and requests waited at most ${formatSeconds(wait)}` : '', '.');
  }
  if (verdict === 'yes') {
    const queue = device.aqu_sz ? ` with ${shortNumber(device.aqu_sz.mean)} requests queued on average` : '';
    const parallel = device.parallel ? ' (it serves requests in parallel, so latency, not %util, is the measure)' : '';
    const backlog = balance?.writeback_backlog ? ' Dirty pages pile up behind it: processes dirty far more than it can write.' : '';
    return sentence(
      'The disk is the bottleneck: ',
      code(device.name),
      ` was ${util ? `${util} utilized` : 'busy'}`,
      wait > 0 ? `, requests waited up to ${formatSeconds(wait)}` : '',
      queue,
      writes ? `, writing up to ${writes}` : '',
      `${parallel}.`,
      backlog,
    );
  }
  return sentence('Disk ', code(device.name), util ? ` was busy at most ${util} of the time` : ' has no utilization samples', wait > 0 ? `, requests waited up to ${formatSeconds(wait)}` : '', ': the capture does not show whether it limited the workload.');
}

function processSentence(p: ProcessEntity, device: DeviceEntity | undefined, balance: IoBalance | undefined): Segment[] {
  const share = balance?.by_process.find((b) => b.pid === p.pid)?.share_of_device;
  const w = p.write_bytes_per_s;
  const name = processName(p);
  return sentence(
    `Process ${p.pid}`,
    name ? ' (' : '',
    name ? code(name) : undefined,
    name ? ')' : '',
    w ? ` wrote the most: ${formatRate(w.mean)} on average, up to ${formatRate(w.max)}${w.total !== undefined ? `, ${formatBytes(w.total)} over the capture` : ''}` : ' is the process the findings name',
    share !== undefined && device ? `, ${formatPct(share * 100)} of what ` : '',
    share !== undefined && device ? code(device.name) : undefined,
    share !== undefined && device ? ' wrote' : '',
    p.cpu_pct ? `; it used ${formatPct(p.cpu_pct.mean)} CPU on average` : '',
    '.',
  );
}

function threadSentence(process: ProcessEntity, workers: readonly ThreadEntity[]): Segment[] {
  const main = workers.length > 0 && workers.every((t) => t.is_main);
  if (main) return sentence(`The work runs on its main thread ${process.pid}.`);
  // The biggest writers first: a long list is cut, and they are the ones to name.
  const byWrites = [...workers].sort((a, b) => (b.write_bytes_per_s?.mean ?? 0) - (a.write_bytes_per_s?.mean ?? 0) || a.tid - b.tid);
  const tids = byWrites.map((t) => String(t.tid));
  const writing = byWrites.filter((t) => total(t.write_bytes_per_s) > 0).map((t) => `${t.tid} (${formatRate(t.write_bytes_per_s!.mean)} on average)`);
  return sentence(
    `The work is done by ${workers.length === 1 ? 'thread' : 'threads'} ${joinWordsCapped(tids)}`,
    ` of PID ${process.pid}, not its main thread`,
    writing.length > 0 ? `; writing: ${joinWordsCapped(writing, 4)}` : '',
    '.',
  );
}

function patternSentence(p: PatternEntity, mount: MountEntity | undefined): Segment[] {
  const perDir = p.files_per_directory;
  const life = p.directory_lifetime_s ? `, each directory living about ${formatSeconds(p.directory_lifetime_s.median)}` : '';
  return sentence(
    'It works on files named ',
    code(p.pattern),
    `: ${plural(p.files, 'file')} in ${plural(p.directories, 'directory', 'directories')} (up to ${formatCount(perDir.max)} per directory${life}), opened ${plural(p.opens, 'time')}`,
    p.written_bytes > 0 ? `, ${formatBytes(p.written_bytes)} written` : '',
    p.read_bytes > 0 ? `, ${formatBytes(p.read_bytes)} read back` : '',
    mount ? ', on ' : '',
    mount ? code(mount.target) : undefined,
    mount ? ` (${mount.source}${mount.fstype ? `, ${mount.fstype}` : ''})` : '',
    '.',
  );
}

function latestAvailableMemory(timeline: Timeline): { bytes: number; ref: SourceRef } | undefined {
  let found: { bytes: number; ref: SourceRef } | undefined;
  for (const r of timeline.records) if (r.kind === 'top.summary' && typeof r.avail_mem_bytes === 'number') found = { bytes: r.avail_mem_bytes, ref: r.source };
  return found;
}

function findingsSentence(analysis: Analysis): Segment[] {
  const top = analysis.findings[0];
  const { error, warning, note } = analysis.summary;
  const counts = [error ? plural(error, 'error') : '', warning ? plural(warning, 'warning') : '', note ? plural(note, 'note') : ''].filter(Boolean);
  if (!top) {
    const skipped = analysis.rules.filter((r) => r.status === 'skipped').length;
    return sentence(`No rule fired${skipped > 0 ? ` (${plural(skipped, 'rule')} could not run for missing inputs: see Capture quality)` : ''}.`);
  }
  return sentence(`The rules found ${joinWords(counts)}; the most severe: ${top.title}.`);
}

/** Rules that are not the headline's news: who wrote and where it went (the disk sentence tells it), and what the capture lacks. */
const TOLD_BY_THE_DISK_SENTENCE = new Set(['io-heavy-process', 'page-cache-absorbed', 'capture-quality', 'strace-missed-threads']);

/** The most severe warning or error that is news beyond "the disk was not the bottleneck" (e.g. a logging storm). */
function leadFinding(analysis: Analysis): Analysis['findings'][number] | undefined {
  return analysis.findings.find((f) => f.severity !== 'note' && !TOLD_BY_THE_DISK_SENTENCE.has(f.rule));
}

function buildVerdict(input: ReportInput, ev: EvidenceRegistry): { verdict: Verdict; picks: Picks } {
  const { model, analysis, timeline } = input;
  const device = primaryDevice(model, analysis);
  const balance = device ? model.io_balance.find((b) => b.device === device.id) : undefined;
  const process = primaryProcess(model, analysis, balance);
  const pattern = primaryPattern(model, analysis, process);
  const workers = workerThreads(model, analysis, process, pattern);
  const mount = mountOf(model, pattern, device);
  const bottleneck = bottleneckOf(device, balance);
  const sentences: Segment[][] = [];
  const refs: SourceRef[] = [];
  // A failing disk looks saturated: the kernel's errors for it come before any advice on its load.
  const failing = device ? analysis.findings.find((f) => f.rule === 'storage-errors' && f.entities.devices?.includes(device.name)) : undefined;
  if (device) {
    sentences.push(deviceSentence(device, balance, bottleneck));
    refs.push(...(balance?.evidence ?? device.evidence).slice(0, 2));
    if (failing) {
      sentences.push(sentence(`The kernel also logged errors for ${device.name} (storage-errors): a device that fails requests retries and times out, which looks like saturation; check its health and path (smartctl -a /dev/${device.name}) before reducing its load.`));
      refs.push(...failing.evidence.slice(0, 1));
    }
  }
  if (process) {
    sentences.push(processSentence(process, device, balance));
    refs.push(...process.evidence.slice(0, 1));
    if (workers.length > 0) {
      sentences.push(threadSentence(process, workers));
      for (const t of workers.slice(0, 3)) refs.push(...t.evidence.slice(0, 1));
    }
  }
  if (pattern) {
    sentences.push(patternSentence(pattern, mount));
    refs.push(...pattern.evidence.slice(0, 1));
  }
  sentences.push(findingsSentence(analysis));
  const top = analysis.findings[0];
  if (top) {
    sentences.push(sentence(`What to do: ${top.recommendation}`));
    refs.push(...top.evidence.slice(0, 2));
  } else if (bottleneck === 'no' && pattern && balance?.page_cache_absorbed) {
    sentences.push(sentence('What to do: nothing urgent for the disk. If these files are scratch data, keeping them in memory saves the file system work (and the CPU it costs).'));
  }
  const memory = latestAvailableMemory(timeline);
  if (memory && (top || bottleneck === 'yes')) {
    sentences.push(sentence(`The host had ${formatBytes(memory.bytes)} of memory available (top).`));
    refs.push(memory.ref);
  }
  // A capture where no rule warns is quiet, whatever its busiest device or process happened to do.
  const quiet = analysis.summary.error + analysis.summary.warning === 0;
  const headline =
    bottleneck === 'yes' && device
      ? failing
        ? `${device.name} looks saturated, but the kernel logged errors for it${process ? `; PID ${process.pid} drove its load` : ''}`
        : `${device.name} is the bottleneck${process ? `, driven by PID ${process.pid}` : ''}`
      : quiet
        ? top
          ? `No problem found; ${plural(analysis.summary.note, 'note')} on the capture`
          : 'No problem found in this capture'
        : bottleneck === 'no' && device
          ? leadFinding(analysis)
            ? `${leadFinding(analysis)!.title}; the disk (${device.name}) was not the bottleneck`
            : `The disk (${device.name}) was not the bottleneck${process ? `; PID ${process.pid} did the I/O` : ''}`
          : top!.title;
  const verdict: Verdict = {
    headline,
    sentences,
    text: sentences.map((s) => s.map((x) => x.text).join('')).join(' '),
    disk_bottleneck: bottleneck,
    tids: workers.map((t) => t.tid),
    evidence: ev.citeAll(dedupe(refs)),
  };
  if (device) verdict.device = device.name;
  if (process) verdict.pid = process.pid;
  const command = processName(process);
  if (command) verdict.command = command;
  if (pattern) verdict.pattern = pattern.pattern;
  if (mount) verdict.mount = mount.target;
  return { verdict, picks: { device, balance, process, workers, pattern, mount } };
}

function dedupe(refs: readonly SourceRef[]): SourceRef[] {
  const seen = new Set<string>();
  return refs.filter((r) => {
    const k = `${r.file}:${r.line}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

interface Picks {
  device?: DeviceEntity;
  balance?: IoBalance;
  process?: ProcessEntity;
  workers: ThreadEntity[];
  pattern?: PatternEntity;
  mount?: MountEntity;
}

// ---------------------------------------------------------------- causal chain

function linkView(link: Link, says: string, ev: EvidenceRegistry): ChainLinkView {
  return { relation: link.relation, says, confidence: link.confidence, via: link.via.join(', '), evidence: ev.citeAll(link.evidence, LINK_EVIDENCE) };
}

function buildChain(model: Model, picks: Picks, ev: EvidenceRegistry): ChainStep[] {
  const { device, balance, process, workers, pattern, mount } = picks;
  const steps: ChainStep[] = [];
  const find = (relation: string, from: string, to: string): Link | undefined => model.links.find((l) => l.relation === relation && l.from === from && l.to === to);
  if (device) {
    const util = device.util_pct ? `util ${formatPct(device.util_pct.mean)} mean, ${formatPct(device.util_pct.max)} max` : 'no utilization samples';
    const wait = device.w_await_s ? `; w_await up to ${formatSeconds(device.w_await_s.max)}` : '';
    const wr = device.write_bytes_per_s ? `; writes up to ${formatRate(device.write_bytes_per_s.max)}` : '';
    steps.push({ role: 'device', label: device.name, detail: `${util}${wait}${wr}${device.parallel ? ' (serves requests in parallel)' : ''}`, links: [] });
  }
  if (process) {
    const links: ChainLinkView[] = [];
    const share = balance?.by_process.find((b) => b.pid === process.pid);
    if (device && share) {
      const confidence = share.placement === 'files' ? 'likely' : 'guess';
      const why = share.placement === 'files' ? 'its files are on this device' : share.placement === 'only-device' ? 'the only device measured' : 'no file of it is known: a candidate';
      links.push({
        relation: 'writes-to',
        says: `PID ${process.pid} dirtied ${formatBytes(share.written_bytes)} placed on ${device.name} (${why})`,
        confidence,
        via: 'pidstat -d against iostat (I/O balance)',
        evidence: ev.citeAll(dedupe([...(process.evidence.filter((r) => /pidstat/.test(r.file)).slice(0, 2)), ...(balance?.evidence ?? []).slice(0, 2)])),
      });
    }
    const w = process.write_bytes_per_s;
    steps.push({ role: 'process', label: `PID ${process.pid} ${processName(process) ?? ''}`.trim(), detail: w ? `writes ${formatRate(w.mean)} mean, ${formatRate(w.max)} max` : `seen by ${process.seen_by.join(', ')}`, links });
  }
  if (process && workers.length > 0) {
    const links: ChainLinkView[] = [];
    for (const t of workers.slice(0, 6)) {
      const l = find('thread-of', t.id, process.id);
      if (l) links.push(linkView(l, `thread ${t.tid} belongs to process ${process.pid}`, ev));
    }
    const detail = joinWordsCapped(workers.map((t) => `${t.tid}${t.write_bytes_per_s ? ` (${formatRate(t.write_bytes_per_s.mean)} write)` : ''}`));
    steps.push({ role: 'thread', label: `${workers.length === 1 ? 'TID' : 'TIDs'} ${joinWordsCapped(workers.map((t) => String(t.tid)))}`, detail, links });
  }
  if (pattern) {
    const links: ChainLinkView[] = [];
    for (const t of workers.slice(0, 6)) {
      const l = find('basename-of', t.id, pattern.id);
      if (l) links.push(linkView(l, `thread ${t.tid}'s files (filetop base names) are in ${pattern.pattern}`, ev));
    }
    if (process) {
      const l = find('accessed', process.id, pattern.id);
      if (l) links.push(linkView(l, `process ${process.pid} opened paths of ${pattern.pattern}`, ev));
    }
    steps.push({ role: 'pattern', label: pattern.pattern, detail: `${plural(pattern.files, 'file')}, ${plural(pattern.directories, 'directory', 'directories')}, ${plural(pattern.opens, 'open')}, ${formatBytes(pattern.written_bytes)} written, ${formatBytes(pattern.read_bytes)} read`, links });
  }
  if (mount) {
    const links: ChainLinkView[] = [];
    if (pattern) {
      const l = find('on-mount', pattern.id, mount.id);
      if (l) links.push(linkView(l, `${pattern.pattern} lives on ${mount.target}`, ev));
    }
    if (mount.device) {
      const l = find('mounted-from', mount.id, mount.device);
      if (l) links.push(linkView(l, `${mount.target} is mounted from ${mount.source} on ${deviceNameOf(mount.device)}`, ev));
    }
    steps.push({ role: 'mount', label: mount.target, detail: `${mount.source}${mount.fstype ? ` (${mount.fstype})` : ''}${mount.device ? ` on ${deviceNameOf(mount.device)}` : ''}${mount.use_pct !== undefined ? `, ${formatPct(mount.use_pct)} used` : ''}`, links });
  }
  return steps;
}

// ---------------------------------------------------------------- findings

function findingView(f: Finding, analysis: Analysis, ev: EvidenceRegistry): FindingView {
  const e = f.entities;
  const entities: { label: string; values: string }[] = [];
  if (e.devices?.length) entities.push({ label: 'Devices', values: e.devices.join(', ') });
  if (e.pids?.length) entities.push({ label: 'PIDs', values: e.pids.join(', ') });
  if (e.tids?.length) entities.push({ label: 'TIDs', values: e.tids.join(', ') });
  if (e.patterns?.length) entities.push({ label: 'Patterns', values: e.patterns.join(', ') });
  if (e.paths?.length) entities.push({ label: 'Paths', values: e.paths.slice(0, 10).join(', ') + (e.paths.length > 10 ? ` (+${e.paths.length - 10})` : '') });
  const view: FindingView = {
    rule: f.rule,
    severity: f.severity,
    title: f.title,
    message: f.message,
    recommendation: f.recommendation,
    entities,
    evidence: ev.citeAll(f.evidence),
    collect: f.collect ?? [],
    fingerprint: f.fingerprint,
  };
  if (f.when && (f.when.first || f.when.last)) view.when = [f.when.first, f.when.last].filter((x): x is string => !!x).map(isoLabel).join(' – ');
  const docs = analysis.rules.find((r) => r.id === f.rule)?.docs;
  if (docs) view.docs = docs;
  return view;
}

function buildGroups(analysis: Analysis, ev: EvidenceRegistry): SeverityGroup[] {
  return (['error', 'warning', 'note'] as const)
    .map((severity) => ({ severity, label: SEVERITY_LABEL[severity], findings: analysis.findings.filter((f) => f.severity === severity).map((f) => findingView(f, analysis, ev)) }))
    .filter((g) => g.findings.length > 0);
}

// ---------------------------------------------------------------- tables

const cell = (text: string | number | undefined, num = false): Cell => ({ text: text === undefined ? '' : String(text), ...(num ? { num: true } : {}) });
const evCell = (ev: EvidenceRegistry, refs: readonly SourceRef[]): Cell => ({ text: '', evidence: ev.citeAll(refs, ROW_EVIDENCE) });
const rate = (s: SeriesStats | undefined, which: 'mean' | 'max'): Cell => cell(s ? formatRate(s[which]) : '', true);
const bytes = (n: number | undefined): Cell => cell(n === undefined ? '' : formatBytes(n), true);
const pct = (s: SeriesStats | undefined, which: 'mean' | 'max'): Cell => cell(s ? formatPct(s[which]) : '', true);
const secs = (s: SeriesStats | undefined, which: 'mean' | 'max'): Cell => cell(s ? formatSeconds(s[which]) : '', true);
const ids = (list: readonly number[], max = 8): string => (list.length > max ? `${list.slice(0, max).join(', ')} (+${list.length - max})` : list.join(', '));

/** A table; columns empty in every row shown are left out (a capture without pidstat has no rate columns). */
function table(id: string, title: string, columns: [string, boolean?][], all: Cell[][], max: number, note?: string): TableView {
  const rows = all.slice(0, max);
  const keep = columns.map((_, i) => rows.some((r) => r[i] && (r[i]!.text !== '' || (r[i]!.evidence?.length ?? 0) > 0)));
  const t: TableView = {
    id,
    title,
    columns: columns.filter((_, i) => keep[i]).map(([label, num]) => (num ? { label, num } : { label })),
    rows: rows.map((r) => r.filter((_, i) => keep[i])),
    more: Math.max(0, all.length - max),
  };
  if (note) t.note = note;
  return t;
}

function processTable(model: Model, ev: EvidenceRegistry): TableView {
  const list = model.processes
    .filter((p) => p.write_bytes_per_s || p.read_bytes_per_s || p.cpu_pct)
    .sort((a, b) => total(b.write_bytes_per_s) - total(a.write_bytes_per_s) || (b.cpu_pct?.mean ?? 0) - (a.cpu_pct?.mean ?? 0) || a.pid - b.pid);
  const rows = list.slice(0, MAX_ROWS.processes).map((p) => [
    cell(p.pid, true),
    cell(processName(p) ?? ''),
    cell(p.tids.length, true),
    rate(p.write_bytes_per_s, 'mean'),
    rate(p.write_bytes_per_s, 'max'),
    bytes(p.write_bytes_per_s?.total),
    bytes(p.cancelled_write_bytes_per_s?.total),
    rate(p.read_bytes_per_s, 'mean'),
    pct(p.cpu_pct, 'mean'),
    cell(p.d_state ? `${p.d_state.snapshots}/${p.d_state.of}` : '', true),
    evCell(ev, p.evidence),
  ]);
  return table('tbl-processes', 'Top processes (by bytes written)', [['PID', true], ['Command'], ['Threads', true], ['Write mean', true], ['Write max', true], ['Written', true], ['Cancelled', true], ['Read mean', true], ['CPU mean', true], ['D state', true], ['Evidence']], rows, rows.length, list.length > rows.length ? `${list.length - rows.length} more processes with samples.` : undefined);
}

function threadTable(model: Model, ev: EvidenceRegistry): TableView {
  // Threads without samples of their own rank by their process's writes: the busy process's threads first.
  const processWrites = new Map(model.processes.map((p) => [p.pid, total(p.write_bytes_per_s)]));
  const ofProcess = (t: ThreadEntity): number => (t.pid === undefined ? 0 : (processWrites.get(t.pid) ?? 0));
  const list = model.threads
    .filter((t) => t.write_bytes_per_s || t.read_bytes_per_s || t.cpu_pct || t.pid !== undefined)
    .sort((a, b) => total(b.write_bytes_per_s) - total(a.write_bytes_per_s) || (b.cpu_pct?.mean ?? 0) - (a.cpu_pct?.mean ?? 0) || ofProcess(b) - ofProcess(a) || Number(a.is_main) - Number(b.is_main) || a.tid - b.tid);
  const rows = list.slice(0, MAX_ROWS.threads).map((t) => [
    cell(t.tid, true),
    cell(t.pid, true),
    cell(t.comm ?? ''),
    cell(t.is_main ? 'main' : ''),
    rate(t.write_bytes_per_s, 'mean'),
    rate(t.write_bytes_per_s, 'max'),
    bytes(t.write_bytes_per_s?.total),
    pct(t.cpu_pct, 'mean'),
    cell(t.seen_by.join(', ')),
    evCell(ev, t.evidence),
  ]);
  return table('tbl-threads', 'Top threads (by bytes written, then CPU)', [['TID', true], ['PID', true], ['Name'], ['Main'], ['Write mean', true], ['Write max', true], ['Written', true], ['CPU mean', true], ['Seen by'], ['Evidence']], rows, rows.length, list.length > rows.length ? `${list.length - rows.length} more threads.` : undefined);
}

function patternTable(model: Model, ev: EvidenceRegistry): TableView {
  const mountName = (id: string | undefined): string => model.mounts.find((m) => m.id === id)?.target ?? '';
  const list = [...model.patterns].sort((a, b) => b.written_bytes + b.read_bytes - (a.written_bytes + a.read_bytes) || b.opens - a.opens || cmp(a.pattern, b.pattern));
  const rows = list.slice(0, MAX_ROWS.patterns).map((p) => [
    cell(p.pattern),
    cell(p.files, true),
    cell(p.directories, true),
    cell(`${formatCount(p.files_per_directory.median)} / ${formatCount(p.files_per_directory.max)}`, true),
    cell(p.opens, true),
    bytes(p.written_bytes),
    bytes(p.read_bytes),
    cell(ids(p.pids)),
    cell(ids(p.tids)),
    cell(mountName(p.mount)),
    cell(p.directory_lifetime_s ? formatSeconds(p.directory_lifetime_s.median) : '', true),
    evCell(ev, p.evidence),
  ]);
  return table('tbl-patterns', 'Path patterns', [['Pattern'], ['Files', true], ['Dirs', true], ['Files/dir median / max', true], ['Opens', true], ['Written', true], ['Read', true], ['PIDs'], ['TIDs'], ['Mount'], ['Dir lifetime', true], ['Evidence']], rows, rows.length, list.length > rows.length ? `${list.length - rows.length} more patterns.` : undefined);
}

function fileTable(model: Model, ev: EvidenceRegistry): TableView {
  const patternName = (id: string | undefined): string => model.patterns.find((p) => p.id === id)?.pattern ?? '';
  const list = [...model.files].sort((a, b) => (b.written_bytes ?? 0) + (b.read_bytes ?? 0) - ((a.written_bytes ?? 0) + (a.read_bytes ?? 0)) || b.opens - a.opens || cmp(a.path, b.path));
  const rows = list.slice(0, MAX_ROWS.files).map((f) => [cell(f.path), cell(patternName(f.pattern)), cell(f.opens, true), bytes(f.written_bytes), bytes(f.read_bytes), cell(ids(f.pids)), cell(ids(f.tids)), cell(f.seen_by.join(', ')), evCell(ev, f.evidence)]);
  return table('tbl-files', 'Files (by bytes, then opens)', [['Path'], ['Pattern'], ['Opens', true], ['Written', true], ['Read', true], ['PIDs'], ['TIDs'], ['Seen by'], ['Evidence']], rows, rows.length, list.length > rows.length ? `${list.length - rows.length} more files (see the patterns above).` : undefined);
}

function deviceTable(model: Model, ev: EvidenceRegistry): TableView {
  const list = [...model.devices].sort((a, b) => (b.util_pct?.max ?? -1) - (a.util_pct?.max ?? -1) || cmp(a.name, b.name));
  const rows = list.slice(0, MAX_ROWS.devices).map((d) => [
    cell(d.name),
    cell(d.parallel ? 'yes' : 'no'),
    bytes(d.size_bytes),
    pct(d.util_pct, 'mean'),
    pct(d.util_pct, 'max'),
    secs(d.r_await_s, 'max'),
    secs(d.w_await_s, 'max'),
    cell(d.aqu_sz ? shortNumber(d.aqu_sz.mean) : '', true),
    rate(d.read_bytes_per_s, 'mean'),
    rate(d.write_bytes_per_s, 'mean'),
    rate(d.write_bytes_per_s, 'max'),
    evCell(ev, d.evidence),
  ]);
  return table('tbl-devices', 'Devices', [['Device'], ['Parallel'], ['Size', true], ['Util mean', true], ['Util max', true], ['r_await max', true], ['w_await max', true], ['Queue mean', true], ['Read mean', true], ['Write mean', true], ['Write max', true], ['Evidence']], rows, rows.length);
}

function mountTable(model: Model, ev: EvidenceRegistry): TableView {
  const list = model.mounts.filter((m) => m.device || m.block_device).sort((a, b) => cmp(a.target, b.target));
  const rows = list.slice(0, MAX_ROWS.mounts).map((m) => [cell(m.target), cell(m.source), cell(m.fstype ?? ''), cell(deviceNameOf(m.device) ?? m.block_device ?? ''), bytes(m.size_bytes), bytes(m.avail_bytes), cell(m.use_pct === undefined ? '' : formatPct(m.use_pct), true), evCell(ev, m.evidence)]);
  return table('tbl-mounts', 'Mounts on block devices', [['Mount'], ['Source'], ['Type'], ['Device'], ['Size', true], ['Available', true], ['Used', true], ['Evidence']], rows, rows.length, list.length > rows.length ? `${list.length - rows.length} more mounts.` : undefined);
}

function balanceTable(model: Model, ev: EvidenceRegistry): TableView {
  const rows = model.io_balance
    .filter((b) => (b.process_written_bytes ?? 0) > 0 || b.device_busy)
    .map((b) => {
      const top = [...b.by_process].sort((x, y) => y.written_bytes - x.written_bytes || x.pid - y.pid)[0];
      const says = b.page_cache_absorbed ? 'page cache absorbed the writes' : b.writeback_backlog ? 'writeback backlog: the disk cannot keep up' : b.device_busy ? 'device busy' : 'no imbalance';
      return [
        cell(deviceNameOf(b.device) ?? b.device),
        bytes(b.process_written_bytes),
        bytes(b.cancelled_written_bytes),
        bytes(b.device_written_bytes),
        cell(top ? `${top.pid}: ${formatBytes(top.written_bytes)}${top.share_of_device !== undefined ? ` (${formatPct(top.share_of_device * 100)})` : ''}` : ''),
        cell(says),
        evCell(ev, b.evidence),
      ];
    });
  return table('tbl-balance', 'I/O balance: what processes dirtied against what the device wrote', [['Device'], ['Dirtied by processes', true], ['Cancelled (deleted before writeback)', true], ['Device wrote', true], ['Top writer'], ['Reading'], ['Evidence']], rows, rows.length);
}

// ---------------------------------------------------------------- capture quality

const MAX_UNPARSED_SHOWN = 50;

function buildQuality(input: ReportInput, ev: EvidenceRegistry): Quality {
  const { timeline, analysis, model } = input;
  const files = timeline.files.map((f) => [
    cell(f.path),
    cell(f.tool),
    cell(f.variant),
    cell(f.decided_by),
    cell(f.time_span ? `${isoLabel(f.time_span.first)} – ${isoLabel(f.time_span.last)} (${f.time_span.clock})` : 'no times'),
    cell(f.coverage.lines, true),
    cell(f.coverage.data, true),
    cell(f.coverage.skipped, true),
    cell(f.coverage.unparsed, true),
    cell(f.records, true),
  ]);
  const skipped = timeline.skipped.map((s) => [cell(s.path), cell(s.lines, true), bytes(s.bytes), cell(s.reason)]);
  const unparsedDiags = timeline.diagnostics.filter((d) => d.code === 'unparsed-line' || d.code === 'truncated-line');
  const unparsed = unparsedDiags.slice(0, MAX_UNPARSED_SHOWN).map((d) => {
    const u: Quality['unparsed'][number] = { message: d.message };
    if (d.file && d.line) u.evidence = ev.cite({ file: d.file, line: d.line });
    if (d.hint) u.hint = d.hint;
    return u;
  });
  const otherDiags = [...timeline.diagnostics.filter((d) => d.code !== 'unparsed-line' && d.code !== 'truncated-line'), ...analysis.diagnostics].map((d) => {
    const v: Quality['diagnostics'][number] = { severity: d.severity, code: d.code, message: d.message };
    if (d.file && d.line) v.evidence = ev.cite({ file: d.file, line: d.line });
    return v;
  });
  return {
    files: table('tbl-files-read', 'Files read', [['File'], ['Tool'], ['Variant'], ['Decided by'], ['Time span'], ['Lines', true], ['Data', true], ['Skipped', true], ['Unparsed', true], ['Records', true]], files, files.length),
    skipped: table('tbl-files-skipped', 'Files not read', [['File'], ['Lines', true], ['Size', true], ['Why']], skipped, skipped.length),
    unparsedLines: timeline.files.reduce((n, f) => n + f.coverage.unparsed, 0),
    unparsed,
    clockNotes: timeline.clock.notes.map((n) => (n.file ? { file: n.file, note: n.note } : { note: n.note })),
    diagnostics: otherDiags,
    skippedRules: analysis.rules.filter((r) => r.status === 'skipped').map((r) => ({ id: r.id, title: r.title, missing: r.missing ?? [] })),
    limitedRules: analysis.rules.filter((r) => r.status === 'ran' && r.without && r.without.length > 0).map((r) => ({ id: r.id, title: r.title, without: r.without ?? [] })),
    failedRules: analysis.rules.filter((r) => r.status === 'failed').map((r) => ({ id: r.id, error: r.error ?? 'unknown error' })),
    modelNotes: model.diagnostics.map((d) => ({ code: d.code, message: d.message, evidence: ev.citeAll(d.evidence, ROW_EVIDENCE) })),
  };
}

// ---------------------------------------------------------------- assembly

function captureWindow(timeline: Timeline): { first: string; last: string } | undefined {
  let first: string | undefined;
  let last: string | undefined;
  for (const f of timeline.files) {
    if (!f.time_span || f.time_span.clock === 'manifest') continue;
    if (!first || f.time_span.first < first) first = f.time_span.first;
    if (!last || f.time_span.last > last) last = f.time_span.last;
  }
  return first && last ? { first: isoLabel(first), last: isoLabel(last) } : undefined;
}

function hostName(records: readonly TimelineRecord[]): string | undefined {
  for (const r of records) if ((r.kind === 'host.info' || r.kind === 'uname.info') && typeof r.hostname === 'string') return r.hostname;
  return undefined;
}

function chartViews(input: ReportInput): { charts: ChartView[]; skipped: SkippedChart[] } {
  const { charts, skipped } = buildCharts(input.timeline, input.model);
  return {
    charts: charts.map((c) => ({
      id: c.id,
      title: c.title,
      note: c.note,
      svg: renderLineChart(c),
      series: c.series.map((s) => {
        const ys = s.points.map((p) => p.y);
        const fmt = (v: number): string => (c.unit === 'bytes_per_s' ? formatRate(v) : c.unit === 'pct' ? formatPct(v) : c.unit === 's' ? formatSeconds(v) : c.unit === 'per_s' ? `${shortNumber(v)}/s` : shortNumber(v));
        return { label: s.label, points: s.points.length, mean: fmt(ys.reduce((a, b) => a + b, 0) / Math.max(1, ys.length)), max: fmt(Math.max(...ys)) };
      }),
    })),
    skipped,
  };
}

/** Registries of the views built here, so `withExcerpts` can fill the appendix later. */
const registries = new WeakMap<ReportView, EvidenceRegistry>();

/** The view model without raw lines: `evidenceWanted(view)` says which to read, `withExcerpts` adds them. */
export function buildViewModel(input: ReportInput): ReportView {
  const ev = new EvidenceRegistry();
  const { verdict, picks } = buildVerdict(input, ev);
  const chain = buildChain(input.model, picks, ev);
  const groups = buildGroups(input.analysis, ev);
  const { charts, skipped } = chartViews(input);
  const tables = [processTable(input.model, ev), threadTable(input.model, ev), patternTable(input.model, ev), fileTable(input.model, ev), deviceTable(input.model, ev), mountTable(input.model, ev), balanceTable(input.model, ev)];
  const quality = buildQuality(input, ev);
  const { model, timeline } = input;
  const view: ReportView = {
    title: `perftriage report: ${timeline.bundle.name}`,
    bundle: timeline.bundle,
    summary: input.analysis.summary,
    verdict,
    chain,
    groups,
    charts,
    skippedCharts: skipped,
    tables,
    quality,
    appendix: [],
    appendixNote: 'The raw lines were not read back from the bundle.',
    counts: { processes: model.processes.length, threads: model.threads.length, files: model.files.length, patterns: model.patterns.length, mounts: model.mounts.length, devices: model.devices.length, records: timeline.files.reduce((n, f) => n + f.records, 0) },
  };
  const window = captureWindow(timeline);
  if (window) view.captured = window;
  const host = hostName(timeline.records);
  if (host) view.host = host;
  registries.set(view, ev);
  // Until excerpts are attached no anchor has a target.
  ev.appendix(undefined);
  return view;
}

/** The `file:line` pairs the view cites, to read back from the bundle. */
export function evidenceWanted(view: ReportView): SourceRef[] {
  return registries.get(view)?.wantedRefs() ?? [];
}

/** Attach the raw lines: the appendix, and anchors on the citations whose line was read. */
export function withExcerpts(view: ReportView, excerpts: Excerpts | undefined): ReportView {
  const ev = registries.get(view);
  if (!ev) return view;
  view.appendix = ev.appendix(excerpts);
  if (view.appendix.length > 0) delete view.appendixNote;
  else if (excerpts === undefined || excerpts.size === 0) view.appendixNote = 'The raw lines could not be read back from the bundle (a bundle read from stdin can be read only once).';
  return view;
}
