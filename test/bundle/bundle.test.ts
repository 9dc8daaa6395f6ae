import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { writeFile } from 'node:fs/promises';
import { createGzip, gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { BundleOpenError, isRereadable, openBundle, type BundleOptions, type OpenedBundle } from '../../src/bundle/bundle.js';
import { manifestProblems } from '../../src/bundle/manifest.js';
import { validate } from '../../src/timeline/schemas.js';
import type { Diagnostic } from '../../src/common/types.js';
import { sharedDir, skipWithoutShared } from '../helpers.js';
import { deflatedZeros, tarArchive, tarHeader, zipArchive, type ZipSpec } from './archives.js';

const work = mkdtempSync(join(tmpdir(), 'perftriage-bundle-test-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));

let seq = 0;
/** Write `data` to a fresh file in the test folder and return its path. */
function put(name: string, data: Buffer | string): string {
  const dir = join(work, `f${seq++}`);
  mkdirSync(dir);
  const path = join(dir, name);
  writeFileSync(path, data);
  return path;
}

/** Every file's bytes, and the order forEach visited them. */
async function readAll(bundle: OpenedBundle): Promise<{ files: Map<string, Buffer>; order: string[] }> {
  const files = new Map<string, Buffer>();
  const order: string[] = [];
  await bundle.forEach(async (entry, stream) => {
    order.push(entry.path);
    const parts: Buffer[] = [];
    for await (const chunk of stream) parts.push(chunk as Buffer);
    files.set(entry.path, Buffer.concat(parts));
  });
  return { files, order };
}

/** Read every file counting bytes only (for big inputs). */
async function countAll(bundle: OpenedBundle, onChunk?: () => void): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  await bundle.forEach(async (entry, stream) => {
    let n = 0;
    for await (const chunk of stream) {
      n += (chunk as Buffer).length;
      onChunk?.();
    }
    counts.set(entry.path, n);
  });
  return counts;
}

function digests(files: Map<string, Buffer>): Record<string, string> {
  return Object.fromEntries([...files].map(([p, b]) => [p, createHash('sha256').update(b).digest('hex')]));
}

function withCode(diagnostics: readonly Diagnostic[], code: string): Diagnostic[] {
  return diagnostics.filter((d) => d.code === code);
}

function paths(bundle: OpenedBundle): string[] {
  return bundle.entries.map((e) => e.path);
}

// ---------- the same bundle as a folder, tar, tar.gz, zip ----------

const manifest = {
  version: '1.0.0',
  host: 'web-1',
  timezone: 'Europe/Paris',
  collected_at: '2024-05-01T10:00:00+02:00',
  files: [
    { path: 'iostat.txt', tool: 'iostat', command: 'iostat -dx 1 5', started_at: '2024-05-01T09:59:00+02:00', exit_status: 0 },
    { path: 'sub/pidstat.txt', tool: 'pidstat' },
  ],
};
const bigText = Buffer.from('x'.repeat(99) + '\n').toString().repeat(3000); // 300 kB: several chunks in every format
const bundleFiles: Record<string, Buffer> = {
  'manifest.json': Buffer.from(JSON.stringify(manifest)),
  'iostat.txt': Buffer.from('Linux 6.1.0 (web-1) \t05/01/2024 \t_x86_64_\t(4 CPU)\n\nDevice r/s\nsda 1.00\n'),
  'sub/pidstat.txt': Buffer.from('Linux 6.1.0\r\n10:00:01 UID PID\r\n'),
  'empty.txt': Buffer.alloc(0),
  'binary.dat': Buffer.from([0, 1, 2, 255, 254, 0, 10, 13]),
  'big.txt': Buffer.from(bigText),
};

function makeFolder(): { parent: string; folder: string } {
  const parent = mkdtempSync(join(work, 'src-'));
  const folder = join(parent, 'bundle');
  for (const [path, data] of Object.entries(bundleFiles)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), data);
  }
  return { parent, folder };
}

function zipOf(files: Record<string, Buffer>, prefix: string, method: 'store' | 'deflate'): Buffer {
  const specs: ZipSpec[] = [];
  if (prefix) specs.push({ name: prefix, unixMode: 0o40755 });
  specs.push({ name: `${prefix}sub/`, unixMode: 0o40755 });
  for (const [path, data] of Object.entries(files)) specs.push({ name: prefix + path, data, method, unixMode: 0o100644 });
  return zipArchive(specs);
}

