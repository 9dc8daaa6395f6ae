/**
 * iostat (sysstat) → `iostat.cpu`, `iostat.device` and `host.info` records. See `docs/parsers/iostat.md`.
 *
 * Reads every layout sysstat 9.x … 12.7 prints, in text and in JSON:
 * - `iostat [-c] [-d] [-x] [-s] [-k|-m] [-t] [-y] [-z] [-p ALL] [-g NAME] [-N] [--human] [--pretty [--compact]] [-h]
 *   [interval [count]]`, with the column sets of each version: `Device:` with colon (<= 11.4),
 *   `avgrq-sz avgqu-sz await svctm` (<= 11.4), `aqu-sz rareq-sz wareq-sz svctm` (11.5 – 12.0), the discard
 *   group `d/s dkB/s … dareq-sz` (>= 12.1.2), the flush group `f/s f_await` (>= 12.3); `kB_*`, `MB_*`, `GB_*`,
 *   `Blk_*` and `rsec/s`-style units; the short `-s` forms (`kB_w+d/s`, `-xs` `kB/s rqm/s areq-sz`).
 * - `-t`: a timestamp line before each report: `%x %X` of the locale (`06/01/20 12:53:20`,
 *   `11/27/2026 12:10:41 AM`, `27.11.2026 00:10:42`) or ISO with offset (`2020-06-01T12:53:20+0000`).
 * - `--pretty` / 12.x `-h`: the Device column comes last and `-x` is split into r / w / d / f sub-tables;
 *   the rows of one device in one report are merged back into a single record.
 * - sysstat <= 11.4 `-h`: the device name alone on a line, its numbers on the next line.
 * - `--human`: values with a size suffix (`222.1k`, `1.5G`: the suffix, not the header, gives the unit) and
 *   percentages with `%`.
 * - `-g NAME`: group totals are printed as a device whose name starts with a space → `group: true`.
 * - `-o JSON`: the whole document is buffered (lines answer 'defer') and read at the end; a truncated
 *   document (iostat killed mid-run) is read line by line instead, since sysstat writes one object a line.
 *
 * Records (every value normalized; see the column → field map in the doc page):
 * - `iostat.cpu`: user_pct, nice_pct, system_pct, iowait_pct, steal_pct, idle_pct.
 * - `iostat.device`: device, group?, and one field per column present: tps, reads_per_s, writes_per_s,
 *   discards_per_s, flushes_per_s, read/write/discard/write_discard/total `_bytes_per_s`, read/write/
 *   discard/write_discard `_bytes` (totals since the previous report), rrqm/wrqm/drqm/rqm `_per_s`,
 *   rrqm/wrqm/drqm `_pct`, r/w/d/f `_await_s`, await_s, svctm_s, rareq/wareq/dareq/areq/avgrq `_sz_bytes`,
 *   aqu_sz, util_pct.
 * - `host.info` from the banner (or the JSON host header). Its date is the only place the banner date goes:
 *   iostat rows carry no time of their own.
 *
 * Time: with `-t`, each report's timestamp (`local` date-time, or `utc` when ISO with an offset) and
 * `interval_s` from the difference with the previous report's timestamp; without `-t`, `clock: 'ordinal'`.
 * `sample` is the report index in the file. Report 0 of each run (a banner starts a run) is
 * `since_boot: true`: iostat prints averages since boot first unless `-y`, which the text cannot show, so
 * only a variant string naming `-y` (e.g. from the bundle's command line) turns it off.
 *
 * Line outcomes: rows and banners are 'data' (they are the source of a record or hold its values);
 * headers, timestamp lines and blanks are 'skip'.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { GIB, KIB, MIB, SECTOR_BYTES, parseNumber, parsePercent, parseSizedNumber, plainDecimalAt, round } from '../common/units.js';
import { floatingEpoch, formatDate, formatTimeOfDay, parseDate, parseIsoInstant, parseTimeOfDay } from '../common/time.js';
import { bannerRecord, parseSysstatBanner, tokens, type SysstatBanner, valueEntries, valueFields } from './sysstat-common.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule, RowShape } from './types.js';

// ---------------------------------------------------------------------------------------------------
// Columns: every column name iostat prints (text header or JSON key) → the record field and its unit.
// ---------------------------------------------------------------------------------------------------

/** How a column's text becomes a normalized number. */
type ValueKind =
  /** A plain number kept as is (tps, r/s, aqu-sz). */
  | 'number'
  /** A percentage (`%util`, `56.0%` under --human). */
  | 'percent'
  /** Milliseconds in the text, seconds in the record. */
  | 'ms'
  /** A size in `unitBytes` units, or with a --human suffix (`222.1k`) that overrides the unit. */
  | 'size';

export interface ColumnSpec {
  field: string;
  kind: ValueKind;
  /** Bytes per unit of a `size` column (1024 for kB, 512 for sectors); 1 otherwise. */
  unitBytes: number;
}

const col = (field: string, kind: ValueKind, unitBytes = 1): ColumnSpec => ({ field, kind, unitBytes });

