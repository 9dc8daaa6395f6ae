/**
 * iostat parser and detector: every corpus variant (jc MIT fixtures copied here; sysstat GPL files read from
 * ../shared), the popularity capture, perftriage's own recorded and hand-made fixtures, jc conformance,
 * malformed input. See docs/parsers/iostat.md and test/fixtures/iostat/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { GIB, KIB, MIB } from '../../src/common/units.js';
import { columnSpec, parser, parseReportTimestamp, variantOmitsSinceBoot } from '../../src/parsers/iostat.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/iostat.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { validateRecord } from '../../src/timeline/schemas.js';
import { assertCleanParse, assertCoverageInvariant, fixture, hasShared, listDir, parseFile, repoRoot, sharedDir, skipWithoutShared } from '../helpers.js';

// ------------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------------

const corpus = (name: string): string => join(sharedDir, 'corpus', 'iostat', name);
const popularity = (name: string): string => join(sharedDir, 'captures', 'popularity', name);
const ours = (name: string): string => fixture('iostat', name);

function ofKind(result: ParseResult, kind: string, sample?: number): TimelineRecord[] {
  return result.records.filter((r) => r.kind === kind && (sample === undefined || r.time?.sample === sample));
}
const devicesOf = (result: ParseResult, sample?: number): TimelineRecord[] => ofKind(result, 'iostat.device', sample);
const cpusOf = (result: ParseResult, sample?: number): TimelineRecord[] => ofKind(result, 'iostat.cpu', sample);

/** The one record of a device (not a group) in a report. */
function device(result: ParseResult, name: string, sample: number, group = false): TimelineRecord {
  const found = devicesOf(result, sample).filter((r) => r.device === name && (r.group === true) === group);
  assert.equal(found.length, 1, `${basename(result.file)}: expected one ${group ? 'group' : 'device'} ${name} in report ${sample}, found ${found.length}`);
  return found[0]!;
}

function cpu(result: ParseResult, sample: number): TimelineRecord {
  const found = cpusOf(result, sample);
  assert.equal(found.length, 1, `${basename(result.file)}: expected one avg-cpu record in report ${sample}`);
  return found[0]!;
}

