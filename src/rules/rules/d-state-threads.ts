/**
 * d-state-threads: threads that stayed in uninterruptible sleep (state D) across several snapshots — blocked
 * in the kernel, usually on disk or network storage I/O, and deaf to signals until it completes.
 *
 * A snapshot is one top iteration or one ps file. Rows that name threads (top -H, ps -eLf/-efT with a state
 * column, ps -eLo stat) are judged per TID; rows of processes (top, ps aux) show the state of the process's
 * main thread, so they are judged per PID and say so. top's first iteration counts: its since-boot flag is
 * about CPU shares, states are instantaneous. Without any row that names tasks, top's `d-sleep` count
 * (procps-ng >= 4.0.5) and vmstat's `b` still say that tasks were blocked, without saying which.
 *
 * The kernel's own word counts most: a task dmesg reports as hung (`INFO: task python:514 blocked for more
 * than 120 seconds`, kernel/hung_task.c) was in D for that long without a break, whatever the snapshots
 * caught. It is reported with its process's other D threads (the model joins its id, a TID, to its
 * process), or on its own when no snapshot shows it.
 */
import type { SourceRef, TimelineRecord } from '../../common/types.js';
import { num, peakValue } from '../../model/series.js';
import type { DeviceEntity } from '../../model/types.js';
import type { FindingDraft, RuleContext, RuleModule } from '../types.js';
import { kernelMoment, list, span, window } from '../format.js';
import { busyDevices, describeDevice, processIdOf, processLabel, processName, countSamples, samplesWhere, sustained, taskStates, type TaskStates } from '../system.js';

export interface DStateThreadsOptions {
  /** Snapshots in which a thread must be in D, and the share of the snapshots that show it. */
  min_snapshots: number;
  min_fraction: number;
  /** Blocked-task count (top d-sleep, vmstat b) at or above which a snapshot counts, when no row names tasks. */
  min_blocked: number;
}

const defaults: DStateThreadsOptions = { min_snapshots: 2, min_fraction: 0.5, min_blocked: 1 };

function held(t: TaskStates, o: DStateThreadsOptions): boolean {
  return t.dSnapshots >= o.min_snapshots && t.dSnapshots >= o.min_fraction * t.snapshots;
}

/** Tokens of a name (`jbd2/sda1-8` → jbd2, sda1, 8) to spot a kernel thread named after a device. */
function tokens(name: string): Set<string> {
  return new Set(name.toLowerCase().split(/[^a-z0-9]+/).filter((t) => t !== ''));
}

/** The busy device this process is tied to: by its name (jbd2/sda1-8), or because the model places its writes there. */
function relatedDevice(ctx: RuleContext, pid: number, name: string | undefined, busy: readonly DeviceEntity[]): { device: DeviceEntity; why: string } | undefined {
  const words = name ? tokens(name) : new Set<string>();
  for (const d of busy) {
    const part = [d.name, ...d.partitions].find((n) => words.has(n.toLowerCase()));
    if (part) return { device: d, why: part === d.name ? `its name refers to ${d.name}` : `its name refers to ${part} on ${d.name}` };
  }
  for (const d of busy) {
    const balance = ctx.model.io_balance.find((b) => b.device === d.id);
    const entry = balance?.by_process.find((p) => p.pid === pid && p.placement !== 'unknown');
    if (entry) return { device: d, why: entry.placement === 'files' ? `its files are on ${d.name}` : `it writes, and ${d.name} is the only device the capture measures` };
  }
  return undefined;
}

function whenAndWhere(t: TaskStates): string {
  // Only clock times: two ps files are both "sample 1" of their own file, which says nothing.
  const when = t.firstD?.time?.iso && t.lastD?.time?.iso ? window([t.firstD, t.lastD]) : undefined;
  const wchan = t.wchans.length > 0 ? `, waiting in ${list(t.wchans, 3)}` : '';
  return `in ${t.dSnapshots} of ${t.snapshots} snapshots${when ? ` (${when})` : ''}${wchan}`;
}

function describeThread(t: TaskStates): string {
  return `${t.isThread && t.pid !== undefined && t.pid !== t.id ? 'thread' : 'main thread'} ${t.id} ${whenAndWhere(t)}`;
}

