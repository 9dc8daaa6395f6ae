/**
 * temp-file-churn: a process creates many files under directories it generates (`/tmp/<uuid>/<n>.txt`),
 * writes them, reads them back and removes them: the case study's bug. The data goes through the page
 * cache (and, when writeback catches it, the disk) only to be thrown away; keeping it in memory removes
 * the I/O, the syscalls and the directory churn.
 *
 * Reads the model's path patterns (files, directories, files per directory, lifetimes, bytes, pids, tids),
 * strace's mkdir/rmdir/unlink calls and opensnoop's O_CREAT opens for the directories' birth and death,
 * and top/vmstat memory lines to say whether memory allows the fix.
 */
import type { SourceRef } from '../../common/types.js';
import { foldPath } from '../../model/patterns.js';
import { lowValue, num, presentSamples, str } from '../../model/series.js';
import type { MountEntity, PatternEntity, ProcessEntity } from '../../model/types.js';
import type { FindingDraft, RuleContext, RuleModule } from '../types.js';
import { bytes, list, seconds } from '../format.js';

export interface TempFileChurnOptions {
  /** Distinct files of the pattern the capture must see. */
  min_files: number;
  /** Distinct generated directories they must be spread over (churn: directories come and go). */
  min_directories: number;
  /** A directory that lived longer than this (median, when the capture times it) is not short-lived. */
  max_directory_lifetime_s: number;
  /** Memory allows the fix when the lowest available memory is at least this many times the bytes of one directory. */
  memory_headroom: number;
  /** Filesystem types whose files are not files (procfs, sysfs…): never churn. */
  ignore_fstypes: string[];
}

const VIRTUAL_FSTYPES = ['proc', 'sysfs', 'cgroup', 'cgroup2', 'debugfs', 'tracefs', 'securityfs', 'devpts', 'devtmpfs', 'bpf', 'pstore', 'configfs', 'fusectl', 'mqueue', 'hugetlbfs', 'autofs', 'binfmt_misc', 'efivarfs', 'nsfs', 'rpc_pipefs'];

const defaults: TempFileChurnOptions = { min_files: 5, min_directories: 2, max_directory_lifetime_s: 600, memory_headroom: 2, ignore_fstypes: VIRTUAL_FSTYPES };

/** Placeholders that stand for a generated name; `{pid}`/`{tid}` (procfs) and `{date}`/`{time}` (rotation) do not. */
const GENERATED = /\{(uuid|hex|rand|n)\}/;
/** Paths that are never real files whatever the mount table says (it may be absent from the bundle). */
const VIRTUAL_PREFIXES = ['/proc/', '/sys/', '/dev/'];

/** `/tmp/{uuid}/{n}.txt` → `/tmp/{uuid}`: the pattern of the generated directory itself. */
function directoryPattern(pattern: string): string {
  return pattern.slice(0, pattern.lastIndexOf('/'));
}

function isVirtual(p: PatternEntity, mount: MountEntity | undefined, o: TempFileChurnOptions): boolean {
  if (mount?.fstype && o.ignore_fstypes.includes(mount.fstype)) return true;
  // df without -T gives no fstype: a mount with no block device whose source names a virtual fs.
  if (mount && !mount.fstype && !mount.device && o.ignore_fstypes.includes(mount.source)) return true;
  return VIRTUAL_PREFIXES.some((prefix) => p.pattern.startsWith(prefix));
}

/** How many operations of one kind, and the first lines that show them. */
interface Counted {
  count: number;
  evidence: SourceRef[];
}

const MAX_OP_EVIDENCE = 2;

function counted(): Counted {
  return { count: 0, evidence: [] };
}

function countInto(c: Counted, n: number, source: SourceRef): void {
  c.count += n;
  if (c.evidence.length < MAX_OP_EVIDENCE) c.evidence.push(source);
}

interface DirectoryOps {
  mkdir: Counted;
  rmdir: Counted;
  unlink: Counted;
  /** opens that created a file (O_CREAT shown by opensnoop -e or strace). */
  created: Counted;
  /** A strace in the bundle traced one of this pattern's threads (or, without TIDs, its processes): absent ops mean none happened while it ran. */
  straceSawThreads: boolean;
  /** opensnoop printed open flags (-e), so O_CREAT would show. */
  opensnoopFlags: boolean;
}

