/**
 * vmstat parser and detector: jc fixtures (MIT, copied here), perftriage's own captures (procps-ng 4.0.2),
 * jc conformance field by field, -S units from the variant, since-boot, malformed input.
 * See docs/parsers/vmstat.md and test/fixtures/vmstat/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { KIB, MIB } from '../../src/common/units.js';
import { parser, variantSkipsFirstRow, variantUnitBytes } from '../../src/parsers/vmstat.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/vmstat.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';
import { otherToolFiles } from '../helpers.js';

const ours = (name: string): string => fixture('vmstat', name);
const parseOurs = (name: string, variant = ''): ParseResult => parseFile(parser, ours(name), variant);
const samples = (r: ParseResult): TimelineRecord[] => r.records.filter((x) => x.kind === 'vmstat.sample');
const sniff = (content: string): ReturnType<typeof detector.detect> =>
  detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));

/** The value fields of a record, without kind/source/time. */
function values(record: TimelineRecord): Record<string, unknown> {
  const { kind: _k, source: _s, time: _t, ...rest } = record;
  return rest;
}

// ------------------------------------------------------------------------------------------------
// Every fixture parses cleanly
// ------------------------------------------------------------------------------------------------

test('every vmstat fixture parses with no unparsed line and valid records', () => {
  const files = listDir(fixture('vmstat')).filter((f) => f.endsWith('.out') || f.endsWith('.txt'));
  assert.ok(files.length >= 12, `expected the jc and own fixtures, found ${files.length}`);
  for (const f of files) {
    const r = parseOurs(f);
    assertCleanParse(r);
    assert.ok(samples(r).length > 0, `${f}: no sample`);
  }
});

// ------------------------------------------------------------------------------------------------
// Real values
// ------------------------------------------------------------------------------------------------

test('vmstat 1 3 (own, procps-ng 4.0.2): KiB → bytes, row 0 since boot, ordinal times', () => {
  const r = parseOurs('own-vmstat-1-3.txt');
  const s = samples(r);
  assert.equal(s.length, 3);
  assert.deepEqual(s[0]!.time, { clock: 'ordinal', sample: 0, since_boot: true });
  assert.deepEqual(s[1]!.time, { clock: 'ordinal', sample: 1 });
  assert.deepEqual(values(s[0]!), {
    runnable: 1, blocked: 0, swpd_bytes: 0, free_bytes: 24373188 * KIB, buff_bytes: 1188 * KIB, cache_bytes: 191376 * KIB,
    swap_in_bytes_per_s: 0, swap_out_bytes_per_s: 0, blocks_in_per_s: 61, blocks_out_per_s: 49, interrupts_per_s: 12,
    context_switches_per_s: 20, user_pct: 0, system_pct: 0, idle_pct: 100, iowait_pct: 0, steal_pct: 0,
  });
  assert.equal(s[2]!.interrupts_per_s, 54);
  assert.equal(s[2]!.context_switches_per_s, 110);
  assert.equal(s[2]!.source.line, 5);
});

test('vmstat -t 1 3 (own, zone UTC): utc instants, interval from consecutive rows, timezone kept', () => {
  const s = samples(parseOurs('own-vmstat-t-1-3.txt'));
  assert.deepEqual(s.map((x) => x.time), [
    { clock: 'utc', iso: '2026-11-27T00:15:12Z', epoch: Date.UTC(2026, 10, 27, 0, 15, 12) / 1000, sample: 0, since_boot: true },
    { clock: 'utc', iso: '2026-11-27T00:15:13Z', epoch: Date.UTC(2026, 10, 27, 0, 15, 13) / 1000, sample: 1, interval_s: 1 },
    { clock: 'utc', iso: '2026-11-27T00:15:14Z', epoch: Date.UTC(2026, 10, 27, 0, 15, 14) / 1000, sample: 2, interval_s: 1 },
  ]);
  assert.ok(s.every((x) => x.timezone === 'UTC'));
  assert.equal(s[1]!.free_bytes, 24380564 * KIB);
});

