/**
 * filetop: file reads and writes by thread, per interval — bcc `tools/filetop.py` (all header eras) and
 * libbpf-tools `filetop`. Commands read: `filetop [-C] [-a] [-r MAXROWS] [-s SORT] [-p PID]
 * [--read-only|--write-only] [INTERVAL [COUNT]]`, with or without `-C` (without it the tools run `clear`,
 * whose ANSI escape sequences then start each interval's first line in a captured file).
 *
 * Layout per interval: `HH:MM:SS loadavg: L1 L5 L15 RUN/TOTAL LASTPID`, a blank line, the header
 * `TID|PID COMM READS WRITES R_Kb W_Kb T FILE`, rows, a blank line. bcc python adds a
 * `Tracing... Output every N secs. Hit Ctrl-C to end` banner first and `Detaching...` when COUNT is reached.
 *
 * Emits
 * - `filetop.interval` per loadavg line: load1, load5, load15 (load averages), runnable_tasks, total_tasks,
 *   last_pid (the rest of /proc/loadavg as printed).
 * - `filetop.file` per row: tid (the first column is ALWAYS a thread id, whatever the header says — even
 *   the 2016 `PID` header; `-p` filters by process), comm, reads and writes (call counts in the interval),
 *   read_bytes and written_bytes (R_Kb/W_Kb are KiB truncated by the tool: × 1024, so ±1023 bytes), type
 *   (`R` regular file, `S` socket, `O` other: pipe, tty, …) and file (the dentry's base name as printed, no
 *   directory; may hold spaces, runs to the end of the line; names longer than the kernel's inline length end
 *   in `...`).
 * Time: the loadavg line's `HH:MM:SS` (printed at the END of the interval the rows cover) as
 * `{ clock: 'time-of-day', sample }`, `interval_s` when the banner or the echoed command says it; the
 * timeline adds the date. Rows under a header but before any loadavg line (a file cut at its head) get `{ clock: 'ordinal' }`;
 * rows before any header are reported unparsed (their shape alone is not filetop's: top's task rows match it).
 *
 * Quirks: COMM (≤ 15 characters) may hold spaces, so a row is read by positions — COMM is the 16-character
 * field after the id — and, when a row does not line up (hand-edited spacing), by a pattern that takes the
 * shortest COMM followed by four counts and a type letter. A first line echoing the command
 * (`# ./filetop -C`) is a known non-data line: its flags refine the variant.
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { digitsValue, KIB } from '../common/units.js';
import { parseTimeOfDay } from '../common/time.js';
import { SysstatClock } from './sysstat-common.js';
import {
  FILETOP_COMMAND_RE,
  FILETOP_HEADER_RE,
  FILETOP_LOADAVG_RE,
  FILETOP_TRACING_RE,
  filetopVariant,
  stripClearScreen,
} from '../sniff/detectors/filetop.js';
import type { LineOutcome, ParseContext, ParserModule, RecordShape } from './types.js';

/** The shape (ParseContext.emit) of a `filetop.file` record: emitRow's literal. */
const FILE_ROW_SHAPE: RecordShape = { parser: 'filetop', kind: 'filetop.file' };

/** Width of the COMM field (`%-16s`) in every version. */
const COMM_WIDTH = 16;