/** Equal within floating-point noise of the unit conversions. */
function near(actual: unknown, expected: number, what: string): void {
  assert.equal(typeof actual, 'number', `${what}: ${String(actual)} is not a number`);
  const a = actual as number;
  assert.ok(Math.abs(a - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: ${a} != ${expected}`);
}

function samples(result: ParseResult): number[] {
  return [...new Set(result.records.flatMap((r) => (r.time?.sample === undefined ? [] : [r.time.sample])))].sort((a, b) => a - b);
}

function hostInfo(result: ParseResult): TimelineRecord {
  const hosts = ofKind(result, 'host.info');
  assert.equal(hosts.length, 1, `${basename(result.file)}: expected one host.info`);
  return hosts[0]!;
}

function sniff(content: string): ReturnType<typeof detector.detect> {
  return detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));
}

const sniffFile = (path: string): ReturnType<typeof detector.detect> => sniff(readFileSync(path, 'utf8'));

/** Records without the file name, to compare two parses of the same data. */
const comparable = (result: ParseResult): unknown[] => result.records.map((r) => ({ ...r, source: { line: r.source.line } }));

/** The fields of a device record that carry values (not kind/source/time). */
function valueFields(record: TimelineRecord): Record<string, unknown> {
  const { kind: _kind, source: _source, time: _time, ...rest } = record;
  return rest;
}

// ------------------------------------------------------------------------------------------------
// Column map, timestamps, -y
// ------------------------------------------------------------------------------------------------

test('every column of the doc table maps to the field and conversion the doc says', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'parsers', 'iostat.md'), 'utf8');
  const section = doc.slice(doc.indexOf('### `iostat.device`'), doc.indexOf('### `host.info`'));
  const rows = [...section.matchAll(/^\| `([^`]+)` \| `([a-z_]+)` \| ([^|]+) \|$/gm)];
  assert.ok(rows.length >= 50, `only ${rows.length} rows read from the doc table`);
  for (const [, column, field, conversion] of rows) {
    const spec = columnSpec(column!);
    assert.ok(spec, `doc column ${column} is unknown to the parser`);
    assert.equal(spec.field, field, `doc column ${column}`);
    const factor = /×(\d+)/.exec(conversion!);
    if (factor) {
      assert.equal(spec.kind, 'size', `${column} is a size`);
      assert.equal(spec.unitBytes, Number(factor[1]), `${column} unit`);
    } else if (conversion!.startsWith('ms')) assert.equal(spec.kind, 'ms', `${column} is in ms`);
    else if (conversion!.startsWith('percent')) assert.equal(spec.kind, 'percent', `${column} is a percentage`);
    else assert.equal(spec.kind, 'number', `${column} is kept as is`);
  }
  assert.equal(columnSpec('kB_rd/s'), undefined, "pidstat's column is not iostat's");
  assert.equal(columnSpec('Device'), undefined);
});

test('report timestamps: locale %x %X, 12-hour, ISO with offset, and what is not one', () => {
  assert.deepEqual(parseReportTimestamp(['06/01/20', '12:53:20']), { clock: 'local', iso: '2020-06-01T12:53:20', epoch: Date.UTC(2020, 5, 1, 12, 53, 20) / 1000 });
  assert.equal(parseReportTimestamp(['11/30/2021', '12:06:39', 'AM'])?.iso, '2021-11-30T00:06:39');
  assert.equal(parseReportTimestamp(['11/30/2021', '10:25:43', 'PM'])?.iso, '2021-11-30T22:25:43');
  assert.equal(parseReportTimestamp(['27.11.2026', '00:10:42'])?.iso, '2026-11-27T00:10:42');
  assert.deepEqual(parseReportTimestamp(['2020-06-01T14:53:20+0200']), { clock: 'utc', iso: '2020-06-01T12:53:20Z', epoch: Date.UTC(2020, 5, 1, 12, 53, 20) / 1000 });
  assert.equal(parseReportTimestamp(['sda', '0.24', '5.24']), undefined);
  assert.equal(parseReportTimestamp(['12:53:20']), undefined);
  assert.equal(parseReportTimestamp(['06/01/20', '25:00:00']), undefined);
});

test('-y is read from the variant only when a flag cluster holds it', () => {
  assert.equal(variantOmitsSinceBoot('iostat -ym 1 2'), true);
  assert.equal(variantOmitsSinceBoot('iostat -d -x -y, sysstat >= 12.3'), true);
  assert.equal(variantOmitsSinceBoot('iostat -x --pretty, sysstat >= 12.3'), false);
  assert.equal(variantOmitsSinceBoot('iostat -d -x, sysstat >= 12.3'), false);
  assert.equal(variantOmitsSinceBoot(''), false);
});

test('the record schema rejects a misspelt field and a field of the other kind', () => {
  const source = { file: 'x', line: 1 };
  const valid = (record: Record<string, unknown>): boolean => validateRecord(record).valid;
  assert.ok(valid({ kind: 'iostat.device', source, device: 'sda', read_bytes_per_s: 1 }));
  assert.equal(valid({ kind: 'iostat.device', source, device: 'sda', read_byte_per_s: 1 }), false);
  assert.equal(valid({ kind: 'iostat.cpu', source, util_pct: 1 }), false);
  assert.equal(valid({ kind: 'iostat.device', source, read_bytes_per_s: 1 }), false, 'device is required');
  assert.equal(valid({ kind: 'iostat.device', source, device: 'sda', group: false }), false, 'group is only ever true');
  assert.equal(valid({ kind: 'iostat.device', source, device: 'sda', util_pct: -1 }), false, 'no negative values');
});

// ------------------------------------------------------------------------------------------------
// jc conformance (MIT fixtures copied into test/fixtures/iostat)
// ------------------------------------------------------------------------------------------------

/**
 * jc key → [our field, factor] with ours = jc × factor. jc keeps sysstat's units; perftriage converts.
 * No value exceptions: on all nine fixtures every jc value matches ours after conversion (the differences
 * by design — units, banner, report index, time — are listed in docs/parsers/iostat.md).
 */
const JC_FIELDS: Readonly<Record<string, readonly [string, number]>> = {
  percent_user: ['user_pct', 1],
  percent_nice: ['nice_pct', 1],
  percent_system: ['system_pct', 1],
  percent_iowait: ['iowait_pct', 1],
  percent_steal: ['steal_pct', 1],
  percent_idle: ['idle_pct', 1],
  tps: ['tps', 1],
  kb_read_s: ['read_bytes_per_s', KIB],
  kb_wrtn_s: ['write_bytes_per_s', KIB],
  kb_dscd_s: ['discard_bytes_per_s', KIB],
  kb_read: ['read_bytes', KIB],
  kb_wrtn: ['write_bytes', KIB],
  kb_dscd: ['discard_bytes', KIB],
  mb_read_s: ['read_bytes_per_s', MIB],
  mb_wrtn_s: ['write_bytes_per_s', MIB],
  mb_dscd_s: ['discard_bytes_per_s', MIB],
  mb_read: ['read_bytes', MIB],
  mb_wrtn: ['write_bytes', MIB],
  mb_dscd: ['discard_bytes', MIB],
  r_s: ['reads_per_s', 1],
  w_s: ['writes_per_s', 1],
  d_s: ['discards_per_s', 1],
  f_s: ['flushes_per_s', 1],
  rkb_s: ['read_bytes_per_s', KIB],
  wkb_s: ['write_bytes_per_s', KIB],
  dkb_s: ['discard_bytes_per_s', KIB],
  rmb_s: ['read_bytes_per_s', MIB],
  wmb_s: ['write_bytes_per_s', MIB],
  rrqm_s: ['rrqm_per_s', 1],
  wrqm_s: ['wrqm_per_s', 1],
  drqm_s: ['drqm_per_s', 1],
  percent_rrqm: ['rrqm_pct', 1],
  percent_wrqm: ['wrqm_pct', 1],
  percent_drqm: ['drqm_pct', 1],
  r_await: ['r_await_s', 0.001],
  w_await: ['w_await_s', 0.001],
  d_await: ['d_await_s', 0.001],
  f_await: ['f_await_s', 0.001],
  await: ['await_s', 0.001],
  svctm: ['svctm_s', 0.001],
  aqu_sz: ['aqu_sz', 1],
  avgqu_sz: ['aqu_sz', 1],
  rareq_sz: ['rareq_sz_bytes', KIB],
  wareq_sz: ['wareq_sz_bytes', KIB],
  dareq_sz: ['dareq_sz_bytes', KIB],
  avgrq_sz: ['avgrq_sz_bytes', 512],
  percent_util: ['util_pct', 1],
};

const jcOutputs = listDir(fixture('iostat'), '.out').filter((f) => f.startsWith('jc-'));

test('all nine jc iostat pairs are in the fixtures', () => {
  assert.equal(jcOutputs.length, 9);
  for (const out of jcOutputs) assert.ok(listDir(fixture('iostat'), '.json').includes(out.replace(/\.out$/, '.json')), `${out} has its jc JSON`);
});

for (const out of jcOutputs) {
  test(`jc conformance: ${out}`, () => {
    const result = parseFile(parser, ours(out));
    assertCleanParse(result);
    const jc = JSON.parse(readFileSync(ours(out.replace(/\.out$/, '.json')), 'utf8')) as Record<string, unknown>[];
    const records = result.records.filter((r) => r.kind !== 'host.info');
    assert.equal(records.length, jc.length, 'one record per jc object, in the same order');
    jc.forEach((expected, i) => {
      const record = records[i]!;
      const where = `${out} #${i} (${String(expected.device ?? 'cpu')})`;
      assert.equal(record.kind, expected.type === 'cpu' ? 'iostat.cpu' : 'iostat.device', where);
      const mapped = new Set<string>();
      for (const [key, value] of Object.entries(expected)) {
        if (key === 'type') continue;
        if (key === 'device') {
          assert.equal(record.device, value, where);
          continue;
        }
        const map = JC_FIELDS[key];
        assert.ok(map, `${where}: jc key ${key} has no mapping`);
        assert.equal(typeof value, 'number', `${where}: jc ${key} is a number`);
        near(record[map[0]], (value as number) * map[1], `${where} ${key} → ${map[0]}`);
        mapped.add(map[0]);
      }
      const extra = Object.keys(valueFields(record)).filter((k) => k !== 'device' && !mapped.has(k));
      assert.deepEqual(extra, [], `${where}: fields jc does not have`);
    });
  });
}

test('jc-centos-7.7-iostat-1.out: three reports, only the first since boot, banner on host.info', () => {
  const result = parseFile(parser, ours('jc-centos-7.7-iostat-1.out'));
  assertCleanParse(result);
  assert.deepEqual(samples(result), [0, 1, 2]);
  for (const s of [0, 1, 2]) {
    assert.equal(devicesOf(result, s).length, 3);
    assert.equal(cpu(result, s).time?.since_boot, s === 0 ? true : undefined);
    assert.equal(cpu(result, s).time?.clock, 'ordinal');
  }
  const host = hostInfo(result);
  assert.equal(host.hostname, 'localhost.localdomain');
  assert.equal(host.kernel, 'Linux 3.10.0-1062.1.2.el7.x86_64');
  assert.equal(host.date, '2021-11-30');
  assert.equal(host.cpus, 1);
  assert.equal(host.source.line, 1);
  assert.equal(device(result, 'sda', 0).read_bytes, 203305 * KIB);
  assert.equal(device(result, 'sda', 0).write_bytes, 42533 * KIB);
  assert.equal(device(result, 'dm-1', 2).tps, 0);
  assert.equal(cpu(result, 1).idle_pct, 100);
});

// ------------------------------------------------------------------------------------------------
// sysstat's own expected outputs (GPL: read from ../shared, never copied)
// ------------------------------------------------------------------------------------------------

test('sysstat-iostat.txt: kB_dscd columns over three reports', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, corpus('sysstat-iostat.txt'));
  assertCleanParse(result);
  assert.deepEqual(samples(result), [0, 1, 2]);
  const sdq = device(result, 'sdq', 0);
  assert.deepEqual(valueFields(sdq), {
    device: 'sdq',
    tps: 8.07,
    read_bytes_per_s: 222.11 * KIB,
    write_bytes_per_s: 0,
    discard_bytes_per_s: 25.21 * KIB,
    read_bytes: 1597504 * KIB,
    write_bytes: 0,
    discard_bytes: 181305 * KIB,
  });
  assert.equal(sdq.time?.since_boot, true);
  assert.equal(devicesOf(result, 1).length, 5);
  assert.equal(devicesOf(result, 2).length, 6, 'sdd appears in the third report only');
  assert.equal(device(result, 'sdd', 2).read_bytes, 2108 * KIB);
  assert.equal(cpu(result, 2).user_pct, 1.96);
  assert.equal(hostInfo(result).date, '2020-06-01');
  assert.equal(hostInfo(result).cpus, 9);
});

