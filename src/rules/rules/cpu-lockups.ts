/**
 * cpu-lockups: the kernel's watchdogs reported CPUs that stopped scheduling — a soft lockup (a CPU looping
 * in the kernel for 20 s or more without letting another task run), a hard lockup (without even taking
 * interrupts), an RCU stall (a CPU that held up RCU's grace period for 21 s or more). While it lasts the
 * CPU runs nothing else: every task waiting for it, and every task waiting for a lock it holds, stalls,
 * and the machine "hangs" with no load that top would show.
 *
 * On a virtual machine the commonest cause is outside the guest: a vCPU the host does not run for tens of
 * seconds trips the same watchdogs. So the rule reads the capture's CPU samples too, and when steal (the
 * share the hypervisor gave to others) was high, it says to look at the host first.
 *
 * Reads dmesg's records (src/parsers/dmesg.ts `event`: soft-lockup, hard-lockup, rcu-stall) and, when
 * present, top, vmstat, mpstat or iostat's CPU shares for steal.
 */
import type { SourceRef, TimelineRecord } from '../../common/types.js';
import type { FindingDraft, RuleContext, RuleModule } from '../types.js';
import { kernelMoment, list, pct, span } from '../format.js';
import { CPU_SHARES_NEED, countSamples, cpuSources, processIdOf, processLabel, type CpuSample, type CpuSource } from '../system.js';

export interface CpuLockupsOptions {
  /** All-CPU steal share at or above which the host is named as the likely cause. */
  steal_pct: number;
}

const defaults: CpuLockupsOptions = { steal_pct: 10 };

const LOCKUP_EVENTS = ['soft-lockup', 'hard-lockup', 'rcu-stall'] as const;

/** `CPU 3 stuck for 23 s in kworker/3:1 (task 1234)`, `CPU 2`, `rcu_preempt, CPUs 3 and 5`. */
function describeLockup(ctx: RuleContext, r: TimelineRecord): string {
  if (r.event === 'soft-lockup') {
    const pid = processIdOf(r);
    const task = pid !== undefined && pid !== r.tid ? `task ${String(r.tid)} of process ${processLabel(ctx.model, pid, String(r.comm))}` : `${String(r.comm)} (task ${String(r.tid)})`;
    return `CPU ${String(r.cpu)} stuck for ${String(r.stuck_s)} s in ${task}`;
  }
  if (r.event === 'hard-lockup') return `CPU ${String(r.cpu)}`;
  const cpus = Array.isArray(r.cpus) && r.cpus.length > 0 ? ` on CPU${r.cpus.length === 1 ? '' : 's'} ${list(r.cpus as number[])}` : '';
  return `${String(r.rcu)}${r.self_detected === true ? ' self-detected' : ''}${cpus}`;
}

const KIND_NAMES: Record<(typeof LOCKUP_EVENTS)[number], [string, string]> = {
  'soft-lockup': ['soft lockup', 'soft lockups'],
  'hard-lockup': ['hard lockup', 'hard lockups'],
  'rcu-stall': ['RCU stall', 'RCU stalls'],
};

/** `2 soft lockups (CPU 3 stuck for 23 s in …)`, per kind, the distinct details first. */
function describeKinds(ctx: RuleContext, records: readonly TimelineRecord[]): string[] {
  const parts: string[] = [];
  for (const kind of LOCKUP_EVENTS) {
    const ofKind = records.filter((r) => r.event === kind);
    if (ofKind.length === 0) continue;
    const [one, many] = KIND_NAMES[kind];
    // Details hold commas and "and" of their own: joined with semicolons.
    const details = [...new Set(ofKind.map((r) => describeLockup(ctx, r)))];
    const shown = details.slice(0, 3).join('; ') + (details.length > 3 ? `; and ${details.length - 3} more` : '');
    parts.push(`${ofKind.length} ${ofKind.length === 1 ? one : many} (${shown})`);
  }
  return parts;
}