const FIXED_COLUMNS: ReadonlyMap<string, ColumnSpec> = new Map([
  ['tps', col('tps', 'number')],
  ['r/s', col('reads_per_s', 'number')],
  ['w/s', col('writes_per_s', 'number')],
  ['d/s', col('discards_per_s', 'number')],
  ['f/s', col('flushes_per_s', 'number')],
  ['rrqm/s', col('rrqm_per_s', 'number')],
  ['wrqm/s', col('wrqm_per_s', 'number')],
  ['drqm/s', col('drqm_per_s', 'number')],
  ['rqm/s', col('rqm_per_s', 'number')],
  ['%rrqm', col('rrqm_pct', 'percent')],
  ['%wrqm', col('wrqm_pct', 'percent')],
  ['%drqm', col('drqm_pct', 'percent')],
  ['r_await', col('r_await_s', 'ms')],
  ['w_await', col('w_await_s', 'ms')],
  ['d_await', col('d_await_s', 'ms')],
  ['f_await', col('f_await_s', 'ms')],
  ['await', col('await_s', 'ms')],
  ['svctm', col('svctm_s', 'ms')],
  ['aqu-sz', col('aqu_sz', 'number')],
  ['avgqu-sz', col('aqu_sz', 'number')],
  // Request sizes: *areq-sz are in kB whatever -k/-m say; the old avgrq-sz is in 512-byte sectors.
  ['rareq-sz', col('rareq_sz_bytes', 'size', KIB)],
  ['wareq-sz', col('wareq_sz_bytes', 'size', KIB)],
  ['dareq-sz', col('dareq_sz_bytes', 'size', KIB)],
  ['areq-sz', col('areq_sz_bytes', 'size', KIB)],
  ['avgrq-sz', col('avgrq_sz_bytes', 'size', SECTOR_BYTES)],
  ['%util', col('util_pct', 'percent')],
]);

/** sysstat's size units: its "kB" is a kibibyte, "MB" a mebibyte; Blk and sec are 512-byte sectors. */
const UNIT_BYTES: Readonly<Record<string, number>> = { kB: KIB, MB: MIB, GB: GIB, Blk: SECTOR_BYTES, sec: SECTOR_BYTES };

/** Basic report: `kB_read/s`, `MB_wrtn`, `Blk_dscd/s`, short `kB_w+d/s`. */
const BASIC_RE = /^(kB|MB|GB|Blk)_(read|wrtn|dscd|w\+d)(\/s)?$/;
/** Extended report: `rkB/s`, `wMB/s`, `dsec/s`. */
const EXTENDED_RE = /^([rwd])(kB|MB|GB|sec)\/s$/;
/** Short extended report (-xs): `kB/s`, `MB/s`, `sec/s` = read + write + discard. */
const SHORT_EXTENDED_RE = /^(kB|MB|GB|sec)\/s$/;

const BASIC_FIELD: Readonly<Record<string, string>> = { read: 'read', wrtn: 'write', dscd: 'discard', 'w+d': 'write_discard' };
const DIRECTION_FIELD: Readonly<Record<string, string>> = { r: 'read', w: 'write', d: 'discard' };

const columnCache = new Map<string, ColumnSpec | null>();

/** The spec of a column as printed in a text header (or a JSON key turned into one), or undefined if unknown. */
export function columnSpec(name: string): ColumnSpec | undefined {
  const cached = columnCache.get(name);
  if (cached !== undefined) return cached ?? undefined;
  const spec = resolveColumn(name);
  columnCache.set(name, spec ?? null);
  return spec;
}

function resolveColumn(name: string): ColumnSpec | undefined {
  const fixed = FIXED_COLUMNS.get(name);
  if (fixed) return fixed;
  let m = BASIC_RE.exec(name);
  if (m) return col(`${BASIC_FIELD[m[2]!]}_bytes${m[3] ? '_per_s' : ''}`, 'size', UNIT_BYTES[m[1]!]);
  m = EXTENDED_RE.exec(name);
  if (m) return col(`${DIRECTION_FIELD[m[1]!]}_bytes_per_s`, 'size', UNIT_BYTES[m[2]!]);
  m = SHORT_EXTENDED_RE.exec(name);
  if (m) return col('total_bytes_per_s', 'size', UNIT_BYTES[m[1]!]);
  return undefined;
}

/** A text value of a column → its normalized number, or undefined when the token is not one. */
export function readColumnText(spec: ColumnSpec, token: string): number | undefined {
  switch (spec.kind) {
    case 'number':
      return parseNumber(token);
    case 'percent':
      return parsePercent(token);
    case 'ms': {
      const v = parseNumber(token);
      return v === undefined ? undefined : round(v / 1000, 9);
    }
    case 'size': {
      const v = parseSizedNumber(token, spec.unitBytes);
      return v === undefined ? undefined : round(v, 3);
    }
  }
}

/** A JSON value of a column (always a plain number in sysstat's JSON) → its normalized number. */
function readColumnNumber(spec: ColumnSpec, value: number): number {
  switch (spec.kind) {
    case 'ms':
      return round(value / 1000, 9);
    case 'size':
      return round(value * spec.unitBytes, 3);
    default:
      return value;
  }
}

const CPU_COLUMNS: ReadonlyMap<string, string> = new Map([
  ['%user', 'user_pct'],
  ['%nice', 'nice_pct'],
  ['%system', 'system_pct'],
  ['%sys', 'system_pct'],
  ['%iowait', 'iowait_pct'],
  ['%steal', 'steal_pct'],
  ['%idle', 'idle_pct'],
]);

const JSON_CPU_KEYS: ReadonlyMap<string, string> = new Map([
  ['user', 'user_pct'],
  ['nice', 'nice_pct'],
  ['system', 'system_pct'],
  ['iowait', 'iowait_pct'],
  ['steal', 'steal_pct'],
  ['idle', 'idle_pct'],
]);