test('vmstat -t -w under TZ=America/Los_Angeles: local wall clock with timezone PST, gu column', () => {
  const s = samples(parseOurs('own-vmstat-t-w-tz-la-1-2.txt'));
  assert.equal(s.length, 2);
  assert.equal(s[0]!.time?.clock, 'local');
  assert.equal(s[0]!.time?.iso, '2026-11-26T16:15:15');
  assert.equal(s[0]!.timezone, 'PST');
  assert.equal(s[1]!.blocks_in_per_s, 224);
  assert.equal(s[1]!.user_pct, 4);
  assert.equal(s[1]!.system_pct, 5);
  assert.equal(s[1]!.guest_pct, 0);
  assert.equal(s[1]!.time?.interval_s, 1);
});

test('vmstat -a -w (own, procps 4 wide): --procs-- header, inact/active, guest_pct', () => {
  const s = samples(parseOurs('own-vmstat-a-w-1-2.txt'));
  assert.equal(s.length, 2);
  assert.equal(s[0]!.inactive_bytes, 54936 * KIB);
  assert.equal(s[0]!.active_bytes, 90576 * KIB);
  assert.equal(s[0]!.buff_bytes, undefined);
  assert.equal(s[0]!.cache_bytes, undefined);
  assert.equal(s[1]!.interrupts_per_s, 53);
  assert.ok('guest_pct' in s[1]!);
});

test('-S units come from the variant: -S M is MiB, -S k is 1000 bytes, and si/so scale with them; bi/bo never do', () => {
  assert.equal(variantUnitBytes('vmstat -S M 1 2'), MIB);
  assert.equal(variantUnitBytes('vmstat -SM 1'), MIB);
  assert.equal(variantUnitBytes('vmstat --unit=m'), 1_000_000);
  assert.equal(variantUnitBytes('vmstat -S k -a 1 2'), 1000);
  assert.equal(variantUnitBytes('vmstat -a -S K'), KIB);
  assert.equal(variantUnitBytes('vmstat -t 1'), KIB);
  const mib = samples(parseOurs('own-vmstat-S-M-1-2.txt', 'vmstat -S M 1 2'));
  assert.equal(mib[0]!.free_bytes, 23824 * MIB);
  assert.equal(mib[0]!.cache_bytes, 187 * MIB);
  assert.equal(mib[1]!.blocks_in_per_s, 8);
  const kb = samples(parseOurs('own-vmstat-S-k-a-1-2.txt', 'vmstat -S k -a 1 2'));
  assert.equal(kb[0]!.free_bytes, 24983340 * 1000);
  assert.equal(kb[0]!.inactive_bytes, 56115 * 1000);
  // Without the variant the text cannot tell: KiB is assumed (documented).
  assert.equal(samples(parseOurs('own-vmstat-S-M-1-2.txt'))[0]!.free_bytes, 23824 * KIB);
  // si/so use the unit: a synthetic row with si=3 under -S M.
  const original = readFileSync(ours('own-vmstat-S-M-1-2.txt'), 'utf8');
  const text = original.replace('187    0    0     8     8', '187    3    2     8     8');
  assert.notEqual(text, original, 'the synthetic si/so edit applied');
  const swap = samples(parseText(parser, 'swap.txt', text, 'vmstat -S M 1 2'))[1]!;
  assert.equal(swap.swap_in_bytes_per_s, 3 * MIB);
  assert.equal(swap.swap_out_bytes_per_s, 2 * MIB);
  assert.equal(swap.blocks_in_per_s, 8);
});

test('since boot: only row 0, unless the variant names -y / --no-first', () => {
  assert.equal(variantSkipsFirstRow('vmstat -y 1'), true);
  assert.equal(variantSkipsFirstRow('vmstat -ay 1'), true);
  assert.equal(variantSkipsFirstRow('vmstat --no-first 1'), true);
  assert.equal(variantSkipsFirstRow('vmstat -a -t 1'), false);
  const withY = samples(parseOurs('own-vmstat-1-3.txt', 'vmstat -y 1 3'));
  assert.ok(withY.every((x) => x.time?.since_boot === undefined));
});

