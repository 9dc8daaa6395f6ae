/**
 * lsof parser and detector: jc's MIT fixture (copied here) with field-by-field jc conformance, perftriage's own
 * recorded fixtures (TID/TASKCMD, +L, -o, -R -g -s, -r, deleted files, locks, sockets), the popularity capture
 * (../shared), and malformed input. See docs/parsers/lsof.md and test/fixtures/lsof/PROVENANCE.md.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TimelineRecord } from '../../src/common/types.js';
import { cutRow, parser, readLsofHeader, readSocketName } from '../../src/parsers/lsof.js';
import { parseText, type ParseResult } from '../../src/parsers/run.js';
import { detector } from '../../src/sniff/detectors/lsof.js';
import { SNIFF_LINES } from '../../src/sniff/types.js';
import { assertCleanParse, assertCoverageInvariant, fixture, listDir, parseFile, sharedDir, skipWithoutShared } from '../helpers.js';

const ours = (name: string): string => fixture('lsof', name);
const popularity = (name: string): string => join(sharedDir, 'captures', 'popularity', name);

function sniff(content: string): ReturnType<typeof detector.detect> {
  return detector.detect(content.split('\n').slice(0, SNIFF_LINES).map((l) => l.replace(/\r$/, '')));
}

/** The one record of a descriptor (number or name) of a pid (and tid). */
function fdRow(result: ParseResult, fd: number | string, tid?: number): TimelineRecord {
  const found = result.records.filter((r) => (typeof fd === 'number' ? r.fd === fd : r.fd_name === fd) && r.tid === tid);
  assert.equal(found.length, 1, `${basename(result.file)}: expected one row for fd ${fd}, found ${found.length}`);
  return found[0]!;
}

const comparable = (result: ParseResult): unknown[] => result.records.map((r) => ({ ...r, source: { line: r.source.line } }));

// ------------------------------------------------------------------------------------------------
// Column geometry
// ------------------------------------------------------------------------------------------------

test('columns come from the header: right edges of right-aligned titles, FD + mode + lock', () => {
  const header = readLsofHeader('COMMAND    PID  TID    USER   FD      TYPE DEVICE  SIZE/OFF     NODE NAME');
  assert.ok(typeof header !== 'string');
  assert.deepEqual(header.columns.map((c) => [c.title, c.align, c.end]), [
    ['COMMAND', 'left', 7], ['PID', 'right', 14], ['TID', 'right', 19], ['USER', 'right', 27], ['FD', 'fd', 32],
    ['TYPE', 'right', 42], ['DEVICE', 'right', 49], ['SIZE/OFF', 'right', 59], ['NODE', 'right', 68], ['NAME', 'name', 73],
  ]);
  // A sparse row: empty TID, TYPE, DEVICE, SIZE/OFF, NODE.
  const cells = cutRow('systemd      1         root NOFD                                     /proc/1/fd (opendir: Permission denied)', header);
  assert.deepEqual(cells, { command: 'systemd', pid: '1', user: 'root', fd: 'NOFD', name: '/proc/1/fd (opendir: Permission denied)' });
  assert.equal(typeof readLsofHeader('COMMAND PID USER FD ZONE NAME'), 'string', 'unknown column');
});

test('a row that does not line up with its header is reported', () => {
  const header = readLsofHeader('COMMAND   PID USER   FD   TYPE DEVICE SIZE/OFF     NODE NAME');
  assert.ok(typeof header !== 'string');
  // The row of another lsof run (wider PID column) under this header.
  const cells = cutRow('python3 1262460 root  cwd    DIR  254,0     4096   260072 /tmp', header);
  assert.equal(typeof cells, 'string');
  assert.match(cells as string, /not aligned|not right-aligned/);
});

test('socket names: endpoints and TCP state', () => {
  assert.deepEqual(readSocketName('localhost:webmin->localhost:33392 (ESTABLISHED)'), { local_endpoint: 'localhost:webmin', remote_endpoint: 'localhost:33392', tcp_state: 'ESTABLISHED' });
  assert.deepEqual(readSocketName('localhost:webmin (LISTEN)'), { local_endpoint: 'localhost:webmin', tcp_state: 'LISTEN' });
  assert.deepEqual(readSocketName('[::1]:631 (LISTEN)'), { local_endpoint: '[::1]:631', tcp_state: 'LISTEN' });
  assert.deepEqual(readSocketName('*:mdns'), { local_endpoint: '*:mdns' });
});