/**
 * A JSON key of a `disk` object → the text column it stands for. sysstat >= 11.5 uses the column names
 * except `%` (`rrqm` = %rrqm, `util` = %util); 11.x before it wrote `rrqm` for rrqm/s, `r` for r/s, `rkB`
 * for rkB/s and `kB_read_per_sec` for kB_read/s (`legacy`, recognized by a key `r`).
 */
function jsonKeyToColumn(key: string, legacy: boolean): string {
  switch (key) {
    case 'util':
      return '%util';
    case 'rrqm':
    case 'wrqm':
      return legacy ? `${key}/s` : `%${key}`;
    case 'drqm':
      return '%drqm';
    case 'r':
    case 'w':
    case 'rkB':
    case 'wkB':
    case 'rMB':
    case 'wMB':
      return `${key}/s`;
    default:
      return key.endsWith('_per_sec') ? `${key.slice(0, -'_per_sec'.length)}/s` : key;
  }
}

// ---------------------------------------------------------------------------------------------------
// Report timestamps and record times.
// ---------------------------------------------------------------------------------------------------

export interface ReportTimestamp {
  clock: 'utc' | 'local';
  iso: string;
  epoch: number;
}

/**
 * The `-t` line: ISO with offset (one token), or the locale's `%x %X` (date, time, optional AM/PM).
 * Returns undefined for anything else.
 */
export function parseReportTimestamp(toks: readonly string[]): ReportTimestamp | undefined {
  if (toks.length === 1) {
    const instant = parseIsoInstant(toks[0]!);
    return instant ? { clock: 'utc', iso: instant.iso, epoch: instant.epoch } : undefined;
  }
  if (toks.length !== 2 && toks.length !== 3) return undefined;
  const date = parseDate(toks[0]!);
  if (!date) return undefined;
  const time = parseTimeOfDay(toks[1]!, toks[2]);
  if (!time) return undefined;
  return { clock: 'local', iso: `${formatDate(date)}T${formatTimeOfDay(time)}`, epoch: floatingEpoch(date, time) };
}

/** True when the variant names `-y` (a flag cluster holding `y`): the first report is then not since boot. */
export function variantOmitsSinceBoot(variant: string): boolean {
  return /(?:^|[\s,(])-[A-Za-z]*y[A-Za-z]*(?=$|[\s,)])/.test(variant);
}

/** Numbers each report and knows which are since boot and how long their interval was. */
class ReportClock {
  private sample = -1;
  private firstOfRun = true;
  private previous: ReportTimestamp | undefined;
  private current: RecordTime = { clock: 'ordinal' };

  constructor(private readonly omitSinceBoot: boolean) {}

  get started(): boolean {
    return this.sample >= 0;
  }

  /** A banner: the next report is the first of a new iostat run. */
  newRun(): void {
    this.firstOfRun = true;
    this.previous = undefined;
  }

  startReport(ts?: ReportTimestamp): void {
    this.sample++;
    const time: RecordTime = ts ? { clock: ts.clock, iso: ts.iso, epoch: ts.epoch, sample: this.sample } : { clock: 'ordinal', sample: this.sample };
    if (this.firstOfRun && !this.omitSinceBoot) time.since_boot = true;
    if (ts && this.previous && this.previous.clock === ts.clock && ts.epoch > this.previous.epoch) {
      time.interval_s = round(ts.epoch - this.previous.epoch, 3);
    }
    this.firstOfRun = false;
    this.previous = ts;
    this.current = time;
  }

  /** A fresh copy for one record (records must not share mutable objects). */
  time(): RecordTime {
    return { ...this.current };
  }
}

// ---------------------------------------------------------------------------------------------------
// Text mode.
// ---------------------------------------------------------------------------------------------------

interface DeviceHeader {
  /** The header's tokens joined by one space: the same table printed again starts a new report. */
  key: string;
  /** `--pretty` / 12.x `-h`: Device is the last column. */
  deviceLast: boolean;
  /** One spec per value column, in order; undefined for a column perftriage does not know. */
  columns: (ColumnSpec | undefined)[];
  names: string[];
  /**
   * A device row's record from its head and values (ParseContext.emitRow), a device's and a group's: one
   * literal each, built at first use (deviceRecordBuilder), which is also its record's shape.
   */
  shapes: readonly [RowShape, RowShape];
}

type DeviceRecordBuilder = (source: TimelineRecord['source'], time: TimelineRecord['time'], device: string, group: boolean, values: readonly number[]) => TimelineRecord;

/**
 * A function that makes a device record of `table` as one object literal, its keys in the order a
 * record built field by field has (kind, source, time, device, group, then the columns): a row has up
 * to 22 values, and 22 keyed stores into a fresh object were 40 % of the parser's time.
 */
function deviceRecordBuilder(columns: DeviceHeader['columns']): DeviceRecordBuilder {
  const values = valueEntries(columns, 'iostat').map((entry) => `, ${entry}`).join('');
  const literal = (group: boolean): string => `{ kind: 'iostat.device', source: s, time: t, device: d${group ? ', group: true' : ''}${values} }`;
  return new Function('s', 't', 'd', 'g', 'v', `return g ? ${literal(true)} : ${literal(false)};`) as DeviceRecordBuilder;
}

const DEVICE_TOKENS = new Set(['Device', 'Device:']);

