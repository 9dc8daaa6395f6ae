/**
 * The per-(task, path) and per-syscall aggregates of a trace, in bounded memory.
 *
 * Paths are unbounded in a real trace (every accepted connection is a new `socket:[N]`, a build opens
 * every source file), so the number of path aggregates kept is capped: when more than MAX_PATH_AGGREGATES
 * are held, the smaller half (fewest bytes, then fewest calls, then the latest first call) is folded into
 * its task's "other paths" bucket (emitted as a `scope: 'path'` aggregate without `path`). Totals stay
 * exact; a folded path that shows up again starts a new aggregate, so its own counts cover only the calls
 * after the fold (the rest is in the bucket).
 */
import type { RecordTime } from '../../common/types.js';
import type { ReturnInfo } from './lexer.js';
import type { FdEntry } from './tracker.js';

/**
 * Counters of one aggregate. A class (one hidden class, fields declared up front): these objects are
 * updated on every call, so their property accesses must stay monomorphic.
 */
export class Aggregate {
  calls = 0;
  errors = 0;
  read_bytes = 0;
  written_bytes = 0;
  time_s = 0;
  first_time: RecordTime | undefined = undefined;
  last_time: RecordTime | undefined = undefined;
  first_line: number;
  /** Line of the last call (to merge folded aggregates in order). */
  last_line: number;
  /** Folded into the task's other-paths bucket: the caches must not hand it out any more. */
  folded = false;
  // Per-path operation counters (scope 'path' only), so the model and the rules need no per-call
  // records: successful opens (and of them, those that may create: O_CREAT or creat), unlinks,
  // mkdirs, rmdirs (rmdir or unlinkat AT_REMOVEDIR) and renames; read- and write-family calls
  // whatever their result; distinct seconds with a write (for "writes without pause").
  opens = 0;
  creates = 0;
  unlinks = 0;
  mkdirs = 0;
  rmdirs = 0;
  renames = 0;
  read_calls = 0;
  write_calls = 0;
  write_seconds = 0;
  /** Second of the last write counted in write_seconds (NaN: none yet). */
  lastWriteSecond = NaN;
  /** Second of the first write counted (to merge a later segment's aggregate: strace/segments.ts). */
  firstWriteSecond = NaN;
  constructor(line: number) {
    this.first_line = line;
    this.last_line = line;
  }
}

/** Path aggregates held before the smaller half is folded (~250 bytes each with their key). */
export const MAX_PATH_AGGREGATES = 32768;

export function newAggregate(line: number): Aggregate {
  return new Aggregate(line);
}

export function addTo(agg: Aggregate, ret: ReturnInfo | undefined, time: RecordTime | undefined, read: number, written: number, line: number): void {
  agg.calls++;
  if (ret !== undefined) {
    if (ret.errno !== undefined) agg.errors++;
    if (ret.durationS !== undefined) agg.time_s += ret.durationS;
  }
  agg.read_bytes += read;
  agg.written_bytes += written;
  agg.last_line = line;
  if (time) {
    agg.first_time ??= time;
    agg.last_time = time;
  }
}

/** The per-path operation counters of an aggregate (the string reader's Aggregate or the fast reader's). */
export interface OpCounters {
  opens: number;
  creates: number;
  unlinks: number;
  mkdirs: number;
  rmdirs: number;
  renames: number;
  read_calls: number;
  write_calls: number;
  write_seconds: number;
}

/** The operation counters of a path aggregate, those that are not zero, onto its record. */
export function opFields(record: Record<string, unknown>, a: OpCounters): void {
  if (a.opens > 0) record.opens = a.opens;
  if (a.creates > 0) record.creates = a.creates;
  if (a.unlinks > 0) record.unlinks = a.unlinks;
  if (a.mkdirs > 0) record.mkdirs = a.mkdirs;
  if (a.rmdirs > 0) record.rmdirs = a.rmdirs;
  if (a.renames > 0) record.renames = a.renames;
  if (a.read_calls > 0) record.read_calls = a.read_calls;
  if (a.write_calls > 0) record.write_calls = a.write_calls;
  if (a.write_seconds > 0) record.write_seconds = a.write_seconds;
}

