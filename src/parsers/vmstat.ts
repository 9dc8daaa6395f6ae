/**
 * vmstat (procps / procps-ng, also busybox and toybox) → `vmstat.sample` records. See `docs/parsers/vmstat.md`.
 *
 * Reads the default "virtual memory" report in all its layouts:
 * - `vmstat [-a] [-w] [-t] [-n] [-y] [-S k|K|m|M] [interval [count]]`: the group header
 *   `procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----` (`--procs--` under `-w`,
 *   ` -----timestamp-----` appended under `-t`), then the column header
 *   ` r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st` (`inact active` in place of
 *   `buff cache` under `-a`; `gu` after `st` in procps >= 4 wide output; the timezone name (`UTC`, `PDT`) last
 *   under `-t`). Both headers are printed again every screenful: they only refresh the columns.
 * - Columns are read by name, so a missing `st` (old procps, toybox) or an extra `gu` is fine.
 *
 * Not read: `vmstat -d` / `-D` / `-p` / `-s` / `-m` (disk, event and slab reports): their lines are reported
 * as unparsed with a hint, since they carry no system sample.
 *
 * Record `vmstat.sample` (one per data row), units normalized:
 * - runnable, blocked: processes (r, b).
 * - swpd_bytes, free_bytes, buff_bytes, cache_bytes | inactive_bytes, active_bytes: memory, in the `-S` unit
 *   (default KiB = 1024 bytes; `-S k` = 1000, `-S m` = 10^6, `-S M` = 2^20), times the unit.
 * - swap_in_bytes_per_s, swap_out_bytes_per_s (si, so): also in the `-S` unit, per second.
 * - blocks_in_per_s, blocks_out_per_s (bi, bo): kernel pgpgin/pgpgout, 1 block = 1 KiB whatever `-S` says.
 * - interrupts_per_s, context_switches_per_s (in, cs).
 * - user_pct, system_pct, idle_pct, iowait_pct, steal_pct, guest_pct (us, sy, id, wa, st, gu): integers.
 * - timezone: the `-t` header's zone name, when printed.
 *
 * The `-S` unit is not in the text: only the variant (e.g. the bundle's command line `vmstat -S M 1`) tells
 * it, and KiB is assumed otherwise.
 *
 * Time: with `-t`, each row's `YYYY-MM-DD HH:MM:SS`: `clock: 'utc'` when the header zone is UTC/GMT, else
 * `local` with the zone name in `timezone`; `interval_s` from the previous row. Without `-t`: `ordinal`.
 * `sample` is the row index in the file; row 0 is averages since boot (`since_boot: true`) unless the
 * variant names `-y` (procps-ng then skips that row).
 *
 * Line outcomes: data rows → 'data'; both headers and blank lines → 'skip'.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { KIB, MIB, parseNumber, round } from '../common/units.js';
import { floatingEpoch, formatDate, formatTimeOfDay, parseDate, parseTimeOfDay } from '../common/time.js';
import { tokens } from './sysstat-common.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule } from './types.js';

/** How a column's integer becomes a field value. */
type Scale =
  /** A count or percentage kept as printed. */
  | 'plain'
  /** A memory size or swap rate in the `-S` unit. */
  | 'unit';

interface VmstatColumn {
  field: string;
  scale: Scale;
}

const COLUMNS: ReadonlyMap<string, VmstatColumn> = new Map([
  ['r', { field: 'runnable', scale: 'plain' }],
  ['b', { field: 'blocked', scale: 'plain' }],
  ['swpd', { field: 'swpd_bytes', scale: 'unit' }],
  ['free', { field: 'free_bytes', scale: 'unit' }],
  ['buff', { field: 'buff_bytes', scale: 'unit' }],
  ['cache', { field: 'cache_bytes', scale: 'unit' }],
  ['inact', { field: 'inactive_bytes', scale: 'unit' }],
  ['active', { field: 'active_bytes', scale: 'unit' }],
  ['si', { field: 'swap_in_bytes_per_s', scale: 'unit' }],
  ['so', { field: 'swap_out_bytes_per_s', scale: 'unit' }],
  ['bi', { field: 'blocks_in_per_s', scale: 'plain' }],
  ['bo', { field: 'blocks_out_per_s', scale: 'plain' }],
  ['in', { field: 'interrupts_per_s', scale: 'plain' }],
  ['cs', { field: 'context_switches_per_s', scale: 'plain' }],
  ['us', { field: 'user_pct', scale: 'plain' }],
  ['sy', { field: 'system_pct', scale: 'plain' }],
  ['id', { field: 'idle_pct', scale: 'plain' }],
  ['wa', { field: 'iowait_pct', scale: 'plain' }],
  ['st', { field: 'steal_pct', scale: 'plain' }],
  ['gu', { field: 'guest_pct', scale: 'plain' }],
]);

