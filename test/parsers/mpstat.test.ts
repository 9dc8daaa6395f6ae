/**
 * mpstat parser and detector: jc fixtures (MIT, copied here), perftriage's own captures (sysstat 12.6.1 in the
 * C, en_US and de_DE locales), jc conformance field by field, since-boot and interval rules, malformed input.
 * See docs/parsers/mpstat.md and test/fixtures/mpstat/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { parser } from '../../src/parsers/mpstat.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/mpstat.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';
import { otherToolFiles } from '../helpers.js';

const ours = (name: string): string => fixture('mpstat', name);
const parseOurs = (name: string): ParseResult => parseFile(parser, ours(name));
const ofKind = (r: ParseResult, kind: string): TimelineRecord[] => r.records.filter((x) => x.kind === kind);
const timed = (rs: TimelineRecord[]): TimelineRecord[] => rs.filter((x) => x.average !== true);
const averages = (rs: TimelineRecord[]): TimelineRecord[] => rs.filter((x) => x.average === true);
const sniff = (content: string): ReturnType<typeof detector.detect> =>
  detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));

/** The one record of a kind/cpu/table at a sample. */
function one(r: ParseResult, kind: string, cpu: 'all' | number, sample: number, table?: string): TimelineRecord {
  const found = r.records.filter((x) => x.kind === kind && x.cpu === cpu && x.time?.sample === sample && (table === undefined || x.table === table));
  assert.equal(found.length, 1, `${basename(r.file)}: expected one ${kind} ${table ?? ''} cpu ${cpu} in sample ${sample}, found ${found.length}`);
  return found[0]!;
}

// ------------------------------------------------------------------------------------------------
// Every fixture parses cleanly
// ------------------------------------------------------------------------------------------------

test('every mpstat fixture parses with no unparsed line and valid records, each with its host.info', () => {
  const files = listDir(fixture('mpstat')).filter((f) => f.endsWith('.out') || f.endsWith('.txt'));
  assert.ok(files.length >= 12, `expected the jc and own fixtures, found ${files.length}`);
  for (const f of files) {
    const r = parseOurs(f);
    assertCleanParse(r);
    assert.equal(ofKind(r, 'host.info').length, 1, f);
    assert.ok(r.records.length > 1, `${f}: no mpstat record`);
  }
});

// ------------------------------------------------------------------------------------------------
// Real values, time, since boot
// ------------------------------------------------------------------------------------------------

test('jc mpstat -A 2 5 (12-hour times): five 2-second reports, all four tables, Average rows', () => {
  const r = parseOurs('jc-centos-7.7-mpstat-A-2-5.out');
  assert.deepEqual(ofKind(r, 'host.info')[0], {
    kind: 'host.info', source: { file: r.file, line: 1 }, tool: 'mpstat', hostname: 'localhost',
    kernel: 'Linux 3.10.0-1062.1.2.el7.x86_64', arch: 'x86_64', cpus: 1, date: '2022-03-11',
  });
  const cpus = ofKind(r, 'mpstat.cpu');
  assert.deepEqual([...new Set(timed(cpus).map((x) => x.time?.sample))], [0, 1, 2, 3, 4]);
  const first = one(r, 'mpstat.cpu', 'all', 0);
  assert.deepEqual(first.time, { clock: 'local', iso: '2022-03-11T15:16:17', epoch: Date.UTC(2022, 2, 11, 15, 16, 17) / 1000, sample: 0, interval_s: 2 });
  assert.equal(first.sys_pct, 0.5);
  assert.equal(first.idle_pct, 99.5);
  assert.equal(one(r, 'mpstat.cpu', 0, 4).idle_pct, 100);
  assert.equal(one(r, 'mpstat.interrupts', 'all', 1, 'sum').intr_per_s, 56.5);
  const irq = one(r, 'mpstat.interrupts', 0, 4, 'irq');
  assert.equal((irq.per_s as Record<string, number>).LOC, 43.22);
  assert.equal((irq.per_s as Record<string, number>)['16'], 4.52);
  assert.equal(Object.keys(irq.per_s as object).length, 65);
  const soft = one(r, 'mpstat.interrupts', 0, 4, 'softirq');
  assert.deepEqual(soft.per_s, { HI: 0, TIMER: 32.16, NET_TX: 0, NET_RX: 1.51, BLOCK: 1.51, BLOCK_IOPOLL: 0, TASKLET: 0, SCHED: 0, HRTIMER: 0, RCU: 15.58 });
  assert.equal(one(r, 'mpstat.interrupts', 0, 4, 'softirq').time?.iso, '2022-03-11T15:16:25');
  const avg = averages(r.records);
  assert.equal(avg.length, 6);
  assert.ok(avg.every((x) => x.time === undefined));
  assert.equal(avg.find((x) => x.kind === 'mpstat.cpu' && x.cpu === 'all')!.usr_pct, 0.1);
  assert.equal(avg.find((x) => x.table === 'sum' && x.cpu === 'all')!.intr_per_s, 56.76);
  assert.ok(r.records.every((x) => x.time?.since_boot === undefined), 'interval reports are not since boot');
});

