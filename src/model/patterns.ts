/**
 * Path patterns: many paths that differ only by an id, a counter or a date are one thing to a human
 * (`/tmp/<uuid>/<n>.txt` × 1,425 is "the app's temp files"). `foldPath` replaces the variable parts of a
 * path with placeholders; `groupPaths` aggregates observations (opens, reads, writes…) per folded pattern.
 *
 * Placeholders (rules and why in docs/model/patterns-and-devices.md):
 * - `{pid}` / `{tid}`: `/proc/<n>/…` and `/proc/<pid>/task/<n>/…`.
 * - `{uuid}`: 8-4-4-4-12 hex, any case.
 * - `{date}`, `{time}`: `2024-05-01`, `2024_05_01`, `20240501`, optionally followed by a time of day
 *   (`T12:30:00`, `_12-30-00`, `123000`, `Z`); a lone `12:30:00` is `{time}`.
 * - `{hex}`: an alphanumeric run of ≥ 8 hex digits holding at least one digit and one letter (container ids, shas).
 * - `{n}`: a decimal number that is the whole name (`/dev/pts/3`), the whole stem (`669.txt`), or an
 *   embedded run of ≥ 3 digits (`core.12345`, `log.2024`, `part-00003`). Short embedded numbers
 *   (`clang-14`, `x86_64`) and version numbers (`python3.11`, `libc.so.6`, `cpython-311`) stay.
 * - `{rand}`: random suffixes of temp-file makers, only after a known prefix (`tmp`, `temp`, `.tmp`, gcc's `cc`).
 *
 * Pure: no I/O. Linear in the number of observations apart from the final sorts (O(n log n)).
 */
import type { SourceRef } from '../common/types.js';

export type PathOp = 'open' | 'create' | 'read' | 'write' | 'unlink' | 'mkdir' | 'rmdir' | 'rename';
export const PATH_OPS: readonly PathOp[] = ['open', 'create', 'read', 'write', 'unlink', 'mkdir', 'rmdir', 'rename'];

export interface PathObservation {
  path: string;
  /** Epoch seconds, when the source has absolute times. */
  time?: number;
  op: PathOp;
  /** Bytes moved by a `read` / `write` (ignored for other ops); for a counted observation, by all of them. */
  bytes?: number;
  /** How many operations this observation stands for (an aggregate's count); 1 when absent. */
  count?: number;
  /** Epoch seconds of the last of them, when they span a time. */
  lastTime?: number;
  pid?: number;
  tid?: number;
  source: SourceRef;
}

export interface FoldedPath {
  /** The path with its variable parts replaced by placeholders (`/tmp/{uuid}/{n}.txt`). */
  pattern: string;
  /** The replaced texts, left to right (`['bf482cd4-…', '294']`). */
  vars: string[];
}

export interface Spread {
  min: number;
  /** Middle value; the mean of the two middle values when the count is even. */
  median: number;
  max: number;
}

export interface PathPattern {
  pattern: string;
  /** Distinct full paths that fold into the pattern. */
  files: number;
  /** Distinct parent directories of those paths. */
  directories: number;
  filesPerDirectory: Spread;
  observations: number;
  ops: Record<PathOp, number>;
  bytesRead: number;
  bytesWritten: number;
  /** Epoch seconds of the first / last timed observation. */
  first?: number;
  last?: number;
  /**
   * Per directory, last minus first time anything in it (or the directory itself, by mkdir/rmdir) was
   * seen, in seconds; over the directories that have at least one timed observation.
   */
  directoryLifetime?: Spread;
  pids: number[];
  tids: number[];
  /** The first paths in sort order (at most MAX_EXAMPLES). */
  examples: string[];
  /** The first source references in (file, line) order (at most MAX_PATTERN_EVIDENCE). */
  evidence: SourceRef[];
}

export const MAX_EXAMPLES = 3;
export const MAX_PATTERN_EVIDENCE = 8;

// ---------------------------------------------------------------------------------------------------
// foldPath

const ALL_DIGITS = /^[0-9]+$/;
const HAS_DIGIT = /[0-9]/;
const HEX_RUN = /^[0-9a-fA-F]+$/;
const HAS_HEX_LETTER = /[a-fA-F]/;
/** One or more extensions that start with a letter: `.txt`, `.tar.gz`, `.json`. */
const EXTENSIONS = /^(?:\.[A-Za-z][A-Za-z0-9]*)+$/;

/**
 * Tokens of a segment, tried at each boundary between alphanumeric runs. Every branch is bounded or a
 * single greedy character class followed by a boundary, so matching is linear (no backtracking blow-up).
 */
