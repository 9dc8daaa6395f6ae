/**
 * storage-errors: the kernel logged errors for a block device — failed requests (`I/O error, dev sdb`),
 * commands that failed or timed out (SCSI, NVMe), errors of the filesystem on it. A device that fails
 * requests looks slow before it looks broken: each failed request is retried, each timeout waits out its
 * 30 s or more, and the tasks waiting for it sit in D state. Load and tuning do not explain that; the
 * hardware or its path does.
 *
 * Reads dmesg's records (src/parsers/dmesg.ts `event`). One finding per whole device: a partition's
 * errors (`sdb1`) count for its disk (`sdb`), by the model's devices when they list it, else by its name.
 */
import type { SourceRef, TimelineRecord } from '../../common/types.js';
import type { Model } from '../../model/types.js';
import type { FindingDraft, RuleContext, RuleModule } from '../types.js';
import { kernelMoment, list } from '../format.js';

export interface StorageErrorsOptions {
  /** Error messages about a device before it is reported. */
  min_errors: number;
}

const defaults: StorageErrorsOptions = { min_errors: 1 };

const STORAGE_EVENTS = new Set(['io-error', 'disk-error', 'fs-error']);

/** The whole device a name from a kernel message stands for. */
export function wholeDevice(name: string, model: Model): string {
  const known = model.devices.find((d) => d.name === name || d.partitions.includes(name));
  if (known) return known.name;
  // An NVMe controller (nvme0) stands for its one namespace when the capture knows only one.
  if (/^nvme\d+$/.test(name)) {
    const namespaces = model.devices.filter((d) => d.name.startsWith(`${name}n`));
    if (namespaces.length === 1) return namespaces[0]!.name;
  }
  const disk = /^((?:sd|vd|xvd|hd)[a-z]+)\d+$/.exec(name) ?? /^((?:nvme\d+n\d+|mmcblk\d+|loop\d+))p\d+$/.exec(name);
  return disk ? disk[1]! : name;
}

interface DeviceErrors {
  device: string;
  records: TimelineRecord[];
}

function describeError(r: TimelineRecord): string {
  const device = String(r.device);
  if (r.event === 'io-error') {
    const where = typeof r.sector === 'number' ? ` at sector ${r.sector}` : typeof r.block === 'number' ? ` at block ${r.block}` : '';
    return `${String(r.error)} error${typeof r.op === 'string' ? ` (${r.op})` : ''} on ${device}${where}`;
  }
  if (r.event === 'fs-error') return `${String(r.filesystem)} error on ${device}`;
  // `sd 2:0:0:0: [sdb] tag#5 FAILED Result: …`, `nvme nvme0: I/O 123 QID 4 timeout, aborting`: the driver's words.
  return String(r.message).replace(/^(?:sd \S+|nvme \S+): /, '').slice(0, 80);
}

/** When the errors happened: a clock time when dmesg -T gave one, else seconds since boot. */
function whenText(records: readonly TimelineRecord[]): string {
  const first = records[0]!.time;
  const last = records[records.length - 1]!.time;
  if (first?.iso && last?.iso && first.iso !== last.iso) return `from ${first.iso} to ${last.iso}`;
  if (first?.rel !== undefined && last?.rel !== undefined && first.rel !== last.rel) return `${first.rel}–${last.rel} s after boot`;
  return kernelMoment(first) ?? '';
}

function counted(records: readonly TimelineRecord[], event: string, what: string): string | undefined {
  const n = records.filter((r) => r.event === event).length;
  return n === 0 ? undefined : `${n} ${what}${n === 1 ? '' : 's'}`;
}

function evaluate(ctx: RuleContext, o: StorageErrorsOptions): FindingDraft[] {
  const messages = ctx.records('dmesg.message');
  const byDevice = new Map<string, DeviceErrors>();
  for (const r of messages) {
    if (typeof r.event !== 'string' || !STORAGE_EVENTS.has(r.event) || typeof r.device !== 'string') continue;
    const device = wholeDevice(r.device, ctx.model);
    const entry = byDevice.get(device) ?? { device, records: [] };
    entry.records.push(r);
    byDevice.set(device, entry);
  }
  const hung = messages.filter((r) => r.event === 'hung-task');
  const findings: FindingDraft[] = [];
  for (const { device, records } of [...byDevice.values()].sort((a, b) => (a.device < b.device ? -1 : 1))) {
    if (records.length < o.min_errors) continue;
    const kinds = [counted(records, 'io-error', 'failed request'), counted(records, 'disk-error', 'failed or timed-out command'), counted(records, 'fs-error', 'filesystem error')].filter((k): k is string => k !== undefined);
    const examples = [...new Set(records.map(describeError))];
    const when = whenText(records);
    const blocked = hung.length > 0 ? ` Meanwhile the kernel reported tasks blocked for more than ${Math.min(...hung.map((r) => Number(r.blocked_s)))} s: ${list([...new Set(hung.map((r) => `${String(r.comm)} (task ${String(r.tid)})`))], 4)}.` : '';
    const evidence: SourceRef[] = [];
    for (const event of ['io-error', 'disk-error', 'fs-error']) evidence.push(...records.filter((r) => r.event === event).slice(0, 2).map((r) => r.source));
    evidence.push(...hung.slice(0, 2).map((r) => r.source));
    const fsErrors = records.some((r) => r.event === 'fs-error');
    const first = records[0]!.time?.iso;
    const last = records[records.length - 1]!.time?.iso;
    findings.push({
      ...(first && last ? { when: { first, last } } : {}),
      title: `The kernel logged errors for ${device}`,
      message: `The kernel logged ${list(kinds)} for ${device}${when ? ` (${when})` : ''}: ${list(examples, 4)}. A device that fails requests looks slow before it looks broken: failed requests are retried, timed-out commands wait out their timeout, and the tasks waiting for them stay blocked.${blocked}`,
      // Blocked tasks are named in the message only: the kernel does not say which device they waited for.
      entities: { devices: [device] },
      evidence,
      recommendation: `Check ${device} and its path before tuning anything: its health (smartctl -a /dev/${device}: reallocated or pending sectors, error log), the controller, cable or SAN path (multipath -ll), or the hypervisor's storage for a virtual disk.${fsErrors ? ' The filesystem reported errors too: it may have gone read-only; check it (fsck, xfs_repair) in a maintenance window, from a backup if the disk is failing.' : ''}`,
      identity: [device],
      collect: [`smartctl -a /dev/${device} > smartctl-${device}.txt   (the disk's own error log and health)`, 'dmesg -x -T > dmesg.txt   (right after the errors: the ring buffer is overwritten)'],
    });
  }
  return findings;
}

export const rule: RuleModule<StorageErrorsOptions> = {
  meta: {
    id: 'storage-errors',
    title: 'Errors of a storage device in the kernel log',
    description: 'The kernel logged failed requests, failed or timed-out commands or filesystem errors for a block device.',
    defaultSeverity: 'error',
    requires: [{ label: 'dmesg', kinds: ['dmesg.message'], collect: 'dmesg -x -T > dmesg.txt' }],
    uses: [{ label: 'lsblk or iostat (partitions of each disk)', kinds: ['lsblk.device', 'iostat.device'], collect: 'lsblk > lsblk.txt' }],
    optionsSchema: {
      type: 'object',
      additionalProperties: false,
      properties: {
        min_errors: { type: 'integer', minimum: 1 },
      },
    },
    defaults,
    docs: 'docs/rules/storage-errors.md',
  },
  evaluate,
};