test('a folder, its tar, tar.gz and zip give the same entries, manifest and bytes', async () => {
  const { parent, folder } = makeFolder();
  const tarPath = join(parent, 'bundle.tar');
  const tgzPath = join(parent, 'bundle.tgz');
  const flatTgzPath = join(parent, 'flat.tar.gz');
  tar.c({ cwd: parent, file: tarPath, sync: true, portable: true }, ['bundle']);
  tar.c({ cwd: parent, file: tgzPath, gzip: true, sync: true, portable: true }, ['bundle']);
  tar.c({ cwd: folder, file: flatTgzPath, gzip: true, sync: true, portable: true }, ['.']); // ./iostat.txt, no top folder
  const zipPath = put('bundle.zip', zipOf(bundleFiles, 'bundle/', 'deflate'));
  const storedZipPath = put('stored.zip', zipOf(bundleFiles, '', 'store'));

  const expectedPaths = Object.keys(bundleFiles).filter((p) => p !== 'manifest.json').sort();
  const folderBundle = await openBundle(folder);
  assert.equal(folderBundle.kind, 'folder');
  assert.deepEqual(paths(folderBundle), expectedPaths);
  const reference = await readAll(folderBundle);
  assert.deepEqual(reference.order, expectedPaths, 'a folder is visited in entries order');
  for (const p of expectedPaths) assert.ok(reference.files.get(p)!.equals(bundleFiles[p]!), p);
  assert.deepEqual(folderBundle.manifest, manifest);
  assert.deepEqual(folderBundle.manifestRaw, manifest);

  const cases: [string, string, string][] = [
    [tarPath, 'tar', 'archive'],
    [tgzPath, 'tar.gz', 'archive'],
    [flatTgzPath, 'tar.gz', 'archive'],
    [zipPath, 'zip', 'entries'],
    [storedZipPath, 'zip', 'entries'],
  ];
  for (const [path, kind, order] of cases) {
    const bundle = await openBundle(path);
    assert.equal(bundle.kind, kind, path);
    assert.equal(bundle.order, order, path);
    assert.deepEqual(bundle.entries, folderBundle.entries, `${path}: same paths and sizes`);
    assert.deepEqual(bundle.manifest, manifest, `${path}: manifest`);
    const read = await readAll(bundle);
    assert.deepEqual(digests(read.files), digests(reference.files), `${path}: same bytes`);
    assert.deepEqual(bundle.diagnostics, [], `${path}: ${JSON.stringify(bundle.diagnostics)}`);
    if (order === 'entries') assert.deepEqual(read.order, expectedPaths);
  }
});

test('a real capture bundle (../shared) reads the same as a folder, a tar.gz and a zip', { skip: skipWithoutShared }, async () => {
  const parent = join(sharedDir, 'captures');
  const folder = join(parent, 'popularity');
  const tgz = join(mkdtempSync(join(work, 'real-')), 'popularity.tar.gz');
  tar.c({ cwd: parent, file: tgz, gzip: true, sync: true }, ['popularity']);
  const fromFolder = await openBundle(folder);
  assert.ok(fromFolder.entries.some((e) => e.path === 'groundtruth/ground-truth.json'));
  assert.ok(fromFolder.entries.length >= 40, `${fromFolder.entries.length} files`);
  const reference = await readAll(fromFolder);
  const zipSpecs: ZipSpec[] = [...reference.files].map(([name, data]) => ({ name: `popularity/${name}`, data, method: 'deflate' }));
  const zip = put('popularity.zip', zipArchive(zipSpecs));
  for (const path of [tgz, zip]) {
    const bundle = await openBundle(path);
    assert.deepEqual(bundle.entries, fromFolder.entries, path);
    assert.deepEqual(digests((await readAll(bundle)).files), digests(reference.files), path);
    assert.deepEqual(bundle.diagnostics, [], path);
  }
});

test('an empty tar (only its end marker) is an empty bundle, not an error', async () => {
  const bundle = await openBundle(put('empty.tar', Buffer.alloc(10240)));
  assert.equal(bundle.kind, 'tar');
  assert.deepEqual(bundle.entries, []);
  assert.deepEqual(bundle.diagnostics, []);
  const zeros = await openBundle(put('zeros.bin', Buffer.alloc(10240)));
  assert.equal(zeros.kind, 'file', 'zero blocks are a tar only when the name says so');
});

test('the archive type comes from magic bytes, not the name', async () => {
  const { parent } = makeFolder();
  const tgz = join(parent, 'really-a-tgz.zip');
  tar.c({ cwd: parent, file: tgz, gzip: true, sync: true }, ['bundle']);
  assert.equal((await openBundle(tgz)).kind, 'tar.gz');
  const zipNamedTgz = put('really-a-zip.tgz', zipOf(bundleFiles, '', 'deflate'));
  assert.equal((await openBundle(zipNamedTgz)).kind, 'zip');
  const textNamedTar = put('notes.tar.gz', 'just text\n');
  const text = await openBundle(textNamedTar);
  assert.equal(text.kind, 'file');
  assert.deepEqual(text.entries, [{ path: 'notes.tar.gz', size: 10 }]);
  const gzText = await openBundle(put('iostat.txt.gz', gzipSync('Device r/s\n')));
  assert.equal(gzText.kind, 'file');
  assert.deepEqual(paths(gzText), ['iostat.txt']);
  assert.equal((await readAll(gzText)).files.get('iostat.txt')!.toString(), 'Device r/s\n');
  const xz = await openBundle(put('cap.tar.xz', Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3])));
  assert.deepEqual(xz.entries, []);
  assert.match(withCode(xz.diagnostics, 'archive-unsupported')[0]!.message, /xz data.*xz -d/);
});

// ---------- unsafe entries ----------

const evilNames = ['../evil.txt', '/etc/passwd', 'a/../../x.txt', 'C:\\Windows\\win.ini', 'C:/boot.ini', 'dir\\..\\..\\y.txt'];

