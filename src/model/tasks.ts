/**
 * Processes and threads, and the thread → process join. Like Perfetto's thread/process association,
 * a thread belongs to a process only when some tool states it (ps -efT / ps -eLf, pidstat -t, lsof's
 * TID column, strace clone results); a thread claimed by two processes is reported, not silently picked.
 */
import type { SourceRef, TimelineRecord } from '../common/types.js';
import type { Link, ModelDiagnostic, ProcessEntity, ThreadEntity } from './types.js';
import { CountedSamples, coveredRange, dStateSamples, isIntervalSample, newShare, num, presentSamples, sampleKey, str, SeriesSet } from './series.js';
import { EvidenceList, sortedNumbers } from './evidence.js';

type TaskSeries = 'cpu_pct' | 'read_bytes_per_s' | 'write_bytes_per_s' | 'cancelled_write_bytes_per_s';

interface ProcessDraft {
  pid: number;
  ppid?: number;
  user?: string;
  comm?: string;
  command?: string;
  /** Rank of the source of `command`: a full command line (ps, pidstat -l) beats a 15-char comm. */
  commandRank: number;
  tids: Set<number>;
  first?: string;
  last?: string;
  seenBy: Set<string>;
  series: SeriesSet<TaskSeries>;
  dState: { snapshots: number; of: number };
  evidence: EvidenceList;
  /** Distinct full command lines ps printed for this pid, with the first line of each. */
  psCommands: Map<string, SourceRef>;
}

interface ThreadDraft {
  tid: number;
  comm?: string;
  seenBy: Set<string>;
  series: SeriesSet<TaskSeries>;
  dState: { snapshots: number; of: number };
  evidence: EvidenceList;
}

/** One tool's statement that thread `tid` belongs to process `pid`. */
interface ThreadClaim {
  pid: number;
  via: string;
  source: SourceRef;
  /**
   * An assumption, not a statement: strace's `Process N attached` says nothing of N's thread group (with
   * `-f -p PID` every thread of PID is announced that way), so the parser's pid = tid is only a default.
   * Weak claims count only when no tool states the thread's process.
   */
  weak?: boolean;
}

/** Tool label used in `seen_by` and `via`: the record's tool with the flags that matter. */
function toolLabel(r: TimelineRecord): string {
  const [tool] = r.kind.split('.');
  if (r.kind === 'ps.thread') return 'ps (threads)';
  if (r.kind === 'pidstat.task' && r.tid !== undefined) return 'pidstat -t';
  if (r.kind === 'top.task' && r.is_thread === true) return 'top -H';
  if (r.kind === 'lsof.fd' && r.tid !== undefined) return 'lsof (TID)';
  if (r.kind === 'strace.attach' || r.kind === 'strace.aggregate') return 'strace';
  return tool ?? r.kind;
}

export interface TaskModel {
  processes: ProcessEntity[];
  threads: ThreadEntity[];
  links: Link[];
  diagnostics: ModelDiagnostic[];
}

