/**
 * Files, fds and path patterns. Full paths come from lsof, opensnoop and strace; filetop gives only
 * base names, which are joined to full paths opened by the same process. A base name that matches
 * several paths is not guessed: when all its candidates fold into one path pattern (the temp-file case:
 * `669.txt` exists in every `/tmp/<uuid>/`), it joins the pattern; otherwise it is counted as ambiguous.
 */
import type { SourceRef, TimelineRecord } from '../common/types.js';
import type { FdEntity, FileEntity, Link, ModelDiagnostic, MountEntity, PatternEntity, ThreadEntity } from './types.js';
import { endEpoch, num, presentSamples, str } from './series.js';
import { EvidenceList, sortedNumbers } from './evidence.js';
import { foldPath, foldSegment, groupPaths, indexByBasename, type PathObservation } from './patterns.js';
import { mountResolver } from './devices.js';

export interface FileModel {
  fds: FdEntity[];
  files: FileEntity[];
  patterns: PatternEntity[];
  links: Link[];
  diagnostics: ModelDiagnostic[];
}

interface FileDraft {
  path: string;
  pids: Set<number>;
  tids: Set<number>;
  opens: number;
  read: number;
  written: number;
  seenBy: Set<string>;
  evidence: EvidenceList;
}

interface BasenameUse {
  tid: number;
  pid?: number;
  base: string;
  read: number;
  written: number;
  source: SourceRef;
}

const isAbsolute = (p: string | undefined): p is string => p !== undefined && p.startsWith('/');
const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

function epochOf(r: TimelineRecord): number | undefined {
  return r.time?.epoch;
}

/** What each record kind says about a path: the observation the pattern grouping reads. */
function observe(r: TimelineRecord, pidOfTid: ReadonlyMap<number, number>): PathObservation | undefined {
  const time = epochOf(r);
  const base = (path: string, op: PathObservation['op'], extra: Partial<PathObservation> = {}): PathObservation => {
    const o: PathObservation = { path, op, source: r.source, ...extra };
    if (time !== undefined) o.time = time;
    return o;
  };
  switch (r.kind) {
    case 'lsof.fd': {
      const name = str(r, 'name');
      const type = str(r, 'type');
      if (!isAbsolute(name) || (type !== 'REG' && type !== 'DIR')) return undefined;
      const pid = num(r, 'pid');
      return base(name, 'open', pid !== undefined ? { pid } : {});
    }
    case 'opensnoop.open': {
      const path = str(r, 'path');
      if (!isAbsolute(path) || (num(r, 'err') ?? 0) !== 0) return undefined;
      const tid = num(r, 'tid');
      const pid = num(r, 'pid') ?? (tid !== undefined ? pidOfTid.get(tid) : undefined);
      const extra: Partial<PathObservation> = {};
      if (pid !== undefined) extra.pid = pid;
      if (tid !== undefined) extra.tid = tid;
      // Identical opens merged by the timeline's downsampling: one record, several opens, first to last.
      const opens = presentSamples(r);
      if (opens > 1) extra.count = opens;
      const last = endEpoch(r);
      if (last !== undefined && last !== time) extra.lastTime = last;
      return base(path, 'open', extra);
    }
    default:
      return undefined;
  }
}

/**
 * strace's (task, path) aggregate as observations: one per operation it counted, with the count. The
 * aggregate's source is its first call on the path; its times span its first to its last call.
 */