test('mpstat without an interval: one report since boot (header time == row time), no interval_s', () => {
  for (const f of ['jc-centos-7.7-mpstat.out', 'jc-centos-7.7-mpstat-A.out', 'own-mpstat-C.txt', 'jc-ubuntu-18.04-mpstat-A.out']) {
    const r = parseOurs(f);
    const rows = r.records.filter((x) => x.kind !== 'host.info');
    assert.ok(rows.length > 0);
    for (const x of rows) {
      assert.equal(x.time?.since_boot, true, `${f}:${x.source.line}`);
      assert.equal(x.time?.sample, 0);
      assert.equal(x.time?.interval_s, undefined);
    }
  }
  const c = one(parseOurs('own-mpstat-C.txt'), 'mpstat.cpu', 'all', 0);
  assert.equal(c.time?.iso, '2026-11-27T00:15:41');
  assert.equal(c.iowait_pct, 0.01);
  assert.equal(c.idle_pct, 99.72);
});

test('mpstat 1 2 without -P: one header, each row is a report; Average row without its own header', () => {
  for (const [f, t0, t1] of [['own-mpstat-1-2-C.txt', '00:15:35', '00:15:36'], ['own-mpstat-1-2-en_US.txt', '00:15:38', '00:15:39']] as const) {
    const r = parseOurs(f);
    const cpus = ofKind(r, 'mpstat.cpu');
    assert.equal(cpus.length, 3, f);
    assert.deepEqual(cpus.map((x) => [x.time?.iso?.slice(11), x.time?.sample, x.time?.interval_s]), [[t0, 0, 1], [t1, 1, 1], [undefined, undefined, undefined]]);
    assert.equal(cpus[2]!.average, true);
  }
  assert.equal(ofKind(parseOurs('own-mpstat-1-2-C.txt'), 'mpstat.cpu')[2]!.idle_pct, 92.98);
});

test('12-hour en_US times: 12:15:33 AM is 00:15:33; -P ALL rows carry numeric CPUs', () => {
  const r = parseOurs('own-mpstat-P-ALL-1-2-en_US.txt');
  const c1 = one(r, 'mpstat.cpu', 1, 1);
  assert.equal(c1.time?.iso, '2026-11-27T00:15:34');
  assert.equal(c1.usr_pct, 84.85);
  assert.equal(c1.soft_pct, 1.01);
  assert.equal(one(r, 'mpstat.cpu', 'all', 0).time?.iso, '2026-11-27T00:15:33');
  assert.deepEqual(averages(r.records).map((x) => x.cpu), ['all', 0, 1]);
});

test('de_DE: decimal commas and the translated Average label (Durchschn.:)', () => {
  const r = parseOurs('own-mpstat-P-ALL-1-1-de_DE.txt');
  assert.equal(ofKind(r, 'host.info')[0]!.date, '2026-11-27');
  assert.equal(one(r, 'mpstat.cpu', 'all', 0).idle_pct, 99.5);
  assert.equal(one(r, 'mpstat.cpu', 0, 0).sys_pct, 1);
  const avg = averages(r.records);
  assert.equal(avg.length, 3);
  assert.equal(avg[0]!.idle_pct, 99.5);
  // French puts a space before the colon: "Moyenne :".
  const fr = parseText(parser, 'fr.txt', readFileSync(ours('own-mpstat-P-ALL-1-1-de_DE.txt'), 'utf8').replace(/Durchschn\.:/g, 'Moyenne :'));
  assertCleanParse(fr);
  assert.equal(averages(fr.records).length, 3);
});

