/**
 * Per-process state that strace output only implies: tasks (TID) and their thread group (PID), fd
 * tables shared by threads (CLONE_FILES) or copied (fork, vfork, posix_spawn), the cwd (CLONE_FS), and
 * what each fd refers to. `attribute()` finds what a call's fd and path arguments designate (into
 * `CallFacts`, which `writeAttribution()` turns into the record's fields) and `applyEffects()` applies
 * the call's effect on the tables.
 */
import type { TimelineRecord } from '../../common/types.js';
import type { ReturnInfo } from './lexer.js';
import type { Aggregate, TaskPaths } from './aggregates.js';
import type { SyscallInfo, SyscallShape } from './syscalls.js';
import { type ArgList, AT_FDCWD, type FdKind, type FdRef, annotationKind, annotationPath, decodeCString, parseFdRef, parseInteger, resolvePath, scmRightsFds, splitArgs } from './values.js';

export interface FdEntry {
  path?: string;
  /** `path` is relative: opened by a relative name while the cwd was unknown. */
  relative?: boolean;
  kind: FdKind | 'unknown';
  cloexec: boolean;
  /**
   * The (task, path) aggregate this fd's calls were last counted in, and whose it is: most calls are on
   * an fd, so this spares the per-path Map lookup (a string hash and compare) on almost every call.
   */
  agg: Aggregate | undefined;
  aggPaths: TaskPaths | undefined;
}

export type FdTable = Map<number, FdEntry>;

export interface FsState {
  cwd?: string;
  /** Set on the cwd state of a task first seen in a tail segment (its cwd at the cut is not known). */
  track?: FsTrack;
}

/**
 * What a tail segment (strace/segments.ts: the second half of a file parsed on its own) had to assume
 * about the state at the cut: fds it looked up and did not find, cwds it read and did not know. The head
 * segment's reader checks each assumption against its own state at the cut before it takes the tail's
 * counts; one wrong assumption and the tail is parsed again after the head instead.
 */
export interface SegmentSink {
  /** [asking tid, table owner tid, fd]: an fd absent from a table this segment never changed at that fd. */
  fdMisses: number[];
  /** [asking tid, owner tid]: a cwd read while unknown. */
  cwdMisses: number[];
  /** Why the tail cannot be merged whatever the head says (an effect it cannot replay), if so. */
  unsafe: string | undefined;
  /** Lines before the cut are being read to learn the state (their counts are thrown away). */
  warming: boolean;
}

export interface TableTrack {
  /** TID of the task first seen in the segment whose table this is (or was copied from). */
  readonly owner: number;
  /** fds this segment set or closed in the table (their state no longer depends on the cut). */
  readonly touched: Set<number>;
  /** Of those, fds named by a -y annotation only: their close-on-exec flag is the cut's, unknown here. */
  readonly learned: Set<number>;
  /** [first, last] ranges closed by close_range: every fd in them is known closed from then on. */
  readonly closed: Array<[number, number]>;
  /** fds the segment opened, closed or copied over (not only named by an annotation). */
  readonly changed: Set<number>;
  /** fds looked up without an annotation (the entry's path or kind was used). */
  readonly asked: Set<number>;
  readonly sink: SegmentSink;
}

export interface FsTrack {
  readonly owner: number;
  readonly sink: SegmentSink;
  /** The segment changed the cwd (chdir, fchdir), not only learnt it from an annotation. */
  changed: boolean;
}

/** Owner of the tracked views of a tail's task without a TID (unprefixed lines): the head names it. */
export const SINGLE_OWNER = -1;

/** A fresh tracking record for a tail's table. */
export function newTableTrack(owner: number, sink: SegmentSink): TableTrack {
  return { owner, touched: new Set(), learned: new Set(), closed: [], changed: new Set(), asked: new Set(), sink };
}

/** The fd table of a task first seen in a tail segment: a Map that remembers which fds the segment changed. */
export class TrackedTable<E extends { cloexec: boolean } = FdEntry> extends Map<number, E> {
  constructor(readonly track: TableTrack) {
    super();
  }
  override set(fd: number, entry: E): this {
    this.track.touched.add(fd);
    this.track.learned.delete(fd);
    this.track.changed.add(fd);
    return super.set(fd, entry);
  }
  override delete(fd: number): boolean {
    this.track.touched.add(fd);
    this.track.learned.delete(fd);
    this.track.changed.add(fd);
    return super.delete(fd);
  }
  /** An entry named by a -y annotation: known from now on, but not a change the segment made. */
  learn(fd: number, entry: E): void {
    super.set(fd, entry);
    this.track.touched.add(fd);
    this.track.learned.add(fd);
  }
}