test('tar: traversal names, links, devices, FIFOs and nested archives are skipped, each named', async () => {
  const data = Buffer.from('payload\n');
  const archive = tarArchive([
    ...evilNames.map((path) => ({ path, data })),
    { path: 'ok.txt', data },
    { path: 'link', type: 'SymbolicLink' as const, linkpath: '/etc/passwd' },
    { path: 'hard', type: 'Link' as const, linkpath: 'ok.txt' },
    { path: 'tty', type: 'CharacterDevice' as const, devmaj: 4, devmin: 1 },
    { path: 'disk', type: 'BlockDevice' as const },
    { path: 'fifo', type: 'FIFO' as const },
    { path: 'inner.tar.gz', data },
    { path: '.DS_Store', data },
    { path: 'sub/.hidden', data },
  ]);
  const bundle = await openBundle(put('evil.tar', archive));
  assert.deepEqual(paths(bundle), ['ok.txt']);
  const skipped = withCode(bundle.diagnostics, 'archive-entry-skipped');
  for (const name of [...evilNames, 'link', 'hard', 'tty', 'disk', 'fifo', 'inner.tar.gz']) {
    const d = skipped.find((x) => x.file === name);
    assert.ok(d, `no diagnostic names ${name}`);
    assert.match(d.message, /^evil\.tar: skipped /);
  }
  assert.match(skipped.find((d) => d.file === '../evil.txt')!.message, /'\.\.'/);
  assert.match(skipped.find((d) => d.file === '/etc/passwd')!.message, /absolute path/);
  assert.match(skipped.find((d) => d.file === 'C:/boot.ini')!.message, /drive/);
  assert.match(skipped.find((d) => d.file === 'link')!.message, /symbolic link/);
  assert.match(skipped.find((d) => d.file === 'inner.tar.gz')!.message, /not opened/);
  assert.ok(skipped.some((d) => d.severity === 'info' && /2 hidden entries/.test(d.message) && d.message.includes('.DS_Store')));
  const read = await readAll(bundle);
  assert.deepEqual([...read.files.keys()], ['ok.txt']);
  assert.equal(read.files.get('ok.txt')!.toString(), 'payload\n');
});

test('zip: traversal names, symlinks and devices are skipped and the other entries still read', async () => {
  const data = Buffer.from('payload\n');
  const archive = zipArchive([
    ...evilNames.map((name) => ({ name, data, method: 'deflate' as const })),
    { name: 'link', data: Buffer.from('/etc/passwd'), unixMode: 0o120777 },
    { name: 'fifo', unixMode: 0o010644 },
    { name: 'nested.zip', data },
    { name: '__MACOSX/._ok.txt', data },
    { name: 'secret.txt', data, method: 'deflate', encrypted: true },
    { name: 'bz.txt', data, compressionMethod: 12 },
    { name: 'stored-liar.txt', data, declaredSize: 4000 },
    { name: 'ok.txt', data, method: 'deflate' },
  ]);
  const bundle = await openBundle(put('evil.zip', archive));
  assert.deepEqual(paths(bundle), ['ok.txt']);
  const skipped = withCode(bundle.diagnostics, 'archive-entry-skipped');
  for (const name of [...evilNames, 'link', 'fifo', 'nested.zip', 'secret.txt', 'bz.txt', 'stored-liar.txt']) {
    assert.ok(skipped.some((d) => d.file === name), `no diagnostic names ${name}`);
  }
  assert.match(skipped.find((d) => d.file === 'secret.txt')!.message, /encrypted/);
  assert.match(skipped.find((d) => d.file === 'bz.txt')!.message, /compression method 12/);
  assert.match(skipped.find((d) => d.file === 'stored-liar.txt')!.message, /size headers disagree \(8 != 4000\)/);
  assert.ok(skipped.some((d) => d.severity === 'info' && d.message.includes('"__MACOSX/._ok.txt"')));
  assert.equal((await readAll(bundle)).files.get('ok.txt')!.toString(), 'payload\n');
});

test('zip names: UTF-8 flag and CP437 are decoded', async () => {
  const archive = zipArchive([
    { name: 'café.txt', data: Buffer.from('a') },
    { name: 'ignored', rawName: Buffer.from([0x82, 0x74, 0x65, 0x2e, 0x74, 0x78, 0x74]), utf8Flag: false, data: Buffer.from('b') }, // CP437 é
  ]);
  const bundle = await openBundle(put('names.zip', archive));
  assert.deepEqual(paths(bundle), ['café.txt', 'éte.txt']);
});

test('tar: a later copy of the same path wins, as with tar x', async () => {
  const bundle = await openBundle(put('dup.tar', tarArchive([
    { path: 'a.txt', data: Buffer.from('old') },
    { path: 'b.txt', data: Buffer.from('b') },
    { path: './a.txt', data: Buffer.from('new') },
  ])));
  assert.deepEqual(paths(bundle), ['a.txt', 'b.txt']);
  assert.ok(bundle.diagnostics.some((d) => d.file === 'a.txt' && /more than once/.test(d.message)));
  const read = await readAll(bundle);
  assert.equal(read.files.get('a.txt')!.toString(), 'new');
  assert.deepEqual(read.order, ['b.txt', 'a.txt'], 'tar is visited in archive order');
});

test('tar: a visitor that leaves bytes unread does not stall the next entries', async () => {
  const big = Buffer.alloc(300_000, 0x61);
  const bundle = await openBundle(put('skip.tar.gz', gzipSync(tarArchive([
    { path: 'a.txt', data: big },
    { path: 'b.txt', data: Buffer.from('bee') },
    { path: 'c.txt', data: big },
    { path: 'd.txt', data: Buffer.from('dee') },
  ]))));
  const seen: string[] = [];
  await bundle.forEach(async (entry, stream) => {
    seen.push(entry.path);
    if (entry.path === 'a.txt') return; // reads nothing
    if (entry.path === 'c.txt') {
      for await (const _ of stream) break; // reads one chunk
      return;
    }
    const parts: Buffer[] = [];
    for await (const chunk of stream) parts.push(chunk as Buffer);
    assert.equal(Buffer.concat(parts).toString(), entry.path === 'b.txt' ? 'bee' : 'dee');
  });
  assert.deepEqual(seen, ['a.txt', 'b.txt', 'c.txt', 'd.txt']);
});

// ---------- folders ----------

