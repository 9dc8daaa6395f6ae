/**
 * The fast analysis reader of strace files: the records `report`, `check` and `analyze` take from a
 * trace (the first and the last call, attach and exit records, the per-(task, path), per-fd, per-task
 * and per-syscall aggregates and the capture facts), read from the file's bytes with its state kept as
 * numbers and shared strings, where the string reader (../strace.ts) makes a string per line, per
 * argument and per time.
 *
 * It reads the common shape of a long trace, `strace -f -tt [-T] [-y]`: every line `[pid N]
 * HH:MM:SS.uuuuuu` then a complete call, an `<unfinished ...>` or `<... NAME resumed>` half, or a
 * `+++ exited +++` / `+++ killed +++` line, and `strace: Process N attached|detached` lines. On anything
 * else (another prefix or timestamp form, a signal, a summary table, a call whose effect on the fd
 * tables it does not follow, an escape in a path, non-ASCII bytes, CRLF…) it gives the file up at once
 * (`bailed` says why), and the caller reads the file again with the string reader. So what it emits is
 * the string reader's, record for record and byte for byte: test/parsers/strace-fast.test.ts holds the
 * two together on every capture and on generated traces.
 *
 * A big file is read as a head and a tail on two cores as the string reader reads one (strace/segments.ts
 * has the rules): a reader made with `segment: 'tail'` warms up on the lines before the cut, is told the
 * cut (`beginTail`) and hands its counts and what it assumed of the state at the cut to the head's reader
 * (`exportTail`), which checks them against its own state and takes them (`absorbTail`) or refuses.
 */
import type { Coverage, Diagnostic, RecordTime, TimelineRecord } from '../../common/types.js';
import { round } from '../../common/units.js';
import { newReturnInfo, readReturnInto } from './lexer.js';
import { afterExec, CallFacts, copyTable, cwdOf, forgetCopy, forgetFd, type FsState, isTracked, lookup, newTableTrack, noteMiss, type SegmentSink, setCwd, type TaskOrigin, TrackedTable, unknownFdReason, writeAttribution } from './tracker.js';
import { cwdMismatch, type FastAggData, type FastTailResult, shiftRecord, tableMismatch, type TaskCategory } from './segments.js';
import { type SyscallInfo, PATH_OP_NONE, PATH_OP_OPEN, PATH_OP_READ, PATH_OP_WRITE, PATH_OP_UNLINK, PATH_OP_MKDIR, PATH_OP_RMDIR, PATH_OP_RENAME, syscallInfo } from './syscalls.js';
import { MAX_PATH_AGGREGATES, addCounters, addLaterCounters, foldOrder, opFields } from './aggregates.js';
import { captureRecord, type CaptureFacts } from './capture.js';
import { type FdKind, annotationKind, annotationPath, decodeAnnotationText, decodeCString, parseInteger, resolvePath } from './values.js';
import {
  AT_FDCWD,
  type ByteFdRef,
  ByteArgs,
  type ByteReturn,
  SPACE,
  annotationKindBytes,
  ascii,
  findArgsEndBytes,
  includesBytes,
  isDigit,
  nameEndBytes,
  newByteReturn,
  readFdRefBytes,
  lastFdRefEnd,
  readReturnBytes,
  sameText,
  setLineEnd,
  startsWithAt,
  argScan,
  hasMessage,
  scanArgsBytes,
  yMarkerAt,
  splicedMessageAtBytes,
  isContinuationBytes,
} from './fast-bytes.js';

type Origin = TaskOrigin;

/** Counters of one aggregate; times as the line whose prefix gave them (-1: none) and its microseconds of the day. */
class Agg {
  calls = 0;
  errors = 0;
  read_bytes = 0;
  written_bytes = 0;
  time_s = 0;
  firstT = -1;
  firstUs = 0;
  lastT = -1;
  lastUs = 0;
  first_line: number;
  last_line: number;
  folded = false;
  opens = 0;
  creates = 0;
  unlinks = 0;
  mkdirs = 0;
  rmdirs = 0;
  renames = 0;
  read_calls = 0;
  write_calls = 0;
  write_seconds = 0;
  lastWriteSecond = NaN;
  firstWriteSecond = NaN;
  constructor(line: number) {
    this.first_line = line;
    this.last_line = line;
  }
}

interface Entry {
  path: string | undefined;
  relative: boolean | undefined;
  kind: FdKind | 'unknown';
  cloexec: boolean;
  agg: Agg | undefined;
  aggPaths: Paths | undefined;
}

function entry(path: string | undefined, relative: boolean | undefined, kind: Entry['kind'], cloexec: boolean): Entry {
  return { path, relative, kind, cloexec, agg: undefined, aggPaths: undefined };
}

class Paths {
  readonly map = new Map<string, Agg>();
  lastPath: string | undefined = undefined;
  lastAgg: Agg | undefined = undefined;
  other: Agg | undefined = undefined;
  foldedPaths = 0;
}

interface Pending {
  call: Call;
  /** The entry half's argument bytes (a copy). */
  args: Uint8Array;
  /** Their largest -y marker (argScan.yMark). */
  yMark: number;
  timeLine: number;
  timeUs: number;
  line: number;
}

interface Task {
  tid: number;
  pid: number | undefined;
  threadOf: Task | undefined;
  /** A TrackedTable in a tail segment, for a task known from before the cut. */
  files: Map<number, Entry>;
  fs: FsState;
  alive: boolean;
  origin: Origin;
  linked: boolean;
  pending: Pending | undefined;
  cloneArgs: string | undefined;
  maybeLeader: boolean;
  leader: boolean;
  calls: number;
  paths: Paths | undefined;
  agg: Agg | undefined;
  fdAggs: Map<number, Agg> | undefined;
}

interface Call {
  readonly info: SyscallInfo;
  readonly bytes: Uint8Array;
  agg: Agg | undefined;
  seen: boolean;
  next: Call | undefined;
}

/** The call being kept as the last one (only its record is ever built, at the end). */
class Slot {
  task: Task | undefined = undefined;
  call: Call | undefined = undefined;
  src: Uint8Array = new Uint8Array(0);
  argsStart = 0;
  argsEnd = 0;
  textEnd = 0;
  returned = false;
  timeLine = -1;
  timeUs = 0;
  line = 0;
  unfinishedNote: string | undefined = undefined;
  resumedLine = 0;
  facts = new CallFacts();
  tid: number | undefined = undefined;
  pid: number | undefined = undefined;
}

const TABLE_SIZE = 512;

function pidOf(task: Task): number | undefined {
  let t: Task = task;
  for (let hops = 0; t.threadOf && hops < 64; hops++) t = t.threadOf;
  return t.pid ?? (t.leader ? t.tid : undefined);
}

function cloneFlags(args: string): string {
  const at = args.indexOf('flags=');
  if (at < 0) return '';
  let end = at + 6;
  while (end < args.length && args.charCodeAt(end) !== 44 && args.charCodeAt(end) !== 125) end++;
  return args.slice(at + 6, end);
}

/** `HH:MM:SS.uuuuuu` of microseconds of the day (the reader takes only six-digit fractions: the text printed). */
function timeText(us: number): string {
  const frac = us % 1e6;
  const secs = (us - frac) / 1e6;
  const s = secs % 60;
  const m = ((secs - s) / 60) % 60;
  const h = (secs - s - m * 60) / 3600;
  return `${two(h)}:${two(m)}:${two(s)}.${String(frac).padStart(6, '0')}`;
}

/** `HH:MM:SS` (-t) of microseconds of the day. */
function secondsText(us: number): string {
  return timeText(us).slice(0, 8);
}

/** strace.ts makeTime() of an -ttt stamp (ten digits of seconds, six of microseconds), from its microseconds. */
function epochTime(us: number): RecordTime {
  const frac = us % 1e6;
  const seconds = (us - frac) / 1e6;
  const fraction = `.${String(frac).padStart(6, '0')}`;
  // The number strace.ts reads from the same text (Number of the printed stamp), so the same double.
  return { clock: 'utc', epoch: Number(`${seconds}${fraction}`), iso: `${new Date(seconds * 1000).toISOString().slice(0, 19)}${fraction}Z` };
}

type TsMode = 't' | 'tt' | 'ttt' | 'none';

/** What readTimestamp read. */
const stamp = { us: 0, kind: 'tt' as TsMode };

/**
 * lexer.ts readPrefixInto's timestamps at buf[i] (a digit): `HH:MM:SS` (-t), `HH:MM:SS.uuuuuu` (-tt), or
 * ten digits, a dot and six (-ttt), then a space. Returns where the body starts, -1 for any other form
 * (-r, nanoseconds, an epoch of another length), which the string reader reads.
 */
function readTimestamp(buf: Uint8Array, i: number, e: number): number {
  if (buf[i + 2] === 58) {
    if (i + 9 > e || buf[i + 5] !== 58) return -1;
    const hh = twoDigits(buf, i);
    const mm = twoDigits(buf, i + 3);
    const ss = twoDigits(buf, i + 6);
    if ((hh | mm | ss) < 0) return -1;
    const secs = (hh * 60 + mm) * 60 + ss;
    if (buf[i + 8] === SPACE) {
      stamp.kind = 't';
      stamp.us = secs * 1e6;
      return i + 9;
    }
    if (i + 16 > e || buf[i + 8] !== 46 || buf[i + 15] !== SPACE) return -1;
    const frac = sixDigits(buf, i + 9);
    if (frac < 0) return -1;
    stamp.kind = 'tt';
    stamp.us = secs * 1e6 + frac;
    return i + 16;
  }
  if (i + 18 > e || buf[i + 10] !== 46 || buf[i + 17] !== SPACE) return -1;
  let secs = 0;
  for (let k = i; k < i + 10; k++) {
    const c = buf[k]!;
    if (!isDigit(c)) return -1;
    secs = secs * 10 + c - 48;
  }
  const frac = sixDigits(buf, i + 11);
  if (frac < 0) return -1;
  stamp.kind = 'ttt';
  stamp.us = secs * 1e6 + frac;
  return i + 18;
}

/** Two digits at buf[at] as a number, -1 when one is not a digit (read on every line: no loop). */
function twoDigits(buf: Uint8Array, at: number): number {
  // A byte that is not a digit gives a value over 9 once unsigned.
  const a = (buf[at]! - 48) >>> 0;
  const b = (buf[at + 1]! - 48) >>> 0;
  return a > 9 || b > 9 ? -1 : a * 10 + b;
}