/**
 * What the helpers below read of a task: its TID and its views of the fd table and the cwd (the string
 * reader's Task, and the fast reader's, whose entries hold its own aggregates).
 */
export interface TableHolder<E extends { cloexec: boolean } = FdEntry> {
  tid: number | undefined;
  files: Map<number, E>;
  fs: FsState;
}

/** A table's entry looked up without an annotation to name it. */
export function lookup<E extends { cloexec: boolean }>(files: Map<number, E>, fd: number): E | undefined {
  if (files instanceof TrackedTable) files.track.asked.add(fd);
  return files.get(fd);
}

/**
 * A tracked table after a successful execve: the fds the segment knows to stay open (set by it, not
 * close-on-exec), still tracked. The others — those only named by an annotation, those from before the
 * cut — are the cut's, so looking them up becomes an assumption again.
 */
export function afterExec<E extends { cloexec: boolean }>(files: TrackedTable<E>): TrackedTable<E> {
  const t = files.track;
  const kept = new TrackedTable<E>({ ...newTableTrack(t.owner, t.sink), closed: [...t.closed], changed: new Set(t.changed), asked: new Set(t.asked) });
  for (const [fd, entry] of files) if (!entry.cloexec && !t.learned.has(fd)) kept.set(fd, entry);
  for (const fd of t.touched) if (!t.learned.has(fd)) kept.track.touched.add(fd);
  return kept;
}

/** A copy of a table (fork, vfork without CLONE_FILES); a tracked table's copy keeps tracking for its owner. */
export function copyTable<E extends { cloexec: boolean }>(files: Map<number, E>): Map<number, E> {
  if (!(files instanceof TrackedTable)) return new Map(files);
  const t = files.track;
  const copy = new TrackedTable<E>({ ...newTableTrack(t.owner, t.sink), closed: [...t.closed], changed: new Set(t.changed), asked: new Set(t.asked) });
  for (const [fd, entry] of files) copy.set(fd, entry);
  for (const fd of files.track.touched) copy.track.touched.add(fd);
  for (const fd of files.track.learned) copy.track.learned.add(fd);
  return copy;
}

/**
 * A dup of an fd absent from a tracked table. After the cut it is an assumption (the source was absent
 * at the cut too) and the copy is made. Before the cut (warm-up) the head's state at that line is not
 * what the check sees, so the copy is not made: the target fd becomes the cut's again, and looking it
 * up later is an assumption checked against the head. Returns true when the copy must not be made.
 */
export function forgetCopy<E extends { cloexec: boolean }>(task: TableHolder<E>, files: Map<number, E>, from: number, to: number): boolean {
  if (!(files instanceof TrackedTable)) return false;
  const track = files.track;
  if (track.touched.has(from) || !track.sink.warming) {
    noteMiss(task, files, from);
    return false;
  }
  forgetFd(files, to);
  return true;
}

/** The fd's state in a tracked table is the cut's again: not in the table, not changed by the segment. */
export function forgetFd<E extends { cloexec: boolean }>(files: TrackedTable<E>, fd: number): void {
  Map.prototype.delete.call(files, fd);
  files.track.touched.delete(fd);
  files.track.learned.delete(fd);
}

/** An fd looked up and absent. In a tracked table and never changed there, the segment assumed it absent at the cut. */
export function noteMiss<E extends { cloexec: boolean }>(task: TableHolder<E>, files: Map<number, E>, fd: number): void {
  if (!(files instanceof TrackedTable)) return;
  const track = files.track;
  // Before the cut a miss changes only what is dropped (counts, records) — or a state that is then
  // forgotten (forgetCopy, an fd opened by a relative path): no assumption to check.
  if (track.sink.warming || track.touched.has(fd)) return;
  for (const [first, last] of track.closed) if (fd >= first && fd <= last) return;
  track.sink.fdMisses.push(task.tid ?? track.owner, track.owner, fd);
}

/** A cwd the task changed (chdir, fchdir): noted on a tail's tracked view. */
export function setCwd(task: { fs: FsState }, cwd: string): void {
  task.fs.cwd = cwd;
  if (task.fs.track !== undefined) task.fs.track.changed = true;
}