test('folder: symlinks leaving the root, to folders or to nothing are skipped; links inside are read', async () => {
  const root = mkdtempSync(join(work, 'links-'));
  const folder = join(root, 'bundle');
  mkdirSync(join(folder, 'sub'), { recursive: true });
  mkdirSync(join(folder, '.git'));
  writeFileSync(join(root, 'outside.txt'), 'secret');
  writeFileSync(join(folder, 'real.txt'), 'real');
  writeFileSync(join(folder, 'sub', 'x.txt'), 'x');
  writeFileSync(join(folder, '.git', 'config'), 'cfg');
  writeFileSync(join(folder, '.DS_Store'), 'junk');
  symlinkSync('../outside.txt', join(folder, 'out-rel'));
  symlinkSync(join(root, 'outside.txt'), join(folder, 'out-abs'));
  symlinkSync('/etc/hostname', join(folder, 'etc-hostname'));
  symlinkSync('real.txt', join(folder, 'in.txt'));
  symlinkSync('sub', join(folder, 'loop'));
  symlinkSync('missing', join(folder, 'broken'));
  let fifo = false;
  try {
    execFileSync('mkfifo', [join(folder, 'pipe')]);
    fifo = true;
  } catch {
    // no mkfifo on this system: the FIFO case is covered by the tar test
  }
  const bundle = await openBundle(folder);
  assert.deepEqual(paths(bundle), ['in.txt', 'real.txt', 'sub/x.txt']);
  const skipped = withCode(bundle.diagnostics, 'archive-entry-skipped');
  for (const name of ['out-rel', 'out-abs', 'etc-hostname']) assert.match(skipped.find((d) => d.file === name)!.message, /leaving the bundle folder/);
  assert.match(skipped.find((d) => d.file === 'loop')!.message, /to a folder/);
  assert.match(skipped.find((d) => d.file === 'broken')!.message, /broken link/);
  if (fifo) assert.match(skipped.find((d) => d.file === 'pipe')!.message, /FIFO/);
  assert.ok(skipped.some((d) => d.severity === 'info' && d.message.includes('".DS_Store"') && d.message.includes('".git/"')));
  const read = await readAll(bundle);
  assert.equal(read.files.get('in.txt')!.toString(), 'real');
});

test('a single file is a one-entry bundle named after it; a missing path throws BundleOpenError', async () => {
  const path = put('top.txt', 'top - 10:00:00\n');
  const bundle = await openBundle(path);
  assert.equal(bundle.kind, 'file');
  assert.equal(bundle.name, 'top.txt');
  assert.equal(bundle.root, path);
  assert.deepEqual(bundle.entries, [{ path: 'top.txt', size: 15 }]);
  assert.equal((await readAll(bundle)).files.get('top.txt')!.toString(), 'top - 10:00:00\n');
  await assert.rejects(openBundle(join(work, 'does-not-exist')), (err: unknown) => err instanceof BundleOpenError && /no such file or folder/.test(err.message));
});

// ---------- caps ----------

let bomb: { data: Buffer; size: number; crc: number } | undefined;
async function zipBomb(): Promise<{ data: Buffer; size: number; crc: number }> {
  bomb ??= await deflatedZeros(200);
  return bomb;
}

test('zip bomb: 200 MiB of zeros in ~200 kB stops at the ratio cap, with a diagnostic', async () => {
  const payload = await zipBomb();
  assert.ok(payload.data.length < 400_000, `deflated to ${payload.data.length}`);
  const bundle = await openBundle(put('bomb.zip', zipArchive([
    { name: 'a-small.txt', data: Buffer.from('hello\n'), method: 'deflate' },
    { name: 'b-bomb.txt', deflated: payload },
    { name: 'c-after.txt', data: Buffer.from('never read\n') },
  ])));
  assert.deepEqual(paths(bundle), ['a-small.txt', 'b-bomb.txt', 'c-after.txt']);
  const counts = await countAll(bundle);
  assert.equal(counts.get('a-small.txt'), 6);
  const inflated = counts.get('b-bomb.txt')!;
  assert.ok(inflated <= payload.data.length * 200 + 1, `read ${inflated} bytes, more than 200 × ${payload.data.length}`);
  assert.ok(inflated >= payload.data.length * 200 - 64 * 1024, `cut too early at ${inflated}`);
  assert.equal(counts.has('c-after.txt'), false, 'nothing is read after a cap');
  const cap = withCode(bundle.diagnostics, 'archive-cap');
  assert.equal(cap.length, 1);
  assert.equal(cap[0]!.file, 'b-bomb.txt');
  assert.match(cap[0]!.message, /^bomb\.zip: "b-bomb\.txt" inflates to more than 200 times its compressed size \(.*\), like a zip bomb; it is cut after/);
});

test('zip bomb: streaming the whole 200 MiB (ratio cap off) keeps memory bounded', async () => {
  const payload = await zipBomb();
  const bundle = await openBundle(put('bomb2.zip', zipArchive([{ name: 'zeros.bin', deflated: payload }])), { maxCompressionRatio: Infinity });
  const base = process.memoryUsage();
  let peak = 0;
  let chunks = 0;
  const counts = await countAll(bundle, () => {
    if (++chunks % 64 === 0) {
      const m = process.memoryUsage();
      peak = Math.max(peak, m.heapUsed + m.arrayBuffers - (base.heapUsed + base.arrayBuffers));
    }
  });
  assert.equal(counts.get('zeros.bin'), 200 * 1024 * 1024);
  assert.ok(peak < 64 * 1024 * 1024, `memory grew by ${(peak / 1048576).toFixed(1)} MiB while streaming 200 MiB`);
  assert.deepEqual(bundle.diagnostics, []);
});

