/**
 * disk-saturation: a block device that could not keep up, sustained over iostat's interval samples.
 *
 * A disk that serves one request at a time (sd, hd, mmcblk) is saturated when %util stays near 100%:
 * every moment had a request in service, and the queue (aqu-sz) and latency (r_await/w_await) say how
 * long the rest waited. A device that serves requests in parallel (NVMe, virtio, dm, md) can show 100%
 * %util at a fraction of its capacity, so it is judged by latency and queue only.
 */
import type { TimelineRecord } from '../../common/types.js';
import { isIntervalSample, num, str } from '../../model/series.js';
import type { DeviceEntity } from '../../model/types.js';
import { type FindingDraft, type RuleContext, type RuleModule, SUSTAINED_OPTIONS } from '../types.js';
import { list, pct, rate, seconds, span, window } from '../format.js';
import { countSamples } from '../system.js';

export interface DiskSaturationOptions {
  /** %util at or above which a serial disk's sample is saturated. */
  util_pct: number;
  /** Mean wait (r_await or w_await, seconds) at or above which a sample counts as saturated on a parallel device. */
  await_s: number;
  /** Average queue size (aqu-sz) that must go with that wait on a parallel device. */
  queue_size: number;
  /** Saturated samples needed, and the share of all interval samples they must be. */
  min_samples: number;
  min_fraction: number;
}

const defaults: DiskSaturationOptions = { util_pct: 90, await_s: 0.05, queue_size: 4, min_samples: 2, min_fraction: 0.5 };

interface Sample {
  r: TimelineRecord;
  util?: number;
  wait?: number;
  queue?: number;
}

/** Interval samples of the device itself (whole-disk rows), else of its partitions. */
function samplesOf(ctx: RuleContext, d: DeviceEntity): Sample[] {
  const rows = ctx.records('iostat.device').filter((r) => r.entities?.device === d.id && isIntervalSample(r));
  const own = rows.filter((r) => str(r, 'device') === d.name);
  return (own.length > 0 ? own : rows).map((r) => {
    const waits = [num(r, 'r_await_s'), num(r, 'w_await_s'), num(r, 'await_s')].filter((v): v is number => v !== undefined);
    const s: Sample = { r };
    const util = num(r, 'util_pct');
    if (util !== undefined) s.util = util;
    if (waits.length > 0) s.wait = Math.max(...waits);
    const queue = num(r, 'aqu_sz');
    if (queue !== undefined) s.queue = queue;
    return s;
  });
}

function saturated(s: Sample, parallel: boolean, o: DiskSaturationOptions): boolean {
  if (!parallel) return (s.util ?? 0) >= o.util_pct;
  return (s.wait ?? 0) >= o.await_s && (s.queue ?? 0) >= o.queue_size;
}

function evaluate(ctx: RuleContext, o: DiskSaturationOptions): FindingDraft[] {
  const findings: FindingDraft[] = [];
  for (const d of ctx.model.devices) {
    const samples = samplesOf(ctx, d);
    if (samples.length === 0) continue;
    const hot = samples.filter((s) => saturated(s, d.parallel, o));
    if (countSamples(hot) < o.min_samples || countSamples(hot) < o.min_fraction * countSamples(samples)) continue;
    const maxUtil = Math.max(...hot.map((s) => s.util ?? 0));
    const maxWait = Math.max(...hot.map((s) => s.wait ?? 0));
    const maxQueue = Math.max(...hot.map((s) => s.queue ?? 0));
    const writeRate = Math.max(...hot.map((s) => num(s.r, 'write_bytes_per_s') ?? 0));
    const readRate = Math.max(...hot.map((s) => num(s.r, 'read_bytes_per_s') ?? 0));
    const balance = ctx.model.io_balance.find((b) => b.device === d.id);
    const writers = (balance?.by_process ?? []).filter((p) => p.placement !== 'unknown').slice(0, 3);
    const commands = writers.map((p) => ctx.model.processes.find((x) => x.pid === p.pid)).map((p) => p?.command ?? p?.comm ?? '?');
    const hotWindow = window(hot.map((s) => s.r));
    const how = d.parallel
      ? `${d.name} serves requests in parallel, so %util (${pct(maxUtil)}) is not the measure; requests waited up to ${seconds(maxWait)} with ${maxQueue.toFixed(1)} queued on average`
      : `%util up to ${pct(maxUtil)}, requests waited up to ${seconds(maxWait)} (r_await/w_await) with ${maxQueue.toFixed(1)} queued on average (aqu-sz)`;
    const traffic = `it wrote up to ${rate(writeRate)} and read up to ${rate(readRate)}`;
    const who = writers.length > 0 ? `; the processes that dirtied the most data for it: ${list(writers.map((p, i) => `${p.pid} (${commands[i]})`))}` : '';
    const evidence = [...hot]
      .sort((a, b) => (b.wait ?? 0) - (a.wait ?? 0) || (b.util ?? 0) - (a.util ?? 0))
      .slice(0, 4)
      .map((s) => s.r.source);
    evidence.push(...d.evidence.filter((e) => !evidence.some((x) => x.file === e.file)).slice(0, 2));
    const finding: FindingDraft = {
      title: `Disk ${d.name} is saturated`,
      message: `${d.name} was saturated in ${countSamples(hot)} of ${countSamples(samples)} interval samples${hotWindow ? ` (${hotWindow})` : ''}: ${how}; ${traffic}${who}.`,
      entities: { devices: [d.name], ...(writers.length > 0 ? { pids: writers.map((p) => p.pid) } : {}) },
      evidence,
      recommendation: d.parallel
        ? `Requests queue on ${d.name} although it serves them in parallel: the device (or the volume behind it) is at its limit. Reduce the I/O (see io-heavy-process for who does it), spread it over more devices, or raise the volume's IOPS/throughput limit.`
        : `Every moment ${d.name} had a request in service and the rest waited. Reduce the I/O at its source (see io-heavy-process for who does it: e.g. keep temporary data in memory, lower a log level), or move that traffic to a faster or separate disk.`,
      identity: [d.name],
      collect: ctx.records('pidstat.task').some((r) => r.write_bytes_per_s !== undefined) ? [] : ['pidstat -d 1 30 > pidstat-d.txt   (who does the I/O)'],
    };
    const when = span(hot.map((s) => s.r));
    if (when) finding.when = when;
    findings.push(finding);
  }
  return findings;
}

export const rule: RuleModule<DiskSaturationOptions> = {
  meta: {
    id: 'disk-saturation',
    title: 'Disk saturation',
    description: 'A block device stayed busy (serial disks: %util; parallel devices: queue and latency) over most interval samples.',
    defaultSeverity: 'error',
    requires: [{ label: 'iostat -x', kinds: ['iostat.device'], fields: ['util_pct'], collect: 'iostat -dxt 1 30 > iostat.txt' }],
    uses: [
      { label: 'pidstat -d', kinds: ['pidstat.task'], fields: ['write_bytes_per_s'], collect: 'pidstat -d 1 30 > pidstat-d.txt' },
      { label: 'df or findmnt', kinds: ['df.filesystem', 'findmnt.mount'], collect: 'df -T > df.txt' },
    ],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        util_pct: { type: 'number', minimum: 0, maximum: 100 },
        await_s: { type: 'number', minimum: 0 },
        queue_size: { type: 'number', minimum: 0 },
        ...SUSTAINED_OPTIONS,
      },
    },
    defaults,
    docs: 'docs/rules/disk-saturation.md',
  },
  evaluate,
};