function parseDeviceHeader(toks: readonly string[]): DeviceHeader | undefined {
  const first = toks[0];
  const last = toks[toks.length - 1];
  if (first === undefined || last === undefined || toks.length < 2) return undefined;
  const deviceLast = !DEVICE_TOKENS.has(first);
  if (deviceLast && last !== 'Device') return undefined;
  const names = deviceLast ? toks.slice(0, -1) : toks.slice(1);
  const columns = names.map((n) => columnSpec(n));
  if (!columns.some((c) => c !== undefined)) return undefined;
  const fields = valueFields(columns, 'iostat');
  let build: DeviceRecordBuilder | undefined;
  const shape = (group: boolean): RowShape => ({
    fields,
    build: (head, values) => (build ??= deviceRecordBuilder(columns))(head.source, head.time, head.device as string, group, values),
  });
  return { key: toks.join(' '), deviceLast, columns, names, shapes: [shape(false), shape(true)] };
}

/** Whether a header line names a Device column at all (so that an unknown one is reported, not misread). */
function mentionsDevice(toks: readonly string[]): boolean {
  return DEVICE_TOKENS.has(toks[0] ?? '') || toks[toks.length - 1] === 'Device';
}

interface PendingName {
  name: string;
  group: boolean;
  lineNo: number;
}

class TextReader {
  private readonly clock: ReportClock;
  private reportHasCpu = false;
  private readonly reportTables = new Set<string>();
  private cpuFields: (string | undefined)[] | undefined;
  private expectCpuValues = false;
  private table: DeviceHeader | undefined;
  /** sysstat <= 11.4 `-h`: a device name alone on its line, waiting for its numbers. */
  private pendingName: PendingName | undefined;
  /** Device-last rows of the current report, merged per device (sub-tables r/w/d/f of --pretty). */
  private readonly merged = new Map<string, TimelineRecord>();
  private readonly headerCache = new Map<string, DeviceHeader | null>();
  private readonly cpuHeaderCache = new Map<string, (string | undefined)[]>();
  private readonly warned = new Set<string>();
  /** Values of the row being read, reused from row to row. */
  private readonly scratch: number[] = [];

  constructor(
    private readonly ctx: ParseContext,
    omitSinceBoot: boolean,
    /** Read plain rows in place first (plainRow); tests compare with false, every line the general way. */
    private readonly plainRows = true,
  ) {
    this.clock = new ReportClock(omitSinceBoot);
  }

  line(text: string, lineNo: number): LineOutcome {
    if (this.plainRows) {
      const row = this.plainRow(text, lineNo);
      if (row !== undefined) return row;
    }
    const toks = tokens(text);
    if (this.pendingName) {
      if (this.table && !this.table.deviceLast && toks.length === this.table.columns.length && toks.length > 0 && parseNumber(stripSuffix(toks[0]!)) !== undefined) {
        return this.deviceRow(this.table, this.pendingName.name, this.pendingName.group, toks, 0, this.pendingName.lineNo, lineNo);
      }
      this.dropPendingName();
    }
    if (toks.length === 0) return 'skip';
    const first = toks[0]!;

    if (first === 'avg-cpu:') return this.cpuHeader(toks);
    if (this.expectCpuValues) {
      this.expectCpuValues = false;
      return this.cpuValues(toks, lineNo);
    }
    if (mentionsDevice(toks)) return this.deviceHeader(text, toks);
    const c = first.charCodeAt(0);
    if (c >= 48 && c <= 57 && toks.length <= 3) {
      const ts = parseReportTimestamp(toks);
      if (ts) {
        this.startReport(ts);
        return 'skip';
      }
    }
    if (text.includes('CPU)')) {
      const banner = parseSysstatBanner(text);
      if (banner) return this.banner(banner, lineNo);
    }
    if (this.table) return this.tableRow(text, toks, lineNo);
    return { unparsed: 'expected a sysstat banner, a timestamp line (-t), an avg-cpu: header or a Device header' };
  }

  end(): void {
    if (this.pendingName) this.dropPendingName();
    this.flushMerged();
  }

  private banner(banner: SysstatBanner, lineNo: number): LineOutcome {
    this.flushMerged();
    this.table = undefined;
    this.expectCpuValues = false;
    this.clock.newRun();
    this.ctx.emit(bannerRecord(banner, this.ctx.file, lineNo, 'iostat'));
    return 'data';
  }

  private startReport(ts?: ReportTimestamp): void {
    this.flushMerged();
    this.clock.startReport(ts);
    this.reportHasCpu = false;
    this.reportTables.clear();
    this.table = undefined;
    this.expectCpuValues = false;
  }

  private cpuHeader(toks: readonly string[]): LineOutcome {
    const key = toks.join(' ');
    let fields = this.cpuHeaderCache.get(key);
    if (!fields) {
      fields = toks.slice(1).map((n) => CPU_COLUMNS.get(n));
      this.cpuHeaderCache.set(key, fields);
    }
    if (!fields.some((f) => f !== undefined)) return { unparsed: 'an avg-cpu: header without the %user … %idle columns' };
    if (!this.clock.started || this.reportHasCpu || this.reportTables.size > 0) this.startReport();
    this.reportHasCpu = true;
    this.table = undefined;
    this.cpuFields = fields;
    this.expectCpuValues = true;
    return 'skip';
  }