/** The cwd of a task, read for a relative path; an unknown cwd of a tracked task is an assumption. */
export function cwdOf(task: { tid: number | undefined; fs: FsState }): string | undefined {
  const fs = task.fs;
  const cwd = fs.cwd;
  if (cwd === undefined && fs.track !== undefined && !fs.track.sink.warming) fs.track.sink.cwdMisses.push(task.tid ?? fs.track.owner, fs.track.owner);
  return cwd;
}

/** Whether a table or a cwd state is a tail segment's partial view. */
export function isTracked(task: { files: Map<number, unknown>; fs: FsState }): boolean {
  return task.files instanceof TrackedTable || task.fs.track !== undefined;
}

/** How a task came to be known. */
export type TaskOrigin = 'first' | 'attach' | 'attach-thread' | 'clone' | 'file-name' | 'unknown';

export interface PendingCall {
  name: string;
  /** Argument text printed at entry (the `<unfinished ...>` half). */
  args: string;
  time: TimelineRecord['time'];
  line: number;
}

export interface Task {
  tid: number | undefined;
  /** Thread group id when known directly (leaders); threads resolve through `threadOf`. */
  pid: number | undefined;
  threadOf: Task | undefined;
  /** The parent's tid for clone children (fork or thread). */
  parent: Task | undefined;
  files: FdTable;
  fs: FsState;
  alive: boolean;
  origin: TaskOrigin;
  /** A linked clone child (its sharing flags applied). */
  linked: boolean;
  /** A call waiting for its `<... NAME resumed>` half. */
  pending: PendingCall | undefined;
  /** Argument text of a clone-family call in flight (open line or unfinished), for children seen before it returns. */
  cloneArgs: string | undefined;
  /** The first task of a capture started with a command: a process leader once it calls execve. */
  maybeLeader: boolean;
  /** Its first call was a successful execve: a process leader, pid = tid. */
  leader: boolean;
  calls: number;
  firstLine: number;
  /** This task's path aggregates once it has some (PathAggregates.of(task), kept here to skip its Map lookup). */
  aggPaths: TaskPaths | undefined;
  /** All calls of this task (the scope 'task' aggregate), from its first call. */
  agg: Aggregate | undefined;
  /** Reads and writes on fds whose path the trace cannot tell (opened before it began), per fd. */
  fdAggs: Map<number, Aggregate> | undefined;
}

/** Every field present (undefined when unknown): one hidden class, as tasks are read on every line. */
export function newTask(origin: TaskOrigin, line: number, tid?: number): Task {
  return { tid, pid: undefined, threadOf: undefined, parent: undefined, files: new Map(), fs: {}, alive: true, origin, linked: false, pending: undefined, cloneArgs: undefined, maybeLeader: false, leader: false, calls: 0, firstLine: line, aggPaths: undefined, agg: undefined, fdAggs: undefined };
}

/** A table entry with every field present: one hidden class for all entries (read on every fd call). */
function fdEntry(path: string | undefined, relative: boolean | undefined, kind: FdEntry['kind'], cloexec: boolean): FdEntry {
  return { path, relative, kind, cloexec, agg: undefined, aggPaths: undefined };
}

export function pidOf(task: Task): number | undefined {
  let t: Task = task;
  for (let hops = 0; t.threadOf && hops < 64; hops++) t = t.threadOf;
  return t.pid ?? (t.leader ? t.tid : undefined);
}

/** Apply a clone's flags to a child: thread (same pid), shared or copied fd table and fs state. */
export function linkChild(parent: Task, child: Task, name: string, args: string): void {
  if (child.linked) return;
  child.linked = true;
  child.parent = parent;
  child.origin = 'clone';
  const flags = name === 'clone' || name === 'clone3' ? cloneFlags(args) : '';
  if (flags.includes('CLONE_THREAD')) child.threadOf = parent;
  else if (child.tid !== undefined) child.pid = child.tid;
  child.files = flags.includes('CLONE_FILES') ? parent.files : copyTable(parent.files);
  child.fs = flags.includes('CLONE_FS') ? parent.fs : { ...parent.fs };
}