/**
 * The order in which a fold keeps path aggregates: most bytes first, then most calls, then the earliest
 * first call; the first MAX_PATH_AGGREGATES / 2 stay. The sort keys are copied once into columns (the
 * comparator runs ~n log n times); Array.prototype.sort is stable.
 */
export function foldOrder(aggs: ReadonlyArray<{ read_bytes: number; written_bytes: number; calls: number; first_line: number }>): number[] {
  const n = aggs.length;
  const bytes = new Float64Array(n);
  const calls = new Float64Array(n);
  const lines = new Float64Array(n);
  const order: number[] = [];
  for (let k = 0; k < n; k++) {
    const agg = aggs[k]!;
    bytes[k] = agg.read_bytes + agg.written_bytes;
    calls[k] = agg.calls;
    lines[k] = agg.first_line;
    order.push(k);
  }
  order.sort((x, y) => bytes[y]! - bytes[x]! || calls[y]! - calls[x]! || lines[x]! - lines[y]!);
  return order;
}

/** The counters an aggregate sums (the fast reader's Agg has them too, under the same names). */
export interface AggregateCounters extends OpCounters {
  calls: number;
  errors: number;
  read_bytes: number;
  written_bytes: number;
  time_s: number;
}

/** Add `from`'s counters into `into` (write seconds and times are each merge's own). */
export function addCounters(into: AggregateCounters, from: AggregateCounters): void {
  into.calls += from.calls;
  into.errors += from.errors;
  into.read_bytes += from.read_bytes;
  into.written_bytes += from.written_bytes;
  into.time_s += from.time_s;
  into.opens += from.opens;
  into.creates += from.creates;
  into.unlinks += from.unlinks;
  into.mkdirs += from.mkdirs;
  into.rmdirs += from.rmdirs;
  into.renames += from.renames;
  into.read_calls += from.read_calls;
  into.write_calls += from.write_calls;
}

/** Add `from` into `into` (both cover disjoint calls; times follow the line order). */
function merge(into: Aggregate, from: Aggregate): void {
  const empty = into.calls === 0;
  addCounters(into, from);
  // Seconds of different paths may coincide: the sum is an upper bound of the bucket's write seconds.
  into.write_seconds += from.write_seconds;
  if (empty || from.first_line < into.first_line) {
    into.first_line = from.first_line;
    into.first_time = from.first_time ?? into.first_time;
  }
  if (empty || from.last_line > into.last_line) {
    into.last_line = from.last_line;
    into.last_time = from.last_time ?? into.last_time;
  }
}

/**
 * Add `later` into `into`, `later` holding the calls that followed all of `into`'s (the tail segment of
 * a file, strace/segments.ts): the result is the aggregate of all the calls counted in one pass. A second
 * with writes at the end of one and the start of the other is counted once.
 */
export function mergeLater(into: Aggregate, later: Aggregate): void {
  addLaterCounters(into, later);
  into.first_time ??= later.first_time;
  if (later.last_time) into.last_time = later.last_time;
  into.last_line = later.last_line;
}

/** The counters of mergeLater (either reader's aggregates): write seconds at the seam counted once. */
export function addLaterCounters(into: AggregateCounters & WriteSeconds, later: AggregateCounters & WriteSeconds): void {
  addCounters(into, later);
  if (later.write_seconds > 0) {
    const shared = later.firstWriteSecond === into.lastWriteSecond ? 1 : 0;
    if (into.write_seconds === 0) into.firstWriteSecond = later.firstWriteSecond;
    into.write_seconds += later.write_seconds - shared;
    into.lastWriteSecond = later.lastWriteSecond;
  }
}

/** The first and the last second with a write (NaN: none yet). */
interface WriteSeconds {
  firstWriteSecond: number;
  lastWriteSecond: number;
}

/** Add a folded bucket into another (both sums of folded paths: an upper bound of write seconds). */
export function mergeBuckets(into: Aggregate, from: Aggregate): void {
  merge(into, from);
}

/** The path aggregates of one task. */
export class TaskPaths {
  readonly map = new Map<string, Aggregate>();
  /** The path looked up last and its aggregate: a task's calls come in runs on one file. */
  lastPath: string | undefined;
  lastAgg: Aggregate | undefined;
  /** Paths folded away (see the module doc); undefined until the first fold. */
  other: Aggregate | undefined;
  foldedPaths = 0;
}