/** Six digits at buf[at] as a number, -1 when one is not a digit. */
function sixDigits(buf: Uint8Array, at: number): number {
  const a = twoDigits(buf, at);
  const b = twoDigits(buf, at + 2);
  const c = twoDigits(buf, at + 4);
  return (a | b | c) < 0 ? -1 : (a * 100 + b) * 100 + c;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** A tail segment's own state (StraceReader's TailState in the fast reader's terms). */
interface FastSegment {
  sink: SegmentSink;
  category: Map<Task, TaskCategory>;
  records: Array<{ record: TimelineRecord; task: Task | undefined; detachTid?: number }>;
  callRecords: number;
  callClock: string;
  cut: FastTailResult['cut'] | undefined;
  flushOrder: number[];
  /** Lines read before the cut (the tail's lines are numbered on from them). */
  warmLines: number;
}

/** Records other than calls a tail holds for the head; past this the tail is not merged. */
const MAX_TAIL_RECORDS = 200000;

export interface FastResult {
  diagnostics: Diagnostic[];
  coverage: Coverage;
}

export class StraceFastReader {
  /** Why the file was given up (undefined while the reader follows it). */
  bailed: string | undefined = undefined;
  private readonly coverage: Coverage = { lines: 0, data: 0, skipped: 0, unparsed: 0 };
  private readonly diagnostics: Diagnostic[] = [];
  private readonly tasks = new Map<number, Task>();
  private readonly allTasks: Task[] = [];
  private readonly live = new Set<Task>();
  private attachThreadsLeft = 0;
  private attachLeader: Task | undefined;
  private lastLine = 0;
  private sawBracket = false;
  private sawColumn = false;
  /** The timestamps of the file's lines (undefined until its first task line). */
  private tsMode: TsMode | undefined = undefined;
  private signals = 0;
  /** A call line a strace message cut, waiting for its continuation on the next line. */
  private open: { bytes: Buffer; body: number; task: Task; timeLine: number; us: number; line: number } | undefined = undefined;
  /** The line just read was kept open (its coverage is counted with its continuation). */
  private deferred = false;
  private readonly attachTargets: number[] = [];
  private hasDurations = false;
  private yStyle: 'y' | 'yy' | undefined;
  private tsSeen = false;
  private firstTimeLine = -1;
  private firstTimeUs = 0;
  private lastTimeLine = -1;
  private lastTimeUs = 0;
  private readonly syscalls: string[] = [];
  private readonly table: Array<Call | undefined> = new Array<Call | undefined>(TABLE_SIZE).fill(undefined);
  private calls = 0;
  private failedCalls = 0;
  private unfinishedCalls = 0;
  private exits = 0;
  private writeCalls = 0;
  private fileWriteCalls = 0;
  private readCalls = 0;
  private cloneChildren = 0;
  private syscallAggs: Call[] = [];
  private readonly pathTasks = new Map<Task, Paths>();
  private pathCount = 0;
  private folded = 0;
  private fdAggTasks: Task[] = [];
  private firstCallOut = false;
  private slot = new Slot();
  private spare = new Slot();
  private hasSlot = false;
  private counted = 0;
  private countedClock = '';
  /** Time objects handed out, by the line whose prefix gave them: records share them as the string reader's do. */
  private readonly times = new Map<number, RecordTime>();
  // scratch
  private facts = new CallFacts();
  private factsEntry: Entry | undefined;
  private readonly ret: ByteReturn = newByteReturn();
  private readonly args = new ByteArgs();
  private readonly ref: ByteFdRef = { fd: 0, annStart: -1, annEnd: -1, deleted: false, escaped: false, nested: false };
  private readonly ref2: ByteFdRef = { fd: 0, annStart: -1, annEnd: -1, deleted: false, escaped: false, nested: false };
  private viewPath: string | undefined;
  /** The annotation the view came from, whole (the path less a -yy device suffix is viewPath). */
  private viewAnnotation: string | undefined;
  private viewKind: Entry['kind'] | undefined;
  private viewSource: 'y-annotation' | 'fd-table' | undefined;
  private viewRelative = false;
  private viewReason: string | undefined;
  private viewEntry: Entry | undefined;
  /** The buffer the last line was read from (the kept call's text is copied out when it changes). */
  private scanBuf: Uint8Array | undefined;
  /** A tail segment's state (strace/segments.ts), undefined for a whole file or a head. */
  private readonly seg: FastSegment | undefined;
  /** The tail's last call, taken by absorbTail: emitted at the end instead of this reader's own. */
  private tailLast: { record: TimelineRecord; task: Task } | undefined = undefined;

  /**
   * @param summarized told how many call records were left out of the sink, per clock (as StraceReader.summarizeCallsTo)
   */
  constructor(
    private readonly file: string,
    private readonly emitRecord: (record: TimelineRecord) => void,
    private readonly summarized: (kind: string, clock: string, count: number) => void,
    private readonly maxPaths = MAX_PATH_AGGREGATES,
    /** Read the second half of a file: lines before beginTail() only warm the state up; exportTail() hands the rest to the head. */
    segment?: 'tail',
  ) {
    const m = /\.(\d{1,7})$/.exec(file);
    this.fileTid = m ? Number(m[1]) : undefined;
    if (segment === 'tail') this.seg = { sink: { fdMisses: [], cwdMisses: [], unsafe: undefined, warming: true }, category: new Map(), records: [], callRecords: 0, callClock: 'none', cut: undefined, flushOrder: [], warmLines: 0 };
  }

  /** The TID a file's name ends in (`trace.N` of -ff): its unprefixed lines are that task's. */
  private readonly fileTid: number | undefined;
  /** Lines without a prefix went to the file name's TID (strace.ts pidStyle 'file-name'). */
  private byFileName = false;

  /** Give the file up (the caller reads it again with the string reader). */
  private bail(why: string, lineNo: number): void {
    this.bailed ??= `line ${lineNo}: ${why}`;
  }

  /**
   * One line: buf[s, e), ASCII, without its newline or a CR. `buf` is the chunk it was cut from, so the
   * `strace: ` messages are searched once per buffer.
   */
  line(buf: Uint8Array, s: number, e: number, lineNo: number): void {
    if (this.bailed !== undefined) return;
    this.lastLine = lineNo;
    this.coverage.lines++;
    if (this.open !== undefined) return this.continueOpen(buf, s, e, lineNo);
    if (s === e) {
      this.coverage.skipped++;
      return;
    }
    const c0 = buf[s]!;
    if (c0 === SPACE) {
      for (let k = s; k < e; k++) {
        const c = buf[k]!;
        if (c !== SPACE && !(c >= 9 && c <= 13)) return this.bail('a line starting with a space', lineNo);
      }
      this.coverage.skipped++;
      return;
    }
    if (buf !== this.scanBuf) {
      this.detachSlot();
      this.scanBuf = buf;
    }
    if (c0 === 115 /* s */ && startsWithAt(buf, s, e, 'strace: ')) return this.message(buf, s, e, lineNo);
    let i = s;
    let tid = -1;
    let column = false;
    if (c0 === 91 /* [ */) {
      // `[pid ` (compared byte by byte: on every line of a -f trace).
      if (s + 5 > e || buf[s + 1] !== 112 || buf[s + 2] !== 105 || buf[s + 3] !== 100 || buf[s + 4] !== SPACE) return this.bail('a line starting with "[" that is not a [pid N] prefix', lineNo);
      i = s + 5;
      while (i < e && buf[i] === SPACE) i++;
      const d0 = i;
      tid = 0;
      while (i < e && isDigit(buf[i]!)) tid = tid * 10 + (buf[i++]! - 48);
      if (i === d0 || buf[i] !== 93 /* ] */) return this.bail('a line starting with "[" that is not a [pid N] prefix', lineNo);
      i++;
      while (i < e && buf[i] === SPACE) i++;
    } else if (isDigit(c0)) {
      // A TID column (`strace -f -o FILE`): up to 7 digits and a space (lexer.ts readPrefixInto). Two
      // digits and a colon, or ten and a dot, are a timestamp without a prefix.
      let k = s;
      let v = 0;
      while (k < e && isDigit(buf[k]!)) v = v * 10 + (buf[k++]! - 48);
      if (k - s <= 7 && buf[k] === SPACE) {
        tid = v;
        column = true;
        i = k;
        while (i < e && buf[i] === SPACE) i++;
      } else if (!((k - s === 2 && buf[k] === 58) || (k - s === 10 && buf[k] === 46))) return this.bail('a line without a [pid N] prefix, a TID column or a timestamp', lineNo);
    } else if (!isBodyStart(c0)) return this.bail('a line that is not a call, a resumed half or an exit', lineNo);
    // -t, -tt or -ttt, or no timestamp at all: one of them for the whole file.
    let b = i;
    let us = 0;
    let kind: TsMode = 'none';
    if (i < e && isDigit(buf[i]!)) {
      b = readTimestamp(buf, i, e);
      if (b < 0) return this.bail('a timestamp this reader leaves to the string reader (-r, or not six digits of microseconds)', lineNo);
      us = stamp.us;
      kind = stamp.kind;
    }
    if (kind !== (this.tsMode ??= kind)) return this.bail(`a line with ${kind === 'none' ? 'no timestamp' : `a -${kind} timestamp`} after lines with ${this.tsMode === 'none' ? 'none' : `-${this.tsMode}`}`, lineNo);
    const timed = kind !== 'none';
    const c = buf[b];
    if (c === undefined || b >= e) return this.bail('a line without a body', lineNo);
    // A signal after a prefix or a timestamp (a line starting with `-` is the string reader's: a -c table rule).
    if (!isBodyStart(c) && !(c === 45 && b > s)) return this.bail('not a call, a resumed half, a signal or an exit', lineNo);
    const task = tid >= 0 ? this.taskFor(tid, lineNo, column) : this.unprefixedTask();
    if (task === undefined) return this.bail('a line without a [pid N] prefix while it is not clear which task it is', lineNo);
    // The time of the line (-1: none), as the line that printed it.
    const timeLine = timed ? lineNo : -1;
    if (timed) {
      this.tsSeen = true;
      if (this.firstTimeLine < 0) {
        this.firstTimeLine = lineNo;
        this.firstTimeUs = us;
      }
      this.lastTimeLine = lineNo;
      this.lastTimeUs = us;
    }
    setLineEnd(e);
    if (c === 60) {
      if (!startsWithAt(buf, b, e, '<... ')) return this.bail('a line starting with "<" that is not "<... NAME resumed>"', lineNo);
      this.resumed(buf, b, e, task, lineNo, timeLine, us);
    } else if (c === 43) this.exit(buf, b, e, task, lineNo, timeLine, us);
    else if (c === 45) this.signal(buf, s, b, e, task, lineNo, timeLine, us);
    else this.callBody(buf, s, b, e, task, lineNo, timeLine, us);
    if (this.deferred) this.deferred = false; // counted with its continuation
    else if (this.bailed === undefined) this.coverage.data++;
  }

  /**
   * The line after a call line a strace message cut (strace.ts line(), `this.open`): its continuation
   * (` <unfinished ...>`, `) = 0`, …) is read as the rest of that call, at the cut line's number and time.
   */
  private continueOpen(buf: Uint8Array, s: number, e: number, lineNo: number): void {
    const open = this.open!;
    this.open = undefined;
    if (!isContinuationBytes(buf, s, e)) return this.bail('a call line cut by a strace message is not continued on the next line', lineNo);
    if (buf !== this.scanBuf) {
      this.detachSlot();
      this.scanBuf = buf;
    }
    const joined = Buffer.concat([open.bytes, buf.subarray(s, e)]);
    setLineEnd(joined.length);
    this.callBody(joined, 0, open.body, joined.length, open.task, open.line, open.timeLine, open.us);
    if (this.deferred) return this.bail('a call line cut twice', lineNo);
    // The cut line and its continuation are both data (the string reader settles the first when the second comes).
    if (this.bailed === undefined) this.coverage.data += 2;
  }

  /**
   * A call line without its end: one a `strace: ` message cut (`clone3({...}strace: Process N attached`,
   * continued on the next line) is kept open, and the message read; any other gives the file up.
   */
  private cutByMessage(buf: Uint8Array, s: number, b: number, ne: number, e: number, call: Call, task: Task, lineNo: number, timeLine: number, us: number): void {
    const at = splicedMessageAtBytes(buf, s, e);
    if (at <= s) return this.bail('a call line without its end', lineNo);
    let headEnd = at;
    while (headEnd > ne && buf[headEnd - 1] === SPACE) headEnd--;
    if (buf[headEnd - 1] === 62 && buf[headEnd - 2] === 46) return this.bail('a call half cut by a strace message', lineNo);
    if (findArgsEndBytes(buf, s, ne + 1, at) >= 0 || argScan.odd || argScan.spliced) return this.bail('a call line cut by a strace message after its end', lineNo);
    this.open = { bytes: copyOf(buf, s, at), body: b - s, task, timeLine, us, line: lineNo };
    if (call.info.clone) task.cloneArgs = ascii(buf, ne + 1, at);
    this.deferred = true;
    this.message(buf, at, e, lineNo, false);
  }

  private callBody(buf: Uint8Array, s: number, b: number, e: number, task: Task, lineNo: number, timeLine: number, us: number): void {
    const ne = nameEndBytes(buf, b, e);
    if (ne === b || buf[ne] !== 40) return this.bail('not a syscall name followed by "("', lineNo);
    const call = this.callEntry(buf, b, ne);
    let end = e;
    while (end > s && buf[end - 1] === SPACE) end--;
    if (buf[end - 1] === 62 && buf[end - 2] === 46) {
      if (end - 16 >= ne + 1 && startsWithAt(buf, end - 16, end, '<unfinished ...>')) {
        let argsEnd = end - 16;
        if (argsEnd > ne + 1 && buf[argsEnd - 1] === SPACE) argsEnd--;
        scanArgsBytes(buf, s, ne + 1, argsEnd);
        if (argScan.spliced || argScan.odd) return this.bail('a strace message or an odd annotation in the arguments', lineNo);
        const yMark = argScan.yMark;
        this.flushPending(task, 'a new call began on this task before the previous one resumed');
        const args = copyOf(buf, ne + 1, argsEnd);
        task.pending = { call, args, yMark, timeLine, timeUs: us, line: lineNo };
        if (call.info.clone) task.cloneArgs = ascii(args, 0, args.length);
        return;
      }
      if (end - 14 >= ne + 1 && startsWithAt(buf, end - 14, end, '<detached ...>')) {
        // strace.ts callBody(): a call strace let go of (it detached): a record that never completed.
        let argsEnd = end - 14;
        if (argsEnd > ne + 1 && buf[argsEnd - 1] === SPACE) argsEnd--;
        scanArgsBytes(buf, s, ne + 1, argsEnd);
        if (argScan.spliced || argScan.odd) return this.bail('a strace message or an odd annotation in the arguments', lineNo);
        this.emitCall(task, call, buf, s, ne + 1, argsEnd, argsEnd, false, argScan.yMark, timeLine, us, lineNo, 'detached', 0);
        return;
      }
      const changed = end - 5 > ne + 1 && startsWithAt(buf, end - 5, end, ' ...>') ? pidChangedAt(buf, ne + 1, end) : -1;
      if (changed >= 0) {
        // strace.ts callBody(): a thread's execve seen from the thread (`<pid changed to N ...>`): it
        // never completes here; the leader's line says `superseded`, the resumed half comes as the leader.
        let argsEnd = changed;
        if (argsEnd > ne + 1 && buf[argsEnd - 1] === SPACE) argsEnd--;
        scanArgsBytes(buf, s, ne + 1, argsEnd);
        if (argScan.spliced || argScan.odd) return this.bail('a strace message or an odd annotation in the arguments', lineNo);
        this.emitCall(task, call, buf, s, ne + 1, argsEnd, argsEnd, false, argScan.yMark, timeLine, us, lineNo, `pid changed to ${pidChanged}`, 0);
        return;
      }
      if (startsWithAt(buf, end - 5, end, ' ...>')) return this.bail('a call half this reader leaves to the string reader', lineNo);
    }
    const close = findArgsEndBytes(buf, s, ne + 1, e);
    if (close < 0) return this.cutByMessage(buf, s, b, ne, e, call, task, lineNo, timeLine, us);
    if (argScan.spliced || argScan.odd || hasMessage(buf, s, close, e)) return this.bail('a strace message or an odd annotation in the line', lineNo);
    const yMark = argScan.yMark;
    const r = readReturnBytes(buf, close, e, this.ret);
    if (r !== 1) return this.bail(r === 0 ? 'an unreadable return value' : 'a return value this reader leaves to the string reader', lineNo);
    this.emitCall(task, call, buf, s, ne + 1, close, e, true, yMark, timeLine, us, lineNo, undefined, 0);
  }

  private resumed(buf: Uint8Array, b: number, e: number, task: Task, lineNo: number, lineTime: number, us: number): void {
    const nameStart = b + 5;
    let close = -1;
    for (let k = nameStart; k + 9 <= e; k++) {
      if (buf[k] === SPACE) {
        if (startsWithAt(buf, k, e, ' resumed>')) close = k;
        break;
      }
    }
    if (close < 0 || nameEndBytes(buf, nameStart, close) !== close) return this.bail('not "<... NAME resumed>"', lineNo);
    const call = this.callEntry(buf, nameStart, close);
    const restStart = close + 9;
    const pending = task.pending;
    const matched = pending !== undefined && pending.call === call;
    if (pending && !matched) this.flushPending(task, `its resumed half is missing (a "${call.info.name}" resumed instead)`);
    if (this.bailed !== undefined) return;
    task.pending = undefined;
    let src: Uint8Array = buf;
    let lo = restStart;
    let end = e;
    if (matched) {
      const joined = Buffer.allocUnsafe(pending.args.length + e - restStart);
      joined.set(pending.args, 0);
      joined.set(buf.subarray(restStart, e), pending.args.length);
      src = joined;
      lo = 0;
      end = joined.length;
    }
    // The flushed call above read its own text: the literals of this one run to its end.
    setLineEnd(end);
    const timeLine = matched ? pending.timeLine : lineTime;
    const timeUs = matched ? pending.timeUs : us;
    const startLine = matched ? pending.line : lineNo;
    let trimmed = end;
    while (trimmed > lo && src[trimmed - 1] === SPACE) trimmed--;
    if (src[trimmed - 1] === 62 && src[trimmed - 2] === 46) {
      // Resumed and unfinished (or detached, or its pid changed) again: it keeps waiting (strace.ts resumed()).
      const marker = trimmed - 16 >= lo && startsWithAt(src, trimmed - 16, trimmed, '<unfinished ...>') ? trimmed - 16 : trimmed - 14 >= lo && startsWithAt(src, trimmed - 14, trimmed, '<detached ...>') ? trimmed - 14 : trimmed - 5 > lo && startsWithAt(src, trimmed - 5, trimmed, ' ...>') ? pidChangedAt(src, lo, trimmed) : -1;
      if (marker >= 0) {
        let argsEnd = marker;
        if (argsEnd > lo && src[argsEnd - 1] === SPACE) argsEnd--;
        scanArgsBytes(src, lo, lo, argsEnd);
        if (argScan.spliced || argScan.odd) return this.bail('a strace message or an odd annotation in the arguments', lineNo);
        task.pending = { call, args: copyOf(src, lo, argsEnd), yMark: argScan.yMark, timeLine, timeUs, line: startLine };
        return;
      }
      if (startsWithAt(src, trimmed - 5, trimmed, ' ...>')) return this.bail('a call half this reader leaves to the string reader', lineNo);
    }
    const argsEnd = findArgsEndBytes(src, lo, lo, end);
    if (argsEnd < 0) return this.bail('a resumed call without ") = RET"', lineNo);
    if (argScan.spliced || argScan.odd || hasMessage(src, lo, argsEnd, end)) return this.bail('a strace message or an odd annotation in the line', lineNo);
    const yMark = argScan.yMark;
    const r = readReturnBytes(src, argsEnd, end, this.ret);
    if (r !== 1) return this.bail(r === 0 ? 'an unreadable return value' : 'a return value this reader leaves to the string reader', lineNo);
    this.emitCall(task, call, src, lo, lo, argsEnd, end, true, yMark, timeLine, timeUs, startLine, undefined, matched ? lineNo : -1);
  }

  /** strace.ts signal(): `--- SIGNAME {siginfo} ---` or `--- stopped by SIG ---`. */
  private signal(buf: Uint8Array, s: number, b: number, e: number, task: Task, lineNo: number, timeLine: number, us: number): void {
    let end = e;
    while (end > b && buf[end - 1] === SPACE) end--;
    if (!startsWithAt(buf, b, e, '--- ') || end - b < 8 || !startsWithAt(buf, end - 4, end, ' ---') || hasMessage(buf, s, b, e)) return this.bail('not "--- SIGNAL {...} ---"', lineNo);
    const bs = b + 4;
    const be = end - 4;
    let sigEnd: number;
    let stopped = false;
    if (startsWithAt(buf, bs, be, 'stopped by ')) {
      stopped = true;
      sigEnd = be;
    } else {
      sigEnd = bs;
      while (sigEnd < be && buf[sigEnd] !== SPACE) sigEnd++;
    }
    const sigStart = stopped ? bs + 11 : bs;
    if (!isSignalName(buf, sigStart, sigEnd)) return this.bail('not a signal name', lineNo);
    const record = this.base('strace.signal', lineNo, timeLine, us);
    record.signal = ascii(buf, sigStart, sigEnd);
    if (stopped) record.stopped = true;
    else if (sigEnd < be) record.info = ascii(buf, sigEnd + 1, be);
    this.signals++;
    this.finish(record, task);
  }

  private exit(buf: Uint8Array, b: number, e: number, task: Task, lineNo: number, timeLine: number, us: number): void {
    let end = e;
    while (end > b && buf[end - 1] === SPACE) end--;
    if (!startsWithAt(buf, b, e, '+++ ') || end - b < 8 || !startsWithAt(buf, end - 4, end, ' +++') || hasMessage(buf, b, b, e)) return this.bail('not "+++ ... +++"', lineNo);
    const bs = b + 4;
    const be = end - 4;
    const record = this.base('strace.exit', lineNo, timeLine, us);
    let how: string;
    if (startsWithAt(buf, bs, be, 'exited with ')) {
      let v = 0;
      let k = bs + 12;
      if (k >= be) return this.bail('an exit code that is not a number', lineNo);
      for (; k < be; k++) {
        const c = buf[k]!;
        if (!isDigit(c)) return this.bail('an exit code this reader leaves to the string reader', lineNo);
        v = v * 10 + c - 48;
      }
      record.how = how = 'exited';
      record.exit_code = v;
    } else if (startsWithAt(buf, bs, be, 'killed by ')) {
      let sigEnd = be;
      if (be - 14 > bs + 10 && startsWithAt(buf, be - 14, be, ' (core dumped)')) {
        sigEnd = be - 14;
        record.core_dumped = true;
      }
      record.how = how = 'killed';
      record.signal = ascii(buf, bs + 10, sigEnd);
    } else if (startsWithAt(buf, bs, be, 'superseded by execve in pid ')) {
      // strace.ts exit(): a thread's execve; it takes the leader's TID, and its pending execve resumes there.
      let by = 0;
      let k = bs + 28;
      if (k >= be || be - k > 15) return this.bail('a pid this reader leaves to the string reader', lineNo);
      for (; k < be; k++) {
        const c = buf[k]!;
        if (!isDigit(c)) return this.bail('a pid this reader leaves to the string reader', lineNo);
        by = by * 10 + c - 48;
      }
      record.how = 'superseded';
      record.superseded_by = by;
      // Which task's call in flight moves depends on tasks a tail may not know.
      if (this.seg) this.seg.sink.unsafe ??= `line ${lineNo}: a thread's execve (superseded) in a tail segment`;
      const thread = this.tasks.get(by);
      if (thread && thread !== task) {
        if (thread.pending) task.pending = thread.pending;
        thread.pending = undefined;
        thread.alive = false;
        this.live.delete(thread);
      }
      this.exits++;
      this.finish(record, task);
      return;
    } else return this.bail('a task end this reader leaves to the string reader', lineNo);
    this.exits++;
    this.flushPending(task, `the task ${how === 'killed' ? 'was killed' : 'exited'} during the call`);
    task.alive = false;
    this.live.delete(task);
    this.releaseTables(task);
    this.finish(record, task);
  }

  private message(buf: Uint8Array, s: number, e: number, lineNo: number, counted = true): void {
    // /^strace: Process (\d+) (attached|detached)(?: with (\d+) threads)?/
    let i = s + 8;
    if (!startsWithAt(buf, i, e, 'Process ')) return this.bail('a strace message this reader leaves to the string reader', lineNo);
    i += 8;
    const d0 = i;
    let tid = 0;
    while (i < e && isDigit(buf[i]!)) tid = tid * 10 + buf[i++]! - 48;
    if (i === d0 || i - d0 > 15 || buf[i] !== SPACE) return this.bail('a strace message this reader leaves to the string reader', lineNo);
    i++;
    let action: 'attached' | 'detached';
    if (startsWithAt(buf, i, e, 'attached')) action = 'attached';
    else if (startsWithAt(buf, i, e, 'detached')) action = 'detached';
    else return this.bail('a strace message this reader leaves to the string reader', lineNo);
    i += 8;
    let threads: number | undefined;
    if (startsWithAt(buf, i, e, ' with ')) {
      let k = i + 6;
      const t0 = k;
      let n = 0;
      while (k < e && isDigit(buf[k]!)) n = n * 10 + buf[k++]! - 48;
      if (k > t0 && k - t0 <= 15 && startsWithAt(buf, k, e, ' threads')) threads = n;
    }
    if (counted) this.coverage.data++;
    const record = this.base('strace.attach', lineNo, -1, 0);
    record.action = action;
    if (threads !== undefined) record.threads = threads;
    let task = this.tasks.get(tid);
    if (action === 'attached') {
      const parent = task ? undefined : this.cloneInFlight();
      if (!task && parent) {
        task = this.createTask(tid, 'clone');
        this.linkChild(parent, task, parent.pending?.call.info.name ?? 'clone', parent.cloneArgs ?? '');
        this.cloneChildren++;
        record.follows_clone_of = parent.tid;
        this.noteCreated(task);
      } else if (!task) {
        task = this.createTask(tid, 'attach');
        this.noteCreated(task);
        task.pid = tid;
        this.attachTargets.push(tid);
        record.target = true;
        if (threads !== undefined) {
          this.attachThreadsLeft += threads - 1;
          this.attachLeader = task;
        }
      }
    } else if (task) {
      task.alive = false;
      this.live.delete(task);
    }
    if (task) this.finish(record, task);
    else if (this.seg) {
      // A tail that does not know the TID leaves it to the head, which may.
      if (!this.seg.sink.warming) this.hold(record, undefined, tid);
    } else {
      record.tid = tid;
      this.emitRecord(record);
    }
  }

  // ---- tasks ---------------------------------------------------------------------------------------

  private createTask(tid: number, origin: Origin): Task {
    const task: Task = { tid, pid: undefined, threadOf: undefined, files: new Map(), fs: {}, alive: true, origin, linked: false, pending: undefined, cloneArgs: undefined, maybeLeader: false, leader: false, calls: 0, paths: undefined, agg: undefined, fdAggs: undefined };
    this.tasks.set(tid, task);
    this.allTasks.push(task);
    this.live.add(task);
    return task;
  }

  private taskFor(tid: number, lineNo: number, column: boolean): Task {
    if (column) this.sawColumn = true;
    else this.sawBracket = true;
    const known = this.tasks.get(tid);
    if (known) {
      // A TID reused after its task exited: its table was released or kept depending on tasks alive at the cut.
      if (this.seg && !known.alive) this.seg.sink.unsafe ??= `line ${lineNo}: TID ${tid} reused after it exited`;
      return known;
    }
    if (this.seg) return this.segmentTask(tid, lineNo);
    const parent = this.cloneInFlight();
    if (parent) {
      const child = this.createTask(tid, 'clone');
      this.linkChild(parent, child, parent.pending?.call.info.name ?? 'clone', parent.cloneArgs ?? '');
      this.cloneChildren++;
      return child;
    }
    if (this.attachThreadsLeft > 0 && this.attachLeader) {
      this.attachThreadsLeft--;
      const thread = this.createTask(tid, 'attach-thread');
      thread.threadOf = this.attachLeader;
      thread.files = this.attachLeader.files;
      thread.fs = this.attachLeader.fs;
      return thread;
    }
    const task = this.createTask(tid, this.allTasks.length === 0 ? 'first' : 'unknown');
    task.maybeLeader = task.origin === 'first';
    return task;
  }

  /**
   * The task of a line without a prefix (strace.ts taskFor): in a -ff file, the TID its name ends in
   * (while no line had a prefix and no attach was seen); otherwise the one task alive. The other cases
   * (the first task of a command strace started, several tasks) are the string reader's.
   */
  private unprefixedTask(): Task | undefined {
    // Which task an unprefixed line is depends on the tasks before the cut: a tail gives the file up (the head reads it).
    if (this.seg) return undefined;
    if (this.fileTid !== undefined) {
      if (this.sawBracket || this.sawColumn || this.attachTargets.length > 0) return undefined;
      this.byFileName = true;
      return this.tasks.get(this.fileTid) ?? this.createTask(this.fileTid, 'file-name');
    }
    if (this.live.size !== 1) return undefined;
    for (const t of this.live) return t;
    return undefined;
  }

  private cloneInFlight(): Task | undefined {
    let found: Task | undefined;
    for (const t of this.live) if (t.cloneArgs !== undefined) found = t;
    return found;
  }

  private linkChild(parent: Task, child: Task, name: string, args: string): void {
    if (child.linked) return;
    child.linked = true;
    child.origin = 'clone';
    const flags = name === 'clone' || name === 'clone3' ? cloneFlags(args) : '';
    if (flags.includes('CLONE_THREAD')) child.threadOf = parent;
    else child.pid = child.tid;
    child.files = flags.includes('CLONE_FILES') ? parent.files : copyTable(parent.files);
    child.fs = flags.includes('CLONE_FS') ? parent.fs : { ...parent.fs };
  }

  private releaseTables(task: Task): void {
    if (this.live.size > 4096) return;
    // A tail does not know which tasks alive at the cut share the table: it keeps it.
    if (this.seg && isTracked(task)) return;
    let filesShared = false;
    let fsShared = false;
    for (const t of this.live) {
      if (t.files === task.files) filesShared = true;
      if (t.fs === task.fs) fsShared = true;
      if (filesShared && fsShared) return;
    }
    if (!filesShared) task.files = new Map();
    if (!fsShared) task.fs = {};
  }

  private callEntry(buf: Uint8Array, start: number, end: number): Call {
    let h = 0;
    for (let k = start; k < end; k++) h = (Math.imul(h, 31) + buf[k]!) | 0;
    const bucket = h & (TABLE_SIZE - 1);
    outer: for (let c = this.table[bucket]; c !== undefined; c = c.next) {
      const n = c.bytes;
      if (n.length !== end - start) continue;
      for (let k = 0; k < n.length; k++) if (n[k] !== buf[start + k]) continue outer;
      return c;
    }
    const name = ascii(buf, start, end);
    const info = syscallInfo(name);
    const call: Call = { info, bytes: Buffer.from(name, 'latin1'), agg: undefined, seen: false, next: this.table[bucket] };
    this.table[bucket] = call;
    return call;
  }

  // ---- calls ---------------------------------------------------------------------------------------

  private flushPending(task: Task, why: string): void {
    const p = task.pending;
    if (!p) return;
    task.pending = undefined;
    setLineEnd(p.args.length);
    this.emitCall(task, p.call, p.args, 0, 0, p.args.length, p.args.length, false, p.yMark, p.timeLine, p.timeUs, p.line, why, 0);
  }

  /**
   * One call, as StraceReader.emitCall: `src[lo, textEnd)` is the text the string reader would see, the
   * arguments are src[argsStart, argsEnd) and, when `returned`, this.ret holds the return part.
   */
  private emitCall(task: Task, call: Call, src: Uint8Array, lo: number, argsStart: number, argsEnd: number, textEnd: number, returned: boolean, yMark: number, timeLine: number, timeUs: number, line: number, unfinishedNote: string | undefined, resumedLine: number): void {
    const info = call.info;
    const ret = this.ret;
    if (returned && ret.durationS !== undefined) this.hasDurations = true;
    if (unfinishedNote !== undefined) this.unfinishedCalls++;
    task.calls++;
    this.calls++;
    if (!call.seen) {
      call.seen = true;
      this.syscalls.push(info.name);
    }
    const hasErrno = returned && ret.errnoStart >= 0;
    const failed = returned && (hasErrno || (ret.ret !== undefined && ret.ret < 0));
    if (failed) this.failedCalls++;
    const hasRetAnn = returned && ret.annStart >= 0;
    if (this.yStyle !== 'yy' && (hasRetAnn || yMark >= 0)) {
      // strace.ts noteYStyle(): the returned annotation's own `<…>` (a -yy device) counts too.
      if (hasRetAnn && ret.annNested) {
        if (ret.annEscaped) return this.bail('an escaped -yy annotation this reader leaves to the string reader', line);
        yMark = Math.max(yMark, annotationYMark(src, ret.annStart, ret.annEnd));
      }
      if (yMark === 2) this.yStyle = 'yy';
      else if (yMark === 1 || hasRetAnn) this.yStyle ??= 'y';
    }
    const args = this.args;
    args.reset(src, lo, argsStart, argsEnd);
    this.attribute(task, info, returned, line);
    if (this.bailed !== undefined) return;
    if (returned) {
      const child = this.applyEffects(task, info, src, argsStart, argsEnd, line);
      if (this.bailed !== undefined) return;
      if (child !== undefined) this.cloneReturned(task, info.name, ascii(src, argsStart, argsEnd), child);
      if (task.maybeLeader && info.name === 'execve' && ret.ret === 0) task.leader = true;
    }
    if (info.clone) task.cloneArgs = undefined;
    task.maybeLeader = false;
    this.countIo(info);
    this.aggregate(task, call, src, argsStart, argsEnd, returned, timeLine, timeUs, line);
    const facts = this.facts;
    if ((info.read || info.write) && facts.path === undefined && facts.fd !== undefined) this.aggregateFd(task, info, facts.fd, returned, timeLine, timeUs, line);
    this.keep(task, call, src, argsStart, argsEnd, textEnd, returned, timeLine, timeUs, line, unfinishedNote, resumedLine);
  }

  /** tracker.ts attribute(): what the call's fd and path arguments designate, into this.facts. */
  private attribute(task: Task, info: SyscallInfo, returned: boolean, lineNo: number): void {
    const facts = this.facts;
    facts.reset();
    this.factsEntry = undefined;
    const shape = info.shape;
    if (!shape) return;
    const args = this.args;
    let hasFd = false;
    if (shape.fd !== undefined) {
      const ref = this.fdRef(shape.fd, this.ref, lineNo);
      if (ref && ref.fd >= 0) {
        facts.fd = ref.fd;
        hasFd = true;
        this.fdView(task, ref);
        facts.fdPath = this.viewSource === 'y-annotation' ? this.viewAnnotation : undefined;
        facts.fdDeleted = ref.deleted;
        const kind = this.viewKind;
        if (kind !== undefined && kind !== 'unknown') facts.fdKind = kind;
        if (this.viewPath !== undefined) {
          facts.path = this.viewPath;
          facts.pathSource = this.viewSource;
          this.factsEntry = this.viewEntry;
          if (this.viewRelative) facts.pathRelative = true;
        } else if (this.viewReason) facts.pathUnknownReason = this.viewReason;
      }
    }
    if (this.bailed !== undefined) return;
    if (shape.fd2 !== undefined) {
      const ref = this.fdRef(shape.fd2, this.ref2, lineNo);
      if (this.bailed !== undefined) return;
      if (ref && ref.fd >= 0) {
        facts.fd2 = ref.fd;
        this.fdView(task, ref);
        if (this.viewPath !== undefined) facts.path2 = this.viewPath;
      }
    }
    if (shape.path !== undefined) {
      const resolved = this.resolveArg(task, shape.path, shape.dirfd, lineNo);
      if (this.bailed !== undefined) return;
      if (resolved !== undefined) {
        facts.path = resolved;
        facts.pathSource = 'argument';
        this.factsEntry = undefined;
        if (this.resolvedRelative) facts.pathRelative = true;
        facts.pathUnknownReason = undefined;
      }
      if (shape.dirfd !== undefined && !hasFd) {
        const ref = this.fdRef(shape.dirfd, this.ref2, lineNo);
        if (ref && ref.fd >= 0) {
          facts.fd = ref.fd;
          facts.fdIsDirfd = true;
          facts.fdPath = ref.annStart < 0 ? undefined : this.annotationString(task, ref);
        }
      }
    }
    if (shape.path2 !== undefined) {
      const resolved = this.resolveArg(task, shape.path2, shape.dirfd2, lineNo);
      if (this.bailed !== undefined) return;
      if (resolved !== undefined) facts.path2 = resolved;
    }
    const ret = this.ret;
    if (returned && ret.ret !== undefined && ret.ret >= 0 && ret.errnoStart < 0 && (shape.io !== undefined || shape.copy !== undefined)) facts.bytes = ret.ret;
    void args;
  }

  /** Argument i as an fd reference (ArgList.fdRef), or undefined. */
  private fdRef(i: number, out: ByteFdRef, lineNo: number): ByteFdRef | undefined {
    const r = this.args.fdRef(i, out);
    if (r < 0) {
      this.bail('an fd annotation this reader leaves to the string reader', lineNo);
      return undefined;
    }
    return r === 1 ? out : undefined;
  }

  /** The annotation of `ref` as a string: the fd entry's when it has the same text (no new string). */
  private annotationString(task: Task, ref: ByteFdRef): string {
    const buf = this.args.buf;
    const known = task.files.get(ref.fd);
    if (known !== undefined && this.annIs(buf, ref.annStart, ref.annEnd, ref.escaped, known.path)) return known.path!;
    return this.annText(buf, ref.annStart, ref.annEnd, ref.escaped);
  }

  /**
   * The annotation buf[s, e) as the string reader has it: its bytes, or decodeAnnotationText of them when
   * it holds escapes. An escaped one that decodes to a ` (deleted)` inside gives the file up.
   */
  private annText(buf: Uint8Array, s: number, e: number, escaped: boolean): string {
    if (!escaped) return ascii(buf, s, e);
    const text = decodeAnnotationText(ascii(buf, s, e));
    if (text.endsWith(' (deleted)')) this.bail('an escaped annotation this reader leaves to the string reader', this.lastLine);
    return text;
  }

  /** Whether the annotation buf[s, e) reads as `text` (compared in place when it has no escape). */
  private annIs(buf: Uint8Array, s: number, e: number, escaped: boolean, text: string | undefined): boolean {
    if (!escaped) return sameText(buf, s, e, text);
    return text !== undefined && this.annText(buf, s, e, true) === text;
  }

  /** values.ts annotationKind of the annotation buf[s, e). */
  private annKind(buf: Uint8Array, s: number, e: number, escaped: boolean): FdKind {
    return escaped ? annotationKind(this.annText(buf, s, e, true)) : annotationKindBytes(buf, s, e);
  }

  /** tracker.ts fdView(). */
  private fdView(task: Task, ref: ByteFdRef): void {
    this.viewPath = undefined;
    this.viewKind = undefined;
    this.viewSource = undefined;
    this.viewRelative = false;
    this.viewReason = undefined;
    this.viewEntry = undefined;
    const buf = this.args.buf;
    const fd = ref.fd;
    if (ref.annStart >= 0) {
      const kind = this.annKind(buf, ref.annStart, ref.annEnd, ref.escaped);
      const known = task.files.get(fd);
      let e: Entry;
      if (ref.nested) {
        // tracker.ts fdView(): a -yy device suffix is not part of the path (`/dev/null<char 1:3>`).
        const text = this.annText(buf, ref.annStart, ref.annEnd, ref.escaped);
        const path = kind === 'file' ? annotationPath(text) : text;
        if (known !== undefined && known.path === path) e = known;
        else this.learnFd(task, fd, (e = entry(path, undefined, kind, known?.cloexec ?? false)), known);
        this.viewAnnotation = path === text ? e.path : text;
      } else {
        if (known !== undefined && this.annIs(buf, ref.annStart, ref.annEnd, ref.escaped, known.path)) e = known;
        else {
          e = entry(this.annText(buf, ref.annStart, ref.annEnd, ref.escaped), undefined, kind, known?.cloexec ?? false);
          this.learnFd(task, fd, e, known);
        }
        this.viewAnnotation = e.path;
      }
      this.viewPath = e.path;
      this.viewEntry = e;
      this.viewKind = kind;
      this.viewSource = 'y-annotation';
      return;
    }
    const e = lookup(task.files, fd);
    if (e === undefined) noteMiss(task, task.files, fd);
    if (e?.path !== undefined) {
      this.viewPath = e.path;
      this.viewEntry = e;
      this.viewKind = e.kind;
      this.viewSource = 'fd-table';
      this.viewRelative = e.relative === true;
    } else {
      if (e && e.kind !== 'unknown') this.viewKind = e.kind;
      this.viewReason = unknownFdReason(fd, e);
    }
  }

  private resolvedRelative = false;

  /** tracker.ts resolveArg(): the path argument, resolved against its dirfd or the cwd. */
  private resolveArg(task: Task, pathIndex: number, dirfdIndex: number | undefined, lineNo: number): string | undefined {
    this.resolvedRelative = false;
    const args = this.args;
    if (!args.bounds(pathIndex)) return undefined;
    const buf = args.buf;
    const s = args.itemStart;
    const e = args.itemEnd;
    if (buf[s] !== 34) return undefined;
    let p: string | undefined;
    let q = s + 1;
    while (q < e && buf[q] !== 34 && buf[q] !== 92) q++;
    if (q < e && buf[q] === 34) p = ascii(buf, s + 1, q);
    else p = decodeCString(ascii(buf, s, e))?.text;
    if (p === undefined) return undefined;
    if (p.charCodeAt(0) === 47) return p;
    let dir: string | undefined;
    if (dirfdIndex !== undefined) {
      const ref = this.fdRef(dirfdIndex, this.ref2, lineNo);
      if (this.bailed !== undefined) return undefined;
      if (ref) {
        if (ref.fd === AT_FDCWD) {
          if (ref.annStart >= 0 && !this.annIs(buf, ref.annStart, ref.annEnd, ref.escaped, task.fs.cwd)) task.fs.cwd = this.annText(buf, ref.annStart, ref.annEnd, ref.escaped);
          dir = cwdOf(task);
        } else {
          this.fdView(task, ref);
          dir = this.viewPath;
        }
      }
    } else dir = cwdOf(task);
    if (dir === undefined || dir.charCodeAt(0) !== 47) {
      this.resolvedRelative = true;
      return p;
    }
    return p === '' ? dir : resolvePath(dir, p);
  }

  /** tracker.ts applyEffects() for the calls this reader follows. Returns the child TID of a clone. */
  private applyEffects(task: Task, info: SyscallInfo, src: Uint8Array, argsStart: number, argsEnd: number, lineNo: number): number | undefined {
    const effect = info.effect;
    if (effect === 'none') return undefined;
    const ret = this.ret;
    const files = task.files;
    if (effect === 'close') {
      const ref = this.fdRef(0, this.ref2, lineNo);
      const ebadf = ret.errnoStart >= 0 && ret.errnoEnd - ret.errnoStart === 5 && startsWithAt(src, ret.errnoStart, ret.errnoEnd, 'EBADF');
      if (ref && !ebadf) files.delete(ref.fd);
      return undefined;
    }
    const ok = ret.errnoStart < 0 && ret.ret !== undefined && ret.ret >= 0;
    if (!ok) return undefined;
    const r = ret.ret!;
    switch (effect) {
      case 'open': {
        const facts = this.facts;
        let path = facts.path;
        let kind: Entry['kind'] = 'file';
        const fromRet = ret.annStart >= 0;
        if (fromRet) {
          kind = this.annKind(src, ret.annStart, ret.annEnd, ret.annEscaped);
          if (ret.annNested) path = annotationPath(this.annText(src, ret.annStart, ret.annEnd, ret.annEscaped));
          else if (!this.annIs(src, ret.annStart, ret.annEnd, ret.annEscaped, path)) path = this.annText(src, ret.annStart, ret.annEnd, ret.annEscaped);
        }
        const args = this.args;
        const flagsAt = info.name === 'open' || info.name === 'creat' ? 1 : 2;
        const cloexec = args.bounds(flagsAt) && includesBytes(src, args.itemStart, args.itemEnd, 'O_CLOEXEC');
        const relative = !fromRet && facts.pathRelative ? true : undefined;
        // Before a tail's cut, a relative path may be relative only for want of the cut's cwd or dirfd.
        if (relative && files instanceof TrackedTable && files.track.sink.warming) {
          forgetFd(files, r);
          return undefined;
        }
        files.set(r, entry(path, relative, kind, cloexec));
        return undefined;
      }
      case 'dup': {
        const old = this.fdRef(0, this.ref2, lineNo);
        if (!old || old.fd === r) return undefined;
        const args = this.args;
        this.setCopy(task, old, r, info.name === 'dup3' && args.bounds(2) && includesBytes(src, args.itemStart, args.itemEnd, 'O_CLOEXEC'), src);
        return undefined;
      }
      case 'fcntl': {
        // tracker.ts: the command is argument 1 as printed; F_DUPFD copies the fd, F_SETFD sets its close-on-exec.
        const args = this.args;
        const hasCmd = args.bounds(1);
        const cs = args.itemStart;
        const ce = args.itemEnd;
        const ref = this.fdRef(0, this.ref2, lineNo);
        if (!ref || !hasCmd) return undefined;
        if (sameText(src, cs, ce, 'F_DUPFD') || sameText(src, cs, ce, 'F_DUPFD_CLOEXEC')) this.setCopy(task, ref, r, ce - cs === 15, src);
        else if (sameText(src, cs, ce, 'F_SETFD')) {
          const e = files.get(ref.fd);
          if (e) e.cloexec = args.bounds(2) && includesBytes(src, args.itemStart, args.itemEnd, 'FD_CLOEXEC');
        }
        return undefined;
      }
      case 'pipe':
      case 'socketpair': {
        // tracker.ts setArrayFds(): the fds of the returned array, `[3, 4]` or `[3<pipe:[1]>, 4<pipe:[1]>]`.
        const args = this.args;
        const pipe = effect === 'pipe';
        const cloexec = args.bounds(1) && includesBytes(src, args.itemStart, args.itemEnd, 'CLOEXEC');
        if (!args.bounds(pipe ? 0 : 3)) return undefined;
        this.setArrayFds(task, src, args.itemStart, args.itemEnd, pipe ? 'pipe' : 'socket', cloexec, lineNo);
        return undefined;
      }
      case 'memfd': {
        // tracker.ts: `/memfd:NAME` (the returned fd's annotation when there is one).
        const args = this.args;
        let path: string | undefined;
        if (args.bounds(0) && src[args.itemStart] === 34) path = decodeCString(ascii(src, args.itemStart, args.itemEnd))?.text;
        const cloexec = args.bounds(1) && includesBytes(src, args.itemStart, args.itemEnd, 'CLOEXEC');
        if (ret.annStart >= 0) files.set(r, entry(this.annText(src, ret.annStart, ret.annEnd, ret.annEscaped), undefined, this.annKind(src, ret.annStart, ret.annEnd, ret.annEscaped), cloexec));
        else files.set(r, entry(path === undefined ? undefined : `/memfd:${path}`, undefined, 'memfd', cloexec));
        return undefined;
      }
      case 'close_range': {
        // tracker.ts: fds first..last closed, or only marked close-on-exec with CLOSE_RANGE_CLOEXEC.
        const args = this.args;
        const first = args.bounds(0) ? parseInteger(ascii(src, args.itemStart, args.itemEnd)) : undefined;
        const last = (args.bounds(1) ? parseInteger(ascii(src, args.itemStart, args.itemEnd)) : undefined) ?? Number.MAX_SAFE_INTEGER;
        if (first === undefined) return undefined;
        const markOnly = args.bounds(2) && includesBytes(src, args.itemStart, args.itemEnd, 'CLOSE_RANGE_CLOEXEC');
        // A partly known table: the fds of the cut in the range are closed too, whatever they were.
        if (files instanceof TrackedTable && !markOnly) files.track.closed.push([first, last]);
        for (const [fd, e] of files) {
          if (fd < first || fd > last) continue;
          if (markOnly) e.cloexec = true;
          else files.delete(fd);
        }
        return undefined;
      }
      case 'socket':
      case 'anon': {
        const cloexec = includesBytes(src, argsStart, argsEnd, 'CLOEXEC');
        if (ret.annStart >= 0) files.set(r, entry(this.annText(src, ret.annStart, ret.annEnd, ret.annEscaped), undefined, this.annKind(src, ret.annStart, ret.annEnd, ret.annEscaped), cloexec));
        else files.set(r, entry(effect === 'anon' ? info.anonPath : undefined, undefined, effect, cloexec));
        return undefined;
      }
      case 'recvfds':
        if (includesBytes(src, argsStart, argsEnd, 'cmsg_type=SCM_RIGHTS, cmsg_data=[')) this.bail('fds received with SCM_RIGHTS', lineNo);
        return undefined;
      case 'chdir':
        if (this.facts.path !== undefined && !this.facts.pathRelative) setCwd(task, this.facts.path);
        return undefined;
      case 'fchdir':
        if (this.facts.path !== undefined) setCwd(task, this.facts.path);
        // To an fd a tail does not know: the cwd is the cut's again (reading it is an assumption).
        else if (task.fs.track !== undefined) {
          task.fs.cwd = undefined;
          task.fs.track.changed = true;
        }
        return undefined;
      case 'exec': {
        if (files instanceof TrackedTable) task.files = afterExec(files);
        else {
          const kept = new Map<number, Entry>();
          for (const [fd, e] of files) if (!e.cloexec) kept.set(fd, e);
          task.files = kept;
        }
        task.fs = { ...task.fs };
        return undefined;
      }
      case 'clone':
        return r > 0 ? r : undefined;
      default:
        this.bail(`"${info.name}" changes fd tables in a way this reader does not follow`, lineNo);
        return undefined;
    }
  }

  /**
   * tracker.ts setCopy(): fd `to` becomes a copy of `old` (dup, F_DUPFD). Named by the returned fd's
   * annotation or else the old one's; without either it is the old entry's path, kind and `relative`.
   */
  private setCopy(task: Task, old: ByteFdRef, to: number, cloexec: boolean, src: Uint8Array): void {
    const ret = this.ret;
    const fromRet = ret.annStart >= 0;
    // Named by an annotation the copy needs nothing of the source; without one its entry is looked up.
    const named = fromRet || old.annStart >= 0;
    const known = named ? task.files.get(old.fd) : lookup(task.files, old.fd);
    if (known === undefined && !named && forgetCopy(task, task.files, old.fd, to)) return;
    let path = known?.path;
    let relative = known?.relative;
    let kind: Entry['kind'] = known?.kind ?? 'unknown';
    if (fromRet || old.annStart >= 0) {
      const buf = fromRet ? src : this.args.buf;
      const s = fromRet ? ret.annStart : old.annStart;
      const e = fromRet ? ret.annEnd : old.annEnd;
      const escaped = fromRet ? ret.annEscaped : old.escaped;
      kind = this.annKind(buf, s, e, escaped);
      if (fromRet ? ret.annNested : old.nested) {
        const text = this.annText(buf, s, e, escaped);
        path = kind === 'file' ? annotationPath(text) : text;
      } else if (!this.annIs(buf, s, e, escaped, path)) path = this.annText(buf, s, e, escaped);
      relative = undefined;
    }
    task.files.set(to, entry(path, relative, kind, cloexec));
  }

  /** tracker.ts setArrayFds() on buf[s, e); any item that is not an fd with a plain annotation or none gives the file up. */
  private setArrayFds(task: Task, buf: Uint8Array, s: number, e: number, kind: 'pipe' | 'socket', cloexec: boolean, lineNo: number): void {
    if (buf[s] !== 91 || buf[e - 1] !== 93) return;
    const end = e - 1;
    const ref = this.ref2;
    let i = s + 1;
    while (i < end) {
      while (i < end && buf[i] === SPACE) i++;
      if (readFdRefBytes(buf, i, end, ref) !== 1 || ref.deleted) return this.bail('an fd array this reader leaves to the string reader', lineNo);
      let after = lastFdRefEnd();
      while (after < end && buf[after] === SPACE) after++;
      if (after < end && buf[after] !== 44) return this.bail('an fd array this reader leaves to the string reader', lineNo);
      if (ref.fd >= 0) {
        const e2 = ref.annStart >= 0 ? entry(this.annText(buf, ref.annStart, ref.annEnd, ref.escaped), undefined, this.annKind(buf, ref.annStart, ref.annEnd, ref.escaped), cloexec) : entry(undefined, undefined, kind, cloexec);
        task.files.set(ref.fd, e2);
      }
      i = after + 1;
    }
  }

  private cloneReturned(parent: Task, name: string, args: string, childTid: number): void {
    let child = this.tasks.get(childTid);
    if (!child) {
      child = this.createTask(childTid, 'clone');
      this.noteCreated(child);
    }
    if (!child.linked) {
      // A tail linking a task known before the cut would change the head's task, which it cannot.
      const seg = this.seg;
      if (seg && !seg.sink.warming && seg.category.get(child) !== 'new') seg.sink.unsafe ??= `TID ${childTid}, known before the cut, linked to its parent after it`;
      this.linkChild(parent, child, name, args);
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

  private addTo(a: Agg, returned: boolean, timeLine: number, timeUs: number, read: number, written: number, line: number): void {
    a.calls++;
    const ret = this.ret;
    if (returned) {
      if (ret.errnoStart >= 0) a.errors++;
      if (ret.durationS !== undefined) a.time_s += ret.durationS;
    }
    a.read_bytes += read;
    a.written_bytes += written;
    a.last_line = line;
    if (timeLine >= 0) {
      if (a.firstT < 0) {
        a.firstT = timeLine;
        a.firstUs = timeUs;
      }
      a.lastT = timeLine;
      a.lastUs = timeUs;
    }
  }

  private aggregate(task: Task, call: Call, src: Uint8Array, argsStart: number, argsEnd: number, returned: boolean, timeLine: number, timeUs: number, line: number): void {
    const info = call.info;
    const facts = this.facts;
    let s = call.agg;
    if (!s) {
      s = call.agg = new Agg(line);
      this.syscallAggs.push(call);
    }
    const bytes = facts.bytes >= 0 ? facts.bytes : 0;
    const read = info.read ? bytes : 0;
    const written = info.write ? bytes : 0;
    this.addTo(s, returned, timeLine, timeUs, read, written, line);
    this.addTo((task.agg ??= new Agg(line)), returned, timeLine, timeUs, read, written, line);
    const path = facts.path;
    const path2 = facts.path2;
    if (path === undefined && path2 === undefined) return;
    let paths = task.paths;
    if (paths === undefined) {
      paths = this.pathTasks.get(task);
      if (paths === undefined) this.pathTasks.set(task, (paths = new Paths()));
      task.paths = paths;
    }
    // strace.ts aggregate(): a copy's bytes are read from one path and written to the other.
    const name = info.name;
    if (name === 'sendfile' || name === 'sendfile64') {
      if (path !== undefined) this.addPath(paths, path, line, returned, timeLine, timeUs, 0, bytes, undefined);
      if (path2 !== undefined) this.addPath(paths, path2, line, returned, timeLine, timeUs, bytes, 0, undefined);
    } else if (name === 'copy_file_range' || name === 'splice' || name === 'tee') {
      if (path !== undefined) this.addPath(paths, path, line, returned, timeLine, timeUs, bytes, 0, undefined);
      if (path2 !== undefined) this.addPath(paths, path2, line, returned, timeLine, timeUs, 0, bytes, undefined);
    } else {
      if (path !== undefined) {
        const a = this.addPath(paths, path, line, returned, timeLine, timeUs, read, written, this.factsEntry);
        if (info.pathOp !== PATH_OP_NONE) this.countPathOp(a, info, src, argsStart, argsEnd, returned, timeLine, timeUs);
      }
      if (path2 !== undefined && path2 !== path) this.addPath(paths, path2, line, returned, timeLine, timeUs, 0, 0, undefined);
    }
  }

  private aggregateFd(task: Task, info: SyscallInfo, fd: number, returned: boolean, timeLine: number, timeUs: number, line: number): void {
    let aggs = task.fdAggs;
    if (!aggs) {
      aggs = task.fdAggs = new Map();
      this.fdAggTasks.push(task);
    }
    let a = aggs.get(fd);
    if (!a) aggs.set(fd, (a = new Agg(line)));
    const bytes = this.facts.bytes >= 0 ? this.facts.bytes : 0;
    this.addTo(a, returned, timeLine, timeUs, info.read ? bytes : 0, info.write ? bytes : 0, line);
    this.countOp(a, info.read ? PATH_OP_READ : PATH_OP_WRITE, info, undefined, 0, 0, returned, timeLine, timeUs);
  }

  private countPathOp(a: Agg, info: SyscallInfo, src: Uint8Array, argsStart: number, argsEnd: number, returned: boolean, timeLine: number, timeUs: number): void {
    this.countOp(a, info.pathOp, info, src, argsStart, argsEnd, returned, timeLine, timeUs);
  }

  /** strace.ts countPathOp(). */
  private countOp(a: Agg, op: number, info: SyscallInfo, src: Uint8Array | undefined, argsStart: number, argsEnd: number, returned: boolean, timeLine: number, timeUs: number): void {
    if (op === PATH_OP_READ) {
      a.read_calls++;
      return;
    }
    if (op === PATH_OP_WRITE) {
      a.write_calls++;
      if (timeLine < 0) return;
      const second = Math.floor(timeUs / 1e6);
      if (second !== a.lastWriteSecond) {
        if (a.write_seconds++ === 0) a.firstWriteSecond = second;
        a.lastWriteSecond = second;
      }
      return;
    }
    const ret = this.ret;
    if (returned && (ret.errnoStart >= 0 || (ret.ret !== undefined && ret.ret < 0))) return;
    const has = (t: string): boolean => src !== undefined && includesBytes(src, argsStart, argsEnd, t);
    switch (op) {
      case PATH_OP_OPEN:
        a.opens++;
        if (info.name === 'creat' || has('O_CREAT')) a.creates++;
        break;
      case PATH_OP_UNLINK:
        if (info.name === 'unlinkat' && has('AT_REMOVEDIR')) a.rmdirs++;
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

  /** aggregates.ts PathAggregates.add(). */
  private addPath(paths: Paths, path: string, line: number, returned: boolean, timeLine: number, timeUs: number, read: number, written: number, e: Entry | undefined): Agg {
    let a: Agg | undefined;
    const cached = e?.agg;
    if (cached !== undefined && e!.aggPaths === paths && !cached.folded && e!.path === path) a = cached;
    else if (path === paths.lastPath && paths.lastAgg !== undefined && !paths.lastAgg.folded) a = paths.lastAgg;
    else {
      a = paths.map.get(path);
      if (!a) {
        paths.map.set(path, (a = new Agg(line)));
        if (++this.pathCount > this.maxPaths) {
          this.fold();
          if (a.folded) paths.map.set(path, (a = new Agg(line)));
          this.pathCount++;
        }
      }
      paths.lastPath = path;
      paths.lastAgg = a;
    }
    if (e !== undefined && e.agg !== a) {
      e.agg = a;
      e.aggPaths = paths;
    }
    this.addTo(a, returned, timeLine, timeUs, read, written, line);
    return a;
  }

  /** aggregates.ts PathAggregates.fold(): the smaller half of the path aggregates into their task's bucket. */
  private fold(): void {
    const owners: Paths[] = [];
    const keys: string[] = [];
    const aggs: Agg[] = [];
    for (const paths of this.pathTasks.values()) {
      paths.map.forEach((agg, path) => {
        owners.push(paths);
        keys.push(path);
        aggs.push(agg);
      });
    }
    const n = aggs.length;
    const order = foldOrder(aggs);
    const keep = this.maxPaths >> 1;
    for (let k = keep; k < n; k++) {
      const at = order[k]!;
      const paths = owners[at]!;
      const agg = aggs[at]!;
      paths.map.delete(keys[at]!);
      agg.folded = true;
      if (agg.calls === 0) continue;
      mergeInto((paths.other ??= new Agg(agg.first_line)), agg);
      paths.foldedPaths++;
      this.folded++;
    }
    this.pathCount = Math.min(n, keep);
  }

  // ---- records -------------------------------------------------------------------------------------

  /** The time object of the line `timeLine` (one per line, shared by every record that has it). */
  private time(timeLine: number, us: number): RecordTime | undefined {
    if (timeLine < 0) return undefined;
    let t = this.times.get(timeLine);
    if (t === undefined) this.times.set(timeLine, (t = this.tsMode === 'ttt' ? epochTime(us) : { clock: 'time-of-day', iso: this.tsMode === 't' ? secondsText(us) : timeText(us) }));
    return t;
  }

  private base(kind: string, line: number, timeLine: number, us: number): TimelineRecord {
    const record: TimelineRecord = { kind, source: { file: this.file, line } };
    const time = this.time(timeLine, us);
    if (time) record.time = time;
    return record;
  }

  private finish(record: TimelineRecord, task: Task): void {
    if (this.seg) {
      // A tail's records wait for the head, which knows their process (and drops the warm-up's).
      if (!this.seg.sink.warming) this.hold(record, task);
      return;
    }
    record.tid = task.tid;
    const pid = pidOf(task);
    if (pid !== undefined) record.pid = pid;
    this.emitRecord(record);
  }

  /** The call just read: the first goes out at once, the others replace the last one kept (counted). */
  private keep(task: Task, call: Call, src: Uint8Array, argsStart: number, argsEnd: number, textEnd: number, returned: boolean, timeLine: number, timeUs: number, line: number, unfinishedNote: string | undefined, resumedLine: number): void {
    if (this.seg?.sink.warming) return;
    const r = this.spare;
    r.task = task;
    r.call = call;
    r.src = src;
    r.argsStart = argsStart;
    r.argsEnd = argsEnd;
    r.textEnd = textEnd;
    r.returned = returned;
    r.timeLine = timeLine;
    r.timeUs = timeUs;
    r.line = line;
    r.unfinishedNote = unfinishedNote;
    r.resumedLine = resumedLine;
    r.tid = task.tid;
    r.pid = pidOf(task);
    const facts = r.facts;
    r.facts = this.facts;
    this.facts = facts;
    const seg = this.seg;
    if (seg) {
      // A tail keeps only its last call (the head emits it) and counts the others.
      seg.callRecords++;
      seg.callClock = timeLine < 0 ? 'none' : this.tsMode === 'ttt' ? 'utc' : 'time-of-day';
      this.spare = this.slot;
      this.slot = r;
      this.hasSlot = true;
      return;
    }
    if (!this.firstCallOut) {
      this.firstCallOut = true;
      this.emitRecord(this.callRecord(r));
      return;
    }
    if (this.hasSlot) this.countLast();
    this.spare = this.slot;
    this.slot = r;
    this.hasSlot = true;
  }

  /** The kept call's text, copied out of the buffer being left (the caller may reuse it). */
  private detachSlot(): void {
    const r = this.slot;
    if (!this.hasSlot || r.src !== this.scanBuf) return;
    const lo = Math.min(r.argsStart, r.argsEnd);
    r.src = copyOf(r.src, lo, r.textEnd);
    r.argsStart -= lo;
    r.argsEnd -= lo;
    r.textEnd -= lo;
  }

  // ---- segments (strace/segments.ts) ---------------------------------------------------------------

  /** A table entry named by an annotation: in a tail's tracked table an fd it did not know is learnt, not changed. */
  private learnFd(task: Task, fd: number, e: Entry, known: Entry | undefined): void {
    const files = task.files;
    if (known === undefined && files instanceof TrackedTable) (files as TrackedTable<Entry>).learn(fd, e);
    else files.set(fd, e);
  }

  /** A task a tail created (clone, attach): new after the cut, or one of the warm-up's. */
  private noteCreated(task: Task): void {
    const seg = this.seg;
    if (seg) seg.category.set(task, seg.sink.warming ? 'warm' : 'new');
  }

  /** A tail's record, emitted by the head at the merge (with its pid and tid known then). */
  private hold(record: TimelineRecord, task: Task | undefined, detachTid?: number): void {
    const seg = this.seg!;
    if (seg.records.length >= MAX_TAIL_RECORDS) {
      seg.sink.unsafe ??= `more than ${MAX_TAIL_RECORDS} records other than calls after the cut`;
      return;
    }
    seg.records.push(detachTid === undefined ? { record, task } : { record, task, detachTid });
  }

  /**
   * A TID first seen in a tail (StraceReader.segmentTask): a clone in flight or an attach announcing
   * threads links it; otherwise it is a task of the state at the cut, with tracked views of its fd
   * table and cwd (what the tail assumed of them is checked by the head).
   */
  private segmentTask(tid: number, lineNo: number): Task {
    const seg = this.seg!;
    const warming = seg.sink.warming;
    let inFlight = 0;
    for (const t of this.live) if (t.cloneArgs !== undefined) inFlight++;
    if (inFlight > 1) seg.sink.unsafe ??= `line ${lineNo}: TID ${tid} appears while ${inFlight} clones are in flight`;
    const parent = this.cloneInFlight();
    let task: Task;
    if (parent) {
      task = this.createTask(tid, 'clone');
      this.linkChild(parent, task, parent.pending?.call.info.name ?? 'clone', parent.cloneArgs ?? '');
      this.cloneChildren++;
    } else if (this.attachThreadsLeft > 0 && this.attachLeader) {
      this.attachThreadsLeft--;
      task = this.createTask(tid, 'attach-thread');
      task.threadOf = this.attachLeader;
      task.files = this.attachLeader.files;
      task.fs = this.attachLeader.fs;
    } else {
      task = this.createTask(tid, 'unknown');
      task.files = new TrackedTable<Entry>(newTableTrack(tid, seg.sink));
      task.fs = { track: { owner: tid, sink: seg.sink, changed: false } };
      seg.category.set(task, warming ? 'warm' : 'inherited');
      return task;
    }
    seg.category.set(task, warming ? 'warm' : 'new');
    return task;
  }

  /**
   * The cut: the lines read so far only warmed the state up. Their counts, aggregates and records are
   * dropped; the state they left (tasks, fd tables, calls in flight) is kept and noted for the merge.
   * @param warmLines the lines read before the cut (the tail's own lines are numbered on from them)
   */
  beginTail(warmLines: number): void {
    const seg = this.seg;
    if (!seg || !seg.sink.warming) return;
    seg.sink.warming = false;
    seg.warmLines = warmLines;
    if (this.open) seg.sink.unsafe ??= 'a syscall line is cut at the cut';
    const pending: FastTailResult['cut']['pending'] = [];
    const cloneArgs: FastTailResult['cut']['cloneArgs'] = [];
    for (const task of this.allTasks) {
      const p = task.pending;
      if (p) pending.push({ tid: task.tid, name: p.call.info.name, args: p.args, timeLine: p.timeLine, timeUs: p.timeUs, line: p.line });
      if (task.cloneArgs !== undefined && task.alive) cloneArgs.push({ tid: task.tid, args: task.cloneArgs });
      task.calls = 0;
      task.agg = undefined;
      task.paths = undefined;
      task.fdAggs = undefined;
    }
    seg.cut = { pending, cloneArgs, attachThreadsLeft: this.attachThreadsLeft, attachLeader: this.attachLeader?.tid };
    for (const head of this.table) {
      for (let c = head; c !== undefined; c = c.next) {
        c.agg = undefined;
        c.seen = false;
      }
    }
    this.pathTasks.clear();
    this.pathCount = 0;
    this.folded = 0;
    this.fdAggTasks = [];
    this.syscallAggs = [];
    this.syscalls.length = 0;
    this.attachTargets.length = 0;
    this.sawBracket = this.sawColumn = this.byFileName = false;
    this.tsSeen = this.hasDurations = false;
    this.yStyle = undefined;
    this.firstTimeLine = this.lastTimeLine = -1;
    this.calls = this.failedCalls = this.unfinishedCalls = this.signals = this.exits = 0;
    this.writeCalls = this.fileWriteCalls = this.readCalls = this.cloneChildren = 0;
    this.coverage.lines = this.coverage.data = this.coverage.skipped = this.coverage.unparsed = 0;
    seg.records = [];
    seg.callRecords = 0;
    this.hasSlot = false;
  }

  /** What a tail segment hands to the head's reader, after end() (plain data: it crosses to another worker). */
  exportTail(): FastTailResult {
    const seg = this.seg;
    if (!seg) throw new Error('exportTail() on a reader that is not a tail segment');
    this.beginTail(this.lastLine); // a segment told of no cut: every line it read was before it
    const index = new Map<Task, number>();
    this.allTasks.forEach((t, k) => index.set(t, k));
    const indexOf = (t: Task | undefined): number => (t === undefined ? -1 : (index.get(t) ?? -1));
    const tables = new Map<TrackedTable<Entry>, FastTailResult['tables'][number]>();
    const cwds = new Map<FsState, FastTailResult['cwds'][number]>();
    const tasks: FastTailResult['tasks'] = this.allTasks.map((t) => {
      if (t.files instanceof TrackedTable && !tables.has(t.files as TrackedTable<Entry>)) {
        const k = (t.files as TrackedTable<Entry>).track;
        tables.set(t.files as TrackedTable<Entry>, { owner: k.owner, touched: [...k.touched], changed: [...k.changed], asked: [...k.asked] });
      }
      const fsTrack = t.fs.track;
      // A cwd once known stays known unless fchdir made it the cut's again, which marks it changed.
      if (fsTrack && !cwds.has(t.fs)) cwds.set(t.fs, { owner: fsTrack.owner, known: t.fs.cwd !== undefined || fsTrack.changed, changed: fsTrack.changed });
      return { tid: t.tid, category: seg.category.get(t) ?? 'new', origin: t.origin, pid: t.pid, threadOf: indexOf(t.threadOf), alive: t.alive, linked: t.linked, leader: t.leader, calls: t.calls, agg: t.agg, fdAggs: t.fdAggs ? [...t.fdAggs] : undefined };
    });
    const paths: FastTailResult['paths'] = [];
    for (const [task, p] of this.pathTasks) paths.push({ task: indexOf(task), entries: [...p.map], other: p.other, foldedPaths: p.foldedPaths });
    let lastCall: FastTailResult['lastCall'];
    if (this.hasSlot) {
      const record = this.callRecord(this.slot);
      delete record.tid;
      delete record.pid;
      lastCall = { record, task: indexOf(this.slot.task), timeLine: this.slot.timeLine };
    }
    return {
      unsafe: seg.sink.unsafe ?? this.bailed,
      warmLines: seg.warmLines,
      fdMisses: seg.sink.fdMisses,
      cwdMisses: seg.sink.cwdMisses,
      tables: [...tables.values()],
      cwds: [...cwds.values()],
      flushOrder: seg.flushOrder,
      cut: seg.cut!,
      tasks,
      paths,
      pathsFolded: this.folded,
      fdAggTasks: this.fdAggTasks.map(indexOf),
      syscalls: [...this.syscalls],
      syscallAggs: this.syscallAggs.map((c) => ({ name: c.info.name, agg: c.agg! })),
      records: seg.records.map((r) => (r.detachTid === undefined ? { record: r.record, task: indexOf(r.task) } : { record: r.record, task: indexOf(r.task), detachTid: r.detachTid })),
      callRecords: seg.callRecords,
      callClock: seg.callClock,
      lastCall,
      facts: {
        lastLine: this.lastLine,
        sawBracket: this.sawBracket,
        sawColumn: this.sawColumn,
        tsMode: this.tsMode,
        tsSeen: this.tsSeen,
        hasDurations: this.hasDurations,
        yStyle: this.yStyle,
        firstTimeLine: this.firstTimeLine,
        firstTimeUs: this.firstTimeUs,
        lastTimeLine: this.lastTimeLine,
        lastTimeUs: this.lastTimeUs,
        attachTargets: [...this.attachTargets],
        counts: { calls: this.calls, failedCalls: this.failedCalls, unfinishedCalls: this.unfinishedCalls, signals: this.signals, exits: this.exits, writeCalls: this.writeCalls, fileWriteCalls: this.fileWriteCalls, readCalls: this.readCalls, cloneChildren: this.cloneChildren },
      },
      coverage: { ...this.coverage },
    };
  }

  /**
   * Take a tail segment's counts as if its lines had followed this reader's (the head's) `headLines`
   * lines (StraceReader.absorbTail). Returns why not when the tail's assumptions about the state at the
   * cut do not hold here; nothing is changed then: feed the tail's lines to this reader instead.
   */
  absorbTail(tail: FastTailResult, headLines: number): string | undefined {
    const offset = headLines - tail.warmLines;
    const why = this.tailMismatch(tail, offset);
    if (why !== undefined) return why;
    const map = this.mapTailTasks(tail);
    for (const task of this.allTasks) task.pending = undefined; // the tail owns the calls in flight at the cut
    this.absorbAggregates(tail, map, offset);
    const f = tail.facts;
    if (f.lastLine > tail.warmLines) this.lastLine = f.lastLine + offset;
    this.sawBracket ||= f.sawBracket;
    this.sawColumn ||= f.sawColumn;
    this.attachTargets.push(...f.attachTargets);
    this.tsSeen ||= f.tsSeen;
    this.hasDurations ||= f.hasDurations;
    if (f.yStyle === 'yy') this.yStyle = 'yy';
    else if (f.yStyle === 'y') this.yStyle ??= 'y';
    if (this.firstTimeLine < 0 && f.firstTimeLine >= 0) {
      this.firstTimeLine = f.firstTimeLine + offset;
      this.firstTimeUs = f.firstTimeUs;
    }
    if (f.lastTimeLine >= 0) {
      this.lastTimeLine = f.lastTimeLine + offset;
      this.lastTimeUs = f.lastTimeUs;
    }
    const c = f.counts;
    this.calls += c.calls;
    this.failedCalls += c.failedCalls;
    this.unfinishedCalls += c.unfinishedCalls;
    this.signals += c.signals;
    this.exits += c.exits;
    this.writeCalls += c.writeCalls;
    this.fileWriteCalls += c.fileWriteCalls;
    this.readCalls += c.readCalls;
    this.cloneChildren += c.cloneChildren;
    const cov = this.coverage;
    cov.lines += tail.coverage.lines;
    cov.data += tail.coverage.data;
    cov.skipped += tail.coverage.skipped;
    cov.unparsed += tail.coverage.unparsed;
    for (const r of tail.records) {
      const record = shiftRecord(r.record, offset);
      this.shareTime(record, record.source.line);
      if (r.detachTid !== undefined) {
        const task = this.tasks.get(r.detachTid);
        if (task) {
          task.alive = false;
          this.live.delete(task);
          this.finish(record, task);
        } else {
          record.tid = r.detachTid;
          this.emitRecord(record);
        }
      } else if (r.task >= 0) this.finish(record, map[r.task]!);
      else this.emitRecord(record);
    }
    const last = tail.lastCall;
    if (last) {
      // This reader's last call becomes one of those counted, then the tail's but its last.
      if (this.hasSlot) this.countLast();
      this.hasSlot = false;
      if (tail.callRecords > 1) {
        if (tail.callClock !== this.countedClock) {
          this.tellCounted();
          this.countedClock = tail.callClock;
        }
        this.counted += tail.callRecords - 1;
      }
      const record = shiftRecord(last.record, offset);
      if (last.timeLine >= 0) this.shareTime(record, last.timeLine + offset);
      this.tailLast = { record, task: map[last.task]! };
    }
    return undefined;
  }

  /** A record of the tail shares the time object of its line with this reader's other records of that line, as in one pass. */
  private shareTime(record: TimelineRecord, timeLine: number): void {
    if (record.time === undefined) return;
    const known = this.times.get(timeLine);
    if (known !== undefined) record.time = known;
    else this.times.set(timeLine, record.time);
  }

  /** Why the tail's view of the cut is not this reader's state at its end (undefined: it is). */
  private tailMismatch(tail: FastTailResult, offset: number): string | undefined {
    if (this.seg) return 'a tail segment cannot take another';
    if (tail.unsafe !== undefined) return tail.unsafe;
    if (this.bailed !== undefined) return 'the head was given up';
    if (this.open) return 'the head ends inside a syscall line';
    if (this.calls === 0) return 'the head has no call';
    if (tail.facts.tsMode !== undefined && this.tsMode !== undefined && tail.facts.tsMode !== this.tsMode) return 'the timestamps change form at the cut';
    // Calls in flight and the clone in flight: the same, at the same lines.
    const pending = new Map(tail.cut.pending.map((p) => [p.tid, p]));
    let headPending = 0;
    for (const task of this.allTasks) {
      const p = task.pending;
      if (!p) continue;
      headPending++;
      const q = pending.get(task.tid);
      const sameLine = (tailLine: number, headLine: number): boolean => (tailLine < 0 ? headLine < 0 : tailLine + offset === headLine);
      if (!q || q.name !== p.call.info.name || !sameBytes(q.args, p.args) || !sameLine(q.line, p.line) || !sameLine(q.timeLine, p.timeLine) || q.timeUs !== p.timeUs) return `the call in flight of TID ${task.tid} at the cut began before the tail's warm-up`;
    }
    if (headPending !== pending.size) return 'the tail saw a call in flight at the cut that the head did not';
    const clones = new Map(tail.cut.cloneArgs.map((c) => [c.tid, c.args]));
    let headClones = 0;
    for (const task of this.live) {
      if (task.cloneArgs === undefined) continue;
      headClones++;
      if (clones.get(task.tid) !== task.cloneArgs) return "a clone in flight at the cut began before the tail's warm-up";
    }
    if (headClones !== clones.size) return 'the tail saw a clone in flight that the head did not';
    if (this.attachThreadsLeft !== tail.cut.attachThreadsLeft || (this.attachThreadsLeft > 0 && this.attachLeader?.tid !== tail.cut.attachLeader)) return 'the attach state at the cut differs';
    for (const t of tail.tasks) {
      const known = this.tasks.get(t.tid);
      if (t.category === 'new' && known) return `TID ${t.tid} was created after the cut but the head knows it`;
      if (t.category === 'warm' && !known) return `TID ${t.tid} of the warm-up is unknown to the head`;
    }
    // The head's first task has not finished a call: an execve ending after the cut makes it a leader, which the tail cannot tell.
    if (this.allTasks.some((t) => t.maybeLeader && (t.pending === undefined || t.pending.call.info.name.startsWith('execve')))) return "the head's first task has not finished its execve";
    // Calls in flight at the file's end are flushed in task order: the tail's must be the head's.
    let rank = -1;
    for (const k of tail.flushOrder) {
      const known = this.tasks.get(tail.tasks[k]!.tid);
      const r = known ? this.allTasks.indexOf(known) : this.allTasks.length + k;
      if (r <= rank) return 'the calls in flight at the end are flushed in another task order';
      rank = r;
    }
    const headTask = (tid: number): Task | undefined => this.tasks.get(tid);
    return tableMismatch(tail, headTask) ?? cwdMismatch(tail, headTask);
  }

  /** This reader's task for each of the tail's (created here when it did not know it). */
  private mapTailTasks(tail: FastTailResult): Task[] {
    const map: Task[] = [];
    const created: number[] = [];
    tail.tasks.forEach((t, k) => {
      let task = this.tasks.get(t.tid);
      if (!task) {
        task = this.createTask(t.tid, t.origin);
        task.pid = t.pid;
        task.leader = t.leader;
        task.linked = t.linked;
        created.push(k);
      }
      if (!t.alive) {
        task.alive = false;
        this.live.delete(task);
      }
      task.calls += t.calls;
      map.push(task);
    });
    for (const k of created) {
      const t = tail.tasks[k]!;
      if (t.threadOf >= 0) map[k]!.threadOf = map[t.threadOf];
    }
    return map;
  }

  private absorbAggregates(tail: FastTailResult, map: Task[], offset: number): void {
    tail.tasks.forEach((t, k) => {
      if (!t.agg) return;
      const task = map[k]!;
      const later = shiftAgg(t.agg, offset);
      if (task.agg) mergeLater(task.agg, later);
      else task.agg = later;
    });
    for (const k of tail.fdAggTasks) {
      const task = map[k]!;
      if (!task.fdAggs) {
        task.fdAggs = new Map();
        this.fdAggTasks.push(task);
      }
      for (const [fd, agg] of tail.tasks[k]!.fdAggs ?? []) {
        const later = shiftAgg(agg, offset);
        const a = task.fdAggs.get(fd);
        if (a) mergeLater(a, later);
        else task.fdAggs.set(fd, later);
      }
    }
    for (const p of tail.paths) {
      const task = map[p.task]!;
      let paths = this.pathTasks.get(task);
      if (!paths) this.pathTasks.set(task, (paths = new Paths()));
      task.paths = paths;
      for (const [path, agg] of p.entries) {
        const later = shiftAgg(agg, offset);
        const a = paths.map.get(path);
        if (a) mergeLater(a, later);
        else {
          paths.map.set(path, later);
          this.pathCount++;
        }
      }
      if (p.other) {
        const other = shiftAgg(p.other, offset);
        if (paths.other) mergeInto(paths.other, other);
        else paths.other = other;
        paths.foldedPaths += p.foldedPaths;
      }
    }
    this.folded += tail.pathsFolded;
    if (this.pathCount > this.maxPaths) this.fold();
    for (const { name, agg } of tail.syscallAggs) {
      const call = this.callByName(name);
      const later = shiftAgg(agg, offset);
      if (call.agg) mergeLater(call.agg, later);
      else {
        call.agg = later;
        this.syscallAggs.push(call);
      }
    }
    for (const name of tail.syscalls) {
      const call = this.callByName(name);
      if (!call.seen) {
        call.seen = true;
        this.syscalls.push(name);
      }
    }
  }

  private callByName(name: string): Call {
    const bytes = Buffer.from(name, 'latin1');
    return this.callEntry(bytes, 0, bytes.length);
  }

  /** Give the file up from outside (a line the splitter could not hand over as ASCII bytes). */
  giveUp(why: string, lineNo: number): void {
    this.bail(why, lineNo);
  }

  private countLast(): void {
    const clock = this.slot.timeLine < 0 ? 'none' : this.tsMode === 'ttt' ? 'utc' : 'time-of-day';
    if (clock !== this.countedClock) {
      this.tellCounted();
      this.countedClock = clock;
    }
    this.counted++;
  }

  private tellCounted(): void {
    if (this.counted > 0) this.summarized('strace.call', this.countedClock, this.counted);
    this.counted = 0;
  }

  /** strace.ts callRecord() of a kept call; its return part is read again from its text by the string lexer. */
  private callRecord(r: Slot): TimelineRecord {
    const record = this.base('strace.call', r.line, r.timeLine, r.timeUs);
    record.syscall = r.call!.info.name;
    record.args = ascii(r.src, r.argsStart, r.argsEnd).trimEnd();
    if (r.returned) {
      const text = ascii(r.src, r.argsStart, r.textEnd);
      const info = newReturnInfo();
      readReturnInto(text, r.argsEnd - r.argsStart, info);
      if (info.ret !== undefined) record.ret = info.ret;
      if (info.hex || (info.ret === undefined && info.retText !== '?')) record.ret_text = info.retText;
      if (info.errno !== undefined) record.errno = info.errno;
      if (info.errnoText !== undefined) record.errno_text = info.errnoText;
      if (info.note !== undefined) record.ret_note = info.note;
      if (info.durationS !== undefined) record.duration_s = info.durationS;
    }
    if (r.unfinishedNote !== undefined) {
      record.unfinished = true;
      record.ret_note = r.unfinishedNote;
    }
    if (r.resumedLine > 0) record.resumed_line = r.resumedLine;
    else if (r.resumedLine < 0) record.partial = 'resumed-only';
    writeAttribution(record, r.facts);
    if (r.tid !== undefined) record.tid = r.tid;
    if (r.pid !== undefined) record.pid = r.pid;
    return record;
  }

  /** The file's end: calls in flight, the last call, the aggregates, the capture facts. */
  end(): FastResult {
    if (this.open !== undefined) this.bail('the file ends inside a call line cut by a strace message', this.open.line);
    if (this.bailed === undefined) {
      if (this.seg) this.seg.flushOrder = this.allTasks.flatMap((t, k) => (t.pending ? [k] : []));
      for (const task of this.allTasks) this.flushPending(task, 'the trace ends before the call returned');
    }
    // A tail segment: exportTail() hands its counts to the head.
    if (this.seg) return { diagnostics: this.diagnostics, coverage: this.coverage };
    if (this.bailed === undefined) {
      this.tellCounted();
      const last = this.tailLast;
      if (last) {
        last.record.tid = last.task.tid;
        const pid = pidOf(last.task);
        if (pid !== undefined) last.record.pid = pid;
        this.emitRecord(last.record);
      } else if (this.hasSlot) this.emitRecord(this.callRecord(this.slot));
      this.hasSlot = false;
      this.emitAggregates();
      this.emitCapture();
    }
    return { diagnostics: this.diagnostics, coverage: this.coverage };
  }

  private aggRecord(scope: 'path' | 'syscall' | 'task' | 'fd', a: Agg, line: number): TimelineRecord {
    const record: TimelineRecord = { kind: 'strace.aggregate', source: { file: this.file, line: a.first_line || line }, scope, calls: a.calls, errors: a.errors, read_bytes: a.read_bytes, written_bytes: a.written_bytes };
    if (this.hasDurations) record.time_s = round(a.time_s, 9);
    const first = this.time(a.firstT, a.firstUs);
    if (first) record.time = { ...first };
    if (first) record.first_time = first;
    if (a.last_line > a.first_line) record.last_line = a.last_line;
    const last = this.time(a.lastT, a.lastUs);
    if (last) record.last_time = last;
    return record;
  }

  private emitAggregates(): void {
    const line = Math.max(1, this.lastLine);
    for (const [task, paths] of this.pathTasks) {
      for (const [path, a] of paths.map) {
        const record = this.aggRecord('path', a, line);
        record.path = path;
        opFields(record, a);
        this.finish(record, task);
      }
      if (paths.other) {
        const record = this.aggRecord('path', paths.other, line);
        record.folded_paths = paths.foldedPaths;
        opFields(record, paths.other);
        this.finish(record, task);
      }
    }
    for (const task of this.fdAggTasks) {
      for (const [fd, a] of task.fdAggs!) {
        const record = this.aggRecord('fd', a, line);
        record.fd = fd;
        opFields(record, a);
        this.finish(record, task);
      }
    }
    for (const task of this.allTasks) {
      if (task.agg === undefined) continue;
      this.finish(this.aggRecord('task', task.agg, line), task);
    }
    for (const call of this.syscallAggs) {
      const record = this.aggRecord('syscall', call.agg!, line);
      record.syscall = call.info.name;
      this.emitRecord(record);
    }
    if (this.folded > 0) {
      this.diagnostics.push({
        severity: 'info',
        code: 'strace-paths-folded',
        message: `${this.folded} (task, path) aggregate(s) with the fewest bytes were folded into their task's "other paths" aggregate (a scope 'path' aggregate without path) to keep memory bounded (at most ${this.maxPaths} held)`,
        file: this.file,
      });
    }
  }

  private emitCapture(): void {
    const facts: CaptureFacts = {
      file: this.file,
      line: Math.max(1, this.lastLine),
      pidStyle: this.sawBracket ? 'bracket' : this.sawColumn ? 'column' : this.byFileName ? 'file-name' : 'none',
      followed: this.sawBracket || this.sawColumn || (this.cloneChildren > 0 && this.allTasks.some((t) => t.origin === 'clone' && t.calls > 0)),
      tasks: this.allTasks.filter((t) => t.calls > 0 || t.origin === 'attach').map((t) => ({ origin: t.origin, calls: t.calls, tid: t.tid, pid: pidOf(t) })),
      attachTargets: this.attachTargets,
      tsKind: this.tsSeen && this.tsMode !== 'none' ? this.tsMode : undefined,
      hasDurations: this.hasDurations,
      yStyle: this.yStyle,
      firstTime: this.time(this.firstTimeLine, this.firstTimeUs),
      lastTime: this.time(this.lastTimeLine, this.lastTimeUs),
      syscalls: this.syscalls,
      counts: { calls: this.calls, failedCalls: this.failedCalls, unfinishedCalls: this.unfinishedCalls, signals: this.signals, exits: this.exits, readCalls: this.readCalls, writeCalls: this.writeCalls, fileWriteCalls: this.fileWriteCalls, summaryRows: 0, stackFrameLines: 0, hexDumpLines: 0 },
      anonymousWithoutTid: false,
      fileNameTid: this.fileTid,
      foldedPaths: this.folded,
    };
    this.emitRecord(captureRecord(facts));
  }
}

/**
 * A copy of buf[start, end): kept text must not hold on to the chunk it was cut from (a call in flight
 * on each of a thousand threads would keep a thousand chunks alive).
 */
function copyOf(buf: Uint8Array, start: number, end: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  out.set(buf.subarray(start, end), 0);
  return out;
}

/** An aggregate of a tail with its lines moved by `offset` (a copy; an Agg, whatever the object crossed as). */
function shiftAgg(a: FastAggData, offset: number): Agg {
  const out = new Agg(a.first_line + offset);
  Object.assign(out, a);
  out.first_line = a.first_line + offset;
  out.last_line = a.last_line + offset;
  if (a.firstT >= 0) out.firstT = a.firstT + offset;
  if (a.lastT >= 0) out.lastT = a.lastT + offset;
  return out;
}

/**
 * aggregates.ts mergeLater(): add `later`, whose calls all followed `into`'s (a tail's): a second with
 * writes at the end of one and the start of the other is counted once.
 */
function mergeLater(into: Agg, later: Agg): void {
  addLaterCounters(into, later);
  if (into.firstT < 0 && later.firstT >= 0) {
    into.firstT = later.firstT;
    into.firstUs = later.firstUs;
  }
  if (later.lastT >= 0) {
    into.lastT = later.lastT;
    into.lastUs = later.lastUs;
  }
  into.last_line = later.last_line;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

/** aggregates.ts merge() (a folded aggregate into its task's bucket). */
function mergeInto(into: Agg, from: Agg): void {
  const empty = into.calls === 0;
  addCounters(into, from);
  into.write_seconds += from.write_seconds;
  if (empty || from.first_line < into.first_line) {
    into.first_line = from.first_line;
    if (from.firstT >= 0) {
      into.firstT = from.firstT;
      into.firstUs = from.firstUs;
    }
  }
  if (empty || from.last_line > into.last_line) {
    into.last_line = from.last_line;
    if (from.lastT >= 0) {
      into.lastT = from.lastT;
      into.lastUs = from.lastUs;
    }
  }
}

/** strace.ts yMarkers on an annotation's text buf[s, e): the largest -y marker of its `<`. */
function annotationYMark(buf: Uint8Array, s: number, e: number): number {
  let mark = 0;
  for (let k = s; k < e; k++) if (buf[k] === 60) mark = Math.max(mark, yMarkerAt(buf, k, s, e));
  return mark;
}

/** The TID pidChangedAt read. */
let pidChanged = 0;

/**
 * lexer.ts entryHalfEnd's `<pid changed to N ...>` at the end of buf[from, end) (which ends in ` ...>`):
 * where its `<` is (pidChanged then holds N), or -1. The marker searched is the last one, as lastIndexOf does.
 */
function pidChangedAt(buf: Uint8Array, from: number, end: number): number {
  const marker = '<pid changed to ';
  for (let at = end - 5 - marker.length; at >= from; at--) {
    if (buf[at] !== 60 || !startsWithAt(buf, at, end, marker)) continue;
    let v = 0;
    const d0 = at + marker.length;
    for (let k = d0; k < end - 5; k++) {
      const c = buf[k]!;
      if (!isDigit(c)) return -1;
      v = v * 10 + c - 48;
    }
    if (end - 5 === d0 || end - 5 - d0 > 15) return -1;
    pidChanged = v;
    return at;
  }
  return -1;
}

/** The first character of a call, a resumed half (`<`) or an exit (`+`). */
function isBodyStart(c: number): boolean {
  return c === 60 || c === 43 || (c >= 97 && c <= 122) || c === 95;
}

/** strace.ts's signal name test, /^SIG[A-Z0-9_+-]+$/, on buf[s, e). */
function isSignalName(buf: Uint8Array, s: number, e: number): boolean {
  if (e - s < 4 || !startsWithAt(buf, s, e, 'SIG')) return false;
  for (let k = s + 3; k < e; k++) {
    const c = buf[k]!;
    if (!((c >= 65 && c <= 90) || isDigit(c) || c === 95 || c === 43 || c === 45)) return false;
  }
  return true;
}
