/**
 * biosnoop parser and detector: bcc's Apache-2.0 example (extract copied here), synthetic lines from the printf formats of
 * bcc -Q, libbpf-tools -t -Q and bpftrace biosnoop.bt, and malformed input. See docs/parsers/biosnoop.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { TimelineRecord } from '../../src/common/types.js';
import { parser, splitAroundComm } from '../../src/parsers/biosnoop.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { biosnoopHeaderTitles, detector } from '../../src/sniff/detectors/biosnoop.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, otherToolFiles, parseFile, skipWithoutShared } from '../helpers.js';

const headOf = (content: string): string[] => content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, ''));
const fields = (r: ParseResult, line: number): Record<string, unknown> => {
  const found = r.records.find((x) => x.source.line === line) as TimelineRecord;
  const { kind: _k, source: _s, ...rest } = found;
  return rest;
};

test('header titles and the split around COMM', () => {
  assert.deepEqual(biosnoopHeaderTitles('TIME(s)     COMM           PID     DISK    T SECTOR     BYTES  QUE(ms) LAT(ms)'), ['TIME(s)', 'COMM', 'PID', 'DISK', 'T', 'SECTOR', 'BYTES', 'QUE(ms)', 'LAT(ms)']);
  assert.equal(biosnoopHeaderTitles('TIME(s)     COMM           PID     DISK    T SECTOR     BYTES'), undefined, 'no LAT(ms)');
  assert.equal(biosnoopHeaderTitles('TIME     COMM  PID  LAT(ms)'), undefined);
  const cells = splitAroundComm('0.1 Web Content 42 sda W 8 4096 1.00', ['TIME(s)', 'COMM', 'PID', 'DISK', 'T', 'SECTOR', 'BYTES', 'LAT(ms)']);
  assert.ok(cells instanceof Map);
  assert.equal(cells.get('COMM'), 'Web Content');
  assert.equal(cells.get('PID'), '42');
});

test('bcc example: 15 I/Os, relative times, latencies in seconds', () => {
  const path = fixture('biosnoop', 'bcc-example-1.txt');
  const r = parseFile(parser, path, detector.detect(headOf(readFileSync(path, 'utf8')))?.variant ?? '');
  assertCleanParse(r);
  assert.equal(r.variant, 'biosnoop (bcc python or libbpf-tools)');
  assert.equal(r.records.length, 15);
  assert.deepEqual(fields(r, 3), { time: { clock: 'relative', rel: 0.000004001 }, comm: 'supervise', pid: 1950, disk: 'xvda1', rwbs: 'W', sector: 13092560, bytes: 4096, latency_s: 0.00074 });
  assert.deepEqual(fields(r, 12), { time: { clock: 'relative', rel: 2.003931001 }, comm: 'xfsaild/md0', pid: 456, disk: 'xvdb', rwbs: 'W', sector: 62901513, bytes: 512, latency_s: 0.00025 });
  assert.equal(r.records.filter((x) => x.disk === 'xvda1').length, 10);
});

test('libbpf-tools -t -Q: wall-clock TIMESTAMP, rwbs letters, unknown queue time', () => {
  const text = [
    'TIMESTAMP    COMM           PID     DISK    T    SECTOR     BYTES     QUE(ms) LAT(ms)',
    '01:02:03.456 jbd2/vda-8     312     vda     WS   123456     4096      0.010   0.450',
    '01:02:03.500 my app 2       4242    vda     RA   98765      131072   -1.000   1.250',
  ].join('\n');
  const r = parseText(parser, 'l', text);
  assertCleanParse(r);
  assert.equal(detector.detect(text.split('\n'))?.variant, 'biosnoop -t -Q (libbpf-tools)');
  assert.deepEqual(fields(r, 2), { time: { clock: 'time-of-day', iso: '01:02:03.456' }, comm: 'jbd2/vda-8', pid: 312, disk: 'vda', rwbs: 'WS', sector: 123456, bytes: 4096, queue_s: 0.00001, latency_s: 0.00045 });
  assert.equal(fields(r, 3).comm, 'my app 2');
  assert.equal(fields(r, 3).queue_s, undefined, '-1 means unknown');
});

test('bpftrace biosnoop.bt: TIME(ms) DISK COMM PID LAT(ms)', () => {
  const text = ['Attaching 4 probes...', 'TIME(ms)     DISK    COMM             PID    LAT(ms)', '611          vda     kworker/u4:2     12         1', '1503         vda     jbd2/vda-8       301        3', '', ''].join('\n');
  const r = parseText(parser, 'b', text);
  assertCleanParse(r);
  assert.equal(detector.detect(text.split('\n'))?.variant, 'biosnoop (bpftrace)');
  assert.deepEqual(fields(r, 3), { time: { clock: 'relative', rel: 0.611 }, disk: 'vda', comm: 'kworker/u4:2', pid: 12, latency_s: 0.001 });
});

test('malformed input: diagnostics, never an exception', () => {
  const original = readFileSync(fixture('biosnoop', 'bcc-example-1.txt'), 'utf8');
  const crlf = parseText(parser, 'c', original.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.equal(crlf.records.length, 15);
  const cut = parseText(parser, 'cut', original.slice(0, original.indexOf('0.000178002') + 30));
  assertCoverageInvariant(cut);
  assert.equal(cut.coverage.unparsed, 1);
  assertCoverageInvariant(parseText(parser, 'g', Buffer.from([0xff, 0x0a, 0x00, 0x0a])));
  assertCoverageInvariant(parseText(parser, 'e', ''));
  const headless = parseText(parser, 'h', '0.000004001    supervise      1950   xvda1   W  13092560  4096       0.74\n');
  assert.equal(headless.coverage.unparsed, 1);
});

test('detector: no other tool\'s file is biosnoop', { skip: skipWithoutShared }, () => {
  for (const path of otherToolFiles('biosnoop')) {
    const found = detector.detect(headOf(readFileSync(path, 'utf8')));
    assert.equal(found, null, `${path} claimed as ${found?.variant}`);
    assert.equal(parseFile(parser, path).records.length, 0, path);
  }
});
