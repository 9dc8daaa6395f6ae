/**
 * excessive-logging: a process appends to a log file all the time, in many small writes — a debug or
 * trace log level left on. Each write is a syscall, the data fills the page cache and then the disk, and a
 * synchronous logger makes the request wait for it.
 *
 * A log file is a `*.log` (or rotated `*.log.N`), a path under `/var/log/`, or a file in a `log`/`logs`
 * directory; its path comes from filetop (base name, or the full path the model joined), strace `-y`, or
 * lsof's fd table for strace writes without `-y`. Sustained: the writes show up in most filetop intervals,
 * or across most seconds of a timed strace.
 */
import type { RecordTime, SourceRef, TimelineRecord } from '../../common/types.js';
import { foldPath } from '../../model/patterns.js';
import { downsampledOf, num, presentSamples, str } from '../../model/series.js';
import { type FindingDraft, type RuleContext, type RuleModule, SUSTAINED_OPTIONS } from '../types.js';
import { bytes, list, rate, span, window } from '../format.js';
import { processIdOf } from '../system.js';

export interface ExcessiveLoggingOptions {
  /** Writes per second to one log file (mean over the intervals it was measured in) that count as excessive… */
  min_writes_per_s: number;
  /** …or bytes per second. */
  min_bytes_per_s: number;
  /** filetop intervals (or strace seconds) with writes to the file, and their share of all intervals. */
  min_samples: number;
  min_fraction: number;
  /** Extra regular expressions (JavaScript syntax) a path or base name must match to be a log file. */
  extra_log_patterns: string[];
}

const defaults: ExcessiveLoggingOptions = { min_writes_per_s: 50, min_bytes_per_s: 1024 * 1024, min_samples: 2, min_fraction: 0.5, extra_log_patterns: [] };

/** `*.log`, `*.log.N`, `*_log`, anything under /var/log, a file right inside a `log`/`logs` directory. */
const LOG_PATH = /(\.log(\.\d+)?$|_log$|^\/var\/log\/|\/logs?\/[^/]+$)/;


interface LogUse {
  pid?: number;
  tids: Set<number>;
  /** Full path when known, else filetop's base name. */
  path: string;
  writes: number;
  written_bytes: number;
  /** filetop: the intervals with writes. */
  active: Set<string>;
  /** strace: whole seconds with writes (the parser counts them per task and path). */
  straceSeconds: number;
  /** How many intervals (or seconds) were measured, and how long they lasted. */
  measured: number;
  measured_s: number;
  via: Set<string>;
  rows: TimelineRecord[];
}

function isLogPath(path: string, extra: readonly RegExp[]): boolean {
  return LOG_PATH.test(path) || extra.some((r) => r.test(path));
}

const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

function useOf(uses: Map<string, LogUse>, pid: number | undefined, path: string, measured: number, measured_s: number, via: string): LogUse {
  const key = `${pid ?? '?'}\u0000${path}\u0000${via}`;
  let u = uses.get(key);
  if (!u) {
    u = { path, tids: new Set(), writes: 0, written_bytes: 0, active: new Set(), straceSeconds: 0, measured, measured_s, via: new Set([via]), rows: [] };
    if (pid !== undefined) u.pid = pid;
    uses.set(key, u);
  }
  return u;
}

/** filetop rows writing a log file: per (process, file), the intervals with writes. */
function fromFiletop(ctx: RuleContext, uses: Map<string, LogUse>, extra: readonly RegExp[]): void {
  const intervals = new Map<string, { count: number; seconds: number }>();
  for (const r of ctx.records('filetop.interval')) {
    // A bucket of merged intervals (timeline downsampling) counts every interval it stands for.
    const merged = downsampledOf(r)?.samples ?? 1;
    const i = intervals.get(r.source.file) ?? { count: 0, seconds: 0 };
    i.count += merged;
    i.seconds += r.time?.interval_s ?? merged;
    intervals.set(r.source.file, i);
  }
  for (const r of ctx.records('filetop.file')) {
    const writes = num(r, 'writes') ?? 0;
    if (writes <= 0) continue;
    const full = r.entities?.file?.slice('file:'.length);
    const path = full ?? str(r, 'file');
    if (!path || !isLogPath(path, extra)) continue;
    const measured = intervals.get(r.source.file) ?? { count: 1, seconds: r.time?.interval_s ?? 1 };
    const u = useOf(uses, processIdOf(r), path, measured.count, measured.seconds, 'filetop');
    const tid = num(r, 'tid');
    if (tid !== undefined) u.tids.add(tid);
    u.writes += writes;
    u.written_bytes += num(r, 'written_bytes') ?? 0;
    // One entry per interval the row stands for (several for a merged row: the intervals it was in).
    const at = String(r.time?.sample ?? r.time?.iso ?? r.source.line);
    for (let k = 0; k < presentSamples(r); k++) u.active.add(k === 0 ? at : `${at}+${k}`);
    u.rows.push(r);
  }
}