test('mpstat -A (sysstat 12.6 and 11.6): NODE tables become mpstat.node; SUM/CPU/SCPU tables per CPU', () => {
  const r = parseOurs('own-mpstat-A-1-1-C.txt');
  const nodes = ofKind(r, 'mpstat.node');
  assert.deepEqual(nodes.map((x) => [x.node, x.average ?? false, x.sys_pct]), [['all', false, 0.5], [0, false, 0.5], ['all', true, 0.5], [0, true, 0.5]]);
  assert.equal(one(r, 'mpstat.interrupts', 1, 0, 'sum').intr_per_s, 12);
  const irq1 = one(r, 'mpstat.interrupts', 1, 0, 'irq');
  assert.equal((irq1.per_s as Record<string, number>)['42'], 1);
  assert.equal((irq1.per_s as Record<string, number>).HYP, 0);
  assert.equal((one(r, 'mpstat.interrupts', 0, 0, 'irq').per_s as Record<string, number>).LOC, 50);
  assert.equal((one(r, 'mpstat.interrupts', 0, 0, 'softirq').per_s as Record<string, number>).SCHED, 27);
  const ubuntu = parseOurs('jc-ubuntu-18.04-mpstat-A.out');
  assert.equal(ofKind(ubuntu, 'mpstat.node').length, 2);
  assert.equal((one(ubuntu, 'mpstat.interrupts', 0, 0, 'softirq').per_s as Record<string, number>).IRQ_POLL, 0);
  assert.equal((one(ubuntu, 'mpstat.interrupts', 0, 0, 'softirq').per_s as Record<string, number>).RCU, 1134.22);
  assert.equal(one(ubuntu, 'mpstat.interrupts', 'all', 0, 'sum').intr_per_s, 1301.92);
});

test('mpstat -I SUM,CPU,SCPU -P ALL: interrupt tables only', () => {
  const r = parseOurs('own-mpstat-I-ALL-P-ALL-1-1-C.txt');
  assert.equal(ofKind(r, 'mpstat.cpu').length, 0);
  assert.equal(one(r, 'mpstat.interrupts', 'all', 0, 'sum').intr_per_s, 232);
  assert.equal((one(r, 'mpstat.interrupts', 1, 0, 'irq').per_s as Record<string, number>)['36'], 3);
  assert.equal((one(r, 'mpstat.interrupts', 1, 0, 'irq').per_s as Record<string, number>)['42'], 11);
  assert.equal((one(r, 'mpstat.interrupts', 0, 0, 'irq').per_s as Record<string, number>).LOC, 76);
  assert.equal((one(r, 'mpstat.interrupts', 1, 0, 'softirq').per_s as Record<string, number>).BLOCK, 3);
});

test('midnight rollover: a row time that goes back past midnight advances the banner date', () => {
  const text = [
    'Linux 6.1.0 (h) \t11/27/26 \t_x86_64_\t(1 CPU)', '',
    '23:59:59     CPU    %usr   %nice    %sys %iowait    %irq   %soft  %steal  %guest  %gnice   %idle',
    '00:00:00     all    1.00    0.00    0.00    0.00    0.00    0.00    0.00    0.00    0.00   99.00',
    '00:00:01     all    2.00    0.00    0.00    0.00    0.00    0.00    0.00    0.00    0.00   98.00', '',
  ].join('\n');
  const r = parseText(parser, 'm.txt', text);
  assertCleanParse(r);
  const cpus = ofKind(r, 'mpstat.cpu');
  assert.deepEqual(cpus.map((x) => [x.time?.iso, x.time?.interval_s]), [['2026-11-27T00:00:00', 1], ['2026-11-27T00:00:01', 1]]);
  // Rows on both sides of midnight: the second one is on the next day.
  const across = text.replace('23:59:59     CPU', '23:59:58     CPU').replace('00:00:00     all', '23:59:59     all');
  const acrossCpus = ofKind(parseText(parser, 'l.txt', across), 'mpstat.cpu');
  assert.deepEqual(acrossCpus.map((x) => [x.time?.iso, x.time?.interval_s]), [['2026-11-27T23:59:59', 1], ['2026-11-28T00:00:01', 2]]);
});

// ------------------------------------------------------------------------------------------------
// jc conformance
// ------------------------------------------------------------------------------------------------