function cloneFlags(args: string): string {
  const at = args.indexOf('flags=');
  if (at < 0) return '';
  let end = at + 6;
  while (end < args.length && args.charCodeAt(end) !== 44 && args.charCodeAt(end) !== 125) end++;
  return args.slice(at + 6, end);
}

/**
 * What an fd argument designates. One instance is reused (fdView runs once or twice per call and its
 * result is read at once): no allocation per call.
 */
interface FdView {
  path: string | undefined;
  kind: FdKind | 'unknown' | undefined;
  source: 'y-annotation' | 'fd-table' | undefined;
  relative: boolean;
  annotation: string | undefined;
  reason: string | undefined;
  /** The table entry `path` comes from. */
  entry: FdEntry | undefined;
}

const view: FdView = { path: undefined, kind: undefined, source: undefined, relative: false, annotation: undefined, reason: undefined, entry: undefined };

function fdView(task: Task, ref: FdRef): FdView {
  const v = view;
  v.path = undefined;
  v.kind = undefined;
  v.source = undefined;
  v.relative = false;
  v.annotation = undefined;
  v.reason = undefined;
  v.entry = undefined;
  const ann = ref.annotation;
  if (ann !== undefined) {
    const kind = annotationKind(ann);
    // annotationPath gives back its argument or a shorter copy: `fresh === ann` is an identity test
    // (no character comparison), and it says whether the path is the whole annotation.
    const fresh = kind === 'file' ? annotationPath(ann) : ann;
    const whole = fresh === ann;
    let path = fresh;
    // Learn from the annotation: fds opened before the trace become known.
    const known = task.files.get(ref.fd);
    if (!known || known.path !== path) {
      v.entry = fdEntry(path, undefined, kind, known?.cloexec ?? false);
      if (task.files instanceof TrackedTable && !known) task.files.learn(ref.fd, v.entry);
      else task.files.set(ref.fd, v.entry);
    }
    else {
      // Same text as the table's: hand out the table's string (already kept, its hash computed, and
      // identical to the key of its cached aggregate); the fresh copy becomes garbage at once.
      path = known.path;
      v.entry = known;
    }
    v.path = path;
    v.kind = kind;
    v.source = 'y-annotation';
    v.annotation = whole ? path : ann;
    return v;
  }
  const entry = lookup(task.files, ref.fd);
  if (entry === undefined) noteMiss(task, task.files, ref.fd);
  if (entry?.path !== undefined) {
    v.path = entry.path;
    v.entry = entry;
    v.kind = entry.kind;
    v.source = 'fd-table';
    v.relative = entry.relative === true;
  } else {
    if (entry && entry.kind !== 'unknown') v.kind = entry.kind;
    v.reason = unknownFdReason(ref.fd, entry);
  }
  return v;
}

/** Why an fd without a -y annotation has no path: its table entry (if any) has none. */
export function unknownFdReason(fd: number, entry: { kind: FdKind | 'unknown' } | undefined): string {
  if (entry && entry.kind !== 'unknown') return `fd ${fd} is a ${entry.kind} without a path (capture with -y or -yy to name it)`;
  if (entry) return `fd ${fd} is a copy of an fd whose target is unknown`;
  if (fd >= 0 && fd <= 2) return `fd ${fd} is a standard stream that was open before the trace began (-y names it)`;
  return `fd ${fd} was not opened in the trace (opened before it began, by an untraced task, or its open was filtered out)`;
}

/**
 * What `attribute` found about a call's fds and paths: the parser reads it back for its counts and
 * aggregates, and `writeAttribution` turns it into the call record's fields. Kept apart from the record
 * because in analysis most call records are never built (only the first and the last reach the sink),
 * and because records come in many shapes, so that reading them back would be a megamorphic access.
 */
export class CallFacts {
  /** The fd argument (or, for a path call, its dirfd when it is a real fd); undefined when absent. */
  fd: number | undefined = undefined;
  /** `fd` is a path call's dirfd: its fields follow the path's in the record. */
  fdIsDirfd = false;
  /** The fd's `-y` annotation as printed (`fd_path`). */
  fdPath: string | undefined = undefined;
  fdDeleted = false;
  fdKind: FdKind | undefined = undefined;
  path: string | undefined = undefined;
  pathRelative = false;
  pathSource: 'y-annotation' | 'fd-table' | 'argument' | undefined = undefined;
  /** Why the fd has no path (only when `path` is undefined). */
  pathUnknownReason: string | undefined = undefined;
  fd2: number | undefined = undefined;
  path2: string | undefined = undefined;
  /** The `bytes` field, or -1 when absent. */
  bytes = -1;
  /** The fd-table entry `path` was read from (undefined when `path` came from an argument). */
  entry: FdEntry | undefined = undefined;