/** lsof: (pid, fd) → path, for strace writes printed without `-y`. */
function lsofPaths(ctx: RuleContext): Map<string, string> {
  const paths = new Map<string, string>();
  for (const r of ctx.records('lsof.fd')) {
    const pid = num(r, 'pid');
    const fd = num(r, 'fd');
    const name = str(r, 'name');
    if (pid !== undefined && fd !== undefined && name?.startsWith('/')) paths.set(`${pid}:${fd}`, name);
  }
  return paths;
}

/**
 * Seconds of a record's time: the epoch when the timeline dated it, else the seconds of its time of day
 * (`strace -tt` in a bundle without a date; a trace across midnight is out of scope), else `-r` offsets.
 */
function secondsOf(r: TimelineRecord): number | undefined {
  return secondsOfTime(r.time);
}

/** The same for a time object that is not a record's `time` (a capture's first_time, last_time). */
function secondsOfTime(value: unknown): number | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const t = value as RecordTime;
  if (t.epoch !== undefined) return t.epoch;
  const m = t.iso !== undefined ? /^(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(t.iso) : null;
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  return t.rel;
}

/**
 * strace writes to a log path, per strace file: only timed traces can say "per second". They come from
 * the parser's aggregates: per (task, path) with `-y` or an fd table, else per (task, fd) — an fd
 * opened before the trace began, named by lsof.
 */
function fromStrace(ctx: RuleContext, uses: Map<string, LogUse>, extra: readonly RegExp[]): void {
  const fdPaths = lsofPaths(ctx);
  // The trace's window per file: its first and last timed call, whatever the syscall.
  const windows = new Map<string, { first: number; last: number }>();
  for (const c of ctx.records('strace.capture')) {
    const first = secondsOfTime(c.first_time);
    const last = secondsOfTime(c.last_time);
    if (first !== undefined && last !== undefined) windows.set(c.source.file, { first, last });
  }
  for (const r of ctx.records('strace.aggregate')) {
    const writes = num(r, 'write_calls') ?? 0;
    if (writes <= 0 || (r.scope !== 'path' && r.scope !== 'fd')) continue;
    const w = windows.get(r.source.file);
    if (!w || secondsOf(r) === undefined) continue;
    const pid = processIdOf(r);
    const fd = num(r, 'fd');
    const path = r.scope === 'path' ? str(r, 'path') : pid !== undefined && fd !== undefined ? fdPaths.get(`${pid}:${fd}`) : undefined;
    if (!path || !isLogPath(path, extra)) continue;
    const length = w.last - w.first;
    const u = useOf(uses, pid, path, Math.max(1, Math.ceil(length)), Math.max(length, 1e-3), 'strace');
    const tid = num(r, 'tid');
    if (tid !== undefined) u.tids.add(tid);
    u.writes += writes;
    u.written_bytes += num(r, 'written_bytes') ?? 0;
    // Seconds with writes, per thread: several threads of one process may write in the same second,
    // so the busiest thread's count is the lower bound the rule can prove.
    u.straceSeconds = Math.max(u.straceSeconds, num(r, 'write_seconds') ?? 0);
    u.rows.push(r);
  }
}

function processName(ctx: RuleContext, pid: number | undefined): string | undefined {
  if (pid === undefined) return undefined;
  const p = ctx.model.processes.find((x) => x.pid === pid);
  return p?.command ?? p?.comm;
}

function whoLabel(ctx: RuleContext, u: LogUse): string {
  const name = processName(ctx, u.pid);
  const tids = [...u.tids].filter((t) => t !== u.pid).sort((a, b) => a - b);
  const proc = u.pid !== undefined ? `pid ${u.pid}${name ? ` (${name})` : ''}` : `thread ${list([...u.tids].sort((a, b) => a - b))}`;
  if (u.pid === undefined || tids.length === 0) return proc;
  return `${tids.length === 1 ? 'thread' : 'threads'} ${list(tids)} of ${proc}`;
}

const capitalize = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