  private cpuValues(toks: readonly string[], lineNo: number): LineOutcome {
    const fields = this.cpuFields ?? [];
    if (toks.length !== fields.length) {
      return { unparsed: `expected ${fields.length} avg-cpu values (%user … %idle), found ${toks.length}` };
    }
    const record: TimelineRecord = { kind: 'iostat.cpu', source: { file: this.ctx.file, line: lineNo }, time: this.clock.time() };
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      const value = parsePercent(toks[i]!);
      if (value === undefined) return { unparsed: `avg-cpu value '${toks[i]}' is not a percentage` };
      if (field) record[field] = value;
    }
    this.ctx.emit(record);
    return 'data';
  }

  private deviceHeader(text: string, toks: readonly string[]): LineOutcome {
    const key = text.trim();
    let header = this.headerCache.get(key);
    if (header === undefined) {
      header = parseDeviceHeader(toks) ?? null;
      this.headerCache.set(key, header);
      if (header) this.warnUnknownColumns(header);
    }
    if (!header) return { unparsed: 'a Device header without any column iostat prints' };
    if (!this.clock.started || this.reportTables.has(header.key)) this.startReport();
    this.reportTables.add(header.key);
    this.table = header;
    this.expectCpuValues = false;
    return 'skip';
  }

  /**
   * The row nearly every line is: a device-first table's device name then its values, each a plain decimal,
   * read in place (no token list, no string per value). Undefined for any other line, which `line` then
   * reads as before: one that an earlier test there would take (avg-cpu:, a Device header, a timestamp, a
   * banner), a value that is not plain (suffixes, %, a comma), a count that does not match, non-ASCII text.
   */
  private plainRow(text: string, lineNo: number): LineOutcome | undefined {
    const table = this.table;
    if (!table || table.deviceLast || this.pendingName || this.expectCpuValues) return undefined;
    const n = text.length;
    const columns = table.columns;
    const values = this.scratch;
    let i = skipAsciiSpaces(text, 0);
    const nameStart = i;
    i = asciiWordEnd(text, i);
    if (i < 0 || i === nameStart) return undefined;
    const nameEnd = i;
    let lastStart = nameStart;
    for (let c = 0; c < columns.length; c++) {
      const s = skipAsciiSpaces(text, i);
      const e = asciiWordEnd(text, s);
      if (e < 0 || e === s) return undefined;
      const spec = columns[c];
      if (spec) {
        const v = plainDecimalAt(text, s, e);
        if (v === undefined) return undefined;
        values[c] = spec.kind === 'ms' ? round(v / 1000, 9) : spec.kind === 'size' ? round(v * spec.unitBytes, 3) : v;
      }
      lastStart = s;
      i = e;
    }
    if (skipAsciiSpaces(text, i) !== n) return undefined;
    const name = text.slice(nameStart, nameEnd);
    // What line() tests before a table row: avg-cpu:, a Device header, a timestamp, a banner.
    if (name === 'avg-cpu:' || DEVICE_TOKENS.has(name) || text.startsWith('Device', lastStart) && lastStart + 6 === i) return undefined;
    const c0 = name.charCodeAt(0);
    if (c0 >= 48 && c0 <= 57 && columns.length + 1 <= 3) return undefined;
    if (text.includes('CPU)')) return undefined;
    const group = text.charCodeAt(0) === 32 && text.charCodeAt(1) !== 32;
    this.emitDevice(table, name, group, lineNo, values);
    return 'data';
  }

  /** A device row of `table`: its head, and its numbers in `values` by column (made a record only if wanted: emitRow). */
  private emitDevice(table: DeviceHeader, name: string, group: boolean, sourceLine: number, values: readonly number[]): void {
    const source = { file: this.ctx.file, line: sourceLine };
    const time = this.clock.time();
    const head: TimelineRecord = group ? { kind: 'iostat.device', source, time, device: name, group: true } : { kind: 'iostat.device', source, time, device: name };
    this.ctx.emitRow(head, values, table.shapes[group ? 1 : 0]);
  }

  private tableRow(text: string, toks: readonly string[], lineNo: number): LineOutcome {
    const table = this.table!;
    const n = table.columns.length;
    if (table.deviceLast) {
      if (toks.length !== n + 1) return { unparsed: `expected ${n} values then the device name (${table.names.join(' ')} Device), found ${toks.length} fields` };
      const name = toks[n]!;
      // The row ends with " <name>"; a group total's name starts with a space, so two spaces precede it.
      const end = text.trimEnd();
      const group = end.length > name.length + 1 && end.charCodeAt(end.length - name.length - 2) === 32;
      return this.deviceRow(table, name, group, toks, 0, lineNo, lineNo);
    }
    // Device first: `%-13s` of the name; a group total's name starts with a space (" disks").
    const group = text.charCodeAt(0) === 32 && text.charCodeAt(1) !== 32;
    if (toks.length === n + 1) return this.deviceRow(table, toks[0]!, group, toks, 1, lineNo, lineNo);
    if (toks.length === 1 && parseNumber(stripSuffix(toks[0]!)) === undefined) {
      this.pendingName = { name: toks[0]!, group, lineNo };
      return 'defer';
    }
    return { unparsed: `expected the device name then ${n} values (${table.names.join(' ')}), found ${toks.length} fields` };
  }

  /** One device row (values at toks[offset…]); in device-last tables merged with the device's other rows. */
  private deviceRow(table: DeviceHeader, name: string, group: boolean, toks: readonly string[], offset: number, sourceLine: number, lineNo: number): LineOutcome {
    // Read every value before touching a record, so that a bad row leaves no half-filled record behind.
    const values = this.scratch;
    for (let i = 0; i < table.columns.length; i++) {
      const spec = table.columns[i];
      if (!spec) continue;
      const token = toks[offset + i]!;
      const value = readColumnText(spec, token);
      if (value === undefined) {
        if (sourceLine !== lineNo) this.settlePending(sourceLine, { unparsed: `device name whose values on line ${lineNo} could not be read` });
        return { unparsed: `value '${token}' of column ${table.names[i]} is not a number` };
      }
      values[i] = value;
    }
    if (sourceLine !== lineNo) this.settlePending(sourceLine, 'data');
    let record: TimelineRecord | undefined;
    if (table.deviceLast) {
      const key = group ? ` ${name}` : name;
      record = this.merged.get(key);
      if (!record) {
        record = this.newDeviceRecord(name, group, sourceLine);
        this.merged.set(key, record);
      }
      for (let i = 0; i < table.columns.length; i++) {
        const spec = table.columns[i];
        if (spec) record[spec.field] = values[i];
      }
      return 'data';
    }
    this.emitDevice(table, name, group, sourceLine, values);
    return 'data';
  }

  private newDeviceRecord(name: string, group: boolean, line: number): TimelineRecord {
    const record: TimelineRecord = { kind: 'iostat.device', source: { file: this.ctx.file, line }, time: this.clock.time(), device: name };
    if (group) record.group = true;
    return record;
  }

  private settlePending(lineNo: number, outcome: 'data' | { unparsed: string }): void {
    this.pendingName = undefined;
    this.ctx.settle(lineNo, outcome);
  }

  private dropPendingName(): void {
    if (this.pendingName) this.settlePending(this.pendingName.lineNo, { unparsed: 'a device name alone on its line (old -h layout) not followed by its values' });
  }

  private flushMerged(): void {
    for (const record of this.merged.values()) this.ctx.emit(record);
    this.merged.clear();
  }

  private warnUnknownColumns(header: DeviceHeader): void {
    header.columns.forEach((spec, i) => {
      const name = header.names[i]!;
      if (spec || this.warned.has(name)) return;
      this.warned.add(name);
      this.ctx.diagnostic({
        severity: 'warning',
        code: 'unknown-column',
        message: `iostat column '${name}' is unknown to perftriage; its values are left out of the records`,
      });
    });
  }
}

