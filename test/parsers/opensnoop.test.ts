/**
 * opensnoop parser and detector: bcc's and bpftrace's Apache-2.0 example captures (copied here), perftriage's own
 * libbpf-tools and bpftrace recordings of a bounded workload, the popularity capture (../shared; app PID and paths
 * from its ground truth), synthetic rows for layouts the captures lack, and malformed input.
 * See docs/parsers/opensnoop.md and test/fixtures/opensnoop/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { decodeOpenFlags, errnoName, parser, readOpenRow } from '../../src/parsers/opensnoop.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector, readOpensnoopHeader } from '../../src/sniff/detectors/opensnoop.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, otherToolFiles, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';

const ours = (name: string): string => fixture('opensnoop', name);
const popularity = (name: string): string => join(sharedDir, 'captures', 'popularity', name);
const APP_PATH_RE = /^\/tmp\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/\d+\.txt$/;

function headOf(content: string): string[] {
  return content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, ''));
}

function parsePath(path: string): ParseResult {
  const sniffed = detector.detect(headOf(readFileSync(path, 'utf8')));
  return parseFile(parser, path, sniffed?.variant ?? '');
}

const atLine = (r: ParseResult, line: number): TimelineRecord => {
  const found = r.records.find((x) => x.source.line === line);
  assert.ok(found, `${basename(r.file)}: no record from line ${line}`);
  return found;
};
/** A record without its envelope, for compact comparisons. */
const fields = (r: ParseResult, line: number): Record<string, unknown> => {
  const { kind: _k, source: _s, ...rest } = atLine(r, line);
  return rest;
};
const comparable = (r: ParseResult): unknown[] => r.records.map((x) => ({ ...x, source: { line: x.source.line } }));
const sniff = (lines: string[]): ReturnType<typeof detector.detect> => detector.detect(lines);

// ------------------------------------------------------------------------------------------------
// Flags, errno, header and row readers
// ------------------------------------------------------------------------------------------------

test('open flags decode to O_* names, access mode first', () => {
  assert.deepEqual(decodeOpenFlags(0o101101), ['O_WRONLY', 'O_CREAT', 'O_TRUNC', 'O_LARGEFILE']);
  assert.deepEqual(decodeOpenFlags(0o2100000), ['O_RDONLY', 'O_LARGEFILE', 'O_CLOEXEC']);
  assert.deepEqual(decodeOpenFlags(0o301), ['O_WRONLY', 'O_CREAT', 'O_EXCL']);
  assert.deepEqual(decodeOpenFlags(0o2200000), ['O_RDONLY', 'O_DIRECTORY', 'O_CLOEXEC']);
  assert.deepEqual(decodeOpenFlags(0o20200002), ['O_RDWR', 'O_TMPFILE']);
  assert.deepEqual(decodeOpenFlags(0o4010001), ['O_WRONLY', 'O_SYNC']);
  assert.deepEqual(decodeOpenFlags(0o10001), ['O_WRONLY', 'O_DSYNC']);
  assert.deepEqual(decodeOpenFlags(0o40000000), ['O_RDONLY', '040000000'], 'an unnamed bit stays visible');
  assert.equal(errnoName(2), 'ENOENT');
  assert.equal(errnoName(13), 'EACCES');
  assert.equal(errnoName(6), 'ENXIO');
  assert.equal(errnoName(17), 'EEXIST');
  assert.equal(errnoName(9999), undefined);
});

test('headers of every implementation and era', () => {
  const bcc = readOpensnoopHeader('TIME(s)       UID   PID    COMM               FD ERR FLAGS    MODE PATH')!;
  assert.equal(bcc.time, 'TIME(s)');
  assert.ok(bcc.uid && bcc.flags && bcc.mode && !bcc.callers);
  assert.equal(bcc.uidGap, 3);
  const libbpf = readOpensnoopHeader('TIME     UID     PID    COMM              FD ERR FLAGS    MODE  PATH/CALLER')!;
  assert.equal(libbpf.time, 'TIME');
  assert.equal(libbpf.uidGap, 5);
  assert.ok(libbpf.callers);
  assert.equal(readOpensnoopHeader('TID    COMM               FD ERR PATH')?.id, 'TID');
  assert.equal(readOpensnoopHeader('PID    COMM               FD  ERR PATH')?.id, 'PID', 'bpftrace 2026: two blanks before ERR');
  assert.equal(readOpensnoopHeader('PID    COMM               FD PATH'), undefined);
  assert.equal(readOpensnoopHeader('COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF NODE NAME'), undefined, 'lsof');
});