test('zip: the whole-zip ratio cap catches many entries each under the per-entry floor', async () => {
  // Each entry inflates to 1 MiB (the per-entry floor) at ~1000:1: each passes alone, together they do not.
  const mib = await deflatedZeros(1);
  const specs: ZipSpec[] = [];
  for (let i = 0; i < 8; i++) specs.push({ name: `part${i}.bin`, deflated: mib });
  const bundle = await openBundle(put('many.zip', zipArchive(specs)));
  const counts = await countAll(bundle);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  assert.ok(total < 8 * 1024 * 1024, `read ${total}`);
  assert.match(withCode(bundle.diagnostics, 'archive-cap')[0]!.message, /the zip inflates to more than 200 times/);
});

test('zip: a lying uncompressed-size header is caught while streaming', async () => {
  const real = Buffer.alloc(1024 * 1024, 0x41);
  const bundle = await openBundle(put('liar.zip', zipArchive([
    { name: 'liar.txt', data: real, method: 'deflate', declaredSize: 1000 },
    { name: 'short.txt', data: Buffer.from('0123456789'), method: 'deflate', declaredSize: 50 },
    { name: 'z-honest.txt', data: Buffer.from('ok\n'), method: 'deflate' },
  ])));
  assert.deepEqual(bundle.entries.map((e) => [e.path, e.size]), [['liar.txt', 1000], ['short.txt', 50], ['z-honest.txt', 3]]);
  const counts = await countAll(bundle);
  assert.ok(counts.get('liar.txt')! <= 1000, `read ${counts.get('liar.txt')} bytes of a file declared 1000`);
  assert.equal(counts.get('z-honest.txt'), 3, 'a corrupt entry does not stop the other entries of a zip');
  const corrupt = withCode(bundle.diagnostics, 'archive-corrupt');
  assert.match(corrupt.find((d) => d.file === 'liar.txt')!.message, /^liar\.zip: "liar\.txt" is corrupt or its size header lies.*too many bytes/);
  assert.match(corrupt.find((d) => d.file === 'short.txt')!.message, /not enough bytes/);
});

test('entry cap: 20 000 tiny entries stop at 10 000, in zip and in tar', async () => {
  const zipSpecs: ZipSpec[] = [];
  const tarSpecs: { path: string; data: Buffer }[] = [];
  for (let i = 0; i < 20_000; i++) {
    const name = `f${String(i).padStart(5, '0')}.txt`;
    zipSpecs.push({ name, data: Buffer.from('x') });
    tarSpecs.push({ path: name, data: Buffer.from('x') });
  }
  for (const path of [put('many.zip', zipArchive(zipSpecs)), put('many.tar', tarArchive(tarSpecs))]) {
    const bundle = await openBundle(path);
    assert.equal(bundle.entries.length, 10_000, path);
    assert.equal(bundle.entries.at(-1)!.path, 'f09999.txt');
    const cap = withCode(bundle.diagnostics, 'archive-cap');
    assert.equal(cap.length, 1, path);
    assert.match(cap[0]!.message, /more than 10000 files; listing stopped before "f10000\.txt"/);
    const counts = await countAll(bundle);
    assert.equal(counts.size, 10_000);
  }
  const few = await openBundle(put('few.zip', zipArchive(zipSpecs.slice(0, 10))), { maxEntries: 3 });
  assert.deepEqual(paths(few), ['f00000.txt', 'f00001.txt', 'f00002.txt']);
});

test('size caps: a file over maxEntryBytes is skipped, maxTotalBytes stops the listing', async () => {
  const data = (n: number): Buffer => Buffer.alloc(n, 0x61);
  const archive = put('sizes.tar', tarArchive([
    { path: 'a.txt', data: data(100) },
    { path: 'huge.txt', data: data(5000) },
    { path: 'b.txt', data: data(900) },
    { path: 'c.txt', data: data(900) },
  ]));
  const bundle = await openBundle(archive, { maxEntryBytes: 1000, maxTotalBytes: 1500 });
  assert.deepEqual(paths(bundle), ['a.txt', 'b.txt']);
  const cap = withCode(bundle.diagnostics, 'archive-cap');
  assert.match(cap.find((d) => d.file === 'huge.txt')!.message, /4\.9 KiB is over the 1000 bytes cap for one file/);
  assert.ok(cap.some((d) => /add up to more than the 1.5 KiB cap; listing stopped before "c\.txt"/.test(d.message)));
  const counts = await countAll(bundle);
  assert.deepEqual([...counts], [['a.txt', 100], ['b.txt', 900]]);
});

test('stdin with no declared size: real bytes are cut at maxEntryBytes', async () => {
  const bundle = await openBundle('-', { stdin: Readable.from([Buffer.alloc(3000, 0x61), Buffer.alloc(3000, 0x62)]), maxEntryBytes: 4000 });
  const counts = await countAll(bundle);
  assert.equal(counts.get('stdin'), 4000);
  assert.match(withCode(bundle.diagnostics, 'archive-cap')[0]!.message, /^stdin: "stdin" is bigger than the 3\.9 KiB cap for one file; it is cut after 3\.9 KiB and nothing after it is read$/);
});