/**
 * Named exceptions (docs/parsers/mpstat.md, "Differences from jc"):
 * - JC_TIME_STRING: jc keeps the row time as the printed string (`03:16:17 PM`) without a date; ours is a
 *   date-time (banner date + 24-hour time).
 * - JC_CPU_STRING: jc's cpu is a string (`"0"`); ours is a number, or `all`.
 * - JC_FLAT_INTERRUPTS: jc flattens the per-interrupt tables into keys `<name lower-cased>_s`; ours keeps the
 *   name as printed in `per_s` and says which table in `table`.
 * - JC_NO_BANNER: jc drops the banner; ours gives host.info (not compared).
 */
function to24h(jcTime: string): string {
  const m = /^(\d{2}):(\d{2}):(\d{2})(?: (AM|PM))?$/.exec(jcTime);
  assert.ok(m, `jc time ${jcTime}`);
  let h = Number(m[1]);
  if (m[4] === 'AM' && h === 12) h = 0;
  if (m[4] === 'PM' && h !== 12) h += 12;
  return `${String(h).padStart(2, '0')}:${m[2]}:${m[3]}`;
}

const PCT_KEY = /^percent_(usr|nice|sys|iowait|irq|soft|steal|guest|gnice|idle)$/;

function compareWithJc(outName: string, jsonName: string): void {
  const mine = parseOurs(outName).records.filter((x) => x.kind !== 'host.info');
  const jc = JSON.parse(readFileSync(ours(jsonName), 'utf8')) as Record<string, unknown>[];
  assert.equal(mine.length, jc.length, `${outName}: record count`);
  jc.forEach((row, i) => {
    const rec = mine[i]!;
    const what = `${outName} record ${i} (line ${rec.source.line})`;
    const perS = rec.per_s as Record<string, number> | undefined;
    const perSLower = new Map(Object.entries(perS ?? {}).map(([k, v]) => [`${k.toLowerCase()}_s`, v]));
    let perSCompared = 0;
    for (const [key, value] of Object.entries(row)) {
      const pct = PCT_KEY.exec(key);
      if (pct) {
        assert.equal(rec[`${pct[1]}_pct`], value, `${what}: ${key}`);
      } else if (key === 'type') {
        assert.equal(rec.kind, value === 'cpu' ? 'mpstat.cpu' : 'mpstat.interrupts', `${what}: type`);
      } else if (key === 'cpu') {
        assert.equal(String(rec.cpu), value, `${what}: JC_CPU_STRING`);
      } else if (key === 'time') {
        assert.equal(rec.time?.iso?.slice(11), to24h(String(value)), `${what}: JC_TIME_STRING`);
      } else if (key === 'average') {
        assert.equal(rec.average, true, `${what}: average`);
        assert.equal(rec.time, undefined, `${what}: Average rows have no time`);
      } else if (key === 'intr_s') {
        assert.equal(rec.table, 'sum', `${what}: intr_s is the SUM table`);
        assert.equal(rec.intr_per_s, value, `${what}: intr_s`);
      } else if (key.endsWith('_s') && perSLower.has(key)) {
        assert.equal(perSLower.get(key), value, `${what}: ${key} (JC_FLAT_INTERRUPTS)`);
        perSCompared++;
      } else {
        assert.fail(`${what}: jc key '${key}' has no mapping and no named exception`);
      }
    }
    assert.equal(perSCompared, perSLower.size, `${what}: every per_s entry of ours is in jc's record`);
  });
}

test('jc conformance: mpstat -A 2 5 (corpus pair)', () => {
  compareWithJc('jc-centos-7.7-mpstat-A-2-5.out', 'jc-centos-7.7-mpstat-A-2-5.json');
});

test('jc conformance: mpstat -A (since boot)', () => {
  compareWithJc('jc-centos-7.7-mpstat-A.out', 'jc-centos-7.7-mpstat-A.json');
});

test('the corpus copies are byte-identical to ../shared', { skip: skipWithoutShared }, () => {
  for (const name of ['jc-centos-7.7-mpstat-A-2-5.out', 'jc-centos-7.7-mpstat-A-2-5.json']) {
    assert.deepEqual(readFileSync(ours(name)), readFileSync(join(sharedDir, 'corpus', 'mpstat', name)), name);
  }
});

// ------------------------------------------------------------------------------------------------
// Malformed and unsupported input
// ------------------------------------------------------------------------------------------------