// ------------------------------------------------------------------------------------------------
// jc fixture: conformance
// ------------------------------------------------------------------------------------------------

interface JcLsof {
  command: string;
  pid: number;
  tid: number | null;
  user: string;
  fd: string;
  type: string | null;
  device: string | null;
  size_off: number | null;
  node: number | null;
  name: string;
}

test('jc-centos-7.7-lsof: clean parse, and every row equals jc\'s field by field', () => {
  const result = parseFile(parser, ours('jc-centos-7.7-lsof.out'));
  assertCleanParse(result);
  assert.equal(result.variant, 'lsof, TID column (threads listed)');
  const jc = JSON.parse(readFileSync(ours('jc-centos-7.7-lsof.json'), 'utf8')) as JcLsof[];
  assert.equal(result.records.length, jc.length);
  result.records.forEach((r, i) => {
    const j = jc[i]!;
    const at = `lsof row ${i + 2}`;
    assert.equal(r.command, j.command, `${at} command`);
    assert.equal(r.pid, j.pid, `${at} pid`);
    assert.equal(r.tid, j.tid ?? undefined, `${at} tid`);
    assert.equal(r.user, j.user, `${at} user`);
    // jc keeps FD as printed; here it is split into number + mode + lock, or a name.
    const fd = r.fd_name ?? `${String(r.fd)}${(r.fd_mode as string | undefined) ?? ''}${(r.fd_lock as string | undefined) ?? ''}`;
    assert.equal(fd, j.fd, `${at} fd`);
    assert.equal(r.type, j.type ?? undefined, `${at} type`);
    assert.equal(r.device, j.device ?? undefined, `${at} device`);
    // jc strips the 0t prefix of offsets: its size_off is our size_bytes or offset_bytes.
    assert.equal(r.size_bytes ?? r.offset_bytes, j.size_off ?? undefined, `${at} size_off`);
    assert.equal(r.node, j.node ?? undefined, `${at} node`);
    assert.equal(`${r.name as string}${r.deleted === true && r.fd_name !== 'DEL' ? ' (deleted)' : ''}`, j.name, `${at} name`);
  });
});

test('jc-centos-7.7-lsof: real values', () => {
  const result = parseFile(parser, ours('jc-centos-7.7-lsof.out'));
  const bashCwd = result.records.find((r) => r.pid === 1835 && r.fd_name === 'cwd')!;
  assert.equal(bashCwd.name, '/home/kbrazil/git');
  assert.equal(bashCwd.device_major, 253);
  assert.equal(bashCwd.device_minor, 0);
  assert.equal(bashCwd.size_bytes, 6);
  assert.equal(bashCwd.node, 503040);
  const tty = result.records.find((r) => r.pid === 1835 && r.fd === 255)!;
  assert.equal(tty.fd_mode, 'u');
  assert.equal(tty.offset_bytes, 0);
  assert.equal(tty.size_bytes, undefined);
  assert.equal(tty.device, '4,64');
  const out = result.records.find((r) => r.pid === 4777 && r.fd === 1)!;
  assert.equal(out.name, '/home/kbrazil/testfiles/lsof.out');
  assert.equal(out.fd_mode, 'w');
  const nofd = result.records.filter((r) => r.fd_name === 'NOFD');
  assert.equal(nofd.length, 133);
  assert.ok(nofd.every((r) => r.type === undefined && r.device === undefined && r.node === undefined));
  assert.equal(result.records.filter((r) => r.command === 'kworker/0').length > 0, true, 'COMMAND cut to 9 characters is kept as printed');
});

// ------------------------------------------------------------------------------------------------
// perftriage's recorded fixtures
// ------------------------------------------------------------------------------------------------

