/**
 * pidstat (sysstat) — per-task CPU, memory, stack, I/O, context switches, threads/fds and scheduling.
 *
 * Reads (see `docs/parsers/pidstat.md` for every header variant):
 * - the multi-line report of `pidstat [-u] [-r] [-s] [-d] [-w] [-v] [-R] [-t] [-l] [-U] [-I] [--human]
 *   [-T TASK|CHILD|ALL] [-p …] [-e prog] [interval [count]]`: one table per section, each header line
 *   starting with the time of the PREVIOUS sample, rows with the current one, `Average:` tables at the end;
 * - the one-line mode `-h` (old `#      Time` header with epoch seconds, sysstat <= 11.5; new `# Time`
 *   header with the time of day, or epoch seconds with `-H`);
 * - the JSON output `-o JSON` (sysstat >= 12.1), buffered with 'defer' and read at the end of the file.
 *
 * Emits:
 * - `host.info` from the banner (`Linux 5.8.0 (host) 06/01/20 _x86_64_ (9 CPU)`) or the JSON host object.
 * - `pidstat.task`: one record per data row, exactly as pidstat prints it. In the multi-line mode a row is
 *   one (sample, task, section); in `-h` mode a row already holds every section of one (sample, task).
 *   Consumers merge by (`time.sample`, `pid`, `tid`). This keeps a 1:1 mapping to jc's output.
 *   Fields (all optional except `is_thread` and `command`, absent when the column is absent):
 *     pid (TGID; for a thread row whose TGID column is `-`, the TGID of the process row above it), tid
 *     (thread rows only), is_thread, uid | user (-U), command (comm, or the full command line with -l,
 *     without the `|__` thread prefix), average (true on `Average:` rows, which carry no time),
 *     usr_pct system_pct guest_pct wait_pct cpu_pct cpu (-u), usr_time_s system_time_s guest_time_s
 *     (-u -T CHILD: usr-ms… of the task and its children, in seconds), minflt_per_s majflt_per_s vsz_bytes
 *     rss_bytes mem_pct (-r), minflt_count majflt_count (-r -T CHILD), stack_size_bytes stack_ref_bytes (-s),
 *     read_bytes_per_s write_bytes_per_s cancelled_write_bytes_per_s iodelay_ticks (-d; `-1.00` = not
 *     readable → the field is omitted and io_unreadable: true), cswch_per_s nvcswch_per_s (-w),
 *     threads fd_count (-v), prio policy (-R).
 *   sysstat "kB" is 1024 bytes; `--human` suffixes (`4.2G`, `128.0k`, `0.0B`, `51.8%`) are read as such.
 *
 * Time: banner date + row time through SysstatClock (`local`, midnight rollover; `time-of-day` without a
 * date); epoch rows (`-h` old, `-H`) are `utc`. `time.sample` is the 0-based report index in the file.
 * `since_boot`: a multi-line report whose header time equals its row time (pidstat without interval prints
 * both from the same instant); in `-h` and JSON output, which have no header times, a run with a single
 * report (the first report is held back until the next one shows up). `interval_s`: row time minus header
 * time, or minus the previous report's time.
 *
 * Quirks: commands hold spaces (`|__JS Helper`, `-l` command lines) and always run to the end of the
 * line; old `-h -t` prints `0` instead of `-` for the missing TGID/TID; a thread whose process was filtered
 * out shows its real TGID; section headers may be printed only once for many reports (`-e`, `-t -p`),
 * so a new row time also starts a new report; values like 479136209706741632.00 (counter wrap) are kept.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { allDigits, digitsValue, KIB, parseNumber, parsePercent, parseSizedNumber, round } from '../common/units.js';
import { parseDate, parseTimeOfDay, secondsOfDay, type TimeOfDay } from '../common/time.js';
import { bannerRecord, parseSysstatBanner, readRowTime, SysstatClock, tokens, type SysstatBanner, valueEntries } from './sysstat-common.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule, RecordShape } from './types.js';

const KIND = 'pidstat.task';
const SECONDS_PER_DAY = 86400;

/** How a column's text (or JSON value) becomes a normalized field. */
type ValueType =
  | 'pct' // percent, `51.8%` under --human
  | 'num' // plain number
  | 'int' // integer count
  | 'kib' // kB → bytes, or a --human size
  | 'kibRate' // kB/s → bytes/s; negative (-1.00) = not readable
  | 'ms' // milliseconds → seconds
  | 'cpu' // processor number, `-` on Average rows
  | 'text';

interface Metric {
  field: string;
  type: ValueType;
  /** The pidstat options that print this column (for the variant string). */
  flags: readonly string[];
}

const m = (field: string, type: ValueType, ...flags: string[]): Metric => ({ field, type, flags });

// Multi-line and one-line headers use the same column names; JSON uses its own keys (below).
const TEXT_COLUMNS: ReadonlyMap<string, Metric> = new Map([
  ['%usr', m('usr_pct', 'pct', '-u')],
  ['%user', m('usr_pct', 'pct', '-u')], // sysstat < 8.1
  ['%system', m('system_pct', 'pct', '-u')],
  ['%guest', m('guest_pct', 'pct', '-u')],
  ['%wait', m('wait_pct', 'pct', '-u')],
  ['%CPU', m('cpu_pct', 'pct', '-u')],
  ['CPU', m('cpu', 'cpu', '-u')],
  ['usr-ms', m('usr_time_s', 'ms', '-u', '-T CHILD')],
  ['system-ms', m('system_time_s', 'ms', '-u', '-T CHILD')],
  ['guest-ms', m('guest_time_s', 'ms', '-u', '-T CHILD')],
  ['minflt/s', m('minflt_per_s', 'num', '-r')],
  ['majflt/s', m('majflt_per_s', 'num', '-r')],
  ['minflt-nr', m('minflt_count', 'num', '-r', '-T CHILD')],
  ['majflt-nr', m('majflt_count', 'num', '-r', '-T CHILD')],
  ['VSZ', m('vsz_bytes', 'kib', '-r')],
  ['RSS', m('rss_bytes', 'kib', '-r')],
  ['%MEM', m('mem_pct', 'pct', '-r')],
  ['StkSize', m('stack_size_bytes', 'kib', '-s')],
  ['StkRef', m('stack_ref_bytes', 'kib', '-s')],
  ['kB_rd/s', m('read_bytes_per_s', 'kibRate', '-d')],
  ['kB_wr/s', m('write_bytes_per_s', 'kibRate', '-d')],
  ['kB_ccwr/s', m('cancelled_write_bytes_per_s', 'kibRate', '-d')],
  ['iodelay', m('iodelay_ticks', 'num', '-d')],
  ['cswch/s', m('cswch_per_s', 'num', '-w')],
  ['nvcswch/s', m('nvcswch_per_s', 'num', '-w')],
  ['threads', m('threads', 'int', '-v')],
  ['fd-nr', m('fd_count', 'int', '-v')],
  ['prio', m('prio', 'int', '-R')],
  ['policy', m('policy', 'text', '-R')],
]);