/** `the process was in D …` when only process rows show it, else the list of its threads. */
function describeTasks(label: string, threads: readonly TaskStates[]): string {
  const only = threads[0]!;
  if (threads.length === 1 && !only.isThread) {
    // ps and pidstat print kernel threads in brackets: they have no other threads to hide.
    const kernel = /\(\[[^\]]+\]\)$/.test(label);
    const rows = kernel ? ' (a kernel thread)' : "; these rows show processes, so this is its main thread's state (its other threads are not shown)";
    return `${label} was in uninterruptible sleep (D) ${whenAndWhere(only)}${rows}`;
  }
  return `${threads.length === 1 ? 'a thread' : `${threads.length} threads`} of ${label} stayed in uninterruptible sleep (D): ${list(threads.map(describeThread), 8)}`;
}

function perProcess(ctx: RuleContext, o: DStateThreadsOptions, stuck: readonly TaskStates[], hung: ReadonlyMap<number, TimelineRecord[]>): FindingDraft[] {
  const byPid = new Map<number, TaskStates[]>();
  for (const t of stuck) {
    const pid = t.pid ?? t.id;
    const group = byPid.get(pid);
    if (group) group.push(t);
    else byPid.set(pid, [t]);
  }
  const busy = busyDevices(ctx.model);
  const findings: FindingDraft[] = [];
  for (const [pid, threads] of [...byPid].sort((a, b) => a[0] - b[0])) {
    threads.sort((a, b) => b.dSnapshots - a.dSnapshots || a.id - b.id);
    const name = processName(ctx.model, pid) ?? threads.find((t) => t.name)?.name;
    const related = relatedDevice(ctx, pid, name, busy);
    const deviceText = related
      ? `; ${related.why}, and ${describeDevice(related.device)} was busy`
      : busy.length > 0
        ? `; the busy device in this capture: ${list(busy.map(describeDevice))}`
        : '';
    const threadRows = threads.some((t) => t.isThread);
    const described = describeTasks(processLabel(ctx.model, pid, name), threads);
    const reports = threads.flatMap((t) => hung.get(t.id) ?? []);
    const message = `${described.charAt(0).toUpperCase()}${described.slice(1)}${kernelSaid(reports)}${deviceText}.`;
    const evidence: SourceRef[] = [];
    for (const t of threads.slice(0, 6)) evidence.push(...t.dRows.slice(0, 2));
    evidence.push(...reports.slice(0, 2).map((r) => r.source));
    const collect = ['cat /proc/PID/task/TID/stack   (as root: the kernel stack of each blocked thread)'.replace('PID', String(pid)).replace('TID', String(threads[0]!.id))];
    if (!threads.some((t) => t.wchans.length > 0)) collect.push(`ps -L -o pid,tid,stat,wchan:32,comm -p ${pid} > ps-threads.txt   (what each thread waits in)`);
    if (!threadRows) collect.push(`top -b -H -d 1 -n 10 -p ${pid} > top-H.txt   (which of its threads are blocked)`);
    if (ctx.records('iostat.device').length === 0) collect.push('iostat -dxt 1 30 > iostat.txt   (is a device saturated)');
    const finding: FindingDraft = {
      title: `Threads blocked in uninterruptible sleep: ${name ?? pid}`,
      message,
      entities: {
        pids: [pid],
        ...(threads.some((t) => t.isThread) ? { tids: threads.filter((t) => t.isThread).map((t) => t.id).sort((a, b) => a - b) } : {}),
        ...(related ? { devices: [related.device.name] } : {}),
      },
      evidence,
      recommendation: related
        ? `These threads wait for ${related.device.name}: make the device keep up or reduce the I/O sent to it (see disk-saturation and io-heavy-process). Threads in D cannot be killed until their I/O completes.`
        : 'Threads in D wait in the kernel, usually for storage (a local disk, NFS, a FUSE or network block device) or a lock held across I/O. Read their kernel stacks (/proc/PID/task/TID/stack) or wchan to see what they wait for, then fix that device or mount.',
      identity: [name ?? 'unnamed'],
      collect,
    };
    const when = span(threads.flatMap((t) => [t.firstD, t.lastD]).filter((r): r is TimelineRecord => r !== undefined));
    if (when) finding.when = when;
    findings.push(finding);
  }
  return findings;
}