/** mkdir/rmdir of the generated directories, unlinks of the files, O_CREAT opens of the files. */
function directoryOps(ctx: RuleContext, p: PatternEntity): DirectoryOps {
  const dirPattern = directoryPattern(p.pattern);
  const ops: DirectoryOps = { mkdir: counted(), rmdir: counted(), unlink: counted(), created: counted(), straceSawThreads: false, opensnoopFlags: false };
  const tids = new Set(p.tids);
  const pids = new Set(p.pids);
  for (const capture of ctx.records('strace.capture')) {
    const tasks = Array.isArray(capture.tasks) ? (capture.tasks as { tid?: number; pid?: number }[]) : [];
    if (tasks.some((t) => (t.tid !== undefined && tids.has(t.tid)) || (tids.size === 0 && t.pid !== undefined && pids.has(t.pid)))) ops.straceSawThreads = true;
  }
  // strace's (task, path) aggregates count the successful lifecycle calls on each path.
  for (const r of ctx.records('strace.aggregate')) {
    const path = str(r, 'path');
    if (r.scope !== 'path' || !path) continue;
    const mkdirs = num(r, 'mkdirs') ?? 0;
    const rmdirs = num(r, 'rmdirs') ?? 0;
    const unlinks = num(r, 'unlinks') ?? 0;
    const creates = num(r, 'creates') ?? 0;
    // Cheap test first: folding a path costs more, and most paths are only read or written.
    if (mkdirs + rmdirs + unlinks + creates === 0) continue;
    const folded = foldPath(path).pattern;
    if (folded === dirPattern) {
      if (mkdirs > 0) countInto(ops.mkdir, mkdirs, r.source);
      if (rmdirs > 0) countInto(ops.rmdir, rmdirs, r.source);
    } else if (folded === p.pattern) {
      if (unlinks > 0) countInto(ops.unlink, unlinks, r.source);
      if (creates > 0) countInto(ops.created, creates, r.source);
    }
  }
  for (const r of ctx.records('opensnoop.open')) {
    const names = r.flag_names;
    if (!Array.isArray(names)) continue;
    ops.opensnoopFlags = true;
    if (r.entities?.pattern === p.id && names.includes('O_CREAT') && (num(r, 'err') ?? 0) === 0) countInto(ops.created, presentSamples(r), r.source);
  }
  return ops;
}

interface MemoryView {
  /** Lowest available memory the capture shows, in bytes, and the line that shows it. */
  available: number;
  source: SourceRef;
  how: string;
}

/**
 * The lowest available memory in the capture. top's MiB Mem/avail lines are snapshots, not averages, so
 * the first (since-boot for CPU) snapshot counts too. vmstat has no "available": free + buffers + cache
 * is its upper bound.
 */
function lowestAvailableMemory(ctx: RuleContext): MemoryView | undefined {
  let best: MemoryView | undefined;
  for (const r of ctx.records('top.summary')) {
    const avail = lowValue(r, 'avail_mem_bytes');
    if (avail === undefined) continue;
    if (!best || avail < best.available) best = { available: avail, source: r.source, how: 'available (top)' };
  }
  if (best) return best;
  for (const r of ctx.records('vmstat.sample')) {
    const free = num(r, 'free_bytes');
    if (free === undefined) continue;
    const avail = free + (num(r, 'buff_bytes') ?? 0) + (num(r, 'cache_bytes') ?? 0);
    if (!best || avail < best.available) best = { available: avail, source: r.source, how: 'free + buffers + cache (vmstat)' };
  }
  return best;
}

/**
 * Bytes one directory holds, from what the capture saw: the mean file size times the most files seen in
 * one directory, or the bytes per directory, whichever is larger. The capture may have seen only part of a
 * directory, so this is a lower bound.
 */
function bytesPerDirectory(p: PatternEntity): number {
  const perFile = p.files > 0 ? p.written_bytes / p.files : 0;
  return Math.max(perFile * p.files_per_directory.max, p.directories > 0 ? p.written_bytes / p.directories : 0);
}

function memoryVerdict(memory: MemoryView | undefined, perDirectory: number, o: TempFileChurnOptions): string {
  if (!memory) return 'this capture cannot tell whether memory allows it (no top or vmstat memory lines: collect top -b -d 1 -n 30 > top.txt or vmstat -t 1 30 > vmstat.txt)';
  const at = `${memory.source.file}:${memory.source.line}`;
  if (perDirectory <= 0) return `the capture shows ${bytes(memory.available)} ${memory.how} at its lowest (${at}) but no byte counts for these files, so it cannot tell how much one directory needs`;
  if (memory.available >= o.memory_headroom * perDirectory) {
    return `this capture shows it does: ${bytes(memory.available)} ${memory.how} at its lowest (${at}) against about ${bytes(perDirectory)} per directory`;
  }
  return `this capture shows it may not: only ${bytes(memory.available)} ${memory.how} at its lowest (${at}) against about ${bytes(perDirectory)} per directory; process the data in smaller pieces, or stream it, instead of holding a whole directory`;
}

