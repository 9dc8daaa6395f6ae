/**
 * lsof default output: `lsof`, `lsof -p PID`, `lsof -nP`, `lsof +L`, `-o`, `-s`, `-R`, `-g`, and repeat
 * mode `-r` (each `=======` marker or repeated header starts a new snapshot, `time.sample` + 1).
 *
 * Columns are read by position, the way lsof prints them (print.c): every column is sized to its widest
 * cell in a first pass, cells are separated by one space, COMMAND and TASKCMD are left-aligned, FD is the
 * descriptor right-aligned then one access-mode and one lock character, every other column is
 * right-aligned under its title, and NAME runs to the end of the line. So a title's last character marks
 * its column's right edge, and an empty cell (TID of a main task, DEVICE/SIZE/OFF/NODE of NOFD rows) is
 * blank at that edge. A row whose cells do not line up with its header is reported, not guessed.
 *
 * Emits `lsof.fd` per row: command, pid, tid?, taskcmd?, user, ppid?, pgid?, fd (number) + fd_mode (r/w/u)
 * + fd_lock, or fd_name (cwd, rtd, txt, mem, DEL, NOFD, …), type?, device? (as printed) + device_major /
 * device_minor when `major,minor`, size_bytes (plain SIZE/OFF) or offset_bytes (`0t…` decimal / `0x…` hex
 * SIZE/OFF, or the OFFSET column), nlink?, node (inode number) or protocol (TCP/UDP in NODE), name (without
 * a trailing ` (deleted)`), deleted, and for IPv4/IPv6 rows local_endpoint, remote_endpoint?, tcp_state?.
 * Time: `{ clock: 'ordinal', sample }`.
 *
 * lsof's stderr lines (`lsof: WARNING: can't stat() …`, `Output information may be incomplete.`) are known
 * non-data: skipped with an info diagnostic each.
 */
import type { TimelineRecord } from '../common/types.js';
import { lsofHeaderTitles, lsofVariant } from '../sniff/detectors/lsof.js';
import type { LineOutcome, ParseContext, ParserModule } from './types.js';

type Align = 'left' | 'right' | 'fd' | 'name';
type Key = 'command' | 'pid' | 'tid' | 'taskcmd' | 'user' | 'ppid' | 'pgid' | 'fd' | 'type' | 'device' | 'size_off' | 'size' | 'offset' | 'nlink' | 'node' | 'name';

const TITLES: Readonly<Record<string, { key: Key; align: Align }>> = {
  COMMAND: { key: 'command', align: 'left' },
  PID: { key: 'pid', align: 'right' },
  TID: { key: 'tid', align: 'right' },
  TASKCMD: { key: 'taskcmd', align: 'left' },
  USER: { key: 'user', align: 'right' },
  PPID: { key: 'ppid', align: 'right' },
  PGID: { key: 'pgid', align: 'right' },
  FD: { key: 'fd', align: 'fd' },
  TYPE: { key: 'type', align: 'right' },
  DEVICE: { key: 'device', align: 'right' },
  'SIZE/OFF': { key: 'size_off', align: 'right' },
  SIZE: { key: 'size', align: 'right' },
  OFFSET: { key: 'offset', align: 'right' },
  NLINK: { key: 'nlink', align: 'right' },
  NODE: { key: 'node', align: 'right' },
  NAME: { key: 'name', align: 'name' },
};

interface Column {
  title: string;
  key: Key;
  align: Align;
  /** left/name: where the cell starts; right/fd: unused. */
  start: number;
  /** right: exclusive right edge of the cell; fd: exclusive end of the descriptor (mode and lock follow). */
  end: number;
}

interface Header {
  columns: Column[];
  variant: string;
}

/** Column geometry from a header line, or the reason it cannot be read. */
export function readLsofHeader(line: string): Header | string {
  const titles = lsofHeaderTitles(line);
  if (!titles) return 'not an lsof header';
  const columns: Column[] = [];
  let from = 0;
  for (const title of titles) {
    const spec = TITLES[title];
    if (!spec) return `lsof header has a column perftriage does not read: ${title}`;
    const start = line.indexOf(title, from);
    const end = start + title.length;
    from = end;
    columns.push({ title, key: spec.key, align: spec.align, start, end });
  }
  return { columns, variant: lsofVariant(titles) };
}

interface Cells {
  [key: string]: string | undefined;
  fdMode?: string;
  fdLock?: string;
}

/**
 * Cut a row into cells by the header's geometry. A left-aligned column ends where the value of the
 * right-aligned column after it begins (that value is one word ending at its title's edge).
 */