/** No row named the tasks: top's d-sleep count or vmstat's b, sustained. */
function fromCounters(ctx: RuleContext, o: DStateThreadsOptions): FindingDraft[] {
  type Row = { r: TimelineRecord; n: number; samples?: number };
  const byFile = new Map<string, { label: string; rows: Row[]; hot: Row[] }>();
  const add = (r: TimelineRecord, field: string, label: string): void => {
    const n = num(r, field);
    if (n === undefined) return;
    const e = byFile.get(r.source.file) ?? { label, rows: [], hot: [] };
    e.rows.push({ r, n });
    // A merged record (timeline downsampling) counts the samples at or above the threshold it saw.
    const samples = samplesWhere(r, field, n, (v) => v >= o.min_blocked);
    if (samples > 0) e.hot.push({ r, n: peakValue(r, field) ?? n, samples });
    byFile.set(r.source.file, e);
  };
  for (const r of ctx.records('top.summary')) add(r, 'tasks_dsleep', "top's d-sleep count");
  for (const r of ctx.records('vmstat.sample')) add(r, 'blocked', "vmstat's b");
  for (const [file, e] of [...byFile].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const hot = e.hot;
    if (!sustained(countSamples(hot), countSamples(e.rows), { min_samples: o.min_snapshots, min_fraction: o.min_fraction })) continue;
    const peak = hot.reduce((a, b) => (b.n > a.n ? b : a));
    const when = window(hot.map((x) => x.r));
    const finding: FindingDraft = {
      title: 'Tasks blocked in uninterruptible sleep',
      message: `${e.label} shows tasks in uninterruptible sleep (D) in ${countSamples(hot)} of ${countSamples(e.rows)} snapshots of ${file}${when ? ` (${when})` : ''}, up to ${peak.n} at once, but no row of this capture names them.`,
      entities: {},
      evidence: [peak.r.source, ...hot.filter((x) => x !== peak).slice(0, 3).map((x) => x.r.source)],
      recommendation: 'Capture which threads are blocked and on what, then look at the device or mount they wait for.',
      identity: ['blocked-tasks'],
      collect: ['ps -eLo pid,tid,stat,wchan:32,comm > ps-threads.txt   (repeat a few times: the D threads and their wait channel)', 'top -b -H -d 1 -n 10 > top-H.txt'],
    };
    const at = span(hot.map((x) => x.r));
    if (at) finding.when = at;
    return [finding];
  }
  return [];
}

/** dmesg's hung-task reports, by the task id the kernel printed (a TID). */
function hungReports(ctx: RuleContext): Map<number, TimelineRecord[]> {
  const byTid = new Map<number, TimelineRecord[]>();
  for (const r of ctx.records('dmesg.message')) {
    const tid = r.event === 'hung-task' ? num(r, 'tid') : undefined;
    if (tid === undefined) continue;
    const list = byTid.get(tid);
    if (list) list.push(r);
    else byTid.set(tid, [r]);
  }
  return byTid;
}

/** What the kernel said of these tasks, for the message: `; the kernel reported … blocked for more than 120 s`. */
function kernelSaid(reports: readonly TimelineRecord[]): string {
  if (reports.length === 0) return '';
  const tasks = [...new Set(reports.map((r) => `${String(r.comm)} (task ${String(r.tid)})`))];
  const longest = Math.max(...reports.map((r) => num(r, 'blocked_s') ?? 0));
  return `; the kernel reported ${list(tasks, 4)} blocked for more than ${longest} s${reports.length > 1 ? ` (${reports.length} reports)` : ''}`;
}

/**
 * Tasks only dmesg shows blocked (no snapshot shows them in D): one finding per process, or per task when its
 * process is unknown. dmesg holds reports since boot, which may predate the snapshots: the message says
 * when the snapshots show the task, but not in D.
 */