test('sysstat-iostat-ev.txt: Blk_* columns are 512-byte sectors and equal the kB report', { skip: skipWithoutShared }, () => {
  const blocks = parseFile(parser, corpus('sysstat-iostat-ev.txt'));
  assertCleanParse(blocks);
  const kb = parseFile(parser, corpus('sysstat-iostat.txt'));
  assert.equal(cpusOf(blocks).length, 0, 'POSIXLY_CORRECT -d run: no avg-cpu');
  assert.equal(hostInfo(blocks).date, '2020-06-01', 'ISO banner date');
  const sda = device(blocks, 'sda', 0);
  assert.equal(sda.read_bytes, 3195498 * 512);
  assert.equal(sda.read_bytes, device(kb, 'sda', 0).read_bytes, 'same bytes in sectors as in kB');
  near(sda.read_bytes_per_s, device(kb, 'sda', 0).read_bytes_per_s as number, 'sda read rate');
  assert.equal(device(blocks, 'sdq', 1).discard_bytes, 1000 * 512);
  assert.equal(device(kb, 'sdq', 1).discard_bytes, 500 * KIB);
});

test('sysstat-12.1-iostat-x.txt: discard group, no flush columns', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, corpus('sysstat-12.1-iostat-x.txt'));
  assertCleanParse(result);
  const sda = device(result, 'sda', 0);
  assert.equal(sda.r_await_s, 0.01258);
  assert.equal(sda.rareq_sz_bytes, 32.21 * KIB);
  assert.equal(sda.d_await_s, 0);
  assert.equal(sda.aqu_sz, 0.1);
  assert.equal(sda.util_pct, 0.46);
  assert.equal('flushes_per_s' in sda, false);
  assert.equal('f_await_s' in sda, false);
  assert.equal(hostInfo(result).cpus, 8);
});

test('sysstat-iostat-x.txt, -x-pretty and -compact: the three layouts give the same device records', { skip: skipWithoutShared }, () => {
  const flat = parseFile(parser, corpus('sysstat-iostat-x.txt'));
  const pretty = parseFile(parser, corpus('sysstat-iostat-x-pretty.txt'));
  const compact = parseFile(parser, corpus('sysstat-iostat-compact.txt'));
  for (const r of [flat, pretty, compact]) assertCleanParse(r);
  const sdq = device(flat, 'sdq', 1);
  assert.equal(sdq.discards_per_s, 3.21);
  assert.equal(sdq.d_await_s, 0.02);
  assert.equal(sdq.drqm_pct, 44.44);
  assert.equal(sdq.flushes_per_s, 0);
  assert.equal(device(flat, 'sdr', 1).util_pct, 6.42);
  const firstReport = devicesOf(flat, 0).map(valueFields);
  assert.deepEqual(devicesOf(compact).map(valueFields), devicesOf(flat).map(valueFields), 'compact = flat, both reports');
  assert.deepEqual(devicesOf(pretty).map(valueFields), firstReport, 'r/w/d/f sub-tables merged back into one record per device');
  assert.equal(Object.keys(valueFields(device(pretty, 'sda', 0))).length, 23, 'device + 22 columns');
  assert.equal(device(pretty, 'sdr', 0).source.line, 10, 'source = the row of the r sub-table');
  assert.equal(pretty.coverage.data, 1 + 1 + 20, 'banner + avg-cpu values + 4 sub-tables × 5 rows');
});

test('sysstat-iostat-ct.txt: -c -t timestamps, CPU only', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, corpus('sysstat-iostat-ct.txt'));
  assertCleanParse(result);
  assert.equal(devicesOf(result).length, 0);
  assert.deepEqual(cpu(result, 0).time, { clock: 'local', iso: '2020-06-01T12:53:20', epoch: Date.UTC(2020, 5, 1, 12, 53, 20) / 1000, sample: 0, since_boot: true });
  assert.deepEqual(cpu(result, 1).time, { clock: 'local', iso: '2020-06-01T12:53:21', epoch: Date.UTC(2020, 5, 1, 12, 53, 21) / 1000, sample: 1, interval_s: 1 });
  assert.equal(cpu(result, 1).iowait_pct, 0.12);
});

test('sysstat-iostat-h.txt: -h -p ALL, Device last, human suffixes', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, corpus('sysstat-iostat-h.txt'));
  assertCleanParse(result);
  assert.equal(devicesOf(result, 0).length, 22);
  const sda = device(result, 'sda', 0);
  assert.equal(sda.tps, 8.59);
  assert.equal(sda.read_bytes_per_s, round3(222.1 * KIB));
  assert.equal(sda.read_bytes, 1.5 * GIB);
  assert.equal(sda.write_bytes, round3(400.9 * MIB));
  assert.equal(device(result, 'sda12', 0).read_bytes, round3(177.6 * MIB));
  assert.equal(device(result, 'sda4', 0).read_bytes, 14 * KIB);
  assert.equal(device(result, 'sdq', 0).discard_bytes, round3(177.1 * MIB));
  assert.equal(device(result, 'dm-2', 0).tps, 0);
});

test('sysstat-iostat-human.txt: --human percentages on avg-cpu and suffixed sizes', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, corpus('sysstat-iostat-human.txt'));
  assertCleanParse(result);
  assert.deepEqual(valueFields(cpu(result, 0)), { user_pct: 1.5, nice_pct: 39.9, system_pct: 1.7, iowait_pct: 0.9, steal_pct: 0, idle_pct: 56 });
  assert.equal(device(result, 'sdr', 0).write_bytes, round3(136.8 * MIB));
  assert.equal(device(result, 'sdr', 0).read_bytes_per_s, round3(29.9 * KIB));
});

