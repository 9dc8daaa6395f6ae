/**
 * cpu-saturation: the CPUs were the bottleneck — busy over most interval samples, or more runnable tasks
 * than CPUs (tasks waited for a CPU), or the hypervisor took a large share (steal).
 *
 * Busy is everything but idle and iowait (user, nice, system, irq, softirq, steal), on the all-CPU share,
 * interval samples only. The run queue is vmstat's `r` (running + waiting for a CPU) or top's `running`
 * task count against the CPU count: both are instantaneous counts, so every snapshot counts, top's first
 * iteration and vmstat's since-boot row included. The load average is context only: Linux counts tasks
 * in uninterruptible sleep (I/O) in it, so a high load with idle CPUs is an I/O problem, not this one.
 */
import type { SourceRef, TimelineRecord } from '../../common/types.js';
import { num, peakValue } from '../../model/series.js';
import { type FindingDraft, type RuleContext, type RuleModule, SUSTAINED_OPTIONS } from '../types.js';
import { list, pct, span, window } from '../format.js';
import { bestSource, CPU_SHARES_NEED, cpuCount, cpuSources, mean, processLabel, countSamples, samplesWhere, sustained, type CpuSample, type CpuSource } from '../system.js';

export interface CpuSaturationOptions {
  /** All-CPU busy share (100 − idle − iowait) at or above which a sample counts. */
  busy_pct: number;
  /** A snapshot counts when runnable tasks exceed CPUs × this ratio. */
  runnable_per_cpu: number;
  /** All-CPU steal share at or above which a sample counts (the hypervisor ran someone else). */
  steal_pct: number;
  /** Samples that must count, and the share of a source's samples they must be. */
  min_samples: number;
  min_fraction: number;
}

const defaults: CpuSaturationOptions = { busy_pct: 90, runnable_per_cpu: 1, steal_pct: 10, min_samples: 2, min_fraction: 0.5 };

interface Candidate {
  source: CpuSource;
  hot: CpuSample[];
}

interface QueueSource {
  file: string;
  label: string;
  rows: { r: TimelineRecord; runnable: number }[];
  hot: { r: TimelineRecord; runnable: number; samples: number }[];
}

function queueSources(ctx: RuleContext, limit: number): QueueSource[] {
  const byFile = new Map<string, QueueSource>();
  const add = (r: TimelineRecord, field: string, label: string): void => {
    const runnable = num(r, field);
    if (runnable === undefined) return;
    let s = byFile.get(r.source.file);
    if (!s) {
      s = { file: r.source.file, label, rows: [], hot: [] };
      byFile.set(r.source.file, s);
    }
    s.rows.push({ r, runnable });
    const samples = samplesWhere(r, field, runnable, (v) => v > limit);
    if (samples > 0) s.hot.push({ r, runnable: peakValue(r, field) ?? runnable, samples });
  };
  for (const r of ctx.records('vmstat.sample')) add(r, 'runnable', 'the run queue (vmstat r)');
  // top -H -p PID counts only that process's threads: not the system's run queue.
  for (const r of ctx.records('top.summary')) if (r.threads_mode !== true) add(r, 'tasks_running', "the running-task count (top)");
  return [...byFile.values()].sort((a, b) => (a.file < b.file ? -1 : 1));
}

