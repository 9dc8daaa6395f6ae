/**
 * The PSI parser on /proc/pressure recorded here four ways (cat, grep -H, head, a timestamped loop under a
 * bounded direct-I/O load) and on the forms a cgroup's files take. See docs/parsers/pressure.md and
 * test/fixtures/pressure/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parser as pressure, resourceFromFileName } from '../../src/parsers/pressure.js';
import { detector } from '../../src/sniff/detectors/pressure.js';
import { detector as dateDetector } from '../../src/sniff/detectors/date.js';
import { validateRecord } from '../../src/timeline/schemas.js';
import { assertCoverageInvariant, fixture, parseFile } from '../helpers.js';

const work = mkdtempSync(join(tmpdir(), 'perftriage-psi-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
function writeTemp(name: string, text: string): string {
  const path = join(work, name);
  writeFileSync(path, text);
  return path;
}

const RECORDED = ['recorded-cat-io.txt', 'recorded-grep-all.txt', 'recorded-head-all.txt', 'recorded-loop-io-load.txt'];

test('the four recorded forms: every line read, valid records, the resource from prefix, header or file name', () => {
  for (const name of RECORDED) {
    const r = parseFile(pressure, fixture('pressure', name));
    assertCoverageInvariant(r);
    assert.equal(r.coverage.unparsed, 0, name);
    assert.deepEqual(r.diagnostics, [], name);
    for (const record of r.records) assert.deepEqual(validateRecord(record).errors, [], `${name}:${record.source.line}`);
    const lines = readFileSync(fixture('pressure', name), 'utf8').split('\n').filter((l) => l.includes('avg10='));
    assert.equal(r.records.length, lines.length, name);
  }
  const cat = parseFile(pressure, fixture('pressure', 'recorded-cat-io.txt')).records;
  assert.deepEqual(cat.map((x) => [x.resource, x.scope]), [['io', 'some'], ['io', 'full']]);
  assert.deepEqual({ ...cat[1], source: cat[1]!.source.line }, { kind: 'pressure.stall', source: 2, time: { clock: 'ordinal', sample: 0 }, resource: 'io', scope: 'full', avg10: 0, avg60: 0.04, avg300: 0.1, total_us: 23887285 });
  const head = parseFile(pressure, fixture('pressure', 'recorded-head-all.txt')).records;
  assert.deepEqual(head.map((x) => `${String(x.resource)} ${String(x.scope)}`), ['cpu some', 'cpu full', 'io some', 'io full', 'memory some', 'memory full']);
  assert.deepEqual(head.map((x) => x.time?.sample), [0, 0, 0, 0, 0, 0]);
});

test('a timestamped loop: each snapshot takes its date line\'s instant, and the totals grow under load', () => {
  const records = parseFile(pressure, fixture('pressure', 'recorded-loop-io-load.txt')).records;
  const ioFull = records.filter((r) => r.resource === 'io' && r.scope === 'full');
  assert.equal(ioFull.length, 12);
  assert.deepEqual(ioFull[0]!.time, { clock: 'utc', iso: '2026-11-28T02:29:52Z', epoch: Date.UTC(2026, 10, 28, 2, 29, 52) / 1000, sample: 0 });
  assert.deepEqual(ioFull.map((r) => r.time?.sample), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  // The load (dd with O_DIRECT) stalled every task on I/O for most of four seconds.
  const deltas = ioFull.slice(1).map((r, k) => Number(r.total_us) - Number(ioFull[k]!.total_us));
  assert.deepEqual(deltas.filter((d) => d > 500000), [859537, 838301, 859405, 641840]);
  assert.equal(Math.max(...ioFull.map((r) => Number(r.avg10))), 24.06);
});

test('the file name tells the resource of bare lines only when it names one', () => {
  assert.equal(resourceFromFileName('bundle/pressure-io.txt'), 'io');
  assert.equal(resourceFromFileName('psi_memory.txt'), 'memory');
  assert.equal(resourceFromFileName('cpu.pressure'), 'cpu');
  assert.equal(resourceFromFileName('psi.txt'), undefined);
  assert.equal(resourceFromFileName('io-and-memory.txt'), undefined);
  assert.equal(resourceFromFileName('iostat.txt'), undefined, 'a word that starts with io is not io');
});

test('a cgroup\'s files (grep -H): resource and cgroup from the path; a bare file of unknown resource warns once', () => {
  const cgroup = writeTemp('cg.txt', [
    '/sys/fs/cgroup/system.slice/app.service/io.pressure:some avg10=31.50 avg60=20.10 avg300=8.00 total=912345678',
    '/sys/fs/cgroup/system.slice/app.service/io.pressure:full avg10=29.00 avg60=18.75 avg300=7.10 total=812345678',
    '/sys/fs/cgroup/system.slice/app.service/cpu.pressure:full avg10=0.00 avg60=0.00 avg300=0.00 total=0',
  ].join('\n'));
  const r = parseFile(pressure, cgroup);
  assert.equal(r.coverage.unparsed, 0);
  assert.deepEqual(r.records.map((x) => [x.resource, x.cgroup, x.scope, x.avg60]), [
    ['io', '/sys/fs/cgroup/system.slice/app.service', 'some', 20.1],
    ['io', '/sys/fs/cgroup/system.slice/app.service', 'full', 18.75],
    ['cpu', '/sys/fs/cgroup/system.slice/app.service', 'full', 0],
  ]);
  const bare = parseFile(pressure, writeTemp('psi.txt', 'some avg10=1.00 avg60=2.00 avg300=3.00 total=4\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\nsome avg10=1.00 avg60=2.00 avg300=3.00 total=5\n'));
  assert.deepEqual(bare.records.map((x) => [x.resource, x.time?.sample]), [[undefined, 0], [undefined, 0], [undefined, 1]]);
  assert.deepEqual(bare.diagnostics.map((d) => [d.code, d.line]), [['pressure-resource-unknown', 1]]);
  for (const record of bare.records) assert.deepEqual(validateRecord(record).errors, []);
});

test('damaged lines are unparsed with the reason, never an exception', () => {
  const text = readFileSync(fixture('pressure', 'recorded-grep-all.txt'), 'utf8');
  const cut = text.slice(0, text.indexOf('avg300', 200)) + '\n' + 'garbage line\n' + '/proc/pressure/io:some avg10=x avg60=0.0 avg300=0.0 total=1\n';
  const r = parseFile(pressure, writeTemp('damaged.txt', cut));
  assertCoverageInvariant(r);
  assert.ok(r.coverage.unparsed >= 2);
  assert.ok(r.diagnostics.every((d) => (d.file ?? '').endsWith('damaged.txt') && typeof d.line === 'number' && /PSI line/.test(d.message)));
});

test('sniffing: PSI in every recorded form; a file of dates alone stays date\'s', () => {
  for (const name of RECORDED) {
    const head = readFileSync(fixture('pressure', name), 'utf8').split('\n').slice(0, 64);
    assert.equal(detector.detect(head)?.tool, 'pressure', name);
  }
  assert.equal(detector.detect(['2026-11-28T02:29:52+00:00', '2026-11-28T02:29:53+00:00']), null);
  assert.equal(dateDetector.detect(['2026-11-28T02:29:52+00:00'])?.tool, 'date');
  assert.equal(detector.detect(['some avg10=0.00 avg60=0.00 avg300=0.00 total=0', 'Linux vm 6.1.0']), null);
});