test('sysstat-iostat-s.txt: short report kB_w+d', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, corpus('sysstat-iostat-s.txt'));
  assertCleanParse(result);
  assert.deepEqual(valueFields(device(result, 'sdq', 0)), {
    device: 'sdq',
    tps: 8.07,
    read_bytes_per_s: 222.11 * KIB,
    write_discard_bytes_per_s: 25.21 * KIB,
    read_bytes: 1597504 * KIB,
    write_discard_bytes: 181305 * KIB,
  });
  assert.equal(device(result, 'sds', 1).write_discard_bytes, 100 * KIB);
});

test('sysstat-iostat-xs.txt: short extended report', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, corpus('sysstat-iostat-xs.txt'));
  assertCleanParse(result);
  assert.deepEqual(samples(result), [0, 1, 2]);
  assert.deepEqual(valueFields(device(result, 'sda', 0)), {
    device: 'sda',
    tps: 8.59,
    total_bytes_per_s: 279.22 * KIB,
    rqm_per_s: 1.75,
    await_s: 0.012,
    areq_sz_bytes: 32.51 * KIB,
    aqu_sz: 0.1,
    util_pct: 0.46,
  });
  assert.equal(device(result, 'sdd', 2).await_s, 0.05508);
  assert.equal(devicesOf(result, 1).some((r) => r.device === 'sdd'), false);
});

test('sysstat-iostat-ym.txt: -y cannot be seen, so report 0 is since boot unless the variant says -y', { skip: skipWithoutShared }, () => {
  const plain = parseFile(parser, corpus('sysstat-iostat-ym.txt'));
  assertCleanParse(plain);
  assert.equal(cpu(plain, 0).time?.since_boot, true);
  const withY = parseFile(parser, corpus('sysstat-iostat-ym.txt'), 'iostat -ym 1 2');
  assertCleanParse(withY);
  assert.equal(cpu(withY, 0).time?.since_boot, undefined);
  assert.equal(devicesOf(withY).some((r) => r.time?.since_boot), false);
  assert.equal(device(withY, 'sdq', 0).discard_bytes_per_s, 0.02 * MIB);
  assert.equal(device(withY, 'sdd', 1).read_bytes, 2 * MIB);
});

test('sysstat-iostat-x-p-ALL-JSON.txt: JSON -x, rrqm is %rrqm, equal to the text report', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, corpus('sysstat-iostat-x-p-ALL-JSON.txt'));
  assertCleanParse(result);
  assert.deepEqual(samples(result), [0, 1]);
  assert.equal(devicesOf(result, 0).length, 22);
  const sda = device(result, 'sda', 0);
  assert.equal(sda.rrqm_pct, 5.38);
  assert.equal(sda.rrqm_per_s, 0.39);
  assert.equal(sda.source.line, 14);
  assert.equal(cpu(result, 1).idle_pct, 82.89);
  assert.equal(cpu(result, 1).source.line, 39);
  assert.equal(hostInfo(result).hostname, 'SYSSTAT.TEST');
  assert.equal(hostInfo(result).date, '2020-06-01');
  const text = parseFile(parser, corpus('sysstat-iostat-x.txt'));
  for (const s of [0, 1]) {
    for (const fromText of devicesOf(text, s)) {
      const fromJson = device(result, fromText.device as string, s);
      assert.deepEqual(sortKeys(valueFields(fromJson)), sortKeys(valueFields(fromText)), `${String(fromText.device)} report ${s}`);
    }
  }
  assert.equal(devicesOf(result, 1).length, 21, 'sda4 is not printed in the second report');
  assert.equal(result.coverage.data, 1 + 2 + 43, 'nodename + 2 avg-cpu + 43 disk lines');
});

test('sysstat-iostat-g-JSON.txt: JSON -dm with group totals', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, corpus('sysstat-iostat-g-JSON.txt'));
  assertCleanParse(result);
  assert.equal(cpusOf(result).length, 0);
  const disks = device(result, 'disks', 0, true);
  assert.equal(disks.read_bytes, 1562 * MIB);
  assert.equal(disks.tps, 8.6);
  assert.equal(device(result, 'other', 1, true).tps, 0);
  assert.equal(device(result, 'sda', 0).read_bytes_per_s, 0.22 * MIB);
  assert.equal(devicesOf(result).filter((r) => r.group).length, 4);
});

// ------------------------------------------------------------------------------------------------
// The popularity capture (Debian 12, sysstat 12.6.1)
// ------------------------------------------------------------------------------------------------

test('popularity iostat.txt: -d -x, vda idle for writes, %util max 4.0 (as the capture README says)', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, popularity('iostat.txt'));
  assertCleanParse(result);
  assert.equal(result.coverage.unparsed, 0);
  assert.deepEqual(samples(result), Array.from({ length: 20 }, (_, i) => i));
  assert.equal(cpusOf(result).length, 0);
  const vda = devicesOf(result);
  assert.equal(vda.length, 20);
  assert.ok(vda.every((r) => r.device === 'vda' && r.time?.clock === 'ordinal'));
  const boot = device(result, 'vda', 0);
  assert.equal(boot.time?.since_boot, true);
  assert.equal(boot.reads_per_s, 54.27);
  assert.equal(boot.read_bytes_per_s, 2521.8 * KIB);
  assert.equal(boot.write_bytes_per_s, 3424.44 * KIB);
  assert.equal(boot.wareq_sz_bytes, 295.77 * KIB);
  assert.equal(boot.flushes_per_s, 0.81);
  assert.equal(boot.f_await_s, 0.00004);
  const intervals = vda.filter((r) => r.time?.sample !== 0);
  assert.ok(intervals.every((r) => r.time?.since_boot === undefined));
  assert.equal(Math.max(...intervals.map((r) => r.write_bytes_per_s as number)), 0, 'vda wrote nothing during the capture');
  assert.equal(Math.max(...intervals.map((r) => r.util_pct as number)), 4);
  const busiest = device(result, 'vda', 1);
  assert.equal(busiest.reads_per_s, 471);
  assert.equal(busiest.read_bytes_per_s, 24524 * KIB);
  assert.equal(busiest.r_await_s, 0.0012);
  assert.equal(busiest.aqu_sz, 0.56);
  assert.equal(device(result, 'vda', 6).discard_bytes_per_s, 36 * KIB);
  assert.equal(device(result, 'vda', 15).discards_per_s, 6);
  assert.equal(device(result, 'vda', 13).reads_per_s, 14);
  assert.equal(device(result, 'vda', 16).read_bytes_per_s, 152 * KIB);
  assert.deepEqual(
    intervals.filter((r) => (r.reads_per_s as number) > 0).map((r) => r.time?.sample),
    [1, 7, 13, 16],
    'the only intervals with reads',
  );
  const host = hostInfo(result);
  assert.equal(host.hostname, 'vm');
  assert.equal(host.kernel, 'Linux 6.18.44-fc-v595');
  assert.equal(host.date, '2026-11-26');
  assert.equal(host.cpus, 2);
});