test('rows: COMM with blanks and digits, ids wider than their column, columns that touch', () => {
  const libbpf = readOpensnoopHeader('PID    COMM              FD ERR PATH')!;
  const row = readOpenRow('10396  a 1 2              3   0 /tmp/x 1', libbpf);
  assert.deepEqual(row, { id: 10396, comm: 'a 1 2', fd: 3, err: 0, path: '/tmp/x 1' });
  const wide = readOpenRow('1234567 pt-open wk         3   0 /p', libbpf);
  assert.deepEqual(wide, { id: 1234567, comm: 'pt-open wk', fd: 3, err: 0, path: '/p' });
  // An fd wider than its column: the loose reader takes over.
  assert.deepEqual(readOpenRow('10396  python3         12345   0 /q', libbpf), { id: 10396, comm: 'python3', fd: 12345, err: 0, path: '/q' });
  // bcc -T from 10000 s on: `%-14.9f` touches the PID.
  const bccT = readOpensnoopHeader('TIME(s)       PID    COMM               FD ERR PATH')!;
  const late = readOpenRow('10000.1234567891956   supervise           9   0 supervise/status.new', bccT);
  assert.deepEqual(late, { time: { clock: 'relative', rel: 10000.123456789 }, id: 1956, comm: 'supervise', fd: 9, err: 0, path: 'supervise/status.new' });
  // Reasons, not exceptions.
  assert.match(readOpenRow('abc    x  3   0 /p', libbpf) as string, /PID "abc" is not a number/);
  assert.match(readOpenRow('1956   supervise', libbpf) as string, /no "FD ERR" numbers/);
  const flagsHeader = readOpensnoopHeader('PID    COMM               FD ERR FLAGS    PATH')!;
  assert.match(readOpenRow('1956   x                   3   0 0zz10000 /p', flagsHeader) as string, /FLAGS/);
});

// ------------------------------------------------------------------------------------------------
// bcc and bpftrace examples (Apache-2.0, copied here)
// ------------------------------------------------------------------------------------------------

test('bcc example 1 (2015 narrow layout): `<...>` comm, ENXIO, relative path, ^C', () => {
  const r = parsePath(ours('bcc-example-1.txt'));
  assertCleanParse(r);
  assert.equal(r.variant, 'opensnoop (bcc python, narrow 2015-2016 layout)');
  assert.equal(r.records.length, 31);
  assert.deepEqual(fields(r, 3), { pid: 17326, comm: '<...>', fd: 7, err: 0, path: '/sys/kernel/debug/tracing/trace_pipe' });
  assert.deepEqual(fields(r, 23), { pid: 17358, comm: 'run', fd: -1, err: 6, err_name: 'ENXIO', path: '/dev/tty' });
  assert.equal(atLine(r, 17).path, 'supervise/status.new');
  assert.equal(atLine(r, 33).path, './run');
  assert.ok(r.records.every((x) => x.time === undefined), 'no -T: no time');
});

test('bcc example 2 (-Tp): TIME(s) is seconds since the first event', () => {
  const r = parsePath(ours('bcc-example-2.txt'));
  assertCleanParse(r);
  assert.equal(r.variant, 'opensnoop -Tp 1956 (bcc python)');
  assert.deepEqual(r.records.map((x) => x.time), [0, 0.000289999, 1.023068, 1.023381997, 2.04603, 2.046363, 3.068203997, 3.068544999].map((rel) => ({ clock: 'relative', rel })));
  assert.ok(r.records.every((x) => x.pid === 1956 && x.comm === 'supervise' && x.fd === 9));
});