  reset(): void {
    this.fd = undefined;
    this.fdIsDirfd = false;
    this.fdPath = undefined;
    this.fdDeleted = false;
    this.fdKind = undefined;
    this.path = undefined;
    this.pathRelative = false;
    this.pathSource = undefined;
    this.pathUnknownReason = undefined;
    this.fd2 = undefined;
    this.path2 = undefined;
    this.bytes = -1;
    this.entry = undefined;
  }
}

/**
 * The call record's fd/path fields from `facts`, in the order the record has always had them: an fd
 * call's fd fields, then its path (or why it has none); a path call's path, then its dirfd; then the
 * second fd and path, then bytes. (The shapes never give one call both an fd and a path argument.)
 */
export function writeAttribution(record: TimelineRecord, facts: CallFacts): void {
  if (facts.fd !== undefined && !facts.fdIsDirfd) {
    record.fd = facts.fd;
    if (facts.fdPath !== undefined) record.fd_path = facts.fdPath;
    if (facts.fdDeleted) record.fd_deleted = true;
    if (facts.fdKind !== undefined) record.fd_kind = facts.fdKind;
  }
  if (facts.path !== undefined) {
    record.path = facts.path;
    record.path_source = facts.pathSource;
    if (facts.pathRelative) record.path_relative = true;
  } else if (facts.pathUnknownReason !== undefined) record.path_unknown_reason = facts.pathUnknownReason;
  if (facts.fd !== undefined && facts.fdIsDirfd) {
    record.fd = facts.fd;
    if (facts.fdPath !== undefined) record.fd_path = facts.fdPath;
  }
  if (facts.fd2 !== undefined) record.fd2 = facts.fd2;
  if (facts.path2 !== undefined) record.path2 = facts.path2;
  if (facts.bytes >= 0) record.bytes = facts.bytes;
}

/** The directory a dirfd argument stands for. */
function dirOf(task: Task, ref: FdRef): string | undefined {
  if (ref.fd === AT_FDCWD) {
    if (ref.annotation !== undefined) task.fs.cwd = ref.annotation;
    return cwdOf(task);
  }
  return fdView(task, ref).path;
}

/** A path argument decoded, or undefined when it is NULL, a pointer or not a string. */
function pathArg(text: string | undefined): string | undefined {
  if (text === undefined || text.charCodeAt(0) !== 34) return undefined;
  return decodeCString(text)?.text;
}

interface ResolvedPath {
  path: string;
  relative: boolean;
}

function resolveArg(task: Task, args: ArgList, pathIndex: number, dirfdIndex: number | undefined): ResolvedPath | undefined {
  const p = pathArg(args.get(pathIndex));
  if (p === undefined) return undefined;
  if (p.startsWith('/')) return { path: p, relative: false };
  let dir: string | undefined;
  if (dirfdIndex !== undefined) {
    const ref = args.fdRef(dirfdIndex);
    if (ref) dir = dirOf(task, ref);
  } else dir = cwdOf(task);
  if (dir === undefined || !dir.startsWith('/')) return { path: p, relative: true };
  return { path: p === '' ? dir : resolvePath(dir, p), relative: false };
}