export function buildTasks(records: readonly TimelineRecord[]): TaskModel {
  const processes = new Map<number, ProcessDraft>();
  const threads = new Map<number, ThreadDraft>();
  const claims = new Map<number, ThreadClaim[]>();

  const processOf = (pid: number): ProcessDraft => {
    let p = processes.get(pid);
    if (!p) {
      p = { pid, commandRank: 0, tids: new Set([pid]), seenBy: new Set(), series: new SeriesSet(), dState: { snapshots: 0, of: 0 }, evidence: new EvidenceList(), psCommands: new Map() };
      processes.set(pid, p);
    }
    return p;
  };
  const threadOf = (tid: number): ThreadDraft => {
    let t = threads.get(tid);
    if (!t) {
      t = { tid, seenBy: new Set(), series: new SeriesSet(), dState: { snapshots: 0, of: 0 }, evidence: new EvidenceList() };
      threads.set(tid, t);
    }
    return t;
  };
  const claim = (tid: number, pid: number, via: string, source: SourceRef, weak = false): void => {
    const list = claims.get(tid) ?? [];
    list.push(weak ? { pid, via, source, weak } : { pid, via, source });
    claims.set(tid, list);
  };

  // strace states tid → pid once per task (its scope 'task' aggregate) and once per attach line.
  const straceSeen = new Set<string>();
  const sampled = new Map<string, CountedSamples>();
  for (const r of records) {
    const pid = num(r, 'pid');
    const tid = num(r, 'tid');
    switch (r.kind) {
      case 'ps.process':
      case 'ps.thread':
      case 'pidstat.task':
      case 'top.task':
      case 'lsof.fd':
        break;
      case 'strace.attach':
      case 'strace.aggregate': {
        // strace's per-task aggregate (its source is the task's first call): one claim per thread,
        // whatever the number of calls. Only a thread group the trace proved (attach target, clone
        // result, -ff file) counts.
        if (r.kind === 'strace.aggregate' && r.scope !== 'task') continue;
        if (pid === undefined || tid === undefined) continue;
        const key = `${tid}:${pid}`;
        if (straceSeen.has(key)) continue;
        straceSeen.add(key);
        break;
      }
      default:
        continue;
    }
    const label = toolLabel(r);
    const isThreadRow = tid !== undefined;
    if (pid !== undefined) {
      const p = processOf(pid);
      p.seenBy.add(label);
      p.evidence.add(r.source);
      describeProcess(p, r, isThreadRow);
      seenAt(p, r);
      if (!isThreadRow && isIntervalSample(r)) addTaskSeries(p.series, r, sampled, `p${pid}`);
      if (!isThreadRow) countState(p.dState, r);
    }
    if (tid !== undefined) {
      const t = threadOf(tid);
      t.seenBy.add(label);
      t.evidence.add(r.source);
      const comm = threadComm(r);
      if (comm && !t.comm) t.comm = comm;
      if (isIntervalSample(r)) addTaskSeries(t.series, r, sampled, `t${tid}`);
      countState(t.dState, r);
      const assumed = r.kind === 'strace.attach' && pid === tid && r.follows_clone_of === undefined;
      if (pid !== undefined) claim(tid, pid, label, r.source, assumed);
    }
  }

  const links: Link[] = [];
  const diagnostics: ModelDiagnostic[] = [];
  for (const p of [...processes.values()].sort((a, b) => a.pid - b.pid)) {
    const reuse = pidReuse(p);
    if (reuse) diagnostics.push(reuse);
  }
  const threadPid = new Map<number, number>();
  for (const [tid, all] of [...claims].sort((a, b) => a[0] - b[0])) {
    const stated = all.filter((c) => !c.weak);
    const list = stated.length > 0 ? stated : all;
    const byPid = new Map<number, ThreadClaim[]>();
    for (const c of list) byPid.set(c.pid, [...(byPid.get(c.pid) ?? []), c]);
    const ranked = [...byPid].sort((a, b) => b[1].length - a[1].length || a[0] - b[0]);
    const [bestPid, bestClaims] = ranked[0]!;
    if (ranked.length > 1) {
      diagnostics.push({
        code: 'thread-claimed-twice',
        message: `thread ${tid} is listed under processes ${ranked.map(([p]) => p).join(' and ')} (a reused id, or captures of different moments); ${bestPid} has the most evidence`,
        evidence: ranked.map(([, cs]) => cs[0]!.source),
      });
    }
    threadPid.set(tid, bestPid);
    processOf(bestPid).tids.add(tid);
    const evidence = new EvidenceList();
    for (const c of bestClaims) evidence.add(c.source);
    links.push({
      relation: 'thread-of',
      from: `thread:${tid}`,
      to: `process:${bestPid}`,
      confidence: ranked.length > 1 ? 'guess' : 'certain',
      via: [...new Set(bestClaims.map((c) => c.via))].sort(),
      evidence: evidence.list(),
    });
  }

  const processEntities = [...processes.values()].sort((a, b) => a.pid - b.pid).map(toProcessEntity);
  const threadEntities = [...threads.values()]
    .sort((a, b) => a.tid - b.tid)
    .map((t) => toThreadEntity(t, threadPid.get(t.tid)));
  return { processes: processEntities, threads: threadEntities, links, diagnostics };
}