test('bcc examples 3 and 4 (-U): UID column', () => {
  const r3 = parsePath(ours('bcc-example-3.txt'));
  assertCleanParse(r3);
  assert.equal(r3.variant, 'opensnoop -U (bcc python)');
  assert.deepEqual(fields(r3, 4), { uid: 103, pid: 628, comm: 'dbus-daemon', fd: -1, err: 2, err_name: 'ENOENT', path: '/usr/local/share/dbus-1/system-services' });
  assert.deepEqual(fields(r3, 3), { uid: 0, pid: 27063, comm: 'vminfo', fd: 5, err: 0, path: '/var/run/utmp' });
  const r4 = parsePath(ours('bcc-example-4.txt'));
  assertCleanParse(r4);
  assert.equal(r4.records.length, 6);
  assert.ok(r4.records.every((x) => x.uid === 1000 && x.pid === 30240 && x.comm === 'ls'));
});

test('bcc examples 5-7 (-x, -d, -n): failures, truncated comm, empty paths', () => {
  const r5 = parsePath(ours('bcc-example-5.txt'));
  assertCleanParse(r5);
  assert.equal(r5.records.length, 12);
  assert.ok(r5.records.every((x) => x.fd === -1 && (x.err as number) > 0));
  assert.deepEqual(r5.records.map((x) => x.err_name).filter((v, i, a) => a.indexOf(v) === i), ['ENXIO', 'EACCES', 'ENOENT']);
  assert.equal(atLine(r5, 5).path, 'lock');
  const r6 = parsePath(ours('bcc-example-6.txt'));
  assertCleanParse(r6);
  assert.ok(r6.records.every((x) => x.comm === 'indicator-multi' && x.fd === 11 && x.path === '/sys/block'));
  const r7 = parsePath(ours('bcc-example-7.txt'));
  assertCleanParse(r7);
  assert.equal(r7.variant, 'opensnoop -n ed (bcc python)');
  assert.equal(r7.records.length, 20);
  assert.deepEqual(fields(r7, 12), { pid: 2679, comm: 'sed', fd: -1, err: 2, err_name: 'ENOENT', path: '' });
  assert.equal(atLine(r7, 23).path, '');
  assert.equal(r7.coverage.skipped, 4, 'command, blank, header, ^C');
});

test('bcc examples 8-11 (-e): FLAGS with and without MODE', () => {
  const r8 = parsePath(ours('bcc-example-8.txt'));
  assertCleanParse(r8);
  assert.equal(r8.variant, 'opensnoop.py -e (bcc python, FLAGS and MODE (2025+))');
  assert.deepEqual(fields(r8, 5), {
    pid: 12458, comm: 'open', fd: 3, err: 0, flags: 0o301, flags_octal: '00000301', flag_names: ['O_WRONLY', 'O_CREAT', 'O_EXCL'], mode: 0o664, mode_octal: '0664', path: 'tmp.txt',
  });
  assert.deepEqual(fields(r8, 3), { pid: 12458, comm: 'open', fd: 3, err: 0, flags: 0o2000000, flags_octal: '02000000', flag_names: ['O_RDONLY', 'O_CLOEXEC'], path: '/etc/ld.so.cache' });
  assert.equal(atLine(r8, 13).path, '..');
  const r9 = parsePath(ours('bcc-example-9.txt'));
  assertCleanParse(r9);
  assert.equal(atLine(r9, 5).mode_octal, '0000');
  assert.equal(atLine(r9, 5).mode, 0);
  const r10 = parsePath(ours('bcc-example-10.txt'));
  assertCleanParse(r10);
  assert.equal(r10.variant, 'opensnoop -e (bcc python, FLAGS without MODE)');
  assert.deepEqual(atLine(r10, 3).flag_names, ['O_WRONLY', 'O_CREAT', 'O_TRUNC', 'O_LARGEFILE']);
  assert.equal(atLine(r10, 3).mode, undefined);
  assert.equal(atLine(r10, 3).path, '/proc/self/oom_score_adj');
  const r11 = parsePath(ours('bcc-example-11.txt'));
  assertCleanParse(r11);
  assert.deepEqual(fields(r11, 4), { pid: 28084, comm: 'clear_console', fd: -1, err: 13, err_name: 'EACCES', flags: 0o100002, flags_octal: '00100002', flag_names: ['O_RDWR', 'O_LARGEFILE'], path: '/dev/tty0' });
});

