/**
 * strace-missed-threads: strace was attached without -f, so it traced only the thread it was given,
 * while other threads of that process did the I/O (or the work). `strace -p PID` attaches to PID's main
 * thread alone; in a threaded server the requests are served by other threads, and the trace shows an
 * idle poll()/futex() loop — the case study's classic trap.
 *
 * The threads that were missed come from the tools that tell threads apart: pidstat -dt, iotop,
 * filetop and strace -f path aggregates of another capture (bytes written), and top -H (CPU; the main
 * thread's row is not used, since procps shows the whole process's CPU there). A capture made with -f
 * (`strace.capture.followed_forks`) traces every thread that exists or is created while it runs, so it
 * never fires.
 */
import type { SourceRef, TimelineRecord } from '../../common/types.js';
import { isIntervalSample, num, peakValue } from '../../model/series.js';
import type { FindingDraft, RuleContext, RuleModule } from '../types.js';
import { bytes, list, pct } from '../format.js';
import { commandOf, writingThreads, writtenTargets, type ThreadWrites } from './io-heavy-process.js';

export interface StraceMissedThreadsOptions {
  /** Bytes a thread must have written (by the largest count of any one tool) to be named as a writer. */
  min_written_bytes: number;
  /** Whether threads busy on CPU in top -H, without known writes, count as missed too. */
  count_cpu_busy: boolean;
  /** %CPU (one interval sample of top -H suffices) at which such a thread counts as busy. */
  min_cpu_pct: number;
}

const defaults: StraceMissedThreadsOptions = { min_written_bytes: 1024 * 1024, count_cpu_busy: true, min_cpu_pct: 50 };

interface Task {
  tid: number;
  pid?: number;
}

/** One strace capture without -f and what it traced. */
interface Blind {
  capture: TimelineRecord;
  traced: Set<number>;
  calls: number;
  syscalls: string[];
  fileWrites: number;
  writes: number;
}

function tasksOf(c: TimelineRecord): Task[] {
  const raw = c.tasks;
  if (!Array.isArray(raw)) return [];
  const out: Task[] = [];
  for (const t of raw) {
    if (typeof t !== 'object' || t === null) continue;
    const tid = (t as { tid?: unknown }).tid;
    const pid = (t as { pid?: unknown }).pid;
    if (typeof tid !== 'number') continue;
    out.push(typeof pid === 'number' ? { tid, pid } : { tid });
  }
  return out;
}

function numbers(v: unknown): number[] {
  return Array.isArray(v) ? v.filter((x): x is number => typeof x === 'number') : [];
}

/** Captures without -f, grouped by the process they were attached to (a TID given to -p maps to its process). */
function blindCaptures(ctx: RuleContext): Map<number, Blind[]> {
  const threadPid = new Map(ctx.model.threads.filter((t) => t.pid !== undefined).map((t) => [t.tid, t.pid!]));
  const byPid = new Map<number, Blind[]>();
  for (const c of ctx.records('strace.capture')) {
    if (c.followed_forks === true) continue;
    const tasks = tasksOf(c);
    const targets = numbers(c.attach_targets);
    const roots = targets.length > 0 ? targets : tasks.map((t) => t.tid);
    const blind: Blind = {
      capture: c,
      traced: new Set(tasks.map((t) => t.tid)),
      calls: num(c, 'calls') ?? 0,
      syscalls: Array.isArray(c.syscalls_seen) ? c.syscalls_seen.filter((s): s is string => typeof s === 'string') : [],
      fileWrites: num(c, 'file_write_calls') ?? 0,
      writes: num(c, 'write_calls') ?? 0,
    };
    for (const tid of roots) blind.traced.add(tid);
    // The model's join first: strace -p TID without -f cannot see the thread group and reports pid = TID.
    const pids = new Set(roots.map((tid) => threadPid.get(tid) ?? tasks.find((t) => t.tid === tid)?.pid ?? tid));
    for (const pid of pids) byPid.set(pid, [...(byPid.get(pid) ?? []), blind]);
  }
  return byPid;
}

