/**
 * findmnt parser and detector: perftriage's recorded fixtures (ASCII and box-drawing trees, list, -T, bind mount,
 * a target with a space), the popularity capture (../shared) and malformed input. No jc fixture exists for
 * findmnt in the corpus. See docs/parsers/findmnt.md and test/fixtures/findmnt/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { parser, treePrefix } from '../../src/parsers/findmnt.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/findmnt.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';

const ours = (name: string): string => fixture('findmnt', name);
const popularity = (name: string): string => join(sharedDir, 'captures', 'popularity', name);
const sniff = (content: string): ReturnType<typeof detector.detect> => detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));
const shape = (result: ParseResult): unknown[] => result.records.map((r) => [r.target, r.depth, r.parent_target, r.filesystem, r.fstype]);

function at(result: ParseResult, target: string, n = 0): TimelineRecord {
  const found = result.records.filter((r) => r.target === target);
  assert.ok(found.length > n, `no row ${n} for ${target}`);
  return found[n]!;
}

test('tree prefixes: ASCII and box-drawing connectors give the depth', () => {
  assert.deepEqual(treePrefix('/'), { depth: 0, textStart: 0 });
  assert.deepEqual(treePrefix('├─/proc'), { depth: 1, textStart: 2 });
  assert.deepEqual(treePrefix('│ │ └─/sys/fs/cgroup/unified'), { depth: 3, textStart: 6 });
  assert.deepEqual(treePrefix('│   └─/dev/pts'), { depth: 3, textStart: 6 });
  assert.deepEqual(treePrefix('  |-/sys/fs/cgroup/cpu'), { depth: 2, textStart: 4 });
  assert.deepEqual(treePrefix('`-/dev/pts'), { depth: 1, textStart: 2 });
});

test('every recorded fixture parses cleanly and is sniffed as findmnt', () => {
  const files = listDir(fixture('findmnt'), '.txt');
  assert.equal(files.length, 10);
  for (const f of files) {
    const result = parseFile(parser, ours(f));
    assertCleanParse(result);
    assert.ok(result.records.length > 0, f);
    const s = sniff(readFileSync(ours(f), 'utf8'));
    assert.equal(s?.tool, 'findmnt', f);
    assert.equal(s!.confidence, 0.95);
  }
  assert.equal(sniff(readFileSync(ours('recorded-findmnt-utf8-R-dev.txt'), 'utf8'))!.variant, 'findmnt (tree)');
  assert.equal(sniff(readFileSync(ours('recorded-findmnt-R-dev.txt'), 'utf8'))!.variant, 'findmnt (tree, ASCII)');
  assert.match(sniff(readFileSync(ours('recorded-findmnt-l-R-dev.txt'), 'utf8'))!.variant, /no tree/);
});

test('ASCII and box-drawing trees read the same', () => {
  const ascii = parseFile(parser, ours('recorded-findmnt-R-dev.txt'));
  const utf8 = parseFile(parser, ours('recorded-findmnt-utf8-R-dev.txt'));
  assert.deepEqual(shape(utf8), shape(ascii));
  assert.deepEqual(shape(ascii), [
    ['/dev', 0, undefined, 'devtmpfs', 'devtmpfs'],
    ['/dev/shm', 1, '/dev', 'tmpfs', 'tmpfs'],
    ['/dev/shm', 2, '/dev/shm', 'tmpfs', 'tmpfs'],
    ['/dev/pts', 1, '/dev', 'devpts', 'devpts'],
    ['/dev/pts', 2, '/dev/pts', 'devpts', 'devpts'],
  ]);
  const list = parseFile(parser, ours('recorded-findmnt-l-R-dev.txt'));
  assert.deepEqual(list.records.map((r) => [r.target, r.depth, r.parent_target]), [['/dev', 0, undefined], ['/dev/shm', 0, undefined], ['/dev/shm', 0, undefined], ['/dev/pts', 0, undefined], ['/dev/pts', 0, undefined]]);
  const sys = parseFile(parser, ours('recorded-findmnt-R-sys.txt'));
  assert.deepEqual([at(sys, '/sys/fs/cgroup/unified').depth, at(sys, '/sys/fs/cgroup/unified').parent_target, at(sys, '/sys/fs/cgroup/unified').fstype], [2, '/sys/fs/cgroup', 'cgroup2']);
  assert.equal(at(sys, '/sys/fs/cgroup/systemd').options, 'rw,relatime,name=systemd');
});

test('bind source, read-only option, a target with a space, -T', () => {
  const bind = at(parseFile(parser, ours('recorded-findmnt-bind.txt')), '/tmp/pt-mnt/c');
  assert.deepEqual([bind.filesystem, bind.device, bind.fsroot, bind.fstype], ['/dev/loop0[/sub]', '/dev/loop0', '/sub', 'ext4']);
  const loop = parseFile(parser, ours('recorded-findmnt-R-loop.txt'));
  assert.deepEqual([at(loop, '/tmp/pt-mnt/a/ro').read_only, at(loop, '/tmp/pt-mnt/a/ro').filesystem, at(loop, '/tmp/pt-mnt/a/ro').parent_target], [true, 'pt-ro', '/tmp/pt-mnt/a']);
  assert.equal(at(loop, '/tmp/pt-mnt/a').read_only, false);
  const space = parseFile(parser, ours('recorded-findmnt-space.txt'));
  assert.deepEqual([space.records[0]!.target, space.records[0]!.filesystem], ['/tmp/pt-mnt/b space', '/dev/loop0']);
  const t = parseFile(parser, ours('recorded-findmnt-T-tmp.txt'));
  assert.deepEqual([t.records[0]!.target, t.records[0]!.filesystem, t.records[0]!.fstype], ['/', '/dev/vda', 'ext4']);
});

test('popularity findmnt.txt: / on /dev/vda (ext4), /tmp is no separate mount', { skip: skipWithoutShared }, () => {
  const gt = JSON.parse(readFileSync(popularity('groundtruth/ground-truth.json'), 'utf8')) as { block_device: { path: string; fstype: string; mountpoint: string } };
  const result = parseFile(parser, popularity('findmnt.txt'));
  assertCleanParse(result);
  assert.equal(result.records.length, 23);
  const root = at(result, gt.block_device.mountpoint);
  assert.deepEqual([root.filesystem, root.fstype, root.depth], [gt.block_device.path, gt.block_device.fstype, 0]);
  assert.equal(result.records.filter((r) => r.target === '/tmp' || (r.target as string).startsWith('/tmp/')).length, 0);
  assert.deepEqual([at(result, '/sys/kernel/debug/tracing').depth, at(result, '/sys/kernel/debug/tracing').parent_target], [3, '/sys/kernel/debug']);
  assert.deepEqual([at(result, '/dev/pts', 1).depth, at(result, '/dev/pts', 1).parent_target], [3, '/dev/pts']);
  const tmp = parseFile(parser, popularity('groundtruth/findmnt-tmp.txt'));
  assertCleanParse(tmp);
  assert.equal(tmp.records[0]!.options, 'rw,relatime,discard,resv_strict,resuid=65534,resgid=65534');
});

test('the detector claims no other tool\'s corpus file or fixture', () => {
  const files: string[] = [];
  for (const tool of ['ps', 'lsof', 'df', 'lsblk']) for (const f of listDir(fixture(tool))) if (!f.endsWith('.md') && !f.endsWith('.json')) files.push(fixture(tool, f));
  if (!skipWithoutShared) {
    for (const tool of readdirSync(join(sharedDir, 'corpus'))) {
      const dir = join(sharedDir, 'corpus', tool);
      if (statSync(dir).isDirectory()) for (const f of readdirSync(dir)) files.push(join(dir, f));
    }
    for (const f of readdirSync(popularity(''))) if (!f.startsWith('findmnt') && statSync(popularity(f)).isFile()) files.push(popularity(f));
  }
  for (const f of files) assert.equal(sniff(readFileSync(f, 'utf8')), null, f);
});

test('repeated header, CRLF, cut line, misaligned row, garbage, another tool: diagnostics, no exception', () => {
  const one = readFileSync(ours('recorded-findmnt-utf8-R-loop.txt'), 'utf8');
  const twice = parseText(parser, 'twice', one + one);
  assertCleanParse(twice);
  assert.deepEqual(twice.records.map((r) => r.time?.sample), [0, 0, 1, 1]);
  const crlf = parseText(parser, 'crlf', one.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(shape(crlf), shape(parseText(parser, 'lf', one)));
  const cut = parseText(parser, 'cut', one.slice(0, one.indexOf('pt-ro')));
  assertCoverageInvariant(cut);
  assert.deepEqual([cut.records.length, cut.coverage.unparsed], [1, 1]);
  const shifted = parseText(parser, 'shifted', 'TARGET SOURCE   FSTYPE OPTIONS\n/mnt/x /dev/vda1 ext4 rw\n');
  assertCoverageInvariant(shifted);
  assert.equal(shifted.coverage.unparsed, 1);
  assert.match(shifted.diagnostics[0]!.message, /not aligned/);
  const orphan = parseText(parser, 'orphan', 'TARGET  SOURCE FSTYPE OPTIONS\n  └─/x  tmpfs  tmpfs  rw\n');
  assert.match(orphan.diagnostics[0]!.message, /no parent row/);
  const garbage = parseText(parser, 'garbage', Buffer.from([0x54, 0x00, 0x0a, 0xff, 0x0a]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.coverage.unparsed, 2);
  const other = parseFile(parser, fixture('df', 'recorded-df-T.txt'));
  assertCoverageInvariant(other);
  assert.equal(other.coverage.unparsed, other.coverage.lines);
  assert.equal(parseText(parser, 'empty', '').coverage.lines, 0);
});
