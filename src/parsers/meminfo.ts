/**
 * `/proc/meminfo` → `meminfo.snapshot`, one record per snapshot of the file. See `docs/parsers/meminfo.md`.
 *
 * The kernel's memory counters, one `Key:   value kB` a line. What a slow-I/O case turns on: `Dirty` and
 * `Writeback` (written data the page cache holds and is sending to disk: a backlog that grows when the disk
 * cannot keep up), `MemAvailable` (what can be had without swapping), the swap totals, and the cache.
 *
 * Reads `cat /proc/meminfo`, `grep -H . /proc/meminfo` (`/proc/meminfo:` before each line), `head` with a
 * `==> /proc/meminfo <==` header, and any of these in a loop with a timestamp line between snapshots (any form
 * `date` prints): a timestamp, or a `MemTotal` line when the snapshot already has one, starts the next.
 *
 * Record fields: the counters a rule or a reader needs by name, in bytes (`mem_total_bytes`,
 * `mem_available_bytes`, `dirty_bytes`, `writeback_bytes`, `swap_total_bytes`, `swap_free_bytes`…; see
 * the schema), and every other line in `other` under the kernel's name (bytes for `kB` values, counts for
 * the `HugePages_*` lines), so that no counter of any kernel version is lost.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { MEMINFO_GREP_PREFIX, MEMINFO_HEADER, MEMINFO_LINE_RE } from '../sniff/detectors/meminfo.js';
import { readDateLine, readingTime } from './date.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule } from './types.js';

/** The kernel's names of the counters kept as fields of their own (all in kB), and the field's name. */
export const MEMINFO_FIELDS: Readonly<Record<string, string>> = {
  MemTotal: 'mem_total_bytes',
  MemFree: 'mem_free_bytes',
  MemAvailable: 'mem_available_bytes',
  Buffers: 'buffers_bytes',
  Cached: 'cached_bytes',
  SwapCached: 'swap_cached_bytes',
  Active: 'active_bytes',
  Inactive: 'inactive_bytes',
  SwapTotal: 'swap_total_bytes',
  SwapFree: 'swap_free_bytes',
  Dirty: 'dirty_bytes',
  Writeback: 'writeback_bytes',
  AnonPages: 'anon_pages_bytes',
  Mapped: 'mapped_bytes',
  Shmem: 'shmem_bytes',
  Slab: 'slab_bytes',
  SReclaimable: 'slab_reclaimable_bytes',
  SUnreclaim: 'slab_unreclaimable_bytes',
  PageTables: 'page_tables_bytes',
  CommitLimit: 'commit_limit_bytes',
  Committed_AS: 'committed_as_bytes',
};

class MeminfoReader implements LineParser {
  private record: TimelineRecord | undefined;
  private other: Record<string, number> | undefined;
  private time: RecordTime | undefined;
  /** Snapshot index: each timestamp, or each MemTotal after the first of a snapshot, starts one. */
  private sample = -1;
  /** A timestamp line started the snapshot the next counter line opens. */
  private stamped = false;
  private seen = new Set<string>();

  constructor(private readonly ctx: ParseContext) {}

  line(text: string, lineNo: number): LineOutcome {
    const trimmed = text.trim();
    if (trimmed === '' || trimmed === MEMINFO_HEADER) return 'skip';
    const body = trimmed.startsWith(MEMINFO_GREP_PREFIX) ? trimmed.slice(MEMINFO_GREP_PREFIX.length) : trimmed;
    const m = MEMINFO_LINE_RE.exec(body);
    if (!m) {
      const reading = readDateLine(trimmed);
      if (reading) {
        this.flush();
        this.sample++;
        this.stamped = true;
        this.time = readingTime(reading, this.sample);
        return 'skip';
      }
      return { unparsed: 'expected a /proc/meminfo line (`MemTotal:       24683904 kB`), `/proc/meminfo:` before one, or a timestamp between snapshots' };
    }
    const key = m[1]!;
    const value = Number(m[2]);
    if (!Number.isSafeInteger(value)) return { unparsed: `${key}: ${m[2]!} is too large a number` };
    // A key seen again (MemTotal first, as the kernel prints it) is the next snapshot when no timestamp said so.
    if (this.record === undefined || this.seen.has(key)) {
      this.flush();
      if (!this.stamped) this.sample++;
      this.stamped = false;
      this.seen.clear();
      this.record = {
        kind: 'meminfo.snapshot',
        source: { file: this.ctx.file, line: lineNo },
        time: this.time ? { ...this.time, sample: this.sample } : { clock: 'ordinal', sample: this.sample },
      };
    }
    this.seen.add(key);
    const bytes = m[3] === 'kB' ? value * 1024 : value;
    const field = MEMINFO_FIELDS[key];
    if (field !== undefined && m[3] === 'kB') this.record[field] = bytes;
    else (this.other ??= {})[key] = bytes;
    return 'data';
  }

  private flush(): void {
    if (this.record === undefined) return;
    if (this.other !== undefined) this.record.other = this.other;
    this.ctx.emit(this.record);
    this.record = undefined;
    this.other = undefined;
  }

  end(): void {
    this.flush();
  }
}

export const parser: ParserModule = {
  meta: {
    tool: 'meminfo',
    title: '/proc/meminfo (the kernel\'s memory counters)',
    commands: ['cat /proc/meminfo', 'grep -H . /proc/meminfo', 'while sleep 1; do date -Is; cat /proc/meminfo; done'],
    recordKinds: ['meminfo.snapshot'],
    recollect: 'run `for i in $(seq 30); do date -Is; cat /proc/meminfo; sleep 1; done > meminfo.txt` (each snapshot timestamped)',
  },
  create(ctx: ParseContext) {
    return new MeminfoReader(ctx);
  },
};