// JSON uses the text column names except where the text has `%` or names the CPU column `CPU`.
const JSON_KEYS: ReadonlyMap<string, Metric> = new Map([
  ['usr', m('usr_pct', 'pct', '-u')],
  ['system', m('system_pct', 'pct', '-u')],
  ['guest', m('guest_pct', 'pct', '-u')],
  ['wait', m('wait_pct', 'pct', '-u')],
  ['cpu', m('cpu_pct', 'pct', '-u')],
  ['cpu_nr', m('cpu', 'cpu', '-u')],
  ['MEM', m('mem_pct', 'pct', '-r')],
  ...[...TEXT_COLUMNS].filter(([name]) => !name.startsWith('%') && name !== 'CPU'),
]);

/** JSON keys that identify the task rather than measure it. */
const JSON_ID_KEYS = new Set(['UID', 'USER', 'PID', 'TGID', 'TID', 'leader', 'cmd']);

type IdColumn = 'UID' | 'USER' | 'PID' | 'TGID' | 'TID';
const ID_COLUMNS = new Set<string>(['UID', 'USER', 'PID', 'TGID', 'TID']);

/** The columns of one table, read from its header line. */
interface Layout {
  ids: IdColumn[];
  /** One entry per metric column; undefined for a column perftriage does not know (its value is skipped). */
  metrics: (Metric | undefined)[];
  oneLine: boolean;
  /** `-t`: TGID and TID columns. */
  threads: boolean;
  /** Old one-line header `#      Time` (sysstat <= 11.5), whose rows always hold epoch seconds. */
  oldOneLine: boolean;
  /** Record builders of this layout, per set of optional fields present (see rowBuilder); made on first use. */
  builders: (RowBuilder | undefined)[];
}

type RowBuilder = (source: TimelineRecord['source'], time: RecordTime | undefined, uid: number | undefined, user: string | undefined, pid: number | undefined, tid: number | undefined, command: string, values: readonly (number | string | undefined)[]) => TimelineRecord;

/** Which optional fields a row has: the index of its builder. */
const HAS_AVERAGE = 1;
const HAS_UID = 2;
const HAS_USER = 4;
const HAS_PID = 8;
const HAS_TID = 16;

/**
 * A function that makes a row's record as one object literal, keys in the order the row's fields were
 * always set in (kind, source, average or time, uid, user, pid, tid, is_thread, command, the metrics):
 * setting a dozen metric fields one keyed store at a time (a new hidden class each) was the bulk of the
 * parser's time. For rows whose every known column has a value; the others are built field by field.
 * Generated once per layout and set of fields (see valueEntries).
 */
function rowBuilder(metrics: readonly (Metric | undefined)[], has: number): RowBuilder {
  const parts = ['kind: k', 'source: s', has & HAS_AVERAGE ? 'average: true' : 'time: t'];
  if (has & HAS_UID) parts.push('uid: u');
  if (has & HAS_USER) parts.push('user: us');
  if (has & HAS_PID) parts.push('pid: p');
  if (has & HAS_TID) parts.push('tid: ti');
  parts.push(`is_thread: ${has & HAS_TID ? 'true' : 'false'}`, 'command: c');
  parts.push(...valueEntries(metrics, 'pidstat'));
  const make = new Function('k', 's', 't', 'u', 'us', 'p', 'ti', 'c', 'v', `return { ${parts.join(', ')} };`) as (...args: unknown[]) => TimelineRecord;
  return (source, time, uid, user, pid, tid, command, values) => make(KIND, source, time, uid, user, pid, tid, command, values);
}

/**
 * Whether every known column of a row has a value that is stored as it is: the builder's case. Rounds
 * the numbers in place as it checks them (as `store` would; rounding twice changes nothing).
 */
function roundPlainRow(metrics: readonly (Metric | undefined)[], values: (number | string | undefined)[]): boolean {
  for (let i = 0; i < metrics.length; i++) {
    const metric = metrics[i];
    if (!metric) continue;
    const value = values[i];
    if (value === undefined) return false;
    if (typeof value === 'number') {
      if (metric.type === 'kibRate' && value < 0) return false;
      values[i] = round(value, 6);
    }
  }
  return true;
}

interface HeaderLine {
  layout: Layout;
  average: boolean;
  /** Time printed at the start of a multi-line header (the previous sample's time). */
  time?: TimeOfDay;
  unknown: string[];
}

/** Reads a section header line, or returns undefined when the line is not one. */
export function parseHeaderLine(line: string): HeaderLine | undefined {
  const t = tokens(line);
  if (t.length < 3 || t[t.length - 1] !== 'Command') return undefined;
  let rest: string[];
  let average = false;
  let time: TimeOfDay | undefined;
  let oneLine = false;
  if (t[0] === '#') {
    if (t[1] !== 'Time') return undefined;
    oneLine = true;
    rest = t.slice(2, -1);
  } else {
    const rt = readRowTime(t);
    if (!rt) return undefined;
    average = rt.average;
    time = rt.time;
    rest = t.slice(rt.used, -1);
  }
  const ids: IdColumn[] = [];
  let i = 0;
  while (i < rest.length && ID_COLUMNS.has(rest[i]!)) ids.push(rest[i++] as IdColumn);
  if (!ids.includes('PID') && !ids.includes('TGID')) return undefined;
  const metrics: (Metric | undefined)[] = [];
  const unknown: string[] = [];
  for (; i < rest.length; i++) {
    const metric = TEXT_COLUMNS.get(rest[i]!);
    if (!metric) unknown.push(rest[i]!);
    metrics.push(metric);
  }
  const oldOneLine = oneLine && /^\s*#\s{2,}Time/.test(line);
  const header: HeaderLine = { layout: { ids, metrics, oneLine, threads: ids.includes('TID'), oldOneLine, builders: [] }, average, unknown };
  if (time) header.time = time;
  return header;
}