/** Non-main threads of `pid` at or above `minCpu` in an interval sample of top -H: tid → the busiest row. */
function busyThreads(ctx: RuleContext, pid: number, minCpu: number): Map<number, TimelineRecord> {
  const out = new Map<number, TimelineRecord>();
  for (const r of ctx.records('top.task')) {
    const tid = num(r, 'tid');
    if (r.is_thread !== true || tid === undefined || tid === pid || !isIntervalSample(r)) continue;
    if (r.entities?.process !== `process:${pid}`) continue;
    // A merged record (timeline downsampling): its bucket's peak, as if its busiest sample were read.
    const cpu = peakValue(r, 'cpu_pct') ?? 0;
    if (cpu < minCpu) continue;
    const prev = out.get(tid);
    if (!prev || cpu > (peakValue(prev, 'cpu_pct') ?? 0)) out.set(tid, r);
  }
  return out;
}

interface Missed {
  tid: number;
  writes?: ThreadWrites;
  busy?: TimelineRecord;
}

function describe(m: Missed): string {
  const parts: string[] = [];
  if (m.writes) parts.push(`wrote ${m.writes.sources.map((s) => `${bytes(s.bytes)} per ${s.label}`).join(', ')}`);
  if (m.busy) parts.push(`up to ${pct(num(m.busy, 'cpu_pct') ?? 0)} CPU in top -H`);
  return `${m.tid} (${parts.join('; ')})`;
}

/** "strace-main.txt attached to 26246 without -f and traced only that thread (34 calls: futex, poll; no write to a file)". */
function describeBlind(b: Blind): string {
  const traced = [...b.traced].sort((x, y) => x - y);
  const what = traced.length === 1 ? `only thread ${traced[0]}` : `only threads ${list(traced)}`;
  const calls = `${b.calls} call${b.calls === 1 ? '' : 's'}${b.syscalls.length > 0 ? `: ${list(b.syscalls, 5)}` : ''}`;
  const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;
  const writes =
    b.fileWrites > 0 ? plural(b.fileWrites, 'write to a file', 'writes to files')
    : b.writes > 0 ? `${plural(b.writes, 'write call', 'write calls')}, to no known file`
    : 'no write';
  return `${b.capture.source.file} was made without -f and traced ${what} (${calls}; ${writes})`;
}

/** Files of captures made with -f that did trace a missed thread's writes: "strace-f.txt shows 26415's writes". */
function followedText(missed: readonly Missed[], blindFiles: ReadonlySet<string>): string {
  const byFile = new Map<string, number[]>();
  for (const m of missed) {
    for (const s of m.writes?.sources ?? []) {
      if (s.tool !== 'strace' || blindFiles.has(s.label)) continue;
      byFile.set(s.label, [...(byFile.get(s.label) ?? []), m.tid]);
    }
  }
  return [...byFile]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([file, tids]) => ` ${file}, made with -f, does show the writes of ${list(tids)}.`)
    .join('');
}

function evaluate(ctx: RuleContext, o: StraceMissedThreadsOptions): FindingDraft[] {
  const findings: FindingDraft[] = [];
  const blindByPid = blindCaptures(ctx);
  for (const pid of [...blindByPid.keys()].sort((a, b) => a - b)) {
    const blinds = blindByPid.get(pid)!;
    const traced = new Set(blinds.flatMap((b) => [...b.traced]));
    const writers = writingThreads(ctx, pid, o.min_written_bytes);
    const busy = o.count_cpu_busy ? busyThreads(ctx, pid, o.min_cpu_pct) : new Map<number, TimelineRecord>();
    const missedByTid = new Map<number, Missed>();
    for (const w of writers) if (!traced.has(w.tid)) missedByTid.set(w.tid, { tid: w.tid, writes: w });
    for (const [tid, r] of busy) {
      if (traced.has(tid)) continue;
      const m = missedByTid.get(tid) ?? { tid };
      m.busy = r;
      missedByTid.set(tid, m);
    }
    if (missedByTid.size === 0) continue;
    // Writers first (by bytes), then CPU-only threads (by CPU), then by TID.
    const cpuOf = (m: Missed): number => (m.busy ? num(m.busy, 'cpu_pct') ?? 0 : 0);
    const missed = [...missedByTid.values()].sort((a, b) => (b.writes?.bytes ?? -1) - (a.writes?.bytes ?? -1) || cpuOf(b) - cpuOf(a) || a.tid - b.tid);
    findings.push(findingFor(ctx, pid, blinds, missed));
  }
  return findings;
}