test('popularity iostat-t.txt: -t -x, local timestamps one second apart', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, popularity('iostat-t.txt'));
  assertCleanParse(result);
  assert.deepEqual(samples(result), [0, 1, 2, 3, 4]);
  for (const s of [0, 1, 2, 3, 4]) {
    const vda = device(result, 'vda', s);
    assert.equal(vda.time?.clock, 'local');
    assert.equal(vda.time?.iso, `2026-11-26T17:35:3${s}`);
    assert.equal(vda.time?.interval_s, s === 0 ? undefined : 1);
    assert.deepEqual(cpu(result, s).time, vda.time);
  }
  assert.equal(cpu(result, 0).steal_pct, 0.01);
  assert.equal(cpu(result, 1).user_pct, 46.23);
  assert.equal(cpu(result, 4).system_pct, 12.12);
  assert.equal(device(result, 'vda', 0).write_bytes_per_s, 3398.23 * KIB);
  assert.equal(device(result, 'vda', 3).read_bytes_per_s, 40 * KIB);
  assert.equal(device(result, 'vda', 4).discards_per_s, 6);
  assert.equal(device(result, 'vda', 4).dareq_sz_bytes, 6 * KIB);
});

test('popularity iostat-json.txt: JSON -d -x, three reports of vda', { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, popularity('iostat-json.txt'));
  assertCleanParse(result);
  assert.deepEqual(samples(result), [0, 1, 2]);
  const boot = device(result, 'vda', 0);
  assert.equal(boot.time?.since_boot, true);
  assert.equal(boot.time?.clock, 'ordinal');
  assert.equal(boot.read_bytes_per_s, 2520.38 * KIB);
  assert.equal(boot.discards_per_s, 6.49);
  assert.equal(boot.drqm_pct, 0.6);
  assert.equal(boot.f_await_s, 0.00004);
  assert.equal(boot.source.line, 13);
  assert.equal(device(result, 'vda', 2).util_pct, 0);
  assert.equal(hostInfo(result).kernel, 'Linux 6.18.44-fc-v595');
  assert.equal(hostInfo(result).source.line, 4);
});

test('popularity: the detector names each iostat variant and claims no other file of the bundle', { skip: skipWithoutShared }, () => {
  assert.equal(sniffFile(popularity('iostat.txt'))?.variant, 'iostat -d -x, sysstat >= 12.3');
  assert.equal(sniffFile(popularity('iostat-t.txt'))?.variant, 'iostat -x -t, sysstat >= 12.3');
  assert.equal(sniffFile(popularity('iostat-json.txt'))?.variant, 'iostat -o JSON -d -x, sysstat >= 12.3');
  for (const name of listDir(join(sharedDir, 'captures', 'popularity'), '.txt')) {
    if (name.startsWith('iostat')) continue;
    assert.equal(sniffFile(popularity(name)), null, `${name} is not iostat`);
  }
});

// ------------------------------------------------------------------------------------------------
// perftriage's recorded (sysstat 12.6.1) and hand-made fixtures
// ------------------------------------------------------------------------------------------------

test('recorded -t with S_TIME_FORMAT=ISO: utc times with interval', () => {
  const result = parseFile(parser, ours('recorded-iostat-t-iso-x.txt'));
  assertCleanParse(result);
  assert.equal(hostInfo(result).date, '2026-11-27');
  const vda = device(result, 'vda', 1);
  assert.deepEqual(vda.time, { clock: 'utc', iso: '2026-11-27T00:10:32Z', epoch: Date.UTC(2026, 10, 27, 0, 10, 32) / 1000, sample: 1, interval_s: 1 });
  assert.equal(vda.reads_per_s, 672);
  assert.equal(vda.read_bytes_per_s, 684048 * KIB);
  assert.equal(vda.dareq_sz_bytes, 102400 * KIB);
  assert.equal(cpu(result, 1).iowait_pct, 40.21);
  assert.equal(device(result, 'vda', 0).time?.since_boot, true);
});

test('recorded JSON with timestamps: same time rules as text', () => {
  const result = parseFile(parser, ours('recorded-iostat-json-t.txt'));
  assertCleanParse(result);
  assert.deepEqual(samples(result), [0, 1, 2]);
  const vda = device(result, 'vda', 1);
  assert.equal(vda.time?.iso, '2026-11-27T00:10:32');
  assert.equal(vda.time?.clock, 'local');
  assert.equal(vda.time?.interval_s, 1);
  assert.equal(vda.tps, 2085);
  assert.equal(vda.discard_bytes, 819200 * KIB);
  assert.equal(cpu(result, 2).iowait_pct, 27.18);
});

test('recorded 12.x -h -x -g: pretty sub-tables merged, human values, group rows', () => {
  const result = parseFile(parser, ours('recorded-iostat-h-x-g.txt'));
  assertCleanParse(result);
  assert.equal(devicesOf(result).length, 4, '2 reports × (vda + grp)');
  const vda = device(result, 'vda', 1);
  assert.equal(vda.read_bytes_per_s, 670 * MIB);
  assert.equal(vda.rareq_sz_bytes, round3(1017.9 * KIB));
  assert.equal(vda.dareq_sz_bytes, 100 * MIB);
  assert.equal(vda.wrqm_pct, 0);
  assert.equal(vda.util_pct, 91.2);
  assert.equal(vda.aqu_sz, 1.1);
  const grp = device(result, 'grp', 1, true);
  assert.equal(grp.reads_per_s, 34453);
  assert.equal(grp.read_bytes_per_s, round3(1.9 * GIB));
  assert.equal(grp.util_pct, 0);
  assert.equal(cpu(result, 1).iowait_pct, 40);
  assert.equal(cpu(result, 0).idle_pct, 99.8);
});

test('recorded -x -g (device first): a group row starts with one space', () => {
  const result = parseFile(parser, ours('recorded-iostat-x-g.txt'));
  assertCleanParse(result);
  assert.equal(device(result, 'grp', 1, true).util_pct, 2.6);
  assert.equal(device(result, 'vda', 1).util_pct, 5.2);
  assert.equal(device(result, 'vda', 1).discard_bytes_per_s, 307204 * KIB);
  assert.equal(device(result, 'vda', 1).dareq_sz_bytes, round3(61440.8 * KIB));
});

test('recorded -xs --human -t', () => {
  const result = parseFile(parser, ours('recorded-iostat-xs-human-t.txt'));
  assertCleanParse(result);
  const vda = device(result, 'vda', 1);
  assert.equal(vda.total_bytes_per_s, round3(2.2 * GIB));
  assert.equal(vda.areq_sz_bytes, round3(1.1 * MIB));
  assert.equal(vda.util_pct, 91.6);
  assert.equal(vda.tps, 2084);
  assert.equal(vda.time?.iso, '2026-11-27T00:10:32');
});