const TOKEN =
  /(?<![0-9A-Za-z])(?:(?<uuid>[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})|(?<date>(?:19|20)[0-9]{2}(?<ds>[-_]?)(?:0[1-9]|1[0-2])\k<ds>(?:0[1-9]|[12][0-9]|3[01]))(?:(?<tsep>[T_-]?)(?<time>(?:[01][0-9]|2[0-3])(?<ts>[:-]?)[0-5][0-9]\k<ts>[0-5][0-9]Z?))?|(?<clock>(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9])|(?<run>[0-9A-Za-z]+))(?![0-9A-Za-z])/g;

/** Words after which a number is a version, not a counter (`cpython-311`, `java-17`, `postgresql-15`). */
const VERSION_TAGS = new Set(['cpython', 'pypy', 'python', 'py', 'java', 'jdk', 'openjdk', 'jre', 'llvm', 'clang', 'gcc', 'perl', 'ruby', 'node', 'php', 'postgresql', 'lua', 'go', 'v']);

/** mktemp(1) / mkstemp(3) / Python tempfile names, with a separator after the prefix: `tmp.aZ3kQ9`, `tmp_k2x9w1ab`. */
const TMP_SEPARATED = /^(tmp|temp|\.tmp)([._-])([A-Za-z0-9_]{6,12})((?:\.[A-Za-z0-9]+)*)$/i;
/** Python tempfile (`tmp` + 8 of [a-z0-9_]) and similar glued forms: `tmpk3j_9x2a`, `.tmp4f2a9b`. */
const TMP_GLUED = /^(tmp|\.tmp)([A-Za-z0-9_]{6,12})((?:\.[A-Za-z0-9]+)*)$/;
/** gcc's intermediate files: `/tmp/ccAbC123.s`, `ccX9yZ01.o`. */
const GCC_TEMP = /^(cc)([A-Za-z0-9]{6})(\.(?:s|o|c|i|ii|res|ld|le|ltrans\d*\.o))$/;

/** True when a would-be random suffix really looks random: a digit or `_`, or both cases of letters. */
function looksRandom(s: string, allowUnderscore: boolean): boolean {
  if (HAS_DIGIT.test(s) || (allowUnderscore && s.includes('_'))) return true;
  return /[a-z]/.test(s) && /[A-Z]/.test(s);
}

function foldTempName(segment: string, vars: string[]): string | undefined {
  let m = TMP_SEPARATED.exec(segment);
  if (m && looksRandom(m[3]!, false)) {
    vars.push(m[3]!);
    return `${m[1]}${m[2]}{rand}${m[4]}`;
  }
  m = TMP_GLUED.exec(segment);
  if (m && looksRandom(m[2]!, true)) {
    vars.push(m[2]!);
    return `${m[1]}{rand}${m[3]}`;
  }
  m = GCC_TEMP.exec(segment);
  if (m && looksRandom(m[2]!, false)) {
    vars.push(m[2]!);
    return `${m[1]}{rand}${m[3]}`;
  }
  return undefined;
}

const isDigitCode = (c: number): boolean => c >= 48 && c <= 57;
const isLetterCode = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** A number is a version when it sits in a dotted numeric chain (`3.11`, `6.1.0`) or follows `.so.` or a version tag. */
function isVersionNumber(segment: string, start: number, end: number): boolean {
  if (start >= 2 && segment.charCodeAt(start - 1) === 46 /* . */ && isDigitCode(segment.charCodeAt(start - 2))) return true;
  if (end + 1 < segment.length && segment.charCodeAt(end) === 46 && isDigitCode(segment.charCodeAt(end + 1))) return true;
  const so = segment.indexOf('.so.');
  if (so >= 0 && so + 4 <= start) return true;
  // The word just before, after at most one separator: `cpython-311`, `java_17`.
  let i = start;
  const sep = segment.charCodeAt(i - 1);
  if (sep === 45 /* - */ || sep === 95 /* _ */) i--;
  let j = i;
  while (j > 0 && isLetterCode(segment.charCodeAt(j - 1))) j--;
  if (j === i || (j > 0 && isDigitCode(segment.charCodeAt(j - 1)))) return false;
  return VERSION_TAGS.has(segment.slice(j, i).toLowerCase());
}

/** `{n}` or the number itself, by the rules in the module docstring. */
function foldNumber(segment: string, run: string, start: number, vars: string[]): string {
  const end = start + run.length;
  const wholeStem = start === 0 && (end === segment.length || EXTENSIONS.test(segment.slice(end)));
  if (!wholeStem && (isVersionNumber(segment, start, end) || run.length < 3)) return run;
  vars.push(run);
  return '{n}';
}