/**
 * The program a ps command line runs, for comparing snapshots: the first word's base name; for a name in
 * brackets (a kernel thread, a zombie `[ps] <defunct>`, a process still exec'ing) the name alone, and for a kernel
 * thread (`[kworker/u8:2-writeback]`) its name without the work item, which changes while it lives.
 */
function programOf(command: string): string {
  const kernel = /^\[([^\]-]+)/.exec(command);
  if (kernel) return kernel[1]!;
  const first = command.split(/\s+/)[0] ?? command;
  return first.slice(first.lastIndexOf('/') + 1).replace(/:$/, '');
}

/**
 * ps snapshots that show one pid running two different programs: the pid was reused by a new process, or
 * the process exec'd. Either way its rows are two programs, and the model says so instead of merging them
 * silently. A changed argument list (a server retitling itself) or a kernel worker's changing work item is
 * not a new program.
 */
function pidReuse(p: ProcessDraft): ModelDiagnostic | undefined {
  const commands = [...p.psCommands.keys()];
  for (let i = 0; i < commands.length; i++) {
    for (let j = i + 1; j < commands.length; j++) {
      const a = commands[i]!;
      const b = commands[j]!;
      if (a.startsWith(b) || b.startsWith(a) || programOf(a) === programOf(b)) continue;
      return {
        code: 'pid-reused',
        message: `pid ${p.pid} runs "${a}" in one ps snapshot and "${b}" in another: the pid was reused or the process exec'd; its rows describe two programs`,
        evidence: [p.psCommands.get(a)!, p.psCommands.get(b)!],
      };
    }
  }
  return undefined;
}

/** Fill identity fields, preferring the most complete source. */
function describeProcess(p: ProcessDraft, r: TimelineRecord, isThreadRow: boolean): void {
  // A process row, or the main thread's row of ps -efT / -eLf (TID == PID).
  if (r.kind === 'ps.process' || (r.kind === 'ps.thread' && r.tid === r.pid)) {
    const command = str(r, 'command');
    if (command && !p.psCommands.has(command) && p.psCommands.size < 8) p.psCommands.set(command, r.source);
  }
  const ppid = num(r, 'ppid');
  if (ppid !== undefined && p.ppid === undefined) p.ppid = ppid;
  const user = str(r, 'user');
  if (user && !p.user && r.user_truncated !== true) p.user = user;
  const comm = str(r, 'comm');
  if (comm && !p.comm && !isThreadRow) p.comm = comm;
  // Thread rows name the thread, not the process: they never set the process command.
  if (isThreadRow && r.kind !== 'ps.thread') return;
  const command = str(r, 'command');
  if (!command) return;
  const rank = commandRank(r, command);
  // Equal sources: the longer text is the fuller command line (ps -eT prints only the name).
  if (rank > p.commandRank || (rank === p.commandRank && command.length > (p.command?.length ?? 0))) {
    p.command = command;
    p.commandRank = rank;
    if (!p.comm) p.comm = commFromCommand(command);
  }
}

/** ps prints the full command line; pidstat without -l and top without -c print the 15-char comm. */
function commandRank(r: TimelineRecord, command: string): number {
  if (r.kind === 'ps.process' || r.kind === 'ps.thread') return r.kind === 'ps.process' ? 4 : 3;
  if (r.kind === 'pidstat.task' && command.includes(' ')) return 3;
  if (r.kind === 'top.task' && r.command_truncated !== true) return 2;
  return 1;
}

function commFromCommand(command: string): string {
  const first = command.replace(/^\[|\]$/g, '').split(/\s+/)[0] ?? command;
  return first.split('/').pop() ?? first;
}

function threadComm(r: TimelineRecord): string | undefined {
  const c = str(r, 'comm') ?? str(r, 'command');
  return c?.replace(/^\|__/, '');
}

function seenAt(p: ProcessDraft, r: TimelineRecord): void {
  const iso = r.time?.clock === 'utc' || r.time?.clock === 'local' ? r.time.iso : undefined;
  if (!iso) return;
  if (!p.first || iso < p.first) p.first = iso;
  if (!p.last || iso > p.last) p.last = iso;
}

