/**
 * pressure-stalls: Linux's pressure stall information (PSI) shows tasks losing a large share of their time
 * waiting for I/O, memory or a CPU. `full` for I/O or memory is time when every non-idle task was stalled:
 * the machine did no work at all then. It is the measure iowait is mistaken for — iowait counts idle CPUs
 * while I/O is outstanding and falls as soon as anything else runs; PSI counts the tasks that wait.
 *
 * Reads `pressure.stall` records (src/parsers/pressure.ts). With timestamped snapshots, the share of each
 * interval comes from the growth of `total_us` (exact); with one snapshot or none timed, from the kernel's
 * 60-second average (`avg60`, the minute before the snapshot). One finding per resource (and cgroup).
 */
import type { SourceRef, TimelineRecord } from '../../common/types.js';
import type { FindingDraft, RuleContext, RuleModule } from '../types.js';
import { pct, span } from '../format.js';
import { psiIntervals } from '../system.js';

export interface PressureStallsOptions {
  /** io and memory `full` share (%) at or above which an interval counts. */
  full_pct: number;
  /** cpu `some` share (%) at or above which an interval counts (some task waited for a CPU). */
  cpu_some_pct: number;
  /** Timed intervals at or above the bar before the rule fires (one snapshot: its avg60 decides). */
  min_intervals: number;
}

const defaults: PressureStallsOptions = { full_pct: 10, cpu_some_pct: 50, min_intervals: 2 };

/** What is measured per resource: io and memory by `full`, cpu by `some` (cpu `full` means little system-wide). */
const WATCHED: ReadonlyArray<{ resource: string; scope: 'some' | 'full' }> = [
  { resource: 'io', scope: 'full' },
  { resource: 'memory', scope: 'full' },
  { resource: 'cpu', scope: 'some' },
];

interface Series {
  file: string;
  resource: string;
  scope: 'some' | 'full';
  cgroup: string | undefined;
  records: TimelineRecord[];
}

function seriesOf(records: readonly TimelineRecord[]): Series[] {
  const byKey = new Map<string, Series>();
  for (const r of records) {
    if (typeof r.resource !== 'string' || (r.scope !== 'some' && r.scope !== 'full')) continue;
    const cgroup = typeof r.cgroup === 'string' ? r.cgroup : undefined;
    const key = `${r.source.file}\u0000${r.resource}\u0000${cgroup ?? ''}\u0000${r.scope}`;
    const series = byKey.get(key) ?? { file: r.source.file, resource: r.resource, scope: r.scope, cgroup, records: [] };
    series.records.push(r);
    byKey.set(key, series);
  }
  return [...byKey.values()];
}

const WAITING_FOR: Record<string, string> = { io: 'I/O', memory: 'memory', cpu: 'a CPU' };

function who(s: Series): string {
  return s.scope === 'full' ? 'every non-idle task' : 'at least one task';
}

function where(s: Series): string {
  return s.cgroup !== undefined ? ` in cgroup ${s.cgroup}` : '';
}

const RECOMMENDATIONS: Record<string, string> = {
  io: 'PSI tells the cost, iostat tells where: find the device (iostat -x: %util and await; see disk-saturation), the process (pidstat -d; io-heavy-process) and the threads in D state (d-state-threads) the stall comes from, then reduce or spread that I/O.',
  memory: 'Tasks waited for memory: reclaim, swap-in or a page cache too small for the working set (thrashing). Check available memory and swap activity (vmstat si/so, see memory-pressure), then the process that grows.',
  cpu: 'Tasks waited for a CPU: more runnable tasks than CPUs (see cpu-saturation). Find the busiest processes (top, pidstat -u) or give the machine more CPUs.',
};