test('bpftrace examples 1 and 2: Attached/Attaching and Tracing lines are known non-data', () => {
  for (const name of ['bpftrace-example-1.txt', 'bpftrace-example-2.txt']) {
    const r = parsePath(ours(name));
    assertCleanParse(r);
    assert.equal(r.variant, 'opensnoop.bt (bpftrace)', name);
    assert.equal(r.records.length, 29, name);
    assert.equal(r.coverage.skipped, 4, name);
    assert.deepEqual(fields(r, 24), { pid: 1744, comm: 'snmpd', fd: -1, err: 2, err_name: 'ENOENT', path: '/sys/class/net/lo/device/vendor' });
    assert.deepEqual(fields(r, 31), { pid: 22884, comm: 'pickup', fd: 12, err: 0, path: 'maildrop' });
  }
});

test('bpftrace example 3 (2025+ full paths; GPL-2.0 source, read from ../shared)', { skip: skipWithoutShared }, () => {
  const r = parsePath(join(sharedDir, 'corpus', 'opensnoop', 'bpftrace-example-3.txt'));
  assertCleanParse(r);
  assert.equal(r.records.length, 9);
  assert.equal(atLine(r, 6).path, '/Git/bpftrace/bpftrace/rongtao/.');
  assert.match(atLine(r, 7).path as string, /app-gnome\\x2dsession\\x2dmanager\.slice\/memory\.pressure$/);
  assert.equal(atLine(r, 9).comm, 'abrt-dump-journ');
});

// ------------------------------------------------------------------------------------------------
// perftriage recordings (libbpf-tools 0.26, bpftrace 0.17) of the bounded workload
// ------------------------------------------------------------------------------------------------

test('libbpf-tools -T -U -e: wall-clock times, comm and path with blanks, EEXIST, decoded flags', () => {
  const r = parsePath(ours('perftriage-libbpf-T-U-e.txt'));
  assertCleanParse(r);
  assert.equal(r.variant, 'opensnoop -T -U -e (libbpf-tools, FLAGS without MODE)');
  assert.equal(r.records.length, 325);
  assert.equal(r.records.filter((x) => x.comm === 'pt-open wk').length, 275);
  assert.equal(r.records.filter((x) => x.comm === 'pt-worker 2').length, 50);
  assert.ok(r.records.every((x) => x.pid === 10396 && x.uid === 0));
  assert.ok(r.records.every((x) => (x.time as { iso: string }).iso === '01:33:06'));
  assert.deepEqual(fields(r, 272), {
    time: { clock: 'time-of-day', iso: '01:33:06' }, uid: 0, pid: 10396, comm: 'pt-open wk', fd: 3, err: 0,
    flags: 0o2001101, flags_octal: '02001101', flag_names: ['O_WRONLY', 'O_CREAT', 'O_TRUNC', 'O_CLOEXEC'], path: '/tmp/pt-opensnoop-hczbnnr8/with space 1.txt',
  });
  assert.deepEqual([atLine(r, 273).err, atLine(r, 273).err_name, atLine(r, 273).fd, atLine(r, 273).flag_names], [17, 'EEXIST', -1, ['O_WRONLY', 'O_CREAT', 'O_EXCL', 'O_CLOEXEC']]);
  assert.deepEqual(atLine(r, 274).flag_names, ['O_RDONLY', 'O_DIRECTORY', 'O_CLOEXEC']);
  assert.deepEqual(atLine(r, 275).flag_names, ['O_WRONLY', 'O_CREAT', 'O_APPEND', 'O_CLOEXEC']);
  assert.equal(r.records.filter((x) => x.err === 2 && /\/missing\/\d+\.txt$/.test(x.path as string)).length, 20);
});