/** `222.1k` → `222.1`: enough to tell a --human number from a device name. */
/** Past the ASCII white space (what `\s` is there) from `i`. */
function skipAsciiSpaces(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c !== 32 && (c < 9 || c > 13)) break;
    i++;
  }
  return i;
}

/** The end of the word at `i` (up to white space), or -1 when it holds a non-ASCII character (tokens() then decides). */
function asciiWordEnd(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) break;
    if (c >= 128) return -1;
    i++;
  }
  return i;
}

function stripSuffix(token: string): string {
  const last = token.charCodeAt(token.length - 1);
  return (last >= 65 && last <= 90) || (last >= 97 && last <= 122) || last === 37 ? token.slice(0, -1) : token;
}

// ---------------------------------------------------------------------------------------------------
// JSON mode (`iostat -o JSON`).
// ---------------------------------------------------------------------------------------------------

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An array as `unknown[]` (Array.isArray alone would type its items `any`), or an empty one. */
const asArray = (v: unknown): readonly unknown[] => (Array.isArray(v) ? (v as unknown[]) : []);

const HOST_KEYS = new Set(['nodename', 'sysname', 'release', 'machine', 'number-of-cpus', 'date']);
const STATISTICS_KEYS = new Set(['timestamp', 'avg-cpu', 'disk']);

/** Builds records from JSON objects; shared by the whole-document and the line-by-line readings. */
class JsonRecords {
  private readonly warned = new Set<string>();

  constructor(
    private readonly ctx: ParseContext,
    readonly clock: ReportClock,
  ) {}

  host(host: JsonObject, lineNo: number): boolean {
    const { nodename, sysname, release, machine, date } = host;
    const cpus = host['number-of-cpus'];
    if (typeof nodename !== 'string' || typeof sysname !== 'string' || typeof release !== 'string' || typeof machine !== 'string') return false;
    if (typeof cpus !== 'number' || !Number.isInteger(cpus) || cpus < 1) return false;
    const banner: SysstatBanner = { sysname, release, hostname: nodename, dateText: typeof date === 'string' ? date : '', arch: machine, cpus };
    const parsed = typeof date === 'string' ? parseDate(date) : undefined;
    if (parsed) banner.date = parsed;
    this.ctx.emit(bannerRecord(banner, this.ctx.file, lineNo, 'iostat'));
    return true;
  }

  timestamp(value: unknown): ReportTimestamp | undefined {
    if (typeof value !== 'string') return undefined;
    const ts = parseReportTimestamp(tokens(value));
    if (!ts) this.warn('timestamp', `JSON timestamp '${value.slice(0, 40)}' is not a date and time perftriage reads; its report has no time`);
    return ts;
  }

  cpu(obj: JsonObject, lineNo: number): void {
    const record: TimelineRecord = { kind: 'iostat.cpu', source: { file: this.ctx.file, line: lineNo }, time: this.clock.time() };
    for (const [key, value] of Object.entries(obj)) {
      const field = JSON_CPU_KEYS.get(key);
      if (field && typeof value === 'number') record[field] = value;
      else this.warn(`cpu:${key}`, `avg-cpu key '${key.slice(0, 40)}' is unknown to perftriage (or not a number); left out`);
    }
    this.ctx.emit(record);
  }