test('jc ubuntu vmstat 1 (long): headers printed again refresh the columns, samples keep counting', () => {
  const r = parseOurs('jc-ubuntu-18.04-vmstat-1-long.out');
  const s = samples(r);
  assert.equal(s.length, 37);
  assert.deepEqual(s.map((x) => x.time?.sample), [...Array(37).keys()]);
  assert.deepEqual(s.filter((x) => x.time?.since_boot).map((x) => x.time?.sample), [0]);
  assert.equal(s[0]!.blocks_in_per_s, 288);
  assert.equal(s[0]!.context_switches_per_s, 2509);
  assert.equal(s[15]!.blocks_out_per_s, 24);
  assert.equal(s[15]!.buff_bytes, 147224 * KIB);
  // First row after the repeated headers (lines 36-37).
  assert.equal(s[33]!.source.line, 38);
  assert.equal(s[33]!.runnable, 1);
  assert.equal(s[36]!.interrupts_per_s, 98);
  assert.equal(r.coverage.skipped, 5); // 2 + 2 headers and the final blank line
});

test('jc centos vmstat -awt: wide, inact/active and PDT timestamps; -w without --procs--', () => {
  const awt = samples(parseOurs('jc-centos-7.7-vmstat-awt.out'))[0]!;
  assert.equal(awt.time?.iso, '2021-09-16T20:31:30');
  assert.equal(awt.time?.clock, 'local');
  assert.equal(awt.timezone, 'PDT');
  assert.equal(awt.free_bytes, 2794864 * KIB);
  assert.equal(awt.active_bytes, 312724 * KIB);
  const w = samples(parseOurs('jc-centos-7.7-vmstat-w.out'))[0]!;
  assert.equal(w.cache_bytes, 741208 * KIB);
  assert.equal(w.idle_pct, 99);
  const a = samples(parseOurs('jc-centos-7.7-vmstat-a.out'))[0]!;
  assert.equal(a.inactive_bytes, 295968 * KIB);
});

// ------------------------------------------------------------------------------------------------
// jc conformance
// ------------------------------------------------------------------------------------------------

/** jc key → our field and the factor from jc's value to ours (jc keeps vmstat's KiB). */
const JC_FIELDS: Readonly<Record<string, [string, number]>> = {
  runnable_procs: ['runnable', 1],
  uninterruptible_sleeping_procs: ['blocked', 1],
  virtual_mem_used: ['swpd_bytes', KIB],
  free_mem: ['free_bytes', KIB],
  buffer_mem: ['buff_bytes', KIB],
  cache_mem: ['cache_bytes', KIB],
  inactive_mem: ['inactive_bytes', KIB],
  active_mem: ['active_bytes', KIB],
  swap_in: ['swap_in_bytes_per_s', KIB],
  swap_out: ['swap_out_bytes_per_s', KIB],
  blocks_in: ['blocks_in_per_s', 1],
  blocks_out: ['blocks_out_per_s', 1],
  interrupts: ['interrupts_per_s', 1],
  context_switches: ['context_switches_per_s', 1],
  user_time: ['user_pct', 1],
  system_time: ['system_pct', 1],
  idle_time: ['idle_pct', 1],
  io_wait_time: ['iowait_pct', 1],
  stolen_time: ['steal_pct', 1],
};

/**
 * Named exceptions (docs/parsers/vmstat.md, "Differences from jc"):
 * - JC_NAIVE_EPOCH: jc's `epoch` reads the -t timestamp in the timezone of the machine running jc (its test
 *   fixtures were made in America/Los_Angeles), so it is our wall-clock epoch plus that zone's offset.
 * - JC_EPOCH_UTC_ONLY_FOR_UTC: jc's `epoch_utc` is set only when the zone header is UTC; ours is then clock 'utc'.
 * - JC_NULLS: jc writes null for columns not printed (buffer_mem under -a, timestamp without -t); ours are absent.
 */