export function cutRow(line: string, header: Header): Cells | string {
  const cells: Cells = {};
  let cursor = 0;
  let pendingLeft: Column | undefined;
  for (const col of header.columns) {
    if (col.align === 'left') {
      pendingLeft = col;
      continue;
    }
    if (col.align === 'name') {
      if (line.length <= cursor) return 'row ends before the NAME column';
      cells.name = line.slice(cursor).trimEnd();
      if (cells.name === '') return 'NAME column is empty';
      continue;
    }
    const edge = col.align === 'fd' ? col.end + 2 : col.end;
    if (edge < line.length && line.charCodeAt(edge) !== 32) return `${col.title} column does not end where its title does (row not aligned with the header)`;
    const valueEnd = col.align === 'fd' ? col.end : edge;
    let cellStart = cursor;
    if (pendingLeft) {
      // The right-aligned value is one word ending at valueEnd; the left column holds what is before it.
      let runStart = Math.min(valueEnd, line.length);
      while (runStart > cursor && line.charCodeAt(runStart - 1) !== 32) runStart--;
      const left = line.slice(cursor, runStart).trim();
      if (left !== '') cells[pendingLeft.key] = left;
      cellStart = runStart;
      pendingLeft = undefined;
    }
    const raw = line.slice(cellStart, Math.min(valueEnd, line.length));
    const value = raw.trim();
    // Right-aligned: a value ends at the edge, holds no space; a cell that does not is misread.
    if (value !== '' && (raw.charCodeAt(raw.length - 1) === 32 || value.includes(' '))) {
      return `${col.title} cell "${value}" is not right-aligned under its title (row not aligned with the header)`;
    }
    if (value !== '') cells[col.key] = value;
    if (col.align === 'fd') {
      const mode = line[col.end];
      const lock = line[col.end + 1];
      if (mode !== undefined && mode !== ' ') cells.fdMode = mode;
      if (lock !== undefined && lock !== ' ') cells.fdLock = lock;
    }
    cursor = edge + 1;
  }
  if (pendingLeft) return `${pendingLeft.title} column is not followed by a right-aligned column`;
  return cells;
}

const DIGITS = /^\d+$/;

/** SIZE/OFF: `0t123` (decimal offset), `0x1f` (hex offset) or a plain size. */
function sizeOrOffset(text: string, key: 'size_off' | 'size' | 'offset'): { size_bytes?: number; offset_bytes?: number } | undefined {
  if (text.startsWith('0t') && DIGITS.test(text.slice(2))) return { offset_bytes: Number(text.slice(2)) };
  if (text.startsWith('0x') && /^[0-9a-fA-F]+$/.test(text.slice(2))) return { offset_bytes: parseInt(text.slice(2), 16) };
  if (!DIGITS.test(text)) return undefined;
  return key === 'offset' ? { offset_bytes: Number(text) } : { size_bytes: Number(text) };
}

/** `host:port->host:port (ESTABLISHED)` → endpoints and state. */
export function readSocketName(name: string): { local_endpoint: string; remote_endpoint?: string; tcp_state?: string } {
  let rest = name;
  let state: string | undefined;
  if (rest.endsWith(')')) {
    const open = rest.lastIndexOf(' (');
    const inner = open >= 0 ? rest.slice(open + 2, -1) : '';
    if (/^[A-Z][A-Z0-9_]*$/.test(inner)) {
      state = inner;
      rest = rest.slice(0, open);
    }
  }
  const arrow = rest.indexOf('->');
  const out: { local_endpoint: string; remote_endpoint?: string; tcp_state?: string } = { local_endpoint: arrow < 0 ? rest : rest.slice(0, arrow) };
  if (arrow >= 0) out.remote_endpoint = rest.slice(arrow + 2);
  if (state !== undefined) out.tcp_state = state;
  return out;
}

const DELETED_SUFFIX = ' (deleted)';