  device(obj: JsonObject, lineNo: number): boolean {
    const raw = obj.disk_device;
    if (typeof raw !== 'string' || raw.trim() === '') return false;
    const record: TimelineRecord = { kind: 'iostat.device', source: { file: this.ctx.file, line: lineNo }, time: this.clock.time(), device: raw.trim() };
    if (raw.startsWith(' ')) record.group = true;
    const legacy = 'r' in obj && !('r/s' in obj);
    for (const [key, value] of Object.entries(obj)) {
      if (key === 'disk_device') continue;
      const column = jsonKeyToColumn(key, legacy);
      const spec = columnSpec(column);
      if (spec && typeof value === 'number') record[spec.field] = readColumnNumber(spec, value);
      else this.warn(`disk:${key}`, `disk key '${key.slice(0, 40)}' is unknown to perftriage (or not a number); its values are left out`);
    }
    this.ctx.emit(record);
    return true;
  }

  warn(key: string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.ctx.diagnostic({ severity: 'warning', code: 'unknown-json-key', message });
  }
}

/** Where each record's key appears: the nth `"disk_device"` of the text is the nth device object. */
interface KeyLines {
  nodename: number[];
  cpu: number[];
  disk: number[];
}

function countOccurrences(line: string, needle: string): number {
  let count = 0;
  for (let at = line.indexOf(needle); at !== -1; at = line.indexOf(needle, at + needle.length)) count++;
  return count;
}

class JsonReader {
  private readonly lines: string[] = [];
  private firstLineNo = 0;
  private readonly records: JsonRecords;

  constructor(
    private readonly ctx: ParseContext,
    omitSinceBoot: boolean,
  ) {
    this.records = new JsonRecords(ctx, new ReportClock(omitSinceBoot));
  }

  line(text: string, lineNo: number): LineOutcome {
    if (this.lines.length === 0) this.firstLineNo = lineNo;
    this.lines.push(text);
    return 'defer';
  }

  end(): void {
    if (this.lines.length === 0) return;
    let doc: unknown;
    try {
      doc = JSON.parse(this.lines.join('\n'));
    } catch (err) {
      this.ctx.diagnostic({
        severity: 'warning',
        code: 'json-incomplete',
        message: `the iostat JSON document does not parse (${errorText(err)}); it was read line by line, as sysstat writes one object a line`,
        hint: 'iostat -o JSON closes its document only when it ends normally: let it finish its count (or stop it with SIGINT) before copying the file',
      });
      this.readLineByLine();
      return;
    }
    this.readDocument(doc);
  }

  /** The document parsed: walk it; lines holding a record's key are 'data', every other line 'skip'. */
  private readDocument(doc: unknown): void {
    const hostsValue = isObject(doc) && isObject(doc.sysstat) ? doc.sysstat.hosts : undefined;
    if (!Array.isArray(hostsValue)) {
      this.settleAll({ unparsed: 'JSON that is not iostat -o JSON output (no sysstat.hosts array)' });
      return;
    }
    const hosts = asArray(hostsValue);
    const entries = hosts.flatMap((h) => (isObject(h) ? asArray(h.statistics) : [])).filter(isObject);
    if (entries.length > 0 && !entries.some((e) => 'avg-cpu' in e || 'disk' in e)) {
      const keys = [...new Set(entries.flatMap((e) => Object.keys(e)))].slice(0, 4).join(', ');
      this.settleAll({ unparsed: `JSON of another sysstat tool (its statistics hold ${keys}, not avg-cpu or disk)` });
      return;
    }
    const keyLines = this.keyLines();
    const used = new Set<number>();
    const lineOf = (list: number[], index: number): number => {
      const line = list[index] ?? this.firstLineNo;
      used.add(line);
      return line;
    };
    let hostIndex = 0;
    let cpuIndex = 0;
    let diskIndex = 0;
    for (const host of hosts) {
      if (!isObject(host)) continue;
      if (this.records.host(host, keyLines.nodename[hostIndex] ?? this.firstLineNo)) lineOf(keyLines.nodename, hostIndex);
      hostIndex++;
      this.records.clock.newRun();
      for (const entry of asArray(host.statistics)) {
        if (!isObject(entry)) continue;
        this.records.clock.startReport(this.records.timestamp(entry.timestamp));
        for (const key of Object.keys(entry)) {
          if (!STATISTICS_KEYS.has(key)) this.records.warn(`statistics:${key}`, `statistics key '${key.slice(0, 40)}' is not one iostat writes; left out`);
        }
        const cpu = entry['avg-cpu'];
        if (isObject(cpu)) this.records.cpu(cpu, lineOf(keyLines.cpu, cpuIndex++));
        for (const disk of asArray(entry.disk)) {
          if (isObject(disk) && this.records.device(disk, keyLines.disk[diskIndex] ?? this.firstLineNo)) lineOf(keyLines.disk, diskIndex);
          diskIndex++;
        }
      }
    }
    this.lines.forEach((_, i) => {
      const lineNo = this.firstLineNo + i;
      this.ctx.settle(lineNo, used.has(lineNo) ? 'data' : 'skip');
    });
  }

  private keyLines(): KeyLines {
    const result: KeyLines = { nodename: [], cpu: [], disk: [] };
    this.lines.forEach((line, i) => {
      const lineNo = this.firstLineNo + i;
      for (let n = countOccurrences(line, '"nodename"'); n > 0; n--) result.nodename.push(lineNo);
      for (let n = countOccurrences(line, '"avg-cpu"'); n > 0; n--) result.cpu.push(lineNo);
      for (let n = countOccurrences(line, '"disk_device"'); n > 0; n--) result.disk.push(lineNo);
    });
    return result;
  }