export class PathAggregates<K> {
  /** Per task, in the order tasks got their first path aggregate. */
  readonly byTask = new Map<K, TaskPaths>();
  /** @param max aggregates held before a fold (tests use a small one). */
  constructor(readonly max = MAX_PATH_AGGREGATES) {}
  private count = 0;
  /** Distinct (task, path) aggregates folded so far. */
  folded = 0;
  /** Fold passes run. */
  folds = 0;
  private lastKey: K | undefined;
  private lastPaths: TaskPaths | undefined;

  of(key: K): TaskPaths {
    if (key === this.lastKey && this.lastPaths !== undefined) return this.lastPaths;
    let paths = this.byTask.get(key);
    if (!paths) this.byTask.set(key, (paths = new TaskPaths()));
    this.lastKey = key;
    this.lastPaths = paths;
    return paths;
  }

  /**
   * Count a call on `path` (`entry`: the fd-table entry the path came from, whose cached aggregate is
   * tried first). Returns the aggregate counted into, for the caller's operation counters.
   */
  add(paths: TaskPaths, path: string, line: number, ret: ReturnInfo | undefined, time: RecordTime | undefined, read: number, written: number, entry?: FdEntry): Aggregate {
    let a: Aggregate | undefined;
    const cached = entry?.agg;
    // `entry.path === path` is an identity check here (the path was handed out from the entry).
    if (cached !== undefined && entry!.aggPaths === paths && !cached.folded && entry!.path === path) a = cached;
    else if (path === paths.lastPath && paths.lastAgg !== undefined && !paths.lastAgg.folded) a = paths.lastAgg;
    else {
      a = paths.map.get(path);
      if (!a) {
        paths.map.set(path, (a = newAggregate(line)));
        if (++this.count > this.max) {
          this.fold();
          // The new aggregate has no call yet, so it was folded first: start it again.
          if (a.folded) paths.map.set(path, (a = newAggregate(line)));
          this.count++;
        }
      }
      paths.lastPath = path;
      paths.lastAgg = a;
    }
    if (entry !== undefined && entry.agg !== a) {
      entry.agg = a;
      entry.aggPaths = paths;
    }
    addTo(a, ret, time, read, written, line);
    return a;
  }

  /** Take a later segment's aggregate of `path` (strace/segments.ts); call foldIfOver() after the last. */
  absorb(paths: TaskPaths, path: string, later: Aggregate): void {
    const a = paths.map.get(path);
    if (a) mergeLater(a, later);
    else {
      paths.map.set(path, later);
      this.count++;
    }
  }

  /** Fold when more aggregates than the cap are held (after absorb()). */
  foldIfOver(): void {
    if (this.count > this.max) this.fold();
  }

  /** Fold the smaller half of all path aggregates into their task's other-paths bucket. */
  private fold(): void {
    // Columns instead of one object per aggregate: a fold runs over MAX_PATH_AGGREGATES entries, and
    // 32 k short-lived objects (alive for the whole sort) would be copied by the young-generation GC.
    // The sort keys are copied once (the comparator runs ~n log n times); Array.prototype.sort is
    // stable, so the order is the one of sorting the entries themselves with the same comparator.
    const owners: TaskPaths[] = [];
    const keys: string[] = [];
    const aggs: Aggregate[] = [];
    for (const paths of this.byTask.values()) {
      paths.map.forEach((agg, path) => {
        owners.push(paths);
        keys.push(path);
        aggs.push(agg);
      });
    }
    const n = aggs.length;
    const order = foldOrder(aggs);
    const keep = this.max >> 1;
    for (let k = keep; k < n; k++) {
      const at = order[k]!;
      const paths = owners[at]!;
      const agg = aggs[at]!;
      paths.map.delete(keys[at]!);
      agg.folded = true;
      if (agg.calls === 0) continue; // the aggregate being created: nothing to fold
      merge((paths.other ??= newAggregate(agg.first_line)), agg);
      paths.foldedPaths++;
      this.folded++;
    }
    this.count = Math.min(n, keep);
    this.folds++;
  }
}