test('recorded POSIXLY_CORRECT -x: rsec/s wsec/s dsec/s are sectors', () => {
  const result = parseFile(parser, ours('recorded-iostat-posix-x.txt'));
  assertCleanParse(result);
  const vda = device(result, 'vda', 1);
  assert.equal(vda.read_bytes_per_s, 1370144 * 512);
  assert.equal(vda.write_bytes_per_s, 1638400 * 512);
  assert.equal(vda.discard_bytes_per_s, 1638400 * 512);
  assert.equal(vda.rareq_sz_bytes, round3(1017.94 * KIB), 'rareq-sz stays in kB');
});

test('recorded JSON -xs -g: short keys and a group', () => {
  const result = parseFile(parser, ours('recorded-iostat-json-xs-g.txt'));
  assertCleanParse(result);
  assert.deepEqual(valueFields(device(result, 'grp', 1, true)), {
    device: 'grp',
    group: true,
    tps: 2082,
    total_bytes_per_s: 2324496 * KIB,
    rqm_per_s: 0,
    await_s: 0.00053,
    areq_sz_bytes: 1116.47 * KIB,
    aqu_sz: 1.1,
    util_pct: 45.8,
  });
  assert.equal(device(result, 'vda', 1).util_pct, 91.6);
});

test('recorded -dm -s: MB_w+d', () => {
  const result = parseFile(parser, ours('recorded-iostat-dm-s.txt'));
  assertCleanParse(result);
  assert.deepEqual(valueFields(device(result, 'vda', 1)), {
    device: 'vda',
    tps: 2084,
    read_bytes_per_s: 672.02 * MIB,
    write_discard_bytes_per_s: 1600 * MIB,
    read_bytes: 672 * MIB,
    write_discard_bytes: 1600 * MIB,
  });
});

test('recorded en_US: 12-hour timestamps, 12:10:41 AM is 00:10:41', () => {
  for (const name of ['recorded-iostat-en-us-ct.txt', 'recorded-iostat-en-us-json-ct.txt']) {
    const result = parseFile(parser, ours(name));
    assertCleanParse(result);
    assert.equal(hostInfo(result).date, '2026-11-27');
    assert.equal(cpu(result, 0).time?.iso, name.includes('json') ? '2026-11-27T00:10:43' : '2026-11-27T00:10:41');
    assert.equal(cpu(result, 1).time?.interval_s, 1);
    assert.equal(devicesOf(result).length, 0);
  }
});

test('recorded de_DE: dd.mm.yyyy dates and decimal commas', () => {
  const result = parseFile(parser, ours('recorded-iostat-de-td.txt'));
  assertCleanParse(result);
  assert.equal(hostInfo(result).date, '2026-11-27');
  const vda = device(result, 'vda', 0);
  assert.equal(vda.tps, 2.01);
  assert.equal(vda.read_bytes_per_s, 113.55 * KIB);
  assert.equal(vda.discard_bytes, 1704248 * KIB);
  assert.equal(vda.time?.iso, '2026-11-27T00:10:42');
  assert.equal(device(result, 'vda', 1).tps, 8);
});

test('hand-made sysstat <= 11.4 -h: the device name alone on its line, numbers on the next', () => {
  const result = parseFile(parser, ours('handmade-iostat-old-h-x.txt'));
  assertCleanParse(result);
  assert.equal(devicesOf(result).length, 6);
  const long = device(result, 'centos-swap-with-a-long-name', 1);
  assert.equal(long.avgrq_sz_bytes, 100.18 * 512);
  assert.equal(long.read_bytes_per_s, 0.12 * KIB);
  assert.equal(long.source.line, 22, 'source = the name line');
  const sda = device(result, 'sda', 0);
  assert.equal(sda.wrqm_per_s, 0.02);
  assert.equal(sda.await_s, 0.00088);
  assert.equal(sda.svctm_s, 0.00052);
  assert.equal(result.coverage.data, 1 + 2 + 12, 'banner + 2 avg-cpu + 6 name lines + 6 number lines');
});

test('hand-made legacy JSON (sysstat <= 11.4 keys): rrqm is rrqm/s there, r is r/s, kB_read_per_sec is kB_read/s', () => {
  const result = parseFile(parser, ours('handmade-iostat-legacy-json.txt'));
  assertCleanParse(result);
  assert.deepEqual(valueFields(device(result, 'sda', 0)), {
    device: 'sda',
    rrqm_per_s: 0,
    wrqm_per_s: 0.02,
    reads_per_s: 0.13,
    writes_per_s: 0.11,
    read_bytes_per_s: 5.27 * KIB,
    write_bytes_per_s: 1.1 * KIB,
    avgrq_sz_bytes: 52.53 * 512,
    aqu_sz: 0,
    await_s: 0.00088,
    r_await_s: 0.00053,
    w_await_s: 0.00129,
    svctm_s: 0.00052,
    util_pct: 0.01,
  });
  assert.equal(device(result, 'dm-0', 1).read_bytes_per_s, 4.39 * KIB);
  assert.equal(device(result, 'dm-0', 1).read_bytes, 4 * KIB);
});

// ------------------------------------------------------------------------------------------------
// Detector
// ------------------------------------------------------------------------------------------------

const EXPECTED_VARIANTS: Readonly<Record<string, string>> = {
  'jc-centos-7.7-iostat.out': 'iostat, sysstat <= 11.4',
  'jc-centos-7.7-iostat-mx.out': 'iostat -x -m, sysstat <= 11.4',
  'jc-ubuntu-18.04-iostat.out': 'iostat, sysstat 11.5-12.0',
  'jc-ubuntu-18.04-iostat-x.out': 'iostat -x, sysstat 11.5-12.0',
  'jc-ubuntu-20.10-iostat-m.out': 'iostat -m, sysstat >= 12.1',
  'jc-ubuntu-20.10-iostat-x.out': 'iostat -x, sysstat >= 12.3',
  'recorded-iostat-t-iso-x.txt': 'iostat -x -t, sysstat >= 12.3',
  'recorded-iostat-h-x-g.txt': 'iostat -x -g --pretty --human, sysstat >= 12.3',
  'recorded-iostat-x-g.txt': 'iostat -x -g, sysstat >= 12.3',
  'recorded-iostat-xs-human-t.txt': 'iostat -x -s -t --human, sysstat >= 11.5',
  'recorded-iostat-posix-x.txt': 'iostat -d -x, 512-byte blocks (POSIXLY_CORRECT or no -k), sysstat >= 12.3',
  'recorded-iostat-dm-s.txt': 'iostat -d -s -m, sysstat >= 12.1',
  'recorded-iostat-en-us-ct.txt': 'iostat -c -t',
  'recorded-iostat-de-td.txt': 'iostat -d -t, sysstat >= 12.1',
  'recorded-iostat-json-t.txt': 'iostat -o JSON -t, sysstat >= 12.1',
  'recorded-iostat-json-xs-g.txt': 'iostat -o JSON -d -x -s -g',
  'recorded-iostat-en-us-json-ct.txt': 'iostat -o JSON -c -t',
  'handmade-iostat-old-h-x.txt': 'iostat -x -h, device name on its own line, sysstat <= 11.4',
  'handmade-iostat-legacy-json.txt': 'iostat -o JSON -x, sysstat <= 11.4 (legacy JSON keys)',
};