function observeStraceAggregate(r: TimelineRecord): PathObservation[] {
  const path = str(r, 'path');
  if (r.scope !== 'path' || !isAbsolute(path)) return [];
  const extra: Partial<PathObservation> = {};
  const pid = num(r, 'pid');
  const tid = num(r, 'tid');
  if (pid !== undefined) extra.pid = pid;
  if (tid !== undefined) extra.tid = tid;
  const first = epochOf(r);
  if (first !== undefined) extra.time = first;
  const last = (r.last_time as TimelineRecord['time'])?.epoch;
  if (last !== undefined && last !== first) extra.lastTime = last;
  const out: PathObservation[] = [];
  const add = (op: PathObservation['op'], count: number | undefined, bytes?: number): void => {
    if (!count) return;
    const o: PathObservation = { path, op, source: r.source, count, ...extra };
    if (bytes !== undefined && bytes > 0) o.bytes = bytes;
    out.push(o);
  };
  add('open', num(r, 'opens'));
  add('read', num(r, 'read_calls'), num(r, 'read_bytes'));
  add('write', num(r, 'write_calls'), num(r, 'written_bytes'));
  add('unlink', num(r, 'unlinks'));
  add('mkdir', num(r, 'mkdirs'));
  add('rmdir', num(r, 'rmdirs'));
  add('rename', num(r, 'renames'));
  return out;
}


