/**
 * filetop parser and detector: bcc's Apache-2.0 example captures (copied here, all three header eras), the
 * popularity capture recorded for the project (libbpf-tools; app PID and worker TIDs from its ground truth),
 * the clear-screen form, and malformed input. See docs/parsers/filetop.md and test/fixtures/filetop/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { intervalFromCommand, parser, readAlignedRow, readLooseRow } from '../../src/parsers/filetop.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector, stripClearScreen } from '../../src/sniff/detectors/filetop.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, otherToolFiles, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';

const ours = (name: string): string => fixture('filetop', name);
const FIXTURES = ['bcc-example-1.txt', 'bcc-example-2.txt', 'bcc-example-3.txt', 'bcc-example-4.txt', 'popularity-libbpf.txt'];

function headOf(content: string): string[] {
  return content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, ''));
}

function parseOurs(name: string): ParseResult {
  const path = ours(name);
  const sniffed = detector.detect(headOf(readFileSync(path, 'utf8')));
  return parseFile(parser, path, sniffed?.variant ?? '');
}

const files = (r: ParseResult): TimelineRecord[] => r.records.filter((x) => x.kind === 'filetop.file');
const intervals = (r: ParseResult): TimelineRecord[] => r.records.filter((x) => x.kind === 'filetop.interval');
const atLine = (r: ParseResult, line: number): TimelineRecord => {
  const found = r.records.find((x) => x.source.line === line);
  assert.ok(found, `${basename(r.file)}: no record from line ${line}`);
  return found;
};
const comparable = (r: ParseResult): unknown[] => r.records.map((x) => ({ ...x, source: { line: x.source.line } }));

// ------------------------------------------------------------------------------------------------
// Row readers
// ------------------------------------------------------------------------------------------------

test('rows are read by position: COMM and FILE may hold spaces, an id may overflow its column', () => {
  assert.deepEqual(readAlignedRow('26265   python3          0      1      0       2045    R 430.txt', 7), {
    tid: 26265, comm: 'python3', reads: 0, writes: 1, readKib: 0, writtenKib: 2045, type: 'R', file: '430.txt',
  });
  // Thread names and file names with blanks and digits.
  const spaced = readAlignedRow('4242    Web Content 2    12     3      48      7       R my file 2.txt', 7);
  assert.equal(spaced?.comm, 'Web Content 2');
  assert.equal(spaced?.file, 'my file 2.txt');
  assert.equal(spaced?.reads, 12);
  // 2016 layout (%-6s) with a 7-digit TID pushing everything right by one.
  const wide = readAlignedRow('1234567 cc1              1      0      200     0       R autoconf.h', 6);
  assert.equal(wide?.tid, 1234567);
  assert.equal(wide?.comm, 'cc1');
  assert.equal(wide?.readKib, 200);
  // Spacing that does not line up: the loose reader takes it.
  assert.equal(readAlignedRow('26628 ld 161 186 643 152 R built-in.o', 6), undefined);
  assert.deepEqual(readLooseRow('26628 ld 161 186 643 152 R built-in.o'), {
    tid: 26628, comm: 'ld', reads: 161, writes: 186, readKib: 643, writtenKib: 152, type: 'R', file: 'built-in.o',
  });
  assert.equal(readLooseRow('26628 ld 161 186 643 R built-in.o'), undefined, 'one count missing');
});

test('the echoed command gives the interval; defaults to 1 s; unknown words give nothing', () => {
  assert.equal(intervalFromCommand('-C'), 1);
  assert.equal(intervalFromCommand('-Cr 5'), 1);
  assert.equal(intervalFromCommand('-Cr 5 -a 1 3'), 1);
  assert.equal(intervalFromCommand('10 --write-only -C'), 10);
  assert.equal(intervalFromCommand('-r5 -s rbytes 2'), 2);
  assert.equal(intervalFromCommand('-C 1 10 > filetop.txt'), 1);
  assert.equal(intervalFromCommand('-C | tee x'), undefined);
});

test('clear-screen escape sequences are removed from a line start only', () => {
  assert.equal(stripClearScreen('\x1b[H\x1b[2J08:00:23 loadavg: 1'), '08:00:23 loadavg: 1');
  assert.equal(stripClearScreen('\x1b[H\x1b[2J\x1b[3J'), '');
  assert.equal(stripClearScreen('\x1bc08:00:23'), '08:00:23');
  assert.equal(stripClearScreen('abc\x1b[2J'), 'abc\x1b[2J');
});

// ------------------------------------------------------------------------------------------------
// bcc examples (Apache-2.0, copied here)
// ------------------------------------------------------------------------------------------------

test('bcc example 1 (2016 PID header, -C): 18 rows of one interval, the first column read as a thread id', () => {
  const r = parseOurs('bcc-example-1.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'filetop -C (bcc python, PID header, 2016-02)');
  assert.equal(intervals(r).length, 1);
  assert.equal(files(r).length, 18);
  assert.deepEqual(atLine(r, 4), {
    kind: 'filetop.interval', source: { file: r.file, line: 4 },
    time: { clock: 'time-of-day', iso: '08:00:23', sample: 0, interval_s: 1 },
    load1: 0.91, load5: 0.33, load15: 0.23, runnable_tasks: 3, total_tasks: 286, last_pid: 26635,
  });
  assert.deepEqual(atLine(r, 7), {
    kind: 'filetop.file', source: { file: r.file, line: 7 },
    time: { clock: 'time-of-day', iso: '08:00:23', sample: 0, interval_s: 1 },
    tid: 26628, comm: 'ld', reads: 161, writes: 186, read_bytes: 643 * 1024, written_bytes: 152 * 1024, type: 'R', file: 'built-in.o',
  });
  assert.equal(atLine(r, 24).file, 'swap.o');
  assert.ok(files(r).every((x) => x.pid === undefined), 'never a pid: the column is a thread id');
});

test('bcc example 2 (-Cr 5): three intervals, one second apart', () => {
  const r = parseOurs('bcc-example-2.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'filetop -Cr 5 (bcc python, PID header, 2016-02)');
  assert.deepEqual(intervals(r).map((x) => x.time), [
    { clock: 'time-of-day', iso: '08:05:11', sample: 0, interval_s: 1 },
    { clock: 'time-of-day', iso: '08:05:12', sample: 1, interval_s: 1 },
    { clock: 'time-of-day', iso: '08:05:13', sample: 2, interval_s: 1 },
  ]);
  const cksum = files(r).filter((x) => x.comm === 'cksum');
  assert.deepEqual(cksum.map((x) => [x.time?.sample, x.reads, x.read_bytes]), [
    [0, 5006, 320384 * 1024], [1, 4986, 319104 * 1024], [2, 4985, 319040 * 1024],
  ]);
  assert.deepEqual(files(r).map((x) => x.time?.sample), [0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
});

test('bcc example 3 (-a 1 3): sockets and other files, the Detaching line', () => {
  const r = parseOurs('bcc-example-3.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'filetop -Cr 5 -a 1 3 (bcc python, PID header, 2016-02)');
  assert.equal(files(r).length, 15);
  assert.deepEqual(
    { tid: atLine(r, 9).tid, type: atLine(r, 9).type, file: atLine(r, 9).file, writes: atLine(r, 9).writes, written_bytes: atLine(r, 9).written_bytes },
    { tid: 12421, type: 'S', file: 'TCP', writes: 14104, written_bytes: 778 * 1024 },
  );
  assert.equal(atLine(r, 7).type, 'O');
  assert.equal(atLine(r, 7).file, 'ptmx');
  assert.equal(r.coverage.skipped, 12, 'command, banner, 3 headers, blanks, Detaching');
});

test('bcc example 4 (TID %-7s header, 10 s, --write-only): empty intervals are intervals with no rows', () => {
  const r = parseOurs('bcc-example-4.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'filetop 10 --write-only -C (bcc python, TID header %-7s)');
  assert.deepEqual(intervals(r).map((x) => [x.time?.iso, x.time?.interval_s, x.runnable_tasks, x.total_tasks]), [
    ['08:56:49', 10, 1, 248], ['08:56:59', 10, 2, 246], ['08:57:09', 10, 1, 246],
  ]);
  assert.equal(files(r).length, 1);
  assert.deepEqual({ tid: atLine(r, 7).tid, comm: atLine(r, 7).comm, writes: atLine(r, 7).writes, file: atLine(r, 7).file }, { tid: 638295, comm: 'gomon', writes: 1, file: 'monitoring.log' });
});

// ------------------------------------------------------------------------------------------------
// popularity capture (libbpf-tools, recorded for this project)
// ------------------------------------------------------------------------------------------------

test('popularity capture: ten intervals, 199 rows of the app worker threads with their bytes', () => {
  const r = parseOurs('popularity-libbpf.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'filetop (libbpf-tools, TID header %-7s)');
  assert.equal(intervals(r).length, 10);
  assert.deepEqual(intervals(r).map((x) => x.time?.iso), ['17:35:21', '17:35:22', '17:35:23', '17:35:24', '17:35:25', '17:35:26', '17:35:27', '17:35:28', '17:35:29', '17:35:30']);
  // Worker TIDs from groundtruth/ground-truth.json; 26460 started after filetop's 10 s.
  const workers = [26265, 26415, 26460];
  const rows = files(r).filter((x) => workers.includes(x.tid as number));
  assert.equal(rows.length, 199, 'README-capture: "filetop.txt has 199 rows whose TID is a worker TID"');
  const of = (tid: number): TimelineRecord[] => rows.filter((x) => x.tid === tid);
  assert.equal(of(26265).length, 119);
  assert.equal(of(26415).length, 80);
  assert.equal(of(26460).length, 0);
  assert.equal(of(26265).reduce((s, x) => s + (x.written_bytes as number), 0), 143987 * 1024);
  assert.equal(of(26265).reduce((s, x) => s + (x.read_bytes as number), 0), 38874 * 1024);
  assert.equal(of(26415).reduce((s, x) => s + (x.written_bytes as number), 0), 94144 * 1024);
  assert.ok(rows.every((x) => x.comm === 'python3' && x.type === 'R' && /^\d+\.txt$/.test(x.file as string)));
  // The first worker row: 430.txt, 2045 KiB written in the interval ending 17:35:21.
  assert.deepEqual(atLine(r, 5), {
    kind: 'filetop.file', source: { file: r.file, line: 5 }, time: { clock: 'time-of-day', iso: '17:35:21', sample: 0 },
    tid: 26265, comm: 'python3', reads: 0, writes: 1, read_bytes: 0, written_bytes: 2045 * 1024, type: 'R', file: '430.txt',
  });
  // The hand-over between requests: 26415 appears from the interval ending 17:35:26 on.
  assert.equal(of(26415)[0]!.time?.iso, '17:35:27');
});

test('popularity capture in ../shared is the copied fixture, byte for byte', { skip: skipWithoutShared }, () => {
  assert.deepEqual(readFileSync(join(sharedDir, 'captures', 'popularity', 'filetop.txt')), readFileSync(ours('popularity-libbpf.txt')));
});

// ------------------------------------------------------------------------------------------------
// Terminal forms and malformed input
// ------------------------------------------------------------------------------------------------

test('without -C: clear-screen sequences before each interval read as the same records', () => {
  const original = readFileSync(ours('bcc-example-2.txt'), 'utf8');
  const cleared = original.replace(/^(\d{2}:\d{2}:\d{2} loadavg)/gm, '\x1b[H\x1b[2J$1');
  assert.notEqual(cleared, original);
  const a = parseText(parser, 'a', original);
  const b = parseText(parser, 'b', cleared);
  assertCleanParse(b);
  assert.deepEqual(comparable(b), comparable(a));
  // `clear` on a line of its own (a terminal that flushed it apart): a known non-data line.
  const alone = parseText(parser, 'c', original.replace(/^(\d{2}:\d{2}:\d{2} loadavg)/m, '\x1b[H\x1b[2J\x1b[3J\n$1'));
  assertCleanParse(alone);
  assert.equal(alone.records.length, a.records.length);
  assert.equal(detector.detect(headOf(cleared))?.tool, 'filetop');
});

test('CRLF copy reads as the same records', () => {
  const original = readFileSync(ours('popularity-libbpf.txt'), 'utf8');
  const a = parseText(parser, 'a', original);
  const b = parseText(parser, 'b', original.replace(/\n/g, '\r\n'));
  assertCleanParse(b);
  assert.deepEqual(comparable(b), comparable(a));
});

test('truncated mid-row, garbage, empty, another tool: diagnostics, never an exception', () => {
  const original = readFileSync(ours('bcc-example-2.txt'), 'utf8');
  const cut = parseText(parser, 'cut', original.slice(0, original.indexOf('809    run') + 14));
  assertCoverageInvariant(cut);
  assert.equal(cut.coverage.unparsed, 1, 'the row cut inside COMM is reported');
  assert.equal(cut.diagnostics[0]?.line, 8);

  const garbage = parseText(parser, 'garbage', Buffer.from([0xff, 0xfe, 0x41, 0x0a, 0x00, 0x01, 0x0a, 0x7f, 0x45, 0x4c, 0x46]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assert.equal(garbage.coverage.unparsed, 3);

  const empty = parseText(parser, 'empty', '');
  assertCoverageInvariant(empty);
  assert.equal(empty.records.length, 0);

  const ps = parseText(parser, 'ps', 'UID          PID    PPID  C STIME TTY          TIME CMD\nroot           1       0  0 17:35 ?        00:00:01 /sbin/init\n');
  assertCoverageInvariant(ps);
  assert.equal(ps.records.length, 0);
  assert.equal(ps.coverage.unparsed, 2);
});

test('another tool\'s files fed to the parser give no filetop records', { skip: skipWithoutShared }, () => {
  for (const path of otherToolFiles('filetop', (f) => f === 'filetop.txt')) {
    const r = parseFile(parser, path);
    assertCoverageInvariant(r);
    assert.equal(r.records.filter((x) => x.kind === 'filetop.file').length, 0, `${path} gave filetop rows`);
  }
});

// ------------------------------------------------------------------------------------------------
// Detector
// ------------------------------------------------------------------------------------------------

test('detector: every fixture is filetop, with high confidence', () => {
  const expected: Record<string, string> = {
    'bcc-example-1.txt': 'filetop -C (bcc python, PID header, 2016-02)',
    'bcc-example-2.txt': 'filetop -Cr 5 (bcc python, PID header, 2016-02)',
    'bcc-example-3.txt': 'filetop -Cr 5 -a 1 3 (bcc python, PID header, 2016-02)',
    'bcc-example-4.txt': 'filetop 10 --write-only -C (bcc python, TID header %-7s)',
    'popularity-libbpf.txt': 'filetop (libbpf-tools, TID header %-7s)',
  };
  for (const name of FIXTURES) {
    const head = headOf(readFileSync(ours(name), 'utf8'));
    const found = detector.detect(head);
    assert.equal(found?.tool, 'filetop', name);
    assert.equal(found?.variant, expected[name], name);
    assert.ok(found!.confidence >= 0.9, name);
  }
});

test('detector: header eras and implementations', () => {
  const tid6 = ['Tracing... Output every 1 secs. Hit Ctrl-C to end', '', '12:00:00 loadavg: 0.00 0.00 0.00 1/1 1', '', 'TID    COMM             READS  WRITES R_Kb    W_Kb    T FILE'];
  assert.equal(detector.detect(tid6)?.variant, 'filetop (bcc python, TID header %-6s, 2016-08..2021-07)');
  const headerOnly = ['TID     COMM             READS  WRITES R_Kb    W_Kb    T FILE', '1       a                1      0      1       0       R x'];
  assert.equal(detector.detect(headerOnly)?.variant, 'filetop (bcc python or libbpf-tools, TID header %-7s)');
  assert.equal(detector.detect(headerOnly)?.confidence, 0.97);
  assert.equal(detector.detect(['12:00:00 loadavg: 0.00 0.00 0.00 1/1 1']), null, 'a loadavg line alone is not enough');
});

test('detector claims no other tool\'s file', { skip: skipWithoutShared }, () => {
  for (const path of otherToolFiles('filetop', (f) => f === 'filetop.txt')) {
    const found = detector.detect(headOf(readFileSync(path, 'utf8')));
    assert.equal(found, null, `${path} claimed as ${found?.variant}`);
  }
});
