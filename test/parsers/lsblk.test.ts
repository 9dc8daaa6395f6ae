/**
 * lsblk parser and detector: perftriage's recorded fixtures (several mount points on continuation lines, -b),
 * hand-made trees (LVM, old MOUNTPOINT title), the popularity capture (../shared) and malformed input. No jc
 * fixture exists for lsblk in the corpus. See docs/parsers/lsblk.md and test/fixtures/lsblk/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { GIB, MIB } from '../../src/common/units.js';
import { parser } from '../../src/parsers/lsblk.js';
import { parseText } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/lsblk.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';

const ours = (name: string): string => fixture('lsblk', name);
const popularity = (name: string): string => join(sharedDir, 'captures', 'popularity', name);
const sniff = (content: string): ReturnType<typeof detector.detect> => detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));

test('every fixture parses cleanly and is sniffed as lsblk', () => {
  const files = listDir(fixture('lsblk'), '.txt');
  assert.equal(files.length, 4);
  for (const f of files) {
    const result = parseFile(parser, ours(f));
    assertCleanParse(result);
    assert.ok(result.records.length > 0, f);
    assert.equal(sniff(readFileSync(ours(f), 'utf8'))?.tool, 'lsblk', f);
  }
  assert.equal(sniff(readFileSync(ours('recorded-lsblk-b.txt'), 'utf8'))!.variant, 'lsblk -b');
  assert.equal(sniff(readFileSync(ours('handmade-lsblk-old-mountpoint.txt'), 'utf8'))!.variant, 'lsblk, util-linux < 2.37 (MOUNTPOINT)');
});

test('recorded: three mount points of one device, one with a space; -b exact sizes', () => {
  const human = parseFile(parser, ours('recorded-lsblk.txt'));
  const exact = parseFile(parser, ours('recorded-lsblk-b.txt'));
  for (const result of [human, exact]) {
    assert.equal(result.coverage.data, 4, 'continuation lines count as data');
    assert.deepEqual(result.records.map((r) => [r.name, r.major, r.minor, r.type, r.mountpoints, r.source.line]), [
      ['loop0', 7, 0, 'loop', ['/tmp/pt-mnt/c', '/tmp/pt-mnt/b space', '/tmp/pt-mnt/a'], 2],
      ['vda', 254, 0, 'disk', ['/'], 5],
    ]);
  }
  assert.deepEqual(human.records.map((r) => [r.size_bytes, r.approximate]), [[64 * MIB, true], [256 * GIB, true]]);
  assert.deepEqual(exact.records.map((r) => [r.size_bytes, r.approximate]), [[67108864, false], [274877906944, false]]);
});

test('hand-made trees: parents, depth, removable, old MOUNTPOINT title', () => {
  const tree = parseFile(parser, ours('handmade-lsblk-tree.txt'));
  assert.deepEqual(tree.records.map((r) => [r.name, r.depth, r.parent, r.mountpoints?.toString()]), [
    ['sda', 0, undefined, undefined],
    ['sda1', 1, 'sda', undefined],
    ['sda2', 1, 'sda', '/boot'],
    ['sda3', 1, 'sda', undefined],
    ['ubuntu--vg-ubuntu--lv', 2, 'sda3', '/'],
    ['sr0', 0, undefined, undefined],
  ]);
  const sr0 = tree.records.at(-1)!;
  assert.deepEqual([sr0.removable, sr0.size_bytes, sr0.type, sr0.read_only], [true, 1024 * MIB, 'rom', false]);
  const old = parseFile(parser, ours('handmade-lsblk-old-mountpoint.txt'));
  assert.deepEqual(old.records.map((r) => [r.name, r.parent, r.mountpoints?.toString()]), [['sda', undefined, undefined], ['sda1', 'sda', '/'], ['sr0', undefined, undefined]]);
});

test('popularity lsblk.txt: vda 254:0 is mounted on / (the device of the temp files)', { skip: skipWithoutShared }, () => {
  const gt = JSON.parse(readFileSync(popularity('groundtruth/ground-truth.json'), 'utf8')) as { block_device: { name: string; maj_min: string; mountpoint: string } };
  const result = parseFile(parser, popularity('lsblk.txt'));
  assertCleanParse(result);
  const vda = result.records.find((r) => r.name === gt.block_device.name)!;
  assert.equal(`${String(vda.major)}:${String(vda.minor)}`, gt.block_device.maj_min);
  assert.deepEqual(vda.mountpoints, [gt.block_device.mountpoint]);
  assert.equal(vda.size_bytes, 256 * GIB);
  const zram = result.records.find((r) => r.name === 'zram0')!;
  assert.deepEqual([zram.size_bytes, zram.approximate, zram.mountpoints], [0, false, undefined]);
});

test('the detector claims no other tool\'s corpus file or fixture', () => {
  const files: string[] = [];
  for (const tool of ['ps', 'lsof', 'df', 'findmnt']) for (const f of listDir(fixture(tool))) if (!f.endsWith('.md') && !f.endsWith('.json')) files.push(fixture(tool, f));
  if (!skipWithoutShared) {
    for (const tool of readdirSync(join(sharedDir, 'corpus'))) {
      const dir = join(sharedDir, 'corpus', tool);
      if (statSync(dir).isDirectory()) for (const f of readdirSync(dir)) files.push(join(dir, f));
    }
    for (const f of readdirSync(popularity(''))) if (!f.startsWith('lsblk') && statSync(popularity(f)).isFile()) files.push(popularity(f));
  }
  for (const f of files) assert.equal(sniff(readFileSync(f, 'utf8')), null, f);
});

test('CRLF, cut line, bad cells, garbage, another tool: diagnostics, no exception', () => {
  const text = readFileSync(ours('recorded-lsblk.txt'), 'utf8');
  const crlf = parseText(parser, 'crlf', text.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(crlf.records.map((r) => r.mountpoints), parseText(parser, 'lf', text).records.map((r) => r.mountpoints));
  const cut = parseText(parser, 'cut', text.slice(0, text.indexOf('254:0') + 5));
  assertCoverageInvariant(cut);
  assert.deepEqual([cut.records.length, cut.coverage.unparsed], [1, 1]);
  const bad = parseText(parser, 'bad', 'NAME MAJ:MIN RM SIZE RO TYPE MOUNTPOINTS\nsda 8-0 0 20G 0 disk\nsdb 8:16 2 20G 0 disk\nsdc 8:32 0 big 0 disk\n');
  assertCoverageInvariant(bad);
  assert.deepEqual(bad.diagnostics.map((d) => d.message.split(' ').slice(0, 2).join(' ')), ['MAJ:MIN "8-0"', 'RM "2"', 'SIZE "big"']);
  const garbage = parseText(parser, 'garbage', Buffer.from([0x4e, 0x41, 0x00, 0x0a, 0xff, 0xfe, 0x0a]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.coverage.unparsed, 2);
  const other = parseFile(parser, fixture('ps', 'recorded-ps-f.txt'));
  assertCoverageInvariant(other);
  assert.equal(other.records.length, 0);
  assert.equal(parseText(parser, 'empty', '').coverage.lines, 0);
});