/** What a call's fd and path arguments designate (before the call's effects are applied), into `facts`. */
export function attribute(task: Task, shape: SyscallShape | undefined, args: ArgList, ret: ReturnInfo | undefined, facts: CallFacts): void {
  facts.reset();
  if (!shape) return;
  let hasFd = false;
  if (shape.fd !== undefined) {
    const ref = args.fdRef(shape.fd);
    if (ref && ref.fd >= 0) {
      facts.fd = ref.fd;
      hasFd = true;
      const v = fdView(task, ref);
      facts.fdPath = v.annotation;
      facts.fdDeleted = ref.deleted === true;
      if (v.kind !== undefined && v.kind !== 'unknown') facts.fdKind = v.kind;
      if (v.path !== undefined) {
        facts.path = v.path;
        facts.pathSource = v.source;
        facts.entry = v.entry;
        if (v.relative) facts.pathRelative = true;
      } else if (v.reason) facts.pathUnknownReason = v.reason;
    }
  }
  if (shape.fd2 !== undefined) {
    const ref = args.fdRef(shape.fd2);
    if (ref && ref.fd >= 0) {
      facts.fd2 = ref.fd;
      const path = fdView(task, ref).path;
      if (path !== undefined) facts.path2 = path;
    }
  }
  if (shape.path !== undefined) {
    const resolved = resolveArg(task, args, shape.path, shape.dirfd);
    if (resolved) {
      facts.path = resolved.path;
      facts.pathSource = 'argument';
      facts.entry = undefined;
      if (resolved.relative) facts.pathRelative = true;
      facts.pathUnknownReason = undefined;
    }
    if (shape.dirfd !== undefined && !hasFd) {
      const ref = args.fdRef(shape.dirfd);
      if (ref && ref.fd >= 0) {
        facts.fd = ref.fd;
        facts.fdIsDirfd = true;
        facts.fdPath = ref.annotation;
      }
    }
  }
  if (shape.path2 !== undefined) {
    const resolved = resolveArg(task, args, shape.path2, shape.dirfd2);
    if (resolved) facts.path2 = resolved.path;
  }
  if (ret?.ret !== undefined && ret.ret >= 0 && ret.errno === undefined && (shape.io !== undefined || shape.copy !== undefined)) {
    facts.bytes = ret.ret;
  }
}

/** What a completed call changes: fd tables, cwd, a clone child. Returns the child tid of a clone. */
export function applyEffects(task: Task, info: SyscallInfo, args: ArgList, ret: ReturnInfo, facts: CallFacts): number | undefined {
  const files = task.files;
  const name = info.name;
  const effect = info.effect;
  if (effect === 'none') return undefined;
  if (effect === 'close') {
    const ref = args.fdRef(0);
    // Linux releases the fd even when close reports EINTR/EIO; EBADF means it was not open.
    if (ref && ret.errno !== 'EBADF') files.delete(ref.fd);
    return undefined;
  }
  const ok = ret.errno === undefined && ret.ret !== undefined && ret.ret >= 0;
  if (!ok) return undefined;
  const r = ret.ret!;
  if (effect === 'open') {
    const fromRet = ret.retFd?.annotation;
    const path = fromRet !== undefined ? annotationPath(fromRet) : facts.path;
    const flags = args.get(name === 'open' || name === 'creat' ? 1 : 2) ?? '';
    const relative = fromRet === undefined && facts.pathRelative ? true : undefined;
    // Before a segment's cut, a relative path may be relative only for want of the cut's cwd or dirfd.
    if (relative && files instanceof TrackedTable && files.track.sink.warming) {
      forgetFd(files, r);
      return undefined;
    }
    files.set(r, fdEntry(path, relative, fromRet !== undefined ? annotationKind(fromRet) : 'file', flags.includes('O_CLOEXEC')));
    return undefined;
  }
  switch (effect) {
    case 'dup': {
      const old = args.fdRef(0);
      if (!old || old.fd === r) return undefined;
      setCopy(task, old, r, name === 'dup3' && (args.get(2) ?? '').includes('O_CLOEXEC'), ret.retFd);
      return undefined;
    }
    case 'fcntl': {
      const cmd = args.get(1) ?? '';
      const ref = args.fdRef(0);
      if (!ref) return undefined;
      if (cmd === 'F_DUPFD' || cmd === 'F_DUPFD_CLOEXEC') setCopy(task, ref, r, cmd === 'F_DUPFD_CLOEXEC', ret.retFd);
      else if (cmd === 'F_SETFD') {
        const entry = files.get(ref.fd);
        if (entry) entry.cloexec = (args.get(2) ?? '').includes('FD_CLOEXEC');
      }
      return undefined;
    }
    case 'pipe':
      setArrayFds(task, args.get(0), 'pipe', (args.get(1) ?? '').includes('CLOEXEC'));
      return undefined;
    case 'socketpair':
      setArrayFds(task, args.get(3), 'socket', (args.get(1) ?? '').includes('CLOEXEC'));
      return undefined;
    case 'socket':
      setNew(task, r, 'socket', undefined, args.all().some((a) => a.includes('CLOEXEC')), ret.retFd);
      return undefined;
    case 'memfd': {
      const n = pathArg(args.get(0));
      setNew(task, r, 'memfd', n === undefined ? undefined : `/memfd:${n}`, (args.get(1) ?? '').includes('CLOEXEC'), ret.retFd);
      return undefined;
    }
    case 'close_range': {
      const first = parseInteger(args.get(0) ?? '');
      const last = parseInteger(args.get(1) ?? '') ?? Number.MAX_SAFE_INTEGER;
      if (first === undefined) return undefined;
      const markOnly = (args.get(2) ?? '').includes('CLOSE_RANGE_CLOEXEC');
      // A partly known table: the fds of the cut in the range are closed too, whatever they were.
      if (files instanceof TrackedTable && !markOnly) files.track.closed.push([first, last]);
      for (const [fd, entry] of files) {
        if (fd < first || fd > last) continue;
        if (markOnly) entry.cloexec = true;
        else files.delete(fd);
      }
      return undefined;
    }
    case 'chdir':
      if (facts.path !== undefined && !facts.pathRelative) setCwd(task, facts.path);
      return undefined;
    case 'fchdir':
      if (facts.path !== undefined) setCwd(task, facts.path);
      // To an fd the segment does not know: the cwd is the cut's again (reading it is an assumption).
      else if (task.fs.track !== undefined) {
        task.fs.cwd = undefined;
        task.fs.track.changed = true;
      }
      return undefined;
    default:
      break;
  }
  if (effect === 'anon') {
    setNew(task, r, 'anon', info.anonPath, args.all().some((a) => a.includes('CLOEXEC')), ret.retFd);
    return undefined;
  }
  if (effect === 'exec') {
    // A successful exec closes close-on-exec fds and gives the process a table of its own.
    if (files instanceof TrackedTable) task.files = afterExec(files);
    else {
      const kept: FdTable = new Map();
      for (const [fd, entry] of files) if (!entry.cloexec) kept.set(fd, entry);
      task.files = kept;
    }
    task.fs = { ...task.fs };
    return undefined;
  }
  if (effect === 'recvfds') {
    // Fds received through SCM_RIGHTS: named by their -y annotation, else known to exist only.
    const cloexec = (args.get(2) ?? '').includes('MSG_CMSG_CLOEXEC');
    for (const ref of scmRightsFds(args.raw())) {
      if (ref.fd < 0) continue;
      const ann = ref.annotation;
      const kind = ann !== undefined ? annotationKind(ann) : 'unknown';
      files.set(ref.fd, fdEntry(ann === undefined ? undefined : kind === 'file' ? annotationPath(ann) : ann, undefined, kind, cloexec));
    }
    return undefined;
  }
  if (effect === 'clone' && r > 0) return r;
  return undefined;
}