test('tar.gz gzip bomb stops at the ratio cap while listing', async () => {
  // A tar whose single entry holds 64 MiB of zeros, gzip-compressed by streaming to ~64 kB.
  const gz = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gz.on('data', (c: Buffer) => parts.push(c));
  const ended = new Promise((r) => gz.on('end', r));
  gz.write(tarHeader({ path: 'zeros.bin' }, 64 * 1024 * 1024));
  const mib = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < 64; i++) gz.write(mib);
  gz.end(Buffer.alloc(1024));
  await ended;
  const bundle = await openBundle(put('bomb.tgz', Buffer.concat(parts)));
  assert.equal(bundle.kind, 'tar.gz');
  assert.deepEqual(paths(bundle), ['zeros.bin']);
  const cap = withCode(bundle.diagnostics, 'archive-cap');
  assert.equal(cap.length, 1, JSON.stringify(bundle.diagnostics));
  assert.match(cap[0]!.message, /^bomb\.tgz: the archive inflates to more than 200 times its compressed size/);
  const counts = await countAll(bundle);
  assert.ok(counts.get('zeros.bin')! < 64 * 1024 * 1024, `read ${counts.get('zeros.bin')}`);
  assert.equal(withCode(bundle.diagnostics, 'archive-cap').length, 1, 'the second pass does not report it again');
});

// ---------- corrupt archives ----------

test('a truncated tar.gz gives a diagnostic naming the archive and the entry, keeps what came before', async () => {
  const first = Buffer.from('first file\n');
  const second = Buffer.alloc(200_000);
  for (let i = 0; i < second.length; i++) second[i] = (i * 7919) % 251; // poorly compressible
  const whole = gzipSync(tarArchive([
    { path: 'cap/first.txt', data: first },
    { path: 'cap/second.bin', data: second },
    { path: 'cap/third.txt', data: Buffer.from('third\n') },
  ]));
  const cut = whole.subarray(0, Math.floor(whole.length * 0.6));
  const bundle = await openBundle(put('cut.tar.gz', cut));
  assert.equal(bundle.kind, 'tar.gz');
  assert.deepEqual(paths(bundle), ['first.txt', 'second.bin']);
  const corrupt = withCode(bundle.diagnostics, 'archive-corrupt');
  assert.equal(corrupt.length, 1, JSON.stringify(bundle.diagnostics));
  assert.match(corrupt[0]!.message, /^cut\.tar\.gz: the archive is cut or corrupt inside or after entry "cap\/second\.bin" \(unexpected end of file\)/);
  assert.equal(corrupt[0]!.file, 'cap/second.bin');
  const read = await readAll(bundle);
  assert.ok(read.files.get('first.txt')!.equals(first));
  const partial = read.files.get('second.bin')!;
  assert.ok(partial.length < second.length && partial.equals(second.subarray(0, partial.length)), 'the cut entry is a prefix of the original');
  assert.equal(withCode(bundle.diagnostics, 'archive-corrupt').length, 1, 'the second pass does not report it again');
});

test('a truncated plain tar and a tar cut at an entry boundary are reported', async () => {
  const whole = tarArchive([
    { path: 'a.txt', data: Buffer.alloc(2000, 0x61) },
    { path: 'b.txt', data: Buffer.alloc(2000, 0x62) },
  ]);
  const midEntry = await openBundle(put('mid.tar', whole.subarray(0, 512 + 1000)));
  assert.deepEqual(paths(midEntry), ['a.txt']);
  const midCorrupt = withCode(midEntry.diagnostics, 'archive-corrupt');
  assert.equal(midCorrupt.length, 1, JSON.stringify(midCorrupt));
  assert.match(midCorrupt[0]!.message, /^mid\.tar: Truncated input.*at entry "a\.txt"/);
  assert.equal(midCorrupt[0]!.file, 'a.txt');
  const counts = await countAll(midEntry);
  assert.equal(counts.get('a.txt'), 1000);

  const atBoundary = await openBundle(put('boundary.tar', whole.subarray(0, 512 + 2048)));
  assert.deepEqual(paths(atBoundary), ['a.txt']);
  assert.match(withCode(atBoundary.diagnostics, 'archive-corrupt')[0]!.message, /without its end-of-archive marker; it may be cut short after entry "a\.txt"/);
});

test('a truncated zip (no central directory) and garbage give diagnostics, not exceptions', async () => {
  const zip = zipOf(bundleFiles, '', 'deflate');
  const cut = await openBundle(put('cut.zip', zip.subarray(0, zip.length - 200)));
  assert.equal(cut.kind, 'zip');
  assert.deepEqual(cut.entries, []);
  assert.match(withCode(cut.diagnostics, 'archive-corrupt')[0]!.message, /^cut\.zip: cannot read the zip's central directory/);
  await cut.forEach(async () => assert.fail('nothing to visit'));

  const garbage = Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(5000, 0x55)]);
  const g = await openBundle(put('garbage.zip', garbage));
  assert.deepEqual(g.entries, []);
  assert.equal(withCode(g.diagnostics, 'archive-corrupt').length, 1);

  const gzGarbage = await openBundle(put('junk.tgz', Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(3000, 0x55)])));
  const counts = await countAll(gzGarbage);
  assert.equal(gzGarbage.kind, 'file', 'not a tar inside: a single gzip file');
  assert.equal(counts.get('junk.tgz'), 0);
  assert.equal(withCode(gzGarbage.diagnostics, 'archive-corrupt').length, 1);
});

// ---------- stdin ----------