/** A text value → the normalized value, `undefined` to omit the field, or an Error naming what was expected. */
function textValue(metric: Metric, token: string): number | string | undefined | Error {
  if (metric.type === 'text') return token;
  // Fast path for the plain decimals of nearly every row; suffixes, '%', ',' and '-' take the slow path.
  const plain = plainDecimal(token);
  if (plain !== undefined) {
    if (metric.type === 'kib' || metric.type === 'kibRate') return plain * KIB;
    return metric.type === 'ms' ? plain / 1000 : plain;
  }
  switch (metric.type) {
    case 'pct':
      return parsePercent(token) ?? new Error(`expected a percentage`);
    case 'num':
    case 'int':
      return parseNumber(token) ?? new Error(`expected a number`);
    case 'kib':
    case 'kibRate':
      return parseSizedNumber(token, KIB) ?? new Error(`expected a size in kB`);
    case 'ms': {
      const v = parseNumber(token);
      return v === undefined ? new Error('expected milliseconds') : v / 1000;
    }
    case 'cpu':
      if (token === '-') return undefined; // Average rows: a task may have run on several CPUs
      return parseNumber(token) ?? new Error('expected a CPU number or -');
  }
}

/**
 * plainDecimal of line[s, e), read in place: the digits make an exact integer below 16 characters and 10^k
 * is exact, so their quotient is the correctly rounded value Number() gives (longer ones go to Number).
 */
export function pidstatDecimalAt(line: string, s: number, e: number): number | undefined {
  const negative = line.charCodeAt(s) === 45; /* - */
  let int = 0;
  let scale = 1;
  let digits = 0;
  let dot = false;
  for (let i = negative ? s + 1 : s; i < e; i++) {
    const c = line.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      int = int * 10 + (c - 48);
      if (dot) scale *= 10;
    } else if (c === 46 /* . */ && !dot && digits > 0) dot = true;
    else return undefined;
  }
  if (digits === 0 || line.charCodeAt(e - 1) === 46) return undefined;
  if (e - s > 15) return Number(line.slice(s, e));
  const value = dot ? int / scale : int;
  return negative ? -value : value;
}

/** `-?digits[.digits]` read without a regex, or undefined for anything else. */
export function plainDecimal(token: string): number | undefined {
  let i = token.charCodeAt(0) === 45 /* - */ ? 1 : 0;
  let digits = 0;
  let dot = false;
  for (; i < token.length; i++) {
    const c = token.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 /* . */ && !dot && digits > 0) dot = true;
    else return undefined;
  }
  return digits > 0 && token.charCodeAt(token.length - 1) !== 46 ? Number(token) : undefined;
}

/** A JSON value (already a number for metrics) → the normalized value, or undefined to omit it. */
function jsonValue(metric: Metric, value: unknown): number | string | undefined {
  if (metric.type === 'text') return typeof value === 'string' ? value : undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? parseNumber(value) : undefined;
  if (n === undefined) return undefined;
  switch (metric.type) {
    case 'kib':
    case 'kibRate':
      return n * KIB;
    case 'ms':
      return n / 1000;
    default:
      return n;
  }
}

/** Puts a normalized value on the record; `-1.00` in the kB_* columns means "could not read /proc/PID/io". */
function store(record: TimelineRecord, metric: Metric, value: number | string | undefined): void {
  if (value === undefined) return;
  if (typeof value === 'number') {
    if (metric.type === 'kibRate' && value < 0) {
      record.io_unreadable = true;
      return;
    }
    record[metric.field] = round(value, 6);
  } else {
    record[metric.field] = value;
  }
}

/** Walks the blank-separated fields of one line without splitting the whole line (the command keeps its spaces). */
class FieldCursor {
  private line = '';
  private pos = 0;

  reset(line: string): void {
    this.line = line;
    this.pos = 0;
  }

  private skipBlanks(): void {
    const s = this.line;
    while (this.pos < s.length && (s.charCodeAt(this.pos) === 32 || s.charCodeAt(this.pos) === 9)) this.pos++;
  }

  next(): string | undefined {
    const start = this.skip();
    return start >= 0 ? this.line.slice(start, this.pos) : undefined;
  }

  /** Steps over the next field without cutting it: its start (its end is `pos`), or -1 when there is none. */
  skip(): number {
    this.skipBlanks();
    const s = this.line;
    const start = this.pos;
    while (this.pos < s.length && s.charCodeAt(this.pos) !== 32 && s.charCodeAt(this.pos) !== 9) this.pos++;
    return this.pos > start ? start : -1;
  }

  /** The line being walked, and where the walk is (the end of the field `skip` stepped over). */
  get text(): string {
    return this.line;
  }

  get at(): number {
    return this.pos;
  }

  /** The next field without consuming it. */
  peek(): string | undefined {
    const saved = this.pos;
    const token = this.next();
    this.pos = saved;
    return token;
  }

  /** Everything after the fields read so far, without surrounding blanks (-l lines end in a space). */
  rest(): string {
    this.skipBlanks();
    return this.line.slice(this.pos).trimEnd();
  }
}

const EPOCH_RE = /^\d{9,11}$/;

/** Index of the first character that is not a blank, or -1 for a blank line. */
function firstNonBlank(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return i;
  }
  return -1;
}
const INT_RE = /^\d+$/;

/** Row time: a time of day (24h or 12h AM/PM), epoch seconds (-h old, -H), or `Average:`. */
type RowTime = { kind: 'tod'; time: TimeOfDay; key: number } | { kind: 'epoch'; epoch: number; key: number } | { kind: 'average' };

/** Reads the row time; rows of one report repeat the same text, so the last one read is reused. */
class RowTimeReader {
  private lastText: string | undefined;
  private last: RowTime | undefined;

  read(cursor: FieldCursor): RowTime | undefined {
    const start = cursor.skip();
    if (start < 0) return undefined;
    const line = cursor.text;
    const end = cursor.at;
    // Rows of one report repeat the time: compared in place (24-hour times, epoch seconds) before cutting it.
    const last = this.lastText;
    if (last !== undefined && last.length === end - start && line.startsWith(last, start) && !this.meridiemFollows(cursor)) return this.last;
    const first = line.slice(start, end);
    if (first === 'Average:') return AVERAGE;
    const second = cursor.peek();
    const meridiem = second === 'AM' || second === 'PM' ? second : undefined;
    if (meridiem) cursor.next();
    const text = meridiem ? `${first} ${meridiem}` : first;
    if (text === this.lastText) return this.last;
    this.lastText = text;
    this.last = parseRowTime(first, meridiem);
    return this.last;
  }

