/**
 * procps `ps` snapshots: `ps -ef`, `ps aux`/`axu`, `ps -efT`, `ps -eLf`, `ps -eF`, `ps -el` and custom
 * `ps -o …` lists whose titles are known (see PS_TITLES in src/sniff/detectors/ps.ts).
 *
 * The header is found by content (every word a procps column title, with PID and a command column) and
 * may repeat: each header that follows rows starts a new snapshot (`time.sample` + 1), so
 * `while :; do ps -ef; sleep 1; done > ps.txt` reads as a series.
 *
 * Emits
 * - `ps.process` for each row of a header without a thread column;
 * - `ps.thread` for each row of a header with LWP (`-L`), SPID (`-T`) or TID: `pid` is the process,
 *   `tid` the thread, `nlwp` the thread count when shown; all process fields as well.
 * Fields (present only when their column is): pid, ppid, pgid, sid, tid, nlwp, user (+ user_truncated when
 * procps cut a long name to `name+`), uid (a numeric UID column: `ps -l`, or `-o uid` beside USER), cpu_pct (C: integer
 * lifetime %, capped at 99 by procps; %CPU: one decimal, may exceed 100), mem_pct, vsz_bytes / rss_bytes
 * (KiB × 1024), size_pages (SZ), processor (PSR), nice, priority, flags (F), state (S), stat (STAT), wchan,
 * tty (absent for `?`), start (as printed) + start_year / start_month / start_day / start_time_of_day
 * (what the printed form says), cpu_time_s (TIME), elapsed_s (ELAPSED), command (to end of line, spaces
 * kept), comm (the task name, when a second command column precedes the last one: `-o comm,args`),
 * kernel_thread (`[kthreadd]` form), defunct (`<defunct>` suffix, or state Z).
 * Time: `{ clock: 'ordinal', sample }` — ps prints no time; the bundle's capture time places the snapshot.
 *
 * Quirks: the command column runs to the end of the line (or, when columns follow it, up to the words
 * they take from the right); START/STARTED may take 2 words (`Oct 25`, bsdstart) or 5 (lstart), and only
 * there. Columns overflow their width without breaking words, so rows are read by words, not positions —
 * except when two free-text columns are listed (`-o comm,args`): the earlier one ends where the next
 * column's title says.
 */
import type { TimelineRecord } from '../common/types.js';
import { KIB, parseNumber, parseSizedNumber } from '../common/units.js';
import { PS_COMMAND_TITLES, psHeaderTitles, psVariant } from '../sniff/detectors/ps.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

/** What a column becomes. */
type ColumnKey =
  | 'pid' | 'ppid' | 'pgid' | 'sid' | 'tid' | 'nlwp' | 'user' | 'uid'
  | 'c' | 'cpu' | 'mem' | 'vsz' | 'rss' | 'sz' | 'psr' | 'nice' | 'priority' | 'flags'
  | 'state' | 'stat' | 'wchan' | 'tty' | 'start' | 'cpu_time' | 'elapsed' | 'command' | 'comm' | 'ignore';

const TITLE_KEYS: Readonly<Record<string, ColumnKey>> = {
  PID: 'pid', PPID: 'ppid', PGID: 'pgid', SID: 'sid', TGID: 'ignore', TPGID: 'ignore',
  LWP: 'tid', SPID: 'tid', TID: 'tid', NLWP: 'nlwp', THCNT: 'nlwp',
  UID: 'user', USER: 'user', EUSER: 'user', RUSER: 'ignore', RUID: 'ignore', EUID: 'ignore', GROUP: 'ignore',
  C: 'c', '%CPU': 'cpu', '%MEM': 'mem', VSZ: 'vsz', RSS: 'rss', RSZ: 'rss', SZ: 'sz', PSR: 'psr',
  NI: 'nice', PRI: 'priority', CLS: 'ignore', RTPRIO: 'ignore', F: 'flags', S: 'state', STAT: 'stat',
  ADDR: 'ignore', WCHAN: 'wchan', TTY: 'tty', TT: 'tty', STIME: 'start', START: 'start', STARTED: 'start',
  TIME: 'cpu_time', ELAPSED: 'elapsed', CMD: 'command', COMMAND: 'command', ARGS: 'command', LABEL: 'ignore',
};

