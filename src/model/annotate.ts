/**
 * The model's ids on the timeline's records: after the joins are made once, each record says which
 * process, thread, file, pattern, mount and device it is about, so the rules and the report look ids up
 * instead of joining again. Only ids that exist in the model are written; a record about nothing the
 * model knows gets no `entities`.
 */
import type { RecordEntities, TimelineRecord } from '../common/types.js';
import type { FileEntity, Model, MountEntity } from './types.js';
import { num, str } from './series.js';
import { stripDev, wholeDisk } from './devices.js';
import { foldSegment } from './patterns.js';


interface Lookup {
  processes: Set<number>;
  threadPid: Map<number, number | undefined>;
  files: Map<string, FileEntity>;
  patternMount: Map<string, string>;
  mounts: Map<string, MountEntity>;
  devices: Set<string>;
  /** filetop joins to one file: `thread:T>basename` → file id (from `basename-of` links). */
  basenameFile: Map<string, string>;
  /** filetop joins to patterns, per thread (a base name that several paths of one pattern share). */
  basenamePatterns: Map<string, string[]>;
}

function lookupOf(model: Model): Lookup {
  const basenameFile = new Map<string, string>();
  const basenamePatterns = new Map<string, string[]>();
  const files = new Map(model.files.map((f) => [f.path, f]));
  for (const l of model.links) {
    if (l.relation !== 'basename-of') continue;
    if (l.to.startsWith('file:')) basenameFile.set(`${l.from}>${baseOf(l.to.slice('file:'.length))}`, l.to);
    else basenamePatterns.set(l.from, [...(basenamePatterns.get(l.from) ?? []), l.to]);
  }
  return {
    processes: new Set(model.processes.map((p) => p.pid)),
    threadPid: new Map(model.threads.map((t) => [t.tid, t.pid])),
    files,
    patternMount: new Map(model.patterns.filter((p) => p.mount).map((p) => [p.id, p.mount!])),
    mounts: new Map(model.mounts.map((m) => [m.target, m])),
    devices: new Set(model.devices.map((d) => d.name)),
    basenameFile,
    basenamePatterns,
  };
}

function baseOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

/** Path a record names, by the field its tool uses. */
function pathOf(r: TimelineRecord): string | undefined {
  if (r.kind === 'lsof.fd') return str(r, 'name');
  if (r.kind === 'opensnoop.open' || r.kind === 'strace.call' || r.kind === 'strace.aggregate') return str(r, 'path');
  return undefined;
}

/** Block device a record names (iostat, biosnoop, biotop, lsblk, a dmesg error). */
function deviceNameOf(r: TimelineRecord): string | undefined {
  switch (r.kind) {
    case 'iostat.device':
      return r.group === true ? undefined : str(r, 'device');
    case 'biosnoop.io':
    case 'biotop.process':
      return str(r, 'disk');
    case 'lsblk.device':
      return str(r, 'name');
    case 'dmesg.message':
      return str(r, 'device');
    default:
      return undefined;
  }
}

/** Mount point a record describes (df, findmnt). */
function mountTargetOf(r: TimelineRecord): string | undefined {
  if (r.kind === 'df.filesystem' || r.kind === 'df.inodes') return str(r, 'mounted_on');
  if (r.kind === 'findmnt.mount') return str(r, 'target');
  return undefined;
}

/** The one pattern of a thread's filetop joins whose last segment the base name folds into. */
function patternForBase(base: string, patterns: readonly string[] | undefined): string | undefined {
  if (!patterns) return undefined;
  const folded = foldSegment(base);
  const hits = patterns.filter((p) => baseOf(p) === folded);
  return hits.length === 1 ? hits[0] : undefined;
}

function entitiesOf(r: TimelineRecord, at: Lookup): RecordEntities | undefined {
  const e: RecordEntities = {};
  const tid = num(r, 'tid');
  if (tid !== undefined && at.threadPid.has(tid)) e.thread = `thread:${tid}`;
  const pid = num(r, 'pid') ?? (tid !== undefined ? at.threadPid.get(tid) : undefined);
  if (pid !== undefined && at.processes.has(pid)) e.process = `process:${pid}`;

  let file: FileEntity | undefined;
  const path = pathOf(r);
  if (path) file = at.files.get(path);
  if (r.kind === 'filetop.file' && e.thread) {
    const base = str(r, 'file') ?? '';
    const fileId = at.basenameFile.get(`${e.thread}>${base}`);
    if (fileId) file = at.files.get(fileId.slice('file:'.length));
    else {
      const pattern = patternForBase(base, at.basenamePatterns.get(e.thread));
      if (pattern) e.pattern = pattern;
    }
  }
  if (file) {
    e.file = file.id;
    if (file.pattern) e.pattern = file.pattern;
    if (file.mount) e.mount = file.mount;
  }
  // A base name joined only to a pattern still lands on the pattern's mount.
  if (!e.mount && e.pattern) {
    const mountId = at.patternMount.get(e.pattern);
    if (mountId) e.mount = mountId;
  }
  const target = mountTargetOf(r);
  const mount = target ? at.mounts.get(target) : undefined;
  if (mount) e.mount = mount.id;
  const mountEntity = e.mount ? at.mounts.get(e.mount.slice('mount:'.length)) : undefined;
  if (mountEntity?.device) e.device = mountEntity.device;
  const deviceName = deviceNameOf(r);
  if (deviceName) {
    const disk = wholeDisk(stripDev(deviceName)).disk;
    if (at.devices.has(disk)) e.device = `device:${disk}`;
  }
  return Object.keys(e).length > 0 ? e : undefined;
}

/**
 * Write `entities` on each record the model knows something about. Mutates the records (they belong to
 * the timeline just built) and returns how many were annotated.
 */
export function annotateRecords(records: TimelineRecord[], model: Model): number {
  const annotate = recordAnnotator(model);
  let annotated = 0;
  for (const r of records) if (annotate(r)) annotated++;
  return annotated;
}

/**
 * annotateRecords one record at a time (the timeline streamed to its output, whose records are never all
 * held): the model's lookups are made once, here. The function writes `entities` on a record the model
 * knows something about and says whether it did.
 */
export function recordAnnotator(model: Model): (record: TimelineRecord) => boolean {
  const at = lookupOf(model);
  return (r) => {
    const e = entitiesOf(r, at);
    if (!e) return false;
    r.entities = e;
    return true;
  };
}