  /** Whether the next field is AM or PM (a 12-hour time: the text compared is then `time AM`). */
  private meridiemFollows(cursor: FieldCursor): boolean {
    const line = cursor.text;
    let i = cursor.at;
    while (i < line.length && (line.charCodeAt(i) === 32 || line.charCodeAt(i) === 9)) i++;
    const c = line.charCodeAt(i);
    const after = i + 2 < line.length ? line.charCodeAt(i + 2) : 32;
    return (c === 65 /* A */ || c === 80 /* P */) && line.charCodeAt(i + 1) === 77 /* M */ && (after === 32 || after === 9);
  }
}

const AVERAGE: RowTime = { kind: 'average' };

function parseRowTime(first: string, meridiem: string | undefined): RowTime | undefined {
  if (!meridiem && EPOCH_RE.test(first)) {
    const epoch = Number(first);
    return { kind: 'epoch', epoch, key: epoch };
  }
  const time = parseTimeOfDay(first, meridiem);
  return time ? { kind: 'tod', time, key: secondsOfDay(time) } : undefined;
}

function epochTime(epoch: number, sample: number, extra: Partial<RecordTime>): RecordTime {
  return { clock: 'utc', iso: new Date(epoch * 1000).toISOString().replace('.000Z', 'Z'), epoch, sample, ...extra };
}

/** Seconds between two row times; a time of day that goes back crossed midnight. */
function elapsed(from: number, to: number, tod: boolean): number {
  const d = to - from;
  return tod && d < 0 ? d + SECONDS_PER_DAY : d;
}

/** A TGID or TID column that is neither digits nor `-`. */
const ID_BAD = -2;

/**
 * A TGID or TID column, line[s, e) (s < 0: the layout has none, read as `-`): `-` (multi-line) and `0`
 * (old one-line mode) both mean "no value"; ID_BAD for anything but digits.
 */
function idValue(line: string, s: number, e: number): number | undefined {
  if (s < 0 || (e - s === 1 && line.charCodeAt(s) === 45 /* - */)) return undefined;
  if (!allDigits(line, s, e)) return ID_BAD;
  const n = digitsValue(line, s, e);
  return n === 0 ? undefined : n;
}

const FLAG_ORDER = ['-u', '-r', '-s', '-d', '-w', '-v', '-R', '-T CHILD', '-t', '-U', '-h', '-H'];

/** pidstat options that take a value (the value is not the interval). */
const PIDSTAT_VALUE_OPTIONS = new Set(['-p', '-C', '-G', '-T', '--dec']);

/**
 * The interval argument of the pidstat command line that the variant carries from the manifest
 * (`…; command: pidstat -dt -h -p 42 1 30` → 1), or undefined. Stops at `-e` (the rest is the program
 * pidstat starts) and at shell syntax (`>`, `|`, `;`, `&`).
 */
export function commandInterval(variant: string): number | undefined {
  const at = variant.indexOf('command: ');
  if (at < 0) return undefined;
  const words = variant.slice(at + 'command: '.length).trim().split(/\s+/);
  const start = words.findIndex((w) => /(?:^|\/)pidstat$/.test(w));
  if (start < 0) return undefined;
  for (let k = start + 1; k < words.length; k++) {
    const w = words[k]!;
    if (w === '-e' || /^[0-9]*[<>|;&]/.test(w)) return undefined;
    if (PIDSTAT_VALUE_OPTIONS.has(w)) k++;
    else if (!w.startsWith('-')) {
      const n = Number(w);
      return Number.isFinite(n) && n > 0 ? n : undefined;
    }
  }
  return undefined;
}

/** The sysstat versions a set of header variants is compatible with: `sysstat >= 11.5.5`, `sysstat < 10.2.1`. */
class VersionRange {
  private low: number[] | undefined;
  private high: number[] | undefined;

  atLeast(version: string): void {
    const v = version.split('.').map(Number);
    if (!this.low || compareVersions(v, this.low) > 0) this.low = v;
  }

  below(version: string): void {
    const v = version.split('.').map(Number);
    if (!this.high || compareVersions(v, this.high) < 0) this.high = v;
  }

  describe(): string {
    const parts: string[] = [];
    if (this.low) parts.push(`>= ${this.low.join('.')}`);
    if (this.high) parts.push(`< ${this.high.join('.')}`);
    return parts.length ? `sysstat ${parts.join(' ')}` : '';
  }
}

function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

class PidstatParser implements LineParser {
  private readonly cursor = new FieldCursor();
  private readonly timeReader = new RowTimeReader();
  /** Metric values of the row being read (reused: one array for the whole file). */
  private readonly values: (number | string | undefined)[] = [];
  /** The record time last computed, reused (copied) for the other rows of the same report and time. */
  private lastTime: { rowTime: RowTime; sample: number; time: RecordTime } | undefined;
  private mode: 'start' | 'text' | 'json' = 'start';
  private clock = new SysstatClock();
  private layout: Layout | undefined;
  /** Global report index of the file (runs concatenated in one file keep counting). */
  private sample = -1;
  /** Time printed by the multi-line header that opened the current report. */
  private headerKey: number | undefined;
  /** Row time of the current report, and of the report before it. */
  private reportKey: number | undefined;
  private prevReportKey: number | undefined;
  /** Reports seen since the last banner, and the first report's records in -h mode (since-boot undecided). */
  private reportsInRun = 0;
  private heldBack: Array<[TimelineRecord, RecordShape | undefined]> | undefined;
  private lastTgid: number | undefined;
  private readonly flags = new Set<string>();
  private readonly versions = new VersionRange();
  private readonly seenFields = new Set<string>();
  private readonly warnedColumns = new Set<string>();
  private readonly jsonLines: string[] = [];
  private readonly jsonLineNos: number[] = [];
  /** Time of the statistics entry being read when salvaging a cut JSON document. */
  private salvageTime: RecordTime | undefined;

  constructor(private readonly ctx: ParseContext) {}