const SHARED_VARIANTS: Readonly<Record<string, string>> = {
  'sysstat-12.1-iostat-x.txt': 'iostat -x, sysstat 12.1-12.2',
  'sysstat-iostat-compact.txt': 'iostat -x --pretty --compact, sysstat >= 12.3',
  'sysstat-iostat-x-pretty.txt': 'iostat -x --pretty, sysstat >= 12.3',
  'sysstat-iostat-h.txt': 'iostat -d --pretty --human, sysstat >= 12.1',
  'sysstat-iostat-human.txt': 'iostat --human, sysstat >= 12.1',
  'sysstat-iostat-ct.txt': 'iostat -c -t',
  'sysstat-iostat-ev.txt': 'iostat -d, 512-byte blocks (POSIXLY_CORRECT or no -k), sysstat >= 12.1',
  'sysstat-iostat-s.txt': 'iostat -s, sysstat >= 12.1',
  'sysstat-iostat-xs.txt': 'iostat -x -s, sysstat >= 11.5',
  'sysstat-iostat-g-JSON.txt': 'iostat -o JSON -d -m -g, sysstat >= 12.1',
  'sysstat-iostat-x-p-ALL-JSON.txt': 'iostat -o JSON -x, sysstat >= 12.3',
};

test('detector: every fixture is iostat, with its variant', () => {
  const files = listDir(fixture('iostat')).filter((f) => f.endsWith('.out') || f.endsWith('.txt'));
  assert.ok(files.length >= 20);
  for (const name of files) {
    const found = sniffFile(ours(name));
    assert.ok(found, `${name} is recognized`);
    assert.equal(found.tool, 'iostat');
    assert.ok(found.confidence >= 0.9, `${name}: confidence ${found.confidence}`);
    if (EXPECTED_VARIANTS[name]) assert.equal(found.variant, EXPECTED_VARIANTS[name], name);
  }
  for (const name of Object.keys(EXPECTED_VARIANTS)) assert.ok(files.includes(name), `${name} exists`);
});

test('detector: every file of ../shared/corpus/iostat, with its variant', { skip: skipWithoutShared }, () => {
  for (const name of listDir(join(sharedDir, 'corpus', 'iostat')).filter((f) => !f.endsWith('.json'))) {
    const found = sniffFile(corpus(name));
    assert.equal(found?.tool, 'iostat', name);
    assert.ok(found.confidence >= 0.9);
    if (SHARED_VARIANTS[name]) assert.equal(found.variant, SHARED_VARIANTS[name], name);
  }
});

test("detector: claims no file of another tool's corpus folder", { skip: skipWithoutShared }, () => {
  const root = join(sharedDir, 'corpus');
  let checked = 0;
  for (const tool of listDir(root).filter((d) => d !== 'iostat' && !d.includes('.'))) {
    for (const name of listDir(join(root, tool))) {
      assert.equal(sniffFile(join(root, tool, name)), null, `${tool}/${name}`);
      checked++;
    }
  }
  assert.ok(checked > 50, `${checked} files checked`);
});

test('detector: look-alikes of other sysstat tools are not iostat', () => {
  const banner = 'Linux 5.8.0-53-generic (ubuntu) \t12/02/2021 \t_x86_64_\t(2 CPU)\n\n';
  const sarDisk = `${banner}12:00:01 AM       DEV       tps     rkB/s     wkB/s     dkB/s   areq-sz    aqu-sz     await     %util\n12:10:01 AM    dev8-0      1.22      0.50     14.71      0.00     12.48      0.00      0.46      0.06\n`;
  const pidstatDisk = `${banner}12:53:20      UID       PID   kB_rd/s   kB_wr/s kB_ccwr/s iodelay  Command\n12:53:21        0      8407      0.00      4.00      0.00       0  bash\n`;
  const tapestat = `${banner}Tape:     r/s     w/s   kB_read/s   kB_wrtn/s %Rd %Wr %Oa    Rs/s    Ot/s\nst0       0.00    0.00        0.00        0.00   0   0   0    0.00    0.00\n`;
  const mpstat = `${banner}12:53:20 PM  CPU    %usr   %nice    %sys %iowait    %irq   %soft  %steal  %guest  %gnice   %idle\n`;
  const sarJson = '{"sysstat": {\n\t"hosts": [\n\t\t{\n\t\t\t"statistics": [\n\t\t\t\t{"disk": [{"disk-device": "dev8-0", "tps": 1.0}]}\n';
  for (const [name, text] of Object.entries({ sarDisk, pidstatDisk, tapestat, mpstat, sarJson, banner })) assert.equal(sniff(text), null, name);
  assert.equal(sniff(''), null);
});

// ------------------------------------------------------------------------------------------------
// Malformed input
// ------------------------------------------------------------------------------------------------

const X_FILE = 'jc-ubuntu-20.10-iostat-x.out';

test('malformed: a file cut in the middle of a row loses that row only', () => {
  const text = readFileSync(ours(X_FILE), 'utf8');
  const cut = text.slice(0, text.indexOf('sda              2.67') + 40);
  const result = parseText(parser, 'cut.txt', cut);
  assertCoverageInvariant(result);
  assert.equal(result.coverage.unparsed, 1);
  const diag = result.diagnostics.find((d) => d.code === 'unparsed-line');
  assert.equal(diag?.line, 19);
  assert.match(diag?.message ?? '', /expected the device name then 22 values/);
  assert.equal(devicesOf(result).length, 12, 'the 12 rows before sda');
  assert.equal(devicesOf(result).at(-1)?.device, 'loop9');
});