test('stdin: a plain file streams through; tar.gz, zip and .gz on stdin are detected', async () => {
  const text = Buffer.from('Linux 6.1.0 (web-1)\nDevice r/s\n');
  const plain = await openBundle('-', { stdin: Readable.from([text.subarray(0, 5), text.subarray(5)]) });
  assert.equal(plain.kind, 'stdin');
  assert.equal(plain.name, 'stdin');
  assert.equal(plain.root, '-');
  assert.deepEqual(plain.entries, [{ path: 'stdin' }]);
  assert.ok((await readAll(plain)).files.get('stdin')!.equals(text));
  await assert.rejects(plain.forEach(async () => {}), /walked only once/);

  const spoolsBefore = readdirSync(tmpdir()).filter((n) => n.startsWith('perftriage-stdin-')).length;
  const { parent, folder } = makeFolder();
  const tgz = join(parent, 'b.tgz');
  tar.c({ cwd: parent, file: tgz, gzip: true, sync: true }, ['bundle']);
  const fromFile = await readAll(await openBundle(folder));
  const inputs: [Buffer, string][] = [
    [readFileSync(tgz), 'tar.gz'],
    [zipOf(bundleFiles, 'bundle/', 'deflate'), 'zip'],
  ];
  for (const [bytes, kind] of inputs) {
    const chunks = [];
    for (let i = 0; i < bytes.length; i += 1000) chunks.push(bytes.subarray(i, i + 1000));
    const bundle = await openBundle('-', { stdin: Readable.from(chunks) });
    assert.equal(bundle.kind, kind);
    assert.deepEqual(bundle.manifest, manifest);
    assert.deepEqual(digests((await readAll(bundle)).files), digests(fromFile.files), kind);
  }
  assert.equal(readdirSync(tmpdir()).filter((n) => n.startsWith('perftriage-stdin-')).length, spoolsBefore, 'spooled copies are removed after the walk');

  const gz = await openBundle('-', { stdin: Readable.from([gzipSync(text)]) });
  assert.equal(gz.kind, 'stdin');
  assert.ok((await readAll(gz)).files.get('stdin')!.equals(text));
});

test('stdin: the real process stdin of a child process', async () => {
  const moduleUrl = new URL('../../src/bundle/bundle.js', import.meta.url).href;
  const script = `
    const { openBundle } = await import(${JSON.stringify(moduleUrl)});
    const b = await openBundle('-');
    const out = [];
    await b.forEach(async (e, s) => { let n = 0; for await (const c of s) n += c.length; out.push([e.path, n]); });
    process.stdout.write(JSON.stringify({ kind: b.kind, out, diagnostics: b.diagnostics }));`;
  const run = (input: Buffer): Promise<string> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`child exited ${code}`))));
      child.stdin.end(input);
    });
  assert.deepEqual(JSON.parse(await run(Buffer.from('a\nb\n'))), { kind: 'stdin', out: [['stdin', 4]], diagnostics: [] });
  const tgz = gzipSync(tarArchive([{ path: 'cap/x.txt', data: Buffer.from('xyz') }]));
  assert.deepEqual(JSON.parse(await run(tgz)), { kind: 'tar.gz', out: [['x.txt', 3]], diagnostics: [] });
});

// ---------- manifest ----------