function evaluateSeries(s: Series, o: PressureStallsOptions): FindingDraft | undefined {
  const bar = s.resource === 'cpu' ? o.cpu_some_pct : o.full_pct;
  const label = `PSI ${s.resource} ${s.scope}`;
  const timed = psiIntervals(s.records);
  let message: string;
  let evidence: SourceRef[];
  let hotRecords: TimelineRecord[];
  if (timed.length > 0) {
    const hot = timed.filter((i) => i.share >= bar);
    if (hot.length < Math.min(o.min_intervals, timed.length)) return undefined;
    const peak = hot.reduce((a, b) => (b.share > a.share ? b : a));
    const mean = hot.reduce((sum, i) => sum + i.share, 0) / hot.length;
    hotRecords = hot.flatMap((i) => [i.from, i.to]);
    const when = span(hotRecords);
    const whenText = when ? ` (${when.first}–${when.last})` : '';
    message = `${who(s).charAt(0).toUpperCase()}${who(s).slice(1)}${where(s)} was stalled waiting for ${WAITING_FOR[s.resource]} at least ${pct(bar)} of the time in ${hot.length} of ${timed.length} intervals of ${s.file}${whenText}: ${pct(mean)} on average in those, up to ${pct(peak.share)} (${label}, from the total stall time).`;
    evidence = [peak.from.source, peak.to.source];
  } else {
    const hot = s.records.filter((r) => Number(r.avg60) >= bar);
    if (hot.length === 0) return undefined;
    const peak = hot.reduce((a, b) => (Number(b.avg60) > Number(a.avg60) ? b : a));
    hotRecords = hot;
    message = `${who(s).charAt(0).toUpperCase()}${who(s).slice(1)}${where(s)} was stalled waiting for ${WAITING_FOR[s.resource]} ${pct(Number(peak.avg60))} of the minute before the snapshot in ${s.file} (${label} avg60; avg10 ${pct(Number(peak.avg10))}, avg300 ${pct(Number(peak.avg300))}).`;
    evidence = [peak.source];
  }
  if (s.scope === 'full') message += ' During that time no task ran at all: the whole machine waited, not one process.';
  const finding: FindingDraft = {
    title: `Tasks stalled on ${WAITING_FOR[s.resource]}${where(s)} (${label})`,
    message,
    entities: {},
    evidence,
    recommendation: RECOMMENDATIONS[s.resource]!,
    identity: [s.resource, s.scope, s.cgroup ?? 'system'],
    collect: ['for i in $(seq 30); do date -Is; grep -H . /proc/pressure/*; sleep 1; done > pressure.txt   (timestamped: exact shares per second)'],
  };
  const when = span(hotRecords);
  if (when) finding.when = when;
  return finding;
}

function evaluate(ctx: RuleContext, o: PressureStallsOptions): FindingDraft[] {
  const all = seriesOf(ctx.records('pressure.stall'));
  const findings: FindingDraft[] = [];
  for (const { resource, scope } of WATCHED) {
    const watched = all.filter((s) => s.resource === resource && s.scope === scope).sort((a, b) => (a.file + (a.cgroup ?? '') < b.file + (b.cgroup ?? '') ? -1 : 1));
    for (const s of watched) {
      const f = evaluateSeries(s, o);
      if (f) findings.push(f);
    }
  }
  return findings;
}

export const rule: RuleModule<PressureStallsOptions> = {
  meta: {
    id: 'pressure-stalls',
    title: 'Tasks stalled on I/O, memory or CPU (PSI)',
    description: 'Pressure stall information shows tasks losing a large share of their time waiting for I/O, memory or a CPU.',
    defaultSeverity: 'warning',
    requires: [{ label: 'PSI (/proc/pressure)', kinds: ['pressure.stall'], collect: 'for i in $(seq 30); do date -Is; grep -H . /proc/pressure/*; sleep 1; done > pressure.txt' }],
    uses: [],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        full_pct: { type: 'number', minimum: 0, maximum: 100 },
        cpu_some_pct: { type: 'number', minimum: 0, maximum: 100 },
        min_intervals: { type: 'integer', minimum: 1 },
      },
    },
    defaults,
    docs: 'docs/rules/pressure-stalls.md',
  },
  evaluate,
};

