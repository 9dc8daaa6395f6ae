/**
 * iotop parser and detector: perftriage's own recordings of Python iotop 0.6 batch mode (flags -t, -P -k, -a -qqq,
 * with and without delay accounting) against a bounded two-thread writer, synthetic lines for older/other layouts,
 * and malformed input. See docs/parsers/iotop.md and test/fixtures/iotop/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { iotopBytes, parser, splitCommand } from '../../src/parsers/iotop.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/iotop.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, otherToolFiles, parseFile, skipWithoutShared } from '../helpers.js';

const ours = (name: string): string => fixture('iotop', name);
const MIB = 1024 * 1024;

function headOf(content: string): string[] {
  return content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, ''));
}

function parseOurs(name: string): ParseResult {
  const sniffed = detector.detect(headOf(readFileSync(ours(name), 'utf8')));
  return parseFile(parser, ours(name), sniffed?.variant ?? '');
}

const tasks = (r: ParseResult): TimelineRecord[] => r.records.filter((x) => x.kind === 'iotop.task');
const summaries = (r: ParseResult): TimelineRecord[] => r.records.filter((x) => x.kind === 'iotop.summary');
const fields = (r: ParseResult, line: number): Record<string, unknown> => {
  const found = r.records.find((x) => x.source.line === line);
  assert.ok(found, `${basename(r.file)}: no record from line ${line}`);
  const { kind: _k, source: _s, ...rest } = found;
  return rest;
};

test('sizes are powers of 1024; thread names and kernel threads are told apart', () => {
  assert.equal(iotopBytes('11.96', 'M'), 12540968.96);
  assert.equal(iotopBytes('24520.22', 'K'), 25108705.28);
  assert.equal(iotopBytes('0.00', 'B'), 0);
  assert.deepEqual(splitCommand('python3 /x/ioload.py [pt-writer 1]'), { command: 'python3 /x/ioload.py [pt-writer 1]', thread_name: 'pt-writer 1', kernel_thread: false });
  assert.deepEqual(splitCommand('[kworker/u4:2-events_unbound]'), { command: '[kworker/u4:2-events_unbound]', kernel_thread: true });
  assert.deepEqual(splitCommand('bash /dev/fd/3'), { command: 'bash /dev/fd/3', kernel_thread: false });
});

test('-t: every line carries its time; iterations count from the Total line', () => {
  const r = parseOurs('perftriage-iotop-b-o-t.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'iotop -b -t, SWAPIN/IO unavailable (task_delayacct off)');
  assert.equal(summaries(r).length, 10);
  assert.equal(tasks(r).length, 4);
  assert.deepEqual(fields(r, 7), { time: { clock: 'time-of-day', iso: '01:42:49', sample: 2 }, scope: 'total', read_bytes_per_s: 0, written_bytes_per_s: 24.92 * MIB });
  assert.deepEqual(fields(r, 10), {
    time: { clock: 'time-of-day', iso: '01:42:49', sample: 2 }, tid: 13685, prio: 'be/4', user: 'nobody', read_bytes_per_s: 0, written_bytes_per_s: 12.96 * MIB,
    command: 'python3 /tmp/ptcap/iotop/ioload.py [pt-writer 2]', thread_name: 'pt-writer 2', kernel_thread: false,
  });
  assert.deepEqual(tasks(r).map((x) => [x.tid, x.time?.iso]), [[13685, '01:42:49'], [13684, '01:42:49'], [13684, '01:42:50'], [13685, '01:42:50']]);
  assert.ok(tasks(r).every((x) => x.io_pct === undefined && x.swapin_pct === undefined), '?unavailable?');
});

test('-P -k: process rows under a PID header, sizes in K', () => {
  const r = parseOurs('perftriage-iotop-b-o-P-k.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'iotop -b -P -k, SWAPIN/IO unavailable (task_delayacct off)');
  assert.equal(tasks(r).length, 2);
  assert.deepEqual(fields(r, 10), {
    time: { clock: 'ordinal', sample: 2 }, pid: 13697, prio: 'be/4', user: 'nobody', read_bytes_per_s: 0, written_bytes_per_s: 25108705.28,
    command: 'python3 /tmp/ptcap/iotop/ioload.py', kernel_thread: false,
  });
  assert.equal(fields(r, 12).written_bytes_per_s, 24596.89 * 1024);
  assert.equal(fields(r, 12).scope, 'current');
  assert.ok(tasks(r).every((x) => x.tid === undefined));
});

test('-a -qqq: accumulated bytes, no summary nor header; a repeated TID starts the next iteration', () => {
  const r = parseOurs('perftriage-iotop-b-o-a-qqq.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'iotop -b -a, SWAPIN/IO unavailable (task_delayacct off)');
  assert.deepEqual(tasks(r).map((x) => [x.time?.sample, x.tid, x.written_bytes, x.thread_name]), [
    [0, 13705, 12 * MIB, 'pt-writer 1'], [0, 13706, 12 * MIB, 'pt-writer 2'], [1, 13705, 24 * MIB, 'pt-writer 1'], [1, 13706, 24 * MIB, 'pt-writer 2'],
  ]);
  assert.ok(tasks(r).every((x) => x.written_bytes_per_s === undefined && x.read_bytes === 0));
});

test('delay accounting on: SWAPIN and IO percentages', () => {
  const r = parseOurs('perftriage-iotop-b-o-delayacct.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'iotop -b, SWAPIN/IO shown');
  assert.deepEqual(tasks(r).map((x) => [x.time?.sample, x.tid, x.io_pct, x.swapin_pct, x.written_bytes_per_s]), [
    [2, 13733, 41.5, 0, 11.96 * MIB], [2, 13734, 17.41, 0, 11.96 * MIB], [3, 13733, 26.59, 0, 11.97 * MIB], [3, 13734, 34.79, 0, 10.97 * MIB],
  ]);
  const all = parseOurs('perftriage-iotop-b-all.txt');
  assertCleanParse(all);
  assert.equal(tasks(all).length, 6);
  assert.deepEqual(fields(all, 7), {
    time: { clock: 'ordinal', sample: 1 }, tid: 13758, prio: 'be/4', user: 'nobody', read_bytes_per_s: 0, written_bytes_per_s: 0, swapin_pct: 0, io_pct: 0,
    command: 'python3 /tmp/ptcap/iotop/ioload.py', kernel_thread: false,
  });
  assert.equal(fields(all, 13).io_pct, 49.53);
});

test('older and iotop-c spellings: Actual, no space before the colon, ?unavail?', () => {
  const text = [
    'Total DISK READ: 0.00 B/s | Total DISK WRITE: 5.00 K/s',
    'Actual DISK READ: 0.00 B/s | Actual DISK WRITE: 1.50 M/s',
    '  TID  PRIO  USER     DISK READ  DISK WRITE  SWAPIN     IO>    COMMAND',
    '  412 be/3 root        0.00 B/s    5.00 K/s  0.00 %  1.20 % [jbd2/vda-8]',
    ' 1234 rt/0 1000        1.00 K/s    0.00 B/s ?unavail?  my app --flag',
  ].join('\n');
  const r = parseText(parser, 'x', text);
  assertCleanParse(r);
  assert.deepEqual(fields(r, 2), { time: { clock: 'ordinal', sample: 0 }, scope: 'current', read_bytes_per_s: 0, written_bytes_per_s: 1.5 * MIB });
  assert.equal(fields(r, 4).kernel_thread, true);
  assert.equal(fields(r, 4).io_pct, 1.2);
  assert.deepEqual([fields(r, 5).user, fields(r, 5).prio, fields(r, 5).command, fields(r, 5).read_bytes_per_s], ['1000', 'rt/0', 'my app --flag', 1024]);
  assert.equal(detector.detect(text.split('\n'))?.tool, 'iotop');
});

test('CRLF, truncation, garbage, empty, another tool: diagnostics, never an exception', () => {
  const original = readFileSync(ours('perftriage-iotop-b-o-t.txt'), 'utf8');
  const crlf = parseText(parser, 'crlf', original.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(crlf.records.map((x) => ({ ...x, source: x.source.line })), parseText(parser, 'lf', original).records.map((x) => ({ ...x, source: x.source.line })));
  const cut = parseText(parser, 'cut', original.slice(0, original.indexOf('01:42:49 13685') + 30));
  assertCoverageInvariant(cut);
  assert.equal(cut.coverage.unparsed, 1);
  const garbage = parseText(parser, 'garbage', Buffer.from([0xff, 0xfe, 0x41, 0x0a, 0x00, 0x01, 0x0a]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assertCoverageInvariant(parseText(parser, 'empty', ''));
  const filetop = parseText(parser, 'filetop', readFileSync(fixture('filetop', 'bcc-example-3.txt')));
  assertCoverageInvariant(filetop);
  assert.equal(filetop.records.length, 0);
});

test('detector: every fixture is iotop; no other tool\'s file is', { skip: skipWithoutShared }, () => {
  for (const name of listDir(fixture('iotop'), '.txt')) {
    assert.equal(detector.detect(headOf(readFileSync(ours(name), 'utf8')))?.tool, 'iotop', name);
  }
  for (const path of otherToolFiles('iotop')) {
    const found = detector.detect(headOf(readFileSync(path, 'utf8')));
    assert.equal(found, null, `${path} claimed as ${found?.variant}`);
    assert.equal(parseFile(parser, path).records.length, 0, `${path} gave iotop records`);
  }
});

test('detector: a -qqq file needs two rows; one line of numbers is not enough', () => {
  const row = '13705 be/4 nobody        0.00 B     12.00 M ?unavailable?  python3 x';
  assert.equal(detector.detect([row]), null);
  assert.equal(detector.detect([row, row])?.confidence, 0.85);
});