function fromKernel(ctx: RuleContext, reports: ReadonlyMap<number, TimelineRecord[]>, stuck: ReadonlySet<number>, shown: ReadonlySet<number>): FindingDraft[] {
  const groups = new Map<string, { pid?: number; records: TimelineRecord[] }>();
  for (const [tid, records] of reports) {
    if (stuck.has(tid)) continue;
    const pid = processIdOf(records[0]!);
    const key = pid !== undefined ? `p${pid}` : `t${tid}`;
    const group = groups.get(key) ?? (pid !== undefined ? { pid, records: [] } : { records: [] });
    group.records.push(...records);
    groups.set(key, group);
  }
  const findings: FindingDraft[] = [];
  for (const { pid, records } of [...groups.values()].sort((a, b) => (a.pid ?? num(a.records[0]!, 'tid')!) - (b.pid ?? num(b.records[0]!, 'tid')!))) {
    const tids = [...new Set(records.map((r) => num(r, 'tid')!))].sort((a, b) => a - b);
    const name = (pid !== undefined ? processName(ctx.model, pid) : undefined) ?? String(records[0]!.comm);
    const who = pid !== undefined ? processLabel(ctx.model, pid, name) : `task ${tids[0]} (${name})`;
    const said = kernelSaid(records).slice(2);
    const moment = kernelMoment(records[0]!.time);
    const when = moment ? ` (${moment})` : '';
    const seen = tids.some((t) => shown.has(t)) ? 'the snapshots of this capture do not show it staying in D (the report may be older than them)' : `no snapshot of this capture shows ${tids.length === 1 ? 'it' : 'them'}`;
    findings.push({
      title: `Threads blocked in uninterruptible sleep: ${name}`,
      message: `${said.charAt(0).toUpperCase()}${said.slice(1)}${when}: ${who} stayed in uninterruptible sleep (D) that long without a break; ${seen}.`,
      entities: { ...(pid !== undefined ? { pids: [pid] } : {}), tids },
      evidence: records.slice(0, 4).map((r) => r.source),
      recommendation: 'The kernel prints the blocked task\'s stack right after the report (the lines that follow it in dmesg): the functions name what it waited for (io_schedule, a filesystem journal, NFS). Fix that device or mount; see disk-saturation and storage-errors.',
      identity: [name],
      collect: ['ps -eLo pid,tid,stat,wchan:32,comm > ps-threads.txt   (a few times, seconds apart: the D threads and their wait channel)'],
    });
  }
  return findings;
}

function evaluate(ctx: RuleContext, o: DStateThreadsOptions): FindingDraft[] {
  const { tasks } = taskStates(ctx);
  const hung = hungReports(ctx);
  const stuck = tasks.filter((t) => held(t, o));
  const kernelOnly = fromKernel(ctx, hung, new Set(stuck.map((t) => t.id)), new Set(tasks.map((t) => t.id)));
  if (stuck.length > 0) return [...perProcess(ctx, o, stuck, hung), ...kernelOnly];
  if (kernelOnly.length > 0) return kernelOnly;
  if (tasks.length > 0 && tasks.some((t) => t.snapshots >= o.min_snapshots)) return [];
  return fromCounters(ctx, o);
}

export const rule: RuleModule<DStateThreadsOptions> = {
  meta: {
    id: 'd-state-threads',
    title: 'Threads in uninterruptible sleep',
    description: 'Threads stayed in uninterruptible sleep (D) across several snapshots.',
    defaultSeverity: 'warning',
    requires: [
      {
        label: 'task states (top, ps with a state column), blocked counts (vmstat) or the kernel\'s hung-task reports (dmesg)',
        kinds: ['top.task', 'ps.thread', 'ps.process', 'top.summary', 'vmstat.sample', 'dmesg.message'],
        collect: 'ps -eLo pid,tid,stat,wchan:32,comm > ps-threads.txt   (a few times, seconds apart; or: top -b -H -d 1 -n 10 > top-H.txt)',
      },
    ],
    uses: [
      { label: 'thread rows (top -H, ps -eLf/-efT)', kinds: ['top.task', 'ps.thread'], fields: ['tid'], collect: 'top -b -H -d 1 -n 10 > top-H.txt' },
      { label: 'wait channels (ps -o wchan)', kinds: ['ps.thread', 'ps.process', 'top.task'], fields: ['wchan'], collect: 'ps -eLo pid,tid,stat,wchan:32,comm > ps-threads.txt' },
      { label: 'iostat -x', kinds: ['iostat.device'], fields: ['util_pct'], collect: 'iostat -dxt 1 30 > iostat.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min_snapshots: { type: 'integer', minimum: 1 },
        min_fraction: { type: 'number', minimum: 0, maximum: 1 },
        min_blocked: { type: 'integer', minimum: 1 },
      },
    },
    defaults,
    docs: 'docs/rules/d-state-threads.md',
  },
  evaluate,
};
