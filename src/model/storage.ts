/**
 * Mounts and block devices: df / findmnt / lsblk / lsof say what is mounted where and from which
 * partition; partitions fold into their whole disk (`vda1` → `vda`), which is what iostat reports on.
 */
import type { TimelineRecord } from '../common/types.js';
import type { DeviceEntity, Link, MountEntity } from './types.js';
import { isIntervalSample, num, str, SeriesSet } from './series.js';
import { EvidenceList, mergeEvidence } from './evidence.js';
import { deviceFromMountSource, parallelDevice, wholeDisk } from './devices.js';

type DeviceSeries = 'util_pct' | 'r_await_s' | 'w_await_s' | 'aqu_sz' | 'read_bytes_per_s' | 'write_bytes_per_s' | 'writes_per_s' | 'reads_per_s';
const DEVICE_SERIES: readonly DeviceSeries[] = ['util_pct', 'r_await_s', 'w_await_s', 'aqu_sz', 'read_bytes_per_s', 'write_bytes_per_s', 'writes_per_s', 'reads_per_s'];

interface MountDraft {
  target: string;
  source?: string;
  fstype?: string;
  size?: number;
  used?: number;
  avail?: number;
  usePct?: number;
  evidence: EvidenceList;
}

interface DeviceDraft {
  name: string;
  partitions: Set<string>;
  major?: number;
  minor?: number;
  size?: number;
  series: SeriesSet<DeviceSeries>;
  evidence: EvidenceList;
}

export interface StorageModel {
  mounts: MountEntity[];
  devices: DeviceEntity[];
  links: Link[];
}

export function buildStorage(records: readonly TimelineRecord[]): StorageModel {
  const mounts = new Map<string, MountDraft>();
  const devices = new Map<string, DeviceDraft>();
  const mountOf = (target: string): MountDraft => {
    let m = mounts.get(target);
    if (!m) {
      m = { target, evidence: new EvidenceList() };
      mounts.set(target, m);
    }
    return m;
  };
  const deviceOf = (name: string): DeviceDraft => {
    let d = devices.get(name);
    if (!d) {
      d = { name, partitions: new Set(), series: new SeriesSet(), evidence: new EvidenceList() };
      devices.set(name, d);
    }
    return d;
  };

  for (const r of records) {
    if (r.kind === 'df.filesystem' || r.kind === 'findmnt.mount') {
      const target = str(r, r.kind === 'df.filesystem' ? 'mounted_on' : 'target');
      if (!target) continue;
      const m = mountOf(target);
      m.evidence.add(r.source);
      const source = str(r, 'filesystem') ?? str(r, 'device');
      if (source && !m.source) m.source = source;
      const fstype = str(r, 'fstype');
      if (fstype && !m.fstype) m.fstype = fstype;
      if (r.kind === 'df.filesystem') {
        m.size ??= num(r, 'size_bytes');
        m.used ??= num(r, 'used_bytes');
        m.avail ??= num(r, 'avail_bytes');
        m.usePct ??= num(r, 'use_pct');
      }
    } else if (r.kind === 'lsblk.device') {
      const name = str(r, 'name');
      if (!name) continue;
      const { disk, partition } = wholeDisk(name);
      const d = deviceOf(disk);
      d.evidence.add(r.source);
      if (partition !== undefined || disk !== name) d.partitions.add(name);
      else {
        d.major ??= num(r, 'major');
        d.minor ??= num(r, 'minor');
        d.size ??= num(r, 'size_bytes');
      }
      const points = Array.isArray(r.mountpoints) ? (r.mountpoints as unknown[]).filter((p): p is string => typeof p === 'string' && p.startsWith('/')) : [];
      for (const target of points) {
        const m = mountOf(target);
        m.evidence.add(r.source);
        m.source ??= `/dev/${name}`;
      }
    } else if (r.kind === 'iostat.device' && r.group !== true) {
      const name = str(r, 'device');
      if (!name) continue;
      const { disk } = wholeDisk(name);
      const d = deviceOf(disk);
      if (disk !== name) {
        d.partitions.add(name);
        continue; // partition rows (iostat -p) repeat part of the disk's traffic: the disk row is the total
      }
      d.evidence.add(r.source);
      if (!isIntervalSample(r)) continue;
      for (const field of DEVICE_SERIES) d.series.add(field, num(r, field), r);
    }
  }

  const links: Link[] = [];
  const mountEntities: MountEntity[] = [];
  for (const m of [...mounts.values()].sort((a, b) => (a.target < b.target ? -1 : 1))) {
    const e: MountEntity = { id: `mount:${m.target}`, target: m.target, source: m.source ?? 'unknown', evidence: m.evidence.list() };
    if (m.fstype) e.fstype = m.fstype;
    if (m.size !== undefined) e.size_bytes = m.size;
    if (m.used !== undefined) e.used_bytes = m.used;
    if (m.avail !== undefined) e.avail_bytes = m.avail;
    if (m.usePct !== undefined) e.use_pct = m.usePct;
    const block = m.source ? deviceFromMountSource(m.source) : undefined;
    if (block?.kind === 'block' && block.name) {
      e.block_device = block.name;
      const { disk } = wholeDisk(block.name);
      const d = deviceOf(disk);
      if (disk !== block.name) d.partitions.add(block.name);
      e.device = `device:${disk}`;
      links.push({ relation: 'mounted-from', from: e.id, to: e.device, confidence: 'certain', via: ['df/findmnt/lsblk'], evidence: mergeEvidence(e.evidence, d.evidence.list()) });
    }
    mountEntities.push(e);
  }

  const deviceEntities: DeviceEntity[] = [];
  for (const d of [...devices.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const e: DeviceEntity = { id: `device:${d.name}`, name: d.name, partitions: [...d.partitions].sort(), parallel: parallelDevice(d.name), evidence: d.evidence.list() };
    if (d.major !== undefined) e.major = d.major;
    if (d.minor !== undefined) e.minor = d.minor;
    if (d.size !== undefined) e.size_bytes = d.size;
    for (const field of DEVICE_SERIES) {
      const s = d.series.stats(field);
      if (s) e[field] = s;
    }
    for (const p of e.partitions) {
      links.push({ relation: 'partition-of', from: `partition:${p}`, to: e.id, confidence: 'certain', via: ['device naming'], evidence: [] });
    }
    deviceEntities.push(e);
  }
  return { mounts: mountEntities, devices: deviceEntities, links };
}