interface Column {
  title: string;
  key: ColumnKey;
  /** Offsets of the title in the header line (used only to split two free-text columns). */
  start: number;
  end: number;
}

/** procps left-aligns these columns (and their titles); numbers are right-aligned. */
const LEFT_ALIGNED: ReadonlySet<ColumnKey> = new Set(['user', 'tty', 'stat', 'state', 'wchan', 'command', 'comm']);

interface Header {
  columns: Column[];
  /** Index of the free-text command column (the last one when several), or -1. */
  restIndex: number;
  kind: 'ps.process' | 'ps.thread';
  variant: string;
}

function buildHeader(line: string, titles: readonly string[]): Header {
  const hasUserName = titles.includes('USER') || titles.includes('EUSER');
  let from = 0;
  const columns = titles.map((title): Column => {
    let key = TITLE_KEYS[title] ?? 'ignore';
    // `-o uid,user`: UID is then the number, USER the name. In -f formats UID holds the name.
    if (title === 'UID' && hasUserName) key = 'uid';
    const start = line.indexOf(title, from);
    from = start + title.length;
    return { title, key, start, end: from };
  });
  let restIndex = -1;
  for (let i = 0; i < titles.length; i++) {
    if (!PS_COMMAND_TITLES.has(titles[i]!)) continue;
    // Two command columns (`-o comm,args`, both titled COMMAND): the earlier is the task name.
    if (restIndex >= 0) columns[restIndex]!.key = 'comm';
    restIndex = i;
  }
  const kind = columns.some((c) => c.key === 'tid') ? 'ps.thread' : 'ps.process';
  return { columns, restIndex, kind, variant: psVariant(titles) };
}

/** Start and end offsets of the whitespace-separated words of a line, flat: [s0, e0, s1, e1, …]. */
function wordSpans(line: string): number[] {
  const spans: number[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isSpace(line.charCodeAt(i))) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isSpace(line.charCodeAt(i))) i++;
    spans.push(start, i);
  }
  return spans;
}

function isSpace(code: number): boolean {
  return code === 32 || code === 9;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WEEKDAYS = new Set(['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);

/** How many words a START/STIME/STARTED cell takes: 5 for lstart, 2 for `Oct 25`, else 1. */
function startWordCount(first: string): number {
  if (WEEKDAYS.has(first)) return 5;
  if (MONTHS.includes(first)) return 2;
  return 1;
}

interface StartParts {
  start_year?: number;
  start_month?: number;
  start_day?: number;
  start_time_of_day?: string;
}

const TIME_OF_DAY_RE = /^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** What a start-time cell says: `17:35`, `17:35:17`, `Nov30`, `Nov 30`, `2021`, `Thu Nov 26 17:35:17 2026`. */
export function readStart(words: readonly string[]): StartParts | undefined {
  const parts: StartParts = {};
  let rest = words;
  if (rest.length === 5 && WEEKDAYS.has(rest[0]!)) {
    const year = /^\d{4}$/.test(rest[4]!) ? Number(rest[4]) : undefined;
    if (year === undefined) return undefined;
    parts.start_year = year;
    rest = rest.slice(1, 4);
  }
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    const tod = TIME_OF_DAY_RE.exec(w);
    if (tod) {
      parts.start_time_of_day = `${tod[1]!.padStart(2, '0')}:${tod[2]}${tod[3] ? `:${tod[3]}` : ''}`;
      continue;
    }
    if (/^\d{4}$/.test(w)) {
      parts.start_year = Number(w);
      continue;
    }
    const month = MONTHS.indexOf(w.slice(0, 3));
    if (month >= 0) {
      // `Nov30` in one word, or `Nov` then `30` (bsdstart, lstart).
      const dayText = w.length > 3 ? w.slice(3) : rest[++i];
      if (dayText === undefined || !/^\d{1,2}$/.test(dayText)) return undefined;
      parts.start_month = month + 1;
      parts.start_day = Number(dayText);
      continue;
    }
    return undefined;
  }
  return parts;
}

const DURATION_RE = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d{2})$/;

/** `[DD-][HH:]MM:SS` (TIME, ELAPSED; aux's `M:SS`) or plain seconds (etimes) → seconds. */
export function parseDuration(token: string): number | undefined {
  if (/^\d+$/.test(token)) return Number(token);
  const m = DURATION_RE.exec(token);
  if (!m) return undefined;
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3]) * 60 + Number(m[4]);
}