function processLabel(p: ProcessEntity | undefined, pid: number): string {
  const name = p?.command ?? p?.comm;
  return name ? `pid ${pid} (${name})` : `pid ${pid}`;
}

/** "thread 514 of pid 12280 (/app.py)", "threads 26265 and 26415 of pid 26246 (…)", "pids 1 and 2". */
function whoLabel(ctx: RuleContext, p: PatternEntity): string {
  const procs = p.pids.map((pid) => processLabel(ctx.model.processes.find((x) => x.pid === pid), pid));
  if (procs.length === 0) return p.tids.length > 0 ? `${p.tids.length === 1 ? 'thread' : 'threads'} ${list(p.tids)}` : 'an unknown process';
  const workers = p.tids.filter((t) => !p.pids.includes(t));
  const tids = workers.length > 0 ? workers : p.tids;
  if (p.pids.length === 1 && tids.length > 0) return `${tids.length === 1 ? 'thread' : 'threads'} ${list(tids)} of ${procs[0]}`;
  return p.pids.length === 1 ? procs[0]! : `${list(procs)}`;
}

function rangeText(r: { min: number; median: number; max: number }, unit: (v: number) => string): string {
  if (r.min === r.max) return unit(r.max);
  return `${unit(r.min)} to ${unit(r.max)}, median ${unit(r.median)}`;
}

function lifecycleText(ops: DirectoryOps, p: PatternEntity): string {
  const parts: string[] = [];
  if (ops.mkdir.count + ops.rmdir.count + ops.unlink.count > 0 || ops.straceSawThreads) {
    parts.push(`while it traced these threads, strace saw ${ops.mkdir.count} ${ops.mkdir.count === 1 ? 'directory' : 'directories'} created (mkdir), ${ops.rmdir.count} removed (rmdir) and ${ops.unlink.count} ${ops.unlink.count === 1 ? 'file' : 'files'} unlinked`);
  } else {
    parts.push('their creation and removal are not visible (no strace -f of these threads)');
  }
  if (ops.created.count > 0) parts.push(`${ops.created.count} ${ops.created.count === 1 ? 'open' : 'opens'} with O_CREAT created files`);
  if (p.directory_lifetime_s) parts.push(`a directory lived ${rangeText(p.directory_lifetime_s, seconds)} from first to last access`);
  return parts.join('; ');
}

function evidenceFor(ctx: RuleContext, p: PatternEntity, ops: DirectoryOps, memory: MemoryView | undefined): SourceRef[] {
  // The biggest filetop writes first (the bytes), then the directory's birth and death, then the paths.
  const rows = ctx
    .records('filetop.file')
    .filter((r) => r.entities?.pattern === p.id)
    .sort((a, b) => (num(b, 'written_bytes') ?? 0) - (num(a, 'written_bytes') ?? 0) || a.source.line - b.source.line)
    .slice(0, 3)
    .map((r) => r.source);
  const out = [...rows, ...ops.mkdir.evidence.slice(0, 2), ...ops.rmdir.evidence.slice(0, 2), ...ops.unlink.evidence.slice(0, 1), ...ops.created.evidence.slice(0, 1), ...p.evidence.slice(0, 4)];
  if (memory) out.push(memory.source);
  return out;
}

function collectFor(ctx: RuleContext, p: PatternEntity, ops: DirectoryOps): string[] {
  const pid = p.pids[0] ?? 'PID';
  const out: string[] = [];
  if (!ops.straceSawThreads) out.push(`strace -f -tt -T -y -e trace=mkdir,mkdirat,rmdir,unlink,unlinkat,openat,write,read -p ${pid} -o strace-churn.txt   (the directories' birth and death, per thread)`);
  if (!ops.opensnoopFlags && ops.created.count === 0) out.push(`opensnoop -T -e -p ${pid} > opensnoop-e.txt   (O_CREAT: which opens create files)`);
  if (p.written_bytes <= 0 && ctx.records('filetop.file').length === 0) out.push('filetop -C 1 30 > filetop.txt   (bytes per thread and file)');
  return out;
}

