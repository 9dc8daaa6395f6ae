/**
 * cpu-iowait: the CPUs sat idle with I/O outstanding, over most interval samples — the system is waiting on
 * storage, not computing.
 *
 * iowait is idle time during which some task that last ran on that CPU waits for block I/O. It is judged
 * on the all-CPU share (top's `%Cpu(s)` or the mean of its per-CPU lines, vmstat `wa`, mpstat's `all` row,
 * iostat's CPU report), over interval samples only: top's first iteration and sysstat's since-boot report
 * are averages over the whole uptime (or over a few milliseconds), and `Average:` rows repeat the samples.
 */
import type { SourceRef } from '../../common/types.js';
import { type FindingDraft, type RuleContext, type RuleModule, SUSTAINED_OPTIONS } from '../types.js';
import { list, pct, span, window } from '../format.js';
import { bestSource, CPU_SHARES_NEED, busiestDevices, cpuSources, describeDevice, mean, processLabel, countSamples, psiPeak, sustained, taskStates, type CpuSample, type CpuSource, type HotCpu } from '../system.js';

export interface CpuIowaitOptions {
  /** All-CPU iowait share (percent) at or above which a sample counts. */
  iowait_pct: number;
  /** Samples that must count, and the share of a source's interval samples they must be. */
  min_samples: number;
  min_fraction: number;
}

const defaults: CpuIowaitOptions = { iowait_pct: 20, min_samples: 1, min_fraction: 0.5 };

/** PSI io full share (%) from which PSI is said to confirm the stall (pressure-stalls' default bar). */
const PSI_CONFIRMS_PCT = 10;

interface Candidate {
  source: CpuSource;
  hot: CpuSample[];
}

function context(ctx: RuleContext): { text: string; devices: string[]; pids: number[]; tids: number[]; evidence: SourceRef[] } {
  const parts: string[] = [];
  const devices = busiestDevices(ctx.model).filter((d) => (d.util_pct?.max ?? 0) > 0 || (d.w_await_s?.max ?? 0) > 0);
  const evidence: SourceRef[] = [];
  if (devices.length > 0) parts.push(`busiest device${devices.length > 1 ? 's' : ''}: ${list(devices.map(describeDevice))}`);
  const { tasks } = taskStates(ctx);
  const blocked = tasks.filter((t) => t.dSnapshots > 0).sort((a, b) => b.dSnapshots - a.dSnapshots || a.id - b.id);
  if (blocked.length > 0) {
    const names = blocked.map((t) => {
      const who = t.isThread && t.pid !== undefined && t.pid !== t.id ? `thread ${t.id} of ${processLabel(ctx.model, t.pid, t.name)}` : processLabel(ctx.model, t.id, t.name);
      return `${who} in ${t.dSnapshots} of ${t.snapshots} snapshots`;
    });
    parts.push(`in uninterruptible sleep (D): ${list(names, 4)}`);
    for (const t of blocked.slice(0, 3)) evidence.push(...t.dRows.slice(0, 1));
  }
  // PSI counts the tasks that wait, where iowait counts idle CPUs: it confirms the stall or says it was slight.
  const psi = psiPeak(ctx, 'io', 'full');
  if (psi) {
    const measured = psi.via === 'totals' ? `up to ${pct(psi.share)}` : `${pct(psi.share)} (avg60)`;
    parts.push(
      psi.share >= PSI_CONFIRMS_PCT
        ? `PSI io full ${measured} in ${psi.file}: every non-idle task waited for I/O that share of the time`
        : `yet PSI io full only ${measured} in ${psi.file}: the tasks seldom all waited at once (iowait counts idle CPUs, not waiting tasks)`,
    );
    evidence.push(psi.line);
  }
  return {
    text: parts.length > 0 ? `; ${parts.join('; ')}` : '',
    devices: devices.map((d) => d.name),
    pids: [...new Set(blocked.map((t) => t.pid ?? t.id))].sort((a, b) => a - b),
    tids: blocked.filter((t) => t.isThread).map((t) => t.id),
    evidence,
  };
}

/** iowait is idle time: say whether the rest of the CPU time was idle too, or also busy. */
function busyText(busy: number, idle: number): string {
  if (busy < 50) return `while user+system time was only ${pct(busy)} and idle ${pct(idle)}: the CPUs were waiting on I/O, not computing`;
  return `while the CPUs were also ${pct(busy)} busy (user+system) and ${pct(idle)} idle: part of the time the CPUs had nothing to run but I/O to wait for`;
}