  line(text: string, lineNo: number): LineOutcome {
    if (this.mode === 'json') return this.bufferJson(text, lineNo);
    const at = firstNonBlank(text);
    if (at < 0) return 'skip';
    const c0 = text.charCodeAt(at);
    if (this.mode === 'start') {
      if (c0 === 123 /* { */) {
        this.mode = 'json';
        return this.bufferJson(text, lineNo);
      }
      this.mode = 'text';
    }
    // Rows and multi-line headers start with a time or 'Average:'; one-line headers with '#'.
    const timed = (c0 >= 48 && c0 <= 57) || text.startsWith('Average:', at);
    if (timed || c0 === 35 /* # */) {
      if (text.trimEnd().endsWith('Command')) {
        const header = parseHeaderLine(text);
        if (header) return this.onHeader(header, lineNo);
      }
      if (timed) return this.onRow(text, lineNo);
      return { unparsed: 'expected a pidstat -h header (# Time UID PID … Command)' };
    }
    const banner = parseSysstatBanner(text);
    if (banner) return this.onBanner(banner, lineNo);
    return { unparsed: 'expected a pidstat banner (Linux … (host) date _arch_ (N CPU)), section header or row' };
  }

  end(): void {
    if (this.mode === 'json') {
      this.readJson();
      return;
    }
    this.closeRun();
    this.publishVariant();
  }

  // ---------------------------------------------------------------- text mode

  private onBanner(banner: SysstatBanner, lineNo: number): LineOutcome {
    this.closeRun();
    this.clock = new SysstatClock(banner.date);
    this.layout = undefined;
    this.headerKey = undefined;
    this.reportKey = undefined;
    this.prevReportKey = undefined;
    this.reportsInRun = 0;
    this.lastTgid = undefined;
    this.ctx.emit(bannerRecord(banner, this.ctx.file, lineNo, 'pidstat'));
    // The banner feeds the host.info record, so it counts as data (as in iostat).
    return 'data';
  }

  private onHeader(header: HeaderLine, lineNo: number): LineOutcome {
    this.layout = header.layout;
    this.lastTgid = undefined;
    this.noteVariant(header);
    if (header.unknown.length > 0) {
      const names = header.unknown.filter((n) => !this.warnedColumns.has(n));
      for (const n of names) this.warnedColumns.add(n);
      if (names.length > 0) {
        this.ctx.diagnostic({
          severity: 'warning',
          code: 'unknown-column',
          line: lineNo,
          message: `pidstat column(s) ${names.join(', ')} are not known to perftriage; their values are skipped`,
        });
      }
    }
    // A multi-line header carries the previous sample's time: a new value opens a new report.
    if (header.time && !header.average) {
      // Let the clock see it too, so rows just after midnight under a 23:59:59 header roll the date over.
      this.clock.at(header.time, Math.max(this.sample, 0));
      const key = secondsOfDay(header.time);
      if (key !== this.headerKey) {
        this.startReport();
        this.headerKey = key;
      }
    }
    return 'skip';
  }

  private startReport(): void {
    if (this.reportKey !== undefined) this.prevReportKey = this.reportKey;
    this.reportKey = undefined;
    this.headerKey = undefined;
    this.sample++;
    this.reportsInRun++;
    // In -h mode the first report is since boot only if no second one follows: decided now.
    if (this.reportsInRun === 2 && this.heldBack) this.releaseHeldBack(false);
  }

  private onRow(text: string, lineNo: number): LineOutcome {
    const layout = this.layout;
    if (!layout) return { unparsed: 'expected a pidstat banner or section header (… UID PID … Command) before data rows' };
    const cursor = this.cursor;
    cursor.reset(text);
    const rowTime = this.timeReader.read(cursor);
    if (!rowTime) return { unparsed: 'expected a pidstat row starting with a time (HH:MM:SS [AM|PM], epoch seconds or Average:)' };

    // Read and check every column first: a bad row must not move the report state.
    let uid: number | undefined;
    let user: string | undefined;
    let pid: number | undefined;
    let tgidToken = '-';
    let tidToken = '-';
    // Ids read in place. TGID and TID: digits or `-`, their text kept as bounds and checked after the other
    // columns (only when the layout has threads), as their errors always were.
    let tgidStart = -1;
    let tgidEnd = -1;
    let tidStart = -1;
    let tidEnd = -1;
    const line = cursor.text;
    for (const id of layout.ids) {
      const start = cursor.skip();
      if (start < 0) return { unparsed: `row ends before its ${id} column` };
      const end = cursor.at;
      if (id === 'USER') user = line.slice(start, end);
      else if (id === 'TGID') {
        tgidStart = start;
        tgidEnd = end;
      } else if (id === 'TID') {
        tidStart = start;
        tidEnd = end;
      } else {
        if (!allDigits(line, start, end)) return { unparsed: `expected a numeric ${id}, got '${line.slice(start, end)}'` };
        if (id === 'UID') uid = digitsValue(line, start, end);
        else pid = digitsValue(line, start, end);
      }
    }
    let tid: number | undefined;
    if (layout.threads) {
      const tgid = idValue(line, tgidStart, tgidEnd);
      const tidValue = idValue(line, tidStart, tidEnd);
      if (tgid === ID_BAD) return { unparsed: `TGID: expected a task id or -, got '${line.slice(tgidStart, tgidEnd)}'` };
      if (tidValue === ID_BAD) return { unparsed: `TID: expected a task id or -, got '${line.slice(tidStart, tidEnd)}'` };
      if (tidValue === undefined && tgid === undefined) return { unparsed: 'expected a TGID or a TID, got neither' };
      tid = tidValue;
      pid = tgid;
    }
    const metrics = layout.metrics;
    const values = this.values;
    // Stored by index, never emptied: `length = 0` dropped the array's storage and each row grew it
    // again (~150 bytes of garbage per row). Only the first metrics.length entries are read.
    for (let i = 0; i < metrics.length; i++) {
      const start = cursor.skip();
      const metric = metrics[i];
      if (start < 0) return { unparsed: `row ends before its ${metric?.field ?? 'unknown'} column (fewer columns than its header)` };
      if (!metric) {
        values[i] = undefined;
        continue;
      }
      // Plain decimals, nearly every value, are read in place; the others (text, %, suffixes) are cut first.
      const plain = metric.type === 'text' ? undefined : pidstatDecimalAt(line, start, cursor.at);
      if (plain !== undefined) {
        values[i] = metric.type === 'kib' || metric.type === 'kibRate' ? plain * KIB : metric.type === 'ms' ? plain / 1000 : plain;
        continue;
      }
      const token = line.slice(start, cursor.at);
      const value = textValue(metric, token);
      if (value instanceof Error) return { unparsed: `${value.message} for ${metric.field}, got '${token}'` };
      values[i] = value;
    }
    let command = cursor.rest();
    if (command === '') return { unparsed: 'row has no Command column (line cut?)' };
    if (command.startsWith('|__')) command = command.slice(3);

    if (layout.threads) {
      // A thread row's `-` TGID is the TGID of the process row printed above it; a thread whose process was
      // filtered out prints its real TGID.
      if (tid === undefined) this.lastTgid = pid;
      else pid ??= this.lastTgid;
    }
    let time: RecordTime | undefined;
    if (rowTime.kind !== 'average') {
      // Epoch seconds under a new `# Time` header: -H (old headers always print epoch seconds).
      if (rowTime.kind === 'epoch' && layout.oneLine && !layout.oldOneLine) this.flags.add('-H');
      time = this.rowRecordTime(rowTime);
    }
    const source = { file: this.ctx.file, line: lineNo };
    if (roundPlainRow(metrics, values)) {
      const has = (time === undefined ? HAS_AVERAGE : 0) | (uid !== undefined ? HAS_UID : 0) | (user !== undefined ? HAS_USER : 0) | (pid !== undefined ? HAS_PID : 0) | (tid !== undefined ? HAS_TID : 0);
      const build = (layout.builders[has] ??= rowBuilder(metrics, has));
      // The builder makes one literal: it stands for its records' shape (ParseContext.emit).
      this.output(build(source, time, uid, user, pid, tid, command, values), build);
      return 'data';
    }
    const record: TimelineRecord = { kind: KIND, source };
    if (time === undefined) record.average = true;
    else record.time = time;
    if (uid !== undefined) record.uid = uid;
    if (user !== undefined) record.user = user;
    if (pid !== undefined) record.pid = pid;
    if (tid !== undefined) record.tid = tid;
    record.is_thread = tid !== undefined;
    record.command = command;
    for (let i = 0; i < metrics.length; i++) {
      const metric = metrics[i];
      if (metric) store(record, metric, values[i]);
    }
    this.output(record);
    return 'data';
  }

