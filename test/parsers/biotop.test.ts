/**
 * biotop parser and detector: bcc's Apache-2.0 example (two extracts copied here), the clear-screen form,
 * libbpf-tools' %-7s header, and malformed input. See docs/parsers/biotop.md and test/fixtures/biotop/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TimelineRecord } from '../../src/common/types.js';
import { parser, readBiotopRow } from '../../src/parsers/biotop.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/biotop.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, otherToolFiles, parseFile, skipWithoutShared } from '../helpers.js';

const ours = (name: string): string => fixture('biotop', name);
const headOf = (content: string): string[] => content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, ''));
function parseOurs(name: string): ParseResult {
  return parseFile(parser, ours(name), detector.detect(headOf(readFileSync(ours(name), 'utf8')))?.variant ?? '');
}
const rows = (r: ParseResult): TimelineRecord[] => r.records.filter((x) => x.kind === 'biotop.process');
const at = (r: ParseResult, line: number): TimelineRecord => r.records.find((x) => x.source.line === line)!;
const comparable = (r: ParseResult): unknown[] => r.records.map((x) => ({ ...x, source: { line: x.source.line } }));

test('rows: COMM with blanks, python 3 decimal Kbytes, unknown disk, bad cells', () => {
  assert.deepEqual(readBiotopRow('4242    Web Content      R 259 0   nvme0n1     12   48.0    0.10'), {
    pid: 4242, comm: 'Web Content', direction: 'R', major: 259, minor: 0, disk: 'nvme0n1', ios: 12, bytes: 49152, avg_latency_s: 0.0001,
  });
  assert.equal((readBiotopRow('1 kworker/0:1 W 8 0 ? 1 4 0.20') as Record<string, unknown>).disk, '?');
  assert.match(readBiotopRow('1 x Q 8 0 sda 1 4 0.20') as string, /D "Q"/);
  assert.match(readBiotopRow('1 x R 8 0 sda 1 4') as string, /words where 9 columns/);
});

test('bcc example 1: one interval, 14 processes on xvda1', () => {
  const r = parseOurs('bcc-example-1.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'biotop (bcc python, PID %-6s (before 2021))');
  assert.equal(rows(r).length, 14);
  assert.deepEqual(at(r, 7), {
    kind: 'biotop.process', source: { file: r.file, line: 7 }, time: { clock: 'time-of-day', iso: '08:04:11', sample: 0, interval_s: 1 },
    pid: 14501, comm: 'cksum', direction: 'R', major: 202, minor: 1, disk: 'xvda1', ios: 361, bytes: 28832 * 1024, avg_latency_s: 0.00339,
  });
  assert.equal(at(r, 10).comm, 'jbd2/xvda1-8');
  assert.equal(at(r, 10).direction, 'W');
  assert.equal(at(r, 4).total_tasks, 287);
});

test('bcc example 2 (-C 5): six intervals of 5 s, three disks', () => {
  const r = parseOurs('bcc-example-2.txt');
  assertCleanParse(r);
  assert.equal(r.variant, 'biotop -C 5 (bcc python, PID %-6s (before 2021))');
  const intervals = r.records.filter((x) => x.kind === 'biotop.interval');
  assert.deepEqual(intervals.map((x) => [x.time?.iso, x.time?.sample, x.time?.interval_s]), [
    ['08:09:44', 0, 5], ['08:09:49', 1, 5], ['08:09:54', 2, 5], ['08:09:59', 3, 5], ['08:10:04', 4, 5], ['08:10:09', 5, 5],
  ]);
  assert.equal(rows(r).length, 84);
  const dd = rows(r).filter((x) => x.pid === 22069 && x.comm === 'dd');
  assert.equal(dd.length, 6);
  assert.equal(dd.reduce((s, x) => s + (x.bytes as number), 0), 504056 * 1024);
  assert.deepEqual([at(r, 21).comm, at(r, 21).disk, at(r, 21).minor], ['kworker/u16:2', 'xvdb', 16]);
  assert.deepEqual([at(r, 92).disk, at(r, 92).major, at(r, 92).minor, at(r, 92).time?.iso], ['xvdc', 202, 32, '08:10:04']);
  assert.equal(at(r, 20).avg_latency_s, 0.01994);
});

test('clear-screen form, libbpf-tools header, CRLF: same records', () => {
  const original = readFileSync(ours('bcc-example-2.txt'), 'utf8');
  const a = parseText(parser, 'a', original);
  const cleared = parseText(parser, 'b', original.replace(/^(\d{2}:\d{2}:\d{2} loadavg)/gm, '\x1b[H\x1b[2J$1'));
  assertCleanParse(cleared);
  assert.deepEqual(comparable(cleared), comparable(a));
  const crlf = parseText(parser, 'c', original.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(comparable(crlf), comparable(a));
  const libbpf = ['12:00:01 loadavg: 0.10 0.20 0.30 1/100 999', '', 'PID     COMM             D MAJ MIN DISK       I/O  Kbytes  AVGms', '1234567 kworker/u4:1     W 254 0   vda          3      12   0.50', ''];
  assert.equal(detector.detect(libbpf)?.variant, 'biotop (libbpf-tools)');
  const lr = parseText(parser, 'l', libbpf.join('\n'));
  assertCleanParse(lr);
  assert.equal(at(lr, 4).pid, 1234567);
});

test('malformed input: diagnostics, never an exception', () => {
  const original = readFileSync(ours('bcc-example-1.txt'), 'utf8');
  const cut = parseText(parser, 'cut', original.slice(0, original.indexOf('6961   dd') + 20));
  assertCoverageInvariant(cut);
  assert.equal(cut.coverage.unparsed, 1);
  const garbage = parseText(parser, 'g', Buffer.from([0xff, 0xfe, 0x0a, 0x00, 0x31, 0x0a]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assertCoverageInvariant(parseText(parser, 'e', ''));
  const filetop = parseText(parser, 'f', readFileSync(fixture('filetop', 'bcc-example-4.txt')));
  assertCoverageInvariant(filetop);
  assert.equal(filetop.records.filter((x) => x.kind === 'biotop.process').length, 0);
});

test('detector: fixtures are biotop; no other tool\'s file is', { skip: skipWithoutShared }, () => {
  for (const name of listDir(fixture('biotop'), '.txt')) assert.equal(detector.detect(headOf(readFileSync(ours(name), 'utf8')))?.tool, 'biotop', name);
  for (const path of otherToolFiles('biotop')) {
    const found = detector.detect(headOf(readFileSync(path, 'utf8')));
    assert.equal(found, null, `${path} claimed as ${found?.variant}`);
    assert.equal(parseFile(parser, path).records.filter((x) => x.kind === 'biotop.process').length, 0, path);
  }
});