/**
 * Adds a task's sample to its series, once per (tool, metric, moment): two files sampling the same metric
 * of the same task at the same second (pidstat -d and pidstat -dt run together) are one sample, not two,
 * or its totals double; pidstat -u and pidstat -d at the same second are different metrics and both
 * count. Records with no absolute time are told apart by file and sample number.
 */
function addTaskSeries(series: SeriesSet<TaskSeries>, r: TimelineRecord, seen: Map<string, CountedSamples>, task: string): void {
  if (r.kind !== 'pidstat.task' && r.kind !== 'top.task') return;
  const t = r.time;
  // With an interval and an absolute time: the seconds it covers, so that a bucket of merged samples
  // (timeline downsampling) overlapping another file's samples is not counted twice; else the moment.
  const range = coveredRange(r);
  const moment = t?.iso && (t.clock === 'utc' || t.clock === 'local') ? `@${t.iso}` : sampleKey(r);
  const add = (name: TaskSeries, value: number | undefined): void => {
    if (value === undefined) return;
    const key = `${task}:${r.kind}:${name}`;
    let counted = seen.get(key);
    if (!counted) seen.set(key, (counted = new CountedSamples()));
    if (range) {
      if (newShare(counted, r, range) === 0) return;
    } else if (counted.moments.has(moment)) return;
    else counted.moments.add(moment);
    series.add(name, value, r);
  };
  add('cpu_pct', num(r, 'cpu_pct'));
  if (r.kind === 'pidstat.task') {
    add('read_bytes_per_s', num(r, 'read_bytes_per_s'));
    add('write_bytes_per_s', num(r, 'write_bytes_per_s'));
    add('cancelled_write_bytes_per_s', num(r, 'cancelled_write_bytes_per_s'));
  }
}

function countState(d: { snapshots: number; of: number }, r: TimelineRecord): void {
  // top and ps -o state print `state`; ps aux and ps -eLo stat print `stat` (D, Ds, D<…).
  const state = str(r, 'state') ?? str(r, 'stat');
  if (!state || (r.kind !== 'top.task' && r.kind !== 'ps.process' && r.kind !== 'ps.thread')) return;
  d.of += presentSamples(r);
  d.snapshots += dStateSamples(r);
}

function toProcessEntity(p: ProcessDraft): ProcessEntity {
  const e: ProcessEntity = { id: `process:${p.pid}`, pid: p.pid, tids: sortedNumbers(p.tids), seen_by: [...p.seenBy].sort(), evidence: p.evidence.list() };
  if (p.ppid !== undefined) e.ppid = p.ppid;
  if (p.user) e.user = p.user;
  if (p.comm) e.comm = p.comm;
  if (p.command) e.command = p.command;
  if (p.first) e.first_seen = p.first;
  if (p.last) e.last_seen = p.last;
  assignSeries(e, p.series);
  if (p.dState.of > 0) e.d_state = { ...p.dState };
  return e;
}

function toThreadEntity(t: ThreadDraft, pid: number | undefined): ThreadEntity {
  const e: ThreadEntity = { id: `thread:${t.tid}`, tid: t.tid, is_main: pid === t.tid, seen_by: [...t.seenBy].sort(), evidence: t.evidence.list() };
  if (pid !== undefined) e.pid = pid;
  if (t.comm) e.comm = t.comm;
  const cpu = t.series.stats('cpu_pct');
  if (cpu) e.cpu_pct = cpu;
  const rd = t.series.stats('read_bytes_per_s');
  if (rd) e.read_bytes_per_s = rd;
  const wr = t.series.stats('write_bytes_per_s');
  if (wr) e.write_bytes_per_s = wr;
  if (t.dState.of > 0) e.d_state = { ...t.dState };
  return e;
}

function assignSeries(e: ProcessEntity, s: SeriesSet<TaskSeries>): void {
  const cpu = s.stats('cpu_pct');
  if (cpu) e.cpu_pct = cpu;
  const rd = s.stats('read_bytes_per_s');
  if (rd) e.read_bytes_per_s = rd;
  const wr = s.stats('write_bytes_per_s');
  if (wr) e.write_bytes_per_s = wr;
  const cc = s.stats('cancelled_write_bytes_per_s');
  if (cc) e.cancelled_write_bytes_per_s = cc;
}
