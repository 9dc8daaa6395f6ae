/**
 * df parser and detector: jc's MIT fixtures (copied here) with field-by-field jc conformance, perftriage's own
 * recorded fixtures (-h, -H, -T, -PT, -B1M, -i, -ih, --total, mount point with a space, long source), hand-made
 * wrapped long names, the popularity capture (../shared), and malformed input.
 * See docs/parsers/df.md and test/fixtures/df/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { GIB, KIB, MIB } from '../../src/common/units.js';
import { parser } from '../../src/parsers/df.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { blockSizeOf, detector, dfHeaderInfo } from '../../src/sniff/detectors/df.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';

const ours = (name: string): string => fixture('df', name);
const popularity = (name: string): string => join(sharedDir, 'captures', 'popularity', name);

function sniff(content: string): ReturnType<typeof detector.detect> {
  return detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));
}

function mount(result: ParseResult, mountedOn: string): TimelineRecord {
  const found = result.records.filter((r) => r.mounted_on === mountedOn);
  assert.equal(found.length, 1, `${basename(result.file)}: expected one row mounted on ${mountedOn}, found ${found.length}`);
  return found[0]!;
}

const comparable = (result: ParseResult): unknown[] => result.records.map((r) => ({ ...r, source: { line: r.source.line } }));

// ------------------------------------------------------------------------------------------------
// Header
// ------------------------------------------------------------------------------------------------

test('headers: block sizes, Type, Capacity, Size, Inodes', () => {
  assert.equal(blockSizeOf('1K-blocks'), 1024);
  assert.equal(blockSizeOf('1024-blocks'), 1024);
  assert.equal(blockSizeOf('512-blocks'), 512);
  assert.equal(blockSizeOf('1M-blocks'), MIB);
  assert.equal(blockSizeOf('1kB-blocks'), 1000);
  assert.equal(blockSizeOf('1MB-blocks'), 1_000_000);
  assert.equal(blockSizeOf('blocks'), undefined);
  assert.deepEqual(dfHeaderInfo('Filesystem    Type 1024-blocks      Used Available Capacity Mounted on'), { hasType: true, measure: 'blocks', blockSize: 1024, sizeTitle: '1024-blocks', pctTitle: 'Capacity' });
  assert.equal(dfHeaderInfo('Filesystem      Size  Used Avail Use% Mounted on')?.measure, 'human');
  assert.equal(dfHeaderInfo('Filesystem         Inodes  IUsed    IFree IUse% Mounted on')?.measure, 'inodes');
  assert.equal(dfHeaderInfo('Filesystem  Inodes Used Avail Use% Mounted on'), undefined, 'inode titles must go together');
  assert.equal(dfHeaderInfo('Filesystem  1K-blocks Used Available Use%'), undefined, 'no Mounted on');
});

// ------------------------------------------------------------------------------------------------
// jc fixtures: conformance
// ------------------------------------------------------------------------------------------------

interface JcDf {
  filesystem: string;
  type?: string;
  size?: number;
  '1k_blocks'?: number;
  '1024_blocks'?: number;
  used: number;
  available: number;
  use_percent?: number | null;
  capacity_percent?: number | null;
  mounted_on: string;
}

for (const name of ['jc-centos-7.7-df', 'jc-centos-7.7-df-h', 'jc-ubuntu-18.04-df-h', 'jc-generic-df-long-filesystem']) {
  test(`${name}: clean parse, and every row equals jc's field by field`, () => {
    const result = parseFile(parser, ours(`${name}.out`));
    assertCleanParse(result);
    const jc = JSON.parse(readFileSync(ours(`${name}.json`), 'utf8')) as JcDf[];
    assert.equal(result.records.length, jc.length);
    result.records.forEach((r, i) => {
      const j = jc[i]!;
      const at = `${name} row ${i + 1}`;
      assert.equal(r.kind, 'df.filesystem');
      assert.equal(r.filesystem, j.filesystem, `${at} filesystem`);
      assert.equal(r.fstype, j.type, `${at} type`);
      assert.equal(r.mounted_on, j.mounted_on, `${at} mounted_on`);
      assert.equal(r.use_pct, (j.use_percent ?? j.capacity_percent) ?? undefined, `${at} use/capacity percent (jc null = absent here)`);
      if (j.size !== undefined) {
        // df -h: jc converts to bytes with binary multipliers and truncates, as we do.
        assert.equal(r.approximate, true);
        assert.equal(r.size_bytes, j.size, `${at} size`);
        assert.equal(r.used_bytes, j.used, `${at} used`);
        assert.equal(r.avail_bytes, j.available, `${at} available`);
      } else {
        // Without -h jc keeps 1K blocks.
        const blocks = j['1k_blocks'] ?? j['1024_blocks']!;
        assert.equal(r.block_size, 1024);
        assert.equal(r.approximate, false);
        assert.equal(r.size_bytes, blocks * 1024, `${at} blocks`);
        assert.equal(r.used_bytes, j.used * 1024, `${at} used`);
        assert.equal(r.avail_bytes, j.available * 1024, `${at} available`);
      }
    });
  });
}

test('jc fixtures: real values', () => {
  const plain = parseFile(parser, ours('jc-centos-7.7-df.out'));
  const root = mount(plain, '/');
  assert.deepEqual([root.filesystem, root.size_bytes, root.used_bytes, root.avail_bytes, root.use_pct], ['/dev/mapper/centos-root', 17811456 * KIB, 1805580 * KIB, 16005876 * KIB, 11]);
  const h = parseFile(parser, ours('jc-ubuntu-18.04-df-h.out'));
  assert.equal(mount(h, '/run/lock').size_bytes, 5 * MIB);
  assert.equal(mount(h, '/snap/doctl/187').used_bytes, Math.floor(8.7 * MIB));
  assert.equal(mount(h, '/snap/doctl/187').use_pct, 100);
  assert.equal(mount(h, '/').size_bytes, 20 * GIB);
  const long = parseFile(parser, ours('jc-generic-df-long-filesystem.out'));
  assert.equal(long.variant, 'df -PT (1024-blocks)');
  assert.deepEqual([mount(long, '/').filesystem, mount(long, '/').fstype], ['/dev/mapper/VolGroup00-LogVol00', 'ext3']);
  assert.equal(mount(long, '/proc').use_pct, undefined, 'Capacity - is absent');
});

// ------------------------------------------------------------------------------------------------
// perftriage's recorded and hand-made fixtures
// ------------------------------------------------------------------------------------------------

test('every recorded and hand-made fixture parses cleanly and is sniffed as df', () => {
  const files = listDir(fixture('df')).filter((f) => f.endsWith('.txt') || f.endsWith('.out'));
  assert.ok(files.length >= 18);
  for (const f of files) {
    const result = parseFile(parser, ours(f));
    assertCleanParse(result);
    assert.ok(result.records.length > 0, f);
    const s = sniff(readFileSync(ours(f), 'utf8'));
    assert.equal(s?.tool, 'df', f);
    assert.ok(s!.confidence >= 0.9, f);
    assert.equal(s!.variant, result.variant, f);
  }
});

test('recorded df: mount point with a space, long source, block sizes', () => {
  const plain = parseFile(parser, ours('recorded-df.txt'));
  assert.equal(plain.variant, 'df (1K-blocks)');
  const spaced = mount(plain, '/tmp/pt-df/with space');
  assert.deepEqual([spaced.filesystem, spaced.size_bytes, spaced.used_bytes, spaced.use_pct], ['pt-scratch', 64 * MIB, 0, 0]);
  assert.equal(mount(plain, '/tmp/pt-df/long').filesystem, '/dev/mapper/VolGroup00-perftriage-scratch-volume');
  assert.equal(mount(plain, '/').size_bytes, 264212084 * KIB);
  const m = parseFile(parser, ours('recorded-df-B1M.txt'));
  assert.equal(m.variant, 'df (1M-blocks)');
  assert.deepEqual([mount(m, '/').block_size, mount(m, '/').size_bytes, mount(m, '/').used_bytes], [MIB, 258020 * MIB, 22180 * MIB]);
  const T = parseFile(parser, ours('recorded-df-T.txt'));
  assert.deepEqual([mount(T, '/').fstype, mount(T, '/tmp/pt-df/with space').fstype], ['ext4', 'tmpfs']);
  const PT = parseFile(parser, ours('recorded-df-PT.txt'));
  assert.deepEqual([mount(PT, '/').fstype, mount(PT, '/').use_pct, mount(PT, '/').block_size], ['ext4', 22, 1024]);
});

test('recorded -h, -H and --total', () => {
  const h = parseFile(parser, ours('recorded-df-h.txt'));
  assert.deepEqual([mount(h, '/').size_bytes, mount(h, '/').used_bytes, mount(h, '/').avail_bytes], [252 * GIB, 22 * GIB, 80 * GIB]);
  assert.ok(h.records.every((r) => r.approximate === true && r.block_size === undefined));
  // -H prints powers of 1000 under the same header; read as 1024 (documented quirk), no k suffix to tell.
  const H = parseFile(parser, ours('recorded-df-H.txt'));
  assert.equal(mount(H, '/').size_bytes, 271 * GIB);
  const total = parseFile(parser, ours('recorded-df-h-total.txt'));
  const t = total.records.at(-1)!;
  assert.deepEqual([t.filesystem, t.mounted_on, t.total, t.size_bytes, t.use_pct], ['total', '-', true, 276 * GIB, 18]);
  assert.equal(total.records.filter((r) => r.total === true).length, 1);
});

test('recorded -i, -ih, -iT: df.inodes', () => {
  const i = parseFile(parser, ours('recorded-df-i.txt'));
  assert.equal(i.variant, 'df -i');
  const root = mount(i, '/');
  assert.deepEqual([root.kind, root.inodes, root.inodes_used, root.inodes_free, root.inodes_use_pct, root.approximate], ['df.inodes', 16777216, 406971, 16370245, 3, false]);
  const ih = parseFile(parser, ours('recorded-df-ih.txt'));
  const rootH = mount(ih, '/');
  assert.deepEqual([rootH.inodes, rootH.inodes_used, rootH.approximate], [16 * MIB, 398 * KIB, true]);
  assert.equal(mount(ih, '/dev/shm').inodes_used, 1);
  const iT = parseFile(parser, ours('recorded-df-iT.txt'));
  assert.equal(mount(iT, '/tmp/pt-df/with space').fstype, 'tmpfs');
  assert.equal(mount(iT, '/tmp/pt-df/with space').inodes, 3085510);
});

test('a df: stderr line is skipped with an info diagnostic', () => {
  const result = parseFile(parser, ours('recorded-df-error.txt'));
  assert.equal(result.records.length, 1);
  const d = result.diagnostics.find((x) => x.code === 'tool-message')!;
  assert.equal(d.severity, 'info');
  assert.equal(d.line, 1);
  assert.match(d.message, /\/nonexistent: No such file or directory/);
});

test('hand-made wrapped long names: name line and numbers line make one record', () => {
  const plain = parseFile(parser, ours('handmade-df-wrapped.txt'));
  assertCleanParse(plain);
  assert.equal(plain.coverage.data, 4);
  assert.equal(plain.records.length, 3);
  const root = mount(plain, '/');
  assert.deepEqual([root.filesystem, root.size_bytes, root.use_pct, root.source.line], ['/dev/mapper/VolGroup00-LogVol00', 6030784 * KIB, 21, 2]);
  assert.equal(mount(plain, '/boot').filesystem, '/dev/sda1');
  const T = parseFile(parser, ours('handmade-df-T-wrapped.txt'));
  assertCleanParse(T);
  assert.deepEqual([mount(T, '/').filesystem, mount(T, '/').fstype, mount(T, '/').used_bytes], ['/dev/mapper/VolGroup00-LogVol00', 'ext3', 1147932 * KIB]);
  assert.equal(mount(T, '/dev/shm').fstype, 'tmpfs');
});

test('a lone name not followed by its numbers is unparsed (at the next line and at end of file)', () => {
  const header = 'Filesystem           1K-blocks      Used Available Use% Mounted on\n';
  const middle = parseText(parser, 'm', `${header}/dev/mapper/VolGroup00-LogVol00\n/dev/sda1 101086 12538 83329 14% /boot\n`);
  assertCoverageInvariant(middle);
  assert.deepEqual([middle.records.length, middle.coverage.unparsed, middle.diagnostics[0]?.line], [1, 1, 2]);
  const atEnd = parseText(parser, 'e', `${header}/dev/mapper/VolGroup00-LogVol00\n`);
  assertCoverageInvariant(atEnd);
  assert.deepEqual([atEnd.records.length, atEnd.coverage.unparsed], [0, 1]);
  const badContinuation = parseText(parser, 'c', `${header}/dev/mapper/VolGroup00-LogVol00\n     what is this\n`);
  assertCoverageInvariant(badContinuation);
  assert.equal(badContinuation.coverage.unparsed, 2);
});

test('a lower-case k size (df -H) raises one warning', () => {
  const result = parseText(parser, 'H', 'Filesystem      Size  Used Avail Use% Mounted on\ntmpfs           4.1k     0  4.1k   0% /x\ntmpfs           8.2k     0  8.2k   0% /y\n');
  assertCleanParse(result);
  assert.equal(result.diagnostics.filter((d) => d.code === 'df-si-units').length, 1);
});

// ------------------------------------------------------------------------------------------------
// The popularity capture (../shared)
// ------------------------------------------------------------------------------------------------

test('popularity df.txt and df-h.txt: /dev/vda on / (the temp files\' filesystem)', { skip: skipWithoutShared }, () => {
  const gt = JSON.parse(readFileSync(popularity('groundtruth/ground-truth.json'), 'utf8')) as { block_device: { path: string; mountpoint: string } };
  const plain = parseFile(parser, popularity('df.txt'));
  const h = parseFile(parser, popularity('df-h.txt'));
  assertCleanParse(plain);
  assertCleanParse(h);
  const root = mount(plain, gt.block_device.mountpoint);
  assert.equal(root.filesystem, gt.block_device.path);
  assert.deepEqual([root.size_bytes, root.used_bytes, root.avail_bytes, root.use_pct], [264212084 * KIB, 25059196 * KIB, 81331716 * KIB, 24]);
  const rootH = mount(h, '/');
  assert.deepEqual([rootH.filesystem, rootH.size_bytes, rootH.used_bytes, rootH.avail_bytes, rootH.use_pct], ['/dev/vda', 252 * GIB, 24 * GIB, 78 * GIB, 24]);
  // -h rounds up: the exact size lies within one displayed unit below it.
  assert.ok((root.size_bytes as number) <= (rootH.size_bytes as number) && (rootH.size_bytes as number) - (root.size_bytes as number) < GIB);
  assert.deepEqual(plain.records.map((r) => r.mounted_on), ['/dev', '/dev/shm', '/', '/sys/fs/cgroup']);
});

test('the detector claims no other tool\'s corpus file', { skip: skipWithoutShared }, () => {
  const files: string[] = [];
  for (const tool of readdirSync(join(sharedDir, 'corpus'))) {
    const dir = join(sharedDir, 'corpus', tool);
    if (tool === 'df' || !statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) files.push(join(dir, f));
  }
  for (const f of readdirSync(popularity(''))) if (!f.startsWith('df') && statSync(popularity(f)).isFile()) files.push(popularity(f));
  assert.ok(files.length > 50);
  for (const f of files) {
    const s = sniff(readFileSync(f, 'utf8'));
    assert.ok(s === null || s.confidence < 0.5, `${f} sniffed as df`);
  }
});

test('the detector claims none of the ps/lsof fixtures', () => {
  for (const tool of ['ps', 'lsof']) {
    for (const f of listDir(fixture(tool))) {
      if (f.endsWith('.json') || f.endsWith('.md')) continue;
      assert.equal(sniff(readFileSync(fixture(tool, f), 'utf8')), null, `${tool}/${f}`);
    }
  }
});

// ------------------------------------------------------------------------------------------------
// Snapshots, malformed input
// ------------------------------------------------------------------------------------------------

test('a repeated header starts a new snapshot', () => {
  const one = readFileSync(ours('recorded-df.txt'), 'utf8');
  const result = parseText(parser, 'loop', one + one);
  assertCleanParse(result);
  assert.deepEqual(result.records.map((r) => r.time?.sample), [0, 0, 0, 0, 1, 1, 1, 1]);
});

test('CRLF gives the same records', () => {
  const text = readFileSync(ours('handmade-df-T-wrapped.txt'), 'utf8');
  const lf = parseText(parser, 'a', text);
  const crlf = parseText(parser, 'a', text.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(comparable(crlf), comparable(lf));
});

test('a file cut inside a row loses that row only', () => {
  const text = readFileSync(ours('recorded-df-T.txt'), 'utf8');
  const cut = text.slice(0, text.indexOf('0% /tmp/pt-df/with space'));
  const result = parseText(parser, 'cut', cut);
  assertCoverageInvariant(result);
  assert.deepEqual([result.records.length, result.coverage.unparsed], [2, 1]);
});

test('empty file, binary garbage, no header, another tool\'s file: diagnostics, no exception', () => {
  const empty = parseText(parser, 'empty', '');
  assertCoverageInvariant(empty);
  const garbage = parseText(parser, 'garbage', Buffer.from([0x46, 0x69, 0x00, 0x0a, 0xc3, 0x28, 0x0a, 0x20, 0x31, 0x0a]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assert.equal(garbage.coverage.unparsed, 3);
  const noHeader = parseText(parser, 'noheader', '/dev/vda 264212084 25059196 81331716 24% /\n');
  assertCoverageInvariant(noHeader);
  assert.match(noHeader.diagnostics[0]!.message, /no df header/);
  const lsof = parseFile(parser, fixture('lsof', 'jc-centos-7.7-lsof.out'));
  assertCoverageInvariant(lsof);
  assert.equal(lsof.records.length, 0);
  assert.equal(lsof.coverage.unparsed, lsof.coverage.lines);
});

test('the jc fixtures are byte-identical copies of shared/corpus/df', { skip: skipWithoutShared }, () => {
  const files = readdirSync(join(sharedDir, 'corpus', 'df'));
  assert.ok(files.length > 0);
  for (const f of files) assert.deepEqual(readFileSync(ours(f)), readFileSync(join(sharedDir, 'corpus', 'df', f)), f);
});