  private rowRecordTime(rowTime: Exclude<RowTime, { kind: 'average' }>): RecordTime {
    const key = rowTime.key;
    if (this.reportsInRun === 0 || (this.reportKey !== undefined && key !== this.reportKey)) this.startReport();
    const opensReport = this.reportKey === undefined;
    if (opensReport) this.reportKey = key;
    const cached = this.lastTime;
    if (cached && cached.rowTime === rowTime && cached.sample === this.sample) return cached.time;
    const tod = rowTime.kind === 'tod';
    const extra: Partial<RecordTime> = {};
    if (this.headerKey !== undefined) {
      if (this.headerKey === key) extra.since_boot = true;
      else extra.interval_s = elapsed(this.headerKey, key, tod);
    } else if (this.prevReportKey !== undefined) {
      extra.interval_s = elapsed(this.prevReportKey, key, tod);
    }
    const time = rowTime.kind === 'tod' ? this.clock.at(rowTime.time, this.sample, extra) : epochTime(rowTime.epoch, this.sample, extra);
    this.lastTime = { rowTime, sample: this.sample, time };
    return time;
  }

  /** In -h mode the first report waits until we know whether it was the only one (then it is since boot). */
  private output(record: TimelineRecord, shape?: RecordShape): void {
    const layout = this.layout;
    if (layout?.oneLine && this.reportsInRun === 1 && record.time) {
      (this.heldBack ??= []).push([record, shape]);
      return;
    }
    this.ctx.emit(record, shape);
  }

  private releaseHeldBack(sinceBoot: boolean): void {
    const held = this.heldBack;
    this.heldBack = undefined;
    if (!held) return;
    // The first -h report prints no start time: its length is the interval of the command line, when
    // the manifest gives it (otherwise it stays unknown, and totals leave the report out).
    const interval = sinceBoot ? undefined : commandInterval(this.ctx.variant);
    for (const [record, shape] of held) {
      if (sinceBoot && record.time) {
        record.time.since_boot = true;
        delete record.time.interval_s;
      } else if (interval !== undefined && record.time && record.time.interval_s === undefined) record.time.interval_s = interval;
      this.ctx.emit(record, shape);
    }
  }

  /** End of a run (new banner or end of file): a lone -h report is the since-boot one. */
  private closeRun(): void {
    this.releaseHeldBack(this.reportsInRun === 1);
  }

  private noteVariant(header: HeaderLine): void {
    for (const metric of header.layout.metrics) if (metric) for (const f of metric.flags) this.flags.add(f);
    if (header.layout.threads) this.flags.add('-t');
    if (header.layout.ids.includes('USER')) this.flags.add('-U');
    const fields = new Set(header.layout.metrics.map((metric) => metric?.field));
    for (const f of fields) if (f) this.seenFields.add(f);
    // What each header variant says about the sysstat version (docs/parsers/pidstat.md, "Variants").
    if (header.layout.oneLine) {
      this.flags.add('-h');
      if (header.layout.oldOneLine) this.versions.below('11.6');
      else this.versions.atLeast('11.6');
    }
    if (fields.has('wait_pct')) this.versions.atLeast('11.5.5');
    else if (fields.has('usr_pct')) this.versions.below('11.5.5');
    if (fields.has('iodelay_ticks')) this.versions.atLeast('10.2.1');
    else if (fields.has('read_bytes_per_s')) this.versions.below('10.2.1');
  }

  private publishVariant(): void {
    if (this.flags.size === 0) return;
    // Task and child tables side by side: -T ALL.
    const both = (this.seenFields.has('usr_pct') && this.seenFields.has('usr_time_s')) || (this.seenFields.has('minflt_per_s') && this.seenFields.has('minflt_count'));
    const flags = FLAG_ORDER.filter((f) => this.flags.has(f)).map((f) => (f === '-T CHILD' && both ? '-T ALL' : f));
    const range = this.versions.describe();
    this.ctx.setVariant(`pidstat ${flags.join(' ')}${range ? `, ${range}` : ''}`);
  }

  // ---------------------------------------------------------------- JSON mode (-o JSON)

  private bufferJson(text: string, lineNo: number): LineOutcome {
    this.jsonLines.push(text);
    this.jsonLineNos.push(lineNo);
    return 'defer';
  }

