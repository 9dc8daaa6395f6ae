/**
 * The /proc/meminfo parser on snapshots recorded here (cat, grep -H, a timestamped loop while 1.5 GB were
 * written through the page cache). See docs/parsers/meminfo.md and test/fixtures/meminfo/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MEMINFO_FIELDS, parser as meminfo } from '../../src/parsers/meminfo.js';
import { detector } from '../../src/sniff/detectors/meminfo.js';
import { validateRecord } from '../../src/timeline/schemas.js';
import { assertCoverageInvariant, fixture, parseFile } from '../helpers.js';

const work = mkdtempSync(join(tmpdir(), 'perftriage-meminfo-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

const RECORDED = ['recorded-cat.txt', 'recorded-grep.txt', 'recorded-loop-write-load.txt'];

test('every recorded line feeds a snapshot; named counters in bytes, the rest under the kernel\'s names', () => {
  for (const name of RECORDED) {
    const r = parseFile(meminfo, fixture('meminfo', name));
    assertCoverageInvariant(r);
    assert.equal(r.coverage.unparsed, 0, name);
    assert.deepEqual(r.diagnostics, [], name);
    for (const record of r.records) assert.deepEqual(validateRecord(record).errors, [], `${name}:${record.source.line}`);
  }
  const text = readFileSync(fixture('meminfo', 'recorded-cat.txt'), 'utf8');
  const kb = (key: string): number => Number(new RegExp(`^${key.replace(/[()]/g, '\\$&')}:\\s+(\\d+) kB$`, 'm').exec(text)![1]) * 1024;
  const [one] = parseFile(meminfo, fixture('meminfo', 'recorded-cat.txt')).records;
  assert.equal(one!.mem_total_bytes, kb('MemTotal'));
  assert.equal(one!.mem_available_bytes, kb('MemAvailable'));
  assert.equal(one!.dirty_bytes, kb('Dirty'));
  assert.equal((one!.other as Record<string, number>)['Active(file)'], kb('Active(file)'));
  assert.equal((one!.other as Record<string, number>).HugePages_Total, Number(/^HugePages_Total:\s+(\d+)$/m.exec(text)![1]), 'a count, not kB');
  // Every line of the file is a field: named or in other.
  const lines = text.split('\n').filter((l) => l !== '').length;
  assert.equal(Object.keys(one!).filter((k) => k.endsWith('_bytes')).length + Object.keys(one!.other as object).length, lines);
  const [viaGrep] = parseFile(meminfo, fixture('meminfo', 'recorded-grep.txt')).records;
  assert.equal(typeof viaGrep!.mem_total_bytes, 'number');
});

test('a timestamped loop: one snapshot per date line; Dirty grows to 1.5 GiB while dd writes through the cache', () => {
  const records = parseFile(meminfo, fixture('meminfo', 'recorded-loop-write-load.txt')).records;
  assert.equal(records.length, 8);
  assert.deepEqual(records.map((r) => r.time?.sample), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(records[0]!.time?.clock, 'utc');
  assert.deepEqual(records.map((r) => Math.round(Number(r.dirty_bytes) / 1024)), [1292, 1304, 263452, 720160, 1170728, 1537312, 1537320, 1537324]);
  assert.ok(records.every((r) => r.writeback_bytes === 0), 'the background threshold was not reached: no writeback yet');
});

test('without timestamps a MemTotal seen again starts the next snapshot; damaged lines are unparsed', () => {
  const one = readFileSync(fixture('meminfo', 'recorded-cat.txt'), 'utf8');
  const path = join(work, 'two.txt');
  writeFileSync(path, `${one}${one.split('\n').slice(0, 5).join('\n')}\nDirty: lots kB\n`);
  const r = parseFile(meminfo, path);
  assertCoverageInvariant(r);
  assert.deepEqual(r.records.map((x) => x.time), [{ clock: 'ordinal', sample: 0 }, { clock: 'ordinal', sample: 1 }]);
  assert.equal(r.coverage.unparsed, 1);
  assert.match(r.diagnostics[0]!.message, /expected a \/proc\/meminfo line/);
});

test('sniffing: the recorded forms are meminfo; key-value lines without MemTotal are not', () => {
  for (const name of RECORDED) assert.equal(detector.detect(readFileSync(fixture('meminfo', name), 'utf8').split('\n').slice(0, 64))?.tool, 'meminfo', name);
  assert.equal(detector.detect(['Name:   bash', 'Pid:    12', 'VmRSS:  1234 kB']), null);
});

test("jc's meminfo fixture: every counter jc reads, perftriage reads the same (bytes for kB, counts as they are)", () => {
  const jc = JSON.parse(readFileSync(fixture('meminfo', 'jc-meminfo.json'), 'utf8')) as Record<string, number>;
  const r = parseFile(meminfo, fixture('meminfo', 'jc-meminfo.txt'));
  assert.equal(r.coverage.unparsed, 0);
  assert.equal(r.records.length, 1);
  const record = r.records[0]!;
  assert.deepEqual(validateRecord(record).errors, []);
  const named = Object.fromEntries(Object.entries(MEMINFO_FIELDS).map(([key, field]) => [field, key]));
  const ours: Record<string, number> = { ...(record.other as Record<string, number>) };
  for (const [field, value] of Object.entries(record)) if (named[field] !== undefined) ours[named[field]] = value as number;
  assert.deepEqual(Object.keys(ours).sort(), Object.keys(jc).sort());
  for (const [key, kb] of Object.entries(jc)) assert.equal(ours[key], key.startsWith('HugePages_') ? kb : kb * 1024, key);
  assert.equal(record.swap_total_bytes, 3996668 * 1024);
});
