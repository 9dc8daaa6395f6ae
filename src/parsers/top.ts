/**
 * top (procps / procps-ng, batch mode) → `top.summary`, `top.cpu` and `top.task` records.
 * See `docs/parsers/top.md`.
 *
 * Reads `top -b [-H] [-1] [-w [N]] [-c] [-E k|m|g|t|p|e] [-e k|m|g|t|p] [-o FIELD] [-p PID…] [-d S] [-n N]`
 * of procps 3.2, procps-ng 3.3.x and 4.0.x:
 * - line 1 `top - HH:MM:SS up [N day[s], ](H:MM|N min),  N user[s] | ? users,  load average: a, b, c`;
 * - `Tasks:` (or `Threads:` under `-H`) as "number label" pairs, so procps-ng >= 4.0.5's
 *   `sleep`/`d-sleep` wording reads as well as the older `sleeping`;
 * - `%Cpu(s):` and per-CPU `%CpuN :` lines (`1` toggle; several CPUs on one line; `%NodeN :` NUMA lines),
 *   procps 3.2 `Cpu(s):  0.3%us,`; values stick to the label at 100% (`%Cpu(s):100.0 us,`);
 * - memory lines scaled in KiB … EiB (`MiB Mem :`, `GiB Swap:` … `avail Mem`), procps-ng 3.3.0–3.3.9
 *   `KiB Mem:` … `buffers` / `cached Mem`, procps 3.2 `Mem:  3922944k total`;
 * - the task table, whatever its columns: the header line names them (any of top's field titles, in any
 *   order, `-w` widths), and values are cut by where each title sits — numbers end under the end of their
 *   title, text starts under its start — so text holding spaces (`-c` command lines, ENVIRON) stays whole
 *   and a blank (zero-suppressed) number reads as 0. The last column runs to the end of the line.
 *
 * Records (units normalized; the column → field map is in the doc page):
 * - `top.summary`, one per snapshot: uptime_s, users, load1/load5/load15, tasks_total/running/sleeping/
 *   stopped/zombie/dsleep (threads when `threads_mode`), threads_mode, cpu_us/sy/ni/id/wa/hi/si/st_pct
 *   (all CPUs), mem_total/free/used/buff_cache/buffers/cached_bytes, swap_total/free/used_bytes,
 *   avail_mem_bytes, truncated_fields (values top cut with `+`: unknown, so absent).
 * - `top.cpu`, one per per-CPU (or NUMA node) entry: cpu | cpu_first+cpu_last | node, and cpu_*_pct.
 * - `top.task`, one per row: pid — or `tid` + `is_thread: true` when the summary said `Threads:` (then pid
 *   comes from a TGID column if shown) — user, pr (or `realtime: true` for `rt`), ni, virt/res/shr_bytes,
 *   state, cpu_pct, mem_pct, cpu_time_s, command (+ command_truncated), every other column present
 *   typed by its title (ppid, uid, swap_bytes, minor_faults, wchan, cgroups, ns_ipc, …), titles top has
 *   but perftriage does not type in `extra` as raw text, and truncated_fields.
 *   Sizes: plain = KiB, suffix k/m/g/t/p/e = binary multiples; counts with a suffix are ×1024ⁿ (top's
 *   scale_num). `-` (not available) and `?` (does not fit) leave the field absent.
 *
 * Time: the summary gives only a time of day, so every record has `clock: 'time-of-day'` (the timeline adds
 * the date) and `sample` = the snapshot index in the file. Midnight is not rolled over here (the date is
 * unknown): sample keeps increasing, and an info diagnostic says where the time of day went back.
 * The first snapshot's CPU percentages (summary, per-CPU and each task's %CPU) cover no real interval (top
 * had no previous sample: since boot or the few milliseconds since top started, by version), so its
 * records carry `since_boot: true`; memory, states, TIME+ and the other columns of that snapshot are
 * instantaneous and as good as any other.
 *
 * Line outcomes: summary lines and task rows are 'data'; blank lines and table headers 'skip'.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { KIB, binarySuffixFactor, parseNumber, parsePercent, parseSizedNumber, plainDecimalAt, round } from '../common/units.js';
import { formatTimeOfDay, parseTimeOfDay, secondsOfDay, type TimeOfDay } from '../common/time.js';
import { topHeaderTitles } from '../sniff/detectors/top.js';
import type { LineOutcome, LineParser, ParseContext, ParserModule, RowShape } from './types.js';

// ---------------------------------------------------------------------------------------------------
// Task table columns: title → record field, how its text converts, and how top aligns it.
// ---------------------------------------------------------------------------------------------------

/** How a column's text becomes a record value. */
type Conv =
  /** A whole number printed as is (ids, nice, namespaces' inodes). */
  | 'int'
  /** Memory: plain = KiB, or a k/m/g/t/p/e suffix (binary) picked by top to fit the width. */
  | 'kib'
  /** A count top scales when it does not fit (`13k` = 13 × 1024, top's scale_num). */
  | 'count'
  | 'pct'
  /** TIME+ / TIME in any of top's forms → seconds. */
  | 'time'
  /** Free text; `-` is absent, a trailing `+` means top cut it. */
  | 'text'
  /** The one-letter process state. */
  | 'state'
  /** Priority: a number or `rt`. */
  | 'pr';

export interface FieldSpec {
  field: string;
  conv: Conv;
  /** Left-justified (text) columns: values start under the title's first letter; others end under its last. */
  left: boolean;
}

const num = (field: string, conv: Conv): FieldSpec => ({ field, conv, left: false });
const text = (field: string): FieldSpec => ({ field, conv: 'text', left: true });

