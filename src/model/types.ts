/**
 * The model: one graph of what a capture shows — processes, threads, fds, files, path patterns, mounts
 * and devices — with every join between them carrying the evidence of both sides (`file:line`) and a
 * confidence. Later stages (rules, report) read the model and never re-join.
 */
import type { SourceRef } from '../common/types.js';

/** How sure a join is: `certain` (one tool states it), `likely` (two facts agree), `guess` (inferred). */
export type Confidence = 'certain' | 'likely' | 'guess';

/** Statistics of one numeric series over the interval samples of a capture (since-boot samples excluded). */
export interface SeriesStats {
  samples: number;
  mean: number;
  max: number;
  /** Sum of value × interval, when every sample's interval is known (e.g. bytes from bytes/s). */
  total?: number;
  /** Time of the maximum (ISO), when known. */
  max_at?: string;
}

export interface ProcessEntity {
  id: string;
  pid: number;
  ppid?: number;
  user?: string;
  comm?: string;
  command?: string;
  /** Thread ids known to belong to this process (the main thread included). */
  tids: number[];
  first_seen?: string;
  last_seen?: string;
  /** Tools that saw the process. */
  seen_by: string[];
  cpu_pct?: SeriesStats;
  read_bytes_per_s?: SeriesStats;
  write_bytes_per_s?: SeriesStats;
  cancelled_write_bytes_per_s?: SeriesStats;
  /** Snapshots in which the process was in uninterruptible sleep (D), out of those that show its state. */
  d_state?: { snapshots: number; of: number };
  evidence: SourceRef[];
}

export interface ThreadEntity {
  id: string;
  tid: number;
  /** The process, when a join says so (see `links` with relation `thread-of`). */
  pid?: number;
  comm?: string;
  is_main: boolean;
  seen_by: string[];
  cpu_pct?: SeriesStats;
  read_bytes_per_s?: SeriesStats;
  write_bytes_per_s?: SeriesStats;
  d_state?: { snapshots: number; of: number };
  evidence: SourceRef[];
}

export interface MountEntity {
  id: string;
  target: string;
  /** What is mounted: `/dev/vda1`, `tmpfs`, `overlay`… */
  source: string;
  fstype?: string;
  /** Block device name of the source (`vda1`), when it is one. */
  block_device?: string;
  /** Whole-disk device id (`device:vda`). */
  device?: string;
  size_bytes?: number;
  used_bytes?: number;
  avail_bytes?: number;
  use_pct?: number;
  evidence: SourceRef[];
}

export interface DeviceEntity {
  id: string;
  /** Whole-disk name (`sda`, `nvme0n1`, `vda`). */
  name: string;
  partitions: string[];
  major?: number;
  minor?: number;
  size_bytes?: number;
  /** Serves requests in parallel (NVMe, virtio, device-mapper…): %util alone does not mean saturation. */
  parallel: boolean;
  util_pct?: SeriesStats;
  r_await_s?: SeriesStats;
  w_await_s?: SeriesStats;
  aqu_sz?: SeriesStats;
  read_bytes_per_s?: SeriesStats;
  write_bytes_per_s?: SeriesStats;
  writes_per_s?: SeriesStats;
  reads_per_s?: SeriesStats;
  evidence: SourceRef[];
}

export interface FdEntity {
  id: string;
  pid: number;
  fd: number;
  path?: string;
  type?: string;
  deleted?: boolean;
  seen_by: string[];
  evidence: SourceRef[];
}

export interface FileEntity {
  id: string;
  path: string;
  basename: string;
  /** Mount id the path lives on (longest prefix). */
  mount?: string;
  /** Path pattern id (`pattern:/tmp/{uuid}/{n}.txt`) when the path folds into one shared with other paths. */
  pattern?: string;
  pids: number[];
  tids: number[];
  opens: number;
  read_bytes?: number;
  written_bytes?: number;
  seen_by: string[];
  evidence: SourceRef[];
}

export interface PatternEntity {
  id: string;
  pattern: string;
  files: number;
  directories: number;
  files_per_directory: { min: number; median: number; max: number };
  directory_lifetime_s?: { min: number; median: number; max: number };
  opens: number;
  read_bytes: number;
  written_bytes: number;
  pids: number[];
  tids: number[];
  first?: string;
  last?: string;
  mount?: string;
  examples: string[];
  evidence: SourceRef[];
}

export type Relation =
  /** thread → process */
  | 'thread-of'
  /** mount → device */
  | 'mounted-from'
  /** partition → whole disk */
  | 'partition-of'
  /** file → mount */
  | 'on-mount'
  /** file (base name from filetop) → full path */
  | 'basename-of'
  /** process or thread → file */
  | 'accessed'
  /** file → pattern */
  | 'matches';

export interface Link {
  relation: Relation;
  from: string;
  to: string;
  confidence: Confidence;
  /** Which tools made the join, e.g. `ps -efT`, `pidstat -t`. */
  via: string[];
  /** Lines of both sides that prove it (capped, deterministic order). */
  evidence: SourceRef[];
}

export interface ModelDiagnostic {
  code: string;
  message: string;
  evidence: SourceRef[];
}

/** Process I/O set against device throughput: who explains the writes, and whether the disk saw them. */
export interface IoBalance {
  device: string;
  /** Bytes the device wrote over the capture (iostat), when intervals are known. */
  device_written_bytes?: number;
  /** Bytes dirtied (pidstat -d kB_wr/s over time) by the processes placed on this device. */
  process_written_bytes?: number;
  /** Bytes written and then deleted before writeback (pidstat kB_ccwr/s). */
  cancelled_written_bytes?: number;
  /** Per process: bytes written and the share of the device's writes it could explain (capped at 1). */
  by_process: { pid: number; written_bytes: number; share_of_device?: number; placement: 'files' | 'only-device' | 'unknown' }[];
  /** Processes dirtied far more than an idle device wrote: the page cache absorbed it (deleted or overwritten before writeback). */
  page_cache_absorbed: boolean;
  /** Processes dirtied far more than a busy device wrote: dirty pages pile up behind the disk. */
  writeback_backlog: boolean;
  /** The device was busy: high %util on a serial disk, or high write latency on any. */
  device_busy: boolean;
  evidence: SourceRef[];
}

export interface Model {
  schema: string;
  version: string;
  bundle: { name: string; kind: string };
  processes: ProcessEntity[];
  threads: ThreadEntity[];
  fds: FdEntity[];
  files: FileEntity[];
  patterns: PatternEntity[];
  mounts: MountEntity[];
  devices: DeviceEntity[];
  links: Link[];
  io_balance: IoBalance[];
  diagnostics: ModelDiagnostic[];
}