  /**
   * The document does not parse (truncated, or garbled): read each line on its own. sysstat writes the host
   * keys, the timestamp, the avg-cpu object and each disk object on a line of their own.
   */
  private readLineByLine(): void {
    type Outcome = 'data' | 'skip' | { unparsed: string };
    const outcomes: Outcome[] = [];
    const host: JsonObject = {};
    let hostIndex: number | undefined;
    let hostDone = false;
    let reportHasCpu = false;
    let reportHasDisk = false;
    const flushHost = (): void => {
      if (hostDone || hostIndex === undefined) return;
      hostDone = true;
      const emitted = this.records.host(host, this.firstLineNo + hostIndex);
      outcomes[hostIndex] = emitted ? 'data' : { unparsed: 'incomplete host header of the JSON document' };
    };
    const startReport = (ts?: ReportTimestamp): void => {
      this.records.clock.startReport(ts);
      reportHasCpu = false;
      reportHasDisk = false;
    };
    const classify = (t: string, index: number): Outcome => {
      if (t === '' || /^[[\]{}]+$/.test(t) || t === '{"sysstat": {' || t === '"hosts": [') return 'skip';
      if (t === '"statistics": [') {
        flushHost();
        this.records.clock.newRun();
        return 'skip';
      }
      if (t === '"disk": [') {
        // Each statistics entry holds at most one disk array: a second one is the next report.
        if (!this.records.clock.started || reportHasDisk) startReport();
        reportHasDisk = true;
        return 'skip';
      }
      const parsed = parseObjectLine(t);
      if (!parsed) return { unparsed: 'not a line of iostat -o JSON output (the document is incomplete, so it was read line by line)' };
      const [key, value] = parsed;
      if (HOST_KEYS.has(key) && !hostDone) {
        host[key] = value;
        if (key === 'nodename') hostIndex = index;
        return 'skip';
      }
      if (key === 'timestamp') {
        startReport(this.records.timestamp(value));
        return 'skip';
      }
      if (key === 'avg-cpu' && isObject(value)) {
        if (!this.records.clock.started || reportHasCpu || reportHasDisk) startReport();
        reportHasCpu = true;
        this.records.cpu(value, this.firstLineNo + index);
        return 'data';
      }
      if (key === 'disk_device' && isObject(value)) {
        if (!this.records.clock.started) startReport();
        reportHasDisk = true;
        return this.records.device(value, this.firstLineNo + index) ? 'data' : { unparsed: 'a disk object without a device name' };
      }
      return { unparsed: `JSON key '${key.slice(0, 40)}' is not one iostat writes` };
    };
    this.lines.forEach((text, i) => {
      outcomes[i] = classify(text.trim().replace(/,$/, ''), i);
    });
    flushHost();
    outcomes.forEach((outcome, i) => this.ctx.settle(this.firstLineNo + i, outcome));
  }

  private settleAll(outcome: 'skip' | { unparsed: string }): void {
    this.lines.forEach((_, i) => this.ctx.settle(this.firstLineNo + i, outcome));
  }
}

/** JSON.parse's message quotes the input: keep it short, a hostile file must not flood the diagnostics. */
function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > 120 ? `${text.slice(0, 120)}…` : text;
}

/**
 * One line of sysstat's JSON read alone: `"key": value` (host keys, timestamp, avg-cpu) or a disk object
 * `{"disk_device": …}` (returned as key `disk_device` with the whole object). Undefined when it does not parse.
 */
function parseObjectLine(t: string): [string, unknown] | undefined {
  try {
    if (t.startsWith('{"disk_device"')) return ['disk_device', JSON.parse(t) as unknown];
    if (!t.startsWith('"')) return undefined;
    const obj = JSON.parse(`{${t}}`) as unknown;
    if (!isObject(obj)) return undefined;
    const entries = Object.entries(obj);
    return entries.length === 1 ? entries[0] : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------
// The module.
// ---------------------------------------------------------------------------------------------------

export const parser: ParserModule = {
  meta: {
    tool: 'iostat',
    title: 'iostat (sysstat): CPU and block device statistics',
    commands: [
      'iostat [-c] [-d] [-x] [-s] [-k|-m] [-t] [-y] [-z] [-p ALL] [-g NAME] [-N] [interval [count]]',
      'iostat -x --pretty [--compact] | iostat -h | iostat --human',
      'iostat -o JSON [-t] [-x] …',
    ],
    recordKinds: ['iostat.cpu', 'iostat.device', 'host.info'],
    series: { 'iostat.cpu': { key: [] }, 'iostat.device': { key: ['device'] } },
    // An -x device row carries up to 22 numbers, each with its bucket's peak and low once merged: ~3 KB
    // live, three times a top or pidstat row, so a file keeps a third as many (~50 MB either way).
    seriesMaxRows: 16_000,
    recollect: 'LC_ALL=C S_TIME_FORMAT=ISO iostat -t -x 1 > iostat.txt (ISO timestamps carry the offset; C locale keeps decimals and dates readable)',
  },
  create: (ctx: ParseContext) => createIostatReader(ctx),
};

/** The iostat reader; `plainRows: false` reads every line the general way (tests compare the two). */
export function createIostatReader(ctx: ParseContext, options: { plainRows?: boolean } = {}): LineParser {
  const omitSinceBoot = variantOmitsSinceBoot(ctx.variant);
  let reader: TextReader | JsonReader | undefined;
  return {
    line(text, lineNo) {
      if (!reader) {
        const trimmed = text.trimStart();
        if (trimmed === '') return 'skip';
        reader = trimmed.startsWith('{') ? new JsonReader(ctx, omitSinceBoot) : new TextReader(ctx, omitSinceBoot, options.plainRows ?? true);
      }
      return reader.line(text, lineNo);
    },
    end() {
      reader?.end();
    },
  };
}