/** Titles perftriage types (procps-ng Fieldstab order; alignment as top's defaults). Others go to `extra`. */
export const TOP_FIELDS: ReadonlyMap<string, FieldSpec> = new Map([
  ['PID', num('pid', 'int')],
  ['PPID', num('ppid', 'int')],
  ['UID', num('uid', 'int')],
  ['USER', text('user')],
  ['RUID', num('ruid', 'int')],
  ['RUSER', text('ruser')],
  ['SUID', num('suid', 'int')],
  ['SUSER', text('suser')],
  ['GID', num('gid', 'int')],
  ['GROUP', text('group')],
  ['PGRP', num('pgrp', 'int')],
  ['TTY', text('tty')],
  ['TPGID', num('tpgid', 'int')],
  ['SID', num('sid', 'int')],
  ['PR', num('pr', 'pr')],
  ['NI', num('ni', 'int')],
  ['nTH', num('thread_count', 'int')],
  ['P', num('last_cpu', 'int')],
  ['%CPU', num('cpu_pct', 'pct')],
  ['TIME', num('cpu_time_s', 'time')],
  ['TIME+', num('cpu_time_s', 'time')],
  ['%MEM', num('mem_pct', 'pct')],
  ['VIRT', num('virt_bytes', 'kib')],
  ['SWAP', num('swap_bytes', 'kib')],
  ['RES', num('res_bytes', 'kib')],
  ['CODE', num('code_bytes', 'kib')],
  ['DATA', num('data_bytes', 'kib')],
  ['SHR', num('shr_bytes', 'kib')],
  ['nMaj', num('major_faults', 'count')],
  ['nMin', num('minor_faults', 'count')],
  ['nDRT', num('dirty_pages', 'count')],
  ['S', num('state', 'state')],
  ['COMMAND', text('command')],
  ['WCHAN', text('wchan')],
  ['Flags', text('flags')],
  ['CGROUPS', text('cgroups')],
  ['SUPGIDS', text('supgids')],
  ['SUPGRPS', text('supgrps')],
  ['TGID', num('tgid', 'int')],
  ['OOMa', num('oom_adj', 'int')],
  ['OOMs', num('oom_score', 'int')],
  ['ENVIRON', text('environ')],
  ['vMj', num('major_faults_delta', 'count')],
  ['vMn', num('minor_faults_delta', 'count')],
  ['USED', num('used_bytes', 'kib')],
  ['nsIPC', num('ns_ipc', 'int')],
  ['nsMNT', num('ns_mnt', 'int')],
  ['nsNET', num('ns_net', 'int')],
  ['nsPID', num('ns_pid', 'int')],
  ['nsUSER', num('ns_user', 'int')],
  ['nsUTS', num('ns_uts', 'int')],
  ['nsCGROUP', num('ns_cgroup', 'int')],
  ['nsTIME', num('ns_time', 'int')],
  ['LXC', text('lxc')],
  ['RSan', num('rss_anon_bytes', 'kib')],
  ['RSfd', num('rss_file_bytes', 'kib')],
  ['RSlk', num('rss_locked_bytes', 'kib')],
  ['RSsh', num('rss_shared_bytes', 'kib')],
  ['CGNAME', text('cgname')],
  ['NU', num('numa_node', 'int')],
  ['LOGID', num('login_uid', 'int')],
  ['EXE', text('exe')],
  ['RSS', num('rss_bytes', 'kib')],
  ['PSS', num('pss_bytes', 'kib')],
  ['PSan', num('pss_anon_bytes', 'kib')],
  ['PSfd', num('pss_file_bytes', 'kib')],
  ['PSsh', num('pss_shmem_bytes', 'kib')],
  ['USS', num('uss_bytes', 'kib')],
  ['ioR', num('io_read_bytes', 'count')],
  ['ioRop', num('io_read_ops', 'count')],
  ['ioW', num('io_write_bytes', 'count')],
  ['ioWop', num('io_write_ops', 'count')],
  ['AGID', num('autogroup_id', 'int')],
  ['AGNI', num('autogroup_nice', 'int')],
  ['%CUU', num('cpu_util_pct', 'pct')],
  ['%CUC', num('cpu_util_children_pct', 'pct')],
  ['CLS', text('sched_class')],
  ['DOCKER', text('docker_id')],
  // procps 3.2: page faults (major) under its old title
  ['nFLT', num('major_faults', 'count')],
]);

/** One column of the current task table, placed by its title in the header line. */
export interface Column {
  title: string;
  /** Index of the title's first character in the header line. */
  start: number;
  /** Index just after the title's last character. */
  end: number;
  left: boolean;
  /** Undefined for a title perftriage does not type: its text goes to `extra`. */
  spec: FieldSpec | undefined;
  /** TIME beside TIME+: the same counter at a coarser resolution, not stored twice. */
  ignored: boolean;
}

const SPACE = 32;

function skipBlanks(line: string, i: number): number {
  while (i < line.length && line.charCodeAt(i) === SPACE) i++;
  return i;
}

function runEnd(line: string, i: number): number {
  while (i < line.length && line.charCodeAt(i) !== SPACE) i++;
  return i;
}

/** The columns a task-table header line defines, or undefined when it is not one. */
export function readHeader(line: string): Column[] | undefined {
  const titles = topHeaderTitles(line, 0);
  if (!titles) return undefined;
  const columns: Column[] = [];
  let i = 0;
  for (const title of titles) {
    const start = skipBlanks(line, i);
    const end = runEnd(line, start);
    const spec = TOP_FIELDS.get(title);
    columns.push({ title, start, end, left: spec?.left ?? false, spec, ignored: title === 'TIME' && titles.includes('TIME+') });
    i = end;
  }
  return columns;
}

/**
 * Where each column's text lies in a task row (RowBounds), without cutting it out: numbers are single
 * words ending at or before their title's end (a word starting past it means the number is blank: top's
 * zero suppression); text starts at the cursor and runs up to the next column: for a next text column,
 * its title's start; for a next number column, the last word ending under that number's title. The last
 * column takes the rest of the line, so a command line with spaces stays whole.
 */
export function splitRowBounds(line: string, columns: readonly Column[], bounds: RowBounds): void {
  const n = line.length;
  const { start, end } = bounds;
  let cursor = 0;
  const last = columns.length - 1;
  for (let i = 0; i <= last; i++) {
    const col = columns[i]!;
    const s = skipBlanks(line, cursor);
    if (s >= n) {
      start[i] = -1;
      continue;
    }
    start[i] = s;
    if (i === last) {
      end[i] = n;
      continue;
    }
    if (!col.left) {
      if (s >= col.end) {
        start[i] = -1;
        continue;
      }
      const e = runEnd(line, s);
      end[i] = e;
      cursor = e;
      continue;
    }
    const next = columns[i + 1]!;
    const firstEnd = runEnd(line, s);
    let cut: number;
    if (next.left) {
      cut = Math.max(next.start, firstEnd);
      // a word running across the next title's start (a wide character shifted the row): keep it whole
      if (cut > firstEnd && cut < n && line.charCodeAt(cut - 1) !== SPACE && line.charCodeAt(cut) !== SPACE) cut = runEnd(line, cut);
    } else {
      let p = Math.max(firstEnd, Math.min(next.end, n));
      if (p < n && line.charCodeAt(p) !== SPACE && line.charCodeAt(p - 1) !== SPACE) p = runEnd(line, p);
      let q = p;
      while (q > firstEnd && line.charCodeAt(q - 1) === SPACE) q--;
      cut = q;
      while (cut > firstEnd && line.charCodeAt(cut - 1) !== SPACE) cut--;
    }
    end[i] = cut;
    cursor = cut;
  }
}