function findingFor(ctx: RuleContext, pid: number, blinds: readonly Blind[], missed: readonly Missed[]): FindingDraft {
  const command = commandOf(ctx.model, pid);
  const writers = missed.filter((m) => m.writes);
  const tids = missed.map((m) => m.tid);
  const targets = writtenTargets(ctx.model, pid, writers.map((m) => m.writes!));
  const patterns = targets.filter((t) => t.pattern).map((t) => t.name);
  const paths = targets.filter((t) => !t.pattern).map((t) => t.name);
  const devices = ctx.model.io_balance
    .filter((b) => b.by_process.some((p) => p.pid === pid && p.placement !== 'unknown'))
    .map((b) => b.device.slice('device:'.length))
    .sort();
  const did = writers.length > 0 ? 'did the I/O' : 'did the work';
  const into = targets.length > 0 ? `, into ${list(targets.map((t) => t.name), 3)}` : '';
  const blindFiles = new Set(blinds.map((b) => b.capture.source.file));
  const message =
    `${list(blinds.map(describeBlind), 3)}, while ${missed.length === 1 ? 'another thread' : 'other threads'} of pid ${pid} (${command}) ${did}: ${list(missed.map(describe), 5)}${into}.` +
    followedText(missed, blindFiles);

  const evidence: SourceRef[] = [];
  for (const b of blinds) {
    const attach = ctx.records('strace.attach').find((r) => r.source.file === b.capture.source.file && r.target === true);
    evidence.push(attach?.source ?? b.capture.source);
  }
  for (const m of missed.slice(0, 5)) {
    for (const s of m.writes?.sources.slice(0, 2) ?? []) evidence.push(s.evidence);
    if (m.busy) evidence.push(m.busy.source);
  }
  // Then, for a thread whose rows do not name its process (filetop, iotop, top -H), the line that does (ps -efT…).
  for (const m of missed.slice(0, 3)) {
    if (m.writes?.sources.some((s) => s.tool === 'pidstat -dt' || s.tool === 'strace')) continue;
    const link = ctx.model.links.find((l) => l.relation === 'thread-of' && l.from === `thread:${m.tid}`);
    if (link?.evidence[0]) evidence.push(link.evidence[0]);
  }

  const oneWriter = writers[0]?.tid ?? tids[0]!;
  const all = `strace -f -tt -T -y -p ${pid} -o strace-f.txt`;
  const one = `strace -tt -T -y -p ${oneWriter} -o strace-${oneWriter}.txt`;
  return {
    title: `strace without -f missed the threads of pid ${pid} that ${writers.length > 0 ? 'wrote' : 'worked'}`,
    message,
    entities: {
      pids: [pid],
      tids,
      ...(paths.length > 0 ? { paths } : {}),
      ...(patterns.length > 0 ? { patterns } : {}),
      ...(devices.length > 0 ? { devices } : {}),
    },
    evidence,
    recommendation:
      `Trace every thread of the process: ${all} (it follows the threads that exist and those created later, such as one thread per request). ` +
      `To watch one thread alone: ${one} (that thread only; the trace ends when it exits). ` +
      `Read the writes per thread with grep -E 'write|openat' strace-f.txt.`,
    identity: [command, patterns[0] ?? paths[0] ?? ''],
    collect: [all, one],
  };
}

export const rule: RuleModule<StraceMissedThreadsOptions> = {
  meta: {
    id: 'strace-missed-threads',
    title: 'strace missed the busy threads',
    description: 'strace was attached without -f and traced only some threads while other threads of that process did the I/O.',
    defaultSeverity: 'warning',
    requires: [{ label: 'strace', kinds: ['strace.capture'], collect: 'strace -f -tt -T -y -p PID -o strace-f.txt' }],
    uses: [
      { label: 'per-thread I/O (pidstat -dt, iotop, filetop or strace -f)', kinds: ['pidstat.task', 'iotop.task', 'filetop.file', 'strace.aggregate'], fields: ['tid'], collect: 'pidstat -dt -p PID 1 30 > pidstat-dt.txt' },
      { label: 'threads (top -H, ps -efT or ps -eLf)', kinds: ['top.task', 'ps.thread'], fields: ['tid'], collect: 'top -b -H -p PID -d 1 -n 10 > top-H.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min_written_bytes: { type: 'number', minimum: 0 },
        count_cpu_busy: { type: 'boolean' },
        min_cpu_pct: { type: 'number', minimum: 0 },
      },
    },
    defaults,
    docs: 'docs/rules/strace-missed-threads.md',
  },
  evaluate,
};
