/**
 * The hand-written row scanners against the regex readers they replaced (session 8, for speed): the old
 * readers are kept here as the specification, and both read the real rows of the fixtures and thousands of
 * damaged copies of them (blanks added and removed, digits, letters, tabs, CRs, cuts). Any difference in
 * what is read, or in the reason given for a row that cannot be read, fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RecordTime } from '../../src/common/types.js';
import { formatTimeOfDay, parseTimeOfDay } from '../../src/common/time.js';
import { readAlignedRow, readLooseRow } from '../../src/parsers/filetop.js';
import { readOpenRow } from '../../src/parsers/opensnoop.js';
import { plainDecimal, pidstatDecimalAt } from '../../src/parsers/pidstat.js';
import { createIostatReader, parser as iostatParser } from '../../src/parsers/iostat.js';
import { createTopReader, parser as topParser } from '../../src/parsers/top.js';
import { parseText } from '../../src/parsers/run.js';
import type { ParseContext } from '../../src/parsers/types.js';
import { FILETOP_HEADER_RE } from '../../src/sniff/detectors/filetop.js';
import { readOpensnoopHeader, type OpensnoopHeader } from '../../src/sniff/detectors/opensnoop.js';
import { fixture, listDir, repoRoot } from '../helpers.js';
import { mulberry32 as random } from '../../bench/gen-strace.js';

const EDITS = [' ', '  ', '0', '9', '12345678901234567', '.', '-', 'x', 'R', 'S', '\t', '\r', '/', 'é'];

/** `line` with one to three random edits: a piece inserted, a character removed, or the line cut. */
function damaged(line: string, next: () => number): string {
  let out = line;
  const edits = 1 + Math.floor(next() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(next() * (out.length + 1));
    const what = next();
    if (what < 0.5) out = out.slice(0, at) + EDITS[Math.floor(next() * EDITS.length)]! + out.slice(at);
    else if (what < 0.9) out = out.slice(0, at) + out.slice(at + 1);
    else out = out.slice(0, at);
  }
  return out;
}

/** 30 copies of a file's lines, each with three of them damaged. */
function damagedFiles(lines: readonly string[], next: () => number): string[] {
  const files: string[] = [];
  for (let k = 0; k < 30; k++) {
    const copy = [...lines];
    for (let e = 0; e < 3; e++) {
      const at = Math.floor(next() * copy.length);
      copy[at] = damaged(copy[at]!, next);
    }
    files.push(copy.join('\n'));
  }
  return files;
}

/**
 * Each row, then `copies` damaged copies of it, read by the new scanner and by the reference: the same
 * result every time; and both outcomes exercised (damage that leaves the row readable, and that does not).
 */
function compareOnDamaged<R extends { line: string }>(rows: readonly R[], copies: number, seed: number, read: (row: R) => [unknown, unknown], unreadable: (got: unknown) => boolean): void {
  const next = random(seed);
  let bad = 0;
  let compared = 0;
  for (const row of rows) {
    const [got, want] = read(row);
    assert.deepEqual(got, want, row.line);
    for (let k = 0; k < copies; k++) {
      const copy = { ...row, line: damaged(row.line, next) };
      const [gotCopy, wantCopy] = read(copy);
      assert.deepEqual(gotCopy, wantCopy, JSON.stringify(copy.line));
      if (unreadable(gotCopy)) bad++;
      compared++;
    }
  }
  assert.ok(bad > compared / 20 && bad < compared - compared / 20, `${bad} of ${compared} unreadable`);
}

function linesOf(path: string): string[] {
  return readFileSync(path, 'latin1').split('\n').map((l) => l.replace(/\r$/, ''));
}

// ---- opensnoop: the reader before session 8 -------------------------------------------------------------

class Cursor {
  pos = 0;
  carry = '';
  constructor(private readonly line: string) {}
  word(): string | undefined {
    if (this.carry !== '') {
      const w = this.carry;
      this.carry = '';
      return w;
    }
    const { line } = this;
    while (this.pos < line.length && line.charCodeAt(this.pos) === 32) this.pos++;
    const start = this.pos;
    while (this.pos < line.length && line.charCodeAt(this.pos) !== 32) this.pos++;
    return this.pos > start ? line.slice(start, this.pos) : undefined;
  }
}