const LA_OFFSET_PDT_S = 7 * 3600;

function compareWithJc(outName: string, jsonName: string, jcZoneOffsetS: number): void {
  const mine = samples(parseOurs(outName));
  const jc = JSON.parse(readFileSync(ours(jsonName), 'utf8')) as Record<string, unknown>[];
  assert.equal(mine.length, jc.length, `${outName}: row count`);
  jc.forEach((row, i) => {
    const rec = mine[i]!;
    const what = `${outName} row ${i}`;
    for (const [key, value] of Object.entries(row)) {
      const mapped = JC_FIELDS[key];
      if (mapped) {
        const [field, factor] = mapped;
        if (value === null) assert.equal(rec[field], undefined, `${what}: ${key} null → ${field} absent (JC_NULLS)`);
        else assert.equal(rec[field], (value as number) * factor, `${what}: ${key}`);
        continue;
      }
      switch (key) {
        case 'timestamp':
          if (value === null) assert.equal(rec.time?.clock, 'ordinal', `${what}: no timestamp → ordinal (JC_NULLS)`);
          else assert.equal(rec.time?.iso?.replace('T', ' ').replace(/Z$/, ''), value, `${what}: timestamp`);
          break;
        case 'timezone':
          assert.equal(rec.timezone, value === null ? undefined : value, `${what}: timezone`);
          break;
        case 'epoch':
          assert.equal(value, rec.time!.epoch! + jcZoneOffsetS, `${what}: JC_NAIVE_EPOCH`);
          break;
        case 'epoch_utc':
          if (value === null) assert.notEqual(rec.time?.clock, 'utc', `${what}: JC_EPOCH_UTC_ONLY_FOR_UTC`);
          else assert.equal(rec.time?.epoch, value, `${what}: epoch_utc`);
          break;
        default:
          assert.fail(`${what}: jc key '${key}' has no mapping and no named exception`);
      }
    }
  });
}

test('jc conformance: vmstat -a -t 5 10 (corpus pair)', () => {
  compareWithJc('jc-centos-7.7-vmstat-at-5-10.out', 'jc-centos-7.7-vmstat-at-5-10.json', LA_OFFSET_PDT_S);
});

test('jc conformance: vmstat (centos) and vmstat -w (generic extra wide)', () => {
  compareWithJc('jc-centos-7.7-vmstat.out', 'jc-centos-7.7-vmstat.json', 0);
  compareWithJc('jc-generic-vmstat-extra-wide.out', 'jc-generic-vmstat-extra-wide.json', 0);
});

test('the corpus copies are byte-identical to ../shared', { skip: skipWithoutShared }, () => {
  for (const name of ['jc-centos-7.7-vmstat-at-5-10.out', 'jc-centos-7.7-vmstat-at-5-10.json']) {
    assert.deepEqual(readFileSync(ours(name)), readFileSync(join(sharedDir, 'corpus', 'vmstat', name)), name);
  }
});

// ------------------------------------------------------------------------------------------------
// Malformed input
// ------------------------------------------------------------------------------------------------

test('a file cut mid-row: the cut row is reported, the rows before it are kept', () => {
  const text = readFileSync(ours('own-vmstat-t-1-3.txt'), 'utf8');
  const cut = text.slice(0, text.lastIndexOf('2026-11-27 00:15:14') + 13); // "… 2026-11-27 00:1"
  const r = parseText(parser, 'cut.txt', cut);
  assertCoverageInvariant(r);
  assert.equal(samples(r).length, 2);
  assert.equal(r.coverage.unparsed, 1);
  assert.match(r.diagnostics[0]!.message, /timestamp/);
  const r2 = parseText(parser, 'cut2.txt', text.slice(0, text.indexOf('   52   77')));
  assertCoverageInvariant(r2);
  assert.equal(samples(r2).length, 1);
  assert.match(r2.diagnostics.find((d) => d.code === 'unparsed-line')!.message, /expected 19 vmstat values/);
});