function integer(token: string): number | undefined {
  return /^\d+$/.test(token) ? Number(token) : undefined;
}

/** Store one cell into the record; returns a reason when the cell does not read as its column. */
function applyCell(record: TimelineRecord, column: Column, text: string): string | undefined {
  const bad = (what: string): string => `${column.title} "${text}" is not ${what}`;
  switch (column.key) {
    case 'pid':
    case 'ppid':
    case 'pgid':
    case 'sid':
    case 'tid':
    case 'nlwp':
    case 'uid': {
      const v = integer(text);
      if (v === undefined) return bad('a whole number');
      record[column.key] = v;
      return undefined;
    }
    case 'user':
      // -l and unresolvable users print the numeric UID under the UID title.
      if (column.title === 'UID' && /^\d+$/.test(text)) {
        record.uid = Number(text);
        return undefined;
      }
      record.user = text;
      // procps cuts names longer than the column to `name+` (`systemd+`).
      record.user_truncated = text.length > 1 && text.endsWith('+');
      return undefined;
    case 'c':
    case 'cpu':
    case 'mem': {
      const v = parseNumber(text);
      if (v === undefined) return bad('a percentage');
      record[column.key === 'mem' ? 'mem_pct' : 'cpu_pct'] = v;
      return undefined;
    }
    case 'vsz':
    case 'rss': {
      const v = parseSizedNumber(text, KIB);
      if (v === undefined) return bad('a size in KiB');
      record[`${column.key}_bytes`] = Math.round(v);
      return undefined;
    }
    case 'sz':
    case 'psr':
    case 'flags': {
      const v = integer(text);
      if (v === undefined) return bad('a whole number');
      record[column.key === 'sz' ? 'size_pages' : column.key === 'psr' ? 'processor' : 'flags'] = v;
      return undefined;
    }
    case 'nice':
    case 'priority': {
      if (text === '-') return undefined; // real-time tasks have no nice value
      const v = parseNumber(text);
      if (v === undefined || !Number.isInteger(v)) return bad('a whole number or -');
      record[column.key] = v;
      return undefined;
    }
    case 'state':
    case 'stat':
    case 'comm':
      record[column.key] = text;
      return undefined;
    case 'wchan':
      if (text !== '-') record.wchan = text;
      return undefined;
    case 'tty':
      if (text !== '?' && text !== '-') record.tty = text;
      return undefined;
    case 'start': {
      const parts = readStart(text.split(/\s+/));
      if (!parts) return bad('a start time (HH:MM, MonDD, YYYY or an lstart date)');
      record.start = text;
      Object.assign(record, parts);
      return undefined;
    }
    case 'cpu_time':
    case 'elapsed': {
      const v = parseDuration(text);
      if (v === undefined) return bad('a duration [DD-][HH:]MM:SS');
      record[column.key === 'cpu_time' ? 'cpu_time_s' : 'elapsed_s'] = v;
      return undefined;
    }
    case 'command':
      record.command = text;
      record.kernel_thread = text.length > 2 && text.startsWith('[') && text.endsWith(']');
      record.defunct = text.endsWith('<defunct>');
      return undefined;
    case 'ignore':
      return undefined;
  }
}

/**
 * Words of a free-text column that is not the last one (`ps -L -o comm,args`: thread names may hold
 * spaces): those before the next column, found by its title's position — its start when it is
 * left-aligned like its title, its end when right-aligned (a wide number starts before its title).
 */