function evaluate(ctx: RuleContext, o: ExcessiveLoggingOptions): FindingDraft[] {
  const extra = o.extra_log_patterns.map((p) => new RegExp(p));
  const uses = new Map<string, LogUse>();
  fromFiletop(ctx, uses, extra);
  fromStrace(ctx, uses, extra);
  const findings: FindingDraft[] = [];
  const ordered = [...uses.values()].sort((a, b) => (a.pid ?? 0) - (b.pid ?? 0) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || ([...a.via][0]! < [...b.via][0]! ? -1 : 1));
  // One finding per (process, log file): filetop and strace views of the same file are merged into it.
  const reported = new Map<string, FindingDraft>();
  for (const u of ordered) {
    const active = u.active.size + u.straceSeconds;
    const sustained = active >= o.min_samples && active >= o.min_fraction * u.measured;
    const writesPerS = u.writes / u.measured_s;
    const bytesPerS = u.written_bytes / u.measured_s;
    if (!sustained || (writesPerS < o.min_writes_per_s && bytesPerS < o.min_bytes_per_s)) continue;
    const via = [...u.via][0]!;
    const unit = via === 'filetop' ? 'filetop intervals' : 'seconds of the strace';
    const perWrite = u.writes > 0 ? u.written_bytes / u.writes : 0;
    const times = window(u.rows);
    const line =
      `${via === 'filetop' ? 'filetop' : 'strace'}: ${u.writes} writes (${Math.round(writesPerS)} a second, ${rate(bytesPerS)}, about ${bytes(perWrite)} each) ` +
      `in ${active} of ${u.measured} ${unit}${times ? ` (${times})` : ''}`;
    const key = `${u.pid ?? '?'}\u0000${basename(u.path)}`;
    const existing = reported.get(key);
    const evidence: SourceRef[] = [...u.rows]
      .sort((a, b) => (num(b, 'writes') ?? num(b, 'write_calls') ?? 1) - (num(a, 'writes') ?? num(a, 'write_calls') ?? 1) || a.source.line - b.source.line)
      .slice(0, 4)
      // An aggregate stands for many writes: its first and its last line.
      .flatMap((r) => (typeof r.last_line === 'number' ? [r.source, { file: r.source.file, line: r.last_line }] : [r.source]))
      .slice(0, 4);
    if (existing) {
      existing.message = existing.message.replace(/\.$/, `; ${line}.`);
      existing.evidence.push(...evidence);
      if (u.path.startsWith('/') && !existing.entities.paths?.includes(u.path)) existing.entities.paths = [...(existing.entities.paths ?? []), u.path];
      continue;
    }
    const name = processName(ctx, u.pid);
    const tids = [...u.tids].sort((a, b) => a - b);
    const finding: FindingDraft = {
      title: `Sustained logging to ${basename(u.path)}`,
      message: `${capitalize(whoLabel(ctx, u))} appends to the log ${u.path} without pause: ${line}.`,
      entities: { paths: [u.path], ...(u.pid !== undefined ? { pids: [u.pid] } : {}), ...(tids.length > 0 ? { tids } : {}) },
      evidence,
      recommendation:
        `Lower the log level of ${name ?? (u.pid !== undefined ? `pid ${u.pid}` : 'the writer')} (debug or trace logging left on): at run time if the application allows it ` +
        `(an admin endpoint or management command, a signal such as SIGHUP that makes it reread its configuration), otherwise in its configuration, then restart it. ` +
        `If the lines are needed, make the logger buffered or asynchronous and rotate the file, so each request does not wait for a write.`,
      identity: [name ?? '', foldPath(u.path).pattern],
    };
    if (!ctx.records('strace.capture').some((c) => secondsOfTime(c.first_time) !== undefined) && u.pid !== undefined) {
      finding.collect = [`strace -f -tt -T -y -e trace=write,writev,pwrite64 -p ${u.pid} -o strace-log.txt   (which threads write the log, and how long each write takes)`];
    }
    const when = span(u.rows);
    if (when) finding.when = when;
    reported.set(key, finding);
    findings.push(finding);
  }
  return findings;
}

export const rule: RuleModule<ExcessiveLoggingOptions> = {
  meta: {
    id: 'excessive-logging',
    title: 'Excessive logging',
    description: 'A process appends to a log file in most intervals, with many writes or many bytes per second.',
    defaultSeverity: 'warning',
    requires: [{ label: 'filetop or a timed strace -y', kinds: ['filetop.file', 'strace.aggregate'], collect: 'filetop -C 1 30 > filetop.txt' }],
    uses: [
      { label: 'lsof (fd names)', kinds: ['lsof.fd'], collect: 'lsof -p PID > lsof.txt' },
      { label: 'ps (command lines)', kinds: ['ps.process', 'ps.thread'], collect: 'ps -eLf > ps-eLf.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min_writes_per_s: { type: 'number', minimum: 0 },
        min_bytes_per_s: { type: 'number', minimum: 0 },
        ...SUSTAINED_OPTIONS,
        extra_log_patterns: { type: 'array', items: { type: 'string', minLength: 1 } },
      },
    },
    defaults,
    docs: 'docs/rules/excessive-logging.md',
  },
  evaluate,
};