test('manifest: invalid JSON, wrong types, too big, or naming absent files give diagnostics', async () => {
  const make = (content: string | Buffer): Promise<OpenedBundle> => {
    const folder = mkdtempSync(join(work, 'manifest-'));
    writeFileSync(join(folder, 'manifest.json'), content);
    writeFileSync(join(folder, 'iostat.txt'), 'x');
    return openBundle(folder);
  };
  const broken = await make('{"version": "1.0", files: []}');
  assert.equal(broken.manifest, undefined);
  assert.equal(broken.manifestRaw, undefined);
  assert.match(withCode(broken.diagnostics, 'manifest-invalid')[0]!.message, /manifest\.json is ignored: not valid JSON/);
  assert.deepEqual(paths(broken), ['iostat.txt'], 'an ignored manifest is still not a bundle file');

  const wrongTypes = await make(JSON.stringify({ version: 1, files: [{ path: 'iostat.txt', exit_status: '0' }, 'x'] }));
  assert.equal(wrongTypes.manifest, undefined);
  assert.deepEqual(wrongTypes.manifestRaw, { version: 1, files: [{ path: 'iostat.txt', exit_status: '0' }, 'x'] });
  assert.match(withCode(wrongTypes.diagnostics, 'manifest-invalid')[0]!.message, /version must be a string; files\[0\]\.exit_status must be an integer; files\[1\] must be an object/);

  const huge = await make(Buffer.concat([Buffer.from('{"version":"1","files":[],"x-pad":"'), Buffer.alloc(1024 * 1024, 0x61), Buffer.from('"}')]));
  assert.equal(huge.manifestRaw, undefined);
  assert.match(withCode(huge.diagnostics, 'manifest-invalid')[0]!.message, /bigger than 1 MiB/);

  const missing = await make('\uFEFF' + JSON.stringify({ version: '1.0.0', files: [{ path: 'iostat.txt' }, { path: 'gone.txt' }] }));
  assert.deepEqual(missing.manifest?.files.map((f) => f.path), ['iostat.txt', 'gone.txt']);
  const miss = withCode(missing.diagnostics, 'manifest-file-missing');
  assert.equal(miss.length, 1);
  assert.match(miss[0]!.message, /"gone\.txt", which is not among the bundle's files/);
});

test('manifest schema: the documented example validates; the structural check agrees on types', () => {
  assert.deepEqual(validate('manifest', manifest), { valid: true, errors: [] });
  const full = {
    version: '1',
    kernel: '6.1.0-18-amd64',
    collector: 'perftriage-collect 0.1',
    timezone: '+02:00',
    'x-ticket': 'INC-1234',
    files: [{ path: 'top.txt', tool: 'top', command: 'top -b -n 3', started_at: '2024-05-01 10:00:00', ended_at: '2024-05-01T10:00:03Z', exit_status: 0, truncated: false, tool_version: 'procps-ng 4.0.2', timezone: 'UTC', notes: 'run as root' }],
  };
  assert.deepEqual(validate('manifest', full), { valid: true, errors: [] });
  assert.deepEqual(manifestProblems(full), []);
  const bad: [unknown, RegExp][] = [
    [{ version: '2.0', files: [] }, /version/],
    [{ version: '1.0', files: [{ path: '../x' }] }, /path/],
    [{ version: '1.0', files: [{ path: '/etc/x' }] }, /path/],
    [{ version: '1.0', timezone: 'Paris time', files: [] }, /timezone/],
    [{ version: '1.0', collected_at: 'yesterday', files: [] }, /collected_at/],
    [{ version: '1.0', files: [{ path: 'a', tol: 'iostat' }] }, /additional/],
    [{ version: '1.0' }, /files/],
    [{ version: '1.0', files: [{ path: 'a', exit_status: 1.5 }] }, /exit_status/],
  ];
  for (const [data, why] of bad) {
    const v = validate('manifest', data);
    assert.equal(v.valid, false, JSON.stringify(data));
    assert.match(v.errors.join(' '), why);
  }
  // Type errors the schema rejects, the structural check rejects too.
  assert.notDeepEqual(manifestProblems({ version: '1.0', files: [{ path: 'a', exit_status: 1.5 }] }), []);
  assert.notDeepEqual(manifestProblems({ version: '1.0' }), []);
});

test('options: a limit that is not a positive number is refused', async () => {
  const bad: BundleOptions[] = [{ maxEntries: 0 }, { maxTotalBytes: -1 }, { maxCompressionRatio: Number.NaN }];
  for (const options of bad) await assert.rejects(openBundle(work, options), RangeError);
});

test('a visitor that throws makes forEach reject, after closing the archive', async () => {
  const bundle = await openBundle(put('t.zip', zipOf(bundleFiles, '', 'deflate')));
  await assert.rejects(bundle.forEach(async () => {
    throw new Error('visitor failed');
  }), /visitor failed/);
  const again = await readAll(bundle);
  assert.equal(again.files.size, bundle.entries.length, 'the bundle can be walked again');
  const tarBundle = await openBundle(put('t.tar', tarArchive([{ path: 'a', data: Buffer.alloc(100_000) }, { path: 'b', data: Buffer.from('b') }])));
  await assert.rejects(tarBundle.forEach(async () => {
    throw new Error('tar visitor failed');
  }), /tar visitor failed/);
});

// ---------- reading twice ----------

test('rereadable: a folder and an archive file give the same bytes on a second walk; stdin and a pipe are not rereadable', async () => {
  const { parent, folder } = makeFolder();
  const tgz = join(parent, 'again.tgz');
  tar.c({ cwd: parent, file: tgz, gzip: true, sync: true }, ['bundle']);
  for (const path of [folder, tgz]) {
    assert.equal(isRereadable(path), true, path);
    const bundle = await openBundle(path);
    assert.equal(bundle.rereadable, true, path);
    const first = await readAll(bundle);
    const second = await readAll(bundle);
    assert.ok(first.files.size > 0);
    assert.deepEqual([...second.files.keys()], [...first.files.keys()]);
    for (const [name, bytes] of first.files) assert.ok(second.files.get(name)!.equals(bytes), name);
  }
  const stdin = await openBundle('-', { stdin: Readable.from([Buffer.from('Linux 6.1.0 (web-1)\n')]) });
  assert.equal(stdin.rereadable, false);
  assert.equal(isRereadable('-'), false);
  assert.equal(isRereadable(join(parent, 'no-such-bundle')), false);
  const fifo = join(parent, 'pipe');
  execFileSync('mkfifo', [fifo]);
  assert.equal(isRereadable(fifo), false);
  // The writer waits in the thread pool until the bundle opens the pipe for reading.
  const writer = writeFile(fifo, 'Linux 6.1.0 (web-1)\n');
  const piped = await openBundle(fifo);
  assert.equal(piped.rereadable, false);
  assert.equal((await readAll(piped)).files.size, 1);
  await writer;
});

test('folder: a file is read as it was listed, a file still being written up to the size it had then, an empty one as empty', async () => {
  const parent = mkdtempSync(join(work, 'growing-'));
  writeFileSync(join(parent, 'iostat.txt'), 'Linux 6.1.0 (web-1)\n17:35:25\n');
  writeFileSync(join(parent, 'empty.txt'), '');
  const bundle = await openBundle(parent);
  // Written after the listing (a collector still running): the stream and a worker's range read stop at the same byte.
  appendFileSync(join(parent, 'iostat.txt'), 'appended after the listing\n');
  appendFileSync(join(parent, 'empty.txt'), 'appended too\n');
  const ranged = new Map<string, string>();
  const streamed = new Map<string, string>();
  await bundle.forEach(async (entry, stream, ranges) => {
    const parts: Buffer[] = [];
    for await (const chunk of stream) parts.push(chunk as Buffer);
    streamed.set(entry.path, Buffer.concat(parts).toString());
    const again: Buffer[] = [];
    for await (const chunk of ranges!.read(0, entry.size!)) again.push(chunk);
    ranged.set(entry.path, Buffer.concat(again).toString());
  });
  assert.deepEqual(Object.fromEntries(streamed), { 'empty.txt': '', 'iostat.txt': 'Linux 6.1.0 (web-1)\n17:35:25\n' });
  assert.deepEqual(ranged, streamed);
});