export function buildFiles(records: readonly TimelineRecord[], mounts: readonly MountEntity[], threads: readonly ThreadEntity[]): FileModel {
  const pidOfTid = new Map<number, number>();
  for (const t of threads) if (t.pid !== undefined) pidOfTid.set(t.tid, t.pid);

  const fds = new Map<string, FdEntity & { evidenceList: EvidenceList; seen: Set<string> }>();
  const files = new Map<string, FileDraft>();
  const observations: PathObservation[] = [];
  const basenameUses: BasenameUse[] = [];
  const fileOf = (path: string): FileDraft => {
    let f = files.get(path);
    if (!f) {
      f = { path, pids: new Set(), tids: new Set(), opens: 0, read: 0, written: 0, seenBy: new Set(), evidence: new EvidenceList() };
      files.set(path, f);
    }
    return f;
  };

  for (const r of records) {
    const [tool] = r.kind.split('.');
    if (r.kind === 'lsof.fd') recordFd(fds, r);
    if (r.kind === 'filetop.file') {
      const tid = num(r, 'tid');
      const file = str(r, 'file');
      if (tid !== undefined && file) {
        const use: BasenameUse = { tid, base: file, read: num(r, 'read_bytes') ?? 0, written: num(r, 'written_bytes') ?? 0, source: r.source };
        const pid = pidOfTid.get(tid);
        if (pid !== undefined) use.pid = pid;
        basenameUses.push(use);
      }
      continue;
    }
    const one = r.kind === 'strace.aggregate' ? undefined : observe(r, pidOfTid);
    for (const o of one ? [one] : r.kind === 'strace.aggregate' ? observeStraceAggregate(r) : []) {
      observations.push(o);
      const f = fileOf(o.path);
      f.seenBy.add(tool ?? r.kind);
      f.evidence.add(r.source);
      if (o.pid !== undefined) f.pids.add(o.pid);
      if (o.tid !== undefined) f.tids.add(o.tid);
      if (o.op === 'open' || o.op === 'create') f.opens += o.count ?? 1;
      if (o.op === 'read') f.read += o.bytes ?? 0;
      if (o.op === 'write') f.written += o.bytes ?? 0;
    }
  }

  // Patterns: only those that fold several paths are worth an entity.
  const patternList = groupPaths(observations).filter((p) => p.files > 1 && p.pattern.includes('{'));
  const patternNames = new Set(patternList.map((p) => p.pattern));
  const patternOfPath = new Map<string, string>();
  for (const f of files.keys()) {
    const folded = foldPath(f).pattern;
    if (patternNames.has(folded)) patternOfPath.set(f, folded);
  }
  // One resolver for every path: mounts sorted once instead of scanned per file.
  const mountOf = mountResolver(mounts);

  const links: Link[] = [];
  const diagnostics: ModelDiagnostic[] = [];
  const basenameJoin = joinBasenames(basenameUses, files, patternOfPath, patternsByLastSegment(patternList));
  links.push(...basenameJoin.links);
  if (basenameJoin.ambiguous > 0) {
    diagnostics.push({
      code: 'basename-ambiguous',
      message: `${basenameJoin.ambiguous} filetop base name(s) match several full paths that share no pattern; they are not joined`,
      evidence: basenameJoin.ambiguousEvidence,
    });
  }

  const patterns: PatternEntity[] = patternList.map((p) => {
    const extra = basenameJoin.byPattern.get(p.pattern);
    const e: PatternEntity = {
      id: `pattern:${p.pattern}`,
      pattern: p.pattern,
      files: p.files,
      directories: p.directories,
      files_per_directory: p.filesPerDirectory,
      opens: p.ops.open + p.ops.create,
      read_bytes: p.bytesRead + (extra?.read ?? 0),
      written_bytes: p.bytesWritten + (extra?.written ?? 0),
      pids: sortedNumbers([...p.pids, ...(extra?.pids ?? [])]),
      tids: sortedNumbers([...p.tids, ...(extra?.tids ?? [])]),
      examples: p.examples,
      evidence: p.evidence,
    };
    if (p.directoryLifetime) e.directory_lifetime_s = p.directoryLifetime;
    if (p.first !== undefined) e.first = new Date(p.first * 1000).toISOString();
    if (p.last !== undefined) e.last = new Date(p.last * 1000).toISOString();
    const mount = mountOf(p.examples[0] ?? p.pattern);
    if (mount) e.mount = mount.id;
    return e;
  });

  const fileEntities: FileEntity[] = [];
  for (const f of [...files.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    const e: FileEntity = {
      id: `file:${f.path}`,
      path: f.path,
      basename: basename(f.path),
      pids: sortedNumbers(f.pids),
      tids: sortedNumbers(f.tids),
      opens: f.opens,
      seen_by: [...f.seenBy].sort(),
      evidence: f.evidence.list(),
    };
    if (f.read > 0) e.read_bytes = f.read;
    if (f.written > 0) e.written_bytes = f.written;
    const mount = mountOf(f.path);
    if (mount) e.mount = mount.id;
    const pattern = patternOfPath.get(f.path);
    if (pattern) e.pattern = `pattern:${pattern}`;
    fileEntities.push(e);
  }
  for (const p of patterns) {
    if (p.mount) links.push({ relation: 'on-mount', from: p.id, to: p.mount, confidence: 'certain', via: ['longest mount prefix'], evidence: p.evidence.slice(0, 2) });
    for (const pid of p.pids) links.push({ relation: 'accessed', from: `process:${pid}`, to: p.id, confidence: 'certain', via: ['path observations'], evidence: p.evidence.slice(0, 2) });
  }

  const fdEntities = [...fds.values()]
    .sort((a, b) => a.pid - b.pid || a.fd - b.fd)
    .map(({ evidenceList, seen, ...fd }) => ({ ...fd, seen_by: [...seen].sort(), evidence: evidenceList.list() }));
  return { fds: fdEntities, files: fileEntities, patterns, links, diagnostics };
}

function recordFd(fds: Map<string, FdEntity & { evidenceList: EvidenceList; seen: Set<string> }>, r: TimelineRecord): void {
  const pid = num(r, 'pid');
  const fd = num(r, 'fd');
  if (pid === undefined || fd === undefined) return;
  const key = `${pid}:${fd}`;
  let e = fds.get(key);
  if (!e) {
    e = { id: `fd:${pid}:${fd}`, pid, fd, seen_by: [], evidence: [], evidenceList: new EvidenceList(), seen: new Set() };
    fds.set(key, e);
  }
  e.seen.add('lsof');
  e.evidenceList.add(r.source);
  const name = str(r, 'name');
  if (name && !e.path) e.path = name;
  const type = str(r, 'type');
  if (type && !e.type) e.type = type;
  if (r.deleted === true) e.deleted = true;
}

interface BasenameJoin {
  links: Link[];
  ambiguous: number;
  ambiguousEvidence: SourceRef[];
  byPattern: Map<string, { read: number; written: number; pids: number[]; tids: number[] }>;
}

/** Per process: its patterns keyed by their folded last segment (`{n}.txt`), for shape-only joins. */
function patternsByLastSegment(patterns: readonly { pattern: string; pids: Iterable<number> }[]): Map<string, string[]> {
  const byKey = new Map<string, string[]>();
  for (const p of patterns) {
    const last = p.pattern.slice(p.pattern.lastIndexOf('/') + 1);
    for (const pid of p.pids) {
      const key = `${pid}>${last}`;
      byKey.set(key, [...(byKey.get(key) ?? []), p.pattern]);
    }
  }
  return byKey;
}

/**
 * filetop base names → full paths opened by the same process. One candidate path: a `likely` join to
 * that file. Several that all fold into one pattern: a `likely` join to the pattern. No path with that
 * name, but the name has the shape of the last segment of exactly one pattern of the same process (the
 * case study: filetop's `669.txt` while opensnoop caught `/tmp/<uuid>/650.txt`): a `guess` join to the
 * pattern. Else: ambiguous, counted.
 */
function joinBasenames(uses: readonly BasenameUse[], files: ReadonlyMap<string, FileDraft>, patternOfPath: ReadonlyMap<string, string>, shapes: ReadonlyMap<string, string[]>): BasenameJoin {
  const byBase = indexByBasename(files.keys());
  const result: BasenameJoin = { links: [], ambiguous: 0, ambiguousEvidence: [], byPattern: new Map() };
  const linked = new Map<string, Link>();
  const ambiguousEvidence = new EvidenceList();
  for (const use of uses) {
    const candidates = (byBase.get(use.base) ?? []).filter((p) => use.pid === undefined || files.get(p)!.pids.size === 0 || files.get(p)!.pids.has(use.pid));
    let target: string | undefined;
    let confidence: Link['confidence'] = 'likely';
    if (candidates.length === 0) {
      const shaped = use.pid === undefined ? undefined : shapes.get(`${use.pid}>${foldSegment(use.base)}`);
      if (!shaped) continue;
      if (shaped.length === 1) {
        target = `pattern:${shaped[0]}`;
        confidence = 'guess';
      }
    } else {
      const patterns = new Set(candidates.map((c) => patternOfPath.get(c)));
      if (candidates.length === 1) target = `file:${candidates[0]}`;
      else if (patterns.size === 1 && !patterns.has(undefined)) target = `pattern:${[...patterns][0]}`;
    }
    if (!target) {
      result.ambiguous++;
      ambiguousEvidence.add(use.source);
      continue;
    }
    // filetop's bytes count for the pattern whether the name joined the pattern or one of its files.
    const patternKey = target.startsWith('pattern:') ? target.slice('pattern:'.length) : patternOfPath.get(target.slice('file:'.length));
    if (patternKey !== undefined) {
      const agg = result.byPattern.get(patternKey) ?? { read: 0, written: 0, pids: [], tids: [] };
      agg.read += use.read;
      agg.written += use.written;
      agg.tids.push(use.tid);
      if (use.pid !== undefined) agg.pids.push(use.pid);
      result.byPattern.set(patternKey, agg);
    }
    const from = `thread:${use.tid}`;
    const key = `${from}>${target}`;
    const via = confidence === 'guess' ? ['filetop', 'same name shape as a pattern of the same process'] : ['filetop', 'path of the same process'];
    const existing = linked.get(key);
    const link: Link = existing ?? { relation: 'basename-of', from, to: target, confidence, via, evidence: [] };
    // An exact name match anywhere makes the join to that target more than a guess.
    if (existing && confidence === 'likely' && existing.confidence === 'guess') {
      existing.confidence = 'likely';
      existing.via = via;
    }
    if (link.evidence.length < 4) link.evidence.push(use.source);
    linked.set(key, link);
  }
  result.links = [...linked.values()].sort((a, b) => (a.from + a.to < b.from + b.to ? -1 : 1));
  result.ambiguousEvidence = ambiguousEvidence.list();
  return result;
}