const INT_RE = /^\d+$/;
const REL_TIME_RE = /^(\d+\.\d{1,9})(\d*)$/;
const LOOSE_TAIL_RE = /^(.*?) +(-?\d+) +(\d+)(?= |$)/;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function referenceOpenRow(line: string, header: OpensnoopHeader): unknown {
  const cur = new Cursor(line);
  let time: RecordTime | undefined;
  if (header.time === 'TIME(s)') {
    const w = cur.word();
    const m = w === undefined ? null : REL_TIME_RE.exec(w);
    if (!m) return `TIME(s) "${w ?? ''}" is not seconds with decimals`;
    time = { clock: 'relative', rel: Number(m[1]) };
    cur.carry = m[2]!;
  } else if (header.time === 'TIME') {
    const w = cur.word() ?? '';
    const tod = parseTimeOfDay(w);
    if (!tod) return `TIME "${w}" is not HH:MM:SS`;
    time = { clock: 'time-of-day', iso: formatTimeOfDay(tod) };
  }
  let uid: number | undefined;
  if (header.uid) {
    const w = cur.word() ?? '';
    if (!INT_RE.test(w)) return `UID "${w}" is not a number (bcc prints UIDs of 6+ digits touching the PID)`;
    uid = Number(w);
  }
  const idText = cur.word() ?? '';
  if (!INT_RE.test(idText)) return `${header.id} "${idText}" is not a number`;
  let commStart = cur.pos;
  while (commStart < line.length && line.charCodeAt(commStart) === 32) commStart++;
  if (commStart >= line.length) return 'row ends after the id column';
  const cells = referenceAligned(line, header, commStart) ?? referenceLoose(line, commStart);
  if (!cells) return 'no "FD ERR" numbers after COMM';
  let pos = cells.errEnd;
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
  while (pos < line.length && line.charCodeAt(pos) === 32) pos++;
  const row: Record<string, unknown> = { id: Number(idText), comm: cells.comm, fd: cells.fd, err: cells.err, path: line.slice(pos) };
  if (time) row.time = time;
  if (uid !== undefined) row.uid = uid;
  if (flagsOctal !== undefined) row.flagsOctal = flagsOctal;
  if (modeOctal !== undefined) row.modeOctal = modeOctal;
  return row;
}

function referenceAligned(line: string, header: OpensnoopHeader, commStart: number): { comm: string; fd: number; err: number; errEnd: number } | undefined {
  const shift = commStart - header.commStart;
  const fdEnd = header.fdEnd + shift;
  if (fdEnd >= line.length || line.charCodeAt(fdEnd) !== 32) return undefined;
  let fdStart = fdEnd;
  while (fdStart > commStart && isDigit(line.charCodeAt(fdStart - 1))) fdStart--;
  if (fdStart === fdEnd) return undefined;
  if (line.charCodeAt(fdStart - 1) === 45) fdStart--;
  if (fdStart <= commStart || line.charCodeAt(fdStart - 1) !== 32) return undefined;
  const comm = line.slice(commStart, fdStart).trimEnd();
  const m = /^ +(\d+)(?= |$)/.exec(line.slice(fdEnd, fdEnd + 16));
  if (!m || comm === '') return undefined;
  return { comm, fd: Number(line.slice(fdStart, fdEnd)), err: Number(m[1]), errEnd: fdEnd + m[0].length };
}

function referenceLoose(line: string, commStart: number): { comm: string; fd: number; err: number; errEnd: number } | undefined {
  const m = LOOSE_TAIL_RE.exec(line.slice(commStart));
  if (!m || m[1] === '') return undefined;
  return { comm: m[1]!, fd: Number(m[2]), err: Number(m[3]), errEnd: commStart + m[0].length };
}

/** Rows of the opensnoop fixtures with the header they are read under. */
function opensnoopRows(): { header: OpensnoopHeader; line: string }[] {
  const rows: { header: OpensnoopHeader; line: string }[] = [];
  for (const name of listDir(fixture('opensnoop'), '.txt')) {
    let header: OpensnoopHeader | undefined;
    for (const line of linesOf(fixture('opensnoop', name))) {
      const h = readOpensnoopHeader(line);
      if (h) header = h;
      else if (header && isDigit(line.charCodeAt(0))) rows.push({ header, line });
    }
  }
  return rows;
}

