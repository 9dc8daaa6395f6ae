/**
 * The `strace.capture` record: what a trace says about how it was taken (followed forks, which tasks,
 * timestamps, durations, -y) and what its filter hid. Built from the facts a reader gathered, so that
 * the string reader (../strace.ts) and the fast analysis reader (fast.ts) make the same record.
 */
import type { RecordTime, TimelineRecord } from '../../common/types.js';
import { isReadLike, isWriteLike, takesPath } from './syscalls.js';

/** How the trace was taken, as its lines show it: attach targets, clock, -T, -y, and its time span. */
export interface TraceShapeFacts {
  attachTargets: number[];
  tsKind: 't' | 'tt' | 'ttt' | 'r' | undefined;
  hasDurations: boolean;
  yStyle: 'y' | 'yy' | undefined;
  firstTime: RecordTime | undefined;
  lastTime: RecordTime | undefined;
}

export interface CaptureFacts extends TraceShapeFacts {
  file: string;
  /** The file's last line (the record's source). */
  line: number;
  pidStyle: 'none' | 'bracket' | 'column' | 'file-name';
  followed: boolean;
  /** The tasks listed: those with calls, and attach targets. */
  tasks: Array<{ origin: string; calls: number; tid: number | undefined; pid: number | undefined }>;
  /** Syscall names in first-seen order. */
  syscalls: readonly string[];
  counts: {
    calls: number;
    failedCalls: number;
    unfinishedCalls: number;
    signals: number;
    exits: number;
    readCalls: number;
    writeCalls: number;
    fileWriteCalls: number;
    summaryRows: number;
    stackFrameLines: number;
    hexDumpLines: number;
  };
  /** The traced task never printed its TID. */
  anonymousWithoutTid: boolean;
  /** -ff output: the TID the file name gave. */
  fileNameTid: number | undefined;
  /** (task, path) aggregates folded to bound memory. */
  foldedPaths: number;
}

export function captureRecord(f: CaptureFacts): TimelineRecord {
  const record: TimelineRecord = { kind: 'strace.capture', source: { file: f.file, line: f.line } };
  record.pid_style = f.pidStyle;
  record.followed_forks = f.followed;
  record.tasks = f.tasks.map((t) => {
    const entry: Record<string, unknown> = { origin: t.origin, calls: t.calls };
    if (t.tid !== undefined) entry.tid = t.tid;
    if (t.pid !== undefined) entry.pid = t.pid;
    return entry;
  });
  record.attach_targets = f.attachTargets;
  record.timestamps = f.tsKind ?? 'none';
  record.has_durations = f.hasDurations;
  record.has_y_annotations = f.yStyle !== undefined;
  if (f.yStyle) record.y_style = f.yStyle;
  if (f.firstTime) record.first_time = f.firstTime;
  if (f.lastTime) record.last_time = f.lastTime;
  record.syscalls_seen = [...f.syscalls].sort();
  const c = f.counts;
  record.calls = c.calls;
  record.failed_calls = c.failedCalls;
  record.unfinished_calls = c.unfinishedCalls;
  record.signals = c.signals;
  record.exits = c.exits;
  record.read_calls = c.readCalls;
  record.write_calls = c.writeCalls;
  record.file_write_calls = c.fileWriteCalls;
  record.summary_rows = c.summaryRows;
  record.stack_frame_lines = c.stackFrameLines;
  record.hex_dump_lines = c.hexDumpLines;
  const hint = filterHint(f);
  if (hint) record.filter_hint = hint;
  const notes: string[] = [];
  if (f.attachTargets.length > 0 && !f.followed) {
    notes.push('attached with -p but without -f: only the attached thread is traced; the other threads of the process (and any children) are invisible, so their I/O is missing');
  }
  if (f.anonymousWithoutTid) notes.push('the traced task never printed its TID (no prefix, no set_tid_address/gettid): calls have no tid');
  if (f.pidStyle === 'file-name') notes.push(`-ff output: TID ${f.fileNameTid} taken from the file name; its parent and thread group are in the sibling files`);
  if (f.foldedPaths > 0) {
    notes.push(`${f.foldedPaths} (task, path) aggregates with the fewest bytes were folded into per-task "other paths" aggregates (scope 'path' without path) to bound memory; totals are exact`);
  }
  record.notes = notes;
  return record;
}

/** What the trace's filter (-e trace=…, -Z) hid, read from the calls it shows. */
function filterHint(f: CaptureFacts): string | undefined {
  const { calls, summaryRows, failedCalls } = f.counts;
  if (calls === 0) return summaryRows > 0 ? '-c: summary table only, no individual calls' : undefined;
  if (calls < 20) return undefined;
  const seen = new Set(f.syscalls);
  if (failedCalls === calls) return '-Z (or -e status=failed): only failing calls are shown';
  const io = [...seen].some((n) => isReadLike(n) || isWriteLike(n));
  // strace's %file class: the path-taking calls plus getcwd.
  const onlyPaths = [...seen].every((n) => takesPath(n) || n === 'getcwd');
  if (onlyPaths && !io) return '-e trace=file (%file): only path-taking calls are shown; reads, writes and closes are invisible';
  if (io && !seen.has('close')) return 'no close() seen (e.g. -e trace=%file,write): fd reuse cannot be followed, fd paths may be stale';
  if (io && !seen.has('openat') && !seen.has('open')) return 'no open() seen (e.g. -e trace=read,write): fds have no paths unless -y annotates them';
  return undefined;
}