test('a file cut mid-row: the cut row is reported, earlier rows kept', () => {
  const text = readFileSync(ours('own-mpstat-P-ALL-1-2-C.txt'), 'utf8');
  const cut = text.slice(0, text.indexOf('00:15:32       1') + 30);
  const r = parseText(parser, 'cut.txt', cut);
  assertCoverageInvariant(r);
  assert.equal(r.coverage.unparsed, 1);
  assert.equal(ofKind(r, 'mpstat.cpu').length, 5);
  assert.match(r.diagnostics[0]!.message, /expected/);
});

test('CRLF copy of a real file gives the same records', () => {
  const text = readFileSync(ours('jc-centos-7.7-mpstat-A-2-5.out'), 'utf8');
  const lf = parseText(parser, 'a.txt', text);
  const crlf = parseText(parser, 'a.txt', text.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(crlf.records, lf.records);
});

test('binary garbage, an empty file, rows before a header, JSON, -T topology: diagnostics, no exception', () => {
  const garbage = parseText(parser, 'g.bin', Buffer.from([0x00, 0xff, 0x13, 0x0a, 0x89, 0x50, 0x4e, 0x47, 0x0a, 0x7f, 0x45, 0x4c, 0x46]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assert.equal(garbage.coverage.unparsed, garbage.coverage.lines);
  const empty = parseText(parser, 'e.txt', '');
  assertCoverageInvariant(empty);
  assert.equal(empty.coverage.lines, 0);
  const headless = parseText(parser, 'h.txt', '03:16:17 PM  all    0.00    0.00    0.50    0.00    0.00    0.00    0.00    0.00    0.00   99.50\n');
  assertCoverageInvariant(headless);
  assert.equal(headless.coverage.unparsed, 1);
  assert.match(headless.diagnostics[0]!.message, /header/);
  const json = parseText(parser, 'j.txt', '{"sysstat": {\n\t"hosts": [\n');
  assertCoverageInvariant(json);
  assert.match(json.diagnostics[0]!.message, /JSON/);
  const topo = parseText(parser, 't.txt', '10:00:00     CPU  CORE  SOCK  NODE    %usr   %nice    %sys %iowait    %irq   %soft  %steal  %guest  %gnice   %idle\n10:00:01     all                      1.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 0.00 99.00\n');
  assertCoverageInvariant(topo);
  assert.equal(topo.coverage.unparsed, 2);
  assert.match(topo.diagnostics[0]!.message, /-T/);
  assert.match(topo.diagnostics[1]!.message, /not read: mpstat -T/);
});

test("another tool's file fed to the mpstat parser: every line accounted for, no mpstat record", () => {
  const r = parseFile(parser, fixture('vmstat', 'own-vmstat-t-1-3.txt'));
  assertCoverageInvariant(r);
  assert.equal(r.records.length, 0);
  assert.equal(r.coverage.unparsed, r.coverage.lines);
});

// ------------------------------------------------------------------------------------------------
// Detector
// ------------------------------------------------------------------------------------------------

test('detector: every mpstat fixture is mpstat, with the tables in the variant', () => {
  for (const f of listDir(fixture('mpstat')).filter((n) => n.endsWith('.out') || n.endsWith('.txt'))) {
    const s = sniff(readFileSync(ours(f), 'utf8'));
    assert.equal(s?.tool, 'mpstat', f);
    assert.ok(s!.confidence >= 0.9, f);
  }
  assert.equal(sniff(readFileSync(ours('jc-centos-7.7-mpstat-A-2-5.out'), 'utf8'))!.variant, 'mpstat -u -I SUM -I CPU/SCPU, 12-hour times');
  assert.equal(sniff(readFileSync(ours('own-mpstat-A-1-1-C.txt'), 'utf8'))!.variant, 'mpstat -A');
  assert.equal(sniff(readFileSync(ours('own-mpstat-P-ALL-1-2-C.txt'), 'utf8'))!.variant, 'mpstat -u');
});


test("detector: claims no other tool's file (corpus incl. sysstat iostat/pidstat, popularity capture, other fixtures)", { skip: skipWithoutShared }, () => {
  const files = otherToolFiles('mpstat');
  assert.ok(files.length > 50, `found ${files.length} files`);
  for (const path of files) {
    const s = sniff(readFileSync(path, 'utf8'));
    assert.equal(s, null, `${basename(path)} claimed as ${s?.variant}`);
  }
});
