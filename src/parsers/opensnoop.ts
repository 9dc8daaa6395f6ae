/**
 * opensnoop: one line per open()/openat()/openat2() — bcc `tools/opensnoop.py`, libbpf-tools `opensnoop`
 * and bpftrace `tools/opensnoop.bt`. Commands read: `opensnoop [-T] [-U] [-x] [-t TID] [-p PID] [-u UID]
 * [-n NAME] [-d SECS] [-e] [-f FLAG] [-F]` (bcc), `opensnoop [-T] [-U] [-x] [-e] [-c] …` (libbpf-tools),
 * `bpftrace opensnoop.bt`.
 *
 * Emits `opensnoop.open` per row:
 * - pid (PID column: the process, TGID) or tid (bcc `-t`: the header says TID and the column is the thread);
 * - uid (`-U`), comm (task name as printed, up to 15 characters, may hold spaces; `<...>` in old bcc),
 *   fd (-1 when the open failed; old bpftrace printed fd 0 as -1 with err 0), err (errno, 0 on success),
 *   err_name (`ENOENT`, `EACCES`, … when err is a known Linux errno);
 * - with `-e`: flags (the open flags as a number), flags_octal (as printed), flag_names (`O_WRONLY`, `O_CREAT`,
 *   … decoded for x86/arm64 Linux), and from 2025 on mode / mode_octal (absent when printed `n/a`);
 * - path: the rest of the line as printed (relative paths kept, may be empty, may hold spaces; `-F` prints
 *   a full path); callers (libbpf-tools `-c`): the symbol lines printed under the row.
 * Time: bcc `-T` `TIME(s)` is seconds since the FIRST traced event → `{ clock: 'relative', rel }`;
 * libbpf-tools `-T` `TIME` is wall-clock `HH:MM:SS` → `{ clock: 'time-of-day', iso }` (the timeline adds the
 * date). Without -T there is no time: records carry none.
 *
 * Rows are read by the header's positions (COMM runs from where the header's COMM starts — shifted by an
 * id wider than its column — up to the right-aligned FD under the header's FD), and, when a row does not
 * line up, by the first `FD ERR` pair of numbers after the shortest COMM. Known non-data lines: a first line
 * echoing the command, bpftrace's `Attaching N probes...` / `Tracing open syscalls...`, `^C`, leftover
 * bpftrace map dumps (`@name[…]: …`), lost-event warnings (also reported as a diagnostic).
 */
import type { RecordTime, TimelineRecord } from '../common/types.js';
import { formatTimeOfDay, parseTimeOfDay } from '../common/time.js';
import { allDigits, digitsValue } from '../common/units.js';
import {
  BPFTRACE_ATTACH_RE,
  BPFTRACE_TRACING_RE,
  OPENSNOOP_COMMAND_RE,
  opensnoopVariant,
  readOpensnoopHeader,
  type OpensnoopHeader,
} from '../sniff/detectors/opensnoop.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

/** Linux errno numbers an open can return (x86-64 / arm64 / generic numbering). */
const ERRNO_NAMES: Readonly<Record<number, string>> = {
  1: 'EPERM', 2: 'ENOENT', 3: 'ESRCH', 4: 'EINTR', 5: 'EIO', 6: 'ENXIO', 7: 'E2BIG', 9: 'EBADF', 11: 'EAGAIN',
  12: 'ENOMEM', 13: 'EACCES', 14: 'EFAULT', 16: 'EBUSY', 17: 'EEXIST', 18: 'EXDEV', 19: 'ENODEV', 20: 'ENOTDIR',
  21: 'EISDIR', 22: 'EINVAL', 23: 'ENFILE', 24: 'EMFILE', 26: 'ETXTBSY', 27: 'EFBIG', 28: 'ENOSPC', 30: 'EROFS',
  31: 'EMLINK', 36: 'ENAMETOOLONG', 40: 'ELOOP', 61: 'ENODATA', 75: 'EOVERFLOW', 95: 'EOPNOTSUPP', 110: 'ETIMEDOUT',
  116: 'ESTALE', 122: 'EDQUOT', 123: 'ENOMEDIUM', 512: 'ERESTARTSYS',
};

export function errnoName(err: number): string | undefined {
  return ERRNO_NAMES[err];
}

