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
 * The fast reader (fast.ts) splits a file by the same rules, in its own terms (FastTailResult): its tail
 * also gives up on any line it would give the file up on, on a line without a TID prefix and on a
 * thread's execve (`superseded`).
 *
 * What is exact: every record and aggregate equals the one-pass parse's, except when path aggregates
 * are folded (more than MAX_PATH_AGGREGATES (task, path) pairs): each segment folds its own, and the merge
 * folds again, so which small paths end in a task's "other paths" bucket can differ (totals stay exact).
 */
import type { RecordTime, TimelineRecord } from '../../common/types.js';
import type { Aggregate, AggregateCounters } from './aggregates.js';
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

/**
 * The counters of one aggregate of the fast reader (strace/fast.ts `Agg`), as plain data: times are the
 * line whose prefix gave them (-1: none) and its microseconds of the day.
 */
export interface FastAggData extends AggregateCounters {
  firstT: number;
  firstUs: number;
  lastT: number;
  lastUs: number;
  first_line: number;
  last_line: number;
  folded: boolean;
  lastWriteSecond: number;
  firstWriteSecond: number;
}

/**
 * What a tail segment read by the fast reader (strace/fast.ts) hands to the head's fast reader: the
 * string reader's TailResult in the fast reader's terms (calls in flight as argument bytes, aggregates
 * with line-numbered times). Lines are numbered in the tail's own count: its warm-up lines from 1, so
 * the head adds (its lines − `warmLines`) to each.
 */
export interface FastTailResult {
  unsafe: string | undefined;
  warmLines: number;
  fdMisses: number[];
  cwdMisses: number[];
  tables: TailResult['tables'];
  cwds: TailResult['cwds'];
  flushOrder: number[];
  cut: {
    pending: Array<{ tid: number; name: string; args: Uint8Array; timeLine: number; timeUs: number; line: number }>;
    cloneArgs: Array<{ tid: number; args: string }>;
    attachThreadsLeft: number;
    attachLeader: number | undefined;
  };
  tasks: Array<{ tid: number; category: TaskCategory; origin: TaskOrigin; pid: number | undefined; threadOf: number; alive: boolean; linked: boolean; leader: boolean; calls: number; agg: FastAggData | undefined; fdAggs: Array<[number, FastAggData]> | undefined }>;
  paths: Array<{ task: number; entries: Array<[string, FastAggData]>; other: FastAggData | undefined; foldedPaths: number }>;
  pathsFolded: number;
  fdAggTasks: number[];
  syscalls: string[];
  syscallAggs: Array<{ name: string; agg: FastAggData }>;
  records: Array<{ record: TimelineRecord; task: number; detachTid?: number }>;
  callRecords: number;
  callClock: string;
  /** The last call: its record (without tid and pid: the head's task gives them) and the line of its time. */
  lastCall: { record: TimelineRecord; task: number; timeLine: number } | undefined;
  facts: {
    lastLine: number;
    sawBracket: boolean;
    sawColumn: boolean;
    tsMode: string | undefined;
    tsSeen: boolean;
    hasDurations: boolean;
    yStyle: 'y' | 'yy' | undefined;
    firstTimeLine: number;
    firstTimeUs: number;
    lastTimeLine: number;
    lastTimeUs: number;
    attachTargets: number[];
    counts: Record<'calls' | 'failedCalls' | 'unfinishedCalls' | 'signals' | 'exits' | 'writeCalls' | 'fileWriteCalls' | 'readCalls' | 'cloneChildren', number>;
  };
  coverage: { lines: number; data: number; skipped: number; unparsed: number };
}

/** What the merge checks read of a head's task: its fd table and its cwd state (either reader's task). */
export interface HeadView {
  files: Map<number, unknown>;
  fs: { cwd?: string | undefined };
}

/** The assumptions a tail made about fd tables and cwds (either reader's tail result). */
type TailAssumptions = Pick<TailResult, 'tables' | 'cwds' | 'fdMisses' | 'cwdMisses'>;

/**
 * A tail's views (fd tables, cwds), grouped by the head's state they stand for: threads that share one
 * table or cwd in the head had a view each in the tail. Views of owners the head does not know are left out.
 */
function byHeadState<V extends { owner: number }, S, T extends HeadView>(views: readonly V[], headTask: (tid: number) => T | undefined, stateOf: (task: T) => S): Map<S, V[]> {
  const groups = new Map<S, V[]>();
  for (const view of views) {
    const owner = headTask(view.owner);
    if (!owner) continue;
    const group = groups.get(stateOf(owner));
    if (group) group.push(view);
    else groups.set(stateOf(owner), [view]);
  }
  return groups;
}

/**
 * The tail's fd-table assumptions against the head's tables (undefined: they hold). Threads sharing one
 * table in the head each had a view of it in the tail: an fd one view looked up (without an annotation)
 * and another changed, or one assumed absent that another knew, saw that in one pass.
 */
export function tableMismatch<T extends HeadView>(tail: TailAssumptions, headTask: (tid: number) => T | undefined): string | undefined {
  const groups = byHeadState(tail.tables, headTask, (t) => t.files);
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    for (const a of group) {
      const asked = new Set(a.asked);
      for (const b of group) if (b.owner !== a.owner && b.changed.some((fd) => asked.has(fd))) return `TIDs ${a.owner} and ${b.owner} used and changed the same fd of their process after the cut`;
    }
  }
  const m = tail.fdMisses;
  for (let k = 0; k < m.length; k += 3) {
    const owner = m[k + 1]!;
    const task = headTask(m[k]!) ?? headTask(owner);
    if (!task) continue;
    const fd = m[k + 2]!;
    if (task.files.has(fd)) return `fd ${fd} of TID ${m[k]} was known before the cut`;
    for (const other of groups.get(task.files) ?? []) if (other.owner !== owner && other.touched.includes(fd)) return `fd ${fd} of TID ${m[k]} was set by another thread after the cut`;
  }
  return undefined;
}

/** The tail's cwd assumptions against the head's (threads sharing a cwd in the head each had a view in the tail). */
export function cwdMismatch<T extends HeadView>(tail: TailAssumptions, headTask: (tid: number) => T | undefined): string | undefined {
  const groups = byHeadState(tail.cwds, headTask, (t) => t.fs);
  // Views with one owner are copies (fork) or one view; only other owners' are other threads' views.
  for (const group of groups.values()) if (new Set(group.map((c) => c.owner)).size > 1 && group.some((c) => c.changed)) return 'a thread changed the cwd its process shares after the cut';
  const w = tail.cwdMisses;
  for (let k = 0; k < w.length; k += 2) {
    const owner = w[k + 1]!;
    const task = headTask(w[k]!) ?? headTask(owner);
    if (!task) continue;
    if (task.fs.cwd !== undefined || (groups.get(task.fs) ?? []).some((c) => c.owner !== owner && c.known)) return `the cwd of TID ${w[k]} was known before the cut`;
  }
  return undefined;
}