function evaluate(ctx: RuleContext, o: TempFileChurnOptions): FindingDraft[] {
  const findings: FindingDraft[] = [];
  const memory = lowestAvailableMemory(ctx);
  for (const p of ctx.model.patterns) {
    if (!GENERATED.test(directoryPattern(p.pattern))) continue;
    if (p.files < o.min_files || p.directories < o.min_directories) continue;
    const mount = p.mount ? ctx.model.mounts.find((m) => m.id === p.mount) : undefined;
    if (isVirtual(p, mount, o)) continue;
    if (p.directory_lifetime_s && p.directory_lifetime_s.median > o.max_directory_lifetime_s) continue;
    const ops = directoryOps(ctx, p);
    // Temp files are written: a pattern only ever read (caches, libraries by version) is not churn.
    if (p.written_bytes <= 0 && ops.created.count === 0 && ops.mkdir.count === 0) continue;

    const perDirectory = bytesPerDirectory(p);
    const onTmpfs = mount?.fstype === 'tmpfs' || (mount !== undefined && !mount.fstype && mount.source === 'tmpfs');
    const readBack = p.read_bytes > 0 ? ` and ${bytes(p.read_bytes)} read back` : ' (no reads of them seen)';
    const volume = p.written_bytes > 0 || p.read_bytes > 0 ? `${bytes(p.written_bytes)} written${readBack}` : 'no tool counted their bytes';
    const where = mount ? ` on ${mount.target}${mount.device ? ` (${mount.device.replace(/^device:/, '')})` : onTmpfs ? ' (tmpfs)' : ''}` : '';
    const message =
      `Temporary files ${p.pattern}${where}, from ${whoLabel(ctx, p)}: ${p.files} files seen in ${p.directories} generated directories ` +
      `(${rangeText(p.files_per_directory, String)} files per directory); ${volume}; ${lifecycleText(ops, p)}.`;
    const keep = `Keep the data in memory instead of writing ${p.pattern} and reading it back (build it in a buffer or a data structure, and drop the temporary directory), when memory allows: ${memoryVerdict(memory, perDirectory, o)}.`;
    const tmpfsNote = onTmpfs
      ? ' The files are on tmpfs already, so the disk is spared; the cost left is the syscalls and the memory they hold.'
      : ' If another process must read the files, put the directory on tmpfs (/dev/shm) and remove it as soon as it is read.';
    const command = p.pids.map((pid) => ctx.model.processes.find((x) => x.pid === pid)).map((x) => x?.command ?? x?.comm ?? '');
    const finding: FindingDraft = {
      title: `Temporary files churn under ${p.pattern}`,
      message,
      entities: { patterns: [p.pattern], ...(p.pids.length > 0 ? { pids: [...p.pids] } : {}), ...(p.tids.length > 0 ? { tids: [...p.tids] } : {}), ...(mount?.device ? { devices: [mount.device.replace(/^device:/, '')] } : {}) },
      evidence: evidenceFor(ctx, p, ops, memory),
      recommendation: keep + tmpfsNote,
      identity: [p.pattern, ...command.sort()],
    };
    const collect = collectFor(ctx, p, ops);
    if (collect.length > 0) finding.collect = collect;
    if (p.first && p.last) finding.when = { first: p.first, last: p.last };
    findings.push(finding);
  }
  return findings;
}

export const rule: RuleModule<TempFileChurnOptions> = {
  meta: {
    id: 'temp-file-churn',
    title: 'Temporary file churn',
    description: 'Many short-lived files under generated directories, written and read back: data that could stay in memory.',
    defaultSeverity: 'warning',
    requires: [{ label: 'full paths (opensnoop, strace -y or lsof)', kinds: ['opensnoop.open', 'strace.aggregate', 'lsof.fd'], collect: 'opensnoop -T -e -d 30 > opensnoop.txt' }],
    uses: [
      { label: 'filetop', kinds: ['filetop.file'], collect: 'filetop -C 1 30 > filetop.txt' },
      { label: 'strace -f', kinds: ['strace.aggregate'], collect: 'strace -f -tt -T -y -p PID -o strace.txt' },
      { label: 'top or vmstat (memory)', kinds: ['top.summary', 'vmstat.sample'], collect: 'top -b -d 1 -n 30 > top.txt' },
      { label: 'df or findmnt', kinds: ['df.filesystem', 'findmnt.mount'], collect: 'df -T > df.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min_files: { type: 'integer', minimum: 1 },
        min_directories: { type: 'integer', minimum: 1 },
        max_directory_lifetime_s: { type: 'number', minimum: 0 },
        memory_headroom: { type: 'number', minimum: 0 },
        ignore_fstypes: { type: 'array', items: { type: 'string' } },
      },
    },
    defaults,
    docs: 'docs/rules/temp-file-churn.md',
  },
  evaluate,
};