test('malformed: a CRLF copy gives the same records', () => {
  const text = readFileSync(ours(X_FILE), 'utf8');
  const lf = parseText(parser, 'x.txt', text);
  const crlf = parseText(parser, 'x.txt', text.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(comparable(crlf), comparable(lf));
  assert.ok(crlf.diagnostics.some((d) => d.code === 'crlf'));
});

test('malformed: binary garbage and an empty file give diagnostics, never an exception', () => {
  const bytes = Buffer.alloc(4096);
  let seed = 7;
  for (let i = 0; i < bytes.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    bytes[i] = seed & 0xff;
  }
  const garbage = parseText(parser, 'garbage.bin', bytes);
  assertCoverageInvariant(garbage);
  assert.ok(garbage.coverage.unparsed > 0);
  assert.equal(garbage.records.length, 0);
  const printable = Buffer.from(bytes.map((b) => (b === 0 || b === 10 ? 65 : b))).toString('latin1');
  const noNul = parseText(parser, 'garbage.txt', Buffer.from(printable.replace(/(.{80})/g, '$1\n'), 'latin1'));
  assertCoverageInvariant(noNul);
  assert.ok(noNul.coverage.unparsed > 0);
  const empty = parseText(parser, 'empty.txt', '');
  assertCoverageInvariant(empty);
  assert.equal(empty.records.length, 0);
  assert.equal(empty.coverage.lines, 0);
  const blanks = parseText(parser, 'blank.txt', '\n\n\n');
  assertCleanParse(blanks);
  assert.equal(blanks.coverage.skipped, 3);
});

test("malformed: another tool's file fed to the iostat parser is reported, not misread", () => {
  const vmstat = 'procs -----------memory---------- ---swap-- -----io---- -system-- ------cpu-----\n r  b   swpd   free   buff  cache   si   so    bi    bo   in   cs us sy id wa st\n 1  0      0 123456  7890 456789    0    0     5    10  100  200  1  1 98  0  0\n';
  const result = parseText(parser, 'vmstat.txt', vmstat);
  assertCoverageInvariant(result);
  assert.equal(result.coverage.unparsed, 3);
  assert.equal(result.records.length, 0);
  assert.match(result.diagnostics[0]!.message, /expected a sysstat banner/);
});

test("malformed: sysstat JSON of another tool (pidstat) is reported as unparsed", { skip: skipWithoutShared }, () => {
  const result = parseFile(parser, join(sharedDir, 'corpus', 'pidstat', 'sysstat-pidstat-At-ALL-JSON.txt'));
  assertCoverageInvariant(result);
  assert.equal(result.records.length, 0);
  assert.equal(result.coverage.unparsed, result.coverage.lines);
});

test("malformed: other tools' corpus files give no iostat record", { skip: skipWithoutShared }, () => {
  for (const tool of ['pidstat', 'mpstat', 'vmstat', 'top', 'ps', 'df']) {
    for (const name of listDir(join(sharedDir, 'corpus', tool)).filter((f) => !f.endsWith('.json'))) {
      const result = parseFile(parser, join(sharedDir, 'corpus', tool, name));
      assertCoverageInvariant(result);
      assert.equal(devicesOf(result).length + cpusOf(result).length, 0, `${tool}/${name}`);
      assert.ok(result.coverage.unparsed > 0, `${tool}/${name} says it could not be read`);
    }
  }
});

test('malformed: a truncated JSON document is read line by line', () => {
  const text = readFileSync(ours('recorded-iostat-json-t.txt'), 'utf8');
  const cut = text.slice(0, text.indexOf('"kB_read": 542808') - 10);
  const result = parseText(parser, 'cut.json', cut);
  assertCoverageInvariant(result);
  assert.ok(result.diagnostics.some((d) => d.code === 'json-incomplete'));
  assert.equal(result.coverage.unparsed, 1, 'only the cut disk line');
  assert.equal(result.diagnostics.find((d) => d.code === 'unparsed-line')?.line, 29);
  assert.deepEqual(samples(result), [0, 1, 2]);
  assert.equal(devicesOf(result).length, 2);
  assert.equal(cpusOf(result).length, 3);
  assert.equal(cpu(result, 2).time?.iso, '2026-11-27T00:10:33');
  assert.equal(cpu(result, 2).time?.interval_s, 1);
  assert.equal(device(result, 'vda', 1).tps, 2085);
  assert.equal(hostInfo(result).hostname, 'vm');
  const whole = parseFile(parser, ours('recorded-iostat-json-t.txt'));
  assert.deepEqual(comparable(result).slice(0, 5), comparable(whole).slice(0, 5), 'line-by-line = whole-document reading for the complete part');
});

test('malformed: a name line of the old -h layout without its numbers is unparsed', () => {
  const text = readFileSync(ours('handmade-iostat-old-h-x.txt'), 'utf8').replace(/\n$/, '') + '\nsdz\n';
  const result = parseText(parser, 'old-h.txt', text);
  assertCoverageInvariant(result);
  assert.equal(result.coverage.unparsed, 1);
  assert.match(result.diagnostics.find((d) => d.code === 'unparsed-line')?.message ?? '', /not followed by its values/);
  assert.equal(devicesOf(result).length, 6);
});

test('malformed: an unknown column is left out with a warning, the rest of the row is read', () => {
  const text = 'Device             tps    kB_read/s  zz_new/s\nsda               1.00         2.00      3.00\n';
  const result = parseText(parser, 'new.txt', text);
  assertCleanParse(result);
  assert.deepEqual(valueFields(devicesOf(result)[0]!), { device: 'sda', tps: 1, read_bytes_per_s: 2 * KIB });
  assert.ok(result.diagnostics.some((d) => d.code === 'unknown-column' && d.message.includes('zz_new/s')));
});

test('GB_* columns (sysstat 12.x units) are GiB', () => {
  const text = 'Device             tps    GB_read/s    GB_wrtn/s    GB_dscd/s    GB_read    GB_wrtn    GB_dscd\nsda               1.00         0.50         0.25         0.00          3          1          0\n';
  const result = parseText(parser, 'gb.txt', text);
  assertCleanParse(result);
  assert.deepEqual(valueFields(devicesOf(result)[0]!), {
    device: 'sda',
    tps: 1,
    read_bytes_per_s: 0.5 * GIB,
    write_bytes_per_s: 0.25 * GIB,
    discard_bytes_per_s: 0,
    read_bytes: 3 * GIB,
    write_bytes: GIB,
    discard_bytes: 0,
  });
  assert.equal(sniff(text)?.variant, 'iostat -d, GB units, sysstat >= 12.1');
});

test('malformed: a row with a value that is not a number, and a row with too few values', () => {
  const text = 'Device             tps    kB_read/s    kB_wrtn/s    kB_read    kB_wrtn\nsda               1.00         x.00         0.00         10          0\nsdb               1.00         2.00\n';
  const result = parseText(parser, 'bad.txt', text);
  assertCoverageInvariant(result);
  assert.equal(result.coverage.unparsed, 2);
  assert.equal(devicesOf(result).length, 0);
  assert.match(result.diagnostics[0]!.message, /kB_read\/s is not a number/);
});

test('two runs appended to one file: each first report is since boot, samples keep counting', () => {
  const text = readFileSync(ours('jc-centos-7.7-iostat.out'), 'utf8');
  const result = parseText(parser, 'twice.txt', text + '\n' + text);
  assertCleanParse(result);
  assert.equal(ofKind(result, 'host.info').length, 2);
  assert.deepEqual(samples(result), [0, 1]);
  assert.ok(result.records.filter((r) => r.kind !== 'host.info').every((r) => r.time?.since_boot === true));
});

// ------------------------------------------------------------------------------------------------

/** Values as the parser rounds them (sizes to 3 decimals). */
function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}

function sortKeys(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => a.localeCompare(b)));
}