  private readJson(): void {
    let doc: unknown;
    try {
      doc = JSON.parse(this.jsonLines.join('\n'));
    } catch (err) {
      this.ctx.diagnostic({
        severity: 'warning',
        code: 'json-incomplete',
        message: `pidstat JSON document does not parse (${err instanceof Error ? err.message : String(err)}); reading it line by line`,
      });
      this.salvageJson();
      return;
    }
    const hosts = dig(doc, 'sysstat', 'hosts');
    if (!Array.isArray(hosts)) {
      for (const n of this.jsonLineNos) this.ctx.settle(n, { unparsed: 'expected pidstat JSON ({"sysstat": {"hosts": [...]}})' });
      return;
    }
    const located = locateTaskObjects(this.jsonLines);
    // Line numbers are only trusted when the text scan found exactly the objects the document holds.
    const linesTrusted = located.length === countTasks(hosts);
    const outcomes = new Map<number, 'data' | { unparsed: string }>();
    const notTask = { unparsed: 'sysstat JSON object that is not a pidstat task (no PID, TGID or cmd): another sysstat tool?' };
    let objectIndex = 0;
    let anyTask = false;
    const firstLine = this.jsonLineNos[0] ?? 1;
    for (const host of hosts) {
      if (!isObject(host)) continue;
      const banner = jsonBanner(host);
      this.clock = new SysstatClock(banner?.date);
      const records: TimelineRecord[] = [];
      let foreign = 0;
      const statistics = Array.isArray(host.statistics) ? host.statistics : [];
      let prevKey: number | undefined;
      for (const stat of statistics) {
        if (!isObject(stat)) continue;
        this.sample++;
        const time = this.jsonTime(stat.timestamp, statistics.length === 1, prevKey);
        prevKey = time?.key;
        for (const [key, section] of Object.entries(stat)) {
          if (key === 'timestamp' || !Array.isArray(section)) continue;
          for (const task of section) {
            if (!isObject(task)) continue;
            const span = linesTrusted ? located[objectIndex] : undefined;
            objectIndex++;
            const lineNo = span ? this.jsonLineNos[span.start]! : firstLine;
            const record = this.jsonTask(task, lineNo, time?.time);
            if (record) records.push(record);
            else foreign++;
            if (span) for (let i = span.start; i <= span.end; i++) outcomes.set(i, record ? 'data' : notTask);
          }
        }
      }
      // Another sysstat tool's JSON (iostat, mpstat) is not a pidstat capture: no host.info from it either.
      if (records.length === 0 && foreign > 0) continue;
      anyTask ||= records.length > 0;
      if (banner) this.ctx.emit(bannerRecord(banner, this.ctx.file, firstLine, 'pidstat'));
      for (const record of records) this.ctx.emit(record);
    }
    if (!linesTrusted) for (const span of located) for (let i = span.start; i <= span.end; i++) outcomes.set(i, anyTask ? 'data' : notTask);
    this.ctx.setVariant(`pidstat -o JSON${this.jsonFlags()}`);
    for (let i = 0; i < this.jsonLineNos.length; i++) this.ctx.settle(this.jsonLineNos[i]!, outcomes.get(i) ?? 'skip');
  }

  private jsonFlags(): string {
    const flags = FLAG_ORDER.filter((f) => this.flags.has(f));
    return flags.length ? ` ${flags.join(' ')}` : '';
  }

  /** The statistics entry's timestamp → record time (`HH:MM:SS`, 12-hour, or epoch seconds with -H). */
  private jsonTime(timestamp: unknown, onlyReport: boolean, prevKey: number | undefined): { time: RecordTime; key: number } | undefined {
    if (typeof timestamp !== 'string') return undefined;
    const extra: Partial<RecordTime> = {};
    if (onlyReport) extra.since_boot = true;
    if (EPOCH_RE.test(timestamp)) {
      const epoch = Number(timestamp);
      if (prevKey !== undefined) extra.interval_s = epoch - prevKey;
      return { time: epochTime(epoch, this.sample, extra), key: epoch };
    }
    const rt = readRowTime(tokens(timestamp));
    if (!rt?.time) return undefined;
    const key = secondsOfDay(rt.time);
    if (prevKey !== undefined) extra.interval_s = elapsed(prevKey, key, true);
    return { time: this.clock.at(rt.time, this.sample, extra), key };
  }

  /** One JSON task object → a record (same fields as a text row). */
  private jsonTask(task: Record<string, unknown>, lineNo: number, time: RecordTime | undefined): TimelineRecord | undefined {
    const tid = jsonInt(task.TID);
    const pid = jsonInt(task.TGID) ?? jsonInt(task.PID);
    if (pid === undefined && tid === undefined && typeof task.cmd !== 'string') return undefined;
    const record: TimelineRecord = { kind: KIND, source: { file: this.ctx.file, line: lineNo } };
    if (time) record.time = { ...time };
    const uid = jsonInt(task.UID);
    if (uid !== undefined) record.uid = uid;
    if (typeof task.USER === 'string') record.user = task.USER;
    if (pid !== undefined) record.pid = pid;
    if (tid !== undefined) {
      record.tid = tid;
      this.flags.add('-t');
    }
    record.is_thread = tid !== undefined;
    record.command = typeof task.cmd === 'string' ? task.cmd.trimEnd() : '';
    for (const [key, value] of Object.entries(task)) {
      if (JSON_ID_KEYS.has(key)) continue;
      const metric = JSON_KEYS.get(key);
      if (!metric) {
        if (!this.warnedColumns.has(key)) {
          this.warnedColumns.add(key);
          this.ctx.diagnostic({ severity: 'warning', code: 'unknown-column', line: lineNo, message: `pidstat JSON key '${key}' is not known to perftriage; its values are skipped` });
        }
        continue;
      }
      for (const f of metric.flags) this.flags.add(f);
      store(record, metric, jsonValue(metric, value));
    }
    return record;
  }