/** Open flag bits (asm-generic values, as x86-64 and arm64 use), most specific first. */
const FLAG_BITS: ReadonlyArray<readonly [number, string]> = [
  [0o20200000, 'O_TMPFILE'], // __O_TMPFILE | O_DIRECTORY
  [0o4010000, 'O_SYNC'], // __O_SYNC | O_DSYNC
  [0o100, 'O_CREAT'], [0o200, 'O_EXCL'], [0o400, 'O_NOCTTY'], [0o1000, 'O_TRUNC'], [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'], [0o10000, 'O_DSYNC'], [0o20000, 'O_ASYNC'], [0o40000, 'O_DIRECT'], [0o100000, 'O_LARGEFILE'],
  [0o200000, 'O_DIRECTORY'], [0o400000, 'O_NOFOLLOW'], [0o1000000, 'O_NOATIME'], [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
];

/** `00101101` → O_WRONLY, O_CREAT, O_TRUNC, O_LARGEFILE. Bits no name covers are listed in octal. */
export function decodeOpenFlags(flags: number): string[] {
  const names = [['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][flags & 3]!];
  let rest = flags & ~3;
  for (const [bits, name] of FLAG_BITS) {
    if ((rest & bits) === bits) {
      names.push(name);
      rest &= ~bits;
    }
  }
  if (rest !== 0) names.push(`0${rest.toString(8)}`);
  return names;
}

interface OpenRow {
  time?: RecordTime;
  uid?: number;
  id: number;
  comm: string;
  fd: number;
  err: number;
  flagsOctal?: string;
  modeOctal?: string;
  path: string;
}

/** End of the run of non-blanks starting at `i` (blanks: the space character only, as bcc pads with it). */
function wordEnd(line: string, i: number): number {
  while (i < line.length && line.charCodeAt(i) !== 32) i++;
  return i;
}

function skipBlanks(line: string, i: number): number {
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  return i;
}

/**
 * Where bcc's `TIME(s)` word [s, e) ends its seconds: digits, a dot, up to nine decimals (`\d+\.\d{1,9}`).
 * The digits after those belong to the next column (they touch from 10000 s on). -1 when the word is not
 * digits, a dot and digits.
 */
function relTimeEnd(line: string, s: number, e: number): number {
  let k = s;
  while (k < e && isDigit(line.charCodeAt(k))) k++;
  if (k === s || k >= e || line.charCodeAt(k) !== 46 /* . */) return -1;
  const decimals = k + 1;
  let d = decimals;
  while (d < e && isDigit(line.charCodeAt(d))) d++;
  if (d !== e || d === decimals) return -1;
  return Math.min(e, decimals + 9);
}

/**
 * Read one row under `header`; a string is the reason it could not be read. Scanned in place (no word
 * list, no regex per row): the parser reads every row of files of millions of them.
 */
export function readOpenRow(line: string, header: OpensnoopHeader): OpenRow | string {
  let pos = 0;
  // The part of a word that touched the previous one (bcc's TIME(s) and PID): read as the next word.
  let carryStart = -1;
  let carryEnd = -1;
  let time: RecordTime | undefined;
  if (header.time === 'TIME(s)') {
    const s = skipBlanks(line, pos);
    const e = wordEnd(line, s);
    pos = e;
    const split = e > s ? relTimeEnd(line, s, e) : -1;
    if (split < 0) return `TIME(s) "${line.slice(s, e)}" is not seconds with decimals`;
    time = { clock: 'relative', rel: Number(line.slice(s, split)) };
    if (split < e) {
      carryStart = split;
      carryEnd = e;
    }
  } else if (header.time === 'TIME') {
    const s = skipBlanks(line, pos);
    const e = wordEnd(line, s);
    pos = e;
    const w = line.slice(s, e);
    const tod = parseTimeOfDay(w);
    if (!tod) return `TIME "${w}" is not HH:MM:SS`;
    time = { clock: 'time-of-day', iso: formatTimeOfDay(tod) };
  }
  let uid: number | undefined;
  if (header.uid) {
    let s: number;
    let e: number;
    if (carryStart >= 0) {
      s = carryStart;
      e = carryEnd;
      carryStart = -1;
    } else {
      s = skipBlanks(line, pos);
      e = pos = wordEnd(line, s);
    }
    if (!allDigits(line, s, e)) return `UID "${line.slice(s, e)}" is not a number (bcc prints UIDs of 6+ digits touching the PID)`;
    uid = digitsValue(line, s, e);
  }
  let idStart: number;
  let idEnd: number;
  if (carryStart >= 0) {
    idStart = carryStart;
    idEnd = carryEnd;
  } else {
    idStart = skipBlanks(line, pos);
    idEnd = pos = wordEnd(line, idStart);
  }
  if (!allDigits(line, idStart, idEnd)) return `${header.id} "${line.slice(idStart, idEnd)}" is not a number`;

  const commStart = skipBlanks(line, pos);
  if (commStart >= line.length) return 'row ends after the id column';
  const cells = alignedCells(line, header, commStart) ?? looseCells(line, commStart);
  if (!cells) return 'no "FD ERR" numbers after COMM';

  pos = cells.errEnd;
  let flagsOctal: string | undefined;
  let modeOctal: string | undefined;
  if (header.flags) {
    const m = /^ +([0-7]+)(?= |$)/.exec(line.slice(pos, pos + 40));
    if (!m) return 'FLAGS is not an octal number';
    flagsOctal = m[1]!;
    pos += m[0].length;
  }
  if (header.mode) {
    const m = /^ +([0-7]{3,}|n\/a)(?= |$)/.exec(line.slice(pos, pos + 40));
    if (!m) return 'MODE is neither an octal number nor n/a';
    if (m[1] !== 'n/a') modeOctal = m[1]!;
    pos += m[0].length;
  }
  // PATH follows one blank (two after `n/a `); a path never starts with the padding.
  pos = skipBlanks(line, pos);
  const row: OpenRow = { id: digitsValue(line, idStart, idEnd), comm: cells.comm, fd: cells.fd, err: cells.err, path: line.slice(pos) };
  if (time) row.time = time;
  if (uid !== undefined) row.uid = uid;
  if (flagsOctal !== undefined) row.flagsOctal = flagsOctal;
  if (modeOctal !== undefined) row.modeOctal = modeOctal;
  return row;
}

interface Cells {
  comm: string;
  fd: number;
  err: number;
  /** Offset just after the ERR number. */
  errEnd: number;
}

/** COMM, FD and ERR where the header puts them (shifted by as much as COMM is). */
function alignedCells(line: string, header: OpensnoopHeader, commStart: number): Cells | undefined {
  const shift = commStart - header.commStart;
  const fdEnd = header.fdEnd + shift;
  if (fdEnd >= line.length || line.charCodeAt(fdEnd) !== 32) return undefined;
  let fdStart = fdEnd;
  while (fdStart > commStart && isDigit(line.charCodeAt(fdStart - 1))) fdStart--;
  if (fdStart === fdEnd) return undefined;
  if (line.charCodeAt(fdStart - 1) === 45) fdStart--; // '-'
  if (fdStart <= commStart || line.charCodeAt(fdStart - 1) !== 32) return undefined;
  const comm = line.slice(commStart, fdStart).trimEnd();
  // ERR: blanks then digits, ending at a blank or at the 16-character window's end (as /^ +(\d+)(?= |$)/
  // on line.slice(fdEnd, fdEnd + 16) reads it).
  const windowEnd = Math.min(line.length, fdEnd + 16);
  const errStart = skipBlanks(line, fdEnd);
  if (errStart === fdEnd || errStart >= windowEnd || comm === '') return undefined;
  let errEnd = errStart;
  while (errEnd < windowEnd && isDigit(line.charCodeAt(errEnd))) errEnd++;
  if (errEnd === errStart || (errEnd < windowEnd && line.charCodeAt(errEnd) !== 32)) return undefined;
  return { comm, fd: Number(line.slice(fdStart, fdEnd)), err: digitsValue(line, errStart, errEnd), errEnd };
}

const LOOSE_TAIL_RE = /^(.*?) +(-?\d+) +(\d+)(?= |$)/;

/** The shortest COMM followed by two numbers: for rows whose spacing does not match the header. */
function looseCells(line: string, commStart: number): Cells | undefined {
  const m = LOOSE_TAIL_RE.exec(line.slice(commStart));
  if (!m || m[1] === '') return undefined;
  return { comm: m[1]!, fd: Number(m[2]), err: Number(m[3]), errEnd: commStart + m[0].length };
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

const MAP_DUMP_RE = /^@\w*(?:\[.*\])?: /;
const LOST_RE = /^(?:Lost \d+ events on CPU #\d+!|Possibly lost \d+ samples) *$/;

export const parser: ParserModule = {
  meta: {
    tool: 'opensnoop',
    title: 'opensnoop (bcc python, libbpf-tools, bpftrace): file opens',
    commands: ['opensnoop -T', 'opensnoop -T -U -e', 'opensnoop -x', 'opensnoop -t TID', 'opensnoop -d 10', 'bpftrace opensnoop.bt'],
    recordKinds: ['opensnoop.open'],
    // Over budget, identical opens (same task, path, flags and result) merge per bucket of seconds.
    series: { 'opensnoop.open': { events: true, key: ['pid', 'tid', 'uid', 'comm', 'path', 'err', 'flags', 'mode'], last: ['fd'] } },
    recollect: 'run `opensnoop -T -U -e -d SECONDS > opensnoop.txt` (libbpf-tools; bcc: opensnoop.py -T -U -e -d SECONDS), keeping the header line',
  },
  create(ctx: ParseContext) {
    let header: OpensnoopHeader | undefined;
    let bpftraceLines = false;
    let command: { name: string; args: string } | undefined;
    let seenContent = false;
    /** With `-c`, a row is held until its caller lines are read. */
    let pending: TimelineRecord | undefined;

    const flush = (): void => {
      if (pending) ctx.emit(pending);
      pending = undefined;
    };

    const toRecord = (row: OpenRow, lineNo: number, h: OpensnoopHeader): TimelineRecord => {
      const record: TimelineRecord = { kind: 'opensnoop.open', source: { file: ctx.file, line: lineNo } };
      if (row.time) record.time = row.time;
      if (row.uid !== undefined) record.uid = row.uid;
      record[h.id === 'TID' ? 'tid' : 'pid'] = row.id;
      record.comm = row.comm;
      record.fd = row.fd;
      record.err = row.err;
      const name = row.err > 0 ? errnoName(row.err) : undefined;
      if (name) record.err_name = name;
      if (row.flagsOctal !== undefined) {
        const flags = parseInt(row.flagsOctal, 8);
        record.flags = flags;
        record.flags_octal = row.flagsOctal;
        record.flag_names = decodeOpenFlags(flags);
      }
      if (row.modeOctal !== undefined) {
        record.mode = parseInt(row.modeOctal, 8);
        record.mode_octal = row.modeOctal;
      }
      record.path = row.path;
      return record;
    };

    return {
      line(text: string, lineNo: number): LineOutcome {
        if (pending && header?.callers && text.charCodeAt(0) === 32 && text.trim() !== '') {
          const callers = (pending.callers as string[] | undefined) ?? [];
          callers.push(text.trim());
          pending.callers = callers;
          return 'data';
        }
        flush();
        if (text.trim() === '') return 'skip';
        const first = !seenContent;
        seenContent = true;

        // Rows first: they start with a digit, which a header line never does (it starts with a title).
        if (header && isDigit(text.charCodeAt(0))) {
          const row = readOpenRow(text, header);
          if (typeof row === 'string') return { unparsed: `${row} (header: ${header.id} COMM FD ERR …)` };
          const record = toRecord(row, lineNo, header);
          if (header.callers) pending = record;
          else ctx.emit(record);
          return 'data';
        }
        const next = readOpensnoopHeader(text);
        if (next) {
          if (!header) ctx.setVariant(opensnoopVariant(next, bpftraceLines, command));
          header = next;
          return 'skip';
        }
        if (BPFTRACE_ATTACH_RE.test(text) || BPFTRACE_TRACING_RE.test(text)) {
          bpftraceLines = true;
          return 'skip';
        }
        const trimmed = text.trim();
        if (trimmed === '^C' || MAP_DUMP_RE.test(text)) return 'skip';
        if (LOST_RE.test(trimmed)) {
          ctx.diagnostic({ severity: 'warning', code: 'events-lost', message: `opensnoop reported lost events: "${trimmed}"; the file misses some opens`, line: lineNo });
          return 'skip';
        }
        if (first) {
          const cmd = OPENSNOOP_COMMAND_RE.exec(text);
          if (cmd) {
            command = { name: cmd[1]!, args: (cmd[2] ?? '').trim() };
            seenContent = false;
            return 'skip';
          }
        }
        if (!header && isDigit(text.charCodeAt(0))) return { unparsed: 'opensnoop row before any header line "PID COMM FD ERR PATH": its columns are unknown' };
        return { unparsed: 'expected an opensnoop row (PID COMM FD ERR PATH under its header) or the header' };
      },
      end(): void {
        flush();
      },
    };
  },
};