/**
 * Per column of a row, where its text starts (-1: blank) and ends. Text columns and the last one are
 * trimmed at their end when cut out (columnText); a number column's bounds are its word exactly.
 */
export interface RowBounds {
  start: Int32Array;
  end: Int32Array;
}

export function newRowBounds(columns: number): RowBounds {
  return { start: new Int32Array(columns), end: new Int32Array(columns) };
}

/** Whether column `i` of `columns` is cut with its trailing blanks trimmed: text columns and the last. */
function trimmedColumn(columns: readonly Column[], i: number): boolean {
  return columns[i]!.left || i === columns.length - 1;
}

/** Column `i`'s text (undefined = blank): a text column and the last one trimmed at their end. */
function columnText(line: string, columns: readonly Column[], bounds: RowBounds, i: number): string | undefined {
  const s = bounds.start[i]!;
  if (s < 0) return undefined;
  const text = line.slice(s, bounds.end[i]);
  return trimmedColumn(columns, i) ? text.trimEnd() : text;
}

// ---------------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------------

const TIME_HUNDREDTHS_RE = /^(\d+):(\d{2})\.(\d{2})$/;
const TIME_MINUTES_RE = /^(\d+):(\d{2})$/;
const TIME_HOURS_RE = /^(\d+),(\d{2})$/;
const TIME_SCALED_RE = /^(\d+)([hHdDwW])(?:\+(\d+)([hHdD]?))?$/;
const UNIT_SECONDS: Readonly<Record<string, number>> = { h: 3600, d: 86400, w: 604800 };

/**
 * CPU time as top prints it in TIME+ / TIME, in seconds: `0:01.47` (minutes:seconds.hundredths),
 * `12345:06` (minutes:seconds), `5,07` (hours,minutes), `123h`, `4d+5h`, `4d`, `2w+3d`, `2w`
 * (coarser forms when the value does not fit; upper-case with CASEUP_SUFIX builds).
 */
export function parseCpuTime(token: string): number | undefined {
  const fast = minutesSecondsHundredths(token);
  if (fast !== undefined) return fast;
  let m = TIME_HUNDREDTHS_RE.exec(token);
  if (m) return round(Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) / 100, 2);
  m = TIME_MINUTES_RE.exec(token);
  if (m) return Number(m[1]) * 60 + Number(m[2]);
  m = TIME_HOURS_RE.exec(token);
  if (m) return Number(m[1]) * 3600 + Number(m[2]) * 60;
  m = TIME_SCALED_RE.exec(token);
  if (!m) return undefined;
  const major = UNIT_SECONDS[m[2]!.toLowerCase()]!;
  let seconds = Number(m[1]) * major;
  if (m[3] !== undefined) {
    // `4d+5h`; the SCALE_POSTFX form `4d+5` means the next smaller unit
    const minorUnit = m[4] ? m[4].toLowerCase() : major === 86400 ? 'h' : 'd';
    seconds += Number(m[3]) * UNIT_SECONDS[minorUnit]!;
  }
  return seconds;
}

/**
 * `M:SS.hh`, the TIME+ of nearly every task row, read by char codes from `text[s, e)`: the same value as
 * the TIME_HUNDREDTHS_RE branch (whose match arrays were a tenth of the parser's time). Undefined otherwise.
 */
function minutesSecondsHundredths(text: string, s = 0, e = text.length): number | undefined {
  const colon = e - 6;
  if (colon < s + 1 || colon > s + 15 || text.charCodeAt(colon) !== 58 /* : */ || text.charCodeAt(e - 3) !== 46 /* . */) return undefined;
  let minutes = 0;
  for (let i = s; i < colon; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    minutes = minutes * 10 + d;
  }
  const s1 = text.charCodeAt(colon + 1) - 48;
  const s2 = text.charCodeAt(colon + 2) - 48;
  const h1 = text.charCodeAt(e - 2) - 48;
  const h2 = text.charCodeAt(e - 1) - 48;
  if (s1 < 0 || s1 > 9 || s2 < 0 || s2 > 9 || h1 < 0 || h1 > 9 || h2 < 0 || h2 > 9) return undefined;
  return round(minutes * 60 + (s1 * 10 + s2) + (h1 * 10 + h2) / 100, 2);
}

const STATE_RE = /^[A-Za-z]$/;