/** Fallback for rows that do not line up with the header: shortest COMM, then the same columns. */
const LOOSE_ROW_RE = /^\s*(\d+)\s+(.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([RSO])(?:\s(.*))?$/;

interface FiletopRow {
  tid: number;
  comm: string;
  reads: number;
  writes: number;
  readKib: number;
  writtenKib: number;
  type: string;
  file: string;
}

/**
 * Read a row by positions: the id, then COMM in its 16-character field starting where the header's COMM
 * does (or right after an id wider than its column), then the rest.
 */
export function readAlignedRow(line: string, idWidth: number): FiletopRow | undefined {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  const idStart = i;
  while (i < line.length && isDigit(line.charCodeAt(i))) i++;
  if (i === idStart || line.charCodeAt(i) !== 32) return undefined;
  const commStart = Math.max(idStart + idWidth, i) + 1;
  const commEnd = commStart + COMM_WIDTH;
  if (line.length <= commEnd || line.charCodeAt(commStart - 1) !== 32) return undefined;
  const counts = readCounts(line, commEnd);
  if (!counts) return undefined;
  const comm = line.slice(commStart, commEnd).trimEnd();
  if (comm === '') return undefined;
  counts.tid = digitsValue(line, idStart, i);
  counts.comm = comm;
  return counts;
}

/**
 * The counts, type and file from `at` on, read in place as `^ +(\d+) +(\d+) +(\d+) +(\d+) +([RSO])(?: (.*))?$`
 * read them: blanks are spaces; the file, when there is one, follows one space and holds no line
 * terminator. Undefined where the pattern would not match. tid and comm are left for the caller.
 */
function readCounts(line: string, at: number): FiletopRow | undefined {
  const n = line.length;
  const bounds = COUNT_BOUNDS;
  let i = at;
  for (let c = 0; c < 4; c++) {
    const s = skipSpaces(line, i);
    if (s === i) return undefined;
    let e = s;
    while (e < n && isDigit(line.charCodeAt(e))) e++;
    if (e === s) return undefined;
    bounds[2 * c] = s;
    bounds[2 * c + 1] = e;
    i = e;
  }
  const t = skipSpaces(line, i);
  if (t === i || t >= n) return undefined;
  const type = line.charCodeAt(t);
  if (type !== 82 /* R */ && type !== 83 /* S */ && type !== 79 /* O */) return undefined;
  let file = '';
  if (t + 1 < n) {
    if (line.charCodeAt(t + 1) !== 32) return undefined;
    for (let k = t + 2; k < n; k++) if (isLineTerminator(line.charCodeAt(k))) return undefined;
    file = line.slice(t + 2);
  }
  return {
    tid: 0,
    comm: '',
    reads: digitsValue(line, bounds[0]!, bounds[1]!),
    writes: digitsValue(line, bounds[2]!, bounds[3]!),
    readKib: digitsValue(line, bounds[4]!, bounds[5]!),
    writtenKib: digitsValue(line, bounds[6]!, bounds[7]!),
    type: type === 82 ? 'R' : type === 83 ? 'S' : 'O',
    file,
  };
}

/** Start and end of each count readCounts has found (reused: one row is read at a time). */
const COUNT_BOUNDS = new Int32Array(8);

function skipSpaces(line: string, i: number): number {
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  return i;
}

/** What a regex `.` does not match. */
function isLineTerminator(c: number): boolean {
  return c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
}

export function readLooseRow(line: string): FiletopRow | undefined {
  const m = LOOSE_ROW_RE.exec(line);
  if (!m || m[2] === '') return undefined;
  return rowFrom(m[1]!, m[2]!, m, 3);
}

function rowFrom(id: string, comm: string, m: RegExpExecArray, first: number): FiletopRow {
  return {
    tid: Number(id),
    comm,
    reads: Number(m[first]),
    writes: Number(m[first + 1]),
    readKib: Number(m[first + 2]),
    writtenKib: Number(m[first + 3]),
    type: m[first + 4]!,
    file: m[first + 5] ?? '',
  };
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

/** The fields of a libbpf-tools `HH:MM:SS loadavg: 1 5 15 running/total last_pid` line (filetop, biotop). */
export function loadavgFields(la: RegExpExecArray): { load1: number; load5: number; load15: number; runnable_tasks: number; total_tasks: number; last_pid: number } {
  return { load1: Number(la[2]), load5: Number(la[3]), load15: Number(la[4]), runnable_tasks: Number(la[5]), total_tasks: Number(la[6]), last_pid: Number(la[7]) };
}

/**
 * INTERVAL from an echoed command line (`-Cr 5 -a 1 3` → 1, `-C` → the default 1): options that take a
 * value are skipped; anything unknown (a redirection, a pipe) gives undefined rather than a guess.
 */
export function intervalFromCommand(args: string): number | undefined {
  const words = args.trim() === '' ? [] : args.trim().split(/\s+/);
  const withValue = new Set(['r', 's', 'p']);
  const longWithValue = new Set(['--maxrows', '--sort', '--pid']);
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w.startsWith('--')) {
      if (longWithValue.has(w)) i++;
      continue;
    }
    if (w.startsWith('-') && w.length > 1) {
      // A cluster like `-Cr`: the value of its last letter follows, unless attached (`-r5`).
      for (let k = 1; k < w.length; k++) {
        if (withValue.has(w[k]!)) {
          if (k === w.length - 1) i++;
          break;
        }
      }
      continue;
    }
    if (/^\d+$/.test(w)) return Number(w);
    return undefined; // something we do not know (a redirection, a pipe): do not guess
  }
  return DEFAULT_INTERVAL_S;
}

/** Both implementations default to 1-second intervals when no INTERVAL is given. */
const DEFAULT_INTERVAL_S = 1;