test('opensnoop rows: the scanner reads every fixture row, and damaged copies, as the regex reader did', () => {
  const rows = opensnoopRows();
  assert.ok(rows.length > 200, `fixture rows: ${rows.length}`);
  const headers = new Set(rows.map((r) => r.header));
  assert.ok([...headers].some((h) => h.time === 'TIME(s)') && [...headers].some((h) => h.uid) && [...headers].some((h) => h.flags), 'headers with TIME(s), UID and FLAGS');
  compareOnDamaged(rows, 40, 8, ({ header, line }) => [readOpenRow(line, header), referenceOpenRow(line, header)], (got) => typeof got === 'string');
  // bcc's TIME(s) touching the PID from 10000 s on, and a TIME(s) word that is not one.
  const bccT = readOpensnoopHeader('TIME(s)       PID    COMM               FD ERR PATH')!;
  for (const line of ['10000.1234567891956   supervise           9   0 /s', '1.5 12 a  3   0 /p', '12. 1 x 3 0 /p', '.5 1 x 3 0 /p', '1.0123456789 2 x 3 0 /p', '']) {
    assert.deepEqual(readOpenRow(line, bccT), referenceOpenRow(line, bccT), line);
  }
});

// ---- filetop: the aligned reader before session 8 -------------------------------------------------------

const AFTER_COMM_RE = /^ +(\d+) +(\d+) +(\d+) +(\d+) +([RSO])(?: (.*))?$/;

function referenceAlignedRow(line: string, idWidth: number): unknown {
  let i = 0;
  while (i < line.length && line.charCodeAt(i) === 32) i++;
  const idStart = i;
  while (i < line.length && isDigit(line.charCodeAt(i))) i++;
  if (i === idStart || line.charCodeAt(i) !== 32) return undefined;
  const commStart = Math.max(idStart + idWidth, i) + 1;
  const commEnd = commStart + 16;
  if (line.length <= commEnd || line.charCodeAt(commStart - 1) !== 32) return undefined;
  const m = AFTER_COMM_RE.exec(line.slice(commEnd));
  if (!m) return undefined;
  const comm = line.slice(commStart, commEnd).trimEnd();
  if (comm === '') return undefined;
  return { tid: Number(line.slice(idStart, i)), comm, reads: Number(m[1]), writes: Number(m[2]), readKib: Number(m[3]), writtenKib: Number(m[4]), type: m[5]!, file: m[6] ?? '' };
}

test('filetop rows: the scanner reads every fixture row, and damaged copies, as the regex reader did', () => {
  const rows: { idWidth: number; line: string }[] = [];
  for (const name of listDir(fixture('filetop'), '.txt')) {
    let idWidth: number | undefined;
    for (const line of linesOf(fixture('filetop', name))) {
      const h = FILETOP_HEADER_RE.exec(line);
      if (h) idWidth = h[1]!.length + h[2]!.length - 1;
      else if (idWidth !== undefined && /^ *\d+ /.test(line)) rows.push({ idWidth, line });
    }
  }
  assert.ok(rows.length > 50, `fixture rows: ${rows.length}`);
  compareOnDamaged(rows, 60, 9, ({ idWidth, line }) => [readAlignedRow(line, idWidth), referenceAlignedRow(line, idWidth)], (got) => got === undefined);
  // Rows the aligned reader leaves to the loose one still read there.
  assert.equal(readAlignedRow('26417 python3 1 2 3 4 R a.txt', 7), undefined);
  assert.deepEqual(readLooseRow('26417 python3 1 2 3 4 R a.txt'), { tid: 26417, comm: 'python3', reads: 1, writes: 2, readKib: 3, writtenKib: 4, type: 'R', file: 'a.txt' });
});