test('libbpf-tools -x, -e and -T -t: failures only, FLAGS alone, a TID filter that keeps the PID column', () => {
  const x = parsePath(ours('perftriage-libbpf-x.txt'));
  assertCleanParse(x);
  assert.equal(x.records.length, 21);
  assert.ok(x.records.every((rec) => rec.fd === -1));
  assert.deepEqual(fields(x, 22), { pid: 10443, comm: 'pt-open wk', fd: -1, err: 17, err_name: 'EEXIST', path: '/tmp/pt-opensnoop-2us9ckw1/0.txt' });
  const e = parsePath(ours('perftriage-libbpf-e.txt'));
  assertCleanParse(e);
  assert.equal(e.records.length, 325);
  assert.equal(atLine(e, 2).flags_octal, '02001101');
  assert.equal(atLine(e, 2).time, undefined);
  const t = parsePath(ours('perftriage-libbpf-T-t.txt'));
  assertCleanParse(t);
  assert.equal(t.variant, 'opensnoop -T (libbpf-tools)');
  assert.equal(t.records.length, 397);
  assert.ok(t.records.every((rec) => rec.pid === 10555 && rec.tid === undefined), '-t filters; the column is still the PID');
  assert.deepEqual(t.records.map((rec) => (rec.time as { iso: string }).iso).filter((v, i, a) => a.indexOf(v) === i), ['01:33:23', '01:33:24', '01:33:25']);
  assert.equal(t.records.filter((rec) => rec.comm === 'pt-open wk').length, 275);
});

test('bpftrace opensnoop.bt recording: trailing blank lines, the same workload rows', () => {
  const r = parsePath(ours('perftriage-bpftrace.txt'));
  assertCleanParse(r);
  assert.equal(r.variant, 'opensnoop (bpftrace)');
  assert.equal(r.records.length, 1707);
  assert.equal(r.records.filter((x) => x.comm === 'pt-open wk').length, 275);
  assert.equal(r.records.filter((x) => x.comm === 'pt-worker 2').length, 50);
  assert.deepEqual(fields(r, 1656), { pid: 10610, comm: 'pt-open wk', fd: 3, err: 0, path: '/tmp/pt-opensnoop-_1_bawa9/with space 1.txt' });
  assert.deepEqual(fields(r, 1657), { pid: 10610, comm: 'pt-open wk', fd: -1, err: 17, err_name: 'EEXIST', path: '/tmp/pt-opensnoop-_1_bawa9/0.txt' });
});

// ------------------------------------------------------------------------------------------------
// popularity capture (../shared; recorded for this project)
// ------------------------------------------------------------------------------------------------

test('popularity opensnoop.txt (libbpf-tools): 2131 opens of the app temp files by PID 26246', { skip: skipWithoutShared }, () => {
  const r = parsePath(popularity('opensnoop.txt'));
  assertCleanParse(r);
  assert.equal(r.variant, 'opensnoop (libbpf-tools)');
  assert.equal(r.records.length, 11527);
  const app = r.records.filter((x) => APP_PATH_RE.test(x.path as string));
  assert.equal(app.length, 2131, 'README-capture: 2131 lines match the temp-file pattern');
  assert.ok(app.every((x) => x.pid === 26246 && x.comm === 'python3' && x.fd === 6 && x.err === 0));
  // Each file is opened twice (written, then read back).
  assert.deepEqual(app.filter((x) => x.path === '/tmp/bf482cd4-e9bf-11f1-81e7-02fc00000001/999.txt').map((x) => x.source.line), [6124, 7209]);
  assert.equal(app.filter((x) => (x.path as string).startsWith('/tmp/c470cb76-e9bf-11f1-b792-02fc00000001/')).length, 425);
  assert.deepEqual(fields(r, 2), { pid: 26246, comm: 'python3', fd: 6, err: 0, path: '/tmp/bf482cd4-e9bf-11f1-81e7-02fc00000001/294.txt' });
  assert.deepEqual(fields(r, 10), { pid: 26375, comm: 'bpftrace', fd: -1, err: 1, err_name: 'EPERM', path: '/sys/kernel/debug/tracing/available_filter_functions' });
  assert.ok(r.records.every((x) => x.time === undefined), 'captured without -T: no times in the file');
});