function textWordCount(spans: readonly number[], first: number, nextColumn: Column): number {
  const wordCount = spans.length / 2;
  const leftAligned = LEFT_ALIGNED.has(nextColumn.key);
  let k = first + 1;
  while (k < wordCount && (leftAligned ? spans[2 * k]! < nextColumn.start : spans[2 * k + 1]! < nextColumn.end)) k++;
  return k - first;
}

/**
 * Read one row under `header`. Columns left of the command take words from the left, columns right of it
 * from the right; the command is the text in between, verbatim.
 */
export function readRow(line: string, header: Header, record: TimelineRecord): string | undefined {
  const spans = wordSpans(line);
  const wordCount = spans.length / 2;
  const word = (i: number): string => line.slice(spans[2 * i]!, spans[2 * i + 1]!);
  const { columns, restIndex } = header;
  const leftEnd = restIndex >= 0 ? restIndex : columns.length;
  let next = 0;
  for (let c = 0; c < leftEnd; c++) {
    const column = columns[c]!;
    if (next >= wordCount) return `row ends before the ${column.title} column`;
    const take = column.key === 'start' ? startWordCount(word(next)) : column.key === 'comm' ? textWordCount(spans, next, columns[c + 1]!) : 1;
    if (next + take > wordCount) return `row ends inside the ${column.title} column`;
    // The cell as printed: one word, or several with their spacing (`Oct 25`, lstart, a thread name).
    const error = applyCell(record, column, line.slice(spans[2 * next]!, spans[2 * (next + take - 1) + 1]!));
    if (error) return error;
    next += take;
  }
  if (restIndex < 0) {
    return next === wordCount ? undefined : `${wordCount - next} word(s) beyond the last column ${columns[columns.length - 1]!.title}`;
  }
  let last = wordCount - 1;
  for (let c = columns.length - 1; c > restIndex; c--) {
    const column = columns[c]!;
    if (last < next) return `row ends before the ${column.title} column`;
    const error = applyCell(record, column, word(last));
    if (error) return error;
    last--;
  }
  if (last < next) return `row ends before the ${columns[restIndex]!.title} column`;
  const command = line.slice(spans[2 * next]!, spans[2 * last + 1]!);
  return applyCell(record, columns[restIndex]!, command);
}

export const parser: ParserModule = {
  meta: {
    tool: 'ps',
    title: 'procps ps (process and thread snapshots)',
    commands: ['ps -ef', 'ps aux', 'ps -efT', 'ps -eLf', 'ps -eF', 'ps -el', 'ps -eo pid,ppid,user,%cpu,%mem,rss,stat,lstart,time,args'],
    recordKinds: ['ps.process', 'ps.thread'],
    recollect: 'run `ps -eLf > ps-eLf.txt` (threads) or `ps aux > ps-aux.txt` with the header line kept (no `h`/`--no-headers`), LC_ALL=C',
  },
  create(ctx: ParseContext) {
    let header: Header | undefined;
    let sample = -1;
    let rowsInSample = 0;

    return {
      line(text: string, lineNo: number): LineOutcome {
        if (text.trim() === '') return 'skip';
        const titles = psHeaderTitles(text);
        if (titles) {
          const next = buildHeader(text, titles);
          if (header === undefined || rowsInSample > 0 || next.variant !== header.variant) {
            sample++;
            rowsInSample = 0;
          }
          if (header === undefined) ctx.setVariant(next.variant);
          header = next;
          return 'skip';
        }
        if (!header) return { unparsed: 'no ps header seen yet (expected a line like "UID PID PPID C STIME TTY TIME CMD")' };
        const record: TimelineRecord = { kind: header.kind, source: { file: ctx.file, line: lineNo }, time: { clock: 'ordinal', sample } };
        const error = readRow(text, header, record);
        if (error) return { unparsed: `${error} (header: ${header.variant})` };
        if (header.kind === 'ps.thread' && record.tid === undefined) return { unparsed: 'thread row without a thread id' };
        // A zombie shows as <defunct> in args, or as state Z (`ps -l` prints only the name).
        const state = (record.stat ?? record.state) as string | undefined;
        if (state?.startsWith('Z')) record.defunct = true;
        ctx.emit(record);
        rowsInSample++;
        return 'data';
      },
      end(): void {},
    };
  },
};