export const parser: ParserModule = {
  meta: {
    tool: 'filetop',
    title: 'filetop (bcc python and libbpf-tools): file I/O per thread and interval',
    commands: ['filetop -C 1 10', 'filetop -C -a 5', 'filetop -Cr 5', 'filetop 10 --write-only -C'],
    recordKinds: ['filetop.interval', 'filetop.file'],
    // Each interval prints the top files by I/O: their counts and bytes are that interval's totals.
    series: {
      'filetop.interval': { key: [] },
      'filetop.file': { key: ['tid', 'comm', 'file', 'type'], sums: ['reads', 'writes', 'read_bytes', 'written_bytes'] },
    },
    recollect: 'run `filetop -C INTERVAL COUNT > filetop.txt` (-C keeps the ANSI clear-screen codes out of the file; add -a for sockets and pipes)',
  },
  create(ctx: ParseContext) {
    const clock = new SysstatClock();
    let idWidth = 7;
    let idTitle: string | undefined;
    let tracingBanner = false;
    let command: string | undefined;
    let intervalS: number | undefined;
    let sample = -1;
    let intervalTime: RecordTime | undefined;
    let firstContent: 'interval' | 'other' | undefined;
    let seenContent = false;

    const refineVariant = (): void => {
      if (idTitle === undefined) return;
      ctx.setVariant(filetopVariant({ idTitle, idWidth, tracingBanner, firstIsInterval: firstContent === 'interval', ...(command !== undefined ? { command } : {}) }));
    };

    const rowTime = (): RecordTime => intervalTime ?? { clock: 'ordinal', sample: Math.max(sample, 0) };

    /** One literal, so one shape (ParseContext.emit): every row has these keys. */
    const emitRow = (row: FiletopRow, lineNo: number): LineOutcome => {
      ctx.emit({
        kind: 'filetop.file',
        source: { file: ctx.file, line: lineNo },
        time: rowTime(),
        tid: row.tid,
        comm: row.comm,
        reads: row.reads,
        writes: row.writes,
        read_bytes: row.readKib * KIB,
        written_bytes: row.writtenKib * KIB,
        type: row.type,
        file: row.file,
      }, FILE_ROW_SHAPE);
      return 'data';
    };

    return {
      line(raw: string, lineNo: number): LineOutcome {
        const text = stripClearScreen(raw);
        // A row that lines up, read first: it starts with an id and a blank, which neither the loadavg line
        // (`HH:MM:SS loadavg:`) nor the header (a title) does, so the checks below could not have taken it.
        if (idTitle !== undefined) {
          const aligned = readAlignedRow(text, idWidth);
          if (aligned) {
            seenContent = true;
            return emitRow(aligned, lineNo);
          }
        }
        if (text.trim() === '') return 'skip';
        const first = !seenContent;
        seenContent = true;

        const la = FILETOP_LOADAVG_RE.exec(text);
        if (la) {
          firstContent ??= 'interval';
          const tod = parseTimeOfDay(la[1]!);
          if (!tod) return { unparsed: `loadavg line with an impossible time "${la[1]}"` };
          sample++;
          intervalTime = clock.at(tod, sample, intervalS !== undefined ? { interval_s: intervalS } : {});
          ctx.emit({
            kind: 'filetop.interval',
            source: { file: ctx.file, line: lineNo },
            time: intervalTime,
            ...loadavgFields(la),
          });
          return 'data';
        }

        const header = FILETOP_HEADER_RE.exec(text);
        if (header) {
          firstContent ??= 'other';
          const changed = idTitle === undefined;
          idTitle = header[1]!;
          idWidth = idTitle.length + header[2]!.length - 1;
          if (changed) refineVariant();
          return 'skip';
        }

        const startsWithDigit = isDigit(text.charCodeAt(text.search(/\S/)));
        // Rows only under a header: other tables (top's task list) have rows of the same shape.
        const row = startsWithDigit && idTitle !== undefined ? readAlignedRow(text, idWidth) ?? readLooseRow(text) : undefined;
        if (row) return emitRow(row, lineNo);

        const banner = FILETOP_TRACING_RE.exec(text);
        if (banner) {
          tracingBanner = true;
          firstContent ??= 'other';
          intervalS ??= Number(banner[1]);
          refineVariant();
          return 'skip';
        }
        if (text.trim() === 'Detaching...' || text.trim() === '^C') return 'skip';
        if (first) {
          const cmd = FILETOP_COMMAND_RE.exec(text);
          if (cmd) {
            command = (cmd[1] ?? '').trim();
            intervalS = intervalFromCommand(command);
            seenContent = false; // the tool's own output starts after the echo
            return 'skip';
          }
        }
        if (startsWithDigit && idTitle === undefined) return { unparsed: 'row before any filetop header "TID COMM READS WRITES R_Kb W_Kb T FILE"' };
        return { unparsed: 'expected a filetop row "TID COMM READS WRITES R_Kb W_Kb T FILE", a "HH:MM:SS loadavg:" line or the column header' };
      },
      end(): void {},
    };
  },
};