test('popularity opensnoop-bt.txt (bpftrace 0.17): 2096 opens of the app temp files', { skip: skipWithoutShared }, () => {
  const r = parsePath(popularity('opensnoop-bt.txt'));
  assertCleanParse(r);
  assert.equal(r.variant, 'opensnoop (bpftrace)');
  const app = r.records.filter((x) => APP_PATH_RE.test(x.path as string));
  assert.equal(app.length, 2096);
  assert.ok(app.every((x) => x.pid === 26246 && x.comm === 'python3' && x.fd === 6));
  assert.deepEqual(fields(r, 4), { pid: 26246, comm: 'python3', fd: 6, err: 0, path: '/tmp/bf482cd4-e9bf-11f1-81e7-02fc00000001/326.txt' });
  assert.equal(r.coverage.skipped, 6, 'Attaching, Tracing, header, three trailing blanks');
});

// ------------------------------------------------------------------------------------------------
// Synthetic layouts: bcc -t, -T -U -e together, libbpf -c callers, lost events
// ------------------------------------------------------------------------------------------------

test('bcc -t: the header says TID and records carry tid, not pid', () => {
  const r = parseText(parser, 't', '# ./opensnoop -t 26265\nTID    COMM               FD ERR PATH\n26265  python3             6   0 /tmp/a/1.txt\n');
  assertCleanParse(r);
  assert.equal(r.variant, 'opensnoop -t 26265 (bcc python)');
  assert.deepEqual(fields(r, 3), { tid: 26265, comm: 'python3', fd: 6, err: 0, path: '/tmp/a/1.txt' });
});

test('bcc -T -U -e with MODE: every optional column at once', () => {
  const text = [
    'TIME(s)       UID   PID    COMM               FD ERR FLAGS    MODE PATH',
    '0.000000000   1000  12458  open                3   0 00000301 0664 tmp file.txt',
    '0.001000000   0     1      systemd            -1  13 02000000 n/a  /root/x',
  ].join('\n');
  const r = parseText(parser, 'e', text);
  assertCleanParse(r);
  assert.deepEqual(fields(r, 2), {
    time: { clock: 'relative', rel: 0 }, uid: 1000, pid: 12458, comm: 'open', fd: 3, err: 0, flags: 0o301, flags_octal: '00000301', flag_names: ['O_WRONLY', 'O_CREAT', 'O_EXCL'], mode: 0o664, mode_octal: '0664', path: 'tmp file.txt',
  });
  assert.deepEqual(fields(r, 3), { time: { clock: 'relative', rel: 0.001 }, uid: 0, pid: 1, comm: 'systemd', fd: -1, err: 13, err_name: 'EACCES', flags: 0o2000000, flags_octal: '02000000', flag_names: ['O_RDONLY', 'O_CLOEXEC'], path: '/root/x' });
  assert.equal(sniff(text.split('\n'))?.variant, 'opensnoop -T -U -e (bcc python, FLAGS and MODE (2025+))');
});

test('libbpf-tools -c: caller lines attach to the row above them', () => {
  const text = [
    'TIME     PID    COMM              FD ERR PATH/CALLER',
    '12:00:01 4242   app                3   0 /etc/hosts',
    '                                         main:12',
    '                                         __libc_start_main',
    '12:00:02 4242   app               -1   2 /nope',
    'Lost 3 events on CPU #1!',
  ].join('\n');
  const r = parseText(parser, 'c', text);
  assertCleanParse(r);
  assert.equal(r.records.length, 2);
  assert.deepEqual(atLine(r, 2).callers, ['main:12', '__libc_start_main']);
  assert.equal(atLine(r, 5).callers, undefined);
  assert.deepEqual(r.coverage, { lines: 6, data: 4, skipped: 2, unparsed: 0 });
  assert.equal(r.diagnostics.find((d) => d.code === 'events-lost')?.line, 6);
  assert.equal(sniff(text.split('\n'))?.variant, 'opensnoop -T -c (libbpf-tools)');
});

// ------------------------------------------------------------------------------------------------
// Malformed input
// ------------------------------------------------------------------------------------------------

test('CRLF copy reads as the same records', () => {
  const original = readFileSync(ours('perftriage-libbpf-T-U-e.txt'), 'utf8');
  const a = parseText(parser, 'a', original);
  const b = parseText(parser, 'b', original.replace(/\n/g, '\r\n'));
  assertCleanParse(b);
  assert.deepEqual(comparable(b), comparable(a));
});