/** A plain whole number (`-20`, `26246`) in `text[s, e)`: the common case of task rows, read without a regex. */
function plainInteger(text: string, s = 0, e = text.length): number | undefined {
  const negative = text.charCodeAt(s) === 45; /* - */
  let i = negative ? s + 1 : s;
  if (i === e || e - i > 15) return undefined;
  let n = 0;
  for (; i < e; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

/** A text value top cut to its column width ends in one `+` (`memfd:sea+`); `g++` is a whole name. */
function isTruncated(value: string): boolean {
  return value.length > 1 && value.endsWith('+') && !value.endsWith('++');
}

/** A column's number as its conversion reads it (undefined: unreadable). `-`, `?` and `rt` are the caller's. */
const NUMBER_OF: Readonly<Record<'int' | 'kib' | 'count' | 'pct' | 'time', (value: string) => number | undefined>> = {
  int: plainInteger,
  kib: (value) => {
    const plain = plainInteger(value);
    if (plain !== undefined) return plain * KIB;
    const sized = parseSizedNumber(value, KIB);
    return sized === undefined ? undefined : Math.round(sized);
  },
  count: (value) => {
    const plain = plainInteger(value);
    if (plain !== undefined) return plain;
    const sized = parseSizedNumber(value, 1);
    return sized === undefined ? undefined : Math.round(sized);
  },
  pct: parsePercent,
  time: parseCpuTime,
};

/**
 * NUMBER_OF reading `text[s, e)` in place: the plain forms by char codes, anything else through
 * NUMBER_OF on the cut-out token, so each gives exactly what NUMBER_OF gives for that token.
 */
const NUMBER_AT: Readonly<Record<keyof typeof NUMBER_OF, (text: string, s: number, e: number) => number | undefined>> = {
  int: plainInteger,
  kib: (text, s, e) => {
    const plain = plainInteger(text, s, e);
    return plain !== undefined ? plain * KIB : NUMBER_OF.kib(text.slice(s, e));
  },
  count: (text, s, e) => plainInteger(text, s, e) ?? NUMBER_OF.count(text.slice(s, e)),
  // parsePercent: an optional `%`, then parseNumber, whose plain forms plainDecimalAt reads alike.
  pct: (text, s, e) => plainDecimalAt(text, s, text.charCodeAt(e - 1) === 37 /* % */ ? e - 1 : e) ?? NUMBER_OF.pct(text.slice(s, e)),
  time: (text, s, e) => minutesSecondsHundredths(text, s, e) ?? NUMBER_OF.time(text.slice(s, e)),
};

/** One-letter strings by char code: a state read in place without cutting one out per row. */
const LETTERS: readonly (string | undefined)[] = Array.from({ length: 128 }, (_, c) => (STATE_RE.test(String.fromCharCode(c)) ? String.fromCharCode(c) : undefined));

/** What a row builder found besides the record's own fields (added after the pid is settled). */
interface RowExtras {
  extra: Record<string, string> | undefined;
  truncated: string[] | undefined;
}

/**
 * Stores a task row's column texts (`v`, from columnText) in `record`, in column order; returns why the
 * row cannot be read, or undefined. Per column: a blank number is 0 (top's zero suppression; a blank text,
 * state or priority is absent); `-` (not available) and `?` (too wide) leave it out; a text top cut ends
 * in one `+` (dropped: `command_truncated`, or the field in `truncated_fields`); PR may be `rt`; a title
 * perftriage does not type goes to `extra`.
 */
type RowBuilder = (v: readonly (string | undefined)[], record: TimelineRecord, out: RowExtras) => string | undefined;

/**
 * The row builder of one column layout, compiled once per layout (`new Function`, as ajv compiles
 * validators): a store per column to a named field. A loop storing `record[spec.field]` was a keyed store
 * seeing every field name at one site, the slowest kind, and a third of top's parse time. Titles and field
 * names are written as JSON string literals, so a header's words are inert in the generated code.
 */
function compileRowBuilder(cols: readonly Column[]): RowBuilder {
  const lines: string[] = ['let x, n;'];
  cols.forEach((col, i) => {
    if (col.ignored) return;
    const title = JSON.stringify(col.title);
    const spec = col.spec;
    lines.push(`x = v[${i}];`);
    if (!spec) {
      lines.push(`if (x !== undefined) (out.extra ??= {})[${title}] = x;`);
      return;
    }
    const field = JSON.stringify(spec.field);
    switch (spec.conv) {
      case 'text': {
        const cut = spec.field === 'command' ? 'r.command_truncated = true;' : `(out.truncated ??= []).push(${field});`;
        lines.push(`if (x !== undefined && x !== '-') { if (isTruncated(x)) { r[${field}] = x.slice(0, -1); ${cut} } else r[${field}] = x; }`);
        break;
      }
      case 'state':
        lines.push(`if (x !== undefined && x !== '-' && x !== '?') { if (!STATE_RE.test(x)) return 'column S: expected a one-letter state, got "' + x + '"'; r.state = x; }`);
        break;
      case 'pr':
        lines.push(`if (x !== undefined && x !== '-' && x !== '?') { if (x === 'rt') r.realtime = true; else { n = int(x); if (n === undefined) return ${JSON.stringify(`column ${col.title}: cannot read "`)} + x + '" as a number'; r[${field}] = n; } }`);
        break;
      default: {
        const what = spec.conv === 'time' ? 'a CPU time' : 'a number';
        lines.push(`if (x === undefined) r[${field}] = 0; else if (x !== '-' && x !== '?') { n = ${spec.conv}(x); if (n === undefined) return ${JSON.stringify(`column ${col.title}: cannot read "`)} + x + ${JSON.stringify(`" as ${what}`)}; r[${field}] = n; }`);
      }
    }
  });
  lines.push('return undefined;');
  const make = new Function('int', 'kib', 'count', 'pct', 'time', 'isTruncated', 'STATE_RE', `return function (v, r, out) {\n${lines.join('\n')}\n};`) as (...helpers: unknown[]) => RowBuilder;
  return make(NUMBER_OF.int, NUMBER_OF.kib, NUMBER_OF.count, NUMBER_OF.pct, NUMBER_OF.time, isTruncated, STATE_RE);
}

/**
 * A task row read in one go, for the rows nearly every top prints: every typed column readable and
 * stored as it is (no `-`, `?` or `rt`, no cut text but the command's, no untyped column with text).
 * Undefined otherwise, and the row goes to the RowBuilder, which stores field by field and says what is
 * wrong. Its record is one object literal with the RowBuilder record's fields, values and key order
 * (then the -H fix-up in onRow): a record grown one keyed store at a time reallocated its out-of-object
 * properties several times per row, ~450 bytes of garbage per row and a sixth of a long top file's time.
 * Analysis, which merges most rows into their series' bucket row, never makes that record: it reads the
 * row's head and numbers (ParseContext.emitRow; the bench's top file in analysis 2.50–2.64 s against
 * 2.58–2.72 s).
 */
type PlainRowReader = (line: string, bounds: RowBounds, source: TimelineRecord['source'], time: RecordTime, threads: boolean, numbers: number[]) => TimelineRecord | undefined;

/**
 * The plain rows of one column layout (ParseContext.emitRow): `read` leaves a row's numbers in `numbers`
 * and returns its head (kind, source, time, the pid and tid of its series key, its text fields and
 * flags), or undefined for a row the RowBuilder must read; `shapes[plainShapeIndex]` makes its record.
 */
interface PlainRows {
  read: PlainRowReader;
  /** The four literals (under -H or not, command cut or not), by plainShapeIndex. */
  shapes: readonly RowShape[];
}

/**
 * The plain row builder reads the row in place (`line` and its RowBounds): numbers by char codes, the
 * state from a table, so only text columns are cut out. A substring per value was ~12 strings and a
 * fifth of top's garbage per row, for values that live only until the record is built.
 */
function compilePlainRows(cols: readonly Column[]): PlainRows {
  const lines: string[] = ['const st = b.start, en = b.end;', 'let x, a, e, c, cut = false;'];
  /** Literal entries in column order: [field, local]. */
  const entries: Array<[string, string]> = [];
  /** The locals holding numbers (every conversion but text and state). */
  const numericLocals = new Set<string>();
  let commandAt = -1;
  cols.forEach((col, i) => {
    if (col.ignored) return;
    const spec = col.spec;
    const local = `f${i}`;
    const trimmed = trimmedColumn(cols, i);
    lines.push(`a = st[${i}]; e = en[${i}]; let ${local};`);
    if (!spec) {
      lines.push('if (a >= 0) return undefined;');
      return;
    }
    // The column's text as columnText cuts it out (text columns and the last one are trimmed).
    const cutOut = `x = L.slice(a, e)${trimmed ? '.trimEnd()' : ''};`;
    const dashOrQuery = trimmed ? "x === '-' || x === '?'" : 'e - a === 1 && ((c = L.charCodeAt(a)) === 45 || c === 63)';
    switch (spec.conv) {
      case 'text':
        lines.push(`if (a < 0) return undefined; ${cutOut} if (x === '-') return undefined;`);
        if (spec.field === 'command') {
          commandAt = entries.length;
          lines.push(`if (isTruncated(x)) { ${local} = x.slice(0, -1); cut = true; } else ${local} = x;`);
        } else lines.push(`if (isTruncated(x)) return undefined; ${local} = x;`);
        break;
      case 'state':
        lines.push(trimmed
          ? `if (a < 0) return undefined; ${cutOut} if (x === '-' || x === '?' || !STATE_RE.test(x)) return undefined; ${local} = x;`
          : `if (a < 0 || e - a !== 1) return undefined; ${local} = LETTERS[L.charCodeAt(a)]; if (${local} === undefined) return undefined;`);
        break;
      case 'pr':
        lines.push(trimmed
          ? `if (a < 0) return undefined; ${cutOut} if (x === '-' || x === '?' || x === 'rt') return undefined; ${local} = int(x); if (${local} === undefined) return undefined;`
          : `if (a < 0) return undefined; ${local} = intAt(L, a, e); if (${local} === undefined) return undefined;`);
        break;
      default:
        lines.push(trimmed
          ? `if (a < 0) ${local} = 0; else { ${cutOut} if (${dashOrQuery}) return undefined; ${local} = ${spec.conv}(x); if (${local} === undefined) return undefined; }`
          : `if (a < 0) ${local} = 0; else { if (${dashOrQuery}) return undefined; ${local} = ${spec.conv}At(L, a, e); if (${local} === undefined) return undefined; }`);
    }
    if (spec.conv !== 'text' && spec.conv !== 'state') numericLocals.add(local);
    entries.push([spec.field, local]);
  });
  // A field two columns fill keeps the first one's place and the last one's value, as stores and literals do.
  let pid: string | undefined;
  let tgid: string | undefined;
  for (const [field, local] of entries) {
    if (field === 'pid') pid = local;
    else if (field === 'tgid') tgid = local;
  }
  // No PID column: the RowBuilder's path says so. Under -H without TGID the pid is deleted: its path too.
  if (pid === undefined) return { read: () => undefined, shapes: [] };
  // The numbers but the pid (a key: the head has it) go to `numbers`, one slot per field: a field two
  // columns fill gets the last one's value, as in a literal.
  const slots = new Map<string, number>();
  for (const [field, local] of entries) {
    if (field === 'pid' || !numericLocals.has(local)) continue;
    if (!slots.has(field)) slots.set(field, slots.size);
    lines.push(`n[${slots.get(field)!}] = ${local};`);
  }
  const head = (threads: boolean, truncated: boolean): string => {
    const parts = ["kind: 'top.task'", 'source: s', 'time: t', `pid: ${threads ? tgid : pid}`];
    for (const [field, local] of entries) if (field !== 'pid' && !numericLocals.has(local)) parts.push(`${JSON.stringify(field)}: ${local}`);
    if (truncated) parts.push('command_truncated: true');
    if (threads) parts.push(`tid: ${pid}`, 'is_thread: true');
    return `{ ${parts.join(', ')} }`;
  };
  // The record, from a head and its numbers: the fields in column order, as the RowBuilder makes them.
  const literal = (threads: boolean, truncated: boolean): string => {
    const parts = ["kind: 'top.task'", 'source: h.source', 'time: h.time'];
    entries.forEach(([field, local], k) => {
      const name = JSON.stringify(field);
      parts.push(`${name}: ${field === 'pid' ? 'h.pid' : numericLocals.has(local) ? `n[${slots.get(field)!}]` : `h[${name}]`}`);
      if (k === commandAt && truncated) parts.push('command_truncated: true');
    });
    if (threads) parts.push('tid: h.tid', 'is_thread: true');
    return `{ ${parts.join(', ')} }`;
  };
  lines.push(
    tgid === undefined
      ? 'if (threads) return undefined;'
      : `if (threads) return cut ? ${head(true, true)} : ${head(true, false)};`,
    `return cut ? ${head(false, true)} : ${head(false, false)};`,
  );
  const helpers = { int: NUMBER_OF.int, kib: NUMBER_OF.kib, count: NUMBER_OF.count, pct: NUMBER_OF.pct, time: NUMBER_OF.time, intAt: NUMBER_AT.int, kibAt: NUMBER_AT.kib, countAt: NUMBER_AT.count, pctAt: NUMBER_AT.pct, timeAt: NUMBER_AT.time, isTruncated, STATE_RE, LETTERS };
  const make = new Function(...Object.keys(helpers), `return function (L, b, s, t, threads, n) {\n${lines.join('\n')}\n};`) as (...helpers: unknown[]) => PlainRowReader;
  const fields = [...slots];
  const shapeOf = (threads: boolean, truncated: boolean): RowShape => ({
    fields,
    build: new Function('h', 'n', `return ${literal(threads, truncated)};`) as RowShape['build'],
  });
  return { read: make(...Object.values(helpers)), shapes: [shapeOf(false, false), shapeOf(false, true), shapeOf(true, false), shapeOf(true, true)] };
}

/** Both builders of one column layout: the plain rows' literal, and the field-by-field one for the rest. */
interface RowBuilders {
  plain: PlainRows;
  general: RowBuilder;
}

/** Which of the plain rows' literals `head` (or its record) is of: under -H or not, its command cut or not. */
function plainShapeIndex(threads: boolean, record: TimelineRecord): number {
  return (threads ? 2 : 0) + (record.command_truncated === true ? 1 : 0);
}

/** Builders by column layout (titles and which are ignored): top prints its header in every snapshot. */
const ROW_BUILDERS = new Map<string, RowBuilders>();
const MAX_ROW_BUILDERS = 64;

function rowBuildersFor(cols: readonly Column[]): RowBuilders {
  let key = '';
  for (const col of cols) key += `${col.title}${col.ignored ? '\u0001' : ''}\u0000`;
  let builders = ROW_BUILDERS.get(key);
  if (!builders) {
    // Layouts are few in practice; a file of ever-changing headers must not grow the cache without end.
    if (ROW_BUILDERS.size >= MAX_ROW_BUILDERS) ROW_BUILDERS.clear();
    ROW_BUILDERS.set(key, (builders = { plain: compilePlainRows(cols), general: compileRowBuilder(cols) }));
  }
  return builders;
}

// ---------------------------------------------------------------------------------------------------
// Summary lines
// ---------------------------------------------------------------------------------------------------

export interface TopLine {
  time: TimeOfDay;
  uptime_s: number;
  users?: number;
  loads: [number, number, number];
}

const DAYS_RE = /^(\d+) days?$/;
const HOURS_MINUTES_RE = /^(\d+):(\d{2})$/;
const MINUTES_RE = /^(\d+) min$/;
const USERS_RE = /^(\d+|\?) users?$/;
const LOAD_LABEL = 'load average:';

/** `top - 17:35:20 up 22 min,  0 user,  load average: 0.16, 0.31, 0.19` (all uptime forms). */
export function parseTopLine(line: string): TopLine | string {
  const rest = line.slice('top - '.length);
  const space = rest.indexOf(' ');
  const time = parseTimeOfDay(space < 0 ? rest : rest.slice(0, space));
  if (!time || !rest.startsWith(' up ', space)) return 'expected "top - HH:MM:SS up …" (summary line 1)';
  const loadAt = rest.indexOf(LOAD_LABEL, space);
  if (loadAt < 0) return 'summary line 1 has no "load average:"';
  let uptime = 0;
  let sawUptime = false;
  let users: number | undefined;
  for (const raw of rest.slice(space + 4, loadAt).split(',')) {
    const part = raw.trim();
    if (part === '') continue;
    let m: RegExpExecArray | null;
    if ((m = DAYS_RE.exec(part))) uptime += Number(m[1]) * 86400;
    else if ((m = HOURS_MINUTES_RE.exec(part))) uptime += Number(m[1]) * 3600 + Number(m[2]) * 60;
    else if ((m = MINUTES_RE.exec(part))) uptime += Number(m[1]) * 60;
    else if ((m = USERS_RE.exec(part))) {
      if (m[1] !== '?') users = Number(m[1]);
      continue;
    } else return `summary line 1: cannot read "${part}" as uptime or users`;
    sawUptime = true;
  }
  if (!sawUptime) return 'summary line 1 has no uptime after "up"';
  const loads = rest.slice(loadAt + LOAD_LABEL.length).trim().split(/,\s+/).map(parseNumber);
  if (loads.length !== 3 || loads.some((l) => l === undefined)) return 'summary line 1: expected three load averages';
  const result: TopLine = { time, uptime_s: uptime, loads: loads as [number, number, number] };
  if (users !== undefined) result.users = users;
  return result;
}

const TASK_LABELS: Readonly<Record<string, string>> = {
  total: 'tasks_total',
  running: 'tasks_running',
  sleeping: 'tasks_sleeping',
  sleep: 'tasks_sleeping',
  'd-sleep': 'tasks_dsleep',
  stopped: 'tasks_stopped',
  zombie: 'tasks_zombie',
};
const COUNT_LABEL_RE = /^(\d+)\s+(\S+)$/;

/** `Tasks: 108 total,   2 running, …` / `Threads:` / 4.0.5's `…, 5 sleep, 0 d-sleep, …` → fields. */
export function parseTasksLine(rest: string): Record<string, number> | string {
  const fields: Record<string, number> = {};
  for (const raw of rest.split(',')) {
    const m = COUNT_LABEL_RE.exec(raw.trim());
    const field = m ? TASK_LABELS[m[2]!] : undefined;
    if (!m || !field) return `Tasks line: cannot read "${raw.trim()}" as "<count> <state>"`;
    fields[field] = Number(m[1]);
  }
  return fields;
}

const CPU_LABELS: Readonly<Record<string, string>> = {
  us: 'cpu_us_pct',
  sy: 'cpu_sy_pct',
  ni: 'cpu_ni_pct',
  id: 'cpu_id_pct',
  wa: 'cpu_wa_pct',
  hi: 'cpu_hi_pct',
  si: 'cpu_si_pct',
  st: 'cpu_st_pct',
};
/** Start of a CPU line or of one CPU's part of it: `%Cpu(s):`, `%Cpu0  :`, `Cpu(s):`, `%Cpu0-3 :`, `%Node0 :`. */
const CPU_PREFIX_RE = /%?(Cpu|Node)(\(s\)|\d+(?:-\d+)?)\s*:/g;
/** One `value label` pair: `5.9 us`, `0.3%us` (procps 3.2), `100.0 sy`, `5,9 us` (decimal comma). */
const CPU_VALUE_RE = /(\d+(?:[.,]\d+)?)\s*%?\s*([a-z]{2})(?![a-z])/g;

export interface CpuPart {
  /** `(s)` for all CPUs, else the CPU number or range, or the NUMA node number when `node`. */
  which: string;
  node: boolean;
  values: Record<string, number>;
}

/** A CPU line → its parts (one, or several CPUs side by side), or why it cannot be read. */
export function parseCpuLine(line: string): CpuPart[] | string {
  const heads: { which: string; node: boolean; from: number; to: number }[] = [];
  CPU_PREFIX_RE.lastIndex = 0;
  for (let m = CPU_PREFIX_RE.exec(line); m; m = CPU_PREFIX_RE.exec(line)) {
    heads.push({ which: m[2]!, node: m[1] === 'Node', from: m.index, to: CPU_PREFIX_RE.lastIndex });
  }
  const parts: CpuPart[] = [];
  for (let h = 0; h < heads.length; h++) {
    const body = line.slice(heads[h]!.to, h + 1 < heads.length ? heads[h + 1]!.from : line.length);
    const values: Record<string, number> = {};
    let count = 0;
    CPU_VALUE_RE.lastIndex = 0;
    for (let m = CPU_VALUE_RE.exec(body); m; m = CPU_VALUE_RE.exec(body)) {
      const field = CPU_LABELS[m[2]!];
      if (!field) return `CPU line: unknown state "${m[2]}"`;
      values[field] = parseNumber(m[1]!)!;
      count++;
    }
    if (count === 0) {
      return body.includes('[') ? 'CPU line in graph mode (t toggle): re-collect with the default text summary' : 'CPU line without "<pct> us, <pct> sy, …" values';
    }
    parts.push({ which: heads[h]!.which, node: heads[h]!.node, values });
  }
  return parts.length > 0 ? parts : 'expected a %Cpu line';
}

/** Memory line start: scale prefix (procps-ng) and which line. */
const MEM_PREFIX_RE = /^(?:([KMGTPE]iB) )?(Mem|Swap)\s*:/;
/** `3861332 total`, `3903.6 total`, `3922944k total` (procps 3.2), `26372745+total` (cut by top), `3419356 avail Mem`. */
const MEM_VALUE_RE = /(\d[\d.,]*)([kmgtpeKMGTPE]?)(\+?)\s*(avail Mem|cached Mem|[a-z][a-z/]*)/g;

const MEM_LABELS: Readonly<Record<string, string>> = {
  total: 'mem_total_bytes',
  free: 'mem_free_bytes',
  used: 'mem_used_bytes',
  'buff/cache': 'mem_buff_cache_bytes',
  buffers: 'mem_buffers_bytes',
};
const SWAP_LABELS: Readonly<Record<string, string>> = {
  total: 'swap_total_bytes',
  free: 'swap_free_bytes',
  used: 'swap_used_bytes',
  'avail Mem': 'avail_mem_bytes',
  'cached Mem': 'mem_cached_bytes',
  cached: 'mem_cached_bytes',
};

export interface MemLine {
  values: Record<string, number>;
  /** Fields whose value top cut (`26372745+total`): unknown, left absent. */
  truncated: string[];
}

/** `MiB Mem :   3903.6 total, …`, `KiB Swap: … avail Mem`, `KiB Mem: … buffers`, `Mem:  3922944k total, …`. */
export function parseMemLine(line: string): MemLine | string {
  const prefix = MEM_PREFIX_RE.exec(line);
  if (!prefix) return 'expected a Mem or Swap line';
  const scale = prefix[1] ? binarySuffixFactor(prefix[1])! : KIB;
  const labels = prefix[2] === 'Mem' ? MEM_LABELS : SWAP_LABELS;
  const body = line.slice(prefix[0].length);
  const result: MemLine = { values: {}, truncated: [] };
  let count = 0;
  MEM_VALUE_RE.lastIndex = 0;
  for (let m = MEM_VALUE_RE.exec(body); m; m = MEM_VALUE_RE.exec(body)) {
    const field = labels[m[4]!];
    if (!field) return `${prefix[2]} line: unknown label "${m[4]}"`;
    count++;
    if (m[3] === '+') {
      result.truncated.push(field);
      continue;
    }
    const value = parseNumber(m[1]!);
    const factor = m[2] ? binarySuffixFactor(m[2]) : scale;
    if (value === undefined || factor === undefined) return `${prefix[2]} line: cannot read "${m[1]}${m[2]}" as a size`;
    result.values[field] = Math.round(value * factor);
  }
  if (count === 0) {
    return body.includes('[') ? 'memory line in graph mode (m toggle): re-collect with the default text summary' : `${prefix[2]} line without "<size> <label>" values`;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------------
// The parser
// ---------------------------------------------------------------------------------------------------

const TASKS_PREFIX_RE = /^(Tasks|Threads):/;
const CPU_LINE_RE = /^%?(?:Cpu|Node)(?:\(s\)|\d)/;
const DIGIT_RE = /\d/;

/** Whether the first character after the leading spaces is a digit. */
function startsWithDigit(line: string): boolean {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === SPACE) i++;
  const c = line.charCodeAt(i);
  return c >= 48 && c <= 57;
}

function isBlank(line: string): boolean {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c !== SPACE && c !== 9 /* TAB */) return false;
  }
  return true;
}

/** What is known of the snapshot being read. */
interface Snapshot {
  sample: number;
  /** `HH:MM:SS` of the `top -` line; undefined when the file starts without one. */
  timeIso: string | undefined;
  /** The first snapshot of a file that starts with it: its CPU percentages cover no real interval. */
  sinceBoot: boolean;
  threads: boolean;
  /** The `top.summary` record being filled; emitted when the summary area ends. */
  summary: TimelineRecord | undefined;
  /** `top.cpu` records of the summary area, emitted after the summary. */
  cpus: TimelineRecord[];
}

function recordTime(snap: Snapshot): RecordTime {
  const time: RecordTime = snap.timeIso !== undefined
    ? { clock: 'time-of-day', iso: snap.timeIso, sample: snap.sample }
    : { clock: 'ordinal', sample: snap.sample };
  if (snap.sinceBoot) time.since_boot = true;
  return time;
}

/** The top reader; `plainRows: false` reads every task row the general way (tests compare the two). */
export function createTopReader(ctx: ParseContext, options: { plainRows?: boolean } = {}): LineParser {
  const plainRows = options.plainRows ?? true;
  let snap: Snapshot | undefined;
  let nextSample = 0;
  /** Nothing but blank lines so far: a `top -` line now starts the file's first whole snapshot. */
  let atStart = true;
  let columns: Column[] | undefined;
  /** The row builders of `columns` (rowBuildersFor), looked up at the first row under a header. */
  let builder: RowBuilders | undefined;
  const values: (string | undefined)[] = [];
  /** Where the current row's columns lie (grown to the widest header met). */
  let bounds = newRowBounds(16);
  /** The numbers of the plain row being read (ParseContext.emitRow), reused from row to row. */
  const rowNumbers: number[] = [];
  let lastSeconds: number | undefined;

  const newSnapshot = (timeOfDay: TimeOfDay | undefined, sinceBoot: boolean): Snapshot => {
    flushSummary();
    const timeIso = timeOfDay ? formatTimeOfDay(timeOfDay) : undefined;
    snap = { sample: nextSample++, timeIso, sinceBoot, threads: false, summary: undefined, cpus: [] };
    columns = undefined;
    return snap;
  };

  /** The snapshot summary lines belong to (one is opened when a file starts without its `top -` line). */
  const currentSnapshot = (): Snapshot => snap ?? newSnapshot(undefined, false);

  const summaryOf = (s: Snapshot, lineNo: number): TimelineRecord => {
    if (!s.summary) {
      s.summary = { kind: 'top.summary', source: { file: ctx.file, line: lineNo }, time: recordTime(s), threads_mode: false };
    }
    return s.summary;
  };

  function flushSummary(): void {
    if (!snap) return;
    if (snap.summary) {
      ctx.emit(snap.summary);
      snap.summary = undefined;
    }
    for (const cpu of snap.cpus) ctx.emit(cpu);
    snap.cpus = [];
  }

  const onTopLine = (text: string, lineNo: number, firstInFile: boolean): LineOutcome => {
    const parsed = parseTopLine(text);
    if (typeof parsed === 'string') {
      // still a new snapshot: its rows must not join the previous one (keep its time when readable)
      const clock = parseTimeOfDay(text.slice('top - '.length).split(' ', 1)[0]!);
      newSnapshot(clock, false);
      return { unparsed: parsed };
    }
    const secs = secondsOfDay(parsed.time);
    // back by more than 12 hours: midnight passed (a smaller step back is a clock adjustment), as SysstatClock does
    if (lastSeconds !== undefined && secs < lastSeconds - 12 * 3600) {
      ctx.diagnostic({
        severity: 'info',
        code: 'time-of-day-wrapped',
        message: `snapshot ${nextSample} is at ${formatTimeOfDay(parsed.time)}, before the previous one: midnight passed; records keep their time of day and sample index`,
        line: lineNo,
      });
    }
    lastSeconds = secs;
    const s = newSnapshot(parsed.time, firstInFile);
    const summary = summaryOf(s, lineNo);
    summary.uptime_s = parsed.uptime_s;
    if (parsed.users !== undefined) summary.users = parsed.users;
    [summary.load1, summary.load5, summary.load15] = parsed.loads;
    return 'data';
  };

  const onTasksLine = (text: string, lineNo: number, label: string): LineOutcome => {
    const fields = parseTasksLine(text.slice(label.length + 1));
    if (typeof fields === 'string') return { unparsed: fields };
    const s = currentSnapshot();
    s.threads = label === 'Threads';
    const summary = summaryOf(s, lineNo);
    summary.threads_mode = s.threads;
    Object.assign(summary, fields);
    return 'data';
  };

  const onCpuLine = (text: string, lineNo: number): LineOutcome => {
    const parts = parseCpuLine(text);
    if (typeof parts === 'string') return { unparsed: parts };
    const s = currentSnapshot();
    for (const part of parts) {
      if (part.which === '(s)' && !part.node) {
        Object.assign(summaryOf(s, lineNo), part.values);
        continue;
      }
      const record: TimelineRecord = { kind: 'top.cpu', source: { file: ctx.file, line: lineNo }, time: recordTime(s) };
      const dash = part.which.indexOf('-');
      if (part.node) record.node = Number(part.which);
      else if (dash < 0) record.cpu = Number(part.which);
      else {
        record.cpu_first = Number(part.which.slice(0, dash));
        record.cpu_last = Number(part.which.slice(dash + 1));
      }
      Object.assign(record, part.values);
      s.cpus.push(record);
    }
    return 'data';
  };

  const onMemLine = (text: string, lineNo: number): LineOutcome => {
    const mem = parseMemLine(text);
    if (typeof mem === 'string') return { unparsed: mem };
    const summary = summaryOf(currentSnapshot(), lineNo);
    Object.assign(summary, mem.values);
    if (mem.truncated.length > 0) {
      const list = (summary.truncated_fields as string[] | undefined) ?? [];
      list.push(...mem.truncated);
      summary.truncated_fields = list;
    }
    return 'data';
  };

  const onRow = (text: string, lineNo: number, cols: readonly Column[]): LineOutcome => {
    if (bounds.start.length < cols.length) bounds = newRowBounds(cols.length);
    splitRowBounds(text, cols, bounds);
    const lastTitle = cols[cols.length - 1]!.title;
    if (bounds.start[cols.length - 1]! < 0) return { unparsed: `task row ends before its ${lastTitle} column (line cut?)` };
    const s = currentSnapshot();
    const builders = (builder ??= rowBuildersFor(cols));
    const source = { file: ctx.file, line: lineNo };
    const head = plainRows ? builders.plain.read(text, bounds, source, recordTime(s), s.threads, rowNumbers) : undefined;
    if (head) {
      ctx.emitRow(head, rowNumbers, builders.plain.shapes[plainShapeIndex(s.threads, head)]!);
      return 'data';
    }
    for (let i = 0; i < cols.length; i++) values[i] = columnText(text, cols, bounds, i);
    const record: TimelineRecord = { kind: 'top.task', source, time: recordTime(s) };
    const extras: RowExtras = { extra: undefined, truncated: undefined };
    const problem = builders.general(values, record, extras);
    if (problem) return { unparsed: problem };
    const { extra, truncated } = extras;
    if (record.pid === undefined) return { unparsed: 'task row without a PID' };
    if (s.threads) {
      // under -H the PID column holds thread ids; the process id is known only from a TGID column
      record.tid = record.pid;
      record.is_thread = true;
      if (record.tgid !== undefined) record.pid = record.tgid;
      else delete record.pid;
    }
    if (extra) record.extra = extra;
    if (truncated) record.truncated_fields = truncated;
    ctx.emit(record);
    return 'data';
  };

  return {
    line(text: string, lineNo: number): LineOutcome {
      // A task row under a header, nearly every line: after its blanks a digit (the PID), which no summary
      // line, header or blank line has, so the tests below would all pass it on to onRow.
      if (columns !== undefined && startsWithDigit(text)) {
        atStart = false;
        return onRow(text, lineNo, columns);
      }
      if (isBlank(text)) {
        flushSummary();
        return 'skip';
      }
      const first = atStart;
      atStart = false;
      if (text.startsWith('top - ')) return onTopLine(text, lineNo, first);
      const tasks = TASKS_PREFIX_RE.exec(text);
      if (tasks) return onTasksLine(text, lineNo, tasks[1]!);
      if (CPU_LINE_RE.test(text)) return onCpuLine(text, lineNo);
      if (MEM_PREFIX_RE.test(text)) return onMemLine(text, lineNo);
      if (!DIGIT_RE.test(text)) {
        const header = readHeader(text);
        if (header) {
          currentSnapshot();
          flushSummary();
          columns = header;
          builder = undefined;
          return 'skip';
        }
      }
      if (!columns) return { unparsed: 'expected a top summary line or a task-table header (PID USER PR NI VIRT …)' };
      return onRow(text, lineNo, columns);
    },
    end(): void {
      flushSummary();
    },
  };
}

export const parser: ParserModule = {
  meta: {
    tool: 'top',
    title: 'top (procps / procps-ng) in batch mode',
    commands: ['top -b -d 1 -n 20', 'top -b -H -p PID -n 3', 'top -b -1 -w 512 -n 5', 'top -b -c -o %CPU -n 5'],
    recordKinds: ['top.summary', 'top.cpu', 'top.task'],
    series: {
      'top.summary': { key: [], last: ['uptime_s'], states: ['tasks_running', 'tasks_dsleep'], lows: ['avail_mem_bytes', 'mem_free_bytes'] },
      'top.cpu': { key: ['cpu', 'node', 'cpu_first', 'cpu_last'] },
      // The command joins the key: a pid reused by another program within a bucket stays apart.
      'top.task': { key: ['pid', 'tid', 'command'], last: ['cpu_time_s'], states: ['state'], stateOrder: ['D', 'R', 'Z', 'T', 'S', 'I'] },
    },
    recollect: 'Run top in batch mode with a wide line so nothing is cut: `COLUMNS=512 top -b -w 512 -d 1 -n 60 > top.txt` (add `-H -p PID` for one process\'s threads, `-1` for per-CPU lines).',
  },
  create: (ctx) => createTopReader(ctx),
};