/** Turn cells into the fields of an `lsof.fd` record; returns a reason when a cell does not read. */
function fillRecord(record: TimelineRecord, cells: Cells): string | undefined {
  if (cells.command === undefined) return 'COMMAND column is empty';
  record.command = cells.command;
  for (const key of ['pid', 'tid', 'ppid', 'pgid', 'nlink'] as const) {
    const text = cells[key];
    if (text === undefined) {
      if (key === 'pid') return 'PID column is empty';
      continue;
    }
    if (!DIGITS.test(text)) return `${key.toUpperCase()} "${text}" is not a whole number`;
    record[key] = Number(text);
  }
  if (cells.taskcmd !== undefined) record.taskcmd = cells.taskcmd;
  if (cells.user === undefined) return 'USER column is empty';
  record.user = cells.user;

  const fd = cells.fd;
  if (fd === undefined) return 'FD column is empty';
  if (DIGITS.test(fd)) record.fd = Number(fd);
  else record.fd_name = fd;
  if (cells.fdMode === 'r' || cells.fdMode === 'w' || cells.fdMode === 'u') record.fd_mode = cells.fdMode;
  if (cells.fdLock !== undefined) record.fd_lock = cells.fdLock;

  if (cells.type !== undefined) record.type = cells.type;
  if (cells.device !== undefined) {
    record.device = cells.device;
    const comma = cells.device.indexOf(',');
    if (comma > 0 && DIGITS.test(cells.device.slice(0, comma)) && DIGITS.test(cells.device.slice(comma + 1))) {
      record.device_major = Number(cells.device.slice(0, comma));
      record.device_minor = Number(cells.device.slice(comma + 1));
    }
  }
  for (const key of ['size_off', 'size', 'offset'] as const) {
    const text = cells[key];
    if (text === undefined) continue;
    const v = sizeOrOffset(text, key);
    if (!v) return `SIZE/OFF "${text}" is neither a size nor a 0t/0x offset`;
    Object.assign(record, v);
  }
  if (cells.node !== undefined) {
    if (DIGITS.test(cells.node)) record.node = Number(cells.node);
    else record.protocol = cells.node;
  }

  let name = cells.name!;
  let deleted = fd === 'DEL';
  if (name.endsWith(DELETED_SUFFIX)) {
    name = name.slice(0, -DELETED_SUFFIX.length);
    deleted = true;
  }
  record.name = name;
  record.deleted = deleted;
  if (record.type === 'IPv4' || record.type === 'IPv6') Object.assign(record, readSocketName(name));
  return undefined;
}

/** lsof's own stderr text, when 2>&1 put it in the file. */
function isLsofMessage(text: string): boolean {
  return text.startsWith('lsof: ') || text.trim() === 'Output information may be incomplete.';
}

export const parser: ParserModule = {
  meta: {
    tool: 'lsof',
    title: 'lsof (open files)',
    commands: ['lsof', 'lsof -p PID', 'lsof -nP', 'lsof +L', 'lsof -r 1'],
    recordKinds: ['lsof.fd'],
    recollect: 'run `lsof -nP > lsof.txt` (or `lsof -nP -p PID`) as root, without -F/-t, so the header line and its columns are kept',
  },
  create(ctx: ParseContext) {
    let header: Header | undefined;
    /** Why the last header could not be read, to say so on each of its rows. */
    let unreadHeader: string | undefined;
    let sample = 0;
    let rowsInSample = 0;
    const newSnapshot = (): void => {
      if (rowsInSample > 0) {
        sample++;
        rowsInSample = 0;
      }
    };

    return {
      line(text: string, lineNo: number): LineOutcome {
        if (text.trim() === '') return 'skip';
        if (isLsofMessage(text)) {
          ctx.diagnostic({ severity: 'info', code: 'tool-message', message: `lsof said: ${text.trim()}`, line: lineNo });
          return 'skip';
        }
        if (text.startsWith('=======')) {
          newSnapshot();
          return 'skip';
        }
        if (text.startsWith('COMMAND')) {
          const next = readLsofHeader(text);
          if (typeof next !== 'string') {
            newSnapshot();
            if (!header) ctx.setVariant(next.variant);
            header = next;
            unreadHeader = undefined;
            return 'skip';
          }
          if (lsofHeaderTitles(text)) {
            header = undefined;
            unreadHeader = next;
            return { unparsed: next };
          }
        }
        if (!header) {
          return { unparsed: unreadHeader ? `row under an lsof header that is not read (${unreadHeader})` : 'no lsof header seen yet (expected a line like "COMMAND PID USER FD TYPE DEVICE SIZE/OFF NODE NAME")' };
        }
        const cells = cutRow(text, header);
        if (typeof cells === 'string') return { unparsed: cells };
        const record: TimelineRecord = { kind: 'lsof.fd', source: { file: ctx.file, line: lineNo }, time: { clock: 'ordinal', sample } };
        const error = fillRecord(record, cells);
        if (error) return { unparsed: error };
        ctx.emit(record);
        rowsInSample++;
        return 'data';
      },
      end(): void {},
    };
  },
};
