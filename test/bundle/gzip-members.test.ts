/**
 * `.gz` files inside a bundle (logrotate's `messages.1.gz`, `gzip top.txt` before upload): read inflated in
 * folders, tar.gz and zip, on the main thread and in parse workers, with the same records as the plain
 * file; corrupt or bomb-like ones stop with a diagnostic naming them; other compressed files stay skipped.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { openBundle, type OpenedBundle } from '../../src/bundle/bundle.js';
import { buildTimeline } from '../../src/timeline/build.js';
import type { TimelineRecord } from '../../src/common/types.js';
import { repoRoot } from '../helpers.js';
import { zipArchive } from './archives.js';

const work = mkdtempSync(join(tmpdir(), 'perftriage-gzip-members-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const seedCase = join(repoRoot, 'samples', 'seed-case');
const GZIPPED = ['top.txt', 'strace-p.txt'];

/** The seed case with top.txt and strace-p.txt gzipped, as `gzip top.txt strace-p.txt` leaves them. */
function gzippedSeedCase(): string {
  const dir = join(work, 'bundle');
  rmSync(dir, { recursive: true, force: true });
  cpSync(seedCase, dir, { recursive: true });
  for (const name of GZIPPED) {
    writeFileSync(join(dir, `${name}.gz`), gzipSync(readFileSync(join(dir, name))));
    rmSync(join(dir, name));
  }
  return dir;
}

async function contents(bundle: OpenedBundle): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  await bundle.forEach(async (entry, stream) => {
    const parts: Buffer[] = [];
    for await (const chunk of stream) parts.push(chunk as Buffer);
    out.set(entry.path, Buffer.concat(parts).toString('utf8'));
  });
  return out;
}

/** A record with its file named as in the plain bundle. */
function unzipped(r: TimelineRecord): TimelineRecord {
  return { ...r, source: { ...r.source, file: r.source.file.replace(/\.gz$/, '') } };
}

test('a folder with gzipped captures gives the plain bundle\'s records, on the main thread and in workers', async () => {
  const plain = await buildTimeline(seedCase, { jobs: 0 });
  const dir = gzippedSeedCase();
  for (const jobs of [0, 2]) {
    const gz = await buildTimeline(dir, { jobs });
    assert.deepEqual(gz.records.map(unzipped), plain.records, `jobs ${jobs}`);
    for (const name of GZIPPED) {
      const file = gz.files.find((f) => f.path === `${name}.gz`)!;
      const original = plain.files.find((f) => f.path === name)!;
      assert.deepEqual(file.coverage, original.coverage, `${name}.gz: every inflated line read`);
      assert.equal(file.tool, original.tool);
    }
    // manifest.json names top.txt: the entry top.txt.gz is that file, not a missing one.
    assert.deepEqual(gz.diagnostics.filter((d) => d.code === 'manifest-file-missing'), []);
  }
});

test('tar.gz and zip bundles: a .gz member is listed as compressed and read inflated', async () => {
  const dir = gzippedSeedCase();
  const tgz = join(work, 'case.tgz');
  tar.c({ cwd: work, file: tgz, gzip: true, sync: true }, ['bundle']);
  const zip = join(work, 'case.zip');
  writeFileSync(zip, zipArchive(readdirSync(dir).sort().map((name) => ({ name: `bundle/${name}`, data: readFileSync(join(dir, name)), method: 'deflate' as const }))));
  const topText = readFileSync(join(seedCase, 'top.txt'), 'utf8');
  for (const path of [dir, tgz, zip]) {
    const bundle = await openBundle(path);
    assert.deepEqual(bundle.entries.find((e) => e.path === 'top.txt.gz'), { path: 'top.txt.gz', compression: 'gzip' }, path);
    assert.equal((await contents(bundle)).get('top.txt.gz'), topText, path);
  }
});

test('a file only named .gz is read as it is; a .tar.gz or .xz inside a bundle stays unopened', async () => {
  const dir = join(work, 'odd');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'notes.gz'), 'plain text after all\n');
  writeFileSync(join(dir, 'inner.tar.gz'), gzipSync(Buffer.alloc(1024)));
  writeFileSync(join(dir, 'top.txt.xz'), Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  const bundle = await openBundle(dir);
  assert.deepEqual(bundle.entries, [{ path: 'notes.gz', compression: 'gzip' }]);
  assert.equal((await contents(bundle)).get('notes.gz'), 'plain text after all\n');
  const skipped = bundle.diagnostics.filter((d) => d.code === 'archive-entry-skipped');
  assert.deepEqual(skipped.map((d) => d.file).sort(), ['inner.tar.gz', 'top.txt.xz']);
  // Each says what to do: extract an archive, decompress a file compressed otherwise.
  assert.match(skipped.find((d) => d.file === 'inner.tar.gz')!.message, /an archive inside the bundle is not opened: extract it/);
  assert.match(skipped.find((d) => d.file === 'top.txt.xz')!.message, /decompress it there \(`xz -d`\) or gzip it instead/);
});

test('a cut .gz member ends in a diagnostic naming it, and the other files are still read', async () => {
  const dir = join(work, 'cut');
  mkdirSync(dir, { recursive: true });
  const whole = gzipSync(readFileSync(join(seedCase, 'top.txt')));
  writeFileSync(join(dir, 'top.txt.gz'), whole.subarray(0, Math.floor(whole.length / 2)));
  cpSync(join(seedCase, 'iostat-dx.txt'), join(dir, 'iostat-dx.txt'));
  const timeline = await buildTimeline(dir, { jobs: 0 });
  const error = timeline.diagnostics.find((d) => d.file === 'top.txt.gz' && d.severity === 'error');
  assert.match(error?.message ?? '', /reading "top\.txt\.gz" stopped: unexpected end of file/);
  assert.ok(timeline.records.some((r) => r.source.file === 'iostat-dx.txt'));
});

test('a .gz member that inflates past the ratio cap is cut there, like a gzip bomb', async () => {
  const dir = join(work, 'bomb');
  mkdirSync(dir, { recursive: true });
  const zeros = gzipSync(Buffer.alloc(8 * 1024 * 1024));
  writeFileSync(join(dir, 'top.txt.gz'), zeros);
  const bundle = await openBundle(dir);
  const read = await contents(bundle);
  const cap = bundle.diagnostics.find((d) => d.code === 'archive-cap');
  assert.match(cap?.message ?? '', /"top\.txt\.gz" inflates to more than 200 times its compressed size/);
  assert.ok(read.get('top.txt.gz')!.length < 8 * 1024 * 1024, 'cut before its end');
});
