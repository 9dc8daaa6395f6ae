/**
 * One strace file read as two segments on two cores: the head (lines 1..N) and the tail (the rest),
 * each by its own reader, the tail's counts then merged into the head's as if its lines had followed.
 *
 * A trace line means something only with the state before it (which task a TID is, what fd 5 is, the
 * call a `<... read resumed>` finishes). So the tail reader:
 * - starts a little before the cut (WARM_UP_BYTES): those lines only warm its state up — calls in flight,
 *   fds opened, tasks seen — and their counts are dropped (`beginTail()` at the cut);
 * - keeps a task it did not see created as "known before the cut", with an fd table and a cwd that
 *   remember what the segment changed (tracker.ts `TrackedTable`) and what it assumed: an fd looked up
 *   and absent, a cwd read and unknown;
 * - holds its records (signals, exits, …) for the head's reader, which knows their process;
 * - gives up ("unsafe") on what it cannot replay later: an execve closing close-on-exec fds of a table
 *   only partly known, a line without a TID prefix, a TID reused after it exited, …
 *
 * The head's reader (`StraceReader.absorbTail`) checks the tail's view of the cut against its own — the
 * calls in flight, the clone in flight, the attach state, every assumed-absent fd and unknown cwd — and
 * only then adds the tail's counts. When a check fails nothing is changed and the caller feeds the tail's
 * lines to the head's reader instead: the result is the one-pass result, only slower.
 *
 * What is exact: every record and aggregate equals the one-pass parse's, except when path aggregates
 * are folded (more than MAX_PATH_AGGREGATES (task, path) pairs): each segment folds its own, and the merge
 * folds again, so which small paths end in a task's "other paths" bucket can differ (totals stay exact).
 */
import type { RecordTime, TimelineRecord } from '../../common/types.js';
import type { Aggregate } from './aggregates.js';
import type { TaskOrigin } from './tracker.js';
import type { TraceShapeFacts } from './capture.js';

/**
 * How a tail segment came to know a task: from a line before the cut, a TID first seen after it, created
 * after it (clone, attach), or as the task of lines without a TID prefix (the head says which it is).
 */
export type TaskCategory = 'warm' | 'inherited' | 'new' | 'single';

/**
 * Bytes before the cut a tail reads to learn the calls in flight and the recent fds: ~12,000 lines of
 * `-f -tt -T -y`, a few ms of the busy service of the bench, ~1 % of a 256 MiB half.
 */
export const WARM_UP_BYTES = 2 * 1024 * 1024;

export interface TailTask {
  tid: number | undefined;
  category: TaskCategory;
  origin: TaskOrigin;
  pid: number | undefined;
  /** Indices into TailResult.tasks, -1 for none. */
  threadOf: number;
  parent: number;
  alive: boolean;
  linked: boolean;
  leader: boolean;
  calls: number;
  firstLine: number;
  agg: Aggregate | undefined;
  fdAggs: Array<[number, Aggregate]> | undefined;
}

/** What a tail segment hands to the head's reader: plain data (it is posted from one worker to another). */
export interface TailResult {
  unsafe: string | undefined;
  /** Triples [asking tid, owner tid, fd]. */
  fdMisses: number[];
  /** Pairs [asking tid, owner tid]. */
  cwdMisses: number[];
  /**
   * Each tracked fd table: its owner, the fds the segment set or closed in it (touched), of those the
   * ones it changed itself (not only named by an annotation), and the fds it looked up without one.
   */
  tables: Array<{ owner: number; touched: number[]; changed: number[]; asked: number[] }>;
  /** Each tracked cwd state: its owner, whether the segment knew a cwd there, and changed it (chdir). */
  cwds: Array<{ owner: number; known: boolean; changed: boolean }>;
  /** Tasks whose calls in flight the file's end flushed, in that order (indices into tasks). */
  flushOrder: number[];
  /** The task the lines without a TID prefix went to (index into tasks), -1 for none. */
  single: number;
  /** The state at the cut as the warm-up left it. */
  cut: {
    pending: Array<{ tid: number; name: string; args: string; line: number; time: RecordTime | undefined }>;
    cloneArgs: Array<{ tid: number; args: string }>;
    attachThreadsLeft: number;
    attachLeader: number | undefined;
  };
  tasks: TailTask[];
  paths: Array<{ task: number; entries: Array<[string, Aggregate]>; other: Aggregate | undefined; foldedPaths: number }>;
  pathsFolded: number;
  pathFolds: number;
  /** Task indices in the order of their first fd aggregate. */
  fdAggregates: number[];
  syscalls: string[];
  syscallAggs: Array<{ name: string; agg: Aggregate }>;
  records: Array<{ record: TimelineRecord; task: number; detachTid?: number }>;
  callRecords: number;
  callClock: string;
  lastCall: { record: TimelineRecord; task: number } | undefined;
  facts: TraceShapeFacts & {
    lastLine: number;
    sawBracket: boolean;
    sawColumn: boolean;
    counts: Record<'calls' | 'failedCalls' | 'unfinishedCalls' | 'signals' | 'exits' | 'writeCalls' | 'fileWriteCalls' | 'readCalls' | 'stackFrameLines' | 'hexDumpLines' | 'summaryRows' | 'cloneChildren', number>;
  };
}

/** An aggregate of the tail with its lines moved by `offset` (a copy: the tail's object is left alone). */
export function shiftAggregate(a: Aggregate, offset: number): Aggregate {
  return { ...a, first_line: a.first_line + offset, last_line: a.last_line + offset };
}

/** A record of the tail with its lines moved by `offset` (a copy). */
export function shiftRecord(r: TimelineRecord, offset: number): TimelineRecord {
  const copy: TimelineRecord = { ...r, source: { ...r.source, line: r.source.line + offset } };
  if (typeof r.resumed_line === 'number') copy.resumed_line = r.resumed_line + offset;
  return copy;
}

/** Whether two times are the same (objects from two readers). */
export function sameTime(a: RecordTime | undefined, b: RecordTime | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.clock === b.clock && a.iso === b.iso && a.epoch === b.epoch && a.rel === b.rel;
}