/** Bytes per unit of `-S`/`--unit`: lower case is decimal, upper case binary (procps vmstat(8)). */
const UNIT_BYTES: Readonly<Record<string, number>> = { k: 1000, K: KIB, m: 1000 * 1000, M: MIB };

/** The `-S` unit the variant names (`-S M`, `-SM`, `--unit=m`, `--unit k`), in bytes; KiB when it names none. */
export function variantUnitBytes(variant: string): number {
  const m = /(?:^|[\s,(])(?:-[A-Za-z]*S\s*|--unit[=\s]\s*)([kKmM])(?=$|[\s,)])/.exec(variant);
  return m ? UNIT_BYTES[m[1]!]! : KIB;
}

/** True when the variant names `-y` / `--no-first`: vmstat then skips its since-boot first row. */
export function variantSkipsFirstRow(variant: string): boolean {
  return /(?:^|[\s,(])(?:-[A-Za-z]*y[A-Za-z]*|--no-first)(?=$|[\s,)])/.test(variant);
}

/** `procs -----------memory----------` (`--procs--` under -w): the group header vmstat prints first. */
const GROUP_HEADER_RE = /^\s*-*procs-*\s+-+memory-+/;
/** `disk- ------------reads------------` (-d) and the other reports vmstat can print instead. */
const DISK_HEADER_RE = /^\s*disk-\s+-+reads-+/;
const TIMESTAMP_RE = /^\d{4}-\d{2}-\d{2}$/;
/** Zone names vmstat prints (strftime %Z) that are UTC itself. */
const UTC_ZONES = new Set(['UTC', 'GMT', 'UCT', 'Z']);

interface Table {
  columns: VmstatColumn[];
  /** The group header had `-timestamp-`: rows end with a date and a time. */
  timestamped: boolean;
  timezone?: string;
}

class VmstatReader implements LineParser {
  private readonly unitBytes: number;
  private readonly skipsFirstRow: boolean;
  /** Set by the group header, consumed by the column header. */
  private pendingTimestamp = false;
  private table: Table | undefined;
  private disk = false;
  private sample = 0;
  private previousEpoch: number | undefined;

  constructor(private readonly ctx: ParseContext) {
    this.unitBytes = variantUnitBytes(ctx.variant);
    this.skipsFirstRow = variantSkipsFirstRow(ctx.variant);
  }

  line(text: string, lineNo: number): LineOutcome {
    if (GROUP_HEADER_RE.test(text)) {
      this.pendingTimestamp = text.includes('-timestamp-');
      this.disk = false;
      return 'skip';
    }
    if (DISK_HEADER_RE.test(text)) {
      this.disk = true;
      return { unparsed: 'vmstat -d disk statistics are not read (only the procs/memory/cpu report is)' };
    }
    const toks = tokens(text);
    if (toks.length === 0) return 'skip';
    if (this.disk) return { unparsed: 'vmstat -d disk statistics are not read (only the procs/memory/cpu report is)' };
    if (toks[0] === 'r' && toks[1] === 'b') return this.columnHeader(toks);
    if (!this.table) return { unparsed: 'expected the vmstat headers (`procs ---memory---` then ` r  b   swpd   free …`) before a data row' };
    return this.row(toks, lineNo);
  }

  end(): void {}