function isHexId(run: string): boolean {
  return run.length >= 8 && HEX_RUN.test(run) && HAS_DIGIT.test(run) && HAS_HEX_LETTER.test(run);
}

/** Fold one path segment (no `/`). */
export function foldSegment(segment: string, vars: string[] = []): string {
  const temp = foldTempName(segment, vars);
  if (temp !== undefined) return temp;
  if (!HAS_DIGIT.test(segment)) return segment; // every other placeholder needs a digit: fast path
  let out = '';
  let last = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(segment); m !== null; m = TOKEN.exec(segment)) {
    const g = m.groups!;
    let replacement: string;
    if (g.uuid !== undefined) {
      vars.push(g.uuid);
      replacement = '{uuid}';
    } else if (g.date !== undefined) {
      vars.push(g.date);
      replacement = '{date}';
      if (g.time !== undefined) {
        vars.push(g.time);
        replacement += `${g.tsep ?? ''}{time}`;
      }
    } else if (g.clock !== undefined) {
      vars.push(g.clock);
      replacement = '{time}';
    } else {
      const run = g.run!;
      if (ALL_DIGITS.test(run)) replacement = foldNumber(segment, run, m.index, vars);
      else if (isHexId(run)) {
        vars.push(run);
        replacement = '{hex}';
      } else replacement = run;
    }
    out += segment.slice(last, m.index) + replacement;
    last = m.index + m[0].length;
  }
  return out + segment.slice(last);
}

/** `/proc/<n>` is a pid, `/proc/<pid>/task/<n>` a tid: named for what they are rather than `{n}`. */
function procPlaceholder(segments: readonly string[], i: number): string | undefined {
  if (segments[0] !== '' || segments[1] !== 'proc') return undefined;
  if (i === 2) return '{pid}';
  if (i === 4 && segments[3] === 'task') return '{tid}';
  return undefined;
}

/** Replace the variable parts of a path with placeholders (see the module docstring). */
export function foldPath(path: string): FoldedPath {
  const vars: string[] = [];
  const segments = path.split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment === '' || segment === '.' || segment === '..') continue;
    const proc = ALL_DIGITS.test(segment) ? procPlaceholder(segments, i) : undefined;
    if (proc) {
      vars.push(segment);
      segments[i] = proc;
    } else segments[i] = foldSegment(segment, vars);
  }
  return { pattern: segments.join('/'), vars };
}

// ---------------------------------------------------------------------------------------------------
// groupPaths

/** Parent directory: `/a/b` → `/a`, `/a` → `/`, `a` → `` (relative, no parent known). */
export function dirnameOf(path: string): string {
  const i = path.lastIndexOf('/');
  if (i < 0) return '';
  return i === 0 ? '/' : path.slice(0, i);
}

export function basenameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

interface TimeSpan {
  first?: number;
  last?: number;
}

interface DirDraft extends TimeSpan {
  files: number;
}

interface PatternDraft extends TimeSpan {
  pattern: string;
  files: Set<string>;
  dirs: Map<string, DirDraft>;
  observations: number;
  ops: Record<PathOp, number>;
  bytesRead: number;
  bytesWritten: number;
  pids: Set<number>;
  tids: Set<number>;
  examples: string[];
  evidence: SourceRef[];
}

function widen(span: TimeSpan, time: number): void {
  if (span.first === undefined || time < span.first) span.first = time;
  if (span.last === undefined || time > span.last) span.last = time;
}

const compareStrings = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const compareRefs = (a: SourceRef, b: SourceRef): number => compareStrings(a.file, b.file) || a.line - b.line;

/** Keep the `cap` smallest distinct items of a stream, sorted: O(cap) per item, usually O(1) (rejected at once). */
function keepSmallest<T>(list: T[], item: T, cap: number, compare: (a: T, b: T) => number): void {
  if (list.length >= cap && compare(item, list[list.length - 1]!) >= 0) return;
  let i = list.length;
  while (i > 0 && compare(item, list[i - 1]!) < 0) i--;
  if (i > 0 && compare(item, list[i - 1]!) === 0) return;
  list.splice(i, 0, item);
  if (list.length > cap) list.pop();
}

export function spreadOf(values: number[]): Spread | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]! };
}

function emptyOps(): Record<PathOp, number> {
  return { open: 0, create: 0, read: 0, write: 0, unlink: 0, mkdir: 0, rmdir: 0, rename: 0 };
}