test('pidstat values: the in-place decimal reader gives what the token reader gives (Number of the text), on every token shape', () => {
  const next = random(10);
  const alphabet = '0123456789.-+e, %';
  let plain = 0;
  const tokens: string[] = ['0', '-0.00', '0.00', '3949.83', '66512.97', '-1.00', '.5', '5.', '1.2.3', '--1', '-', '', '123456789012345', '1234567890123456', '12345678901234.56', '99999999999999999999.5'];
  for (let k = 0; k < 20000; k++) {
    const n = Math.floor(next() * 19);
    let t = '';
    // Mostly digits and dots, so that most tokens are plain decimals of every length.
    for (let c = 0; c < n; c++) t += next() < 0.85 ? alphabet[Math.floor(next() * 12)]! : alphabet[Math.floor(next() * alphabet.length)]!;
    tokens.push(t);
  }
  for (const t of tokens) {
    // In a line, between other text: the reader must stay within its bounds.
    const line = `x ${t} 7`;
    const got = pidstatDecimalAt(line, 2, 2 + t.length);
    const want = plainDecimal(t);
    assert.ok(Object.is(got, want), `${JSON.stringify(t)}: ${got} against ${want}`);
    if (want !== undefined) plain++;
  }
  assert.ok(plain > 3000, `plain tokens: ${plain}`);
});

test('iostat rows: read in place first or every line the general way, the same records, coverage and diagnostics, on every fixture and damaged copies', () => {
  const general = { ...iostatParser, create: (ctx: ParseContext) => createIostatReader(ctx, { plainRows: false }) };
  const files = listDir(fixture('iostat')).filter((f) => /\.(out|txt)$/.test(f) && !/json/.test(f));
  assert.ok(files.length >= 12, files.join(' '));
  const next = random(11);
  let rows = 0;
  for (const name of files) {
    const text = readFileSync(fixture('iostat', name), 'latin1');
    const lines = text.split('\n');
    const variants = [text];
    // Lines shaped as rows that an earlier test of the reader takes: avg-cpu: and Device with numbers.
    const injected = lines.flatMap((line) => {
      const titles = line.trim().split(/\s+/);
      if (titles[0] !== 'Device' && titles[0] !== 'Device:') return [line];
      const numbers = titles.slice(1).map((_, k) => `${k}.5`).join(' ');
      return [line, `avg-cpu: ${numbers}`, `Device: ${numbers}`, `12 ${numbers}`, line];
    });
    variants.push(injected.join('\n'));
    variants.push(...damagedFiles(lines, next));
    for (const content of variants) {
      const fast = parseText(iostatParser, name, Buffer.from(content, 'latin1'));
      assert.deepEqual(fast, parseText(general, name, Buffer.from(content, 'latin1')), name);
      rows += fast.records.filter((r) => r.kind === 'iostat.device').length;
    }
  }
  assert.ok(rows > 3000, `device rows compared: ${rows}`);
});

test('top rows: read in place (numbers by char codes, no substring per value) or every row the general way, the same records, coverage and diagnostics, on every fixture and damaged copies', () => {
  const general = { ...topParser, create: (ctx: ParseContext) => createTopReader(ctx, { plainRows: false }) };
  const files = listDir(fixture('top')).filter((f) => /\.(out|txt)$/.test(f)).map((f) => fixture('top', f));
  files.push(join(repoRoot, 'samples', 'seed-case', 'top.txt'));
  assert.ok(files.length >= 7, files.join(' '));
  const next = random(12);
  let rows = 0;
  let plainShaped = 0;
  for (const name of files) {
    const text = readFileSync(name, 'latin1');
    const lines = text.split('\n');
    const variants = [text];
    // Values in their rarer forms where the row's words are: `-`, `?`, suffixed sizes, other CPU times, `rt`.
    const odd = ['-', '?', '1.5g', '12m', '3t', '9999:59', '12,34', '4d+5h', 'rt', '56.0%', '0,5', '+'];
    for (let k = 0; k < 10; k++) {
      variants.push(lines.map((line) => (/^\s*\d/.test(line) && next() < 0.3 ? line.replace(/\S+/g, (w) => (next() < 0.1 ? odd[Math.floor(next() * odd.length)]! : w)) : line)).join('\n'));
    }
    variants.push(...damagedFiles(lines, next));
    for (const content of variants) {
      const fast = parseText(topParser, basename(name), Buffer.from(content, 'latin1'));
      assert.deepEqual(fast, parseText(general, basename(name), Buffer.from(content, 'latin1')), name);
      const tasks = fast.records.filter((r) => r.kind === 'top.task');
      rows += tasks.length;
      plainShaped += tasks.filter((r) => r.extra === undefined && r.truncated_fields === undefined && r.realtime === undefined).length;
    }
  }
  assert.ok(rows > 5000, `task rows compared: ${rows}`);
  assert.ok(plainShaped > 3000, `rows of the plain shape: ${plainShaped}`);
});