test('every recorded and hand-made fixture parses cleanly and is sniffed as lsof', () => {
  const files = listDir(fixture('lsof')).filter((f) => f.endsWith('.txt') || f.endsWith('.out'));
  assert.ok(files.length >= 9);
  for (const f of files) {
    const result = parseFile(parser, ours(f));
    assertCleanParse(result);
    if (f === 'recorded-lsof-warning.txt') continue; // stderr only: no header, nothing to sniff
    assert.ok(result.records.length > 0, f);
    const s = sniff(readFileSync(ours(f), 'utf8'));
    assert.equal(s?.tool, 'lsof', f);
    assert.ok(s!.confidence >= 0.9, f);
    assert.equal(s!.variant, result.variant, f);
  }
});

test('recorded lsof -p: deleted file, deleted mapping, lock, name with a space, sockets', () => {
  const result = parseFile(parser, ours('recorded-lsof-p.txt'));
  assert.equal(result.records.length, 30);
  const gone = fdRow(result, 3);
  assert.deepEqual([gone.name, gone.deleted, gone.size_bytes, gone.fd_mode, gone.node], ['/tmp/ptwork/files/gone.txt', true, 5000, 'w', 2146645]);
  const del = fdRow(result, 'DEL');
  assert.deepEqual([del.name, del.deleted, del.size_bytes, del.offset_bytes, del.node], ['/tmp/ptwork/files/mapped.bin', true, undefined, undefined, 2146646]);
  const locked = fdRow(result, 4);
  assert.deepEqual([locked.fd_mode, locked.fd_lock, locked.size_bytes], ['w', 'W', 0]);
  assert.equal(fdRow(result, 6).name, '/tmp/ptwork/files/data with space.log');
  const listen = fdRow(result, 7);
  assert.deepEqual([listen.type, listen.protocol, listen.local_endpoint, listen.tcp_state, listen.remote_endpoint, listen.offset_bytes], ['IPv4', 'TCP', 'localhost:47001', 'LISTEN', undefined, 0]);
  const est = fdRow(result, 8);
  assert.deepEqual([est.local_endpoint, est.remote_endpoint, est.tcp_state], ['localhost:44080', 'localhost:47001', 'ESTABLISHED']);
  const udp = fdRow(result, 11);
  assert.deepEqual([udp.protocol, udp.name, udp.local_endpoint, udp.tcp_state], ['UDP', 'localhost:47002', 'localhost:47002', undefined], 'UDP name has a trailing space in the file');
  assert.equal(fdRow(result, 251).name, 'pipe');
  assert.equal(fdRow(result, 0).device_major, 1);
  assert.equal(fdRow(result, 0).device_minor, 3);
  assert.equal(result.records.filter((r) => r.deleted === true).length, 3);
  const nP = parseFile(parser, ours('recorded-lsof-nP-p.txt'));
  assert.equal(fdRow(nP, 9).remote_endpoint, '127.0.0.1:44080');
});

test('recorded lsof -K: TID and TASKCMD columns, empty TID on process rows', () => {
  const result = parseFile(parser, ours('recorded-lsof-K-p.txt'));
  assert.equal(result.variant, 'lsof, TID and TASKCMD columns (lsof >= 4.90 listing threads)');
  assert.equal(result.records.length, 90);
  const byTid = new Map<string, number>();
  for (const r of result.records) byTid.set(`${String(r.tid)}/${String(r.taskcmd)}`, (byTid.get(`${String(r.tid)}/${String(r.taskcmd)}`) ?? 0) + 1);
  assert.deepEqual([...byTid].sort(), [['13473/pt-worker', 30], ['13474/pt\\x20io', 30], ['undefined/undefined', 30]]);
  assert.ok(result.records.every((r) => r.pid === 13470 && r.user === 'root' && r.command === 'python3'));
  assert.equal(fdRow(result, 4, 13474).fd_lock, 'W');
});