test('CRLF copy of a real file gives the same records', () => {
  const text = readFileSync(ours('jc-ubuntu-18.04-vmstat-1-long.out'), 'utf8');
  const lf = parseText(parser, 'a.txt', text);
  const crlf = parseText(parser, 'a.txt', text.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(crlf.records, lf.records);
  assert.ok(crlf.diagnostics.some((d) => d.code === 'crlf'));
});

test('binary garbage, an empty file, rows before any header, unknown columns: diagnostics, no exception', () => {
  const garbage = parseText(parser, 'g.bin', Buffer.from([0x00, 0xff, 0x13, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x0a, 0x01, 0x02]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assert.equal(garbage.coverage.unparsed, garbage.coverage.lines);
  const empty = parseText(parser, 'e.txt', '');
  assertCoverageInvariant(empty);
  assert.equal(empty.coverage.lines, 0);
  const headless = parseText(parser, 'h.txt', ' 2  0      0 2794468   2108 741208    0    0     1     3   29   57  0  0 99  0  0\n');
  assertCoverageInvariant(headless);
  assert.equal(headless.coverage.unparsed, 1);
  assert.match(headless.diagnostics[0]!.message, /headers/);
  const unknown = parseText(parser, 'u.txt', 'procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa xx\n 2  0      0 1 2 3 0 0 1 3 29 57 0 0 99 0 0\n');
  assertCoverageInvariant(unknown);
  assert.equal(unknown.coverage.unparsed, 2);
  assert.match(unknown.diagnostics[0]!.message, /unknown vmstat column 'xx'/);
});

test('vmstat -d is recognized and reported as not read, line by line', () => {
  const text = 'disk- ------------reads------------ ------------writes----------- -----IO------\n       total merged sectors      ms  total merged sectors      ms    cur    sec\nvda    12345      6  789012    3456   2345     67  891011    4567      0      8\n';
  const r = parseText(parser, 'd.txt', text);
  assertCoverageInvariant(r);
  assert.equal(r.records.length, 0);
  assert.equal(r.coverage.unparsed, 3);
  assert.match(r.diagnostics[0]!.message, /vmstat -d/);
  assert.equal(sniff(text)?.tool, 'vmstat');
  assert.match(sniff(text)!.variant, /not read/);
});

test("another tool's file fed to the vmstat parser: every line accounted for, no record", () => {
  const r = parseFile(parser, fixture('mpstat', 'own-mpstat-P-ALL-1-2-C.txt'));
  assertCoverageInvariant(r);
  assert.equal(r.records.length, 0);
  assert.ok(r.coverage.unparsed > 0);
});

// ------------------------------------------------------------------------------------------------
// Detector
// ------------------------------------------------------------------------------------------------

test('detector: every vmstat fixture is vmstat, with its flags in the variant', () => {
  for (const f of listDir(fixture('vmstat')).filter((n) => n.endsWith('.out') || n.endsWith('.txt'))) {
    const s = sniff(readFileSync(ours(f), 'utf8'));
    assert.equal(s?.tool, 'vmstat', f);
    assert.ok(s!.confidence >= 0.9, f);
  }
  assert.equal(sniff(readFileSync(ours('own-vmstat-a-w-1-2.txt'), 'utf8'))!.variant, 'vmstat -a -w, procps-ng >= 4');
  assert.equal(sniff(readFileSync(ours('jc-centos-7.7-vmstat-awt.out'), 'utf8'))!.variant, 'vmstat -a -w -t');
  assert.equal(sniff(readFileSync(ours('own-vmstat-1-3.txt'), 'utf8'))!.variant, 'vmstat');
});


test("detector: claims no other tool's file (corpus, popularity capture, other fixture folders)", { skip: skipWithoutShared }, () => {
  const files = otherToolFiles('vmstat');
  assert.ok(files.length > 50, `found ${files.length} files`);
  for (const path of files) {
    const s = sniff(readFileSync(path, 'utf8'));
    assert.equal(s, null, `${basename(path)} claimed as ${s?.variant}`);
  }
});