function topConsumers(ctx: RuleContext): { text: string; pids: number[]; evidence: SourceRef[] } {
  const ranked = ctx.model.processes
    .filter((p) => p.cpu_pct !== undefined && p.cpu_pct.mean > 0)
    .sort((a, b) => b.cpu_pct!.mean - a.cpu_pct!.mean || a.pid - b.pid)
    .slice(0, 3);
  if (ranked.length === 0) return { text: '', pids: [], evidence: [] };
  const names = ranked.map((p) => `${processLabel(ctx.model, p.pid)} at ${pct(p.cpu_pct!.mean)} of one CPU on average (up to ${pct(p.cpu_pct!.max)})`);
  const evidence: SourceRef[] = [];
  for (const p of ranked) {
    const rows = [...ctx.records('pidstat.task'), ...ctx.records('top.task')].filter((r) => r.pid === p.pid && r.tid === undefined && typeof r.cpu_pct === 'number' && r.time?.since_boot !== true && r.average !== true);
    // The row of the "up to" figure: a bucket of merged samples (timeline downsampling) by its peak.
    const top = rows.reduce<TimelineRecord | undefined>((a, b) => (!a || (peakValue(b, 'cpu_pct') ?? 0) > (peakValue(a, 'cpu_pct') ?? 0) ? b : a), undefined);
    if (top) evidence.push(top.source);
  }
  return { text: `; the biggest CPU consumers: ${list(names)}`, pids: ranked.map((p) => p.pid), evidence };
}

function loadContext(ctx: RuleContext, cpus: number | undefined): string {
  // peakValue: a bucket of merged snapshots (timeline downsampling) shows its highest load, not its mean.
  const loads = ctx.records('top.summary').map((r) => peakValue(r, 'load1')).filter((v): v is number => v !== undefined);
  if (loads.length === 0) return '';
  const max = Math.max(...loads);
  return `; load average (1 min) up to ${max.toFixed(2)}${cpus !== undefined ? ` on ${cpus} CPUs` : ''}`;
}

function evaluate(ctx: RuleContext, o: CpuSaturationOptions): FindingDraft[] {
  const sources = cpuSources(ctx);
  const busy = bestSource(sources.map((source) => ({ source, hot: source.samples.filter((s) => s.busy >= o.busy_pct) })).filter((c) => sustained(countSamples(c.hot), countSamples(c.source.samples), o)));
  const steal = bestSource(sources.map((source) => ({ source, hot: source.samples.filter((s) => (s.steal ?? 0) >= o.steal_pct) })).filter((c) => sustained(countSamples(c.hot), countSamples(c.source.samples), o)));
  const count = cpuCount(ctx);
  const queues = count ? queueSources(ctx, count.cpus * o.runnable_per_cpu) : [];
  const queue = queues.filter((q) => sustained(countSamples(q.hot), countSamples(q.rows), o)).sort((a, b) => countSamples(b.hot) - countSamples(a.hot) || (a.file < b.file ? -1 : 1))[0];
  if (!busy && !steal && !queue) return [];

  const parts: string[] = [];
  const evidence: SourceRef[] = [];
  const hotRecords: TimelineRecord[] = [];
  if (busy) {
    parts.push(describeBusy(busy, o));
    evidence.push(...[...busy.hot].sort((a, b) => b.busy - a.busy).slice(0, 3).map((s) => s.r.source));
    hotRecords.push(...busy.hot.map((s) => s.r));
  }
  if (queue && count) {
    const peak = Math.max(...queue.hot.map((h) => h.runnable));
    const when = window(queue.hot.map((h) => h.r));
    parts.push(`${queue.label} exceeded the ${count.cpus} CPUs (${count.from}) in ${countSamples(queue.hot)} of ${countSamples(queue.rows)} snapshots of ${queue.file}${when ? ` (${when})` : ''}, up to ${peak} runnable: tasks waited for a CPU`);
    evidence.push(...[...queue.hot].sort((a, b) => b.runnable - a.runnable).slice(0, 2).map((h) => h.r.source));
    hotRecords.push(...queue.hot.map((h) => h.r));
  }
  if (steal) {
    const when = window(steal.hot.map((s) => s.r));
    parts.push(
      `steal was at or above ${pct(o.steal_pct)} in ${countSamples(steal.hot)} of ${countSamples(steal.source.samples)} interval samples of ${steal.source.file}${when ? ` (${when})` : ''}, up to ${pct(Math.max(...steal.hot.map((s) => s.steal ?? 0)))}: the hypervisor gave this VM's CPU time to others (a noisy neighbour or an exhausted CPU credit)`,
    );
    evidence.push(...[...steal.hot].sort((a, b) => (b.steal ?? 0) - (a.steal ?? 0)).slice(0, 2).map((s) => s.r.source));
    hotRecords.push(...steal.hot.map((s) => s.r));
  }
  const consumers = topConsumers(ctx);
  evidence.push(...consumers.evidence);
  const message = `${capitalize(parts.join('; '))}${loadContext(ctx, count?.cpus)}${consumers.text}.`;
  const collect: string[] = [];
  if (!ctx.records('pidstat.task').some((r) => r.cpu_pct !== undefined)) collect.push('pidstat -u 1 30 > pidstat-u.txt   (CPU per process)');
  collect.push('pidstat -t -u 1 30 > pidstat-tu.txt   (CPU per thread)');
  if (!count) collect.push('nproc > nproc.txt   (the CPU count, to judge the run queue)');
  if (ctx.records('vmstat.sample').length === 0) collect.push('vmstat -t 1 30 > vmstat.txt   (run queue r against the CPU count)');
  const finding: FindingDraft = {
    title: steal && !busy && !queue ? 'CPU time stolen by the hypervisor' : 'CPU saturation',
    message,
    entities: consumers.pids.length > 0 ? { pids: consumers.pids } : {},
    evidence,
    recommendation: recommendation(Boolean(busy || queue), Boolean(steal)),
    identity: ['cpu'],
    collect,
  };
  const when = span(hotRecords);
  if (when) finding.when = when;
  return [finding];
}