test('truncated mid-row, garbage, empty, rows before a header, another tool: diagnostics, never an exception', () => {
  const original = readFileSync(ours('bcc-example-3.txt'), 'utf8');
  const cut = parseText(parser, 'cut', original.slice(0, original.indexOf('103   628') + 15));
  assertCoverageInvariant(cut);
  assert.equal(cut.coverage.unparsed, 1);
  assert.equal(cut.diagnostics[0]?.line, 4);

  const garbage = parseText(parser, 'garbage', Buffer.from([0xff, 0xfe, 0x41, 0x0a, 0x00, 0x01, 0x0a, 0x7f, 0x45, 0x4c, 0x46]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assert.equal(garbage.coverage.unparsed, 3);

  assertCoverageInvariant(parseText(parser, 'empty', ''));

  const headless = parseText(parser, 'headless', '1576   snmpd      9   0 /proc/net/dev\n');
  assert.equal(headless.coverage.unparsed, 1);
  assert.match(headless.diagnostics[0]!.message, /before any header/);

  const filetop = parseText(parser, 'filetop', readFileSync(fixture('filetop', 'bcc-example-1.txt')));
  assertCoverageInvariant(filetop);
  assert.equal(filetop.records.length, 0);
});

test('another tool\'s files fed to the parser give no records', { skip: skipWithoutShared }, () => {
  for (const path of otherToolFiles('opensnoop', (f) => f.startsWith('opensnoop'))) {
    const r = parseFile(parser, path);
    assertCoverageInvariant(r);
    assert.equal(r.records.length, 0, `${path} gave opensnoop records`);
  }
});

// ------------------------------------------------------------------------------------------------
// Detector
// ------------------------------------------------------------------------------------------------

test('detector: every fixture is opensnoop, with high confidence', () => {
  const names = listDir(fixture('opensnoop'), '.txt');
  assert.equal(names.length, 18);
  for (const name of names) {
    const head = headOf(readFileSync(ours(name), 'utf8'));
    const found = detector.detect(head);
    assert.equal(found?.tool, 'opensnoop', name);
    assert.ok(found!.confidence >= 0.9, name);
  }
});

test('detector: implementation from widths and titles', () => {
  assert.equal(sniff(['PID    COMM               FD ERR PATH'])?.variant, 'opensnoop (bcc python or bpftrace)');
  assert.equal(sniff(['PID    COMM              FD ERR PATH'])?.variant, 'opensnoop (libbpf-tools)');
  assert.equal(sniff(['UID    PID    COMM              FD ERR PATH'])?.variant, 'opensnoop -U (libbpf-tools)', 'UID %-6s plus a blank: libbpf-tools before 2022-09');
  assert.equal(sniff(['Attached 8 probes', 'Tracing open syscalls... Hit Ctrl-C to end.', 'PID    COMM               FD ERR PATH'])?.confidence, 0.99);
  assert.equal(sniff(['PID    COMM               FD ERR PATH'])?.confidence, 0.98);
  assert.equal(sniff(['Tracing open syscalls... Hit Ctrl-C to end.']), null);
});

test('detector claims no other tool\'s file', { skip: skipWithoutShared }, () => {
  for (const path of otherToolFiles('opensnoop', (f) => f.startsWith('opensnoop'))) {
    const found = detector.detect(headOf(readFileSync(path, 'utf8')));
    assert.equal(found, null, `${path} claimed as ${found?.variant}`);
  }
});

test('popularity files are claimed with the right implementation', { skip: skipWithoutShared }, () => {
  assert.equal(detector.detect(headOf(readFileSync(popularity('opensnoop.txt'), 'utf8')))?.variant, 'opensnoop (libbpf-tools)');
  assert.equal(detector.detect(headOf(readFileSync(popularity('opensnoop-bt.txt'), 'utf8')))?.variant, 'opensnoop (bpftrace)');
  for (const name of listDir(join(sharedDir, 'corpus', 'opensnoop'))) {
    assert.equal(detector.detect(headOf(readFileSync(join(sharedDir, 'corpus', 'opensnoop', name), 'utf8')))?.tool, 'opensnoop', name);
  }
});