/**
 * Aggregate observations per folded pattern. Every pattern is returned, single-path ones included
 * (callers filter); sorted by distinct files (descending), then pattern. Paths are folded once each.
 */
export function groupPaths(observations: Iterable<PathObservation>): PathPattern[] {
  const patternOf = new Map<string, string>();
  const drafts = new Map<string, PatternDraft>();
  /** mkdir / rmdir of a directory path: they widen the lifetime of that directory in every pattern. */
  const dirEvents = new Map<string, TimeSpan>();

  for (const o of observations) {
    let pattern = patternOf.get(o.path);
    if (pattern === undefined) {
      pattern = foldPath(o.path).pattern;
      patternOf.set(o.path, pattern);
    }
    let d = drafts.get(pattern);
    if (!d) {
      d = { pattern, files: new Set(), dirs: new Map(), observations: 0, ops: emptyOps(), bytesRead: 0, bytesWritten: 0, pids: new Set(), tids: new Set(), examples: [], evidence: [] };
      drafts.set(pattern, d);
    }
    const dirName = dirnameOf(o.path);
    let dir = d.dirs.get(dirName);
    if (!dir) {
      dir = { files: 0 };
      d.dirs.set(dirName, dir);
    }
    if (!d.files.has(o.path)) {
      d.files.add(o.path);
      dir.files++;
      keepSmallest(d.examples, o.path, MAX_EXAMPLES, compareStrings);
    }
    const count = o.count ?? 1;
    d.observations += count;
    d.ops[o.op] += count;
    if (o.bytes !== undefined && o.bytes > 0) {
      if (o.op === 'read') d.bytesRead += o.bytes;
      else if (o.op === 'write') d.bytesWritten += o.bytes;
    }
    if (o.pid !== undefined) d.pids.add(o.pid);
    if (o.tid !== undefined) d.tids.add(o.tid);
    keepSmallest(d.evidence, o.source, MAX_PATTERN_EVIDENCE, compareRefs);
    for (const time of o.lastTime === undefined ? [o.time] : [o.time, o.lastTime]) {
      if (time === undefined || !Number.isFinite(time)) continue;
      widen(d, time);
      widen(dir, time);
      if (o.op === 'mkdir' || o.op === 'rmdir') {
        let span = dirEvents.get(o.path);
        if (!span) dirEvents.set(o.path, (span = {}));
        widen(span, time);
      }
    }
  }

  const result: PathPattern[] = [];
  for (const d of drafts.values()) {
    const perDir: number[] = [];
    const lifetimes: number[] = [];
    for (const [dirName, dir] of d.dirs) {
      perDir.push(dir.files);
      const events = dirEvents.get(dirName);
      if (events?.first !== undefined) widen(dir, events.first);
      if (events?.last !== undefined) widen(dir, events.last);
      if (dir.first !== undefined && dir.last !== undefined) lifetimes.push(dir.last - dir.first);
    }
    const p: PathPattern = {
      pattern: d.pattern,
      files: d.files.size,
      directories: d.dirs.size,
      filesPerDirectory: spreadOf(perDir)!,
      observations: d.observations,
      ops: d.ops,
      bytesRead: d.bytesRead,
      bytesWritten: d.bytesWritten,
      pids: [...d.pids].sort((a, b) => a - b),
      tids: [...d.tids].sort((a, b) => a - b),
      examples: d.examples,
      evidence: d.evidence.map((r) => ({ file: r.file, line: r.line })),
    };
    if (d.first !== undefined) p.first = d.first;
    if (d.last !== undefined) p.last = d.last;
    const lifetime = spreadOf(lifetimes);
    if (lifetime) p.directoryLifetime = lifetime;
    result.push(p);
  }
  return result.sort((a, b) => b.files - a.files || compareStrings(a.pattern, b.pattern));
}

// ---------------------------------------------------------------------------------------------------
// Base names (filetop reports only `669.txt`)

/** The candidates whose base name is `base`, in their input order: callers count them to see ambiguity. */
export function matchBasename<C extends { path: string }>(base: string, candidates: Iterable<C>): C[] {
  const out: C[] = [];
  for (const c of candidates) if (basenameOf(c.path) === base) out.push(c);
  return out;
}

/** Index paths by base name once, for many look-ups (each path listed once, in input order). */
export function indexByBasename(paths: Iterable<string>): Map<string, string[]> {
  const index = new Map<string, string[]>();
  const seen = new Set<string>();
  for (const path of paths) {
    if (seen.has(path)) continue;
    seen.add(path);
    const base = basenameOf(path);
    const list = index.get(base);
    if (list) list.push(path);
    else index.set(base, [path]);
  }
  return index;
}