test('recorded +L, -o, -R -g -s: NLINK, OFFSET, PPID, PGID, SIZE', () => {
  const L = parseFile(parser, ours('recorded-lsof-L-p.txt'));
  assert.equal(fdRow(L, 3).nlink, 0, 'deleted file has no links');
  assert.equal(fdRow(L, 'cwd').nlink, 3);
  assert.equal(fdRow(L, 7).nlink, undefined, 'sockets have an empty NLINK');
  const o = parseFile(parser, ours('recorded-lsof-o-p.txt'));
  assert.equal(fdRow(o, 6).offset_bytes, 120);
  assert.equal(fdRow(o, 3).offset_bytes, 5000);
  assert.equal(fdRow(o, 'txt').offset_bytes, undefined);
  assert.ok(o.records.every((r) => r.size_bytes === undefined));
  const R = parseFile(parser, ours('recorded-lsof-Rgs-p.txt'));
  assert.deepEqual([fdRow(R, 'cwd').ppid, fdRow(R, 'cwd').pgid, fdRow(R, 'cwd').size_bytes], [1, 13470, 4096]);
  assert.equal(fdRow(R, 0).size_bytes, undefined, 'a character device has no size');
});

test('recorded lsof -r: each ======= marker starts a new snapshot', () => {
  const result = parseFile(parser, ours('recorded-lsof-r1-d.txt'));
  assert.deepEqual(result.records.map((r) => r.time?.sample), [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
  assert.deepEqual(result.records.map((r) => r.fd), [3, 4, 5, 6, 3, 4, 5, 6, 3, 4, 5, 6]);
});

test('lsof stderr lines are skipped with an info diagnostic each', () => {
  const result = parseFile(parser, ours('handmade-lsof-warnings.txt'));
  assertCleanParse(result);
  assert.equal(result.coverage.skipped, 5);
  const info = result.diagnostics.filter((d) => d.code === 'tool-message');
  assert.equal(info.length, 4);
  assert.ok(info.every((d) => d.severity === 'info'));
  assert.match(info[0]!.message, /can't stat\(\) fuse\.gvfsd-fuse/);
  assert.equal(result.records.length, 6);
  assert.equal(sniff(readFileSync(ours('handmade-lsof-warnings.txt'), 'utf8'))?.confidence, 0.95);
  const only = parseFile(parser, ours('recorded-lsof-warning.txt'));
  assert.deepEqual([only.records.length, only.coverage.skipped, only.diagnostics[0]?.code], [0, 1, 'tool-message']);
});

// ------------------------------------------------------------------------------------------------
// The popularity capture (../shared)
// ------------------------------------------------------------------------------------------------

test('popularity lsof.txt / lsof-2.txt: the app\'s files and sockets; no temp file caught', { skip: skipWithoutShared }, () => {
  const gt = JSON.parse(readFileSync(popularity('groundtruth/ground-truth.json'), 'utf8')) as { app: { pid: number }; block_device: { maj_min: string } };
  const [major, minor] = gt.block_device.maj_min.split(':').map(Number);
  const one = parseFile(parser, popularity('lsof.txt'));
  const two = parseFile(parser, popularity('lsof-2.txt'));
  for (const result of [one, two]) {
    assertCleanParse(result);
    assert.equal(result.records.length, 33);
    assert.ok(result.records.every((r) => r.pid === gt.app.pid && r.command === 'python3' && r.tid === undefined));
    assert.equal(fdRow(result, 'cwd').name, '/tmp');
    assert.equal(fdRow(result, 'cwd').device_major, major);
    assert.equal(fdRow(result, 'cwd').device_minor, minor);
    assert.equal(fdRow(result, 3).tcp_state, 'LISTEN');
    assert.equal(fdRow(result, 3).local_endpoint, 'localhost:webmin');
    assert.equal(result.records.filter((r) => /^\/tmp\/[0-9a-f-]{36}\/\d+\.txt$/.test(r.name as string)).length, 0);
  }
  assert.equal(fdRow(one, 1).size_bytes, 737);
  assert.equal(fdRow(two, 1).size_bytes, 1378, 'the app log grew between the snapshots');
  assert.equal(fdRow(one, 4).remote_endpoint, 'localhost:33392');
  assert.equal(fdRow(two, 4).remote_endpoint, 'localhost:33394');
});

test('the detector claims no other tool\'s corpus file', { skip: skipWithoutShared }, () => {
  const files: string[] = [];
  for (const tool of readdirSync(join(sharedDir, 'corpus'))) {
    const dir = join(sharedDir, 'corpus', tool);
    if (tool === 'lsof' || !statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) files.push(join(dir, f));
  }
  for (const f of readdirSync(popularity(''))) if (!f.startsWith('lsof') && statSync(popularity(f)).isFile()) files.push(popularity(f));
  assert.ok(files.length > 50);
  for (const f of files) {
    const s = sniff(readFileSync(f, 'utf8'));
    assert.ok(s === null || s.confidence < 0.5, `${f} sniffed as lsof`);
  }
});

test('the detector claims none of the ps/df fixtures', () => {
  for (const tool of ['ps', 'df']) {
    for (const f of listDir(fixture(tool))) {
      if (f.endsWith('.json') || f.endsWith('.md')) continue;
      assert.equal(sniff(readFileSync(fixture(tool, f), 'utf8')), null, `${tool}/${f}`);
    }
  }
});

// ------------------------------------------------------------------------------------------------
// Malformed input
// ------------------------------------------------------------------------------------------------

test('CRLF gives the same records', () => {
  const text = readFileSync(ours('recorded-lsof-p.txt'), 'utf8');
  const lf = parseText(parser, 'a', text);
  const crlf = parseText(parser, 'a', text.replace(/\n/g, '\r\n'));
  assertCleanParse(crlf);
  assert.deepEqual(comparable(crlf), comparable(lf));
});

test('a file cut inside a row loses that row only', () => {
  const text = readFileSync(ours('recorded-lsof-p.txt'), 'utf8');
  const cut = text.slice(0, text.indexOf('   REG  254,0      300'));
  const result = parseText(parser, 'cut.txt', cut);
  assertCoverageInvariant(result);
  const completeRows = cut.split('\n').length - 2; // minus the header and the cut line
  assert.equal(completeRows, 21);
  assert.equal(result.records.length, completeRows);
  assert.equal(result.records.at(-1)!.fd, 5);
  assert.equal(result.coverage.unparsed, 1);
  assert.match(result.diagnostics.find((d) => d.code === 'unparsed-line')!.message, /before the NAME column/);
});

test('empty file, binary garbage, no header, another tool\'s file: diagnostics, no exception', () => {
  const empty = parseText(parser, 'empty', '');
  assertCoverageInvariant(empty);
  assert.equal(empty.records.length, 0);

  const garbage = parseText(parser, 'garbage', Buffer.from([0x43, 0x4f, 0x4d, 0x4d, 0x41, 0x4e, 0x44, 0x00, 0x0a, 0xfe, 0xff, 0x0a]));
  assertCoverageInvariant(garbage);
  assert.equal(garbage.records.length, 0);
  assert.equal(garbage.coverage.unparsed, 2);

  const noHeader = parseText(parser, 'noheader', 'python3 26246 root  cwd    DIR  254,0     4096   260072 /tmp\n');
  assertCoverageInvariant(noHeader);
  assert.match(noHeader.diagnostics[0]!.message, /no lsof header/);

  const zone = parseText(parser, 'zone', 'COMMAND PID USER   FD TYPE NAME ZONE\nsshd      1 root  cwd  DIR /    global\n');
  assertCoverageInvariant(zone);
  assert.equal(zone.coverage.unparsed, 2, 'a header ending in another column than NAME is not an lsof header: both lines unparsed');
  const security = parseText(parser, 'z', 'COMMAND PID SECURITY-CONTEXT USER FD TYPE NAME\nsshd      1 unconfined root  cwd  DIR /\n');
  assertCoverageInvariant(security);
  assert.deepEqual(security.diagnostics.map((d) => d.message), [
    'lsof header has a column perftriage does not read: SECURITY-CONTEXT',
    'row under an lsof header that is not read (lsof header has a column perftriage does not read: SECURITY-CONTEXT)',
  ]);

  const ps = parseFile(parser, fixture('ps', 'jc-centos-7.7-ps-ef.out'));
  assertCoverageInvariant(ps);
  assert.equal(ps.records.length, 0);
  assert.equal(ps.coverage.unparsed, ps.coverage.lines);
});

test('the jc fixtures are byte-identical copies of shared/corpus/lsof', { skip: skipWithoutShared }, () => {
  const files = readdirSync(join(sharedDir, 'corpus', 'lsof'));
  assert.ok(files.length > 0);
  for (const f of files) assert.deepEqual(readFileSync(ours(f)), readFileSync(join(sharedDir, 'corpus', 'lsof', f)), f);
});