function setCopy(task: Task, old: FdRef, to: number, cloexec: boolean, retFd: FdRef | undefined): void {
  const ann = retFd?.annotation ?? old.annotation;
  // With an annotation the copy is named by it: the source's entry gives only `relative`, then reset.
  const src = ann === undefined ? lookup(task.files, old.fd) : task.files.get(old.fd);
  if (src === undefined && ann === undefined && forgetCopy(task, task.files, old.fd, to)) return;
  let path = src?.path;
  let relative = src?.relative;
  let kind: FdEntry['kind'] = src?.kind ?? 'unknown';
  if (ann !== undefined) {
    kind = annotationKind(ann);
    path = kind === 'file' ? annotationPath(ann) : ann;
    relative = undefined;
  }
  task.files.set(to, fdEntry(path, relative, kind, cloexec));
}

function setNew(task: Task, fd: number, kind: FdKind, path: string | undefined, cloexec: boolean, retFd: FdRef | undefined): void {
  const ann = retFd?.annotation;
  task.files.set(fd, fdEntry(ann ?? path, undefined, ann !== undefined ? annotationKind(ann) : kind, cloexec));
}

/** `[3, 4]` or `[3<pipe:[1]>, 4<pipe:[1]>]` (pipe2, socketpair output arrays). */
function setArrayFds(task: Task, text: string | undefined, kind: FdKind, cloexec: boolean): void {
  if (text === undefined || !text.startsWith('[') || !text.endsWith(']')) return;
  for (const item of splitArgs(text.slice(1, -1))) {
    const ref = parseFdRef(item);
    if (ref && ref.fd >= 0) setNew(task, ref.fd, kind, undefined, cloexec, ref);
  }
}