/** The capture's highest steal, from the source that shows the most samples at or above the threshold. */
function highSteal(ctx: RuleContext, o: CpuLockupsOptions): { source: CpuSource; peak: CpuSample; samples: number } | undefined {
  let best: { source: CpuSource; peak: CpuSample; samples: number } | undefined;
  for (const source of cpuSources(ctx)) {
    const hot = source.samples.filter((s) => (s.steal ?? 0) >= o.steal_pct);
    if (hot.length === 0) continue;
    const peak = hot.reduce((a, b) => ((b.steal ?? 0) > (a.steal ?? 0) ? b : a));
    const samples = countSamples(hot);
    if (!best || samples > best.samples) best = { source, peak, samples };
  }
  return best;
}

function evaluate(ctx: RuleContext, o: CpuLockupsOptions): FindingDraft[] {
  const lockups = ctx.records('dmesg.message').filter((r) => (LOCKUP_EVENTS as readonly unknown[]).includes(r.event));
  if (lockups.length === 0) return [];
  const moment = kernelMoment(lockups[0]!.time);
  const steal = highSteal(ctx, o);
  const stealText = steal
    ? ` The CPU samples show steal at or above ${pct(o.steal_pct)} in ${steal.samples} sample${steal.samples === 1 ? '' : 's'} of ${steal.source.file}, up to ${pct(steal.peak.steal ?? 0)}: the hypervisor ran other guests on this VM's CPUs, and a vCPU the host does not run for seconds trips these watchdogs with no fault in this kernel.`
    : '';
  const evidence: SourceRef[] = [];
  for (const kind of LOCKUP_EVENTS) evidence.push(...lockups.filter((r) => r.event === kind).slice(0, 2).map((r) => r.source));
  if (steal) evidence.push(steal.peak.r.source);
  const pids = [...new Set(lockups.map(processIdOf).filter((p): p is number => p !== undefined))].sort((a, b) => a - b);
  const tids = [...new Set(lockups.map((r) => r.tid).filter((t): t is number => typeof t === 'number'))].sort((a, b) => a - b);
  const when = span(lockups);
  const finding: FindingDraft = {
    title: 'The kernel reported CPUs stuck (lockups or RCU stalls)',
    message: `The kernel's watchdogs reported ${list(describeKinds(ctx, lockups))}${moment ? `, the first ${moment}` : ''}. While a CPU is stuck it runs nothing else: the tasks waiting for it, or for a lock it holds, stall with it, and the machine seems to hang without the load showing in top.${stealText}`,
    entities: { ...(pids.length > 0 ? { pids } : {}), ...(tids.length > 0 ? { tids } : {}) },
    evidence,
    recommendation: steal
      ? `Look at the host first: CPU overcommit, a noisy neighbour or exhausted CPU credits (ask the provider, or move or resize the VM). If the lockups go on without steal, read the stack the kernel printed after each report in dmesg.`
      : 'Read the stack the kernel printed after each report (the lines that follow it in dmesg): its top functions name the code that looped (a driver, a filesystem, a lock). Look them up against the kernel\'s known bugs and update the kernel or that driver; on a VM, check the host\'s CPU contention too (steal in top).',
    identity: ['cpu-lockups'],
    collect: ['dmesg -x -T > dmesg.txt   (the whole ring buffer: the stack after each report names the looping code)', 'top -b -d 1 -n 30 > top.txt   (steal, %st: the hypervisor\'s share)'],
  };
  if (when) finding.when = when;
  return [finding];
}

export const rule: RuleModule<CpuLockupsOptions> = {
  meta: {
    id: 'cpu-lockups',
    title: 'CPUs stuck in the kernel (lockups, RCU stalls)',
    description: "The kernel's watchdogs reported a soft lockup, a hard lockup or an RCU stall: a CPU that ran nothing else for seconds.",
    defaultSeverity: 'error',
    requires: [{ label: 'dmesg', kinds: ['dmesg.message'], collect: 'dmesg -x -T > dmesg.txt' }],
    uses: [{ label: `CPU shares with steal (${CPU_SHARES_NEED.label})`, kinds: CPU_SHARES_NEED.kinds, collect: CPU_SHARES_NEED.collect }],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        steal_pct: { type: 'number', minimum: 0, maximum: 100 },
      },
    },
    defaults,
    docs: 'docs/rules/cpu-lockups.md',
  },
  evaluate,
};
