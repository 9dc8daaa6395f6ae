/**
 * strace text output, every variant strace 6.x writes: plain, `-p` attach, `-f` to stderr (`[pid N]`
 * prefixes only while ≥ 2 tasks are traced), `-f -o` (TID column), `-ff -o` (one file per TID, the TID is
 * the file name's `.N` suffix), `-t`/`-tt`/`-ttt`/`-r`, `-T`, `-y`/`-yy`, `-s N`, `-x`/`-xx`, `-n`/`-i`,
 * `-Y`, `-k` frames, `-e read=`/`write=` dumps, `-c`/`-C` summary tables (also with `-U` custom
 * columns), and `strace-log-merge` output (a TID column, lines sorted by time).
 *
 * Emits
 * - `strace.call` per syscall (an `<unfinished ...>` / `<... NAME resumed>` pair is one record placed at
 *   the entry line, `resumed_line` the other): tid, pid (thread group, when known), syscall, args (raw
 *   text), ret (number; absent for `?` and values beyond 2^53), ret_text (hex returns), errno,
 *   errno_text, ret_note (`Timeout`, `INJECTED`, …), duration_s (-T), fd / fd_path (-y annotation, decoded)
 *   / fd_kind / fd_deleted, fd2 / path2 (second fd or path: sendfile, copy_file_range, rename), path
 *   (resolved) with path_source ('y-annotation' | 'fd-table' | 'argument') or path_unknown_reason,
 *   path_relative (a relative path whose directory is unknown), bytes (return of read/write-family
 *   calls and copies), unfinished (never completed: detached, killed, file ended), partial
 *   ('resumed-only': the entry half was not in the file).
 * - `strace.signal` (`--- SIG… {…} ---`), `strace.exit` (`+++ exited with N +++`, `killed by`,
 *   `superseded by execve`), `strace.attach` (`strace: Process N attached|detached`), `strace.message`
 *   (any other `strace:` diagnostic), `strace.summary` (rows of `-c`/`-C` tables).
 * - At end: `strace.aggregate` (per pid/tid/path and per syscall) and one `strace.capture` (what the
 *   capture can and cannot show: followed forks, tasks, attach targets, clocks, filter hint).
 * Time: `-t`/`-tt` → clock 'time-of-day'; `-ttt` → 'utc'; `-r` → 'relative' (sum of the deltas).
 *
 * Memory is bounded: per task an fd table (dropped when the process exits), a cwd and one pending call;
 * path aggregates are capped (strace/aggregates.ts: the smallest are folded into a per-task bucket).
 * Speed: reused scratch objects for the prefix and the return part of a line, fixed-shape objects for
 * what is read on every call (tasks, fd entries, fd refs, shapes), arguments read in place in the line
 * (the lexer's `-y` annotation skips are remembered), facts read back from `CallFacts` rather than from
 * the record (records have many shapes), and in analysis no record for the calls the sink does not keep
 * (`CallRecipe`) — see docs/bench.md for what still limits it.
 *
 * Known non-data lines ('skip'): blank lines, `-k` stack frames (` > lib(fn+0x12) [0x…]`), `-e write=`
 * hex dumps (` | 00000  …`), summary headers and dashes.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { round } from '../common/units.js';
import { entryArgs, entryHalfEnd, findArgsEnd, nameEnd, newPrefixScratch, type PrefixScratch, newReturnInfo, readPrefixInto, readReturnInto, type ReturnInfo, splicedMessageAt, type TimestampKind } from './strace/lexer.js';
import { isReadLike, isWriteLike, PATH_OP_MKDIR, PATH_OP_NONE, PATH_OP_OPEN, PATH_OP_READ, PATH_OP_RENAME, PATH_OP_RMDIR, PATH_OP_UNLINK, PATH_OP_WRITE, type SyscallInfo, syscallInfo, takesPath } from './strace/syscalls.js';
import { applyEffects, attribute, CallFacts, writeAttribution, type FsState, type FsTrack, isTracked, linkChild, newTableTrack, newTask, pidOf, type SegmentSink, SINGLE_OWNER, type Task, TrackedTable } from './strace/tracker.js';
import { cwdMismatch, sameTime, shiftAggregate, shiftRecord, tableMismatch, type TailResult, type TaskCategory } from './strace/segments.js';
import { ArgList } from './strace/values.js';
import { type Aggregate, addTo, MAX_PATH_AGGREGATES, mergeBuckets, mergeLater, newAggregate, opFields, PathAggregates } from './strace/aggregates.js';
export type { TailResult } from './strace/segments.js';
import { captureRecord } from './strace/capture.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

/** Records held back while the first task's TID is not known yet (unprefixed single-task output). */
const MAX_HELD_RECORDS = 20000;

interface OpenLine {
  text: string;
  line: number;
  /** Offset of the call body in `text`. */
  body: number;
  task: Task;
  time: RecordTime | undefined;
}

type PidStyle = 'none' | 'bracket' | 'column' | 'file-name';

const SUMMARY_COLUMNS = ['% time', 'seconds', 'usecs/call', 'calls', 'errors', 'syscall'];

/**
 * Column titles strace's `-c -U col,…` (--summary-columns) prints (strace src/count.c), and the
 * summary field each feeds. `shortest`, `longest` and the `wall-*` columns have no field in the
 * strace.summary schema yet: they are read and dropped.
 */
const SUMMARY_TITLES: ReadonlyMap<string, 'time_pct' | 'total_s' | 'per_call_s' | 'calls' | 'errors' | 'syscall' | undefined> = new Map([
  ['% time', 'time_pct'],
  ['seconds', 'total_s'],
  ['usecs/call', 'per_call_s'],
  ['calls', 'calls'],
  ['errors', 'errors'],
  ['syscall', 'syscall'],
  ['shortest', undefined],
  ['longest', undefined],
  ['wall-total', undefined],
  ['wall-min', undefined],
  ['wall-max', undefined],
  ['wall-avg', undefined],
] as const);

/** The titles of a `-c -U` summary header, or undefined when the line is not one. */
function customSummaryHeader(text: string): string[] | undefined {
  const words = text.trim().split(/\s+/);
  const titles: string[] = [];
  for (let k = 0; k < words.length; k++) {
    let w = words[k]!;
    if (w === '%' && words[k + 1] === 'time') {
      w = '% time';
      k++;
    }
    if (!SUMMARY_TITLES.has(w) || titles.includes(w)) return undefined;
    titles.push(w);
  }
  return titles.length >= 2 && titles.includes('syscall') ? titles : undefined;
}

/** [start, end) of each run of dashes in a summary divider line. */
function dashSpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let i = 0;
  while (i < text.length) {
    if (text.charCodeAt(i) === 45) {
      const start = i;
      while (text.charCodeAt(i) === 45) i++;
      spans.push([start, i]);
    } else i++;
  }
  return spans;
}

/**
 * A syscall name as this file uses it: the name string is made once (every record of the name shares
 * it), its facts are computed once, and its aggregate hangs here instead of in a Map keyed by name.
 */
interface CallEntry {
  readonly info: SyscallInfo;
  agg: Aggregate | undefined;
  /** A call of this name was emitted (for syscalls_seen). */
  seen: boolean;
  /** Next entry in the same hash bucket. */
  next: CallEntry | undefined;
}

/** Buckets of the per-file syscall name table (a power of two). */
const CALL_TABLE_SIZE = 512;

/** Hash of text[start, end) for the name table. */
function nameHash(text: string, start: number, end: number): number {
  let h = 0;
  for (let k = start; k < end; k++) h = (Math.imul(h, 31) + text.charCodeAt(k)) | 0;
  return h & (CALL_TABLE_SIZE - 1);
}