  private columnHeader(toks: string[]): LineOutcome {
    const names = toks.slice();
    let timezone: string | undefined;
    // Under -t the zone name ends the header; strftime("%Z") may also print nothing.
    if (this.pendingTimestamp && !COLUMNS.has(names[names.length - 1]!)) timezone = names.pop();
    const columns: VmstatColumn[] = [];
    for (const name of names) {
      const column = COLUMNS.get(name);
      if (!column) {
        this.table = undefined;
        return { unparsed: `unknown vmstat column '${name}' (expected r b swpd free buff cache inact active si so bi bo in cs us sy id wa st gu)` };
      }
      columns.push(column);
    }
    this.table = { columns, timestamped: this.pendingTimestamp };
    if (timezone !== undefined) this.table.timezone = timezone;
    return 'skip';
  }

  private row(toks: string[], lineNo: number): LineOutcome {
    const table = this.table!;
    const expected = table.columns.length + (table.timestamped ? 2 : 0);
    if (toks.length !== expected) {
      return { unparsed: `expected ${expected} vmstat values (${table.columns.length} columns${table.timestamped ? ' + date and time' : ''}), found ${toks.length}` };
    }
    const record: TimelineRecord = { kind: 'vmstat.sample', source: { file: this.ctx.file, line: lineNo } };
    const fields: [string, number][] = [];
    for (let i = 0; i < table.columns.length; i++) {
      const value = parseNumber(toks[i]!);
      if (value === undefined || value < 0) return { unparsed: `vmstat value '${toks[i]}' is not a number` };
      const column = table.columns[i]!;
      fields.push([column.field, column.scale === 'unit' ? round(value * this.unitBytes, 3) : value]);
    }
    let time: RecordTime;
    if (table.timestamped) {
      const stamped = this.timestampTime(toks[expected - 2]!, toks[expected - 1]!, table.timezone);
      if (!stamped) return { unparsed: `expected a vmstat -t timestamp 'YYYY-MM-DD HH:MM:SS', found '${toks[expected - 2]} ${toks[expected - 1]}'` };
      time = stamped;
    } else {
      time = { clock: 'ordinal', sample: this.sample };
    }
    if (this.sample === 0 && !this.skipsFirstRow) time.since_boot = true;
    this.sample++;
    record.time = time;
    for (const [field, value] of fields) record[field] = value;
    if (table.timezone !== undefined) record.timezone = table.timezone;
    this.ctx.emit(record);
    return 'data';
  }

  private timestampTime(dateText: string, timeText: string, timezone: string | undefined): RecordTime | undefined {
    if (!TIMESTAMP_RE.test(dateText)) return undefined;
    const date = parseDate(dateText);
    const tod = parseTimeOfDay(timeText);
    if (!date || !tod) return undefined;
    const wallClock = `${formatDate(date)}T${formatTimeOfDay(tod)}`;
    const epoch = floatingEpoch(date, tod);
    const utc = timezone !== undefined && UTC_ZONES.has(timezone);
    const time: RecordTime = { clock: utc ? 'utc' : 'local', iso: utc ? `${wallClock}Z` : wallClock, epoch, sample: this.sample };
    if (this.previousEpoch !== undefined && epoch > this.previousEpoch) time.interval_s = epoch - this.previousEpoch;
    this.previousEpoch = epoch;
    return time;
  }
}

export const parser: ParserModule = {
  meta: {
    tool: 'vmstat',
    title: 'vmstat (procps): processes, memory, swap, block I/O, interrupts and CPU',
    commands: ['vmstat [-a] [-w] [-t] [-n] [-y] [-S k|K|m|M] [interval [count]]'],
    recordKinds: ['vmstat.sample'],
    series: { 'vmstat.sample': { key: [], states: ['runnable', 'blocked'], lows: ['free_bytes', 'buff_bytes', 'cache_bytes'] } },
    recollect: 'LC_ALL=C vmstat -t -w 1 > vmstat.txt (-t stamps every row with date, time and zone; keep the default KiB unit)',
  },
  create(ctx: ParseContext): LineParser {
    return new VmstatReader(ctx);
  },
};