  /**
   * A JSON document cut short (pidstat killed by `timeout`): sysstat prints one task object per line, so
   * each complete line is still readable; the structure lines are skipped and the cut line is reported.
   */
  private salvageJson(): void {
    const host: Record<string, unknown> = {};
    let hostEmitted = false;
    let prevKey: number | undefined;
    const lines = this.jsonLines;
    const timestamps = lines.filter((l) => TIMESTAMP_RE.test(l)).length;
    for (let i = 0; i < lines.length; i++) {
      const lineNo = this.jsonLineNos[i]!;
      const text = lines[i]!.trim();
      const hostField = HOST_FIELD_RE.exec(text);
      if (hostField) {
        host[hostField[1]!] = parseJsonScalar(hostField[2]!);
        this.ctx.settle(lineNo, 'skip');
        continue;
      }
      const ts = TIMESTAMP_RE.exec(text);
      if (ts) {
        if (!hostEmitted) {
          hostEmitted = true;
          const banner = jsonBanner(host);
          this.clock = new SysstatClock(banner?.date);
          if (banner) this.ctx.emit(bannerRecord(banner, this.ctx.file, this.jsonLineNos[0] ?? 1, 'pidstat'));
        }
        this.sample++;
        const time = this.jsonTime(ts[1], timestamps === 1, prevKey);
        prevKey = time?.key;
        this.salvageTime = time?.time;
        this.ctx.settle(lineNo, 'skip');
        continue;
      }
      if (text.startsWith('{"') && (text.endsWith('}') || text.endsWith('},'))) {
        const obj = parseJsonScalar(text.endsWith(',') ? text.slice(0, -1) : text);
        if (isObject(obj) && ('cmd' in obj || 'PID' in obj || 'TGID' in obj)) {
          const record = this.jsonTask(obj, lineNo, this.salvageTime);
          if (record) this.ctx.emit(record);
          this.ctx.settle(lineNo, 'data');
          continue;
        }
      }
      if (STRUCTURE_RE.test(text)) this.ctx.settle(lineNo, 'skip');
      else this.ctx.settle(lineNo, { unparsed: 'pidstat JSON line cut short (the document is incomplete)' });
    }
    this.ctx.setVariant(`pidstat -o JSON${this.jsonFlags()}`);
  }
}

const TIMESTAMP_RE = /^\s*"timestamp":\s*"([^"]*)",?\s*$/;
const HOST_FIELD_RE = /^"(nodename|sysname|release|machine|number-of-cpus|date)":\s*(.*?),?$/;
/** Lines of sysstat's JSON that only open or close structure: `{"sysstat": {`, `"hosts": [`, `],`, `}]}}`. */
const STRUCTURE_RE = /^(?:\{?"[\w-]+":\s*[[{]|[[\]{}, ]*)$/;

function parseJsonScalar(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function dig(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function countTasks(hosts: readonly unknown[]): number {
  let n = 0;
  for (const host of hosts) {
    const statistics = isObject(host) && Array.isArray(host.statistics) ? host.statistics : [];
    for (const stat of statistics) {
      if (!isObject(stat)) continue;
      for (const [key, section] of Object.entries(stat)) if (key !== 'timestamp' && Array.isArray(section)) n += section.filter(isObject).length;
    }
  }
  return n;
}

function jsonInt(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'string' && INT_RE.test(v)) return Number(v);
  return undefined;
}

/** The JSON host object carries what the text banner says. */
function jsonBanner(host: Record<string, unknown>): SysstatBanner | undefined {
  if (typeof host.nodename !== 'string') return undefined;
  const dateText = typeof host.date === 'string' ? host.date : '';
  const banner: SysstatBanner = {
    sysname: typeof host.sysname === 'string' ? host.sysname : 'Linux',
    release: typeof host.release === 'string' ? host.release : '',
    hostname: host.nodename,
    dateText,
    arch: typeof host.machine === 'string' ? host.machine : '',
    cpus: typeof host['number-of-cpus'] === 'number' ? host['number-of-cpus'] : 1,
  };
  const date = parseDate(dateText);
  if (date) banner.date = date;
  return banner;
}

/** Depth of a task object in sysstat's JSON: {sysstat{hosts[host{statistics[stat{section[task{ */
const TASK_DEPTH = 8;

/**
 * Finds, in document order, the first and last line of each task object, so that every record points at
 * its own line and every line is settled as data or structure.
 */
export function locateTaskObjects(lines: readonly string[]): { start: number; end: number }[] {
  const spans: { start: number; end: number }[] = [];
  let depth = 0;
  let inString = false;
  let escaped = false;
  for (let li = 0; li < lines.length; li++) {
    const line = lines[li]!;
    for (let i = 0; i < line.length; i++) {
      const ch = line.charCodeAt(i);
      if (inString) {
        if (escaped) escaped = false;
        else if (ch === 92 /* \ */) escaped = true;
        else if (ch === 34 /* " */) inString = false;
        continue;
      }
      if (ch === 34) inString = true;
      else if (ch === 123 /* { */ || ch === 91 /* [ */) {
        depth++;
        if (ch === 123 && depth === TASK_DEPTH) spans.push({ start: li, end: li });
      } else if (ch === 125 /* } */ || ch === 93 /* ] */) {
        if (ch === 125 && depth === TASK_DEPTH) spans[spans.length - 1]!.end = li;
        depth--;
      }
    }
  }
  return spans;
}

export const parser: ParserModule = {
  meta: {
    tool: 'pidstat',
    title: 'pidstat (sysstat): per-task CPU, memory, stack, I/O, context switches, threads/fds and scheduling',
    commands: [
      'pidstat [-u] [-r] [-s] [-d] [-w] [-v] [-R] [-t] [-l] [-U] [-I] [--human] [-T TASK|CHILD|ALL] [-p PID[,…]|ALL] [-e prog args] [interval [count]]',
      'pidstat -h [-H] … (one-line mode, old "#      Time" and new "# Time" headers)',
      'pidstat -o JSON …',
    ],
    recordKinds: [KIND, 'host.info'],
    // pidstat prints only the tasks active in an interval: an absent row is a zero rate, hence the rates.
    series: {
      [KIND]: {
        key: ['pid', 'tid', 'command'],
        sections: ['usr_pct', 'usr_time_s', 'minflt_per_s', 'minflt_count', 'stack_size_bytes', 'read_bytes_per_s', 'cswch_per_s', 'threads', 'fd_count', 'prio'],
        rateSuffixes: ['_per_s', 'usr_pct', 'system_pct', 'guest_pct', 'wait_pct', 'cpu_pct'],
        sums: ['iodelay_ticks'],
        last: ['usr_time_s', 'system_time_s', 'guest_time_s', 'minflt_count', 'majflt_count'],
      },
    },
    recollect:
      'LC_ALL=C pidstat -H -h -u -r -d -w -t -p ALL 1 60 > pidstat.txt (one-line rows with epoch seconds place every sample in time; sysstat < 12 has no -H and prints epoch seconds with -h alone; without -h, give an interval and a count so the run ends with Average: lines)',
  },
  create(ctx: ParseContext): LineParser {
    return new PidstatParser(ctx);
  },
};