/** `-y`/`-yy` markers in argument text: 2 for a -yy form (socket details, device numbers), 1 for -y, 0 for none. */
function yMarkers(text: string): number {
  let found = 0;
  let i = text.indexOf('<');
  while (i >= 0) {
    const c = text.charCodeAt(i + 1);
    if (c === 84 /* T */) {
      if (text.startsWith('TCP:[', i + 1) || text.startsWith('TCPv6:[', i + 1)) return 2;
    } else if (c === 85 /* U */) {
      if (text.startsWith('UDP:[', i + 1) || text.startsWith('UDPv6:[', i + 1) || text.startsWith('UNIX-STREAM:[', i + 1) || text.startsWith('UNIX-DGRAM:[', i + 1)) return 2;
    } else if (c === 78 /* N */) {
      if (text.startsWith('NETLINK:[', i + 1)) return 2;
    } else if (c === 99 /* c */) {
      if (text.startsWith('char ', i + 1) && isDigitCode(text.charCodeAt(i + 6))) return 2;
    } else if (c === 98 /* b */) {
      if (text.startsWith('block ', i + 1) && isDigitCode(text.charCodeAt(i + 7))) return 2;
    }
    if (found === 0 && i > 0) {
      const p = text.charCodeAt(i - 1);
      if ((isDigitCode(p) && (c === 47 || (c >= 97 && c <= 122))) || (p === 68 && text.endsWith('AT_FDCWD', i))) found = 1;
    }
    i = text.indexOf('<', i + 1);
  }
  return found;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isContinuation(text: string): boolean {
  const c = text.charCodeAt(0);
  return c === 41 /* ) */ || c === 44 /* , */ || text.startsWith(' =>') || text.startsWith(' <unfinished ...>') || text.startsWith(' <detached ...>');
}

function makeTime(kind: TimestampKind | undefined, text: string | undefined, relState: { sum: number }): RecordTime | undefined {
  if (kind === undefined || text === undefined) return undefined;
  switch (kind) {
    case 't':
    case 'tt':
      return { clock: 'time-of-day', iso: text };
    case 'ttt': {
      const dot = text.indexOf('.');
      const seconds = Number(dot < 0 ? text : text.slice(0, dot));
      const iso = new Date(seconds * 1000).toISOString().slice(0, 19);
      return { clock: 'utc', epoch: Number(text), iso: dot < 0 ? `${iso}Z` : `${iso}${text.slice(dot)}Z` };
    }
    case 'r':
      relState.sum += Number(text);
      return { clock: 'relative', rel: round(relState.sum, 9) };
  }
}

/** Count one path operation of a call into its (task, path) aggregate (see Aggregate's counters). */
function countPathOp(a: Aggregate, op: number, name: string, args: string, ret: ReturnInfo | undefined, time: RecordTime | undefined): void {
  if (op === PATH_OP_READ) {
    a.read_calls++;
    return;
  }
  if (op === PATH_OP_WRITE) {
    a.write_calls++;
    const second = secondOf(time);
    if (second === second && second !== a.lastWriteSecond) {
      if (a.write_seconds++ === 0) a.firstWriteSecond = second;
      a.lastWriteSecond = second;
    }
    return;
  }
  // A call that never completed counts as done, as its record would (no errno): it was made.
  if (ret !== undefined && (ret.errno !== undefined || (ret.ret !== undefined && ret.ret < 0))) return;
  switch (op) {
    case PATH_OP_OPEN:
      a.opens++;
      if (name === 'creat' || args.indexOf('O_CREAT') >= 0) a.creates++;
      break;
    case PATH_OP_UNLINK:
      if (name === 'unlinkat' && args.indexOf('AT_REMOVEDIR') >= 0) a.rmdirs++;
      else a.unlinks++;
      break;
    case PATH_OP_MKDIR:
      a.mkdirs++;
      break;
    case PATH_OP_RMDIR:
      a.rmdirs++;
      break;
    case PATH_OP_RENAME:
      a.renames++;
      break;
  }
}

/** Whole second of a call's time, for counting seconds with writes (NaN without a time). */
function secondOf(time: RecordTime | undefined): number {
  if (time === undefined) return NaN;
  if (time.epoch !== undefined) return Math.floor(time.epoch);
  if (time.rel !== undefined) return Math.floor(time.rel);
  const iso = time.iso;
  // -t / -tt: `HH:MM:SS[.frac]`.
  if (iso === undefined || iso.length < 8 || iso.charCodeAt(2) !== 58) return NaN;
  const d = (k: number): number => iso.charCodeAt(k) - 48;
  return (d(0) * 10 + d(1)) * 3600 + (d(3) * 10 + d(4)) * 60 + d(6) * 10 + d(7);
}



export const parser: ParserModule = {
  meta: {
    tool: 'strace',
    title: 'strace (system call traces)',
    commands: ['strace -f -ttt -T -yy -s 128 -o trace.txt -- CMD', 'strace -f -tt -T -y -p PID', 'strace -ff -o trace CMD', 'strace -c -f CMD'],
    recordKinds: ['strace.call', 'strace.signal', 'strace.exit', 'strace.attach', 'strace.message', 'strace.summary', 'strace.aggregate', 'strace.capture'],
    summarizedKinds: ['strace.call'],
    recollect: 'run `strace -f -ttt -T -yy -s 128 -o trace.txt -- CMD` (or `-f ... -p PID` to attach to all threads); -o keeps the program output and strace messages out of the trace',
  },
  create(ctx: ParseContext) {
    return new StraceReader(ctx);
  },
};

/** A reader of the second half of a file (strace/segments.ts), with what it must hand to the first half's reader. */
export interface TailState {
  readonly sink: SegmentSink;
  /** How each task came to be known in the segment (tasks of allTasks, by object). */
  readonly category: Map<Task, TaskCategory>;
  /** Records made after the cut other than calls, with their task (pid and tid are given at the merge). */
  records: Array<{ record: TimelineRecord; task: Task | undefined; detachTid?: number }>;
  /** Calls after the cut: how many, on which clock, and the last one (the others are summarized). */
  callRecords: number;
  callClock: string;
  /** The state at the cut as the warm-up lines left it (compared with the head's at the merge). */
  cut: TailResult['cut'] | undefined;
  /** The real context, used from the cut on (the warm-up lines go to a context that drops everything). */
  readonly realCtx: ParseContext;
  /** A line with a TID prefix was read (warm-up included). */
  sawPrefix: boolean;
  /** The task of the unprefixed lines (segmentUnprefixed). */
  single: Task | undefined;
  /** Tasks (allTasks indices) whose calls in flight the file's end flushed, in that order. */
  flushOrder: number[];
  /** The warm-up starts at the file's first line: its state is the head's at the cut. */
  readonly fromStart: boolean;
}

/**
 * Everything a `strace.call` record is made of, kept instead of the record: in analysis the sink keeps
 * only the first and the last call, so the record of every call in between would be built for nothing
 * (a many-shaped object of ~15 fields per call was ~a fifth of reading a trace). `callRecord()` builds
 * the record from it, whether at once or, for the last call, at the end. Reused: the parser holds two.
 */
class CallRecipe {
  task: Task | undefined = undefined;
  name = '';
  /** The argument text as cut from the line (the record has it trimmed). */
  args = '';
  time: RecordTime | undefined = undefined;
  line = 0;
  unfinishedNote: string | undefined = undefined;
  resumedLine = 0;
  /** The call returned: the fields below are its ReturnInfo's. */
  returned = false;
  ret: number | undefined = undefined;
  retText = '';
  hex = false;
  errno: string | undefined = undefined;
  errnoText: string | undefined = undefined;
  note: string | undefined = undefined;
  durationS: number | undefined = undefined;
  /** What attribute() found (swapped with the parser's, never copied). */
  facts = new CallFacts();
  /** The task's tid and pid when the call was read (a deferred record takes them as finish() would have). */
  tid: number | undefined = undefined;
  pid: number | undefined = undefined;
}

/** Records a tail segment may hold for the merge before it gives up (the head's reader emits them then). */
const MAX_TAIL_RECORDS = 200000;

export class StraceReader {
  private ctx: ParseContext;
  /** Set when this reader reads a tail segment. */
  private readonly seg: TailState | undefined;
  private readonly tasks = new Map<number, Task>();
  private readonly allTasks: Task[] = [];
  private readonly live = new Set<Task>();
  /** The first task while its TID is unknown (unprefixed output of a program started by strace). */
  private anonymous: Task | undefined;
  /** Lines that no single live task explains (several tasks, no prefix). */
  private readonly ambiguous: Task = newTask('unknown', 0);
  private held: Array<{ record: TimelineRecord; task: Task }> | undefined;
  /**
   * Analysis (summarizeCallsTo): the call records the sink would drop are counted here instead, per clock,
   * and only the first and the last call reach it. Handing every call on was ~6 % of reading a trace.
   */
  private summarized: ((kind: string, clock: string, count: number) => void) | undefined;
  private firstCallOut = false;
  /** The last call record so far, finished (tid and pid set), emitted at the end. */
  private lastCall: TimelineRecord | undefined;
  /**
   * Or the last call as a recipe, its record not built yet (at most one of lastCall and lastRecipe is
   * set). A tail segment keeps its last call here too.
   */
  private lastRecipe: CallRecipe | undefined;
  /** The recipe the next call is written into. */
  private recipe = new CallRecipe();
  /** Calls counted and not yet told to `summarized`, all of clock `countedClock`. */
  private counted = 0;
  private countedClock = '';
  private open: OpenLine | undefined;
  /** The prefix of the current line (reused: one per line, never kept). */
  private readonly prefix: PrefixScratch = newPrefixScratch();
  private relState = { sum: 0 };
  private readonly fileTid: number | undefined;
  private attachThreadsLeft = 0;
  private attachLeader: Task | undefined;
  private inSummary = false;
  /** Titles of a `-c -U` summary table being read, and its column spans (from the divider line). */
  private summaryTitles: string[] | undefined;
  private summarySpans: Array<[number, number]> | undefined;
  private summaryNoCallsNoted = false;
  private lastLine = 0;
  // capture facts
  private pidStyle: PidStyle = 'none';
  private sawBracket = false;
  private sawColumn = false;
  private attachTargets: number[] = [];
  private tsKind: TimestampKind | undefined;
  private hasDurations = false;
  private yStyle: 'y' | 'yy' | undefined;
  private firstTime: RecordTime | undefined;
  private lastTime: RecordTime | undefined;
  /** Names of the syscalls emitted, in first-seen order. */
  private syscalls: string[] = [];
  private readonly callTable: Array<CallEntry | undefined> = new Array<CallEntry | undefined>(CALL_TABLE_SIZE).fill(undefined);
  /** What attribute() found for the call being emitted (reused; handed to the call's recipe at its end). */
  private facts = new CallFacts();
  /** The return part of the call being read (reused: nothing keeps it past its call). */
  private readonly ret: ReturnInfo = newReturnInfo();
  /** The argument list of the call being emitted (reused). */
  private readonly args = new ArgList();
  private calls = 0;
  private failedCalls = 0;
  private unfinishedCalls = 0;
  private signals = 0;
  private exits = 0;
  private writeCalls = 0;
  private fileWriteCalls = 0;
  private readCalls = 0;
  private stackFrameLines = 0;
  private hexDumpLines = 0;
  private summaryRows = 0;
  private cloneChildren = 0;
  private pathAggs = new PathAggregates<Task>();
  /** Tasks with fd aggregates, in the order of their first one. */
  private fdAggregates: Task[] = [];
  /** Syscall aggregates in first-call order. */
  private syscallAggs: CallEntry[] = [];

  /**
   * @param tail read the second half of a file: the lines before `beginTail()` only warm the state up
   *   (their records and counts are dropped), and `end()` leaves the aggregates to `exportTail()`.
   *   `fromStart`: the warm-up begins at the file's first line.
   */
  constructor(ctx: ParseContext, tail?: { fromStart: boolean }) {
    this.ctx = ctx;
    const m = /\.(\d{1,7})$/.exec(ctx.file);
    this.fileTid = m ? Number(m[1]) : undefined;
    if (tail) {
      this.seg = {
        sink: { fdMisses: [], cwdMisses: [], unsafe: undefined, warming: true },
        category: new Map(),
        records: [],
        callRecords: 0,
        callClock: 'none',
        cut: undefined,
        realCtx: ctx,
        sawPrefix: false,
        single: undefined,
        flushOrder: [],
        fromStart: tail.fromStart,
      };
      this.ctx = { file: ctx.file, variant: ctx.variant, emit: () => {}, emitRow: () => {}, diagnostic: () => {}, settle: () => {}, setVariant: () => {} };
    }
  }

  line(text: string, lineNo: number): LineOutcome {
    this.lastLine = lineNo;
    if (this.open) {
      const open = this.open;
      this.open = undefined;
      if (isContinuation(text)) {
        this.ctx.settle(open.line, 'data');
        return this.callBody(open.text + text, open.body, open.task, open.time, open.line);
      }
      this.ctx.settle(open.line, { unparsed: 'syscall line without its end (no `) = RET`, no `<unfinished ...>`): cut, or its continuation line is missing' });
    }
    if (text.length === 0 || (text.charCodeAt(0) === 32 && text.trim() === '')) return 'skip';
    const c0 = text.charCodeAt(0);
    if (this.inSummary || c0 === 37 /* % */ || c0 === 45 /* - */) {
      const outcome = this.summaryLine(text, lineNo);
      if (outcome) return outcome;
    }
    if (c0 === 32) {
      if (text.startsWith(' > ')) {
        this.stackFrameLines++;
        return 'skip';
      }
      if (text.startsWith(' | ')) {
        this.hexDumpLines++;
        return 'skip';
      }
    }
    const at = splicedMessageAt(text);
    if (at === 0) return this.message(text, lineNo);
    if (at > 0) {
      // A strace diagnostic spliced into a trace line: the call head waits for its continuation.
      const outcome = this.physical(text.slice(0, at), lineNo);
      this.message(text.slice(at), lineNo);
      return outcome === 'skip' ? 'data' : outcome;
    }
    return this.physical(text, lineNo);
  }

  end(): void {
    if (this.open) {
      this.ctx.settle(this.open.line, { unparsed: 'the file ends inside a syscall line (no `) = RET`)' });
      this.open = undefined;
    }
    if (this.seg) this.seg.flushOrder = this.allTasks.flatMap((t, k) => (t.pending ? [k] : []));
    for (const task of this.allTasks) this.flushPending(task, 'the trace ends before the call returned');
    this.release();
    if (this.seg) return; // a tail segment: exportTail() hands its aggregates to the head
    this.endCalls();
    this.emitAggregates();
    this.emitCapture();
  }

  // ---- lines ---------------------------------------------------------------------------------------

  private physical(text: string, lineNo: number): LineOutcome {
    const prefix = readPrefixInto(text, this.prefix);
    const b = prefix.body;
    const c = text.charCodeAt(b);
    if (prefix.tsKind !== undefined) this.tsKind ??= prefix.tsKind;
    const isCallish = c === 60 /* < */ || c === 45 /* - */ || c === 43 /* + */ || (c >= 97 && c <= 122) || c === 95;
    if (!isCallish) return this.customSummaryStart(text) ?? { unparsed: `not a strace line (expected [pid N], a TID, a timestamp, then name(args) = ret, --- SIG ---, or +++ exit +++): "${text.slice(0, 60)}"` };
    const task = this.taskFor(prefix, lineNo);
    if (task === undefined) return 'skip'; // a tail segment's warm-up line it cannot place
    const time = makeTime(prefix.tsKind, prefix.tsText, this.relState);
    if (time) {
      this.firstTime ??= time;
      this.lastTime = time;
    }
    if (c === 60) {
      if (text.startsWith('<... ', b)) return this.resumed(text, b, task, time, lineNo);
      return { unparsed: 'a line starting with "<" that is not "<... NAME resumed>"' };
    }
    if (c === 45) {
      if (text.startsWith('--- ', b)) return this.signal(text, b, task, time, lineNo);
      return { unparsed: 'a line starting with "-" that is not "--- SIGNAL {...} ---"' };
    }
    if (c === 43) {
      if (text.startsWith('+++ ', b)) return this.exit(text, b, task, time, lineNo);
      return { unparsed: 'a line starting with "+" that is not "+++ exited/killed +++"' };
    }
    return this.callBody(text, b, task, time, lineNo);
  }

  private callBody(text: string, b: number, task: Task, time: RecordTime | undefined, lineNo: number): LineOutcome {
    const ne = nameEnd(text, b);
    if (ne === b || text.charCodeAt(ne) !== 40) return this.customSummaryStart(text) ?? { unparsed: `not a strace line (expected a syscall name followed by "("; program output captured with 2>&1?): "${text.slice(b, b + 40)}"` };
    const call = this.callEntry(text, b, ne);
    const name = call.info.name;
    const half = entryHalfEnd(text);
    if (half) {
      const args = entryArgs(text, ne + 1, half.at);
      if (half.marker === 'unfinished') {
        this.flushPending(task, 'a new call began on this task before the previous one resumed');
        task.pending = { name, args, time, line: lineNo };
        if (call.info.clone) task.cloneArgs = args;
      } else {
        const note = half.marker === 'detached' ? 'detached' : `pid changed to ${half.newTid}`;
        this.emitCall(task, call, args, undefined, time, lineNo, note, 0);
      }
      return 'data';
    }
    const close = findArgsEnd(text, ne + 1);
    if (close < 0) {
      // No end yet: a diagnostic or program output cut the line; the next line may continue it.
      if (call.info.clone) task.cloneArgs = text.slice(ne + 1);
      this.open = { text, line: lineNo, body: b, task, time };
      return 'defer';
    }
    const ret = this.ret;
    if (!readReturnInto(text, close, ret)) return { unparsed: `unreadable return value after "${name}(...)": "${text.slice(close + 1, close + 41).trim()}"` };
    this.emitCall(task, call, text.slice(ne + 1, close), ret, time, lineNo, undefined, 0, text, ne + 1);
    return 'data';
  }

  private resumed(text: string, b: number, task: Task, time: RecordTime | undefined, lineNo: number): LineOutcome {
    const close = text.indexOf(' resumed>', b + 5);
    if (close < 0) return { unparsed: 'expected "<... NAME resumed>"' };
    const hashAt = text.indexOf(' #', b + 5); // strace/strace#408 proposes `resumed #N>`
    const call = this.callEntry(text, b + 5, hashAt > b + 5 && hashAt < close ? hashAt : close);
    const name = call.info.name;
    const rest = text.slice(close + 9);
    const pending = task.pending;
    const matched = pending !== undefined && pending.name === name;
    if (pending && !matched) this.flushPending(task, `its resumed half is missing (a "${name}" resumed instead)`);
    task.pending = undefined;
    const joined = matched ? pending.args + rest : rest;
    const startTime = matched ? pending.time : time;
    const startLine = matched ? pending.line : lineNo;
    const half = entryHalfEnd(joined);
    if (half) {
      // Resumed and unfinished again: keep waiting.
      task.pending = { name, args: entryArgs(joined, 0, half.at), time: startTime, line: startLine };
      return 'data';
    }
    const end = findArgsEnd(joined, 0);
    if (end < 0) return { unparsed: `"<... ${name} resumed>" without ") = RET"` };
    const ret = this.ret;
    if (!readReturnInto(joined, end, ret)) return { unparsed: `unreadable return value of resumed "${name}"` };
    // -1: the entry half was not in the file (partial: 'resumed-only').
    this.emitCall(task, call, joined.slice(0, end), ret, startTime, startLine, undefined, matched ? lineNo : -1, joined, 0);
    return 'data';
  }

  private signal(text: string, b: number, task: Task, time: RecordTime | undefined, lineNo: number): LineOutcome {
    let end = text.length;
    while (end > b && text.charCodeAt(end - 1) === 32) end--;
    if (!text.endsWith(' ---', end)) return { unparsed: 'a signal line must end with " ---"' };
    const body = text.slice(b + 4, end - 4);
    const record = this.base('strace.signal', lineNo, time);
    if (body.startsWith('stopped by ')) {
      record.signal = body.slice(11);
      record.stopped = true;
    } else {
      const sp = body.indexOf(' ');
      record.signal = sp < 0 ? body : body.slice(0, sp);
      if (sp > 0) record.info = body.slice(sp + 1);
    }
    if (!/^SIG[A-Z0-9_+-]+$/.test(record.signal as string)) return { unparsed: `"${String(record.signal)}" is not a signal name` };
    this.signals++;
    this.emit(record, task);
    return 'data';
  }

  private exit(text: string, b: number, task: Task, time: RecordTime | undefined, lineNo: number): LineOutcome {
    let end = text.length;
    while (end > b && text.charCodeAt(end - 1) === 32) end--;
    if (!text.endsWith(' +++', end)) return { unparsed: 'an exit line must end with " +++"' };
    const body = text.slice(b + 4, end - 4);
    const record = this.base('strace.exit', lineNo, time);
    if (body.startsWith('exited with ')) {
      const code = Number(body.slice(12));
      if (!Number.isInteger(code)) return { unparsed: `exit code "${body.slice(12)}" is not a number` };
      record.how = 'exited';
      record.exit_code = code;
    } else if (body.startsWith('killed by ')) {
      let sig = body.slice(10);
      if (sig.endsWith(' (core dumped)')) {
        sig = sig.slice(0, -14);
        record.core_dumped = true;
      }
      record.how = 'killed';
      record.signal = sig;
    } else if (body.startsWith('superseded by execve in pid ')) {
      const by = Number(body.slice(28));
      if (!Number.isInteger(by)) return { unparsed: 'expected "superseded by execve in pid N"' };
      record.how = 'superseded';
      record.superseded_by = by;
      // The exec'ing thread takes the leader's TID: its pending execve resumes under this task.
      const thread = this.tasks.get(by);
      if (thread && thread !== task) {
        if (thread.pending) task.pending = thread.pending;
        thread.pending = undefined;
        this.setDead(thread);
      }
      this.exits++;
      this.emit(record, task);
      return 'data';
    } else return { unparsed: `unknown task end "${body}"` };
    this.exits++;
    this.flushPending(task, `the task ${record.how === 'killed' ? 'was killed' : 'exited'} during the call`);
    this.setDead(task);
    this.releaseTables(task);
    this.emit(record, task);
    return 'data';
  }

  private message(text: string, lineNo: number): LineOutcome {
    const m = /^strace: Process (\d+) (attached|detached)(?: with (\d+) threads)?/.exec(text);
    if (!m) {
      const record = this.base('strace.message', lineNo, undefined);
      record.text = text.slice(8);
      if (this.seg) this.holdForMerge(record, undefined);
      else this.ctx.emit(record);
      return 'data';
    }
    const tid = Number(m[1]);
    const action = m[2] as 'attached' | 'detached';
    const record = this.base('strace.attach', lineNo, undefined);
    record.action = action;
    if (m[3] !== undefined) record.threads = Number(m[3]);
    let task = this.tasks.get(tid);
    if (action === 'attached') {
      const parent = task ? undefined : this.cloneInFlight();
      if (!task && parent) {
        task = this.createTask(tid, 'clone', lineNo);
        linkChild(parent, task, parent.pending?.name ?? 'clone', parent.cloneArgs ?? '');
        this.cloneChildren++;
        record.follows_clone_of = parent.tid;
        this.seg?.category.set(task, this.seg.sink.warming ? 'warm' : 'new');
      } else if (!task) {
        // An attach target (-p): the number given is the process.
        task = this.createTask(tid, 'attach', lineNo);
        this.seg?.category.set(task, this.seg.sink.warming ? 'warm' : 'new');
        task.pid = tid;
        this.attachTargets.push(tid);
        record.target = true;
        if (m[3] !== undefined) {
          this.attachThreadsLeft += Number(m[3]) - 1;
          this.attachLeader = task;
        }
      }
    } else if (task) {
      this.setDead(task);
    }
    // A tail segment that does not know the TID leaves it to the head, which may.
    if (!task && this.seg) this.holdForMerge(record, undefined, tid);
    else this.emit(record, task ?? this.taskByTidForMessage(tid));
    return 'data';
  }

  private taskByTidForMessage(tid: number): Task {
    const t = newTask('unknown', 0, tid);
    return t;
  }

  private summaryLine(text: string, lineNo: number): LineOutcome | undefined {
    if (this.summaryTitles !== undefined) return this.customSummaryLine(text, lineNo);
    const trimmed = text.trim();
    if (trimmed.startsWith('% time')) {
      const titles = trimmed.split(/\s+/);
      // `% time` is two words.
      const ok = titles.length === 7 && SUMMARY_COLUMNS.join(' ') === `${titles[0]} ${titles.slice(1).join(' ')}`;
      if (!ok) return this.customSummaryStart(text) ?? { unparsed: `summary header with columns perftriage does not know: "${trimmed}"` };
      this.inSummary = true;
      return 'skip';
    }
    if (trimmed.length > 0 && /^[- ]+$/.test(trimmed)) return this.inSummary ? 'skip' : undefined;
    if (!this.inSummary) return undefined;
    if (trimmed.startsWith('System call usage summary')) return 'skip';
    const words = trimmed.split(/\s+/);
    if (words.length !== 5 && words.length !== 6) {
      this.inSummary = false;
      return undefined;
    }
    const nums = words.slice(0, -1).map(Number);
    if (nums.some((v) => !Number.isFinite(v))) {
      this.inSummary = false;
      return undefined;
    }
    const record = this.base('strace.summary', lineNo, undefined);
    const name = words[words.length - 1]!;
    record.syscall = name;
    record.time_pct = nums[0];
    record.total_s = nums[1];
    record.per_call_s = round(nums[2]! / 1e6, 9);
    record.calls = nums[3];
    record.errors = words.length === 6 ? nums[4] : 0;
    if (name === 'total') {
      record.total = true;
      this.inSummary = false;
    }
    this.summaryRows++;
    this.emitUntasked(record);
    return 'data';
  }

  /** A `-c -U` header: remember its titles; the divider that follows gives the column spans. */
  private customSummaryStart(text: string): LineOutcome | undefined {
    const titles = customSummaryHeader(text);
    if (!titles) return undefined;
    this.summaryTitles = titles;
    this.summarySpans = undefined;
    this.inSummary = true;
    return 'skip';
  }

  /**
   * A line of a `-c -U` table. Columns are cut at the divider's dash runs, not split at spaces: the
   * errors column is blank when 0, so a row has fewer words than titles.
   */
  private customSummaryLine(text: string, lineNo: number): LineOutcome | undefined {
    const titles = this.summaryTitles!;
    const trimmed = text.trim();
    if (trimmed.length > 0 && /^[- ]+$/.test(trimmed)) {
      this.summarySpans ??= dashSpans(text);
      return 'skip';
    }
    const spans = this.summarySpans;
    if (trimmed.startsWith('System call usage summary')) return 'skip';
    if (spans === undefined || spans.length !== titles.length || trimmed.length === 0) {
      this.endCustomSummary();
      return undefined;
    }
    const values = new Map<string, string>();
    for (let k = 0; k < titles.length; k++) {
      const [start, end] = spans[k]!;
      values.set(titles[k]!, (k === titles.length - 1 ? text.slice(start) : text.slice(start, end)).trim());
    }
    const name = values.get('syscall')!;
    const numbers = new Map<string, number>();
    for (const [title, value] of values) {
      if (title === 'syscall') continue;
      const v = value === '' && title === 'errors' ? 0 : value === '' ? NaN : Number(value);
      if (!Number.isFinite(v)) {
        this.endCustomSummary();
        return undefined;
      }
      numbers.set(title, v);
    }
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) {
      this.endCustomSummary();
      return undefined;
    }
    if (name === 'total') this.endCustomSummary();
    if (!numbers.has('calls')) {
      // The schema needs calls; a table without them is known but not emitted (said once).
      if (!this.summaryNoCallsNoted) {
        this.summaryNoCallsNoted = true;
        this.ctx.diagnostic({ severity: 'info', code: 'strace-summary-no-calls', message: `-c -U table without a calls column (${titles.join(', ')}): its rows are not emitted`, line: lineNo });
      }
      return 'skip';
    }
    const record = this.base('strace.summary', lineNo, undefined);
    record.syscall = name;
    const pct = numbers.get('% time');
    if (pct !== undefined) record.time_pct = pct;
    const seconds = numbers.get('seconds');
    if (seconds !== undefined) record.total_s = seconds;
    const usecs = numbers.get('usecs/call');
    if (usecs !== undefined) record.per_call_s = round(usecs / 1e6, 9);
    record.calls = numbers.get('calls');
    const errors = numbers.get('errors');
    if (errors !== undefined) record.errors = errors;
    if (name === 'total') record.total = true;
    this.summaryRows++;
    this.emitUntasked(record);
    return 'data';
  }

  /** A record of no task (summary rows): emitted, or held for the merge in a tail segment. */
  private emitUntasked(record: TimelineRecord): void {
    if (this.seg) this.holdForMerge(record, undefined);
    else this.ctx.emit(record);
  }

  private endCustomSummary(): void {
    this.summaryTitles = undefined;
    this.summarySpans = undefined;
    this.inSummary = false;
  }

  // ---- tasks ---------------------------------------------------------------------------------------

  private createTask(tid: number | undefined, origin: Task['origin'], line: number): Task {
    const task = newTask(origin, line, tid);
    if (tid !== undefined) this.tasks.set(tid, task);
    this.allTasks.push(task);
    this.live.add(task);
    return task;
  }

  private setDead(task: Task): void {
    task.alive = false;
    this.live.delete(task);
  }

  /**
   * An exited task's fd table and cwd are dropped unless a live task shares them (its other threads):
   * a trace of a fork-heavy workload (a build, a shell script) would otherwise keep every dead
   * process's table. Only a later task that reuses the TID could have looked at it.
   */
  private releaseTables(task: Task): void {
    // The scan is over the live tasks; past a few thousand of them it would cost more than it saves.
    if (this.live.size > 4096) return;
    // A tail segment does not know which tasks alive at the cut share the table: it keeps it.
    if (this.seg && isTracked(task)) return;
    const files = task.files;
    const fs = task.fs;
    let filesShared = false;
    let fsShared = false;
    for (const t of this.live) {
      if (t.files === files) filesShared = true;
      if (t.fs === fs) fsShared = true;
      if (filesShared && fsShared) return;
    }
    if (!filesShared) task.files = new Map();
    if (!fsShared) task.fs = {};
  }

  private cloneInFlight(): Task | undefined {
    let found: Task | undefined;
    for (const t of this.live) if (t.cloneArgs !== undefined) found = t;
    return found;
  }

  private taskFor(prefix: PrefixScratch, lineNo: number): Task | undefined {
    if (prefix.tid !== undefined) {
      if (prefix.style === 'bracket') this.sawBracket = true;
      else this.sawColumn = true;
      const task = this.taskByTid(prefix.tid, lineNo);
      if (this.seg) {
        this.seg.sawPrefix = true;
        // Before the cut the unprefixed lines were only learnt from; after it, which task they were
        // depended on the tasks alive then.
        if (this.seg.single && !this.seg.sink.warming) this.seg.sink.unsafe ??= `line ${lineNo}: a TID prefix after lines without one`;
        if (this.seg.sink.warming) this.seg.single = undefined;
      }
      return task;
    }
    if (this.seg) return this.segmentUnprefixed(lineNo);
    if (this.fileTid !== undefined && !this.sawBracket && !this.sawColumn && this.attachTargets.length === 0) {
      this.pidStyle = 'file-name';
      return this.taskByTid(this.fileTid, lineNo, 'file-name');
    }
    if (this.live.size === 1) {
      for (const t of this.live) return t;
    }
    if (this.allTasks.length === 0) {
      const task = this.createTask(undefined, 'first', lineNo);
      task.maybeLeader = true;
      this.anonymous = task;
      this.held = [];
      return task;
    }
    return this.ambiguous;
  }

  private taskByTid(tid: number, lineNo: number, origin: Task['origin'] = 'unknown'): Task {
    const known = this.tasks.get(tid);
    if (known) {
      // A TID reused after its task exited: the exited task's table was released or kept depending on
      // tasks alive at the cut.
      if (this.seg && !known.alive) this.seg.sink.unsafe ??= `TID ${tid} reused after it exited`;
      return known;
    }
    if (this.seg) return this.segmentTask(tid, lineNo);
    const parent = this.cloneInFlight();
    if (this.anonymous && this.anonymous.tid === undefined && !parent) {
      this.resolveAnonymous(tid);
      return this.anonymous;
    }
    const linked = this.linkedTask(tid, lineNo, origin !== 'file-name' ? parent : undefined);
    if (linked) return linked;
    const task = this.createTask(tid, this.allTasks.length === 0 && origin === 'unknown' ? 'first' : origin, lineNo);
    task.maybeLeader = task.origin === 'first';
    return task;
  }

  /**
   * An unprefixed line in a tail segment. In a trace without prefixes (`strace -p PID` without -f, a
   * `-ff` file) it is the task the head gives such lines: the file's TID, or the one task alive — checked
   * at the merge. With prefixes elsewhere, or other tasks made here, which task it is depends on the tasks
   * alive at the cut: the tail gives up (a warm-up line is only not learnt from).
   */
  private segmentUnprefixed(lineNo: number): Task | undefined {
    const seg = this.seg!;
    // A warm-up from the file's first line knows every task the head knew: its one task takes them, as
    // in one pass. Otherwise a task of its own stands for the head's (which the head names at the merge).
    if (!seg.single && seg.fromStart && this.fileTid === undefined && !seg.sawPrefix && this.allTasks.length === 1 && this.live.size === 1) seg.single = this.allTasks[0];
    const single = seg.single;
    const others = this.allTasks.length > (single ? 1 : 0);
    const why = seg.sawPrefix
      ? 'after lines with a TID prefix'
      : this.fileTid === undefined && others
        ? 'while the segment knows several tasks'
        : single && !single.alive
          ? 'after its task exited'
          : this.fileTid !== undefined && this.attachTargets.length > 0
            ? 'after an attach (the file name no longer says the task)'
            : undefined;
    if (why !== undefined) {
      if (!seg.sink.warming) seg.sink.unsafe ??= `line ${lineNo} has no TID prefix ${why}`;
      return undefined;
    }
    if (single) return single;
    const task = this.createTask(this.fileTid, this.fileTid !== undefined ? 'file-name' : 'unknown', lineNo);
    if (this.fileTid !== undefined) this.pidStyle = 'file-name';
    this.track(task, this.fileTid ?? SINGLE_OWNER);
    seg.category.set(task, 'single');
    seg.single = task;
    return task;
  }

  /** Give a task first seen in a tail segment partial, tracked views of its fd table and cwd. */
  private track(task: Task, owner: number): void {
    task.files = new TrackedTable(newTableTrack(owner, this.seg!.sink));
    const fsTrack: FsTrack = { owner, sink: this.seg!.sink, changed: false };
    task.fs = { track: fsTrack };
  }

  /** A new TID while a clone is in flight (`parent`'s child) or after an attach announcing threads (one of them). */
  private linkedTask(tid: number, lineNo: number, parent: Task | undefined): Task | undefined {
    if (parent) {
      const child = this.createTask(tid, 'clone', lineNo);
      linkChild(parent, child, parent.pending?.name ?? 'clone', parent.cloneArgs ?? '');
      this.cloneChildren++;
      return child;
    }
    if (this.attachThreadsLeft > 0 && this.attachLeader) {
      this.attachThreadsLeft--;
      const thread = this.createTask(tid, 'attach-thread', lineNo);
      thread.threadOf = this.attachLeader;
      thread.files = this.attachLeader.files;
      thread.fs = this.attachLeader.fs;
      return thread;
    }
    return undefined;
  }

  /**
   * A TID first seen in a tail segment. A clone in flight or an attach announcing threads links it as
   * here (the head checks that it did not know the TID); otherwise it is a task of the state at the cut,
   * whose fd table and cwd are known only from what the segment sees (tracked: what it assumed is checked).
   */
  private segmentTask(tid: number, lineNo: number): Task {
    const seg = this.seg!;
    const warming = seg.sink.warming;
    // Which of two clones in flight a new TID is the child of depends on the tasks' order at the cut.
    let inFlight = 0;
    for (const t of this.live) if (t.cloneArgs !== undefined) inFlight++;
    if (inFlight > 1) seg.sink.unsafe ??= `TID ${tid} appears while ${inFlight} clones are in flight`;
    const linked = this.linkedTask(tid, lineNo, this.cloneInFlight());
    if (linked) {
      seg.category.set(linked, warming ? 'warm' : 'new');
      return linked;
    }
    const task = this.createTask(tid, 'unknown', lineNo);
    this.track(task, tid);
    seg.category.set(task, warming ? 'warm' : 'inherited');
    return task;
  }

  /**
   * The cut: the lines read so far only warmed the state up. Their counts, aggregates and records are
   * dropped, the state they left (tasks, fd tables, calls in flight) is kept and noted for the merge.
   */
  beginTail(): void {
    const seg = this.seg;
    if (!seg || !seg.sink.warming) return;
    seg.sink.warming = false;
    if (this.open) seg.sink.unsafe ??= 'a syscall line is cut at the cut';
    if (this.inSummary || this.summaryTitles) seg.sink.unsafe ??= 'a -c summary table spans the cut';
    if (this.tsKind === 'r') seg.sink.unsafe ??= '-r timestamps are sums from the start of the file';
    const pending: TailResult['cut']['pending'] = [];
    const cloneArgs: TailResult['cut']['cloneArgs'] = [];
    for (const task of this.allTasks) {
      if (task.pending && task.tid !== undefined) pending.push({ tid: task.tid, name: task.pending.name, args: task.pending.args, line: task.pending.line, time: task.pending.time });
      if (task.cloneArgs !== undefined && task.tid !== undefined && task.alive) cloneArgs.push({ tid: task.tid, args: task.cloneArgs });
      task.calls = 0;
      task.agg = undefined;
      task.aggPaths = undefined;
      task.fdAggs = undefined;
    }
    seg.cut = { pending, cloneArgs, attachThreadsLeft: this.attachThreadsLeft, attachLeader: this.attachLeader?.tid };
    for (const entry of this.callTable) {
      for (let e = entry; e !== undefined; e = e.next) {
        e.agg = undefined;
        e.seen = false;
      }
    }
    this.pathAggs = new PathAggregates<Task>();
    this.fdAggregates = [];
    this.syscallAggs = [];
    this.syscalls = [];
    this.attachTargets = [];
    this.relState = { sum: 0 };
    this.sawBracket = false;
    this.sawColumn = false;
    this.tsKind = undefined;
    this.hasDurations = false;
    this.yStyle = undefined;
    this.firstTime = undefined;
    this.lastTime = undefined;
    this.calls = this.failedCalls = this.unfinishedCalls = this.signals = this.exits = 0;
    this.writeCalls = this.fileWriteCalls = this.readCalls = 0;
    this.stackFrameLines = this.hexDumpLines = this.summaryRows = this.cloneChildren = 0;
    seg.records = [];
    seg.callRecords = 0;
    this.lastRecipe = undefined;
    this.ctx = seg.realCtx;
  }

  /** What a tail segment hands to the head's reader (plain data: it crosses to another worker). */
  exportTail(): TailResult {
    const seg = this.seg;
    if (!seg) throw new Error('exportTail() on a reader that is not a tail segment');
    this.beginTail(); // a segment that had no line past the cut
    const index = new Map<Task, number>();
    this.allTasks.forEach((t, k) => index.set(t, k));
    const indexOf = (t: Task | undefined): number => (t === undefined ? -1 : (index.get(t) ?? -1));
    const tables = new Map<TrackedTable, TailResult['tables'][number]>();
    const cwds = new Map<FsState, TailResult['cwds'][number]>();
    const tasks: TailResult['tasks'] = this.allTasks.map((t) => {
      if (t.files instanceof TrackedTable && !tables.has(t.files)) {
        const k = t.files.track;
        tables.set(t.files, { owner: k.owner, touched: [...k.touched], changed: [...k.changed], asked: [...k.asked] });
      }
      const fsTrack = t.fs.track;
      // A cwd once known stays known unless fchdir made it the cut's again, which marks it changed.
      if (fsTrack && !cwds.has(t.fs)) cwds.set(t.fs, { owner: fsTrack.owner, known: t.fs.cwd !== undefined || fsTrack.changed, changed: fsTrack.changed });
      return {
        tid: t.tid,
        category: seg.category.get(t) ?? 'new',
        origin: t.origin,
        pid: t.pid,
        threadOf: indexOf(t.threadOf),
        parent: indexOf(t.parent),
        alive: t.alive,
        linked: t.linked,
        leader: t.leader,
        calls: t.calls,
        firstLine: t.firstLine,
        agg: t.agg,
        fdAggs: t.fdAggs ? [...t.fdAggs] : undefined,
      };
    });
    const paths: TailResult['paths'] = [];
    for (const [task, p] of this.pathAggs.byTask) paths.push({ task: indexOf(task), entries: [...p.map], other: p.other, foldedPaths: p.foldedPaths });
    return {
      unsafe: seg.sink.unsafe,
      fdMisses: seg.sink.fdMisses,
      cwdMisses: seg.sink.cwdMisses,
      tables: [...tables.values()],
      cwds: [...cwds.values()],
      flushOrder: seg.flushOrder,
      single: indexOf(seg.single),
      cut: seg.cut!,
      tasks,
      paths,
      pathsFolded: this.pathAggs.folded,
      pathFolds: this.pathAggs.folds,
      fdAggregates: this.fdAggregates.map(indexOf),
      syscalls: this.syscalls,
      syscallAggs: this.syscallAggs.map((e) => ({ name: e.info.name, agg: e.agg! })),
      records: seg.records.map((r) => ({ record: r.record, task: indexOf(r.task), detachTid: r.detachTid })),
      callRecords: seg.callRecords,
      callClock: seg.callClock,
      lastCall: this.lastRecipe ? { record: this.callRecord(this.lastRecipe), task: indexOf(this.lastRecipe.task) } : undefined,
      facts: {
        lastLine: this.lastLine,
        sawBracket: this.sawBracket,
        sawColumn: this.sawColumn,
        attachTargets: this.attachTargets,
        tsKind: this.tsKind,
        hasDurations: this.hasDurations,
        yStyle: this.yStyle,
        firstTime: this.firstTime,
        lastTime: this.lastTime,
        counts: this.counts(),
      },
    };
  }

  /**
   * Take a tail segment's counts as if its lines had followed this reader's (the head's) last line,
   * numbered from `lineOffset` + 1. Returns why not when the tail's assumptions about the state at the
   * cut do not hold here (nothing is changed then: feed the tail's lines to this reader instead).
   * `summarized`: the sink is told of the tail's call records it never sees (only the last is emitted).
   */
  absorbTail(tail: TailResult, lineOffset: number, summarized: (kind: string, clock: string, count: number) => void): string | undefined {
    const why = this.tailMismatch(tail, lineOffset);
    if (why !== undefined) return why;
    const map = this.mapTailTasks(tail, lineOffset);
    for (const task of this.allTasks) task.pending = undefined; // the tail owns the calls in flight at the cut
    this.absorbAggregates(tail, map, lineOffset);
    const f = tail.facts;
    if (f.lastLine > 0) this.lastLine = f.lastLine + lineOffset;
    this.sawBracket ||= f.sawBracket;
    this.sawColumn ||= f.sawColumn;
    this.attachTargets.push(...f.attachTargets);
    this.tsKind ??= f.tsKind;
    this.hasDurations ||= f.hasDurations;
    if (f.yStyle === 'yy') this.yStyle = 'yy';
    else if (f.yStyle === 'y') this.yStyle ??= 'y';
    this.firstTime ??= f.firstTime;
    this.lastTime = f.lastTime ?? this.lastTime;
    const c = f.counts;
    this.calls += c.calls;
    this.failedCalls += c.failedCalls;
    this.unfinishedCalls += c.unfinishedCalls;
    this.signals += c.signals;
    this.exits += c.exits;
    this.writeCalls += c.writeCalls;
    this.fileWriteCalls += c.fileWriteCalls;
    this.readCalls += c.readCalls;
    this.stackFrameLines += c.stackFrameLines;
    this.hexDumpLines += c.hexDumpLines;
    this.summaryRows += c.summaryRows;
    this.cloneChildren += c.cloneChildren;
    for (const r of tail.records) {
      const record = shiftRecord(r.record, lineOffset);
      if (r.detachTid !== undefined) {
        const task = this.tasks.get(r.detachTid);
        if (task) this.setDead(task);
        this.finish(record, task ?? this.taskByTidForMessage(r.detachTid));
      } else if (r.task >= 0) this.finish(record, map[r.task]!);
      else this.ctx.emit(record);
    }
    if (tail.lastCall) {
      // The head's calls counted so far are told first, as the sink would have counted them before these.
      if (this.summarized !== undefined) this.tellCounted();
      if (tail.callRecords > 1) summarized('strace.call', tail.callClock, tail.callRecords - 1);
      this.finish(shiftRecord(tail.lastCall.record, lineOffset), map[tail.lastCall.task]!);
    }
    return undefined;
  }

  /** Why the tail's view of the cut is not this reader's state at its end (undefined: it is). */
  private tailMismatch(tail: TailResult, lineOffset: number): string | undefined {
    if (this.seg) return 'a tail segment cannot take another';
    if (tail.unsafe !== undefined) return tail.unsafe;
    if (this.open) return 'the head ends inside a syscall line';
    if (this.inSummary || this.summaryTitles) return 'the head ends inside a -c summary table';
    if (this.tsKind === 'r' || tail.facts.tsKind === 'r') return '-r timestamps are sums from the start of the file';
    if (this.held || (this.anonymous && this.anonymous.tid === undefined)) return "the head never learnt its task's TID";
    if (this.calls === 0) return 'the head has no call';
    // Calls in flight and the clone in flight: the same, at the same lines.
    const pending = new Map(tail.cut.pending.map((p) => [p.tid, p]));
    let headPending = 0;
    for (const task of this.allTasks) {
      const p = task.pending;
      if (!p) continue;
      headPending++;
      const q = task.tid === undefined ? undefined : pending.get(task.tid);
      if (!q || q.name !== p.name || q.args !== p.args || q.line + lineOffset !== p.line || !sameTime(q.time, p.time)) return `the call in flight of TID ${task.tid} at the cut began before the tail's warm-up`;
    }
    if (headPending !== pending.size) return 'the tail saw a call in flight at the cut that the head did not';
    const clones = new Map(tail.cut.cloneArgs.map((c) => [c.tid, c.args]));
    let headClones = 0;
    for (const task of this.live) {
      if (task.cloneArgs === undefined) continue;
      headClones++;
      if (task.tid === undefined || clones.get(task.tid) !== task.cloneArgs) return 'a clone in flight at the cut began before the tail\'s warm-up';
    }
    if (headClones !== clones.size) return 'the tail saw a clone in flight that the head did not';
    if (this.attachThreadsLeft !== tail.cut.attachThreadsLeft || (this.attachThreadsLeft > 0 && this.attachLeader?.tid !== tail.cut.attachLeader)) return 'the attach state at the cut differs';
    // The task of unprefixed lines: the one the head gives them (the file's TID, or its one live task).
    const unprefixed = tail.tasks[tail.single];
    if (unprefixed) {
      if (this.sawBracket || this.sawColumn) return 'lines without a TID prefix after the cut, with one before';
      const byName = unprefixed.tid !== undefined && unprefixed.tid === this.fileTid;
      const headsOwn = byName ? (this.attachTargets.length === 0 ? this.tasks.get(unprefixed.tid!) : undefined) : this.live.size === 1 ? [...this.live][0] : undefined;
      if (!headsOwn || (unprefixed.tid !== undefined && headsOwn.tid !== unprefixed.tid)) return 'the head does not give lines without a TID prefix the same task';
    }
    // Tasks: a TID the tail created must be new to the head too; one it inherited must be one the head knows or could not have known.
    for (const t of tail.tasks) {
      const known = t.tid === undefined ? undefined : this.tasks.get(t.tid);
      if (t.category === 'new' && known) return `TID ${t.tid} was created after the cut but the head knows it`;
      if (t.category === 'warm' && !known) return `TID ${t.tid} of the warm-up is unknown to the head`;
    }
    // The head's first task has not finished a call: an execve ending after the cut makes it a leader,
    // which the tail cannot tell.
    if (this.allTasks.some((t) => t.maybeLeader && (t.pending === undefined || t.pending.name.startsWith('execve')))) return "the head's first task has not finished its execve";
    const single = this.live.size === 1 ? [...this.live][0] : undefined;
    const headTask = (tid: number): Task | undefined => (tid === SINGLE_OWNER ? single : this.tasks.get(tid));
    // Calls in flight at the file's end are flushed in task order: the tail's must be the head's.
    let rank = -1;
    for (const k of tail.flushOrder) {
      const t = tail.tasks[k]!;
      const known = t.tid !== undefined ? this.tasks.get(t.tid) : t.category === 'single' ? single : undefined;
      const r = known ? this.allTasks.indexOf(known) : this.allTasks.length + k;
      if (r <= rank) return 'the calls in flight at the end are flushed in another task order';
      rank = r;
    }
    return tableMismatch(tail, headTask) ?? cwdMismatch(tail, headTask);
  }

  /** The head's task for each of the tail's (created here when the head did not know it). */
  private mapTailTasks(tail: TailResult, lineOffset: number): Task[] {
    const map: Task[] = [];
    const created: number[] = [];
    const single = this.live.size === 1 ? [...this.live][0] : undefined;
    tail.tasks.forEach((t, k) => {
      const known = t.tid !== undefined ? this.tasks.get(t.tid) : t.category === 'single' ? single : undefined;
      let task = known;
      if (!task) {
        task = this.createTask(t.tid, t.origin, t.firstLine + lineOffset);
        task.pid = t.pid;
        task.leader = t.leader;
        task.linked = t.linked;
        created.push(k);
      }
      if (!t.alive) this.setDead(task);
      task.calls += t.calls;
      map.push(task);
    });
    for (const k of created) {
      const t = tail.tasks[k]!;
      if (t.threadOf >= 0) map[k]!.threadOf = map[t.threadOf];
      if (t.parent >= 0) map[k]!.parent = map[t.parent];
    }
    return map;
  }

  private absorbAggregates(tail: TailResult, map: Task[], lineOffset: number): void {
    tail.tasks.forEach((t, k) => {
      if (!t.agg) return;
      const task = map[k]!;
      const later = shiftAggregate(t.agg, lineOffset);
      if (task.agg) mergeLater(task.agg, later);
      else task.agg = later;
    });
    for (const k of tail.fdAggregates) {
      const task = map[k]!;
      if (!task.fdAggs) {
        task.fdAggs = new Map();
        this.fdAggregates.push(task);
      }
      for (const [fd, agg] of tail.tasks[k]!.fdAggs ?? []) {
        const later = shiftAggregate(agg, lineOffset);
        const a = task.fdAggs.get(fd);
        if (a) mergeLater(a, later);
        else task.fdAggs.set(fd, later);
      }
    }
    const aggs = this.pathAggs;
    for (const p of tail.paths) {
      const task = map[p.task]!;
      const paths = (task.aggPaths ??= aggs.of(task));
      for (const [path, agg] of p.entries) aggs.absorb(paths, path, shiftAggregate(agg, lineOffset));
      if (p.other) {
        const other = shiftAggregate(p.other, lineOffset);
        if (paths.other) mergeBuckets(paths.other, other);
        else paths.other = other;
        paths.foldedPaths += p.foldedPaths;
      }
    }
    aggs.folded += tail.pathsFolded;
    aggs.folds += tail.pathFolds;
    aggs.foldIfOver();
    for (const { name, agg } of tail.syscallAggs) {
      const entry = this.callEntry(name, 0, name.length);
      const later = shiftAggregate(agg, lineOffset);
      if (entry.agg) mergeLater(entry.agg, later);
      else {
        entry.agg = later;
        this.syscallAggs.push(entry);
      }
    }
    for (const name of tail.syscalls) {
      const entry = this.callEntry(name, 0, name.length);
      if (!entry.seen) {
        entry.seen = true;
        this.syscalls.push(name);
      }
    }
  }

  private resolveAnonymous(tid: number): void {
    const anon = this.anonymous;
    if (!anon || anon.tid !== undefined) return;
    if (this.tasks.has(tid)) return;
    anon.tid = tid;
    this.tasks.set(tid, anon);
    this.release();
  }

  /** Emit the records held while the first task's TID was unknown. */
  private release(): void {
    const held = this.held;
    this.held = undefined;
    if (!held) return;
    for (const { record, task } of held) this.finish(record, task);
  }

  // ---- records -------------------------------------------------------------------------------------

  private base(kind: string, line: number, time: RecordTime | undefined): TimelineRecord {
    const record: TimelineRecord = { kind, source: { file: this.ctx.file, line } };
    if (time) record.time = time;
    return record;
  }

  private emit(record: TimelineRecord, task: Task): void {
    const seg = this.seg;
    if (seg) {
      // Calls do not come here in a segment (handCall keeps the last one's recipe).
      if (!seg.sink.warming) this.holdForMerge(record, task);
      return;
    }
    if (this.held) {
      this.held.push({ record, task });
      if (this.held.length >= MAX_HELD_RECORDS) this.release();
      return;
    }
    this.finish(record, task);
  }

  /** A tail segment's record, emitted by the head's reader at the merge (with pid and tid then known). */
  private holdForMerge(record: TimelineRecord, task: Task | undefined, detachTid?: number): void {
    const seg = this.seg!;
    if (seg.sink.warming) return;
    if (seg.records.length >= MAX_TAIL_RECORDS) {
      seg.sink.unsafe ??= `more than ${MAX_TAIL_RECORDS} records other than calls after the cut`;
      return;
    }
    seg.records.push(detachTid === undefined ? { record, task } : { record, task, detachTid });
  }

  private finish(record: TimelineRecord, task: Task): void {
    if (task.tid !== undefined) record.tid = task.tid;
    const pid = pidOf(task);
    if (pid !== undefined) record.pid = pid;
    if (this.summarized !== undefined && record.kind === 'strace.call') this.keepLastCall(record);
    else this.ctx.emit(record);
  }

  /**
   * Read for analysis: of the call records, the sink keeps the first and the last and counts the others
   * by clock. The first goes to it now, the others are counted here as a later one replaces them, the
   * last goes at the end (endCalls): the sink then holds what it would have held.
   */
  summarizeCallsTo(summarized: (kind: string, clock: string, count: number) => void): void {
    this.summarized = summarized;
  }

  private keepLastCall(record: TimelineRecord): void {
    if (!this.firstCallOut) {
      this.firstCallOut = true;
      this.ctx.emit(record);
      return;
    }
    this.countLast();
    this.lastCall = record;
  }

  /** The last call kept so far is not the last: count it by its clock and let it go. */
  private countLast(): void {
    let time: RecordTime | undefined;
    if (this.lastCall !== undefined) time = this.lastCall.time;
    else if (this.lastRecipe !== undefined) time = this.lastRecipe.time;
    else return;
    this.lastCall = undefined;
    this.lastRecipe = undefined;
    const clock = time?.clock ?? 'none';
    if (clock !== this.countedClock) {
      this.tellCounted();
      this.countedClock = clock;
    }
    this.counted++;
  }

  private tellCounted(): void {
    if (this.counted > 0) this.summarized!('strace.call', this.countedClock, this.counted);
    this.counted = 0;
  }

  /** The last call to the sink, after the calls counted (which it would have counted before taking it). */
  private endCalls(): void {
    if (this.summarized === undefined) return;
    this.tellCounted();
    const last = this.lastCall ?? (this.lastRecipe && this.finishedRecord(this.lastRecipe));
    this.lastCall = undefined;
    this.lastRecipe = undefined;
    if (last) this.ctx.emit(last);
  }

  private flushPending(task: Task, why: string): void {
    const p = task.pending;
    if (!p) return;
    task.pending = undefined;
    this.emitCall(task, this.callEntry(p.name, 0, p.name.length), p.args, undefined, p.time, p.line, why, 0);
  }

  /** The entry of the syscall name text[start, end), made on first sight. */
  private callEntry(text: string, start: number, end: number): CallEntry {
    const bucket = nameHash(text, start, end);
    const len = end - start;
    for (let e = this.callTable[bucket]; e !== undefined; e = e.next) {
      const n = e.info.name;
      if (n.length === len && text.startsWith(n, start)) return e;
    }
    const entry: CallEntry = { info: syscallInfo(text.slice(start, end)), agg: undefined, seen: false, next: this.callTable[bucket] };
    this.callTable[bucket] = entry;
    return entry;
  }

  /**
   * One `strace.call` record. `unfinishedNote`: the call never completed, and why. `resumedLine`: the
   * line of the resumed half (> 0), -1 for a resumed half whose entry was not in the file, 0 otherwise.
   * `src`, `srcStart`: the text `args` was sliced from and where (the arguments are then read in place).
   */
  private emitCall(task: Task, call: CallEntry, args: string, ret: ReturnInfo | undefined, time: RecordTime | undefined, line: number, unfinishedNote: string | undefined, resumedLine: number, src?: string, srcStart = 0): void {
    const info = call.info;
    const name = info.name;
    if (ret?.durationS !== undefined) this.hasDurations = true;
    if (unfinishedNote !== undefined) this.unfinishedCalls++;
    task.calls++;
    this.calls++;
    if (!call.seen) {
      call.seen = true;
      this.syscalls.push(name);
    }
    if (ret !== undefined && (ret.errno !== undefined || (ret.ret !== undefined && ret.ret < 0))) this.failedCalls++;
    // Split the arguments (lazily) only for calls whose fds, paths or effects are tracked.
    const argList = this.args;
    // `src`: the line the arguments were cut from (args = src[srcStart, srcStart + args.length)).
    if (!info.needsArgs) argList.reset('');
    else if (src !== undefined) argList.resetIn(src, srcStart, srcStart + args.length, args);
    else argList.reset(args);
    if (this.yStyle !== 'yy' && (ret?.retFd?.annotation !== undefined || args.indexOf('<') >= 0)) this.noteYStyle(args, ret);
    const facts = this.facts;
    attribute(task, info.shape, argList, ret, facts);
    if (ret) {
      const child = applyEffects(task, info, argList, ret, facts);
      if (child !== undefined) this.cloneReturned(task, name, args, child, line);
      if (task === this.anonymous && task.tid === undefined) this.learnTid(task, name, ret);
      if (task.maybeLeader && name === 'execve' && ret.ret === 0) task.leader = true;
    }
    if (info.clone) task.cloneArgs = undefined;
    task.maybeLeader = false;
    this.countIo(info);
    this.aggregate(task, call, args, line, ret, time);
    // A read or write on an fd the trace never saw opened: aggregated per fd, for lsof to name.
    if ((info.read || info.write) && facts.path === undefined && facts.fd !== undefined) this.aggregateFd(task, info, facts.fd, line, ret, time);
    this.handCall(this.fillRecipe(task, name, args, ret, time, line, unfinishedNote, resumedLine), task);
  }

  /** The call just read as a recipe (the parser's facts go with it, the recipe's old ones come back). */
  private fillRecipe(task: Task, name: string, args: string, ret: ReturnInfo | undefined, time: RecordTime | undefined, line: number, unfinishedNote: string | undefined, resumedLine: number): CallRecipe {
    const r = this.recipe;
    r.task = task;
    r.name = name;
    r.args = args;
    r.time = time;
    r.line = line;
    r.unfinishedNote = unfinishedNote;
    r.resumedLine = resumedLine;
    r.returned = ret !== undefined;
    if (ret !== undefined) {
      r.ret = ret.ret;
      r.retText = ret.retText;
      r.hex = ret.hex;
      r.errno = ret.errno;
      r.errnoText = ret.errnoText;
      r.note = ret.note;
      r.durationS = ret.durationS;
    }
    const facts = r.facts;
    r.facts = this.facts;
    this.facts = facts;
    return r;
  }

  /**
   * Where a call goes. A tail segment keeps its last (counting the others), analysis keeps the last
   * (the sink keeps only the first and the last): as recipes, their records built only if they stay
   * the last. Otherwise the record is built now and emitted.
   */
  private handCall(r: CallRecipe, task: Task): void {
    const seg = this.seg;
    if (seg !== undefined) {
      if (seg.sink.warming) return;
      seg.callRecords++;
      seg.callClock = r.time?.clock ?? 'none';
      this.keepRecipe(r, this.lastRecipe);
      return;
    }
    // Held records wait for their task's tid (release() finishes them in order): not deferred.
    if (this.summarized !== undefined && this.firstCallOut && this.held === undefined) {
      const replaced = this.lastRecipe;
      this.countLast();
      r.tid = task.tid;
      r.pid = pidOf(task);
      this.keepRecipe(r, replaced);
      return;
    }
    this.emit(this.callRecord(r), task);
  }

  /** Keep `r` as the last call; `replaced`, the recipe it replaces, is reused for the next call. */
  private keepRecipe(r: CallRecipe, replaced: CallRecipe | undefined): void {
    this.lastRecipe = r;
    this.recipe = replaced ?? new CallRecipe();
  }

  /** A deferred call's record, with the tid and pid it had when read (as finish() gives them). */
  private finishedRecord(r: CallRecipe): TimelineRecord {
    const record = this.callRecord(r);
    if (r.tid !== undefined) record.tid = r.tid;
    if (r.pid !== undefined) record.pid = r.pid;
    return record;
  }

  /** The `strace.call` record of a recipe (without tid and pid, which finish() or the merge give). */
  private callRecord(r: CallRecipe): TimelineRecord {
    const record = this.base('strace.call', r.line, r.time);
    record.syscall = r.name;
    record.args = r.args.trimEnd();
    if (r.returned) {
      if (r.ret !== undefined) record.ret = r.ret;
      if (r.hex || (r.ret === undefined && r.retText !== '?')) record.ret_text = r.retText;
      if (r.errno !== undefined) record.errno = r.errno;
      if (r.errnoText !== undefined) record.errno_text = r.errnoText;
      if (r.note !== undefined) record.ret_note = r.note;
      if (r.durationS !== undefined) record.duration_s = r.durationS;
    }
    if (r.unfinishedNote !== undefined) {
      record.unfinished = true;
      record.ret_note = r.unfinishedNote;
    }
    if (r.resumedLine > 0) record.resumed_line = r.resumedLine;
    else if (r.resumedLine < 0) record.partial = 'resumed-only';
    writeAttribution(record, r.facts);
    return record;
  }

  private noteYStyle(args: string, ret: ReturnInfo | undefined): void {
    const annotation = ret?.retFd?.annotation;
    const found = Math.max(yMarkers(args), annotation === undefined ? 0 : yMarkers(annotation));
    if (found === 2) this.yStyle = 'yy';
    else if (found === 1 || annotation !== undefined) this.yStyle ??= 'y';
  }

  private learnTid(task: Task, name: string, ret: ReturnInfo): void {
    if (ret.ret === undefined || ret.ret <= 0) return;
    if (name === 'set_tid_address' || name === 'gettid') this.resolveAnonymous(ret.ret);
    else if (name === 'getpid') task.pid ??= ret.ret;
  }

  private cloneReturned(parent: Task, name: string, args: string, childTid: number, line: number): void {
    let child = this.tasks.get(childTid);
    if (!child) {
      // Not traced yet (or never: no -f). Link it now so its first lines find their process.
      child = this.createTask(childTid, 'clone', line);
      child.calls = 0;
      this.seg?.category.set(child, this.seg.sink.warming ? 'warm' : 'new');
    }
    if (!child.linked) {
      // A tail linking a task known before the cut would change the head's task, which it cannot.
      const seg = this.seg;
      if (seg && !seg.sink.warming && seg.category.get(child) !== 'new') seg.sink.unsafe ??= `TID ${childTid}, known before the cut, linked to its parent after it`;
      linkChild(parent, child, name, args);
      this.cloneChildren++;
    }
  }

  private countIo(info: SyscallInfo): void {
    if (info.write) {
      this.writeCalls++;
      const f = this.facts;
      if (f.fdKind === 'file' || (f.pathSource !== undefined && f.fdKind !== 'pipe' && f.fdKind !== 'socket' && f.path !== undefined && f.path.startsWith('/'))) this.fileWriteCalls++;
    } else if (info.read) this.readCalls++;
  }

  private aggregate(task: Task, call: CallEntry, args: string, line: number, ret: ReturnInfo | undefined, time: RecordTime | undefined): void {
    const info = call.info;
    const name = info.name;
    const facts = this.facts;
    let s = call.agg;
    if (!s) {
      s = call.agg = newAggregate(line);
      this.syscallAggs.push(call);
    }
    const bytes = facts.bytes >= 0 ? facts.bytes : 0;
    const read = info.read ? bytes : 0;
    const written = info.write ? bytes : 0;
    addTo(s, ret, time, read, written, line);
    addTo((task.agg ??= newAggregate(line)), ret, time, read, written, line);
    const path = facts.path;
    const path2 = facts.path2;
    if (path === undefined && path2 === undefined) return;
    const aggs = this.pathAggs;
    // of(task) registers the task's paths once (its Map keeps the emit order); the task keeps them at hand.
    const paths = (task.aggPaths ??= aggs.of(task));
    if (name === 'sendfile' || name === 'sendfile64') {
      if (path !== undefined) aggs.add(paths, path, line, ret, time, 0, bytes);
      if (path2 !== undefined) aggs.add(paths, path2, line, ret, time, bytes, 0);
    } else if (name === 'copy_file_range' || name === 'splice' || name === 'tee') {
      if (path !== undefined) aggs.add(paths, path, line, ret, time, bytes, 0);
      if (path2 !== undefined) aggs.add(paths, path2, line, ret, time, 0, bytes);
    } else {
      if (path !== undefined) {
        const a = aggs.add(paths, path, line, ret, time, read, written, facts.entry);
        if (info.pathOp !== PATH_OP_NONE) countPathOp(a, info.pathOp, name, args, ret, time);
      }
      if (path2 !== undefined && path2 !== path) aggs.add(paths, path2, line, ret, time, 0, 0);
    }
  }

  private aggregateFd(task: Task, info: SyscallInfo, fd: number, line: number, ret: ReturnInfo | undefined, time: RecordTime | undefined): void {
    let aggs = task.fdAggs;
    if (!aggs) {
      aggs = task.fdAggs = new Map();
      this.fdAggregates.push(task);
    }
    let a = aggs.get(fd);
    if (!a) aggs.set(fd, (a = newAggregate(line)));
    const bytes = this.facts.bytes >= 0 ? this.facts.bytes : 0;
    addTo(a, ret, time, info.read ? bytes : 0, info.write ? bytes : 0, line);
    countPathOp(a, info.read ? PATH_OP_READ : PATH_OP_WRITE, info.name, '', ret, time);
  }

  private emitAggregates(): void {
    const line = Math.max(1, this.lastLine);
    for (const [task, paths] of this.pathAggs.byTask) {
      for (const [path, a] of paths.map) {
        const record = this.aggRecord('path', a, line);
        record.path = path;
        opFields(record, a);
        this.finishAggregate(record, task);
      }
      if (paths.other) {
        const record = this.aggRecord('path', paths.other, line);
        record.folded_paths = paths.foldedPaths;
        opFields(record, paths.other);
        this.finishAggregate(record, task);
      }
    }
    for (const task of this.fdAggregates) {
      for (const [fd, a] of task.fdAggs!) {
        const record = this.aggRecord('fd', a, line);
        record.fd = fd;
        opFields(record, a);
        this.finishAggregate(record, task);
      }
    }
    for (const task of this.allTasks) {
      if (task.agg === undefined) continue;
      this.finishAggregate(this.aggRecord('task', task.agg, line), task);
    }
    for (const { info, agg } of this.syscallAggs) {
      const record = this.aggRecord('syscall', agg!, line);
      record.syscall = info.name;
      this.ctx.emit(record);
    }
    if (this.pathAggs.folded > 0) {
      this.ctx.diagnostic({
        severity: 'info',
        code: 'strace-paths-folded',
        message: `${this.pathAggs.folded} (task, path) aggregate(s) with the fewest bytes were folded into their task's "other paths" aggregate (a scope 'path' aggregate without path) to keep memory bounded (at most ${MAX_PATH_AGGREGATES} held)`,
      });
    }
  }

  private finishAggregate(record: TimelineRecord, task: Task): void {
    if (task.tid !== undefined) record.tid = task.tid;
    const pid = pidOf(task);
    if (pid !== undefined) record.pid = pid;
    this.ctx.emit(record);
  }

  private aggRecord(scope: 'path' | 'syscall' | 'task' | 'fd', a: Aggregate, line: number): TimelineRecord {
    const record: TimelineRecord = { kind: 'strace.aggregate', source: { file: this.ctx.file, line: a.first_line || line }, scope, calls: a.calls, errors: a.errors, read_bytes: a.read_bytes, written_bytes: a.written_bytes };
    if (this.hasDurations) record.time_s = round(a.time_s, 9);
    // `time`: when the aggregate starts, a copy (first_time may be the first call's own time object,
    // which the timeline puts on the bundle clock through that call's record).
    if (a.first_time) record.time = { ...a.first_time };
    if (a.first_time) record.first_time = a.first_time;
    // The last call's line: evidence of the span, beside source (the first call).
    if (a.last_line > a.first_line) record.last_line = a.last_line;
    if (a.last_time) record.last_time = a.last_time;
    return record;
  }

  /** The reader's counts, as the capture record and a tail segment's facts hand them on. */
  private counts(): TailResult['facts']['counts'] {
    return {
      calls: this.calls,
      failedCalls: this.failedCalls,
      unfinishedCalls: this.unfinishedCalls,
      signals: this.signals,
      exits: this.exits,
      writeCalls: this.writeCalls,
      fileWriteCalls: this.fileWriteCalls,
      readCalls: this.readCalls,
      stackFrameLines: this.stackFrameLines,
      hexDumpLines: this.hexDumpLines,
      summaryRows: this.summaryRows,
      cloneChildren: this.cloneChildren,
    };
  }

  private emitCapture(): void {
    const pidStyle: PidStyle = this.sawBracket ? 'bracket' : this.sawColumn ? 'column' : this.pidStyle;
    this.ctx.emit(
      captureRecord({
        file: this.ctx.file,
        line: Math.max(1, this.lastLine),
        pidStyle,
        followed: this.sawBracket || this.sawColumn || (this.cloneChildren > 0 && this.allTasks.some((t) => t.origin === 'clone' && t.calls > 0)),
        tasks: this.allTasks.filter((t) => t.calls > 0 || t.origin === 'attach').map((t) => ({ origin: t.origin, calls: t.calls, tid: t.tid, pid: pidOf(t) })),
        attachTargets: this.attachTargets,
        tsKind: this.tsKind,
        hasDurations: this.hasDurations,
        yStyle: this.yStyle,
        firstTime: this.firstTime,
        lastTime: this.lastTime,
        syscalls: this.syscalls,
        counts: this.counts(),
        anonymousWithoutTid: this.anonymous !== undefined && this.anonymous.tid === undefined && this.anonymous.calls > 0,
        fileNameTid: this.fileTid,
        foldedPaths: this.pathAggs.folded,
      }),
    );
  }
}