function describeBusy(c: Candidate, o: CpuSaturationOptions): string {
  const when = window(c.hot.map((s) => s.r));
  const user = mean(c.hot.map((s) => s.user ?? 0));
  const system = mean(c.hot.map((s) => s.system ?? 0));
  return (
    `the CPUs were at least ${pct(o.busy_pct)} busy in ${countSamples(c.hot)} of ${countSamples(c.source.samples)} interval samples of ${c.source.file} (${c.source.label}${when ? `, ${when}` : ''}): ` +
    `up to ${pct(Math.max(...c.hot.map((s) => s.busy)))} busy, idle ${pct(mean(c.hot.map((s) => s.idle)))} on average (user ${pct(user)}, system ${pct(system)})`
  );
}

function recommendation(saturated: boolean, steal: boolean): string {
  const parts: string[] = [];
  if (saturated) parts.push('Find what the top consumers spend their CPU on (perf top -p PID, or py-spy/async-profiler for interpreted code) and reduce that work, or add CPUs; spread single-threaded hot spots over threads or processes only if the work allows.');
  if (steal) parts.push('Steal is CPU time the hypervisor gave to other guests: move the VM to a less loaded host or a dedicated/larger instance type (burstable instances steal when their CPU credit runs out).');
  return parts.join(' ');
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export const rule: RuleModule<CpuSaturationOptions> = {
  meta: {
    id: 'cpu-saturation',
    title: 'CPU saturation',
    description: 'The CPUs were busy over most interval samples, more tasks were runnable than CPUs, or the hypervisor stole CPU time.',
    defaultSeverity: 'warning',
    requires: [
      CPU_SHARES_NEED,
    ],
    uses: [
      { label: 'pidstat -u or top tasks', kinds: ['pidstat.task', 'top.task'], fields: ['cpu_pct'], collect: 'pidstat -u 1 30 > pidstat-u.txt' },
      { label: 'vmstat (run queue)', kinds: ['vmstat.sample'], fields: ['runnable'], collect: 'vmstat -t 1 30 > vmstat.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        busy_pct: { type: 'number', minimum: 0, maximum: 100 },
        runnable_per_cpu: { type: 'number', minimum: 0 },
        steal_pct: { type: 'number', minimum: 0, maximum: 100 },
        ...SUSTAINED_OPTIONS,
      },
    },
    defaults,
    docs: 'docs/rules/cpu-saturation.md',
  },
  evaluate,
};