function evaluate(ctx: RuleContext, o: CpuIowaitOptions): FindingDraft[] {
  const candidates: Candidate[] = cpuSources(ctx).map((source) => ({ source, hot: source.samples.filter((s) => s.iowait >= o.iowait_pct) }));
  const firing = candidates.filter((c) => sustained(countSamples(c.hot), countSamples(c.source.samples), o));
  const best = bestSource(firing);
  if (!best) return [];
  const { source, hot } = best;
  const peak = hot.reduce((a, b) => (b.iowait > a.iowait ? b : a));
  const hotCpu = hot.map((s) => s.maxIowaitCpu).reduce<HotCpu | undefined>((a, b) => (b && (!a || b.iowait > a.iowait) ? b : a), undefined);
  const when = window(hot.map((s) => s.r));
  const others = firing.filter((c) => c !== best).map((c) => `${c.source.file} agrees (${countSamples(c.hot)} of ${countSamples(c.source.samples)})`);
  const ctxt = context(ctx);
  const message =
    `iowait was at or above ${pct(o.iowait_pct)} of all CPUs in ${countSamples(hot)} of ${countSamples(source.samples)} interval samples of ${source.file} (${source.label}${when ? `, ${when}` : ''}): ` +
    `${hot.length > 1 ? `up to ${pct(peak.iowait)} (mean ${pct(mean(hot.map((s) => s.iowait)))})` : pct(peak.iowait)}${hotCpu && hotCpu.iowait > peak.iowait ? ` (${pct(hotCpu.iowait)} on ${hotCpu.cpu})` : ''}, ` +
    `${busyText(mean(hot.map((s) => s.busy)), mean(hot.map((s) => s.idle)))}` +
    `${others.length > 0 ? `; ${others.join(', ')}` : ''}${ctxt.text}.`;
  const evidence: SourceRef[] = [...hot].sort((a, b) => b.iowait - a.iowait).slice(0, 4).map((s) => s.r.source);
  if (hotCpu && hotCpu.iowait > peak.iowait) evidence.splice(1, 0, hotCpu.line);
  for (const c of firing) if (c !== best) evidence.push(...[...c.hot].sort((a, b) => b.iowait - a.iowait).slice(0, 1).map((s) => s.r.source));
  evidence.push(...ctxt.evidence);
  const collect: string[] = [];
  if (ctx.records('iostat.device').length === 0) collect.push('iostat -dxt 1 30 > iostat.txt   (which device the CPUs wait for)');
  if (!ctx.records('pidstat.task').some((r) => r.write_bytes_per_s !== undefined)) collect.push('pidstat -d 1 30 > pidstat-d.txt   (who does the I/O)');
  collect.push('ps -eLo pid,tid,stat,wchan:32,comm > ps-threads.txt   (which threads wait, and on what)');
  const finding: FindingDraft = {
    title: 'CPUs waiting on I/O (high iowait)',
    message,
    entities: {
      ...(ctxt.devices.length > 0 ? { devices: ctxt.devices } : {}),
      ...(ctxt.pids.length > 0 ? { pids: ctxt.pids } : {}),
      ...(ctxt.tids.length > 0 ? { tids: ctxt.tids } : {}),
    },
    evidence,
    recommendation:
      'The CPUs are not the bottleneck: tasks are blocked on storage. Find the device they wait for and who loads it (disk-saturation, io-heavy-process, d-state-threads), then reduce that I/O at its source or give it a faster device. Adding CPUs will not help.',
    identity: ['iowait'],
    collect,
  };
  const at = span(hot.map((s) => s.r));
  if (at) finding.when = at;
  return [finding];
}

export const rule: RuleModule<CpuIowaitOptions> = {
  meta: {
    id: 'cpu-iowait',
    title: 'CPU iowait',
    description: 'The CPUs were idle waiting for I/O (high iowait) over most interval samples.',
    defaultSeverity: 'warning',
    requires: [
      CPU_SHARES_NEED,
    ],
    uses: [
      { label: 'iostat -x', kinds: ['iostat.device'], fields: ['util_pct'], collect: 'iostat -dxt 1 30 > iostat.txt' },
      { label: 'task states (top, ps -eLo stat)', kinds: ['top.task', 'ps.thread', 'ps.process'], collect: 'ps -eLo pid,tid,stat,wchan:32,comm > ps-threads.txt' },
      { label: 'PSI (tasks stalled on I/O)', kinds: ['pressure.stall'], collect: 'for i in $(seq 30); do date -Is; grep -H . /proc/pressure/*; sleep 1; done > pressure.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        iowait_pct: { type: 'number', minimum: 0, maximum: 100 },
        ...SUSTAINED_OPTIONS,
      },
    },
    defaults,
    docs: 'docs/rules/cpu-iowait.md',
  },
  evaluate,
};
